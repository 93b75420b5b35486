//! Opening, checking and writing the index: open or rebuild, the writer and
//! its commit with the manifest and side files, cleaning orphans, and the
//! permissions of everything under `.thematic/`.

use super::*;

/// Bytes of stored documents compressed together (tantivy's default is 16
/// KiB). Larger blocks mean fewer hand-offs to the compressing thread and
/// fewer block headers while indexing, and compress the repeated question
/// and ids of neighbouring excerpts better; a quote decompresses one block
/// per excerpt shown (about 20 µs at this size).
pub(super) const DOCSTORE_BLOCK: usize = 64 << 10;

/// The settings a new index is created with.
fn index_settings() -> tantivy::IndexSettings {
    tantivy::IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK,
        ..Default::default()
    }
}

/// Segments this large are left unmerged (see [`Writer::open`]).
pub(super) const MAX_MERGE_DOCS: usize = 100_000;

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
pub(super) fn open_failure(err: tantivy::TantivyError, dir: &Path, what: &str) -> Result<Opened> {
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

/// The value of a step of [`try_open`], or what the index turned out to be
/// instead (missing or damaged), which ends the opening.
type Step<T> = std::result::Result<T, Opened>;

/// Takes a step's value, or returns what the index turned out to be.
macro_rules! step {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(opened) => return Ok(opened),
        }
    };
}

/// A file of the data folder as named in messages.
fn shown(name: &str) -> String {
    format!(".thematic/{name}")
}

/// The index is damaged at `name` (a file of the data folder).
fn damaged(name: &str) -> Opened {
    Opened::Damaged(format!("{} is damaged", shown(name)))
}

/// The side files committed with the index, named by the payload.
struct SideFiles {
    /// The manifest, read (and its seal checked) every time.
    manifest: String,
    /// The details, held open.
    details: String,
    /// The code table, held open.
    codes: String,
}

impl SideFiles {
    /// The side files a payload's head names.
    fn of(head: &PayloadHead) -> SideFiles {
        SideFiles {
            manifest: format!("manifest-{}.bin", head.manifest),
            details: format!("details-{}.bin", head.manifest),
            codes: format!("codes-{}.bin", head.manifest),
        }
    }
}

/// A side file held open, and where it is.
type HeldSide = (std::fs::File, PathBuf);

/// The details and the code table, held open.
struct Held {
    /// The details file.
    details: HeldSide,
    /// The code table's file.
    codes: HeldSide,
}

/// Opening the index of a data folder: what every step needs.
struct Opening<'a> {
    /// The study's data folder (`.thematic`).
    data_dir: &'a Path,
    /// Its index folder.
    dir: PathBuf,
    /// Files whose checks passed and have not changed since.
    verified: integrity::Verified,
}

pub(super) fn try_open(data_dir: &Path) -> Result<Opened> {
    let dir = index_dir(data_dir);
    if !dir.join("meta.json").is_file() {
        return Ok(Opened::Missing);
    }
    let index = match ReaderDir::open(&dir).and_then(Index::open) {
        Ok(i) => i,
        Err(e) => return open_failure(e, &dir, &shown("index/meta.json")),
    };
    let metas = match index.load_metas() {
        Ok(m) => m,
        Err(e) => return open_failure(e, &dir, &shown("index/meta.json")),
    };
    let head = step!(payload_head(metas.payload.as_deref()));
    let mut o = Opening {
        data_dir,
        dir,
        verified: integrity::Verified::load(data_dir),
    };
    let side = SideFiles::of(&head);
    let manifest_body = step!(o.manifest_body(&side.manifest)?);
    let held = step!(o.hold(&side)?);
    let mut manifest = step!(parse_manifest(&manifest_body, &side.manifest, &head));
    let (expected, fields) = schema();
    if index.schema() != expected {
        return Ok(Opened::Missing);
    }
    step!(o.check_segments(&index, &metas)?);
    let Opening {
        data_dir,
        dir,
        verified,
    } = o;
    verified.save(data_dir);
    for lang in Language::ALL {
        index
            .tokenizers()
            .register(&analyzer_name(lang), analyzer(lang));
    }
    let reader = step!(open_reader(&index, &dir)?);
    manifest.details_file = HeldFile(Some(Arc::new(held.details.0)));
    Ok(Opened::Ready(Box::new(StudyIndex {
        data_dir: data_dir.to_path_buf(),
        index,
        fields,
        manifest,
        reader,
        codes_file: held.codes,
        codes: std::sync::OnceLock::new(),
        file_languages: std::sync::OnceLock::new(),
    })))
}

/// The payload's head, when this version wrote the commit: the payload
/// names the manifest file committed with it.
fn payload_head(payload: Option<&str>) -> Step<PayloadHead> {
    let Some(payload) = payload else {
        return Err(Opened::Missing);
    };
    let Ok(head) = serde_json::from_str::<PayloadHead>(payload) else {
        return Err(Opened::Missing);
    };
    if head.tool != TOOL
        || head.schema != SCHEMA_VERSION
        || !head.manifest.chars().all(|c| c.is_ascii_hexdigit())
    {
        return Err(Opened::Missing);
    }
    Ok(head)
}

/// The manifest read from its (unsealed) body, when this version wrote it.
fn parse_manifest(body: &[u8], name: &str, head: &PayloadHead) -> Step<Manifest> {
    match binary::manifest_writer(body) {
        Some((tool, schema)) if tool == TOOL && schema == SCHEMA_VERSION => {}
        Some(_) => return Err(Opened::Missing),
        None => return Err(damaged(name)),
    }
    let Some(mut manifest) = binary::decode_manifest(body) else {
        return Err(damaged(name));
    };
    manifest.head = head.manifest.clone();
    Ok(manifest)
}

/// Opens a reader on the index's segments.
fn open_reader(index: &Index, dir: &Path) -> Result<Step<IndexReader>> {
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
    Ok(match opened {
        Some(Ok(r)) => Ok(r),
        Some(Err(e)) => Err(open_failure(e, dir, &shown("index"))?),
        None => Err(Opened::Damaged(format!(
            "{} cannot be read",
            shown("index")
        ))),
    })
}

impl Opening<'_> {
    /// The manifest's body, its seal checked.
    fn manifest_body(&self, name: &str) -> Result<Step<Vec<u8>>> {
        Ok(match std::fs::read(self.data_dir.join(name)) {
            Ok(bytes) => integrity::unseal_vec(bytes).ok_or_else(|| damaged(name)),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(Error::io(&self.data_dir.join(name), e))
            }
            Err(_) => Err(damaged(name)),
        })
    }

    /// The details and the code table held open, each checked when new to
    /// this reader (and again whenever they are read).
    fn hold(&mut self, side: &SideFiles) -> Result<Step<Held>> {
        let details = match self.hold_one(&side.details)? {
            Ok(held) => held,
            Err(opened) => return Ok(Err(opened)),
        };
        Ok(self
            .hold_one(&side.codes)?
            .map(|codes| Held { details, codes }))
    }

    /// One side file held open, checked when new to this reader.
    fn hold_one(&mut self, name: &str) -> Result<Step<HeldSide>> {
        let path = self.data_dir.join(name);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(Error::io(&path, e))
            }
            Err(_) => return Ok(Err(damaged(name))),
        };
        if let Some(stamp) = self.verified.needs_check(self.data_dir, name) {
            let ok = read_held(&file)
                .ok()
                .is_some_and(|b| integrity::unseal(&b).is_some());
            if !ok {
                return Ok(Err(damaged(name)));
            }
            self.verified.passed(name, stamp);
        }
        Ok(Ok((file, path)))
    }

    /// tantivy's files of this commit: their footers' checksums.
    fn check_segments(&mut self, index: &Index, metas: &tantivy::IndexMeta) -> Result<Step<()>> {
        let mut files: Vec<PathBuf> = metas.list_segment_files().into_iter().collect();
        files.sort();
        for file in files {
            let name = format!("index/{}", file.display());
            if !self.dir.join(&file).exists() {
                // Optional components (deletes, …) need not be there; a
                // required one missing fails when the segments are opened.
                continue;
            }
            if let Some(stamp) = self.verified.needs_check(self.data_dir, &name) {
                match index.directory().validate_checksum(&file) {
                    Ok(true) => self.verified.passed(&name, stamp),
                    Ok(false) => return Ok(Err(damaged(&name))),
                    Err(e) => {
                        return Ok(Err(
                            match open_failure(e.into(), &self.dir, &shown(&name))? {
                                Opened::Damaged(_) => damaged(&name),
                                other => other,
                            },
                        ))
                    }
                }
            }
        }
        Ok(Ok(()))
    }
}

/// Runs `f`, catching a panic (reported as `None`) without printing it.
pub(super) fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
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
    /// The previous commit's side files go at once (see
    /// [`Writer::forget_previous`]).
    forget_previous: bool,
}

impl Writer {
    /// Opens a writer. `fresh` starts from an empty index (the previous one
    /// stays readable until the commit replaces it). `threads` write it
    /// (default: one per core); at most 8.
    pub fn open(data_dir: &Path, fresh: bool, threads: Option<usize>) -> Result<Writer> {
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
                Index::builder()
                    .schema(schema)
                    .settings(index_settings())
                    .create_in_dir(&dir)
                    .map_err(tantivy_err)?
            }
        };
        // Bodies arrive pre-analysed by the coder (see `analysis`).
        for lang in Language::ALL {
            index.tokenizers().register(
                &analyzer_name(lang),
                TextAnalyzer::from(analysis::PreAnalysed),
            );
        }
        let threads = threads
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
            forget_previous: false,
        })
    }

    /// Removes the previous commit's side files (manifest, details, code
    /// table, counts) when this one lands, instead of keeping them for the
    /// readers that opened it: after a withdrawal of consent they hold the
    /// withdrawn respondent's ids, attributes and notes. A reader still on
    /// the previous commit then finds it damaged and rebuilds.
    pub fn forget_previous(&mut self) {
        self.forget_previous = true;
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A failure of the writer, said with its cause: when an indexing
    /// thread stopped (on a full disk, say), tantivy's own error says only
    /// that the writer "was killed"; the thread's error is what it returns
    /// when joined, which preparing a commit does.
    pub(super) fn failure(&self, err: tantivy::TantivyError) -> Error {
        if matches!(err, tantivy::TantivyError::ErrorInThread(_)) {
            if let Err(cause) = self.lock().prepare_commit() {
                return Error::from_tantivy(cause, &self.dir);
            }
        }
        Error::from_tantivy(err, &self.dir)
    }

    /// The schema's fields.
    pub fn fields(&self) -> Fields {
        self.fields
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

    /// Adds one excerpt; `body` is its pre-analysed search terms, stemmed
    /// in `lang`.
    pub fn add(&self, e: &Excerpt, body: &str, lang: Language, file: u64, resp: u64) -> Result<()> {
        self.add_document(document(&self.fields, e, body, lang, file, resp))
    }

    /// Adds a document made by [`document`].
    pub fn add_document(&self, doc: TantivyDocument) -> Result<()> {
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
        let bytes = binary::encode_manifest(manifest);
        let details = binary::encode_details(&manifest.files);
        let mut hasher = blake3::Hasher::new();
        hasher.update(&bytes);
        hasher.update(&details);
        hasher.update(&table);
        let hash = hasher.finalize().to_hex()[..24].to_string();
        let data = self.data_dir();
        let dir = self.dir.clone();
        let forget_previous = self.forget_previous;
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
            .filter(|_| !forget_previous)
            .and_then(|p| serde_json::from_str::<PayloadHead>(&p).ok())
            .map(|h| h.manifest)
            .unwrap_or_default();
        for (kind, ext, mut body) in [
            ("codes", "bin", table),
            ("details", "bin", details),
            ("manifest", "bin", bytes),
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
        // no longer needed by anyone. Count caches and cell tables are
        // filled afresh for each commit.
        if let Ok(entries) = std::fs::read_dir(&data) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let kept = |h: &str| {
                    !h.is_empty()
                        && (name == format!("manifest-{h}.bin")
                            || name == format!("details-{h}.bin")
                            || name == format!("codes-{h}.bin"))
                };
                let previous_counts = previous != hash
                    && !previous.is_empty()
                    && (name.starts_with(&format!("counts-{previous}-"))
                        || name == format!("cells-{previous}.bin"))
                    && name.ends_with(".bin");
                let derived = [
                    "manifest-",
                    "details-",
                    "codes-",
                    "counts-",
                    "cells-",
                    "verified-",
                ];
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

/// The document of one excerpt; `body` is its pre-analysed search terms,
/// stemmed in `lang`.
pub fn document(
    f: &Fields,
    e: &Excerpt,
    body: &str,
    lang: Language,
    file: u64,
    resp: u64,
) -> TantivyDocument {
    // Sized for its values (each with a short length prefix, the numbers
    // eight bytes), so that adding them does not grow it.
    let texts = 2 * e.id.len()
        + e.path.len()
        + e.speaker.len()
        + e.question.len()
        + e.text.len()
        + body.len()
        + e.time.len();
    let mut doc = TantivyDocument::with_capacity(texts + 9 * 5 + 8 * 4);
    doc.add_text(f.id, &e.id);
    doc.add_text(f.tail, id_tail(&e.id, &e.path));
    doc.add_text(f.path, &e.path);
    doc.add_u64(f.line, e.line as u64);
    doc.add_u64(f.pos, e.pos as u64);
    doc.add_u64(f.file, file);
    doc.add_u64(f.resp, resp);
    doc.add_text(f.speaker, &e.speaker);
    doc.add_text(f.question, &e.question);
    doc.add_text(f.text, &e.text);
    doc.add_text(f.body(lang), body);
    if !e.time.is_empty() {
        doc.add_text(f.time, &e.time);
    }
    doc
}

/// Removes segment files that no commit names: what a failed commit (a
/// full disk, a killed run) left behind and tantivy's own clean-up does
/// not know of. Called right after a commit; it takes the writer lock (so
/// no other writer is making segments; when one is, nothing is removed)
/// and the lock readers take while opening segments (so no reader is
/// between reading the commit and opening its files).
pub(super) fn remove_orphans(dir: &Path) {
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
pub(super) fn remove_orphans_locked(index: &Index, dir: &Path) {
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

pub(super) fn create_private_dir(dir: &Path) -> Result<()> {
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

pub(super) fn restrict_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

pub(super) fn restrict_permissions(dir: &Path) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_payload_this_version_wrote_is_opened() {
        let payload = |tool: &str, schema: u32, manifest: &str| -> String {
            format!(r#"{{"tool":"{tool}","schema":{schema},"manifest":"{manifest}"}}"#)
        };
        let ours = payload(TOOL, SCHEMA_VERSION, "b416001fe968ad389ecba2be");
        let head = payload_head(Some(&ours)).ok().unwrap();
        assert_eq!(head.manifest, "b416001fe968ad389ecba2be");
        assert_eq!(
            SideFiles::of(&head).codes,
            "codes-b416001fe968ad389ecba2be.bin"
        );
        for other in [
            None,
            Some("{not json".to_string()),
            Some(payload("otra", SCHEMA_VERSION, "b416")),
            Some(payload(TOOL, SCHEMA_VERSION + 1, "b416")),
            // The manifest's name becomes a file name: hex digits only.
            Some(payload(TOOL, SCHEMA_VERSION, "../../etc")),
        ] {
            assert!(
                matches!(payload_head(other.as_deref()), Err(Opened::Missing)),
                "{other:?}"
            );
        }
    }
}
