//! The tantivy index of coded excerpts in `<study>/.thematic/index`: the only
//! module that names tantivy fields. One document per excerpt: its text
//! (stored, and indexed for search) and its address (dense file id and
//! position, respondent) in fast fields. What each excerpt is coded with
//! lives beside it in the [`codes`] table, so the matrix is counted without
//! touching stored text and a codebook edit rewrites no document. The commit
//! payload names the [`Manifest`]: it describes the index (schema version,
//! hashes of the codebook, settings and every transcript, id → label tables)
//! so a stale or foreign index is detected, never trusted.
//!
//! One file per job: [`schema`] (fields, analyzer names, version),
//! [`manifest`] (the study's state as committed, stored in the encoding
//! of `binary`), [`store`] (open and
//! check, the writer, commits and side files, permissions), [`scan`]
//! (stored excerpts, parallel segment reads), [`cache`] (counts per
//! commit), [`codes`] (the code table), [`collect`] (collectors),
//! [`query`] (search queries), and the checks of [`integrity`] and the
//! read-only folder of `dir`.

mod binary;
pub mod codes;
pub mod collect;
mod dir;
pub(crate) mod integrity;
pub mod query;

pub mod cache;
pub mod manifest;
pub mod scan;
pub mod schema;
pub mod store;

pub use cache::*;
pub use manifest::*;
pub use schema::*;
pub use store::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::schema::{Field, Schema, TextFieldIndexing, TextOptions, Value, FAST, STORED, STRING};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::error::{Error, Result};
use crate::model::{Attributes, Excerpt, TranscriptInfo};
use crate::study::Language;
use crate::text::analysis;
use dir::ReaderDir;

/// A derived file that failed its check after the index was opened: there
/// is nothing to do but rebuild.
fn damaged(path: &Path) -> Error {
    Error::failure(format!(
        "{} is damaged (it fails its checksum)",
        path.display()
    ))
    .with_hint("run the command again: the study's index is rebuilt from the transcripts")
}

/// An open study index.
pub struct StudyIndex {
    /// The tantivy index.
    pub index: Index,
    /// Its fields.
    pub fields: Fields,
    /// Its manifest (the last commit's payload).
    pub manifest: Manifest,
    /// A reader at the last commit.
    pub reader: IndexReader,
    /// The study's data folder (`.thematic`).
    pub data_dir: PathBuf,
    /// The code table's file, opened with the manifest (so a commit made
    /// meanwhile, which deletes older tables, cannot take it away) and read
    /// on first use.
    codes_file: (std::fs::File, PathBuf),
    codes: std::sync::OnceLock<std::sync::Arc<codes::CodeTable>>,
    /// Each transcript's search language by dense file id, made on first
    /// use (see [`StudyIndex::file_language`]).
    file_languages: std::sync::OnceLock<Vec<Option<crate::study::Language>>>,
}
