//! `thematic cooccur`: how codes go together. Rows and columns are the
//! chosen codes in codebook order; a cell is the number of excerpts (or
//! respondents) at both. The CSV (`code,<code paths…>`) is a stable contract.

use serde::Serialize;

use crate::cli::{CooccurArgs, CooccurCell, CooccurWithin, Format};
use crate::cooccur::{self, Cooccurrence, Within};
use crate::error::{Error, Result};
use crate::index::collect::RowReader;
use crate::index::{Manifest, StudyIndex};
use crate::render::xlsx::{self, Cell as XCell, Sheet};
use crate::render::{self, Table};
use crate::study::StudyAt;

/// Runs `thematic cooccur`.
pub fn run(project: &StudyAt, args: &CooccurArgs) -> Result<()> {
    let (study, idx) = super::open(project, &args.read)?;
    let m = &idx.manifest;
    let rows = select_rows(&study, &idx, args)?;
    let filter = super::filter(m, &args.read)?;
    let within = match args.within {
        CooccurWithin::Excerpt => Within::Excerpt,
        CooccurWithin::Respondent => Within::Respondent,
    };
    let table = idx.codes()?;
    let reader = RowReader::new(filter.source, m.closure());
    let c = cooccur::count(
        &table,
        reader,
        &filter,
        rows,
        m.rows.len(),
        m.respondents.len(),
        within,
    );
    if c.units == 0 {
        return Err(
            Error::input("no excerpts to count: the co-occurrence table would be empty")
                .with_hint("check --where, and that `thematic transcripts` lists respondent text"),
        );
    }
    let value = |i: usize, j: usize| match args.cell {
        CooccurCell::Count => c.count(i, j).to_string(),
        CooccurCell::Jaccard => crate::agreement::four(c.jaccard(i, j)),
    };
    if args.format == Format::Xlsx {
        return write_xlsx(m, &c, args);
    }
    let out = match args.format {
        Format::Json => render::json(&JsonCooccur::new(m, &c, args))?,
        Format::Csv => {
            let mut t = Table::new(header(m, &c));
            for i in 0..c.len() {
                let mut row = vec![m.rows[c.rows[i]].path.clone()];
                row.extend((0..c.len()).map(|j| value(i, j)));
                t.rows.push(row);
            }
            t.to_csv()?
        }
        Format::Table | Format::Markdown | Format::Xlsx => {
            let mut t = Table::new(header(m, &c))
                .right_from(1)
                .when_wide("--codes, --theme or --format csv");
            for i in 0..c.len() {
                let mut row = vec![m.rows[c.rows[i]].path.clone()];
                row.extend((0..c.len()).map(|j| value(i, j)));
                t.rows.push(row);
            }
            let unit = match within {
                Within::Excerpt => "excerpts",
                Within::Respondent => "respondents",
            };
            let what = match args.cell {
                CooccurCell::Count => format!("{unit} at both codes"),
                CooccurCell::Jaccard => format!("Jaccard index of {unit} (both / either)"),
            };
            let foot = format!("{what}; {} {unit} in all\n", c.units);
            if args.format == Format::Markdown {
                format!("{}\n{foot}", t.to_markdown())
            } else {
                format!("{}{foot}", super::text_table(&t, project.terminal))
            }
        }
    };
    match &args.output {
        Some(path) => render::write_new_file(path, out.as_bytes()),
        None => render::emit(&out),
    }
}

/// `code` and the chosen rows' full paths.
fn header(m: &Manifest, c: &Cooccurrence) -> Vec<String> {
    std::iter::once("code".to_string())
        .chain(c.rows.iter().map(|&r| m.rows[r].path.clone()))
        .collect()
}

/// The rows asked for, in codebook order: `--codes` (each a theme or code,
/// once), `--theme` (the theme and its codes), or every theme and code.
fn select_rows(
    study: &crate::study::Study,
    idx: &StudyIndex,
    args: &CooccurArgs,
) -> Result<Vec<usize>> {
    let rows = &idx.manifest.rows;
    let picked: Vec<usize> = if let Some(theme) = &args.theme {
        super::theme_rows(rows, theme)?.collect()
    } else if !args.codes.is_empty() {
        let mut picked = args
            .codes
            .iter()
            .map(|c| super::code_arg(rows, c))
            .collect::<Result<Vec<_>>>()?;
        picked.sort_unstable();
        picked.dedup();
        picked
    } else {
        (0..rows.len()).collect()
    };
    if picked.is_empty() {
        return Err(super::no_themes(
            &study.settings.codebook,
            "the co-occurrence table has no rows",
        ));
    }
    Ok(picked)
}

/// Writes the table as an Excel workbook to `--output`.
fn write_xlsx(m: &Manifest, c: &Cooccurrence, args: &CooccurArgs) -> Result<()> {
    let path = args.output.as_ref().ok_or_else(|| {
        Error::input("--format xlsx needs --output FILE")
            .with_hint("e.g. --format xlsx --output cooccur.xlsx")
    })?;
    let mut head = vec![XCell::Text("code".into()), XCell::Text("label".into())];
    head.extend(c.rows.iter().map(|&r| XCell::Text(m.rows[r].path.clone())));
    let mut rows = vec![head];
    for i in 0..c.len() {
        let r = &m.rows[c.rows[i]];
        let mut row = vec![
            XCell::Text(r.path.clone()),
            XCell::Text(format!("{}{}", "  ".repeat(r.depth), r.label)),
        ];
        row.extend((0..c.len()).map(|j| {
            XCell::Number(match args.cell {
                CooccurCell::Count => f64::from(c.count(i, j)),
                CooccurCell::Jaccard => round4(c.jaccard(i, j)),
            })
        }));
        rows.push(row);
    }
    let mut widths = vec![28.0, 36.0];
    widths.extend(std::iter::repeat_n(12.0, c.len()));
    let sheet = Sheet {
        name: "Co-occurrence".into(),
        rows,
        freeze_first_column: true,
        widths,
        wrap: Vec::new(),
        marks: None,
    };
    render::write_new_file(path, &xlsx::write(&sheet)?)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn round4(v: f64) -> f64 {
    (v * 10000.0).round() / 10000.0
}

/// The JSON output: what was counted, the codes, and one row per code.
#[derive(Serialize)]
struct JsonCooccur {
    within: &'static str,
    cell: &'static str,
    units: u32,
    codes: Vec<String>,
    rows: Vec<JsonRow>,
}

#[derive(Serialize)]
struct JsonRow {
    code: String,
    label: String,
    /// Counts (integers) or Jaccard indexes (4 decimals), one per code.
    cells: Vec<serde_json::Value>,
}

impl JsonCooccur {
    fn new(m: &Manifest, c: &Cooccurrence, args: &CooccurArgs) -> JsonCooccur {
        JsonCooccur {
            within: match args.within {
                CooccurWithin::Excerpt => "excerpt",
                CooccurWithin::Respondent => "respondent",
            },
            cell: match args.cell {
                CooccurCell::Count => "count",
                CooccurCell::Jaccard => "jaccard",
            },
            units: c.units,
            codes: c.rows.iter().map(|&r| m.rows[r].path.clone()).collect(),
            rows: (0..c.len())
                .map(|i| JsonRow {
                    code: m.rows[c.rows[i]].path.clone(),
                    label: m.rows[c.rows[i]].label.clone(),
                    cells: (0..c.len())
                        .map(|j| match args.cell {
                            CooccurCell::Count => c.count(i, j).into(),
                            CooccurCell::Jaccard => round4(c.jaccard(i, j)).into(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
