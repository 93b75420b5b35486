//! The tantivy index of coded excerpts in `<study>/.thematic/index`: the only
//! module that names tantivy fields. One document per excerpt: its text
//! (stored, and indexed for search) and its address (dense file id and
//! position, respondent) in fast fields. What each excerpt is coded with
//! lives beside it in the [`codes`] table, so the matrix is counted without
//! touching stored text and a codebook edit rewrites no document. The commit
//! payload names the [`Manifest`]: it describes the index (schema version,
//! hashes of the codebook, settings and every transcript, id → label tables)
//! so a stale or foreign index is detected, never trusted.

pub mod codes;
pub mod collect;
mod dir;
mod integrity;
pub mod query;

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

/// Bumped whenever the schema or the manifest changes meaning.
pub const SCHEMA_VERSION: u32 = 7;
const TOOL: &str = "thematic";
const ANALYZER: &str = "thematic_terms";
/// Segments this large are left unmerged (see [`Writer::open`]).
const MAX_MERGE_DOCS: usize = 100_000;

/// The schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Excerpt id `path:line`.
    pub id: Field,
    /// Transcript path.
    pub path: Field,
    /// Line in the file.
    pub line: Field,
    /// Position in the file (corpus order within a file).
    pub pos: Field,
    /// Dense file id (see [`Manifest::files`]).
    pub file: Field,
    /// Dense respondent id (see [`Manifest::respondents`]).
    pub resp: Field,
    /// Speaker label.
    pub speaker: Field,
    /// The interviewer's question before the excerpt.
    pub question: Field,
    /// The excerpt text as written (stored).
    pub text: Field,
    /// The excerpt's search terms (indexed, see [`analysis`]).
    pub body: Field,
    /// Start time of the excerpt (captions).
    pub time: Field,
}

/// A coder as the manifest records it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoderInfo {
    /// Name (sheet file name or `coder` column).
    pub name: String,
    /// Codes (row ids) the coder applied directly.
    pub used: Vec<usize>,
    /// The code columns of the coder's wide sheets (row ids); `None` when
    /// the coder has a long sheet, which considers every code.
    #[serde(default)]
    pub columns: Option<Vec<usize>>,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(tantivy::schema::IndexRecordOption::WithFreqsAndPositions),
    );
    let f = Fields {
        id: b.add_text_field("id", STORED),
        path: b.add_text_field("path", STRING | STORED),
        line: b.add_u64_field("line", STORED | FAST),
        pos: b.add_u64_field("pos", STORED | FAST),
        file: b.add_u64_field("file", STORED | FAST),
        resp: b.add_u64_field("resp", FAST | STORED),
        speaker: b.add_text_field("speaker", STORED),
        question: b.add_text_field("question", STORED),
        text: b.add_text_field("text", STORED),
        body: b.add_text_field("body", text_opts),
        time: b.add_text_field("time", STORED),
    };
    (b.build(), f)
}

/// The analyzer readers use: raw text to search terms.
fn analyzer(lang: Language) -> TextAnalyzer {
    TextAnalyzer::from(analysis::Analyzer::new(lang))
}

/// One transcript in the manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Dense file id used in the index.
    pub id: u64,
    /// blake3 of the file's bytes.
    pub hash: String,
    /// Size in bytes when last read.
    pub size: u64,
    /// Modification time (ns since the epoch) when last read.
    pub mtime: u128,
    /// What ingest learned; kept in a separate details file and loaded
    /// only by the commands that need it ([`load_details`]).
    #[serde(skip)]
    pub info: TranscriptInfo,
}

/// A codebook row as recorded in the manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowInfo {
    /// Path `theme/code…`.
    pub path: String,
    /// Label.
    pub label: String,
    /// 0 for a theme.
    pub depth: usize,
    /// The codebook's rules can code it (an `any` term or a regex).
    pub auto: bool,
    /// The parent row (None for a theme).
    pub parent: Option<usize>,
}

/// The commit payload: what the index was built from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `thematic`.
    pub tool: String,
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema: u32,
    /// blake3 of the codebook file.
    pub codebook_hash: String,
    /// blake3 of thematic.yaml (empty when absent).
    pub settings_hash: String,
    /// blake3 of respondents.csv (empty when absent).
    pub respondents_hash: String,
    /// The analyzer's language.
    pub language: Language,
    /// Codebook rows by dense id.
    pub rows: Vec<RowInfo>,
    /// Respondent ids by dense id.
    pub respondents: Vec<String>,
    /// Merged attributes by respondent id.
    pub attributes: BTreeMap<String, Attributes>,
    /// Transcripts by path.
    pub files: BTreeMap<String, FileEntry>,
    /// Study-level warnings from the last run.
    pub warnings: Vec<String>,
    /// blake3 over the coding sheets (empty when there are none).
    pub codings_hash: String,
    /// Human coders by dense id.
    pub coders: Vec<CoderInfo>,
    /// Coding rows re-anchored to an excerpt that moved (told once).
    #[serde(default)]
    pub moves: Vec<String>,
    /// Notes on the coding sheets already told (earlier code names).
    #[serde(default)]
    pub notes: Vec<String>,
    /// The hash that names this manifest's files (set when opened).
    #[serde(skip)]
    pub head: String,
    /// The details file of this commit, opened with the manifest (so that
    /// a commit made meanwhile cannot take it away) and read on demand.
    #[serde(skip)]
    details_file: HeldFile,
}

/// A file held open from the moment a commit is opened.
#[derive(Debug, Clone, Default)]
struct HeldFile(Option<Arc<std::fs::File>>);

impl PartialEq for HeldFile {
    /// The file is where the data comes from, not data: manifests compare
    /// by what they say.
    fn eq(&self, _: &HeldFile) -> bool {
        true
    }
}

/// Reads the whole of a held file from its start.
fn read_held(file: &std::fs::File) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek};
    let mut f = file;
    f.seek(std::io::SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A derived file that failed its check after the index was opened: there
/// is nothing to do but rebuild.
fn damaged(path: &Path) -> Error {
    Error::failure(format!(
        "{} is damaged (it fails its checksum)",
        path.display()
    ))
    .with_hint("run the command again: the study's index is rebuilt from the transcripts")
}

impl Manifest {
    /// A fresh manifest for this writer.
    pub fn new() -> Manifest {
        Manifest {
            tool: TOOL.into(),
            schema: SCHEMA_VERSION,
            ..Default::default()
        }
    }

    /// A respondent's value of an attribute (`respondent` is the id unless
    /// an attribute has that name).
    pub fn attribute<'a>(&'a self, resp: &'a str, attr: &str) -> Option<&'a str> {
        match self.attributes.get(resp).and_then(|a| a.get(attr)) {
            Some(v) => Some(v.as_str()),
            None if attr == "respondent" => Some(resp),
            None => None,
        }
    }

    /// The codebook's parent links, to expand codes into rows.
    pub fn closure(&self) -> codes::Closure {
        codes::Closure::new(self.rows.iter().map(|r| r.parent))
    }

    /// Corpus order (path, then position in the file) over dense file ids.
    pub fn corpus_order(&self) -> CorpusOrder {
        let max = self
            .files
            .values()
            .map(|f| f.id)
            .max()
            .map_or(0, |m| m as usize + 1);
        let mut ranks = vec![u32::MAX; max];
        for (rank, f) in self.files.values().enumerate() {
            ranks[f.id as usize] = rank as u32;
        }
        CorpusOrder(ranks)
    }
}

/// Sort keys in corpus order: each dense file id's rank in path order.
#[derive(Debug, Clone)]
pub struct CorpusOrder(Vec<u32>);

impl CorpusOrder {
    /// The key of the excerpt at `pos` in file `file`.
    pub fn key(&self, file: u64, pos: u64) -> (u32, u64) {
        (self.0.get(file as usize).copied().unwrap_or(u32::MAX), pos)
    }
}

/// Fills in each file's [`TranscriptInfo`] from the details file committed
/// with the manifest.
pub fn load_details(data_dir: &Path, manifest: &mut Manifest) -> Result<()> {
    let path = data_dir.join(format!("details-{}.json", manifest.head));
    let bytes = match &manifest.details_file.0 {
        Some(file) => read_held(file),
        None => std::fs::read(&path),
    }
    .map_err(|e| match e.kind() {
        // Derived data, not the user's: thematic.yaml has nothing to do
        // with it. Only a commit made while this one was read removes it.
        std::io::ErrorKind::NotFound => Error::failure(format!(
            "{} was removed while it was read (another thematic command updated the index)",
            path.display()
        ))
        .with_hint("run the command again"),
        _ => Error::io(&path, e),
    })?;
    let body = integrity::unseal(&bytes).ok_or_else(|| damaged(&path))?;
    let mut details: BTreeMap<String, TranscriptInfo> =
        serde_json::from_slice(body).map_err(|e| {
            Error::failure(format!("{}: {e}", path.display()))
                .with_hint("delete the study's .thematic/ folder and run `thematic code` again")
        })?;
    for (p, e) in manifest.files.iter_mut() {
        if let Some(info) = details.remove(p) {
            e.info = info;
        }
    }
    Ok(())
}

/// The commit payload: which writer made the commit and which manifest
/// file belongs to it.
#[derive(Debug, Serialize, Deserialize)]
struct PayloadHead {
    tool: String,
    schema: u32,
    manifest: String,
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
}

/// The index folder of a study's data folder.
pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("index")
}

/// Opens the index if there is one this version wrote and committed.
/// `Ok(None)` means there is nothing usable (absent, uncommitted, foreign,
/// another schema or damaged): the caller rebuilds.
pub fn open(data_dir: &Path) -> Result<Option<StudyIndex>> {
    Ok(match open_checked(data_dir)? {
        Opened::Ready(idx) => Some(*idx),
        Opened::Missing | Opened::Damaged(_) => None,
    })
}

/// What [`open_checked`] found in a study's data folder.
pub enum Opened {
    /// An index this version wrote, whose files pass their checks.
    Ready(Box<StudyIndex>),
    /// No index this version can use: none yet, uncommitted, foreign or
    /// of another schema.
    Missing,
    /// An index whose files are damaged (why, naming the file): derived
    /// data, to be rebuilt from the transcripts.
    Damaged(String),
}

/// Opens the index and checks its files (see [`integrity`]): what was
/// damaged is said, never read.
pub fn open_checked(data_dir: &Path) -> Result<Opened> {
    let meta = index_dir(data_dir).join("meta.json");
    let before = std::fs::read(&meta).ok();
    match try_open(data_dir)? {
        // A commit made meanwhile may have removed files of the one being
        // opened: the new commit is opened instead.
        Opened::Damaged(_) if std::fs::read(&meta).ok() != before => try_open(data_dir),
        other => Ok(other),
    }
}

/// A tantivy failure while opening: an unreadable folder is an error, any
/// other failure means the index is damaged.
fn open_failure(err: tantivy::TantivyError, dir: &Path, what: &str) -> Result<Opened> {
    let denied = match &err {
        tantivy::TantivyError::OpenReadError(
            tantivy::directory::error::OpenReadError::IoError { io_error, .. },
        )
        | tantivy::TantivyError::IoError(io_error) => {
            io_error.kind() == std::io::ErrorKind::PermissionDenied
        }
        tantivy::TantivyError::OpenDirectoryError(
            tantivy::directory::error::OpenDirectoryError::IoError { io_error, .. },
        ) => io_error.kind() == std::io::ErrorKind::PermissionDenied,
        tantivy::TantivyError::LockFailure(..) => true,
        _ => false,
    };
    if denied {
        return Err(Error::from_tantivy(err, dir));
    }
    Ok(Opened::Damaged(format!("{what} cannot be read")))
}

fn try_open(data_dir: &Path) -> Result<Opened> {
    let dir = index_dir(data_dir);
    if !dir.join("meta.json").is_file() {
        return Ok(Opened::Missing);
    }
    let shown = |name: &str| format!(".thematic/{name}");
    let damaged = |name: &str| Ok(Opened::Damaged(format!("{} is damaged", shown(name))));
    let index = match ReaderDir::open(&dir).and_then(Index::open) {
        Ok(i) => i,
        Err(e) => return open_failure(e, &dir, &shown("index/meta.json")),
    };
    let metas = match index.load_metas() {
        Ok(m) => m,
        Err(e) => return open_failure(e, &dir, &shown("index/meta.json")),
    };
    let Some(payload) = metas.payload.clone() else {
        return Ok(Opened::Missing);
    };
    // The payload names the manifest file committed with it.
    let Ok(head) = serde_json::from_str::<PayloadHead>(&payload) else {
        return Ok(Opened::Missing);
    };
    if head.tool != TOOL
        || head.schema != SCHEMA_VERSION
        || !head.manifest.chars().all(|c| c.is_ascii_hexdigit())
    {
        return Ok(Opened::Missing);
    }
    let mut verified = integrity::Verified::load(data_dir);
    // The side files: the manifest is read (and its seal checked) every
    // time; the details and the code table are held open, checked here
    // when new to this reader, and again whenever they are read.
    let manifest_name = format!("manifest-{}.json", head.manifest);
    let details_name = format!("details-{}.json", head.manifest);
    let codes_name = format!("codes-{}.bin", head.manifest);
    let manifest_body = match std::fs::read(data_dir.join(&manifest_name)) {
        Ok(bytes) => match integrity::unseal_vec(bytes) {
            Some(body) => body,
            None => return damaged(&manifest_name),
        },
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(Error::io(&data_dir.join(&manifest_name), e))
        }
        Err(_) => return damaged(&manifest_name),
    };
    let mut held = Vec::new();
    for name in [&details_name, &codes_name] {
        let path = data_dir.join(name);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(Error::io(&path, e))
            }
            Err(_) => return damaged(name),
        };
        if let Some(stamp) = verified.needs_check(data_dir, name) {
            let ok = read_held(&file)
                .ok()
                .is_some_and(|b| integrity::unseal(&b).is_some());
            if !ok {
                return damaged(name);
            }
            verified.passed(name, stamp);
        }
        held.push((file, path));
    }
    let Ok(mut manifest) = serde_json::from_slice::<Manifest>(&manifest_body) else {
        return damaged(&manifest_name);
    };
    manifest.head = head.manifest.clone();
    if manifest.tool != TOOL || manifest.schema != SCHEMA_VERSION {
        return Ok(Opened::Missing);
    }
    let (expected, fields) = schema();
    if index.schema() != expected {
        return Ok(Opened::Missing);
    }
    // tantivy's files of this commit: their footers' checksums.
    let mut files: Vec<PathBuf> = metas.list_segment_files().into_iter().collect();
    files.sort();
    for file in files {
        let name = format!("index/{}", file.display());
        if !dir.join(&file).exists() {
            // Optional components (deletes, …) need not be there; a
            // required one missing fails when the segments are opened.
            continue;
        }
        if let Some(stamp) = verified.needs_check(data_dir, &name) {
            match index.directory().validate_checksum(&file) {
                Ok(true) => verified.passed(&name, stamp),
                Ok(false) => return damaged(&name),
                Err(e) => {
                    return match open_failure(e.into(), &dir, &shown(&name))? {
                        Opened::Damaged(_) => damaged(&name),
                        other => Ok(other),
                    }
                }
            }
        }
    }
    verified.save(data_dir);
    index
        .tokenizers()
        .register(ANALYZER, analyzer(manifest.language));
    // tantivy trusts its files: a damaged one that passed its checksum (or
    // meta.json, which has none) can make it panic while it opens the
    // segments. The panic is caught here, as a last resort, and means the
    // index is rebuilt; the panic message is not shown.
    let opened = quietly(|| {
        index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
    });
    let reader: IndexReader = match opened {
        Some(Ok(r)) => r,
        Some(Err(e)) => return open_failure(e, &dir, &shown("index")),
        None => {
            return Ok(Opened::Damaged(format!(
                "{} cannot be read",
                shown("index")
            )))
        }
    };
    let mut held = held.into_iter();
    let (Some(details), Some(codes_file)) = (held.next(), held.next()) else {
        return Ok(Opened::Missing);
    };
    manifest.details_file = HeldFile(Some(Arc::new(details.0)));
    Ok(Opened::Ready(Box::new(StudyIndex {
        data_dir: data_dir.to_path_buf(),
        index,
        fields,
        manifest,
        reader,
        codes_file,
        codes: std::sync::OnceLock::new(),
    })))
}

/// Runs `f`, catching a panic (reported as `None`) without printing it.
fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok();
    std::panic::set_hook(hook);
    out
}

/// Whether this process may write to the index in `data_dir` (a file can
/// be created there).
pub fn writable(data_dir: &Path) -> bool {
    let probe = index_dir(data_dir).join(format!(".thematic-probe-{}", std::process::id()));
    let ok = std::fs::File::create(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

/// Writes a new or updated index; nothing is visible until [`Writer::commit`].
pub struct Writer {
    /// Behind a lock only so that a failed add can ask the writer why
    /// (which needs it mutably); documents are added from one thread.
    writer: std::sync::Mutex<IndexWriter>,
    fields: Fields,
    dir: PathBuf,
}

impl Writer {
    /// Opens a writer. `fresh` starts from an empty index (the previous one
    /// stays readable until the commit replaces it).
    pub fn open(data_dir: &Path, fresh: bool) -> Result<Writer> {
        create_private_dir(data_dir)?;
        let dir = index_dir(data_dir);
        let (schema, fields) = schema();
        let reuse = !fresh && dir.join("meta.json").is_file();
        let tantivy_err = |e| Error::from_tantivy(e, &dir);
        let index = if reuse {
            Index::open_in_dir(&dir).map_err(tantivy_err)?
        } else {
            if dir.exists() {
                // A foreign, older or broken index: derived data, rebuilt here.
                let ok_schema = Index::open_in_dir(&dir)
                    .map(|i| i.schema() == schema)
                    .unwrap_or(false);
                if !ok_schema {
                    std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                }
            }
            create_private_dir(&dir)?;
            if dir.join("meta.json").is_file() {
                Index::open_in_dir(&dir).map_err(tantivy_err)?
            } else {
                Index::create_in_dir(&dir, schema).map_err(tantivy_err)?
            }
        };
        // Bodies arrive pre-analysed by the coder (see `analysis`).
        index
            .tokenizers()
            .register(ANALYZER, TextAnalyzer::from(analysis::PreAnalysed));
        let threads = std::env::var("THEMATIC_INDEX_THREADS")
            .ok()
            .and_then(|t| t.parse::<usize>().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .clamp(1, 8);
        let writer = index
            .writer_with_num_threads(threads, 64_000_000 * threads)
            .map_err(tantivy_err)?;
        // Segments of 100k excerpts or more are not merged. A merge maps and
        // reads every segment it joins, so on a large study the final merge
        // into one segment was what peaked memory (the document stores of
        // 1 GB of text, resident at once) and took a fifth of the run; a
        // few segments more cost searches next to nothing. Small segments
        // (incremental runs) still merge.
        let mut policy = tantivy::merge_policy::LogMergePolicy::default();
        policy.set_max_docs_before_merge(MAX_MERGE_DOCS);
        writer.set_merge_policy(Box::new(policy));
        // What a failed run left behind goes first: on a full disk, the
        // space it holds may be what this run needs.
        remove_orphans_locked(&index, &dir);
        if !reuse {
            writer.delete_all_documents().map_err(tantivy_err)?;
        }
        Ok(Writer {
            writer: std::sync::Mutex::new(writer),
            fields,
            dir,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A failure of the writer, said with its cause: when an indexing
    /// thread stopped (on a full disk, say), tantivy's own error says only
    /// that the writer "was killed"; the thread's error is what it returns
    /// when joined, which preparing a commit does.
    fn failure(&self, err: tantivy::TantivyError) -> Error {
        if matches!(err, tantivy::TantivyError::ErrorInThread(_)) {
            if let Err(cause) = self.lock().prepare_commit() {
                return Error::from_tantivy(cause, &self.dir);
            }
        }
        Error::from_tantivy(err, &self.dir)
    }

    /// The study's data folder the index lives in.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.parent().map(Path::to_path_buf).unwrap_or_default()
    }

    /// Removes every excerpt of a transcript.
    pub fn delete_file(&self, path: &str) {
        self.lock()
            .delete_term(Term::from_field_text(self.fields.path, path));
    }

    /// Adds one excerpt; `body` is its pre-analysed search terms.
    pub fn add(&self, e: &Excerpt, body: &str, file: u64, resp: u64) -> Result<()> {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &e.id);
        doc.add_text(f.path, &e.path);
        doc.add_u64(f.line, e.line as u64);
        doc.add_u64(f.pos, e.pos as u64);
        doc.add_u64(f.file, file);
        doc.add_u64(f.resp, resp);
        doc.add_text(f.speaker, &e.speaker);
        doc.add_text(f.question, &e.question);
        doc.add_text(f.text, &e.text);
        doc.add_text(f.body, body);
        if !e.time.is_empty() {
            doc.add_text(f.time, &e.time);
        }
        let added = self.lock().add_document(doc);
        added.map(|_| ()).map_err(|e| self.failure(e))
    }

    /// Commits atomically with the manifest as payload, then tidies up.
    ///
    /// The manifest, its details and the code table (`table`, see
    /// [`codes::TableBuilder::encode`]) are written first to files named by
    /// their hash; the commit's payload names them, so an interrupted run
    /// leaves the previous commit and its files in place.
    pub fn commit(self, manifest: &Manifest, table: Vec<u8>) -> Result<()> {
        let bytes =
            serde_json::to_vec(manifest).map_err(|e| Error::failure(format!("manifest: {e}")))?;
        let details: BTreeMap<&String, &TranscriptInfo> =
            manifest.files.iter().map(|(p, e)| (p, &e.info)).collect();
        let details =
            serde_json::to_vec(&details).map_err(|e| Error::failure(format!("manifest: {e}")))?;
        let mut hasher = blake3::Hasher::new();
        hasher.update(&bytes);
        hasher.update(&details);
        hasher.update(&table);
        let hash = hasher.finalize().to_hex()[..24].to_string();
        let data = self.data_dir();
        let dir = self.dir.clone();
        let mut writer = self
            .writer
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // The commit before this one: its side files are kept until the
        // next commit, so that a reader that opened it can finish.
        let previous = writer
            .index()
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| serde_json::from_str::<PayloadHead>(&p).ok())
            .map(|h| h.manifest)
            .unwrap_or_default();
        for (kind, ext, mut body) in [
            ("codes", "bin", table),
            ("details", "json", details),
            ("manifest", "json", bytes),
        ] {
            let file = data.join(format!("{kind}-{hash}.{ext}"));
            let tmp = data.join(format!("{kind}-{hash}.tmp"));
            integrity::seal(&mut body);
            if let Err(e) = std::fs::write(&tmp, &body) {
                let _ = std::fs::remove_file(&tmp);
                return Err(Error::io(&tmp, e));
            }
            restrict_file(&tmp);
            std::fs::rename(&tmp, &file).map_err(|e| Error::io(&file, e))?;
        }
        let payload = serde_json::to_string(&PayloadHead {
            tool: TOOL.into(),
            schema: SCHEMA_VERSION,
            manifest: hash.clone(),
        })
        .map_err(|e| Error::failure(format!("manifest: {e}")))?;
        let tantivy_err = |e| Error::from_tantivy(e, &dir);
        let prepared = writer.prepare_commit();
        let mut prepared = match prepared {
            Ok(p) => p,
            Err(e) => return Err(tantivy_err(e)),
        };
        prepared.set_payload(&payload);
        prepared.commit().map_err(tantivy_err)?;
        let _ = writer.garbage_collect_files().wait();
        writer.wait_merging_threads().map_err(tantivy_err)?;
        remove_orphans(&dir);
        restrict_permissions(&dir);
        // Side files named by neither this commit nor the one before are
        // no longer needed by anyone. Count caches are filled afresh for
        // each commit.
        if let Ok(entries) = std::fs::read_dir(&data) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let kept = |h: &str| {
                    !h.is_empty()
                        && (name == format!("manifest-{h}.json")
                            || name == format!("details-{h}.json")
                            || name == format!("codes-{h}.bin"))
                };
                let previous_counts = previous != hash
                    && !previous.is_empty()
                    && name.starts_with(&format!("counts-{previous}-"))
                    && name.ends_with(".bin");
                let derived = ["manifest-", "details-", "codes-", "counts-", "verified-"];
                if derived.iter().any(|d| name.starts_with(d))
                    && !kept(&hash)
                    && !kept(&previous)
                    && !previous_counts
                {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(())
    }
}

/// Removes segment files that no commit names: what a failed commit (a
/// full disk, a killed run) left behind and tantivy's own clean-up does
/// not know of. Called right after a commit; it takes the writer lock (so
/// no other writer is making segments; when one is, nothing is removed)
/// and the lock readers take while opening segments (so no reader is
/// between reading the commit and opening its files).
fn remove_orphans(dir: &Path) {
    use tantivy::Directory;
    let Ok(index) = Index::open_in_dir(dir) else {
        return;
    };
    let Ok(_writing) = index
        .directory()
        .acquire_lock(&tantivy::directory::INDEX_WRITER_LOCK)
    else {
        return;
    };
    remove_orphans_locked(&index, dir);
}

/// [`remove_orphans`] for a caller that holds the writer lock.
fn remove_orphans_locked(index: &Index, dir: &Path) {
    use tantivy::Directory;
    let Ok(_opening) = index
        .directory()
        .acquire_lock(&tantivy::directory::META_LOCK)
    else {
        return;
    };
    let Ok(metas) = index.load_metas() else {
        return;
    };
    let live = metas.list_segment_files();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        // Segment files are named `<32 hex digits>.<component>`.
        let segment = name
            .split_once('.')
            .is_some_and(|(id, _)| id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()));
        if segment && !live.contains(Path::new(&name)) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    // The data folder ignores itself, so a study's git never sees the index.
    let ignore = dir.join(".gitignore");
    if dir.file_name().is_some_and(|n| n == crate::study::DATA_DIR) && !ignore.exists() {
        let _ = std::fs::write(&ignore, "# derived by thematic; safe to delete\n*\n");
    }
    Ok(())
}

fn restrict_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn restrict_permissions(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let _ = std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// A stored excerpt read back from the index.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoredExcerpt {
    /// `path:line`.
    pub id: String,
    /// Transcript path.
    pub path: String,
    /// Line.
    pub line: u64,
    /// Respondent id.
    pub respondent: String,
    /// Speaker label.
    pub speaker: String,
    /// The question before it.
    pub question: String,
    /// The text.
    pub text: String,
    /// Code paths applied (not their ancestors).
    pub codes: Vec<String>,
    /// Start time (captions), or empty.
    pub time: String,
}

/// An excerpt's text and address as the index stores them.
#[derive(Debug, Clone, Default)]
pub struct StoredText {
    /// Dense file id.
    pub file: u64,
    /// Position in the file.
    pub pos: u64,
    /// Dense respondent id.
    pub resp: u64,
    /// `path:line`.
    pub id: String,
    /// Transcript path.
    pub path: String,
    /// The text.
    pub text: String,
}

impl StudyIndex {
    /// Maps every excerpt's stored text through `f`, segments in parallel,
    /// keeping what it returns (in segment order, not corpus order).
    pub fn par_map_texts<T: Send>(
        &self,
        f: impl Fn(StoredText) -> Option<T> + Sync,
    ) -> Result<Vec<T>> {
        let parts = self.par_fold_texts(Vec::new, |out, e| out.extend(f(e)))?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// Folds every excerpt's stored text into one accumulator per segment
    /// (`init` makes each), segments in parallel; the accumulators come
    /// back in segment order.
    pub fn par_fold_texts<A: Send>(
        &self,
        init: impl Fn() -> A + Sync,
        fold: impl Fn(&mut A, StoredText) + Sync,
    ) -> Result<Vec<A>> {
        use rayon::prelude::*;
        let (own, metas) = self.own_segments()?;
        metas
            .into_par_iter()
            .map(|meta| {
                let mut acc = init();
                self.segment_texts(&own, meta, &mut |e| fold(&mut acc, e))?;
                Ok(acc)
            })
            .collect()
    }

    /// A handle of the index's own, and the segments of this reader's
    /// commit. Through its own handle a segment's files are mapped only
    /// while that segment is read: reading a large study's text never holds
    /// all of it in memory at once.
    fn own_segments(&self) -> Result<(Index, Vec<tantivy::SegmentMeta>)> {
        let own = Index::open_in_dir(index_dir(&self.data_dir))?;
        let metas = own.searchable_segment_metas()?;
        let ours = self
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|r| {
                let id = r.segment_id();
                metas
                    .iter()
                    .find(|m| m.id() == id)
                    .cloned()
                    .ok_or_else(|| Error::failure("the index changed while it was read"))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((own, ours))
    }

    /// Hands each stored excerpt of one segment to `f`.
    fn segment_texts(
        &self,
        own: &Index,
        meta: tantivy::SegmentMeta,
        f: &mut dyn FnMut(StoredText),
    ) -> Result<()> {
        let fl = &self.fields;
        let seg = tantivy::SegmentReader::open(&own.segment(meta))?;
        let store = seg
            .get_store_reader(1)
            .map_err(|e| Error::io(&index_dir(&self.data_dir), e))?;
        for doc in store.iter::<TantivyDocument>(seg.alive_bitset()) {
            let doc = doc?;
            f(StoredText {
                file: first_u64(&doc, fl.file),
                pos: first_u64(&doc, fl.pos),
                resp: first_u64(&doc, fl.resp),
                id: first_str(&doc, fl.id),
                path: first_str(&doc, fl.path),
                text: first_str(&doc, fl.text),
            });
        }
        Ok(())
    }

    /// The codes applied directly to an excerpt, by any source, in
    /// codebook order (row ids).
    pub fn direct_codes(&self, file: u64, pos: u64) -> Result<Vec<u32>> {
        Ok(self
            .codes()?
            .get(file, pos)
            .map_or_else(Vec::new, |rec| rec.direct()))
    }

    /// The code table committed with the index (read once, on first use).
    pub fn codes(&self) -> Result<Arc<codes::CodeTable>> {
        if let Some(t) = self.codes.get() {
            return Ok(t.clone());
        }
        let (file, path) = &self.codes_file;
        let table = Arc::new(codes::CodeTable::load(file, path)?);
        Ok(self.codes.get_or_init(|| table).clone())
    }

    /// A collector of the hits passing `keep` (scored when `scoring`).
    pub fn hits(&self, keep: collect::HitFilter, scoring: bool) -> Result<collect::HitCollector> {
        let codes = if keep.uncoded || !keep.rows_all.is_empty() {
            let rows = collect::RowReader::new(keep.filter.source, self.manifest.closure());
            Some((self.codes()?, rows))
        } else {
            None
        };
        Ok(collect::HitCollector {
            keep,
            scoring,
            codes,
        })
    }

    /// Every excerpt passing `keep`, in corpus order (path, then position).
    pub fn corpus(&self, keep: collect::HitFilter) -> Result<Vec<collect::Hit>> {
        let mut hits = self
            .reader
            .searcher()
            .search(&tantivy::query::AllQuery, &self.hits(keep, false)?)?;
        let order = self.manifest.corpus_order();
        hits.sort_by_key(|h| order.key(h.file, h.pos));
        Ok(hits)
    }

    /// Reads one excerpt's stored fields.
    pub fn stored(
        &self,
        searcher: &tantivy::Searcher,
        addr: tantivy::DocAddress,
    ) -> Result<StoredExcerpt> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let f = &self.fields;
        let s = |field| first_str(&doc, field);
        let num = |field| first_u64(&doc, field);
        let resp = num(f.resp) as usize;
        let codes: Vec<String> = self
            .direct_codes(num(f.file), num(f.pos))?
            .iter()
            .filter_map(|&r| self.manifest.rows.get(r as usize))
            .map(|r| r.path.clone())
            .collect();
        Ok(StoredExcerpt {
            id: s(f.id),
            path: s(f.path),
            line: num(f.line),
            respondent: self
                .manifest
                .respondents
                .get(resp)
                .cloned()
                .unwrap_or_default(),
            speaker: s(f.speaker),
            question: s(f.question),
            text: s(f.text),
            time: s(f.time),
            codes,
        })
    }
}

/// A stored number of a document (0 when absent).
fn first_u64(doc: &TantivyDocument, field: Field) -> u64 {
    doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0)
}

/// A stored text of a document (empty when absent).
fn first_str(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string()
}

/// Row × respondent counts for a source, cached in `counts-<head>-<source>.bin`
/// beside the manifest (counted from the code table when absent).
pub fn counts(idx: &StudyIndex, source: collect::Source) -> Result<collect::Counts> {
    let tag = match source {
        collect::Source::All => "all".to_string(),
        collect::Source::Rules => "rules".to_string(),
        collect::Source::Human => "human".to_string(),
        collect::Source::Coder(c) => format!("coder{c}"),
    };
    let (n_rows, n_resp) = (idx.manifest.rows.len(), idx.manifest.respondents.len());
    let path = idx
        .data_dir
        .join(format!("counts-{}-{tag}.bin", idx.manifest.head));
    if let Ok(bytes) = std::fs::read(&path) {
        match decode_counts(&bytes, n_rows, n_resp) {
            Some(c) => return Ok(c),
            // A cache of another version is only replaced; a damaged one
            // is said, and never read.
            None if !bytes.starts_with(b"THMCNT01") => eprintln!(
                "note: .thematic/{} is damaged; counting again from the code table",
                path.file_name().unwrap_or_default().to_string_lossy()
            ),
            None => {}
        }
    }
    let rows = collect::RowReader::new(source, idx.manifest.closure());
    let counts = collect::Counts::from_table(&*idx.codes()?, n_rows, n_resp, rows);
    // A cache that cannot be written is only slower next time.
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    if std::fs::write(&tmp, encode_counts(&counts)).is_ok() {
        restrict_file(&tmp);
        if std::fs::rename(&tmp, &path).is_ok() {
            return Ok(counts);
        }
    }
    let _ = std::fs::remove_file(&tmp);
    Ok(counts)
}

const COUNTS_MAGIC: &[u8; 8] = b"THMCNT02";

fn encode_counts(c: &collect::Counts) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + 4 * (c.cells.len() + 2 * c.n_resp));
    out.extend_from_slice(COUNTS_MAGIC);
    out.extend_from_slice(&(c.n_rows as u32).to_le_bytes());
    out.extend_from_slice(&(c.n_resp as u32).to_le_bytes());
    for v in c.cells.iter().chain(&c.excerpts).chain(&c.coded) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    integrity::seal(&mut out);
    out
}

fn decode_counts(bytes: &[u8], n_rows: usize, n_resp: usize) -> Option<collect::Counts> {
    let body = integrity::unseal(bytes)?.strip_prefix(COUNTS_MAGIC.as_slice())?;
    let word = |i: usize| {
        body.get(4 * i..4 * i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if word(0)? as usize != n_rows
        || word(1)? as usize != n_resp
        || body.len() != 4 * (2 + n_rows * n_resp + 2 * n_resp)
    {
        return None;
    }
    let values: Vec<u32> = (2..body.len() / 4).filter_map(word).collect();
    let (cells, rest) = values.split_at(n_rows * n_resp);
    let (excerpts, coded) = rest.split_at(n_resp);
    Some(collect::Counts {
        n_rows,
        n_resp,
        cells: cells.to_vec(),
        excerpts: excerpts.to_vec(),
        coded: coded.to_vec(),
    })
}
