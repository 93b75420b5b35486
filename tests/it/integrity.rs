//! Derived data that is damaged, a disk or a study that refuses writes,
//! commands racing each other, and arguments that must never become options.

use std::path::Path;
use std::process::Command;

use crate::util::{self, Study};

/// Runs `git ARGS` in `dir`, asserting success.
#[track_caller]
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn codebook_diff_never_passes_a_revision_to_git_as_an_option() {
    // The study is a folder inside the temp folder, so that `../outside`
    // stays inside the temp folder too.
    let s = Study::empty();
    let study = s.path().join("study");
    let basic = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic");
    std::fs::create_dir_all(study.join("codebooks")).unwrap();
    std::fs::copy(
        basic.join("codebooks/main.yaml"),
        study.join("codebooks/main.yaml"),
    )
    .unwrap();
    git(&study, &["init", "-q"]);
    git(&study, &["add", "codebooks/main.yaml"]);
    git(&study, &["commit", "-qm", "codebook"]);
    let mut cmd = util::bin_command();
    cmd.arg("--project").arg(&study).args([
        "codebook",
        "diff",
        "--",
        "--output=../outside:y.yaml",
        "codebooks/main.yaml",
    ]);
    let out = util::run(cmd);
    let err = out.bad_input();
    assert!(
        err.starts_with("error: cannot read `--output=../outside:y.yaml` from git: "),
        "{err}"
    );
    assert!(!s.path().join("outside").exists(), "git wrote a file");
    assert!(!study.join("outside").exists(), "git wrote a file");
}

/// A study with words tantivy's query parser would read as syntax.
fn night_study() -> Study {
    let s = Study::empty();
    s.file(
        "codebooks/main.yaml",
        "themes:\n  - id: family\n    label: Family\n    codes:\n      - id: police\n        label: Police\n        match:\n          any: [police, policía]\n",
    );
    s.file(
        "transcripts/r01.txt",
        "Interviewer: What happened that night?
R01: We met at 10:30 at the police station. I don't remember the officer.

My mother told me we don't need them, so we went home.

Interviewer: ¿Y después?
R01: Fuimos a la comisaría a las 11:45, pero no nos atendieron.
",
    );
    s.run(&["code"]).ok();
    s
}

#[test]
fn search_words_with_apostrophes_and_colons_are_tokens() {
    let s = night_study();
    let ids = |q: &str| {
        let out = s.run(&["search", q, "--format", "csv"]);
        out.ok()
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap_or("").to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(ids("don't"), "transcripts/r01.txt:4 transcripts/r01.txt:2");
    assert_eq!(ids("10:30"), "transcripts/r01.txt:2");
    assert_eq!(ids("11:45"), "transcripts/r01.txt:7");
    assert_eq!(ids("\"police station\""), "transcripts/r01.txt:2");
    assert_eq!(ids("don't AND mother"), "transcripts/r01.txt:4");
    assert_eq!(
        ids("don't OR comisaría"),
        "transcripts/r01.txt:7 transcripts/r01.txt:4 transcripts/r01.txt:2"
    );
    assert_eq!(ids("NOT don't"), "transcripts/r01.txt:7");
    assert_eq!(ids("don't -mother"), "transcripts/r01.txt:2");
    assert_eq!(
        ids("(mother OR comisaría) AND NOT police"),
        "transcripts/r01.txt:7 transcripts/r01.txt:4"
    );
}

#[test]
fn output_dash_is_stdout() {
    let s = Study::fixture("basic");
    let want = s.run(&["matrix", "--format", "csv"]).ok().to_string();
    let out = s.run(&["matrix", "--format", "csv", "--output", "-"]);
    assert_eq!(out.ok(), want);
    assert!(!s.path().join("-").exists());
    let mut cmd = s.command();
    cmd.args(["sheet", "--coder", "ana", "--output", "-"]);
    let sheet = util::run(cmd);
    assert!(
        sheet.ok().starts_with("id,respondent,coder,"),
        "{}",
        sheet.stdout
    );
    assert!(!s.path().join("-").exists());
}

/// Flips one bit of a byte of the first file in `.thematic/`
/// whose name (relative to it) starts with `prefix` and ends with `suffix`.
#[track_caller]
fn flip(s: &Study, prefix: &str, suffix: &str) -> String {
    let data = s.path().join(".thematic");
    let mut names: Vec<String> = ["", "index/"]
        .iter()
        .flat_map(|sub| {
            std::fs::read_dir(data.join(sub))
                .unwrap()
                .map(move |e| format!("{sub}{}", e.unwrap().file_name().to_string_lossy()))
        })
        .filter(|n| n.starts_with(prefix) && n.ends_with(suffix))
        .collect();
    names.sort();
    let name = names.first().expect("a file to damage").clone();
    let path = data.join(&name);
    let mut bytes = std::fs::read(&path).unwrap();
    // A third in: inside the data, not in a footer's version fields.
    let i = bytes.len() / 3;
    bytes[i] ^= 0x04;
    std::fs::write(&path, bytes).unwrap();
    format!(".thematic/{name}")
}

/// A copy of a folder's files (one level of subfolders).
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(snapshot(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

fn restore(dir: &Path, files: &[(std::path::PathBuf, Vec<u8>)]) {
    std::fs::remove_dir_all(dir).unwrap();
    for (p, bytes) in files {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

#[test]
fn damaged_derived_files_are_rebuilt_never_read() {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    // What a fresh build answers.
    let commands: [&[&str]; 4] = [
        &["matrix", "--format", "csv"],
        &["quote", "family", "--format", "csv"],
        &["search", "--uncoded", "--format", "csv"],
        &["stats", "--format", "csv"],
    ];
    let fresh: Vec<String> = commands
        .iter()
        .map(|args| s.run(args).ok().to_string())
        .collect();
    let data = s.path().join(".thematic");
    let built = snapshot(&data);
    for (prefix, suffix) in [
        ("codes-", ".bin"),
        ("details-", ".bin"),
        ("manifest-", ".bin"),
        ("index/", ".fast"),
        ("index/", ".store"),
        ("index/", ".idx"),
        ("index/", ".term"),
    ] {
        for (args, want) in commands.iter().zip(&fresh) {
            restore(&data, &built);
            let name = flip(&s, prefix, suffix);
            let out = s.run(args);
            assert_eq!(out.ok(), want, "{name} damaged, {args:?}");
            assert_eq!(
                out.stderr,
                format!("note: index out of date ({name} is damaged); updating\n"),
                "{args:?}"
            );
            // Rebuilt: the next run is quiet.
            let again = s.run(args);
            assert_eq!(again.ok(), want);
            assert_eq!(again.stderr, "", "{name}, {args:?}");
        }
    }
    // A damaged count cache is counted again.
    restore(&data, &built);
    let name = flip(&s, "counts-", "-all.bin");
    let out = s.run(&["matrix", "--format", "csv"]);
    assert_eq!(out.ok(), fresh[0]);
    assert_eq!(
        out.stderr,
        format!("note: {name} is damaged; counting again from the code table\n")
    );
    assert_eq!(s.run(&["matrix", "--format", "csv"]).stderr, "");
}

#[test]
fn code_rebuilds_an_index_tantivy_cannot_read() {
    let s = Study::fixture("basic");
    s.run(&["code", "--format", "csv"]).ok();
    let name = flip(&s, "index/", ".fast");
    let out = s.run(&["code", "--format", "csv"]);
    out.ok();
    assert!(
        out.stderr.contains(&format!(
            "coded 4 transcripts from scratch ({name} is damaged)"
        )),
        "{}",
        out.stderr
    );
    let again = s.run(&["code", "--format", "csv"]);
    assert!(again.stderr.contains("up to date"), "{}", again.stderr);
}

/// The user a read-only test runs thematic as: root ignores permissions,
/// so as root the study is given to `nobody` and run as it.
fn reader_uid() -> Option<u32> {
    let out = Command::new("id").arg("-u").output().ok()?;
    (String::from_utf8_lossy(&out.stdout).trim() == "0").then_some(65534)
}

/// Sets or clears the write bits of everything under `dir`.
fn set_writable(dir: &Path, writable: bool) {
    use std::os::unix::fs::PermissionsExt;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            set_writable(&p, writable);
        }
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        let mode = if writable {
            mode | 0o200
        } else {
            mode & !0o222
        };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let mode = std::fs::metadata(dir).unwrap().permissions().mode();
    let mode = if writable {
        mode | 0o200
    } else {
        mode & !0o222
    };
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown_all(dir: &Path, uid: u32) {
    std::os::unix::fs::chown(dir, Some(uid), Some(uid)).unwrap();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            chown_all(&p, uid);
        } else {
            std::os::unix::fs::chown(&p, Some(uid), Some(uid)).unwrap();
        }
    }
}

#[test]
fn a_read_only_study_is_read() {
    use std::os::unix::process::CommandExt;
    let s = Study::fixture("basic");
    let study = s.path().to_path_buf();
    let uid = reader_uid();
    if let Some(uid) = uid {
        chown_all(&study, uid);
    }
    let run = |args: &[&str]| {
        let mut cmd = util::bin_command();
        if let Some(uid) = uid {
            cmd.uid(uid).gid(uid);
        }
        cmd.arg("--project").arg(&study).args(args);
        util::run(cmd)
    };
    run(&["code"]).ok();
    let matrix = run(&["matrix", "--format", "csv"]).ok().to_string();
    let quotes = run(&["quote", "family", "--format", "csv"])
        .ok()
        .to_string();
    set_writable(&study, false);
    let out = run(&["matrix", "--format", "csv"]);
    assert_eq!(out.ok(), matrix);
    assert_eq!(out.stderr, "");
    assert_eq!(run(&["quote", "family", "--format", "csv"]).ok(), quotes);
    // Touched, not changed: still read.
    let r01 = study.join("transcripts/r01.txt");
    let text = std::fs::read(&r01).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&r01)
        .or_else(|_| {
            set_writable(&study, true);
            std::fs::File::options().write(true).open(&r01)
        })
        .unwrap()
        .set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    set_writable(&study, false);
    assert_eq!(run(&["matrix", "--format", "csv"]).ok(), matrix);
    // Changed: the index must be written, and the error says why.
    set_writable(&study, true);
    let mut more = text.clone();
    more.extend_from_slice(b"\nMy brother looked for work in Lima.\n");
    std::fs::write(&r01, more).unwrap();
    set_writable(&study, false);
    let out = run(&["matrix", "--format", "csv"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error: cannot write to the study's index: permission denied"),
        "{}",
        out.stderr
    );
    set_writable(&study, true);
}

/// The side files of each commit in `.thematic/` (manifest, details and
/// code table), by commit.
fn side_files(s: &Study) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for e in std::fs::read_dir(s.path().join(".thematic")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        for kind in ["manifest-", "details-", "codes-"] {
            if let Some(rest) = name.strip_prefix(kind) {
                let head = rest.split('.').next().unwrap().to_string();
                out.entry(head).or_default().push(kind.to_string());
            }
        }
    }
    for kinds in out.values_mut() {
        kinds.sort();
    }
    out
}

#[test]
fn a_commit_keeps_the_previous_commits_files_for_its_readers() {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    let first: Vec<String> = side_files(&s).into_keys().collect();
    assert_eq!(first.len(), 1);
    s.replace("transcripts/r01.txt", "My aunt", "My aunt Rosa");
    s.run(&["code"]).ok();
    let second = side_files(&s);
    assert_eq!(second.len(), 2, "{second:?}");
    assert!(second.contains_key(&first[0]));
    assert!(second
        .values()
        .all(|k| k == &["codes-", "details-", "manifest-"]));
    s.replace("transcripts/r01.txt", "My aunt Rosa", "My aunt Rosa María");
    s.run(&["code"]).ok();
    let third = side_files(&s);
    assert_eq!(third.len(), 2, "{third:?}");
    assert!(
        !third.contains_key(&first[0]),
        "the oldest commit's files go"
    );
}

#[test]
fn reading_while_the_index_is_rewritten_never_fails() {
    // Readers in a loop while `code` commits again and again: a reader
    // answers from the commit it opened, or (with --frozen) says that the
    // index is out of date; it never fails on files a commit removed.
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (runs, failures, writes) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut failures = Vec::new();
            let mut runs = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && runs < 400 {
                for command in ["matrix", "transcripts"] {
                    let out = s.run(&[command, "--frozen", "--format", "csv"]);
                    runs += 1;
                    if out.code != 0 && !out.stderr.contains("--frozen was given") {
                        failures.push(out.stderr);
                    }
                }
            }
            (runs, failures)
        });
        let mut writes = Vec::new();
        for i in 0..12 {
            s.file(
                "transcripts/r05.txt",
                &format!("R05: My cousin {i} reported it to the police.\n"),
            );
            writes.push(s.run(&["code"]).code);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (runs, failures) = reader.join().unwrap();
        (runs, failures, writes)
    });
    assert!(writes.iter().all(|&c| c == 0), "{writes:?}");
    assert!(runs > 0);
    assert!(
        failures.is_empty(),
        "{} of {runs}: {failures:?}",
        failures.len()
    );
}

#[test]
fn segment_files_no_commit_names_are_removed_by_the_next_commit() {
    let s = Study::fixture("basic");
    s.run(&["code"]).ok();
    // What a commit that failed (a full disk, a killed run) leaves behind.
    let orphan = ".thematic/index/0123456789abcdef0123456789abcdef.store";
    s.bytes(orphan, b"half a segment");
    s.replace("transcripts/r01.txt", "My aunt", "My aunt Rosa");
    s.run(&["code"]).ok();
    assert!(!s.path().join(orphan).exists());
    assert!(s.path().join(".thematic/index/meta.json").exists());
}
