//! Numbers from human coding: what a sheet covers, which codes a coder is
//! compared on, re-anchoring codings after an edit, hashes a spreadsheet
//! program changed, and `thematic reanchor`.

use crate::util::Study;

const CODEBOOK: &str = "codebook: Recruitment and return
version: \"1\"
themes:
  - id: work
    label: Work and recruitment
    codes:
      - id: recruit
        label: Offered a job
        match:
          any: [job offer*, trabajo]
      - id: debt
        label: Debt
        match:
          any: [debt*, deuda*]
      - id: family
        label: Family involved
  - id: help
    label: Help received
    codes:
      - id: shelter
        label: Shelter
        match:
          any: [shelter, albergue]
";

/// A focus group of two respondents, and an interview with the same short
/// answer twice.
const FOCUS_GROUP: &str = "---
speakers: {Rosa: R1, Luis: R2}
---
Moderator: How did you first hear about the work?

Rosa: A woman came with a job offer in the city. I said yes.

Luis: My cousin had a debt with them, so he went first.

Moderator: And after you came back?

Rosa: The shelter took me in for two months.

Luis: Nobody helped us, we had to find a room ourselves.
";

const INTERVIEW: &str = "Interviewer: Did you want to go?
R3: Oh, yeah.
Interviewer: Did you know about the debt?
R3: No, the debt came later, when we were already there.
Interviewer: Would you go again?
R3: Oh, yeah.
Interviewer: Even now?
R3: Only with my sister, she knows the shelter people.
";

fn study() -> Study {
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK)
        .file("transcripts/fg1.txt", FOCUS_GROUP)
        .file("transcripts/r3.txt", INTERVIEW);
    s
}

/// A blank sheet from `thematic sheet`, with `marks` (excerpt id → code
/// columns to mark with `x`).
fn marked(s: &Study, args: &[&str], marks: &[(&str, &[&str])]) -> String {
    let mut all = vec!["sheet"];
    all.extend_from_slice(args);
    let blank = s.run(&all).ok().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(blank.as_bytes());
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = Vec::new();
    for rec in rdr.records() {
        let mut cells: Vec<String> = rec.unwrap().iter().map(str::to_string).collect();
        if header.is_empty() {
            header.clone_from(&cells);
        }
        for (id, codes) in marks {
            if cells[0] == *id {
                for c in *codes {
                    let i = header.iter().position(|h| h == c).expect("column");
                    cells[i] = "x".into();
                }
            }
        }
        w.write_record(&cells).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn a_wide_sheet_covers_its_rows_not_the_other_speakers_of_the_file() {
    let s = study();
    let ana = marked(
        &s,
        &["--coder", "ana", "--where", "respondent=R1"],
        &[("transcripts/fg1.txt:6", &["work/recruit"])],
    );
    let ben = marked(
        &s,
        &["--coder", "ben", "--where", "respondent=R1"],
        &[
            ("transcripts/fg1.txt:6", &["work/recruit"]),
            ("transcripts/fg1.txt:12", &["help/shelter"]),
        ],
    );
    s.file("codings/ana.csv", &ana)
        .file("codings/ben.csv", &ben);
    // Two rows each: Luis's answers were on nobody's sheet.
    assert_eq!(
        s.run(&["agree", "--format", "csv"]).ok(),
        "code,units,agreement,kappa,alpha
work/recruit,2,1.0000,1.0000,1.0000
help/shelter,2,0.5000,0.0000,0.0000
pooled,2,0.7500,0.5000,0.5333
"
    );
    // The rules found Luis's debt, but no coder saw that excerpt.
    assert_eq!(
        s.run(&["agree", "--rules", "--coders", "ana", "--format", "csv"])
            .ok(),
        "code,precision,recall,f1
work/recruit,1.0000,1.0000,1.0000
work/debt,,,
help/shelter,0.0000,,
pooled,0.5000,1.0000,0.6667
"
    );
}

#[test]
fn coders_whose_sheets_share_no_rows_are_told_so() {
    let s = study();
    let ana = marked(&s, &["--coder", "ana", "--where", "respondent=R1"], &[]);
    let ben = marked(&s, &["--coder", "ben", "--where", "respondent=R2"], &[]);
    s.file("codings/ana.csv", &ana)
        .file("codings/ben.csv", &ben);
    let run = s.run(&["agree", "--codes", "recruit", "--format", "csv"]);
    assert_eq!(
        run.ok(),
        "code,units,agreement,kappa,alpha\nwork/recruit,0,,,\npooled,0,,,\n"
    );
    assert!(
        run.stderr
            .contains("no excerpt is covered by every one of ana, ben"),
        "{}",
        run.stderr
    );
    // A third coder who shares R1's excerpts with ana: α has pairs.
    let cy = marked(&s, &["--coder", "cy", "--where", "respondent=R1"], &[]);
    s.file("codings/cy.csv", &cy);
    let run = s.run(&["agree", "--codes", "recruit", "--format", "csv"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "note: no excerpt is covered by every one of ana, ben, cy: their sheets share no \
             rows, so agreement and kappa have nothing to compare (alpha counts the excerpts two \
             of them share)\n"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn rules_are_scored_only_on_the_codes_a_sheet_has_columns_for() {
    let s = study();
    let ana = marked(
        &s,
        &["--coder", "ana", "--codes", "work"],
        &[
            ("transcripts/fg1.txt:6", &["work/recruit"]),
            ("transcripts/fg1.txt:8", &["work/debt", "work/family"]),
            ("transcripts/r3.txt:4", &["work/debt"]),
        ],
    );
    s.file("codings/ana.csv", &ana);
    // No `help/shelter`: ana had no column for it (the rules found it
    // in the focus group and in r3, which her sheet covers).
    assert_eq!(
        s.run(&["agree", "--rules", "--coders", "ana", "--format", "csv"])
            .ok(),
        "code,precision,recall,f1
work/recruit,1.0000,1.0000,1.0000
work/debt,1.0000,1.0000,1.0000
work/family,,0.0000,
pooled,1.0000,0.7500,0.8571
"
    );
    // The theme is compared when asked for: every one of its codes was a
    // column.
    assert_eq!(
        s.run(&["agree", "--rules", "--coders", "ana", "--codes", "work", "--format", "csv"])
            .ok(),
        "code,precision,recall,f1\nwork,1.0000,1.0000,1.0000\npooled,1.0000,1.0000,1.0000\n"
    );
    let run = s.run(&[
        "agree", "--rules", "--coders", "ana", "--codes", "shelter", "--format", "csv",
    ]);
    assert_eq!(run.ok(), "code,precision,recall,f1\npooled,,,\n");
    assert!(
        run.stderr
            .contains("note: `help/shelter` is not compared: not on the sheets of ana"),
        "{}",
        run.stderr
    );
}

/// The coder marked the second "Oh, yeah."; two lines are inserted at
/// the top of the transcript.
#[test]
fn a_repeated_answer_keeps_its_coding_on_the_right_occurrence() {
    let s = study();
    let cy = marked(
        &s,
        &["--coder", "cy", "--where", "respondent=r3"],
        &[("transcripts/r3.txt:6", &["work/family"])],
    );
    s.file("codings/cy.csv", &cy);
    let quote = |s: &Study| {
        s.run(&["quote", "family", "--source", "cy", "--format", "csv"])
            .ok()
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(quote(&s), ["transcripts/r3.txt:6"]);
    s.file(
        "transcripts/r3.txt",
        &format!("Interview 3, Lima, May 2024.\n\n{INTERVIEW}"),
    );
    let run = s.run(&["code"]);
    assert!(
        run.stderr.contains(
            "note: codings/cy.csv:4: excerpt `transcripts/r3.txt:6` moved to `transcripts/r3.txt:8` (re-anchored by its text)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(quote(&s), ["transcripts/r3.txt:8"]);
    // Told once: not again on the next runs, nor when the sheet is placed
    // again for another reason.
    let again = s.run(&["code"]);
    assert!(!again.stderr.contains("moved"), "{}", again.stderr);
    s.file("codings/cy.csv", &format!("{}\n", s.read("codings/cy.csv")));
    let again = s.run(&["code"]);
    assert!(
        again.stderr.contains("re-coded") && !again.stderr.contains("moved"),
        "{}",
        again.stderr
    );

    // `reanchor` shows what it would write, and `--write` writes it.
    let show = s.run(&["reanchor"]);
    assert!(
        show.ok()
            .contains("codings/cy.csv:4: id `transcripts/r3.txt:6` -> `transcripts/r3.txt:8`"),
        "{}",
        show.stdout
    );
    let before = s.read("codings/cy.csv");
    assert!(show.stderr.contains("`thematic reanchor --write`"));
    assert_eq!(s.read("codings/cy.csv"), before, "a dry run writes nothing");
    s.run(&["reanchor", "--write"]).ok();
    let after = s.read("codings/cy.csv");
    let row = csv::ReaderBuilder::new()
        .from_reader(after.as_bytes())
        .records()
        .nth(2)
        .unwrap()
        .unwrap();
    assert_eq!(&row[0], "transcripts/r3.txt:8");
    assert_eq!(row[5], hash("Oh, yeah."));
    // Every row moved two lines down; nothing else changed (but the blank
    // line at the end).
    let mut expected = before.trim_end().to_string() + "\n";
    for line in [8, 6, 4, 2] {
        expected = expected.replace(
            &format!("transcripts/r3.txt:{line},"),
            &format!("transcripts/r3.txt:{},", line + 2),
        );
    }
    assert_eq!(after, expected);
    let run = s.run(&["code"]);
    assert!(!run.stderr.contains("moved"), "{}", run.stderr);
    assert_eq!(quote(&s), ["transcripts/r3.txt:8"]);
    assert!(s.run(&["reanchor"]).stderr.contains("nothing to rewrite"));
}

#[test]
fn two_equally_likely_occurrences_are_warned_about_not_guessed() {
    let s = study();
    // A sheet row written by hand, naming a line between the two answers.
    s.file(
        "codings/dee.csv",
        &format!(
            "id,hash,work/family\ntranscripts/r3.txt:4,{},x\n",
            hash("Oh, yeah.")
        ),
    );
    let run = s.run(&["code"]);
    assert!(
        run.stderr.contains(
            "warning: codings/dee.csv:2: coding for `transcripts/r3.txt:4` cannot be placed: its text occurs 2 times in `transcripts/r3.txt` (`transcripts/r3.txt:2`, `transcripts/r3.txt:6`)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_coding_never_moves_to_another_transcript() {
    let s = study();
    s.file("transcripts/short3.txt", "Sí.\n\nNo sé qué decir.\n")
        .file("transcripts/short5.txt", "Sí.\n");
    let ana = marked(
        &s,
        &["--coder", "ana", "--where", "respondent=short3"],
        &[("transcripts/short3.txt:1", &["work/family"])],
    );
    s.file("codings/ana.csv", &ana);
    s.file("transcripts/short3.txt", "No sé qué decir.\n");
    let run = s.run(&["code"]);
    assert!(
        run.stderr.contains("warning: codings/ana.csv:2: coding for `transcripts/short3.txt:1` cannot be placed: no excerpt of `transcripts/short3.txt` has its text any more"),
        "{}",
        run.stderr
    );
    assert_eq!(
        s.run(&[
            "matrix",
            "--source",
            "ana",
            "--format",
            "csv",
            "--theme",
            "work",
            "--where",
            "respondent=short5"
        ])
        .ok(),
        "code,short5,total\nwork,0,0\nwork/recruit,0,0\nwork/debt,0,0\nwork/family,0,0\n"
    );
}

#[test]
fn a_long_sheet_id_at_a_line_without_an_excerpt_says_so() {
    let s = study();
    s.file(
        "codings/eva.csv",
        "excerpt,code\ntranscripts/r3.txt:3,work/debt\n",
    );
    let run = s.run(&["code"]);
    assert!(
        run.stderr.contains(
            "warning: codings/eva.csv:2: coding for `transcripts/r3.txt:3` cannot be placed: no excerpt of `transcripts/r3.txt` starts at line 3; correct the id on the sheet"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("changed"), "{}", run.stderr);
}

#[test]
fn a_sheet_column_named_twice_is_refused_at_the_second() {
    let s = study();
    s.file(
        "codings/eva.csv",
        "excerpt,code,CODE\ntranscripts/r3.txt:1,work/debt,help/shelter\n",
    );
    assert_eq!(
        s.run(&["code"]).bad_input(),
        "error: column `CODE` appears twice in codings/eva.csv (columns 2 and 3): the marks of \
         one would be lost\n  --> codings/eva.csv:1:3\n  = help: merge the two columns into \
         one, or rename one of them\n"
    );
    s.file(
        "codings/eva.csv",
        "id,work/debt,help/shelter,work/debt\ntranscripts/r3.txt:1,x,,\n",
    );
    assert!(s.run(&["code"]).bad_input().starts_with(
        "error: column `work/debt` appears twice in codings/eva.csv (columns 2 and 4)"
    ),);
    // One code under two names: its path and a suffix of it.
    s.file(
        "codings/eva.csv",
        "id,work/debt,help/shelter,debt\ntranscripts/r3.txt:1,x,,\n",
    );
    assert_eq!(
        s.run(&["code"]).bad_input(),
        "error: columns `work/debt` (column 2) and `debt` (column 4) are both code `work/debt`: \
         their marks would be merged\n  --> codings/eva.csv:1:4\n  = help: keep one column per \
         code (merge the marks into it), or fix the header\n"
    );
    // Two columns that name the excerpt.
    s.file(
        "codings/eva.csv",
        "id,excerpt,work/debt\ntranscripts/r3.txt:1,transcripts/r3.txt:3,x\n",
    );
    assert!(s.run(&["code"]).bad_input().starts_with(
        "error: the sheet has both an `id` column (column 1) and an `excerpt` column (column 2)"
    ));
}

/// A spreadsheet program saved `066089670000` as `66089670000`.
#[test]
fn hashes_a_spreadsheet_turned_into_numbers_keep_their_codings() {
    let s = study();
    // An answer whose hash is all digits, with a leading zero.
    let (text, digits) = (0..200_000)
        .map(|n| format!("Me pagaban {n} soles al mes."))
        .map(|t| {
            let h = blake3::hash(t.as_bytes()).to_hex()[..12].to_string();
            (t, h)
        })
        .find(|(_, h)| h.starts_with('0') && h.bytes().all(|b| b.is_ascii_digit()))
        .expect("a text with a digits-only hash");
    s.file(
        "transcripts/r4.txt",
        &format!("Interviewer: ¿Y el pago?\nR4: {text}\n"),
    );
    let sheet = marked(
        &s,
        &["--coder", "fe", "--where", "respondent=r4"],
        &[("transcripts/r4.txt:2", &["work/family"])],
    );
    let number = digits.trim_start_matches('0');
    let saved = sheet.replace(&format!("h{digits}"), number);
    assert!(saved.contains(&format!(",{number},")));
    s.file("codings/fe.csv", &saved);
    let run = s.run(&["code"]);
    assert!(!run.stderr.contains("cannot be placed"), "{}", run.stderr);
    assert_eq!(
        s.run(&["matrix", "--source", "fe", "--format", "csv", "--theme", "work"])
            .ok(),
        "code,R1,R2,r3,r4,total\nwork,0,0,0,1,1\nwork/recruit,0,0,0,0,0\nwork/debt,0,0,0,0,0\nwork/family,0,0,0,1,1\n"
    );
    // `reanchor --write` puts the hash back in the form no spreadsheet changes.
    assert!(s
        .run(&["reanchor"])
        .ok()
        .contains(&format!("hash `{number}` -> `h{digits}`")));
    s.run(&["reanchor", "--write"]).ok();
    assert!(s.read("codings/fe.csv").contains(&format!(",h{digits},")));
}

/// The hash `thematic sheet` writes.
fn hash(text: &str) -> String {
    format!("h{}", &blake3::hash(text.as_bytes()).to_hex()[..12])
}

/// A sheet read against an empty codebook names the codebook as the cause.
#[test]
fn a_sheet_against_an_empty_codebook_says_the_codebook_is_empty() {
    let s = Study::empty();
    s.file("codebooks/main.yaml", "# nothing yet\n")
        .file(
            "transcripts/r01.txt",
            "---\nrespondent: R01\n---\nInterviewer: ¿Y el trabajo?\nR01: Me ofrecieron trabajo en Lima.\n",
        )
        .file("codings/ana.csv", "excerpt,work/recruit\ntranscripts/r01.txt:5,1\n");
    let run = s.run(&["code"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the codebook (codebooks/main.yaml) has no themes"),
        "{}",
        run.stderr
    );
}

/// Every bad row of every sheet is told in one run, each at its cell.
#[test]
fn every_bad_row_of_every_sheet_is_told_at_once() {
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK)
        .file(
            "transcripts/r01.txt",
            "---\nrespondent: R01\n---\nInterviewer: ¿Cómo llegó?\nR01: Me ofrecieron trabajo en Lima.\n",
        )
        .file(
            "codings/ana.csv",
            "excerpt,code\ntranscripts/r01.txt:5,work/recruit\n,work/debt\ntranscripts/r01.txt:5,work/deudas\n",
        )
        .file("codings/ben.csv", "excerpt,code\ntranscripts/r01.txt:5,help/shelters\n");
    let run = s.run(&["code"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for place in [
        "codings/ana.csv:3:1",
        "codings/ana.csv:4:2",
        "codings/ben.csv:2:2",
    ] {
        assert!(run.stderr.contains(place), "{place}: {}", run.stderr);
    }
    assert!(
        run.stderr.contains("codings has 3 errors"),
        "{}",
        run.stderr
    );
}

/// Yes/no answers repeated down an interview; one question and its "No."
/// are deleted from the middle, the file saved in place. Each coding stays
/// with its answer: the first at its line, the ones after the deletion
/// three lines up; the deleted row's coding is a warning.
#[test]
fn repeated_short_answers_keep_their_codings_when_a_pair_is_deleted() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: r\nthemes:\n  - id: t\n    codes:\n      - id: a\n      - id: b\n",
    )
    .file(
        "transcripts/r1.txt",
        "P: ¿Trabajaba usted antes?\nR1: Sí.\n\nP: ¿Le pagaban?\nR1: No.\n\nP: ¿Tenía deuda?\nR1: Sí.\n\nP: ¿Su familia sabía?\nR1: No.\n\nP: ¿Tenía miedo?\nR1: Sí.\n",
    );
    let ana = marked(
        &s,
        &["--coder", "ana"],
        &[
            ("transcripts/r1.txt:2", &["t/a"]),
            ("transcripts/r1.txt:5", &["t/b"]),
            ("transcripts/r1.txt:8", &["t/b"]),
            ("transcripts/r1.txt:11", &["t/a"]),
        ],
    );
    s.file("codings/ana.csv", &ana);
    s.run(&["code"]).ok();
    s.replace("transcripts/r1.txt", "P: ¿Le pagaban?\nR1: No.\n\n", "");
    let run = s.run(&["code"]);
    run.ok();
    let notes: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("note: codings") || l.starts_with("warning:"))
        .collect();
    assert_eq!(
        notes,
        [
            "note: codings/ana.csv:4: excerpt `transcripts/r1.txt:8` moved to `transcripts/r1.txt:5` (re-anchored by its text)",
            "note: codings/ana.csv:5: excerpt `transcripts/r1.txt:11` moved to `transcripts/r1.txt:8` (re-anchored by its text)",
            "note: codings/ana.csv:6: excerpt `transcripts/r1.txt:14` moved to `transcripts/r1.txt:11` (re-anchored by its text)",
            "warning: codings/ana.csv:3: coding for `transcripts/r1.txt:5` cannot be placed: no excerpt of `transcripts/r1.txt` has its question and text any more (the question and its answer were deleted, or the question edited), and the excerpt with its text, `transcripts/r1.txt:8`, carries another row of this sheet",
        ],
        "{}",
        run.stderr
    );
    let quoted = |code: &str| {
        s.run(&["quote", code, "--format", "csv"])
            .ok()
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        quoted("t/a"),
        ["transcripts/r1.txt:2", "transcripts/r1.txt:8"]
    );
    assert_eq!(quoted("t/b"), ["transcripts/r1.txt:5"]);
}

/// A copy of a coder's sheet left in codings/ (with its `coder` column)
/// would merge into her coding without a word: `code` says so.
#[test]
fn a_copy_of_a_sheet_in_codings_is_told() {
    let s = study();
    let cy = marked(
        &s,
        &["--coder", "cy", "--where", "respondent=r3"],
        &[("transcripts/r3.txt:6", &["work/family"])],
    );
    s.file("codings/cy.csv", &cy);
    s.file("codings/cy-backup.csv", &cy);
    let run = s.run(&["code"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "warning: codings/cy.csv:2: coder `cy`'s rows in codings/cy.csv and codings/cy-backup.csv both cover `transcripts/r3.txt:2` (4 excerpts in all); their codes are merged into one coding."
        ),
        "{}",
        run.stderr
    );
}

/// Rounds of coding: a second sheet of the same excerpts with other code
/// columns (a code added to the codebook) is no copy, and is not told as
/// one.
#[test]
fn a_second_round_sheet_with_other_columns_is_no_copy() {
    let s = study();
    let round1 = marked(
        &s,
        &[
            "--coder",
            "cy",
            "--where",
            "respondent=r3",
            "--codes",
            "work/family",
        ],
        &[("transcripts/r3.txt:6", &["work/family"])],
    );
    let round2 = marked(
        &s,
        &[
            "--coder",
            "cy",
            "--where",
            "respondent=r3",
            "--codes",
            "work/debt",
        ],
        &[("transcripts/r3.txt:6", &["work/debt"])],
    );
    s.file("codings/cy.csv", &round1);
    s.file("codings/cy-round2.csv", &round2);
    let run = s.run(&["code"]);
    run.ok();
    assert!(!run.stderr.contains("both cover"), "{}", run.stderr);
    // Sharing a column, they are told.
    s.file("codings/cy-round2.csv", &round1);
    assert!(s.run(&["code"]).stderr.contains("both cover"));
}

/// A long sheet has no hash: its rows stay at their ids. When an edit
/// puts other text at such an id, `code` says so instead of leaving the
/// coding on words it was not written for.
#[test]
fn a_long_sheet_row_whose_id_names_other_text_after_an_edit_is_told() {
    let s = study();
    s.file(
        "codings/dee.csv",
        "excerpt,code\ntranscripts/r3.txt:6,work/family\n",
    );
    let first = s.run(&["code"]);
    assert!(!first.stderr.contains("other text"), "{}", first.stderr);
    s.file(
        "transcripts/r3.txt",
        &format!("Interview 3, Lima, May 2024.\n\n{INTERVIEW}"),
    );
    let run = s.run(&["code"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "warning: codings/dee.csv:2: `transcripts/r3.txt:6` names other text than before an edit of its transcript (or the same words answering another question), and the sheet has no `hash` column to follow the text it was written for: check this coding"
        ),
        "{}",
        run.stderr
    );
}

/// Codes a small codebook (`t/a`, `t/b`) and `text` as transcripts/`name`.
fn short_answers(name: &str, text: &str) -> Study {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: r\nthemes:\n  - id: t\n    codes:\n      - id: a\n      - id: b\n",
    )
    .file(&format!("transcripts/{name}"), text);
    s
}

/// The notes on sheet rows and the warnings of a run's stderr.
fn told(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("note: codings") || l.starts_with("warning:"))
        .collect()
}

/// The excerpts at `code` for `coder`.
fn quoted_for(s: &Study, code: &str, coder: &str) -> Vec<String> {
    s.run(&["quote", code, "--source", coder, "--format", "csv"])
        .ok()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

/// Every answer "Sí."; a question and its answer inserted at the top. Each
/// row's id still names a "Sí.", but the sheet's `question` column shows
/// which answer is whose: the coding follows its question.
#[test]
fn equal_answers_are_told_apart_by_their_questions() {
    let s = short_answers(
        "r1.txt",
        "E: ¿Uno?\nR01: Sí.\nE: ¿Dos?\nR01: Sí.\nE: ¿Tres?\nR01: Sí.\nE: ¿Cuatro?\nR01: Sí.\n",
    );
    s.file("thematic.yaml", "interviewer: [E]\n");
    let ana = marked(
        &s,
        &["--coder", "ana"],
        &[("transcripts/r1.txt:6", &["t/a"])],
    );
    s.file("codings/ana.csv", &ana);
    s.run(&["code"]).ok();
    s.replace(
        "transcripts/r1.txt",
        "E: ¿Uno?",
        "E: ¿Cero?\nR01: Sí.\nE: ¿Uno?",
    );
    let run = s.run(&["code"]);
    run.ok();
    assert_eq!(
        told(&run.stderr),
        [
            "note: codings/ana.csv:2: excerpt `transcripts/r1.txt:2` moved to `transcripts/r1.txt:4` (re-anchored by its text)",
            "note: codings/ana.csv:3: excerpt `transcripts/r1.txt:4` moved to `transcripts/r1.txt:6` (re-anchored by its text)",
            "note: codings/ana.csv:4: excerpt `transcripts/r1.txt:6` moved to `transcripts/r1.txt:8` (re-anchored by its text)",
            "note: codings/ana.csv:5: excerpt `transcripts/r1.txt:8` moved to `transcripts/r1.txt:10` (re-anchored by its text)",
        ],
        "{}",
        run.stderr
    );
    assert_eq!(quoted_for(&s, "t/a", "ana"), ["transcripts/r1.txt:8"]);
}

const TWO_SI: &str = "Entrevistadora: ¿Uno?\nR01: Primera respuesta larga.\n\nEntrevistadora: ¿Dos?\nR01: Sí.\n\nEntrevistadora: ¿Tres?\nR01: Tercera respuesta larga.\n";

/// A new "Sí." answer inserted above the coded one (and a line at the
/// top): the question tells the old answer from the new, before and after
/// `reanchor --write`.
#[test]
fn a_new_equal_answer_above_the_coded_one_is_told_apart_by_its_question() {
    let s = short_answers("R01.txt", TWO_SI);
    let ana = marked(
        &s,
        &["--coder", "ana"],
        &[("transcripts/R01.txt:5", &["t/a"])],
    );
    s.file("codings/ana.csv", &ana);
    s.run(&["code"]).ok();
    s.replace(
        "transcripts/R01.txt",
        "Entrevistadora: ¿Uno?",
        "Nota inicial.\n\nEntrevistadora: ¿Uno?",
    )
    .replace(
        "transcripts/R01.txt",
        "Entrevistadora: ¿Dos?",
        "Entrevistadora: ¿Nueva?\nR01: Sí.\n\nEntrevistadora: ¿Dos?",
    );
    let run = s.run(&["code"]);
    run.ok();
    assert_eq!(
        told(&run.stderr),
        [
            "note: codings/ana.csv:2: excerpt `transcripts/R01.txt:2` moved to `transcripts/R01.txt:4` (re-anchored by its text)",
            "note: codings/ana.csv:3: excerpt `transcripts/R01.txt:5` moved to `transcripts/R01.txt:10` (re-anchored by its text)",
            "note: codings/ana.csv:4: excerpt `transcripts/R01.txt:8` moved to `transcripts/R01.txt:13` (re-anchored by its text)",
        ],
        "{}",
        run.stderr
    );
    assert_eq!(quoted_for(&s, "t/a", "ana"), ["transcripts/R01.txt:10"]);
    s.run(&["reanchor", "--write"]).ok();
    let run = s.run(&["code"]);
    run.ok();
    assert_eq!(told(&run.stderr), Vec::<&str>::new(), "{}", run.stderr);
    assert_eq!(quoted_for(&s, "t/a", "ana"), ["transcripts/R01.txt:10"]);
}

/// The same with a sheet that has no `question` column: the coding cannot
/// be placed; once `reanchor --write` rewrote the rows around it, its old
/// line is nearer the new "Sí.", which is a guess and told as one.
#[test]
fn an_equal_answer_chosen_by_position_after_reanchor_write_is_told() {
    let s = short_answers("R01.txt", TWO_SI);
    s.file(
        "codings/ana.csv",
        &format!(
            "id,hash,t/a\ntranscripts/R01.txt:2,{},\ntranscripts/R01.txt:5,{},x\ntranscripts/R01.txt:8,{},\n",
            hash("Primera respuesta larga."),
            hash("Sí."),
            hash("Tercera respuesta larga.")
        ),
    );
    s.run(&["code"]).ok();
    s.replace(
        "transcripts/R01.txt",
        "Entrevistadora: ¿Uno?",
        "Nota inicial.\n\nEntrevistadora: ¿Uno?",
    )
    .replace(
        "transcripts/R01.txt",
        "Entrevistadora: ¿Dos?",
        "Entrevistadora: ¿Nueva?\nR01: Sí.\n\nEntrevistadora: ¿Dos?",
    );
    let run = s.run(&["code"]);
    run.ok();
    assert_eq!(
        told(&run.stderr)[2..],
        ["warning: codings/ana.csv:3: coding for `transcripts/R01.txt:5` cannot be placed: its text occurs 2 times in `transcripts/R01.txt` (`transcripts/R01.txt:7`, `transcripts/R01.txt:10`) and neither the position nor the neighbouring excerpts tell which; correct the id on the sheet"],
        "{}",
        run.stderr
    );
    s.run(&["reanchor", "--write"]).ok();
    let run = s.run(&["code"]);
    run.ok();
    assert_eq!(
        told(&run.stderr),
        [
            "note: codings/ana.csv:3: excerpt `transcripts/R01.txt:5` moved to `transcripts/R01.txt:7` (re-anchored by its text)",
            "warning: codings/ana.csv:3: `transcripts/R01.txt:5` was placed on `transcripts/R01.txt:7` by its position after an edit of `transcripts/R01.txt`: its text occurs 2 times there and the texts around it do not tell which is its excerpt; check the coding, or correct the id on the sheet",
        ],
        "{}",
        run.stderr
    );
}

/// A two-guest interview given `speakers:`: every text is still there, now
/// another respondent's; the codings follow their texts, told once, and
/// `reanchor --write` writes the new respondents into the sheet.
#[test]
fn a_file_given_speakers_keeps_its_codings() {
    let s = short_answers(
        "ep1.md",
        "**Host:** ¿Qué pasó?\n\n**Ana Ruiz:** La policía no vino.\n\n**Luis Soto:** Nos culpan.\n",
    );
    s.file("thematic.yaml", "interviewer: [Host]\n");
    let ana = marked(
        &s,
        &["--coder", "ana"],
        &[
            ("transcripts/ep1.md:3", &["t/a"]),
            ("transcripts/ep1.md:5", &["t/b"]),
        ],
    );
    s.file("codings/ana.csv", &ana);
    s.run(&["code"]).ok();
    s.replace(
        "transcripts/ep1.md",
        "**Host:** ¿Qué",
        "---\nspeakers: {Ana Ruiz: A1, Luis Soto: L1}\n---\n**Host:** ¿Qué",
    );
    let run = s.run(&["code"]);
    run.ok();
    assert_eq!(
        told(&run.stderr),
        [
            "note: codings/ana.csv:2: excerpt `transcripts/ep1.md:3` moved to `transcripts/ep1.md:6` (re-anchored by its text) and is now respondent `A1`'s: the row says `ep1`, who has no excerpt in `transcripts/ep1.md` any more, and the coding follows the text",
            "note: codings/ana.csv:3: excerpt `transcripts/ep1.md:5` moved to `transcripts/ep1.md:8` (re-anchored by its text) and is now respondent `L1`'s: the row says `ep1`, who has no excerpt in `transcripts/ep1.md` any more, and the coding follows the text",
        ],
        "{}",
        run.stderr
    );
    assert_eq!(quoted_for(&s, "t/a", "ana"), ["transcripts/ep1.md:6"]);
    assert_eq!(quoted_for(&s, "t/b", "ana"), ["transcripts/ep1.md:8"]);
    let listed = s.run(&["reanchor"]);
    assert_eq!(
        listed.ok(),
        "codings/ana.csv:2: id `transcripts/ep1.md:3` -> `transcripts/ep1.md:6`, respondent `ep1` -> `A1`\ncodings/ana.csv:3: id `transcripts/ep1.md:5` -> `transcripts/ep1.md:8`, respondent `ep1` -> `L1`\n"
    );
    s.run(&["reanchor", "--write"]).ok();
    let rows: Vec<String> = s
        .read("codings/ana.csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(rows, ["transcripts/ep1.md:6,A1", "transcripts/ep1.md:8,L1"]);
    let run = s.run(&["code"]);
    run.ok();
    assert_eq!(told(&run.stderr), Vec::<&str>::new(), "{}", run.stderr);
    assert_eq!(quoted_for(&s, "t/b", "ana"), ["transcripts/ep1.md:8"]);
}

/// A survey respondent's row deleted: the answer is still in the file as
/// other respondents' answers, and the warning says so (a coding never
/// moves to another respondent).
#[test]
fn a_deleted_survey_respondent_is_the_reason_given() {
    let s = short_answers(
        "encuesta.csv",
        "id,provincia,p1,p2\nE01,Cusco,Sí.,No.\nE02,Puno,No.,No.\nE03,Puno,No.,Sí.\n",
    );
    s.file("thematic.yaml", "csv: {id: id, answers: [p1, p2]}\n");
    let ana = marked(
        &s,
        &["--coder", "ana"],
        &[("transcripts/encuesta.csv:3:4", &["t/a"])],
    );
    s.file("codings/ana.csv", &ana);
    s.run(&["code"]).ok();
    s.replace("transcripts/encuesta.csv", "E02,Puno,No.,No.\n", "");
    let run = s.run(&["code"]);
    run.ok();
    assert_eq!(
        told(&run.stderr),
        [
            "note: codings/ana.csv:6: excerpt `transcripts/encuesta.csv:4:3` moved to `transcripts/encuesta.csv:3:3` (re-anchored by its text)",
            "note: codings/ana.csv:7: excerpt `transcripts/encuesta.csv:4:4` moved to `transcripts/encuesta.csv:3:4` (re-anchored by its text)",
            "warning: codings/ana.csv:4: coding for `transcripts/encuesta.csv:3:3` cannot be placed: respondent `E02` has no excerpt in `transcripts/encuesta.csv` any more; its text is still there, but only as other respondents' excerpts, and a coding never moves to another respondent (if the respondent's id changed, correct the row's `respondent`)",
            "warning: codings/ana.csv:5: coding for `transcripts/encuesta.csv:3:4` cannot be placed: respondent `E02` has no excerpt in `transcripts/encuesta.csv` any more; its text is still there, but only as other respondents' excerpts, and a coding never moves to another respondent (if the respondent's id changed, correct the row's `respondent`)",
        ],
        "{}",
        run.stderr
    );
    assert!(quoted_for(&s, "t/a", "ana").is_empty());
}

/// The same short answer to another question at a long sheet's id after an
/// edit (a question with the same answers inserted above) is told too: the
/// text alone would not show that the coding now sits on another answer.
#[test]
fn a_long_sheet_row_whose_id_answers_another_question_after_an_edit_is_told() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: X\nthemes:\n  - id: family\n    label: Family\n    codes:\n      - id: search\n        label: Search\n",
    )
    .file(
        "transcripts/pair.txt",
        "---\nspeakers: {Marta: R12, Pablo: R13}\n---\nInterviewer: ¿La familia los buscó?\n\nMarta: Sí.\n\nPablo: No.\n",
    )
    .file("codings/ben.csv", "excerpt,code\ntranscripts/pair.txt:8,search\n");
    let first = s.run(&["code"]);
    assert!(!first.stderr.contains("other text"), "{}", first.stderr);
    s.file(
        "transcripts/pair.txt",
        "---\nspeakers: {Marta: R12, Pablo: R13}\n---\nInterviewer: ¿Podemos grabar?\n\nMarta: Sí.\n\nPablo: No.\n\nInterviewer: ¿La familia los buscó?\n\nMarta: Sí.\n\nPablo: No.\n",
    );
    let run = s.run(&["code"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "warning: codings/ben.csv:2: `transcripts/pair.txt:8` names other text than before an edit of its transcript (or the same words answering another question)"
        ),
        "{}",
        run.stderr
    );
}

/// A long sheet's row on a turn withheld after a withdrawal, when a turn
/// inserted above moves another respondent's words to its line: the row
/// names an excerpt it was not written for, and `code` says so.
#[test]
fn a_long_sheet_row_whose_id_names_an_excerpt_only_since_an_edit_is_told() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: X\nthemes:\n  - id: family\n    label: Family\n    codes:\n      - id: role\n        label: Role\n",
    )
    .file(
        "transcripts/fg.txt",
        "---\nspeakers: {Ana: R03, Bea: R04}\n---\nModerator: Q?\nAna: The police came.\n\nBea: My mother was there.\n",
    )
    .file("codings/ana.csv", "excerpt,code\ntranscripts/fg.txt:7,family/role\n");
    s.run(&["code"]).ok();
    s.file("thematic.yaml", "withdrawn: [R04]\n");
    s.run(&["code"]).ok();
    s.file(
        "transcripts/fg.txt",
        "---\nspeakers: {Ana: R03, Bea: R04}\n---\nModerator: Q?\nAna: The police came.\n\nAna: I was scared.\n\nBea: My mother was there.\n",
    );
    let run = s.run(&["code"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "warning: codings/ana.csv:2: `transcripts/fg.txt:7` names an excerpt only since an edit of its transcript (no excerpt had that id before: a turn there was withheld or gone)"
        ),
        "{}",
        run.stderr
    );
}

/// A sheet written for another codebook (as `import` writes them): each
/// unknown code is one error with its rows, and the codebook that has
/// them is named.
#[test]
fn a_sheet_for_another_codebook_is_told_once_per_code_with_the_codebook() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: ours\nthemes:\n  - id: econ\n    label: Economy\n    codes:\n      - {id: money, label: Money}\n",
    )
    .file(
        "codebooks/partner.yaml",
        "codebook: partner\nthemes:\n  - id: finance\n    label: Finance\n    codes:\n      - {id: money, label: Money}\n      - {id: debt, label: Debt}\n",
    )
    .file(
        "transcripts/r1.txt",
        &(1..=8)
            .map(|i| format!("Interviewer: Q{i}?\n\nR1: Answer {i}.\n\n"))
            .collect::<String>(),
    );
    let rows: String = (0..8)
        .map(|i| {
            format!(
                "transcripts/r1.txt:{},finance/{}\n",
                3 + 4 * i,
                if i < 7 { "money" } else { "debt" }
            )
        })
        .collect();
    s.file("codings/pat.csv", &format!("excerpt,code\n{rows}"));
    let err = s.run(&["code"]).bad_input().to_string();
    assert!(
        err.contains("error: unknown code `finance/money` (on 7 rows: 2, 3, 4, 5, 6, …)\n  --> codings/pat.csv:2:2\n"),
        "{err}"
    );
    assert_eq!(
        err.matches("unknown code `finance/money`").count(),
        1,
        "{err}"
    );
    assert!(
        err.contains("error: unknown code `finance/debt`\n  --> codings/pat.csv:9:2\n"),
        "{err}"
    );
    assert!(
        err.contains("is a code of codebooks/partner.yaml: the sheets were written for that codebook\n  = help: point `codebook:` in thematic.yaml at codebooks/partner.yaml"),
        "{err}"
    );
}

/// A code moved to another theme under its id: a sheet's column under its
/// old path is pointed to the code (not to the old theme), and listing the
/// id in its own `formerly`, the documented remedy, is no lint.
#[test]
fn a_moved_code_s_old_path_is_pointed_to_the_code() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: t\nthemes:\n  - id: money\n    label: Money\n    codes:\n      - {id: funding, label: Funding, definition: f}\n  - id: community\n    label: Community\n    codes:\n      - {id: jobs, label: Jobs, definition: j}\n",
    )
    .file("transcripts/r1.txt", "Interviewer: Work?\n\nR1: I lost my job.\n")
    .file("codings/ana.csv", "id,money/jobs\ntranscripts/r1.txt:3,x\n");
    let err = s.run(&["code"]).bad_input().to_string();
    assert!(
        err.contains("= help: `jobs` is `community/jobs` now: if it moved there, write `community/jobs`, or list `jobs` in its `formerly`"),
        "{err}"
    );
    s.replace(
        "codebooks/main.yaml",
        "definition: j}",
        "definition: j, formerly: [jobs]}",
    );
    let check = s.run(&["codebook", "check"]);
    assert!(!check.ok().contains("formerly"), "{}", check.stdout);
    assert!(
        check
            .stderr
            .contains("column `money/jobs` is now `community/jobs` (formerly)"),
        "{}",
        check.stderr
    );
    assert!(s
        .run(&["stats", "--source", "ana", "--format", "csv"])
        .ok()
        .contains("community/jobs,1,1\n"));
}

/// A new answer appended to a transcript and coded in a long sheet before
/// `code` runs is no excerpt "only since an edit" in the old text: no
/// warning.
#[test]
fn a_long_sheet_row_on_an_appended_answer_is_not_warned_about() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: X\nthemes:\n  - id: family\n    label: Family\n    codes:\n      - id: role\n        label: Role\n",
    )
    .file("transcripts/r1.txt", "Interviewer: Q1?\n\nR1: A1.\n\nInterviewer: Q2?\n\nR1: A2.\n")
    .file("codings/ana.csv", "excerpt,code\ntranscripts/r1.txt:3,family/role\n");
    s.run(&["code"]).ok();
    s.file(
        "transcripts/r1.txt",
        "Interviewer: Q1?\n\nR1: A1.\n\nInterviewer: Q2?\n\nR1: A2.\n\nInterviewer: Q3?\n\nR1: A3.\n",
    )
    .file(
        "codings/ana.csv",
        "excerpt,code\ntranscripts/r1.txt:3,family/role\ntranscripts/r1.txt:11,family/role\n",
    );
    let run = s.run(&["code"]);
    run.ok();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}

/// Every unknown column of a wide sheet is told in one run.
#[test]
fn every_unknown_column_of_a_wide_sheet_is_told_at_once() {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "codebook: ours\nthemes:\n  - id: econ\n    label: Economy\n    codes:\n      - {id: money, label: Money}\n",
    )
    .file("transcripts/r1.txt", "Interviewer: Q?\n\nR1: Answer.\n")
    .file(
        "codings/bea.csv",
        "id,finance/money,finance/debt,econ/mony\ntranscripts/r1.txt:3,x,,\n",
    );
    let err = s.run(&["code"]).bad_input().to_string();
    for (col, n) in [("finance/money", 2), ("finance/debt", 3), ("econ/mony", 4)] {
        assert!(
            err.contains(&format!("error: column `{col}` is not a code of the codebook\n  --> codings/bea.csv:1:{n}\n")),
            "{col}: {err}"
        );
    }
    assert!(
        err.contains("valid names include: econ, econ/money, money ("),
        "{err}"
    );
}
