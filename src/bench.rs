//! What `benches/tantivy_alone.rs` needs of the crate: the documents `code`
//! gives the index, and the index writer `code` uses (same schema, analyzers,
//! memory budget and merge policy), so that tantivy alone is timed on
//! exactly what `code` indexes. Not part of the interface.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::study::{Study, StudyAt};

/// The documents of a study, prepared.
pub struct Prepared {
    /// One per excerpt, in the order `code` adds them.
    docs: Vec<tantivy::TantivyDocument>,
    /// Bytes of transcripts they come from.
    pub bytes: u64,
    /// Wall time of reading, splitting, coding and making the documents.
    pub took: Duration,
}

impl Prepared {
    /// How many documents (excerpts).
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

/// Reads and codes the study at `project` as `code` does from scratch,
/// keeping each excerpt's document. `data_dir` is where the documents'
/// index will be written (it only lends its schema's fields here).
pub fn prepare(project: &Path, data_dir: &Path) -> Result<Prepared> {
    let study = Study::find(&StudyAt {
        project: Some(project.to_path_buf()),
        ..Default::default()
    })?;
    let fields = crate::index::Writer::open(data_dir, true, Some(1))?.fields();
    let start = Instant::now();
    let (docs, bytes) = crate::pipeline::ingest::documents(&study, &fields)?;
    Ok(Prepared {
        docs,
        bytes,
        took: start.elapsed(),
    })
}

/// Writes the prepared documents to a fresh index in `data_dir` with the
/// writer `code` uses, and commits: the wall time of opening, adding and
/// committing. `threads` as `THEMATIC_INDEX_THREADS` (default: one per core).
pub fn index(prepared: Prepared, data_dir: &Path, threads: Option<usize>) -> Result<Duration> {
    let Prepared { docs, .. } = prepared;
    let start = Instant::now();
    let writer = crate::index::Writer::open(data_dir, true, threads)?;
    for doc in docs {
        writer.add_document(doc)?;
    }
    writer.commit(&crate::index::Manifest::new(), Vec::new())?;
    Ok(start.elapsed())
}
