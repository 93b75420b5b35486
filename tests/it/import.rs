//! `thematic import FILE.qdpx`: a REFI-QDA project back into coding sheets.

use std::io::{Read, Write};

use crate::agree::{ANA, BEN};
use crate::util::Study;

fn exported() -> (Study, Vec<u8>) {
    let s = Study::fixture("basic");
    s.file("codings/ana.csv", ANA).file("codings/ben.csv", BEN);
    let out = s.path().join("study.qdpx");
    s.run(&[
        "export",
        "--format",
        "qdpx",
        "--output",
        out.to_str().unwrap(),
    ])
    .ok();
    let bytes = std::fs::read(out).unwrap();
    (s, bytes)
}

/// The package with `project.qde` changed by `f`.
fn edited(bytes: &[u8], f: impl Fn(String) -> String) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        let name = part.name().to_string();
        let mut text = String::new();
        part.read_to_string(&mut text).unwrap();
        if name == "project.qde" {
            text = f(text);
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn export_then_import_gives_each_coder_the_same_codings() {
    let (original, bytes) = exported();
    let fresh = Study::fixture("basic");
    fresh.bytes("study.qdpx", &bytes);
    let run = fresh.run(&["import", "study.qdpx"]);
    run.ok();
    assert!(
        run.stderr.contains("codings/ana.csv (ana: 5 codings)"),
        "{}",
        run.stderr
    );
    assert!(run
        .stderr
        .contains("codings by `thematic rules` are not written"));
    assert!(run
        .stderr
        .contains("note: a project does not record which excerpts each user read"));
    // A .qdc is a codebook: the hint says which command reads it.
    fresh.file("book.qdc", "<?xml version=\"1.0\"?><CodeBook/>");
    let err = fresh.run(&["import", "book.qdc"]).bad_input().to_string();
    assert!(
        err.contains(
            "= help: a .qdc file is a codebook, not a project: `thematic codebook import book.qdc`"
        ),
        "{err}"
    );
    // The same agreement between the coders, and each coder agrees fully
    // with their own original sheet.
    let agree = |s: &Study| s.run(&["agree", "--format", "csv"]).ok().to_string();
    assert_eq!(agree(&fresh), agree(&original));
    fresh.file("codings/ana_original.csv", ANA);
    fresh.file("codings/ben_original.csv", BEN);
    for coder in ["ana", "ben"] {
        let out = fresh.run(&[
            "agree",
            "--coders",
            &format!("{coder},{coder}_original"),
            "--format",
            "csv",
        ]);
        for line in out.ok().lines().skip(1) {
            assert!(line.ends_with(",1.0000,1.0000,1.0000"), "{coder}: {line}");
        }
    }
    // The project's codebook is the study's.
    assert_eq!(
        fresh
            .run(&[
                "codebook",
                "diff",
                "codebooks/main.yaml",
                "codebooks/study.yaml",
                "--exit-code"
            ])
            .ok(),
        ""
    );
    // Nothing is overwritten.
    let again = fresh.run(&["import", "study.qdpx"]);
    assert!(again.bad_input().contains("already exists"));
}

#[test]
fn a_selection_that_fits_no_excerpt_is_reported() {
    let (_, bytes) = exported();
    // r02.txt:10 ("Nada más.") selected from its last character only.
    let bytes = edited(&bytes, |x| {
        let at = x.find("name=\"transcripts/r02.txt:10\"").unwrap();
        let start = at + x[at..].find("startPosition=\"").unwrap() + 15;
        let end = start + x[start..].find('"').unwrap();
        let n: usize = x[start..end].parse().unwrap();
        format!("{}{}{}", &x[..start], n + 8, &x[end..])
    });
    let fresh = Study::fixture("basic");
    fresh.bytes("study.qdpx", &bytes);
    let run = fresh.run(&["import", "study.qdpx"]);
    run.ok();
    assert!(
        run.stderr.contains("selection `transcripts/r02.txt:10`")
            && run.stderr.contains("covers most of no excerpt")
            && run.stderr.contains("1 selection(s) could not be placed"),
        "{}",
        run.stderr
    );
    assert!(!fresh.read("codings/ana.csv").contains("r02.txt:10"));
}

#[test]
fn a_pseudonymised_export_does_not_round_trip_and_import_says_why() {
    let key = "- {find: [mother], replace: \"[relative A]\"}\n";
    let export = |s: &Study, extra: &[&str]| {
        let out = s.path().join("study.qdpx");
        let _ = std::fs::remove_file(&out);
        let args = [
            &[
                "export",
                "--format",
                "qdpx",
                "--output",
                out.to_str().unwrap(),
            ],
            extra,
        ]
        .concat();
        s.run(&args).ok();
        std::fs::read(out).unwrap()
    };
    let s = Study::fixture("basic");
    s.file("codings/ana.csv", ANA)
        .file("codings/ben.csv", BEN)
        .file("pseudonyms.yaml", key);

    // Pseudonymised: r01.txt:7 ("My mother went to the police station…")
    // is not in the project's text; its codings are not placed.
    let fresh = Study::fixture("basic");
    fresh.file("pseudonyms.yaml", key);
    fresh.bytes("study.qdpx", &export(&s, &[]));
    let run = fresh.run(&["import", "study.qdpx"]);
    run.ok();
    assert!(
        run.stderr.contains("selection `transcripts/r01.txt:7`")
            && run.stderr.contains("covers most of no excerpt"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "\nnote: the project's text holds `[relative A]`, a replacement from \
             pseudonyms.yaml: it was exported pseudonymised, so its text differs from the \
             transcripts where names were replaced; for a round trip between the team's own \
             copies, export with `thematic export --format qdpx --identified`\n"
        ),
        "{}",
        run.stderr
    );
    assert!(!fresh.read("codings/ana.csv").contains("r01.txt:7"));

    // Identified: every coding comes back, with no warning or note.
    let fresh = Study::fixture("basic");
    fresh.file("pseudonyms.yaml", key);
    fresh.bytes("study.qdpx", &export(&s, &["--identified"]));
    let run = fresh.run(&["import", "study.qdpx"]);
    run.ok();
    assert!(
        !run.stderr.contains("covers most of no excerpt") && !run.stderr.contains("[relative A]"),
        "{}",
        run.stderr
    );
    assert!(fresh
        .read("codings/ana.csv")
        .contains("transcripts/r01.txt:7,family/search/police"));
}

#[test]
fn bad_projects_exit_2_naming_the_part_and_place() {
    let (_, bytes) = exported();
    let s = Study::fixture("basic");
    let import = |name: &str, bytes: &[u8]| {
        s.bytes(name, bytes);
        s.run(&["import", name]).bad_input().to_string()
    };
    assert!(import("a.qdpx", b"not a zip").contains("not a zip"));
    let mut empty = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    empty
        .start_file("other.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    let empty = empty.finish().unwrap().into_inner();
    assert!(import("b.qdpx", &empty).contains("no project.qde"));

    let past = edited(&bytes, |x| {
        x.replacen("endPosition=\"", "endPosition=\"99999", 1)
    });
    let err = import("c.qdpx", &past);
    assert!(
        err.contains("past the end of its source's text") && err.contains("c.qdpx/project.qde:"),
        "{err}"
    );

    let unknown = edited(&bytes, |x| {
        let at = x.find("<CodeRef targetGUID=\"").unwrap() + 21;
        format!(
            "{}00000000-0000-0000-0000-000000000000{}",
            &x[..at],
            &x[at + 36..]
        )
    });
    let err = import("d.qdpx", &unknown);
    assert!(
        err.contains("a code the project's codebook does not have")
            && err.contains("d.qdpx/project.qde:"),
        "{err}"
    );

    let dtd = edited(&bytes, |x| {
        x.replacen(
            "<Project ",
            "<!DOCTYPE Project [<!ENTITY secret SYSTEM \"file:///etc/passwd\">]>\n<Project ",
            1,
        )
    });
    let err = import("e.qdpx", &dtd);
    assert!(
        err.contains("DTD") && err.contains("e.qdpx/project.qde:2:1"),
        "{err}"
    );
    assert!(!s.path().join("codings").exists());
}

#[test]
fn a_selection_is_never_placed_on_another_respondent_s_words() {
    let make = || {
        let s = Study::empty();
        s.file(
            "codebooks/main.yaml",
            "codebook: t\nthemes:\n  - id: t\n    label: T\n    codes:\n      - {id: money, label: Money, definition: m}\n",
        )
        .file(
            "transcripts/fg.md",
            "---\nspeakers: {Ana: P1, Bea: P2}\n---\nModerator: What happened?\n\nAna: We never saw any money from that work.\n\nBea: I stayed at home.\n",
        );
        s
    };
    let a = make();
    a.file(
        "codings/ana.csv",
        "excerpt,code\ntranscripts/fg.md:6,t/money\n",
    );
    a.run(&["code"]).ok();
    let qdpx = a.path().join("p.qdpx");
    a.run(&[
        "export",
        "--format",
        "qdpx",
        "--output",
        qdpx.to_str().unwrap(),
    ])
    .ok();
    // The copy gives that turn to Bea now.
    let b = make();
    b.replace("transcripts/fg.md", "Ana: We never", "Bea: We never");
    b.bytes("p.qdpx", &std::fs::read(&qdpx).unwrap());
    let run = b.run(&["import", "p.qdpx"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "selection `transcripts/fg.md:6` is `P1`'s words in the project, but `transcripts/fg.md:6` is `P2`'s in the study: its 1 coding(s) are not placed there (a coding never moves to another respondent)"
        ),
        "{}",
        run.stderr
    );
    assert!(!b.path().join("codings/ana.csv").exists());
}
