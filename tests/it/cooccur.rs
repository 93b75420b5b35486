//! `thematic cooccur`, checked against an independent count made from
//! `quote A B --format csv` on a study the other tests do not use.

use std::collections::BTreeSet;

use crate::util::Study;

const CODEBOOK: &str = "codebook: Recruitment, debt and return
themes:
  - id: recruitment
    label: Recruitment
    codes:
      - id: relative
        label: Recruited by a relative
        match:
          any: [tía, tío, cousin, uncle, prima]
      - id: job_offer
        label: A job offer
        match:
          any: [job offer*, trabajo, oferta*]
  - id: debt
    label: Debt bondage
    codes:
      - id: debt
        label: A debt to the recruiter
        match:
          any: [debt*, deuda*, owed]
  - id: reintegration
    label: Reintegration
    codes:
      - id: stigma
        label: Stigma and gossip
        match:
          any: [shame, vergüenza, gossip*, chisme*]
      - id: family_support
        label: Family support
        match:
          any: [support*, apoy*, took care]
        codes:
          - id: mother
            label: The mother
            match:
              any: [mother, madre]
";

/// A survivor in Spanish, one in English, a provider, and a survivor who
/// says little; a coder adds what the rules miss.
fn study() -> Study {
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK)
        .file(
            "respondents.csv",
            "id,profile,country\ns01,survivor,Peru\ns02,survivor,Bolivia\ns03,provider,Peru\ns04,survivor,Peru\n",
        )
        .file(
            "transcripts/s01.txt",
            "Interviewer: ¿Cómo llegó a la ciudad?
s01: Mi tía me ofreció un trabajo en un restaurante. Dijo que era una buena oferta.

Cuando llegué me dijeron que tenía una deuda por el pasaje y la comida.
Interviewer: ¿Y cuando volvió?
s01: En el barrio había chismes, sentía vergüenza.

Mi madre me apoyó todo el tiempo.
",
        )
        .file(
            "transcripts/s02.txt",
            "Interviewer: How were you recruited?
s02: A cousin told me about a job offer in the mines.

They said I owed them for the transport, and the debt kept growing.
Interviewer: What happened when you came back?
s02: My mother took care of me, but the neighbours gossiped and I felt shame.
",
        )
        .file(
            "transcripts/s03.txt",
            "Interviewer: What do families do?
s03: Many families support the girls when they return.

Sometimes an uncle is the recruiter, and the family carries a debt with him.
",
        )
        .file(
            "transcripts/s04.txt",
            "Entrevistadora: ¿Qué pasó después?
s04: Nadie me apoyó. Tenía vergüenza de volver.

No quiero hablar de eso.
",
        )
        .file(
            "codings/ana.csv",
            "excerpt,code
transcripts/s04.txt:4,reintegration/stigma
transcripts/s03.txt:2,recruitment/relative
transcripts/s01.txt:2,debt/debt
",
        );
    s
}

const CODES: [&str; 9] = [
    "recruitment",
    "recruitment/relative",
    "recruitment/job_offer",
    "debt",
    "debt/debt",
    "reintegration",
    "reintegration/stigma",
    "reintegration/family_support",
    "reintegration/family_support/mother",
];

/// Excerpt ids and respondents that `quote` lists at all of `codes`.
fn quoted(s: &Study, codes: &[&str], extra: &[&str]) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut args = vec!["quote"];
    args.extend(codes);
    args.extend(["--format", "csv", "--limit", "100000"]);
    args.extend(extra);
    let out = s.run(&args);
    let mut r = csv::Reader::from_reader(out.ok().as_bytes());
    let header = r.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id, resp) = (col("id"), col("respondent"));
    let mut ids = BTreeSet::new();
    let mut resps = BTreeSet::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        ids.insert(rec[id].to_string());
        resps.insert(rec[resp].to_string());
    }
    (ids, resps)
}

/// The co-occurrence CSV for `within`, counted independently from quotes.
fn independent(s: &Study, within: &str, extra: &[&str]) -> String {
    let mut cells = vec![vec![0; CODES.len()]; CODES.len()];
    for i in 0..CODES.len() {
        for j in i..CODES.len() {
            let n = if within == "excerpt" {
                let pair: Vec<&str> = if i == j {
                    vec![CODES[i]]
                } else {
                    vec![CODES[i], CODES[j]]
                };
                quoted(s, &pair, extra).0.len()
            } else {
                let a = quoted(s, &[CODES[i]], extra).1;
                let b = quoted(s, &[CODES[j]], extra).1;
                a.intersection(&b).count()
            };
            cells[i][j] = n;
            cells[j][i] = n;
        }
    }
    let mut out = format!("code,{}\n", CODES.join(","));
    for (i, row) in cells.iter().enumerate() {
        let row: Vec<String> = row.iter().map(usize::to_string).collect();
        out.push_str(&format!("{},{}\n", CODES[i], row.join(",")));
    }
    out
}

#[test]
fn csv_equals_an_independent_count_from_quotes() {
    let s = study();
    s.run(&["code"]).ok();
    for extra in [
        &[][..],
        &["--where", "profile=survivor"][..],
        &["--source", "human"][..],
        &["--source", "rules", "--where", "country!=Bolivia"][..],
    ] {
        for within in ["excerpt", "respondent"] {
            let mut args = vec!["cooccur", "--within", within, "--format", "csv"];
            args.extend(extra);
            assert_eq!(
                s.run(&args).ok(),
                independent(&s, within, extra),
                "--within {within} {extra:?}"
            );
        }
    }
}

#[test]
fn exact_counts_and_jaccard() {
    let s = study();
    assert_eq!(
        s.run(&["cooccur", "--format", "csv"]).ok(),
        "code,recruitment,recruitment/relative,recruitment/job_offer,debt,debt/debt,reintegration,reintegration/stigma,reintegration/family_support,reintegration/family_support/mother
recruitment,4,4,2,2,2,1,0,1,0
recruitment/relative,4,4,2,2,2,1,0,1,0
recruitment/job_offer,2,2,2,1,1,0,0,0,0
debt,2,2,1,4,4,0,0,0,0
debt/debt,2,2,1,4,4,0,0,0,0
reintegration,1,1,0,0,0,6,4,4,2
reintegration/stigma,0,0,0,0,0,4,4,2,1
reintegration/family_support,1,1,0,0,0,4,2,4,2
reintegration/family_support/mother,0,0,0,0,0,2,1,2,2
"
    );
    assert_eq!(
        s.run(&[
            "cooccur",
            "--codes",
            "stigma,family_support,relative",
            "--within",
            "respondent",
            "--cell",
            "jaccard",
            "--format",
            "csv"
        ])
        .ok(),
        "code,recruitment/relative,reintegration/stigma,reintegration/family_support
recruitment/relative,1.0000,0.5000,0.7500
reintegration/stigma,0.5000,1.0000,0.7500
reintegration/family_support,0.7500,0.7500,1.0000
"
    );
    let json: serde_json::Value = serde_json::from_str(
        s.run(&["cooccur", "--theme", "debt", "--format", "json"])
            .ok(),
    )
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "within": "excerpt", "cell": "count", "units": 11,
            "codes": ["debt", "debt/debt"],
            "rows": [
                {"code": "debt", "label": "Debt bondage", "cells": [4, 4]},
                {"code": "debt/debt", "label": "A debt to the recruiter", "cells": [4, 4]}
            ]
        })
    );
}

#[test]
fn table_markdown_and_xlsx() {
    let s = study();
    assert_eq!(
        s.run(&["cooccur", "--theme", "debt", "--format", "markdown"])
            .ok(),
        "| code | debt | debt/debt |
|---|---:|---:|
| debt | 4 | 4 |
| debt/debt | 4 | 4 |

excerpts at both codes; 11 excerpts in all
"
    );
    let out = s.path().join("co.xlsx");
    s.run(&[
        "cooccur",
        "--theme",
        "debt",
        "--format",
        "xlsx",
        "--output",
        out.to_str().unwrap(),
    ])
    .ok();
    let rows = crate::util::sheet_rows(&std::fs::read(&out).unwrap(), "co.xlsx");
    assert_eq!(rows[0], ["code", "label", "debt", "debt/debt"]);
    assert_eq!(
        rows[2],
        ["debt/debt", "  A debt to the recruiter", "4", "4"]
    );
    // Never overwrites.
    let err = s
        .run(&[
            "cooccur",
            "--format",
            "xlsx",
            "--output",
            out.to_str().unwrap(),
        ])
        .bad_input()
        .to_string();
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn bad_input_exits_2() {
    let s = study();
    s.run(&["code"]).ok();
    let err = s
        .run(&["cooccur", "--codes", "stigmaa"])
        .bad_input()
        .to_string();
    assert!(err.contains("unknown code or theme `stigmaa`"), "{err}");
    let err = s
        .run(&["cooccur", "--format", "xlsx"])
        .bad_input()
        .to_string();
    assert!(err.contains("--output"), "{err}");
    // The value no one has is a warning first, then the error.
    let run = s.run(&["cooccur", "--where", "profile=judge"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("warning: --where profile=judge: no respondent has")
            && run.stderr.contains("\nerror: no excerpts to count"),
        "{}",
        run.stderr
    );
    s.run(&["cooccur", "--theme", "nope"]).bad_input();
    s.run(&["cooccur", "--source", "nobody"]).bad_input();
}
