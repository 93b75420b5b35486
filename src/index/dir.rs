//! The folder readers open the index through: tantivy's memory-mapped
//! folder, except that a reader in a folder it may not write to still
//! reads. tantivy takes a lock file while it opens a commit's segments
//! (so that a writer's clean-up cannot delete them meanwhile); creating
//! that lock file fails in a read-only study. A folder no one may write
//! to has no writer to fear, so the reader goes on without the lock.

use std::io;
use std::path::Path;
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle,
    WritePtr, META_LOCK,
};

/// The index folder as readers see it (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct ReaderDir(MmapDirectory);

impl ReaderDir {
    /// The index folder at `path`.
    pub(crate) fn open(path: &Path) -> tantivy::Result<ReaderDir> {
        Ok(ReaderDir(MmapDirectory::open(path)?))
    }
}

/// Whether a lock failed because the folder refuses writes (as opposed to
/// another process holding it).
fn refuses_writes(err: &LockError) -> bool {
    match err {
        LockError::IoError(e) => {
            e.kind() == io::ErrorKind::PermissionDenied
                || crate::error::disk_problem(e) == Some("read-only file system")
        }
        LockError::LockBusy => false,
    }
}

impl Directory for ReaderDir {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.0.get_file_handle(path)
    }
    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.0.delete(path)
    }
    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.0.exists(path)
    }
    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.0.open_write(path)
    }
    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.0.atomic_read(path)
    }
    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.0.atomic_write(path, data)
    }
    fn sync_directory(&self) -> io::Result<()> {
        self.0.sync_directory()
    }
    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        match self.0.acquire_lock(lock) {
            Err(e) if lock.filepath == META_LOCK.filepath && refuses_writes(&e) => {
                Ok(DirectoryLock::from(Box::new(())))
            }
            other => other,
        }
    }
    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.0.watch(watch_callback)
    }
}
