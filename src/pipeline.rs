//! Bringing a study's index up to date: the work behind `thematic code`, and
//! behind every reading command when the index is stale. Reads only what
//! changed (by size and mtime, then content hash), codes in parallel, and
//! commits once, atomically, with the manifest as payload.

use std::collections::{BTreeMap, BTreeSet};
use std::time::UNIX_EPOCH;

use rayon::prelude::*;

use crate::codebook::matcher::{Matcher, Scratch};
use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::index::{self, FileEntry, Manifest, RowInfo, StudyIndex, Writer};
use crate::ingest::respondents::{self, RespondentTable};
use crate::ingest::{self, SplitOptions};
use crate::model::Transcript;
use crate::study::{Study, TranscriptFile};

/// A transcript read and coded: the transcript, its content hash, and the
/// codes of each excerpt.
type Coded = (Transcript, String, Vec<Vec<u32>>);

/// How a command treats a stale index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `thematic code`: update, and report.
    Code,
    /// Reading commands: update quietly with a one-line note.
    Auto,
    /// `--frozen`: refuse a stale index.
    Frozen,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Nothing had changed; nothing was written.
    pub up_to_date: bool,
    /// The whole study was re-coded (codebook, settings or schema changed).
    pub full: bool,
    /// Transcripts read and coded in this run.
    pub ingested: usize,
    /// Transcripts removed from the index.
    pub removed: usize,
    /// Why a full re-code happened.
    pub reason: String,
}

/// Everything the up-to-date check needs, gathered once.
struct Inputs {
    codebook: Codebook,
    table: RespondentTable,
    respondents_hash: String,
    files: Vec<TranscriptFile>,
    warnings: Vec<String>,
}

fn gather(study: &Study) -> Result<Inputs> {
    let cb_path = study.resolve(&study.settings.codebook);
    let codebook = Codebook::load(&cb_path, &study.settings.codebook)?;
    let rpath = study.resolve(&study.settings.respondents);
    let (table, respondents_hash) = if rpath.is_file() {
        let bytes = std::fs::read(&rpath).map_err(|e| Error::io(&rpath, e))?;
        let text = ingest::decode::decode(&bytes, &study.settings.respondents)?.text;
        (
            respondents::parse(&text, &study.settings.respondents)?,
            blake3::hash(&bytes).to_hex().to_string(),
        )
    } else {
        (
            RespondentTable {
                shown: study.settings.respondents.clone(),
                ..Default::default()
            },
            String::new(),
        )
    };
    let (files, warnings) = study.transcript_files()?;
    Ok(Inputs {
        codebook,
        table,
        respondents_hash,
        files,
        warnings,
    })
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
    let inputs = gather(study)?;
    let data = study.data_dir();
    let old = index::open(&data)?;
    let old_manifest = old.as_ref().map(|i| i.manifest.clone());

    let full_reason = match &old_manifest {
        None => Some("no index yet".to_string()),
        Some(m) if m.codebook_hash != inputs.codebook.hash => Some("the codebook changed".into()),
        Some(m)
            if m.settings_hash != study.settings_hash || m.language != study.settings.language =>
        {
            Some("thematic.yaml changed".into())
        }
        Some(_) => None,
    };
    let full = full_reason.is_some();
    let empty = Manifest::new();
    let prev = old_manifest.as_ref().unwrap_or(&empty);

    // Which transcripts must be read again.
    let mut unchanged: BTreeMap<String, FileEntry> = BTreeMap::new();
    let mut todo: Vec<(TranscriptFile, u64, u128, Option<Vec<u8>>)> = Vec::new();
    for f in &inputs.files {
        let (size, mtime) = stat(f)?;
        match prev.files.get(&f.rel) {
            Some(e) if !full && e.size == size && e.mtime == mtime => {
                unchanged.insert(f.rel.clone(), e.clone());
            }
            Some(e) if !full => {
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
    let removed: Vec<String> = if full {
        Vec::new()
    } else {
        prev.files
            .keys()
            .filter(|p| !listed.contains(p.as_str()))
            .cloned()
            .collect()
    };
    let touched = unchanged
        .iter()
        .any(|(p, e)| prev.files.get(p).is_some_and(|o| o.mtime != e.mtime));
    let stale = full
        || !todo.is_empty()
        || !removed.is_empty()
        || prev.respondents_hash != inputs.respondents_hash
        || touched;

    if !stale {
        let idx = old.ok_or_else(|| Error::failure("index vanished while reading it"))?;
        return Ok((
            idx,
            Outcome {
                up_to_date: true,
                ..Default::default()
            },
        ));
    }
    if mode == Mode::Frozen {
        let why = full_reason.unwrap_or_else(|| "transcripts or respondents.csv changed".into());
        return Err(Error::input(format!(
            "the index is out of date ({why}) and --frozen was given"
        ))
        .with_hint("run `thematic code` first, or drop --frozen"));
    }
    if mode == Mode::Auto {
        eprintln!(
            "note: index out of date ({}); updating",
            full_reason
                .as_deref()
                .unwrap_or("transcripts or respondents changed")
        );
    }
    drop(old);

    let matcher = Matcher::new(&inputs.codebook);
    let opts = SplitOptions {
        unit: study.settings.unit,
        interviewer: study.settings.interviewer.clone(),
        csv: study.settings.csv.clone(),
        encoding: study.forced_encoding(),
    };
    let mut manifest = Manifest::new();
    manifest.codebook_hash = inputs.codebook.hash.clone();
    manifest.settings_hash = study.settings_hash.clone();
    manifest.respondents_hash = inputs.respondents_hash.clone();
    manifest.language = study.settings.language;
    manifest.rows = inputs
        .codebook
        .nodes
        .iter()
        .map(|n| RowInfo {
            path: n.path.clone(),
            label: n.label.clone(),
            depth: n.depth,
        })
        .collect();
    if !full {
        manifest.respondents = prev.respondents.clone();
    }
    let mut resp_ids: BTreeMap<String, u64> = manifest
        .respondents
        .iter()
        .enumerate()
        .map(|(i, r)| (r.clone(), i as u64))
        .collect();
    let mut next_file = unchanged.values().map(|e| e.id + 1).max().unwrap_or(0);
    if !full {
        next_file = next_file.max(prev.files.values().map(|e| e.id + 1).max().unwrap_or(0));
    }

    let writer = Writer::open(&data, study.settings.language, full)?;
    for p in &removed {
        writer.delete_file(p);
    }
    let progress = progress_bar(todo.iter().map(|t| t.1).sum(), mode == Mode::Code);
    let mut new_entries: BTreeMap<String, FileEntry> = BTreeMap::new();
    // Bounded batches keep memory flat; each batch is read and coded in parallel.
    let mut batch_start = 0;
    while batch_start < todo.len() {
        let mut bytes_in_batch = 0u64;
        let mut batch_end = batch_start;
        while batch_end < todo.len()
            && (batch_end == batch_start || bytes_in_batch < 32 << 20)
            && batch_end - batch_start < 512
        {
            bytes_in_batch += todo[batch_end].1;
            batch_end += 1;
        }
        let results: Vec<Result<Coded>> = todo[batch_start..batch_end]
            .par_iter()
            .map_init(Scratch::default, |scratch, (file, _, _, bytes)| {
                let owned;
                let bytes = match bytes {
                    Some(b) => b,
                    None => {
                        owned = std::fs::read(&file.abs).map_err(|e| Error::io(&file.abs, e))?;
                        &owned
                    }
                };
                let hash = blake3::hash(bytes).to_hex().to_string();
                let t = ingest::read_transcript(file, bytes, &opts)?;
                let coded = t
                    .excerpts
                    .iter()
                    .map(|e| matcher.apply(&e.text, scratch))
                    .collect();
                Ok((t, hash, coded))
            })
            .collect();
        for (res, (file, size, mtime, _)) in results.into_iter().zip(&todo[batch_start..batch_end])
        {
            let (t, hash, coded) = res?;
            let file_id = match prev.files.get(&file.rel) {
                Some(e) if !full => e.id,
                _ => {
                    next_file += 1;
                    next_file - 1
                }
            };
            if !full && prev.files.contains_key(&file.rel) {
                writer.delete_file(&file.rel);
            }
            for (e, codes) in t.excerpts.iter().zip(&coded) {
                let resp = *resp_ids.entry(e.respondent.clone()).or_insert_with(|| {
                    manifest.respondents.push(e.respondent.clone());
                    (manifest.respondents.len() - 1) as u64
                });
                let paths: Vec<&str> = codes
                    .iter()
                    .map(|&c| inputs.codebook.nodes[c as usize].path.as_str())
                    .collect();
                writer.add(e, file_id, resp, &paths, &matcher.closure(codes))?;
            }
            progress.inc(*size);
            new_entries.insert(
                file.rel.clone(),
                FileEntry {
                    id: file_id,
                    hash,
                    size: *size,
                    mtime: *mtime,
                    info: t.info,
                },
            );
        }
        batch_start = batch_end;
    }
    progress.finish_and_clear();

    let outcome = Outcome {
        up_to_date: false,
        full,
        ingested: new_entries.len(),
        removed: removed.len(),
        reason: full_reason.unwrap_or_default(),
    };
    manifest.files = unchanged;
    manifest.files.extend(new_entries);
    let infos: Vec<&crate::model::TranscriptInfo> =
        manifest.files.values().map(|e| &e.info).collect();
    manifest.attributes = respondents::merge(&infos, &inputs.table)?;
    manifest.warnings = inputs.warnings;
    writer.commit(&manifest)?;
    let idx = index::open(&data)?
        .ok_or_else(|| Error::failure("the index could not be reopened after commit"))?;
    Ok((idx, outcome))
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

/// Every warning of the study: settings-level, then per transcript in path order.
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
