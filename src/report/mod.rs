//! `thematic report` as data: the study's findings in report order (front
//! matter, heat maps, one section per theme with numbered quotes,
//! co-occurrence, agreement, the codebook and a method note), built by
//! `cmd::report` from the same values `matrix`, `quote`, `cooccur` and
//! `agree` print. The renderers ([`markdown`], [`html`]) only lay this out;
//! they compute no figure.
//!
//! Every text that comes from participants (quotes, questions, summaries,
//! respondent ids, attribute values, excerpt ids) enters the model through
//! one function, [`Builder::shown`], so that what a report may disclose is
//! decided in one place.

pub(crate) mod html;
pub(crate) mod markdown;

use std::collections::BTreeMap;

use crate::error::{Error, Location, Result};
use crate::framework::{self, Matrix};
use crate::index::Manifest;
use crate::study::SETTINGS_FILE;

/// Respondents above which the heat map by respondent is left out.
pub(crate) const MAX_RESPONDENT_COLUMNS: usize = 60;
/// Summaries shown under one theme or code: a study charted by hundreds
/// of respondents would otherwise print them all (`--by respondent`).
pub(crate) const MAX_SUMMARIES: usize = 60;
/// Codes above which the co-occurrence table is left out.
pub(crate) const MAX_COOCCUR_CODES: usize = 60;

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Report {
    /// Title (setting `title`, else the codebook's name).
    pub title: String,
    /// The study's description (setting `description`).
    pub description: Option<String>,
    /// The date line's date, `YYYY-MM-DD`.
    pub date: String,
    /// The codebook's name and version.
    pub codebook: CodebookInfo,
    /// The commit and working-tree state, when the study is in git.
    pub git: Option<GitState>,
    /// Counts over the study (after `--where`).
    pub figures: Figures,
    /// The attribute of the groups (`None`: by respondent).
    pub by: Option<String>,
    /// Themes and codes × groups, cells `n/N (p%)`.
    pub groups: HeatMap,
    /// Themes and codes × respondents (counts), or why it is left out.
    pub respondents: ByRespondent,
    /// One section per theme, in codebook order.
    pub themes: Vec<ThemeSection>,
    /// Excerpts at both codes of each pair, or why it is left out.
    pub cooccur: Option<Cooccur>,
    /// Agreement per code when at least two coders coded.
    pub agreement: Option<Agreement>,
    /// The codebook, for the appendix.
    pub appendix: Vec<CodebookEntry>,
    /// How the numbers were computed, one sentence a line.
    pub method: Vec<String>,
}

/// The codebook's name and version.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct CodebookInfo {
    /// `codebook:` (the file name when absent).
    pub name: String,
    /// `version:`.
    pub version: Option<String>,
}

/// The commit the study is at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitState {
    /// The full commit hash.
    pub commit: String,
    /// Whether the study folder has changes not committed (or untracked files).
    pub dirty: bool,
}

/// Counts over the study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Figures {
    /// Transcript files.
    pub transcripts: usize,
    /// Respondents with at least one excerpt.
    pub respondents: usize,
    /// Excerpts.
    pub excerpts: u64,
    /// Excerpts at one code or more.
    pub coded: u64,
}

/// What a heat map's cells show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellKind {
    /// `n/N (p%)`, shaded by p.
    Share,
    /// Excerpt counts, shaded by the largest count in the map.
    Count,
}

/// A heat map: rows (themes and codes) × columns, with a total column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HeatMap {
    /// What the cells show.
    pub kind: CellKind,
    /// Columns in order.
    pub columns: Vec<HeatColumn>,
    /// Rows in codebook order.
    pub rows: Vec<HeatRow>,
    /// The largest cell count (shading of [`CellKind::Count`]).
    pub max_count: u32,
}

/// A heat map column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeatColumn {
    /// Group value or respondent id.
    pub name: String,
    /// Respondents in it (N).
    pub respondents: u32,
}

/// A heat map row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HeatRow {
    /// Code path.
    pub path: String,
    /// Label.
    pub label: String,
    /// 0 for a theme.
    pub depth: usize,
    /// One cell per column.
    pub cells: Vec<HeatCell>,
    /// Over all columns.
    pub total: HeatCell,
}

/// A heat map cell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct HeatCell {
    /// Excerpts at the row.
    pub count: u32,
    /// Respondents with an excerpt at the row (n).
    pub respondents: u32,
    /// Respondents in the column (N).
    pub of: u32,
    /// The first excerpt at the row in the column (corpus order).
    pub first: Option<String>,
}

impl HeatCell {
    /// p, the rounded percentage of n over N.
    pub fn percent(&self) -> u32 {
        crate::render::percent(self.respondents, self.of)
    }

    /// The cell's text: `n/N (p%)` or the count.
    pub fn text(&self, kind: CellKind) -> String {
        match kind {
            CellKind::Share => crate::render::share(self.respondents, self.of),
            CellKind::Count => self.count.to_string(),
        }
    }

    /// What hovering the cell shows: its figures and first quote id.
    pub fn hover(&self) -> String {
        let excerpts = if self.count == 1 {
            "1 excerpt".to_string()
        } else {
            format!("{} excerpts", self.count)
        };
        match &self.first {
            Some(id) => format!("{excerpts}; first: {id}"),
            None => excerpts,
        }
    }

    /// Shade from 0 (none) to 100 (the most): p, or the count over `max`.
    pub fn shade(&self, kind: CellKind, max: u32) -> u32 {
        match kind {
            CellKind::Share => self.percent(),
            CellKind::Count => crate::render::percent(self.count, max),
        }
    }
}

/// The heat map by respondent, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ByRespondent {
    /// The map.
    Shown(HeatMap),
    /// More respondents than [`MAX_RESPONDENT_COLUMNS`].
    TooMany(usize),
    /// The groups are the respondents already.
    SameAsGroups,
}

/// One theme's section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ThemeSection {
    /// Theme id.
    pub path: String,
    /// Label.
    pub label: String,
    /// Description.
    pub description: Option<String>,
    /// The charted summaries of the theme by group (non-empty only; the
    /// first [`MAX_SUMMARIES`]).
    pub summaries: Vec<Summary>,
    /// Written summaries left out after the first [`MAX_SUMMARIES`].
    pub more_summaries: usize,
    /// Its codes (the theme itself when it has none), in codebook order.
    pub codes: Vec<CodeSection>,
}

/// One code's part of a theme section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CodeSection {
    /// Code path.
    pub path: String,
    /// Label.
    pub label: String,
    /// 1 for a theme's code, 2 for a sub-code, … (0: a theme without codes).
    pub depth: usize,
    /// Definition.
    pub definition: Option<String>,
    /// The charted summaries by group (non-empty only; the first
    /// [`MAX_SUMMARIES`]).
    pub summaries: Vec<Summary>,
    /// Written summaries left out after the first [`MAX_SUMMARIES`].
    pub more_summaries: usize,
    /// Numbered quotes.
    pub quotes: Vec<NumberedQuote>,
    /// Excerpts at the code not quoted.
    pub more: usize,
    /// The `thematic quote` command that lists the same quotes.
    pub command: String,
    /// The attributes of the report's `--where` filters left out of
    /// `command` because their values are pseudonymised (the command with
    /// the pseudonym in it could not be run, and the original would
    /// identify).
    pub withheld: Vec<String>,
}

/// A charted summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    /// The group (or respondent) it summarises.
    pub case: String,
    /// Its text.
    pub text: String,
    /// Whether the excerpts changed since it was written.
    pub stale: bool,
}

/// A quote numbered once across the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NumberedQuote {
    /// 1, 2, … in report order.
    pub number: usize,
    /// Excerpt id (`path:line`).
    pub id: String,
    /// From the attribution template.
    pub attribution: String,
    /// The text.
    pub text: String,
    /// A caption's start time (`00:12:03`), else empty.
    pub time: String,
}

/// Co-occurrence of codes: excerpts at both.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cooccur {
    /// The table.
    Shown {
        /// Code paths and labels.
        codes: Vec<(String, String)>,
        /// `cells[i][j]`: excerpts at both; the diagonal is a code's own count.
        cells: Vec<Vec<u32>>,
        /// The largest count off the diagonal (for shading).
        max: u32,
    },
    /// More codes than [`MAX_COOCCUR_CODES`].
    TooMany(usize),
}

/// Agreement between coders.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Agreement {
    /// The coders compared.
    pub coders: Vec<String>,
    /// Per code, then `pooled`.
    pub lines: Vec<AgreementLine>,
}

/// One code's agreement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AgreementLine {
    /// Code path or `pooled`.
    pub code: String,
    /// Excerpts compared.
    pub units: usize,
    /// Percent agreement, κ, α (4 decimals, `-` when undefined).
    pub agreement: String,
    /// Cohen's κ.
    pub kappa: String,
    /// Krippendorff's α.
    pub alpha: String,
}

/// A theme or code in the appendix.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CodebookEntry {
    /// Path.
    pub path: String,
    /// Label.
    pub label: String,
    /// 0 for a theme.
    pub depth: usize,
    /// Named fields in order (Description / Definition, Include, …, Rules).
    pub fields: Vec<(&'static str, String)>,
}

/// The attribution template, checked against the study's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Attr(String),
}

impl Template {
    /// The default: the respondent id, then the `--by` attribute's value.
    pub fn default_for(by: Option<&str>) -> Template {
        let mut pieces = vec![Piece::Attr("respondent".into())];
        if let Some(attr) = by.filter(|a| *a != "respondent") {
            pieces.push(Piece::Text(", ".into()));
            pieces.push(Piece::Attr(attr.to_string()));
        }
        Template(pieces)
    }

    /// Parses `text` (`{ATTR}` placeholders, `{{` and `}}` for braces);
    /// `attributes` are the names a placeholder may take besides
    /// `respondent`. `settings` is thematic.yaml's text, to point at the
    /// setting's line.
    pub fn parse(text: &str, attributes: &[String], settings: &str) -> Result<Template> {
        let line = settings
            .lines()
            .position(|l| l.trim_start().starts_with("attribution:"))
            .map_or(1, |i| i + 1);
        let col = |at: usize| {
            let l = settings.lines().nth(line - 1).unwrap_or("");
            // The placeholder's column when the line holds the text as written.
            l.find(text).map_or(1, |s| s + at + 1)
        };
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|p| p.1) == Some('{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek().map(|p| p.1) == Some('}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let rest = &text[i + 1..];
                    let Some(end) = rest.find('}') else {
                        return Err(Error::at(
                            Location::at(SETTINGS_FILE, line, col(i)),
                            "`attribution:` has a `{` that is not closed",
                        )
                        .with_hint("write placeholders as {ATTR}, and a literal brace as {{"));
                    };
                    let name = rest[..end].trim();
                    if name != "respondent" && !attributes.iter().any(|a| a == name) {
                        return Err(Error::at(
                            Location::at(SETTINGS_FILE, line, col(i)),
                            format!("`attribution:` names `{{{name}}}`, which is not an attribute"),
                        )
                        .with_hint(format!(
                            "{} (attributes: respondent, {})",
                            crate::error::suggest(name, attributes.iter().map(String::as_str)),
                            attributes.join(", ")
                        )));
                    }
                    if !lit.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut lit)));
                    }
                    pieces.push(Piece::Attr(name.to_string()));
                    for _ in 0..rest[..=end].chars().count() {
                        chars.next();
                    }
                }
                '}' => {
                    return Err(Error::at(
                        Location::at(SETTINGS_FILE, line, col(i)),
                        "`attribution:` has a `}` with no `{`",
                    )
                    .with_hint("write a literal brace as }}"))
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            pieces.push(Piece::Text(lit));
        }
        Ok(Template(pieces))
    }

    /// The attribution of a respondent (a missing attribute reads `(missing)`).
    fn fill(&self, respondent: &str, attributes: &BTreeMap<String, String>) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.as_str(),
                Piece::Attr(a) => match attributes.get(a) {
                    Some(v) => v.as_str(),
                    None if a == "respondent" => respondent,
                    None => framework::MISSING,
                },
            })
            .collect()
    }
}

/// Builds the parts of the model that hold participants' text.
pub(crate) struct Builder<'a> {
    /// The index's manifest (rows and attributes).
    pub manifest: &'a Manifest,
    /// How quotes are attributed.
    pub template: Template,
    /// The next quote's number.
    next_quote: usize,
    /// The study's pseudonyms (`None` with `--identified`).
    pseudonyms: Option<crate::privacy::Pseudonyms>,
    /// What the report would still hold of the key file's terms and the
    /// identifying columns' values, per quote or case.
    gate: std::cell::RefCell<crate::privacy::Gate>,
}

impl<'a> Builder<'a> {
    /// A builder numbering quotes from 1, replacing what `pseudonyms` names.
    pub fn new(
        manifest: &'a Manifest,
        template: Template,
        pseudonyms: Option<crate::privacy::Pseudonyms>,
    ) -> Builder<'a> {
        Builder {
            manifest,
            template,
            next_quote: 1,
            pseudonyms,
            gate: Default::default(),
        }
    }

    /// The one way participants' text enters the report: every quote,
    /// question, summary, respondent id, attribute value and excerpt id
    /// passes here, and leaves with the key file's pseudonyms.
    pub fn shown(&self, text: &str) -> String {
        match &self.pseudonyms {
            Some(p) => p.apply(text).into_owned(),
            None => text.to_string(),
        }
    }

    /// Looks for what the pseudonyms missed in `texts`, as the report shows
    /// them, of the quote or case `whose`.
    pub(crate) fn gate(&self, whose: &str, texts: &[&String]) {
        if let Some(p) = &self.pseudonyms {
            self.gate
                .borrow_mut()
                .check(p, whose, texts.iter().copied());
        }
    }

    /// Looks for what the pseudonyms missed anywhere in the rendered
    /// report, beyond what [`Builder::gate`] already checked.
    pub fn gate_output(&self, output: &str) {
        if let Some(p) = &self.pseudonyms {
            self.gate
                .borrow_mut()
                .check_rest(p, "elsewhere in the report", output);
        }
    }

    /// Refuses the report (naming each quote or case and term, never the
    /// text around it) when it would still identify a participant.
    pub fn verdict(&self) -> crate::error::Result<()> {
        self.gate.borrow().verdict()
    }

    /// A heat map of `matrix`; `first[i][j]` is the id of the first excerpt
    /// of row `i` in column `j`.
    pub fn heat_map(
        &self,
        matrix: &Matrix,
        kind: CellKind,
        first: &[Vec<Option<String>>],
    ) -> HeatMap {
        let m = self.manifest;
        let cell = |c: &framework::Cell, f: Option<&String>| HeatCell {
            count: c.count,
            respondents: c.respondents,
            of: c.of,
            first: f.map(|id| self.shown(id)),
        };
        let rows: Vec<HeatRow> = matrix
            .rows
            .iter()
            .enumerate()
            .map(|(i, &r)| HeatRow {
                path: m.rows[r].path.clone(),
                label: m.rows[r].label.clone(),
                depth: m.rows[r].depth,
                cells: matrix.cells[i]
                    .iter()
                    .enumerate()
                    .map(|(j, c)| cell(c, first.get(i).and_then(|f| f.get(j)?.as_ref())))
                    .collect(),
                total: cell(&matrix.totals[i], None),
            })
            .collect();
        let max_count = rows
            .iter()
            .flat_map(|r| r.cells.iter().map(|c| c.count))
            .max()
            .unwrap_or(0);
        HeatMap {
            kind,
            columns: matrix
                .columns
                .iter()
                .map(|c| {
                    let name = self.shown(&c.name);
                    self.gate("the heat map's columns", &[&name]);
                    HeatColumn {
                        name,
                        respondents: c.respondents,
                    }
                })
                .collect(),
            rows,
            max_count,
        }
    }

    /// The next numbered quote, from what `quote` would print.
    pub fn quote(&mut self, q: &crate::cmd::quote::Quote) -> NumberedQuote {
        let number = self.next_quote;
        self.next_quote += 1;
        let quote = NumberedQuote {
            number,
            id: self.shown(&q.id),
            attribution: self.shown(&self.template.fill(&q.respondent, &q.attributes)),
            text: self.shown(&q.text),
            time: crate::render::safe::terminal(&q.time).into_owned(),
        };
        self.gate(&quote.id, &[&quote.attribution, &quote.text]);
        quote
    }

    /// A charted summary.
    pub fn summary(&self, case: &str, text: &str, stale: bool) -> Summary {
        let summary = Summary {
            case: self.shown(case),
            text: self.shown(text),
            stale,
        };
        self.gate(&summary.case, &[&summary.case, &summary.text]);
        summary
    }
}

/// The front matter's lines: date, codebook, commit, counts.
pub(crate) fn front_lines(r: &Report) -> Vec<String> {
    let mut out = vec![format!("Date: {}", r.date)];
    out.push(match &r.codebook.version {
        Some(v) => format!("Codebook: {}, version {v}", r.codebook.name),
        None => format!("Codebook: {}", r.codebook.name),
    });
    if let Some(g) = &r.git {
        out.push(format!(
            "Git commit: {}{}",
            g.commit,
            if g.dirty {
                " (the working tree has changes not committed)"
            } else {
                " (working tree clean)"
            }
        ));
    }
    let f = &r.figures;
    out.push(format!(
        "Transcripts: {}; respondents: {}; excerpts: {}; coded: {}",
        f.transcripts,
        f.respondents,
        f.excerpts,
        share64(f.coded, f.excerpts)
    ));
    out
}

/// `n/N (p%)` for wide counts.
fn share64(n: u64, total: u64) -> String {
    if total == 0 {
        return format!("{n}/{total}");
    }
    format!("{n}/{total} ({}%)", (n * 200 + total) / (total * 2))
}

/// What the group heat map's cells mean.
pub(crate) fn groups_caption(r: &Report) -> String {
    match &r.by {
        Some(attr) => format!(
            "Cells: n/N (p%), n respondents of the group (`{attr}`) with at least one excerpt at the theme or code, of N in the group; shaded by p."
        ),
        None => "Cells: n/N (p%), whether the respondent has an excerpt at the theme or code; shaded by p.".into(),
    }
}

/// Why the heat map by respondent is left out.
pub(crate) fn too_many_respondents(n: usize) -> String {
    format!(
        "The heat map by respondent is left out: {n} respondents are more than {MAX_RESPONDENT_COLUMNS} columns (`thematic matrix --format csv` has them all)."
    )
}

/// What is said of the summaries left out.
pub(crate) fn more_summaries(n: usize, path: &str) -> String {
    format!(
        "{n} more written summaries (the first {MAX_SUMMARIES} are shown; `thematic matrix --cell summary --theme {}` shows them all).",
        path.split('/').next().unwrap_or(path)
    )
}

/// Why the co-occurrence table is left out.
pub(crate) fn too_many_codes(n: usize) -> String {
    format!(
        "The co-occurrence table is left out: {n} codes are more than {MAX_COOCCUR_CODES} (`thematic cooccur --theme ID` shows one theme's)."
    )
}

/// Who was compared, on what.
pub(crate) fn agreement_caption(a: &Agreement) -> String {
    format!(
        "Coders: {}. Units: the excerpts every one of them judged for the code (for α, those at least two of them judged). Percent agreement, Cohen's κ (two coders) and Krippendorff's α (nominal), as `thematic agree`.",
        a.coders.join(", ")
    )
}

/// The line under a code's quotes: how many more there are, and the
/// command that lists them.
pub(crate) fn more_line(c: &CodeSection) -> Option<String> {
    if c.quotes.is_empty() {
        return Some("No excerpt at this code.".into());
    }
    let more = match c.more {
        0 => String::new(),
        1 => "1 more excerpt at this code; ".into(),
        n => format!("{n} more excerpts at this code; "),
    };
    let withheld = match c.withheld.as_slice() {
        [] => String::new(),
        attrs => format!(
            ", adding the report's --where on {} (withheld here: its value names a participant)",
            attrs
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Some(format!("{more}these quotes: `{}`{withheld}", c.command))
}

/// The `thematic quote` command that lists a code's report quotes.
pub(crate) fn quote_command(
    path: &str,
    limit: usize,
    per_respondent: usize,
    filters: &[String],
    source: Option<&str>,
) -> String {
    let mut out =
        format!("thematic quote {path} --limit {limit} --per-respondent {per_respondent}");
    for f in filters {
        out.push_str(&format!(" --where {}", shell_word(f)));
    }
    if let Some(s) = source {
        out.push_str(&format!(" --source {}", shell_word(s)));
    }
    out
}

/// A word as a POSIX shell reads it back: single-quoted unless plain.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-_=./:,+@%".contains(c));
    if plain && !s.contains("!=") {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The per-respondent cap of a code's quotes: the one asked for, else one
/// per respondent unless the code has fewer respondents than `limit`
/// quotes (then as few per respondent as fill the limit).
pub(crate) fn per_respondent(asked: Option<usize>, limit: usize, respondents: usize) -> usize {
    asked.unwrap_or_else(|| limit.div_ceil(respondents.max(1)).max(1))
}

/// The date line: `--date` (checked), else `SOURCE_DATE_EPOCH` (seconds),
/// else `now` (seconds since 1970), as `YYYY-MM-DD` in UTC.
pub(crate) fn date(asked: Option<&str>, epoch: Option<&str>, now: u64) -> Result<String> {
    if let Some(d) = asked {
        let d = d.trim();
        let ok = d.len() == 10
            && d.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
            && (1..=12).contains(&d[5..7].parse::<u32>().unwrap_or(0))
            && (1..=31).contains(&d[8..10].parse::<u32>().unwrap_or(0));
        if !ok {
            return Err(Error::input(format!("bad --date `{d}`"))
                .with_hint("write the date as YYYY-MM-DD, e.g. --date 2026-03-31"));
        }
        return Ok(d.to_string());
    }
    let secs = match epoch.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.parse::<u64>().map_err(|_| {
            Error::input(format!("bad SOURCE_DATE_EPOCH `{s}`")).with_hint(
                "set it to whole seconds since 1970-01-01 (e.g. `git log -1 --format=%ct`), or pass --date",
            )
        })?,
        None => now,
    };
    let (y, m, d) = civil(secs / 86_400);
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil(days: u64) -> (i64, u32, u32) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A small report whose every text from the study is hostile markup, for
/// the renderers' tests.
#[cfg(test)]
pub(crate) fn sample() -> Report {
    let bad = "<i>x</i>";
    let cell = |n: u32, of: u32| HeatCell {
        count: n * 2,
        respondents: n,
        of,
        first: (n > 0).then(|| format!("transcripts/{bad}.txt:3")),
    };
    let map = |kind| HeatMap {
        kind,
        columns: vec![HeatColumn {
            name: bad.into(),
            respondents: 2,
        }],
        rows: vec![HeatRow {
            path: "t".into(),
            label: "Theme".into(),
            depth: 0,
            cells: vec![cell(1, 2)],
            total: cell(1, 2),
        }],
        max_count: 2,
    };
    Report {
        title: "Study".into(),
        description: None,
        date: "2026-03-31".into(),
        codebook: CodebookInfo {
            name: "Codebook".into(),
            version: None,
        },
        git: None,
        figures: Figures::default(),
        by: Some("role".into()),
        groups: map(CellKind::Share),
        respondents: ByRespondent::Shown(map(CellKind::Count)),
        themes: vec![ThemeSection {
            path: "t".into(),
            label: "Theme".into(),
            description: None,
            summaries: vec![Summary {
                case: bad.into(),
                text: format!("{bad}\n- line"),
                stale: true,
            }],
            more_summaries: 0,
            codes: vec![CodeSection {
                path: "t/c".into(),
                label: "Code".into(),
                depth: 1,
                definition: None,
                summaries: Vec::new(),
                more_summaries: 0,
                quotes: vec![NumberedQuote {
                    number: 1,
                    id: format!("transcripts/{bad}.txt:3"),
                    attribution: bad.into(),
                    text: format!("{bad}\n\n{bad}"),
                    time: String::new(),
                }],
                more: 0,
                command: "thematic quote t/c --limit 3 --per-respondent 1".into(),
                withheld: Vec::new(),
            }],
        }],
        cooccur: Some(Cooccur::TooMany(61)),
        agreement: Some(Agreement {
            coders: vec![bad.into()],
            lines: vec![AgreementLine {
                code: "pooled".into(),
                units: 3,
                agreement: "1.0000".into(),
                kappa: "-".into(),
                alpha: "-".into(),
            }],
        }),
        appendix: Vec::new(),
        method: vec!["As `thematic matrix`.".into()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_flag_epoch_or_now() {
        assert_eq!(date(Some("2026-03-31"), None, 0).unwrap(), "2026-03-31");
        assert_eq!(
            date(Some("31/03/2026"), None, 0).unwrap_err().exit_code(),
            2
        );
        assert_eq!(
            date(Some("2026-13-01"), None, 0).unwrap_err().exit_code(),
            2
        );
        assert_eq!(date(None, Some("0"), 5).unwrap(), "1970-01-01");
        // 2024-02-29 12:00 UTC.
        assert_eq!(date(None, Some("1709208000"), 0).unwrap(), "2024-02-29");
        assert_eq!(date(None, Some("soon"), 0).unwrap_err().exit_code(), 2);
        assert_eq!(date(None, None, 1_798_675_200).unwrap(), "2026-12-31");
    }

    #[test]
    fn per_respondent_relaxes_only_for_few_respondents() {
        assert_eq!(per_respondent(None, 3, 10), 1);
        assert_eq!(per_respondent(None, 3, 3), 1);
        assert_eq!(per_respondent(None, 3, 2), 2);
        assert_eq!(per_respondent(None, 3, 1), 3);
        assert_eq!(per_respondent(None, 3, 0), 3);
        assert_eq!(per_respondent(Some(2), 3, 10), 2);
    }

    #[test]
    fn templates_fill_and_refuse_unknown_attributes() {
        let attrs = vec!["profile".to_string(), "region".to_string()];
        let t = Template::parse("{profile}, {region} ({{{respondent}}})", &attrs, "").unwrap();
        let values: BTreeMap<String, String> = [("profile".to_string(), "survivor".to_string())]
            .into_iter()
            .collect();
        assert_eq!(t.fill("R07", &values), "survivor, (missing) ({R07})");
        let settings = "unit: paragraph\nattribution: \"{profile}, {regoin}\"\n";
        let e = Template::parse("{profile}, {regoin}", &attrs, settings).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let report = e.report();
        assert!(report.contains("thematic.yaml:2:26"), "{report}");
        assert!(report.contains("`{regoin}`"), "{report}");
        assert!(report.contains("region"), "{report}");
        assert!(Template::parse("{profile", &attrs, "").is_err());
        assert!(Template::parse("profile}", &attrs, "").is_err());
        assert_eq!(
            Template::default_for(Some("profile")).fill("R01", &values),
            "R01, survivor"
        );
        assert_eq!(Template::default_for(None).fill("R01", &values), "R01");
    }

    #[test]
    fn quote_commands_quote_what_the_shell_would_split() {
        assert_eq!(
            quote_command("family/stigma", 3, 1, &[], None),
            "thematic quote family/stigma --limit 3 --per-respondent 1"
        );
        assert_eq!(
            quote_command(
                "stigma",
                3,
                2,
                &["region=Madre de Dios".into(), "role!=provider".into()],
                Some("ana")
            ),
            "thematic quote stigma --limit 3 --per-respondent 2 --where 'region=Madre de Dios' --where 'role!=provider' --source ana"
        );
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }

    #[test]
    fn cells_text_hover_and_shade() {
        let c = HeatCell {
            count: 5,
            respondents: 2,
            of: 3,
            first: Some("transcripts/r01.txt:7".into()),
        };
        assert_eq!(c.text(CellKind::Share), "2/3 (67%)");
        assert_eq!(c.text(CellKind::Count), "5");
        assert_eq!(c.hover(), "5 excerpts; first: transcripts/r01.txt:7");
        assert_eq!(c.shade(CellKind::Share, 0), 67);
        assert_eq!(c.shade(CellKind::Count, 10), 50);
        assert_eq!(HeatCell::default().hover(), "0 excerpts");
    }
}
