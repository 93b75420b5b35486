//! The plan of an index refresh: from the study as it is now (the hashes of
//! the codebook, settings, coding sheets and respondents.csv, and what the
//! stat/hash pass saw of each transcript) and the previous manifest, what
//! must be done: nothing, a re-code from the text the index holds, or an
//! update that reads transcripts. Nothing here touches a file; the
//! stat/hash pass (`scan`) and the executors (`ingest`, `recode`) do.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::Mode;
use crate::error::{Error, Result};
use crate::index::{FileEntry, Manifest};
use crate::study::Language;

/// The study as it is now, apart from its transcripts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Current<'a> {
    /// blake3 of the codebook file.
    pub codebook: &'a str,
    /// blake3 of thematic.yaml (and a forced encoding).
    pub settings: &'a str,
    /// The study's search language.
    pub language: Language,
    /// The `language` column of respondents.csv, when the file changed
    /// since the index was written (`None`: unchanged, so no transcript's
    /// language moved with it).
    pub languages: Option<&'a BTreeMap<String, Language>>,
    /// blake3 over the coding sheets (empty when there are none).
    pub codings: &'a str,
    /// blake3 of respondents.csv (empty when absent).
    pub respondents: &'a str,
    /// Why the index on disk was set aside as damaged (then there is no
    /// previous manifest, and the rebuild says this instead of "no index").
    pub damage: Option<&'a str>,
    /// The respondents who withdrew consent differ from the index's: their
    /// text must leave it, so every transcript is read into a fresh index.
    pub withdrawn_changed: bool,
    /// The fingerprint of the transcripts as listed now (see
    /// [`crate::index::listing_fingerprint`]); `None` when it was not made.
    pub listing: Option<&'a str>,
}

/// What the stat/hash pass saw of one transcript file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Observation {
    /// Path relative to the study.
    pub rel: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime: u128,
    /// blake3 of the content, when the file was read because its size or
    /// mtime differ from the manifest's.
    pub hash: Option<String>,
}

/// Why every transcript is coded again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reason {
    /// There is no index yet.
    NoIndex,
    /// The index was damaged (the text says how) and is built again.
    Damaged(String),
    /// The codebook changed.
    Codebook,
    /// thematic.yaml (or the search language) changed.
    Settings,
    /// The coding sheets changed.
    Codings,
    /// A respondent withdrew consent (or gave it back).
    Withdrawn,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::NoIndex => "no index yet",
            Reason::Damaged(why) => why,
            Reason::Codebook => "the codebook changed",
            Reason::Settings => "thematic.yaml changed",
            Reason::Codings => "the coding sheets changed",
            Reason::Withdrawn => "the respondents who withdrew consent changed",
        })
    }
}

/// A transcript to read and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    /// Its place in the observations (and the study's file list).
    pub file: usize,
    /// Path relative to the study.
    pub rel: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime: u128,
}

/// What a refresh does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plan {
    /// Nothing changed: the index answers as it is.
    UpToDate,
    /// The codebook or the coding sheets changed and no transcript or
    /// setting did: every excerpt is re-coded from the text the index holds.
    Recode(Recode),
    /// Transcripts are read (the changed ones, or all of them).
    Update(Update),
}

/// A re-code from the index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Recode {
    /// Why.
    pub reason: Reason,
    /// Every transcript, as the manifest will list it (mtimes refreshed).
    pub unchanged: BTreeMap<String, FileEntry>,
}

/// An update that reads transcripts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Update {
    /// Why every transcript is read into a fresh index; `None` when only
    /// the changed ones are.
    pub full: Option<Reason>,
    /// Whether the index is out of date; when not, the update only records
    /// the new mtimes of files touched without being changed.
    pub stale: bool,
    /// Transcripts to read, in the study's file order (path order when
    /// `full`).
    pub read: Vec<Pending>,
    /// Transcripts kept as the index has them (mtimes refreshed).
    pub unchanged: BTreeMap<String, FileEntry>,
    /// Transcripts gone from the study, to delete from the index.
    pub removed: Vec<String>,
}

impl Plan {
    /// Why the index is out of date, for the note of a reading command
    /// (`None` when it is not).
    pub(crate) fn out_of_date(&self) -> Option<String> {
        match self {
            Plan::UpToDate => None,
            Plan::Recode(r) => Some(r.reason.to_string()),
            Plan::Update(u) => match &u.full {
                Some(reason) => Some(reason.to_string()),
                None if u.stale => Some("transcripts or respondents changed".into()),
                None => None,
            },
        }
    }
}

/// Whether the index is up to date without comparing transcripts one by
/// one: nothing but the transcripts changed (codebook, settings, coding
/// sheets, respondents.csv and who withdrew are as the index has them),
/// and the fingerprint of the transcripts listed now, each one's path,
/// size and mtime, is the manifest's. Then [`plan`] would find every file
/// unchanged and none touched, added or removed, and say
/// [`Plan::UpToDate`]; it sees exactly the changes [`plan`] sees (a file
/// rewritten with its size and mtime kept escapes both).
pub(crate) fn unchanged(prev: Option<&Manifest>, now: &Current) -> bool {
    let (Some(p), Some(listing)) = (prev, now.listing) else {
        return false;
    };
    now.damage.is_none()
        && full_reason(prev, now).is_none()
        && p.respondents_hash == now.respondents
        && !p.listing.is_empty()
        && p.listing == listing
}

/// Whether the transcripts are compared with the manifest at all: not when
/// there is no index or the settings changed, since then every transcript
/// is read again into a fresh index.
pub(crate) fn compares_files(prev: Option<&Manifest>, now: &Current) -> bool {
    prev.is_some_and(|p| p.settings_hash == now.settings && p.language == now.language)
}

/// Whether the codebook or the coding sheets differ from the index's: what
/// a sheet's earlier code names resolve to may have changed, so they are
/// told again.
pub(crate) fn names_reread(prev: Option<&Manifest>, now: &Current) -> bool {
    prev.is_none_or(|p| p.codebook_hash != now.codebook || p.codings_hash != now.codings)
}

/// Why every transcript must be coded again, if it must.
fn full_reason(prev: Option<&Manifest>, now: &Current) -> Option<Reason> {
    let p = match prev {
        None => {
            return Some(
                now.damage
                    .map_or(Reason::NoIndex, |d| Reason::Damaged(d.into())),
            )
        }
        Some(p) => p,
    };
    if p.codebook_hash != now.codebook {
        Some(Reason::Codebook)
    } else if p.settings_hash != now.settings || p.language != now.language {
        Some(Reason::Settings)
    } else if now.withdrawn_changed {
        Some(Reason::Withdrawn)
    } else if p.codings_hash != now.codings {
        Some(Reason::Codings)
    } else {
        None
    }
}

/// The transcripts sorted into those to read and those the index has as
/// they are, and the ones gone.
#[derive(Debug, Default)]
struct Sorted {
    read: Vec<Pending>,
    unchanged: BTreeMap<String, FileEntry>,
    removed: Vec<String>,
}

/// Whether a transcript the index has as it is must be read again because
/// its search language changed with respondents.csv.
fn language_moved(e: &FileEntry, now: &Current) -> bool {
    now.languages.is_some_and(|table| {
        !e.follows.is_empty()
            && crate::ingest::language::followed(&e.follows, table, now.language) != e.language
    })
}

/// Compares each observed transcript with the manifest (when `compare`):
/// the same size and mtime, or else the same content hash, keeps it,
/// unless its language changed.
fn sort_files(
    prev: Option<&Manifest>,
    now: &Current,
    files: &[Observation],
    compare: bool,
) -> Sorted {
    let mut out = Sorted::default();
    let entries = prev.map(|p| &p.files).filter(|_| compare);
    for (i, f) in files.iter().enumerate() {
        let pending = || Pending {
            file: i,
            rel: f.rel.clone(),
            size: f.size,
            mtime: f.mtime,
        };
        match entries.and_then(|m| m.get(&f.rel)) {
            Some(e) if language_moved(e, now) => out.read.push(pending()),
            Some(e) if e.size == f.size && e.mtime == f.mtime => {
                out.unchanged.insert(f.rel.clone(), e.clone());
            }
            Some(e) if f.hash.as_deref() == Some(e.hash.as_str()) => {
                let entry = FileEntry {
                    size: f.size,
                    mtime: f.mtime,
                    ..e.clone()
                };
                out.unchanged.insert(f.rel.clone(), entry);
            }
            _ => out.read.push(pending()),
        }
    }
    if let Some(m) = entries {
        let listed: BTreeSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        out.removed = m
            .keys()
            .filter(|p| !listed.contains(p.as_str()))
            .cloned()
            .collect();
    }
    out
}

/// Adds the `unchanged` transcripts to those to `read`: a full re-code
/// reads every transcript, in path order.
fn read_all(
    files: &[Observation],
    read: &mut Vec<Pending>,
    unchanged: BTreeMap<String, FileEntry>,
) -> Result<()> {
    if unchanged.is_empty() {
        return Ok(());
    }
    let at: BTreeMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.rel.as_str(), i))
        .collect();
    for (rel, e) in unchanged {
        let file = at
            .get(rel.as_str())
            .copied()
            .ok_or_else(|| Error::failure("transcript list changed"))?;
        read.push(Pending {
            file,
            rel,
            size: e.size,
            mtime: e.mtime,
        });
    }
    read.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(())
}

/// Decides what a refresh does. `prev` is the index's manifest (`None`
/// without an index); `files` are the study's transcripts as the stat/hash
/// pass saw them, in the study's order. With [`Mode::Frozen`], a stale
/// index is an error; files touched without a change are then left as they
/// are.
pub(crate) fn plan(
    prev: Option<&Manifest>,
    now: &Current,
    files: &[Observation],
    mode: Mode,
) -> Result<Plan> {
    let full = full_reason(prev, now);
    let compare = compares_files(prev, now);
    let Sorted {
        mut read,
        mut unchanged,
        removed,
    } = sort_files(prev, now, files, compare);
    let files_changed = !read.is_empty() || !removed.is_empty();
    let respondents_changed = prev.map_or("", |p| p.respondents_hash.as_str()) != now.respondents;
    let stale = full.is_some() || files_changed || respondents_changed;
    let touched = unchanged.iter().any(|(path, e)| {
        prev.and_then(|p| p.files.get(path))
            .is_some_and(|old| old.mtime != e.mtime)
    });
    if !stale && (!touched || mode == Mode::Frozen) {
        return Ok(Plan::UpToDate);
    }
    if stale && mode == Mode::Frozen {
        let why = full.as_ref().map_or_else(
            || "transcripts or respondents.csv changed".to_string(),
            |r| r.to_string(),
        );
        return Err(Error::input(format!(
            "the index is out of date ({why}) and --frozen was given"
        ))
        .with_hint("run `thematic code` first, or drop --frozen"));
    }
    if let Some(reason) = &full {
        // A withdrawal rewrites the index from the transcripts: a re-code
        // would keep the withdrawn text in it.
        if compare && !files_changed && !now.withdrawn_changed {
            let reason = reason.clone();
            return Ok(Plan::Recode(Recode { reason, unchanged }));
        }
        read_all(files, &mut read, std::mem::take(&mut unchanged))?;
    }
    let removed = if full.is_some() { Vec::new() } else { removed };
    Ok(Plan::Update(Update {
        full,
        stale,
        read,
        unchanged,
        removed,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODEBOOK: &str = "cb1";
    const SETTINGS: &str = "set1";

    fn now() -> Current<'static> {
        Current {
            codebook: CODEBOOK,
            settings: SETTINGS,
            language: Language::Spanish,
            languages: None,
            codings: "",
            respondents: "resp1",
            damage: None,
            withdrawn_changed: false,
            listing: None,
        }
    }

    fn entry(id: u64, hash: &str, size: u64, mtime: u128) -> FileEntry {
        FileEntry {
            id,
            hash: hash.into(),
            size,
            mtime,
            ..Default::default()
        }
    }

    /// An index of two interviews, built from `now()`.
    fn manifest() -> Manifest {
        let mut m = Manifest::new();
        m.codebook_hash = CODEBOOK.into();
        m.settings_hash = SETTINGS.into();
        m.language = Language::Spanish;
        m.respondents_hash = "resp1".into();
        m.files
            .insert("transcripts/r01.txt".into(), entry(0, "h01", 100, 10));
        m.files
            .insert("transcripts/r02.txt".into(), entry(1, "h02", 200, 20));
        m
    }

    fn seen(rel: &str, size: u64, mtime: u128, hash: Option<&str>) -> Observation {
        Observation {
            rel: rel.into(),
            size,
            mtime,
            hash: hash.map(str::to_string),
        }
    }

    /// The two interviews as the manifest has them.
    fn same() -> Vec<Observation> {
        vec![
            seen("transcripts/r01.txt", 100, 10, None),
            seen("transcripts/r02.txt", 200, 20, None),
        ]
    }

    fn update(p: Plan) -> Update {
        match p {
            Plan::Update(u) => u,
            other => panic!("expected an update, got {other:?}"),
        }
    }

    fn rels(read: &[Pending]) -> Vec<&str> {
        read.iter().map(|p| p.rel.as_str()).collect()
    }

    #[test]
    fn a_damaged_index_is_rebuilt_saying_why() {
        let why = "the code table is damaged";
        let damaged = Current {
            damage: Some(why),
            ..now()
        };
        let p = plan(None, &damaged, &same(), Mode::Auto).unwrap();
        assert_eq!(p.out_of_date().as_deref(), Some(why));
        let u = update(p);
        assert_eq!(u.full, Some(Reason::Damaged(why.into())));
        assert_eq!(u.read.len(), 2);
        // Damage read off an index that is then reused is not a reason.
        let p = plan(Some(&manifest()), &damaged, &same(), Mode::Auto).unwrap();
        assert_eq!(p, Plan::UpToDate);
    }

    #[test]
    fn no_index_reads_everything_into_a_fresh_index() {
        let u = update(plan(None, &now(), &same(), Mode::Code).unwrap());
        assert_eq!(u.full, Some(Reason::NoIndex));
        assert!(u.stale);
        assert_eq!(
            u.read,
            vec![
                Pending {
                    file: 0,
                    rel: "transcripts/r01.txt".into(),
                    size: 100,
                    mtime: 10
                },
                Pending {
                    file: 1,
                    rel: "transcripts/r02.txt".into(),
                    size: 200,
                    mtime: 20
                },
            ]
        );
        assert!(u.unchanged.is_empty() && u.removed.is_empty());
        assert_eq!(
            Plan::Update(u).out_of_date().as_deref(),
            Some("no index yet")
        );
    }

    #[test]
    fn nothing_changed_is_up_to_date_in_every_mode() {
        let m = manifest();
        for mode in [Mode::Code, Mode::Auto, Mode::Frozen] {
            assert_eq!(
                plan(Some(&m), &now(), &same(), mode).unwrap(),
                Plan::UpToDate
            );
        }
        assert_eq!(Plan::UpToDate.out_of_date(), None);
    }

    #[test]
    fn a_touched_file_with_the_same_content_only_records_its_mtime() {
        let m = manifest();
        let mut files = same();
        files[1] = seen("transcripts/r02.txt", 200, 99, Some("h02"));
        let u = update(plan(Some(&m), &now(), &files, Mode::Code).unwrap());
        assert_eq!(u.full, None);
        assert!(!u.stale);
        assert!(u.read.is_empty() && u.removed.is_empty());
        assert_eq!(u.unchanged["transcripts/r02.txt"], entry(1, "h02", 200, 99));
        assert_eq!(u.unchanged["transcripts/r01.txt"], entry(0, "h01", 100, 10));
        // Reading commands update it without a note; --frozen leaves it.
        assert_eq!(Plan::Update(u).out_of_date(), None);
        assert_eq!(
            plan(Some(&m), &now(), &files, Mode::Frozen).unwrap(),
            Plan::UpToDate
        );
    }

    #[test]
    fn an_edited_transcript_alone_is_read_again() {
        let m = manifest();
        let mut files = same();
        files[0] = seen("transcripts/r01.txt", 130, 11, Some("h01-edited"));
        let u = update(plan(Some(&m), &now(), &files, Mode::Auto).unwrap());
        assert_eq!(u.full, None);
        assert!(u.stale);
        assert_eq!(
            u.read,
            vec![Pending {
                file: 0,
                rel: "transcripts/r01.txt".into(),
                size: 130,
                mtime: 11
            }]
        );
        assert_eq!(
            u.unchanged.keys().collect::<Vec<_>>(),
            ["transcripts/r02.txt"]
        );
        assert!(u.removed.is_empty());
        assert_eq!(
            Plan::Update(u).out_of_date().as_deref(),
            Some("transcripts or respondents changed")
        );
    }

    #[test]
    fn an_added_transcript_alone_is_read() {
        let m = manifest();
        let mut files = same();
        files.push(seen("transcripts/r03.txt", 300, 30, None));
        let u = update(plan(Some(&m), &now(), &files, Mode::Code).unwrap());
        assert_eq!(u.full, None);
        assert_eq!(rels(&u.read), ["transcripts/r03.txt"]);
        assert_eq!(u.read[0].file, 2);
        assert_eq!(u.unchanged.len(), 2);
        assert!(u.removed.is_empty());
    }

    #[test]
    fn a_removed_transcript_is_deleted_and_nothing_is_read() {
        let m = manifest();
        let files = vec![seen("transcripts/r02.txt", 200, 20, None)];
        let u = update(plan(Some(&m), &now(), &files, Mode::Code).unwrap());
        assert_eq!(u.full, None);
        assert!(u.stale);
        assert!(u.read.is_empty());
        assert_eq!(u.removed, ["transcripts/r01.txt"]);
        assert_eq!(
            u.unchanged.keys().collect::<Vec<_>>(),
            ["transcripts/r02.txt"]
        );
    }

    #[test]
    fn a_codebook_change_alone_recodes_from_the_index() {
        let m = manifest();
        let mut now = now();
        now.codebook = "cb2";
        // A touched but unchanged file does not stop the re-code.
        let mut files = same();
        files[0] = seen("transcripts/r01.txt", 100, 77, Some("h01"));
        match plan(Some(&m), &now, &files, Mode::Code).unwrap() {
            Plan::Recode(r) => {
                assert_eq!(r.reason, Reason::Codebook);
                assert_eq!(r.unchanged.len(), 2);
                assert_eq!(r.unchanged["transcripts/r01.txt"].mtime, 77);
            }
            other => panic!("expected a re-code, got {other:?}"),
        }
        assert!(names_reread(Some(&m), &now));
    }

    #[test]
    fn a_codebook_and_a_transcript_change_read_everything_in_path_order() {
        let m = manifest();
        let mut now = now();
        now.codebook = "cb2";
        // The study lists r02 first; an edited r02 and an unchanged r01.
        let files = vec![
            seen("transcripts/r02.txt", 210, 21, Some("h02-edited")),
            seen("transcripts/r01.txt", 100, 10, None),
        ];
        let u = update(plan(Some(&m), &now, &files, Mode::Code).unwrap());
        assert_eq!(u.full, Some(Reason::Codebook));
        assert_eq!(
            u.read,
            vec![
                Pending {
                    file: 1,
                    rel: "transcripts/r01.txt".into(),
                    size: 100,
                    mtime: 10
                },
                Pending {
                    file: 0,
                    rel: "transcripts/r02.txt".into(),
                    size: 210,
                    mtime: 21
                },
            ]
        );
        assert!(u.unchanged.is_empty());
        // A fresh index has nothing to delete.
        let mut fewer = files.clone();
        fewer.pop();
        let u = update(plan(Some(&m), &now, &fewer, Mode::Code).unwrap());
        assert_eq!(rels(&u.read), ["transcripts/r02.txt"]);
        assert!(u.removed.is_empty());
    }

    #[test]
    fn a_settings_change_reads_everything_without_comparing() {
        let m = manifest();
        let mut now = now();
        now.settings = "set2";
        assert!(!compares_files(Some(&m), &now));
        let u = update(plan(Some(&m), &now, &same(), Mode::Code).unwrap());
        assert_eq!(u.full, Some(Reason::Settings));
        assert_eq!(
            rels(&u.read),
            ["transcripts/r01.txt", "transcripts/r02.txt"]
        );
        assert!(u.unchanged.is_empty() && u.removed.is_empty());
        // So does a change of the search language alone.
        let mut now = self::now();
        now.language = Language::English;
        let u = update(plan(Some(&m), &now, &same(), Mode::Code).unwrap());
        assert_eq!(u.full, Some(Reason::Settings));
        // Settings and codebook together: the codebook is named.
        let mut now = self::now();
        now.settings = "set2";
        now.codebook = "cb2";
        let u = update(plan(Some(&m), &now, &same(), Mode::Code).unwrap());
        assert_eq!(u.full, Some(Reason::Codebook));
        assert_eq!(u.read.len(), 2);
    }

    #[test]
    fn a_sheet_change_alone_recodes_from_the_index() {
        let m = manifest();
        let mut now = now();
        now.codings = "sheets1";
        match plan(Some(&m), &now, &same(), Mode::Auto).unwrap() {
            Plan::Recode(r) => {
                assert_eq!(r.reason, Reason::Codings);
                let plan = Plan::Recode(r);
                assert_eq!(
                    plan.out_of_date().as_deref(),
                    Some("the coding sheets changed")
                );
            }
            other => panic!("expected a re-code, got {other:?}"),
        }
        assert!(names_reread(Some(&m), &now));
        assert!(!names_reread(Some(&m), &self::now()));
    }

    #[test]
    fn a_respondents_change_alone_updates_without_reading() {
        let m = manifest();
        let mut now = now();
        now.respondents = "resp2";
        let u = update(plan(Some(&m), &now, &same(), Mode::Auto).unwrap());
        assert_eq!(u.full, None);
        assert!(u.stale);
        assert!(u.read.is_empty() && u.removed.is_empty());
        assert_eq!(u.unchanged.len(), 2);
        // respondents.csv deleted: also a change.
        now.respondents = "";
        let u = update(plan(Some(&m), &now, &same(), Mode::Code).unwrap());
        assert!(u.stale && u.read.is_empty());
    }

    #[test]
    fn a_language_changed_in_respondents_csv_reads_only_the_files_it_moves() {
        let mut m = manifest();
        // r01 follows R01's row (Spanish, the study's language); r02 has
        // `language: english` in its front matter.
        let r01 = m.files.get_mut("transcripts/r01.txt").unwrap();
        r01.follows = vec!["R01".into()];
        r01.language = Language::Spanish;
        m.files.get_mut("transcripts/r02.txt").unwrap().language = Language::English;
        let mut now = now();
        now.respondents = "resp2";
        let moved: BTreeMap<String, Language> = [
            ("R01".to_string(), Language::Portuguese),
            ("R02".to_string(), Language::French),
        ]
        .into();
        now.languages = Some(&moved);
        let u = update(plan(Some(&m), &now, &same(), Mode::Auto).unwrap());
        assert_eq!(u.full, None);
        assert!(u.stale);
        assert_eq!(rels(&u.read), ["transcripts/r01.txt"]);
        assert_eq!(
            u.unchanged.keys().collect::<Vec<_>>(),
            ["transcripts/r02.txt"]
        );
        // A table that leaves R01 at the study's language moves nothing.
        let same_language: BTreeMap<String, Language> =
            [("R01".to_string(), Language::Spanish)].into();
        now.languages = Some(&same_language);
        let u = update(plan(Some(&m), &now, &same(), Mode::Auto).unwrap());
        assert!(u.read.is_empty());
        let none = BTreeMap::new();
        now.languages = Some(&none);
        let u = update(plan(Some(&m), &now, &same(), Mode::Auto).unwrap());
        assert!(u.read.is_empty());
        // --frozen refuses: the index is out of date.
        now.languages = Some(&moved);
        assert!(plan(Some(&m), &now, &same(), Mode::Frozen).is_err());
    }

    #[test]
    fn a_withdrawal_reads_everything_into_a_fresh_index() {
        let m = manifest();
        let mut now = now();
        now.respondents = "resp2";
        now.withdrawn_changed = true;
        // Even with the codebook changed too: never a re-code from the
        // index, which holds the withdrawn text.
        for codebook in [CODEBOOK, "cb2"] {
            now.codebook = codebook;
            let u = update(plan(Some(&m), &now, &same(), Mode::Auto).unwrap());
            let want = if codebook == CODEBOOK {
                Reason::Withdrawn
            } else {
                Reason::Codebook
            };
            assert_eq!(u.full, Some(want));
            assert_eq!(u.read.len(), 2);
            assert!(u.unchanged.is_empty());
        }
    }

    #[test]
    fn frozen_refuses_a_stale_index_and_says_why() {
        let m = manifest();
        let mut edited = same();
        edited[0] = seen("transcripts/r01.txt", 130, 11, Some("h01-edited"));
        let err = plan(Some(&m), &now(), &edited, Mode::Frozen).unwrap_err();
        assert_eq!(
            err.report(),
            "error: the index is out of date (transcripts or respondents.csv changed) \
             and --frozen was given\n  = help: run `thematic code` first, or drop --frozen"
        );
        let mut now = now();
        now.codebook = "cb2";
        let err = plan(Some(&m), &now, &same(), Mode::Frozen).unwrap_err();
        assert!(
            err.report()
                .starts_with("error: the index is out of date (the codebook changed)"),
            "{err}"
        );
        assert_eq!(err.exit_code(), 2);
        let err = plan(None, &self::now(), &same(), Mode::Frozen).unwrap_err();
        assert!(err.to_string().contains("(no index yet)"), "{err}");
    }

    /// The fingerprint of a list of observations.
    fn fingerprint(files: &[Observation]) -> String {
        crate::index::listing_fingerprint(files.iter().map(|f| (f.rel.as_str(), f.size, f.mtime)))
    }

    #[test]
    fn the_quick_check_says_up_to_date_only_when_the_plan_would() {
        let mut m = manifest();
        m.listing = crate::index::listing_of(&m.files);
        let listed = fingerprint(&same());
        let quick = Current {
            listing: Some(&listed),
            ..now()
        };
        assert!(unchanged(Some(&m), &quick));
        assert_eq!(
            plan(Some(&m), &quick, &same(), Mode::Auto).unwrap(),
            Plan::UpToDate
        );
        // Anything but the transcripts changed: the quick check does not
        // answer, whatever the fingerprint.
        let others = [
            Current {
                codebook: "cb2",
                ..quick
            },
            Current {
                settings: "set2",
                ..quick
            },
            Current {
                language: Language::English,
                ..quick
            },
            Current {
                codings: "sheets",
                ..quick
            },
            Current {
                respondents: "resp2",
                ..quick
            },
            Current {
                damage: Some("the code table is damaged"),
                ..quick
            },
            Current {
                withdrawn_changed: true,
                ..quick
            },
            Current {
                listing: None,
                ..quick
            },
        ];
        for now in others {
            assert!(!unchanged(Some(&m), &now), "{now:?}");
        }
        assert!(!unchanged(None, &quick));
        // A manifest without a fingerprint is compared file by file.
        let mut bare = m.clone();
        bare.listing.clear();
        assert!(!unchanged(Some(&bare), &quick));
    }

    #[test]
    fn the_quick_check_sees_every_change_the_plan_sees() {
        let mut m = manifest();
        m.listing = crate::index::listing_of(&m.files);
        let r01 = |size, mtime| seen("transcripts/r01.txt", size, mtime, None);
        let r02 = seen("transcripts/r02.txt", 200, 20, None);
        let changes = [
            // Edited in place: another size, or the same size and another mtime.
            vec![r01(101, 10), r02.clone()],
            vec![r01(100, 11), r02.clone()],
            // Added, in a subfolder.
            vec![
                r01(100, 10),
                r02.clone(),
                seen("transcripts/sub/r03.txt", 50, 5, None),
            ],
            // Deleted.
            vec![r02.clone()],
            // Renamed (into a subfolder), with size and mtime kept.
            vec![seen("transcripts/sub/r01.txt", 100, 10, None), r02.clone()],
        ];
        for files in changes {
            let listed = fingerprint(&files);
            let now = Current {
                listing: Some(&listed),
                ..now()
            };
            assert!(!unchanged(Some(&m), &now), "{files:?}");
            // With content hashes where the scan would read them, the plan
            // finds the same files changed.
            let files: Vec<Observation> = files
                .into_iter()
                .map(|f| match m.files.get(&f.rel) {
                    Some(e) if (e.size, e.mtime) != (f.size, f.mtime) => Observation {
                        hash: Some("new".into()),
                        ..f
                    },
                    _ => f,
                })
                .collect();
            let p = plan(Some(&m), &now, &files, Mode::Auto).unwrap();
            assert!(p.out_of_date().is_some(), "{files:?}: {p:?}");
        }
    }
}
