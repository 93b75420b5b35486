//! Counting and collecting over the index: row × respondent counts from the
//! code table (the matrix and stats), and collectors over the documents'
//! fast fields that look each excerpt's codes up in the table: filtered hit
//! lists (quotes and search) and the units coders covered (agreement).

use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::codes::{Closure, CodeTable, ExcerptCodes, Record};

/// Whose codings count (`--source`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Source {
    /// Rules and every coder.
    #[default]
    All,
    /// The codebook's rules only.
    Rules,
    /// Any human coder.
    Human,
    /// One coder (dense id).
    Coder(u64),
}

/// Which excerpts count: respondent filter (by dense id) and source.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// When set, only respondents whose entry is true.
    pub respondents: Option<Vec<bool>>,
    /// Whose codings count.
    pub source: Source,
}

/// Reads an excerpt's rows for a [`Source`] from its code-table record.
#[derive(Debug, Clone)]
pub struct RowReader {
    source: Source,
    closure: Closure,
    rec: ExcerptCodes,
}

impl RowReader {
    /// A reader for `source`, expanding codes through `closure`.
    pub fn new(source: Source, closure: Closure) -> RowReader {
        RowReader {
            source,
            closure,
            rec: ExcerptCodes::default(),
        }
    }

    /// The rows of the excerpt `rec` (its codes for the source and their
    /// ancestors) into `buf`, ascending and unique; returns its respondent.
    pub fn fill(&mut self, rec: Record<'_>, buf: &mut Vec<u64>) -> u64 {
        rec.decode_into(&mut self.rec);
        let r = &self.rec;
        let human = r.coders.iter().map(|&(_, code)| code);
        match self.source {
            Source::All => self
                .closure
                .expand(r.rules.iter().copied().chain(human), buf),
            Source::Rules => self.closure.expand(r.rules.iter().copied(), buf),
            Source::Human => self.closure.expand(human, buf),
            Source::Coder(c) => self.closure.expand(
                r.coders
                    .iter()
                    .filter(|&&(coder, _)| u64::from(coder) == c)
                    .map(|&(_, code)| code),
                buf,
            ),
        }
        r.resp
    }
}

impl Source {
    /// The codes this source applied directly to the excerpt `rec` (not
    /// their ancestors), ascending and unique.
    pub fn direct(self, rec: Record<'_>) -> Vec<u32> {
        let r = rec.decode();
        let human = r.coders.iter();
        let mut direct: Vec<u32> = match self {
            Source::All => r
                .rules
                .iter()
                .copied()
                .chain(human.map(|&(_, code)| code))
                .collect(),
            Source::Rules => r.rules.clone(),
            Source::Human => human.map(|&(_, code)| code).collect(),
            Source::Coder(c) => human
                .filter(|&&(coder, _)| u64::from(coder) == c)
                .map(|&(_, code)| code)
                .collect(),
        };
        direct.sort_unstable();
        direct.dedup();
        direct
    }
}

impl Filter {
    fn allows(&self, resp: u64) -> bool {
        self.respondents
            .as_ref()
            .is_none_or(|r| r.get(resp as usize).copied().unwrap_or(false))
    }
}

/// Excerpt counts per row × respondent, and per respondent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Number of rows.
    pub n_rows: usize,
    /// Number of respondents (dense ids).
    pub n_resp: usize,
    /// `cells[row * n_resp + resp]`: excerpts of `resp` at `row`.
    pub cells: Vec<u32>,
    /// Excerpts per respondent (all, coded or not).
    pub excerpts: Vec<u32>,
    /// Excerpts per respondent at one row or more.
    pub coded: Vec<u32>,
}

impl Counts {
    /// Excerpts of `resp` at `row`.
    pub fn cell(&self, row: usize, resp: usize) -> u32 {
        self.cells[row * self.n_resp + resp]
    }
}

impl Counts {
    /// Counts every excerpt of the code table per row × respondent.
    pub fn from_table(
        table: &CodeTable,
        n_rows: usize,
        n_resp: usize,
        mut rows: RowReader,
    ) -> Counts {
        let mut counts = Counts {
            n_rows,
            n_resp,
            cells: vec![0; n_rows * n_resp],
            excerpts: vec![0; n_resp],
            coded: vec![0; n_resp],
        };
        let mut buf = Vec::new();
        for rec in table.records() {
            let resp = rows.fill(rec, &mut buf) as usize;
            if resp >= n_resp {
                continue;
            }
            counts.excerpts[resp] += 1;
            for &row in &buf {
                if let Some(c) = counts.cells.get_mut(row as usize * n_resp + resp) {
                    *c += 1;
                }
            }
            if !buf.is_empty() {
                counts.coded[resp] += 1;
            }
        }
        counts
    }
}

/// One hit: where it is in corpus order, its score, its address.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Dense file id.
    pub file: u64,
    /// Position in the file.
    pub pos: u64,
    /// Dense respondent id.
    pub resp: u64,
    /// Query score (0 without a query).
    pub score: Score,
    /// The document.
    pub addr: DocAddress,
}

/// Which hits to keep: rows the excerpt must be at, or no rows at all.
#[derive(Debug, Clone, Default)]
pub struct HitFilter {
    /// Respondent filter.
    pub filter: Filter,
    /// Every one of these rows must be present (each a set of alternatives).
    pub rows_all: Vec<Vec<u64>>,
    /// Keep only excerpts at no row.
    pub uncoded: bool,
}

/// Collects every hit passing a [`HitFilter`].
pub struct HitCollector {
    /// The filter.
    pub keep: HitFilter,
    /// Whether scores are needed (a text query was given).
    pub scoring: bool,
    /// The code table and how to read rows from it; needed only when the
    /// filter asks for rows (or for none).
    pub codes: Option<(Arc<CodeTable>, RowReader)>,
}

/// Per-segment state of [`HitCollector`].
pub struct HitSegment {
    seg: SegmentOrdinal,
    codes: Option<(Arc<CodeTable>, RowReader)>,
    resp: Column<u64>,
    file: Column<u64>,
    pos: Column<u64>,
    keep: HitFilter,
    hits: Vec<Hit>,
    buf: Vec<u64>,
}

impl Collector for HitCollector {
    type Fruit = Vec<Hit>;
    type Child = HitSegment;

    fn for_segment(
        &self,
        seg: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<HitSegment> {
        let ff = reader.fast_fields();
        Ok(HitSegment {
            seg,
            codes: self.codes.clone(),
            resp: ff.u64("resp")?,
            file: ff.u64("file")?,
            pos: ff.u64("pos")?,
            keep: self.keep.clone(),
            hits: Vec::new(),
            buf: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Hit>>) -> tantivy::Result<Vec<Hit>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for HitSegment {
    type Fruit = Vec<Hit>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let resp = self.resp.first(doc).unwrap_or(0);
        if !self.keep.filter.allows(resp) {
            return;
        }
        let file = self.file.first(doc).unwrap_or(0);
        let pos = self.pos.first(doc).unwrap_or(0);
        if self.keep.uncoded || !self.keep.rows_all.is_empty() {
            self.buf.clear();
            if let Some((table, rows)) = &mut self.codes {
                if let Some(rec) = table.get(file, pos) {
                    rows.fill(rec, &mut self.buf);
                }
            }
            if self.keep.uncoded && !self.buf.is_empty() {
                return;
            }
            if !self
                .keep
                .rows_all
                .iter()
                .all(|alts| alts.iter().any(|r| self.buf.binary_search(r).is_ok()))
            {
                return;
            }
        }
        self.hits.push(Hit {
            file,
            pos,
            resp,
            score,
            addr: DocAddress::new(self.seg, doc),
        });
    }

    fn harvest(self) -> Vec<Hit> {
        self.hits
    }
}

/// One excerpt's human and rule codings, for agreement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodedUnit {
    /// Dense file id.
    pub file: u64,
    /// Position in the file.
    pub pos: u64,
    /// The document.
    pub addr: Option<DocAddress>,
    /// Coders whose sheets cover it, ascending.
    pub covered_by: Vec<u64>,
    /// `(coder, scope)` for each of a coder's code scopes that covers it
    /// (see [`crate::index::CoderInfo::scopes`]), ascending.
    pub scopes: Vec<(u64, u32)>,
    /// `(coder << 32) | row` for each coder's rows.
    pub coder_rows: Vec<u64>,
    /// `(coder << 32) | code` for each code a coder applied directly.
    pub coder_direct: Vec<u64>,
    /// Rows from the rules.
    pub rule_rows: Vec<u64>,
}

/// Collects the codings of every excerpt some coder covered.
pub struct CodingCollector {
    /// The code table.
    pub codes: Arc<CodeTable>,
    /// The codebook's parent links.
    pub closure: Closure,
}

/// Per-segment state of [`CodingCollector`].
pub struct CodingSegment {
    seg: SegmentOrdinal,
    codes: Arc<CodeTable>,
    closure: Closure,
    file: Column<u64>,
    pos: Column<u64>,
    rec: ExcerptCodes,
    buf: Vec<u64>,
    out: Vec<CodedUnit>,
}

impl Collector for CodingCollector {
    type Fruit = Vec<CodedUnit>;
    type Child = CodingSegment;

    fn for_segment(
        &self,
        seg: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<CodingSegment> {
        let ff = reader.fast_fields();
        Ok(CodingSegment {
            seg,
            codes: self.codes.clone(),
            closure: self.closure.clone(),
            file: ff.u64("file")?,
            pos: ff.u64("pos")?,
            rec: ExcerptCodes::default(),
            buf: Vec::new(),
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<CodedUnit>>) -> tantivy::Result<Vec<CodedUnit>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for CodingSegment {
    type Fruit = Vec<CodedUnit>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let file = self.file.first(doc).unwrap_or(0);
        let pos = self.pos.first(doc).unwrap_or(0);
        let Some(rec) = self.codes.get(file, pos) else {
            return;
        };
        rec.decode_into(&mut self.rec);
        let r = &self.rec;
        if r.covered_by.is_empty() {
            return;
        }
        // Codes are recorded coder by coder: expand each coder's run.
        let mut coder_rows = Vec::new();
        let coder_direct = r
            .coders
            .iter()
            .map(|&(coder, code)| (u64::from(coder) << 32) | u64::from(code))
            .collect();
        for run in r.coders.chunk_by(|a, b| a.0 == b.0) {
            let coder = u64::from(run[0].0);
            self.closure
                .expand(run.iter().map(|&(_, code)| code), &mut self.buf);
            coder_rows.extend(self.buf.iter().map(|&row| (coder << 32) | row));
        }
        self.closure.expand(r.rules.iter().copied(), &mut self.buf);
        self.out.push(CodedUnit {
            file,
            pos,
            addr: Some(DocAddress::new(self.seg, doc)),
            covered_by: covered_by(&r.covered_by),
            scopes: r
                .covered_by
                .iter()
                .map(|&(c, scope)| (u64::from(c), scope))
                .collect(),
            coder_rows,
            coder_direct,
            rule_rows: self.buf.clone(),
        });
    }

    fn harvest(self) -> Vec<CodedUnit> {
        self.out
    }
}

/// The coders of `(coder, scope)` pairs in ascending order, each once.
fn covered_by(pairs: &[(u32, u32)]) -> Vec<u64> {
    let mut coders: Vec<u64> = pairs.iter().map(|&(c, _)| u64::from(c)).collect();
    coders.dedup();
    coders
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::codes::TableBuilder;

    /// Theme 0 with codes 1 and 2 (2 has a sub-code 3); theme 4 with code 5.
    fn closure() -> Closure {
        Closure::new([None, Some(0), Some(0), Some(2), None, Some(4)])
    }

    fn table() -> CodeTable {
        let mut b = TableBuilder::default();
        // Excerpt 0 (respondent 1): rules say 3; coder 0 says 1, coder 1 says 5.
        b.insert(
            0,
            0,
            &ExcerptCodes {
                resp: 1,
                rules: vec![3],
                coders: vec![(0, 1), (1, 5)],
                covered_by: vec![(0, 0), (1, 0)],
            },
        );
        // Excerpt 1 (respondent 0): nothing.
        b.insert(
            0,
            1,
            &ExcerptCodes {
                resp: 0,
                ..Default::default()
            },
        );
        CodeTable::parse(b.encode()).unwrap()
    }

    #[test]
    fn rows_per_source_include_ancestors() {
        let t = table();
        let rec = t.get(0, 0).unwrap();
        let mut buf = Vec::new();
        let rows = |source, buf: &mut Vec<u64>| {
            RowReader::new(source, closure()).fill(rec, buf);
            buf.clone()
        };
        assert_eq!(rows(Source::All, &mut buf), [0, 1, 2, 3, 4, 5]);
        assert_eq!(rows(Source::Rules, &mut buf), [0, 2, 3]);
        assert_eq!(rows(Source::Human, &mut buf), [0, 1, 4, 5]);
        assert_eq!(rows(Source::Coder(0), &mut buf), [0, 1]);
        assert_eq!(rows(Source::Coder(1), &mut buf), [4, 5]);
        assert_eq!(rows(Source::Coder(2), &mut buf), Vec::<u64>::new());
    }

    #[test]
    fn counts_cells_excerpts_and_coded() {
        let c = Counts::from_table(&table(), 6, 2, RowReader::new(Source::Rules, closure()));
        assert_eq!(c.excerpts, [1, 1]);
        assert_eq!(c.coded, [0, 1]);
        let at = |row: usize| (0..2).map(|p| c.cell(row, p)).collect::<Vec<_>>();
        assert_eq!(at(0), [0, 1]);
        assert_eq!(at(1), [0, 0]);
        assert_eq!(at(3), [0, 1]);
        assert_eq!(at(5), [0, 0]);
    }
}

/// Where one excerpt is, read from the fast fields alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Dense file id.
    pub file: u64,
    /// Position in the file.
    pub pos: u64,
    /// Dense respondent id.
    pub resp: u64,
    /// Its id after `path:` (see [`super::id_tail`]).
    pub tail: String,
}

/// Collects every excerpt's [`Place`]: what needs ids but no text (chart
/// checks) reads no stored document.
pub struct PlaceCollector;

/// Per-segment state of [`PlaceCollector`].
pub struct PlaceSegment {
    file: Column<u64>,
    pos: Column<u64>,
    resp: Column<u64>,
    tail: Option<tantivy::columnar::StrColumn>,
    /// The segment's tails by ordinal (few: line numbers repeat across files).
    tails: Vec<String>,
    out: Vec<Place>,
}

impl Collector for PlaceCollector {
    type Fruit = Vec<Place>;
    type Child = PlaceSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<PlaceSegment> {
        let ff = reader.fast_fields();
        let tail = ff.str("tail")?;
        let mut tails = Vec::new();
        if let Some(col) = &tail {
            let mut terms = col.dictionary().stream()?;
            while terms.advance() {
                tails.push(String::from_utf8_lossy(terms.key()).into_owned());
            }
        }
        Ok(PlaceSegment {
            file: ff.u64("file")?,
            pos: ff.u64("pos")?,
            resp: ff.u64("resp")?,
            tail,
            tails,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Place>>) -> tantivy::Result<Vec<Place>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for PlaceSegment {
    type Fruit = Vec<Place>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let tail = self
            .tail
            .as_ref()
            .and_then(|c| c.term_ords(doc).next())
            .and_then(|ord| self.tails.get(ord as usize))
            .cloned()
            .unwrap_or_default();
        self.out.push(Place {
            file: self.file.first(doc).unwrap_or(0),
            pos: self.pos.first(doc).unwrap_or(0),
            resp: self.resp.first(doc).unwrap_or(0),
            tail,
        });
    }

    fn harvest(self) -> Vec<Place> {
        self.out
    }
}
