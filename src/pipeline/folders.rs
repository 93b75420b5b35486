//! The folder record of `check: folders` (`.thematic/folders.bin`): the
//! mtime, change time and inode of every transcripts folder when every
//! transcript was last listed and found as the index has it, with that
//! listing's fingerprint. While each folder is still as recorded, no file was added,
//! removed or renamed in it (nor replaced by an editor that saves to a new
//! file and renames it), so a reading command takes the manifest's listing
//! without a stat per transcript. What it cannot see is a transcript
//! rewritten in place (its folder's mtime does not move): `thematic code`
//! compares every file, whatever the setting.

use std::path::{Path, PathBuf};

use crate::index::integrity;
use crate::study::{FolderStamp, FolderState, Study};

/// The record's file name in the data folder.
const FILE: &str = "folders.bin";
const MAGIC: &[u8; 8] = b"THMFLD01";

/// A folder record: the fingerprint of the listing it was made with, and
/// each folder's mtime then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub listing: String,
    pub folders: Vec<FolderStamp>,
}

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// The record, when there is one and it can be read.
pub(crate) fn read(data_dir: &Path) -> Option<Record> {
    let bytes = std::fs::read(path(data_dir)).ok()?;
    decode(integrity::unseal(&bytes)?)
}

/// Whether every recorded folder is as recorded: mtime, change time and
/// inode (a folder gone, or no longer a folder, is a change).
pub(crate) fn unchanged(study: &Study, record: &Record) -> bool {
    !record.folders.is_empty()
        && record
            .folders
            .iter()
            .all(|f| study.folder_state(&f.rel) == Some(f.state))
}

/// Keeps the record of a listing whose fingerprint is `listing` (unless
/// the same one is kept already). Like a cache, a record that cannot be
/// written only leaves the next command slower.
pub(crate) fn keep(data_dir: &Path, listing: &str, folders: &[FolderStamp]) {
    let record = Record {
        listing: listing.to_string(),
        folders: folders.to_vec(),
    };
    if read(data_dir).as_ref() == Some(&record) {
        return;
    }
    let mut bytes = encode(&record);
    integrity::seal(&mut bytes);
    crate::index::keep_cache(&path(data_dir), &bytes);
}

/// Removes the record (a listing that differs from the index's).
pub(crate) fn forget(data_dir: &Path) {
    let _ = std::fs::remove_file(path(data_dir));
}

fn encode(r: &Record) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    let mut text = |s: &str| {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    text(&r.listing);
    out.extend_from_slice(&(r.folders.len() as u32).to_le_bytes());
    for f in &r.folders {
        out.extend_from_slice(&(f.rel.len() as u32).to_le_bytes());
        out.extend_from_slice(f.rel.as_bytes());
        out.extend_from_slice(&f.state.mtime.to_le_bytes());
        out.extend_from_slice(&f.state.ctime.to_le_bytes());
        out.extend_from_slice(&f.state.inode.to_le_bytes());
    }
    out
}

fn decode(bytes: &[u8]) -> Option<Record> {
    let mut rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
    let listing = String::from_utf8(take(len)?.to_vec()).ok()?;
    let n = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
    let mut folders = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let rel = String::from_utf8(take(len)?.to_vec()).ok()?;
        let mtime = u128::from_le_bytes(take(16)?.try_into().ok()?);
        let ctime = u128::from_le_bytes(take(16)?.try_into().ok()?);
        let inode = u64::from_le_bytes(take(8)?.try_into().ok()?);
        folders.push(FolderStamp {
            rel,
            state: FolderState {
                mtime,
                ctime,
                inode,
            },
        });
    }
    rest.is_empty().then_some(Record { listing, folders })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_a_damaged_one_does_not() {
        let r = Record {
            listing: "abc123".into(),
            folders: vec![
                FolderStamp {
                    rel: "transcripts".into(),
                    state: FolderState {
                        mtime: 1_700_000_000_123_456_789,
                        ctime: 1_700_000_000_123_456_790,
                        inode: 4242,
                    },
                },
                FolderStamp {
                    rel: "transcripts/año 2".into(),
                    state: FolderState {
                        mtime: 1,
                        ctime: 2,
                        inode: u64::MAX,
                    },
                },
            ],
        };
        let bytes = encode(&r);
        assert_eq!(decode(&bytes), Some(r));
        for cut in 0..bytes.len() {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), None);
    }
}
