//! Bringing a study's index up to date: the work behind `thematic code`, and
//! behind every reading command when the index is stale. Reads only what
//! changed (by size and mtime, then content hash), codes in parallel in
//! bounded batches, places human codings, and commits once, atomically, with
//! the manifest as payload.

use std::collections::{BTreeMap, BTreeSet};
use std::time::UNIX_EPOCH;

use rayon::prelude::*;

use crate::codebook::matcher::{Matcher, Scratch};
use crate::codebook::Codebook;
use crate::codings::{self, Codings, Placed, Target};
use crate::error::{Error, Result};
use crate::index::codes::{CodeTable, ExcerptCodes, TableBuilder};
use crate::index::{self, CoderInfo, FileEntry, Manifest, RowInfo, StudyIndex, Writer};
use crate::ingest::respondents::{self, RespondentTable};
use crate::ingest::{self, SplitOptions};
use crate::model::Transcript;
use crate::study::{Study, TranscriptFile};

/// A transcript read and coded: the transcript, its content hash, and for
/// each excerpt its rule codes and pre-analysed search body.
type Coded = (Transcript, String, Vec<(Vec<u32>, String)>);

/// A transcript to read: the file, its size and mtime, and its bytes when
/// they were already read to compare hashes.
type Todo = (TranscriptFile, u64, u128, Option<Vec<u8>>);

/// How a command treats a stale index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `thematic code`: update, and report.
    Code,
    /// Reading commands: update with a one-line note.
    Auto,
    /// `--frozen`: refuse a stale index.
    Frozen,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Nothing had changed; nothing was written.
    pub up_to_date: bool,
    /// The whole study was re-coded.
    pub full: bool,
    /// Transcripts read and coded in this run.
    pub ingested: usize,
    /// Transcripts removed from the index.
    pub removed: usize,
    /// Every excerpt was re-coded from the index (the codebook or the
    /// coding sheets changed, no transcript did): nothing was re-read.
    pub recoded: bool,
    /// Excerpts re-coded from the index.
    pub excerpts: usize,
    /// Why a full re-code happened.
    pub reason: String,
}

/// Everything the up-to-date check needs, gathered once.
struct Inputs {
    codebook: Codebook,
    /// respondents.csv as read (parsed only when the index is rebuilt: an
    /// unchanged file was parsed when the index was last written).
    respondents: Option<Vec<u8>>,
    respondents_shown: String,
    respondents_table: std::cell::OnceCell<RespondentTable>,
    respondents_hash: String,
    codings: Codings,
    files: Vec<TranscriptFile>,
    warnings: Vec<String>,
}

fn gather(study: &Study) -> Result<Inputs> {
    let cb_path = study.resolve(&study.settings.codebook);
    let codebook = Codebook::load(&cb_path, &study.settings.codebook)?;
    let rpath = study.resolve(&study.settings.respondents);
    let (respondents, respondents_hash) = if rpath.is_file() {
        let bytes = std::fs::read(&rpath).map_err(|e| Error::io(&rpath, e))?;
        let hash = blake3::hash(&bytes).to_hex().to_string();
        (Some(bytes), hash)
    } else {
        (None, String::new())
    };
    let codings = codings::load(&study.root, &codebook)?;
    let (files, warnings) = study.transcript_files()?;
    Ok(Inputs {
        codebook,
        respondents,
        respondents_shown: study.settings.respondents.clone(),
        respondents_table: std::cell::OnceCell::new(),
        respondents_hash,
        codings,
        files,
        warnings,
    })
}

impl Inputs {
    /// The respondents table (empty without respondents.csv), parsed on
    /// first use.
    fn table(&self) -> Result<&RespondentTable> {
        if let Some(t) = self.respondents_table.get() {
            return Ok(t);
        }
        let shown = &self.respondents_shown;
        let table = match &self.respondents {
            Some(bytes) => {
                let text = ingest::decode::decode(bytes, shown)?.text;
                respondents::parse(&text, shown)?
            }
            None => RespondentTable {
                shown: shown.clone(),
                ..Default::default()
            },
        };
        Ok(self.respondents_table.get_or_init(|| table))
    }
}

fn stat(file: &TranscriptFile) -> Result<(u64, u128)> {
    let meta = std::fs::metadata(&file.abs).map_err(|e| Error::io(&file.abs, e))?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    Ok((meta.len(), mtime))
}

/// Opens the study's index, first bringing it up to date per `mode`.
pub fn refresh(study: &Study, mode: Mode) -> Result<(StudyIndex, Outcome)> {
    let t0 = std::time::Instant::now();
    let inputs = gather(study)?;
    timing("gather", t0);
    let data = study.data_dir();
    // Damaged derived data is rebuilt like a missing index, saying why.
    let (mut old, damage) = match index::open_checked(&data)? {
        index::Opened::Ready(idx) => (Some(*idx), None),
        index::Opened::Missing => (None, None),
        index::Opened::Damaged(why) => (None, Some(why)),
    };
    timing("open index", t0);
    // The manifest is taken out of the open index (and given back when it
    // is up to date) rather than copied: on large studies it is big.
    let prev_manifest = old
        .as_mut()
        .map_or_else(Manifest::new, |i| std::mem::take(&mut i.manifest));
    let prev = &prev_manifest;
    // A changed respondents.csv is checked before any other work.
    if prev.respondents_hash != inputs.respondents_hash {
        inputs.table()?;
    }

    // A codebook or coding-sheet change alone re-codes the excerpts already
    // in the index; the transcripts are still checked, since re-coding from
    // the index is only right when none of them changed.
    let same_settings = old.is_some()
        && prev.settings_hash == study.settings_hash
        && prev.language == study.settings.language;
    let full_reason = match &old {
        None => Some(damage.unwrap_or_else(|| "no index yet".to_string())),
        Some(_) if prev.codebook_hash != inputs.codebook.hash => {
            Some("the codebook changed".into())
        }
        Some(_)
            if prev.settings_hash != study.settings_hash
                || prev.language != study.settings.language =>
        {
            Some("thematic.yaml changed".into())
        }
        Some(_) if prev.codings_hash != inputs.codings.hash => {
            Some("the coding sheets changed".into())
        }
        Some(_) => None,
    };

    // Which transcripts must be read again.
    let mut unchanged: BTreeMap<String, FileEntry> = BTreeMap::new();
    let mut todo: Vec<Todo> = Vec::new();
    let check = full_reason.is_none() || same_settings;
    let stats: Vec<Result<(u64, u128)>> = inputs.files.par_iter().map(stat).collect();
    for (f, st) in inputs.files.iter().zip(stats) {
        let (size, mtime) = st?;
        match prev.files.get(&f.rel) {
            Some(e) if check && e.size == size && e.mtime == mtime => {
                unchanged.insert(f.rel.clone(), e.clone());
            }
            Some(e) if check => {
                let bytes = std::fs::read(&f.abs).map_err(|err| Error::io(&f.abs, err))?;
                if blake3::hash(&bytes).to_hex().as_str() == e.hash {
                    unchanged.insert(
                        f.rel.clone(),
                        FileEntry {
                            size,
                            mtime,
                            ..e.clone()
                        },
                    );
                } else {
                    todo.push((f.clone(), size, mtime, Some(bytes)));
                }
            }
            _ => todo.push((f.clone(), size, mtime, None)),
        }
    }
    let listed: BTreeSet<&str> = inputs.files.iter().map(|f| f.rel.as_str()).collect();
    let removed: Vec<String> = if check {
        prev.files
            .keys()
            .filter(|p| !listed.contains(p.as_str()))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let files_changed = !todo.is_empty() || !removed.is_empty();
    let content_stale = full_reason.is_some() || files_changed;
    let touched = unchanged
        .iter()
        .any(|(p, e)| prev.files.get(p).is_some_and(|o| o.mtime != e.mtime));
    let stale = content_stale || prev.respondents_hash != inputs.respondents_hash;

    timing("stale check", t0);
    // Touched but unchanged transcripts only update mtimes in the manifest:
    // skipped where the index cannot be written (a read-only study).
    if !stale && (!touched || mode == Mode::Frozen || !index::writable(&data)) {
        let mut idx = old.ok_or_else(|| Error::failure("index vanished while reading it"))?;
        idx.manifest = prev_manifest;
        return Ok((
            idx,
            Outcome {
                up_to_date: true,
                ..Default::default()
            },
        ));
    }
    if stale && mode == Mode::Frozen {
        let why = full_reason.unwrap_or_else(|| "transcripts or respondents.csv changed".into());
        return Err(Error::input(format!(
            "the index is out of date ({why}) and --frozen was given"
        ))
        .with_hint("run `thematic code` first, or drop --frozen"));
    }
    if stale && mode == Mode::Auto {
        let why = full_reason
            .as_deref()
            .unwrap_or("transcripts or respondents changed");
        eprintln!("note: index out of date ({why}); updating");
    }
    // Sheet names of renamed codes are said once: the manifest keeps the
    // notes told, and only new ones are printed.
    for n in &inputs.codings.notes {
        if !prev.notes.contains(n) {
            eprintln!("note: {n}");
        }
    }
    if let (Some(reason), Some(old_idx), false) = (&full_reason, &old, files_changed) {
        if same_settings {
            return recode(&inputs, study, prev, unchanged, old_idx, reason);
        }
    }
    // A full re-code reads every transcript.
    if full_reason.is_some() && !unchanged.is_empty() {
        let by_rel: BTreeMap<&str, &TranscriptFile> =
            inputs.files.iter().map(|f| (f.rel.as_str(), f)).collect();
        for (rel, e) in std::mem::take(&mut unchanged) {
            let file = by_rel
                .get(rel.as_str())
                .map(|f| (*f).clone())
                .ok_or_else(|| Error::failure("transcript list changed"))?;
            todo.push((file, e.size, e.mtime, None));
        }
        todo.sort_by(|a, b| a.0.rel.cmp(&b.0.rel));
    }
    let full = full_reason.is_some();
    let removed = if full { Vec::new() } else { removed };

    let matcher = Matcher::new(&inputs.codebook);
    let opts = SplitOptions {
        unit: study.settings.unit,
        interviewer: study.settings.interviewer.clone(),
        csv: study.settings.csv.clone(),
        encoding: study.forced_encoding(),
    };
    let mut run = Run::new(study, &inputs, prev, full);
    let with_codings = !inputs.codings.hash.is_empty();
    // Unchanged transcripts keep their rule codes. Human codings are placed
    // against the whole corpus (they may have moved between files), so with
    // coding sheets their excerpts are read back from the index to be
    // placed again with the changed ones.
    let mut kept: Vec<Kept> = Vec::new();
    if let (Some(old_idx), false) = (&old, unchanged.is_empty()) {
        let old_table = old_idx.codes()?;
        if with_codings {
            kept = kept_excerpts(old_idx, &old_table, &unchanged, &prev.respondents)?;
        } else {
            for e in unchanged.values() {
                run.table.copy_file(&old_table, e.id);
            }
        }
    }
    drop(old);
    let writer = Writer::open(&data, full)?;
    for p in &removed {
        writer.delete_file(p);
    }
    let progress = progress_bar(todo.iter().map(|t| t.1).sum(), mode == Mode::Code);
    let mut new_entries: BTreeMap<String, FileEntry> = BTreeMap::new();
    let mut held: Vec<(Coded, usize)> = Vec::new();
    // One scratch per worker thread, kept across batches (it memoises tokens).
    let scratches: Vec<std::sync::Mutex<Scratch>> = (0..rayon::current_num_threads().max(1))
        .map(|_| std::sync::Mutex::new(Scratch::with_body(study.settings.language)))
        .collect();
    // Bounded batches keep memory flat: a producer thread reads and codes
    // each batch in parallel while this thread hands the previous one to the
    // index (at most one batch waits in between).
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<Result<Coded>>)>(1);
    let (todo_ref, matcher_ref, opts_ref) = (&todo, &matcher, &opts);
    let scratches = &scratches;
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(move || {
            let mut start = 0;
            while start < todo_ref.len() {
                let mut bytes = 0u64;
                let mut end = start;
                while end < todo_ref.len()
                    && (end == start || bytes < 32 << 20)
                    && end - start < 512
                {
                    bytes += todo_ref[end].1;
                    end += 1;
                }
                let results: Vec<Result<Coded>> = todo_ref[start..end]
                    .par_iter()
                    .map(|t| {
                        let slot = rayon::current_thread_index().unwrap_or(0) % scratches.len();
                        let mut scratch = scratches[slot]
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        code_one(t, opts_ref, matcher_ref, &mut scratch)
                    })
                    .collect();
                // The receiver is gone when the writer stopped on an error.
                if tx.send((start, results)).is_err() {
                    return;
                }
                start = end;
            }
        });
        for (start, results) in rx {
            for (res, i) in results.into_iter().zip(start..) {
                let coded = res?;
                progress.inc(todo[i].1);
                if with_codings {
                    held.push((coded, i));
                } else {
                    let entry = run.write(&writer, &todo[i], coded, None)?;
                    new_entries.insert(todo[i].0.rel.clone(), entry);
                }
            }
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    timing("read and code", t0);
    let mut warnings = inputs.warnings.clone();
    if with_codings {
        // Every excerpt, read now or kept.
        let targets = held
            .iter()
            .flat_map(|((t, _, _), _)| {
                t.excerpts.iter().map(|e| {
                    let target = Target {
                        id: e.id.clone(),
                        path: e.path.clone(),
                        hash: codings::text_hash(&e.text),
                        respondent: e.respondent.clone(),
                    };
                    (e.pos as u64, target)
                })
            })
            .chain(kept.iter().map(|k| (k.pos, k.target.clone())))
            .collect();
        // Transcripts whose text changed in this run.
        let edited: BTreeSet<String> = held
            .iter()
            .filter(|((t, hash, _), _)| {
                prev.files
                    .get(&t.info.path)
                    .is_some_and(|e| e.hash != *hash)
            })
            .map(|((t, _, _), _)| t.info.path.clone())
            .collect();
        let placed = run.place(&inputs.codings, targets, &edited, &mut warnings)?;
        for (coded, i) in held {
            let entry = run.write(&writer, &todo[i], coded, Some(&placed))?;
            new_entries.insert(todo[i].0.rel.clone(), entry);
        }
        for k in kept {
            run.keep(k, &placed);
        }
    } else if !full {
        run.manifest.coders = prev.coders.clone();
    }

    let outcome = Outcome {
        up_to_date: false,
        full,
        ingested: new_entries.len(),
        removed: removed.len(),
        reason: full_reason.unwrap_or_default(),
        ..Default::default()
    };
    let (manifest, table) = run.finish(&data, &inputs, unchanged, new_entries, warnings)?;
    timing("place codings, manifest", t0);
    finish(writer, &manifest, table, outcome, t0)
}

/// Commits, reopens the index and fills its count cache.
fn finish(
    writer: Writer,
    manifest: &Manifest,
    table: TableBuilder,
    outcome: Outcome,
    t0: std::time::Instant,
) -> Result<(StudyIndex, Outcome)> {
    let data = writer.data_dir();
    writer.commit(manifest, table.encode())?;
    timing("commit", t0);
    let idx = index::open(&data)?
        .ok_or_else(|| Error::failure("the index could not be reopened after commit"))?;
    // Fill the count cache now, so the first matrix answers at once.
    index::counts(&idx, crate::index::collect::Source::All)?;
    timing("count cache", t0);
    Ok((idx, outcome))
}

/// An excerpt read back from the index with its rule codes, whose human
/// codings are placed again (it need not be read from its transcript).
struct Kept {
    file: u64,
    pos: u64,
    resp: u64,
    rules: Vec<u32>,
    target: Target,
}

/// The excerpts of the unchanged transcripts, as the index stores them,
/// with their rule codes from the code table.
fn kept_excerpts(
    old: &StudyIndex,
    table: &CodeTable,
    unchanged: &BTreeMap<String, FileEntry>,
    respondents: &[String],
) -> Result<Vec<Kept>> {
    let ids: BTreeSet<u64> = unchanged.values().map(|e| e.id).collect();
    old.par_map_texts(|e| {
        if !ids.contains(&e.file) {
            return None;
        }
        let codes = table
            .get(e.file, e.pos)
            .map(|r| r.decode())
            .unwrap_or_default();
        Some(Kept {
            file: e.file,
            pos: e.pos,
            target: Target {
                hash: codings::text_hash(&e.text),
                id: e.id,
                path: e.path,
                respondent: respondents
                    .get(codes.resp as usize)
                    .cloned()
                    .unwrap_or_default(),
            },
            resp: codes.resp,
            rules: codes.rules,
        })
    })
}

/// Re-codes every excerpt from the text the index stores (the codebook or
/// the coding sheets changed; no transcript, setting or language did):
/// nothing is re-read, split or re-indexed, only the code table, the
/// manifest and the counts are written anew.
fn recode(
    inputs: &Inputs,
    study: &Study,
    prev: &Manifest,
    unchanged: BTreeMap<String, FileEntry>,
    old: &StudyIndex,
    reason: &str,
) -> Result<(StudyIndex, Outcome)> {
    let t0 = std::time::Instant::now();
    let matcher = Matcher::new(&inputs.codebook);
    let with_codings = !inputs.codings.hash.is_empty();
    let mut run = Run::new(study, inputs, prev, false);
    // Segments are read and coded in parallel, each into a table of its own
    // (or, with coding sheets, a list of excerpts to place codings on).
    let parts = old.par_fold_texts(
        || (Scratch::default(), TableBuilder::default(), Vec::new()),
        |(scratch, table, held): &mut (Scratch, TableBuilder, Vec<Kept>), e| {
            let rules = matcher.apply(&e.text, scratch);
            if with_codings {
                held.push(Kept {
                    file: e.file,
                    pos: e.pos,
                    resp: e.resp,
                    rules,
                    target: Target {
                        hash: codings::text_hash(&e.text),
                        id: e.id,
                        path: e.path,
                        respondent: prev
                            .respondents
                            .get(e.resp as usize)
                            .cloned()
                            .unwrap_or_default(),
                    },
                });
            } else {
                let codes = ExcerptCodes {
                    resp: e.resp,
                    rules,
                    ..Default::default()
                };
                table.insert(e.file, e.pos, &codes);
            }
        },
    )?;
    let mut held: Vec<Kept> = Vec::new();
    for (_, table, part) in parts {
        run.table.merge(table);
        held.extend(part);
    }
    let n = if with_codings {
        held.len()
    } else {
        run.table.len()
    };
    timing("re-code from the index", t0);
    let mut warnings = inputs.warnings.clone();
    if with_codings {
        let targets = held.iter().map(|k| (k.pos, k.target.clone())).collect();
        let placed = run.place(&inputs.codings, targets, &BTreeSet::new(), &mut warnings)?;
        for k in held {
            run.keep(k, &placed);
        }
    }
    // No transcript changed: every one is among the unchanged.
    let data = study.data_dir();
    let (manifest, table) = run.finish(&data, inputs, unchanged, BTreeMap::new(), warnings)?;
    let writer = Writer::open(&data, false)?;
    let outcome = Outcome {
        recoded: true,
        excerpts: n,
        reason: reason.to_string(),
        ..Default::default()
    };
    finish(writer, &manifest, table, outcome, t0)
}

fn code_one(
    todo: &Todo,
    opts: &SplitOptions,
    matcher: &Matcher,
    scratch: &mut Scratch,
) -> Result<Coded> {
    let (file, _, _, bytes) = todo;
    let owned;
    let bytes = match bytes {
        Some(b) => b,
        None => {
            owned = std::fs::read(&file.abs).map_err(|e| Error::io(&file.abs, e))?;
            &owned
        }
    };
    let hash = blake3::hash(bytes).to_hex().to_string();
    let t = ingest::read_transcript(file, bytes, opts)?;
    let coded = t
        .excerpts
        .iter()
        .map(|e| {
            let codes = matcher.apply(&e.text, scratch);
            (codes, scratch.body().to_string())
        })
        .collect();
    Ok((t, hash, coded))
}

/// State of one run: the compiled codebook, dense ids, the new manifest.
struct Run<'a> {
    prev: &'a Manifest,
    full: bool,
    manifest: Manifest,
    resp_ids: BTreeMap<String, u64>,
    next_file: u64,
    /// The code table being built.
    table: TableBuilder,
    /// Coder name → dense id, once codings are placed.
    coder_ids: BTreeMap<String, u32>,
}

impl<'a> Run<'a> {
    fn new(study: &Study, inputs: &'a Inputs, prev: &'a Manifest, full: bool) -> Run<'a> {
        let mut manifest = Manifest::new();
        manifest.codebook_hash = inputs.codebook.hash.clone();
        manifest.settings_hash = study.settings_hash.clone();
        manifest.respondents_hash = inputs.respondents_hash.clone();
        manifest.codings_hash = inputs.codings.hash.clone();
        manifest.notes = inputs.codings.notes.clone();
        manifest.language = study.settings.language;
        let defs = inputs.codebook.code_defs();
        manifest.rows = inputs
            .codebook
            .nodes
            .iter()
            .zip(defs)
            .map(|(n, def)| RowInfo {
                path: n.path.clone(),
                label: n.label.clone(),
                depth: n.depth,
                auto: def.is_some_and(|d| d.auto_rules().is_some()),
                parent: n.parent,
            })
            .collect();
        if !full {
            manifest.respondents = prev.respondents.clone();
        }
        let resp_ids = manifest
            .respondents
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), i as u64))
            .collect();
        let next_file = if full {
            0
        } else {
            prev.files.values().map(|e| e.id + 1).max().unwrap_or(0)
        };
        Run {
            prev,
            full,
            manifest,
            resp_ids,
            next_file,
            table: TableBuilder::default(),
            coder_ids: BTreeMap::new(),
        }
    }

    /// Places the coding sheets on every excerpt of the study (`targets`
    /// with their positions, in any order: they are placed in corpus order)
    /// and records the coders; the placement's warnings join `warnings`.
    fn place(
        &mut self,
        codings: &Codings,
        mut targets: Vec<(u64, Target)>,
        edited: &BTreeSet<String>,
        warnings: &mut Vec<String>,
    ) -> Result<Placed> {
        targets.sort_by(|a, b| (a.1.path.as_str(), a.0).cmp(&(b.1.path.as_str(), b.0)));
        let targets: Vec<Target> = targets.into_iter().map(|(_, t)| t).collect();
        let placed = codings::place(codings, &targets, edited)?;
        warnings.extend(placed.warnings.iter().cloned());
        // Moves are told once, in the run that finds them, not on every
        // later run: the manifest keeps those already told.
        let told: BTreeSet<String> = self.prev.moves.iter().cloned().collect();
        for line in codings::tell_moves(&placed.moves, &told) {
            eprintln!("note: {line}");
        }
        self.manifest.moves = placed.moves.iter().map(codings::Move::line).collect();
        self.set_coders(&placed);
        Ok(placed)
    }

    /// Records the codes of an excerpt kept in the index, with the codings
    /// placed on it.
    fn keep(&mut self, k: Kept, placed: &Placed) {
        let codes = self.excerpt_codes(&k.target.id, k.resp, k.rules, Some(placed));
        self.table.insert(k.file, k.pos, &codes);
    }

    /// The run's manifest and code table: the unchanged transcripts (their
    /// details from the previous commit) and the new ones, their merged
    /// attributes, and `warnings`.
    fn finish(
        mut self,
        data: &std::path::Path,
        inputs: &Inputs,
        mut unchanged: BTreeMap<String, FileEntry>,
        new_entries: BTreeMap<String, FileEntry>,
        warnings: Vec<String>,
    ) -> Result<(Manifest, TableBuilder)> {
        if !unchanged.is_empty() {
            let mut prev_details = self.prev.clone();
            index::load_details(data, &mut prev_details)?;
            for (p, e) in unchanged.iter_mut() {
                if let Some(old) = prev_details.files.remove(p) {
                    e.info = old.info;
                }
            }
        }
        let mut manifest = std::mem::take(&mut self.manifest);
        manifest.files = unchanged;
        manifest.files.extend(new_entries);
        let infos: Vec<&crate::model::TranscriptInfo> =
            manifest.files.values().map(|e| &e.info).collect();
        manifest.attributes = respondents::merge(&infos, inputs.table()?)?;
        manifest.warnings = warnings;
        Ok((manifest, self.table))
    }

    /// Records the coders of placed codings (dense ids in name order).
    fn set_coders(&mut self, placed: &Placed) {
        self.manifest.coders = placed
            .coders
            .iter()
            .map(|c| CoderInfo {
                name: c.clone(),
                used: placed
                    .used
                    .get(c)
                    .map(|u| u.iter().copied().collect())
                    .unwrap_or_default(),
                columns: match placed.scopes.get(c) {
                    Some(codings::CodeScope::Columns(set)) => Some(set.iter().copied().collect()),
                    _ => None,
                },
            })
            .collect();
        self.coder_ids = placed
            .coders
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i as u32))
            .collect();
    }

    /// An excerpt's codes: its rule codes and the codings placed on it.
    fn excerpt_codes(
        &self,
        id: &str,
        resp: u64,
        rules: Vec<u32>,
        placed: Option<&Placed>,
    ) -> ExcerptCodes {
        let mut codes = ExcerptCodes {
            resp,
            rules,
            ..Default::default()
        };
        if let Some(p) = placed {
            let cid = |coder: &str| self.coder_ids.get(coder).copied().unwrap_or(0);
            for (coder, direct) in p.codes.get(id).into_iter().flatten() {
                let c = cid(coder);
                codes
                    .coders
                    .extend(direct.iter().map(|&code| (c, code as u32)));
            }
            codes.coders.sort_unstable();
            codes.covered_by = p
                .covered
                .get(id)
                .into_iter()
                .flatten()
                .map(|coder| cid(coder))
                .collect();
            codes.covered_by.sort_unstable();
        }
        codes
    }

    /// Adds a coded transcript's excerpts to the index.
    fn write(
        &mut self,
        writer: &Writer,
        todo: &Todo,
        coded: Coded,
        placed: Option<&Placed>,
    ) -> Result<FileEntry> {
        let (file, size, mtime, _) = todo;
        let (t, hash, rule_codes) = coded;
        let file_id = match self.prev.files.get(&file.rel) {
            Some(e) if !self.full => {
                writer.delete_file(&file.rel);
                e.id
            }
            _ => {
                self.next_file += 1;
                self.next_file - 1
            }
        };
        for (e, (rules, body)) in t.excerpts.iter().zip(rule_codes) {
            let resp = match self.resp_ids.get(&e.respondent) {
                Some(&r) => r,
                None => {
                    let r = self.manifest.respondents.len() as u64;
                    self.manifest.respondents.push(e.respondent.clone());
                    self.resp_ids.insert(e.respondent.clone(), r);
                    r
                }
            };
            let codes = self.excerpt_codes(&e.id, resp, rules, placed);
            self.table.insert(file_id, e.pos as u64, &codes);
            writer.add(e, &body, file_id, resp)?;
        }
        Ok(FileEntry {
            id: file_id,
            hash,
            size: *size,
            mtime: *mtime,
            info: t.info,
        })
    }
}

fn progress_bar(total: u64, visible: bool) -> indicatif::ProgressBar {
    if !visible || total < 8 << 20 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "coding {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Every warning of the study: settings and codings, then per transcript in path order.
pub fn all_warnings(m: &Manifest) -> Vec<String> {
    m.warnings
        .iter()
        .cloned()
        .chain(
            m.files
                .values()
                .flat_map(|e| e.info.warnings.iter().cloned()),
        )
        .collect()
}

/// With `THEMATIC_TIMING` set, prints how long a phase took (for profiling).
pub fn timing(what: &str, since: std::time::Instant) {
    if std::env::var_os("THEMATIC_TIMING").is_some() {
        eprintln!(
            "timing: {what}: {:.1} ms",
            since.elapsed().as_secs_f64() * 1000.0
        );
    }
}
