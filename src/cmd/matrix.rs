//! `thematic matrix`: the framework matrix, by respondent or by attribute.

use serde::Serialize;

use crate::chart::summary::CellSummary;
use crate::chart::{self, table::CellTable, Case};
use crate::cli::{CellMode, Format, MatrixArgs, RowsMode};
use crate::error::{Error, Result};
use crate::framework::{self, Cell, Matrix};
use crate::index::collect::HitFilter;
use crate::index::Manifest;
use crate::index::StudyIndex;
use crate::render::xlsx::{self, Cell as XCell, Sheet};
use crate::render::{self, Table};
use crate::study::{Study, StudyAt};

/// Runs `thematic matrix`.
pub fn run(project: &StudyAt, args: &MatrixArgs) -> Result<()> {
    if args.transpose && !matches!(args.format, Format::Table | Format::Markdown) {
        return Err(transpose_refused(args.format));
    }
    let (study, idx) = super::open(project, &args.read)?;
    let m = &idx.manifest;
    if let Some(attr) = &args.by {
        super::check_attribute(m, attr, "--by")?;
        if !args.privacy.identified && !study.settings.identifying.is_empty() {
            // A misspelt `identifying:` entry must not let its column
            // through as headings: loading the settings' pseudonyms checks
            // every entry names a column.
            super::pseudonyms(&study, m, args.privacy)?;
        }
        super::refuse_identifying(&study, attr, "--by", args.privacy)?;
    }
    let rows = select_rows(&study, &idx, args)?;
    let filter = super::filter(m, &args.read)?;
    let clock = crate::pipeline::Clock::start(&study, &super::note);
    let counts = super::count(&idx, filter.clone())?;
    clock.lap("count");
    let matrix = framework::build(&counts, m, rows, args.by.as_deref());
    if matrix.columns.is_empty() {
        return Err(
            Error::input("no excerpts to chart: the matrix would be empty")
                .with_hint("check --where, and that `thematic transcripts` lists respondent text"),
        );
    }
    let mode = args.cell.unwrap_or(if args.by.is_some() {
        CellMode::Respondents
    } else {
        CellMode::Count
    });
    // Quotes and summaries are text for people: the key file's names and
    // places are replaced (before a cell is cut, so no name is cut in two),
    // and so are the respondent ids and group names heading their columns.
    let pseudonyms = if text_cells(mode) {
        super::pseudonyms(&study, m, args.privacy)?
    } else if args.privacy.identified
        && (args.by.as_ref()).is_some_and(|b| study.settings.identifying.contains(b))
    {
        // Counts by an identifying column name people in the headings.
        super::note(crate::privacy::IDENTIFIED_NOTE);
        None
    } else {
        None
    };
    let mut summaries = if mode == CellMode::Summary {
        summaries(&study, &idx, &matrix, args.by.as_deref())?
    } else {
        Vec::new()
    };
    if let Some(p) = &pseudonyms {
        for c in summaries.iter_mut().flatten() {
            c.summary = p.apply_masked(&c.summary).into_owned();
        }
    }
    let quotes = match mode {
        CellMode::Quote => first_quotes(&idx, &matrix, &filter, args.width, pseudonyms.as_ref())?,
        CellMode::Summary => summary_texts(&summaries, args.format, args.width),
        _ => Vec::new(),
    };
    let mut matrix = matrix;
    if let Some(p) = &pseudonyms {
        for c in &mut matrix.columns {
            c.name = p.apply_masked(&c.name).into_owned();
        }
    }

    if args.format == Format::Xlsx {
        return write_xlsx(m, &matrix, &quotes, mode, args);
    }
    let out = match args.format {
        Format::Csv => to_csv(m, &matrix, mode)?,
        Format::Json => render::json(&JsonMatrix::new(&idx, &matrix, mode, &quotes, &summaries))?,
        Format::Table | Format::Markdown | Format::Xlsx => {
            to_table(m, &matrix, &quotes, mode, args, project)
        }
    };
    match &args.output {
        Some(path) => render::write_new_file(path, out.as_bytes()),
        None => render::emit(&out),
    }
}

/// Writes the matrix as an Excel workbook to `--output`.
fn write_xlsx(
    m: &Manifest,
    matrix: &framework::Matrix,
    quotes: &[Vec<Option<String>>],
    mode: CellMode,
    args: &MatrixArgs,
) -> Result<()> {
    let path = args.output.as_ref().ok_or_else(|| {
        Error::input("--format xlsx needs --output FILE")
            .with_hint("e.g. --format xlsx --output matrix.xlsx")
    })?;
    let mut header = vec![XCell::Text("code".into()), XCell::Text("label".into())];
    header.extend(
        column_headers(matrix, args.by.is_some())
            .into_iter()
            .map(XCell::Text),
    );
    let mut rows = vec![header];
    for (i, &r) in matrix.rows.iter().enumerate() {
        let value = |c: &framework::Cell, q: Option<&String>| match mode {
            CellMode::Respondents => XCell::Number(f64::from(c.respondents)),
            CellMode::Quote | CellMode::Summary => XCell::Text(q.cloned().unwrap_or_default()),
            _ => XCell::Number(f64::from(c.count)),
        };
        let mut row = vec![
            XCell::Text(m.rows[r].path.clone()),
            XCell::Text(format!(
                "{}{}",
                "  ".repeat(m.rows[r].depth),
                m.rows[r].label
            )),
        ];
        let blank = text_cells(mode).then(|| XCell::Text(String::new()));
        row.extend(row_values(matrix, quotes, i, value, blank));
        rows.push(row);
    }
    let n = rows[0].len();
    let mut widths = vec![28.0, 36.0];
    widths.extend(std::iter::repeat_n(
        if text_cells(mode) { 40.0 } else { 12.0 },
        n - 2,
    ));
    let sheet = Sheet {
        name: "Matrix".into(),
        rows,
        freeze_first_column: true,
        widths,
        wrap: if text_cells(mode) {
            (2..n).collect()
        } else {
            Vec::new()
        },
        marks: None,
    };
    render::write_new_file(path, &xlsx::write(&sheet)?)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The matrix as CSV for scripts (the stable contract).
fn to_csv(m: &Manifest, matrix: &framework::Matrix, mode: CellMode) -> Result<String> {
    let header = Table::new(
        std::iter::once("code".to_string())
            .chain(matrix.columns.iter().map(|c| c.name.clone()))
            .chain(["total".to_string()])
            .collect(),
    );
    // The header and each row's code go through the CSV writer (quoting,
    // formula guard); the figures are digits, which need neither, and a
    // matrix by respondent may have tens of thousands of columns.
    let mut out = header.to_csv()?;
    out.reserve(matrix.rows.len() * (matrix.columns.len() + 2) * 3);
    let mut digits = itoa::Buffer::new();
    for (i, &r) in matrix.rows.iter().enumerate() {
        let code = Table::new(vec![m.rows[r].path.clone()]).to_csv()?;
        out.push_str(code.strip_suffix('\n').unwrap_or(&code));
        for c in matrix.cells[i].iter().chain([&matrix.totals[i]]) {
            let value = if mode == CellMode::Respondents {
                c.respondents
            } else {
                c.count
            };
            out.push(',');
            out.push_str(digits.format(value));
        }
        out.push('\n');
    }
    Ok(out)
}

/// The matrix as a table or Markdown, for people.
fn to_table(
    m: &Manifest,
    matrix: &framework::Matrix,
    quotes: &[Vec<Option<String>>],
    mode: CellMode,
    args: &MatrixArgs,
    project: &StudyAt,
) -> String {
    let text = |c: &Cell, q: Option<&String>| match mode {
        CellMode::Count => c.count.to_string(),
        CellMode::Respondents => render::share(c.respondents, c.of),
        CellMode::Presence => if c.count > 0 { "●" } else { "" }.to_string(),
        CellMode::Quote | CellMode::Summary => q.cloned().unwrap_or_default(),
    };
    let mut header = vec![if args.by.is_some() {
        format!("code \\ {}", args.by.as_deref().unwrap_or(""))
    } else {
        "code".into()
    }];
    header.extend(column_headers(matrix, args.by.is_some()));
    let mut t = Table::new(header).right_from(if text_cells(mode) { usize::MAX } else { 1 });
    for (i, &r) in matrix.rows.iter().enumerate() {
        let row = &m.rows[r];
        let indent = "\u{a0}\u{a0}".repeat(row.depth);
        let mut cells = vec![format!("{indent}{}", render::cut(&row.label, 40))];
        let blank = text_cells(mode).then(String::new);
        cells.extend(row_values(matrix, quotes, i, text, blank));
        t.rows.push(cells);
    }
    let t = if args.transpose {
        transpose(t, args.by.as_deref().unwrap_or("respondent"))
    } else {
        t
    };
    let t = t.when_wide(narrower(args));
    if args.format == Format::Markdown {
        t.to_markdown()
    } else {
        super::text_table(&t, project.terminal)
    }
}

/// The column headers and the total's, for people: with `--by`, each group's
/// size as `(n=…)`, the same in the table, Markdown and xlsx (the header's n
/// is the N of the column's `n/N (p%)` cells).
fn column_headers(matrix: &Matrix, by: bool) -> Vec<String> {
    let mut out: Vec<String> = matrix
        .columns
        .iter()
        .map(|c| {
            if by {
                format!("{} (n={})", c.name, c.respondents)
            } else {
                c.name.clone()
            }
        })
        .collect();
    out.push(format!(
        "total (n={})",
        matrix.totals.first().map_or(0, |c| c.of)
    ));
    out
}

/// Row `i`'s cells then its total, each made by `f` from the cell and (with
/// `--cell quote`) its first quote; `blank_total` replaces the total when set.
fn row_values<T>(
    matrix: &Matrix,
    quotes: &[Vec<Option<String>>],
    i: usize,
    f: impl Fn(&Cell, Option<&String>) -> T,
    blank_total: Option<T>,
) -> Vec<T> {
    let quote = |j: usize| {
        quotes
            .get(i)
            .and_then(|q| q.get(j))
            .and_then(Option::as_ref)
    };
    let mut out: Vec<T> = matrix.cells[i]
        .iter()
        .enumerate()
        .map(|(j, c)| f(c, quote(j)))
        .collect();
    out.push(blank_total.unwrap_or_else(|| f(&matrix.totals[i], None)));
    out
}

fn select_rows(study: &Study, idx: &StudyIndex, args: &MatrixArgs) -> Result<Vec<usize>> {
    let rows = &idx.manifest.rows;
    let mut range = 0..rows.len();
    if let Some(theme) = &args.theme {
        range = super::theme_rows(rows, theme)?;
    }
    let picked: Vec<usize> = range
        .filter(|&i| args.rows == RowsMode::All || rows[i].depth == 0)
        .collect();
    if picked.is_empty() {
        return Err(super::no_themes(
            &study.settings.codebook,
            "the matrix has no rows",
        ));
    }
    Ok(picked)
}

/// The first excerpt (corpus order) of each cell, cut to `width`, with its id.
fn first_quotes(
    idx: &StudyIndex,
    matrix: &Matrix,
    filter: &crate::index::collect::Filter,
    width: usize,
    pseudonyms: Option<&crate::privacy::Pseudonyms>,
) -> Result<Vec<Vec<Option<String>>>> {
    let searcher = idx.reader.searcher();
    let mut column_of = vec![usize::MAX; idx.manifest.respondents.len()];
    for (j, c) in matrix.columns.iter().enumerate() {
        for &p in &c.members {
            column_of[p] = j;
        }
    }
    let mut out = Vec::new();
    for &r in &matrix.rows {
        let keep = HitFilter {
            filter: filter.clone(),
            rows_all: vec![vec![r as u64]],
            uncoded: false,
        };
        let hits = idx.corpus(keep)?;
        let mut cells: Vec<Option<String>> = vec![None; matrix.columns.len()];
        for h in hits {
            let j = column_of
                .get(h.resp as usize)
                .copied()
                .unwrap_or(usize::MAX);
            if j < cells.len() && cells[j].is_none() {
                let e = idx.stored(&searcher, h.addr)?;
                let text = match pseudonyms {
                    Some(p) => p.apply_masked(&e.text),
                    None => std::borrow::Cow::Borrowed(e.text.as_str()),
                };
                cells[j] = Some(format!("{} [{}]", render::cut(&text, width), e.id));
            }
        }
        out.push(cells);
    }
    Ok(out)
}

/// Whether a cell mode shows text (and the total column is blank).
fn text_cells(mode: CellMode) -> bool {
    matches!(mode, CellMode::Quote | CellMode::Summary)
}

/// The chart files' summaries at the matrix's cells: respondents' files,
/// or with `by` the group files `by-<ATTR>/<VALUE>.md`. A chart file with
/// bad input is warned about, and what could be read of it is used.
pub(crate) fn summaries(
    study: &Study,
    idx: &StudyIndex,
    matrix: &Matrix,
    by: Option<&str>,
) -> Result<Vec<Vec<CellSummary>>> {
    let m = &idx.manifest;
    let rel = study.settings.charts.trim_end_matches('/');
    let dir = study.resolve(rel);
    let shown = study.shown(&dir);
    // The chart files and the cell table are read side by side (the table
    // only when there are chart files to check it against).
    let (sources, cells) = rayon::join(
        || chart::read_dir(&dir, &shown),
        || {
            chart::has_files(&dir)
                .then(|| CellTable::load(idx, &super::note))
                .transpose()
        },
    );
    let (sources, cells) = (sources?, cells?.unwrap_or_default());
    if sources.is_empty() {
        super::note(&format!(
            "no chart files in {shown}/: every cell is `none` (`thematic chart` adds sections to summarise)"
        ));
    }
    let groups = super::group_withdrawals(study, m)?;
    super::chart::warn_withdrawn(study, m, &sources, &|id| cells.contains(id), &groups)?;
    let (files, problems) = chart::load(&sources, m, &groups);
    for p in problems {
        eprintln!("warning: {}", p.report().trim_start_matches("error: "));
    }
    let cases: Vec<Case> = matrix
        .columns
        .iter()
        .map(|c| match by {
            None => Case::Respondent(c.name.clone()),
            Some(attr) => Case::Group {
                attr: attr.to_string(),
                value: c.name.clone(),
            },
        })
        .collect();
    let mut grid = chart::summary::grid(m, &cells, &files, &matrix.rows, &cases);
    let someone_withdrew = !m.withheld.is_empty() || !m.withdrawn.is_empty();
    if someone_withdrew && !files.is_empty() {
        let withheld = chart::Withheld::load(m, &study.data_dir())?;
        let paths: Vec<&str> = matrix
            .rows
            .iter()
            .map(|&r| m.rows[r].path.as_str())
            .collect();
        withhold_withdrawn(
            &cells, &files, &withheld, &groups, &paths, &cases, &mut grid,
        );
    }
    Ok(grid)
}

/// Leaves out of `grid` the summaries that may hold the words of
/// respondents who withdrew consent (see [`chart::consent`]), each with a
/// warning: those citing an excerpt of a transcript that held their words
/// (`withheld` says whose), and a group's not reviewed since the group
/// held them (`groups` says who was in it). `paths` are the grid's rows.
fn withhold_withdrawn(
    cells: &CellTable,
    files: &[chart::check::Loaded],
    withheld: &chart::Withheld,
    groups: &chart::GroupWithdrawals,
    paths: &[&str],
    cases: &[Case],
    grid: &mut [Vec<CellSummary>],
) {
    let whose = |id: &str| {
        if cells.contains(id) {
            return None;
        }
        withheld.whose(id).map(<[String]>::to_vec)
    };
    let held = |case: &Case| groups.held(case).to_vec();
    let w = chart::consent::Withdrawn {
        whose: &whose,
        held: &held,
    };
    for warning in chart::consent::withhold(grid, paths, cases, files, &w) {
        eprintln!("warning: {}", render::safe::terminal(&warning));
    }
}

/// The summaries as cell text: cut to `width` in a table, whole in
/// Markdown (lines joined by `<br>`) and xlsx; a stale one marked.
fn summary_texts(
    summaries: &[Vec<CellSummary>],
    format: Format,
    width: usize,
) -> Vec<Vec<Option<String>>> {
    summaries
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| {
                    if c.summary.is_empty() {
                        return None;
                    }
                    let text = match format {
                        Format::Markdown => c
                            .summary
                            .lines()
                            .collect::<Vec<_>>()
                            .join(&render::safe::MARKDOWN_BREAK.to_string()),
                        Format::Xlsx => c.summary.clone(),
                        _ => render::cut(&c.summary, width),
                    };
                    Some(if c.is_stale() {
                        format!("(stale) {text}")
                    } else {
                        text
                    })
                })
                .collect()
        })
        .collect()
}

/// What the hint for a table wider than the terminal suggests: fewer
/// columns (`--by`, `--transpose`, unless already given) or CSV.
fn narrower(args: &MatrixArgs) -> String {
    let mut ways = Vec::new();
    if args.by.is_none() {
        ways.push("--by ATTR");
    }
    if !args.transpose {
        ways.push("--transpose");
    }
    ways.push(if args.transpose {
        "--format csv (without --transpose)"
    } else {
        "--format csv"
    });
    match ways.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => ways.concat(),
    }
}

/// `--transpose` with a format for scripts or spreadsheets: refused rather
/// than ignored, since CSV, JSON and xlsx keep one row per code (the CSV
/// header `code,<column>,…,total` is a contract scripts rely on).
fn transpose_refused(format: Format) -> Error {
    let name = match format {
        Format::Csv => "csv",
        Format::Json => "json",
        Format::Xlsx => "xlsx",
        Format::Table => "table",
        Format::Markdown => "markdown",
    };
    Error::input(format!(
        "--transpose works with --format table and markdown, not --format {name}"
    ))
    .with_hint(format!(
        "--format {name} keeps one row per code so that scripts can rely on it; drop --transpose (and transpose in your spreadsheet), or use --format markdown"
    ))
}

fn transpose(t: Table, corner: &str) -> Table {
    let n = t.header.len();
    let mut header = vec![corner.to_string()];
    header.extend(t.rows.iter().map(|r| r[0].trim().to_string()));
    let mut out = Table::new(header).right_from(1);
    for j in 1..n {
        let mut row = vec![t.header[j].clone()];
        row.extend(t.rows.iter().map(|r| r[j].clone()));
        out.rows.push(row);
    }
    out
}

/// A JSON cell: its figures, and with `--cell summary` its summary,
/// citations and status.
#[derive(Serialize)]
struct JsonCell {
    #[serde(flatten)]
    figures: Cell,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    summary: Option<CellSummary>,
}

#[derive(Serialize)]
struct JsonRow {
    code: String,
    label: String,
    depth: usize,
    cells: Vec<JsonCell>,
    total: Cell,
    #[serde(skip_serializing_if = "Option::is_none")]
    quotes: Option<Vec<Option<String>>>,
}

#[derive(Serialize)]
struct JsonMatrix<'a> {
    cell: &'static str,
    columns: &'a [framework::Column],
    rows: Vec<JsonRow>,
}

impl<'a> JsonMatrix<'a> {
    fn new(
        idx: &StudyIndex,
        matrix: &'a Matrix,
        mode: CellMode,
        quotes: &[Vec<Option<String>>],
        summaries: &[Vec<CellSummary>],
    ) -> Self {
        let cell = match mode {
            CellMode::Count => "count",
            CellMode::Respondents => "respondents",
            CellMode::Presence => "presence",
            CellMode::Quote => "quote",
            CellMode::Summary => "summary",
        };
        let rows = matrix
            .rows
            .iter()
            .enumerate()
            .map(|(i, &r)| JsonRow {
                code: idx.manifest.rows[r].path.clone(),
                label: idx.manifest.rows[r].label.clone(),
                depth: idx.manifest.rows[r].depth,
                cells: matrix.cells[i]
                    .iter()
                    .enumerate()
                    .map(|(j, &figures)| JsonCell {
                        figures,
                        summary: summaries.get(i).and_then(|row| row.get(j)).cloned(),
                    })
                    .collect(),
                total: matrix.totals[i],
                quotes: (mode == CellMode::Quote)
                    .then(|| quotes.get(i).cloned())
                    .flatten(),
            })
            .collect();
        JsonMatrix {
            cell,
            columns: &matrix.columns,
            rows,
        }
    }
}
