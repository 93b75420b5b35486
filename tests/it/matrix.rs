//! `thematic matrix`: every cell mode, filters and formats.

use crate::util::Study;

fn study() -> Study {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    s
}

#[test]
fn counts_by_respondent_csv() {
    let s = study();
    assert_eq!(
        s.run(&["matrix", "--format", "csv"]).ok(),
        "code,R01,R02,R03,R04,m01,total
family,2,2,0,1,0,5
family/search,1,1,0,0,0,2
family/search/police,1,1,0,0,0,2
family/money,1,1,0,1,0,3
return,2,0,1,1,2,6
return/support,1,0,1,1,1,4
return/dates,1,0,0,0,1,2
return/hand,0,0,0,0,0,0
"
    );
}

#[test]
fn respondents_by_attribute_csv_and_table() {
    let s = study();
    assert_eq!(
        s.run(&["matrix", "--by", "role", "--format", "csv"]).ok(),
        "code,relative,survivor,total
family,0,3,3
family/search,0,2,2
family/search/police,0,2,2
family/money,0,3,3
return,2,2,4
return/support,2,2,4
return/dates,1,1,2
return/hand,0,0,0
"
    );
    assert_eq!(
        s.run(&[
            "matrix", "--by", "role", "--cell", "count", "--format", "csv", "--rows", "themes"
        ])
        .ok(),
        "code,relative,survivor,total\nfamily,0,5,5\nreturn,3,3,6\n"
    );
    assert_eq!(
        s.run(&["matrix", "--by", "region", "--theme", "return"])
            .ok(),
        "┌──────────────────────┬─────────────┬────────────┬─────────────┐
│ code \\ region        ┆ Cusco (n=2) ┆ Lima (n=3) ┆ total (n=5) │
╞══════════════════════╪═════════════╪════════════╪═════════════╡
│ Return               ┆  2/2 (100%) ┆  2/3 (67%) ┆   4/5 (80%) │
│ \u{a0}\u{a0}Support on return  ┆  2/2 (100%) ┆  2/3 (67%) ┆   4/5 (80%) │
│ \u{a0}\u{a0}Mentions a year    ┆  2/2 (100%) ┆   0/3 (0%) ┆   2/5 (40%) │
│ \u{a0}\u{a0}Coded by hand only ┆    0/2 (0%) ┆   0/3 (0%) ┆    0/5 (0%) │
└──────────────────────┴─────────────┴────────────┴─────────────┘
"
    );
}

#[test]
fn where_filters_and_markdown() {
    let s = study();
    assert_eq!(
        s.run(&["matrix", "--where", "role=survivor", "--where", "region!=Cusco", "--rows", "themes", "--format", "markdown"]).ok(),
        "| code | R02 | R04 | total (n=2) |\n|---|---:|---:|---:|\n| Role of the family | 2 | 1 | 3 |\n| Return | 0 | 1 | 1 |\n"
    );
}

#[test]
fn presence_quote_and_json() {
    let s = study();
    let out = s.run(&[
        "matrix", "--cell", "presence", "--theme", "family", "--format", "markdown",
    ]);
    assert_eq!(
        out.ok(),
        "| code | R01 | R02 | R03 | R04 | m01 | total (n=5) |
|---|---:|---:|---:|---:|---:|---:|
| Role of the family | ● | ● |  | ● |  | ● |
| \u{a0}\u{a0}Family searches and reports | ● | ● |  |  |  | ● |
| \u{a0}\u{a0}\u{a0}\u{a0}Goes to the police | ● | ● |  |  |  | ● |
| \u{a0}\u{a0}Money and debts | ● | ● |  | ● |  | ● |
"
    );
    let out = s.run(&[
        "matrix", "--cell", "quote", "--width", "20", "--by", "role", "--rows", "themes",
        "--format", "markdown",
    ]);
    assert_eq!(
        out.ok(),
        "| code \\ role | relative (n=2) | survivor (n=3) | total (n=5) |
|---|---|---|---|
| Role of the family |  | A mí me apoyó mi fa… [transcripts/fg01.txt:7] |  |
| Return | Mi hija me apoyó. E… [transcripts/fg01.txt:6] | A mí me apoyó mi fa… [transcripts/fg01.txt:7] |  |
"
    );
    let json = s.run(&[
        "matrix", "--by", "role", "--rows", "themes", "--format", "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(json.ok()).unwrap();
    assert_eq!(v["cell"], "respondents");
    assert_eq!(v["columns"][0]["name"], "relative");
    assert_eq!(
        v["rows"][1]["cells"][0],
        serde_json::json!({"count": 3, "respondents": 2, "of": 2})
    );
}

#[test]
fn same_input_same_bytes() {
    let a = study()
        .run(&["matrix", "--by", "region", "--format", "csv"])
        .stdout;
    let b = study()
        .run(&["matrix", "--by", "region", "--format", "csv"])
        .stdout;
    assert_eq!(a, b);
}

#[test]
fn unknown_names_exit_2_with_a_suggestion() {
    let s = study();
    assert!(s
        .run(&["matrix", "--by", "rol"])
        .bad_input()
        .contains("did you mean `role`"));
    assert!(s
        .run(&["matrix", "--theme", "retrun"])
        .bad_input()
        .contains("did you mean `return`"));
    let run = s.run(&["matrix", "--where", "role=nobody"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("warning: --where role=nobody: no respondent has")
            && run
                .stderr
                .contains("\nerror: no excerpts to chart: the matrix would be empty"),
        "{}",
        run.stderr
    );
    assert!(s
        .run(&["matrix", "--where", "role"])
        .bad_input()
        .contains("ATTR=VALUE"));
}

#[test]
fn xlsx_workbook_with_numbers_as_numbers() {
    let s = study();
    let path = s.path().join("matrix.xlsx");
    let out = s.run(&[
        "matrix",
        "--by",
        "role",
        "--rows",
        "themes",
        "--format",
        "xlsx",
        "--output",
        path.to_str().unwrap(),
    ]);
    out.ok();
    let bytes = std::fs::read(&path).unwrap();
    let rows = crate::util::sheet_rows(&bytes, "matrix.xlsx");
    assert_eq!(
        rows,
        [
            vec![
                "code",
                "label",
                "relative (n=2)",
                "survivor (n=3)",
                "total (n=5)"
            ],
            vec!["family", "Role of the family", "0", "3", "3"],
            vec!["return", "Return", "2", "2", "4"],
        ]
    );
    // Never overwrites; needs --output.
    assert!(s
        .run(&[
            "matrix",
            "--format",
            "xlsx",
            "--output",
            path.to_str().unwrap()
        ])
        .bad_input()
        .contains("already exists"));
    assert!(s
        .run(&["matrix", "--format", "xlsx"])
        .bad_input()
        .contains("--output"));
    assert!(s
        .run(&["stats", "--format", "xlsx"])
        .bad_input()
        .contains("invalid value 'xlsx' for '--format"));
}

#[test]
fn transpose_is_refused_for_scripts_and_spreadsheets() {
    let s = study();
    let err = s.run(&["matrix", "--transpose", "--format", "csv"]);
    assert_eq!(
        err.bad_input(),
        "error: --transpose works with --format table and markdown, not --format csv
  = help: --format csv keeps one row per code so that scripts can rely on it; drop --transpose (and transpose in your spreadsheet), or use --format markdown
"
    );
    assert!(err.stdout.is_empty(), "{}", err.stdout);
    assert!(s
        .run(&["matrix", "--transpose", "--format", "json"])
        .bad_input()
        .contains("not --format json"));
    let path = s.path().join("t.xlsx");
    assert!(s
        .run(&[
            "matrix",
            "--transpose",
            "--format",
            "xlsx",
            "--output",
            path.to_str().unwrap()
        ])
        .bad_input()
        .contains("not --format xlsx"));
    assert!(!path.exists());
    // Table and Markdown transpose: respondents (or groups) become rows.
    assert_eq!(
        s.run(&[
            "matrix",
            "--transpose",
            "--rows",
            "themes",
            "--by",
            "role",
            "--format",
            "markdown"
        ])
        .ok(),
        "| role | Role of the family | Return |
|---|---:|---:|
| relative (n=2) | 0/2 (0%) | 2/2 (100%) |
| survivor (n=3) | 3/3 (100%) | 2/3 (67%) |
| total (n=5) | 3/5 (60%) | 4/5 (80%) |
"
    );
}

#[test]
fn narrow_terminals_wrap_labels_at_spaces_and_hint_when_too_wide() {
    let s = study();
    // Labels wrap at spaces to fit 72 columns.
    let fits = s.run_with_columns(72, &["matrix", "--theme", "family"]);
    assert_eq!(
        fits.ok(),
        "┌──────────────────────────┬─────┬─────┬─────┬─────┬─────┬─────────────┐
│ code                     ┆ R01 ┆ R02 ┆ R03 ┆ R04 ┆ m01 ┆ total (n=5) │
╞══════════════════════════╪═════╪═════╪═════╪═════╪═════╪═════════════╡
│ Role of the family       ┆   2 ┆   2 ┆   0 ┆   1 ┆   0 ┆           5 │
│ \u{a0}\u{a0}Family searches and    ┆   1 ┆   1 ┆   0 ┆   0 ┆   0 ┆           2 │
│ reports                  ┆     ┆     ┆     ┆     ┆     ┆             │
│ \u{a0}\u{a0}\u{a0}\u{a0}Goes to the police   ┆   1 ┆   1 ┆   0 ┆   0 ┆   0 ┆           2 │
│ \u{a0}\u{a0}Money and debts        ┆   1 ┆   1 ┆   0 ┆   1 ┆   0 ┆           3 │
└──────────────────────────┴─────┴─────┴─────┴─────┴─────┴─────────────┘
"
    );
    assert_eq!(fits.stderr, "");
    // Too many columns for 60: the table stays whole, and stderr says how
    // to narrow it.
    let wide = s.run_with_columns(60, &["matrix", "--rows", "themes"]);
    assert_eq!(
        wide.ok(),
        "┌────────────────────┬─────┬─────┬─────┬─────┬─────┬─────────────┐
│ code               ┆ R01 ┆ R02 ┆ R03 ┆ R04 ┆ m01 ┆ total (n=5) │
╞════════════════════╪═════╪═════╪═════╪═════╪═════╪═════════════╡
│ Role of the family ┆   2 ┆   2 ┆   0 ┆   1 ┆   0 ┆           5 │
│ Return             ┆   2 ┆   0 ┆   1 ┆   1 ┆   2 ┆           6 │
└────────────────────┴─────┴─────┴─────┴─────┴─────┴─────────────┘
"
    );
    assert_eq!(
        wide.stderr,
        "hint: the table is 66 columns wide, more than the 60 available; try --by ATTR, --transpose or --format csv\n"
    );
    // The hint leaves out what is already asked for.
    let wide = s.run_with_columns(40, &["matrix", "--by", "role", "--transpose"]);
    assert_eq!(
        wide.stderr,
        "hint: the table is 180 columns wide, more than the 40 available; try --format csv (without --transpose)\n"
    );
    // Other formats are not laid out for the terminal: no hint.
    let csv = s.run_with_columns(20, &["matrix", "--format", "csv"]);
    assert_eq!(csv.stderr, "");
}

#[test]
fn an_empty_codebook_is_warned_about_by_code_and_named_by_what_shows_rows() {
    let s = Study::fixture("basic");
    s.file("codebooks/main.yaml", "# themes to come\n");
    let code = s.run(&["code", "--format", "csv"]);
    assert_eq!(code.ok(), "theme,label,excerpts,respondents\n");
    assert!(
        code.stderr.starts_with(
            "warning: codebooks/main.yaml: the codebook has no themes, so no excerpt is coded (add themes and codes under `themes:`)\n"
        ),
        "{}",
        code.stderr
    );
    let hint = "  = help: add themes and codes under `themes:` in codebooks/main.yaml (`thematic codebook check` says what it lacks), or check that `codebook:` in thematic.yaml names the right file\n";
    for (args, what) in [
        (&["matrix"][..], "the matrix has no rows"),
        (&["cooccur"], "the co-occurrence table has no rows"),
        (
            &["report", "--format", "markdown"],
            "the report has nothing to show",
        ),
    ] {
        let run = s.run(args);
        assert_eq!(
            run.bad_input(),
            format!(
                "error: the codebook has no themes, so {what}\n  --> codebooks/main.yaml\n{hint}"
            ),
            "{args:?}"
        );
        assert_eq!(run.stdout, "");
    }
}

#[test]
fn where_missing_selects_the_respondents_of_the_missing_column() {
    let s = crate::util::Study::empty();
    s.file(
        "codebooks/main.yaml",
        "themes:\n  - id: t\n    codes:\n      - id: money\n        match: {any: [money]}\n",
    )
    .file(
        "transcripts/r1.txt",
        "---\nregion: North\n---\nR1: money.\n",
    )
    .file("transcripts/r2.txt", "R2: money.\n\nMore money.\n")
    .file("transcripts/r3.txt", "R3: nothing.\n");
    assert_eq!(
        s.run(&["matrix", "--by", "region", "--cell", "count", "--format", "csv"])
            .ok(),
        "code,(missing),North,total\nt,2,1,3\nt/money,2,1,3\n"
    );
    assert_eq!(
        s.run(&["matrix", "--where", "region=(missing)", "--format", "csv"])
            .ok(),
        "code,r2,r3,total\nt,2,0,2\nt/money,2,0,2\n"
    );
    assert_eq!(
        s.run(&["matrix", "--where", "region!=(missing)", "--format", "csv"])
            .ok(),
        "code,r1,total\nt,1,1\nt/money,1,1\n"
    );
}

#[test]
fn a_where_value_no_respondent_has_is_warned_about() {
    let s = crate::util::Study::empty();
    s.file(
        "codebooks/main.yaml",
        "themes:\n  - id: t\n    codes:\n      - id: money\n        match: {any: [money]}\n",
    )
    .file(
        "transcripts/r1.txt",
        "---\nprofile: survivor\n---\nR1: money.\n",
    )
    .file("transcripts/r2.txt", "R2: money.\n");
    s.run(&["code"]).ok();
    let warning = "warning: --where profile=survivors: no respondent has `profile` `survivors`, so it selects no one; check the value (`thematic matrix --by profile` shows them)\n";
    for args in [
        &["quote", "money", "--where", "profile=survivors"][..],
        &["export", "--where", "profile=survivors", "--format", "csv"],
    ] {
        let r = s.run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_eq!(
            r.stderr.matches(warning).count(),
            1,
            "{args:?}: {}",
            r.stderr
        );
    }
    // `stats` refuses a --where that keeps no excerpt, as `matrix` does:
    // a table of zeros would read as a finding.
    let r = s.run(&["stats", "--where", "profile=survivors", "--format", "csv"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(warning)
            && r.stderr
                .contains("error: no excerpts to count: --where keeps none"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
    // Values someone has, which together select no one, too.
    let r = s.run(&[
        "stats",
        "--where",
        "profile=survivor",
        "--where",
        "respondent=r2",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // A value someone has, and `(missing)`, are not warned about.
    for w in ["profile=survivor", "profile=(missing)", "profile!=survivor"] {
        let r = s.run(&["stats", "--where", w]);
        assert!(
            !r.ok().is_empty() && !r.stderr.contains("warning"),
            "{w}: {}",
            r.stderr
        );
    }
}
