//! `chart check`'s analysis: the chart files against the cells of the index.
//! Pure: the command reads the files and the index and prints the report.

use rustc_hash::FxHashMap as HashMap;

use super::table::CellTable;
use super::{Case, ChartFile, Cite, Section, Status};
use crate::error::{suggest, Error, Location, Result};
use crate::index::Manifest;

/// A chart file read and parsed.
#[derive(Debug)]
pub struct Loaded {
    /// Its path as shown (relative to the study).
    pub shown: String,
    /// Whose summaries it holds.
    pub case: Case,
    /// The respondents of the case (dense ids).
    pub members: Vec<usize>,
    /// The parsed text.
    pub file: ChartFile,
}

/// What kind of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A section for a code path the codebook does not have.
    UnknownCode,
    /// A section whose heading names its code by an earlier id.
    Renamed,
    /// A second section for the same cell.
    Duplicate,
    /// A cited id that is no excerpt of the study.
    UnknownId,
    /// A cited excerpt that is not at the section's cell.
    Elsewhere,
    /// A cited id that names other text now, in a stale section: an edit
    /// moved the cited text to another line.
    Moved,
    /// A summary whose cell's excerpts changed since it was written.
    Stale,
    /// A cell with excerpts and no summary (with `--strict`).
    Unwritten,
}

impl Kind {
    /// The kind's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Kind::UnknownCode => "unknown code",
            Kind::Renamed => "renamed code",
            Kind::Duplicate => "duplicate",
            Kind::UnknownId => "unknown excerpt",
            Kind::Elsewhere => "not at this cell",
            Kind::Moved => "moved excerpt",
            Kind::Stale => "stale",
            Kind::Unwritten => "unwritten",
        }
    }
}

/// One finding, at a place in a chart file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Where.
    pub at: Location,
    /// What kind.
    pub kind: Kind,
    /// What is wrong and what to do.
    pub message: String,
}

/// Cells with excerpts and cells with a summary, for one theme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// The theme id.
    pub theme: String,
    /// Respondent cells of the theme (its row and its codes') with a summary.
    pub written: usize,
    /// Respondent cells of the theme with at least one excerpt.
    pub cells: usize,
}

/// A marker to write: in file `file` (index into the loaded files), under
/// the heading at `heading`, replacing the marker at `old` when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerUpdate {
    /// Index of the file among the loaded files given to [`check`] (not
    /// among the sources: [`super::load`] leaves some out).
    pub file: usize,
    /// Line of the section's heading.
    pub heading: usize,
    /// Line of its marker, when it has one.
    pub old: Option<usize>,
    /// The new marker line.
    pub line: String,
}

/// What `chart check` found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The findings, by file then line.
    pub findings: Vec<Finding>,
    /// Per theme, in codebook order.
    pub coverage: Vec<Coverage>,
    /// The markers `--accept` would write (sections whose record differs
    /// from the cell's excerpts, and summaries without a record).
    pub updates: Vec<MarkerUpdate>,
}

/// The respondents (dense ids) of a case, or bad input naming the file when
/// the study has no such respondent, attribute or value.
pub fn members(m: &Manifest, case: &Case, shown: &str) -> Result<Vec<usize>> {
    match case {
        Case::Respondent(id) => match m.respondents.iter().position(|r| r == id) {
            Some(p) => Ok(vec![p]),
            None => Err(Error::at(
                Location::file(shown),
                format!("a chart file for `{id}`, who is not a respondent of the study"),
            )
            .with_hint(format!(
                "{} (a chart file is named after its respondent: charts/<ID>.md)",
                suggest(id, m.respondents.iter().map(String::as_str))
            ))),
        },
        Case::Group { attr, value } => {
            let values: Vec<&str> = {
                let mut v: Vec<&str> = m
                    .respondents
                    .iter()
                    .filter_map(|r| m.attribute(r, attr))
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            if values.is_empty() {
                let names = m.attribute_names();
                return Err(Error::at(
                    Location::file(shown),
                    format!("a chart folder for attribute `{attr}`, which no respondent has"),
                )
                .with_hint(format!(
                    "{} (group charts live in charts/by-<ATTR>/<VALUE>.md)",
                    suggest(attr, names.iter().map(String::as_str))
                )));
            }
            if !values.contains(&value.as_str()) {
                return Err(Error::at(
                    Location::file(shown),
                    format!("no respondent has {attr} `{value}`"),
                )
                .with_hint(suggest(value, values.iter().copied())));
            }
            Ok((0..m.respondents.len())
                .filter(|&p| m.attribute(&m.respondents[p], attr) == Some(value.as_str()))
                .collect())
        }
    }
}

/// Checks the chart files against the cells; with `strict`, cells with
/// excerpts and no summary are findings too.
pub fn check(m: &Manifest, cells: &CellTable, files: &[Loaded], strict: bool) -> Report {
    let mut c = Checker {
        m,
        cells,
        row_of: m
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.path.as_str(), i))
            .collect(),
        report: Report::default(),
        written: HashMap::default(),
    };
    for (fi, f) in files.iter().enumerate() {
        c.file(fi, f);
    }
    let Checker {
        mut report,
        written,
        ..
    } = c;
    coverage(m, cells, files, &written, strict, &mut report);
    report.findings.sort_by(|a, b| {
        (&a.at.path, a.at.line, a.at.col, a.kind).cmp(&(&b.at.path, b.at.line, b.at.col, b.kind))
    });
    report
}

/// [`check`] going through the files: what it knows and what it found.
struct Checker<'a> {
    m: &'a Manifest,
    cells: &'a CellTable,
    /// Code path → row.
    row_of: HashMap<&'a str, usize>,
    /// The findings and marker updates so far.
    report: Report,
    /// (respondent, row) → written, for coverage.
    written: HashMap<(usize, usize), bool>,
}

impl Checker<'_> {
    /// The sections of file number `fi`.
    fn file(&mut self, fi: usize, f: &Loaded) {
        let mut seen: HashMap<&str, usize> = HashMap::default();
        for s in &f.file.sections {
            if let Some(old) = &s.formerly {
                self.report.findings.push(Finding {
                    at: Location::at(f.shown.clone(), s.line, 4),
                    kind: Kind::Renamed,
                    message: format!("`{old}` is now `{}` (formerly); rename the heading", s.path),
                });
            }
            let first = *seen.entry(&s.path).or_insert(s.line);
            if first != s.line {
                self.report.findings.push(Finding {
                    at: Location::line(f.shown.clone(), s.line),
                    kind: Kind::Duplicate,
                    message: format!(
                        "a second section for {} (the first is at line {first}); merge them",
                        s.path
                    ),
                });
                continue;
            }
            self.section(fi, f, s);
        }
    }

    /// A section (the first for its code in its file): its code, its
    /// citations and its record of the cell's excerpts.
    fn section(&mut self, fi: usize, f: &Loaded, s: &Section) {
        let row = self.row_of.get(s.path.as_str()).copied();
        if row.is_none() {
            self.report.findings.push(Finding {
                at: Location::at(f.shown.clone(), s.line, 4),
                kind: Kind::UnknownCode,
                message: format!(
                    "the codebook has no code `{}`; {}",
                    s.path,
                    suggest(&s.path, self.m.rows.iter().map(|r| r.path.as_str()))
                ),
            });
        }
        for c in &s.cites {
            if let Some((kind, message)) = self.cite(f, s, row, c) {
                self.report.findings.push(Finding {
                    at: Location::at(f.shown.clone(), c.line, c.col),
                    kind,
                    message,
                });
            }
        }
        if let Some(row) = row {
            self.record(fi, f, s, row);
        }
    }

    /// What is wrong with a citation in section `s` (at code `row`, when
    /// the codebook has it), if anything.
    fn cite(
        &self,
        f: &Loaded,
        s: &Section,
        row: Option<usize>,
        c: &Cite,
    ) -> Option<(Kind, String)> {
        let Some(found) = self.cells.get(&c.id) else {
            // An edit of its transcript moved the excerpt: its text is at
            // another line now.
            if let Some(to) = self.m.moved.get(&c.id).filter(|to| self.cells.contains(to)) {
                return Some((
                    Kind::UnknownId,
                    format!(
                        "no excerpt `{}` in the study: an edit of its transcript moved its text, now at {to}; cite `{to}`",
                        c.id
                    ),
                ));
            }
            return Some((
                Kind::UnknownId,
                format!(
                    "no excerpt `{}` in the study; cite ids as `thematic quote` shows them",
                    c.id
                ),
            ));
        };
        // An edit put other text at the cited line, and the summary has not
        // been reviewed since (a reviewed one cites what it means).
        if let Some(to) = self.m.moved.get(&c.id).filter(|to| self.cells.contains(to)) {
            let stale =
                row.is_some_and(|r| s.status(&self.cells.hash(r, &f.members).0) == Status::Stale);
            if stale {
                return Some((
                    Kind::Moved,
                    format!(
                        "`{}` names other text than before an edit of its transcript, which moved the text that was there to {to}: if the summary cites that text, cite `{to}`; if it cites the text at `{}` now, review the summary and run `thematic chart check --accept`",
                        c.id, c.id
                    ),
                ));
            }
        }
        // An uncoded excerpt is at no cell (and, as before it was coded,
        // belongs to no case either).
        let e = Some(found).filter(|e| !e.rows.is_empty());
        let resp = e.map(|e| e.resp);
        match (row, e) {
            _ if resp.is_some_and(|p| !f.members.contains(&p)) => Some((
                Kind::Elsewhere,
                format!(
                    "`{}` is {}'s excerpt, not {}",
                    c.id,
                    self.m.respondents[resp.unwrap_or(0)],
                    case_name(&f.case)
                ),
            )),
            (Some(r), Some(e)) if e.rows.contains(&(r as u32)) => None,
            (Some(_), _) => Some((Kind::Elsewhere, format!("`{}` is not at {}", c.id, s.path))),
            (None, _) => None,
        }
    }

    /// How a cell's excerpts changed since its marker was written: `2
    /// then, 3 now`; with as many as before, that they are not the same
    /// ones, and how many of them moved with an edit of their transcript
    /// when that accounts for the change.
    fn then_and_now(
        &self,
        mk: &super::Marker,
        row: usize,
        members: &[usize],
        count: usize,
    ) -> String {
        let numbers = format!("{} then, {count} now", mk.count);
        if mk.count != count {
            return numbers;
        }
        // The ids each of the cell's excerpts had before the moves the index
        // knows of (several when edits moved texts more than once).
        let mut back: HashMap<&str, Vec<&str>> = HashMap::default();
        for (from, to) in &self.m.moved {
            back.entry(to.as_str()).or_default().push(from.as_str());
        }
        let at = self.cells.ids_at(row, members);
        match moved_then(&at, &back, &mk.hash) {
            Some(moved) => format!(
                "{numbers}, {moved} of them moved to another line by an edit of their transcript"
            ),
            None => format!("{numbers}, but not the same excerpts"),
        }
    }

    /// A section at code `row` against its cell's excerpts now: coverage,
    /// a stale summary, and the marker `--accept` would write.
    fn record(&mut self, fi: usize, f: &Loaded, s: &Section, row: usize) {
        let (hash, count) = self.cells.hash(row, &f.members);
        let status = s.status(&hash);
        if let Case::Respondent(_) = f.case {
            self.written
                .insert((f.members[0], row), !s.summary.is_empty());
        }
        if status == Status::Stale {
            let message = match &s.marker {
                Some(mk) => format!(
                    "the excerpts at {} changed since the summary was written ({}); review it, then run `thematic chart check --accept`",
                    s.path,
                    self.then_and_now(mk, row, &f.members, count)
                ),
                None => format!(
                    "the summary of {} has no record of the excerpts it was written from; review it, then run `thematic chart check --accept`",
                    s.path
                ),
            };
            self.report.findings.push(Finding {
                at: Location::line(
                    f.shown.clone(),
                    s.marker.as_ref().map_or(s.line, |mk| mk.line),
                ),
                kind: Kind::Stale,
                message,
            });
        }
        let differs = s
            .marker
            .as_ref()
            .is_some_and(|mk| mk.hash != hash || mk.count != count);
        if differs || (s.marker.is_none() && !s.summary.is_empty()) {
            self.report.updates.push(MarkerUpdate {
                file: fi,
                heading: s.line,
                old: s.marker.as_ref().map(|mk| mk.line),
                line: super::marker_line(&hash, count),
            });
        }
    }
}

/// How many of the excerpts `at` had another id when the cell's hash was
/// `then`, if some choice of their earlier ids (`back`: id now → ids it
/// had) gives that hash. The choice where every excerpt that moved takes
/// its first earlier id comes first; at most [`CHOICES`] are tried.
fn moved_then(at: &[&str], back: &HashMap<&str, Vec<&str>>, then: &str) -> Option<usize> {
    // Each excerpt's ids to try: its earlier ones, then its own.
    let options: Vec<Vec<&str>> = at
        .iter()
        .map(|&id| {
            let mut o: Vec<&str> = back.get(id).into_iter().flatten().copied().collect();
            o.push(id);
            o
        })
        .collect();
    let mut choice = vec![0usize; at.len()];
    for _ in 0..CHOICES {
        let ids: Vec<&str> = options.iter().zip(&choice).map(|(o, &c)| o[c]).collect();
        let moved = ids.iter().zip(at).filter(|(a, b)| a != b).count();
        if moved > 0 && super::cell_hash(ids) == then {
            return Some(moved);
        }
        if !advance(&mut choice, &options) {
            return None;
        }
    }
    None
}

/// How many choices of earlier ids [`moved_then`] tries.
const CHOICES: usize = 256;

/// Steps `choice` to the next combination (odometer order); false when
/// all were tried.
fn advance(choice: &mut [usize], options: &[Vec<&str>]) -> bool {
    for (c, o) in choice.iter_mut().zip(options) {
        if *c + 1 < o.len() {
            *c += 1;
            return true;
        }
        *c = 0;
    }
    false
}

/// Coverage per theme over the respondents' cells, and (with `strict`) a
/// finding for each cell with excerpts and no summary.
fn coverage(
    m: &Manifest,
    cells: &CellTable,
    files: &[Loaded],
    written: &HashMap<(usize, usize), bool>,
    strict: bool,
    report: &mut Report,
) {
    let file_of: HashMap<usize, &Loaded> = files
        .iter()
        .filter(|f| matches!(f.case, Case::Respondent(_)))
        .map(|f| (f.members[0], f))
        .collect();
    let mut theme_of = vec![0; m.rows.len()];
    for (i, r) in m.rows.iter().enumerate() {
        theme_of[i] = r.parent.map_or(i, |p| theme_of[p]);
    }
    let mut order: Vec<usize> = (0..m.respondents.len()).collect();
    order.sort_by(|&a, &b| m.respondents[a].cmp(&m.respondents[b]));
    for (t, theme) in m.rows.iter().enumerate().filter(|(_, r)| r.depth == 0) {
        let mut cov = Coverage {
            theme: theme.path.clone(),
            written: 0,
            cells: 0,
        };
        for &p in &order {
            for row in (0..m.rows.len()).filter(|&r| theme_of[r] == t) {
                if !cells.any_at(row, p) {
                    continue;
                }
                cov.cells += 1;
                if written.get(&(p, row)).copied().unwrap_or(false) {
                    cov.written += 1;
                } else if strict {
                    let id = &m.respondents[p];
                    let (at, what) = match file_of.get(&p) {
                        Some(f) => {
                            match f.file.sections.iter().find(|s| s.path == m.rows[row].path) {
                                Some(s) => (
                                    Location::line(f.shown.clone(), s.line),
                                    "an empty summary; write it under the heading",
                                ),
                                None => (
                                    Location::line(f.shown.clone(), f.file.lines + 1),
                                    "no section; write the summary (`thematic chart` adds the sections)",
                                ),
                            }
                        }
                        None => (
                            Location::line(chart_shown(files, id), 1),
                            "no chart file; write the summary (`thematic chart` adds the sections)",
                        ),
                    };
                    report.findings.push(Finding {
                        at,
                        kind: Kind::Unwritten,
                        message: format!("{id} has excerpts at {} and {what}", m.rows[row].path),
                    });
                }
            }
        }
        report.coverage.push(cov);
    }
}

/// The shown path of a respondent's chart file that does not exist yet,
/// in the charts folder the others are in.
fn chart_shown(files: &[Loaded], id: &str) -> String {
    let dir = files
        .iter()
        .find(|f| matches!(f.case, Case::Respondent(_)))
        .and_then(|f| f.shown.rsplit_once('/').map(|(d, _)| d.to_string()))
        .unwrap_or_else(|| "charts".into());
    format!("{dir}/{id}.md")
}

fn case_name(case: &Case) -> String {
    match case {
        Case::Respondent(id) => format!("{id}'s"),
        Case::Group { attr, value } => format!("from a respondent with {attr} `{value}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::cells::Entry;
    use super::*;
    use crate::index::RowInfo;

    fn manifest() -> Manifest {
        let mut m = Manifest::new();
        let row = |path: &str, depth, parent| RowInfo {
            path: path.into(),
            label: path.into(),
            depth,
            auto: true,
            parent,
            formerly: Vec::new(),
        };
        m.rows = vec![
            row("family", 0, None),
            RowInfo {
                formerly: vec!["family_search".into()],
                ..row("family/search", 1, Some(0))
            },
            row("return", 0, None),
        ];
        m.respondents = vec!["R01".into(), "R02".into()];
        m
    }

    fn cells() -> CellTable {
        let e = |id: &str, resp, rows: &[u64]| Entry {
            id: id.into(),
            resp,
            rows: rows.to_vec(),
            words: String::new(),
        };
        CellTable::new(vec![
            e("r01.txt:1", 0, &[0, 1]),
            e("r01.txt:3", 0, &[2]),
            e("r01.txt:5", 0, &[]),
            e("r02.txt:1", 1, &[0, 1]),
        ])
    }

    fn loaded(text: &str) -> Vec<Loaded> {
        let mut file = super::super::parse(text, "charts/R01.md");
        let rows = manifest().rows;
        super::super::Headings::new(&rows).follow_renames(&mut file, "charts/R01.md");
        vec![Loaded {
            shown: "charts/R01.md".into(),
            case: Case::Respondent("R01".into()),
            members: vec![0],
            file,
        }]
    }

    fn shown(r: &Report) -> Vec<String> {
        r.findings
            .iter()
            .map(|f| format!("{}: {}: {}", f.at, f.kind.name(), f.message))
            .collect()
    }

    #[test]
    fn a_clean_chart() {
        let c = cells();
        let (h, n) = c.hash(1, &[0]);
        let text = format!(
            "## family/search\n{}\nShe searched [r01.txt:1].\n",
            super::super::marker_line(&h, n)
        );
        let r = check(&manifest(), &c, &loaded(&text), false);
        assert_eq!(shown(&r), Vec::<String>::new());
        assert!(r.updates.is_empty());
        assert_eq!(
            r.coverage,
            vec![
                Coverage {
                    theme: "family".into(),
                    written: 1,
                    cells: 4
                },
                Coverage {
                    theme: "return".into(),
                    written: 0,
                    cells: 1
                }
            ]
        );
    }

    #[test]
    fn a_cited_line_that_names_other_text_now() {
        // An edit put r01.txt:1's text at r01.txt:3, and other text at
        // r01.txt:1 (which is at family/search still).
        let mut m = manifest();
        m.moved.insert("r01.txt:1".into(), "r01.txt:3".into());
        let c = cells();
        let text = "## family/search\n<!-- thematic: excerpts 000000000000 (1) -->\nShe searched [r01.txt:1].\n";
        let r = check(&m, &c, &loaded(text), false);
        assert_eq!(
            shown(&r),
            [
                "charts/R01.md:2: stale: the excerpts at family/search changed since the summary was written (1 then, 1 now, but not the same excerpts); review it, then run `thematic chart check --accept`",
                "charts/R01.md:3:15: moved excerpt: `r01.txt:1` names other text than before an edit of its transcript, which moved the text that was there to r01.txt:3: if the summary cites that text, cite `r01.txt:3`; if it cites the text at `r01.txt:1` now, review the summary and run `thematic chart check --accept`",
            ]
        );
        // Reviewed and accepted: the citation is what the summary means.
        let (h, n) = c.hash(1, &[0]);
        let text = format!(
            "## family/search\n{}\nShe searched [r01.txt:1].\n",
            super::super::marker_line(&h, n)
        );
        assert_eq!(
            shown(&check(&m, &c, &loaded(&text), false)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn moves_explain_a_stale_cell_whichever_earlier_id_is_the_right_one() {
        let then = super::super::cell_hash(["t.txt:5", "t.txt:9"]);
        // t.txt:8 was t.txt:5 once and t.txt:12 later; t.txt:9 did not move.
        let back: HashMap<&str, Vec<&str>> =
            HashMap::from_iter([("t.txt:8", vec!["t.txt:12", "t.txt:5"])]);
        assert_eq!(moved_then(&["t.txt:8", "t.txt:9"], &back, &then), Some(1));
        assert_eq!(moved_then(&["t.txt:8", "t.txt:10"], &back, &then), None);
        assert_eq!(moved_then(&["t.txt:5", "t.txt:9"], &back, &then), None);
    }

    #[test]
    fn every_kind_of_finding() {
        let text = "## family/search\n<!-- thematic: excerpts 000000000000 (2) -->\nCites [r02.txt:1], [r01.txt:3], [r01.txt:5] and [r09.txt:1].\n## family/serch\nText.\n## family/search\n## family\n";
        let r = check(&manifest(), &cells(), &loaded(text), true);
        assert_eq!(
            shown(&r),
            [
                "charts/R01.md:2: stale: the excerpts at family/search changed since the summary was written (2 then, 1 now); review it, then run `thematic chart check --accept`",
                "charts/R01.md:3:8: not at this cell: `r02.txt:1` is R02's excerpt, not R01's",
                "charts/R01.md:3:21: not at this cell: `r01.txt:3` is not at family/search",
                "charts/R01.md:3:34: not at this cell: `r01.txt:5` is not at family/search",
                "charts/R01.md:3:50: unknown excerpt: no excerpt `r09.txt:1` in the study; cite ids as `thematic quote` shows them",
                "charts/R01.md:4:4: unknown code: the codebook has no code `family/serch`; did you mean `family/search`?",
                "charts/R01.md:6: duplicate: a second section for family/search (the first is at line 1); merge them",
                "charts/R01.md:7: unwritten: R01 has excerpts at family and an empty summary; write it under the heading",
                "charts/R01.md:8: unwritten: R01 has excerpts at return and no section; write the summary (`thematic chart` adds the sections)",
                "charts/R02.md:1: unwritten: R02 has excerpts at family and no chart file; write the summary (`thematic chart` adds the sections)",
                "charts/R02.md:1: unwritten: R02 has excerpts at family/search and no chart file; write the summary (`thematic chart` adds the sections)",
            ]
        );
        let (h, n) = cells().hash(1, &[0]);
        assert_eq!(
            r.updates,
            vec![MarkerUpdate {
                file: 0,
                heading: 1,
                old: Some(2),
                line: super::super::marker_line(&h, n)
            }]
        );
    }

    #[test]
    fn cites_under_an_unknown_code_and_a_summary_without_a_record() {
        let text = "## familia\nCites [r01.txt:3] and [r02.txt:1].\n## return\nVolvió a Cusco [r01.txt:3].\n";
        let r = check(&manifest(), &cells(), &loaded(text), false);
        assert_eq!(
            shown(&r),
            [
                "charts/R01.md:1:4: unknown code: the codebook has no code `familia`; did you mean `family`?",
                "charts/R01.md:2:24: not at this cell: `r02.txt:1` is R02's excerpt, not R01's",
                "charts/R01.md:3: stale: the summary of return has no record of the excerpts it was written from; review it, then run `thematic chart check --accept`",
            ]
        );
        let (h, n) = cells().hash(2, &[0]);
        assert_eq!(
            r.updates,
            vec![MarkerUpdate {
                file: 0,
                heading: 3,
                old: None,
                line: super::super::marker_line(&h, n)
            }]
        );
    }

    #[test]
    fn every_further_section_for_a_cell_names_the_first() {
        let c = cells();
        let text = "## family\nA.\n\n## family\nB.\n\n## family\nC.\n";
        let r = check(&manifest(), &c, &loaded(text), false);
        let dups: Vec<String> = shown(&r)
            .into_iter()
            .filter(|f| f.contains("duplicate"))
            .collect();
        assert_eq!(
            dups,
            [
                "charts/R01.md:4: duplicate: a second section for family (the first is at line 1); merge them",
                "charts/R01.md:7: duplicate: a second section for family (the first is at line 1); merge them",
            ]
        );
    }

    #[test]
    fn a_heading_under_an_earlier_id_is_the_renamed_codes_cell() {
        let c = cells();
        let (h, n) = c.hash(1, &[0]);
        let text = format!(
            "## family/family_search\n{}\nShe searched [r01.txt:1].\n",
            super::super::marker_line(&h, n)
        );
        let r = check(&manifest(), &c, &loaded(&text), false);
        // Checked against family/search: cited there, not stale, written.
        assert_eq!(
            shown(&r),
            ["charts/R01.md:1:4: renamed code: `family/family_search` is now `family/search` (formerly); rename the heading"]
        );
        assert!(r.updates.is_empty());
        assert_eq!(r.coverage[0].written, 1);
        // Stale and cited elsewhere, told at the renamed code.
        let text =
            "## family_search\n<!-- thematic: excerpts 000000000000 (2) -->\nCites [r01.txt:3].\n";
        assert_eq!(
            shown(&check(&manifest(), &c, &loaded(text), false)),
            [
                "charts/R01.md:1:4: renamed code: `family_search` is now `family/search` (formerly); rename the heading",
                "charts/R01.md:2: stale: the excerpts at family/search changed since the summary was written (2 then, 1 now); review it, then run `thematic chart check --accept`",
                "charts/R01.md:3:8: not at this cell: `r01.txt:3` is not at family/search",
            ]
        );
        // The old heading and the new one: one cell, two sections.
        let text = format!(
            "## family/search\n{}\nShe searched [r01.txt:1].\n\n## family/family_search\nOld.\n",
            super::super::marker_line(&h, n)
        );
        assert_eq!(
            shown(&check(&manifest(), &c, &loaded(&text), false)),
            [
                "charts/R01.md:5: duplicate: a second section for family/search (the first is at line 1); merge them",
                "charts/R01.md:5:4: renamed code: `family/family_search` is now `family/search` (formerly); rename the heading",
            ]
        );
        // A current suffix is no earlier name: still unknown, as before.
        let r = check(&manifest(), &c, &loaded("## search\nText.\n"), false);
        assert_eq!(
            shown(&r),
            ["charts/R01.md:1:4: unknown code: the codebook has no code `search`; valid names include: family, family/search, return"]
        );
    }

    #[test]
    fn unknown_cases_are_bad_input() {
        let m = manifest();
        let e = members(&m, &Case::Respondent("R1".into()), "charts/R1.md").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.report().contains("did you mean `R01`?"), "{}", e.report());
        assert_eq!(
            members(&m, &Case::Respondent("R02".into()), "x").unwrap(),
            [1]
        );
    }
}
