//! `thematic stats`: per theme and code, excerpts and respondents at it and
//! its share of all excerpts. The CSV (`code,excerpts,respondents`) is a
//! stable contract.

use serde::Serialize;

use crate::cli::{ReadOpts, TextFormat as Format};
use crate::error::{Error, Result};
use crate::render::{self, Table};
use crate::study::StudyAt;

#[derive(Serialize)]
struct Line {
    code: String,
    label: String,
    depth: usize,
    excerpts: u32,
    respondents: u32,
    share: f64,
}

/// Runs `thematic stats`.
pub fn run(project: &StudyAt, format: Format, read: &ReadOpts) -> Result<()> {
    let (_, idx) = super::open(project, read)?;
    let m = &idx.manifest;
    let counts = super::count(&idx, super::filter(m, read)?)?;
    let total: u32 = counts.excerpts.iter().sum();
    // A `--where` that keeps no excerpt would read as a table of zeros
    // ("no survivor mentioned any theme"): refused, as `matrix` and
    // `cooccur` refuse it.
    if total == 0 && !read.filters.is_empty() {
        return Err(Error::input(
            "no excerpts to count: --where keeps none, so every share would read 0",
        )
        .with_hint("check --where (`thematic matrix --by ATTR` shows each attribute's values)"));
    }
    let lines: Vec<Line> = m
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let excerpts: u32 = (0..counts.n_resp).map(|p| counts.cell(i, p)).sum();
            Line {
                code: r.path.clone(),
                label: r.label.clone(),
                depth: r.depth,
                excerpts,
                respondents: (0..counts.n_resp)
                    .filter(|&p| counts.cell(i, p) > 0)
                    .count() as u32,
                share: if total == 0 {
                    0.0
                } else {
                    (excerpts as f64 / total as f64 * 10000.0).round() / 10000.0
                },
            }
        })
        .collect();
    let out = match format {
        Format::Csv => {
            let mut t = Table::new(vec!["code".into(), "excerpts".into(), "respondents".into()]);
            for l in &lines {
                t.rows.push(vec![
                    l.code.clone(),
                    l.excerpts.to_string(),
                    l.respondents.to_string(),
                ]);
            }
            t.to_csv()?
        }
        Format::Json => render::json(&lines)?,
        Format::Table | Format::Markdown => {
            let mut t = Table::new(vec![
                "code".into(),
                "label".into(),
                "excerpts".into(),
                "respondents".into(),
                "share".into(),
            ])
            .right_from(2);
            for l in &lines {
                let id = l.code.rsplit('/').next().unwrap_or(&l.code);
                let indent = "\u{a0}\u{a0}".repeat(l.depth);
                t.rows.push(vec![
                    format!("{indent}{id}"),
                    l.label.clone(),
                    l.excerpts.to_string(),
                    l.respondents.to_string(),
                    render::percent_tenths(l.excerpts, total),
                ]);
            }
            let foot = format!(
                "{} in all\n",
                render::plural(total as usize, "excerpt", "excerpts")
            );
            if format == Format::Table {
                format!("{}{foot}", super::text_table(&t, project.terminal))
            } else {
                format!("{}\n{foot}", t.to_markdown())
            }
        }
    };
    render::emit(&out)
}
