//! Turning tables into bytes: `table` for people (comfy-table), `markdown`
//! for reports, `csv` and `json` for scripts. Commands build a [`Table`] (or
//! a serde value for JSON) and hand it here; nothing here knows the index.

pub mod xlsx;

pub mod codebook;
pub mod safe;
use std::io::{IsTerminal, Write};

use comfy_table::{presets, CellAlignment, ColumnConstraint, ContentArrangement, Width};
use unicode_width::UnicodeWidthStr;

use crate::error::{Error, Result};

/// How a table is laid out: for people (text), for reports (Markdown) or
/// for scripts (CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A text table for the terminal.
    Text,
    /// A GitHub-flavoured Markdown table.
    Markdown,
    /// CSV with a header row.
    Csv,
}

/// A rectangular table with a header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells, each as long as the header.
    pub rows: Vec<Vec<String>>,
    /// Columns to right-align in tables (numbers).
    pub right: Vec<bool>,
    /// What to suggest when the text table is too wide (see [`Table::when_wide`]).
    pub wide_advice: Option<String>,
}

impl Table {
    /// A table with these column names.
    pub fn new(header: Vec<String>) -> Table {
        let n = header.len();
        Table {
            header,
            rows: Vec::new(),
            right: vec![false; n],
            wide_advice: None,
        }
    }

    /// Right-aligns columns from `from` onwards.
    pub fn right_from(mut self, from: usize) -> Table {
        for (i, r) in self.right.iter_mut().enumerate() {
            *r = i >= from;
        }
        self
    }

    /// The table as `layout` asks: CSV, Markdown, or text for `width`
    /// columns under `caption` (a line of its own, when not empty). JSON is
    /// built from serde values by the caller, not from a table.
    pub fn in_format(&self, layout: Layout, caption: &str, width: u16) -> Result<String> {
        Ok(match layout {
            Layout::Csv => self.to_csv()?,
            Layout::Markdown => self.to_markdown(),
            Layout::Text if caption.is_empty() => self.to_text(width),
            Layout::Text => format!("{caption}\n{}", self.to_text(width)),
        })
    }

    /// CSV with a header row, `\n` line ends. A cell a spreadsheet would
    /// take for a formula is written as text ([`safe::csv_cell`]).
    pub fn to_csv(&self) -> Result<String> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let cells: Vec<_> = row.iter().map(|c| safe::csv_cell(c)).collect();
            w.write_record(cells.iter().map(|c| c.as_bytes()))
                .map_err(|e| Error::failure(e.to_string()))?;
        }
        let bytes = w.into_inner().map_err(|e| Error::failure(e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| Error::failure(e.to_string()))
    }

    /// A GitHub-flavoured Markdown table (without control characters); a
    /// cell's text shows literally (see [`safe::markdown_cell`]).
    pub fn to_markdown(&self) -> String {
        let esc = |s: &str| safe::markdown_cell(s);
        let mut out = String::new();
        out.push_str(&format!(
            "| {} |\n",
            self.header
                .iter()
                .map(|h| esc(h))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
        out.push_str(&format!(
            "|{}|\n",
            self.right
                .iter()
                .map(|&r| if r { "---:" } else { "---" })
                .collect::<Vec<_>>()
                .join("|")
        ));
        for row in &self.rows {
            out.push_str(&format!(
                "| {} |\n",
                row.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")
            ));
        }
        out
    }

    /// What the hint suggests when the text table is wider than the width
    /// (default `--format csv`), e.g. `--by ATTR, --transpose or --format csv`.
    pub fn when_wide(mut self, advice: impl Into<String>) -> Table {
        self.wide_advice = Some(advice.into());
        self
    }

    /// A boxed table for the terminal, laid out for `width` columns (see
    /// [`Table::layout`], with a line end).
    pub fn to_text(&self, width: u16) -> String {
        self.layout(width)
    }

    /// What to tell when `text`, this table laid out, is still wider than
    /// `width`: how to narrow it (see [`Table::when_wide`]).
    pub fn wide_hint(&self, text: &str, width: u16) -> Option<String> {
        let widest = text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
        (widest > usize::from(width)).then(|| {
            let advice = self.wide_advice.as_deref().unwrap_or("--format csv");
            format!(
                "the table is {widest} columns wide, more than the {width} available; try {advice}"
            )
        })
    }

    /// The boxed table laid out for `width` columns. Cells wrap at spaces
    /// only: a word (an excerpt id such as `transcripts/r07.txt:12`, a code
    /// path such as `theme/code`, a header) is never broken, so each column
    /// is at least as wide as its longest word, and a table whose words do
    /// not fit is wider than `width`.
    pub fn layout(&self, width: u16) -> String {
        let mut t = comfy_table::Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED);
        t.set_content_arrangement(ContentArrangement::Dynamic);
        t.force_no_tty();
        t.set_width(width);
        let n = self.header.len();
        let cells = |c: usize| {
            std::iter::once(&self.header[c]).chain(self.rows.iter().filter_map(move |r| r.get(c)))
        };
        // The longest word of each column, header included: its narrowest
        // width without breaking a word.
        let floor: Vec<usize> = (0..n)
            .map(|c| {
                cells(c)
                    .flat_map(|v| v.lines().flat_map(|l| l.split(' ')))
                    .map(UnicodeWidthStr::width)
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        // Too many columns to wrap readably: keep the table wide (page it
        // with `less -S`) rather than cutting every cell to a few letters.
        // What each column needs to stay legible: its widest cell (headers
        // may wrap), up to 24 characters, and never less than its longest
        // word.
        let needed: usize = (0..n)
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r.get(c).map_or(0, |v| UnicodeWidthStr::width(v.as_str())))
                    .max()
                    .unwrap_or(0)
                    .clamp(4, 24)
                    .max(floor[c])
                    + 3
            })
            .sum::<usize>()
            + 1;
        if needed > width as usize {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
        // Cells are other people's text: no escape sequence reaches the
        // terminal.
        let clean = |row: &Vec<String>| -> Vec<String> {
            row.iter().map(|c| safe::terminal(c).into_owned()).collect()
        };
        t.set_header(clean(&self.header));
        for row in &self.rows {
            t.add_row(clean(row));
        }
        for (i, col) in t.column_iter_mut().enumerate() {
            // Lower boundaries count the padding (one space either side).
            let least = u16::try_from(floor.get(i).copied().unwrap_or(0) + 2).unwrap_or(u16::MAX);
            col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(least)));
            if self.right.get(i).copied().unwrap_or(false) {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        let mut s = t.to_string();
        s.push('\n');
        s
    }
}

/// How output is shown on the terminal: measured once by the binary (from
/// `$COLUMNS`, `$NO_COLOR` and whether stdout is a terminal) and handed
/// down; nothing below reads the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    /// The columns tables are laid out for.
    pub width: u16,
    /// Whether colour may be used on stdout.
    pub colour: bool,
}

impl Default for Terminal {
    /// 100 columns without colour: output that is not for a terminal.
    fn default() -> Terminal {
        Terminal {
            width: 100,
            colour: false,
        }
    }
}

impl Terminal {
    /// The terminal as the environment describes it: `columns` (`$COLUMNS`,
    /// taken when it is a number of at least 20), else the width of the
    /// terminal stdout is, else 100; colour when stdout is a terminal and
    /// `no_color` (`$NO_COLOR`) is unset.
    pub fn from_env(columns: Option<&str>, no_color: bool) -> Terminal {
        let is_terminal = std::io::stdout().is_terminal();
        let width = columns
            .and_then(|c| c.parse::<u16>().ok())
            .filter(|&w| w >= 20)
            .or_else(|| {
                is_terminal
                    .then(|| comfy_table::Table::new().width())
                    .flatten()
            })
            .unwrap_or(100);
        Terminal {
            width,
            colour: is_terminal && !no_color,
        }
    }
}

/// Writes to stdout; a closed pipe is a quiet success.
pub fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Error::BrokenPipe,
            _ => Error::failure(format!("cannot write to standard output: {e}")),
        })
}

/// Pretty JSON with a trailing newline.
pub fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(value).map_err(|e| Error::failure(e.to_string()))?;
    s.push('\n');
    Ok(s)
}

/// `n` and the noun that goes with it: `1 warning`, `3 warnings`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `n/N (p%)`, the report's way of giving a share of respondents.
pub fn share(n: u32, total: u32) -> String {
    if total == 0 {
        return format!("{n}/{total}");
    }
    format!("{n}/{total} ({}%)", percent(n, total))
}

/// Rounded percentage (half away from zero).
pub fn percent(n: u32, total: u32) -> u32 {
    if total == 0 {
        return 0;
    }
    ((n as u64 * 200 + total as u64) / (total as u64 * 2)) as u32
}

/// Percentage to one decimal place, `p.p%`, rounded half up from the exact
/// ratio `n/total` (never from an already rounded share).
pub fn percent_tenths(n: u32, total: u32) -> String {
    if total == 0 {
        return "0.0%".into();
    }
    let tenths = (n as u64 * 2000 + total as u64) / (total as u64 * 2);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// Cuts text to `width` characters with an ellipsis.
pub fn cut(text: &str, width: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= width {
        return text;
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// Writes bytes to a new file, readable and writable by its owner only
/// (0600); never overwrites. `-` is stdout.
///
/// The bytes go to a temporary file beside the target first, which is then
/// linked to the target's name only when complete: a full disk or a killed
/// run never leaves a truncated file under the name asked for. The link
/// fails when the name exists, so a file created meanwhile is not replaced
/// either.
pub fn write_new_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(|e| Error::io(std::path::Path::new("stdout"), e));
    }
    write_new_with(path, |f| f.write_all(bytes))
}

fn exists_error(path: &std::path::Path) -> Error {
    Error::at(
        crate::error::Location::file(path.display().to_string()),
        "the file already exists; thematic never overwrites it",
    )
    .with_hint("choose another --output, or move the old file away")
}

/// [`write_new_file`] with the writing done by `write`.
fn write_new_with(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(exists_error(path));
    }
    let Some(name) = path.file_name() else {
        return Err(Error::at(
            crate::error::Location::file(path.display().to_string()),
            "not a file name",
        )
        .with_hint("give --output a file name, or `-` for stdout"));
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let tmp = dir.join(format!(
        ".{}.thematic-tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    // Outputs carry participants' words: readable by the owner only, like
    // everything in `.thematic/`, whatever the umask.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&tmp).map_err(|e| Error::io(path, e))?;
    let written = write(&mut f).and_then(|()| f.sync_all());
    drop(f);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    // A hard link never replaces an existing file (a rename would).
    let linked = match std::fs::hard_link(&tmp, path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists_error(path)),
        // File systems without hard links (some network and FAT drives):
        // a rename after a last check; only a file created in between
        // could be replaced.
        Err(_) if std::fs::symlink_metadata(path).is_err() => {
            return std::fs::rename(&tmp, path).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                Error::io(path, e)
            });
        }
        Err(e) => Err(Error::io(path, e)),
        Ok(()) => Ok(()),
    };
    let _ = std::fs::remove_file(&tmp);
    linked
}

/// Replaces a user's file atomically: written beside the file, then
/// renamed onto it, so that an interrupted write leaves the original. A
/// symlink is followed (the link stays a link and its target gets the new
/// text) and the file keeps its permissions.
pub fn replace_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    replace_file_if(path, bytes, || Ok(()))
}

/// [`replace_file`], with `still` asked last, once the new text is written
/// beside the file and just before it is renamed onto it: an error from it
/// leaves the file as it is (so that a save made meanwhile by someone else
/// is not lost, the window left being that of one rename).
pub fn replace_file_if(
    path: &std::path::Path,
    bytes: &[u8],
    still: impl FnOnce() -> Result<()>,
) -> Result<()> {
    use std::io::Write;
    let target = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
    let permissions = std::fs::metadata(&target)
        .map_err(|e| Error::io(&target, e))?
        .permissions();
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return Err(Error::failure(format!("cannot write {}", target.display())));
    };
    let tmp = dir.join(format!(
        ".{}.thematic-tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        // The permissions first, so that the text of a private file is
        // never readable by others, not even for a moment.
        std::fs::set_permissions(&tmp, permissions)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&target, e));
    }
    if let Err(e) = still() {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, &target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(&target, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_like_reports() {
        assert_eq!(share(8, 30), "8/30 (27%)");
        assert_eq!(share(1, 8), "1/8 (13%)");
        assert_eq!(share(0, 0), "0/0");
    }

    #[test]
    fn tenths_of_a_percent_round_half_up_from_the_exact_ratio() {
        // 3/260 = 1.1538…%: rounding the share to four places first gives 1.15,
        // then 1.1; the exact ratio gives 1.2.
        assert_eq!(percent_tenths(3, 260), "1.2%");
        // 1/16 = 6.25% exactly: half up.
        assert_eq!(percent_tenths(1, 16), "6.3%");
        assert_eq!(percent_tenths(1, 2000), "0.1%");
        assert_eq!(percent_tenths(1, 2001), "0.0%");
        assert_eq!(percent_tenths(7, 7), "100.0%");
        assert_eq!(percent_tenths(0, 0), "0.0%");
        assert_eq!(percent_tenths(u32::MAX, u32::MAX), "100.0%");
    }

    #[test]
    fn csv_and_markdown() {
        let mut t = Table::new(vec!["code".into(), "n".into()]).right_from(1);
        t.rows.push(vec!["a,b".into(), "1".into()]);
        assert_eq!(t.to_csv().unwrap(), "code,n\n\"a,b\",1\n");
        assert_eq!(t.to_markdown(), "| code | n |\n|---|---:|\n| a,b | 1 |\n");
    }

    #[test]
    fn layout_wraps_prose_at_spaces_and_never_breaks_a_word() {
        let mut t = Table::new(vec!["excerpt".into(), "code".into(), "text".into()]);
        t.rows.push(vec![
            "transcripts/r07.txt:12".into(),
            "family_role/search_and_report".into(),
            "Mi mamá fue a la comisaría todos los días, y nadie nos ayudó.".into(),
        ]);
        assert_eq!(
            t.layout(86),
            "\
┌────────────────────────┬───────────────────────────────┬───────────────────────────┐
│ excerpt                ┆ code                          ┆ text                      │
╞════════════════════════╪═══════════════════════════════╪═══════════════════════════╡
│ transcripts/r07.txt:12 ┆ family_role/search_and_report ┆ Mi mamá fue a la          │
│                        ┆                               ┆ comisaría todos los días, │
│                        ┆                               ┆ y nadie nos ayudó.        │
└────────────────────────┴───────────────────────────────┴───────────────────────────┘
"
        );
        // Too narrow for its words: the table keeps every cell whole and
        // is wider than asked (the caller hints on stderr).
        let wide = t.layout(40);
        assert!(
            wide.contains("│ transcripts/r07.txt:12 ┆ family_role/search_and_report ┆ Mi mamá"),
            "{wide}"
        );
        assert_eq!(wide.lines().next().map(|l| l.chars().count()), Some(122));
    }

    #[test]
    fn a_new_file_appears_only_when_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("matrix.csv");
        let names = || {
            let mut n: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            n.sort();
            n
        };
        // A disk that fills up halfway: no file under the name, no leftover.
        let err = write_new_with(&path, |f| {
            f.write_all(b"code,R01\nfamily,")?;
            Err(std::io::Error::from_raw_os_error(28))
        })
        .unwrap_err();
        assert!(
            err.report().starts_with(&format!(
                "error: no space left on device ({})",
                path.display()
            )),
            "{}",
            err.report()
        );
        assert_eq!(names(), Vec::<String>::new());
        write_new_file(&path, b"code,R01\nfamily,2\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"code,R01\nfamily,2\n");
        assert_eq!(names(), ["matrix.csv"]);
        // Never overwritten.
        let err = write_new_file(&path, b"other").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(std::fs::read(&path).unwrap(), b"code,R01\nfamily,2\n");
        assert_eq!(names(), ["matrix.csv"]);
    }

    #[test]
    fn cut_adds_ellipsis() {
        assert_eq!(cut("abc  def", 10), "abc def");
        assert_eq!(cut("abcdefghijk", 5), "abcd…");
    }
}
