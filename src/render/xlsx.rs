//! Writing `.xlsx` workbooks through `rust_xlsxwriter`: one sheet, numbers
//! as numbers, a bold and frozen header row (and first column when asked),
//! column widths, wrapped text and list validation. Enough for matrices and
//! coding sheets. The same sheet always gives the same bytes: the document's
//! creation date is fixed (see [`CREATED`]) and the package's timestamps
//! are too. Reading spreadsheets is `ingest::sheet`'s job.

use rust_xlsxwriter::{
    DataValidation, DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, XlsxError,
};

use crate::error::{Error, Result};

/// The creation date written into every workbook (`docProps/core.xml`): a
/// fixed one, so that the same input gives the same bytes.
pub const CREATED: &str = "2000-01-01T00:00:00Z";

/// A cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
}

/// What to write.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The sheet's name (at most 31 characters; `[]:*?/\` are dropped).
    pub name: String,
    /// Rows; the first is the header.
    pub rows: Vec<Vec<Cell>>,
    /// Freeze the first column too.
    pub freeze_first_column: bool,
    /// Column widths (characters) by column index.
    pub widths: Vec<f64>,
    /// Columns whose text wraps.
    pub wrap: Vec<usize>,
    /// Columns (from, to; 0-based) offered a list of allowed marks.
    pub marks: Option<(usize, usize, Vec<String>)>,
}

/// A sheet name every spreadsheet program accepts.
fn sheet_name(name: &str) -> String {
    let name: String = name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    let name = name.trim_matches('\'');
    if name.trim().is_empty() {
        "Sheet1".to_string()
    } else {
        name.to_string()
    }
}

fn failed(e: XlsxError) -> Error {
    match e {
        XlsxError::MaxStringLengthExceeded => Error::input(
            "a cell's text is longer than the 32,767 characters a spreadsheet cell holds",
        )
        .with_hint("write it with --format csv instead"),
        XlsxError::RowColumnLimitError => Error::input(
            "the sheet has more rows or columns than a spreadsheet holds (1,048,576 × 16,384)",
        )
        .with_hint("narrow it with --where or --codes, or write it with --format csv"),
        other => Error::failure(format!("xlsx: {other}")),
    }
}

/// The most characters a spreadsheet cell holds.
const MAX_CELL: usize = 32_767;

/// The bytes of a one-sheet workbook.
pub fn write(sheet: &Sheet) -> Result<Vec<u8>> {
    if let Some(e) = too_long(sheet) {
        return Err(e);
    }
    build(sheet).map_err(failed)
}

/// The error for the first cell whose text a spreadsheet cannot hold,
/// naming its row (by the row's first cell: an excerpt id, a code) and
/// column.
fn too_long(sheet: &Sheet) -> Option<Error> {
    fn text(c: &Cell) -> Option<&str> {
        match c {
            Cell::Text(t) => Some(t.as_str()),
            Cell::Number(_) => None,
        }
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let Some(t) = text(cell).filter(|t| t.len() > MAX_CELL) else {
                continue;
            };
            let n = t.chars().count();
            if n <= MAX_CELL {
                continue;
            }
            let first = row.first().and_then(text).unwrap_or("");
            let column = sheet
                .rows
                .first()
                .and_then(|h| h.get(c))
                .and_then(text)
                .unwrap_or("");
            return Some(
                Error::input(format!(
                    "row {} (`{}`), column `{}`: its text is {n} characters, more than the \
                     32,767 a spreadsheet cell holds",
                    r + 1,
                    crate::input::quote_line(first, 80),
                    crate::input::quote_line(column, 40)
                ))
                .with_hint(
                    "write it with --format csv instead, or leave its respondent out (--where \
                     respondent!=ID); a paragraph that long may be a transcript without blank lines \
                     between its paragraphs",
                ),
            );
        }
    }
    None
}

fn index<T: TryFrom<usize>>(i: usize) -> std::result::Result<T, XlsxError> {
    T::try_from(i).map_err(|_| XlsxError::RowColumnLimitError)
}

fn build(sheet: &Sheet) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::parse_from_str(CREATED)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let ws = book.add_worksheet();
    ws.set_name(sheet_name(&sheet.name))?;
    ws.set_freeze_panes(1, u16::from(sheet.freeze_first_column))?;
    for (c, w) in sheet.widths.iter().enumerate() {
        ws.set_column_width(index(c)?, *w)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let at: u32 = index(r)?;
        for (c, cell) in row.iter().enumerate() {
            let col: u16 = index(c)?;
            let format = if r == 0 {
                Some(&bold)
            } else if sheet.wrap.contains(&c) {
                Some(&wrap)
            } else {
                None
            };
            match (cell, format) {
                (Cell::Number(n), Some(f)) => ws.write_number_with_format(at, col, *n, f)?,
                (Cell::Number(n), None) => ws.write_number(at, col, *n)?,
                // Blank cells stay absent, so that a coder's sheet has no
                // empty strings that a program could take for marks.
                (Cell::Text(t), _) if t.is_empty() && r > 0 => continue,
                (Cell::Text(t), Some(f)) => ws.write_string_with_format(at, col, t, f)?,
                (Cell::Text(t), None) => ws.write_string(at, col, t)?,
            };
        }
    }
    if let Some((from, to, marks)) = &sheet.marks {
        let last = sheet.rows.len().max(2) - 1;
        let list = DataValidation::new().allow_list_strings(marks)?;
        ws.add_data_validation(1, index(*from)?, index(last)?, index(*to)?, &list)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cell_too_long_is_named_by_its_row_and_column() {
        let sheet = Sheet {
            rows: vec![
                vec![Cell::Text("id".into()), Cell::Text("text".into())],
                vec![
                    Cell::Text("t/r02.txt:1".into()),
                    Cell::Text("ñ".repeat(32_767)),
                ],
                vec![
                    Cell::Text("t/r02.txt:3".into()),
                    Cell::Text("a".repeat(32_768)),
                ],
            ],
            ..Default::default()
        };
        let e = write(&sheet).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.report().starts_with(
                "error: row 3 (`t/r02.txt:3`), column `text`: its text is 32768 characters, more than the 32,767 a spreadsheet cell holds\n"
            ),
            "{}",
            e.report()
        );
    }

    use super::*;

    fn part(bytes: &[u8], name: &str) -> String {
        crate::xml::Package::open(bytes)
            .unwrap()
            .part(name)
            .unwrap()
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn write_then_read_back_the_same_bytes_every_time() {
        let sheet = Sheet {
            name: "Matrix: a/b".into(),
            rows: vec![
                vec![Cell::Text("code".into()), Cell::Text("R01".into())],
                vec![Cell::Text("family & <money>".into()), Cell::Number(3.0)],
            ],
            freeze_first_column: true,
            widths: vec![30.0, 8.0],
            wrap: vec![0],
            marks: Some((1, 1, vec!["x".into()])),
        };
        let bytes = write(&sheet).unwrap();
        // The creation date is fixed, so a second later the bytes are the same.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(bytes, write(&sheet).unwrap(), "deterministic");
        assert!(part(&bytes, "docProps/core.xml").contains(CREATED));
        let t = crate::ingest::sheet::read(&bytes, "m.xlsx").unwrap();
        assert_eq!(t.header, ["code", "R01"]);
        assert_eq!(t.rows, [(2, vec!["family & <money>".into(), "3".into()])]);
        let ws = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(
            ws.contains(r#"<pane xSplit="1" ySplit="1" topLeftCell="B2""#),
            "{ws}"
        );
        assert!(ws.contains(r#"<dataValidation type="list""#), "{ws}");
        assert!(ws.contains(r#"sqref="B2""#), "{ws}");
        assert!(ws.contains(r#"<formula1>"x"</formula1>"#), "{ws}");
        assert!(ws.contains(r#"<c r="B2"><v>3</v></c>"#), "{ws}");
        assert!(ws.contains(r#"width="30.7109375""#), "{ws}");
        let styles = part(&bytes, "xl/styles.xml");
        assert!(
            styles.contains("<b/>") && styles.contains(r#"wrapText="1""#),
            "{styles}"
        );
        assert!(part(&bytes, "xl/workbook.xml").contains(r#"name="Matrix ab""#));
    }

    #[test]
    fn sheet_names_programs_accept() {
        assert_eq!(sheet_name("Coding ana"), "Coding ana");
        assert_eq!(sheet_name("'[]'"), "Sheet1");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
    }
}
