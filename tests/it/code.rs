//! `thematic code`, `stats`, `transcripts`, `init`: ingest, coding, the
//! index, incremental runs and bad input.

use crate::util::Study;

const STATS: &str = "code,excerpts,respondents
family,5,3
family/search,2,2
family/search/police,2,2
family/money,3,3
return,6,4
return/support,4,4
return/dates,2,2
return/hand,0,0
";

#[test]
fn stats_csv_on_the_fixture_study() {
    let s = Study::fixture("basic");
    let run = s.run(&["code"]);
    assert!(
        run.ok()
            .starts_with("4 transcripts, 5 respondents, 10 excerpts, 9 coded (90%), 1 warning\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("warning: transcripts/fg01.txt: `Nota:` (line 8) looks like a speaker label"),
        "{}",
        run.stderr
    );
    assert_eq!(s.run(&["stats", "--format", "csv"]).ok(), STATS);
}

#[test]
fn stats_filtered_by_attribute() {
    let s = Study::fixture("basic");
    let out = s.run(&["stats", "--format", "csv", "--where", "region=Lima"]);
    assert_eq!(
        out.ok(),
        "code,excerpts,respondents
family,3,2
family/search,1,1
family/search/police,1,1
family/money,2,2
return,2,2
return/support,2,2
return/dates,0,0
return/hand,0,0
"
    );
    let out = s.run(&["stats", "--where", "regoin=Lima"]);
    assert!(
        out.bad_input().contains("did you mean `region`"),
        "{}",
        out.stderr
    );
}

#[test]
fn stats_share_rounds_the_exact_ratio_half_up() {
    // 3 of 260 excerpts: 1.1538…%. Rounding the JSON share (0.0115) again
    // would print 1.1%.
    let s = Study::empty();
    s.file("thematic.yaml", "csv: {id: rid, answers: [answer]}\n");
    s.file(
        "codebooks/main.yaml",
        "codebook: p\nthemes:\n  - id: m\n    codes:\n      - id: debt\n        match: {any: [debt]}\n",
    );
    let mut csv = String::from("rid,answer\n");
    for i in 0..260 {
        let answer = if i < 3 { "I have debt" } else { "nothing" };
        csv.push_str(&format!("r{i:03},{answer}\n"));
    }
    s.file("transcripts/s.csv", &csv);
    s.run(&["code"]).ok();
    assert_eq!(
        s.run(&["stats", "--format", "markdown"]).ok(),
        "| code | label | excerpts | respondents | share |
|---|---|---:|---:|---:|
| m | m | 3 | 3 | 1.2% |
| \u{a0}\u{a0}debt | debt | 3 | 3 | 1.2% |

260 excerpts in all
"
    );
    let json = s.run(&["stats", "--format", "json"]);
    assert!(json.ok().contains("\"share\": 0.0115"), "{}", json.stdout);
}

#[test]
fn code_says_the_skipped_files_of_the_listing_now_when_up_to_date() {
    // A file of a type thematic does not read changes nothing in the
    // index; `code` lists the transcripts all the same and says it, added
    // after the index was made, and no longer says it once it is removed.
    let s = Study::fixture("basic");
    let first = s.run(&["code"]);
    assert!(first.ok().contains(", 1 warning\n"), "{}", first.stdout);
    s.file("transcripts/r2.rtf", "{\\rtf1 Que era un trabajo.}");
    let skipped = "warning: transcripts/r2.rtf: is in a transcripts folder but is not a \
                   transcript type thematic reads (.txt, .md, .docx, .vtt, .srt, .csv); skipped";
    let run = s.run(&["code"]);
    assert!(run.ok().contains(", 2 warnings\n"), "{}", run.stdout);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings[0], skipped);
    assert_eq!(warnings.len(), 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("up to date: nothing changed"),
        "{}",
        run.stderr
    );
    let json: serde_json::Value =
        serde_json::from_str(s.run(&["code", "--format", "json"]).ok()).unwrap();
    assert_eq!(
        json["warnings"][0],
        serde_json::json!(skipped.trim_start_matches("warning: "))
    );
    assert!(s
        .run(&["transcripts"])
        .stderr
        .contains(&format!("\n{skipped}\n")));

    // Made with the file there, the index no longer says it once it is gone.
    s.run(&["code"]).ok();
    std::fs::remove_dir_all(s.path().join(".thematic")).unwrap();
    assert!(s.run(&["code"]).ok().contains(", 2 warnings\n"));
    s.remove("transcripts/r2.rtf");
    let run = s.run(&["code"]);
    assert!(run.ok().contains(", 1 warning\n"), "{}", run.stdout);
    assert!(!run.stderr.contains("r2.rtf"), "{}", run.stderr);
    assert!(!s.run(&["transcripts"]).stderr.contains("r2.rtf"));
}

#[test]
fn readers_update_a_fresh_study_with_a_note() {
    let s = Study::fixture("basic");
    let out = s.run(&["stats", "--format", "csv"]);
    assert_eq!(out.ok(), STATS);
    assert!(
        out.stderr
            .starts_with("note: index out of date (no index yet); updating"),
        "{}",
        out.stderr
    );
    let out = s.run(&["stats", "--format", "csv"]);
    assert_eq!(out.stderr, "");
}

#[test]
fn transcripts_lists_what_was_ingested() {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    assert_eq!(
        s.run(&["transcripts", "--format", "csv"]).ok(),
        "path,respondents,turns,excerpts,words,encoding,warnings,preamble_words,footer_lines,language
transcripts/fg01.txt,R03 R04,3,2,22,UTF-8,1,3,0,english
transcripts/m01.txt,m01,1,2,20,UTF-8,0,0,0,english
transcripts/r01.txt,R01,4,3,28,UTF-8,0,5,0,english
transcripts/r02.txt,R02,4,3,20,UTF-8,0,0,0,english
"
    );
}

#[test]
fn incremental_runs_pick_up_each_kind_of_change() {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    let again = s.run(&["code"]);
    again.ok();
    assert!(
        again.stderr.contains("up to date: nothing changed"),
        "{}",
        again.stderr
    );

    // An edited transcript is re-read; the others are not.
    s.file("transcripts/m01.txt", "Nothing to report here.\n");
    let run = s.run(&["code"]);
    assert!(
        run.stderr
            .contains("re-coded 1 changed transcript, removed 0"),
        "{}",
        run.stderr
    );
    let stats = s.run(&["stats", "--format", "csv"]);
    assert!(
        stats.ok().contains("family/search,3,3\n"),
        "{}",
        stats.stdout
    );
    assert!(stats.stdout.contains("return,4,3\n"), "{}", stats.stdout);

    // A removed transcript disappears from the index.
    s.remove("transcripts/m01.txt");
    let run = s.run(&["code"]);
    assert!(run.stderr.contains("removed 1"), "{}", run.stderr);
    assert!(
        run.ok()
            .starts_with("3 transcripts, 4 respondents, 8 excerpts"),
        "{}",
        run.stdout
    );

    // A codebook edit re-codes everything.
    let cb = std::fs::read_to_string(s.path().join("codebooks/main.yaml")).unwrap();
    s.file(
        "codebooks/main.yaml",
        &cb.replace("any: [took care, me apoyó, support*]", "any: [aunt]"),
    );
    let run = s.run(&["code"]);
    assert!(
        run.stderr.contains(
            "re-coded 8 excerpts from the index (the codebook changed; no transcript re-read)"
        ),
        "{}",
        run.stderr
    );
    assert!(s
        .run(&["stats", "--format", "csv"])
        .ok()
        .contains("return/support,1,1\n"));

    // respondents.csv is picked up without re-reading transcripts.
    s.file("respondents.csv", "id,role,region\nR01,survivor,Puno\n");
    let out = s.run(&["stats", "--format", "csv", "--where", "region=Puno"]);
    assert!(
        out.ok()
            .starts_with("code,excerpts,respondents\nfamily,2,1\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn frozen_refuses_a_stale_index() {
    let s = Study::fixture("basic");
    let out = s.run(&["stats", "--frozen"]);
    assert!(out.bad_input().contains("out of date"), "{}", out.stderr);
    s.run(&["code"]).ok();
    s.run(&["stats", "--frozen"]).ok();
    s.file(
        "transcripts/new.txt",
        "A new monologue about money and family.\n",
    );
    let out = s.run(&["stats", "--frozen"]);
    assert!(
        out.bad_input().contains("run `thematic code` first"),
        "{}",
        out.stderr
    );
}

#[test]
fn windows_1252_and_utf16_transcripts_are_read_and_coded() {
    let s = Study::fixture("basic");
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252
        .encode("E: ¿Y la policía?\r\nR05: Fuimos a la comisaría con mi familia.\r\n");
    s.bytes("transcripts/r05.txt", &cp1252);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "\u{feff}E: ¿Dinero?\r\nR06: La familia tenía deudas.\r\n"
        .encode_utf16()
        .skip(1)
    {
        utf16.extend(u.to_le_bytes());
    }
    s.bytes("transcripts/r06.txt", &utf16);
    let run = s.run(&["code"]);
    assert!(
        run.stderr
            .contains("warning: transcripts/r05.txt: not UTF-8; decoded as windows-1252"),
        "{}",
        run.stderr
    );
    let out = s.run(&[
        "quote",
        "police",
        "--format",
        "csv",
        "--where",
        "respondent=r05",
    ]);
    assert!(out.ok().contains("transcripts/r05.txt:2,transcripts/r05.txt,2,r05,,,family/search/police,¿Y la policía?,Fuimos a la comisaría con mi familia.\n"), "{}", out.stdout);
    let out = s.run(&[
        "quote",
        "money",
        "--format",
        "csv",
        "--where",
        "respondent=r06",
    ]);
    assert!(
        out.ok().contains("transcripts/r06.txt:2,"),
        "{}",
        out.stdout
    );
}

#[test]
fn bad_codebooks_exit_2_with_file_line_and_column() {
    let s = Study::fixture("basic");
    let cb = std::fs::read_to_string(s.path().join("codebooks/main.yaml")).unwrap();
    let cases = [
        (
            cb.replace("    label: Return\n", "    lable: Return\n"),
            "codebooks/main.yaml:23:5",
            "unknown field `lable`",
        ),
        (
            cb.replace("id: money", "id: Money"),
            "codebooks/main.yaml:17:13",
            "bad code under `family` id `Money`",
        ),
        (
            cb.replace("id: dates", "id: support"),
            "codebooks/main.yaml:29",
            "duplicate",
        ),
        (
            cb.replace("deuda*", "de*uda"),
            "codebooks/main.yaml:20:32",
            "`family/money` match.any",
        ),
        (
            cb.replace(r"'\b(19|20)\d\d\b'", "'(19|20'"),
            "codebooks/main.yaml:32:20",
            "invalid regex",
        ),
    ];
    for (text, place, what) in cases {
        s.file("codebooks/main.yaml", &text);
        let out = s.run(&["code"]);
        let err = out.bad_input();
        assert!(
            err.contains(place) && err.contains(what),
            "expected {place} / {what}:\n{err}"
        );
        assert!(err.contains("= help: "), "{err}");
    }
}

#[test]
fn bad_transcripts_exit_2_and_keep_the_previous_index() {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    s.bytes(
        "transcripts/scan.txt",
        b"PK\x03\x04\x14\x00\x00\x00binary\x00\x00",
    );
    let err = s.run(&["code"]);
    assert!(
        err.bad_input().contains("transcripts/scan.txt"),
        "{}",
        err.stderr
    );
    s.remove("transcripts/scan.txt");
    s.file(
        "transcripts/bad.txt",
        "---\nrespondent: [R9\n---\nR9: hola\n",
    );
    let err = s.run(&["code"]);
    assert!(
        err.bad_input().contains("transcripts/bad.txt:"),
        "{}",
        err.stderr
    );
    s.remove("transcripts/bad.txt");
    // Nothing partial was committed: the index is still the first run's.
    assert_eq!(s.run(&["stats", "--format", "csv", "--frozen"]).ok(), STATS);
}

#[test]
fn attribute_conflicts_name_both_places() {
    let s = Study::fixture("basic");
    s.replace(
        "transcripts/r01.txt",
        "respondent: R01\n",
        "respondent: R01\nregion: Lima\n",
    );
    let err = s.run(&["code"]);
    let msg = err.bad_input();
    assert!(
        msg.contains("respondents.csv:2") && msg.contains("transcripts/r01.txt:3"),
        "{msg}"
    );
}

#[test]
fn missing_codebook_and_settings_typos() {
    let s = Study::fixture("basic");
    s.file("thematic.yaml", "codebok: x.yaml\n");
    assert!(s.run(&["code"]).bad_input().contains("thematic.yaml:1:1"));
    s.file("thematic.yaml", "codebook: nowhere.yaml\n");
    let out = s.run(&["code"]);
    assert!(
        out.bad_input().contains("nowhere.yaml") && out.stderr.contains("does not exist"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_study_is_found_by_walking_up() {
    let s = Study::fixture("basic");
    let mut cmd = s.command();
    cmd.current_dir(s.path().join("transcripts"))
        .args(["stats", "--format", "csv"]);
    assert_eq!(crate::util::run(cmd).ok(), STATS);
}

#[test]
fn units_turn_and_sentence() {
    let s = Study::fixture("basic");
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer, Moderadora, E]\nunit: turn\n",
    );
    assert!(s
        .run(&["code"])
        .ok()
        .starts_with("4 transcripts, 5 respondents, 7 excerpts,"));
    s.file(
        "thematic.yaml",
        "interviewer: [Interviewer, Moderadora, E]\nunit: sentence\n",
    );
    s.run(&["code"]).ok();
    let out = s.run(&[
        "search",
        "--uncoded",
        "--format",
        "csv",
        "--where",
        "respondent=R01",
    ]);
    assert_eq!(
        out.ok(),
        "id,path,line,respondent,region,role,codes,question,text\n"
    );
    let out = s.run(&[
        "quote",
        "police",
        "--format",
        "csv",
        "--where",
        "respondent=R02",
    ]);
    assert!(
        out.ok()
            .contains("transcripts/r02.txt:5.2,transcripts/r02.txt,5,R02,"),
        "{}",
        out.stdout
    );
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_a_usable_index() {
    use std::fmt::Write;
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    // Enough text that the kill lands mid-run.
    let mut big = String::new();
    for i in 0..4000 {
        writeln!(
            big,
            "R99: My family reported it to the police in 20{:02}.\n",
            i % 100
        )
        .unwrap();
    }
    for i in 0..40 {
        s.file(&format!("transcripts/big{i:02}.txt"), &big);
    }
    let mut child = s
        .command()
        .args(["code"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    let _ = child.kill();
    let _ = child.wait();
    let out = s.run(&["stats", "--format", "csv"]);
    let want = "code,excerpts,respondents
family,160005,43
family/search,160002,42
family/search/police,160002,42
family/money,3,3
return,160006,44
return/support,4,4
return/dates,160002,42
return/hand,0,0
";
    assert_eq!(out.ok(), want);
}

#[test]
fn init_creates_a_study_that_codes() {
    let s = Study::empty();
    let dir = s.path().join("new");
    let mut cmd = s.command();
    cmd.args(["init", dir.to_str().unwrap(), "--codebook", "family"]);
    crate::util::run(cmd).ok();
    s.file(
        "new/transcripts/r1.txt",
        "Interviewer: ¿Y tu familia?\nR1: Mi mamá me buscó y puso la denuncia.\n",
    );
    let out = crate::util::run({
        let mut c = s.command();
        c.args([
            "--project",
            dir.to_str().unwrap(),
            "stats",
            "--format",
            "csv",
        ]);
        c
    });
    assert!(
        out.ok().contains("family_role/search_and_report,1,1\n"),
        "{}",
        out.stdout
    );
    let mut again = s.command();
    again.args(["init", dir.to_str().unwrap()]);
    assert!(crate::util::run(again)
        .bad_input()
        .contains("already exists"));
}

/// What the reading commands print, to compare two indexes of one study.
fn outputs(s: &Study) -> Vec<String> {
    let runs: [&[&str]; 9] = [
        &["matrix", "--format", "csv"],
        &["matrix", "--source", "human", "--format", "csv"],
        &["stats", "--format", "csv"],
        &["quote", "family", "--format", "csv"],
        &["search", "--uncoded", "--format", "csv"],
        &["search", "police", "--format", "csv"],
        &["agree", "--coders", "ana,ben", "--format", "csv"],
        &["agree", "--disagreements", "--format", "csv"],
        &["agree", "--rules", "--coders", "ana", "--format", "csv"],
    ];
    runs.iter()
        .map(|args| {
            let out = s.run(args);
            format!("{args:?}\n{}{}", out.ok(), out.stderr)
        })
        .collect()
}

/// The fixture study with two coders' sheets, coded.
fn coded_with_sheets() -> Study {
    let s = Study::fixture("basic");
    s.file("codings/ana.csv", crate::agree::ANA)
        .file("codings/ben.csv", crate::agree::BEN);
    s.run(&["code"]).ok();
    s
}

#[test]
fn codebook_and_sheet_edits_recode_from_the_index_as_a_fresh_build_would() {
    let s = coded_with_sheets();

    // A codebook edit: no transcript is read again.
    let cb = s.read("codebooks/main.yaml");
    s.replace(
        "codebooks/main.yaml",
        "any: [took care, me apoyó, support*]",
        "any: [aunt, support*]",
    );
    code_says(
        &s,
        "from the index (the codebook changed; no transcript re-read)",
    );
    // A reading command re-codes a stale index itself, with one note.
    s.replace("codebooks/main.yaml", "police station", "comisaría");
    let stats = s.run(&["stats", "--frozen"]);
    assert!(
        stats.bad_input().contains("the codebook changed"),
        "{}",
        stats.stderr
    );
    let stats = s.run(&["stats"]);
    stats.ok();
    assert_eq!(
        stats.stderr,
        "note: index out of date (the codebook changed); updating\n"
    );
    // A sheet edit: likewise, with a transcript saved again unchanged.
    s.file("transcripts/r01.txt", &s.read("transcripts/r01.txt"));
    s.file(
        "codings/ben.csv",
        &crate::agree::BEN.replace("transcripts/r02.txt:8,family/money,\n", ""),
    );
    code_says(
        &s,
        "from the index (the coding sheets changed; no transcript re-read)",
    );
    code_says(&s, "up to date: nothing changed");
    same_as_a_fresh_build(&s);

    // A codebook edit together with a transcript edit re-reads everything.
    s.file("codebooks/main.yaml", &cb);
    s.file("transcripts/m01.txt", "Nothing to report here.\n");
    code_says(&s, "from scratch (the codebook changed)");
    same_as_a_fresh_build(&s);
}

/// Runs `code` and checks what it says it did.
#[track_caller]
fn code_says(s: &Study, what: &str) {
    let run = s.run(&["code"]);
    run.ok();
    assert!(run.stderr.contains(what), "{}", run.stderr);
}

/// The reading commands print the same once the index is rebuilt from scratch.
#[track_caller]
fn same_as_a_fresh_build(s: &Study) {
    let before = outputs(s);
    std::fs::remove_dir_all(s.path().join(".thematic")).unwrap();
    s.run(&["code"]).ok();
    assert_eq!(before, outputs(s));
}

#[test]
fn a_broken_respondents_file_exits_2_and_keeps_the_index() {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    let good = s.read("respondents.csv");
    s.file("respondents.csv", "id,role\nR01,survivor,extra\n");
    for cmd in ["code", "stats"] {
        let run = s.run(&[cmd]);
        assert!(
            run.bad_input().contains("respondents.csv:2"),
            "{}",
            run.stderr
        );
    }
    // The index was left as it was: with the file restored it is current.
    s.file("respondents.csv", &good);
    let run = s.run(&["stats", "--frozen", "--format", "csv"]);
    assert_eq!(run.ok(), STATS);
}

#[test]
fn with_coding_sheets_an_edited_transcript_is_read_alone() {
    let s = coded_with_sheets();
    // Two lines above every excerpt of r02. These sheets name excerpts
    // without a text hash, so its codings cannot follow and are reported.
    s.replace(
        "transcripts/r02.txt",
        "---\nE:",
        "---\nGrabado en casa.\n\nE:",
    );
    let run = s.run(&["code"]);
    run.ok();
    assert!(
        run.stderr
            .contains("re-coded 1 changed transcript, removed 0"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("codings/ana.csv:4: coding for `transcripts/r02.txt:5` cannot be placed"),
        "{}",
        run.stderr
    );
    same_as_a_fresh_build(&s);
}

#[test]
fn a_transcript_saved_again_unchanged_is_not_read_again() {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    let before = s.run(&["stats", "--format", "csv"]).ok().to_string();
    // The same bytes with another mtime, as an editor's "save" leaves them.
    let touch = |hours: u64| {
        let file = std::fs::File::options()
            .write(true)
            .open(s.path().join("transcripts/r01.txt"))
            .unwrap();
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600 * hours);
        file.set_modified(later).unwrap();
    };
    touch(1);
    // --frozen answers from the index as it is.
    let frozen = s.run(&["stats", "--frozen", "--format", "csv"]);
    assert_eq!((frozen.ok(), frozen.stderr.as_str()), (before.as_str(), ""));
    // `code` reads nothing and records the new mtime, once.
    let warning = "warning: transcripts/fg01.txt: `Nota:` (line 8) looks like a speaker label \
                   but is not in `speakers:`; kept as text\n";
    let run = s.run(&["code"]);
    run.ok();
    assert!(
        run.stderr.starts_with(&format!(
            "{warning}re-coded 0 changed transcripts, removed 0 in "
        )),
        "{}",
        run.stderr
    );
    code_says(&s, "up to date: nothing changed");
    // A reading command records it too, without a note.
    touch(2);
    let stats = s.run(&["stats", "--format", "csv"]);
    assert_eq!((stats.ok(), stats.stderr.as_str()), (before.as_str(), ""));
    code_says(&s, "up to date: nothing changed");
    assert_eq!(s.run(&["stats", "--format", "csv"]).ok(), before);
}

#[test]
fn timings_are_told_only_when_asked_for() {
    let s = Study::fixture("basic");
    let mut cmd = s.command();
    cmd.env("THEMATIC_TIMING", "1").args(["code"]);
    let timed = crate::util::run(cmd);
    assert_eq!(timed.code, 0, "{}", timed.stderr);
    for phase in ["gather", "stale check", "commit", "count cache"] {
        assert!(
            timed.stderr.contains(&format!("note: timing: {phase}: ")),
            "{phase}: {}",
            timed.stderr
        );
    }
    s.file(
        "transcripts/r09.txt",
        "P: ¿Y su familia?\nR09: Mi familia me buscó.\n",
    );
    let quiet = s.run(&["code"]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("timing:"), "{}", quiet.stderr);
}

/// A focus group where the second participant withdrew consent: her turns
/// sit between the other's, so her excerpts leave gaps in the file.
fn focus_group_with_a_withdrawal() -> Study {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "\
codebook: Work
themes:
  - id: work
    label: Work
    codes:
      - id: pay
        label: Pay
        match:
          any: [sueldo, pag*, paid]
",
    )
    .file(
        "transcripts/a01.txt",
        "\
---
respondent: A01
---
Entrevistadora: ¿Cómo era el trabajo?
A01: Trabajaba en la cocina de un restaurante en Arequipa.
",
    )
    .file(
        "transcripts/fg01.txt",
        "\
---
speakers: {Carmen: G01, Luis: G02}
---
Moderadora: ¿Les pagaban?
Carmen: Nos pagaban la mitad del sueldo prometido.
Luis: A mí no me pagaron nada durante tres meses.

Dormíamos en el almacén.
Carmen: Después nos quitaron los documentos.
Luis: Yo me escapé en el camión de la fruta.
Carmen: Ahora vendo comida en el mercado.
",
    )
    .file(
        "thematic.yaml",
        "interviewer: [Entrevistadora, Moderadora]\nwithdrawn: [G02]\n",
    );
    s
}

#[test]
fn a_withdrawn_guest_in_a_focus_group_counts_nowhere() {
    let s = focus_group_with_a_withdrawal();
    let check = |s: &Study, a01_words: usize| {
        let code = s.run(&["code"]);
        assert!(
            code.ok().starts_with(
                "2 transcripts, 2 respondents, 4 excerpts, 1 coded (25%), 0 warnings\n"
            ),
            "{}",
            code.stdout
        );
        let stats = s.run(&["stats"]).ok().to_string();
        assert!(stats.ends_with("\n4 excerpts in all\n"), "{stats}");
        assert!(stats.contains("┆ 25.0% │"), "{stats}");
        assert_eq!(
            s.run(&["matrix", "--format", "csv"]).ok(),
            "code,A01,G01,total\nwork,0,1,1\nwork/pay,0,1,1\n"
        );
        let export = s.run(&["export", "--format", "csv"]).ok().to_string();
        assert_eq!(export.lines().count(), 1 + 4, "{export}");
        // Only what remains: the moderator's and Carmen's turns, her words.
        assert_eq!(
            s.run(&["transcripts", "--format", "csv"]).ok(),
            format!(
                "path,respondents,turns,excerpts,words,encoding,warnings,preamble_words,footer_lines,language\n\
             transcripts/a01.txt,A01,2,1,{a01_words},UTF-8,0,0,0,english\n\
             transcripts/fg01.txt,G01,4,3,18,UTF-8,0,0,0,english\n"
            )
        );
        let report = s.run(&["report"]).ok().to_string();
        assert!(report.contains("excerpts: 4; coded: 1/4 (25%)"), "{report}");
    };
    check(&s, 9);
    // An update that reads a01.txt again keeps fg01.txt's records as they
    // were: its gaps stay gaps.
    s.replace("transcripts/a01.txt", "Arequipa", "Arequipa, sin contrato");
    check(&s, 11);
}

/// Sets a file's mtime `secs` seconds after now, so that an edit is
/// told apart from the write before it whatever the clock's resolution.
fn set_mtime(s: &Study, rel: &str, secs: u64) {
    let when = std::time::SystemTime::now() + std::time::Duration::from_secs(secs);
    let f = std::fs::File::options()
        .write(true)
        .open(s.path().join(rel))
        .unwrap();
    f.set_modified(when).unwrap();
}

/// A reading command after a change in a subfolder: `--frozen` refuses,
/// then the command updates the index with one note and prints what a
/// fresh build prints.
#[track_caller]
fn reader_sees_the_change(s: &Study, what: &str) {
    let frozen = s.run(&["stats", "--frozen"]);
    assert!(
        frozen.bad_input().contains("out of date"),
        "{what}: {}",
        frozen.stderr
    );
    let stats = s.run(&["stats", "--format", "csv"]);
    assert_eq!(
        stats.stderr, "note: index out of date (transcripts or respondents changed); updating\n",
        "{what}"
    );
    let again = s.run(&["stats", "--format", "csv"]);
    assert_eq!(again.stderr, "", "{what}");
    assert_eq!(again.ok(), stats.ok(), "{what}");
    let fresh = Study::empty();
    copy_tree(s.path(), fresh.path());
    std::fs::remove_dir_all(fresh.path().join(".thematic")).unwrap();
    assert_eq!(
        fresh.run(&["stats", "--format", "csv"]).ok(),
        stats.stdout,
        "{what}"
    );
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn reading_commands_see_edits_additions_deletions_and_renames_in_subfolders() {
    let s = Study::fixture("basic");
    // The transcripts spread over nested folders.
    for (from, to) in [
        ("r01.txt", "cusco/2023/r01.txt"),
        ("r02.txt", "cusco/r02.txt"),
        ("m01.txt", "puno/m01.txt"),
    ] {
        let text = s.read(&format!("transcripts/{from}"));
        s.remove(&format!("transcripts/{from}"));
        s.file(&format!("transcripts/{to}"), &text);
    }
    s.run(&["code"]).ok();
    let quiet = s.run(&["stats"]);
    assert_eq!(quiet.stderr, "");

    // Edited in place, deep in a subfolder, with its size kept: no folder's
    // mtime changes, the file's does.
    s.replace("transcripts/cusco/2023/r01.txt", "every day", "each nite");
    set_mtime(&s, "transcripts/cusco/2023/r01.txt", 60);
    reader_sees_the_change(&s, "edited in place, same size");

    // Added to a new subfolder.
    s.file(
        "transcripts/puno/2024/m02.txt",
        "---\nrespondent: R09\n---\nMy family had no money for the bus.\n",
    );
    reader_sees_the_change(&s, "added");

    // Renamed inside its folder, content and mtime kept.
    let p = s.path().join("transcripts/cusco");
    std::fs::rename(p.join("r02.txt"), p.join("r02b.txt")).unwrap();
    reader_sees_the_change(&s, "renamed");

    // Moved to another subfolder.
    std::fs::rename(
        s.path().join("transcripts/puno/m01.txt"),
        s.path().join("transcripts/cusco/2023/m01.txt"),
    )
    .unwrap();
    reader_sees_the_change(&s, "moved");

    // Deleted from a subfolder.
    s.remove("transcripts/puno/2024/m02.txt");
    reader_sees_the_change(&s, "deleted");

    // Saved again unchanged: nothing to say, the index stays as it is.
    let text = s.read("transcripts/cusco/2023/r01.txt");
    s.file("transcripts/cusco/2023/r01.txt", &text);
    set_mtime(&s, "transcripts/cusco/2023/r01.txt", 120);
    let stats = s.run(&["stats", "--frozen"]);
    assert_eq!(stats.stderr, "");
    stats.ok();
}

/// Sets the mtime of every folder below `transcripts/` an hour back, as a
/// study's folders are when nothing was added for a while.
fn age_folders(dir: &std::path::Path) {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::open(dir)
        .unwrap()
        .set_modified(when)
        .unwrap();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            age_folders(&e.path());
        }
    }
}

#[test]
fn with_check_folders_reading_commands_see_files_added_removed_and_renamed_and_code_sees_every_edit(
) {
    let s = Study::fixture("basic");
    let settings = s.read("thematic.yaml");
    s.file("thematic.yaml", &format!("{settings}check: folders\n"));
    for (from, to) in [
        ("r01.txt", "cusco/2023/r01.txt"),
        ("m01.txt", "puno/m01.txt"),
    ] {
        let text = s.read(&format!("transcripts/{from}"));
        s.remove(&format!("transcripts/{from}"));
        s.file(&format!("transcripts/{to}"), &text);
    }
    s.run(&["code"]).ok();
    let record = s.path().join(".thematic/folders.bin");
    let transcripts = s.path().join("transcripts");
    // Folders changed in the last seconds are not recorded: a change in
    // the same tick of the file system's clock could leave them as they are.
    let first = s.run(&["stats", "--format", "csv"]);
    assert_eq!(first.stderr, "");
    assert!(!record.exists());
    age_folders(&transcripts);
    assert_eq!(s.run(&["stats", "--format", "csv"]).ok(), first.stdout);
    assert!(record.exists());

    // A file rewritten in place leaves its folder's mtime as it was: the
    // reading commands answer from the index as it is (the README says
    // so), and `code`, which compares every file, reads it again.
    s.replace("transcripts/cusco/2023/r01.txt", "took care", "look kare");
    set_mtime(&s, "transcripts/cusco/2023/r01.txt", 60);
    let unseen = s.run(&["stats", "--format", "csv", "--frozen"]);
    assert_eq!(unseen.stderr, "");
    assert_eq!(unseen.ok(), first.stdout);
    s.run(&["code"]).ok();
    let fresh = |s: &Study| {
        let copy = Study::empty();
        copy_tree(s.path(), copy.path());
        std::fs::remove_dir_all(copy.path().join(".thematic")).unwrap();
        copy.run(&["stats", "--format", "csv"]).ok().to_string()
    };
    assert_eq!(s.run(&["stats", "--format", "csv"]).ok(), fresh(&s));
    assert_ne!(fresh(&s), first.stdout);

    // Added, renamed, moved, deleted: each moves a folder's mtime.
    age_folders(&transcripts);
    s.run(&["stats"]).ok();
    assert!(record.exists());
    s.file(
        "transcripts/puno/2024/m02.txt",
        "---\nrespondent: R09\n---\nMy family had no money for the bus.\n",
    );
    reader_sees_the_change(&s, "added to a new subfolder");
    for (from, to) in [
        ("transcripts/r02.txt", "transcripts/r02b.txt"),
        ("transcripts/puno/m01.txt", "transcripts/cusco/2023/m01.txt"),
    ] {
        age_folders(&transcripts);
        s.run(&["stats"]).ok();
        assert!(record.exists());
        std::fs::rename(s.path().join(from), s.path().join(to)).unwrap();
        reader_sees_the_change(&s, &format!("{from} renamed"));
    }
    age_folders(&transcripts);
    s.run(&["stats"]).ok();
    s.remove("transcripts/puno/2024/m02.txt");
    reader_sees_the_change(&s, "deleted");
    // A file deleted with its folder, its parent's mtime put back: the
    // recorded folder is gone.
    s.file(
        "transcripts/puno/2024/m02.txt",
        "---\nrespondent: R09\n---\nOtra vez.\n",
    );
    s.run(&["code"]).ok();
    age_folders(&transcripts);
    s.run(&["stats"]).ok();
    assert!(record.exists());
    let puno = s.path().join("transcripts/puno");
    let before = std::fs::metadata(&puno).unwrap().modified().unwrap();
    std::fs::remove_dir_all(puno.join("2024")).unwrap();
    std::fs::File::open(&puno)
        .unwrap()
        .set_modified(before)
        .unwrap();
    reader_sees_the_change(&s, "subfolder removed");
}

#[test]
fn an_unknown_check_is_refused_at_its_line() {
    let s = Study::fixture("basic");
    let settings = s.read("thematic.yaml");
    s.file("thematic.yaml", &format!("{settings}check: folder\n"));
    let err = s.run(&["stats"]);
    let msg = err.bad_input();
    assert!(
        msg.starts_with("error: unknown check `folder`\n  --> thematic.yaml:2\n"),
        "{msg}"
    );
    assert!(msg.contains("`folders`"), "{msg}");
    // Any case is read, as for `language:`.
    s.file("thematic.yaml", &format!("{settings}check: Folders\n"));
    s.run(&["stats"]).ok();
}

#[test]
fn settings_of_the_wrong_type_or_value_are_told_plainly_with_an_example() {
    let s = Study::fixture("basic");
    for (yaml, expected) in [
        (
            "withdrawn: R02\n",
            "error: `withdrawn:` takes a list, not the text `R02`\n  --> thematic.yaml:1:12\n  = help: write the value in a list: `withdrawn: [R02]` (e.g. `withdrawn: [R07, R12]`)\n",
        ),
        (
            "interviewer: [Interviewer]\nunit: paragraphs\n",
            "error: `unit:` has no value `paragraphs`; did you mean `paragraph`?\n  --> thematic.yaml:2:7\n  = help: `unit:` takes one of: paragraph, turn, sentence\n",
        ),
        (
            "transcript: [transcripts]\n",
            "error: unknown key `transcript` in thematic.yaml; did you mean `transcripts`?\n  --> thematic.yaml:1:1\n  = help: remove or correct the key (keys are checked so that typos do not pass); the keys are: transcripts, codebook, respondents, unit, interviewer, language, csv, encoding, charts, memos, title, description, attribution, withdrawn, pseudonyms, identifying, check, speakers\n",
        ),
    ] {
        s.file("thematic.yaml", yaml);
        let run = s.run(&["code"]);
        assert_eq!(run.bad_input(), expected, "{yaml}");
        assert_eq!(run.stdout, "");
    }
}
