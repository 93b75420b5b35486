//! Hostile and broken inputs: FIFOs and devices where files belong, files
//! and YAML that expand without end, damaged encodings and names, reserved
//! column names, unsafe speaker ids, transcripts outside the study. Each is
//! a clear error (exit 2) or a warning, never a hang, a crash or a silent
//! wrong answer. Commands that could hang run under a 20 s timeout.

use std::path::Path;
use std::process::Command;

use crate::util::Study;

const CODEBOOK: &str = "themes:
  - id: family
    codes:
      - id: police
        match: {any: [police, comisaría]}
      - id: care
        match: {any: [niña, took care]}
";

const R01: &str = "Interviewer: ¿Qué pasó?\nR01: Mi madre fue a la comisaría todos los días.\n";
const R02: &str = "Interviewer: How did it end?\nR02: My aunt took care of me.\n";

fn study() -> Study {
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK)
        .file("respondents.csv", "id,role\nR01,survivor\nR02,relative\n")
        .file("transcripts/r01.txt", R01)
        .file("transcripts/r02.txt", R02);
    s
}

fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo")
        .success();
    assert!(ok, "mkfifo {path:?}");
}

#[test]
fn a_fifo_in_place_of_any_input_file_is_refused_by_name() {
    for rel in [
        "transcripts/r03.txt",
        "codings/ana.csv",
        "codebooks/main.yaml",
        "respondents.csv",
        "thematic.yaml",
    ] {
        let s = study();
        std::fs::create_dir_all(s.path().join("codings")).unwrap();
        mkfifo(&s.path().join(rel));
        let run = s.run_timeout(&["code"]);
        let err = run.bad_input();
        assert!(
            err.contains(&format!("{rel} is a named pipe (FIFO), not a regular file")),
            "{rel}: {err}"
        );
        assert!(err.contains("reads only regular files"), "{rel}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn a_transcript_linked_to_dev_zero_is_refused_and_a_link_to_a_file_is_read() {
    let s = study();
    std::os::unix::fs::symlink("/dev/zero", s.path().join("transcripts/r03.txt")).unwrap();
    let err = s.run_timeout(&["code"]).bad_input().to_string();
    assert!(
        err.starts_with("error: transcripts/r03.txt is a character device, not a regular file"),
        "{err}"
    );
    s.remove("transcripts/r03.txt");
    s.file("elsewhere/r03.txt", "R03: Nadie vino de la comisaría.\n");
    std::os::unix::fs::symlink(
        s.path().join("elsewhere/r03.txt"),
        s.path().join("transcripts/r03.txt"),
    )
    .unwrap();
    let out = s.run_timeout(&["quote", "police", "--format", "csv"]);
    assert!(
        out.ok()
            .contains("transcripts/r03.txt:1,transcripts/r03.txt,1,r03,"),
        "{}",
        out.ok()
    );
}

#[test]
fn codebook_fmt_and_check_refuse_dev_zero() {
    let s = study();
    for cmd in ["fmt", "check"] {
        let run = s.run_timeout(&["codebook", cmd, "/dev/zero"]);
        let err = run.bad_input();
        assert!(
            err.starts_with("error: /dev/zero is a character device, not a regular file"),
            "{cmd}: {err}"
        );
    }
}

/// A 1.3 KB YAML "billion laughs": each level repeats the one below nine
/// times, the leaves are 90-byte strings.
fn alias_bomb() -> String {
    let lol = format!("\"{}\"", "lol".repeat(30));
    let mut s = format!("a: &a [{}]\n", vec![lol; 3].join(","));
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        s.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
    }
    s
}

#[test]
fn yaml_alias_bombs_are_refused_before_they_expand() {
    let bomb = alias_bomb();
    assert!(bomb.len() < 1400);
    let s = study();
    s.file("bomb.yaml", &bomb);
    for args in [
        vec!["codebook", "check", "bomb.yaml"],
        vec!["codebook", "fmt", "bomb.yaml"],
    ] {
        let started = std::time::Instant::now();
        let run = s.run_timeout(&args);
        let err = run.bad_input();
        assert!(
            err.starts_with("error: bomb.yaml expands to more than")
                && err.contains("anchors and aliases"),
            "{err}"
        );
        // Refused from a pre-scan, long before anything large is built.
        assert!(started.elapsed().as_secs_f64() < 10.0);
    }
    s.file("thematic.yaml", &bomb);
    let err = s.run_timeout(&["code"]).bad_input().to_string();
    assert!(
        err.starts_with("error: thematic.yaml expands to more than"),
        "{err}"
    );
    s.remove("thematic.yaml");
    s.file(
        "transcripts/r03.txt",
        &format!("---\n{bomb}---\nR03: Hola.\n"),
    );
    let err = s.run_timeout(&["code"]).bad_input().to_string();
    assert!(
        err.starts_with("error: transcripts/r03.txt expands to more than"),
        "{err}"
    );
}

#[test]
fn a_qdc_with_thousands_of_nested_codes_is_an_error_not_an_abort() {
    let s = study();
    let mut xml =
        String::from(r#"<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>"#);
    for i in 0..30_000 {
        xml.push_str(&format!(
            r#"<Code guid="{i}" name="c{i}" isCodable="true">"#
        ));
    }
    xml.push_str(&"</Code>".repeat(30_000));
    xml.push_str("</Codes></CodeBook>");
    s.file("deep.qdc", &xml);
    let run = s.run_timeout(&["codebook", "import", "deep.qdc"]);
    let err = run.bad_input();
    assert!(
        err.contains("codes nest more than 32 levels deep") && err.contains("deep.qdc"),
        "{err}"
    );
}

#[test]
fn one_bad_byte_leaves_the_rest_of_a_utf8_file_as_written() {
    let s = study();
    let mut bytes = "Interviewer: ¿Y la niña?\nR03: La niña volvió a casa.\n"
        .as_bytes()
        .to_vec();
    bytes.extend(b"R03: La polic\xeda vino tarde.\n");
    s.bytes("transcripts/r03.txt", &bytes);
    let run = s.run_timeout(&["code"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "warning: transcripts/r03.txt: 1 byte sequence that is not UTF-8 on line 3 replaced by U+FFFD"
        ),
        "{}",
        run.stderr
    );
    let out = s.run_timeout(&["quote", "care", "--format", "csv"]);
    assert!(out.ok().contains("La niña volvió a casa."), "{}", out.ok());
    assert!(!out.ok().contains("niÃ±a"), "{}", out.ok());
}

#[cfg(unix)]
#[test]
fn names_that_differ_only_in_invalid_utf8_are_an_error_naming_both() {
    use std::os::unix::ffi::OsStrExt;
    let s = study();
    for b in [0xffu8, 0xfe] {
        let bytes = [b'b', b'a', b'd', b, b'.', b't', b'x', b't'];
        let name = std::ffi::OsStr::from_bytes(&bytes);
        std::fs::write(s.path().join("transcripts").join(name), "R09: Hola.\n").unwrap();
    }
    let err = s.run_timeout(&["code"]).bad_input().to_string();
    assert!(
        err.contains("two transcripts would have the same id `transcripts/bad\u{fffd}.txt`")
            && err.contains("bad\\xFE.txt")
            && err.contains("bad\\xFF.txt"),
        "{err}"
    );
}

#[test]
fn an_srt_without_blank_lines_keeps_timings_out_of_quotes() {
    let s = study();
    s.file(
        "transcripts/r04.srt",
        "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: ¿Quién la buscó?\n2\n00:00:03,500 --> 00:00:06,000\nR04: Mi tío fue a la comisaría.\n3\n00:00:06,500 --> 00:00:08,000\nY nadie nos ayudó.\n",
    );
    let out = s.run_timeout(&["quote", "police", "--format", "csv"]);
    let text = out.ok();
    assert!(
        text.contains("Mi tío fue a la comisaría. Y nadie nos ayudó."),
        "{text}"
    );
    assert!(!text.contains("-->"), "{text}");
}

#[test]
fn reserved_attribute_names_are_errors_naming_file_and_column() {
    let s = study();
    s.file("respondents.csv", "id,respondent,role\nR01,Ana,survivor\n");
    let err = s.run_timeout(&["code"]).bad_input().to_string();
    assert!(
        err.starts_with("error: `respondent` cannot be an attribute name in respondents.csv")
            && err.contains("--> respondents.csv:1:2")
            && err.contains("rename the attribute"),
        "{err}"
    );
    let s = study();
    s.file(
        "transcripts/r01.txt",
        &format!("---\nrole: survivor\npath: Lima-Tumbes\n---\n{R01}"),
    );
    let err = s.run_timeout(&["code"]).bad_input().to_string();
    assert!(
        err.starts_with("error: `path` cannot be an attribute name in transcripts/r01.txt")
            && err.contains("--> transcripts/r01.txt:3"),
        "{err}"
    );
}

#[test]
fn speaker_ids_must_be_plain_and_known() {
    let s = study();
    s.file(
        "transcripts/fg01.txt",
        "---\nspeakers: {Ana: ../../etc/passwd}\n---\nModerator: ¿Qué pasó?\nAna: Nadie vino.\n",
    );
    let err = s.run_timeout(&["code"]).bad_input().to_string();
    assert!(
        err.contains(
            "`speakers:` gives the respondent id `../../etc/passwd`, which contains a slash"
        ) && err.contains("--> transcripts/fg01.txt:2"),
        "{err}"
    );
    s.file(
        "transcripts/fg01.txt",
        "---\nspeakers: {Ana: R0l, Luis: R02}\n---\nModerator: ¿Qué pasó?\nAna: Nadie vino.\nLuis: La policía tampoco.\n",
    );
    let run = s.run_timeout(&["code"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "warning: transcripts/fg01.txt:2: `speakers:` maps `Ana` to respondent `R0l`, which is not in respondents.csv; did you mean `R01`?"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("`Luis`"), "{}", run.stderr);
}

#[test]
fn transcripts_outside_the_study_get_relative_ids() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("study");
    std::fs::create_dir_all(outer.path().join("shared")).unwrap();
    std::fs::write(
        outer.path().join("shared/r05.txt"),
        "R05: Fuimos a la comisaría.\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("codebooks")).unwrap();
    std::fs::write(root.join("codebooks/main.yaml"), CODEBOOK).unwrap();
    let abs = std::fs::canonicalize(outer.path().join("shared/r05.txt")).unwrap();
    for entry in ["../shared/*.txt".to_string(), abs.display().to_string()] {
        std::fs::write(
            root.join("thematic.yaml"),
            format!("transcripts: ['{entry}']\n"),
        )
        .unwrap();
        let mut cmd = Command::new(crate::util::bin());
        cmd.arg("--project")
            .arg(&root)
            .args(["quote", "police", "--format", "csv"]);
        let run = crate::util::run_timeout(cmd, std::time::Duration::from_secs(20));
        let out = run.ok();
        assert!(out.contains("../shared/r05.txt:1"), "{entry}: {out}");
        assert!(
            !out.contains(&outer.path().display().to_string()),
            "{entry}: {out}"
        );
    }
}

#[test]
fn a_pattern_that_matches_nothing_does_not_empty_an_indexed_study() {
    let s = study();
    s.run_timeout(&["code"]).ok();
    s.file("thematic.yaml", "transcripts: ['transcrips/**']\n");
    for cmd in ["code", "matrix"] {
        let err = s.run_timeout(&[cmd]).bad_input().to_string();
        assert!(
            err.starts_with("error: `transcripts` (transcrips/**) finds no transcript, but the index holds 2 files (e.g. transcripts/r01.txt)")
                && err.contains("--> thematic.yaml:1\n")
                && err.contains("delete .thematic/"),
            "{cmd}: {err}"
        );
    }
    // A pattern of several that matches nothing is a warning at its place.
    s.file(
        "thematic.yaml",
        "# where the files are\ntranscripts: [transcripts, 'extra/*.txt']\n",
    );
    let code = s.run_timeout(&["code"]);
    code.ok();
    assert!(
        code.stderr.contains(
            "warning: thematic.yaml:2:29: `transcripts` entry `extra/*.txt` matches no file\n"
        ),
        "{}",
        code.stderr
    );
    s.file("thematic.yaml", "transcripts: ['transcrips/**']\n");
    // `X/**` is every file below X, as in .gitignore.
    s.file("thematic.yaml", "transcripts: ['transcripts/**']\n");
    let out = s.run_timeout(&["matrix", "--format", "csv"]);
    assert!(out.ok().starts_with("code,r01,r02,total\n"), "{}", out.ok());
}

#[test]
fn an_error_quotes_at_most_one_short_line_of_a_wrong_file() {
    let s = study();
    let long = "Tenía catorce años cuando me ofrecieron trabajo en Lima. ".repeat(10);
    s.file(
        "transcripts/r06.txt",
        &format!("{long}\nSegunda línea confidencial.\n\nTercera.\n"),
    );
    s.file("thematic.yaml", "codebook: transcripts/r06.txt\n");
    let err = s.run_timeout(&["code"]).bad_input().to_string();
    assert!(!err.contains("Segunda línea"), "{err}");
    let first = err.lines().next().unwrap();
    assert!(first.chars().count() < 300, "{first}");
    assert!(
        first
            == "error: this file must be a mapping of keys (`key: value` lines), not the text \
                `Tenía catorce años cuando me ofrecieron trabajo en Lima. Ten…`",
        "{first}"
    );
    assert!(err.contains("--> transcripts/r06.txt:1:1"), "{err}");
}

#[test]
fn a_duplicate_key_is_placed_at_its_second_line_and_a_tab_is_named() {
    let s = study();
    s.file(
        "thematic.yaml",
        "language: spanish\nunit: paragraph\ninterviewer: [Entrevistadora]\nlanguage: english\n",
    );
    assert_eq!(
        s.run(&["code"]).bad_input(),
        "error: duplicate key `language` (already set above in the same mapping)\n  --> thematic.yaml:4:1\n  = help: keep one of the two: YAML takes a key once per mapping\n"
    );
    s.file(
        "thematic.yaml",
        "unit: paragraph\ninterviewer:\n\t- Entrevistadora\n",
    );
    assert_eq!(
        s.run(&["code"]).bad_input(),
        "error: found character that cannot start any token\n  --> thematic.yaml:3:1\n  = help: this line is indented with a tab; YAML indents with spaces only: replace the tab with spaces\n"
    );
    s.remove("thematic.yaml");
    s.file(
        "codebooks/main.yaml",
        "themes:\n  - id: trabajo\n    label: Trabajo\n    codes:\n      - id: deuda\n        label: Deuda\n    label: Empleo\n",
    );
    assert_eq!(
        s.run(&["code"]).bad_input(),
        "error: themes[0]: duplicate key `label` (already set above in the same mapping)\n  --> codebooks/main.yaml:7:5\n  = help: keep one of the two: YAML takes a key once per mapping\n"
    );
}

const QUOTE_HINT: &str =
    "  = help: close the field with `\"` where it ends; a `\"` inside a quoted field is written twice (`\"\"`)\n";

#[test]
fn an_unclosed_quote_in_a_survey_csv_is_an_error_at_its_field_and_nothing_is_indexed() {
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK)
        .file(
            "thematic.yaml",
            "csv: {id: id, answers: [p1, p2]}\nwithdrawn: [E02]\n",
        )
        .file(
            "transcripts/encuesta.csv",
            "id,provincia,p1,p2\nE01,Cusco,No.,\"La policía no vino\nE02,Puno,Sí.,La comisaría pidió dinero.\nE03,Puno,No.,No.\n",
        );
    let expected = format!(
        "error: unclosed quote: the field that starts here runs to the end of the file, taking in 2 more lines\n  --> transcripts/encuesta.csv:2:4\n{QUOTE_HINT}"
    );
    assert_eq!(s.run(&["code"]).bad_input(), expected);
    // No index was committed: a reading command reads the file again and
    // refuses it the same way, rather than answering from a partial index.
    let export = s.run(&["export", "--format", "csv", "--output", "-"]);
    assert_eq!(export.code, 2);
    assert_eq!(
        export.stderr,
        format!("note: index out of date (no index yet); updating\n{expected}")
    );
    assert_eq!(export.stdout, "");
    // Closed, the three respondents are read and E02 is withheld.
    s.replace("transcripts/encuesta.csv", "no vino\n", "no vino\"\n");
    let out = s.run(&["export", "--format", "csv", "--output", "-"]);
    let out = out.ok();
    assert!(out.contains(",E01,") && out.contains(",E03,"), "{out}");
    assert!(!out.contains("E02") && !out.contains("dinero"), "{out}");
}

#[test]
fn an_unclosed_quote_in_respondents_csv_is_an_error_before_any_withdrawn_words_are_shown() {
    let s = study();
    s.file(
        "respondents.csv",
        "id,withdrawn,profile\nR01,,\"relative\nR02,yes,relative\n",
    );
    let expected = format!(
        "error: unclosed quote: the field that starts here runs to the end of the file, taking in 1 more line\n  --> respondents.csv:2:3\n{QUOTE_HINT}"
    );
    assert_eq!(s.run(&["code"]).bad_input(), expected);
    let quote = s.run(&["quote", "care", "--format", "csv"]);
    assert_eq!(quote.bad_input(), expected);
    assert_eq!(quote.stdout, "");
    // A quote that closes on the next row's line takes that row in: an
    // error too, since the row's `withdrawn` would be read as an attribute.
    s.file(
        "respondents.csv",
        "id,withdrawn,profile\nR01,,\"relative\nR02,yes,relative\"\n",
    );
    assert_eq!(
        s.run(&["code"]).bad_input(),
        format!(
            "error: the quoted field that starts here takes in line 3, which looks like a row of its own (`R02…`)\n  --> respondents.csv:2:3\n  = help: a closing quote is probably missing: {}",
            QUOTE_HINT.trim_start_matches("  = help: ")
        )
    );
    // A quoted value over two lines that looks like no row is read.
    s.file(
        "respondents.csv",
        "id,withdrawn,profile\nr01,,\"relative,\nan aunt\"\nr02,yes,relative\n",
    );
    s.run(&["code"]).ok();
    let quote = s.run(&["quote", "police", "--format", "csv", "--show", "profile"]);
    assert_eq!(
        quote.ok(),
        "id,path,line,respondent,profile,codes,question,text\ntranscripts/r01.txt:2,transcripts/r01.txt,2,r01,\"relative,\nan aunt\",family/police,¿Qué pasó?,Mi madre fue a la comisaría todos los días.\n"
    );
}

#[test]
fn an_unclosed_quote_in_a_coding_sheet_is_an_error() {
    let s = study();
    s.run(&["code"]).ok();
    s.file(
        "codings/ana.csv",
        "excerpt,code,note\ntranscripts/r01.txt:2,police,\"see the\ntranscripts/r02.txt:2,care,\n",
    );
    assert_eq!(
        s.run(&["code"]).bad_input(),
        format!(
            "error: unclosed quote: the field that starts here runs to the end of the file, taking in 1 more line\n  --> codings/ana.csv:2:3\n{QUOTE_HINT}"
        )
    );
}

#[test]
fn utf16_without_a_bom_is_named_as_such() {
    let s = study();
    let bytes: Vec<u8> = R02.encode_utf16().flat_map(u16::to_le_bytes).collect();
    s.bytes("transcripts/u16.txt", &bytes);
    assert_eq!(
        s.run_timeout(&["code"]).bad_input(),
        "error: this file looks like UTF-16LE text without a byte-order mark (every other byte is NUL), which thematic does not guess\n  --> transcripts/u16.txt\n  = help: re-save it as UTF-8 (in most editors: Save as… → Encoding: UTF-8)\n"
    );
}

#[cfg(unix)]
#[test]
fn a_link_to_a_missing_file_is_named_as_a_link_by_its_study_path() {
    let s = study();
    std::os::unix::fs::symlink(
        "/nonexistent/r03.txt",
        s.path().join("transcripts/gone.txt"),
    )
    .unwrap();
    assert_eq!(
        s.run_timeout(&["code"]).bad_input(),
        "error: transcripts/gone.txt is a symbolic link to a missing file `/nonexistent/r03.txt`\n  --> transcripts/gone.txt\n  = help: restore the file it points to, point the link at the file, or remove the link\n"
    );
    std::fs::remove_file(s.path().join("transcripts/gone.txt")).unwrap();
    // respondents.csv as such a link is refused too, not taken for a
    // study without one (its `withdrawn` column would go unapplied).
    std::fs::remove_file(s.path().join("respondents.csv")).unwrap();
    std::os::unix::fs::symlink(
        "/nonexistent/respondents.csv",
        s.path().join("respondents.csv"),
    )
    .unwrap();
    assert_eq!(
        s.run_timeout(&["code"]).bad_input(),
        "error: respondents.csv is a symbolic link to a missing file `/nonexistent/respondents.csv`\n  --> respondents.csv\n  = help: restore the file it points to, point the link at the file, or remove the link\n"
    );
}

#[test]
fn tens_of_thousands_of_labels_and_unmatched_rows_take_no_quadratic_time() {
    // Every line a label of its own (a list pasted as `Item N: …`), and a
    // respondents.csv of another id scheme: each label was compared with
    // every other, each row with every respondent.
    let s = study();
    let lines: String = (0..40_000).map(|i| format!("L{i}: police\n")).collect();
    let rows: String = (0..5_000).map(|i| format!("P{i:05},survivor\n")).collect();
    s.file("transcripts/list.txt", &lines).file(
        "respondents.csv",
        &format!("id,role\nR01,survivor\nR02,relative\n{rows}"),
    );
    let run = s.run_timeout(&["code"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "warning: transcripts/list.txt: 40000 speaker labels are all read as respondent \
             `list`: `L0` (1 turn, from line 1),"
        ),
        "{}",
        &run.stderr[..run.stderr.len().min(2000)]
    );
    // Past 200 such rows no closest id is looked for.
    assert!(
        run.stderr
            .contains("warning: respondents.csv:4: respondent `P00000` is in no transcript\n"),
        "{}",
        &run.stderr[..run.stderr.len().min(2000)]
    );
}

#[test]
fn a_long_argument_is_quoted_cut_in_errors() {
    let s = study();
    s.run(&["code"]).ok();
    let long = "x".repeat(3000);
    let query = format!("({}", "a".repeat(3000));
    for args in [
        vec!["search", query.as_str()],
        vec!["matrix", "--by", long.as_str()],
        vec!["matrix", "--where", &format!("{long}=1")],
        vec!["quote", long.as_str()],
    ] {
        let err = s.run_timeout(&args).bad_input().to_string();
        let first = err.lines().next().unwrap();
        assert!(first.chars().count() < 200, "{args:?}: {first}");
        assert!(
            first.contains("xxx…`") || first.contains("aaa…`"),
            "{first}"
        );
    }
}

#[test]
fn front_matter_attributes_of_a_focus_group_whose_turns_are_all_mapped_are_warned_about() {
    let s = crate::util::Study::empty();
    s.file(
        "codebooks/main.yaml",
        "themes:\n  - id: family\n    codes:\n      - id: search\n        match: {any: [search*]}\n",
    )
    .file(
        "transcripts/pair.txt",
        "---\nspeakers: {Marta: R12, Pablo: R13}\nregion: Lima\n---\nInterviewer: Did the families search?\n\nMarta: Yes, they searched.\n\nPablo: They searched too.\n",
    )
    .file(
        "transcripts/r1.txt",
        "---\nregion: Cusco\n---\nInterviewer: Q?\n\nR1: We searched.\n",
    );
    let code = s.run(&["code"]);
    code.ok();
    assert!(
        code.stderr.contains(
            "warning: transcripts/pair.txt:3: the front matter's `region` describes the file's own respondent `pair`, who has no turn here (every turn is a `speakers:` id: `R12`, `R13`), so it reaches no one; give those respondents their attributes in respondents.csv\n"
        ),
        "{}",
        code.stderr
    );
    // A file without `speakers:` is its respondent's: nothing to say.
    assert!(!code.stderr.contains("r1.txt"), "{}", code.stderr);
    assert_eq!(
        s.run(&["matrix", "--by", "region", "--format", "csv"]).ok(),
        "code,(missing),Cusco,total\nfamily,2,1,3\nfamily/search,2,1,3\n"
    );
}

#[test]
fn an_empty_file_setting_is_an_error_at_its_line() {
    let s = crate::util::Study::fixture("basic");
    s.file("thematic.yaml", "unit: paragraph\ncodebook:\n");
    let err = s.run(&["code"]).bad_input().to_string();
    assert!(
        err.starts_with(
            "error: `codebook:` is empty: it names no file or folder\n  --> thematic.yaml:2\n"
        ),
        "{err}"
    );
}

#[test]
fn ids_with_accents_typed_as_marks_or_in_fullwidth_are_ids_as_written() {
    let s = crate::util::Study::empty();
    s.file(
        "codebooks/main.yaml",
        "themes:\n  - id: t\n    codes:\n      - id: money\n        match: {any: [money]}\n",
    )
    // `José` with a combining accent, and a fullwidth digit as Japanese
    // input methods type it.
    .file(
        "transcripts/a.txt",
        "---\nrespondent: \"Jose\u{301}\"\n---\nI: Q?\nJose\u{301}: money.\n",
    )
    .file(
        "transcripts/b.txt",
        "---\nrespondent: \"協力者２\"\n---\nI: Q?\n協力者２: money.\n",
    );
    s.run(&["code"]).ok();
    let m = s.run(&["matrix", "--format", "csv"]).ok().to_string();
    assert!(m.starts_with("code,Jose\u{301},協力者２,total\n"), "{m}");
}
