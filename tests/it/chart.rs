//! `thematic chart` and `thematic chart check`: chart files of written
//! summaries, appended to and never rewritten, checked against the index.

use crate::util::Study;

fn study() -> Study {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    s
}

/// Writes a summary under every listing comment `chart` wrote, citing the
/// first excerpt listed (what a researcher's script would do).
fn fill(text: &str, words: &str) -> String {
    let mut out = String::new();
    let mut first: Option<String> = None;
    let mut listing = false;
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        if line.starts_with("<!-- to summarise") {
            listing = true;
            first = None;
        } else if listing && line == "-->" {
            listing = false;
            let id = first.take().unwrap_or_default();
            out.push_str(&format!("{words} [{id}].\n"));
        } else if listing && first.is_none() {
            first = line
                .strip_prefix('[')
                .and_then(|l| l.split_once(']'))
                .map(|(id, _)| id.to_string());
        }
    }
    out
}

/// The basic study with R01's return cells charted and a summary written
/// under each, and the chart file's text.
fn r01_charted() -> (Study, String) {
    let s = study();
    s.run(&["chart", "--respondent", "R01", "--theme", "return"])
        .ok();
    let filled = fill(&s.read("charts/R01.md"), "Su tía la cuidó al volver");
    s.file("charts/R01.md", &filled);
    (s, filled)
}

/// `chart check`'s findings (it exits 1) once `lines` are inserted above
/// the interview of r01.txt, moving its excerpts down.
fn findings_after_inserting(s: &Study, lines: &str) -> Vec<String> {
    s.replace(
        "transcripts/r01.txt",
        "Interview 1, Cusco, March 2023.\n",
        &format!("Interview 1, Cusco, March 2023.\n{lines}"),
    );
    let out = s.run(&["chart", "check"]);
    assert_eq!(out.code, 1, "{out:?}");
    findings(&out.stdout)
        .into_iter()
        .map(String::from)
        .collect()
}

/// The finding lines of `chart check`'s output.
fn findings(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("charts/"))
        .collect()
}

const HAND: &str = "---\nresearcher: Lucía Quispe\n---\n# R01 — entrevista en Cusco\n\nNotas de campo <!-- no citar --> sobre la familia.\n\n## family\nLa madre la buscó cada día en la comisaría [transcripts/r01.txt:7].\n<!-- revisar con Ana -->";

#[test]
fn chart_appends_sections_and_keeps_what_a_person_wrote() {
    let s = study();
    s.file("charts/R01.md", HAND);
    let out = s.run(&["chart", "--theme", "family"]);
    assert_eq!(
        out.ok(),
        "charts/R01.md: added family/search, family/search/police, family/money
charts/R02.md: added family, family/search, family/search/police, family/money
charts/R04.md: added family, family/money
"
    );
    let r01 = s.read("charts/R01.md");
    assert!(r01.starts_with(HAND), "{r01}");
    assert_eq!(
        &r01[HAND.len()..],
        "

## family/search
<!-- thematic: excerpts d9802e3f339a (1); `thematic chart check --accept` updates this line -->
<!-- to summarise (this comment can go):
[transcripts/r01.txt:7] My mother went to the police station every day. She reported it in 20…
-->

## family/search/police
<!-- thematic: excerpts d9802e3f339a (1); `thematic chart check --accept` updates this line -->
<!-- to summarise (this comment can go):
[transcripts/r01.txt:7] My mother went to the police station every day. She reported it in 20…
-->

## family/money
<!-- thematic: excerpts a286e1f35592 (1); `thematic chart check --accept` updates this line -->
<!-- to summarise (this comment can go):
[transcripts/r01.txt:10] My family had no money for the bus.
-->

"
    );
    assert_eq!(
        s.read("charts/R04.md"),
        "# R04

## family
<!-- thematic: excerpts a90347aab1b8 (1); `thematic chart check --accept` updates this line -->
<!-- to summarise (this comment can go):
[transcripts/fg01.txt:7] A mí me apoyó mi familia con dinero. Nota: ruido en la sala.
-->

## family/money
<!-- thematic: excerpts a90347aab1b8 (1); `thematic chart check --accept` updates this line -->
<!-- to summarise (this comment can go):
[transcripts/fg01.txt:7] A mí me apoyó mi familia con dinero. Nota: ruido en la sala.
-->

"
    );
    // Run again: every cell has its section, nothing changes.
    let before = s.read("charts/R02.md");
    assert_eq!(
        s.run(&["chart", "--theme", "family"]).ok(),
        "nothing to add: every cell with excerpts has a section\n"
    );
    assert_eq!(s.read("charts/R02.md"), before);
    assert!(s.read("charts/R01.md").starts_with(HAND));
}

#[test]
fn chart_by_respondent_where_and_groups() {
    let s = study();
    assert_eq!(
        s.run(&["chart", "--respondent", "R03", "--where", "role=relative"])
            .ok(),
        "charts/R03.md: added return, return/support\n"
    );
    assert_eq!(
        s.run(&["chart", "--by", "role", "--theme", "return"]).ok(),
        "charts/by-role/relative.md: added return, return/support, return/dates
charts/by-role/survivor.md: added return, return/support, return/dates
"
    );
    assert!(s
        .read("charts/by-role/relative.md")
        .starts_with("# role: relative\n\n## return\n"));
    let err = s.run(&["chart", "--respondent", "R1"]);
    assert!(
        err.bad_input().contains("unknown respondent `R1`"),
        "{}",
        err.stderr
    );
    let err = s.run(&["chart", "--theme", "famly"]);
    assert!(
        err.bad_input().contains("did you mean `family`?"),
        "{}",
        err.stderr
    );
}

#[test]
fn check_clean_then_one_stale_cell_then_accept() {
    let (s, filled) = r01_charted();
    assert_eq!(
        s.run(&["chart", "check"]).ok(),
        "coverage (respondent cells with excerpts that have a summary):
  family  0 of 10 (0%)
  return  3 of 10 (30%)
no findings
"
    );
    // The codebook now puts r01.txt:7 at return/support too: that cell's
    // excerpts change; `return` had it already (through return/dates).
    s.replace(
        "codebooks/main.yaml",
        "any: [took care, me apoyó, support*]",
        "any: [took care, me apoyó, support*, police station]",
    );
    let out = s.run(&["chart", "check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        "charts/R01.md:12: stale: the excerpts at return/support changed since the summary was written (1 then, 2 now); review it, then run `thematic chart check --accept`
coverage (respondent cells with excerpts that have a summary):
  family  0 of 10 (0%)
  return  3 of 10 (30%)
1 finding
"
    );
    assert!(
        out.stderr.contains("error: chart check: 1 finding"),
        "{}",
        out.stderr
    );
    let out = s.run(&["chart", "check", "--accept"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stderr.lines().last(),
        Some("charts/R01.md: recorded the excerpts of 1 section")
    );
    assert!(out.stdout.ends_with("no findings\n"), "{}", out.stdout);
    // Only the marker line changed.
    let after = s.read("charts/R01.md");
    let changed: Vec<(&str, &str)> = filled
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(filled.lines().count(), after.lines().count());
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].1.starts_with("<!-- thematic: excerpts "));
    assert!(changed[0].1.contains("(2);"));
}

#[test]
fn check_reports_citations_elsewhere_unknown_ids_and_codes() {
    let s = study();
    s.file(
        "charts/R02.md",
        "# R02\n\n## family/search\n<!-- thematic: excerpts 000000000000 (1) -->\nBuscaron en la comisaría [transcripts/r01.txt:7] [transcripts/r02.txt:99].\n\n## family/serch\nTexto.\n\n## return\nNada [transcripts/r01.txt:10].\n",
    );
    let out = s.run(&["chart", "check", "--strict"]);
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("charts/R02.md"))
        .collect();
    assert_eq!(
        lines,
        [
            "charts/R02.md:4: stale: the excerpts at family/search changed since the summary was written (1 then, 1 now, but not the same excerpts); review it, then run `thematic chart check --accept`",
            "charts/R02.md:5:27: not at this cell: `transcripts/r01.txt:7` is R01's excerpt, not R02's",
            "charts/R02.md:5:51: unknown excerpt: no excerpt `transcripts/r02.txt:99` in the study; cite ids as `thematic quote` shows them",
            "charts/R02.md:7:4: unknown code: the codebook has no code `family/serch`; did you mean `family/search`?",
            "charts/R02.md:10: stale: the summary of return has no record of the excerpts it was written from; review it, then run `thematic chart check --accept`",
            "charts/R02.md:11:7: not at this cell: `transcripts/r01.txt:10` is R01's excerpt, not R02's",
            "charts/R02.md:12: unwritten: R02 has excerpts at family and no section; write the summary (`thematic chart` adds the sections)",
            "charts/R02.md:12: unwritten: R02 has excerpts at family/search/police and no section; write the summary (`thematic chart` adds the sections)",
            "charts/R02.md:12: unwritten: R02 has excerpts at family/money and no section; write the summary (`thematic chart` adds the sections)",
        ]
    );
}

#[test]
fn check_refuses_bad_chart_files_with_positions() {
    let s = study();
    s.file(
        "charts/R01.md",
        "# R01\n\n## Notas generales\nTexto.\n\n## family\nVer [r01:7].\n",
    );
    s.file("charts/R9.md", "# R9\n");
    let err = s.run(&["chart", "check"]);
    assert_eq!(
        err.bad_input(),
        "error: `## Notas generales` is not a code path
  --> charts/R01.md:3:4
  = help: a `## ` heading names a cell by its code path (`theme` or `theme/code`, as in `thematic matrix --format csv`); use `#` or `###` for other headings

error: `[r01:7]` is not an excerpt id
  --> charts/R01.md:7:6
  = help: cite an excerpt by its id, PATH:LINE as `thematic quote` shows it, e.g. [transcripts/r07.txt:12]

error: a chart file for `R9`, who is not a respondent of the study
  --> charts/R9.md
  = help: did you mean `R03`? (a chart file is named after its respondent: charts/<ID>.md)

error: charts/ has 3 errors; fix them and run the command again
"
    );
}

#[test]
fn chart_folder_from_the_settings() {
    let s = study();
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer, Moderadora, E]\ncharts: analysis/charts\n",
    );
    assert_eq!(
        s.run(&["chart", "--respondent", "m01", "--theme", "return"])
            .ok(),
        "analysis/charts/m01.md: added return, return/support, return/dates\n"
    );
    assert!(s.path().join("analysis/charts/m01.md").is_file());
}

#[test]
fn matrix_shows_the_summaries_at_their_cells() {
    let s = study();
    s.run(&["chart", "--theme", "return"]).ok();
    let filled = fill(&s.read("charts/R01.md"), "Su tía la cuidó al volver");
    s.file("charts/R01.md", &filled);
    s.replace(
        "charts/R03.md",
        "-->\n\n## return/support",
        "-->\nSu hija la apoyó;\nno quiso dinero [transcripts/fg01.txt:6].\n\n## return/support",
    );
    let json: serde_json::Value = serde_json::from_str(
        s.run(&[
            "matrix", "--cell", "summary", "--theme", "return", "--format", "json",
        ])
        .ok(),
    )
    .expect("json");
    assert_eq!(json["cell"], "summary");
    let columns: Vec<&str> = json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["R01", "R02", "R03", "R04", "m01"]);
    let row = |code: &str| {
        json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(
        row("return")["cells"][0],
        serde_json::json!({
            "count": 2, "respondents": 1, "of": 1,
            "summary": "Su tía la cuidó al volver [transcripts/r01.txt:7].",
            "cites": ["transcripts/r01.txt:7"],
            "status": "written"
        })
    );
    assert_eq!(
        row("return")["cells"][2],
        serde_json::json!({
            "count": 1, "respondents": 1, "of": 1,
            "summary": "Su hija la apoyó;\nno quiso dinero [transcripts/fg01.txt:6].",
            "cites": ["transcripts/fg01.txt:6"],
            "status": "written"
        })
    );
    assert_eq!(row("return/support")["cells"][2]["status"], "empty");
    assert_eq!(row("return/hand")["cells"][0]["status"], "none");
    assert_eq!(
        row("return/dates")["cells"][0]["summary"],
        "Su tía la cuidó al volver [transcripts/r01.txt:7]."
    );

    assert_eq!(
        s.run(&[
            "matrix",
            "--cell",
            "summary",
            "--theme",
            "return",
            "--rows",
            "themes",
            "--format",
            "markdown",
            "--where",
            "role=relative"
        ])
        .ok(),
        "| code | R03 | m01 | total (n=2) |
|---|---|---|---|
| Return | Su hija la apoyó;<br>no quiso dinero [transcripts/fg01.txt:6]. |  |  |
"
    );
    assert_eq!(
        s.run(&[
            "matrix",
            "--cell",
            "summary",
            "--rows",
            "themes",
            "--width",
            "20",
            "--where",
            "respondent=R01"
        ])
        .ok(),
        "┌────────────────────┬──────────────────────┬─────────────┐
│ code               ┆ R01                  ┆ total (n=1) │
╞════════════════════╪══════════════════════╪═════════════╡
│ Role of the family ┆                      ┆             │
│ Return             ┆ Su tía la cuidó al … ┆             │
└────────────────────┴──────────────────────┴─────────────┘
"
    );
    // CSV stays the integer contract.
    assert_eq!(
        s.run(&["matrix", "--cell", "summary", "--rows", "themes", "--format", "csv"])
            .ok(),
        s.run(&["matrix", "--cell", "count", "--rows", "themes", "--format", "csv"])
            .ok()
    );
    // A codebook edit that changes R01's return/support cell: stale there.
    s.replace(
        "codebooks/main.yaml",
        "any: [took care, me apoyó, support*]",
        "any: [took care, me apoyó, support*, police station]",
    );
    let json: serde_json::Value = serde_json::from_str(
        s.run(&[
            "matrix", "--cell", "summary", "--theme", "return", "--format", "json",
        ])
        .ok(),
    )
    .expect("json");
    let statuses: Vec<&str> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cells"][0]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["written", "stale", "written", "none"]);
}

#[test]
fn matrix_by_attribute_shows_the_group_files() {
    let s = study();
    s.file(
        "charts/by-role/relative.md",
        "# role: relative\n\n## return\nLas familias apoyan, pero sin dinero [transcripts/fg01.txt:6].\n",
    );
    s.file("charts/by-role/survivor.md", "## Notes\nnot a code\n");
    let out = s.run(&[
        "matrix", "--by", "role", "--cell", "summary", "--rows", "themes", "--format", "markdown",
    ]);
    assert_eq!(
        out.ok(),
        "| code \\ role | relative (n=2) | survivor (n=3) | total (n=5) |
|---|---|---|---|
| Role of the family |  |  |  |
| Return | (stale) Las familias apoyan, pero sin dinero [transcripts/fg01.txt:6]. |  |  |
"
    );
    assert!(
        out.stderr.contains(
            "warning: `## Notes` is not a code path\n  --> charts/by-role/survivor.md:1:4"
        ),
        "{}",
        out.stderr
    );
}

/// A copy of the README's example study.
fn example() -> Study {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for e in std::fs::read_dir(from).expect("read example") {
            let e = e.expect("entry");
            if e.file_name() == ".thematic" {
                continue;
            }
            let target = to.join(e.file_name());
            if e.file_type().expect("type").is_dir() {
                copy(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), target).expect("copy");
            }
        }
    }
    let s = Study::empty();
    copy(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/peru-family-study"),
        s.path(),
    );
    s
}

#[test]
fn the_example_study_is_charted_and_checks_clean() {
    let s = example();
    assert_eq!(
        s.run(&["chart", "check"]).ok(),
        "coverage (respondent cells with excerpts that have a summary):
  recruitment    0 of 20 (0%)
  family_role    15 of 43 (35%)
  reintegration  8 of 24 (33%)
no findings
"
    );
    let json: serde_json::Value = serde_json::from_str(
        s.run(&[
            "matrix",
            "--cell",
            "summary",
            "--theme",
            "family_role",
            "--format",
            "json",
        ])
        .ok(),
    )
    .expect("json");
    let stigma = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "family_role/stigma")
        .unwrap();
    let r02 = json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["name"] == "R02")
        .unwrap();
    assert_eq!(
        stigma["cells"][r02]["summary"],
        "Chismes de los vecinos: \"decían que yo tenía la culpa\" [transcripts/r02.txt:18]."
    );
    assert_eq!(stigma["cells"][r02]["status"], "written");
    // Nothing to add for the charted respondents and themes.
    assert_eq!(
        s.run(&[
            "chart",
            "--respondent",
            "R01",
            "--respondent",
            "R02",
            "--respondent",
            "R04",
            "--theme",
            "family_role",
            "--theme",
            "reintegration"
        ])
        .ok(),
        "nothing to add: every cell with excerpts has a section\n"
    );
}

#[test]
fn group_files_record_the_whole_group_whatever_where_keeps() {
    let s = study();
    assert_eq!(
        s.run(&[
            "chart",
            "--by",
            "role",
            "--where",
            "region=Lima",
            "--theme",
            "return"
        ])
        .ok(),
        "charts/by-role/relative.md: added return, return/support, return/dates
charts/by-role/survivor.md: added return, return/support, return/dates
"
    );
    let filled = fill(
        &s.read("charts/by-role/relative.md"),
        "Los familiares apoyan",
    );
    s.file("charts/by-role/relative.md", &filled);
    assert!(s.run(&["chart", "check"]).ok().ends_with("no findings\n"));
}

#[test]
fn quote_charted_lists_the_cited_excerpts_in_the_order_cited() {
    let s = study();
    s.file(
        "charts/R01.md",
        "# R01\n\n## return/support\nLa tía la cuidó [transcripts/r01.txt:13].\n\n## return\nVer también [transcripts/r01.txt:7; transcripts/r01.txt:13; transcripts/r01.txt:10].\n",
    );
    s.file(
        "charts/R04.md",
        "## return/support\nSu familia la apoyó con dinero [transcripts/fg01.txt:7].\n",
    );
    // r01.txt:10 is not at `return` and is left out; r01.txt:13 comes once.
    assert_eq!(
        s.run(&["quote", "return", "--charted", "--format", "csv", "--show", "role"])
            .ok(),
        "id,path,line,respondent,role,codes,question,text
transcripts/r01.txt:13,transcripts/r01.txt,13,R01,survivor,return/support,And later?,My aunt took care of me.
transcripts/r01.txt:7,transcripts/r01.txt,7,R01,survivor,family/search; family/search/police; return/dates,How did your family react?,My mother went to the police station every day. She reported it in 2021.
transcripts/fg01.txt:7,transcripts/fg01.txt,7,R04,survivor,family/money; return/support,¿Quién las apoyó?,A mí me apoyó mi familia con dinero. Nota: ruido en la sala.
"
    );
    assert_eq!(
        s.run(&[
            "quote", "support", "--charted", "--format", "csv", "--show", "role", "--where",
            "respondent=R04"
        ])
        .ok(),
        "id,path,line,respondent,role,codes,question,text
transcripts/fg01.txt:7,transcripts/fg01.txt,7,R04,survivor,family/money; return/support,¿Quién las apoyó?,A mí me apoyó mi familia con dinero. Nota: ruido en la sala.
"
    );
    let err = s.run(&["quote", "return", "--charted", "--query", "aunt"]);
    assert_eq!(err.code, 2, "{err:?}");
}

#[test]
fn chart_keeps_a_crlf_file_crlf() {
    let s = study();
    let hand = "\u{feff}# m01\r\n\r\n## return\r\nEscribe en 2020 [transcripts/m01.txt:1].";
    s.file("charts/m01.md", hand);
    assert_eq!(
        s.run(&["chart", "--respondent", "m01"]).ok(),
        "charts/m01.md: added return/support, return/dates\n"
    );
    let after = s.read("charts/m01.md");
    assert!(after.starts_with(hand));
    assert!(!after.replace("\r\n", "").contains('\n'), "{after:?}");
    assert!(
        after[hand.len()..].starts_with("\r\n\r\n## return/support\r\n<!-- thematic: excerpts ")
    );
}

#[test]
fn quote_memos_and_chart_check_refuses_memos_about_nothing() {
    let s = study();
    s.file(
        "memos/apoyo.md",
        "---\nabout: [support, transcripts/r01.txt:7]\n---\n\n# Support comes from women relatives\nAunts, mothers, daughters.\n",
    );
    s.file(
        "memos/r04.md",
        "---\nabout:\n  - R04\n---\nParticipó en el grupo focal de Lima.\n",
    );
    assert_eq!(
        s.run(&["quote", "return", "--memos", "--show", "role", "--limit", "3"])
            .ok(),
        "transcripts/fg01.txt:6 — R03 (role: relative)
  codes: return/support
  Mi hija me apoyó. Ella dijo: no quiero dinero.
  memo: Support comes from women relatives (memos/apoyo.md)

transcripts/fg01.txt:7 — R04 (role: survivor)
  codes: family/money, return/support
  A mí me apoyó mi familia con dinero. Nota: ruido en la sala.
  memo: Support comes from women relatives (memos/apoyo.md)
  memo: Participó en el grupo focal de Lima. (memos/r04.md)

transcripts/m01.txt:1 — m01 (role: relative)
  codes: return/dates
  I write this in 2020. There was no police in our town.
"
    );
    let json: serde_json::Value = serde_json::from_str(
        s.run(&["quote", "police", "--memos", "--format", "json"])
            .ok(),
    )
    .expect("json");
    assert_eq!(
        json[0]["memos"],
        serde_json::json!([{"path": "memos/apoyo.md", "title": "Support comes from women relatives"}])
    );
    // Without --memos the JSON keys stay as they were.
    let json: serde_json::Value =
        serde_json::from_str(s.run(&["quote", "police", "--format", "json"]).ok()).expect("json");
    assert!(json[0].get("memos").is_none());

    s.file(
        "memos/typo.md",
        "---\nabout: [famly, transcripts/r01.txt:8]\n---\nNotes.\n",
    );
    s.file("memos/none.md", "# No front matter\n");
    let err = s.run(&["chart", "check"]);
    assert_eq!(
        err.bad_input(),
        "error: the memo says nothing about what it is about
  --> memos/none.md:1
  = help: start it with front matter: ---, then `about: [CODE, RESPONDENT, EXCERPT-ID]`, then ---

error: `about:` names `famly`, which is no code, respondent or excerpt of the study
  --> memos/typo.md:2
  = help: did you mean `family`?

error: `about:` names `transcripts/r01.txt:8`, which is no code, respondent or excerpt of the study
  --> memos/typo.md:2
  = help: name an excerpt by its id as `thematic quote` shows it, e.g. transcripts/r07.txt:12

error: memos/ has 3 errors; fix them and run the command again
"
    );
    // Other commands warn and go on.
    let out = s.run(&[
        "quote", "police", "--memos", "--format", "csv", "--show", "role",
    ]);
    assert_eq!(
        out.ok(),
        "id,path,line,respondent,role,codes,question,text,memos
transcripts/r01.txt:7,transcripts/r01.txt,7,R01,survivor,family/search; family/search/police; return/dates,How did your family react?,My mother went to the police station every day. She reported it in 2021.,memos/apoyo.md
transcripts/r02.txt:5,transcripts/r02.txt,5,R02,survivor,family/search; family/search/police,¿Qué hizo tu familia?,\"Buscamos en la comisaría. No había policía en el pueblo, solo una comisaría lejos.\",
"
    );
    assert!(
        out.stderr.contains("warning: the memo says nothing"),
        "{}",
        out.stderr
    );
}

#[test]
fn codebook_show_markdown_lists_the_code_memos() {
    let s = Study::fixture("basic");
    s.file(
        "memos/apoyo.md",
        "---\nabout: [support, R04, return]\n---\n# Support comes from women relatives\n",
    );
    let out = s.run(&["codebook", "show", "--format", "markdown"]);
    let text = out.ok();
    assert!(
        text.contains("## Return (`return`)\n\n- **Memos:** Support comes from women relatives (`memos/apoyo.md`)\n\n### Support on return (`return/support`)\n\n- **Memos:** Support comes from women relatives (`memos/apoyo.md`)\n\n### Mentions a year (`return/dates`)\n\n\n"),
        "{text}"
    );
    assert_eq!(text.matches("**Memos:**").count(), 2);
}

#[test]
fn matrix_summary_without_chart_files_says_so() {
    let s = study();
    let out = s.run(&[
        "matrix", "--cell", "summary", "--rows", "themes", "--format", "csv",
    ]);
    assert_eq!(
        out.ok(),
        "code,R01,R02,R03,R04,m01,total\nfamily,2,2,0,1,0,5\nreturn,2,0,1,1,2,6\n"
    );
    assert_eq!(
        out.stderr,
        "note: no chart files in charts/: every cell is `none` (`thematic chart` adds sections to summarise)\n"
    );
}

#[test]
fn quote_memos_shows_the_notes_of_long_coding_sheets() {
    let s = study();
    s.file(
        "codings/ana.csv",
        "excerpt,code,note\ntranscripts/r02.txt:5,return/hand,Busca sola: la policía no estaba\ntranscripts/r01.txt:13,return/hand,\n",
    );
    assert_eq!(
        s.run(&["quote", "hand", "--memos", "--show", "role"]).ok(),
        "transcripts/r01.txt:13 — R01 (role: survivor)
  codes: return/support, return/hand
  My aunt took care of me.

transcripts/r02.txt:5 — R02 (role: survivor)
  codes: family/search, family/search/police, return/hand
  Buscamos en la comisaría. No había policía en el pueblo, solo una comisaría lejos.
  memo: ana on return/hand: Busca sola: la policía no estaba (codings/ana.csv:2)
"
    );
}

#[test]
fn matrix_summary_xlsx_has_whole_summaries() {
    let s = study();
    s.file(
        "charts/R03.md",
        "## return\nSu hija la apoyó;\nno quiso dinero [transcripts/fg01.txt:6].\n",
    );
    let out = s.path().join("m.xlsx");
    s.run(&[
        "matrix",
        "--cell",
        "summary",
        "--rows",
        "themes",
        "--format",
        "xlsx",
        "--output",
        out.to_str().unwrap(),
    ])
    .ok();
    let rows = crate::util::sheet_rows(&std::fs::read(&out).unwrap(), "m.xlsx");
    assert_eq!(
        rows[0][..4],
        ["code", "label", "R01", "R02"].map(String::from)
    );
    assert_eq!(rows[2][0], "return");
    assert_eq!(
        rows[2][4],
        "(stale) Su hija la apoyó;\nno quiso dinero [transcripts/fg01.txt:6]."
    );
}

/// `chart check` reads ids from the index's fast fields, `chart` from the
/// stored documents: both give the same ids for survey answers
/// (`path:row:column`) and sentences (`path:line.n`).
#[test]
fn survey_and_sentence_ids_check_as_they_were_charted() {
    let s = Study::fixture("basic");
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer, Moderadora, E]\nunit: sentence\ncsv: {id: id, answers: [q1, q2]}\n",
    )
    .file(
        "transcripts/encuesta.csv",
        "id;q1;q2\nR05;Mi madre fue a la comisaría cada día. Nadie la ayudó.;\"Teníamos deudas.\nMi tía me apoyó al volver.\"\n",
    );
    s.run(&["code"]).ok();
    s.run(&["chart"]).ok();
    let r05 = s.read("charts/R05.md");
    assert!(r05.contains("[transcripts/encuesta.csv:2:2]"), "{r05}");
    let r01 = s.read("charts/R01.md");
    assert!(r01.contains(".2]"), "{r01}");
    for r in ["R01", "R05"] {
        let path = format!("charts/{r}.md");
        let filled = fill(&s.read(&path), "Resumen escrito");
        s.file(&path, &filled);
    }
    let out = s.run(&["chart", "check"]);
    assert!(out.ok().ends_with("no findings\n"), "{}", out.stdout);
}

/// A cell with many excerpts lists the first twelve and says how to list
/// the rest; the marker counts them all.
#[test]
fn a_long_cell_lists_twelve_excerpts_and_the_command_for_the_rest() {
    let s = Study::fixture("basic");
    let mut text = String::from("---\nrespondent: R05\nregion: Madre de Dios\n---\n");
    for i in 1..=15 {
        text.push_str(&format!(
            "Interviewer: ¿Y después, parte {i}?\nR05: Mi familia pagó la deuda número {i} con dinero prestado.\n\n"
        ));
    }
    s.file("transcripts/r05.txt", &text);
    s.run(&["code"]).ok();
    s.run(&["chart", "--respondent", "R05", "--theme", "family"])
        .ok();
    let r05 = s.read("charts/R05.md");
    let money = &r05[r05.find("## family/money\n").expect("section")..];
    assert!(
        money.contains("excerpts ") && money.contains(" (15); "),
        "{money}"
    );
    let listed = money
        .lines()
        .take_while(|l| *l != "-->")
        .filter(|l| l.starts_with('['))
        .count();
    assert_eq!(listed, 12, "{money}");
    assert!(
        money.contains(
            "… and 3 more: thematic quote family/money --where respondent=R05 --limit 15\n"
        ),
        "{money}"
    );
    s.run(&["chart", "--by", "region", "--theme", "family"])
        .ok();
    let group = s.read("charts/by-region/Madre de Dios.md");
    assert!(
        group.contains("--where 'region=Madre de Dios' --limit 15\n"),
        "{group}"
    );
    // The command it names lists all fifteen.
    let quoted = s.run(&[
        "quote",
        "family/money",
        "--where",
        "respondent=R05",
        "--limit",
        "15",
        "--format",
        "csv",
    ]);
    assert_eq!(quoted.ok().lines().count(), 16);
}

#[test]
fn an_edit_that_moves_excerpts_is_told_with_where_their_text_went() {
    let (s, _) = r01_charted();
    assert!(s.run(&["chart", "check"]).ok().ends_with("no findings\n"));
    // Two lines added above the interview move every excerpt of r01.txt
    // down two lines: same texts, same number, new ids.
    assert_eq!(
        findings_after_inserting(&s, "Transcribed by the field team.\n\n"),
        [
            "charts/R01.md:4: stale: the excerpts at return changed since the summary was written (2 then, 2 now, 2 of them moved to another line by an edit of their transcript); review it, then run `thematic chart check --accept`",
            "charts/R01.md:9:28: unknown excerpt: no excerpt `transcripts/r01.txt:7` in the study: an edit of its transcript moved its text, now at transcripts/r01.txt:9; cite `transcripts/r01.txt:9`",
            "charts/R01.md:12: stale: the excerpts at return/support changed since the summary was written (1 then, 1 now, 1 of them moved to another line by an edit of their transcript); review it, then run `thematic chart check --accept`",
            "charts/R01.md:16:28: unknown excerpt: no excerpt `transcripts/r01.txt:13` in the study: an edit of its transcript moved its text, now at transcripts/r01.txt:15; cite `transcripts/r01.txt:15`",
            "charts/R01.md:19: stale: the excerpts at return/dates changed since the summary was written (1 then, 1 now, 1 of them moved to another line by an edit of their transcript); review it, then run `thematic chart check --accept`",
            "charts/R01.md:23:28: unknown excerpt: no excerpt `transcripts/r01.txt:7` in the study: an edit of its transcript moved its text, now at transcripts/r01.txt:9; cite `transcripts/r01.txt:9`",
        ]
    );
}

#[test]
fn as_many_excerpts_as_before_but_other_ones_is_said_and_moves_are_followed() {
    let (s, _) = r01_charted();
    // One edit moves the text of r01.txt:13 down a line; a second moves it
    // again: the citation is pointed at where it is now.
    s.replace("transcripts/r01.txt", "[00:01:10]", "\n[00:01:10]");
    s.run(&["code"]).ok();
    s.replace("transcripts/r01.txt", "[00:01:10]", "\n[00:01:10]");
    let out = s.run(&["chart", "check"]);
    assert!(
        out.stdout.contains(
            "charts/R01.md:16:28: unknown excerpt: no excerpt `transcripts/r01.txt:13` in the study: an edit of its transcript moved its text, now at transcripts/r01.txt:15; cite `transcripts/r01.txt:15`\n"
        ),
        "{}",
        out.stdout
    );
    // A new text in place of the cited one: as many excerpts, other ones.
    s.replace(
        "transcripts/r01.txt",
        "My aunt took care of me.",
        "My aunt took care of me and my son.",
    );
    let out = s.run(&["chart", "check"]);
    assert!(
        out.stdout.contains(
            "stale: the excerpts at return/support changed since the summary was written (1 then, 1 now, but not the same excerpts)"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "unknown excerpt: no excerpt `transcripts/r01.txt:13` in the study; cite ids as `thematic quote` shows them\n"
        ),
        "{}",
        out.stdout
    );
}

/// The `cells-*.bin` files in the study's data folder.
fn cell_tables(s: &Study) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(s.path().join(".thematic"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("cells-") && n.ends_with(".bin"))
        .collect();
    names.sort();
    names
}

#[test]
fn the_cell_table_is_kept_per_commit_and_a_damaged_one_is_made_again() {
    // No charts: `code` makes no cell table.
    assert_eq!(cell_tables(&study()), Vec::<String>::new());
    let (s, _) = r01_charted();
    let clean = s.run(&["chart", "check"]);
    let want = clean.ok().to_string();
    let made = cell_tables(&s);
    assert_eq!(made.len(), 1, "{made:?}");
    // Read back from the file: the same answer, nothing said.
    let again = s.run(&["chart", "check"]);
    assert_eq!((again.ok(), again.stderr.as_str()), (want.as_str(), ""));
    // Damaged: said, made again, the same answer.
    let path = s.path().join(".thematic").join(&made[0]);
    let mut bytes = std::fs::read(&path).unwrap();
    let i = bytes.len() / 3;
    bytes[i] ^= 0x04;
    std::fs::write(&path, bytes).unwrap();
    let out = s.run(&["chart", "check"]);
    assert_eq!(out.ok(), want);
    assert_eq!(
        out.stderr,
        format!(
            "note: .thematic/{} is damaged; reading the cells from the index again\n",
            made[0]
        )
    );
    assert_eq!(s.run(&["chart", "check"]).stderr, "");
    // With chart files in the study, `code` makes the new commit's table,
    // and the one of the commit before that is removed by the next commit.
    s.replace(
        "codebooks/main.yaml",
        "any: [took care, me apoyó, support*]",
        "any: [took care, me apoyó, support*, police station]",
    );
    s.run(&["code"]).ok();
    let after = cell_tables(&s);
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after.contains(&made[0]));
    // The previous commit's table copied over this one's is refused, as
    // is its count cache.
    let stale = s.run(&["chart", "check"]).stdout;
    let matrix = s.run(&["matrix", "--format", "csv"]).ok().to_string();
    let data = s.path().join(".thematic");
    let new = after.iter().find(|n| **n != made[0]).unwrap();
    std::fs::copy(data.join(&made[0]), data.join(new)).unwrap();
    let out = s.run(&["chart", "check"]);
    assert_eq!(out.stdout, stale);
    assert_eq!(
        out.stderr.lines().next(),
        Some(
            format!("note: .thematic/{new} is damaged; reading the cells from the index again")
                .as_str()
        )
    );
    let counts = |n: &str| n.replace("cells-", "counts-").replace(".bin", "-all.bin");
    std::fs::copy(data.join(counts(&made[0])), data.join(counts(new))).unwrap();
    let out = s.run(&["matrix", "--format", "csv"]);
    assert_eq!(out.ok(), matrix);
    assert_eq!(
        out.stderr,
        format!(
            "note: .thematic/{} is damaged; counting again from the code table\n",
            counts(new)
        )
    );
    s.replace(
        "codebooks/main.yaml",
        "support*, police station]",
        "support*, police station, comisaría]",
    );
    s.run(&["code"]).ok();
    let last = cell_tables(&s);
    assert_eq!(last.len(), 2, "{last:?}");
    assert!(!last.contains(&made[0]), "{last:?}");
    let out = s.run(&["chart", "check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("stale: the excerpts at return/support changed"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_cited_line_that_holds_other_text_after_an_edit_is_told() {
    let (s, _) = r01_charted();
    // Three lines added above the interview: r01.txt:10's text goes to
    // :13, :13's to :16, so :13, cited for return/support, is another
    // excerpt's id now.
    assert_eq!(
        findings_after_inserting(&s, "Transcribed by the field team.\nChecked in May.\n\n"),
        [
            "charts/R01.md:4: stale: the excerpts at return changed since the summary was written (2 then, 2 now, 2 of them moved to another line by an edit of their transcript); review it, then run `thematic chart check --accept`",
            "charts/R01.md:9:28: unknown excerpt: no excerpt `transcripts/r01.txt:7` in the study: an edit of its transcript moved its text, now at transcripts/r01.txt:10; cite `transcripts/r01.txt:10`",
            "charts/R01.md:12: stale: the excerpts at return/support changed since the summary was written (1 then, 1 now, 1 of them moved to another line by an edit of their transcript); review it, then run `thematic chart check --accept`",
            "charts/R01.md:16:28: moved excerpt: `transcripts/r01.txt:13` names other text than before an edit of its transcript, which moved the text that was there to transcripts/r01.txt:16: if the summary cites that text, cite `transcripts/r01.txt:16`; if it cites the text at `transcripts/r01.txt:13` now, review the summary and run `thematic chart check --accept`",
            "charts/R01.md:19: stale: the excerpts at return/dates changed since the summary was written (1 then, 1 now, 1 of them moved to another line by an edit of their transcript); review it, then run `thematic chart check --accept`",
            "charts/R01.md:23:28: unknown excerpt: no excerpt `transcripts/r01.txt:7` in the study: an edit of its transcript moved its text, now at transcripts/r01.txt:10; cite `transcripts/r01.txt:10`",
        ]
    );
    // Quoted as it is now, with the same warning.
    let quoted = s.run(&["quote", "return", "--charted"]);
    quoted.ok();
    assert!(
        quoted.stderr.contains("warning: charts/R01.md:16:28: `transcripts/r01.txt:13` names other text than before an edit"),
        "{}",
        quoted.stderr
    );
    // The citations put right and the summaries reviewed: clean.
    let fixed = s
        .read("charts/R01.md")
        .replace("[transcripts/r01.txt:13]", "[transcripts/r01.txt:16]")
        .replace("[transcripts/r01.txt:7]", "[transcripts/r01.txt:10]");
    s.file("charts/R01.md", &fixed);
    s.run(&["chart", "check", "--accept"]).ok();
    assert!(s.run(&["chart", "check"]).ok().ends_with("no findings\n"));
}

/// A small study of police contact: `withdrawn` in thematic.yaml, one
/// transcript per `(id, answer)`, and `respondents.csv`.
fn police_study(withdrawn: &str, answers: &[(&str, &str)], respondents: &str) -> Study {
    let s = Study::empty();
    s.file("thematic.yaml", &format!("withdrawn: [{withdrawn}]\n"));
    s.file(
        "codebooks/main.yaml",
        "codebook: t\nversion: \"1\"\nthemes:\n  - id: inst\n    label: Instituciones\n    codes:\n      - id: police\n        label: Policía\n        definition: Police contact.\n        match: {any: [policia*, comisaria]}\n      - id: blame\n        label: Blame\n        definition: Blame.\n        match: {any: [culpa*]}\n",
    );
    for (id, answer) in answers {
        s.file(
            &format!("transcripts/{id}.txt"),
            &format!("Entrevistador: ¿Qué pasó?\n{id}: {answer}\n"),
        );
    }
    s.file("respondents.csv", respondents);
    s.run(&["code"]).ok();
    s
}

#[test]
fn accept_writes_each_marker_to_its_own_file_around_withdrawn_files() {
    // Withdrawn respondents' chart files sort before, between and after
    // the others (z9 after the group files); group b is R03 alone, as z9
    // withdrew.
    let s = police_study(
        "A1, R02, z9",
        &[
            ("A1", "La policía vino tarde."),
            ("R01", "La policía no vino."),
            ("R02", "La policía nos pidió dinero."),
            ("R03", "Fuimos a la comisaría. La policía no escuchó."),
            ("z9", "La policía se rió."),
        ],
        "id,profile\nA1,a\nR01,a\nR02,a\nR03,b\nz9,b\n",
    );
    let withdrawn = [
        (
            "charts/A1.md",
            "# A1\n\n## inst/police\nA1 dijo que la policía vino tarde.\n",
        ),
        (
            "charts/R02.md",
            "# R02\n\n## inst/police\nR02 dijo que la policía pidió dinero.\n",
        ),
        (
            "charts/z9.md",
            "# z9\n\n## inst/police\nz9 dijo que la policía se rió.\n",
        ),
    ];
    for (rel, text) in withdrawn {
        s.file(rel, text);
    }
    let stale = "<!-- thematic: excerpts 000000000000 (3); `thematic chart check --accept` updates this line -->";
    s.file(
        "charts/R01.md",
        "# R01\n\n## inst/police\nNo vino [transcripts/R01.txt:2].\n",
    );
    s.file(
        "charts/R03.md",
        &format!("# R03\n\n## inst/police\n{stale}\nNo escuchó [transcripts/R03.txt:2].\n"),
    );
    s.file(
        "charts/by-profile/a.md",
        &format!("# a\n\n## inst/police\n{stale}\nLa policía no vino [transcripts/R01.txt:2].\n"),
    );
    s.file(
        "charts/by-profile/b.md",
        "# b\n\n## inst/police\nLa policía no escuchó [transcripts/R03.txt:2].\n",
    );
    let out = s.run(&["chart", "check", "--accept"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "coverage (respondent cells with excerpts that have a summary):\n  inst  2 of 4 (50%)\nno findings\n"
    );
    let recorded: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains(": recorded the excerpts"))
        .collect();
    assert_eq!(
        recorded,
        [
            "charts/R01.md: recorded the excerpts of 1 section",
            "charts/R03.md: recorded the excerpts of 1 section",
            "charts/by-profile/a.md: recorded the excerpts of 1 section",
            "charts/by-profile/b.md: recorded the excerpts of 1 section",
        ]
    );
    let marker = |hash: &str, n: usize| {
        format!("<!-- thematic: excerpts {hash} ({n}); `thematic chart check --accept` updates this line -->")
    };
    let after = [
        (
            "charts/R01.md",
            format!(
                "# R01\n\n## inst/police\n{}\nNo vino [transcripts/R01.txt:2].\n",
                marker("ce9e1f8d76dc", 1)
            ),
        ),
        (
            "charts/R03.md",
            format!(
                "# R03\n\n## inst/police\n{}\nNo escuchó [transcripts/R03.txt:2].\n",
                marker("0bc9f15fd4d4", 1)
            ),
        ),
        (
            "charts/by-profile/a.md",
            format!(
                "# a\n\n## inst/police\n{}\nLa policía no vino [transcripts/R01.txt:2].\n",
                marker("ce9e1f8d76dc", 1)
            ),
        ),
        (
            "charts/by-profile/b.md",
            format!(
                "# b\n\n## inst/police\n{}\nLa policía no escuchó [transcripts/R03.txt:2].\n",
                marker("0bc9f15fd4d4", 1)
            ),
        ),
    ];
    for (rel, text) in &after {
        assert_eq!(s.read(rel), *text, "{rel}");
    }
    for (rel, text) in withdrawn {
        assert_eq!(s.read(rel), text, "{rel}");
    }
    // A second --accept has nothing to record and changes no byte.
    let again = s.run(&["chart", "check", "--accept"]);
    assert_eq!(again.stdout, out.stdout);
    assert!(!again.stderr.contains("recorded"), "{}", again.stderr);
    for (rel, text) in &after {
        assert_eq!(s.read(rel), *text, "{rel}");
    }
    for (rel, text) in withdrawn {
        assert_eq!(s.read(rel), text, "{rel}");
    }
}

#[test]
fn chart_by_says_which_respondents_have_no_group_file() {
    // R02 has no row in respondents.csv and R03 an empty cell: both are the
    // matrix's `(missing)` column, which has no chart file.
    let s = police_study(
        "",
        &[
            ("R01", "La policía no vino."),
            ("R02", "La policía nos pidió dinero."),
            ("R03", "Fuimos a la comisaría."),
        ],
        "id,profile\nR01,relative\nR03,\n",
    );
    let warning = "warning: 2 respondents with excerpts (`R02`, `R03`) have no `profile`, so no group chart file (they are the matrix's `(missing)` column): fill in their `profile` in respondents.csv and run `thematic chart --by profile` again\n";
    let out = s.run(&["chart", "--by", "profile"]);
    assert_eq!(
        out.ok(),
        "charts/by-profile/relative.md: added inst, inst/police\n"
    );
    assert_eq!(out.stderr, warning);
    let again = s.run(&["chart", "--by", "profile"]);
    assert_eq!(
        again.ok(),
        "nothing to add: every cell of a chart file has a section; 2 respondents with excerpts have no chart file (see the warning)\n"
    );
    assert_eq!(again.stderr, warning);
    s.file(
        "respondents.csv",
        "id,profile\nR01,relative\nR02,relative\nR03,relative\n",
    );
    s.run(&["code"]).ok();
    let filled = s.run(&["chart", "--by", "profile"]);
    assert_eq!(
        filled.ok(),
        "nothing to add: every cell with excerpts has a section\n"
    );
    assert_eq!(filled.stderr, "");
}
