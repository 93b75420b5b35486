//! `thematic export`: the study for other tools. Reads every excerpt
//! passing `--where` from the index, in corpus order, with its rows for
//! `--source`, and hands them to `export::tidy` for CSV or JSON.

use crate::cli::{StudyExportArgs, StudyExportFormat};
use crate::error::Result;
use crate::export::tidy::{Tidy, TidyRow};
use crate::index::collect::{HitFilter, RowReader};
use crate::render;
use crate::study::StudyAt;

/// Runs `thematic export`.
pub fn run(project: &StudyAt, args: &StudyExportArgs) -> Result<()> {
    let (_, idx) = super::open(project, &args.read)?;
    let m = &idx.manifest;
    let filter = super::filter(m, &args.read)?;
    let mut rows = RowReader::new(filter.source, m.closure());
    let table = idx.codes()?;
    let hits = idx.corpus(HitFilter {
        filter,
        ..Default::default()
    })?;
    let attributes = super::attribute_names(m);
    let searcher = idx.reader.searcher();
    let mut tidy = Tidy {
        codes: m.rows.iter().map(|r| r.path.clone()).collect(),
        attributes,
        rows: Vec::with_capacity(hits.len()),
    };
    let mut buf = Vec::new();
    for h in &hits {
        let e = idx.stored(&searcher, h.addr)?;
        buf.clear();
        if let Some(rec) = table.get(h.file, h.pos) {
            rows.fill(rec, &mut buf);
        }
        let mut codes = vec![false; m.rows.len()];
        for &r in &buf {
            if let Some(c) = codes.get_mut(r as usize) {
                *c = true;
            }
        }
        tidy.rows.push(TidyRow {
            attributes: tidy
                .attributes
                .iter()
                .map(|a| {
                    m.attributes
                        .get(&e.respondent)
                        .and_then(|v| v.get(a))
                        .cloned()
                })
                .collect(),
            id: e.id,
            path: e.path,
            line: e.line,
            respondent: e.respondent,
            question: e.question,
            text: e.text,
            codes,
        });
    }
    let out = match args.format {
        StudyExportFormat::Csv => tidy.to_csv()?,
        StudyExportFormat::Json => tidy.to_json()?,
    };
    match &args.output {
        Some(path) => {
            render::write_new_file(path, out.as_bytes())?;
            eprintln!("wrote {} excerpts to {}", tidy.rows.len(), path.display());
            Ok(())
        }
        None => render::emit(&out),
    }
}
