//! Human coding sheets, provenance (`--source`) and `thematic agree`.

use crate::util::Study;

pub const ANA: &str = "excerpt,code
transcripts/r01.txt:7,family/search/police
transcripts/r01.txt:10,family/money
transcripts/r02.txt:5,family/search/police
transcripts/r02.txt:8,money
transcripts/r02.txt:10,return/support
";

pub const BEN: &str = "excerpt,code,note
transcripts/r01.txt:7,family/search/police,
transcripts/r01.txt:10,family/money,
transcripts/r01.txt:13,support,aunt cares for her
transcripts/r02.txt:5,family/search,searched but no police
transcripts/r02.txt:8,family/money,
";

fn study() -> Study {
    let s = Study::fixture("basic");
    s.file("codings/ana.csv", ANA).file("codings/ben.csv", BEN);
    s
}

#[test]
fn agreement_per_code_and_pooled() {
    let s = study();
    assert_eq!(
        s.run(&["agree", "--coders", "ana,ben", "--format", "csv"])
            .ok(),
        "code,units,agreement,kappa,alpha
family/search,6,1.0000,1.0000,1.0000
family/search/police,6,0.8333,0.5714,0.5926
family/money,6,1.0000,1.0000,1.0000
return/support,6,0.6667,-0.2000,-0.1000
pooled,6,0.8750,0.6842,0.6901
"
    );
}

#[test]
fn kappa_zero_up_to_rounding_error_prints_as_zero() {
    // Ben codes 2 of the 6 units at `return/dates`, Ana none: observed
    // agreement 4/6 is what chance gives, and κ computes to -3.3e-16.
    let s = study();
    s.file(
        "codings/ben.csv",
        &format!(
            "{BEN}transcripts/r01.txt:13,return/dates,\ntranscripts/r02.txt:10,return/dates,\n"
        ),
    );
    let args = ["agree", "--coders", "ana,ben", "--codes", "return/dates"];
    let csv = s.run(&[&args[..], &["--format", "csv"]].concat());
    assert_eq!(
        csv.ok(),
        "code,units,agreement,kappa,alpha
return/dates,6,0.6667,0.0000,-0.1000
pooled,6,0.6667,0.0000,-0.1000
"
    );
    let json = s.run(&[&args[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_str(json.ok()).unwrap();
    assert_eq!(v[0]["kappa"].to_string(), "0.0");
    assert!(!s.run(&args).ok().contains("-0.0000"));
}

#[test]
fn rules_against_a_coder() {
    let s = study();
    assert_eq!(
        s.run(&["agree", "--rules", "--coders", "ana", "--format", "csv"])
            .ok(),
        "code,precision,recall,f1
family/search,1.0000,1.0000,1.0000
family/search/police,1.0000,1.0000,1.0000
family/money,1.0000,1.0000,1.0000
return/support,0.0000,0.0000,0.0000
return/dates,0.0000,,
pooled,0.7500,0.8571,0.8000
"
    );
}

#[test]
fn disagreements_say_who_applied_what() {
    let s = study();
    assert_eq!(
        s.run(&["agree", "--disagreements", "--format", "csv"]).ok(),
        "excerpt,code,applied_by,not_applied_by
transcripts/r01.txt:13,return/support,ben,ana
transcripts/r02.txt:5,family/search/police,ana,ben
transcripts/r02.txt:10,return/support,ana,ben
"
    );
}

#[test]
fn rules_disagreements_say_which_side_applied_the_code() {
    let s = study();
    assert_eq!(
        s.run(&["agree", "--rules", "--disagreements", "--format", "csv"])
            .ok(),
        "excerpt,code,coder,by_rules,by_coder
transcripts/r01.txt:7,return/dates,ana,yes,no
transcripts/r01.txt:13,return/support,ana,yes,no
transcripts/r02.txt:10,return/support,ana,no,yes
transcripts/r01.txt:7,return/dates,ben,yes,no
transcripts/r02.txt:5,family/search/police,ben,yes,no
"
    );
    let json = s.run(&[
        "agree",
        "--rules",
        "--disagreements",
        "--coders",
        "ben",
        "--codes",
        "police",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(json.ok()).unwrap();
    assert_eq!(
        v,
        serde_json::json!([{
            "id": "transcripts/r02.txt:5",
            "code": "family/search/police",
            "coder": "ben",
            "by_rules": true,
            "by_coder": false
        }])
    );
}

#[test]
fn source_narrows_counts() {
    let s = study();
    assert_eq!(
        s.run(&["stats", "--source", "human", "--format", "csv"])
            .ok(),
        "code,excerpts,respondents
family,4,2
family/search,2,2
family/search/police,2,2
family/money,2,2
return,2,2
return/support,2,2
return/dates,0,0
return/hand,0,0
"
    );
    let all = s.run(&["stats", "--format", "csv"]);
    assert!(
        all.ok().contains("return,7,5\nreturn/support,5,5\n"),
        "{}",
        all.stdout
    );
    let rules = s.run(&["stats", "--source", "rules", "--format", "csv"]);
    assert!(
        rules.ok().contains("return,6,4\nreturn/support,4,4\n"),
        "{}",
        rules.stdout
    );
    let ben = s.run(&[
        "matrix", "--source", "ben", "--rows", "themes", "--format", "csv",
    ]);
    assert_eq!(
        ben.ok(),
        "code,R01,R02,R03,R04,m01,total\nfamily,2,2,0,0,0,4\nreturn,1,0,0,0,0,1\n"
    );
    let q = s.run(&["quote", "support", "--source", "ana", "--format", "csv"]);
    assert!(
        q.ok().lines().count() == 2 && q.stdout.contains("transcripts/r02.txt:10,"),
        "{}",
        q.stdout
    );
    assert!(s
        .run(&["stats", "--source", "anna"])
        .bad_input()
        .contains("did you mean `ana`"));
}

#[test]
fn bad_sheets_exit_2_naming_sheet_row_and_value() {
    let s = study();
    s.file(
        "codings/ben.csv",
        "excerpt,code\ntranscripts/r01.txt:7,family/polize\n",
    );
    let err = s.run(&["code"]);
    assert!(
        err.bad_input().contains("codings/ben.csv:2:2")
            && err.stderr.contains("unknown code `family/polize`"),
        "{}",
        err.stderr
    );
    s.file(
        "codings/ben.csv",
        "excerpt,code\ntranscripts/r09.txt:7,family/money\n",
    );
    let err = s.run(&["code"]);
    assert!(
        err.bad_input().contains("codings/ben.csv:2")
            && err
                .stderr
                .contains("unknown excerpt id `transcripts/r09.txt:7`"),
        "{}",
        err.stderr
    );
    s.file(
        "codings/ben.csv",
        "excerpt,code\ntranscripts/r01.txt:7,family/money,extra\n",
    );
    assert!(s.run(&["code"]).bad_input().contains("codings/ben.csv:2"));
}

#[test]
fn sheets_round_trip_and_follow_edited_transcripts() {
    let s = Study::fixture("basic");
    let sheet = s.run(&[
        "sheet",
        "--coder",
        "cy",
        "--codes",
        "return",
        "--where",
        "respondent=R01",
    ]);
    let text = sheet.ok();
    assert_eq!(
        text,
        "id,respondent,coder,question,text,hash,return/support,return/dates,return/hand
transcripts/r01.txt:7,R01,cy,How did your family react?,My mother went to the police station every day. She reported it in 2021.,6e5d1b1b69be,,,
transcripts/r01.txt:10,R01,cy,How did your family react?,My family had no money for the bus.,e6cd33bc0d35,,,
transcripts/r01.txt:13,R01,cy,And later?,My aunt took care of me.,f3a1fda82e13,,,
"
        .replace("6e5d1b1b69be", &hash("My mother went to the police station every day. She reported it in 2021."))
        .replace("e6cd33bc0d35", &hash("My family had no money for the bus."))
        .replace("f3a1fda82e13", &hash("My aunt took care of me."))
    );
    // The coder marks two cells.
    let marked: String = text
        .lines()
        .map(|l| {
            if l.starts_with("transcripts/r01.txt:10,") {
                format!("{},x,,", l.trim_end_matches(",,,"))
            } else if l.starts_with("transcripts/r01.txt:13,") {
                format!("{},,,yes", l.trim_end_matches(",,,"))
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect();
    s.file("codings/cy.csv", &marked);
    let counts = s.run(&[
        "matrix", "--source", "cy", "--theme", "return", "--format", "csv",
    ]);
    assert_eq!(counts.ok(), "code,R01,R02,R03,R04,m01,total\nreturn,2,0,0,0,0,2\nreturn/support,1,0,0,0,0,1\nreturn/dates,0,0,0,0,0,0\nreturn/hand,1,0,0,0,0,1\n");

    // The transcript is edited: two lines inserted above, one excerpt rewritten.
    let r01 = std::fs::read_to_string(s.path().join("transcripts/r01.txt")).unwrap();
    let edited = r01
        .replace(
            "Interview 1, Cusco, March 2023.\n",
            "Interview 1, Cusco, March 2023.\nTranscribed by M.\n\n",
        )
        .replace("My aunt took care of me.", "My aunt looked after me.");
    s.file("transcripts/r01.txt", &edited);
    let run = s.run(&["code"]);
    assert!(
        run.stderr.contains(
            "codings/cy.csv:3: excerpt `transcripts/r01.txt:10` moved to `transcripts/r01.txt:12`"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("codings/cy.csv:4: coding for `transcripts/r01.txt:13` cannot be placed"),
        "{}",
        run.stderr
    );
    let counts = s.run(&[
        "matrix", "--source", "cy", "--theme", "return", "--format", "csv",
    ]);
    assert_eq!(counts.ok(), "code,R01,R02,R03,R04,m01,total\nreturn,1,0,0,0,0,1\nreturn/support,1,0,0,0,0,1\nreturn/dates,0,0,0,0,0,0\nreturn/hand,0,0,0,0,0,0\n");

    // --output never overwrites.
    let out = s.path().join("codings/cy.csv");
    assert!(s
        .run(&["sheet", "--coder", "cy", "--output", out.to_str().unwrap()])
        .bad_input()
        .contains("already exists"));
}

/// The hash `thematic sheet` writes: a letter, then 12 hex digits.
fn hash(text: &str) -> String {
    format!("h{}", &blake3::hash(text.as_bytes()).to_hex()[..12])
}

#[test]
fn xlsx_sheets_are_written_and_read_back() {
    use thematic::render::xlsx::{self, Cell, Sheet};
    let s = Study::fixture("basic");
    let blank = s.path().join("dee.xlsx");
    s.run(&[
        "sheet",
        "--coder",
        "dee",
        "--codes",
        "money",
        "--format",
        "xlsx",
        "--output",
        blank.to_str().unwrap(),
    ])
    .ok();
    let mut rows = crate::util::sheet_rows(&std::fs::read(&blank).unwrap(), "dee.xlsx");
    assert_eq!(
        rows[0],
        [
            "id",
            "respondent",
            "coder",
            "question",
            "text",
            "hash",
            "family/money"
        ]
    );
    assert_eq!(rows.len(), 11);
    // The coder marks the rows of R02.
    for r in rows.iter_mut().skip(1) {
        if r[1] == "R02" {
            r[6] = "x".into();
        }
    }
    let sheet = Sheet {
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(Cell::Text).collect())
            .collect(),
        ..Default::default()
    };
    s.bytes("codings/dee.xlsx", &xlsx::write(&sheet).unwrap());
    let out = s.run(&[
        "matrix", "--source", "dee", "--theme", "family", "--format", "csv",
    ]);
    assert_eq!(out.ok(), "code,R01,R02,R03,R04,m01,total\nfamily,0,3,0,0,0,3\nfamily/search,0,0,0,0,0,0\nfamily/search/police,0,0,0,0,0,0\nfamily/money,0,3,0,0,0,3\n");
}

#[test]
fn ids_and_code_paths_are_never_broken_in_a_narrow_table() {
    let s = study();
    let out = s.run_with_columns(70, &["agree", "--disagreements"]);
    assert_eq!(
        out.ok(),
        "┌────────────────────────┬──────────────────────┬────────────┬────────────────┐
│ excerpt                ┆ code                 ┆ applied_by ┆ not_applied_by │
╞════════════════════════╪══════════════════════╪════════════╪════════════════╡
│ transcripts/r01.txt:13 ┆ return/support       ┆ ben        ┆ ana            │
│ transcripts/r02.txt:5  ┆ family/search/police ┆ ana        ┆ ben            │
│ transcripts/r02.txt:10 ┆ return/support       ┆ ana        ┆ ben            │
└────────────────────────┴──────────────────────┴────────────┴────────────────┘
"
    );
    assert!(
        out.stderr.ends_with(
            "hint: the table is 79 columns wide, more than the 70 available; try --format csv\n"
        ),
        "{}",
        out.stderr
    );
}

/// Two codes under one theme; `t/b` has a rule when `b_rule` is given.
fn two_codes(b_rule: &str) -> String {
    format!(
        "codebook: t\nthemes:\n  - id: t\n    label: T\n    codes:\n      - id: a\n        label: A\n      - id: b\n        label: B\n{b_rule}"
    )
}

/// Ana codes in two rounds: her sheet for r1 has columns `t/a` and `t/b`,
/// her sheet for r2 only `t/a` (the code `t/b` came later). Ben's one sheet
/// covers both with both columns.
fn rounds() -> Study {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        &two_codes("        match:\n          any: [two, three]\n"),
    )
    .file(
        "transcripts/r1.txt",
        "Interviewer: Q?\nR1: One answer.\n\nTwo answer.\n",
    )
    .file(
        "transcripts/r2.txt",
        "Interviewer: Q?\nR2: Three answer.\n\nFour answer.\n",
    )
    .file(
        "codings/ana.csv",
        "id,coder,t/a,t/b\ntranscripts/r1.txt:2,ana,x,\ntranscripts/r1.txt:4,ana,,x\n",
    )
    .file(
        "codings/ana_round2.csv",
        "id,coder,t/a\ntranscripts/r2.txt:2,ana,x\ntranscripts/r2.txt:4,ana,\n",
    )
    .file(
        "codings/ben.csv",
        "id,coder,t/a,t/b\ntranscripts/r1.txt:2,ben,x,\ntranscripts/r1.txt:4,ben,,x\n\
         transcripts/r2.txt:2,ben,x,x\ntranscripts/r2.txt:4,ben,x,x\n",
    );
    s
}

#[test]
fn a_coder_is_judged_on_a_code_only_where_a_sheet_of_hers_had_it() {
    let s = rounds();
    // `t/b` is compared on r1 only: Ana's sheet for r2 had no such column.
    assert_eq!(
        s.run(&["agree", "--coders", "ana,ben", "--format", "csv"])
            .ok(),
        "code,units,agreement,kappa,alpha
t/a,4,0.7500,0.5000,0.5333
t/b,2,1.0000,1.0000,1.0000
pooled,4,0.8333,0.6667,0.6857
"
    );
    assert_eq!(
        s.run(&["agree", "--codes", "b", "--format", "csv"]).ok(),
        "code,units,agreement,kappa,alpha
t/b,2,1.0000,1.0000,1.0000
pooled,2,1.0000,1.0000,1.0000
"
    );
    // Ben's marks of `t/b` on r2 are no disagreement.
    assert_eq!(
        s.run(&["agree", "--disagreements", "--format", "csv"]).ok(),
        "excerpt,code,applied_by,not_applied_by
transcripts/r2.txt:4,t/a,ben,ana
"
    );
    // The rules' `t/b` on r2 is no false positive against Ana: precision
    // 1 of 1 on r1 (2 of 3 with r2's excerpt she never judged for it).
    assert_eq!(
        s.run(&["agree", "--rules", "--coders", "ana,ben", "--format", "csv"])
            .ok(),
        "coder,code,precision,recall,f1
ana,t/a,,0.0000,
ana,t/b,1.0000,1.0000,1.0000
ana,pooled,1.0000,0.3333,0.5000
ben,t/a,,0.0000,
ben,t/b,1.0000,0.6667,0.8000
ben,pooled,1.0000,0.3333,0.5000
"
    );
    assert_eq!(
        s.run(&["agree", "--rules", "--disagreements", "--format", "csv"])
            .ok(),
        "excerpt,code,coder,by_rules,by_coder
transcripts/r1.txt:2,t/a,ana,no,yes
transcripts/r2.txt:2,t/a,ana,no,yes
transcripts/r1.txt:2,t/a,ben,no,yes
transcripts/r2.txt:2,t/a,ben,no,yes
transcripts/r2.txt:4,t/a,ben,no,yes
transcripts/r2.txt:4,t/b,ben,no,yes
"
    );
    // The report's agreement is `agree`'s.
    let md = s
        .run(&["report", "--format", "markdown", "--date", "2026-03-31"])
        .ok()
        .to_string();
    let section = md.split("## Agreement between coders\n\n").nth(1).unwrap();
    for row in [
        "| `t/a` | 4 | 0.7500 | 0.5000 | 0.5333 |",
        "| `t/b` | 2 | 1.0000 | 1.0000 | 1.0000 |",
        "| `pooled` | 4 | 0.8333 | 0.6667 | 0.6857 |",
    ] {
        assert!(section.contains(row), "{row} not in\n{section}");
    }
}

#[test]
fn a_code_on_no_sheet_of_a_coder_is_not_compared_even_when_split() {
    // Ana had `t/a` on one sheet and `t/b` on another: on no excerpt could
    // she judge the theme `t` (both its codes), so it is not compared.
    let s = Study::empty();
    s.file("codebooks/main.yaml", &two_codes(""))
        .file("transcripts/r1.txt", "R1: one.\n\ntwo.\n")
        .file(
            "codings/ana.csv",
            "id,coder,t/a\ntranscripts/r1.txt:1,ana,x\n",
        )
        .file(
            "codings/ana2.csv",
            "id,coder,t/b\ntranscripts/r1.txt:3,ana,x\n",
        )
        .file(
            "codings/ben.csv",
            "id,t/a,t/b\ntranscripts/r1.txt:1,x,\ntranscripts/r1.txt:3,,x\n",
        );
    let out = s.run(&["agree", "--codes", "t,a,b", "--format", "csv"]);
    assert_eq!(
        out.ok(),
        "code,units,agreement,kappa,alpha
t/a,1,1.0000,,
t/b,1,1.0000,,
pooled,2,1.0000,,
"
    );
    assert!(
        out.stderr
            .contains("note: `t` is not compared: not on the sheets of ana"),
        "{}",
        out.stderr
    );
}

/// Three coders; Cai coded only the first two excerpts, and Ben's sheet
/// for the last one has no `t/b` column.
fn three_coders() -> Study {
    let s = Study::empty();
    s.file("codebooks/main.yaml", &two_codes(""))
        .file(
            "transcripts/r1.txt",
            "R1: e1.\n\ne2.\n\ne3.\n\ne4.\n\ne5.\n\ne6.\n",
        )
        .file(
            "codings/ana.csv",
            "id,t/a,t/b\ntranscripts/r1.txt:1,x,\ntranscripts/r1.txt:3,x,x\n\
             transcripts/r1.txt:5,,\ntranscripts/r1.txt:7,,x\ntranscripts/r1.txt:9,x,\n\
             transcripts/r1.txt:11,,\n",
        )
        .file(
            "codings/ben.csv",
            "id,t/a,t/b\ntranscripts/r1.txt:1,x,\ntranscripts/r1.txt:3,,x\n\
             transcripts/r1.txt:5,,x\ntranscripts/r1.txt:7,x,x\ntranscripts/r1.txt:9,x,\n",
        )
        .file(
            "codings/ben_e6.csv",
            "id,coder,t/a\ntranscripts/r1.txt:11,ben,\n",
        )
        .file(
            "codings/cai.csv",
            "id,t/a,t/b\ntranscripts/r1.txt:1,x,x\ntranscripts/r1.txt:3,x,x\n",
        );
    s
}

#[test]
fn alpha_takes_every_excerpt_two_coders_judged() {
    let s = three_coders();
    // Agreement over e1 and e2 (all three judged them); α over every
    // excerpt two or more judged: t/a on e1-e6, t/b on e1-e5 (Krippendorff's
    // α with missing values: 11/24 for t/a).
    assert_eq!(
        s.run(&["agree", "--format", "csv"]).ok(),
        "code,units,agreement,kappa,alpha
t/a,2,0.5000,,0.4583
t/b,2,0.5000,,0.3714
pooled,2,0.5000,,0.3939
"
    );
    assert_eq!(
        s.run(&["agree", "--disagreements", "--format", "csv"]).ok(),
        "excerpt,code,applied_by,not_applied_by
transcripts/r1.txt:1,t/b,cai,ana ben
transcripts/r1.txt:3,t/a,ana cai,ben
"
    );
    // Two coders: α is over the units themselves.
    assert_eq!(
        s.run(&["agree", "--coders", "ana,ben", "--format", "csv"])
            .ok(),
        "code,units,agreement,kappa,alpha
t/a,6,0.6667,0.3333,0.3889
t/b,5,0.8000,0.6154,0.6400
pooled,6,0.7273,0.4590,0.4793
"
    );
    let table = s.run(&["agree"]).ok().to_string();
    assert!(
        table.starts_with("coders: ana, ben, cai; units: excerpts every one of them judged for the code; alpha: those at least two of them judged\n"),
        "{table}"
    );
}

#[test]
fn codes_applied_outside_the_comparison_are_not_compared() {
    let s = Study::empty();
    s.file("codebooks/main.yaml", &two_codes(""))
        .file(
            "transcripts/r1.txt",
            "R1: one.\n\ntwo.\n\nthree.\n\nfour.\n",
        )
        .file("transcripts/r2.txt", "R2: five.\n")
        .file(
            "codings/ana.csv",
            "id,t/a,t/b\ntranscripts/r1.txt:1,x,\ntranscripts/r1.txt:3,x,\n\
             transcripts/r1.txt:5,,\ntranscripts/r1.txt:7,,\n",
        )
        .file(
            "codings/ben.csv",
            "id,t/a,t/b\ntranscripts/r1.txt:1,x,\ntranscripts/r1.txt:3,,\n\
             transcripts/r1.txt:5,x,\ntranscripts/r1.txt:7,,\n",
        );
    let expected = "code,units,agreement,kappa,alpha
t/a,4,0.5000,0.0000,0.1250
pooled,4,0.5000,0.0000,0.1250
";
    let args = ["agree", "--coders", "ana,ben", "--format", "csv"];
    assert_eq!(s.run(&args).ok(), expected);
    // Ben codes r2, which Ana never read, at `t/b`: nothing compared changes.
    s.file(
        "codings/ben_r2.csv",
        "id,coder,t/a,t/b\ntranscripts/r2.txt:1,ben,,x\n",
    );
    assert_eq!(s.run(&args).ok(), expected);
    assert_eq!(
        s.run(&["agree", "--disagreements", "--format", "csv"]).ok(),
        "excerpt,code,applied_by,not_applied_by
transcripts/r1.txt:3,t/a,ana,ben
transcripts/r1.txt:5,t/a,ben,ana
"
    );
    // Scoring the rules, each coder has her own codes: `t/b` is Ben's.
    assert_eq!(
        s.run(&["agree", "--rules", "--coders", "ana,ben", "--format", "csv"])
            .ok(),
        "coder,code,precision,recall,f1
ana,t/a,,0.0000,
ana,pooled,,0.0000,
ben,t/a,,0.0000,
ben,t/b,,0.0000,
ben,pooled,,0.0000,
"
    );
    // `--codes` still names what is compared.
    assert_eq!(
        s.run(&["agree", "--codes", "b", "--format", "csv"]).ok(),
        "code,units,agreement,kappa,alpha
t/b,4,1.0000,,
pooled,4,1.0000,,
"
    );
}
