//! `thematic report`: the study's findings as one HTML page or Markdown.
//! Gathers the same figures `matrix`, `quote`, `cooccur` and `agree` give
//! into a [`report::Report`] and hands it to a renderer. Each theme or
//! code's excerpts are listed once (one pass over the fast fields), and
//! stored text is read only for the quotes and each cell's first excerpt.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command as Process;

use crate::cli::{ReportArgs, ReportFormat};
use crate::codebook::{Codebook, Origin};
use crate::cooccur::{self, Within};
use crate::error::{Error, Result};
use crate::framework::{self, Matrix};
use crate::index::collect::{HitFilter, RowReader, Source};
use crate::index::{Manifest, StudyIndex};
use crate::render;
use crate::report::{
    self, Builder, ByRespondent, CellKind, CodeSection, CodebookEntry, CodebookInfo, Cooccur,
    Figures, GitState, Report, Template, ThemeSection,
};
use crate::study::{Study, StudyAt};

/// Runs `thematic report`.
pub fn run(project: &StudyAt, args: &ReportArgs) -> Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let date = report::date(
        args.date.as_deref(),
        project.source_date_epoch.as_deref(),
        now,
    )?;
    if args.limit == 0 {
        return Err(
            Error::input("--limit 0 would leave the report without quotes")
                .with_hint("give at least 1 quote per code, e.g. --limit 3"),
        );
    }
    if args.per_respondent == Some(0) {
        return Err(Error::input("--per-respondent 0 would leave no quote")
            .with_hint("give at least 1, or leave it out"));
    }
    let (study, idx) = super::open(project, &args.read)?;
    let (r, builder) = build(&study, &idx, args, date)?;
    let out = match args.format {
        ReportFormat::Html => report::html::render(&r),
        ReportFormat::Markdown => report::markdown::render(&r),
    };
    // Every part was checked as it was built; the whole page is checked
    // too, so that nothing printed escapes the gate.
    builder.gate_output(&out);
    builder.verdict()?;
    match &args.output {
        Some(path) => {
            render::write_new_file(path, out.as_bytes())?;
            if path.as_os_str() != "-" {
                eprintln!("wrote {}", path.display());
            }
            Ok(())
        }
        None => render::emit(&out),
    }
}

/// Gathers the report.
fn build<'i>(
    study: &Study,
    idx: &'i StudyIndex,
    args: &ReportArgs,
    date: String,
) -> Result<(Report, Builder<'i>)> {
    let m = &idx.manifest;
    let (by, template) = columns_and_attribution(study, m, args)?;
    let rows = theme_rows(study, m, &args.theme)?;
    let filter = super::filter(m, &args.read)?;
    let counts = super::count(idx, filter.clone())?;
    let groups = framework::build(&counts, m, rows.clone(), by.as_deref());
    if groups.columns.is_empty() {
        return Err(
            Error::input("no excerpts to report: the matrix would be empty")
                .with_hint("check --where, and that `thematic transcripts` lists respondent text"),
        );
    }
    let people = by
        .is_some()
        .then(|| framework::build(&counts, m, rows.clone(), None));
    let people = people.filter(|p| p.columns.len() <= report::MAX_RESPONDENT_COLUMNS);
    let n_people = counts.excerpts.iter().filter(|&&e| e > 0).count();

    // The rows whose quotes the report shows: each theme's codes, or the
    // theme itself when it has none.
    let quoted: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&r| m.rows[r].depth > 0 || !rows.iter().any(|&c| m.rows[c].parent == Some(r)))
        .collect();

    let mut is_quoted = vec![false; m.rows.len()];
    for &r in &quoted {
        is_quoted[r] = true;
    }
    let pseudonyms = super::pseudonyms(study, m, args.privacy)?;
    let mut builder = Builder::new(m, template, pseudonyms);
    let group_of = column_of(&groups, m.respondents.len());
    let person_of = people.as_ref().map(|p| column_of(p, m.respondents.len()));
    // Every excerpt once, in corpus order, each filed under the report's
    // rows it is at (its codes for the source and their ancestors, as the
    // collector behind `quote` reads them).
    let all = idx.corpus(HitFilter {
        filter: filter.clone(),
        rows_all: Vec::new(),
        uncoded: false,
    })?;
    let at_rows = file_by_row(idx, &all, &rows, filter.source)?;
    let columns = Columns {
        groups: (&group_of, groups.columns.len()),
        people: people
            .as_ref()
            .zip(person_of.as_ref())
            .map(|(p, of)| (of.as_slice(), p.columns.len())),
    };
    let Picked {
        first_groups,
        first_people,
        quotes,
    } = pick(
        idx,
        &mut builder,
        &rows,
        Filed {
            all: &all,
            at_rows: &at_rows,
            source: filter.source,
        },
        columns,
        &is_quoted,
        args,
    )?;

    let summaries = if study
        .resolve(study.settings.charts.trim_end_matches('/'))
        .is_dir()
    {
        super::matrix::summaries(study, idx, &groups, by.as_deref())?
    } else {
        Vec::new()
    };
    // `--where` values are attribute values (or respondent ids): shown as
    // participants' text is.
    let filters: Vec<String> = args.read.filters.iter().map(|f| builder.shown(f)).collect();
    builder.gate("the --where filters", &filters.iter().collect::<Vec<_>>());
    let quotes = Quoted {
        quotes,
        is_quoted: &is_quoted,
    };
    let commands = command_filters(&args.read.filters, &filters);
    let mut themes = theme_sections(
        &builder, &rows, &groups, &summaries, quotes, args, &commands,
    );
    for t in &themes {
        for c in &t.codes {
            builder.gate("the quote commands", &[&c.command]);
        }
    }

    let codebook = Codebook::load(
        &study.resolve(&study.settings.codebook),
        &study.settings.codebook,
    )?;
    let appendix = appendix(&codebook, m, &rows);
    describe(&mut themes, &appendix);

    let heat_kind = CellKind::Share;
    let groups_map = builder.heat_map(&groups, heat_kind, &first_groups);
    let respondents = match (&people, by.is_some()) {
        (_, false) => ByRespondent::SameAsGroups,
        (Some(p), true) => ByRespondent::Shown(builder.heat_map(p, CellKind::Count, &first_people)),
        (None, true) => ByRespondent::TooMany(n_people),
    };

    let cooccur = cooccur_section(idx, &filter, &quoted)?;

    let agreement = agreement_section(idx, &rows)?;

    // With --where, the transcripts that hold a selected respondent's
    // excerpts, as every other figure counts only them.
    let transcripts = match &filter.respondents {
        None => m.files.len(),
        Some(mask) => {
            let selected: std::collections::HashSet<&str> = m
                .respondents
                .iter()
                .zip(mask)
                .filter(|(_, &keep)| keep)
                .map(|(r, _)| r.as_str())
                .collect();
            // Who speaks in each file is in the details, read on demand.
            let mut full = m.clone();
            crate::index::load_details(&study.data_dir(), &mut full)?;
            full.files
                .values()
                .filter(|e| {
                    e.info
                        .respondents
                        .iter()
                        .any(|r| selected.contains(r.as_str()))
                })
                .count()
        }
    };
    let figures = Figures {
        transcripts,
        respondents: n_people,
        excerpts: counts.excerpts.iter().map(|&e| u64::from(e)).sum(),
        coded: counts.coded.iter().map(|&e| u64::from(e)).sum(),
    };
    let codebook_info = CodebookInfo {
        name: (codebook.doc.codebook.clone()).unwrap_or_else(|| study.settings.codebook.clone()),
        version: codebook.doc.version.clone(),
    };
    let method = method(study, m, args, &filters, by.as_deref(), &filter.source);
    builder.gate("the method note", &method.iter().collect::<Vec<_>>());
    builder.verdict()?;
    let report = Report {
        title: study
            .settings
            .title
            .clone()
            .unwrap_or_else(|| codebook_info.name.clone()),
        description: study.settings.description.clone(),
        date,
        codebook: codebook_info,
        git: git_state(&study.root),
        figures,
        method,
        by,
        groups: groups_map,
        respondents,
        themes,
        cooccur,
        agreement,
        appendix,
    };
    Ok((report, builder))
}

/// The `--where` filters a code's `thematic quote` command carries (those
/// shown as given), and the attributes of those left out: a filter whose
/// value the pseudonyms replaced would give a command that cannot be run
/// (`--where 'real_name=[narrator A]'` matches no one), and the original
/// would identify, so the command goes without it and says so.
struct CommandFilters {
    shown: Vec<String>,
    withheld: Vec<String>,
}

/// Splits the report's filters (as given and as shown) for the quote commands.
fn command_filters(given: &[String], shown: &[String]) -> CommandFilters {
    let mut out = CommandFilters {
        shown: Vec::new(),
        withheld: Vec::new(),
    };
    for (g, s) in given.iter().zip(shown) {
        if g == s {
            out.shown.push(s.clone());
        } else {
            let attr = super::parse_condition(g).map_or_else(|_| g.clone(), |c| c.attr);
            if !out.withheld.contains(&attr) {
                out.withheld.push(attr);
            }
        }
    }
    out
}

/// Each theme's description and each code's definition, from the appendix.
fn describe(themes: &mut [ThemeSection], appendix: &[CodebookEntry]) {
    for t in themes {
        let find = |path: &str| appendix.iter().find(|e| e.path == path);
        t.description = find(&t.path).and_then(|e| field(e, "Description"));
        for c in &mut t.codes {
            c.definition = find(&c.path).and_then(|e| field(e, "Definition"));
        }
    }
}

/// The attribute whose groups are the heat map's columns (`--by`, else
/// the first attribute column of respondents.csv; `None` for respondents)
/// and how quotes are attributed.
fn columns_and_attribution(
    study: &Study,
    m: &Manifest,
    args: &ReportArgs,
) -> Result<(Option<String>, Template)> {
    let by = match args.by.as_deref().map(str::trim) {
        Some(attr) => {
            super::check_attribute(m, attr, "--by")?;
            super::refuse_identifying(study, attr, "--by", args.privacy)?;
            Some(attr.to_string())
        }
        None => default_by(study, m),
    }
    .filter(|a| a != "respondent");
    let template = match &study.settings.attribution {
        Some(text) => {
            let settings = std::fs::read_to_string(study.root.join(crate::study::SETTINGS_FILE))
                .unwrap_or_default();
            Template::parse(text, &super::attribute_names(m), &settings)?
        }
        None => Template::default_for(by.as_deref()),
    };
    Ok((by, template))
}

/// The report's columns: each respondent's column (`usize::MAX` for none)
/// and how many there are, for the groups and, when shown, the respondents.
#[derive(Clone, Copy)]
struct Columns<'c> {
    groups: (&'c [usize], usize),
    people: Option<(&'c [usize], usize)>,
}

/// Every excerpt once, in corpus order; per row, the ones at it (indexes
/// into `all`); and the source whose codes put them there.
struct Filed<'c> {
    all: &'c [crate::index::collect::Hit],
    at_rows: &'c [Vec<u32>],
    source: crate::index::collect::Source,
}

/// What [`pick`] chose.
struct Picked {
    /// Per row, per group column, the id of its first excerpt.
    first_groups: Vec<Vec<Option<String>>>,
    /// The same per respondent column, when those are shown.
    first_people: Vec<Vec<Option<String>>>,
    /// Per quoted row: its numbered quotes, how many more, the per-respondent cap.
    quotes: HashMap<usize, (Vec<report::NumberedQuote>, usize, usize)>,
}

/// Per row, the first excerpt of each heat map cell and (for quoted rows)
/// the numbered quotes, from `excerpts`: every excerpt and, per row, the
/// ones at it. Stored text is read only for those, each once.
fn pick(
    idx: &StudyIndex,
    builder: &mut Builder<'_>,
    rows: &[usize],
    excerpts: Filed<'_>,
    columns: Columns<'_>,
    is_quoted: &[bool],
    args: &ReportArgs,
) -> Result<Picked> {
    let searcher = idx.reader.searcher();
    let mut ids: HashMap<tantivy::DocAddress, String> = HashMap::new();
    let mut first_groups = Vec::with_capacity(rows.len());
    let mut first_people = Vec::with_capacity(rows.len());
    let mut quotes: HashMap<usize, (Vec<report::NumberedQuote>, usize, usize)> = HashMap::new();
    let Filed {
        all,
        at_rows,
        source,
    } = excerpts;
    let (group_of, n_groups) = columns.groups;
    for (i, &r) in rows.iter().enumerate() {
        let hits = || at_rows[i].iter().map(|&k| all[k as usize]);
        let mut first = |of: &[usize], n: usize| -> Result<Vec<Option<String>>> {
            let mut cells: Vec<Option<String>> = vec![None; n];
            let mut left = n;
            for h in hits() {
                if left == 0 {
                    break;
                }
                let j = of.get(h.resp as usize).copied().unwrap_or(usize::MAX);
                if j < n && cells[j].is_none() {
                    let id = match ids.get(&h.addr) {
                        Some(id) => id.clone(),
                        None => {
                            let id = idx.stored(&searcher, h.addr)?.id;
                            ids.insert(h.addr, id.clone());
                            id
                        }
                    };
                    cells[j] = Some(id);
                    left -= 1;
                }
            }
            Ok(cells)
        };
        first_groups.push(first(group_of, n_groups)?);
        if let Some((of, n)) = columns.people {
            first_people.push(first(of, n)?);
        }
        if is_quoted[r] {
            let mut who: Vec<u64> = hits().map(|h| h.resp).collect();
            who.sort_unstable();
            who.dedup();
            let cap = report::per_respondent(args.per_respondent, args.limit, who.len());
            let total = at_rows[i].len();
            let (chosen, _) = super::quote::cap(hits(), args.limit, Some(cap));
            let mut numbered = Vec::with_capacity(chosen.len());
            for h in &chosen {
                let q = super::quote::quote(idx, &searcher, h, None, false, &[], source)?;
                numbered.push(builder.quote(&q));
            }
            quotes.insert(r, (numbered, total - chosen.len(), cap));
        }
    }
    Ok(Picked {
        first_groups,
        first_people,
        quotes,
    })
}

/// Each code's numbered quotes (with how many more there are and the
/// per-respondent cap), and which rows are quoted at all.
struct Quoted<'q> {
    quotes: HashMap<usize, (Vec<report::NumberedQuote>, usize, usize)>,
    is_quoted: &'q [bool],
}

/// The per-theme sections: descriptions, codes, summaries and quotes (the
/// descriptions and definitions are filled in from the appendix).
fn theme_sections(
    builder: &Builder<'_>,
    rows: &[usize],
    groups: &Matrix,
    summaries: &[Vec<crate::chart::summary::CellSummary>],
    quoted: Quoted<'_>,
    args: &ReportArgs,
    filters: &CommandFilters,
) -> Vec<ThemeSection> {
    let m = builder.manifest;
    let Quoted {
        mut quotes,
        is_quoted,
    } = quoted;
    let mut themes: Vec<ThemeSection> = Vec::new();
    for (i, &r) in rows.iter().enumerate() {
        let row = &m.rows[r];
        let written: Vec<_> = summaries
            .get(i)
            .map(|cells| {
                cells
                    .iter()
                    .zip(&groups.columns)
                    .filter(|(s, _)| !s.summary.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let more_summaries = written.len().saturating_sub(report::MAX_SUMMARIES);
        let cell_summaries: Vec<report::Summary> = written
            .iter()
            .take(report::MAX_SUMMARIES)
            .map(|(s, c)| builder.summary(&c.name, s.summary.trim(), s.is_stale()))
            .collect();
        // A theme's own summaries go under its description, unless the
        // theme has no codes and is its own code section.
        let own = is_quoted[r];
        if row.depth == 0 {
            themes.push(ThemeSection {
                path: row.path.clone(),
                label: row.label.clone(),
                description: None,
                summaries: if own {
                    Vec::new()
                } else {
                    cell_summaries.clone()
                },
                more_summaries: if own { 0 } else { more_summaries },
                codes: Vec::new(),
            });
        }
        let Some((q, more, cap)) = quotes.remove(&r) else {
            continue;
        };
        if let Some(t) = themes.last_mut() {
            t.codes.push(CodeSection {
                path: row.path.clone(),
                label: row.label.clone(),
                depth: row.depth,
                definition: None,
                summaries: cell_summaries,
                more_summaries,
                quotes: q,
                more,
                command: report::quote_command(
                    &row.path,
                    args.limit,
                    cap,
                    &filters.shown,
                    args.read.source.as_deref(),
                ),
                withheld: filters.withheld.clone(),
            });
        }
    }
    themes
}

/// The co-occurrence of the report's quoted codes (excerpts at both), or
/// why it is left out (too many codes); `None` for fewer than two codes.
fn cooccur_section(
    idx: &StudyIndex,
    filter: &crate::index::collect::Filter,
    quoted: &[usize],
) -> Result<Option<Cooccur>> {
    Ok(if quoted.len() > report::MAX_COOCCUR_CODES {
        Some(Cooccur::TooMany(quoted.len()))
    } else if quoted.len() >= 2 {
        let m = &idx.manifest;
        let table = idx.codes()?;
        let c = cooccur::count(
            &table,
            RowReader::new(filter.source, m.closure()),
            filter,
            quoted.to_vec(),
            m.rows.len(),
            m.respondents.len(),
            Within::Excerpt,
        );
        let n = c.len();
        let cells: Vec<Vec<u32>> = (0..n)
            .map(|i| (0..n).map(|j| c.count(i, j)).collect())
            .collect();
        let max = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| c.count(i, j))
            .max()
            .unwrap_or(0);
        Some(Cooccur::Shown {
            codes: quoted
                .iter()
                .map(|&r| (m.rows[r].path.clone(), m.rows[r].label.clone()))
                .collect(),
            cells,
            max,
        })
    } else {
        None
    })
}

/// Agreement of every coder per code among `rows`, when two or more coders
/// have sheets.
fn agreement_section(idx: &StudyIndex, rows: &[usize]) -> Result<Option<report::Agreement>> {
    Ok(
        super::agree::all_coders(idx, rows)?.map(|a| report::Agreement {
            coders: a.coders,
            lines: a
                .lines
                .into_iter()
                .map(|l| report::AgreementLine {
                    code: l.code,
                    units: l.units,
                    agreement: crate::agreement::fmt4(l.agreement),
                    kappa: crate::agreement::fmt4(l.kappa),
                    alpha: crate::agreement::fmt4(l.alpha),
                })
                .collect(),
        }),
    )
}

/// For each of `rows`, the indexes into `all` of the excerpts at it (in
/// `all`'s order): one read of the code table for every excerpt.
fn file_by_row(
    idx: &StudyIndex,
    all: &[crate::index::collect::Hit],
    rows: &[usize],
    source: Source,
) -> Result<Vec<Vec<u32>>> {
    let m = &idx.manifest;
    let mut slot = vec![usize::MAX; m.rows.len()];
    for (i, &r) in rows.iter().enumerate() {
        slot[r] = i;
    }
    let table = idx.codes()?;
    let mut reader = RowReader::new(source, m.closure());
    let mut buf = Vec::new();
    let mut out = vec![Vec::new(); rows.len()];
    for (k, h) in all.iter().enumerate() {
        buf.clear();
        if let Some(rec) = table.get(h.file, h.pos) {
            reader.fill(rec, &mut buf);
        }
        for &r in &buf {
            if let Some(&i) = slot.get(r as usize).filter(|&&i| i != usize::MAX) {
                out[i].push(k as u32);
            }
        }
    }
    Ok(out)
}

/// Dense respondent id → column of `matrix` (`usize::MAX`: none).
fn column_of(matrix: &Matrix, n_resp: usize) -> Vec<usize> {
    let mut of = vec![usize::MAX; n_resp];
    for (j, c) in matrix.columns.iter().enumerate() {
        for &p in &c.members {
            if let Some(slot) = of.get_mut(p) {
                *slot = j;
            }
        }
    }
    of
}

/// The rows of the `--theme`s asked for (all themes when none), in
/// codebook order.
fn theme_rows(study: &Study, m: &Manifest, themes: &[String]) -> Result<Vec<usize>> {
    let mut rows: Vec<usize> = if themes.is_empty() {
        (0..m.rows.len()).collect()
    } else {
        let mut v = Vec::new();
        for t in themes {
            v.extend(super::theme_rows(&m.rows, t.trim())?);
        }
        v
    };
    rows.sort_unstable();
    rows.dedup();
    if rows.is_empty() {
        return Err(super::no_themes(
            &study.settings.codebook,
            "the report has nothing to show",
        ));
    }
    Ok(rows)
}

/// The first attribute column of respondents.csv that is not declared
/// `identifying:`, when it has one that the index knows; else none (by
/// respondent).
fn default_by(study: &Study, m: &Manifest) -> Option<String> {
    let path = study.resolve(&study.settings.respondents);
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim_start_matches('\u{feff}');
    let (header, _) =
        crate::ingest::respondents::read_csv(text, &study.settings.respondents).ok()?;
    let names = super::attribute_names(m);
    header
        .into_iter()
        .skip(1)
        .find(|h| names.iter().any(|n| n == h) && !study.settings.identifying.contains(h))
}

/// The commit and whether the study folder has changes, when the study is
/// in git (and git runs); the index folder does not count.
fn git_state(root: &Path) -> Option<GitState> {
    let git = |args: &[&str]| {
        let out = Process::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])?;
    let status = git(&[
        "status",
        "--porcelain",
        "--",
        ".",
        &format!(":(exclude){}", crate::study::DATA_DIR),
    ])?;
    Some(GitState {
        commit,
        dirty: !status.is_empty(),
    })
}

/// A field of an appendix entry.
fn field(e: &CodebookEntry, name: &str) -> Option<String> {
    e.fields
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.clone())
}

/// The codebook's themes and codes among `rows`, with their definitions
/// and rules.
fn appendix(cb: &Codebook, m: &Manifest, rows: &[usize]) -> Vec<CodebookEntry> {
    let wanted: Vec<&str> = rows.iter().map(|&r| m.rows[r].path.as_str()).collect();
    let defs = cb.code_defs();
    let mut theme = 0;
    let mut out = Vec::new();
    for (i, n) in cb.nodes.iter().enumerate() {
        let mut fields: Vec<(&'static str, String)> = Vec::new();
        match defs[i] {
            None => {
                let th = &cb.doc.themes[theme];
                theme += 1;
                if let Some(d) = &th.description {
                    fields.push(("Description", d.trim().to_string()));
                }
            }
            Some(d) => {
                for (name, v) in d.text_fields() {
                    if let Some(v) = v {
                        fields.push((name, v.trim().to_string()));
                    }
                }
                if let Some(o) = d.origin {
                    let o = match o {
                        Origin::APriori => "a-priori",
                        Origin::Emergent => "emergent",
                    };
                    fields.push(("Origin", o.to_string()));
                }
                if let Some(r) = &d.rules {
                    let mut parts = Vec::new();
                    for (name, terms) in [
                        ("any of", &r.any),
                        ("all of", &r.all),
                        ("none of", &r.none),
                        ("regex", &r.regex),
                    ] {
                        if !terms.is_empty() {
                            parts.push(format!("{name}: {}", terms.join(", ")));
                        }
                    }
                    if !parts.is_empty() {
                        fields.push(("Rules", parts.join("; ")));
                    }
                }
            }
        }
        if wanted.contains(&n.path.as_str()) {
            out.push(CodebookEntry {
                path: n.path.clone(),
                label: n.label.clone(),
                depth: n.depth,
                fields,
            });
        }
    }
    out
}

/// The method note.
fn method(
    study: &Study,
    m: &Manifest,
    args: &ReportArgs,
    filters: &[String],
    by: Option<&str>,
    source: &Source,
) -> Vec<String> {
    let unit = match study.settings.unit {
        crate::study::Unit::Paragraph => "a paragraph of a respondent's turn",
        crate::study::Unit::Turn => "a respondent's whole turn",
        crate::study::Unit::Sentence => "a sentence",
    };
    let who = match source {
        Source::All => "a codebook rule or any coder".to_string(),
        Source::Rules => "a codebook rule (human codings left out: --source rules)".to_string(),
        Source::Human => "a human coder (the rules left out: --source human)".to_string(),
        Source::Coder(c) => format!(
            "the coder {} (--source)",
            m.coders.get(*c as usize).map_or("?", |c| c.name.as_str())
        ),
    };
    let mut out = vec![
        format!("Unit: an excerpt is {unit} (setting `unit`); interviewer turns are context, never counted."),
        format!("An excerpt is at a code when {who} put it there; a theme's or a parent code's figures include its sub-codes, each excerpt once."),
    ];
    if !filters.is_empty() {
        out.push(format!(
            "Respondents: only those with {} (--where).",
            filters.join(" and ")
        ));
    }
    out.push(match by {
        Some(attr) => format!("Heat map: n is the number of respondents of the group (`{attr}`; `{}` for those without it) with at least one excerpt at the row, N the respondents of the group with any excerpt, p = n/N rounded to a whole percent; the figures of `thematic matrix --by {attr}`.", framework::MISSING),
        None => "Heat map: n is 1 when the respondent has an excerpt at the row; the figures of `thematic matrix --cell respondents`.".to_string(),
    });
    out.push(match args.per_respondent {
        Some(p) => format!(
            "Quotes: per code, the first {} excerpts in corpus order (transcript path, then position), at most {p} per respondent: `thematic quote CODE --limit {} --per-respondent {p}` with the same filters. Numbered once across the report.",
            args.limit, args.limit
        ),
        None => format!(
            "Quotes: per code, the first {} excerpts in corpus order (transcript path, then position), at most one per respondent unless the code has fewer respondents than {} (then ⌈{} / respondents⌉): `thematic quote CODE --limit {} --per-respondent P` with the same filters. Numbered once across the report.",
            args.limit, args.limit, args.limit, args.limit
        ),
    });
    let charts = study.settings.charts.trim_end_matches('/');
    if study.resolve(charts).is_dir() {
        out.push(match by {
            Some(attr) => format!(
                "Summaries: those written for the groups, in `{charts}/by-{attr}/VALUE.md`; the summaries written per respondent (`{charts}/ID.md`) are in the report made with `--by respondent`."
            ),
            None => format!("Summaries: those written per respondent, in `{charts}/ID.md`."),
        });
    }
    out.push("Co-occurrence: excerpts at both codes, as `thematic cooccur`.".into());
    out.push(format!(
        "Capped: the heat map by respondent is shown up to {} respondents, the co-occurrence table up to {} codes, the summaries under a theme or code to {}, and each code's quotes to --limit.",
        report::MAX_RESPONDENT_COLUMNS,
        report::MAX_COOCCUR_CODES,
        report::MAX_SUMMARIES
    ));
    out.push(format!(
        "Made by thematic {} from the study's index.",
        env!("CARGO_PKG_VERSION")
    ));
    out
}
