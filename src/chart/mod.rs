//! Chart files: the Framework matrix of written summaries, one Markdown file
//! per case under the study's `charts/` folder (setting `charts:`).
//!
//! - `charts/<RESPONDENT>.md`: one case per respondent;
//!   `charts/by-<ATTR>/<VALUE>.md`: one case per group, for `matrix --by`.
//! - Inside, one section per cell: a heading `## <code path>` (`theme` or
//!   `theme/code`, as in the matrix CSV), then the summary as free Markdown.
//!   An excerpt is cited by its id in square brackets:
//!   `[transcripts/r07.txt:12]` (several in one bracket: `[a.txt:3; a.txt:9]`).
//! - A heading under a code's earlier id (its `formerly`) is the renamed
//!   code's cell ([`Headings::follow_renames`]); `chart check` asks for the heading
//!   to be renamed.
//! - Anything else (front matter, a `#` title, text before the first `##`,
//!   HTML comments, fenced code) is kept and ignored.
//! - `thematic chart` appends a marker comment under each heading it writes,
//!   `<!-- thematic: excerpts HASH (N) … -->`: a short hash of the cell's
//!   excerpt ids when the section was written, so that `chart check` can
//!   tell a stale summary.
//!
//! This module parses and writes the text (pure); [`cells`] reads the
//! cells' excerpts from the index and [`check`] compares the two.

pub mod cells;
pub mod check;
pub mod consent;
pub mod summary;
pub mod table;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
use crate::input::Limit;

/// The most bytes one chart file may have.
pub const CHART: Limit = Limit {
    bytes: 64 << 20,
    what: "a chart file",
};

/// What begins the marker comment `chart` writes under a heading.
const MARKER: &str = "<!-- thematic: excerpts ";

/// The hint for a heading that is not a code path.
const HEADING_HINT: &str = "a `## ` heading names a cell by its code path (`theme` or `theme/code`, as in `thematic matrix --format csv`); use `#` or `###` for other headings";

/// Whose summaries a chart file holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Case {
    /// One respondent: `charts/<ID>.md`.
    Respondent(String),
    /// The respondents whose attribute has a value: `charts/by-<ATTR>/<VALUE>.md`.
    Group {
        /// The attribute.
        attr: String,
        /// Its value.
        value: String,
    },
}

impl Case {
    /// The file's path relative to the charts folder, `/`-separated.
    pub fn rel(&self) -> String {
        match self {
            Case::Respondent(id) => format!("{id}.md"),
            Case::Group { attr, value } => format!("by-{attr}/{value}.md"),
        }
    }

    /// The title `chart` puts at the top of a new file.
    pub fn title(&self) -> String {
        match self {
            Case::Respondent(id) => format!("# {id}\n"),
            Case::Group { attr, value } => format!("# {attr}: {value}\n"),
        }
    }

    /// The case a file inside the charts folder holds, from its relative
    /// path; `None` for files that are not chart files (not `.md`, or in
    /// another folder).
    pub fn of_rel(rel: &str) -> Option<Case> {
        let stem = rel.strip_suffix(".md")?;
        match stem.split('/').collect::<Vec<_>>().as_slice() {
            [id] if !id.is_empty() => Some(Case::Respondent((*id).to_string())),
            [dir, value] if !value.is_empty() => {
                let attr = dir.strip_prefix("by-").filter(|a| !a.is_empty())?;
                Some(Case::Group {
                    attr: attr.to_string(),
                    value: (*value).to_string(),
                })
            }
            _ => None,
        }
    }
}

/// One citation of an excerpt in a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cite {
    /// The excerpt id, `path:line`.
    pub id: String,
    /// 1-based line in the chart file.
    pub line: usize,
    /// 1-based column of the id.
    pub col: usize,
}

/// The marker comment `chart` writes: the cell's excerpt set when recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// Short hash of the cell's excerpt ids ([`cell_hash`]).
    pub hash: String,
    /// How many excerpts the cell had.
    pub count: usize,
    /// 1-based line of the comment.
    pub line: usize,
}

/// One `## <code path>` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The code path of the heading (once [`Headings::follow_renames`] has run, the
    /// code's current path when the heading names it by an earlier id).
    pub path: String,
    /// The heading's path as written, when it names the code by an earlier
    /// id (`formerly`) and `path` is what the codebook calls it now.
    pub formerly: Option<String>,
    /// 1-based line of the heading.
    pub line: usize,
    /// The summary: the section's text without comments, trimmed.
    pub summary: String,
    /// The citations, in the order written.
    pub cites: Vec<Cite>,
    /// The marker comment, when there is one.
    pub marker: Option<Marker>,
    /// A bracketed citation in it is not an excerpt id: what it cites
    /// cannot be checked (for a withdrawn respondent's words, say), so the
    /// section is left out of every output until it is put right.
    pub bad_cite: bool,
}

/// A parsed chart file.
#[derive(Debug, Default)]
pub struct ChartFile {
    /// The sections, in file order.
    pub sections: Vec<Section>,
    /// Bad input found (a heading that is not a code path, a citation that
    /// is not an id), each with its file:line:col.
    pub problems: Vec<Error>,
    /// Number of lines in the file.
    pub lines: usize,
}

/// The section status of a cell in the matrix and in `chart check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No section for the cell.
    None,
    /// A section without a summary.
    Empty,
    /// A summary whose recorded excerpt set is the cell's.
    Written,
    /// A summary whose cell's excerpts changed since it was recorded (or
    /// that has no record).
    Stale,
}

impl Status {
    /// The status as the JSON output names it.
    pub fn name(self) -> &'static str {
        match self {
            Status::None => "none",
            Status::Empty => "empty",
            Status::Written => "written",
            Status::Stale => "stale",
        }
    }
}

impl Section {
    /// The section's status against the cell's current excerpt hash.
    pub fn status(&self, hash: &str) -> Status {
        if self.summary.is_empty() {
            Status::Empty
        } else if self.marker.as_ref().is_some_and(|m| m.hash == hash) {
            Status::Written
        } else {
            Status::Stale
        }
    }
}

/// A short hash of a cell's excerpt set (order does not matter).
pub fn cell_hash<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut ids: Vec<&str> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    sorted_cell_hash(ids)
}

/// [`cell_hash`] of ids already in byte order, each once.
pub fn sorted_cell_hash<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let ids: Vec<&str> = ids.into_iter().collect();
    // One update over the ids joined: blake3 hashes a long input many
    // blocks at a time, a short one a block per call.
    let mut joined = String::with_capacity(ids.iter().map(|id| id.len() + 1).sum());
    for id in ids {
        joined.push_str(id);
        joined.push('\n');
    }
    blake3::hash(joined.as_bytes()).to_hex()[..12].to_string()
}

/// The marker comment line (without line end).
pub fn marker_line(hash: &str, count: usize) -> String {
    format!("{MARKER}{hash} ({count}); `thematic chart check --accept` updates this line -->")
}

/// One excerpt listed in a new section's comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed<'a> {
    /// The excerpt id.
    pub id: &'a str,
    /// Its first words.
    pub words: &'a str,
}

/// How many excerpts a new section's comment lists; the rest are counted,
/// with the command that lists them all (a cell can hold hundreds: listed
/// whole, the chart files of a large study outgrew its transcripts).
pub const LISTED: usize = 12;

/// A new section, to append after a blank line: the heading, the marker, and a comment listing the cell's
/// excerpts (ids and first words, the first [`LISTED`] of `count`) for the
/// researcher to summarise; the summary is left for them to write below
/// it. `filter` is the `--where` condition of the case (`respondent=R07`).
pub fn new_section(
    path: &str,
    hash: &str,
    excerpts: &[Listed<'_>],
    count: usize,
    filter: &str,
) -> String {
    let mut out = format!("## {path}\n{}\n", marker_line(hash, count));
    out.push_str("<!-- to summarise (this comment can go):\n");
    for e in excerpts.iter().take(LISTED) {
        // `--` would end the comment early in some Markdown readers.
        out.push_str(&format!("[{}] {}\n", e.id, e.words.replace("--", "—")));
    }
    if count > LISTED {
        out.push_str(&format!(
            "… and {} more: thematic quote {path} --where {filter} --limit {count}\n",
            count - LISTED
        ));
    }
    out.push_str("-->\n\n");
    out
}

/// Whether `text` is a code path: ids `[a-z0-9_]+` joined by `/`.
pub fn is_code_path(text: &str) -> bool {
    !text.is_empty()
        && text.split('/').all(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

/// Parses a chart file's text; `shown` is its path for locations.
pub fn parse(text: &str, shown: &str) -> ChartFile {
    let mut file = ChartFile::default();
    let mut current: Option<(Section, Vec<String>)> = None;
    let mut skipping = false; // after a bad heading: its text belongs to no cell
    let mut in_front = false;
    let mut in_fence = false;
    let mut in_comment = false;
    let close = |cur: Option<(Section, Vec<String>)>, file: &mut ChartFile| {
        if let Some((mut s, text)) = cur {
            s.summary = text.join("\n").trim().to_string();
            file.sections.push(s);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut raws: Vec<&str> = text.split('\n').collect();
    if raws.last() == Some(&"") {
        raws.pop();
    }
    for (i, raw) in raws.into_iter().enumerate() {
        let n = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        file.lines = n;
        if n == 1 && line.trim_end() == "---" {
            in_front = true;
            continue;
        }
        if in_front {
            if matches!(line.trim_end(), "---" | "...") {
                in_front = false;
            }
            continue;
        }
        if !in_comment {
            let t = line.trim_start();
            if t.starts_with("```") || t.starts_with("~~~") {
                in_fence = !in_fence;
                if let Some((_, text)) = &mut current {
                    text.push(line.to_string());
                }
                continue;
            }
            if in_fence {
                if let Some((_, text)) = &mut current {
                    text.push(line.to_string());
                }
                continue;
            }
            if let Some(rest) = heading(line) {
                close(current.take(), &mut file);
                let path = rest.trim().trim_matches('`').trim_end_matches('/');
                if is_code_path(path) {
                    skipping = false;
                    current = Some((
                        Section {
                            path: path.to_string(),
                            formerly: None,
                            line: n,
                            summary: String::new(),
                            cites: Vec::new(),
                            marker: None,
                            bad_cite: false,
                        },
                        Vec::new(),
                    ));
                } else {
                    skipping = true;
                    file.problems.push(
                        Error::at(
                            Location::at(shown, n, 4),
                            format!("`## {}` is not a code path", rest.trim()),
                        )
                        .with_hint(HEADING_HINT),
                    );
                }
                continue;
            }
            if let Some(m) = marker(line, n) {
                if let Some((s, _)) = &mut current {
                    if s.marker.is_none() {
                        s.marker = Some(m);
                        continue;
                    }
                }
            }
        }
        let was_comment = in_comment;
        let (blanked, seen) = visible(line, &mut in_comment);
        if skipping {
            continue;
        }
        let Some((section, text)) = &mut current else {
            continue;
        };
        let before = file.problems.len();
        cites(&blanked, shown, n, &mut section.cites, &mut file.problems);
        section.bad_cite |= file.problems.len() > before;
        // A line that was all comment leaves no blank line in the summary.
        if !(seen.trim().is_empty() && (was_comment || line.contains("<!--"))) {
            text.push(seen.trim_end().to_string());
        }
    }
    close(current, &mut file);
    file
}

/// Chart headings read against the index's rows, for [`Headings::follow_renames`]:
/// current paths are told at a glance, and each other heading is looked up
/// once however many files have it (after a rename, every respondent's
/// file has the old heading).
pub struct Headings<'a> {
    rows: &'a [crate::index::RowInfo],
    known: rustc_hash::FxHashSet<&'a str>,
    seen: rustc_hash::FxHashMap<String, crate::index::Lookup>,
}

impl<'a> Headings<'a> {
    /// The headings of a study whose rows are `rows`.
    pub fn new(rows: &'a [crate::index::RowInfo]) -> Self {
        Headings {
            rows,
            known: rows.iter().map(|r| r.path.as_str()).collect(),
            seen: rustc_hash::FxHashMap::default(),
        }
    }

    /// Takes each heading of `file` (shown as `shown`) that names a code by
    /// an earlier id (in the code's `formerly`, followed as a coding
    /// sheet's names are) as the code's current path, keeping the heading
    /// as written in [`Section::formerly`]. A heading that is a current
    /// path, a suffix of one, or no name at all is left as it is (`chart
    /// check` says what it lacks). An earlier id that several codes had
    /// equally is bad input at the heading, and its section is left out
    /// (it is no one cell).
    pub fn follow_renames(&mut self, file: &mut ChartFile, shown: &str) {
        let rows = self.rows;
        let mut several = Vec::new();
        for (k, s) in file.sections.iter_mut().enumerate() {
            if self.known.contains(s.path.as_str()) {
                continue;
            }
            let found = self
                .seen
                .entry(s.path.clone())
                .or_insert_with(|| crate::index::look_up(rows, &s.path));
            match found {
                crate::index::Lookup::Formerly(row) => {
                    let now = rows[*row].path.clone();
                    s.formerly = Some(std::mem::replace(&mut s.path, now));
                }
                crate::index::Lookup::Several(claims) => {
                    file.problems.push(
                        Error::at(
                            Location::at(shown, s.line, 4),
                            format!(
                                "`{}` is an earlier name of several codes: {}",
                                s.path,
                                crate::codebook::listed(
                                    claims.iter().map(|&r| rows[r].path.as_str())
                                )
                            ),
                        )
                        .with_hint(format!(
                            "write the current path of the code meant in the heading, or keep `{}` in the `formerly` of one code only",
                            s.path.rsplit('/').next().unwrap_or(&s.path)
                        )),
                    );
                    several.push(k);
                }
                _ => {}
            }
        }
        for k in several.into_iter().rev() {
            file.sections.remove(k);
        }
    }
}

/// The text after `## ` when the line is a level-2 ATX heading.
fn heading(line: &str) -> Option<&str> {
    let t = line.strip_prefix("##")?;
    if t.starts_with('#') {
        return None;
    }
    if t.is_empty() {
        return Some("");
    }
    t.strip_prefix([' ', '\t'])
        .map(|r| r.trim_end().trim_end_matches('#').trim_end())
}

/// The marker comment, when the line is one.
fn marker(line: &str, n: usize) -> Option<Marker> {
    let rest = line.trim().strip_prefix(MARKER)?;
    let (hash, rest) = rest.split_once(' ')?;
    let count = rest.strip_prefix('(')?.split_once(')')?.0.parse().ok()?;
    if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(Marker {
        hash: hash.to_string(),
        count,
        line: n,
    })
}

/// The line as seen: with HTML comments removed (the summary's text), and
/// with comments and inline code spans blanked out, each of their
/// characters a space so that columns stay right (where citations are
/// looked for); `in_comment` carries an open comment over to the next line.
fn visible(line: &str, in_comment: &mut bool) -> (String, String) {
    // Most lines are all comment (a section's listing) or all text.
    if *in_comment && !line.contains("-->") {
        return (String::new(), String::new());
    }
    if !*in_comment && !line.contains("<!--") && !line.contains('`') {
        return (line.to_string(), line.to_string());
    }
    let chars: Vec<char> = line.chars().collect();
    let mut blanked = String::with_capacity(line.len());
    let mut text = String::with_capacity(line.len());
    let mut i = 0;
    let starts = |i: usize, pat: &str| {
        pat.chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k) == Some(&c))
    };
    let mut in_code = false;
    while i < chars.len() {
        if *in_comment {
            if starts(i, "-->") {
                *in_comment = false;
                blanked.push_str("   ");
                i += 3;
            } else {
                blanked.push(' ');
                i += 1;
            }
        } else if !in_code && starts(i, "<!--") {
            *in_comment = true;
            blanked.push_str("    ");
            i += 4;
        } else {
            if chars[i] == '`' {
                in_code = !in_code;
                blanked.push(' ');
            } else {
                blanked.push(if in_code { ' ' } else { chars[i] });
            }
            text.push(chars[i]);
            i += 1;
        }
    }
    (blanked, text)
}

/// The citations in a line's visible text.
fn cites(visible: &str, shown: &str, n: usize, out: &mut Vec<Cite>, problems: &mut Vec<Error>) {
    let chars: Vec<char> = visible.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '[' {
            i += 1;
            continue;
        }
        let Some(len) = chars[i + 1..].iter().position(|&c| c == ']' || c == '[') else {
            break;
        };
        let end = i + 1 + len;
        if chars[end] == '[' {
            i = end;
            continue;
        }
        // `[text](url)` and `[text]: url` are links, not citations.
        if matches!(chars.get(end + 1), Some('(' | ':')) {
            i = end + 1;
            continue;
        }
        let mut col = i + 2;
        let inner: String = chars[i + 1..end].iter().collect();
        for written in inner.split(|c: char| c.is_whitespace() || c == ';' || c == ',') {
            // As a reader sees it: an id pasted with an invisible
            // character inside is that id.
            let token = &*crate::text::visible(written);
            if looks_cited(token) {
                if is_id(token) {
                    out.push(Cite {
                        id: token.to_string(),
                        line: n,
                        col,
                    });
                } else {
                    problems.push(
                        Error::at(
                            Location::at(shown, n, col),
                            format!("`[{token}]` is not an excerpt id"),
                        )
                        .with_hint("cite an excerpt by its id, PATH:LINE as `thematic quote` shows it, e.g. [transcripts/r07.txt:12]"),
                    );
                }
            }
            col += written.chars().count() + 1;
        }
        i = end + 1;
    }
}

/// Whether a bracketed word is meant as a citation: `x:y` with something
/// after the colon, not a time like `00:01:12`, and with a path-like part
/// or a line number.
fn looks_cited(token: &str) -> bool {
    let Some((path, line)) = token.rsplit_once(':') else {
        return false;
    };
    !line.is_empty()
        && !token
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '.')
        && (path.contains(['.', '/']) || line.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a word is an excerpt id: `path.ext:LINE`, `path.ext:LINE.N`
/// (the Nth sentence of a line with `unit: sentence`) or, for a survey,
/// `path.csv:ROW:COLUMN`.
fn is_id(token: &str) -> bool {
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    token.rsplit_once(':').is_some_and(|(path, line)| {
        let line_ok = match line.split_once('.') {
            Some((l, n)) => number(l) && number(n),
            None => number(line),
        };
        line_ok && path.rsplit('/').next().is_some_and(|f| f.contains('.'))
    })
}

/// `text` with `sections` appended after a blank line: the original text
/// is kept byte for byte as the beginning of the result. A file with CRLF
/// line ends gets its new lines with CRLF too.
pub fn append(text: &str, sections: &str) -> String {
    if text.contains("\r\n") {
        let crlf = sections.replace('\n', "\r\n");
        let mut whole = String::with_capacity(text.len() + crlf.len() + 4);
        whole.push_str(text);
        if !whole.ends_with('\n') {
            whole.push_str("\r\n");
        }
        if !whole.ends_with("\n\r\n") && !whole.ends_with("\n\n") {
            whole.push_str("\r\n");
        }
        whole.push_str(&crlf);
        return whole;
    }
    let mut whole = String::with_capacity(text.len() + sections.len() + 2);
    whole.push_str(text);
    if !whole.is_empty() && !whole.ends_with('\n') {
        whole.push('\n');
    }
    if !whole.is_empty() && !whole.ends_with("\n\n") && !whole.ends_with("\n\r\n") {
        whole.push('\n');
    }
    whole.push_str(sections);
    whole
}

/// The file's text with markers set: for each `(heading line, old marker
/// line, new marker)`, the old marker line is replaced (keeping its line
/// end), or the new one is inserted after the heading when there is none.
/// Every other byte stays as it was.
pub fn set_markers(text: &str, updates: &[(usize, Option<usize>, String)]) -> String {
    let mut out = String::with_capacity(text.len() + 80 * updates.len());
    for (i, piece) in text.split_inclusive('\n').enumerate() {
        let n = i + 1;
        let ending = if piece.ends_with("\r\n") {
            "\r\n"
        } else if piece.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        if let Some((_, _, new)) = updates.iter().find(|(_, old, _)| *old == Some(n)) {
            out.push_str(new);
            out.push_str(ending);
            continue;
        }
        out.push_str(piece);
        if let Some((_, _, new)) = updates.iter().find(|(h, old, _)| *h == n && old.is_none()) {
            let ending = if ending.is_empty() { "\n" } else { ending };
            if piece.ends_with('\n') {
                out.push_str(new);
                out.push_str(ending);
            } else {
                out.push_str(ending);
                out.push_str(new);
            }
        }
    }
    out
}

/// A chart file as read from the study.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its path as shown, relative to the study (`charts/R01.md`).
    pub shown: String,
    /// Its absolute path.
    pub abs: PathBuf,
    /// Whose summaries it holds.
    pub case: Case,
    /// Its text, as it is in the file (a BOM included).
    pub text: String,
}

/// Whether the charts folder `dir` holds anything (a cheap look before
/// reading the index for it).
pub fn has_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
}

/// Every chart file in the folder `dir` (shown as `shown_dir`): `*.md` at
/// the top and in `by-*/` folders, sorted by path. Other files and folders
/// are not chart files and are left alone. A missing folder has none.
pub fn read_dir(dir: &Path, shown_dir: &str) -> Result<Vec<Source>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let list = |d: &Path| -> Result<Vec<(String, PathBuf, bool)>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(d).map_err(|e| Error::io(d, e))? {
            let e = e.map_err(|e| Error::io(d, e))?;
            let name = e.file_name().to_string_lossy().to_string();
            let is_dir = e.path().is_dir();
            out.push((name, e.path(), is_dir));
        }
        out.sort();
        Ok(out)
    };
    for (name, path, is_dir) in list(dir)? {
        if is_dir && name.starts_with("by-") {
            for (inner, p, d) in list(&path)? {
                if !d {
                    found.push((format!("{name}/{inner}"), p));
                }
            }
        } else if !is_dir {
            found.push((name, path));
        }
    }
    let mut out = Vec::new();
    for (rel, abs) in found {
        let Some(case) = Case::of_rel(&rel) else {
            continue;
        };
        let shown = format!("{}/{rel}", shown_dir.trim_end_matches('/'));
        let bytes = crate::input::read_user_file(&abs, &shown, CHART)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::at(Location::file(&shown), "the chart file is not UTF-8")
                .with_hint("save it as UTF-8")
        })?;
        out.push(Source {
            shown,
            abs,
            case,
            text,
        });
    }
    out.sort_by(|a, b| a.shown.cmp(&b.shown));
    Ok(out)
}

/// Parses the chart files and finds their cases' respondents: the loaded
/// files, and the bad input found (each with its file:line:col); a file
/// whose case is unknown is left out.
pub fn load(
    sources: &[Source],
    m: &crate::index::Manifest,
    groups: &GroupWithdrawals,
) -> (Vec<check::Loaded>, Vec<Error>) {
    use rayon::prelude::*;
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    let parsed: Vec<ChartFile> = sources
        .par_iter()
        .map(|s| parse(&s.text, &s.shown))
        .collect();
    let mut headings = Headings::new(&m.rows);
    for (s, mut file) in sources.iter().zip(parsed) {
        if withdrew(m, &s.case) || groups.gone(&s.case).is_some() {
            // Said by [`withdrawn_files`]; the file is no error of its own.
            continue;
        }
        headings.follow_renames(&mut file, &s.shown);
        problems.append(&mut file.problems);
        match check::members(m, &s.case, &s.shown) {
            Ok(members) => loaded.push(check::Loaded {
                shown: s.shown.clone(),
                case: s.case.clone(),
                members,
                file,
            }),
            Err(e) => problems.push(e),
        }
    }
    (loaded, problems)
}

/// Whether `case` is a respondent who withdrew consent.
fn withdrew(m: &crate::index::Manifest, case: &Case) -> bool {
    match case {
        Case::Respondent(id) => withdrawn(m, id),
        Case::Group { .. } => false,
    }
}

/// Whether respondent `id` withdrew consent (thematic.yaml's `withdrawn:`
/// or respondents.csv's `withdrawn` column).
pub fn withdrawn(m: &crate::index::Manifest, id: &str) -> bool {
    m.withdrawn.iter().chain(&m.withheld).any(|r| r == id)
}

/// A warning per chart file of a respondent who withdrew consent: the file
/// is no error (it was written before they withdrew), it is left out of
/// every output, and it still holds their words, so the team should delete
/// it. [`load`] leaves these files out.
pub fn withdrawn_files(
    sources: &[Source],
    m: &crate::index::Manifest,
    groups: &GroupWithdrawals,
) -> Vec<String> {
    sources
        .iter()
        .filter_map(|s| match &s.case {
            Case::Respondent(id) if withdrawn(m, id) => Some(format!(
                "{}: `{id}` withdrew consent; this chart file is left out of every output, but it still holds their words and summaries: the team should delete it",
                s.shown
            )),
            Case::Group { attr, value } => groups.gone(&s.case).map(|who| format!(
                "{}: every respondent with `{attr}` `{value}` withdrew consent ({}); this chart file is left out of every output, but it still holds their words and summaries: the team should delete it",
                s.shown,
                who.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")
            )),
            _ => None,
        })
        .collect()
}

/// Per group (`by-ATTR/VALUE`, from respondents.csv, which still lists
/// those who withdrew): its respondents who withdrew consent, and whether
/// anyone is left. What tells a group file whose every member withdrew
/// (told and left out as a withdrawn respondent's own file is, not refused
/// as a value no respondent has) and whom a group's summary may quote.
#[derive(Debug, Clone, Default)]
pub struct GroupWithdrawals(BTreeMap<(String, String), (Vec<String>, bool)>);

impl GroupWithdrawals {
    /// From respondents.csv's rows (`rows`: id → attributes) and who
    /// withdrew (by the manifest).
    pub fn new<'a>(
        m: &crate::index::Manifest,
        rows: impl IntoIterator<Item = (&'a String, &'a crate::model::Attributes)>,
    ) -> GroupWithdrawals {
        let mut groups: BTreeMap<(String, String), (Vec<String>, bool)> = BTreeMap::new();
        for (id, attrs) in rows {
            let gone = withdrawn(m, id);
            for (k, v) in attrs {
                let g = groups.entry((k.clone(), v.clone())).or_default();
                if gone {
                    g.0.push(id.clone());
                } else {
                    g.1 = true;
                }
            }
        }
        groups.retain(|_, (who, _)| !who.is_empty());
        GroupWithdrawals(groups)
    }

    /// The respondents of group `case` who withdrew (none for a
    /// respondent's case).
    pub fn held(&self, case: &Case) -> &[String] {
        match case {
            Case::Group { attr, value } => self
                .0
                .get(&(attr.clone(), value.clone()))
                .map_or(&[], |(who, _)| who.as_slice()),
            Case::Respondent(_) => &[],
        }
    }

    /// Who the group `case` was, when every one of them withdrew.
    pub fn gone(&self, case: &Case) -> Option<&[String]> {
        match case {
            Case::Group { attr, value } => self
                .0
                .get(&(attr.clone(), value.clone()))
                .filter(|(_, kept)| !kept)
                .map(|(who, _)| who.as_slice()),
            Case::Respondent(_) => None,
        }
    }
}

/// The transcripts that held words of respondents who withdrew consent,
/// each with whose (from the index's details): what tells whose words a
/// cited excerpt id that is no longer in the study may carry.
pub struct Withheld(Vec<(String, Vec<String>)>);

impl Withheld {
    /// Read from the index's details in `data_dir`.
    pub fn load(m: &crate::index::Manifest, data_dir: &Path) -> Result<Withheld> {
        let mut details = m.clone();
        crate::index::load_details(data_dir, &mut details)?;
        Ok(Withheld(
            details
                .files
                .iter()
                .filter(|(_, f)| !f.info.withheld.is_empty())
                .map(|(p, f)| (p.clone(), f.info.withheld.clone()))
                .collect(),
        ))
    }

    /// The withdrawn respondents of the transcript excerpt `id` is of,
    /// when it held any.
    pub fn whose(&self, id: &str) -> Option<&[String]> {
        self.0
            .iter()
            .find(|(p, _)| {
                id.strip_prefix(p.as_str())
                    .is_some_and(|r| r.starts_with(':'))
            })
            .map(|(_, who)| who.as_slice())
    }
}

/// A warning per line of a chart file that names an excerpt no longer in
/// the study (`exists` says which are) of a transcript that held words of
/// a respondent who withdrew consent: a citation, or a line of a new
/// section's listing with its first words, written before they withdrew
/// (a group file's, or another respondent's of the same focus group), may
/// quote or summarise them. The files of the withdrawn respondents
/// themselves are told by [`withdrawn_files`]. Reads the index's details
/// (`data_dir`) only when someone withdrew.
pub fn withdrawn_words(
    sources: &[Source],
    m: &crate::index::Manifest,
    data_dir: &Path,
    exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<String>> {
    if m.withheld.is_empty() || sources.is_empty() {
        return Ok(Vec::new());
    }
    let held = Withheld::load(m, data_dir)?;
    let whose = |id: &str| held.whose(id);
    let mut out = Vec::new();
    for s in sources.iter().filter(|s| !withdrew(m, &s.case)) {
        for (n, line) in s.text.lines().enumerate() {
            let named = line
                .split('[')
                .skip(1)
                .filter_map(|rest| rest.split_once(']').map(|(inside, _)| inside))
                .flat_map(|inside| inside.split([';', ',']))
                .map(str::trim)
                .find_map(|id| {
                    (is_id(id) && !exists(id))
                        .then(|| whose(id).map(|who| (id, who)))
                        .flatten()
                });
            if let Some((id, who)) = named {
                out.push(format!(
                    "{}:{}: `{id}` is no longer in the study: its transcript held the words of {}, who withdrew consent, and this line may quote or summarise them: the team should remove it (and rewrite the summary)",
                    s.shown,
                    n + 1,
                    who.iter()
                        .map(|w| format!("`{w}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    Ok(out)
}

/// The excerpt ids the respondents' summaries cite at the codes `paths`
/// (a section at one of them or below it), each once, in the order cited:
/// files by path, sections and citations in file order. Group files are
/// left out (their citations repeat the respondents').
pub fn cited(files: &[check::Loaded], paths: &[&str]) -> Vec<String> {
    let under = |p: &str| {
        paths
            .iter()
            .any(|c| p == *c || p.strip_prefix(c).is_some_and(|r| r.starts_with('/')))
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for f in files
        .iter()
        .filter(|f| matches!(f.case, Case::Respondent(_)))
    {
        for s in f.file.sections.iter().filter(|s| under(&s.path)) {
            for c in &s.cites {
                if seen.insert(c.id.as_str()) {
                    out.push(c.id.clone());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "---\nresearcher: Lucía\n---\n# R01\n\nNotes before any cell: [transcripts/x.txt:zz] is not read.\n\n## family/search\n<!-- thematic: excerpts 0123456789ab (2); `thematic chart check --accept` updates this line -->\n<!-- to summarise (this comment can go):\n[transcripts/r01.txt:7] My mother went\n-->\nHer mother went to the police station daily [transcripts/r01.txt:7; transcripts/r01.txt:8].\n\n### detail\nSee `[a.txt:1]` and [the notes](x.md) and [00:01:12].\n\n## family\n\n## return/support ##\n```\n## not a heading [b.txt:1]\n```\n";

    #[test]
    fn headings_follow_renames_and_an_id_two_codes_had_is_bad_input() {
        use crate::index::RowInfo;
        let row = |path: &str, parent: Option<usize>, formerly: &[&str]| RowInfo {
            path: path.into(),
            depth: usize::from(parent.is_some()),
            parent,
            formerly: formerly.iter().map(|f| f.to_string()).collect(),
            ..Default::default()
        };
        let rows = vec![
            row("labour", None, &[]),
            row("labour/other_work", Some(0), &["other"]),
            row("return", None, &[]),
            row("return/other_help", Some(2), &["other"]),
        ];
        let text =
            "## labour/other\nA.\n## other\nB.\n## return/other\nC.\n## labour/nothing\nD.\n";
        let mut f = parse(text, "charts/R01.md");
        Headings::new(&rows).follow_renames(&mut f, "charts/R01.md");
        let got: Vec<(&str, Option<&str>, usize)> = f
            .sections
            .iter()
            .map(|s| (s.path.as_str(), s.formerly.as_deref(), s.line))
            .collect();
        assert_eq!(
            got,
            [
                ("labour/other_work", Some("labour/other"), 1),
                ("return/other_help", Some("return/other"), 5),
                ("labour/nothing", None, 7),
            ]
        );
        assert_eq!(f.problems.len(), 1);
        assert_eq!(
            f.problems[0].report(),
            "error: `other` is an earlier name of several codes: `labour/other_work`, `return/other_help`
  --> charts/R01.md:3:4
  = help: write the current path of the code meant in the heading, or keep `other` in the `formerly` of one code only"
        );
    }

    #[test]
    fn sections_summaries_and_citations() {
        let f = parse(FILE, "charts/R01.md");
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.lines, 23);
        let paths: Vec<&str> = f.sections.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["family/search", "family", "return/support"]);
        let s = &f.sections[0];
        assert_eq!(s.line, 8);
        assert_eq!(
            s.marker,
            Some(Marker {
                hash: "0123456789ab".into(),
                count: 2,
                line: 9
            })
        );
        assert_eq!(
            s.summary,
            "Her mother went to the police station daily [transcripts/r01.txt:7; transcripts/r01.txt:8].\n\n### detail\nSee `[a.txt:1]` and [the notes](x.md) and [00:01:12]."
        );
        assert_eq!(
            s.cites,
            vec![
                Cite {
                    id: "transcripts/r01.txt:7".into(),
                    line: 13,
                    col: 46
                },
                Cite {
                    id: "transcripts/r01.txt:8".into(),
                    line: 13,
                    col: 69
                }
            ]
        );
        assert_eq!(f.sections[1].summary, "");
        assert_eq!(f.sections[1].status("x"), Status::Empty);
        assert_eq!(
            f.sections[2].summary,
            "```\n## not a heading [b.txt:1]\n```"
        );
        assert!(f.sections[2].cites.is_empty());
    }

    #[test]
    fn bad_headings_and_citations_are_problems_with_positions() {
        let f = parse(
            "## Notes\ntext [a.txt:1]\n## family\nSee [r07:12] and [transcripts/r07.txt:l2].\n",
            "charts/R07.md",
        );
        let shown: Vec<String> = f
            .problems
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e.location().unwrap(),
                    e.report().lines().next().unwrap()
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "charts/R07.md:1:4 error: `## Notes` is not a code path",
                "charts/R07.md:4:6 error: `[r07:12]` is not an excerpt id",
                "charts/R07.md:4:19 error: `[transcripts/r07.txt:l2]` is not an excerpt id",
            ]
        );
        assert_eq!(f.sections.len(), 1);
        assert!(f.sections[0].cites.is_empty());
    }

    #[test]
    fn sentence_and_survey_ids_are_ids() {
        let f = parse(
            "## family\n[transcripts/r01.txt:12.2] [survey/answers.csv:3:4] [a.txt:1.x]\n",
            "c.md",
        );
        let ids: Vec<&str> = f.sections[0].cites.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["transcripts/r01.txt:12.2", "survey/answers.csv:3:4"]);
        assert_eq!(f.problems.len(), 1);
    }

    #[test]
    fn odd_input_never_panics() {
        let pieces = [
            "[",
            "]",
            "[[",
            "]]",
            "## ",
            "##",
            "###",
            "<!--",
            "-->",
            "```",
            "~~~",
            "---",
            "\u{feff}",
            "[a.txt:]",
            "[:1]",
            "[a.txt:1",
            "`",
            "é",
            "\r",
            "\n",
            " ",
            "<!-- thematic: excerpts ",
            "zz (",
            ")",
            "[x](",
            "[a.txt:1]:",
            "family/",
            "/",
            "## family//x",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}\n{c}{a}\n{b}{c}");
                    let f = parse(&text, "c.md");
                    let _ = set_markers(&text, &[(1, None, "m".into()), (2, Some(3), "n".into())]);
                    let _ = append(&text, "## a\n");
                    assert!(f.sections.iter().all(|s| is_code_path(&s.path)));
                }
            }
        }
    }

    #[test]
    fn status_follows_the_marker() {
        let f = parse(
            "## family\n<!-- thematic: excerpts abc (1) -->\nA summary.\n",
            "c.md",
        );
        assert_eq!(f.sections[0].status("abc"), Status::Written);
        assert_eq!(f.sections[0].status("abd"), Status::Stale);
        let f = parse("## family\nA summary without a marker.\n", "c.md");
        assert_eq!(f.sections[0].status("abc"), Status::Stale);
    }

    #[test]
    fn hash_ignores_order() {
        assert_eq!(
            cell_hash(["a.txt:1", "a.txt:3"]),
            cell_hash(["a.txt:3", "a.txt:1"])
        );
        assert_ne!(cell_hash(["a.txt:1"]), cell_hash(["a.txt:1", "a.txt:3"]));
        assert_eq!(cell_hash(["a.txt:1"]).len(), 12);
    }

    #[test]
    fn a_new_section_parses_back_empty_with_its_marker() {
        let text = new_section(
            "family/search",
            "0123456789ab",
            &[Listed {
                id: "transcripts/r01.txt:7",
                words: "My mother -- she went…",
            }],
            1,
            "respondent=R01",
        );
        assert_eq!(
            text,
            "## family/search\n<!-- thematic: excerpts 0123456789ab (1); `thematic chart check --accept` updates this line -->\n<!-- to summarise (this comment can go):\n[transcripts/r01.txt:7] My mother — she went…\n-->\n\n"
        );
        let f = parse(&text, "c.md");
        assert!(f.problems.is_empty());
        assert_eq!(f.sections[0].summary, "");
        assert!(f.sections[0].cites.is_empty());
        assert_eq!(f.sections[0].marker.as_ref().unwrap().count, 1);
    }

    #[test]
    fn markers_replaced_or_inserted_and_nothing_else_touched() {
        let text = "# R01\r\n## family\r\n<!-- thematic: excerpts aaa (1) -->\r\nText.\r\n## return\nMore.";
        let out = set_markers(text, &[(2, Some(3), "M1".into()), (5, None, "M2".into())]);
        assert_eq!(
            out,
            "# R01\r\n## family\r\nM1\r\nText.\r\n## return\nM2\nMore."
        );
    }

    #[test]
    fn appending_keeps_the_text_and_leaves_a_blank_line() {
        assert_eq!(append("# R01", "## a\n"), "# R01\n\n## a\n");
        assert_eq!(append("# R01\n", "## a\n"), "# R01\n\n## a\n");
        assert_eq!(append("x\r\n\r\n", "## a\n"), "x\r\n\r\n## a\r\n");
        assert_eq!(append("x\r\ny", "## a\nb\n"), "x\r\ny\r\n\r\n## a\r\nb\r\n");
        assert_eq!(append("", "## a\n"), "## a\n");
    }

    #[test]
    fn cited_ids_in_the_order_cited_once_each() {
        let file = |case: Case, text: &str| check::Loaded {
            shown: case.rel(),
            case,
            members: vec![0],
            file: parse(text, "x.md"),
        };
        let files = vec![
            file(
                Case::Respondent("R01".into()),
                "## family/search\n[b.txt:9] [a.txt:1]\n## family\n[c.txt:1] [a.txt:1]\n## familyx\n[d.txt:1]\n",
            ),
            file(
                Case::Group {
                    attr: "role".into(),
                    value: "x".into(),
                },
                "## family\n[e.txt:1]\n",
            ),
        ];
        assert_eq!(
            cited(&files, &["family"]),
            ["b.txt:9", "a.txt:1", "c.txt:1"]
        );
        assert_eq!(cited(&files, &["family/search"]), ["b.txt:9", "a.txt:1"]);
    }

    #[test]
    fn cases_from_paths() {
        assert_eq!(Case::of_rel("R01.md"), Some(Case::Respondent("R01".into())));
        assert_eq!(
            Case::of_rel("by-profile/provider.md"),
            Some(Case::Group {
                attr: "profile".into(),
                value: "provider".into()
            })
        );
        assert_eq!(Case::of_rel("notes/x.md"), None);
        assert_eq!(Case::of_rel("R01.txt"), None);
        assert_eq!(
            Case::Group {
                attr: "a".into(),
                value: "b".into()
            }
            .rel(),
            "by-a/b.md"
        );
    }
}
