//! The update executor: reads and codes the transcripts the plan lists, in
//! parallel and in bounded batches, writes their excerpts to the index,
//! keeps the unchanged transcripts' codes, deletes the removed ones, and
//! (with coding sheets) places the human codings on the whole corpus.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use super::place::Kept;
use super::plan::{Reason, Update};
use super::run::Run;
use super::{commit, progress_bar, Clock, Inputs, Mode, Notify, Outcome};
use crate::codebook::matcher::{Matcher, Scratch};
use crate::codings::{self, Placed, Target};
use crate::error::{Error, Result};
use crate::index::codes::CodeTable;
use crate::index::{FileEntry, Manifest, StudyIndex, Writer};
use crate::ingest::{self, SplitOptions};
use crate::model::Transcript;
use crate::study::{Study, TranscriptFile};

/// A batch holds at most this many bytes of transcripts (unless one file is
/// bigger)… Up to three batches are held at once (one coded, one waiting,
/// one written), each excerpt's text with its search body and ids, so
/// this bounds most of the memory a run takes besides the index writer's.
const BATCH_BYTES: u64 = 8 << 20;
/// …and at most this many files.
const BATCH_FILES: usize = 512;

/// A transcript to read and code.
pub(super) struct Todo {
    /// The file.
    pub file: TranscriptFile,
    /// Its size when stat'ed.
    pub size: u64,
    /// Its mtime when stat'ed.
    pub mtime: u128,
    /// Its bytes, when the stat/hash pass already read them.
    pub bytes: Option<Vec<u8>>,
}

/// A transcript read and coded.
pub(super) struct Coded {
    /// The transcript, split into excerpts.
    pub transcript: Transcript,
    /// blake3 of the file's bytes.
    pub hash: String,
    /// Per excerpt, in order: its rule codes and search body.
    pub excerpts: Vec<CodedExcerpt>,
    /// The respondents whose respondents.csv language the file follows
    /// (see [`crate::ingest::language::Resolved::follows`]).
    pub follows: Vec<String>,
    /// Why the file may not be indexed as it is, told once every file was
    /// read, so that a more particular error (a copy of a withdrawn
    /// respondent's transcript) is told first: a withdrawn respondent's
    /// label whose words are not withheld.
    pub refused: Option<Error>,
}

/// One excerpt's rule codes and pre-analysed search body.
pub(super) struct CodedExcerpt {
    /// Dense ids of the codes the rules apply.
    pub rules: Vec<u32>,
    /// The analysed text the index searches.
    pub body: String,
}

/// A coded transcript held back until the codings are placed.
struct Held {
    /// Its place in the to-do list.
    at: usize,
    coded: Coded,
}

/// An update ready to run: the plan's, with the files to read.
pub(super) struct Job {
    /// Why the index is written afresh (`None`: only the changes are).
    pub full: Option<Reason>,
    /// Transcripts to read, in the order their excerpts are written.
    pub todo: Vec<Todo>,
    /// Transcripts kept as the index has them.
    pub unchanged: BTreeMap<String, FileEntry>,
    /// Transcripts to delete from the index.
    pub removed: Vec<String>,
}

impl Job {
    /// The plan's update over the study's `files`, with the `bytes` the
    /// stat/hash pass read (per file, in the same order).
    pub fn new(plan: Update, files: &[TranscriptFile], mut bytes: Vec<Option<Vec<u8>>>) -> Job {
        let todo = plan
            .read
            .into_iter()
            .filter_map(|p| {
                let file = files.get(p.file)?.clone();
                Some(Todo {
                    file,
                    size: p.size,
                    mtime: p.mtime,
                    bytes: bytes.get_mut(p.file).and_then(Option::take),
                })
            })
            .collect();
        Job {
            full: plan.full,
            todo,
            unchanged: plan.unchanged,
            removed: plan.removed,
        }
    }
}

/// How an update runs: for which command, since when (for timings), and
/// where its notes go.
pub(super) struct How<'a> {
    /// The command's mode (progress is shown for `code`).
    pub mode: Mode,
    /// When the refresh started.
    pub clock: Clock<'a>,
    /// Where notes go.
    pub notify: Notify<'a>,
}

/// Carries out an update and commits it.
pub(super) fn update(
    study: &Study,
    inputs: &Inputs,
    prev: &Manifest,
    old: Option<StudyIndex>,
    job: Job,
    how: How<'_>,
) -> Result<(StudyIndex, Outcome)> {
    let How {
        mode,
        clock,
        notify,
    } = how;
    let Job {
        full,
        todo,
        unchanged,
        removed,
    } = job;
    let data = study.data_dir();
    let mut run = Run::new(study, inputs, prev, full.is_some(), notify);
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
    // The excerpts of the transcripts read again, as they were: an excerpt
    // whose line an edit changed is followed by its text.
    let reread: Vec<&str> = todo
        .iter()
        .map(|t| t.file.rel.as_str())
        .filter(|p| prev.files.contains_key(*p))
        .collect();
    let before: Vec<Said> = match &old {
        Some(old_idx) if !reread.is_empty() => old_idx
            .excerpts_of(&reread)?
            .into_iter()
            .map(|e| Said::new(e.path, e.id, &e.text, &e.question))
            .collect(),
        _ => Vec::new(),
    };
    let mut after: Vec<Said> = Vec::new();
    drop(old);
    let mut writer = Writer::open(&data, full.is_some(), study.index_threads)?;
    for p in &removed {
        writer.delete_file(p);
    }
    let progress = progress_bar(todo.iter().map(|t| t.size).sum(), mode == Mode::Code);
    let mut new_entries: BTreeMap<String, FileEntry> = BTreeMap::new();
    let mut held: Vec<Held> = Vec::new();
    let mut refused: Option<Error> = None;
    read_and_code(study, inputs, &todo, |at, mut coded| {
        progress.inc(todo[at].size);
        if let Some(e) = coded.refused.take() {
            refused.get_or_insert(e);
        }
        if prev.files.contains_key(&todo[at].file.rel) {
            after.extend(
                coded
                    .transcript
                    .excerpts
                    .iter()
                    .map(|e| Said::new(e.path.clone(), e.id.clone(), &e.text, &e.question)),
            );
        }
        if with_codings {
            held.push(Held { at, coded });
        } else {
            let entry = run.write(&writer, &todo[at], coded, None)?;
            new_entries.insert(todo[at].file.rel.clone(), entry);
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    clock.lap("read and code");
    let mut warnings = inputs.warnings.to_vec();
    if with_codings {
        // Every excerpt, read now or kept.
        let read: Vec<&Coded> = held.iter().map(|h| &h.coded).collect();
        let placed = run.place_update(&inputs.codings, &read, &kept, &mut warnings)?;
        let (was, is) = (ids_and_hashes(&before), ids_and_hashes(&after));
        warnings.extend(crate::codings::rows_on_changed_text(
            &inputs.codings,
            &was,
            &is,
            !prev.withheld.is_empty(),
        ));
        for Held { at, coded } in held {
            let entry = run.write(&writer, &todo[at], coded, Some(&placed))?;
            new_entries.insert(todo[at].file.rel.clone(), entry);
        }
        for k in kept {
            run.keep(k, &placed);
        }
    } else if full.is_none() {
        run.manifest.coders = prev.coders.clone();
    }
    let outcome = Outcome {
        up_to_date: false,
        full: full.is_some(),
        ingested: new_entries.len(),
        removed: removed.len(),
        reason: full.map(|r| r.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    let (mut manifest, table) = run.finish(&data, inputs, unchanged, new_entries, warnings)?;
    if let Some(e) = refused {
        return Err(e);
    }
    let reread: BTreeSet<&str> = reread.into_iter().collect();
    manifest.moved = follow_moves(&prev.moved, &before, &after, &reread, &manifest.files);
    // Who withdrew consent changed: nothing of the index before may stay.
    if manifest.withdrawn != prev.withdrawn {
        writer.forget_previous();
    }
    clock.lap("place codings, manifest");
    commit(writer, manifest, table, outcome, clock, notify)
}

/// Each excerpt's text hash by id.
fn ids_and_hashes(said: &[Said]) -> std::collections::HashMap<&str, &str> {
    said.iter()
        .map(|s| (s.id.as_str(), s.hash.as_str()))
        .collect()
}

/// An excerpt's place, and its text with the question it answers (hashed
/// together), before or after an update: a short answer (`No.`) said to
/// two questions is two excerpts to follow, not one.
struct Said {
    path: String,
    id: String,
    hash: String,
}

impl Said {
    fn new(path: String, id: String, text: &str, question: &str) -> Said {
        let q = crate::codings::question_key(question);
        Said {
            path,
            id,
            hash: format!("{}{q:016x}", crate::codings::text_hash(text)),
        }
    }
}

/// Where excerpts went: the moves of `prev` carried forward, and those of
/// this update. An id of a re-read transcript that is gone, or that names
/// other text now (lines inserted above it), maps to the id that now has
/// its text in the same transcript, when exactly one excerpt had that text
/// before and exactly one has it now (as coding sheets are re-anchored).
/// An earlier move is kept while its target keeps its text, followed when
/// its target moved too, and dropped when its target is gone or has other
/// text, or its old id holds that text again (the edit was undone).
fn follow_moves(
    prev: &BTreeMap<String, String>,
    before: &[Said],
    after: &[Said],
    reread: &BTreeSet<&str>,
    files: &BTreeMap<String, FileEntry>,
) -> BTreeMap<String, String> {
    use std::collections::HashSet;
    let now: std::collections::HashMap<&str, &str> = after
        .iter()
        .map(|s| (s.id.as_str(), s.hash.as_str()))
        .collect();
    let (was, is) = (texts(before), texts(after));
    let mut moved: BTreeMap<String, String> = BTreeMap::new();
    for s in before {
        if now.get(s.id.as_str()) == Some(&s.hash.as_str()) {
            continue;
        }
        let key = (s.path.as_str(), s.hash.as_str());
        if let (Some((1, _)), Some((1, to))) = (was.get(&key), is.get(&key)) {
            moved.insert(s.id.clone(), (*to).to_string());
        }
    }
    // The transcript an id is of: the longest path it starts with.
    let file_of = |id: &str| -> Option<&str> {
        files
            .range::<str, _>((std::ops::Bound::Unbounded, std::ops::Bound::Included(id)))
            .rev()
            .map(|(p, _)| p.as_str())
            .find(|p| id.strip_prefix(p).is_some_and(|r| r.starts_with(':')))
    };
    let this_round = moved.clone();
    // Ids of re-read transcripts whose text is as it was.
    let had: HashSet<(&str, &str)> = before
        .iter()
        .map(|s| (s.id.as_str(), s.hash.as_str()))
        .collect();
    let same_text: HashSet<&str> = after
        .iter()
        .filter(|s| had.contains(&(s.id.as_str(), s.hash.as_str())))
        .map(|s| s.id.as_str())
        .collect();
    for (from, to) in prev {
        if moved.contains_key(from) {
            continue;
        }
        let target = if same_text.contains(to.as_str()) {
            Some(to.clone())
        } else if let Some(next) = this_round.get(to) {
            Some(next.clone())
        } else {
            // Kept while its transcript was neither read again nor removed.
            file_of(to)
                .filter(|p| !reread.contains(p))
                .map(|_| to.clone())
        };
        let Some(t) = target.filter(|t| t != from) else {
            continue;
        };
        // The old id holds the text again: no move (an undone edit).
        if now
            .get(from.as_str())
            .is_some_and(|h| now.get(t.as_str()) == Some(h))
        {
            continue;
        }
        moved.insert(from.clone(), t);
    }
    moved
}

/// Per (transcript, text hash): how many excerpts have it, and the first.
fn texts(list: &[Said]) -> std::collections::HashMap<(&str, &str), (usize, &str)> {
    let mut n = std::collections::HashMap::new();
    for s in list {
        let e = n
            .entry((s.path.as_str(), s.hash.as_str()))
            .or_insert((0, s.id.as_str()));
        e.0 += 1;
    }
    n
}

/// The end of the batch that starts at `start`: at least one file, then up
/// to [`BATCH_BYTES`] and [`BATCH_FILES`].
fn batch_end(todo: &[Todo], start: usize) -> usize {
    let mut bytes = 0u64;
    let mut end = start;
    while end < todo.len() && (end == start || bytes < BATCH_BYTES) && end - start < BATCH_FILES {
        bytes += todo[end].size;
        end += 1;
    }
    end
}

/// Reads and codes every transcript of `todo`, handing each to `sink` with
/// its place in `todo`, in order. Bounded batches keep memory flat: a
/// producer thread reads and codes each batch in parallel while this thread
/// hands the previous one to `sink` (at most one batch waits in between).
/// The first error stops the run.
fn read_and_code(
    study: &Study,
    inputs: &Inputs,
    todo: &[Todo],
    mut sink: impl FnMut(usize, Coded) -> Result<()>,
) -> Result<()> {
    let matcher = Matcher::new(&inputs.codebook);
    let withdrawn = inputs.withdrawn()?;
    let opts = study.split_options();
    // Each file's search language: its front matter's, else its
    // respondents' in respondents.csv, else the study's.
    let languages = Languages {
        table: &inputs.table()?.languages,
        default: study.settings.language,
    };
    let languages = &languages;
    // One scratch per worker thread, kept across batches (it memoises tokens).
    let scratches: Vec<Mutex<Scratch>> = (0..rayon::current_num_threads().max(1))
        .map(|_| Mutex::new(Scratch::with_body(study.settings.language)))
        .collect();
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<Result<Coded>>)>(1);
    let (matcher, opts, scratches, withdrawn) = (&matcher, &opts, &scratches, &withdrawn);
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(move || {
            let mut start = 0;
            while start < todo.len() {
                let end = batch_end(todo, start);
                let results: Vec<Result<Coded>> = todo[start..end]
                    .par_iter()
                    .map(|t| {
                        let slot = rayon::current_thread_index().unwrap_or(0) % scratches.len();
                        let mut scratch = scratches[slot]
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner);
                        code_one(t, opts, languages, matcher, withdrawn, &mut scratch)
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
            for (res, at) in results.into_iter().zip(start..) {
                sink(at, res?)?;
            }
        }
        Ok(())
    })
}

/// Every transcript of `study` read and coded as `code` does from
/// scratch, each excerpt made into the document the index is given (with
/// `fields`), in the order `code` adds them; and the transcripts' bytes.
/// For the benchmark that times the index alone on the same documents.
pub(crate) fn documents(
    study: &Study,
    fields: &crate::index::Fields,
) -> Result<(Vec<tantivy::TantivyDocument>, u64)> {
    let inputs = super::gather(study)?.list(study)?;
    let todo: Vec<Todo> = inputs
        .files
        .iter()
        .map(|f| Todo {
            file: f.clone(),
            size: std::fs::metadata(&f.abs).map_or(0, |m| m.len()),
            mtime: 0,
            bytes: None,
        })
        .collect();
    let mut docs = Vec::new();
    let mut resp_ids: std::collections::HashMap<String, u64> = Default::default();
    read_and_code(study, &inputs, &todo, |at, coded| {
        let language = coded.transcript.info.language;
        for (e, c) in coded.transcript.excerpts.iter().zip(&coded.excerpts) {
            let n = resp_ids.len() as u64;
            let resp = match resp_ids.get(&e.respondent) {
                Some(&r) => r,
                None => *resp_ids.entry(e.respondent.clone()).or_insert(n),
            };
            docs.push(crate::index::document(
                fields, e, &c.body, language, at as u64, resp,
            ));
        }
        Ok(())
    })?;
    Ok((docs, todo.iter().map(|t| t.size).sum()))
}

/// What decides a transcript's search language besides its front matter.
struct Languages<'a> {
    /// The `language` column of respondents.csv.
    table: &'a BTreeMap<String, crate::study::Language>,
    /// The study's language.
    default: crate::study::Language,
}

/// Reads, splits and codes one transcript.
fn code_one(
    todo: &Todo,
    opts: &SplitOptions,
    languages: &Languages<'_>,
    matcher: &Matcher,
    withdrawn: &std::collections::BTreeSet<String>,
    scratch: &mut Scratch,
) -> Result<Coded> {
    let owned;
    let bytes = match &todo.bytes {
        Some(b) => b,
        None => {
            let abs = &todo.file.abs;
            owned = crate::input::read_user_file(abs, &todo.file.rel, crate::input::TRANSCRIPT)?;
            &owned
        }
    };
    let hash = blake3::hash(bytes).to_hex().to_string();
    let mut transcript = ingest::read_transcript(&todo.file, bytes, opts)?;
    // Withdrawn respondents' excerpts are never coded nor indexed.
    transcript.withhold(withdrawn);
    let refused = transcript
        .withdrawn_label(withdrawn)
        .map(|found| withdrawn_label_error(&todo.file.rel, &found));
    transcript.info.forget_withheld_labels();
    let info = &mut transcript.info;
    let resolved = ingest::language::resolve(
        &info.path,
        info.front_language,
        &info.respondents,
        languages.table,
        languages.default,
    );
    info.language = resolved.language;
    info.warnings.extend(resolved.warning);
    scratch.set_language(resolved.language);
    let excerpts = transcript
        .excerpts
        .iter()
        .map(|e| {
            let rules = matcher.apply(&e.text, scratch);
            CodedExcerpt {
                rules,
                body: scratch.body().to_string(),
            }
        })
        .collect();
    Ok(Coded {
        transcript,
        hash,
        excerpts,
        follows: resolved.follows,
        refused,
    })
}

/// The error for a withdrawn respondent's label whose words are not
/// withheld (see [`crate::model::Transcript::withdrawn_label`]): under
/// another respondent's id they would be in every output. The message names
/// the label, not the words.
fn withdrawn_label_error(rel: &str, found: &crate::model::WithdrawnLabel<'_>) -> Error {
    let label = found.label;
    let w = &found.withdrawn;
    let who = if label == w {
        format!("`{label}` names a respondent who withdrew consent")
    } else {
        format!("`{label}` is respondent `{w}`, who withdrew consent")
    };
    // Caption files have no front matter (their speakers are mapped in
    // thematic.yaml) and number cues, not lines.
    let ext = rel.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let captions = ext == "vtt" || ext == "srt";
    let (what, hint) = match found.read_as {
        Some(r) if captions => (
            format!(
                "the turns of `{label}` (from cue {}) are read as respondent `{r}`'s words, but \
                 {who}: under `{r}` those words would be in every output",
                found.line
            ),
            format!(
                "map the speaker in thematic.yaml (`speakers: {{{rel}: {{{label}: {w}}}}}`, with \
                 the file's other speakers), so that those turns are withheld; or remove them \
                 from the file"
            ),
        ),
        Some(r) => (
            format!(
                "the turns labelled `{label}:` are read as respondent `{r}`'s words, but {who}: \
                 under `{r}` those words would be in every output"
            ),
            format!(
                "map the label in this file's front matter (`speakers: {{{label}: {w}}}`, with \
                 the file's other speakers), so that its turns are withheld; or remove them from \
                 the transcript"
            ),
        ),
        None => (
            format!(
                "the line starting `{label}:` is kept as text inside another speaker's turn (the \
                 label is not in `speakers:`), but {who}: those words would be in every output"
            ),
            format!(
                "add `{label}: {w}` to the front matter's `speakers:`, so that the turn is \
                 withheld; or remove it from the transcript"
            ),
        ),
    };
    let at = if captions {
        crate::error::Location::file(rel)
    } else {
        crate::error::Location::line(rel, found.line)
    };
    Error::at(at, what).with_hint(hint)
}

/// The excerpts of the unchanged transcripts, as the index stores them,
/// with their rule codes from the code table.
fn kept_excerpts(
    old: &StudyIndex,
    table: &CodeTable,
    unchanged: &BTreeMap<String, FileEntry>,
    respondents: &[String],
) -> Result<Vec<Kept>> {
    let ids: std::collections::BTreeSet<u64> = unchanged.values().map(|e| e.id).collect();
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
                question: codings::question_key(&e.question),
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

impl Run<'_> {
    /// Adds a coded transcript's excerpts to the index (replacing its
    /// earlier version) and returns its manifest entry.
    fn write(
        &mut self,
        writer: &Writer,
        todo: &Todo,
        coded: Coded,
        placed: Option<&Placed>,
    ) -> Result<FileEntry> {
        let rel = &todo.file.rel;
        let file_id = match self.prev.files.get(rel) {
            Some(e) if !self.full => {
                writer.delete_file(rel);
                e.id
            }
            _ => {
                self.next_file += 1;
                self.next_file - 1
            }
        };
        let Coded {
            transcript,
            hash,
            excerpts,
            follows,
            refused: _,
        } = coded;
        let language = transcript.info.language;
        // Neighbouring excerpts are mostly one respondent's.
        let mut last: Option<(&str, u64)> = None;
        let mut tokens = 0;
        for (e, c) in transcript.excerpts.iter().zip(excerpts) {
            tokens += crate::text::analysis::body_tokens(&c.body);
            let resp = match last {
                Some((r, id)) if r == e.respondent => id,
                _ => {
                    let id = self.resp_id(&e.respondent);
                    last = Some((&e.respondent, id));
                    id
                }
            };
            let codes = self.excerpt_codes(&e.id, resp, c.rules, placed);
            self.table.insert(file_id, e.pos as u64, &codes);
            writer.add(e, &c.body, language, file_id, resp)?;
        }
        Ok(FileEntry {
            id: file_id,
            hash,
            size: todo.size,
            mtime: todo.mtime,
            language,
            follows,
            tokens,
            info: std::sync::Arc::new(transcript.info),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn todo(sizes: &[u64]) -> Vec<Todo> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| Todo {
                file: TranscriptFile {
                    rel: format!("transcripts/r{i:02}.txt"),
                    abs: format!("/study/transcripts/r{i:02}.txt").into(),
                    stat: None,
                },
                size,
                mtime: 0,
                bytes: None,
            })
            .collect()
    }

    #[test]
    fn batches_stop_at_the_byte_budget_but_take_at_least_one_file() {
        let big = BATCH_BYTES + 1;
        let t = todo(&[10, BATCH_BYTES - 10, 5, big, 7]);
        // 10 + (budget - 10) reaches the budget: the batch ends there.
        assert_eq!(batch_end(&t, 0), 2);
        // Under the budget, the next file joins whatever its size…
        assert_eq!(batch_end(&t, 2), 4);
        // …and a file over the budget makes a batch of its own.
        assert_eq!(batch_end(&t, 3), 4);
        assert_eq!(batch_end(&t, 4), 5);
    }

    #[test]
    fn moves_follow_texts_within_a_transcript() {
        let said = |id: &str, text: &str| {
            let path = id.split(':').next().unwrap().to_string();
            Said::new(path, id.to_string(), text, "")
        };
        let before = [
            said("t/a.txt:3", "Me fui a Lima."),
            said("t/a.txt:5", "Sí."),
            said("t/a.txt:7", "Sí."),
            said("t/a.txt:9", "Volví en 2021."),
            said("t/a.txt:11", "Fin."),
            said("t/a.txt:13", "Gracias."),
            said("t/a.txt:15", "Adiós."),
        ];
        let after = [
            said("t/a.txt:4", "Me fui a Lima."),
            said("t/a.txt:6", "Sí."),
            said("t/a.txt:8", "Sí."),
            said("t/a.txt:9", "Volví en 2022."),
            // Each id names the other's text now.
            said("t/a.txt:11", "Gracias."),
            said("t/a.txt:13", "Fin."),
            said("t/a.txt:15", "Adiós."),
            said("t/a.txt:17", "Adiós."),
        ];
        let files: BTreeMap<String, FileEntry> = ["t/a.txt", "t/b.txt"]
            .into_iter()
            .map(|p| (p.to_string(), FileEntry::default()))
            .collect();
        let reread = BTreeSet::from(["t/a.txt"]);
        let prev = BTreeMap::from([
            // Followed through this update's move.
            ("t/a.txt:1".to_string(), "t/a.txt:3".to_string()),
            // Its target has other text now: dropped.
            ("t/a.txt:2".to_string(), "t/a.txt:9".to_string()),
            // In a transcript not read again: kept.
            ("t/b.txt:1".to_string(), "t/b.txt:2".to_string()),
            // Its old id holds its text again: dropped.
            ("t/a.txt:17".to_string(), "t/a.txt:15".to_string()),
            // Kept, though its old id is an excerpt again (of other text).
            ("t/a.txt:6".to_string(), "t/a.txt:13".to_string()),
        ]);
        let moved = follow_moves(&prev, &before, &after, &reread, &files);
        // "Sí." is said twice: where each went is not known.
        assert_eq!(
            moved,
            BTreeMap::from([
                ("t/a.txt:1".to_string(), "t/a.txt:4".to_string()),
                ("t/a.txt:11".to_string(), "t/a.txt:13".to_string()),
                ("t/a.txt:13".to_string(), "t/a.txt:11".to_string()),
                ("t/a.txt:3".to_string(), "t/a.txt:4".to_string()),
                ("t/a.txt:6".to_string(), "t/a.txt:11".to_string()),
                ("t/b.txt:1".to_string(), "t/b.txt:2".to_string()),
            ])
        );
    }

    #[test]
    fn a_short_answer_is_followed_by_its_question() {
        let said = |id: &str, text: &str, question: &str| {
            Said::new("t/a.txt".into(), id.to_string(), text, question)
        };
        // A question with the same answers inserted above the first.
        let before = [
            said("t/a.txt:3", "Sí.", "¿La buscaron?"),
            said("t/a.txt:5", "No.", "¿La buscaron?"),
        ];
        let after = [
            said("t/a.txt:3", "Sí.", "¿Podemos grabar?"),
            said("t/a.txt:5", "No.", "¿Podemos grabar?"),
            said("t/a.txt:9", "Sí.", "¿La buscaron?"),
            said("t/a.txt:11", "No.", "¿La buscaron?"),
        ];
        let files = BTreeMap::from([("t/a.txt".to_string(), FileEntry::default())]);
        let reread = BTreeSet::from(["t/a.txt"]);
        let moved = follow_moves(&BTreeMap::new(), &before, &after, &reread, &files);
        assert_eq!(
            moved,
            BTreeMap::from([
                ("t/a.txt:3".to_string(), "t/a.txt:9".to_string()),
                ("t/a.txt:5".to_string(), "t/a.txt:11".to_string()),
            ])
        );
        // The same id answers another question now: not the same excerpt.
        let (was, is) = (ids_and_hashes(&before), ids_and_hashes(&after));
        assert_ne!(was["t/a.txt:5"], is["t/a.txt:5"]);
    }

    #[test]
    fn batches_hold_at_most_512_files() {
        let t = todo(&[1; 1200]);
        assert_eq!(batch_end(&t, 0), BATCH_FILES);
        assert_eq!(batch_end(&t, 512), 1024);
        assert_eq!(batch_end(&t, 1024), 1200);
    }
}
