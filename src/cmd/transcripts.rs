//! `thematic transcripts`: what was ingested, per file.

use crate::cli::{ReadOpts, TextFormat as Format};
use crate::error::Result;
use crate::model::TranscriptInfo;
use crate::render::{self, Table};
use crate::study::StudyAt;

/// Runs `thematic transcripts`.
pub fn run(project: &StudyAt, format: Format, read: &ReadOpts) -> Result<()> {
    let (study, mut idx) = super::open(project, read)?;
    crate::index::load_details(&study.data_dir(), &mut idx.manifest)?;
    let m = &idx.manifest;
    let f = super::filter(m, read)?;
    let dense: std::collections::HashMap<&str, usize> = m
        .respondents
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    let keep = |info: &TranscriptInfo| match &f.respondents {
        None => true,
        Some(mask) => info
            .respondents
            .iter()
            .any(|r| dense.get(r.as_str()).is_some_and(|&i| mask[i])),
    };
    let shown: Vec<TranscriptInfo> = m
        .files
        .values()
        .map(|e| &e.info)
        .filter(|i| keep(i))
        .map(|i| i.without_withheld())
        .collect();
    let infos: Vec<&TranscriptInfo> = shown.iter().collect();
    if format == Format::Json {
        return render::emit(&render::json(&infos)?);
    }
    let mut t = Table::new(
        [
            "path",
            "respondents",
            "turns",
            "excerpts",
            "words",
            "encoding",
            "warnings",
            // Added after the first release: new columns go last.
            if format == Format::Table {
                "preamble\nwords"
            } else {
                "preamble_words"
            },
            if format == Format::Table {
                "footer\nlines"
            } else {
                "footer_lines"
            },
            "language",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    )
    .right_from(2);
    t.right[5] = false;
    t.right[9] = false;
    for i in &infos {
        t.rows.push(vec![
            i.path.clone(),
            if i.respondent == crate::model::WITHDRAWN {
                // The file's own respondent withdrew consent: said in
                // every format, as JSON's `respondent` says it.
                std::iter::once(crate::model::WITHDRAWN)
                    .chain(i.respondents.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ")
            } else if format == Format::Csv || i.respondents.len() <= 6 {
                i.respondents.join(" ")
            } else {
                format!(
                    "{} … {} ({})",
                    i.respondents[..3].join(" "),
                    i.respondents[i.respondents.len() - 1],
                    i.respondents.len()
                )
            },
            i.turns.to_string(),
            i.excerpts.to_string(),
            i.words.to_string(),
            i.encoding.clone(),
            i.warnings.len().to_string(),
            i.preamble_words.to_string(),
            i.footer_lines.to_string(),
            i.language.to_string(),
        ]);
    }
    // For people, the footer column only when a file has a footer: the
    // table stays within 100 columns for the usual study.
    if format != Format::Csv && infos.iter().all(|i| i.footer_lines == 0) {
        let footer = t.header.len() - 2;
        t.header.remove(footer);
        t.right.remove(footer);
        for row in &mut t.rows {
            row.remove(footer);
        }
    }
    let out = super::laid_out(&t, project.terminal, format.into(), "")?;
    if format == Format::Table {
        let said: Vec<&String> = super::unknown_withdrawn(m).collect();
        for w in crate::pipeline::all_warnings(&study, m)
            .into_iter()
            .filter(|w| !said.contains(&w))
        {
            eprintln!("warning: {}", crate::render::safe::terminal(&w.to_string()));
        }
    }
    render::emit(&out)
}
