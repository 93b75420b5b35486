//! `thematic reanchor`: shows, and with `--write` writes into the coding
//! sheets, the ids and hashes of rows whose excerpts moved since the sheet
//! was written (or whose hash a spreadsheet program turned into a number).
//! Besides `codebook fmt --write`, the only command that writes user files.

use std::collections::{BTreeMap, BTreeSet};

use crate::codebook::Codebook;
use crate::codings::{self, Fix, Target};
use crate::error::Result;
use crate::pipeline::{self, Mode};
use crate::study::{Study, StudyAt};

/// Runs `thematic reanchor`.
pub fn run(project: &StudyAt, write: bool) -> Result<()> {
    let study = Study::find(project)?;
    let (idx, _) = pipeline::refresh(&study, Mode::Auto, &super::note)?;
    let cb = Codebook::load(
        &study.resolve(&study.settings.codebook),
        &study.settings.codebook,
    )?;
    let sheets = codings::load(&study.root, &cb)?;
    let m = &idx.manifest;
    let order = m.corpus_order();
    let mut targets = idx.par_map_texts(|e| {
        Some((
            order.key(e.file, e.pos),
            Target {
                hash: codings::text_hash(&e.text),
                question: codings::question_key(&e.question),
                respondent: m
                    .respondents
                    .get(e.resp as usize)
                    .cloned()
                    .unwrap_or_default(),
                id: e.id,
                path: e.path,
            },
        ))
    })?;
    targets.sort_by_key(|t| t.0);
    let targets: Vec<Target> = targets.into_iter().map(|(_, t)| t).collect();
    // Rows of respondents who withdrew consent are skipped, as `code` drops
    // them: their excerpts are no longer in the study, and there is nothing
    // to re-anchor them to.
    let gone: BTreeSet<String> = m.withdrawn.iter().chain(&m.withheld).cloned().collect();
    let kept = sheets.without_respondents(&gone);
    if let Some(k) = &kept {
        let n = sheets.rows.len() - k.rows.len();
        super::note(&format!(
            "{} of respondents who withdrew consent skipped",
            crate::render::plural(n, "coding-sheet row", "coding-sheet rows")
        ));
    }
    let placed = codings::place(kept.as_ref().unwrap_or(&sheets), &targets, &BTreeSet::new())?;
    for w in &placed.warnings {
        eprintln!("warning: {}", crate::render::safe::terminal(&w.to_string()));
    }
    let mut by_sheet: BTreeMap<&str, Vec<&Fix>> = BTreeMap::new();
    for f in &placed.fixes {
        by_sheet.entry(f.sheet.as_str()).or_default().push(f);
    }
    let mut out = String::new();
    for f in &placed.fixes {
        let mut what = Vec::new();
        if f.from != f.to {
            what.push(format!("id `{}` -> `{}`", f.from, f.to));
        }
        if let Some(old) = &f.old_hash {
            if old.trim() != f.hash {
                what.push(format!("hash `{}` -> `{}`", old.trim(), f.hash));
            }
        }
        if let Some((was, now)) = &f.respondent {
            what.push(format!("respondent `{was}` -> `{now}`"));
        }
        out.push_str(&format!("{}:{}: {}\n", f.sheet, f.row, what.join(", ")));
    }
    crate::render::emit(&out)?;
    let rows = placed.fixes.len();
    if rows == 0 {
        eprintln!("every coding sits where its sheet says: nothing to rewrite");
        return Ok(());
    }
    if !write {
        eprintln!(
            "{rows} {} in {} to rewrite; `thematic reanchor --write` writes them",
            if rows == 1 { "row" } else { "rows" },
            crate::render::plural(by_sheet.len(), "sheet", "sheets")
        );
        return Ok(());
    }
    // Refuse before writing anything, so that no sheet is left half done.
    for sheet in by_sheet.keys() {
        crate::reanchor::check_writable(sheet)?;
    }
    for (sheet, fixes) in &by_sheet {
        let path = study.root.join(sheet);
        let bytes = crate::input::read_user_file(&path, sheet, crate::input::SHEET)?;
        let new = crate::reanchor::rewrite(&bytes, sheet, fixes)?;
        crate::render::replace_file(&path, &new)?;
        eprintln!(
            "wrote {} to {sheet}",
            crate::render::plural(fixes.len(), "row", "rows")
        );
    }
    Ok(())
}
