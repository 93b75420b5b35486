//! `thematic chart`: append a section to the chart files for every cell with
//! excerpts and no section yet; `thematic chart check`: check the chart
//! files (and the memos' `about:`) against the index (and with `--accept`,
//! record each summary's current excerpts in its marker comment).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::chart::{self, cells::Cells, check, table::CellTable, Case, Listed};
use crate::cli::{ChartArgs, ChartCommand, ReadOpts};
use crate::error::{suggest, Error, Result};
use crate::index::StudyIndex;
use crate::render;
use crate::study::{Study, StudyAt};

/// Runs `thematic chart` or `thematic chart check`.
pub fn run(project: &StudyAt, args: &ChartArgs) -> Result<()> {
    match &args.check {
        Some(ChartCommand::Check {
            strict,
            accept,
            frozen,
        }) => run_check(project, *strict, *accept, *frozen),
        None => run_add(project, args),
    }
}

/// The charts folder, absolute and as shown.
fn charts_dir(study: &Study) -> (std::path::PathBuf, String) {
    let rel = study.settings.charts.trim_end_matches('/').to_string();
    let abs = study.resolve(&rel);
    (abs.clone(), study.shown(&abs))
}

/// One file's cases to chart: the case and its respondents.
struct Target {
    case: Case,
    members: Vec<usize>,
}

fn run_add(project: &StudyAt, args: &ChartArgs) -> Result<()> {
    let read = ReadOpts {
        filters: args.filters.clone(),
        frozen: args.frozen,
        source: None,
    };
    let (study, idx) = super::open(project, &read)?;
    let m = &idx.manifest;
    let rows = select_rows(&idx, &args.theme)?;
    let mut keep = super::filter(m, &read)?
        .respondents
        .unwrap_or_else(|| vec![true; m.respondents.len()]);
    if !args.respondent.is_empty() {
        let mut named = vec![false; m.respondents.len()];
        for id in &args.respondent {
            let Some(p) = m.respondents.iter().position(|r| r == id.trim()) else {
                if chart::withdrawn(m, id.trim()) {
                    return Err(Error::input(format!(
                        "`{}` in --respondent withdrew consent: their words are withheld from the study, so there is nothing to chart",
                        id.trim()
                    ))
                    .with_hint(format!(
                        "leave `{}` out of --respondent; a chart file of theirs still holds their words: the team should delete it",
                        id.trim()
                    )));
                }
                return Err(
                    Error::input(format!("unknown respondent `{id}` in --respondent"))
                        .with_hint(suggest(id, m.respondents.iter().map(String::as_str))),
                );
            };
            named[p] = true;
        }
        keep.iter_mut().zip(named).for_each(|(k, n)| *k &= n);
    }
    if let Some(attr) = &args.by {
        super::refuse_identifying(&study, attr.trim(), "--by", args.privacy)?;
    }
    let Targets {
        files: targets,
        missing,
        unnamed,
    } = targets(&idx, &keep, args.by.as_deref())?;
    // Chart files are for people (and go into git): the first words listed
    // in a new section's comment carry the pseudonyms, as quotes do.
    let pseudonyms = super::pseudonyms(&study, m, args.privacy)?;
    let (dir, shown_dir) = charts_dir(&study);
    let _writing = lock_charts(&study);
    let sources = chart::read_dir(&dir, &shown_dir)?;
    // The sections each file has already.
    let mut headings = chart::Headings::new(&m.rows);
    let present: Vec<BTreeSet<String>> = targets
        .iter()
        .map(|t| {
            let Some(s) = sources.iter().find(|s| s.case == t.case) else {
                return BTreeSet::new();
            };
            let mut f = chart::parse(&s.text, &s.shown);
            headings.follow_renames(&mut f, &s.shown);
            for p in &f.problems {
                eprintln!("warning: {}", p.report().trim_start_matches("error: "));
            }
            f.sections.into_iter().map(|s| s.path).collect()
        })
        .collect();
    // The excerpts' words are read only when a section is to be added.
    let table = CellTable::load(&idx, &super::note)?;
    // Respondents whose cells are in no chart file: without the attribute
    // (the matrix's `(missing)` column), or of a value that cannot be a
    // file name (warned about already).
    let with_excerpts = |p: &usize| rows.iter().any(|&r| table.any_at(r, *p));
    let missing: Vec<&str> = missing
        .iter()
        .filter(|p| with_excerpts(p))
        .map(|&p| m.respondents[p].as_str())
        .collect();
    if let (Some(attr), false) = (&args.by, missing.is_empty()) {
        eprintln!(
            "warning: {}",
            render::safe::terminal(&missing_warning(attr.trim(), &missing))
        );
    }
    let unfiled = missing.len() + unnamed.iter().filter(|p| with_excerpts(p)).count();
    let wanted = targets.iter().zip(&present).any(|(t, present)| {
        rows.iter().any(|&r| {
            !present.contains(&m.rows[r].path) && t.members.iter().any(|&p| table.any_at(r, p))
        })
    });
    if !wanted {
        return render::emit(&nothing_to_add(unfiled));
    }
    drop(table);
    let cells = Cells::read_words(&idx, pseudonyms.as_ref())?;
    let mut out = String::new();
    for (t, present) in targets.iter().zip(present) {
        let rel = t.case.rel();
        let shown = format!("{shown_dir}/{rel}");
        let existing = sources.iter().find(|s| s.case == t.case);
        let filter = shell_word(&match &t.case {
            Case::Respondent(id) => format!("respondent={id}"),
            Case::Group { attr, value } => format!("{attr}={value}"),
        });
        let mut added = Vec::new();
        let mut text = String::new();
        for &r in &rows {
            let path = &m.rows[r].path;
            let at = cells.at(r, &t.members);
            if at.is_empty() || present.contains(path) {
                continue;
            }
            let listed: Vec<Listed<'_>> = at
                .iter()
                .take(chart::LISTED)
                .map(|e| Listed {
                    id: &e.id,
                    words: &e.words,
                })
                .collect();
            let hash = chart::cell_hash(at.iter().map(|e| &*e.id));
            text.push_str(&chart::new_section(path, &hash, &listed, at.len(), &filter));
            added.push(path.as_str());
        }
        if added.is_empty() {
            continue;
        }
        match existing {
            Some(s) => replace_unchanged(s, &chart::append(&s.text, &text))?,
            None => {
                let path = dir.join(&rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                }
                if path.exists() {
                    return Err(changed_meanwhile(&shown));
                }
                let whole = chart::append(&t.case.title(), &text);
                render::write_new_file(&path, whole.as_bytes())?;
            }
        }
        out.push_str(&format!("{shown}: added {}\n", added.join(", ")));
    }
    if out.is_empty() {
        out.push_str(&nothing_to_add(unfiled));
    }
    render::emit(&out)
}

/// What `chart` says when it adds no section: that every cell with
/// excerpts has one, unless `unfiled` respondents with excerpts have no
/// chart file (their cells have no section anywhere).
fn nothing_to_add(unfiled: usize) -> String {
    match unfiled {
        0 => "nothing to add: every cell with excerpts has a section\n".into(),
        1 => "nothing to add: every cell of a chart file has a section; 1 respondent with excerpts has no chart file (see the warning)\n".into(),
        n => format!("nothing to add: every cell of a chart file has a section; {n} respondents with excerpts have no chart file (see the warning)\n"),
    }
}

/// The warning for the respondents (`ids`, with excerpts) who have no
/// value of `attr`, so no group chart file.
fn missing_warning(attr: &str, ids: &[&str]) -> String {
    const NAMED: usize = 5;
    let mut named: Vec<String> = ids.iter().take(NAMED).map(|id| format!("`{id}`")).collect();
    if ids.len() > NAMED {
        named.push(format!("and {} more", ids.len() - NAMED));
    }
    let who = match ids.len() {
        1 => "1 respondent with excerpts",
        _ => "respondents with excerpts",
    };
    let count = match ids.len() {
        1 => String::new(),
        n => format!("{n} "),
    };
    format!(
        "{count}{who} ({}) {} no `{attr}`, so no group chart file (they are the matrix's `{}` column): fill in their `{attr}` in respondents.csv and run `thematic chart --by {attr}` again",
        named.join(", "),
        if ids.len() == 1 { "has" } else { "have" },
        crate::framework::MISSING
    )
}

/// The files to chart, and the kept respondents whose cells are in none.
struct Targets {
    /// The files.
    files: Vec<Target>,
    /// With `by`: respondents without a value of the attribute.
    missing: Vec<usize>,
    /// Respondents whose id (or group value) cannot be a file name.
    unnamed: Vec<usize>,
}

/// The files to chart: one per kept respondent, or with `by` one per value
/// of the attribute among them, each holding every respondent with the
/// value (values that cannot be a file name are left
/// out with a warning); and the kept respondents left without a file.
fn targets(idx: &StudyIndex, keep: &[bool], by: Option<&str>) -> Result<Targets> {
    let m = &idx.manifest;
    let kept = (0..m.respondents.len()).filter(|&p| keep.get(p).copied().unwrap_or(false));
    let mut missing = Vec::new();
    let mut unnamed = Vec::new();
    let Some(attr) = by else {
        let mut files = Vec::new();
        for p in kept {
            let id = &m.respondents[p];
            if !file_name_ok(id) {
                eprintln!("warning: respondent `{id}` cannot be a file name; it has no chart file");
                unnamed.push(p);
                continue;
            }
            files.push(Target {
                case: Case::Respondent(id.clone()),
                members: vec![p],
            });
        }
        files.sort_by(|a, b| a.case.cmp(&b.case));
        return Ok(Targets {
            files,
            missing,
            unnamed,
        });
    };
    super::check_attribute(m, attr, "--by")?;
    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for p in kept {
        match m.attribute(&m.respondents[p], attr) {
            Some(v) => groups.entry(v).or_default().push(p),
            None => missing.push(p),
        }
    }
    let mut files = Vec::new();
    for (value, kept) in groups {
        // The group is everyone with the value, whatever `--where` keeps:
        // `chart check` and the matrix record and compare the same set.
        let members: Vec<usize> = (0..m.respondents.len())
            .filter(|&p| m.attribute(&m.respondents[p], attr) == Some(value))
            .collect();
        if !file_name_ok(value) {
            eprintln!(
                "warning: {attr} `{value}` cannot be a file name; its group has no chart file"
            );
            unnamed.extend(kept);
            continue;
        }
        files.push(Target {
            case: Case::Group {
                attr: attr.to_string(),
                value: value.to_string(),
            },
            members,
        });
    }
    Ok(Targets {
        files,
        missing,
        unnamed,
    })
}

/// Whether a respondent id or attribute value can name a chart file in
/// the charts folder (no folder separators, not hidden, not empty).
fn file_name_ok(name: &str) -> bool {
    !name.is_empty() && !name.contains(['/', '\\']) && !name.starts_with('.')
}

/// The rows to chart: all, or the rows of the `--theme`s (each theme with
/// its codes), in codebook order.
fn select_rows(idx: &StudyIndex, themes: &[String]) -> Result<Vec<usize>> {
    let rows = &idx.manifest.rows;
    if themes.is_empty() {
        return Ok((0..rows.len()).collect());
    }
    let mut keep = vec![false; rows.len()];
    for theme in themes {
        for i in super::theme_rows(rows, theme)? {
            keep[i] = true;
        }
    }
    Ok((0..rows.len()).filter(|&i| keep[i]).collect())
}

fn run_check(project: &StudyAt, strict: bool, accept: bool, frozen: bool) -> Result<()> {
    let read = ReadOpts {
        frozen,
        ..ReadOpts::default()
    };
    let (study, idx) = super::open(project, &read)?;
    let clock = crate::pipeline::Clock::start(&study, &super::note);
    let m = &idx.manifest;
    let (dir, shown_dir) = charts_dir(&study);
    let _writing = accept.then(|| lock_charts(&study));
    let groups = super::group_withdrawals(&study, m)?;
    // The chart files and the cell table are read side by side.
    let (charts, cells) = rayon::join(
        || {
            chart::read_dir(&dir, &shown_dir).map(|sources| {
                let (loaded, problems) = chart::load(&sources, m, &groups);
                (sources, loaded, problems)
            })
        },
        || CellTable::load(&idx, &super::note),
    );
    let (mut sources, mut loaded, mut problems) = charts?;
    let cells = cells?;
    warn_withdrawn(&study, m, &sources, &|id| cells.contains(id), &groups)?;
    clock.lap("read chart files and cells");
    let memo_dir = study.resolve(study.settings.memos.trim_end_matches('/'));
    let memo_shown = study.shown(&memo_dir);
    let withheld = crate::memo::withheld_excerpts(&idx)?;
    let memos = crate::memo::read(&memo_dir, &memo_shown, m, &|id| cells.contains(id), &|id| {
        !cells.contains(id) && withheld(id)
    })?;
    for n in &memos.notes {
        super::note(n);
    }
    let memo_problems = memos.problems;
    if !problems.is_empty() || !memo_problems.is_empty() {
        let what = match (problems.is_empty(), memo_problems.is_empty()) {
            (false, true) => format!("{shown_dir}/"),
            (true, false) => format!("{memo_shown}/"),
            _ => format!("{shown_dir}/ with {memo_shown}/"),
        };
        problems.extend(memo_problems);
        return Err(Error::several(problems, &what));
    }
    let mut report = check::check(m, &cells, &loaded, strict);
    clock.lap("check");
    warn_group_withdrawals(&loaded, &report.updates, &groups, accept);
    if accept && !report.updates.is_empty() {
        for (shown, n) in write_markers(&sources, &loaded, &report.updates)? {
            eprintln!(
                "{shown}: recorded the excerpts of {n} section{}",
                if n == 1 { "" } else { "s" }
            );
        }
        sources = chart::read_dir(&dir, &shown_dir)?;
        (loaded, _) = chart::load(&sources, m, &groups);
        report = check::check(m, &cells, &loaded, strict);
    }
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&format!("{}: {}: {}\n", f.at, f.kind.name(), f.message));
    }
    out.push_str("coverage (respondent cells with excerpts that have a summary):\n");
    let width = report
        .coverage
        .iter()
        .map(|c| c.theme.chars().count())
        .max()
        .unwrap_or(0);
    for c in &report.coverage {
        out.push_str(&format!(
            "  {:width$}  {} of {} ({}%)\n",
            c.theme,
            c.written,
            c.cells,
            render::percent(c.written as u32, c.cells as u32)
        ));
    }
    let n = report.findings.len();
    out.push_str(&match n {
        0 => "no findings\n".to_string(),
        1 => "1 finding\n".to_string(),
        _ => format!("{n} findings\n"),
    });
    render::emit(&out)?;
    // Freeing the parsed files and the table piece by piece takes longer
    // than the check on a large study; the process is about to end, which
    // frees them at once.
    std::mem::forget((sources, loaded, cells));
    clock.lap("print");
    if n > 0 {
        return Err(Error::failure(format!(
            "chart check: {n} finding{}",
            if n == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}

/// Writes the markers of `updates` into their chart files, each file once,
/// in path order: the shown path of each file written and how many markers
/// it got. An update names its file by its place among the `loaded` files,
/// which leave out some of the `sources` (a withdrawn respondent's file):
/// the file written is the source with the loaded file's path.
fn write_markers(
    sources: &[chart::Source],
    loaded: &[check::Loaded],
    updates: &[check::MarkerUpdate],
) -> Result<Vec<(String, usize)>> {
    let source_of: HashMap<&str, &chart::Source> =
        sources.iter().map(|s| (s.shown.as_str(), s)).collect();
    let mut per_file: BTreeMap<usize, Vec<(usize, Option<usize>, String)>> = Default::default();
    for u in updates {
        per_file
            .entry(u.file)
            .or_default()
            .push((u.heading, u.old, u.line.clone()));
    }
    let mut out = Vec::new();
    for (fi, marks) in per_file {
        let Some(s) = loaded.get(fi).and_then(|f| source_of.get(f.shown.as_str())) else {
            continue;
        };
        replace_unchanged(s, &chart::set_markers(&s.text, &marks))?;
        out.push((s.shown.clone(), marks.len()));
    }
    Ok(out)
}

/// Warns of the chart files of respondents who withdrew consent, and of
/// the lines of other chart files that may hold their words.
pub(super) fn warn_withdrawn(
    study: &Study,
    m: &crate::index::Manifest,
    sources: &[chart::Source],
    exists: &dyn Fn(&str) -> bool,
    groups: &chart::GroupWithdrawals,
) -> Result<()> {
    let words = chart::withdrawn_words(sources, m, &study.data_dir(), exists)?;
    for w in chart::withdrawn_files(sources, m, groups)
        .iter()
        .chain(&words)
    {
        eprintln!("warning: {}", render::safe::terminal(w));
    }
    Ok(())
}

/// Warns of each group section whose record of its excerpts is stale or
/// missing (`updates`) while its group held respondents who withdrew
/// consent (respondents.csv says who was in it): `matrix --cell summary`
/// and `report` leave such a summary out, and recording it (`--accept`)
/// shows it again, so the team should first make sure it holds none of
/// their words.
fn warn_group_withdrawals(
    loaded: &[check::Loaded],
    updates: &[check::MarkerUpdate],
    groups: &chart::GroupWithdrawals,
    accept: bool,
) {
    for u in updates {
        let Some(f) = loaded.get(u.file) else {
            continue;
        };
        let held = groups.held(&f.case);
        if held.is_empty() {
            continue;
        }
        let who = held
            .iter()
            .map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let what = if accept {
            "is recorded now, so it shows in `matrix --cell summary` and `report` again: make sure it holds none of their words"
        } else {
            "is left out of `matrix --cell summary` and `report`: rewrite it without their words, then `thematic chart check --accept` records it"
        };
        eprintln!(
            "warning: {}",
            render::safe::terminal(&format!(
                "{}:{}: this summary was written while the group held {who}, who withdrew consent; it {what}",
                f.shown, u.heading
            ))
        );
    }
}

/// Takes the study's chart lock (`.thematic/charts.lock`), waiting for
/// it: one `chart` or `chart check --accept` writes chart files at a time,
/// so that neither undoes the other's changes. Held until dropped; `None`
/// when the lock cannot be had (a read-only study, where nothing is
/// written either).
fn lock_charts(study: &Study) -> Option<std::fs::File> {
    let path = study.data_dir().join("charts.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .ok()?;
    file.lock().ok()?;
    Some(file)
}

/// Replaces chart file `s` with `text`, unless the file changed since it
/// was read (a person saved it meanwhile): then nothing is written.
fn replace_unchanged(s: &chart::Source, text: &str) -> Result<()> {
    // Compared once the new text is written and synced, right before the
    // rename, so that the window for a save to be lost is the rename's.
    render::replace_file_if(&s.abs, text.as_bytes(), || {
        let now = std::fs::read(&s.abs).map_err(|e| Error::io(&s.abs, e))?;
        if now != s.text.as_bytes() {
            return Err(changed_meanwhile(&s.shown));
        }
        Ok(())
    })
}

fn changed_meanwhile(shown: &str) -> Error {
    Error::failure(format!(
        "{shown} changed while thematic was writing it; nothing was written to it"
    ))
    .with_hint("run the command again (what it did to other files is kept)")
}

/// `word` as one word of a shell command line: quoted when it holds
/// anything but letters, digits and `_=.-/` (a value such as `Madre de Dios`).
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || "_=.-/".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_marker_goes_to_its_own_file_when_withdrawn_files_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        // Withdrawn respondents' files before, between and after the others
        // (and after a group file): they are sources, but not loaded.
        let files = [
            (
                "A00.md",
                Case::Respondent("A00".into()),
                "## family
Hers.
",
            ),
            (
                "R01.md",
                Case::Respondent("R01".into()),
                "## family
Uno.
",
            ),
            (
                "R02.md",
                Case::Respondent("R02".into()),
                "## family
Dos.
",
            ),
            (
                "R03.md",
                Case::Respondent("R03".into()),
                "## family
<!-- thematic: excerpts 000000000000 (9) -->
Tres.
",
            ),
            (
                "by-profile/a.md",
                Case::Group {
                    attr: "profile".into(),
                    value: "a".into(),
                },
                "# a

## family
Grupo.
",
            ),
            (
                "zz.md",
                Case::Respondent("zz".into()),
                "## family
Suyo.
",
            ),
        ];
        std::fs::create_dir(dir.path().join("by-profile")).unwrap();
        let sources: Vec<chart::Source> = files
            .iter()
            .map(|(rel, case, text)| {
                let abs = dir.path().join(rel);
                std::fs::write(&abs, text).unwrap();
                chart::Source {
                    shown: format!("charts/{rel}"),
                    abs,
                    case: case.clone(),
                    text: text.to_string(),
                }
            })
            .collect();
        let withdrawn = ["A00", "R02", "zz"];
        let loaded: Vec<check::Loaded> = sources
            .iter()
            .filter(
                |s| !matches!(&s.case, Case::Respondent(id) if withdrawn.contains(&id.as_str())),
            )
            .map(|s| check::Loaded {
                shown: s.shown.clone(),
                case: s.case.clone(),
                members: vec![0],
                file: chart::parse(&s.text, &s.shown),
            })
            .collect();
        let update = |file, heading, old, n| check::MarkerUpdate {
            file,
            heading,
            old,
            line: chart::marker_line("0123456789ab", n),
        };
        let updates = [
            update(0, 1, None, 1),
            update(1, 1, Some(2), 2),
            update(2, 3, None, 3),
        ];
        assert_eq!(
            write_markers(&sources, &loaded, &updates).unwrap(),
            [
                ("charts/R01.md".to_string(), 1),
                ("charts/R03.md".to_string(), 1),
                ("charts/by-profile/a.md".to_string(), 1),
            ]
        );
        let read = |rel: &str| std::fs::read_to_string(dir.path().join(rel)).unwrap();
        let marker = |n| chart::marker_line("0123456789ab", n);
        assert_eq!(read("R01.md"), format!("## family\n{}\nUno.\n", marker(1)));
        assert_eq!(read("R03.md"), format!("## family\n{}\nTres.\n", marker(2)));
        assert_eq!(
            read("by-profile/a.md"),
            format!("# a\n\n## family\n{}\nGrupo.\n", marker(3))
        );
        // The withdrawn respondents' files are never written.
        for (rel, _, text) in [&files[0], &files[2], &files[5]] {
            assert_eq!(read(rel), *text);
        }
    }

    #[test]
    fn respondents_without_a_chart_file_are_told() {
        assert_eq!(
            nothing_to_add(0),
            "nothing to add: every cell with excerpts has a section\n"
        );
        assert_eq!(
            nothing_to_add(2),
            "nothing to add: every cell of a chart file has a section; 2 respondents with excerpts have no chart file (see the warning)\n"
        );
        assert_eq!(
            missing_warning("profile", &["R02"]),
            "1 respondent with excerpts (`R02`) has no `profile`, so no group chart file (they are the matrix's `(missing)` column): fill in their `profile` in respondents.csv and run `thematic chart --by profile` again"
        );
        let ids = ["R1", "R2", "R3", "R4", "R5", "R6", "R7"];
        assert_eq!(
            missing_warning("region", &ids),
            "7 respondents with excerpts (`R1`, `R2`, `R3`, `R4`, `R5`, and 2 more) have no `region`, so no group chart file (they are the matrix's `(missing)` column): fill in their `region` in respondents.csv and run `thematic chart --by region` again"
        );
    }

    #[test]
    fn a_chart_file_saved_meanwhile_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let abs = dir.path().join("R01.md");
        std::fs::write(&abs, "## family\n").unwrap();
        let source = chart::Source {
            shown: "charts/R01.md".into(),
            abs: abs.clone(),
            case: Case::Respondent("R01".into()),
            text: "## family\n".into(),
        };
        replace_unchanged(&source, "## family\nLa buscó.\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&abs).unwrap(),
            "## family\nLa buscó.\n"
        );
        // Saved by a person after it was read: left as they saved it.
        let err = replace_unchanged(&source, "## family\n## return\n").unwrap_err();
        assert!(
            err.report()
                .contains("charts/R01.md changed while thematic was writing it"),
            "{}",
            err.report()
        );
        assert_eq!(
            std::fs::read_to_string(&abs).unwrap(),
            "## family\nLa buscó.\n"
        );
    }
}
