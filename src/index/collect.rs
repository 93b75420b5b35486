//! Custom collectors over the index's fast fields: row × respondent counts
//! (the matrix and stats), filtered hit lists (quotes and search), and the
//! first excerpt of each row × respondent cell.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

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

/// Reads an excerpt's rows for a [`Source`] from the fast fields.
pub struct RowReader {
    source: Source,
    col: Column<u64>,
}

impl RowReader {
    /// Opens the column the source needs.
    pub fn open(seg: &SegmentReader, source: Source) -> tantivy::Result<RowReader> {
        let field = match source {
            Source::All => "rows",
            Source::Rules => "rule_rows",
            Source::Human | Source::Coder(_) => "coder_rows",
        };
        Ok(RowReader {
            source,
            col: seg.fast_fields().u64(field)?,
        })
    }

    /// The rows of `doc`, into `buf` (cleared first; unique for one coder).
    pub fn fill(&self, doc: DocId, buf: &mut Vec<u64>) {
        buf.clear();
        match self.source {
            Source::All | Source::Rules => buf.extend(self.col.values_for_doc(doc)),
            Source::Human => {
                buf.extend(self.col.values_for_doc(doc).map(|v| v & 0xFFFF_FFFF));
                buf.sort_unstable();
                buf.dedup();
            }
            Source::Coder(c) => buf.extend(
                self.col
                    .values_for_doc(doc)
                    .filter(|v| v >> 32 == c)
                    .map(|v| v & 0xFFFF_FFFF),
            ),
        }
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

/// Counts excerpts per row × respondent from the fast fields.
pub struct CountCollector {
    /// Number of rows.
    pub n_rows: usize,
    /// Number of respondents.
    pub n_resp: usize,
    /// Which excerpts count.
    pub filter: Filter,
}

/// Per-segment state of [`CountCollector`].
pub struct CountSegment {
    rows: RowReader,
    buf: Vec<u64>,
    resp: Column<u64>,
    filter: Filter,
    counts: Counts,
}

impl Collector for CountCollector {
    type Fruit = Counts;
    type Child = CountSegment;

    fn for_segment(&self, _: SegmentOrdinal, seg: &SegmentReader) -> tantivy::Result<CountSegment> {
        Ok(CountSegment {
            rows: RowReader::open(seg, self.filter.source)?,
            buf: Vec::new(),
            resp: seg.fast_fields().u64("resp")?,
            filter: self.filter.clone(),
            counts: Counts {
                n_rows: self.n_rows,
                n_resp: self.n_resp,
                cells: vec![0; self.n_rows * self.n_resp],
                excerpts: vec![0; self.n_resp],
                coded: vec![0; self.n_resp],
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut total = Counts {
            n_rows: self.n_rows,
            n_resp: self.n_resp,
            cells: vec![0; self.n_rows * self.n_resp],
            excerpts: vec![0; self.n_resp],
            coded: vec![0; self.n_resp],
        };
        for f in fruits {
            for (a, b) in total.coded.iter_mut().zip(f.coded) {
                *a += b;
            }
            for (a, b) in total.cells.iter_mut().zip(f.cells) {
                *a += b;
            }
            for (a, b) in total.excerpts.iter_mut().zip(f.excerpts) {
                *a += b;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for CountSegment {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        let resp = self.resp.first(doc).unwrap_or(0);
        if resp as usize >= self.counts.n_resp || !self.filter.allows(resp) {
            return;
        }
        let resp = resp as usize;
        self.counts.excerpts[resp] += 1;
        self.rows.fill(doc, &mut self.buf);
        let any = !self.buf.is_empty();
        for &row in &self.buf {
            if let Some(c) = self
                .counts
                .cells
                .get_mut(row as usize * self.counts.n_resp + resp)
            {
                *c += 1;
            }
        }
        if any {
            self.counts.coded[resp] += 1;
        }
    }

    fn harvest(self) -> Counts {
        self.counts
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
}

/// Per-segment state of [`HitCollector`].
pub struct HitSegment {
    seg: SegmentOrdinal,
    rows: RowReader,
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
            rows: RowReader::open(reader, self.keep.filter.source)?,
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
        if self.keep.uncoded || !self.keep.rows_all.is_empty() {
            self.rows.fill(doc, &mut self.buf);
            if self.keep.uncoded && !self.buf.is_empty() {
                return;
            }
            if !self
                .keep
                .rows_all
                .iter()
                .all(|alts| alts.iter().any(|r| self.buf.contains(r)))
            {
                return;
            }
        }
        self.hits.push(Hit {
            file: self.file.first(doc).unwrap_or(0),
            pos: self.pos.first(doc).unwrap_or(0),
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
    /// Coders whose sheets cover it.
    pub covered_by: Vec<u64>,
    /// `(coder << 32) | row` for each coder's rows.
    pub coder_rows: Vec<u64>,
    /// Rows from the rules.
    pub rule_rows: Vec<u64>,
}

/// Collects the codings of every excerpt some coder covered.
pub struct CodingCollector;

/// Per-segment state of [`CodingCollector`].
pub struct CodingSegment {
    seg: SegmentOrdinal,
    cov: Column<u64>,
    crow: Column<u64>,
    rules: Column<u64>,
    file: Column<u64>,
    pos: Column<u64>,
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
            cov: ff.u64("covered_by")?,
            crow: ff.u64("coder_rows")?,
            rules: ff.u64("rule_rows")?,
            file: ff.u64("file")?,
            pos: ff.u64("pos")?,
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
        let covered_by: Vec<u64> = self.cov.values_for_doc(doc).collect();
        if covered_by.is_empty() {
            return;
        }
        self.out.push(CodedUnit {
            file: self.file.first(doc).unwrap_or(0),
            pos: self.pos.first(doc).unwrap_or(0),
            addr: Some(DocAddress::new(self.seg, doc)),
            covered_by,
            coder_rows: self.crow.values_for_doc(doc).collect(),
            rule_rows: self.rules.values_for_doc(doc).collect(),
        });
    }

    fn harvest(self) -> Vec<CodedUnit> {
        self.out
    }
}
