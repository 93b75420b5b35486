//! Human coding sheets in `codings/`: wide sheets (one row per excerpt, one
//! column per code, any non-blank mark applies it) and long sheets
//! (`excerpt,code[,note]`). The coder is the file name unless a `coder`
//! column says otherwise. Codings are placed on excerpts by id, or
//! re-anchored by the text hash when the transcript was edited; a coding
//! that cannot be placed is a warning naming the sheet row.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::codebook::{Codebook, Named};
use crate::error::{Error, Location, Result};
use crate::ingest::sheet::{self, Table};

/// The folder of coding sheets inside a study.
pub const DIR: &str = "codings";

/// Columns of a wide sheet that are not codes.
const WIDE_INFO: &[&str] = &[
    "id",
    "excerpt",
    "respondent",
    "question",
    "text",
    "hash",
    "coder",
    "note",
    "path",
    "line",
    "speaker",
];

/// The short text hash written on sheets and used to re-anchor codings.
pub fn text_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex()[..12].to_string()
}

/// A question as rows and excerpts are compared by it: a hash of its words
/// (spaces between them as a spreadsheet may change them do not count).
/// FNV-1a: cheap for the many excerpts placed, and questions are only ever
/// compared among the excerpts of one transcript that have one text.
pub fn question_key(question: &str) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (n, word) in question.split_whitespace().enumerate() {
        for &b in (if n > 0 { " " } else { "" })
            .as_bytes()
            .iter()
            .chain(word.as_bytes())
        {
            h = (h ^ u64::from(b)).wrapping_mul(PRIME);
        }
    }
    h
}

/// How a sheet row says what its coder read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cover {
    /// Exactly the row's excerpt (wide sheets; long sheets that list what
    /// was read with rows whose `code` is empty).
    Excerpt,
    /// Every excerpt of the row's transcript (other long sheets).
    Transcript,
}

/// A row of a sheet that names an excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// Coder name.
    pub coder: String,
    /// Excerpt id as written on the sheet.
    pub excerpt: String,
    /// The text hash from the sheet, when it has one (as written).
    pub hash: Option<String>,
    /// The respondent from the sheet's `respondent` column, when given.
    pub respondent: Option<String>,
    /// The interviewer's question before the excerpt, from the sheet's
    /// `question` column ([`question_key`]; an empty cell is the empty
    /// question), when the sheet has one.
    pub question: Option<u64>,
    /// Sheet (relative path).
    pub sheet: String,
    /// 1-based line (CSV) or row (.xlsx/.ods: the spreadsheet's own row
    /// number) of the row.
    pub row: usize,
    /// What the row covers.
    pub cover: Cover,
    /// The codes its sheet considered: an index into the coder's
    /// [`Codings::scopes`].
    pub scope: usize,
}

/// One mark: a coder put the excerpt of a sheet row at a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    /// Index of the row in [`Codings::rows`].
    pub row: usize,
    /// The code's node index.
    pub code: usize,
}

/// The codes a sheet considered: what "not marked" means on the excerpts
/// it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeScope {
    /// Every code of the codebook (long sheets).
    All,
    /// The code columns of a wide sheet (node indexes).
    Columns(BTreeSet<usize>),
}

/// Every sheet of a study, parsed and checked against the codebook.
#[derive(Debug, Clone, Default)]
pub struct Codings {
    /// The rows that name excerpts.
    pub rows: Vec<SheetRow>,
    /// The marks.
    pub codings: Vec<Coding>,
    /// Per coder, the distinct scopes of their sheets, in the order the
    /// sheets are read: a coder whose sheets had different code columns
    /// (coding in rounds, a code added for the second) is judged on each
    /// excerpt by the columns of the sheets that cover it.
    pub scopes: BTreeMap<String, Vec<CodeScope>>,
    /// blake3 over every sheet's name and bytes (empty when there are none).
    pub hash: String,
    /// Names the sheets give codes that the codebook has since renamed
    /// (`formerly`): one line per sheet and name, saying what it now is.
    pub notes: Vec<String>,
    /// Code names the sheets give that the codebook does not have (while
    /// reading: they are errors).
    unknown: Vec<String>,
}

impl Codings {
    /// The codings without the rows of respondents in `withdrawn` (by the
    /// sheet's `respondent` column): a withdrawn respondent's excerpts are
    /// not in the index, and their rows are dropped rather than reported
    /// as codings that can no longer be placed.
    pub fn without_respondents(&self, withdrawn: &BTreeSet<String>) -> Option<Codings> {
        let gone = |r: &SheetRow| r.respondent.as_ref().is_some_and(|x| withdrawn.contains(x));
        if !self.rows.iter().any(gone) {
            return None;
        }
        let mut at = vec![None; self.rows.len()];
        let mut rows = Vec::new();
        for (i, r) in self.rows.iter().enumerate() {
            if !gone(r) {
                at[i] = Some(rows.len());
                rows.push(r.clone());
            }
        }
        Some(Codings {
            rows,
            codings: self
                .codings
                .iter()
                .filter_map(|c| {
                    at.get(c.row)
                        .copied()
                        .flatten()
                        .map(|row| Coding { row, code: c.code })
                })
                .collect(),
            ..self.clone()
        })
    }
}

/// Reads every `codings/*.csv`, `codings/*.xlsx` and `codings/*.ods`.
pub fn load(root: &Path, cb: &Codebook) -> Result<Codings> {
    let mut out = Codings::default();
    let mut problems: Vec<Error> = Vec::new();
    let files = sheet_files(root)?;
    let mut hasher = blake3::Hasher::new();
    for path in &files {
        let bytes =
            crate::input::read_user_file(path, &path.display().to_string(), crate::input::SHEET)?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("sheet.csv");
        hasher.update(name.as_bytes());
        hasher.update(&bytes);
        let shown = format!("{DIR}/{name}");
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s).to_string();
        // Every sheet's problems are told in one run, sheet by sheet.
        if let Err(e) =
            read_table(&bytes, &shown).and_then(|t| read_rows(&t, &shown, &stem, cb, &mut out))
        {
            problems.extend(match e {
                Error::Several { errors, .. } => errors,
                e => vec![e],
            });
        }
    }
    if !problems.is_empty() {
        if let Some(e) = other_codebook(root, cb, &out.unknown) {
            problems.push(e);
        }
        return Err(Error::several(problems, DIR));
    }
    if !files.is_empty() {
        out.hash = hasher.finalize().to_hex().to_string();
    }
    Ok(out)
}

/// The sheet files of a study (`codings/*.csv|xlsx|ods`), sorted.
pub fn sheet_files(root: &Path) -> Result<Vec<std::path::PathBuf>> {
    let dir = root.join(DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io(&dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| has_ext(p, "csv") || has_ext(p, "xlsx") || has_ext(p, "ods"))
        .collect();
    files.sort();
    Ok(files)
}

fn has_ext(p: &Path, ext: &str) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// A sheet's header and rows, each with its line (CSV) or row number (the
/// first worksheet of an .xlsx or .ods workbook, numbered as the
/// spreadsheet numbers it).
pub fn read_table(bytes: &[u8], shown: &str) -> Result<Table> {
    if sheet::is_spreadsheet(shown) {
        sheet::read(bytes, shown)
    } else {
        let text = crate::text::decode::decode(bytes, shown)?.text;
        let (header, rows) = crate::ingest::respondents::read_csv(&text, shown)?;
        Ok(Table {
            header_row: 1,
            header,
            rows,
        })
    }
}

/// Reads a CSV coding sheet.
#[cfg(test)]
fn read_sheet(text: &str, shown: &str, stem: &str, cb: &Codebook, out: &mut Codings) -> Result<()> {
    let table = read_table(text.as_bytes(), shown)?;
    read_rows(&table, shown, stem, cb, out)
}

/// Reads a sheet's rows (with their line or row numbers) under its header.
fn read_rows(
    table: &Table,
    shown: &str,
    stem: &str,
    cb: &Codebook,
    out: &mut Codings,
) -> Result<()> {
    let (header, rows, header_row) = (&table.header, &table.rows, table.header_row);
    // A column named twice (two `code` columns of a long sheet, a code's
    // column pasted twice) would be read once, its twin's marks lost.
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for (i, h) in header.iter().enumerate() {
        let key = h.trim().to_lowercase();
        if key.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(key, i) {
            return Err(Error::at(
                Location::at(shown, header_row, i + 1),
                format!(
                    "column `{}` appears twice in {shown} (columns {} and {}): the marks of one would be lost",
                    h.trim(),
                    first + 1,
                    i + 1
                ),
            )
            .with_hint("merge the two columns into one, or rename one of them"));
        }
    }
    let col = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    if let (Some(e), Some(i)) = (col("excerpt"), col("id")) {
        return Err(Error::at(
            Location::at(shown, header_row, e.max(i) + 1),
            format!(
                "the sheet has both an `id` column (column {}) and an `excerpt` column (column \
                 {}): which names the excerpt cannot be told",
                i + 1,
                e + 1
            ),
        )
        .with_hint("keep one of them (both mean the excerpt's id)"));
    }
    let excerpt_col = col("excerpt").or_else(|| col("id")).ok_or_else(|| {
        Error::at(Location::line(shown, header_row), "a coding sheet needs an `excerpt` (or `id`) column")
            .with_hint("write a wide sheet with `thematic sheet --coder NAME`, or a long one with columns `excerpt,code[,note]`")
    })?;
    let coder_col = col("coder");
    let hash_col = col("hash");
    let resp_col = col("respondent");
    let question_col = col("question");
    let long = col("code");
    // Wide sheets: every other column must be a code.
    let code_cols = match long {
        None => wide_columns(header, header_row, shown, cb, out)?,
        Some(_) => Vec::new(),
    };
    // A long sheet with rows whose code is empty lists what its coder read:
    // it covers exactly the excerpts it names, not whole transcripts.
    let cover = long.map_or(Cover::Excerpt, |c| long_cover(rows, c));
    // The codes the sheet considered.
    let sheet_scope = match long {
        Some(_) => CodeScope::All,
        None => CodeScope::Columns(code_cols.iter().map(|&(_, node)| node).collect()),
    };
    // Earlier code names already noted for this sheet.
    let mut noted: BTreeSet<String> = BTreeSet::new();
    // Every bad row of the sheet is told in one run.
    let mut problems: Vec<Error> = Vec::new();
    let mut unknown: std::collections::HashMap<String, Vec<usize>> = Default::default();
    let mut unknown_at: Vec<(String, usize)> = Vec::new();
    for (row, rec) in rows {
        let row = *row;
        let get = |i: usize| rec.get(i).map(String::as_str);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // `thematic sheet` wrote a cell that starts like a formula with a
        // leading apostrophe (see `render::safe`); the id is what follows.
        let excerpt =
            crate::render::safe::csv_unguard(get(excerpt_col).unwrap_or("").trim()).to_string();
        if excerpt.is_empty() {
            problems.push(
                Error::at(
                    Location::at(shown, row, excerpt_col + 1),
                    "row has no excerpt id",
                )
                .with_hint(
                    "fill in the excerpt id (as `thematic sheet` writes it) or delete the row",
                ),
            );
            continue;
        }
        let cell = |c: Option<usize>| {
            c.and_then(get)
                .map(str::trim)
                .map(crate::render::safe::csv_unguard)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let coder = cell(coder_col).unwrap_or_else(|| stem.to_string());
        let scopes = out.scopes.entry(coder.clone()).or_default();
        let scope = match scopes.iter().position(|s| *s == sheet_scope) {
            Some(i) => i,
            None => {
                scopes.push(sheet_scope.clone());
                scopes.len() - 1
            }
        };
        let at = out.rows.len();
        out.rows.push(SheetRow {
            coder,
            excerpt,
            hash: cell(hash_col),
            respondent: cell(resp_col),
            question: question_col.map(|c| {
                question_key(crate::render::safe::csv_unguard(
                    get(c).unwrap_or("").trim(),
                ))
            }),
            sheet: shown.to_string(),
            row,
            cover,
            scope,
        });
        match long {
            Some(code_col) => {
                let code_name = get(code_col).unwrap_or("").trim();
                if code_name.is_empty() {
                    continue;
                }
                let place = Location::at(shown, row, code_col + 1);
                // An unknown code is told once, at its first row, with how
                // many rows name it (a sheet written for another codebook
                // names one on hundreds of rows).
                if let Some(rows) = unknown.get_mut(code_name) {
                    rows.push(row);
                    continue;
                }
                let named = match resolve_code(cb, code_name, place, "code") {
                    Ok(named) => named,
                    Err(e) => {
                        out.unknown.push(code_name.to_string());
                        unknown.insert(code_name.to_string(), vec![row]);
                        unknown_at.push((code_name.to_string(), problems.len()));
                        problems.push(e);
                        continue;
                    }
                };
                let code = match named {
                    Named::Now(code) => code,
                    Named::Formerly(code) => {
                        if noted.insert(code_name.to_string()) {
                            out.notes.push(format!(
                                "{shown}: code `{code_name}` is now `{}` (formerly)",
                                cb.nodes[code].path
                            ));
                        }
                        code
                    }
                };
                out.codings.push(Coding { row: at, code });
            }
            None => {
                for &(c, node) in &code_cols {
                    if !get(c).unwrap_or("").trim().is_empty() {
                        out.codings.push(Coding {
                            row: at,
                            code: node,
                        });
                    }
                }
            }
        }
    }
    for (name, at) in unknown_at {
        let rows = &unknown[&name];
        if rows.len() > 1 {
            problems[at] = on_rows(std::mem::replace(&mut problems[at], Error::input("")), rows);
        }
    }
    if !problems.is_empty() {
        return Err(Error::several(problems, shown));
    }
    Ok(())
}

/// When the sheets' unknown code names are all codes of another codebook
/// beside the study's (one `thematic import` wrote, say): that the sheets
/// were written for it, and how to use it.
fn other_codebook(root: &Path, cb: &Codebook, unknown: &[String]) -> Option<Error> {
    if unknown.is_empty() {
        return None;
    }
    let ours = root.join(&cb.shown);
    let dir = ours.parent()?;
    let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p != &ours
                && p.extension().is_some_and(|x| {
                    x.eq_ignore_ascii_case("yaml") || x.eq_ignore_ascii_case("yml")
                })
        })
        .collect();
    names.sort();
    names.into_iter().find_map(|path| {
        let shown = crate::study::rel_string(path.strip_prefix(root).unwrap_or(&path));
        let other = Codebook::load(&path, &shown).ok()?;
        let all = unknown
            .iter()
            .all(|n| matches!(other.resolve_former(n), Ok(Some(_))));
        all.then(|| {
            Error::input(format!(
                "every code the sheets name that {} lacks is a code of {shown}: the sheets were written for that codebook",
                cb.shown
            ))
            .with_hint(format!(
                "point `codebook:` in thematic.yaml at {shown} (`codebook: {shown}`), or rename the codes in the sheets"
            ))
        })
    })
}

/// `e` (about a code named on the sheet rows `rows`) saying on how many.
fn on_rows(e: Error, rows: &[usize]) -> Error {
    let Error::Input {
        message,
        location,
        hint,
    } = e
    else {
        return e;
    };
    let listed: Vec<String> = rows.iter().take(5).map(usize::to_string).collect();
    let more = if rows.len() > 5 { ", …" } else { "" };
    let message = format!(
        "{message} (on {} rows: {}{more})",
        rows.len(),
        listed.join(", ")
    );
    let e = match location {
        Some(at) => Error::at(at, message),
        None => Error::input(message),
    };
    match hint {
        Some(h) => e.with_hint(h),
        None => e,
    }
}

/// What a long sheet with its code in column `code` covers: the excerpts
/// it names when a row has an empty code (the sheet lists what its coder
/// read), else whole transcripts.
fn long_cover(rows: &[(usize, Vec<String>)], code: usize) -> Cover {
    let blank_code = rows.iter().any(|(_, rec)| {
        !rec.iter().all(|v| v.trim().is_empty())
            && rec.get(code).is_none_or(|v| v.trim().is_empty())
    });
    if blank_code {
        Cover::Excerpt
    } else {
        Cover::Transcript
    }
}

/// The code columns of a wide sheet: (column, node) for every column that
/// is not one of [`WIDE_INFO`]; a column under an earlier name (`formerly`)
/// counts for the code, with a note.
fn wide_columns(
    header: &[String],
    header_row: usize,
    shown: &str,
    cb: &Codebook,
    out: &mut Codings,
) -> Result<Vec<(usize, usize)>> {
    let mut code_cols = Vec::new();
    // Every unknown column is told in one run, not the first alone.
    let mut unknown: Vec<Error> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if WIDE_INFO.iter().any(|w| w.eq_ignore_ascii_case(h)) {
            continue;
        }
        let place = Location::at(shown, header_row, i + 1);
        let named = match resolve_code(cb, h, place.clone(), "column") {
            Ok(named) => named,
            Err(e) => {
                out.unknown.push(h.trim().to_string());
                unknown.push(e);
                continue;
            }
        };
        let node = match named {
            Named::Now(node) => node,
            Named::Formerly(node) => {
                out.notes.push(format!(
                    "{shown}: column `{h}` is now `{}` (formerly)",
                    cb.nodes[node].path
                ));
                node
            }
        };
        if cb.nodes[node].depth == 0 {
            return Err(Error::at(
                place,
                format!("column `{h}` is a theme; code excerpts at its codes"),
            )
            .with_hint("use the codes' paths as columns"));
        }
        // Two columns for one code (its path and a suffix, or an earlier
        // id) would have their marks merged in silence.
        if let Some(&(j, _)) = code_cols
            .iter()
            .find(|&&(_, n): &&(usize, usize)| n == node)
        {
            return Err(Error::at(
                place,
                format!(
                    "columns `{}` (column {}) and `{h}` (column {}) are both code `{}`: their \
                     marks would be merged",
                    header[j].trim(),
                    j + 1,
                    i + 1,
                    cb.nodes[node].path
                ),
            )
            .with_hint("keep one column per code (merge the marks into it), or fix the header"));
        }
        code_cols.push((i, node));
    }
    if !unknown.is_empty() {
        return Err(Error::several(unknown, shown));
    }
    Ok(code_cols)
}

/// A sheet's name for a code (`what`: a `column` header or a `code` cell at
/// `place`): its node now, or by an earlier name.
fn resolve_code(cb: &Codebook, name: &str, place: Location, what: &str) -> Result<Named> {
    cb.resolve_former(name)
        .map_err(|e| at_cell(e, place.clone()))?
        .ok_or_else(|| {
            let hint = match cb.unknown(name) {
                // An empty codebook is the cause, not the sheet.
                _ if cb.nodes.is_empty() => format!(
                    "the codebook ({}) has no themes: write them first, or check that `codebook:` in thematic.yaml names the right file",
                    cb.shown
                ),
                Error::Input { hint: Some(h), .. } => h,
                _ => String::new(),
            };
            let (message, hint) = if what == "column" {
                (
                    format!("column `{name}` is not a code of the codebook"),
                    format!("{hint} (code columns are code paths, e.g. `theme/code`)"),
                )
            } else {
                (format!("unknown code `{name}`"), hint)
            };
            Error::at(place, message).with_hint(hint)
        })
}

/// A codebook error about a sheet's name for a code, placed at its cell.
fn at_cell(e: Error, at: Location) -> Error {
    match e {
        Error::Input { message, hint, .. } => {
            let e = Error::at(at, message);
            match hint {
                Some(h) => e.with_hint(h),
                None => e,
            }
        }
        other => other,
    }
}

/// The hash as `thematic sheet` writes it: a letter, then the text hash,
/// so that no spreadsheet program reads it as a number or a date.
pub fn sheet_hash(text: &str) -> String {
    sheet_hash_of(&text_hash(text))
}

/// A text hash ([`text_hash`]) as `thematic sheet` writes it.
pub(crate) fn sheet_hash_of(hex: &str) -> String {
    format!("h{hex}")
}

mod place;

pub use place::{place, rows_on_changed_text, tell_moves, Fix, Move, Placed, Target};
