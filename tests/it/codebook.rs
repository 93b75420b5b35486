//! `thematic codebook check|fmt|show|diff|export|import`.

use std::path::Path;

use crate::util::Study;

const MESSY: &str = "# Our codebook. Keep this note.
themes:
- codes:
  - match:
      any: [report*, \"police station\"]   # from the pilot
    id: search
    label: 'Searches'
  id: family
";

#[test]
fn fmt_prints_writes_and_checks_keeping_comments() {
    let s = Study::fixture("basic");
    s.file("cb.yaml", MESSY);
    let want = "# Our codebook. Keep this note.
themes:
  - id: family
    codes:
      - id: search
        label: Searches
        match:
          any: [report*, police station]  # from the pilot
";
    assert_eq!(s.run(&["codebook", "fmt", "cb.yaml"]).ok(), want);
    assert_eq!(s.run(&["codebook", "fmt", "cb.yaml", "--check"]).code, 1);
    assert_eq!(
        std::fs::read_to_string(s.path().join("cb.yaml")).unwrap(),
        MESSY,
        "fmt without --write never writes"
    );
    s.run(&["codebook", "fmt", "cb.yaml", "--write"]).ok();
    assert_eq!(
        std::fs::read_to_string(s.path().join("cb.yaml")).unwrap(),
        want
    );
    s.run(&["codebook", "fmt", "cb.yaml", "--check"]).ok();
    s.file("bad.yaml", "themes:\n  - id: a\n    lable: x\n");
    assert!(s
        .run(&["codebook", "fmt", "bad.yaml"])
        .bad_input()
        .contains("bad.yaml:3:5"));
}

#[test]
fn diff_files_and_git_revisions() {
    let s = Study::fixture("basic");
    let old = std::fs::read_to_string(s.path().join("codebooks/main.yaml")).unwrap();
    let new = old
        .replace("      - id: money\n        label: Money and debts\n", "      - id: money_and_debts\n        label: Money and debts\n        formerly: [money]\n")
        .replace("any: [took care, me apoyó, support*]", "any: [took care, me apoyó, support*, cuidó]")
        .replace("      - id: hand\n        label: Coded by hand only\n", "");
    s.file("new.yaml", &new);
    let out = s.run(&[
        "codebook",
        "diff",
        "codebooks/main.yaml",
        "new.yaml",
        "--exit-code",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "renamed  family/money -> family/money_and_debts
changed  return/support
    match.any: +cuidó
removed  return/hand
"
    );
    s.run(&[
        "codebook",
        "diff",
        "codebooks/main.yaml",
        "codebooks/main.yaml",
        "--exit-code",
    ])
    .ok();
    let md = s.run(&[
        "codebook",
        "diff",
        "codebooks/main.yaml",
        "new.yaml",
        "--format",
        "markdown",
    ]);
    assert!(
        md.ok()
            .starts_with("- renamed  `family/money` -> `family/money_and_debts`\n"),
        "{}",
        md.stdout
    );

    let impact = s.run(&[
        "codebook",
        "diff",
        "codebooks/main.yaml",
        "new.yaml",
        "--impact",
        "--format",
        "json",
    ]);
    // A rename with the same rules, a term no excerpt has, a removed code
    // coded by hand only: no figure changes.
    let v: serde_json::Value = serde_json::from_str(impact.ok()).unwrap();
    assert_eq!(v["impact"], serde_json::json!([]));

    // git REV:PATH
    let git = |args: &[&str]| {
        let st = std::process::Command::new("git")
            .current_dir(s.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.org",
        "add",
        "codebooks/main.yaml",
    ]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.org",
        "commit",
        "-qm",
        "codebook",
    ]);
    s.file("codebooks/main.yaml", &new);
    let out = s.run(&[
        "codebook",
        "diff",
        "HEAD:codebooks/main.yaml",
        "codebooks/main.yaml",
    ]);
    assert!(
        out.ok()
            .starts_with("renamed  family/money -> family/money_and_debts\n"),
        "{}",
        out.stdout
    );
    assert!(s
        .run(&[
            "codebook",
            "diff",
            "NOPE:codebooks/main.yaml",
            "codebooks/main.yaml"
        ])
        .bad_input()
        .contains("cannot read"));
    // `fmt` prints or checks a version in git; it cannot write one.
    let printed = s.run(&["codebook", "fmt", "HEAD:codebooks/main.yaml"]);
    assert!(printed.ok().contains("money"), "{}", printed.stdout);
    let check = s.run(&["codebook", "fmt", "--check", "HEAD:codebooks/main.yaml"]);
    assert!(check.code == 0 || check.code == 1, "{}", check.stderr);
    assert!(s
        .run(&["codebook", "fmt", "--write", "HEAD:codebooks/main.yaml"])
        .bad_input()
        .contains("is a version in git: `fmt --write` rewrites a file"));
}

#[test]
fn check_lints_and_strict() {
    let s = Study::fixture("basic");
    let out = s.run(&["codebook", "check"]);
    assert_eq!(
        out.ok(),
        "codebooks/main.yaml:7: warning: code `family/search` has no definition
codebooks/main.yaml:10: warning: term `denuncia` in `family/search` match.any matches no excerpt in the study
codebooks/main.yaml:12: warning: code `family/search/police` has no definition
codebooks/main.yaml:17: warning: code `family/money` has no definition
codebooks/main.yaml:25: warning: code `return/support` has no definition
codebooks/main.yaml:29: warning: code `return/dates` has no definition
codebooks/main.yaml:33: warning: code `return/hand` has no definition
codebooks/main.yaml:33: warning: code `return/hand` has no rule and no human coding
"
    );
    assert_eq!(s.run(&["codebook", "check", "--strict"]).code, 1);
    s.file(
        "codebooks/main.yaml",
        "themes:\n  - id: a\n    codes:\n      - id: b\n        match: {any: ['x*y']}\n",
    );
    assert!(s
        .run(&["codebook", "check"])
        .bad_input()
        .contains("codebooks/main.yaml:5"));
}

#[test]
fn show_formats() {
    let s = Study::fixture("basic");
    let csv = s.run(&["codebook", "show", "--format", "csv"]);
    assert!(csv.ok().starts_with("code,depth,label,definition,include,exclude,example,origin,any,all,none,regex\nfamily,0,Role of the family,"), "{}", csv.stdout);
    assert!(
        csv.stdout
            .contains("family/money,1,Money and debts,,,,,,money; dinero; deuda*,famil*,,\n"),
        "{}",
        csv.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(s.run(&["codebook", "show", "--format", "json"]).ok()).unwrap();
    assert_eq!(json["themes"][0]["codes"][0]["codes"][0]["id"], "police");
    s.run(&["code"]).ok();
    let tree = s.run(&["codebook", "show"]);
    assert!(
        tree.ok()
            .contains("\n  money  Money and debts  (3 excerpts, 3 respondents)\n"),
        "{}",
        tree.stdout
    );
    assert!(
        tree.stdout
            .contains("  hand  Coded by hand only  [by hand]  (0 excerpts, 0 respondents)\n"),
        "{}",
        tree.stdout
    );
    let md = s.run(&["codebook", "show", "--format", "markdown"]);
    assert!(md.ok().contains("## Return (`return`)\n"), "{}", md.stdout);
}

#[test]
fn refi_qda_export_and_import() {
    let s = Study::fixture("basic");
    let xml = s.run(&["codebook", "export", "--format", "qdc"]);
    let xml = xml.ok().to_string();
    assert!(xml.contains("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\""));
    assert!(xml.contains("name=\"Role of the family\" isCodable=\"false\""));
    assert_eq!(
        xml,
        s.run(&["codebook", "export"]).stdout,
        "deterministic GUIDs"
    );
    s.file("export.qdc", &xml);
    let yaml = s.run(&["codebook", "import", "export.qdc"]);
    // Ids survive the trip (they used to be made again from the labels).
    assert!(yaml.ok().contains("  - id: family\n    label: Role of the family\n    codes:\n      - id: search\n        label: Family searches and reports\n"), "{}", yaml.stdout);
    s.file("imported.yaml", &yaml.stdout);
    s.run(&["codebook", "check", "imported.yaml"]).ok();
    s.file("broken.qdc", "<CodeBook><Codes><Code name='x'></Codes>");
    assert!(s
        .run(&["codebook", "import", "broken.qdc"])
        .bad_input()
        .contains("broken.qdc"));
}

/// `codebook export` then `codebook import` gives back the same codebook:
/// `codebook diff` sees no change (ids, labels, rules, origin, formerly).
#[test]
fn qdc_round_trip_shows_no_change_in_diff() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/peru-family-study/codebooks/main.yaml");
    let s = Study::fixture("basic");
    s.file(
        "codebooks/example.yaml",
        &std::fs::read_to_string(example).unwrap(),
    );
    s.replace(
        "codebooks/main.yaml",
        "      - id: money\n",
        "      - id: money\n        origin: emergent\n        formerly: [debts, family_money]\n",
    );
    for cb in ["codebooks/main.yaml", "codebooks/example.yaml"] {
        let qdc = format!("{cb}.qdc");
        let back = format!("{cb}.back.yaml");
        let out = s.path().join(&qdc);
        s.run(&["codebook", "export", cb, "--output", out.to_str().unwrap()])
            .ok();
        let yaml = s.run(&["codebook", "import", &qdc]);
        assert_eq!(yaml.stderr, "");
        s.file(&back, yaml.ok());
        assert_eq!(
            s.run(&["codebook", "diff", cb, &back, "--exit-code"]).ok(),
            "",
            "{cb}"
        );
        let json = |f: &str| {
            let v: serde_json::Value =
                serde_json::from_str(s.run(&["codebook", "show", f, "--format", "json"]).ok())
                    .unwrap();
            v["themes"].clone()
        };
        assert_eq!(json(&back), json(cb), "{cb}");
    }
    assert!(s
        .read("codebooks/main.yaml.back.yaml")
        .contains("        formerly: [debts, family_money]\n"));
}

#[test]
fn formatting_never_changes_the_meaning() {
    let s = Study::fixture("basic");
    s.file("cb.yaml", MESSY);
    let before = s
        .run(&["codebook", "show", "cb.yaml", "--format", "json"])
        .ok()
        .to_string();
    s.run(&["codebook", "fmt", "cb.yaml", "--write"]).ok();
    assert_eq!(
        s.run(&["codebook", "show", "cb.yaml", "--format", "json"])
            .ok(),
        before
    );
    let fixture = s
        .run(&["codebook", "show", "--format", "json"])
        .ok()
        .to_string();
    s.run(&["codebook", "fmt", "codebooks/main.yaml", "--write"])
        .ok();
    assert_eq!(
        s.run(&["codebook", "show", "--format", "json"]).ok(),
        fixture
    );
}

#[test]
fn qdc_elements_follow_the_schema_order() {
    // Codebook.xsd: CodeBook → Codes (→ Code*) [→ Sets]; Code → Description? then Code*.
    let s = Study::fixture("basic");
    s.replace(
        "codebooks/main.yaml",
        "    label: Role of the family\n",
        "    label: Role of the family\n    description: Relatives & their part.\n",
    );
    let xml = s.run(&["codebook", "export"]).ok().to_string();
    let tags: Vec<&str> = xml
        .split('<')
        .skip(1)
        .map(|t| t.split([' ', '>', '/']).next().unwrap_or(""))
        .filter(|t| !t.is_empty() && !t.starts_with('?'))
        .collect();
    assert_eq!(
        &tags[..5],
        ["CodeBook", "Codes", "Code", "Description", "Code"],
        "{xml}"
    );
    assert!(
        xml.contains("<Description>Relatives &amp; their part.\nId: family</Description>"),
        "{xml}"
    );
    // Within every Code, a Description never follows a child Code.
    let mut stack: Vec<bool> = Vec::new();
    for part in xml.split('<').skip(1) {
        if part.starts_with("Code ") {
            if let Some(seen_child) = stack.last_mut() {
                *seen_child = true;
            }
            if !part.trim_end().ends_with("/>") {
                stack.push(false);
            }
        } else if part.starts_with("/Code>") {
            stack.pop();
        } else if part.starts_with("Description>") {
            assert_eq!(
                stack.last(),
                Some(&false),
                "Description after a child Code:\n{xml}"
            );
        }
    }
}

/// Four different mistakes, each on its own line of a fictional codebook.
const FOUR_MISTAKES: &str = "codebook: Reintegración familiar
themes:
  - id: familia
    label: Familia
    codes:
      - id: Busqueda
        definition: Relatives look for the victim or report the disappearance.
        match:
          any: [denuncia*, bus*car]
      - id: deudas
        defintion: Debts owed to the recruiter.
        match:
          regex: ['(préstamo']
";

#[test]
fn check_reports_every_error_in_one_run() {
    let s = Study::fixture("basic");
    s.file("codebooks/main.yaml", FOUR_MISTAKES);
    let out = s.run(&["codebook", "check"]);
    let err = out.bad_input();
    assert_eq!(
        err,
        "error: bad code under `familia` id `Busqueda`: ids are lowercase letters, digits and `_`
  --> codebooks/main.yaml:6:13
  = help: use e.g. `busqueda` (keep the readable name in `label:`)

error: bad term `bus*car` in `familia/Busqueda` match.any: `*` is allowed only at the end of a term (a prefix: `traffick*`)
  --> codebooks/main.yaml:9:28
  = help: write words as they appear (case and accents do not matter); use `regex:` for patterns

error: unknown field `defintion` in code `familia/deudas`
  --> codebooks/main.yaml:11:9
  = help: did you mean `definition`? (keys are checked so that typos do not pass)

error: invalid regex `(préstamo` in `familia/deudas` match.regex: error: unclosed group
  --> codebooks/main.yaml:13:20
  = help: regexes use Rust `regex` syntax; in YAML, quote them with single quotes

error: codebooks/main.yaml has 4 errors; fix them and run the command again
"
    );
    assert_eq!(out.stdout, "");
    // Every command that loads the codebook lists the same errors.
    assert_eq!(s.run(&["code"]).bad_input(), err);
}

#[test]
fn check_warns_about_an_empty_codebook_and_a_study_without_transcripts() {
    let s = Study::empty();
    s.file("codebooks/main.yaml", "# to be written after the pilot\n");
    let out = s.run(&["codebook", "check"]);
    assert_eq!(
        out.ok(),
        "codebooks/main.yaml: warning: the codebook has no themes, so nothing will be coded (add them under `themes:`; `thematic init` writes a starter codebook)
codebooks/main.yaml: warning: the study has no transcripts (no `transcripts/` folder), so terms and rules were not checked against any excerpt
"
    );
    assert_eq!(s.run(&["codebook", "check", "--strict"]).code, 1);
    s.file(
        "codebooks/main.yaml",
        "themes:\n  - id: familia\n    codes:\n      - id: deudas\n        definition: Debts owed to the recruiter.\n        match: {any: [deuda*]}\n",
    );
    std::fs::create_dir(s.path().join("transcripts")).unwrap();
    assert_eq!(
        s.run(&["codebook", "check"]).ok(),
        "codebooks/main.yaml: warning: the study has no transcripts (looked in: transcripts), so terms and rules were not checked against any excerpt
"
    );
}

#[cfg(unix)]
#[test]
fn fmt_write_goes_through_a_symlink_and_keeps_the_mode() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let s = Study::fixture("basic");
    s.file("shared/main.yaml", MESSY);
    let target = s.path().join("shared/main.yaml");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    symlink("shared/main.yaml", s.path().join("cb.yaml")).unwrap();
    s.run(&["codebook", "fmt", "cb.yaml", "--write"]).ok();
    let link = std::fs::symlink_metadata(s.path().join("cb.yaml")).unwrap();
    assert!(link.file_type().is_symlink(), "the link stays a link");
    assert_eq!(
        std::fs::read_link(s.path().join("cb.yaml")).unwrap(),
        std::path::Path::new("shared/main.yaml")
    );
    assert_eq!(
        s.read("shared/main.yaml"),
        "# Our codebook. Keep this note.
themes:
  - id: family
    codes:
      - id: search
        label: Searches
        match:
          any: [report*, police station]  # from the pilot
"
    );
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let left: Vec<_> = std::fs::read_dir(s.path().join("shared"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["main.yaml"], "no temporary file is left");
    s.run(&["codebook", "fmt", "cb.yaml", "--check"]).ok();
}

#[test]
fn fmt_keeps_what_other_yaml_readers_see() {
    let s = Study::fixture("basic");
    s.file(
        "cb.yaml",
        "themes:\n  - id: retorno\n    codes:\n      - id: apoyo\n        definition: yes\n        example: |2\n            \"Volví a casa.\"\n          # R07, Cusco\n        match:\n          any: [no, apoyo*]\n",
    );
    let want = "themes:\n  - id: retorno\n    codes:\n      - id: apoyo\n        definition: \"yes\"\n        example: |2\n            \"Volví a casa.\"\n          # R07, Cusco\n        match:\n          any: [\"no\", apoyo*]\n";
    assert_eq!(s.run(&["codebook", "fmt", "cb.yaml"]).ok(), want);
    s.run(&["codebook", "fmt", "cb.yaml", "--write"]).ok();
    assert_eq!(s.read("cb.yaml"), want);
    s.run(&["codebook", "fmt", "cb.yaml", "--check"]).ok();
    s.run(&["codebook", "check", "cb.yaml"]).ok();
}

/// The matcher is a library function (docs/scaling.md): another engine can
/// code the same text with the same rules, and gets what `thematic` counts.
#[test]
fn the_matcher_codes_text_as_a_library_function() {
    use thematic::codebook::matcher::{Matcher, Scratch};
    let s = crate::util::Study::fixture("basic");
    let cb = thematic::codebook::Codebook::load(&s.path().join("codebooks/main.yaml"), "main.yaml")
        .expect("codebook");
    let matcher = Matcher::new(&cb);
    let mut scratch = Scratch::default();
    let paths = |text: &str, scratch: &mut Scratch| -> Vec<String> {
        matcher
            .apply(text, scratch)
            .into_iter()
            .map(|n| cb.nodes[n as usize].path.clone())
            .collect()
    };
    assert_eq!(
        paths(
            "Mi madre fue a la policía; my aunt took care of me.",
            &mut scratch
        ),
        ["family/search/police", "return/support"]
    );
    assert_eq!(paths("No police came.", &mut scratch), Vec::<String>::new());
    assert_eq!(
        paths(
            "We had debts: deudas, no money for the family.",
            &mut scratch
        ),
        ["family/money"]
    );
}

#[test]
fn impact_leaves_out_respondents_who_withdrew_consent() {
    // R02 withdrew in thematic.yaml, R03 (in a focus group) in
    // respondents.csv: their excerpts are in no count, as in `stats`.
    let s = Study::empty();
    s.file("thematic.yaml", "withdrawn: [R02]\n")
        .file(
            "codebooks/main.yaml",
            "codebook: t\nversion: \"1\"\nthemes:\n  - id: inst\n    label: Instituciones\n    codes:\n      - id: police\n        label: Policía\n        definition: Police contact.\n        match: {any: [policia*, comisaria]}\n      - id: blame\n        label: Blame\n        definition: Blame.\n        match: {any: [culpa*]}\n",
        )
        .file(
            "transcripts/R01.txt",
            "Entrevistador: ¿Qué pasó?\nR01: La policía no vino.\n",
        )
        .file(
            "transcripts/R02.txt",
            "Entrevistador: ¿Qué pasó?\nR02: La policía nos pidió dinero.\n",
        )
        .file(
            "transcripts/fg.txt",
            "---\nspeakers: {Ana: R03, Luis: R04}\n---\nModerator: ¿Qué pasa?\nAna: La policía nos culpa.\nLuis: La comisaría cerró.\n",
        )
        .file("respondents.csv", "id,withdrawn\nR01,\nR02,\nR03,yes\nR04,\n");
    s.run(&["code"]).ok();
    assert_eq!(
        s.run(&["stats", "--format", "csv"]).ok(),
        "code,excerpts,respondents\ninst,2,2\ninst/police,2,2\ninst/blame,0,0\n"
    );
    s.file(
        "new.yaml",
        &s.read("codebooks/main.yaml")
            .replace("policia*, comisaria", "comisaria"),
    );
    let out = s.run(&[
        "codebook",
        "diff",
        "codebooks/main.yaml",
        "new.yaml",
        "--impact",
    ]);
    assert_eq!(
        out.ok(),
        "changed  inst/police
    match.any: -policia*

impact on the study (rules):
┌─────────────┬──────────┬─────────────┐
│ code        ┆ excerpts ┆ respondents │
╞═════════════╪══════════╪═════════════╡
│ inst        ┆ 2 -> 1   ┆ 2 -> 1      │
│ inst/police ┆ 2 -> 1   ┆ 2 -> 1      │
└─────────────┴──────────┴─────────────┘
"
    );
    // Nothing of theirs is counted when they were all a code had.
    s.file(
        "new.yaml",
        &s.read("codebooks/main.yaml")
            .replace("culpa*", "culpa*, dinero"),
    );
    let out = s.run(&[
        "codebook",
        "diff",
        "codebooks/main.yaml",
        "new.yaml",
        "--impact",
    ]);
    assert_eq!(
        out.ok(),
        "changed  inst/blame
    match.any: +dinero

impact on the study (rules): no code's excerpts or respondents change
"
    );
}
