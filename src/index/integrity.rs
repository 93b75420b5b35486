//! Checksums of what `.thematic/` holds, so that damaged derived data is
//! rebuilt rather than believed.
//!
//! Every side file thematic writes (manifest, details, code table, count
//! caches) ends in a seal: a magic word and the blake3 hash of the bytes
//! before it ([`seal`], [`unseal`]); a file is never used without its seal
//! being checked. tantivy's own segment files end in a footer with a CRC32
//! of their bytes, which tantivy checks only when asked
//! (`ManagedDirectory::validate_checksum`).
//!
//! Checking every file on every command would read the whole index each
//! time (hundreds of MB on a large study, several times what `matrix`
//! costs). Segment and side files are written once and never changed in
//! place, so a file is checked when it is new to the reader, and its stamp
//! (size, inode, and change time, which no user tool can set back) is
//! then kept in `.thematic/verified.json`. A file whose stamp differs
//! (written, copied, touched) is checked again before it is read. Side
//! files are checked again whenever they are read, since they are read
//! whole anyway.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

const SEAL_MAGIC: &[u8; 8] = b"THMSEAL1";
const SEAL_LEN: usize = 8 + 32;
/// The stamp cache's file name in the data folder.
pub(crate) const VERIFIED: &str = "verified.json";

/// Appends the seal to `body`.
pub(crate) fn seal(body: &mut Vec<u8>) {
    let hash = digest(body);
    body.extend_from_slice(SEAL_MAGIC);
    body.extend_from_slice(hash.as_bytes());
}

/// The body of sealed bytes, or `None` when the seal is absent or does not
/// match (the file is damaged, cut short or not ours).
pub(crate) fn unseal(bytes: &[u8]) -> Option<&[u8]> {
    let body_len = bytes.len().checked_sub(SEAL_LEN)?;
    let (body, tail) = bytes.split_at(body_len);
    let (magic, hash) = tail.split_at(8);
    (magic == SEAL_MAGIC && digest(body).as_bytes() == hash).then_some(body)
}

/// The blake3 hash of `bytes`, on every core for a large input (the
/// manifest and cell table of a large study are tens of MB).
fn digest(bytes: &[u8]) -> blake3::Hash {
    if bytes.len() < 1 << 20 {
        return blake3::hash(bytes);
    }
    blake3::Hasher::new().update_rayon(bytes).finalize()
}

/// [`unseal`] into an owned body (the seal cut off in place).
pub(crate) fn unseal_vec(mut bytes: Vec<u8>) -> Option<Vec<u8>> {
    let len = unseal(&bytes)?.len();
    bytes.truncate(len);
    Some(bytes)
}

/// What identifies one state of a file: size, inode, change time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp(u64, u64, i64, i64);

/// The stamp of the file at `path`, if it can be read.
pub(crate) fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(Stamp(
            meta.len(),
            meta.ino(),
            meta.ctime(),
            meta.ctime_nsec(),
        ))
    }
    #[cfg(not(unix))]
    {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i64);
        Some(Stamp(meta.len(), 0, mtime, 0))
    }
}

/// The files checked so far, by name relative to the data folder.
#[derive(Debug, Default)]
pub(crate) struct Verified {
    known: BTreeMap<String, Stamp>,
    seen: BTreeMap<String, Stamp>,
    changed: bool,
}

impl Verified {
    /// The stamps kept in `data_dir` (none when absent or damaged: then
    /// every file is checked).
    pub(crate) fn load(data_dir: &Path) -> Verified {
        let known = std::fs::read(data_dir.join(VERIFIED))
            .ok()
            .and_then(unseal_vec)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Verified {
            known,
            ..Default::default()
        }
    }

    /// Whether the file `name` under `data_dir` needs checking; call
    /// [`Verified::passed`] once it was.
    pub(crate) fn needs_check(&mut self, data_dir: &Path, name: &str) -> Option<Stamp> {
        let now = stamp(&data_dir.join(name));
        match now {
            Some(s) if self.known.get(name) == Some(&s) => {
                self.seen.insert(name.to_string(), s);
                None
            }
            // An unreadable file is checked (and found missing).
            _ => Some(now.unwrap_or(Stamp(0, 0, 0, 0))),
        }
    }

    /// Records that `name`, at `stamp`, passed its check.
    pub(crate) fn passed(&mut self, name: &str, stamp: Stamp) {
        self.seen.insert(name.to_string(), stamp);
        self.changed = true;
    }

    /// Keeps the stamps of the files seen this time (best effort: a study
    /// that cannot be written is only checked again next time).
    pub(crate) fn save(self, data_dir: &Path) {
        if !self.changed {
            return;
        }
        let Ok(mut bytes) = serde_json::to_vec(&self.seen) else {
            return;
        };
        seal(&mut bytes);
        let path = data_dir.join(VERIFIED);
        let tmp = data_dir.join(format!("verified-{}.tmp", std::process::id()));
        if std::fs::write(&tmp, &bytes).is_ok() {
            super::restrict_file(&tmp);
            if std::fs::rename(&tmp, &path).is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
        } else {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_catches_any_flipped_byte_and_a_cut() {
        let mut bytes = b"{\"tool\":\"thematic\"}".to_vec();
        seal(&mut bytes);
        assert_eq!(unseal(&bytes), Some(&b"{\"tool\":\"thematic\"}"[..]));
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            assert_eq!(unseal(&bad), None, "byte {i}");
        }
        assert_eq!(unseal(&bytes[..bytes.len() - 1]), None);
        assert_eq!(unseal(b"short"), None);
        assert_eq!(
            unseal_vec(bytes).as_deref(),
            Some(&b"{\"tool\":\"thematic\"}"[..])
        );
    }

    #[test]
    fn a_file_is_checked_again_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.bin"), b"one").unwrap();
        let mut v = Verified::load(dir.path());
        let s = v.needs_check(dir.path(), "a.bin").expect("new file");
        v.passed("a.bin", s);
        v.save(dir.path());
        let mut v = Verified::load(dir.path());
        assert_eq!(v.needs_check(dir.path(), "a.bin"), None);
        std::fs::write(dir.path().join("a.bin"), b"two").unwrap();
        assert!(v.needs_check(dir.path(), "a.bin").is_some());
        assert!(v.needs_check(dir.path(), "gone.bin").is_some());
    }
}
