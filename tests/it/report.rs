//! `thematic report`: the Markdown exactly, the HTML's heat map and quotes
//! against `matrix` and `quote`, escaping, the date line, attribution and
//! the git state.

use std::collections::BTreeMap;

use crate::util::Study;

const CODEBOOK: &str = "codebook: Recruitment and return
version: \"2.1\"
description: Fictional test codebook.
themes:
  - id: recruitment
    label: Recruitment
    description: How people were drawn in.
    codes:
      - id: job_offer
        label: A job offer
        definition: A promise of work that turned out false.
        include: Offers of work or study.
        match:
          any: [job offer*, trabajo, oferta*]
      - id: relative
        label: Recruited by a relative
        definition: The recruiter was family.
        match:
          any: [tía, tío, cousin, uncle, prima]
  - id: return
    label: Return
    description: After exploitation ends.
    codes:
      - id: support
        label: Family support
        definition: Relatives help the survivor.
        match:
          any: [support*, apoy*, took care]
        codes:
          - id: mother
            label: The mother
            match:
              any: [mother, madre, mamá]
      - id: stigma
        label: Stigma
        definition: Blame and gossip.
        origin: emergent
        match:
          any: [shame, vergüenza, gossip*, chisme*, culpa]
";

/// Two survivors (Spanish, English), a relative and a provider.
fn study() -> Study {
    let s = Study::empty();
    s.file("thematic.yaml", "unit: paragraph\nlanguage: spanish\n")
        .file("codebooks/main.yaml", CODEBOOK)
        .file(
            "respondents.csv",
            "id,role,region\nR01,survivor,Cusco\nR02,survivor,Puno\nR03,relative,Cusco\nP01,provider,Lima\n",
        )
        .file(
            "transcripts/r01.txt",
            "---\nrespondent: R01\n---\n\
             Entrevistadora: ¿Cómo llegaste a Lima?\n\
             R01: Mi prima me dijo que había trabajo en un restaurante.\n\
             \n\
             Mi mamá me apoyó cuando volví, pero en el barrio había chismes.\n",
        )
        .file(
            "transcripts/r02.txt",
            "---\nrespondent: R02\n---\n\
             Interviewer: What happened when you came back?\n\
             R02: My uncle said it was a job offer in a hotel.\n\
             \n\
             My mother took care of me. People said it was my shame.\n\
             \n\
             I went back to school later.\n",
        )
        .file(
            "transcripts/r03.txt",
            "---\nrespondent: R03\n---\n\
             Entrevistador: ¿Cómo reaccionó la familia?\n\
             R03: Yo soy su tía. Le dimos apoyo, aunque la gente decía que era su culpa.\n",
        )
        .file(
            "transcripts/p01.txt",
            "---\nrespondent: P01\n---\n\
             Interviewer: What do families do?\n\
             P01: Some families support the girls; others blame them and feel shame.\n\
             \n\
             The job offers come through cousins and neighbours.\n",
        );
    s
}

#[test]
fn markdown_report_exactly() {
    let s = study();
    let out = s
        .run(&["report", "--format", "markdown", "--date", "2026-03-31"])
        .ok()
        .to_string();
    assert_eq!(out, EXPECTED_MARKDOWN);
    // The same bytes again; the date line from SOURCE_DATE_EPOCH.
    let mut cmd = s.command();
    cmd.env("SOURCE_DATE_EPOCH", "1774915200")
        .args(["report", "--format", "markdown"]);
    let again = crate::util::run(cmd);
    assert_eq!(again.ok(), out);
}

const EXPECTED_MARKDOWN: &str = r#"# Recruitment and return

- Date: 2026-03-31
- Codebook: Recruitment and return, version 2.1
- Transcripts: 4; respondents: 4; excerpts: 8; coded: 7/8 (88%)

## Themes by respondent group

Cells: n/N (p%), n respondents of the group (`role`) with at least one excerpt at the theme or code, of N in the group; shaded by p.

| code \\ role | provider (n=1) | relative (n=1) | survivor (n=2) | total (n=4) |
| --- | ---: | ---: | ---: | ---: |
| **Recruitment** | 1/1 (100%) | 1/1 (100%) | 2/2 (100%) | 4/4 (100%) |
|   A job offer | 1/1 (100%) | 0/1 (0%) | 2/2 (100%) | 3/4 (75%) |
|   Recruited by a relative | 0/1 (0%) | 1/1 (100%) | 2/2 (100%) | 3/4 (75%) |
| **Return** | 1/1 (100%) | 1/1 (100%) | 2/2 (100%) | 4/4 (100%) |
|   Family support | 1/1 (100%) | 1/1 (100%) | 2/2 (100%) | 4/4 (100%) |
|     The mother | 0/1 (0%) | 0/1 (0%) | 2/2 (100%) | 2/4 (50%) |
|   Stigma | 1/1 (100%) | 1/1 (100%) | 2/2 (100%) | 4/4 (100%) |

## Themes by respondent

Excerpts per respondent.

| code \\ respondent | P01 | R01 | R02 | R03 | total |
| --- | ---: | ---: | ---: | ---: | ---: |
| **Recruitment** | 1 | 1 | 1 | 1 | 4 |
|   A job offer | 1 | 1 | 1 | 0 | 3 |
|   Recruited by a relative | 0 | 1 | 1 | 1 | 3 |
| **Return** | 1 | 1 | 1 | 1 | 4 |
|   Family support | 1 | 1 | 1 | 1 | 4 |
|     The mother | 0 | 1 | 1 | 0 | 2 |
|   Stigma | 1 | 1 | 1 | 1 | 4 |

## Recruitment

How people were drawn in.

### A job offer

*Definition:* A promise of work that turned out false.

> The job offers come through cousins and neighbours.
>
> **Quote 1:** P01, provider (`transcripts/p01.txt:7`)

> Mi prima me dijo que había trabajo en un restaurante.
>
> **Quote 2:** R01, survivor (`transcripts/r01.txt:5`)

> My uncle said it was a job offer in a hotel.
>
> **Quote 3:** R02, survivor (`transcripts/r02.txt:5`)

*these quotes: `thematic quote recruitment/job_offer --limit 3 --per-respondent 1`*

### Recruited by a relative

*Definition:* The recruiter was family.

> Mi prima me dijo que había trabajo en un restaurante.
>
> **Quote 4:** R01, survivor (`transcripts/r01.txt:5`)

> My uncle said it was a job offer in a hotel.
>
> **Quote 5:** R02, survivor (`transcripts/r02.txt:5`)

> Yo soy su tía. Le dimos apoyo, aunque la gente decía que era su culpa.
>
> **Quote 6:** R03, relative (`transcripts/r03.txt:5`)

*these quotes: `thematic quote recruitment/relative --limit 3 --per-respondent 1`*

## Return

After exploitation ends.

### Family support

*Definition:* Relatives help the survivor.

> Some families support the girls; others blame them and feel shame.
>
> **Quote 7:** P01, provider (`transcripts/p01.txt:5`)

> Mi mamá me apoyó cuando volví, pero en el barrio había chismes.
>
> **Quote 8:** R01, survivor (`transcripts/r01.txt:7`)

> My mother took care of me. People said it was my shame.
>
> **Quote 9:** R02, survivor (`transcripts/r02.txt:7`)

*1 more excerpt at this code; these quotes: `thematic quote return/support --limit 3 --per-respondent 1`*

#### The mother

> Mi mamá me apoyó cuando volví, pero en el barrio había chismes.
>
> **Quote 10:** R01, survivor (`transcripts/r01.txt:7`)

> My mother took care of me. People said it was my shame.
>
> **Quote 11:** R02, survivor (`transcripts/r02.txt:7`)

*these quotes: `thematic quote return/support/mother --limit 3 --per-respondent 2`*

### Stigma

*Definition:* Blame and gossip.

> Some families support the girls; others blame them and feel shame.
>
> **Quote 12:** P01, provider (`transcripts/p01.txt:5`)

> Mi mamá me apoyó cuando volví, pero en el barrio había chismes.
>
> **Quote 13:** R01, survivor (`transcripts/r01.txt:7`)

> My mother took care of me. People said it was my shame.
>
> **Quote 14:** R02, survivor (`transcripts/r02.txt:7`)

*1 more excerpt at this code; these quotes: `thematic quote return/stigma --limit 3 --per-respondent 1`*

## Co-occurrence of codes

Excerpts at both codes (the diagonal: excerpts at the code).

| code | 1 | 2 | 3 | 4 | 5 |
| --- | ---: | ---: | ---: | ---: | ---: |
| 1. A job offer (`recruitment/job_offer`) | 3 | 2 | 0 | 0 | 0 |
| 2. Recruited by a relative (`recruitment/relative`) | 2 | 3 | 1 | 0 | 1 |
| 3. Family support (`return/support`) | 0 | 1 | 4 | 2 | 4 |
| 4. The mother (`return/support/mother`) | 0 | 0 | 2 | 2 | 2 |
| 5. Stigma (`return/stigma`) | 0 | 1 | 4 | 2 | 4 |

## Appendix: the codebook

### Recruitment (`recruitment`)

- **Description:** How people were drawn in.

#### A job offer (`recruitment/job_offer`)

- **Definition:** A promise of work that turned out false.
- **Include:** Offers of work or study.
- **Rules:** any of: job offer\*, trabajo, oferta\*

#### Recruited by a relative (`recruitment/relative`)

- **Definition:** The recruiter was family.
- **Rules:** any of: tía, tío, cousin, uncle, prima

### Return (`return`)

- **Description:** After exploitation ends.

#### Family support (`return/support`)

- **Definition:** Relatives help the survivor.
- **Rules:** any of: support\*, apoy\*, took care

##### The mother (`return/support/mother`)

- **Rules:** any of: mother, madre, mamá

#### Stigma (`return/stigma`)

- **Definition:** Blame and gossip.
- **Origin:** emergent
- **Rules:** any of: shame, vergüenza, gossip\*, chisme\*, culpa

## Method

Unit: an excerpt is a paragraph of a respondent's turn (setting `unit`); interviewer turns are context, never counted.

An excerpt is at a code when a codebook rule or any coder put it there; a theme's or a parent code's figures include its sub-codes, each excerpt once.

Heat map: n is the number of respondents of the group (`role`; `(missing)` for those without it) with at least one excerpt at the row, N the respondents of the group with any excerpt, p = n/N rounded to a whole percent; the figures of `thematic matrix --by role`.

Quotes: per code, the first 3 excerpts in corpus order (transcript path, then position), at most one per respondent unless the code has fewer respondents than 3 (then ⌈3 / respondents⌉): `thematic quote CODE --limit 3 --per-respondent P` with the same filters. Numbered once across the report.

Co-occurrence: excerpts at both codes, as `thematic cooccur`.

Capped: the heat map by respondent is shown up to 60 respondents, the co-occurrence table up to 60 codes, the summaries under a theme or code to 60, and each code's quotes to --limit.

Made by thematic 0.1.0 from the study's index.
"#;

/// `(code, excerpt id, text)` of every quote of an HTML report, in order,
/// and the quote numbers.
fn html_quotes(html: &str) -> (Vec<(String, String, String)>, Vec<usize>) {
    let figure = regex::Regex::new(
        r#"(?s)<figure class="quote" id="quote-\d+" data-number="(\d+)" data-id="([^"]*)" data-code="([^"]*)"><blockquote>(.*?)</blockquote>"#,
    )
    .unwrap();
    let mut quotes = Vec::new();
    let mut numbers = Vec::new();
    for c in figure.captures_iter(html) {
        numbers.push(c[1].parse().unwrap());
        let text = c[4]
            .replace("</p><p>", "\n\n")
            .replace("<br>", "\n")
            .replace("<p>", "")
            .replace("</p>", "");
        quotes.push((c[3].to_string(), unescape(&c[2]), unescape(&text)));
    }
    (quotes, numbers)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn html_quotes_are_quote_json_and_numbered_without_gaps() {
    let s = study();
    let html = s
        .run(&["report", "--date", "2026-03-31", "--where", "region=Cusco"])
        .ok()
        .to_string();
    let (quotes, numbers) = html_quotes(&html);
    assert_eq!(numbers, (1..=quotes.len()).collect::<Vec<_>>());
    let mut codes: Vec<&str> = quotes.iter().map(|q| q.0.as_str()).collect();
    codes.dedup();
    assert_eq!(
        codes,
        [
            "recruitment/job_offer",
            "recruitment/relative",
            "return/support",
            "return/support/mother",
            "return/stigma"
        ]
    );
    for code in codes {
        // The command the report names under the code's quotes.
        let line = regex::Regex::new(&format!(
            r"<code>thematic quote {} --limit 3 --per-respondent (\d+) --where region=Cusco</code>",
            regex::escape(code)
        ))
        .unwrap();
        let per = line.captures(&html).expect(code)[1].to_string();
        let json = s
            .run(&[
                "quote",
                code,
                "--limit",
                "3",
                "--per-respondent",
                &per,
                "--where",
                "region=Cusco",
                "--format",
                "json",
            ])
            .ok()
            .to_string();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let want: Vec<(String, String)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                (
                    q["id"].as_str().unwrap().to_string(),
                    q["text"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let got: Vec<(String, String)> = quotes
            .iter()
            .filter(|q| q.0 == code)
            .map(|q| (q.1.clone(), q.2.clone()))
            .collect();
        assert_eq!(got, want, "{code}");
    }
    // Only R01 (survivor) and R03 (relative) live in Cusco: the mother has
    // one respondent, so up to 3 quotes of hers.
    assert!(html.contains(
        "<code>thematic quote return/support/mother --limit 3 --per-respondent 3 --where region=Cusco</code>"
    ));
}

#[test]
fn html_heat_map_cells_equal_matrix_csv() {
    let s = study();
    let html = s.run(&["report", "--by", "region"]).ok().to_string();
    let csv = s
        .run(&["matrix", "--by", "region", "--format", "csv"])
        .ok()
        .to_string();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row = regex::Regex::new(r#"(?s)<tr class="[^"]*" data-code="([^"]*)">(.*?)</tr>"#).unwrap();
    let cell = regex::Regex::new(r#"<td class="cell" data-column="([^"]*)" style="[^"]*" title="([^"]*)">(\d+)/(\d+) \((\d+)%\)</td>"#).unwrap();
    let groups = html.split("data-map=\"groups\"").nth(1).unwrap();
    let groups = groups.split("</table>").next().unwrap();
    let mut got: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut n_rows = 0;
    for r in row.captures_iter(groups) {
        n_rows += 1;
        let cells: Vec<_> = cell.captures_iter(&r[2]).collect();
        assert_eq!(cells.len(), header.len() - 2, "{}", &r[1]);
        for c in cells {
            let (n, of, p): (u32, u32, u32) = (
                c[3].parse().unwrap(),
                c[4].parse().unwrap(),
                c[5].parse().unwrap(),
            );
            assert_eq!(p, (n * 200 + of) / (of * 2));
            got.insert((r[1].to_string(), c[1].to_string()), n);
        }
    }
    let mut want: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut n_csv = 0;
    for line in lines {
        n_csv += 1;
        let f: Vec<&str> = line.split(',').collect();
        for (j, v) in f[1..f.len() - 1].iter().enumerate() {
            want.insert(
                (f[0].to_string(), header[j + 1].to_string()),
                v.parse().unwrap(),
            );
        }
    }
    assert_eq!(n_rows, n_csv);
    assert_eq!(got, want);
    // Hovering shows the count and the first quote.
    assert!(groups.contains(
        r#"data-column="Cusco" style="background:#08306b;color:#fff" title="2 excerpts; first: transcripts/r01.txt:5">2/2 (100%)</td>"#
    ), "{groups}");
}

#[test]
fn script_tags_in_transcripts_show_literally() {
    let s = study();
    s.file(
        "transcripts/r02.txt",
        "---\nrespondent: R02\n---\n\
         Interviewer: What did the message say?\n\
         R02: It said <script>alert(1)</script> and <img src=x onerror=alert(2)>, a job offer & more.\n",
    );
    let html = s.run(&["report", "--date", "2026-03-31"]).ok().to_string();
    assert!(html.contains(
        "It said &lt;script&gt;alert(1)&lt;/script&gt; and &lt;img src=x onerror=alert(2)&gt;, a job offer &amp; more."
    ));
    assert!(!html.contains("<script"), "a script element");
    assert!(!html.contains("<img"), "an image element");
    // No URL of any kind: nothing is fetched.
    for bad in ["http:", "https:", "//", "url(", "@import"] {
        assert!(!html.contains(bad), "{bad}");
    }
    let md = s
        .run(&["report", "--format", "markdown", "--date", "2026-03-31"])
        .ok()
        .to_string();
    assert!(md.contains(
        "> It said \\<script\\>alert(1)\\</script\\> and \\<img src=x onerror=alert(2)\\>, a job offer \\& more."
    ), "{md}");
}

#[test]
fn attribution_template_from_the_settings() {
    let s = study();
    s.file(
        "thematic.yaml",
        "unit: paragraph\ntitle: Regreso a casa\ndescription: Entrevistas ficticias.\nattribution: \"{role} de {region}\"\n",
    );
    let md = s
        .run(&[
            "report",
            "--format",
            "markdown",
            "--date",
            "2026-03-31",
            "--theme",
            "recruitment",
        ])
        .ok()
        .to_string();
    assert!(
        md.starts_with("# Regreso a casa\n\nEntrevistas ficticias.\n\n- Date: 2026-03-31\n"),
        "{md}"
    );
    assert!(
        md.contains("> **Quote 1:** provider de Lima (`transcripts/p01.txt:7`)"),
        "{md}"
    );
    assert!(
        md.contains("> **Quote 4:** survivor de Cusco (`transcripts/r01.txt:5`)"),
        "{md}"
    );
    assert!(!md.contains("## Return"), "{md}");
    s.file(
        "thematic.yaml",
        "unit: paragraph\nattribution: \"{role}, {regoin}\"\n",
    );
    s.run(&["code"]).ok();
    let err = s.run(&["report"]).bad_input().to_string();
    assert!(err.contains("thematic.yaml:2:23"), "{err}");
    assert!(err.contains("`{regoin}`"), "{err}");
    assert!(err.contains("region"), "{err}");
}

#[test]
fn bad_dates_and_limits_are_refused() {
    let s = study();
    let err = s
        .run(&["report", "--date", "31.03.2026"])
        .bad_input()
        .to_string();
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    let mut cmd = s.command();
    cmd.env("SOURCE_DATE_EPOCH", "yesterday").args(["report"]);
    crate::util::run(cmd).bad_input();
    s.run(&["report", "--limit", "0"]).bad_input();
    s.run(&["code"]).ok();
    s.run(&["report", "--by", "rol"]).bad_input();
    s.run(&["report", "--theme", "retorno"]).bad_input();
}

#[test]
fn git_commit_and_dirty_state_when_the_study_is_in_git() {
    let s = study();
    let md = s
        .run(&["report", "--format", "markdown", "--date", "2026-03-31"])
        .ok()
        .to_string();
    assert!(!md.contains("Git commit"), "not in git: {md}");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(s.path())
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.org"])
            .args(args)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(String::from_utf8(o.stdout).unwrap()),
            _ => None,
        }
    };
    if git(&["init", "-q"]).is_none() {
        eprintln!("git is not installed: skipped");
        return;
    }
    s.file(".gitignore", ".thematic/\n");
    git(&["add", "-A"]).unwrap();
    git(&["commit", "-q", "-m", "study"]).unwrap();
    let head = git(&["rev-parse", "HEAD"]).unwrap().trim().to_string();
    let md = s
        .run(&["report", "--format", "markdown", "--date", "2026-03-31"])
        .ok()
        .to_string();
    assert!(
        md.contains(&format!("- Git commit: {head} (working tree clean)\n")),
        "{md}"
    );
    s.file("transcripts/r03.txt", "R03: Ya no hablamos de eso.\n");
    let md = s
        .run(&["report", "--format", "markdown", "--date", "2026-03-31"])
        .ok()
        .to_string();
    assert!(
        md.contains(&format!(
            "- Git commit: {head} (the working tree has changes not committed)\n"
        )),
        "{md}"
    );
}

#[test]
fn agreement_and_charted_summaries_when_the_study_has_them() {
    let s = study();
    s.file(
        "codings/ana.csv",
        "excerpt,code\ntranscripts/r01.txt:5,recruitment/relative\ntranscripts/r02.txt:7,return/stigma\ntranscripts/p01.txt:5,return/stigma\n",
    )
    .file(
        "codings/ben.csv",
        "excerpt,code\ntranscripts/r01.txt:5,recruitment/relative\ntranscripts/r02.txt:7,return/support\ntranscripts/p01.txt:5,return/stigma\n",
    );
    s.run(&["chart", "--by", "role"]).ok();
    let chart = s.read("charts/by-role/survivor.md");
    let (head, tail) = chart.split_once("## return/stigma\n").unwrap();
    let (marker, rest) = tail.split_once("-->\n").unwrap();
    let (listing, rest) = rest.split_once("-->\n").unwrap();
    s.file(
        "charts/by-role/survivor.md",
        &format!(
            "{head}## return/stigma\n{marker}-->\n{listing}-->\nBoth survivors name *shame* and gossip <in the barrio> [transcripts/r01.txt:7].\n{rest}"
        ),
    );
    let md = s
        .run(&["report", "--format", "markdown", "--date", "2026-03-31"])
        .ok()
        .to_string();
    assert!(md.contains(
        "*Definition:* Blame and gossip.\n\n**survivor**: Both survivors name \\*shame\\* and gossip \\<in the barrio\\> \\[transcripts/r01.txt:7\\].\n\n> Some families"
    ), "{md}");
    // Where the summaries come from, and where the others are.
    assert!(md.contains("Summaries: those written for the groups, in `charts/by-role/VALUE.md`; the summaries written per respondent (`charts/ID.md`) are in the report made with `--by respondent`."), "{md}");
    let agree = s.run(&["agree", "--format", "csv"]).ok().to_string();
    let section = md.split("## Agreement between coders\n\n").nth(1).unwrap();
    assert!(
        section.starts_with("Coders: ana, ben. Units: the excerpts every one of them judged for the code (for α, those at least two of them judged)."),
        "{section}"
    );
    for line in agree.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let row = format!(
            "| `{}` | {} | {} | {} | {} |\n",
            f[0], f[1], f[2], f[3], f[4]
        );
        assert!(section.contains(&row), "{row} not in\n{section}");
    }
}

#[test]
fn by_respondent_map_is_left_out_above_sixty_respondents() {
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK);
    let mut csv = String::from("id,role\n");
    for i in 1..=61 {
        let id = format!("R{i:02}");
        csv.push_str(&format!("{id},survivor\n"));
        s.file(
            &format!("transcripts/{id}.txt"),
            &format!("Entrevistadora: ¿Y después?\n{id}: Mi mamá me apoyó cuando volví.\n"),
        );
    }
    s.file("respondents.csv", &csv);
    let md = s
        .run(&["report", "--format", "markdown", "--date", "2026-03-31"])
        .ok()
        .to_string();
    assert!(!md.contains("## Themes by respondent\n"), "{md}");
    assert!(md.contains(
        "The heat map by respondent is left out: 61 respondents are more than 60 columns (`thematic matrix --format csv` has them all)."
    ), "{md}");
    assert!(
        md.contains("| **Return** | 61/61 (100%) | 61/61 (100%) |"),
        "{md}"
    );
    // By respondent: one map, n/N per respondent, and no second one.
    let md = s
        .run(&[
            "report",
            "--format",
            "markdown",
            "--date",
            "2026-03-31",
            "--by",
            "respondent",
        ])
        .ok()
        .to_string();
    assert!(
        md.contains("| code \\\\ respondent | R01 (n=1) | R02 (n=1) |"),
        "{md}"
    );
    assert!(!md.contains("left out: 61"), "{md}");
    assert_eq!(md.matches("| **Return** |").count(), 1, "{md}");
}

#[test]
fn source_narrows_quotes_as_it_narrows_quote() {
    let s = study();
    s.file(
        "codings/ana.csv",
        "excerpt,code\ntranscripts/r02.txt:9,recruitment/job_offer\ntranscripts/r03.txt:5,recruitment/job_offer\n",
    );
    let html = s
        .run(&["report", "--source", "ana", "--theme", "recruitment"])
        .ok()
        .to_string();
    let (quotes, numbers) = html_quotes(&html);
    assert_eq!(numbers, [1, 2]);
    let json = s
        .run(&[
            "quote",
            "recruitment/job_offer",
            "--limit",
            "3",
            "--per-respondent",
            "2",
            "--source",
            "ana",
            "--format",
            "json",
        ])
        .ok()
        .to_string();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let want: Vec<(String, String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                "recruitment/job_offer".to_string(),
                q["id"].as_str().unwrap().to_string(),
                q["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(quotes, want);
    assert!(html.contains(
        "<code>thematic quote recruitment/job_offer --limit 3 --per-respondent 2 --source ana</code>"
    ), "{html}");
    assert!(html.contains("No excerpt at this code."), "{html}");
}

#[test]
fn a_theme_without_codes_has_its_own_quotes() {
    let s = study();
    s.replace(
        "codebooks/main.yaml",
        "  - id: return\n",
        "  - id: context\n    label: Context of the interview\n    description: Coded by hand.\n  - id: return\n",
    )
    .file(
        "codings/ana.csv",
        "excerpt,code\ntranscripts/r02.txt:9,context\ntranscripts/p01.txt:7,context\n",
    );
    let md = s
        .run(&[
            "report",
            "--format",
            "markdown",
            "--date",
            "2026-03-31",
            "--theme",
            "context",
        ])
        .ok()
        .to_string();
    let section = md.split("## Context of the interview\n\n").nth(1).unwrap();
    assert!(
        section.starts_with(
            "Coded by hand.\n\n\
         > The job offers come through cousins and neighbours.\n>\n\
         > **Quote 1:** P01, provider (`transcripts/p01.txt:7`)\n\n\
         > I went back to school later.\n>\n\
         > **Quote 2:** R02, survivor (`transcripts/r02.txt:9`)\n\n\
         *these quotes: `thematic quote context --limit 3 --per-respondent 2`*\n\n"
        ),
        "{section}"
    );
    // No pairs to count with a single row.
    assert!(!md.contains("## Co-occurrence"), "{md}");
}

/// A focus group where Ana (R03) withdrew consent and Luis (R04) did not,
/// with a survivor (R05), and group summaries written before she withdrew.
fn withdrawn_in_a_group() -> Study {
    let s = Study::empty();
    s.file("thematic.yaml", "withdrawn: [R03]\n")
        .file(
            "codebooks/main.yaml",
            "codebook: t\nversion: \"1\"\nthemes:\n  - id: inst\n    label: Instituciones\n    codes:\n      - id: police\n        label: Policía\n        definition: Police contact.\n        match: {any: [policia*, comisaria]}\n      - id: blame\n        label: Blame\n        definition: Blame.\n        match: {any: [culpa*]}\n",
        )
        .file(
            "transcripts/fg.txt",
            "---\nspeakers: {Ana: R03, Luis: R04}\n---\nModerator: ¿Qué pasa?\nAna: Los vecinos culpan a las chicas.\nLuis: La policía pide dinero y nos culpan.\n",
        )
        .file(
            "transcripts/R05.txt",
            "Entrevistador: ¿Qué pasó?\nR05: La policía no vino.\n",
        )
        .file("respondents.csv", "id,profile\nR03,relative\nR04,relative\nR05,survivor\n")
        .file(
            "charts/by-profile/relative.md",
            "# relative\n\n## inst/blame\nUna madre dice \"los vecinos culpan a las chicas\" [transcripts/fg.txt:5].\n\n## inst/police\nResumen del grupo: sobornos [transcripts/fg.txt:6].\n",
        )
        .file(
            "charts/by-profile/survivor.md",
            "# survivor\n\n## inst/police\nResumen de R05: no vino [transcripts/R05.txt:2].\n",
        );
    s.run(&["code"]).ok();
    s
}

/// The warnings of a run that say a summary is left out.
fn left_out(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("is left out"))
        .collect()
}

#[test]
fn summaries_that_may_hold_a_withdrawn_respondents_words_are_left_out() {
    let s = withdrawn_in_a_group();
    let cited = "warning: charts/by-profile/relative.md:4:51: the summary of inst/blame is left out: it cites `transcripts/fg.txt:5`, of a transcript that held the words of `R03`, who withdrew consent; rewrite the summary without their words and remove the citation, and it shows again";
    let unreviewed = "warning: charts/by-profile/relative.md:6: the summary of inst/police is left out: it was written while the group held `R03`, who withdrew consent, and its excerpts have not been reviewed since (the record of them is stale or missing); rewrite it without their words, run `thematic chart check --accept`, and it shows again";
    let report = s.run(&["report", "--by", "profile", "--date", "2026-01-01"]);
    let html = report.ok();
    assert_eq!(left_out(&report.stderr), [cited, unreviewed]);
    assert!(!html.contains("vecinos culpan"), "{html}");
    assert!(!html.contains("Resumen del grupo"), "{html}");
    assert!(html.contains("Resumen de R05: no vino"), "{html}");
    let md = s.run(&[
        "report",
        "--by",
        "profile",
        "--format",
        "markdown",
        "--date",
        "2026-01-01",
    ]);
    assert!(!md.ok().contains("vecinos culpan"), "{}", md.stdout);
    assert_eq!(left_out(&md.stderr), [cited, unreviewed]);
    // The matrix leaves them out too, with the status `withheld`.
    let statuses = |s: &Study| {
        let out = s.run(&[
            "matrix", "--cell", "summary", "--by", "profile", "--format", "json",
        ]);
        let v: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
        let cells: Vec<String> = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["cells"].as_array().unwrap().clone())
            .map(|c| {
                format!(
                    "{} {:?}",
                    c["status"].as_str().unwrap(),
                    c["summary"].as_str().unwrap()
                )
            })
            .collect();
        (cells, out.stderr)
    };
    let (cells, stderr) = statuses(&s);
    assert_eq!(
        cells,
        [
            "none \"\"",
            "none \"\"",
            "withheld \"\"",
            "stale \"Resumen de R05: no vino [transcripts/R05.txt:2].\"",
            "withheld \"\"",
            "none \"\"",
        ]
    );
    assert_eq!(left_out(&stderr), [cited, unreviewed]);
    // `chart check` says why those sections matter before they are
    // recorded, and `--accept` that recording them shows them again.
    let written_while = |stderr: &str| -> Vec<String> {
        stderr
            .lines()
            .filter(|l| l.contains("written while the group held"))
            .map(String::from)
            .collect()
    };
    let check = s.run(&["chart", "check"]);
    assert_eq!(
        written_while(&check.stderr),
        [
            "warning: charts/by-profile/relative.md:3: this summary was written while the group held `R03`, who withdrew consent; it is left out of `matrix --cell summary` and `report`: rewrite it without their words, then `thematic chart check --accept` records it",
            "warning: charts/by-profile/relative.md:6: this summary was written while the group held `R03`, who withdrew consent; it is left out of `matrix --cell summary` and `report`: rewrite it without their words, then `thematic chart check --accept` records it",
        ]
    );
    // Reviewed and recorded, the group's police summary shows again; the
    // one citing her stays out until the citation goes.
    let accepted = s.run(&["chart", "check", "--accept"]);
    assert_eq!(written_while(&accepted.stderr).len(), 2);
    assert!(written_while(&accepted.stderr)[1]
        .ends_with("it is recorded now, so it shows in `matrix --cell summary` and `report` again: make sure it holds none of their words"));
    let (cells, stderr) = statuses(&s);
    assert_eq!(
        cells,
        [
            "none \"\"",
            "none \"\"",
            "written \"Resumen del grupo: sobornos [transcripts/fg.txt:6].\"",
            "written \"Resumen de R05: no vino [transcripts/R05.txt:2].\"",
            "withheld \"\"",
            "none \"\"",
        ]
    );
    // (A marker under its heading moved the citation down a line.)
    assert_eq!(left_out(&stderr), [cited.replace(":4:51", ":5:51")]);
    s.replace(
        "charts/by-profile/relative.md",
        "Una madre dice \"los vecinos culpan a las chicas\" [transcripts/fg.txt:5].",
        "Culpan a las chicas.",
    );
    let report = s.run(&["report", "--by", "profile", "--date", "2026-01-01"]);
    assert!(report.ok().contains("Culpan a las chicas."));
    assert_eq!(left_out(&report.stderr), Vec::<&str>::new());
}

#[test]
fn a_group_file_whose_every_member_withdrew_is_left_out_with_a_warning() {
    let s = withdrawn_in_a_group();
    s.file(
        "respondents.csv",
        "id,profile\nR03,solo\nR04,relative\nR05,survivor\n",
    )
    .file(
        "charts/by-profile/solo.md",
        "# solo\n\n## inst/blame\nElla dice que los vecinos culpan a las chicas.\n",
    );
    s.run(&["code"]).ok();
    let check = s.run(&["chart", "check"]);
    assert_ne!(check.code, 2, "{}", check.stderr);
    assert!(
        check.stderr.contains(
            "warning: charts/by-profile/solo.md: every respondent with `profile` `solo` withdrew \
             consent (`R03`); this chart file is left out of every output, but it still holds \
             their words and summaries: the team should delete it\n"
        ),
        "{}",
        check.stderr
    );
    let report = s.run(&["report", "--by", "profile", "--date", "2026-01-01"]);
    assert!(!report.ok().contains("vecinos culpan"));
}

#[test]
fn where_narrows_the_transcripts_counted_too() {
    let s = study();
    let out = s
        .run(&[
            "report",
            "--format",
            "markdown",
            "--date",
            "2026-03-31",
            "--where",
            "respondent=R01",
        ])
        .ok()
        .to_string();
    assert!(
        out.contains("- Transcripts: 1; respondents: 1; excerpts: 2;"),
        "{out}"
    );
}
