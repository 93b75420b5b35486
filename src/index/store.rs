//! Opening, checking and writing the index: open or rebuild, the writer and
//! its commit with the manifest and side files, cleaning orphans, and the
//! permissions of everything under `.thematic/`.

use super::*;

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

pub(super) fn try_open(data_dir: &Path) -> Result<Opened> {
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
