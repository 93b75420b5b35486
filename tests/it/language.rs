//! Mixed-language studies: each transcript's search language (front
//! matter `language:`, else the `language` column of respondents.csv, else
//! the study's), search and `quote --query` stemming each excerpt in its
//! own language, and counts that do not depend on it.

use crate::util::Study;

const CODEBOOK: &str = "themes:
  - id: family_role
    codes:
      - id: search_and_report
        match: {any: [familia, family, police, comisaría]}
";

/// A survivor interviewed in Spanish (the study's language; no column value).
const R01: &str = "---
respondent: R01
---
Entrevistadora: ¿Quién la buscó?
R01: Las familias del barrio me buscaron en Juliaca.

Mi madre fue a la comisaría todos los días.
";

/// A relative whose row says Spanish, interviewed in English (front matter).
const R02: &str = "---
respondent: R02
language: english
---
Interviewer: Who helped you look for her?
R02: Two families from our street came with us to the police station.
";

/// An NGO officer whose row says English.
const P01: &str = "---
respondent: P01
---
Interviewer: What role do families play?
P01: The family is key. Some families report quickly; others wait for weeks.
";

const RESPONDENTS: &str = "respondent,profile,language
R01,survivor,
R02,relative,Spanish
P01,provider,english
";

/// The Spanish+English study.
fn study() -> Study {
    let s = Study::empty();
    s.file("thematic.yaml", "language: spanish\n")
        .file("codebooks/main.yaml", CODEBOOK)
        .file("respondents.csv", RESPONDENTS)
        .file("transcripts/r01.txt", R01)
        .file("transcripts/r02.txt", R02)
        .file("transcripts/p01.txt", P01);
    s
}

/// The ids `search QUERY` finds, sorted, one per line.
fn found(s: &Study, query: &str) -> String {
    let out = s.run(&["search", query, "--format", "csv"]);
    let mut ids: Vec<&str> = out
        .ok()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or(""))
        .collect();
    ids.sort_unstable();
    ids.join("\n")
}

#[test]
fn a_word_finds_its_forms_in_each_excerpts_own_language() {
    let s = study();
    s.run(&["code"]).ok();
    // Spanish `familia` finds `familias` in the Spanish excerpt only; the
    // English excerpts' `families` is not a Spanish form of it.
    assert_eq!(found(&s, "familia"), "transcripts/r01.txt:5");
    // English `family` finds `families` in both English excerpts (one set by
    // the front matter, one by respondents.csv), not in the Spanish one.
    assert_eq!(
        found(&s, "family"),
        "transcripts/p01.txt:5\ntranscripts/r02.txt:6"
    );
    // Both in one search.
    assert_eq!(
        found(&s, "familia OR family"),
        "transcripts/p01.txt:5\ntranscripts/r01.txt:5\ntranscripts/r02.txt:6"
    );
    // Phrases keep working, each in its language.
    assert_eq!(found(&s, "\"police stations\""), "transcripts/r02.txt:6");
    assert_eq!(found(&s, "\"la familia\""), "");
    assert_eq!(found(&s, "\"las familia\""), "transcripts/r01.txt:5");
    // So do negations.
    assert_eq!(found(&s, "family -weeks"), "transcripts/r02.txt:6");
    // `quote --query` searches the same way.
    let quoted = s.run(&[
        "quote",
        "search_and_report",
        "--query",
        "madres OR stations",
        "--format",
        "csv",
    ]);
    assert_eq!(
        quoted.ok(),
        "id,path,line,respondent,language,profile,codes,question,text
transcripts/r02.txt:6,transcripts/r02.txt,6,R02,Spanish,relative,family_role/search_and_report,Who helped you look for her?,Two families from our street came with us to the police station.
transcripts/r01.txt:7,transcripts/r01.txt,7,R01,,survivor,family_role/search_and_report,¿Quién la buscó?,Mi madre fue a la comisaría todos los días.
"
    );
    // Highlights mark each excerpt's words of the query in its language.
    let shown = s.run(&[
        "search",
        "madres OR stations OR familia",
        "--color",
        "always",
    ]);
    let out = shown.ok();
    for marked in ["madre", "station", "familias"] {
        assert!(out.contains(&format!("\x1b[1;33m{marked}\x1b[0m")), "{out}");
    }
}

#[test]
fn transcripts_shows_each_files_language() {
    let s = study();
    assert_eq!(
        s.run(&["transcripts", "--format", "csv"]).ok(),
        "path,respondents,turns,excerpts,words,encoding,warnings,preamble_words,footer_lines,language
transcripts/p01.txt,P01,2,1,12,UTF-8,0,0,0,english
transcripts/r01.txt,R01,2,2,17,UTF-8,0,0,0,spanish
transcripts/r02.txt,R02,2,1,12,UTF-8,0,0,0,english
"
    );
    let json: serde_json::Value =
        serde_json::from_str(s.run(&["transcripts", "--format", "json"]).ok()).unwrap();
    let langs: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["language"].as_str().unwrap())
        .collect();
    assert_eq!(langs, ["english", "spanish", "english"]);
}

#[test]
fn a_language_changed_in_respondents_csv_reindexes_that_transcript() {
    let s = study();
    s.run(&["code"]).ok();
    // English `reports` finds `report` in the English excerpt…
    assert_eq!(found(&s, "reports"), "transcripts/p01.txt:5");
    s.replace(
        "respondents.csv",
        "P01,provider,english",
        "P01,provider,spanish",
    );
    // …and no longer once it is Spanish (`reports` is no Spanish form of
    // `report`): the transcript was indexed again, in its new language.
    let run = s.run(&["search", "reports", "--format", "csv"]);
    assert_eq!(
        run.ok(),
        "id,path,line,respondent,language,profile,codes,question,text\n"
    );
    assert_eq!(
        run.stderr,
        "note: index out of date (transcripts or respondents changed); updating\nno excerpts found\n"
    );
    assert!(s
        .run(&["transcripts", "--format", "csv"])
        .ok()
        .contains("\ntranscripts/p01.txt,P01,2,1,12,UTF-8,0,0,0,spanish\n"));
    // The same index as a fresh build gives.
    let before = found(&s, "familia OR family");
    std::fs::remove_dir_all(s.path().join(".thematic")).unwrap();
    assert_eq!(found(&s, "familia OR family"), before);
}

#[test]
fn a_focus_group_of_two_languages_takes_the_studys_with_a_warning() {
    let s = study();
    s.file(
        "transcripts/fg01.txt",
        "---\nspeakers: {Rosa: R01, Tom: P01}\n---\nModerator: What did your families do?\n\
         Rosa: Mi familia me apoyó.\nTom: Our family moved.\n",
    );
    s.replace("respondents.csv", "R01,survivor,", "R01,survivor,spanish");
    let run = s.run(&["code"]);
    run.ok();
    assert!(
        run.stderr.contains(
            "transcripts/fg01.txt: its respondents have different languages in \
             respondents.csv (P01: english, R01: spanish); its excerpts are searched as \
             spanish, the study's language (give the file `language:` in its front matter \
             to choose)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_languages_exit_2_with_the_place_and_a_suggestion() {
    let s = study();
    s.replace(
        "transcripts/r02.txt",
        "language: english",
        "language: inglés",
    );
    assert_eq!(
        s.run(&["code"]).bad_input(),
        "error: unknown language `inglés`: did you mean `english`?\n  --> transcripts/r02.txt:3\n  = help: \
         `language:` takes one of: arabic, danish, dutch, english, finnish, french, german, \
         greek, hungarian, italian, norwegian, portuguese, romanian, russian, spanish, \
         swedish, tamil, turkish, none\n"
    );
    s.replace(
        "transcripts/r02.txt",
        "language: inglés",
        "language: englsh",
    );
    assert!(s.run(&["code"]).bad_input().starts_with(
        "error: unknown language `englsh`: did you mean `english`?\n  --> transcripts/r02.txt:3\n"
    ));
    s.replace(
        "transcripts/r02.txt",
        "language: englsh",
        "language: english",
    );
    s.replace(
        "respondents.csv",
        "P01,provider,english",
        "P01,provider,English (UK)",
    );
    assert!(s.run(&["code"]).bad_input().starts_with(
        "error: unknown language `English (UK)`: did you mean `english`?\n  --> respondents.csv:4:3\n"
    ));
    s.replace("respondents.csv", "English (UK)", "english");
    s.file("thematic.yaml", "language: spansh\n");
    let err = s.run(&["code"]);
    assert!(
        err.bad_input().starts_with(
            "error: unknown language `spansh`: did you mean `spanish`?\n  --> thematic.yaml:1\n"
        ),
        "{}",
        err.stderr
    );
}

#[test]
fn every_unknown_language_of_the_study_is_named_in_one_run() {
    // Two in respondents.csv, three in front matter: one run lists all
    // five, each at its place, names in Spanish with the name to write.
    let s = study();
    s.replace(
        "respondents.csv",
        "R02,relative,Spanish",
        "R02,relative,castellano",
    );
    s.replace(
        "respondents.csv",
        "P01,provider,english",
        "P01,provider,quechua",
    );
    s.replace(
        "transcripts/r02.txt",
        "language: english",
        "language: inglés",
    );
    s.replace(
        "transcripts/r01.txt",
        "respondent: R01\n",
        "respondent: R01\nlanguage: Español\n",
    );
    s.replace(
        "transcripts/p01.txt",
        "respondent: P01\n",
        "respondent: P01\nlanguage: portugues\n",
    );
    let names = "arabic, danish, dutch, english, finnish, french, german, greek, hungarian, \
                 italian, norwegian, portuguese, romanian, russian, spanish, swedish, tamil, \
                 turkish, none";
    let column = format!(
        "the `language` column takes one of: {names} (or an empty cell for the study's language)"
    );
    let front = format!("`language:` takes one of: {names}");
    assert_eq!(
        s.run(&["code"]).bad_input(),
        format!(
            "error: unknown language `castellano`: did you mean `spanish`?
  --> respondents.csv:3:3
  = help: {column}

error: unknown language `quechua`
  --> respondents.csv:4:3
  = help: {column}

error: unknown language `portugues`: did you mean `portuguese`?
  --> transcripts/p01.txt:3
  = help: {front}

error: unknown language `Español`: did you mean `spanish`?
  --> transcripts/r01.txt:3
  = help: {front}

error: unknown language `inglés`: did you mean `english`?
  --> transcripts/r02.txt:3
  = help: {front}

error: the study has 5 unknown `language:` values; fix them and run the command again
"
        )
    );
    // Reading commands say the same.
    assert!(s.run(&["stats"]).bad_input().ends_with(
        "error: the study has 5 unknown `language:` values; fix them and run the command again\n"
    ));
}

#[test]
fn codebook_check_hints_a_star_for_a_term_that_misses_its_words_forms() {
    let s = study();
    let out = s.run(&["codebook", "check"]);
    assert_eq!(
        out.ok(),
        "codebooks/main.yaml:4: warning: code `family_role/search_and_report` has no definition
codebooks/main.yaml:5: warning: term `familia` in `family_role/search_and_report` match.any matches no excerpt in the study
codebooks/main.yaml:5: warning: term `familia` in `family_role/search_and_report` match.any never matches the study's spanish excerpts, but `familias` there has the same stem: add `*` to match the forms of the word (e.g. `familia*`)
"
    );
}

/// Stats before search languages came, for [`study`] without any language
/// setting (printed by the previous release).
const STATS_BEFORE: &str = r#"[
  {
    "code": "family_role",
    "label": "family_role",
    "depth": 0,
    "excerpts": 3,
    "respondents": 3,
    "share": 0.75
  },
  {
    "code": "family_role/search_and_report",
    "label": "search_and_report",
    "depth": 1,
    "excerpts": 3,
    "respondents": 3,
    "share": 0.75
  }
]
"#;

#[test]
fn counts_do_not_depend_on_languages() {
    // Without any language setting, stats are byte for byte what they were.
    let plain = Study::empty();
    plain
        .file("codebooks/main.yaml", CODEBOOK)
        .file(
            "respondents.csv",
            &RESPONDENTS
                .replace(",language", "")
                .replace(",\n", "\n")
                .replace(",Spanish", "")
                .replace(",english", ""),
        )
        .file("transcripts/r01.txt", R01)
        .file(
            "transcripts/r02.txt",
            &R02.replace("language: english\n", ""),
        )
        .file("transcripts/p01.txt", P01);
    let stats = plain.run(&["stats", "--format", "json"]);
    assert_eq!(stats.ok(), STATS_BEFORE);
    // With languages, the counts are the same: matching is language-free.
    let mixed = study();
    for args in [
        &["stats", "--format", "csv"][..],
        &["matrix", "--format", "csv"][..],
    ] {
        assert_eq!(mixed.run(args).ok(), plain.run(args).ok(), "{args:?}");
    }
}
