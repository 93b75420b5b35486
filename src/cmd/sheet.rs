//! `thematic sheet`: a blank coding sheet for a human coder.

use crate::cli::{SheetArgs, SheetFormat};
use crate::codebook;
use crate::codings::sheet_hash;
use crate::error::{Error, Result};
use crate::index::collect::HitFilter;
use crate::render::xlsx::{self, Cell, Sheet};
use crate::render::{self, Table};
use crate::study::StudyAt;

/// Runs `thematic sheet`.
pub fn run(project: &StudyAt, args: &SheetArgs) -> Result<()> {
    let (study, idx) = super::open(project, &args.read)?;
    // Coders work on the originals unless asked: the hash is always the
    // original text's, so that the sheet is placed as usual.
    let pseudonyms = if args.privacy.pseudonymise {
        let opts = crate::cli::PrivacyOpts { identified: false };
        super::pseudonyms(&study, &idx.manifest, opts)?
    } else {
        None
    };
    let m = &idx.manifest;
    let mut columns: Vec<usize> = Vec::new();
    if args.codes.is_empty() {
        columns.extend((0..m.rows.len()).filter(|&i| m.rows[i].depth > 0));
    } else {
        let depth = |j: usize| m.rows[j].depth;
        for name in &args.codes {
            let i = super::code_arg(&m.rows, name)?;
            columns.extend(codebook::subtree(m.rows.len(), depth, i).filter(|&j| depth(j) > 0));
        }
        columns.sort_unstable();
        columns.dedup();
    }
    let coder = args.coder.trim();
    if coder.is_empty() || coder.contains(['/', '\\']) {
        return Err(Error::input(format!("bad coder name `{}`", args.coder))
            .with_hint("use a plain name such as `ana`; the sheet is saved as codings/ana.csv"));
    }
    let filter = super::filter(m, &args.read)?;
    let searcher = idx.reader.searcher();
    let hits = idx.corpus(HitFilter {
        filter,
        rows_all: Vec::new(),
        uncoded: false,
    })?;
    let mut header: Vec<String> = ["id", "respondent", "coder", "question", "text", "hash"]
        .map(String::from)
        .to_vec();
    header.extend(columns.iter().map(|&c| m.rows[c].path.clone()));
    let mut t = Table::new(header);
    for h in hits {
        let e = idx.stored(&searcher, h.addr)?;
        let (question, text) = match &pseudonyms {
            Some(p) => (
                p.apply(&e.question).into_owned(),
                p.apply(&e.text).into_owned(),
            ),
            None => (e.question, e.text.clone()),
        };
        let mut row = vec![
            e.id,
            e.respondent,
            coder.to_string(),
            question,
            text,
            sheet_hash(&e.text),
        ];
        row.extend(columns.iter().map(|_| String::new()));
        t.rows.push(row);
    }
    if args.format == SheetFormat::Xlsx {
        let path = args.output.as_ref().ok_or_else(|| {
            Error::input("--format xlsx needs --output FILE")
                .with_hint(format!("e.g. --format xlsx --output {coder}.xlsx"))
        })?;
        let n = t.header.len();
        let mut rows = vec![t
            .header
            .iter()
            .map(|h| Cell::Text(h.clone()))
            .collect::<Vec<_>>()];
        rows.extend(
            t.rows
                .iter()
                .map(|r| r.iter().map(|c| Cell::Text(c.clone())).collect()),
        );
        let mut widths = vec![26.0, 11.0, 9.0, 40.0, 70.0, 14.0];
        widths.extend(std::iter::repeat_n(12.0, n - 6));
        let marks = (n > 6).then(|| (6, n - 1, vec!["x".to_string()]));
        let sheet = Sheet {
            name: format!("Coding {coder}"),
            rows,
            freeze_first_column: true,
            widths,
            wrap: vec![3, 4],
            marks,
        };
        render::write_new_file(path, &xlsx::write(&sheet)?)?;
        eprintln!(
            "wrote {} to {}; mark cells, then save it as codings/{coder}.xlsx",
            render::plural(t.rows.len(), "excerpt", "excerpts"),
            path.display()
        );
        return Ok(());
    }
    let csv = t.to_csv()?;
    match &args.output {
        None => render::emit(&csv),
        Some(path) => {
            render::write_new_file(path, csv.as_bytes())?;
            eprintln!(
                "wrote {} to {}; mark cells, then save it as codings/{coder}.csv",
                render::plural(t.rows.len(), "excerpt", "excerpts"),
                path.display()
            );
            Ok(())
        }
    }
}
