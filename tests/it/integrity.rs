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
