//! A small fluent helper: build a study in a temp folder, run the real
//! binary on it, and look at exit code, stdout and stderr.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary study folder.
pub struct Study {
    dir: tempfile::TempDir,
}

/// What a run printed.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }
    /// Asserts exit code 2 and returns stderr.
    #[track_caller]
    pub fn bad_input(&self) -> &str {
        assert_eq!(
            self.code, 2,
            "expected exit 2\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.starts_with("error: "),
            "stderr: {}",
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "stderr: {}", self.stderr);
        &self.stderr
    }
}

impl Study {
    /// An empty study.
    pub fn empty() -> Study {
        Study {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A copy of a fixture study from tests/fixtures.
    pub fn fixture(name: &str) -> Study {
        let s = Study::empty();
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
            s.path(),
        );
        s
    }

    /// The study's folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a text file (creating folders).
    pub fn file(&self, rel: &str, text: &str) -> &Study {
        self.bytes(rel, text.as_bytes())
    }

    /// Writes a file's bytes (creating folders).
    pub fn bytes(&self, rel: &str, bytes: &[u8]) -> &Study {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
        self
    }

    /// A file's text.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).expect("read")
    }

    /// Replaces `from` (which the file must contain) by `to` in a file.
    #[track_caller]
    pub fn replace(&self, rel: &str, from: &str, to: &str) -> &Study {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} has no {from:?}");
        self.file(rel, &text.replace(from, to))
    }

    /// Removes a file.
    pub fn remove(&self, rel: &str) -> &Study {
        std::fs::remove_file(self.dir.path().join(rel)).expect("remove");
        self
    }

    /// Runs `thematic --project <study> ARGS`.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(bin());
        cmd.arg("--project").arg(self.dir.path()).args(args);
        run(cmd)
    }

    /// Runs `thematic --project <study> ARGS` with `$COLUMNS` set to `columns`
    /// (instead of 100), the width tables are laid out for.
    pub fn run_with_columns(&self, columns: u16, args: &[&str]) -> Run {
        let mut cmd = Command::new(bin());
        cmd.arg("--project").arg(self.dir.path()).args(args);
        cmd.env("COLUMNS", columns.to_string());
        run(cmd)
    }

    /// Runs `thematic --project <study> ARGS`, killing it and failing the
    /// test when it takes more than 20 s (for inputs that used to hang).
    #[track_caller]
    pub fn run_timeout(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(bin());
        cmd.arg("--project").arg(self.dir.path()).args(args);
        run_timeout(cmd, std::time::Duration::from_secs(20))
    }

    /// A command for the binary with the study as working directory.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(bin());
        cmd.current_dir(self.dir.path());
        cmd
    }
}

/// A command for the binary, with no study or working folder set.
pub fn bin_command() -> Command {
    Command::new(bin())
}

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_thematic"))
}

/// Runs a command with a fixed environment (`COLUMNS=100` unless the command
/// sets it).
pub fn run(mut cmd: Command) -> Run {
    if !cmd.get_envs().any(|(k, _)| k == "COLUMNS") {
        cmd.env("COLUMNS", "100");
    }
    cmd.env("NO_COLOR", "1");
    let out = cmd.output().expect("run thematic");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// Runs a command like [`run`], but kills it and fails the test when it
/// takes longer than `limit`, so that a regression cannot hang the tests.
#[track_caller]
pub fn run_timeout(mut cmd: Command, limit: std::time::Duration) -> Run {
    use std::io::Read;
    use std::process::Stdio;
    if !cmd.get_envs().any(|(k, _)| k == "COLUMNS") {
        cmd.env("COLUMNS", "100");
    }
    cmd.env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run thematic");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("thematic did not finish within {limit:?}: {cmd:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.join().expect("stdout")).expect("utf-8 stdout"),
        stderr: String::from_utf8(err.join().expect("stderr")).expect("utf-8 stderr"),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read fixture") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_name().to_string_lossy().starts_with(".thematic") {
            continue;
        }
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// The first worksheet of a workbook as the program reads it: the header,
/// then each row below it with text, as rows of cells.
pub fn sheet_rows(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let t = thematic::ingest::sheet::read(bytes, name).expect("readable sheet");
    std::iter::once(t.header)
        .chain(t.rows.into_iter().map(|(_, r)| r))
        .collect()
}
