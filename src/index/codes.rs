//! The code table: what every excerpt is coded with, kept beside the tantivy
//! index (`codes-<head>.bin`) rather than in its documents.
//!
//! Text and codes change at different rates: a codebook or coding-sheet edit
//! changes every excerpt's codes but no excerpt's text. With the codes out of
//! the documents, such an edit rewrites this table (a few bytes per excerpt)
//! and leaves the full-text index, its postings and stored text alone.
//!
//! An excerpt is addressed by its dense file id and its position in the file,
//! both stable while the transcript is unchanged and both fast fields of the
//! document. Per excerpt the table keeps the respondent, the codes the rules
//! applied, each coder's codes and the coders whose sheets cover it (each
//! with the code scopes of those sheets), all as varints. Everything else
//! (the rows an excerpt counts in, for any source) follows from these
//! through the codebook's parent links ([`Closure`]).

pub use crate::codebook::closure::Closure;
use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"THMCOD02";

/// What one excerpt is coded with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExcerptCodes {
    /// Dense respondent id.
    pub resp: u64,
    /// Codes (row ids) the rules applied, ascending.
    pub rules: Vec<u32>,
    /// `(coder, code)` for each code a coder applied directly.
    pub coders: Vec<(u32, u32)>,
    /// `(coder, scope)` for each coder whose sheets cover the excerpt and
    /// each of her scopes ([`crate::index::CoderInfo::scopes`]) that does,
    /// ascending.
    pub covered_by: Vec<(u32, u32)>,
}

/// One excerpt's record in a loaded [`CodeTable`].
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    bytes: &'a [u8],
}

fn varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&b) = bytes.get(*at) {
        *at += 1;
        v |= u64::from(b & 0x7F) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    v
}

fn put_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Record<'_> {
    /// Decodes the record.
    pub fn decode(&self) -> ExcerptCodes {
        let mut out = ExcerptCodes::default();
        self.decode_into(&mut out);
        out
    }

    /// Decodes the record into `out`, reusing its buffers.
    pub fn decode_into(&self, out: &mut ExcerptCodes) {
        let b = self.bytes;
        let mut at = 0;
        out.resp = varint(b, &mut at);
        let n_rules = varint(b, &mut at) as usize;
        let n_coders = varint(b, &mut at) as usize;
        let n_cov = varint(b, &mut at) as usize;
        out.rules.clear();
        out.rules
            .extend((0..n_rules).map(|_| varint(b, &mut at) as u32));
        out.coders.clear();
        out.coders.extend((0..n_coders).map(|_| {
            let c = varint(b, &mut at) as u32;
            (c, varint(b, &mut at) as u32)
        }));
        out.covered_by.clear();
        out.covered_by.extend((0..n_cov).map(|_| {
            let c = varint(b, &mut at) as u32;
            (c, varint(b, &mut at) as u32)
        }));
    }

    /// The codes applied directly, by any source, ascending and unique.
    pub fn direct(&self) -> Vec<u32> {
        let r = self.decode();
        let mut direct: Vec<u32> = r
            .rules
            .into_iter()
            .chain(r.coders.into_iter().map(|(_, code)| code))
            .collect();
        direct.sort_unstable();
        direct.dedup();
        direct
    }
}

fn encode(e: &ExcerptCodes, out: &mut Vec<u8>) {
    put_varint(e.resp, out);
    put_varint(e.rules.len() as u64, out);
    put_varint(e.coders.len() as u64, out);
    put_varint(e.covered_by.len() as u64, out);
    for &r in &e.rules {
        put_varint(u64::from(r), out);
    }
    for &(c, r) in &e.coders {
        put_varint(u64::from(c), out);
        put_varint(u64::from(r), out);
    }
    for &(c, scope) in &e.covered_by {
        put_varint(u64::from(c), out);
        put_varint(u64::from(scope), out);
    }
}

/// A loaded code table. Offsets are read from the bytes on access, so
/// loading costs one read however many excerpts there are.
#[derive(Debug, Clone, Default)]
pub struct CodeTable {
    bytes: Vec<u8>,
    /// Number of dense file ids (slots).
    n_slots: usize,
    /// Number of excerpts.
    n_exc: usize,
}

impl CodeTable {
    /// Reads the table from `file`, opened at `path`; a table that is not
    /// one, or fails its seal, is an error.
    pub fn load(mut file: &std::fs::File, path: &Path) -> Result<CodeTable> {
        use std::io::Read;
        use std::io::Seek;
        let mut bytes = Vec::new();
        file.seek(std::io::SeekFrom::Start(0))
            .and_then(|_| file.read_to_end(&mut bytes))
            .map_err(|e| Error::io(path, e))?;
        // The file ends in a seal (see `index::integrity`).
        let bytes = super::integrity::unseal_vec(bytes).ok_or_else(|| {
            Error::failure(format!(
                "{} is damaged (it fails its checksum)",
                path.display()
            ))
            .with_hint("run the command again: the study's index is rebuilt from the transcripts")
        })?;
        CodeTable::parse(bytes).ok_or_else(|| {
            Error::failure(format!("{}: not a code table", path.display()))
                .with_hint("delete the study's .thematic/ folder and run `thematic code` again")
        })
    }

    /// The table in `bytes`, if they are one.
    pub(crate) fn parse(bytes: Vec<u8>) -> Option<CodeTable> {
        if !bytes.starts_with(MAGIC) {
            return None;
        }
        let mut t = CodeTable {
            bytes,
            n_slots: 0,
            n_exc: 0,
        };
        t.n_slots = t.word(0)? as usize;
        t.n_exc = t.word(1)? as usize;
        // The last offsets must match the excerpt count and the byte length.
        let records = t.records_at()?;
        let ok = t.file_first(t.n_slots)? as usize == t.n_exc
            && records + t.start(t.n_exc)? as usize == t.bytes.len();
        ok.then_some(t)
    }

    /// The `i`th little-endian word after the magic.
    fn word(&self, i: usize) -> Option<u32> {
        let at = MAGIC.len() + 4 * i;
        let b = self.bytes.get(at..at + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn file_first(&self, f: usize) -> Option<u32> {
        (f <= self.n_slots).then(|| self.word(2 + f)).flatten()
    }

    fn start(&self, i: usize) -> Option<u32> {
        (i <= self.n_exc)
            .then(|| self.word(3 + self.n_slots + i))
            .flatten()
    }

    /// Where the records begin in the bytes.
    fn records_at(&self) -> Option<usize> {
        let at = MAGIC.len() + 4 * (4 + self.n_slots + self.n_exc);
        (at <= self.bytes.len()).then_some(at)
    }

    /// The `i`th record; `None` for a position no excerpt holds (a
    /// withdrawn respondent's excerpt in a focus group leaves a gap), whose
    /// record is empty: read as one, it would count as an uncoded excerpt
    /// of the respondent with dense id 0.
    fn record(&self, i: usize) -> Option<Record<'_>> {
        let base = self.records_at()?;
        let (a, b) = (self.start(i)? as usize, self.start(i + 1)? as usize);
        if a == b {
            return None;
        }
        Some(Record {
            bytes: self.bytes.get(base + a..base + b)?,
        })
    }

    fn range(&self, file: u64) -> std::ops::Range<usize> {
        let f = usize::try_from(file).unwrap_or(usize::MAX);
        match (
            self.file_first(f),
            f.checked_add(1).and_then(|g| self.file_first(g)),
        ) {
            (Some(a), Some(b)) if a <= b => a as usize..(b as usize).min(self.n_exc),
            _ => 0..0,
        }
    }

    /// The record of the excerpt at `pos` in file `file`.
    pub fn get(&self, file: u64, pos: u64) -> Option<Record<'_>> {
        let r = self.range(file);
        let i = r.start.checked_add(usize::try_from(pos).ok()?)?;
        if i < r.end {
            self.record(i)
        } else {
            None
        }
    }

    /// Every record, by file id then position.
    pub fn records(&self) -> impl Iterator<Item = Record<'_>> {
        (0..self.n_exc).filter_map(|i| self.record(i))
    }

    /// The bytes of one file's records, and each record's start in them.
    fn file_bytes(&self, file: u64) -> Option<(&[u8], Vec<u32>)> {
        let r = self.range(file);
        if r.is_empty() {
            return None;
        }
        let base = self.records_at()?;
        let first = self.start(r.start)?;
        let starts: Option<Vec<u32>> = (r.start..=r.end)
            .map(|i| self.start(i).map(|s| s.saturating_sub(first)))
            .collect();
        let starts = starts?;
        let end = base + first as usize + *starts.last()? as usize;
        Some((self.bytes.get(base + first as usize..end)?, starts))
    }
}

/// Sentinel for a position not (yet) recorded.
const MISSING: u32 = u32::MAX;

/// The length of the record at the start of `bytes` (records are
/// self-delimiting: counts first, then that many varints).
fn record_len(bytes: &[u8]) -> usize {
    let mut at = 0;
    varint(bytes, &mut at);
    let n_rules = varint(bytes, &mut at);
    let n_coders = varint(bytes, &mut at);
    let n_cov = varint(bytes, &mut at);
    for _ in 0..n_rules + 2 * n_coders + 2 * n_cov {
        varint(bytes, &mut at);
    }
    at
}

/// Builds a code table, file by file. Per excerpt it keeps 4 bytes of
/// offset besides the record itself, so a study of millions of excerpts
/// builds its table in tens of megabytes.
#[derive(Debug, Default)]
pub struct TableBuilder {
    /// Per file: each position's record start in the bytes, and the bytes.
    files: BTreeMap<u64, (Vec<u32>, Vec<u8>)>,
}

impl TableBuilder {
    /// Records the excerpt at `pos` of file `file` (in any order; each
    /// file's positions must end up 0, 1, 2, …).
    pub fn insert(&mut self, file: u64, pos: u64, codes: &ExcerptCodes) {
        let (starts, bytes) = self.files.entry(file).or_default();
        let pos = pos as usize;
        if starts.len() <= pos {
            starts.resize(pos + 1, MISSING);
        }
        starts[pos] = bytes.len() as u32;
        encode(codes, bytes);
    }

    /// Takes in another builder's records (of other files, or of other
    /// positions of the same files).
    pub fn merge(&mut self, other: TableBuilder) {
        for (file, (starts, bytes)) in other.files {
            let Some((mine, my_bytes)) = self.files.get_mut(&file) else {
                self.files.insert(file, (starts, bytes));
                continue;
            };
            for (pos, &s) in starts.iter().enumerate() {
                if s == MISSING {
                    continue;
                }
                let record = &bytes[s as usize..s as usize + record_len(&bytes[s as usize..])];
                if mine.len() <= pos {
                    mine.resize(pos + 1, MISSING);
                }
                mine[pos] = my_bytes.len() as u32;
                my_bytes.extend_from_slice(record);
            }
        }
    }

    /// The number of excerpts recorded.
    pub fn len(&self) -> usize {
        self.files
            .values()
            .map(|(starts, _)| starts.iter().filter(|&&s| s != MISSING).count())
            .sum()
    }

    /// Copies a file's records from an earlier table unchanged.
    pub fn copy_file(&mut self, old: &CodeTable, file: u64) {
        let Some((bytes, starts)) = old.file_bytes(file) else {
            return;
        };
        // An empty record is a gap: it stays one (read at its start, it
        // would take the next record's bytes).
        let starts = starts
            .windows(2)
            .map(|w| if w[0] == w[1] { MISSING } else { w[0] })
            .collect();
        self.files.insert(file, (starts, bytes.to_vec()));
    }

    /// The table's bytes.
    pub fn encode(self) -> Vec<u8> {
        let n_slots = self.files.keys().next_back().map_or(0, |&f| f as usize + 1);
        let n_exc: usize = self.files.values().map(|(r, _)| r.len()).sum();
        let n_bytes: usize = self.files.values().map(|(_, b)| b.len()).sum();
        let mut out = Vec::with_capacity(8 + 4 * (4 + n_slots + n_exc) + n_bytes);
        out.extend_from_slice(MAGIC);
        let put = |v: usize, out: &mut Vec<u8>| out.extend_from_slice(&(v as u32).to_le_bytes());
        put(n_slots, &mut out);
        put(n_exc, &mut out);
        let mut first = 0;
        for f in 0..n_slots as u64 {
            put(first, &mut out);
            first += self.files.get(&f).map_or(0, |(r, _)| r.len());
        }
        put(first, &mut out);
        // A position never recorded gets an empty record (no codes).
        let len_at = |bytes: &[u8], s: u32| {
            if s == MISSING {
                0
            } else {
                record_len(&bytes[s as usize..])
            }
        };
        let mut at = 0;
        for (starts, bytes) in self.files.values() {
            for &s in starts {
                put(at, &mut out);
                at += len_at(bytes, s);
            }
        }
        put(at, &mut out);
        for (starts, bytes) in self.files.values() {
            for &s in starts {
                let n = len_at(bytes, s);
                if n > 0 {
                    out.extend_from_slice(&bytes[s as usize..s as usize + n]);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(resp: u64, rules: &[u32], coders: &[(u32, u32)], cov: &[(u32, u32)]) -> ExcerptCodes {
        ExcerptCodes {
            resp,
            rules: rules.to_vec(),
            coders: coders.to_vec(),
            covered_by: cov.to_vec(),
        }
    }

    #[test]
    fn round_trip_by_file_and_position() {
        let mut b = TableBuilder::default();
        let a0 = codes(3, &[1, 200], &[], &[]);
        let a1 = codes(70_000, &[], &[(0, 5), (1, 300)], &[(0, 0), (0, 2), (1, 0)]);
        let c0 = codes(0, &[9], &[], &[]);
        b.insert(0, 1, &a1);
        b.insert(2, 0, &c0);
        b.insert(0, 0, &a0);
        let t = CodeTable::parse(b.encode()).unwrap();
        assert_eq!(t.get(0, 0).unwrap().decode(), a0);
        assert_eq!(t.get(0, 1).unwrap().decode(), a1);
        assert_eq!(t.get(0, 1).unwrap().direct(), [5, 300]);
        assert!(t.get(0, 2).is_none());
        assert!(t.get(1, 0).is_none());
        assert_eq!(t.get(2, 0).unwrap().decode(), c0);
        assert!(t.get(3, 0).is_none());
        assert_eq!(t.records().count(), 3);

        // Builders of disjoint positions merge into the same table.
        let (mut m1, mut m2) = (TableBuilder::default(), TableBuilder::default());
        m1.insert(0, 1, &a1);
        m2.insert(0, 0, &a0);
        m2.insert(2, 0, &c0);
        m1.merge(m2);
        let t3 = CodeTable::parse(m1.encode()).unwrap();
        let all: Vec<ExcerptCodes> = t3.records().map(|r| r.decode()).collect();
        assert_eq!(all, [a0.clone(), a1.clone(), c0.clone()]);

        // Copying a file keeps its records; the others are rebuilt.
        let mut b2 = TableBuilder::default();
        b2.copy_file(&t, 0);
        b2.copy_file(&t, 1);
        b2.insert(5, 0, &c0);
        let t2 = CodeTable::parse(b2.encode()).unwrap();
        assert_eq!(t2.get(0, 0).unwrap().decode(), a0);
        assert_eq!(t2.get(0, 1).unwrap().decode(), a1);
        assert!(t2.get(2, 0).is_none());
        assert_eq!(t2.get(5, 0).unwrap().decode(), c0);
    }

    #[test]
    fn gaps_are_no_excerpts() {
        // Positions 1 and 3 of file 0 hold no excerpt (a withdrawn
        // respondent's turns in a focus group).
        let mut b = TableBuilder::default();
        let (a0, a2, a4) = (
            codes(4, &[1], &[], &[]),
            codes(4, &[], &[(0, 2)], &[(0, 1)]),
            codes(5, &[], &[], &[]),
        );
        b.insert(0, 0, &a0);
        b.insert(0, 2, &a2);
        b.insert(0, 4, &a4);
        let t = CodeTable::parse(b.encode()).unwrap();
        assert_eq!(t.records().count(), 3);
        assert!(t.get(0, 1).is_none());
        assert!(t.get(0, 3).is_none());
        assert_eq!(t.get(0, 4).unwrap().decode(), a4);

        // Copied into the next table, the gaps stay gaps.
        let mut b2 = TableBuilder::default();
        b2.copy_file(&t, 0);
        assert_eq!(b2.len(), 3);
        let t2 = CodeTable::parse(b2.encode()).unwrap();
        let all: Vec<ExcerptCodes> = t2.records().map(|r| r.decode()).collect();
        assert_eq!(all, [a0, a2, a4]);
        assert!(t2.get(0, 3).is_none());
    }

    #[test]
    fn empty_and_damaged_tables() {
        let t = CodeTable::parse(TableBuilder::default().encode()).unwrap();
        assert_eq!(t.records().count(), 0);
        assert!(t.get(0, 0).is_none());
        let mut b = TableBuilder::default();
        b.insert(1, 0, &codes(1, &[2], &[], &[]));
        let bytes = b.encode();
        assert!(CodeTable::parse(bytes.clone()).is_some());
        assert!(CodeTable::parse(bytes[..bytes.len() - 1].to_vec()).is_none());
        assert!(CodeTable::parse(b"THMCOD00".to_vec()).is_none());
    }

    #[test]
    fn closure_adds_ancestors_once() {
        // 0 theme; 1, 2 its codes; 3 under 2; 4 another theme.
        let c = Closure::new([None, Some(0), Some(0), Some(2), None]);
        let mut out = Vec::new();
        c.expand([3, 1], &mut out);
        assert_eq!(out, [0, 1, 2, 3]);
        c.expand([], &mut out);
        assert!(out.is_empty());
        c.expand([4, 4], &mut out);
        assert_eq!(out, [4]);
    }
}
