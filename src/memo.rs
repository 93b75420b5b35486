//! Memos: Markdown files in the study's `memos/` folder (setting `memos:`)
//! whose front matter says what they are about:
//!
//! ```markdown
//! ---
//! about: [family_role/stigma, R07, transcripts/r07.txt:12]
//! ---
//! # Blame lands on the daughter, not the recruiter
//! …
//! ```
//!
//! `about:` names codes (a path or a unique suffix, as on the command line,
//! or an earlier id of a renamed code, with a note), respondents and
//! excerpts (by id). This module reads and resolves them;
//! `quote --memos` shows them, `chart check` refuses a memo that names
//! nothing the study has.

use std::path::Path;

use serde::Serialize;

use crate::error::{suggest, Error, Location, Result};
use crate::index::Manifest;

/// The most bytes one memo may have.
pub const MEMO: crate::input::Limit = crate::input::Limit {
    bytes: 16 << 20,
    what: "a memo",
};

/// What a memo is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum About {
    /// A code or theme (row id).
    Code(usize),
    /// A respondent (dense id).
    Respondent(usize),
    /// An excerpt, by id.
    Excerpt(String),
}

/// A memo as `quote` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemoRef {
    /// Its path, relative to the study.
    pub path: String,
    /// Its title: the first `#` heading, else its first line of text.
    pub title: String,
}

/// One memo, read and resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memo {
    /// Path and title.
    pub at: MemoRef,
    /// What it is about.
    pub about: Vec<About>,
}

/// The memos of a folder, read and resolved, with what was found on the way.
#[derive(Debug, Default)]
pub struct Read {
    /// The memos, sorted by name.
    pub memos: Vec<Memo>,
    /// Bad input, each with file:line: a memo with an entry that names
    /// nothing keeps its other entries.
    pub problems: Vec<Error>,
    /// One note per entry that names a code by an earlier id (`formerly`):
    /// `memos/x.md:3: `family_search` is now `family/search` (formerly)`.
    pub notes: Vec<String>,
}

/// The memos of the folder `dir` (shown as `shown_dir`), `*.md` sorted by
/// name, resolved against the manifest; `is_excerpt` tells whether an id
/// is an excerpt of the study, `withheld` whether it names one of a
/// respondent who withdrew consent (see [`withheld_excerpts`]).
pub fn read(
    dir: &Path,
    shown_dir: &str,
    m: &Manifest,
    is_excerpt: &dyn Fn(&str) -> bool,
    withheld: &dyn Fn(&str) -> bool,
) -> Result<Read> {
    let mut memos = Vec::new();
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    if !dir.is_dir() {
        return Ok(Read::default());
    }
    let mut names: Vec<(String, std::path::PathBuf)> = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let name = e.file_name().to_string_lossy().to_string();
        if name.ends_with(".md") && !e.path().is_dir() {
            names.push((name, e.path()));
        }
    }
    names.sort();
    for (name, path) in names {
        let shown = format!("{}/{name}", shown_dir.trim_end_matches('/'));
        let bytes = crate::input::read_user_file(&path, &shown, MEMO)?;
        let Ok(text) = String::from_utf8(bytes) else {
            problems.push(
                Error::at(Location::file(&shown), "the memo is not UTF-8")
                    .with_hint("save it as UTF-8"),
            );
            continue;
        };
        match parse(&text, &shown) {
            Ok((entries, title)) => {
                let mut about = Vec::new();
                // A memo about a respondent who withdrew consent may hold
                // their words: it is left out whole (its other entries
                // would show it under other quotes and codes).
                let gone = |entry: &str| withdrawn_named(m, entry.trim(), withheld);
                let withdrawn = entries.iter().any(|(entry, _)| gone(entry).is_some());
                for (entry, line) in entries {
                    if let Some(who) = gone(&entry) {
                        problems.push(
                            Error::at(
                                Location::line(&shown, line),
                                format!(
                                    "`about:` names `{}`, {who}: the memo may hold their words, so it is left out of every output",
                                    entry.trim()
                                ),
                            )
                            .with_hint("the team should remove the memo, or rewrite it without their words and this entry"),
                        );
                        continue;
                    }
                    match resolve(&entry, m, is_excerpt) {
                        Ok(Resolved::Now(a)) => about.push(a),
                        Ok(Resolved::Formerly(row)) => {
                            notes.push(format!(
                                "{shown}:{line}: `{}` is now `{}` (formerly)",
                                entry.trim(),
                                m.rows[row].path
                            ));
                            about.push(About::Code(row));
                        }
                        Err(Unnamed::Nothing(hint)) => problems.push(
                            Error::at(
                                Location::line(&shown, line),
                                format!("`about:` names `{entry}`, which is no code, respondent or excerpt of the study"),
                            )
                            .with_hint(hint),
                        ),
                        Err(Unnamed::Several(claims)) => problems.push(
                            Error::at(
                                Location::line(&shown, line),
                                format!(
                                    "`about:` names `{}`, an earlier name of several codes: {}",
                                    entry.trim(),
                                    crate::codebook::listed(
                                        claims.iter().map(|&r| m.rows[r].path.as_str())
                                    )
                                ),
                            )
                            .with_hint(crate::codebook::several_earlier_hint(&entry)),
                        ),
                    }
                }
                if withdrawn {
                    continue;
                }
                // A title is shown on the terminal and in every output:
                // no control characters or bidi overrides.
                let title = crate::render::safe::terminal(&title).into_owned();
                memos.push(Memo {
                    at: MemoRef { path: shown, title },
                    about,
                });
            }
            Err(e) => problems.push(e),
        }
    }
    Ok(Read {
        memos,
        problems,
        notes,
    })
}

/// The `about:` entries (each with its line) and the title of a memo.
fn parse(text: &str, shown: &str) -> Result<(Vec<(String, usize)>, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let no_about = || {
        Error::at(Location::line(shown, 1), "the memo says nothing about what it is about")
            .with_hint("start it with front matter: ---, then `about: [CODE, RESPONDENT, EXCERPT-ID]`, then ---")
    };
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return Err(no_about());
    }
    let Some(end) = lines
        .iter()
        .skip(1)
        .position(|l| matches!(l.trim_end(), "---" | "..."))
    else {
        return Err(Error::at(
            Location::line(shown, 1),
            "the front matter has no closing ---",
        )
        .with_hint("end the front matter with a line ---"));
    };
    let front = lines[1..=end].join("\n");
    crate::input::check_yaml(&front, shown)?;
    let value: serde_yaml::Value = serde_yaml::from_str(&front).map_err(|e| {
        let line = e.location().map_or(1, |l| l.line() + 1);
        Error::at(
            Location::line(shown, line),
            format!("bad front matter: {e}"),
        )
        .with_hint("write `about: [CODE, RESPONDENT, EXCERPT-ID]`")
    })?;
    let about = value.get("about").ok_or_else(no_about)?;
    let items: Vec<String> = match about {
        serde_yaml::Value::Sequence(s) => s.iter().filter_map(crate::yaml::scalar).collect(),
        v => crate::yaml::scalar(v).into_iter().collect(),
    };
    if items.is_empty() {
        return Err(no_about());
    }
    // Each entry's line: the first front-matter line that mentions it.
    let entries = items
        .into_iter()
        .map(|item| {
            let line = lines[1..=end]
                .iter()
                .position(|l| l.contains(item.as_str()))
                .map_or(2, |i| i + 2);
            (item, line)
        })
        .collect();
    let body = &lines[end + 2..];
    let title = body
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .map(|l| l.trim_start_matches('#').trim().to_string())
        .unwrap_or_default();
    Ok((entries, title))
}

/// What an `about:` entry names.
#[derive(Debug, PartialEq)]
enum Resolved {
    /// By what the study calls it now.
    Now(About),
    /// A code (row) by an earlier id in its `formerly`.
    Formerly(usize),
}

/// Why an `about:` entry names nothing.
#[derive(Debug)]
enum Unnamed {
    /// No code, respondent or excerpt has the name: the hint.
    Nothing(String),
    /// An earlier name that several codes had equally (their rows).
    Several(Vec<usize>),
}

/// What an `about:` entry names, or why it names nothing.
fn resolve(
    entry: &str,
    m: &Manifest,
    is_excerpt: &dyn Fn(&str) -> bool,
) -> Result<Resolved, Unnamed> {
    resolve_now(entry, m, is_excerpt)
        .map(Resolved::Now)
        .or_else(|hint| match crate::index::look_up(&m.rows, entry) {
            crate::index::Lookup::Formerly(row) if !entry.contains(':') => {
                Ok(Resolved::Formerly(row))
            }
            crate::index::Lookup::Several(claims) if !entry.contains(':') => {
                Err(Unnamed::Several(claims))
            }
            _ => Err(Unnamed::Nothing(hint)),
        })
}

/// How an `about:` entry names a respondent who withdrew consent, if it
/// does: their id, the id written another way (`r04`, `R4` for `R04`,
/// and what is no current respondent or code), or an excerpt of theirs
/// (`withheld`).
fn withdrawn_named(m: &Manifest, entry: &str, withheld: &dyn Fn(&str) -> bool) -> Option<String> {
    if crate::chart::withdrawn(m, entry) {
        return Some("who withdrew consent".into());
    }
    // A transcript or an excerpt id: by its file's name (`R04.txt` is
    // `R04`'s), or a transcript that held their words (as written, in
    // another case or without its folder).
    let (file, _) = file_and_tail(entry);
    if file.contains('.') {
        let name = file.rsplit('/').next().unwrap_or(file);
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
        let key = crate::ingest::respondents::id_key(stem);
        if let Some(w) = m
            .withdrawn
            .iter()
            .chain(&m.withheld)
            .find(|w| crate::ingest::respondents::id_key(w) == key)
        {
            return Some(format!("the transcript of `{w}`, who withdrew consent"));
        }
        return withheld(entry).then(|| {
            "an excerpt no longer in the study, of a transcript that held the words of a respondent who withdrew consent".into()
        });
    }
    if m.respondents.iter().any(|r| r == entry) || m.rows.iter().any(|r| r.path == entry) {
        return None;
    }
    let key = crate::ingest::respondents::id_key(entry);
    m.withdrawn
        .iter()
        .chain(&m.withheld)
        .find(|w| crate::ingest::respondents::id_key(w) == key)
        .map(|w| format!("which is `{w}` written another way, who withdrew consent"))
}

/// An `about:` entry as a transcript and, for an excerpt id, what follows
/// the path (`transcripts/r04.txt:3` → `transcripts/r04.txt`, `3`).
fn file_and_tail(entry: &str) -> (&str, Option<&str>) {
    match entry.rsplit_once(':') {
        Some((path, tail)) if tail.starts_with(|c: char| c.is_ascii_digit()) => (path, Some(tail)),
        _ => (entry, None),
    }
}

/// A test on excerpt ids.
pub type IdCheck = Box<dyn Fn(&str) -> bool>;

/// Whether an excerpt id names words of a respondent who withdrew consent:
/// an id no longer in the study of a transcript that held their words
/// (the index's details say which). Reads the details only when someone
/// withdrew.
pub fn withheld_excerpts(idx: &crate::index::StudyIndex) -> Result<IdCheck> {
    let m = &idx.manifest;
    if m.withheld.is_empty() {
        return Ok(Box::new(|_| false));
    }
    let held = crate::chart::Withheld::load(m, &idx.data_dir)?;
    let paths: Vec<&str> = m
        .file_refs()
        .into_iter()
        .map(|f| f.0)
        .filter(|p| held.whose(&format!("{p}:1")).is_some())
        .collect();
    let now: std::collections::HashSet<String> =
        idx.excerpts_of(&paths)?.into_iter().map(|e| e.id).collect();
    let held_paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    Ok(Box::new(move |entry| {
        // The file as written, in any case, with or without its folder.
        let (file, tail) = file_and_tail(entry);
        let file = file.to_lowercase();
        held_paths.iter().any(|p| {
            let lower = p.to_lowercase();
            let same = lower == file || lower.ends_with(&format!("/{file}"));
            same && tail.is_none_or(|t| !now.contains(&format!("{p}:{t}")))
        })
    }))
}

/// What an `about:` entry names by the study's current names, or the hint
/// for one that names nothing.
fn resolve_now(
    entry: &str,
    m: &Manifest,
    is_excerpt: &dyn Fn(&str) -> bool,
) -> Result<About, String> {
    let entry = entry.trim();
    if let Some(p) = m.respondents.iter().position(|r| r == entry) {
        return Ok(About::Respondent(p));
    }
    let rows: Vec<&str> = m.rows.iter().map(|r| r.path.as_str()).collect();
    if entry.contains(':') {
        return if is_excerpt(entry) {
            Ok(About::Excerpt(entry.to_string()))
        } else if let Some(to) = m.moved.get(entry).filter(|to| is_excerpt(to)) {
            Err(format!(
                "an edit of its transcript moved its text, now at {to}: write `{to}`"
            ))
        } else {
            Err("name an excerpt by its id as `thematic quote` shows it, e.g. transcripts/r07.txt:12".into())
        };
    }
    match crate::index::resolve_row(&rows, entry) {
        Ok(r) => Ok(About::Code(r)),
        Err(_) => Err(suggest(
            entry,
            rows.iter()
                .copied()
                .chain(rows.iter().map(|r| r.rsplit('/').next().unwrap_or(r)))
                .chain(m.respondents.iter().map(String::as_str)),
        )),
    }
}

/// The notes of the long coding sheets (`excerpt,code,note`), each a memo
/// about that excerpt: titled `CODER on CODE: NOTE`, its path the sheet row
/// (`codings/ana.csv:7`). The excerpt is the id as the sheet writes it (a
/// note on an excerpt that moved shows once `thematic reanchor --write`
/// has updated the sheet). A sheet that cannot be read is left to `code`
/// to report.
pub fn sheet_notes(root: &Path) -> Vec<Memo> {
    let mut out = Vec::new();
    let Ok(files) = crate::codings::sheet_files(root) else {
        return out;
    };
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let shown = format!("{}/{name}", crate::codings::DIR);
        let Ok(bytes) = crate::input::read_user_file(&path, &shown, crate::input::SHEET) else {
            continue;
        };
        let Ok(table) = crate::codings::read_table(&bytes, &shown) else {
            continue;
        };
        let col = |n: &str| table.header.iter().position(|h| h.eq_ignore_ascii_case(n));
        let (Some(excerpt), Some(code), Some(note)) = (
            col("excerpt").or_else(|| col("id")),
            col("code"),
            col("note"),
        ) else {
            continue;
        };
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
        for (row, rec) in &table.rows {
            let get = |c: usize| rec.get(c).map(|v| v.trim()).unwrap_or("");
            if get(note).is_empty() || get(excerpt).is_empty() {
                continue;
            }
            let coder = col("coder")
                .map(get)
                .filter(|c| !c.is_empty())
                .unwrap_or(stem);
            out.push(Memo {
                at: MemoRef {
                    path: format!("{shown}:{row}"),
                    title: crate::render::safe::terminal(&format!(
                        "{coder} on {}: {}",
                        get(code),
                        get(note)
                    ))
                    .into_owned(),
                },
                about: vec![About::Excerpt(get(excerpt).to_string())],
            });
        }
    }
    out
}

/// The memos about an excerpt: about its id, its respondent, or one of
/// `rows` (its codes and their ancestors), in memo order.
pub fn on<'a>(
    memos: &'a [Memo],
    id: &str,
    resp: Option<usize>,
    rows: &[usize],
) -> Vec<&'a MemoRef> {
    memos
        .iter()
        .filter(|memo| {
            memo.about.iter().any(|a| match a {
                About::Excerpt(e) => e == id,
                About::Respondent(p) => Some(*p) == resp,
                About::Code(r) => rows.contains(r),
            })
        })
        .map(|memo| &memo.at)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::RowInfo;

    fn manifest() -> Manifest {
        let mut m = Manifest::new();
        m.rows = vec![
            RowInfo {
                path: "family".into(),
                ..Default::default()
            },
            RowInfo {
                path: "family/stigma".into(),
                depth: 1,
                parent: Some(0),
                ..Default::default()
            },
        ];
        m.respondents = vec!["R07".into()];
        m
    }

    #[test]
    fn about_codes_respondents_and_excerpts() {
        let text = "---\nabout:\n  - stigma\n  - R07\n  - transcripts/r07.txt:12\n---\n\n# Blame lands on the daughter\nText.\n";
        let (entries, title) = parse(text, "memos/a.md").unwrap();
        assert_eq!(title, "Blame lands on the daughter");
        assert_eq!(
            entries,
            [
                ("stigma".to_string(), 3),
                ("R07".to_string(), 4),
                ("transcripts/r07.txt:12".to_string(), 5)
            ]
        );
        let m = manifest();
        let yes = |id: &str| id == "transcripts/r07.txt:12";
        assert_eq!(resolve_now("stigma", &m, &yes), Ok(About::Code(1)));
        assert_eq!(resolve_now("R07", &m, &yes), Ok(About::Respondent(0)));
        assert_eq!(
            resolve_now("transcripts/r07.txt:12", &m, &yes),
            Ok(About::Excerpt("transcripts/r07.txt:12".into()))
        );
        assert_eq!(
            resolve_now("stigm", &m, &yes),
            Err("did you mean `stigma`?".to_string())
        );
        assert!(resolve_now("transcripts/r07.txt:13", &m, &yes).is_err());
        // Its text moved with an edit: the hint says where.
        let mut m = m;
        m.moved.insert(
            "transcripts/r07.txt:9".into(),
            "transcripts/r07.txt:12".into(),
        );
        assert_eq!(
            resolve_now("transcripts/r07.txt:9", &m, &yes),
            Err("an edit of its transcript moved its text, now at transcripts/r07.txt:12: write `transcripts/r07.txt:12`".to_string())
        );
    }

    #[test]
    fn an_earlier_id_names_the_renamed_code_and_two_claims_are_bad_input() {
        let mut m = manifest();
        m.rows[1].formerly = vec!["blame".into()];
        let none = |_: &str| false;
        assert_eq!(
            resolve("stigma", &m, &none).ok(),
            Some(Resolved::Now(About::Code(1)))
        );
        assert_eq!(
            resolve("blame", &m, &none).ok(),
            Some(Resolved::Formerly(1))
        );
        assert_eq!(
            resolve("family/blame", &m, &none).ok(),
            Some(Resolved::Formerly(1))
        );
        assert!(matches!(
            resolve("blam", &m, &none),
            Err(Unnamed::Nothing(_))
        ));
        m.rows.push(RowInfo {
            path: "family/shame".into(),
            depth: 1,
            parent: Some(0),
            formerly: vec!["blame".into()],
            ..Default::default()
        });
        assert!(matches!(resolve("blame", &m, &none), Err(Unnamed::Several(c)) if c == [1, 2]));
        // Read from a folder: a note for the earlier id, bad input for the
        // one two codes had.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.md"),
            "---\nabout: [R07, family/blame]\n---\n# A\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("b.md"), "---\nabout: blame\n---\n# B\n").unwrap();
        m.rows.pop();
        let read = read(dir.path(), "memos", &m, &none, &none).unwrap();
        assert_eq!(
            read.notes,
            [
                "memos/a.md:2: `family/blame` is now `family/stigma` (formerly)",
                "memos/b.md:2: `blame` is now `family/stigma` (formerly)",
            ]
        );
        assert!(read.problems.is_empty());
        assert_eq!(read.memos[0].about, [About::Respondent(0), About::Code(1)]);
    }

    #[test]
    fn a_memo_without_about_is_bad_input() {
        let e = parse("# Just notes\n", "memos/b.md").unwrap_err();
        assert_eq!(e.location(), Some(&Location::line("memos/b.md", 1)));
        assert_eq!(e.exit_code(), 2);
        assert!(parse("---\ntitle: x\n---\n", "memos/b.md").is_err());
        assert!(parse("---\nabout: [\n---\n", "memos/b.md").is_err());
    }

    #[test]
    fn memos_on_an_excerpt() {
        let memo = |path: &str, about| Memo {
            at: MemoRef {
                path: path.into(),
                title: String::new(),
            },
            about,
        };
        let memos = vec![
            memo("memos/a.md", vec![About::Code(0)]),
            memo("memos/b.md", vec![About::Excerpt("x.txt:1".into())]),
            memo("memos/c.md", vec![About::Respondent(3)]),
        ];
        let paths = |v: Vec<&MemoRef>| v.into_iter().map(|m| m.path.clone()).collect::<Vec<_>>();
        assert_eq!(
            paths(on(&memos, "x.txt:1", Some(1), &[0, 1])),
            ["memos/a.md", "memos/b.md"]
        );
        assert_eq!(paths(on(&memos, "x.txt:2", Some(3), &[])), ["memos/c.md"]);
    }
}
