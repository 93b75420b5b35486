//! The excerpts at each cell of the chart, read from the index in one pass
//! over the stored texts: every excerpt's id, respondent, first words and
//! rows (its codes and their ancestors, by any source), in corpus order.

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use tantivy::collector::{Collector, SegmentCollector};

use crate::error::Result;
use crate::index::collect::{PlaceCollector, RowReader, Source};
use crate::index::{id_of, StudyIndex};

/// How many characters of an excerpt a new section's comment shows.
const WORDS: usize = 70;

/// One coded excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `path:line` (shared with the id lookup, not copied).
    pub id: std::sync::Arc<str>,
    /// Dense respondent id.
    pub resp: usize,
    /// Its rows, ascending (ancestors included).
    pub rows: Vec<u64>,
    /// Its first words.
    pub words: String,
}

/// Every coded excerpt, in corpus order, with lookups by id and by cell.
#[derive(Debug, Clone, Default)]
pub struct Cells {
    /// The excerpts at one row or more, in corpus order.
    pub entries: Vec<Entry>,
    /// Excerpt id → index in `entries`, for every excerpt of the study
    /// (`None` when the excerpt is at no row).
    pub by_id: HashMap<std::sync::Arc<str>, Option<usize>>,
    /// `(row, respondent)` → indexes in `entries`, in corpus order.
    by_cell: HashMap<(usize, usize), Vec<usize>>,
}

impl Cells {
    /// Builds the lookups from excerpts in corpus order (uncoded ones, with
    /// no rows, are only known by id).
    pub fn new(all: Vec<Entry>) -> Cells {
        let mut cells = Cells::default();
        cells.by_id.reserve(all.len());
        cells.entries.reserve(all.len());
        for e in all {
            if e.rows.is_empty() {
                cells.by_id.insert(e.id, None);
                continue;
            }
            let k = cells.entries.len();
            for &r in &e.rows {
                cells
                    .by_cell
                    .entry((r as usize, e.resp))
                    .or_default()
                    .push(k);
            }
            cells.by_id.insert(e.id.clone(), Some(k));
            cells.entries.push(e);
        }
        cells
    }

    /// Reads every excerpt of the index with its first words (for the
    /// sections `chart` writes, read from the stored text), the key file's
    /// pseudonyms applied (when given) before the text is cut, so that no
    /// name is cut in two and missed.
    pub fn read_words(
        idx: &StudyIndex,
        pseudonyms: Option<&crate::privacy::Pseudonyms>,
    ) -> Result<Cells> {
        let table = idx.codes()?;
        let order = idx.manifest.corpus_order();
        let reader = RowReader::new(Source::All, idx.manifest.closure());
        let parts = idx.par_fold_texts(
            false,
            || (Vec::new(), reader.clone(), Vec::new()),
            |(out, rows, buf): &mut (Vec<(_, Entry)>, RowReader, Vec<u64>), e| {
                buf.clear();
                if let Some(rec) = table.get(e.file, e.pos) {
                    rows.fill(rec, buf);
                }
                out.push((
                    order.key(e.file, e.pos),
                    Entry {
                        id: e.id.into(),
                        resp: e.resp as usize,
                        rows: buf.clone(),
                        words: match pseudonyms {
                            Some(p) => crate::render::cut(&p.apply_masked(&e.text), WORDS),
                            None => crate::render::cut(&e.text, WORDS),
                        },
                    },
                ));
            },
        )?;
        let mut all: Vec<(_, Entry)> = parts.into_iter().flat_map(|p| p.0).collect();
        all.sort_by_key(|(k, _)| *k);
        Ok(Cells::new(all.into_iter().map(|(_, e)| e).collect()))
    }

    /// The excerpts of `members` (dense respondent ids) at `row`, in
    /// corpus order.
    pub fn at(&self, row: usize, members: &[usize]) -> Vec<&Entry> {
        let mut ks = self.indexes(row, members);
        ks.sort_unstable();
        ks.into_iter().map(|k| &self.entries[k]).collect()
    }

    /// The indexes in `entries` of the excerpts of `members` at `row`, in
    /// no particular order.
    fn indexes(&self, row: usize, members: &[usize]) -> Vec<usize> {
        members
            .iter()
            .filter_map(|&p| self.by_cell.get(&(row, p)))
            .flatten()
            .copied()
            .collect()
    }
}

/// Every excerpt's id, respondent and rows (words left empty), in corpus
/// order, from the fast fields and the code table, without a stored
/// document (a tenth of the time on a large study).
pub fn places(idx: &StudyIndex) -> Result<Vec<Entry>> {
    let table = idx.codes()?;
    let order = idx.manifest.corpus_order();
    let mut paths: Vec<&str> = Vec::new();
    for (rel, f) in idx.manifest.files.iter() {
        let i = f.id as usize;
        if paths.len() <= i {
            paths.resize(i + 1, "");
        }
        paths[i] = rel;
    }
    let searcher = idx.reader.searcher();
    let reader = RowReader::new(Source::All, idx.manifest.closure());
    // Segment by segment, in parallel: each reads its fast fields and
    // looks its excerpts up in the code table.
    let parts = searcher
        .segment_readers()
        .par_iter()
        .enumerate()
        .map(|(ord, seg)| {
            let mut places = PlaceCollector.for_segment(ord as u32, seg)?;
            for doc in seg.doc_ids_alive() {
                places.collect(doc, 0.0);
            }
            let places = places.harvest();
            let mut rows = reader.clone();
            Ok(places
                .into_iter()
                .map(|p| {
                    let mut buf = Vec::new();
                    if let Some(rec) = table.get(p.file, p.pos) {
                        rows.fill(rec, &mut buf);
                    }
                    let path = paths.get(p.file as usize).copied().unwrap_or("");
                    let entry = Entry {
                        id: id_of(path, &p.tail).into(),
                        resp: p.resp as usize,
                        rows: buf,
                        words: String::new(),
                    };
                    (order.key(p.file, p.pos), entry)
                })
                .collect::<Vec<_>>())
        })
        .collect::<Result<Vec<_>>>()?;
    let mut all: Vec<(_, Entry)> = parts.into_iter().flatten().collect();
    all.par_sort_unstable_by_key(|(k, _)| *k);
    Ok(all.into_iter().map(|(_, e)| e).collect())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// An excerpt without words.
    pub(in crate::chart) fn entry(id: &str, resp: usize, rows: &[u64]) -> Entry {
        Entry {
            id: id.into(),
            resp,
            rows: rows.to_vec(),
            words: String::new(),
        }
    }

    #[test]
    fn cells_by_row_and_members_in_corpus_order() {
        let c = Cells::new(vec![
            entry("a.txt:1", 0, &[0, 1]),
            entry("a.txt:3", 0, &[]),
            entry("b.txt:1", 1, &[0]),
            entry("a.txt:5", 0, &[0]),
        ]);
        let ids = |v: Vec<&Entry>| v.into_iter().map(|e| e.id.to_string()).collect::<Vec<_>>();
        assert_eq!(ids(c.at(0, &[0])), ["a.txt:1", "a.txt:5"]);
        assert_eq!(ids(c.at(0, &[1, 0])), ["a.txt:1", "b.txt:1", "a.txt:5"]);
        assert_eq!(ids(c.at(1, &[1])), Vec::<String>::new());
        assert_eq!(c.by_id.get("a.txt:3"), Some(&None));
        assert_eq!(c.by_id.get("b.txt:1"), Some(&Some(1)));
    }
}
