//! `thematic code`: bring the index up to date and print a summary.

use std::time::Instant;

use serde::Serialize;

use crate::cli::TextFormat as Format;
use crate::error::Result;
use crate::index::collect::Filter;
use crate::pipeline::{self, Mode};
use crate::render::{self, Table};
use crate::study::{Study, StudyAt};

#[derive(Serialize)]
struct ThemeLine {
    theme: String,
    label: String,
    excerpts: u32,
    respondents: u32,
}

#[derive(Serialize)]
struct Summary {
    transcripts: usize,
    respondents: usize,
    excerpts: u32,
    coded: u32,
    themes: Vec<ThemeLine>,
    warnings: Vec<String>,
}

/// Runs `thematic code`.
pub fn run(project: &StudyAt, format: Format) -> Result<()> {
    let study = Study::find(project)?;
    let started = Instant::now();
    let (mut idx, outcome) = pipeline::refresh(&study, Mode::Code, &super::note)?;
    if !outcome.up_to_date
        && crate::chart::has_files(&study.resolve(study.settings.charts.trim_end_matches('/')))
    {
        // Make the cell table now, so the first `chart check` answers at once.
        crate::chart::table::CellTable::load(&idx, &super::note)?;
    }
    // The transcripts' warnings come from the head of the details; the
    // rest is decoded only to check `speakers:` ids.
    let (file_warnings, speakers) =
        crate::index::details_summary(&study.data_dir(), &idx.manifest)?;
    if speakers {
        crate::index::load_details(&study.data_dir(), &mut idx.manifest)?;
    }
    let m = &idx.manifest;
    // The transcripts were listed by the refresh: the listing's warnings
    // are those of the files as they are now, even when the index is up
    // to date.
    let mut warnings: Vec<String> = pipeline::study_warnings(&study, m)
        .into_iter()
        .chain(file_warnings)
        .collect();
    warnings.extend(speaker_warnings(&study, m)?);
    // First: it explains every count that follows.
    if m.rows.is_empty() {
        warnings.insert(0, super::no_themes_warning(&study.settings.codebook));
    }
    for w in &warnings {
        eprintln!("warning: {}", crate::render::safe::terminal(&w.to_string()));
    }
    if let Some(n) = pipeline::withheld_note(m) {
        super::note(&n);
    }
    let took = started.elapsed().as_secs_f64();
    if outcome.up_to_date {
        eprintln!("up to date: nothing changed since the last run ({took:.2}s)");
    } else if outcome.recoded {
        eprintln!(
            "re-coded {} from the index ({}; no transcript re-read) in {took:.2}s",
            render::plural(outcome.excerpts, "excerpt", "excerpts"),
            outcome.reason
        );
    } else if outcome.full {
        eprintln!(
            "coded {} from scratch ({}) in {took:.2}s",
            render::plural(outcome.ingested, "transcript", "transcripts"),
            outcome.reason
        );
    } else {
        eprintln!(
            "re-coded {}, removed {} in {took:.2}s",
            render::plural(
                outcome.ingested,
                "changed transcript",
                "changed transcripts"
            ),
            outcome.removed
        );
    }

    let counts = super::count(&idx, Filter::default())?;
    let n_resp = counts.excerpts.iter().filter(|&&n| n > 0).count();
    let summary = Summary {
        transcripts: m.files.len(),
        respondents: n_resp,
        excerpts: counts.excerpts.iter().sum(),
        coded: counts.coded.iter().sum(),
        themes: m
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.depth == 0)
            .map(|(i, r)| ThemeLine {
                theme: r.path.clone(),
                label: r.label.clone(),
                excerpts: (0..counts.n_resp).map(|p| counts.cell(i, p)).sum(),
                respondents: (0..counts.n_resp)
                    .filter(|&p| counts.cell(i, p) > 0)
                    .count() as u32,
            })
            .collect(),
        warnings,
    };
    let mut table = Table::new(vec![
        "theme".into(),
        "label".into(),
        "excerpts".into(),
        "respondents".into(),
    ])
    .right_from(2);
    for t in &summary.themes {
        table.rows.push(vec![
            t.theme.clone(),
            t.label.clone(),
            t.excerpts.to_string(),
            t.respondents.to_string(),
        ]);
    }
    let plural = render::plural;
    let head = format!(
        "{}, {}, {}, {} coded ({}%), {}\n",
        plural(summary.transcripts, "transcript", "transcripts"),
        plural(summary.respondents, "respondent", "respondents"),
        plural(summary.excerpts as usize, "excerpt", "excerpts"),
        summary.coded,
        render::percent(summary.coded, summary.excerpts),
        plural(summary.warnings.len(), "warning", "warnings")
    );
    let out = match format {
        Format::Table => format!("{head}{}", super::text_table(&table, project.terminal)),
        Format::Markdown => format!("{head}\n{}", table.to_markdown()),
        Format::Csv => table.to_csv()?,
        Format::Json => render::json(&summary)?,
    };
    render::emit(&out)
}

/// Warnings for focus-group `speakers:` ids that respondents.csv lacks.
fn speaker_warnings(study: &Study, m: &crate::index::Manifest) -> Result<Vec<String>> {
    // Without a `speakers:` map there is nothing to check, and
    // respondents.csv (parsed when the index was last written) is not
    // parsed again.
    if m.files.values().all(|e| e.info.speakers.is_empty()) {
        return Ok(Vec::new());
    }
    let shown = &study.settings.respondents;
    let path = study.resolve(shown);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let bytes = crate::input::read_user_file(&path, shown, crate::input::RESPONDENTS)?;
    let text = crate::text::decode::decode(&bytes, shown)?.text;
    let table = crate::ingest::respondents::parse(&text, shown)?;
    let infos: Vec<&crate::model::TranscriptInfo> = m.files.values().map(|e| &*e.info).collect();
    Ok(crate::ingest::respondents::speaker_warnings(
        &infos,
        &table,
        &study.settings_text,
    ))
}
