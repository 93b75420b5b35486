//! The same interview delivered as .txt, .docx, .vtt, .srt, survey .csv,
//! UTF-16 and Windows-1252 gives the same framework matrix; malformed
//! containers are errors naming the file and place.

use std::io::Write;

use crate::util::Study;

const CODEBOOK: &str = "themes:
  - id: family
    codes:
      - id: police
        match: {any: [police, comisaría]}
      - id: money
        match: {any: [money, debt*, dinero]}
  - id: return
    codes:
      - id: support
        match: {any: [took care, apoyó]}
";

const R02: &str = "Interviewer: ¿Qué pasó?\nR02: Mi hermana me apoyó cuando volví.\n";
const RESPONDENTS: &str = "id,role\nr01,survivor\nr02,relative\n";

/// A study with r02 as text and r01 given by the caller.
fn study(r01_name: &str, r01: &[u8]) -> Study {
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK)
        .file("respondents.csv", RESPONDENTS)
        .file("transcripts/r02.txt", R02)
        .bytes(&format!("transcripts/{r01_name}"), r01);
    s
}

fn matrices(s: &Study) -> String {
    let a = s.run(&["matrix", "--by", "role", "--format", "csv"]);
    let b = s.run(&[
        "matrix", "--by", "role", "--cell", "count", "--format", "csv",
    ]);
    let c = s.run(&["matrix", "--format", "csv"]);
    format!("{}{}{}", a.ok(), b.ok(), c.ok())
}

const TXT: &str = "Interviewer: How did your family react?\nR01: My mother went to the police every day.\nInterviewer: And money?\nR01: We had debts. My aunt took care of me.\n";

pub(crate) fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| match p.split_once(": ") {
            // The label in a bold run, the text split over two runs.
            Some((label, text)) => {
                let (a, b) = text.split_at(text.len() / 2);
                format!(
                    r#"<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>{label}:</w:t></w:r><w:r><w:t xml:space="preserve"> {a}</w:t></w:r><w:r><w:rPr><w:i/></w:rPr><w:t xml:space="preserve">{b}</w:t></w:r></w:p>"#
                )
            }
            None => format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"),
        })
        .collect();
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    z.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    z.write_all(xml.as_bytes()).unwrap();
    z.finish().unwrap();
    out.into_inner()
}

#[test]
fn every_container_gives_the_plain_text_matrix() {
    let want = matrices(&study("r01.txt", TXT.as_bytes()));
    assert!(
        want.starts_with("code,relative,survivor,total\nfamily,0,1,1\n"),
        "{want}"
    );

    let lines: Vec<&str> = TXT.lines().collect();
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("r01.docx", docx(&lines)),
        (
            "r01.vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>How did your family react?\n\n00:00:03.500 --> 00:00:05.000\n<v R01>My mother went to the\n\n00:00:05.000 --> 00:00:06.000\n<v R01>police every day.\n\n00:00:07.000 --> 00:00:08.000\n<v Interviewer>And money?\n\n00:00:08.000 --> 00:00:10.000\n<v R01>We had debts. My aunt took care of me.\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            "r01.srt",
            "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: How did your family react?\n\n2\n00:00:03,500 --> 00:00:05,000\nR01: My mother went to the\n\n3\n00:00:05,000 --> 00:00:06,000\npolice every day.\n\n4\n00:00:07,000 --> 00:00:08,000\nInterviewer: And money?\n\n5\n00:00:08,000 --> 00:00:10,000\nR01: We had debts.\n\n6\n00:00:10,000 --> 00:00:11,000\nMy aunt took care of me.\n"
                .as_bytes()
                .to_vec(),
        ),
        ("r01.txt", encoding_rs::WINDOWS_1252.encode(&TXT.replace('\n', "\r\n")).0.into_owned()),
        ("r01.txt", {
            let mut b = vec![0xFE, 0xFF];
            for u in TXT.replace('\n', "\r\n").encode_utf16() {
                b.extend(u.to_be_bytes());
            }
            b
        }),
    ];
    for (name, bytes) in variants {
        let got = matrices(&study(name, &bytes));
        assert_eq!(got, want, "{name}");
    }

    // The survey: one row per respondent, each answer an excerpt.
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK)
        .file("respondents.csv", RESPONDENTS)
        .file("thematic.yaml", "csv: {id: id, answers: [q1, q2]}\n")
        .file(
            "transcripts/survey.csv",
            "id;role;q1;q2\nr01;survivor;My mother went to the police every day.;\"We had debts.\nMy aunt took care of me.\"\nr02;relative;Mi hermana me apoyó cuando volví.;\n",
        );
    assert_eq!(matrices(&s), want);
    let ids = s.run(&["quote", "family", "--format", "csv"]);
    assert!(
        ids.ok().contains(
            "transcripts/survey.csv:2:3,transcripts/survey.csv,2,r01,survivor,family/police,q1,"
        ),
        "{}",
        ids.stdout
    );
}

#[test]
fn caption_quotes_show_ids_and_times() {
    let s = study(
        "r01.vtt",
        b"WEBVTT\n\n1\n00:12:03.000 --> 00:12:05.000\n<v R01>The police did nothing.\n",
    );
    let out = s.run(&["quote", "police", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(v[0]["id"], "transcripts/r01.vtt:1");
    assert_eq!(v[0]["time"], "00:12:03");
    let text = s.run(&["quote", "police"]);
    assert!(
        text.ok()
            .starts_with("transcripts/r01.vtt:1 [00:12:03] — r01 (role: survivor)\n"),
        "{}",
        text.stdout
    );
    // For a write-up too: Markdown quotes and the report.
    let md = s.run(&["quote", "police", "--format", "markdown"]);
    assert_eq!(
        md.ok(),
        "> The police did nothing.\n>\n> — r01, survivor (`transcripts/r01.vtt:1` [00:12:03])\n\n"
    );
    let report = s.run(&["report", "--format", "markdown"]);
    assert!(
        report
            .ok()
            .contains("(`transcripts/r01.vtt:1` [00:12:03])\n"),
        "{}",
        report.stdout
    );
}

#[test]
fn two_guests_of_a_caption_file_are_told_apart_in_the_settings() {
    let s = study(
        "ep01.srt",
        b"1\n00:00:01,000 --> 00:00:03,000\nInterviewer: What happened?\n\n2\n00:00:04,000 --> 00:00:06,000\nAlma: The police did nothing.\n\n3\n00:00:07,000 --> 00:00:09,000\nBea: There was a debt.\n\n4\n00:00:10,000 --> 00:00:12,000\nCarla: Nobody came.\n",
    );
    let code = s.run(&["code"]);
    code.ok();
    assert!(
        code.stderr.contains(
            "warning: transcripts/ep01.srt: 3 speaker labels are all read as respondent `ep01`: \
             `Alma` (1 turn, from cue 2), `Bea` (1 turn, from cue 3), `Carla` (1 turn, from cue \
             4); if they are different people, map each label to a respondent id in \
             thematic.yaml (`speakers: {transcripts/ep01.srt: {Alma: ep01a, Bea: ep01b}}`), or \
             add an interviewer's label to the `interviewer:` setting\n"
        ),
        "{}",
        code.stderr
    );
    s.file(
        "thematic.yaml",
        "speakers:\n  transcripts/ep01.srt: {alma: r01, Bea: r03}\n  transcripts/ep1.srt: {X: r09}\n",
    );
    let code = s.run(&["code"]);
    code.ok();
    let warnings: Vec<&str> = code
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning"))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: thematic.yaml:3:3: `speakers:` names `transcripts/ep1.srt`, which is not a \
             transcript of the study (paths are as `thematic transcripts` lists them); did you \
             mean `transcripts/ep01.srt`?",
            "warning: transcripts/ep01.srt: speaker `Carla` (1 turn, from cue 4) is not in \
             thematic.yaml's `speakers:` for this file, so it is read as respondent `ep01`; add \
             it there (`Carla: ID`), or to the `interviewer:` setting",
            // r03 has no row of its own: no attributes.
            "warning: thematic.yaml:2:3: `speakers:` maps `Bea` of transcripts/ep01.srt to \
             respondent `r03`, which is not in respondents.csv; did you mean `r01`?",
        ]
    );
    assert_eq!(
        s.run(&["matrix", "--format", "csv"]).ok(),
        "code,ep01,r01,r02,r03,total\nfamily,0,1,0,1,2\nfamily/police,0,1,0,0,1\nfamily/money,0,0,0,1,1\nreturn,0,0,1,0,1\nreturn/support,0,0,1,0,1\n"
    );
    // Bea's words carry her id, and r01's attributes.
    let quote = s.run(&["quote", "police", "--format", "csv"]);
    assert!(
        quote
            .ok()
            .contains("transcripts/ep01.srt:2,transcripts/ep01.srt,2,r01,"),
        "{}",
        quote.stdout
    );
}

#[test]
fn malformed_containers_exit_2_naming_file_and_place() {
    let mut zip_bytes = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut zip_bytes);
        z.start_file("content.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"<x/>").unwrap();
        z.finish().unwrap();
    }
    let s = study("r01.docx", zip_bytes.get_ref());
    let err = s.run(&["code"]);
    assert!(
        err.bad_input().contains("transcripts/r01.docx")
            && err.stderr.contains("word/document.xml"),
        "{}",
        err.stderr
    );

    let s = study(
        "r01.vtt",
        b"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nhola\n\n00:00:0x.000 --> 00:00:05.000\nadios\n",
    );
    assert!(s
        .run(&["code"])
        .bad_input()
        .contains("transcripts/r01.vtt:6"));

    let s = study("r01.srt", b"1\nhola\n");
    assert!(s
        .run(&["code"])
        .bad_input()
        .contains("transcripts/r01.srt:1"));

    let s = study("answers.csv", b"id,q1\nr01,one\n");
    let err = s.run(&["code"]);
    assert!(
        err.bad_input().contains("transcripts/answers.csv") && err.stderr.contains("csv:"),
        "{}",
        err.stderr
    );

    let s = study("answers.csv", b"id,q1\nr01,one,two\n");
    s.file("thematic.yaml", "csv: {id: id, answers: [q1]}\n");
    assert!(s
        .run(&["code"])
        .bad_input()
        .contains("transcripts/answers.csv:2"));
}

#[test]
fn forced_encoding() {
    let latin1 = encoding_rs::WINDOWS_1252
        .encode("R01: La policía vino.\n")
        .0
        .into_owned();
    let s = study("r01.txt", &latin1);
    s.file("thematic.yaml", "encoding: utf-8\n");
    assert!(s.run(&["code"]).bad_input().contains("not valid UTF-8"));
    s.file("thematic.yaml", "encoding: windows-1252\n");
    let out = s.run(&["code"]);
    assert!(
        !out.stderr.contains("warning: transcripts/r01.txt"),
        "{}",
        out.stderr
    );
    s.file("thematic.yaml", "encoding: klingon\n");
    assert!(s.run(&["code"]).bad_input().contains("unknown encoding"));
    s.file("thematic.yaml", "");
    let out = s.run(&["--encoding", "latin1", "code"]);
    out.ok();
}
