//! The one error type of `thematic`: what went wrong, where, what to do, and
//! the exit code it maps to (2 for bad input or usage, 1 for failures while
//! running). `main` prints it once.

use std::fmt;
use std::path::Path;

/// Where in a user's file an error was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as the user would type it (relative to the study when possible).
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub col: Option<usize>,
}

impl Location {
    /// A whole file.
    pub fn file(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            line: None,
            col: None,
        }
    }
    /// A line of a file.
    pub fn line(path: impl Into<String>, line: usize) -> Self {
        Location {
            path: path.into(),
            line: Some(line),
            col: None,
        }
    }
    /// A line and column of a file.
    pub fn at(path: impl Into<String>, line: usize, col: usize) -> Self {
        Location {
            path: path.into(),
            line: Some(line),
            col: Some(col),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.col {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// Every failure `thematic` reports.
#[derive(Debug)]
pub enum Error {
    /// Bad input or usage: a bad file, an unknown code, a bad flag value. Exit 2.
    Input {
        /// What is wrong.
        message: String,
        /// Where, when it is in a file.
        location: Option<Location>,
        /// What to do about it.
        hint: Option<String>,
    },
    /// A failure while running (I/O, the index). Exit 1.
    Failure {
        /// What failed.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
    /// Several problems found in one pass over a file (each an `Input`
    /// error with its own location), so that one run lists them all. Exit 2.
    Several {
        /// The problems, in file order.
        errors: Vec<Error>,
        /// The closing line: how many problems, and where.
        summary: String,
    },
    /// Writing to stdout failed because the reader went away (`| head`).
    BrokenPipe,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Bad input with no location.
    pub fn input(message: impl Into<String>) -> Self {
        Error::Input {
            message: message.into(),
            location: None,
            hint: None,
        }
    }
    /// Bad input found at a place in a file.
    pub fn at(location: Location, message: impl Into<String>) -> Self {
        Error::Input {
            message: message.into(),
            location: Some(location),
            hint: None,
        }
    }
    /// A failure while running.
    pub fn failure(message: impl Into<String>) -> Self {
        Error::Failure {
            message: message.into(),
            hint: None,
        }
    }
    /// An I/O failure on a path; a missing or unreadable input is bad input.
    pub fn io(path: &Path, err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            return Error::BrokenPipe;
        }
        let shown = path.display().to_string();
        match err.kind() {
            std::io::ErrorKind::NotFound => {
                Error::at(Location::file(shown), "file or folder not found")
                    .with_hint("check the path (in thematic.yaml or on the command line)")
            }
            std::io::ErrorKind::PermissionDenied => {
                Error::at(Location::file(shown), "permission denied")
                    .with_hint("check the file's permissions")
            }
            _ if disk_problem(&err).is_some() => disk_error(&err, &shown),
            _ => Error::Failure {
                message: format!("{shown}: {err}"),
                hint: None,
            },
        }
    }
    /// All of `errors` at once (one error stays itself); `what` names the
    /// file for the closing line, e.g. `codebooks/main.yaml`.
    pub fn several(mut errors: Vec<Error>, what: &str) -> Self {
        if errors.len() == 1 {
            return errors.remove(0);
        }
        let summary = format!(
            "{what} has {} errors; fix them and run the command again",
            errors.len()
        );
        Error::Several { errors, summary }
    }
    /// Adds (or replaces) the hint.
    pub fn with_hint(mut self, text: impl Into<String>) -> Self {
        match &mut self {
            Error::Input { hint, .. } | Error::Failure { hint, .. } => *hint = Some(text.into()),
            Error::Several { .. } | Error::BrokenPipe => {}
        }
        self
    }
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input { .. } => 2,
            Error::Failure { .. } => 1,
            Error::Several { errors, .. } => errors.iter().map(Error::exit_code).max().unwrap_or(2),
            Error::BrokenPipe => 0,
        }
    }
    /// Where the error was found, when it is one place in a file.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Input { location, .. } => location.as_ref(),
            _ => None,
        }
    }
    /// True when the error is a closed stdout, which exits quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::BrokenPipe)
    }
    /// The text `main` prints: `error: …`, then `--> file:line:col`, then the hint.
    pub fn report(&self) -> String {
        // Messages quote transcripts and file names: no escape sequence of
        // theirs reaches the terminal.
        crate::render::safe::terminal(&self.report_raw()).into_owned()
    }

    fn report_raw(&self) -> String {
        match self {
            Error::Input {
                message,
                location,
                hint,
            } => {
                let mut out = format!("error: {message}");
                if let Some(loc) = location {
                    out.push_str(&format!("\n  --> {loc}"));
                }
                if let Some(hint) = hint {
                    out.push_str(&format!("\n  = help: {hint}"));
                }
                out
            }
            Error::Failure { message, hint } => {
                let mut out = format!("error: {message}");
                if let Some(hint) = hint {
                    out.push_str(&format!("\n  = help: {hint}"));
                }
                out
            }
            Error::Several { errors, summary } => {
                let mut out = String::new();
                for e in errors {
                    out.push_str(&e.report());
                    out.push_str("\n\n");
                }
                out.push_str(&format!("error: {summary}"));
                out
            }
            Error::BrokenPipe => String::new(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report())
    }
}

impl std::error::Error for Error {}

/// What a disk or file system refused, in words, for the errors a user
/// can act on: a full disk, a quota, a read-only file system.
pub fn disk_problem(err: &std::io::Error) -> Option<&'static str> {
    use std::io::ErrorKind;
    // Raw errno values are Linux's (ENOSPC 28, EROFS 30, EDQUOT 122), for
    // errors that reach us without a kind (through a library's message).
    match (err.kind(), err.raw_os_error()) {
        (ErrorKind::StorageFull, _) | (_, Some(28)) => Some("no space left on device"),
        (ErrorKind::ReadOnlyFilesystem, _) | (_, Some(30)) => Some("read-only file system"),
        (ErrorKind::QuotaExceeded, _) | (_, Some(122)) => Some("disk quota exceeded"),
        _ => None,
    }
}

/// A disk error on `shown` (see [`disk_problem`]): `no space left on
/// device (path)`, with what to do.
fn disk_error(err: &std::io::Error, shown: &str) -> Error {
    let what = disk_problem(err).unwrap_or("input/output error");
    let hint = if what == "read-only file system" {
        "run thematic on a copy of the study on a writable disk"
    } else {
        "free some disk space, then run the command again (what was committed before is intact)"
    };
    Error::failure(format!("{what} ({shown})")).with_hint(hint)
}

/// The I/O error inside a tantivy error, and the file it names if any.
fn tantivy_io(err: &tantivy::TantivyError) -> Option<(&std::io::Error, Option<&Path>)> {
    use tantivy::directory::error::{LockError, OpenReadError, OpenWriteError};
    use tantivy::TantivyError as T;
    match err {
        T::IoError(e) | T::LockFailure(LockError::IoError(e), _) => Some((e, None)),
        T::OpenWriteError(OpenWriteError::IoError { io_error, filepath })
        | T::OpenReadError(OpenReadError::IoError { io_error, filepath }) => {
            Some((io_error, Some(filepath.as_path())))
        }
        _ => None,
    }
}

impl Error {
    /// A tantivy error on the index in `dir`: a full disk, a read-only or
    /// unwritable folder and a busy lock are said as such.
    pub fn from_tantivy(err: tantivy::TantivyError, dir: &Path) -> Self {
        use tantivy::directory::error::LockError;
        if let Some((io, file)) = tantivy_io(&err) {
            let shown = file.map_or_else(|| dir.to_path_buf(), |f| dir.join(f));
            let shown = shown.display().to_string();
            if disk_problem(io).is_some() {
                return disk_error(io, &shown);
            }
            if io.kind() == std::io::ErrorKind::PermissionDenied {
                return Error::failure(format!(
                    "cannot write to the study's index: permission denied ({shown})"
                ))
                .with_hint(
                    "reading an up-to-date index needs no write access; to update it, \
                     run thematic as a user who may write to the study's .thematic/ folder",
                );
            }
        }
        // Some of tantivy's errors carry the I/O error only as text
        // (`Internal error: 'No space left on device (os error 28)'`).
        let text = err.to_string();
        if let Some(code) = text
            .split("(os error ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .and_then(|n| n.parse::<i32>().ok())
        {
            let io = std::io::Error::from_raw_os_error(code);
            if disk_problem(&io).is_some() {
                return disk_error(&io, &dir.display().to_string());
            }
        }
        if matches!(
            err,
            tantivy::TantivyError::LockFailure(LockError::LockBusy, _)
        ) {
            return Error::Failure {
                message: "another thematic command is updating this study's index".into(),
                hint: Some("wait for it to finish, then run the command again".into()),
            };
        }
        Error::Failure {
            message: format!("index: {err}"),
            hint: Some("delete the study's .thematic/ folder and run `thematic code` again".into()),
        }
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(err: tantivy::TantivyError) -> Self {
        Error::from_tantivy(err, Path::new(".thematic/index"))
    }
}

/// The closest of `candidates` to `name`, for "did you mean" hints.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for cand in candidates {
        let d = edit_distance(name, cand);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    best.filter(|(d, c)| *d <= (c.chars().count().max(name.chars().count()) / 2).max(2))
        .map(|(_, c)| c)
}

/// A hint naming the closest candidate, or listing a few when none is close.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match closest(name, candidates.clone()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => {
            // Each name once (a theme's id is also its path).
            let mut all: Vec<&str> = Vec::new();
            for c in candidates {
                if !all.contains(&c) {
                    all.push(c);
                }
                if all.len() == 8 {
                    break;
                }
            }
            if all.is_empty() {
                "there is nothing to choose from".to_string()
            } else {
                format!("valid names include: {}", all.join(", "))
            }
        }
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_exit_2_and_show_location() {
        let e = Error::at(
            Location::at("codebooks/main.yaml", 12, 7),
            "unknown key `lable`",
        )
        .with_hint("did you mean `label`?");
        assert_eq!(e.exit_code(), 2);
        assert_eq!(e.report(), "error: unknown key `lable`\n  --> codebooks/main.yaml:12:7\n  = help: did you mean `label`?");
    }

    #[test]
    fn several_errors_print_each_then_a_count() {
        let one = Error::at(Location::at("cb.yaml", 3, 5), "unknown key `lable`");
        let two = Error::at(Location::line("cb.yaml", 9), "duplicate theme id `a`");
        let e = Error::several(vec![one, two], "cb.yaml");
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.report(),
            "error: unknown key `lable`\n  --> cb.yaml:3:5\n\nerror: duplicate theme id `a`\n  --> cb.yaml:9\n\nerror: cb.yaml has 2 errors; fix them and run the command again"
        );
        let single = Error::several(vec![Error::input("x")], "cb.yaml");
        assert_eq!(single.report(), "error: x");
    }

    #[test]
    fn a_full_disk_is_said_with_the_path() {
        let full = std::io::Error::from_raw_os_error(28);
        assert_eq!(
            Error::io(Path::new("out/matrix.csv"), full).report(),
            "error: no space left on device (out/matrix.csv)\n  = help: free some disk space, \
             then run the command again (what was committed before is intact)"
        );
        let kind = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert!(Error::io(Path::new("x"), kind)
            .report()
            .starts_with("error: no space left on device (x)"));
        let ro = std::io::Error::from_raw_os_error(30);
        assert!(Error::io(Path::new("x"), ro)
            .report()
            .starts_with("error: read-only file system (x)"));
    }

    #[test]
    fn tantivy_errors_name_the_disk_problem_and_the_file() {
        use std::sync::Arc;
        use tantivy::directory::error::{LockError, OpenWriteError};
        use tantivy::TantivyError as T;
        let dir = Path::new("study/.thematic/index");
        let full = || Arc::new(std::io::Error::from_raw_os_error(28));
        let e = Error::from_tantivy(T::IoError(full()), dir);
        assert!(
            e.report()
                .starts_with("error: no space left on device (study/.thematic/index)\n"),
            "{}",
            e.report()
        );
        let e = Error::from_tantivy(
            T::OpenWriteError(OpenWriteError::IoError {
                io_error: full(),
                filepath: "abc.store".into(),
            }),
            dir,
        );
        assert!(e
            .report()
            .starts_with("error: no space left on device (study/.thematic/index/abc.store)\n"));
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let e = Error::from_tantivy(
            T::LockFailure(LockError::IoError(Arc::new(denied)), None),
            dir,
        );
        assert!(e.report().starts_with(
            "error: cannot write to the study's index: permission denied (study/.thematic/index)\n"
        ));
        // As tantivy reports a full disk while committing.
        let e = Error::from_tantivy(
            T::InternalError("No space left on device (os error 28)".into()),
            dir,
        );
        assert!(e
            .report()
            .starts_with("error: no space left on device (study/.thematic/index)\n"));
        let e = Error::from_tantivy(T::LockFailure(LockError::LockBusy, None), dir);
        assert!(e
            .report()
            .starts_with("error: another thematic command is updating this study's index"));
    }

    #[test]
    fn closest_name() {
        assert_eq!(
            closest("famly_role", ["family_role", "justice"]),
            Some("family_role")
        );
        assert_eq!(closest("zzzzzzzz", ["family_role"]), None);
    }
}
