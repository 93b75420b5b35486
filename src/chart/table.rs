//! The cell table: what `chart check`, the summary cells of `matrix` and
//! the report need to know of the index's excerpts, laid out to be read
//! back at once from a cache file (`cells-<commit>.bin` beside the
//! manifest, made once per commit).
//!
//! Every excerpt is kept in byte order of its id, so that a citation is
//! found by binary search and a cell's excerpts, listed by their place in
//! that order, are already in the order its hash is taken in; each
//! respondent's cell carries its hash, taken when the table is made.

use rayon::prelude::*;

use super::cells::Entry;
use crate::error::Result;
use crate::index::{integrity, StudyIndex};

const MAGIC: &[u8; 8] = b"THMCEL01";

/// One excerpt of the table: its respondent and rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Excerpt<'a> {
    /// Dense respondent id.
    pub resp: usize,
    /// Its rows, ascending (ancestors included); empty when uncoded.
    pub rows: &'a [u32],
}

/// Every excerpt of the study (by id) and every cell's excerpts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellTable {
    /// The ids, in byte order, one after another.
    ids: Vec<u8>,
    /// Where each id ends in `ids` (`n + 1` offsets, from 0).
    id_end: Vec<u32>,
    /// Each excerpt's respondent.
    resp: Vec<u32>,
    /// Each excerpt's place in corpus order.
    corpus: Vec<u32>,
    /// Where each excerpt's rows start in `rows` (`n + 1` offsets).
    row_start: Vec<u32>,
    /// The excerpts' rows.
    rows: Vec<u32>,
    /// The cells with excerpts, `row << 32 | respondent`, ascending.
    cell_key: Vec<u64>,
    /// Where each cell's excerpts start in `members` (`cells + 1` offsets).
    cell_start: Vec<u32>,
    /// Each cell's excerpts (places in id order), ascending.
    members: Vec<u32>,
    /// Each cell's hash ([`super::cell_hash`]), 12 hex digits.
    hash: Vec<[u8; 12]>,
}

impl CellTable {
    /// The table of excerpts given in corpus order (uncoded ones, with no
    /// rows, are only known by id; each id once).
    pub fn new(all: Vec<Entry>) -> CellTable {
        let mut order: Vec<u32> = (0..all.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| all[a as usize].id.cmp(&all[b as usize].id));
        let mut t = CellTable {
            id_end: vec![0],
            row_start: vec![0],
            ..CellTable::default()
        };
        let mut keyed: Vec<(u64, u32)> = Vec::new();
        for (place, &k) in order.iter().enumerate() {
            let e = &all[k as usize];
            t.ids.extend_from_slice(e.id.as_bytes());
            t.id_end.push(t.ids.len() as u32);
            t.resp.push(e.resp as u32);
            t.corpus.push(k);
            for &r in &e.rows {
                t.rows.push(r as u32);
                keyed.push((r << 32 | e.resp as u64, place as u32));
            }
            t.row_start.push(t.rows.len() as u32);
        }
        // Stable: within a cell, places stay ascending.
        keyed.par_sort_by_key(|&(key, _)| key);
        t.cell_start.push(0);
        for (i, &(key, place)) in keyed.iter().enumerate() {
            if i == 0 || keyed[i - 1].0 != key {
                if i > 0 {
                    t.cell_start.push(i as u32);
                }
                t.cell_key.push(key);
            }
            t.members.push(place);
        }
        if !keyed.is_empty() {
            t.cell_start.push(keyed.len() as u32);
        }
        t.hash = (0..t.cell_key.len())
            .into_par_iter()
            .map(|c| {
                let places = &t.members[t.cell_start[c] as usize..t.cell_start[c + 1] as usize];
                let hex = super::sorted_cell_hash(places.iter().map(|&p| t.id(p as usize)));
                let mut out = [b'0'; 12];
                out.copy_from_slice(&hex.as_bytes()[..12]);
                out
            })
            .collect();
        t
    }

    /// The table of the index, from its cache file when there is one (one
    /// that fails its checks is told through `notify`, never read, and made
    /// again), else made from the index and kept for the next command.
    pub fn load(idx: &StudyIndex, notify: &dyn Fn(&str)) -> Result<CellTable> {
        let path = idx
            .data_dir
            .join(format!("cells-{}.bin", idx.manifest.head));
        if let Ok(bytes) = std::fs::read(&path) {
            let n_resp = idx.manifest.respondents.len();
            match CellTable::decode(&bytes, &idx.manifest.head)
                .filter(|t| t.resp.iter().all(|&r| (r as usize) < n_resp))
            {
                Some(t) => return Ok(t),
                None => notify(&format!(
                    ".thematic/{} is damaged; reading the cells from the index again",
                    path.file_name().unwrap_or_default().to_string_lossy()
                )),
            }
        }
        let table = CellTable::new(super::cells::places(idx)?);
        crate::index::keep_cache(&path, &table.encode(&idx.manifest.head));
        Ok(table)
    }

    /// How many excerpts the table holds.
    fn len(&self) -> usize {
        self.resp.len()
    }

    /// The id of the excerpt at `place` (in id order), as bytes.
    fn id_bytes(&self, place: usize) -> &[u8] {
        &self.ids[self.id_end[place] as usize..self.id_end[place + 1] as usize]
    }

    /// The id of the excerpt at `place` (in id order).
    fn id(&self, place: usize) -> &str {
        // Made from strings, and a decoded table's ids are checked.
        std::str::from_utf8(self.id_bytes(place)).unwrap_or("")
    }

    /// The place of excerpt `id`, if the study has it.
    fn place(&self, id: &str) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            // Byte order is the order of the ids as strings.
            match self.id_bytes(mid).cmp(id.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Whether the study has an excerpt `id` (coded or not).
    pub fn contains(&self, id: &str) -> bool {
        self.place(id).is_some()
    }

    /// Excerpt `id`, if the study has it.
    pub fn get(&self, id: &str) -> Option<Excerpt<'_>> {
        self.place(id).map(|p| Excerpt {
            resp: self.resp[p] as usize,
            rows: &self.rows[self.row_start[p] as usize..self.row_start[p + 1] as usize],
        })
    }

    /// The cell of `row` and `resp`, if it has excerpts.
    fn cell(&self, row: usize, resp: usize) -> Option<usize> {
        self.cell_key
            .binary_search(&((row as u64) << 32 | resp as u64))
            .ok()
    }

    /// The places (in id order) of the excerpts of `members` at `row`,
    /// ascending.
    fn places(&self, row: usize, members: &[usize]) -> Vec<u32> {
        let mut out: Vec<u32> = members
            .iter()
            .filter_map(|&p| self.cell(row, p))
            .flat_map(|c| {
                &self.members[self.cell_start[c] as usize..self.cell_start[c + 1] as usize]
            })
            .copied()
            .collect();
        if members.len() > 1 {
            out.sort_unstable();
        }
        out
    }

    /// Whether respondent `resp` has an excerpt at `row`.
    pub fn any_at(&self, row: usize, resp: usize) -> bool {
        self.cell(row, resp).is_some()
    }

    /// The hash of the excerpt set of `members` at `row`, and its size.
    pub fn hash(&self, row: usize, members: &[usize]) -> (String, usize) {
        if let [p] = members {
            if let Some(c) = self.cell(row, *p) {
                let n = (self.cell_start[c + 1] - self.cell_start[c]) as usize;
                return (String::from_utf8_lossy(&self.hash[c]).into_owned(), n);
            }
        }
        let places = self.places(row, members);
        let n = places.len();
        let hash = super::sorted_cell_hash(places.iter().map(|&p| self.id(p as usize)));
        (hash, n)
    }

    /// The ids of the excerpts of `members` at `row`, in corpus order.
    pub fn ids_at(&self, row: usize, members: &[usize]) -> Vec<&str> {
        let mut places = self.places(row, members);
        places.sort_unstable_by_key(|&p| self.corpus[p as usize]);
        places.iter().map(|&p| self.id(p as usize)).collect()
    }

    /// The table as the bytes of its cache file (sealed); `head` is the
    /// commit it is of, so that a file copied over another commit's is
    /// refused.
    pub fn encode(&self, head: &str) -> Vec<u8> {
        let words = [
            &self.id_end,
            &self.resp,
            &self.corpus,
            &self.row_start,
            &self.rows,
            &self.cell_start,
            &self.members,
        ];
        let size = 8 + 8 * 10 + self.ids.len() + words.iter().map(|w| 4 * w.len()).sum::<usize>();
        let mut out = Vec::with_capacity(size + 8 * self.cell_key.len() + 12 * self.hash.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(head.len() as u64).to_le_bytes());
        out.extend_from_slice(head.as_bytes());
        for len in [self.ids.len(), self.cell_key.len()]
            .into_iter()
            .chain(words.iter().map(|w| w.len()))
        {
            out.extend_from_slice(&(len as u64).to_le_bytes());
        }
        out.extend_from_slice(&self.ids);
        for w in words {
            for v in w.iter() {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        for v in &self.cell_key {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for h in &self.hash {
            out.extend_from_slice(h);
        }
        integrity::seal(&mut out);
        out
    }

    /// A table from the bytes of its cache file, or `None` when they are
    /// not a whole, sound table of commit `head` (damaged, cut short,
    /// another version, another commit's).
    pub fn decode(bytes: &[u8], head: &str) -> Option<CellTable> {
        let body = integrity::unseal(bytes)?.strip_prefix(MAGIC.as_slice())?;
        let body = body
            .strip_prefix((head.len() as u64).to_le_bytes().as_slice())?
            .strip_prefix(head.as_bytes())?;
        let mut r = Reader { rest: body };
        let lens: Vec<usize> = (0..9)
            .map(|_| {
                r.take(8)
                    .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
            })
            .collect::<Option<_>>()?;
        let ids = r.take(lens[0])?.to_vec();
        let n_cells = lens[1];
        let mut words = (2..9).map(|i| r.words(lens[i]));
        let mut next = || words.next().flatten();
        let (id_end, resp, corpus, row_start, rows, cell_start, members) = (
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
        );
        let cell_key: Vec<u64> = r
            .take(n_cells.checked_mul(8)?)?
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
            .collect();
        let hash: Vec<[u8; 12]> = r
            .take(n_cells.checked_mul(12)?)?
            .chunks_exact(12)
            .map(|b| b.try_into().unwrap_or([b'0'; 12]))
            .collect();
        let t = CellTable {
            ids,
            id_end,
            resp,
            corpus,
            row_start,
            rows,
            cell_key,
            cell_start,
            members,
            hash,
        };
        (r.rest.is_empty() && t.sound()).then_some(t)
    }

    /// Whether every offset and place is in bounds (so that no lookup can
    /// panic on a table read from a file).
    fn sound(&self) -> bool {
        let n = self.resp.len();
        let ascending = |v: &[u32], end: usize| {
            v.first() == Some(&0)
                && v.windows(2).all(|w| w[0] <= w[1])
                && v.last().is_some_and(|&l| l as usize == end)
        };
        self.id_end.len() == n + 1
            && ascending(&self.id_end, self.ids.len())
            && std::str::from_utf8(&self.ids).is_ok_and(|ids| {
                self.id_end
                    .iter()
                    .all(|&e| ids.is_char_boundary(e as usize))
            })
            && self.corpus.len() == n
            && self.row_start.len() == n + 1
            && ascending(&self.row_start, self.rows.len())
            && self.hash.len() == self.cell_key.len()
            && (self.cell_key.is_empty() && self.cell_start.is_empty() && self.members.is_empty()
                || self.cell_start.len() == self.cell_key.len() + 1
                    && ascending(&self.cell_start, self.members.len()))
            && self.members.iter().all(|&p| (p as usize) < n)
            && self.hash.iter().all(|h| h.is_ascii())
    }
}

/// Reads a cache file's body front to back.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(head)
    }

    fn words(&mut self, n: usize) -> Option<Vec<u32>> {
        Some(
            self.take(n.checked_mul(4)?)?
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::cells::tests::entry;
    use super::*;

    fn table() -> CellTable {
        // Corpus order is not id order: `b.txt:10` comes after `b.txt:9`.
        CellTable::new(vec![
            entry("b.txt:9", 0, &[0]),
            entry("b.txt:10", 0, &[0]),
            entry("b.txt:12", 0, &[]),
            entry("a.txt:2", 1, &[0]),
            entry("a.txt:11", 0, &[0, 1]),
        ])
    }

    #[test]
    fn excerpts_by_id_coded_or_not() {
        let t = table();
        assert_eq!(t.len(), 5);
        assert_eq!(
            t.get("a.txt:11"),
            Some(Excerpt {
                resp: 0,
                rows: &[0, 1]
            })
        );
        assert_eq!(t.get("b.txt:12").map(|e| e.rows.len()), Some(0));
        assert!(t.contains("b.txt:12"));
        assert!(!t.contains("b.txt:1"));
        assert!(!t.contains(""));
        assert!(!CellTable::new(Vec::new()).contains("a.txt:1"));
    }

    #[test]
    fn cells_in_corpus_order_and_hashed_as_their_ids() {
        let t = table();
        assert_eq!(t.ids_at(0, &[0]), ["b.txt:9", "b.txt:10", "a.txt:11"]);
        assert_eq!(
            t.ids_at(0, &[1, 0]),
            ["b.txt:9", "b.txt:10", "a.txt:2", "a.txt:11"]
        );
        assert!(t.ids_at(1, &[1]).is_empty());
        assert!(t.any_at(1, 0) && !t.any_at(1, 1) && !t.any_at(2, 0));
        let (hash, n) = t.hash(0, &[0, 1]);
        assert_eq!(n, 4);
        assert_eq!(
            hash,
            super::super::cell_hash(["a.txt:11", "b.txt:10", "a.txt:2", "b.txt:9"])
        );
        assert_eq!(
            t.hash(0, &[0]),
            (
                super::super::cell_hash(["a.txt:11", "b.txt:10", "b.txt:9"]),
                3
            )
        );
        assert_eq!(t.hash(1, &[1]), (super::super::cell_hash([]), 0));
    }

    #[test]
    fn the_cache_file_reads_back_and_a_damaged_one_is_refused() {
        let t = table();
        let bytes = t.encode("c1");
        assert_eq!(CellTable::decode(&bytes, "c1"), Some(t.clone()));
        // Another commit's table, copied over this one's: refused.
        assert_eq!(CellTable::decode(&bytes, "c2"), None);
        assert_eq!(
            CellTable::decode(&CellTable::new(Vec::new()).encode(""), ""),
            Some(CellTable::new(Vec::new()))
        );
        for cut in [0, 8, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(CellTable::decode(&bytes[..cut], "c1"), None, "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        assert_eq!(CellTable::decode(&flipped, "c1"), None);
        // Sealed but out of bounds: refused, never read.
        let mut bad = t.clone();
        bad.members[0] = 99;
        assert_eq!(CellTable::decode(&bad.encode("c1"), "c1"), None);
    }
}
