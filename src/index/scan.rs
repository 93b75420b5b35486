//! Reading stored excerpts back: one excerpt, or every excerpt's text in
//! parallel, segment by segment.

use super::*;

/// A stored excerpt read back from the index.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoredExcerpt {
    /// `path:line`.
    pub id: String,
    /// Transcript path.
    pub path: String,
    /// Line.
    pub line: u64,
    /// Respondent id.
    pub respondent: String,
    /// Speaker label.
    pub speaker: String,
    /// The question before it.
    pub question: String,
    /// The text.
    pub text: String,
    /// Code paths applied (not their ancestors), by any source.
    pub codes: Vec<String>,
    /// Start time (captions), or empty.
    pub time: String,
}

/// An excerpt's text and address as the index stores them.
#[derive(Debug, Clone, Default)]
pub struct StoredText {
    /// Dense file id.
    pub file: u64,
    /// Position in the file.
    pub pos: u64,
    /// Dense respondent id.
    pub resp: u64,
    /// `path:line`.
    pub id: String,
    /// Transcript path.
    pub path: String,
    /// The text.
    pub text: String,
    /// The question before it (empty unless asked for: see
    /// [`StudyIndex::par_fold_texts`]).
    pub question: String,
}

impl StoredText {
    /// The fields of a stored document (the question when `questions`).
    fn of(doc: &TantivyDocument, fl: &Fields, questions: bool) -> StoredText {
        StoredText {
            file: first_u64(doc, fl.file),
            pos: first_u64(doc, fl.pos),
            resp: first_u64(doc, fl.resp),
            id: first_str(doc, fl.id),
            path: first_str(doc, fl.path),
            text: first_str(doc, fl.text),
            question: if questions {
                first_str(doc, fl.question)
            } else {
                String::new()
            },
        }
    }
}

impl StudyIndex {
    /// Maps every excerpt's stored text (and question) through `f`,
    /// segments in parallel, keeping what it returns (in segment order, not
    /// corpus order).
    pub fn par_map_texts<T: Send>(
        &self,
        f: impl Fn(StoredText) -> Option<T> + Sync,
    ) -> Result<Vec<T>> {
        let parts = self.par_fold_texts(true, Vec::new, |out, e| out.extend(f(e)))?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// Folds every excerpt's stored text (and its question, when
    /// `questions`: reading it costs a copy per excerpt) into one
    /// accumulator per segment (`init` makes each), segments in parallel;
    /// the accumulators come back in segment order.
    pub fn par_fold_texts<A: Send>(
        &self,
        questions: bool,
        init: impl Fn() -> A + Sync,
        fold: impl Fn(&mut A, StoredText) + Sync,
    ) -> Result<Vec<A>> {
        use rayon::prelude::*;
        let (own, metas) = self.own_segments()?;
        metas
            .into_par_iter()
            .map(|meta| {
                let mut acc = init();
                self.segment_texts(&own, meta, questions, &mut |e| fold(&mut acc, e))?;
                Ok(acc)
            })
            .collect()
    }

    /// A handle of the index's own, and the segments of this reader's
    /// commit. Through its own handle a segment's files are mapped only
    /// while that segment is read: reading a large study's text never holds
    /// all of it in memory at once.
    pub(super) fn own_segments(&self) -> Result<(Index, Vec<tantivy::SegmentMeta>)> {
        let own = Index::open_in_dir(index_dir(&self.data_dir))?;
        let metas = own.searchable_segment_metas()?;
        let ours = self
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|r| {
                let id = r.segment_id();
                metas
                    .iter()
                    .find(|m| m.id() == id)
                    .cloned()
                    .ok_or_else(|| Error::failure("the index changed while it was read"))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((own, ours))
    }

    /// Hands each stored excerpt of one segment to `f`.
    pub(super) fn segment_texts(
        &self,
        own: &Index,
        meta: tantivy::SegmentMeta,
        questions: bool,
        f: &mut dyn FnMut(StoredText),
    ) -> Result<()> {
        let fl = &self.fields;
        let seg = tantivy::SegmentReader::open(&own.segment(meta))?;
        let store = seg
            .get_store_reader(1)
            .map_err(|e| Error::io(&index_dir(&self.data_dir), e))?;
        for doc in store.iter::<TantivyDocument>(seg.alive_bitset()) {
            f(StoredText::of(&doc?, fl, questions));
        }
        Ok(())
    }

    /// The codes `source` applied directly to an excerpt, in codebook
    /// order (row ids).
    pub fn direct_codes(&self, file: u64, pos: u64, source: collect::Source) -> Result<Vec<u32>> {
        Ok(self
            .codes()?
            .get(file, pos)
            .map_or_else(Vec::new, |rec| source.direct(rec)))
    }

    /// The paths of the codes `source` applied directly to an excerpt, in
    /// codebook order.
    pub fn code_paths(&self, file: u64, pos: u64, source: collect::Source) -> Result<Vec<String>> {
        Ok(self
            .direct_codes(file, pos, source)?
            .iter()
            .filter_map(|&r| self.manifest.rows.get(r as usize))
            .map(|r| r.path.clone())
            .collect())
    }

    /// Every stored excerpt of the transcripts `paths` (in no particular
    /// order).
    pub fn excerpts_of(&self, paths: &[&str]) -> Result<Vec<StoredText>> {
        use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let clauses = paths
            .iter()
            .map(|p| {
                let term = Term::from_field_text(self.fields.path, p);
                let q = TermQuery::new(term, tantivy::schema::IndexRecordOption::Basic);
                (Occur::Should, Box::new(q) as Box<dyn Query>)
            })
            .collect();
        let searcher = self.reader.searcher();
        let docs = searcher.search(
            &BooleanQuery::new(clauses),
            &tantivy::collector::DocSetCollector,
        )?;
        let f = &self.fields;
        docs.into_iter()
            .map(|addr| {
                let doc: TantivyDocument = searcher.doc(addr)?;
                Ok(StoredText::of(&doc, f, true))
            })
            .collect()
    }

    /// The search language of the transcript with dense id `file`, from
    /// a table by id made on first use (without decoding the manifest's
    /// transcript table).
    pub fn file_language(&self, file: u64) -> Option<crate::study::Language> {
        self.file_languages
            .get_or_init(|| {
                let refs = self.manifest.file_refs();
                let max = refs.iter().map(|f| f.1).max().map_or(0, |m| m as usize + 1);
                let mut by_id = vec![None; max];
                for (_, id, language) in refs {
                    by_id[id as usize] = Some(language);
                }
                by_id
            })
            .get(file as usize)
            .copied()
            .flatten()
    }

    /// The code table committed with the index (read once, on first use).
    pub fn codes(&self) -> Result<Arc<codes::CodeTable>> {
        if let Some(t) = self.codes.get() {
            return Ok(t.clone());
        }
        let (file, path) = &self.codes_file;
        let table = Arc::new(codes::CodeTable::load(file, path)?);
        Ok(self.codes.get_or_init(|| table).clone())
    }

    /// `query`'s hits collected by `collector`, ranked (when it scores)
    /// by BM25 over the study as it is: the statistics are those a fresh
    /// index of the same transcripts has ([`Ranking`]), whatever earlier
    /// runs left deleted in this one.
    pub fn search<C: tantivy::collector::Collector>(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn tantivy::query::Query,
        collector: &C,
    ) -> Result<C::Fruit> {
        let ranking = Ranking::of(searcher, self);
        Ok(searcher.search_with_statistics_provider(query, collector, &ranking)?)
    }

    /// A collector of the hits passing `keep` (scored when `scoring`).
    pub fn hits(&self, keep: collect::HitFilter, scoring: bool) -> Result<collect::HitCollector> {
        let codes = if keep.uncoded || !keep.rows_all.is_empty() {
            let rows = collect::RowReader::new(keep.filter.source, self.manifest.closure());
            Some((self.codes()?, rows))
        } else {
            None
        };
        Ok(collect::HitCollector {
            keep,
            scoring,
            codes,
        })
    }

    /// Every excerpt passing `keep`, in corpus order (path, then position).
    pub fn corpus(&self, keep: collect::HitFilter) -> Result<Vec<collect::Hit>> {
        let mut hits = self
            .reader
            .searcher()
            .search(&tantivy::query::AllQuery, &self.hits(keep, false)?)?;
        let order = self.manifest.corpus_order();
        hits.sort_by_key(|h| order.key(h.file, h.pos));
        Ok(hits)
    }

    /// Reads one excerpt's stored fields.
    pub fn stored(
        &self,
        searcher: &tantivy::Searcher,
        addr: tantivy::DocAddress,
    ) -> Result<StoredExcerpt> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let f = &self.fields;
        let s = |field| first_str(&doc, field);
        let num = |field| first_u64(&doc, field);
        let resp = num(f.resp) as usize;
        let codes = self.code_paths(num(f.file), num(f.pos), collect::Source::All)?;
        Ok(StoredExcerpt {
            id: s(f.id),
            path: s(f.path),
            line: num(f.line),
            respondent: self
                .manifest
                .respondents
                .get(resp)
                .cloned()
                .unwrap_or_default(),
            speaker: s(f.speaker),
            question: s(f.question),
            text: s(f.text),
            time: s(f.time),
            codes,
        })
    }
}

/// A stored number of a document (0 when absent).
pub(super) fn first_u64(doc: &TantivyDocument, field: Field) -> u64 {
    doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0)
}

/// A stored text of a document (empty when absent).
pub(super) fn first_str(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string()
}

/// BM25's statistics of the study as it is. An update deletes the
/// documents of the transcripts it re-reads, and tantivy's own statistics
/// keep counting them (document and term counts) until a merge drops them:
/// the same study would rank its excerpts differently after an edit than
/// from scratch. Here documents and term frequencies count live documents
/// only, and the tokens per language come from the manifest
/// ([`Manifest::tokens`]), so every figure is a fresh index's.
pub struct Ranking<'a> {
    searcher: &'a tantivy::Searcher,
    fields: &'a Fields,
    manifest: &'a Manifest,
}

impl<'a> Ranking<'a> {
    /// The statistics of `idx`'s study, for `searcher`'s segments.
    pub fn of(searcher: &'a tantivy::Searcher, idx: &'a StudyIndex) -> Ranking<'a> {
        Ranking {
            searcher,
            fields: &idx.fields,
            manifest: &idx.manifest,
        }
    }
}

impl tantivy::query::Bm25StatisticsProvider for Ranking<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        Ok(self
            .manifest
            .tokens
            .iter()
            .filter(|&&(lang, _)| self.fields.body(lang) == field)
            .map(|&(_, n)| n)
            .sum())
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self
            .searcher
            .segment_readers()
            .iter()
            .map(|r| u64::from(r.num_docs()))
            .sum())
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        use tantivy::{DocSet, TERMINATED};
        let mut n = 0u64;
        for r in self.searcher.segment_readers() {
            let inverted = r.inverted_index(term.field())?;
            let Some(alive) = r.alive_bitset() else {
                n += u64::from(inverted.doc_freq(term)?);
                continue;
            };
            let postings =
                inverted.read_postings(term, tantivy::schema::IndexRecordOption::Basic)?;
            if let Some(mut postings) = postings {
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    n += u64::from(alive.is_alive(doc));
                    doc = postings.advance();
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::query::Bm25StatisticsProvider;

    /// A study of Spanish and English transcripts, coded, its index opened.
    fn coded(dir: &Path) -> StudyIndex {
        let study = crate::study::Study::find(&crate::study::StudyAt {
            project: Some(dir.to_path_buf()),
            ..Default::default()
        })
        .unwrap();
        crate::pipeline::refresh(&study, crate::pipeline::Mode::Code, &|_| {})
            .unwrap()
            .0
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn ranking_counts_the_study_as_a_fresh_index_does() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            "codebooks/main.yaml",
            "codebook: X\nthemes:\n  - id: t\n    label: T\n    codes:\n      - id: m\n        label: M\n        match: {any: [money]}\n",
        );
        write(
            d,
            "transcripts/r1.txt",
            "Money came late.\n\nThe families waited.\n",
        );
        write(
            d,
            "transcripts/r2.txt",
            "---\nlanguage: spanish\n---\nLas familias buscaron  dinero.\n\nNo.\n",
        );
        write(d, "transcripts/r3.txt", &"filler words ".repeat(300));
        let terms = |idx: &StudyIndex| {
            [
                (Language::English, "money"),
                (Language::English, "famili"),
                (Language::English, "filler"),
                (Language::Spanish, "famili"),
                (Language::Spanish, "no"),
            ]
            .map(|(l, t)| Term::from_field_text(idx.fields.body(l), t))
        };
        // Fresh: the same figures as tantivy's own.
        let idx = coded(d);
        let searcher = idx.reader.searcher();
        let ranking = Ranking::of(&searcher, &idx);
        let figures = |p: &dyn Bm25StatisticsProvider, idx: &StudyIndex| {
            let mut out = vec![p.total_num_docs().unwrap()];
            for l in [Language::English, Language::Spanish] {
                out.push(p.total_num_tokens(idx.fields.body(l)).unwrap());
            }
            out.extend(terms(idx).iter().map(|t| p.doc_freq(t).unwrap()));
            out
        };
        let fresh = figures(&searcher, &idx);
        assert_eq!(figures(&ranking, &idx), fresh);
        assert!(fresh.iter().all(|&n| n > 0), "{fresh:?}");
        // An edit and back: tantivy still counts the deleted documents;
        // the ranking counts the study, as fresh.
        write(d, "transcripts/r3.txt", "Short now.\n");
        drop(searcher);
        coded(d);
        write(d, "transcripts/r3.txt", &"filler words ".repeat(300));
        let idx = coded(d);
        let searcher = idx.reader.searcher();
        let ranking = Ranking::of(&searcher, &idx);
        assert_ne!(figures(&searcher, &idx), fresh);
        assert_eq!(figures(&ranking, &idx), fresh);
    }
}
