//! Codes renamed or moved with `formerly`: coding sheets made under the old
//! names keep counting for the new codes, and `codebook diff --impact`
//! follows the rename.

use crate::util::Study;

const SETTINGS: &str = "interviewer: [Interviewer, Entrevistadora]\n";

/// The codebook the sheets were made with.
const OLD: &str = "codebook: Labour exploitation and return
version: \"1.0\"
themes:
  - id: labour
    label: Labour exploitation
    codes:
      - id: unpaid_work
        label: Work without pay
        match:
          any: [never paid, sin pago, no pay*]
      - id: recruiters
        label: Recruiters and job offers
        match:
          any: [job offer*, oferta de trabajo, recruit*]
  - id: return
    label: Return
    codes:
      - id: support
        label: Support on return
        match:
          any: [support*, apoy*]
";

const R01: &str = "---
respondent: R01
---
[00:00:03] Interviewer: What happened at the farm?
[00:00:07] R01: We worked from dawn and they never paid us.

The man who brought me had a job offer for a restaurant.

[00:02:10] Interviewer: And when you came back?
[00:02:15] R01: My sister cooked for me every day.
";

const R02: &str = "---
respondent: R02
---
Entrevistadora: ¿Le pagaban?
R02: Nos quedábamos con deudas, la comida se descontaba del sueldo.

Un reclutador nos habló de una oferta de trabajo en Lima.
Entrevistadora: ¿Y al volver?
R02: Mi madre me apoyó.
";

/// Ana's wide sheet, made with the old codebook: she also marks the
/// unpaid work the rules miss (r02:5) and support they miss (r01:10).
const ANA: &str = "id,respondent,labour/unpaid_work,labour/recruiters,return/support
transcripts/r01.txt:5,R01,x,,
transcripts/r01.txt:7,R01,,x,
transcripts/r01.txt:10,R01,,,x
transcripts/r02.txt:5,R02,x,,
transcripts/r02.txt:7,R02,,x,
transcripts/r02.txt:9,R02,,,x
";

/// Ben's long sheet, made with the old codebook (bare old ids).
const BEN: &str = "excerpt,code,note
transcripts/r02.txt:5,unpaid_work,descuentos del sueldo
transcripts/r01.txt:5,unpaid_work,
transcripts/r01.txt:10,support,her sister cooks for her
";

/// A study coded with the old codebook and one coding sheet.
fn study(sheet: (&str, &str)) -> Study {
    let s = Study::empty();
    s.file("thematic.yaml", SETTINGS)
        .file("codebooks/main.yaml", OLD)
        .file("transcripts/r01.txt", R01)
        .file("transcripts/r02.txt", R02)
        .file(sheet.0, sheet.1);
    s.run(&["code"]).ok();
    s
}

/// The codebook with `unpaid_work` renamed to `free_labour`.
fn renamed() -> String {
    OLD.replace(
        "      - id: unpaid_work\n        label: Work without pay\n",
        "      - id: free_labour\n        label: Work without pay\n        formerly: [unpaid_work]\n",
    )
}

#[test]
fn a_wide_sheet_under_a_renamed_code_counts_for_the_new_code_with_one_note() {
    let s = study(("codings/ana.csv", ANA));
    s.file("codebooks/main.yaml", &renamed());
    let run = s.run(&["code"]);
    run.ok();
    assert_eq!(
        run.stderr.lines().next().unwrap(),
        "note: codings/ana.csv: column `labour/unpaid_work` is now `labour/free_labour` (formerly)"
    );
    assert_eq!(run.stderr.matches("note:").count(), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let stats = "code,excerpts,respondents
labour,4,2
labour/free_labour,2,2
labour/recruiters,2,2
return,2,2
return/support,2,2
";
    assert_eq!(s.run(&["stats", "--format", "csv"]).ok(), stats);
    assert_eq!(
        s.run(&["stats", "--source", "rules", "--format", "csv"])
            .ok(),
        "code,excerpts,respondents
labour,3,2
labour/free_labour,1,1
labour/recruiters,2,2
return,1,1
return/support,1,1
"
    );
    // Said once: later runs, which change nothing, do not repeat it.
    let again = s.run(&["code"]);
    again.ok();
    assert!(!again.stderr.contains("note"), "{}", again.stderr);
    let stats_run = s.run(&["stats", "--format", "csv"]);
    assert_eq!(stats_run.ok(), stats);
    assert_eq!(stats_run.stderr, "");
    // The same counts as a sheet written with the new name.
    s.file(
        "codings/ana.csv",
        &ANA.replace("labour/unpaid_work", "labour/free_labour"),
    );
    let fresh = s.run(&["code"]);
    fresh.ok();
    assert!(!fresh.stderr.contains("note"), "{}", fresh.stderr);
    assert_eq!(s.run(&["stats", "--format", "csv"]).ok(), stats);
}

#[test]
fn a_long_sheet_under_a_renamed_code_counts_for_the_new_code_with_one_note() {
    let s = study(("codings/ben.csv", BEN));
    s.file("codebooks/main.yaml", &renamed());
    // A reading command updates the index and says it, once per name.
    let run = s.run(&["stats", "--source", "human", "--format", "csv"]);
    assert_eq!(
        run.ok(),
        "code,excerpts,respondents
labour,2,2
labour/free_labour,2,2
labour/recruiters,0,0
return,1,1
return/support,1,1
"
    );
    assert_eq!(
        run.stderr,
        "note: index out of date (the codebook changed); updating
note: codings/ben.csv: code `unpaid_work` is now `labour/free_labour` (formerly)
"
    );
    assert_eq!(
        s.run(&["agree", "--rules", "--coders", "ben", "--format", "csv"])
            .ok(),
        "code,precision,recall,f1
labour/free_labour,1.0000,0.5000,0.6667
labour/recruiters,0.0000,,
return/support,0.0000,0.0000,0.0000
pooled,0.2500,0.3333,0.2857
"
    );
}

#[test]
fn a_code_moved_to_another_theme_keeps_its_sheet_marks() {
    let s = study(("codings/ana.csv", ANA));
    let moved = OLD
        .replace(
            "      - id: recruiters\n        label: Recruiters and job offers\n        match:\n          any: [job offer*, oferta de trabajo, recruit*]\n",
            "",
        )
        .replace(
            "  - id: return\n",
            "  - id: deception
    label: Deception in recruitment
    codes:
      - id: brokers
        label: Brokers and job offers
        formerly: [recruiters]
        match:
          any: [job offer*, oferta de trabajo, recruit*, reclutador]
  - id: return\n",
        );
    s.file("codebooks/main.yaml", &moved);
    let run = s.run(&["code"]);
    run.ok();
    assert_eq!(
        run.stderr.lines().next().unwrap(),
        "note: codings/ana.csv: column `labour/recruiters` is now `deception/brokers` (formerly)"
    );
    assert_eq!(
        s.run(&["stats", "--source", "ana", "--format", "csv"]).ok(),
        "code,excerpts,respondents
labour,2,2
labour/unpaid_work,2,2
deception,2,2
deception/brokers,2,2
return,2,2
return/support,2,2
"
    );
}

#[test]
fn an_old_name_two_codes_claim_is_an_error_naming_both() {
    let s = study(("codings/ben.csv", BEN));
    let both = renamed().replace(
        "      - id: support\n",
        "      - id: unpaid_care\n        label: Unpaid care at home\n        formerly: [unpaid_work]\n      - id: support\n",
    );
    s.file("codebooks/main.yaml", &both);
    let run = s.run(&["code"]);
    assert_eq!(
        run.bad_input(),
        "error: `unpaid_work` is an earlier name of several codes in codebooks/main.yaml: `labour/free_labour`, `return/unpaid_care` (on 2 rows: 2, 3)
  --> codings/ben.csv:2:2
  = help: write the current path of the code meant instead, or keep `unpaid_work` in the `formerly` of one code only
"
    );
    // A full old path says which one: the code renamed under that parent.
    s.file(
        "codings/ben.csv",
        &BEN.replace(",unpaid_work,", ",labour/unpaid_work,"),
    );
    let run = s.run(&["code"]);
    run.ok();
    assert_eq!(
        run.stderr.lines().next().unwrap(),
        "note: codings/ben.csv: code `labour/unpaid_work` is now `labour/free_labour` (formerly)"
    );
}

/// `codebook diff codebooks/old.yaml codebooks/main.yaml --impact`, with
/// the old codebook saved beside the new one.
fn impact(s: &Study, new: &str, format: &str) -> crate::util::Run {
    s.file("codebooks/old.yaml", OLD)
        .file("codebooks/main.yaml", new);
    s.run(&[
        "codebook",
        "diff",
        "codebooks/old.yaml",
        "codebooks/main.yaml",
        "--impact",
        "--format",
        format,
    ])
}

#[test]
fn impact_of_a_pure_rename_lists_no_code() {
    let s = study(("codings/ana.csv", ANA));
    assert_eq!(
        impact(&s, &renamed(), "text").ok(),
        "renamed  labour/unpaid_work -> labour/free_labour\n\nimpact on the study (rules): no code's excerpts or respondents change\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(impact(&s, &renamed(), "json").ok()).unwrap();
    assert_eq!(json["impact"], serde_json::json!([]));
}

#[test]
fn impact_of_a_move_with_the_same_rules_lists_only_the_themes() {
    let s = study(("codings/ana.csv", ANA));
    let moved = OLD
        .replace(
            "      - id: recruiters\n        label: Recruiters and job offers\n        match:\n          any: [job offer*, oferta de trabajo, recruit*]\n",
            "",
        )
        .replace(
            "  - id: return\n",
            "  - id: deception\n    codes:\n      - id: brokers\n        label: Recruiters and job offers\n        formerly: [recruiters]\n        match:\n          any: [job offer*, oferta de trabajo, recruit*]\n  - id: return\n",
        );
    assert_eq!(
        impact(&s, &moved, "text").ok(),
        "added    deception
renamed  labour/recruiters -> deception/brokers

impact on the study (rules):
┌───────────┬──────────┬─────────────┐
│ code      ┆ excerpts ┆ respondents │
╞═══════════╪══════════╪═════════════╡
│ labour    ┆ 3 -> 1   ┆ 2 -> 1      │
│ deception ┆ 0 -> 2   ┆ 0 -> 2      │
└───────────┴──────────┴─────────────┘
"
    );
}

#[test]
fn impact_of_a_rename_with_a_rule_change_is_one_row() {
    let s = study(("codings/ana.csv", ANA));
    let new = renamed().replace(
        "any: [never paid, sin pago, no pay*]",
        "any: [never paid, sin pago, no pay*, descontaba]",
    );
    assert_eq!(
        impact(&s, &new, "text").ok(),
        "renamed  labour/unpaid_work -> labour/free_labour
    match.any: +descontaba

impact on the study (rules):
┌──────────────────────────────────────────┬──────────┬─────────────┐
│ code                                     ┆ excerpts ┆ respondents │
╞══════════════════════════════════════════╪══════════╪═════════════╡
│ labour                                   ┆ 3 -> 4   ┆ 2 -> 2      │
│ labour/unpaid_work -> labour/free_labour ┆ 1 -> 2   ┆ 1 -> 2      │
└──────────────────────────────────────────┴──────────┴─────────────┘
"
    );
    let json: serde_json::Value = serde_json::from_str(impact(&s, &new, "json").ok()).unwrap();
    assert_eq!(
        json["impact"],
        serde_json::json!([
            {"code": "labour", "excerpts_before": 3, "excerpts_after": 4,
             "respondents_before": 2, "respondents_after": 2},
            {"code": "labour/free_labour", "code_before": "labour/unpaid_work",
             "excerpts_before": 1, "excerpts_after": 2,
             "respondents_before": 1, "respondents_after": 2},
        ])
    );
}

#[test]
fn impact_does_not_read_the_coding_sheets() {
    // One sheet with a column no version has, one naming a code only the
    // old version has (and no `formerly` follows): `code` refuses them.
    let s = study(("codings/ana.csv", ANA));
    s.file(
        "codings/carla.csv",
        "id,labour/wages\ntranscripts/r01.txt:5,x\n",
    );
    // `support` renamed without a `formerly`: a removal and an addition.
    // `support` renamed without a `formerly`: a removal and an addition.
    let new = OLD.replace("      - id: support\n", "      - id: family_support\n");
    s.file("codebooks/main.yaml", &new);
    let refused = s.run(&["code"]);
    assert!(
        refused.bad_input().contains("codings/ana.csv:1:5"),
        "{}",
        refused.stderr
    );
    let out = impact(&s, &new, "text");
    assert_eq!(
        out.ok(),
        "added    return/family_support
removed  return/support

impact on the study (rules):
┌───────────────────────┬──────────┬─────────────┐
│ code                  ┆ excerpts ┆ respondents │
╞═══════════════════════╪══════════╪═════════════╡
│ return/family_support ┆ 0 -> 1   ┆ 0 -> 1      │
│ return/support        ┆ 1 -> 0   ┆ 1 -> 0      │
└───────────────────────┴──────────┴─────────────┘
"
    );
    assert_eq!(out.stderr, "");
}

/// A study coded with the old codebook, R01's chart file written by
/// `thematic chart` and summarised, then the codebook renamed.
fn charted() -> Study {
    let s = Study::empty();
    s.file("thematic.yaml", SETTINGS)
        .file("codebooks/main.yaml", OLD)
        .file("transcripts/r01.txt", R01)
        .file("transcripts/r02.txt", R02);
    s.run(&["chart", "--respondent", "R01", "--theme", "labour"])
        .ok();
    s.replace(
        "charts/R01.md",
        "never paid us.\n-->\n",
        "never paid us.\n-->\nThey were never paid [transcripts/r01.txt:5].\n",
    );
    assert_eq!(
        s.run(&["chart", "check"]).ok().lines().last(),
        Some("no findings")
    );
    s.file("codebooks/main.yaml", &renamed());
    s
}

const SUMMARIES: &str = "| code | R01 | R02 | total (n=2) |
|---|---|---|---|
| Labour exploitation |  |  |  |
| \u{a0}\u{a0}Work without pay | They were never paid [transcripts/r01.txt:5]. |  |  |
| \u{a0}\u{a0}Recruiters and job offers |  |  |  |
";

#[test]
fn a_chart_heading_under_an_earlier_id_is_the_renamed_codes_cell() {
    let s = charted();
    let run = s.run(&["chart", "check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "charts/R01.md:10:4: renamed code: `labour/unpaid_work` is now `labour/free_labour` (formerly); rename the heading
coverage (respondent cells with excerpts that have a summary):
  labour  1 of 5 (20%)
  return  0 of 2 (0%)
1 finding
"
    );
    // The summary is the renamed code's: in the matrix, ...
    let summary = [
        "matrix", "--cell", "summary", "--theme", "labour", "--format", "markdown",
    ];
    assert_eq!(s.run(&summary).ok(), SUMMARIES);
    // ... among the quotes the summaries cite, ...
    assert_eq!(
        s.run(&["quote", "free_labour", "--charted"]).ok(),
        "transcripts/r01.txt:5 — R01
  codes: labour/free_labour
  We worked from dawn and they never paid us.
"
    );
    // ... and `chart` adds no second section for the cell.
    let before = s.read("charts/R01.md");
    assert_eq!(
        s.run(&["chart", "--respondent", "R01", "--theme", "labour"])
            .ok(),
        "nothing to add: every cell with excerpts has a section\n"
    );
    assert_eq!(s.read("charts/R01.md"), before);
    // Renamed, the heading is the same cell: the same summary, no finding.
    s.replace(
        "charts/R01.md",
        "## labour/unpaid_work\n",
        "## labour/free_labour\n",
    );
    assert_eq!(s.run(&summary).ok(), SUMMARIES);
    assert_eq!(
        s.run(&["chart", "check"]).ok().lines().last(),
        Some("no findings")
    );
}

#[test]
fn a_chart_with_the_old_and_the_new_heading_has_a_duplicate() {
    let s = charted();
    s.replace(
        "charts/R01.md",
        "## labour/recruiters\n",
        "## labour/free_labour\nNew heading, same cell.\n\n## labour/recruiters\n",
    );
    let run = s.run(&["chart", "check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "charts/R01.md:10:4: renamed code: `labour/unpaid_work` is now `labour/free_labour` (formerly); rename the heading
charts/R01.md:17: duplicate: a second section for labour/free_labour (the first is at line 10); merge them
coverage (respondent cells with excerpts that have a summary):
  labour  1 of 5 (20%)
  return  0 of 2 (0%)
2 findings
"
    );
}

#[test]
fn a_memo_about_an_earlier_id_is_about_the_renamed_code() {
    let s = study(("codings/ben.csv", BEN));
    s.file("codebooks/main.yaml", &renamed()).file(
        "memos/pay.md",
        "---\nabout: [unpaid_work]\n---\n# Wages withheld as debt\n",
    );
    s.run(&["code"]).ok();
    let run = s.run(&["chart", "check"]);
    assert_eq!(
        run.ok(),
        "coverage (respondent cells with excerpts that have a summary):
  labour  0 of 6 (0%)
  return  0 of 4 (0%)
no findings
"
    );
    assert_eq!(
        run.stderr,
        "note: memos/pay.md:2: `unpaid_work` is now `labour/free_labour` (formerly)\n"
    );
    let run = s.run(&["quote", "free_labour", "--memos", "--source", "rules"]);
    assert_eq!(
        run.ok(),
        "transcripts/r01.txt:5 — R01
  codes: labour/free_labour
  We worked from dawn and they never paid us.
  memo: Wages withheld as debt (memos/pay.md)
"
    );
    assert_eq!(
        run.stderr,
        "note: memos/pay.md:2: `unpaid_work` is now `labour/free_labour` (formerly)\n"
    );
    let show = s.run(&["codebook", "show", "--format", "markdown"]);
    assert!(
        show.ok()
            .contains("- **Memos:** Wages withheld as debt (`memos/pay.md`)"),
        "{}",
        show.stdout
    );
    let memo_at = show.stdout.find("**Memos:**").unwrap();
    let free = show.stdout.find("Work without pay").unwrap();
    let next = show.stdout.find("Recruiters and job offers").unwrap();
    assert!(free < memo_at && memo_at < next, "{}", show.stdout);
}

#[test]
fn a_code_named_on_the_command_line_by_an_earlier_id_gives_the_same_output() {
    let s = study(("codings/ben.csv", BEN));
    s.file("codebooks/main.yaml", &renamed());
    s.run(&["code"]).ok();
    let now = s.run(&["quote", "labour/free_labour", "--format", "csv"]);
    assert_eq!(now.stderr, "");
    for old in ["unpaid_work", "labour/unpaid_work"] {
        let run = s.run(&["quote", old, "--format", "csv"]);
        assert_eq!(run.ok(), now.ok());
        assert_eq!(
            run.stderr,
            format!("note: `{old}` is now `labour/free_labour` (formerly)\n")
        );
    }
    assert_eq!(
        s.run(&["quote", "unpaid_work"]).ok(),
        "transcripts/r01.txt:5 — R01
  codes: labour/free_labour
  We worked from dawn and they never paid us.

transcripts/r02.txt:5 — R02
  codes: labour/free_labour
  Nos quedábamos con deudas, la comida se descontaba del sueldo.
"
    );
    for (old, new) in [
        (
            &[
                "cooccur",
                "--codes",
                "unpaid_work,recruiters",
                "--format",
                "csv",
            ][..],
            &[
                "cooccur",
                "--codes",
                "free_labour,recruiters",
                "--format",
                "csv",
            ][..],
        ),
        (
            &[
                "agree",
                "--rules",
                "--codes",
                "unpaid_work",
                "--format",
                "csv",
            ][..],
            &[
                "agree",
                "--rules",
                "--codes",
                "free_labour",
                "--format",
                "csv",
            ][..],
        ),
        (
            &["sheet", "--coder", "cy", "--codes", "unpaid_work"][..],
            &["sheet", "--coder", "cy", "--codes", "free_labour"][..],
        ),
    ] {
        let run = s.run(old);
        assert_eq!(run.ok(), s.run(new).ok(), "{old:?}");
        assert_eq!(
            run.stderr, "note: `unpaid_work` is now `labour/free_labour` (formerly)\n",
            "{old:?}"
        );
    }
}

#[test]
fn an_earlier_id_two_codes_had_is_bad_input_in_charts_memos_and_arguments() {
    let s = charted();
    let both = renamed().replace(
        "      - id: support\n",
        "      - id: unpaid_care\n        label: Unpaid care at home\n        formerly: [unpaid_work]\n      - id: support\n",
    );
    s.file("codebooks/main.yaml", &both);
    s.replace(
        "charts/R01.md",
        "## labour/unpaid_work\n",
        "## unpaid_work\n",
    );
    s.run(&["code"]).ok();
    assert_eq!(
        s.run(&["chart", "check"]).bad_input(),
        "error: `unpaid_work` is an earlier name of several codes: `labour/free_labour`, `return/unpaid_care`
  --> charts/R01.md:10:4
  = help: write the current path of the code meant in the heading, or keep `unpaid_work` in the `formerly` of one code only
"
    );
    s.replace(
        "charts/R01.md",
        "## unpaid_work\n",
        "## labour/unpaid_work\n",
    );
    s.file(
        "memos/pay.md",
        "---\nabout: [R01, unpaid_work]\n---\n# Wages withheld as debt\n",
    );
    assert_eq!(
        s.run(&["chart", "check"]).bad_input(),
        "error: `about:` names `unpaid_work`, an earlier name of several codes: `labour/free_labour`, `return/unpaid_care`
  --> memos/pay.md:2
  = help: write the current path of the code meant instead, or keep `unpaid_work` in the `formerly` of one code only
"
    );
    assert_eq!(
        s.run(&["quote", "unpaid_work"]).bad_input(),
        "error: `unpaid_work` is an earlier name of several codes: `labour/free_labour`, `return/unpaid_care`
  = help: write the current path of the code meant instead, or keep `unpaid_work` in the `formerly` of one code only
"
    );
    // A full old path says which one: the code renamed under that parent.
    let run = s.run(&["quote", "labour/unpaid_work"]);
    run.ok();
    assert_eq!(
        run.stderr,
        "note: `labour/unpaid_work` is now `labour/free_labour` (formerly)\n"
    );
}
