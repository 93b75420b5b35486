//! The stat/hash pass: what each transcript file is now, for the plan. Files
//! are stat'ed in parallel; a file whose size or mtime differs from the
//! manifest's is read and hashed, and its bytes are kept for the executor
//! when its content changed, so that it is not read twice.

use rayon::prelude::*;

use super::plan::Observation;
use crate::error::{Error, Result};
use crate::index::Manifest;
use crate::study::TranscriptFile;

/// The transcripts as they are now, in the study's order.
pub(crate) struct Scan {
    /// What the plan needs of each file.
    pub observations: Vec<Observation>,
    /// Per file, its bytes when they were read and differ from the
    /// manifest's.
    pub bytes: Vec<Option<Vec<u8>>>,
}

fn stat(file: &TranscriptFile) -> Result<(u64, u128)> {
    if let Some(stat) = file.stat {
        return Ok(stat);
    }
    let meta = std::fs::metadata(&file.abs).map_err(|e| Error::io(&file.abs, e))?;
    Ok(crate::input::size_and_mtime(&meta))
}

/// Stats every file and, when `compare` (see [`super::plan::compares_files`]),
/// hashes those the manifest lists with another size or mtime.
pub(crate) fn scan(
    files: &[TranscriptFile],
    prev: Option<&Manifest>,
    compare: bool,
) -> Result<Scan> {
    let stats: Vec<Result<(u64, u128)>> = files.par_iter().map(stat).collect();
    let mut out = Scan {
        observations: Vec::with_capacity(files.len()),
        bytes: Vec::with_capacity(files.len()),
    };
    for (f, st) in files.iter().zip(stats) {
        let (size, mtime) = st?;
        let (mut hash, mut bytes) = (None, None);
        match prev.and_then(|p| p.files.get(&f.rel)) {
            Some(e) if compare && (e.size != size || e.mtime != mtime) => {
                let read = crate::input::read_user_file(&f.abs, &f.rel, crate::input::TRANSCRIPT)?;
                let h = blake3::hash(&read).to_hex().to_string();
                if h != e.hash {
                    bytes = Some(read);
                }
                hash = Some(h);
            }
            _ => {}
        }
        out.observations.push(Observation {
            rel: f.rel.clone(),
            size,
            mtime,
            hash,
        });
        out.bytes.push(bytes);
    }
    Ok(out)
}
