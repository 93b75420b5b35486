//! `thematic quote` and `thematic search`.

use crate::util::Study;

fn study() -> Study {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    s
}

fn ids(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn quotes_in_corpus_order_for_themes_codes_and_filters() {
    let s = study();
    assert_eq!(
        ids(s.run(&["quote", "return", "--format", "json"]).ok()),
        [
            "transcripts/fg01.txt:6",
            "transcripts/fg01.txt:7",
            "transcripts/m01.txt:1",
            "transcripts/m01.txt:3",
            "transcripts/r01.txt:7",
            "transcripts/r01.txt:13"
        ]
    );
    assert_eq!(
        ids(s.run(&["quote", "family/money", "--format", "json"]).ok()),
        [
            "transcripts/fg01.txt:7",
            "transcripts/r01.txt:10",
            "transcripts/r02.txt:8"
        ]
    );
    assert_eq!(
        ids(s
            .run(&[
                "quote",
                "return",
                "--where",
                "role=relative",
                "--format",
                "json"
            ])
            .ok()),
        [
            "transcripts/fg01.txt:6",
            "transcripts/m01.txt:1",
            "transcripts/m01.txt:3"
        ]
    );
    // At all the given codes.
    assert_eq!(
        ids(s
            .run(&["quote", "money", "support", "--format", "json"])
            .ok()),
        ["transcripts/fg01.txt:7"]
    );
}

#[test]
fn json_has_every_field() {
    let s = study();
    let out = s.run(&["quote", "dates", "--limit", "1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(
        v[0],
        serde_json::json!({
            "id": "transcripts/m01.txt:1", "path": "transcripts/m01.txt", "line": 1, "respondent": "m01",
            "attributes": {"region": "Cusco", "role": "relative"}, "codes": ["return/dates"], "question": "",
            "text": "I write this in 2020. There was no police in our town.", "time": "", "score": 0.0
        })
    );
    assert!(out.stderr.contains("1 more not shown"), "{}", out.stderr);
}

#[test]
fn more_not_shown_counts_what_a_higher_limit_shows_per_respondent() {
    // `return` has six excerpts of four respondents (m01 and R01 two each):
    // one a respondent, a limit of 1 leaves three more, not five.
    let s = study();
    for (limit, more) in [("1", Some(3)), ("3", Some(1)), ("4", None)] {
        let out = s.run(&[
            "quote",
            "return",
            "--per-respondent",
            "1",
            "--limit",
            limit,
            "--format",
            "json",
        ]);
        let shown = ids(out.ok()).len();
        match more {
            Some(m) => {
                assert_eq!(
                    out.stderr,
                    format!("{m} more not shown (raise --limit to see them)\n")
                );
                let raised = (shown + m).to_string();
                let all = s.run(&[
                    "quote",
                    "return",
                    "--per-respondent",
                    "1",
                    "--limit",
                    &raised,
                    "--format",
                    "json",
                ]);
                assert_eq!(ids(all.ok()).len(), shown + m);
            }
            None => assert_eq!(out.stderr, ""),
        }
    }
}

#[test]
fn text_and_markdown_output() {
    let s = study();
    assert_eq!(
        s.run(&["quote", "police", "--context", "--show", "role"])
            .ok(),
        "transcripts/r01.txt:7 — R01 (role: survivor)
  codes: family/search, family/search/police, return/dates
  Q: How did your family react?
  My mother went to the police station every day. She reported it in 2021.

transcripts/r02.txt:5 — R02 (role: survivor)
  codes: family/search, family/search/police
  Q: ¿Qué hizo tu familia?
  Buscamos en la comisaría. No había policía en el pueblo, solo una comisaría lejos.
"
    );
    assert_eq!(
        s.run(&[
            "quote",
            "support",
            "--per-respondent",
            "1",
            "--limit",
            "2",
            "--format",
            "markdown",
            "--context"
        ])
        .ok(),
        "**Q:** ¿Quién las apoyó?

> Mi hija me apoyó. Ella dijo: no quiero dinero.
>
> — R03, Lima, relative (`transcripts/fg01.txt:6`)

**Q:** ¿Quién las apoyó?

> A mí me apoyó mi familia con dinero. Nota: ruido en la sala.
>
> — R04, Lima, survivor (`transcripts/fg01.txt:7`)

"
    );
}

#[test]
fn per_respondent_caps_one_voice() {
    let s = study();
    let all = ids(s.run(&["quote", "family", "--format", "json"]).ok());
    assert_eq!(all.len(), 5);
    let capped = ids(s
        .run(&[
            "quote",
            "family",
            "--per-respondent",
            "1",
            "--format",
            "json",
        ])
        .ok());
    assert_eq!(
        capped,
        [
            "transcripts/fg01.txt:7",
            "transcripts/r01.txt:7",
            "transcripts/r02.txt:5"
        ]
    );
}

#[test]
fn queries_are_stemmed_accent_insensitive_and_boolean() {
    let s = study();
    // "policia" finds "policía"; "reports" finds "reported" by stemming.
    assert_eq!(
        ids(s.run(&["search", "policia", "--format", "json"]).ok()),
        ["transcripts/r02.txt:5"]
    );
    assert_eq!(
        ids(s.run(&["search", "reports", "--format", "json"]).ok()),
        ["transcripts/r01.txt:7"]
    );
    assert_eq!(
        ids(s.run(&["search", "\"no money\"", "--format", "json"]).ok()),
        ["transcripts/r01.txt:10"]
    );
    assert_eq!(
        ids(s
            .run(&["search", "family AND NOT money", "--format", "json"])
            .ok()),
        ["transcripts/m01.txt:3"]
    );
    assert_eq!(
        ids(s
            .run(&[
                "search",
                "NOT family",
                "--where",
                "respondent=m01",
                "--format",
                "json"
            ])
            .ok()),
        ["transcripts/m01.txt:1"]
    );
    assert_eq!(
        ids(s
            .run(&["search", "police OR (family NOT money)", "--format", "json"])
            .ok())
        .len(),
        3
    );
    assert_eq!(
        ids(s
            .run(&[
                "quote",
                "return",
                "--query",
                "aunt OR hija",
                "--format",
                "json"
            ])
            .ok())
        .len(),
        2
    );
}

#[test]
fn uncoded_search_finds_what_the_codebook_missed() {
    let s = study();
    assert_eq!(
        ids(s.run(&["search", "--uncoded", "--format", "json"]).ok()),
        ["transcripts/r02.txt:10"]
    );
    let csv = s.run(&["search", "--uncoded", "--format", "csv"]);
    assert_eq!(csv.ok(), "id,path,line,respondent,region,role,codes,question,text\ntranscripts/r02.txt:10,transcripts/r02.txt,10,R02,Lima,survivor,,¿Y ahora?,Nada más.\n");
}

#[test]
fn errors_exit_2() {
    let s = study();
    assert!(s
        .run(&["quote", "suport"])
        .bad_input()
        .contains("did you mean `support`"));
    assert!(s
        .run(&["quote", "family", "--query", "\"unclosed"])
        .bad_input()
        .contains("invalid query"));
    assert!(s
        .run(&["search", "(police"])
        .bad_input()
        .contains("invalid query"));
    assert!(s.run(&["search"]).bad_input().contains("QUERY"));
    assert!(s
        .run(&["quote", "family", "--show", "gender"])
        .bad_input()
        .contains("unknown attribute `gender`"));
}

#[test]
fn query_terms_are_highlighted_from_the_stored_text() {
    let s = study();
    let out = s.run(&["search", "police station", "--color", "always"]);
    assert_eq!(
        out.ok(),
        "transcripts/r01.txt:7 — R01 (region: Cusco, role: survivor)
  codes: family/search, family/search/police, return/dates
  My mother went to the \x1b[1;33mpolice\x1b[0m \x1b[1;33mstation\x1b[0m every day. She reported it in 2021.
"
    );
    let plain = s.run(&["search", "police station", "--color", "never"]);
    assert!(!plain.ok().contains('\x1b'));
}

#[test]
fn the_fast_path_for_one_code_agrees_with_the_full_scan() {
    let s = study();
    for (code, filter) in [
        ("family", "role=survivor"),
        ("return", "region!=Lima"),
        ("support", "respondent=R03"),
        ("police", "role=relative"),
    ] {
        for limit in ["1", "2", "10"] {
            let fast = s.run(&[
                "quote", code, "--where", filter, "--limit", limit, "--format", "json",
            ]);
            // A per-respondent cap no one reaches takes the full scan.
            let full = s.run(&[
                "quote",
                code,
                "--where",
                filter,
                "--limit",
                limit,
                "--per-respondent",
                "99",
                "--format",
                "json",
            ]);
            assert_eq!(ids(fast.ok()), ids(full.ok()), "{code} {filter} {limit}");
            assert_eq!(fast.stderr, full.stderr, "{code} {filter} {limit}");
        }
    }
}

#[test]
fn the_codes_shown_with_a_quote_are_those_of_its_source() {
    let s = Study::fixture("basic");
    // Ben codes r01.txt:10 by hand (return/hand, which no rule applies) and
    // adds family/money on r01.txt:7, which the rules did not reach.
    s.file(
        "codings/ben.csv",
        "excerpt,code\ntranscripts/r01.txt:10,return/hand\ntranscripts/r01.txt:7,family/money\n",
    );
    s.run(&["code"]).ok();
    let codes = |args: &[&str]| -> Vec<(String, String)> {
        let mut all = args.to_vec();
        all.extend(["--where", "respondent=R01", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(s.run(&all).ok()).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|q| {
                let codes: Vec<&str> = q["codes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
                    .collect();
                (q["id"].as_str().unwrap().to_string(), codes.join("; "))
            })
            .collect()
    };
    let pair = |id: &str, codes: &str| (format!("transcripts/r01.txt:{id}"), codes.to_string());
    assert_eq!(
        codes(&["quote", "family", "--source", "rules"]),
        [
            pair("7", "family/search; family/search/police; return/dates"),
            pair("10", "family/money")
        ]
    );
    assert_eq!(
        codes(&["quote", "family", "--source", "ben"]),
        [pair("7", "family/money")]
    );
    assert_eq!(
        codes(&["quote", "family"]),
        [
            pair(
                "7",
                "family/search; family/search/police; family/money; return/dates"
            ),
            pair("10", "family/money; return/hand")
        ]
    );
    assert_eq!(
        codes(&["search", "family", "--source", "human"]),
        [pair("10", "return/hand")]
    );
    assert_eq!(
        codes(&["search", "family", "--source", "rules"]),
        [pair("10", "family/money")]
    );
    // The CSV's codes column follows the source too.
    let csv = s
        .run(&["quote", "hand", "--source", "ben", "--format", "csv"])
        .ok()
        .to_string();
    assert!(
        csv.contains(",survivor,return/hand,How did your family react?,"),
        "{csv}"
    );
}

#[test]
fn ranking_is_the_same_after_an_edit_as_from_scratch() {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    let before = s.read("transcripts/r01.txt");
    // An edit and back (tantivy keeps the replaced documents until a
    // merge), and another transcript edited for good.
    s.file("transcripts/r01.txt", "R01: Short now.\n");
    s.run(&["code"]).ok();
    s.file("transcripts/r01.txt", &before);
    s.replace("transcripts/m01.txt", "police", "police, the police");
    s.run(&["code"]).ok();
    let ranked = |s: &Study| {
        [
            s.run(&["search", "police", "--format", "json"])
                .ok()
                .to_string(),
            s.run(&[
                "quote",
                "return",
                "--query",
                "mother OR police",
                "--format",
                "csv",
                "--limit",
                "2",
            ])
            .ok()
            .to_string(),
        ]
    };
    let updated = ranked(&s);
    assert!(updated[0].contains("\"score\": "), "{}", updated[0]);
    std::fs::remove_dir_all(s.path().join(".thematic")).unwrap();
    s.run(&["code"]).ok();
    assert_eq!(updated, ranked(&s));
}

#[test]
fn a_memo_naming_no_excerpt_is_told_by_quote() {
    let s = Study::fixture("basic");
    s.file(
        "memos/a.md",
        "---\nabout: [transcripts/r01.txt:999]\n---\n# A memo\n",
    );
    s.run(&["code"]).ok();
    let run = s.run(&["quote", "return", "--memos"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "warning: `about:` names `transcripts/r01.txt:999`, which is no code, respondent or excerpt of the study\n  --> memos/a.md:2\n"
        ),
        "{}",
        run.stderr
    );
}
