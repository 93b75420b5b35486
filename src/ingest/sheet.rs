//! Reading spreadsheets: the first worksheet of an `.xlsx` workbook (Excel,
//! LibreOffice, Google Sheets) or an `.ods` one (LibreOffice), through
//! `calamine`, as rows of text keyed by the spreadsheet's own row numbers.
//!
//! Cells are collected sparsely, so a sheet whose few cells sit far apart (or
//! whose `<dimension>` claims a million rows) costs what its cells cost, not
//! what its extent would. An `.xlsx` worksheet's cell references are checked
//! against the limits every spreadsheet program has (columns A–XFD, rows
//! 1–1,048,576) before `calamine` reads them, so that a damaged or crafted
//! file is an error naming the worksheet, never a crash. What a cell shows
//! is its value: a formula's cached result, never the formula's text.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader};
use quick_xml::events::{BytesStart, Event};

use crate::error::{Error, Location, Result};
use crate::xml::Package;

/// The last row a spreadsheet can have (1-based).
const MAX_ROW: u32 = 1_048_576;
/// The last column a spreadsheet can have (1-based; `XFD`).
const MAX_COL: u32 = 16_384;

/// A worksheet as read: its header (the first row with any text) and the
/// rows below it, each with its row number in the spreadsheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The header's row number (1-based).
    pub header_row: usize,
    /// The header's cells, trimmed; the position is the column (A = 0).
    pub header: Vec<String>,
    /// The rows below the header that have any text, with their 1-based
    /// row numbers. Each row has at least as many cells as the header, at
    /// the header's positions.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Whether a file is a spreadsheet this module reads (`.xlsx` or `.ods`).
pub fn is_spreadsheet(name: &str) -> bool {
    is_xlsx(name) || is_ods(name)
}

/// Whether a file name ends in `.xlsx`.
pub fn is_xlsx(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".xlsx")
}

/// Whether a file name ends in `.ods`.
pub fn is_ods(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".ods")
}

/// Non-blank cells by 0-based row, each row's cells as (0-based column, text).
type Cells = BTreeMap<u32, Vec<(u32, String)>>;

/// Reads the first worksheet of an `.xlsx` or `.ods` workbook; `shown` is
/// the file as errors name it (its extension picks the format).
pub fn read(bytes: &[u8], shown: &str) -> Result<Table> {
    let cells = if is_ods(shown) {
        read_ods(bytes, shown)?
    } else {
        read_xlsx(bytes, shown)?
    };
    Ok(table(cells))
}

fn unreadable(shown: &str, kind: &str, why: impl std::fmt::Display) -> Error {
    Error::at(
        Location::file(shown),
        format!("not a readable .{kind} file: {why}"),
    )
    .with_hint(format!(
        "open it in your spreadsheet program and save it again as .{kind}, or as .csv"
    ))
}

fn read_xlsx(bytes: &[u8], shown: &str) -> Result<Cells> {
    let bad = |why: String| unreadable(shown, "xlsx", why);
    let mut package = Package::open(bytes).map_err(bad)?;
    package.check_parts().map_err(bad)?;
    let first = first_worksheet(&mut package).map_err(bad)?;
    let xml = package
        .part(&first.part)
        .map_err(bad)?
        .ok_or_else(|| bad(format!("its first sheet `{}` has no part", first.name)))?;
    check_references(&xml).map_err(|why| {
        Error::at(
            Location::file(shown),
            format!("worksheet `{}`: {why}", first.name),
        )
        .with_hint("the file is damaged or was not written by a spreadsheet program: open it in Excel or LibreOffice and save it again, or save it as .csv")
    })?;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| bad(e.to_string()))?;
    let mut reader = book
        .worksheet_cells_reader(&first.name)
        .map_err(|e| bad(format!("worksheet `{}`: {e}", first.name)))?;
    let mut cells = Cells::new();
    while let Some(cell) = reader
        .next_cell()
        .map_err(|e| bad(format!("worksheet `{}`: {e}", first.name)))?
    {
        let (row, col) = cell.get_position();
        let text = text_of(&Data::from(cell.get_value().clone()));
        if !text.trim().is_empty() {
            cells.entry(row).or_default().push((col, text));
        }
    }
    Ok(cells)
}

fn read_ods(bytes: &[u8], shown: &str) -> Result<Cells> {
    let bad = |why: String| unreadable(shown, "ods", why);
    let content = Package::open(bytes)
        .and_then(|mut p| p.check_parts().and_then(|()| p.part("content.xml")))
        .map_err(bad)?
        .ok_or_else(|| bad("it has no content.xml".into()))?;
    check_ods_extent(&content).map_err(|why| {
        Error::at(Location::file(shown), why).with_hint(
            "save the coding sheet as .xlsx or .csv, or delete what lies far from the table",
        )
    })?;
    let mut book: calamine::Ods<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::OdsError| bad(e.to_string()))?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| bad("it has no sheet".into()))?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| bad(format!("sheet `{name}`: {e}")))?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut cells = Cells::new();
    for (r, c, value) in range.used_cells() {
        let text = text_of(value);
        if !text.trim().is_empty() {
            // The range starts at its first used cell; keep the sheet's own
            // row and column numbers.
            cells
                .entry(top + r as u32)
                .or_default()
                .push((left + c as u32, text));
        }
    }
    Ok(cells)
}

/// A cell's value as text: strings as they are, numbers as a spreadsheet
/// stores them (`66089670000`, `1.1283421e129`), `TRUE`, error values as
/// shown (`#VALUE!`), and nothing for an empty cell (also a formula whose
/// cached result is empty) or a `FALSE` one: a checkbox left unticked is
/// not a mark.
fn text_of(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::DateTime(d) => number(d.as_f64()),
        Data::Bool(true) => "TRUE".to_string(),
        Data::Bool(false) => String::new(),
        Data::Error(e) => e.to_string(),
    }
}

fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        // Exact: |f| < 1e15 fits an i64 without rounding.
        format!("{}", f as i64)
    } else if f.is_finite() && (f.abs() >= 1e15 || f.abs() < 1e-4) {
        format!("{f:e}")
    } else {
        format!("{f}")
    }
}

/// Lays sparse cells out as a [`Table`].
fn table(cells: Cells) -> Table {
    let mut rows = cells.into_iter();
    let Some((header_row, header)) = rows.next() else {
        return Table {
            header_row: 1,
            ..Table::default()
        };
    };
    let width = header
        .iter()
        .map(|&(c, _)| c as usize + 1)
        .max()
        .unwrap_or(0);
    let header = dense(header, width)
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    Table {
        header_row: header_row as usize + 1,
        header,
        rows: rows
            .map(|(r, cells)| (r as usize + 1, dense(cells, width)))
            .collect(),
    }
}

/// A row's cells at their positions, `width` (the header's) wide. Cells
/// right of the header belong to no column and are not kept, except one,
/// so that a row with text only there is not taken for a blank row.
fn dense(cells: Vec<(u32, String)>, width: usize) -> Vec<String> {
    let mut row = vec![String::new(); width];
    for (c, text) in cells {
        let c = c as usize;
        if c < width {
            row[c] = text;
        } else if row.len() == width {
            row.push(text);
        }
    }
    row
}

/// A cell reference (`B12`) within a spreadsheet's limits, as 0-based
/// (row, column).
pub fn cell_ref(r: &str) -> Option<(u32, u32)> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    let (cols, rows) = r.split_at(letters);
    if !(1..=3).contains(&letters) {
        return None;
    }
    let col = cols.bytes().fold(0u32, |acc, b| {
        acc * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row = row_number(rows)?;
    (col <= MAX_COL).then_some((row - 1, col - 1))
}

/// A row number (`12`) within a spreadsheet's limits, 1-based.
fn row_number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 7 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let row: u32 = s.parse().ok()?;
    (1..=MAX_ROW).contains(&row).then_some(row)
}

/// An attribute's value, by local name.
fn attribute(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default()
        })
}

const LIMITS: &str = "a column A–XFD, then a row 1–1048576";

/// Checks every cell and row reference of a worksheet, and its dimension,
/// so that nothing out of a spreadsheet's limits reaches the reader.
/// Cells without a reference (it is optional) are fine.
fn check_references(xml: &str) -> std::result::Result<(), String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        let e = match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) | Event::Empty(e) => e,
            Event::Eof => return Ok(()),
            _ => continue,
        };
        match e.local_name().as_ref() {
            "c" => {
                if let Some(r) = attribute(&e, "r") {
                    if cell_ref(&r).is_none() {
                        return Err(format!(
                            "cell reference `{r}` is not a cell of a spreadsheet ({LIMITS})"
                        ));
                    }
                }
            }
            "row" => {
                if let Some(r) = attribute(&e, "r") {
                    if row_number(&r).is_none() {
                        return Err(format!(
                            "row number `{r}` is not a row of a spreadsheet (1–1048576)"
                        ));
                    }
                }
            }
            "dimension" => {
                let r = attribute(&e, "ref").unwrap_or_default();
                let mut ends = r.split(':');
                let ok = ends.clone().count() <= 2 && ends.all(|end| cell_ref(end).is_some());
                if !ok {
                    return Err(format!(
                        "its dimension `{r}` is not a range of cells ({LIMITS}, e.g. `A1:F40`)"
                    ));
                }
            }
            _ => {}
        }
    }
}

/// The most cells the first sheet of an `.ods` may span (from its first to
/// its last cell with a value, rows × columns): `calamine` lays an `.ods`
/// sheet out densely, and a coding sheet of 100,000 excerpts × 100 codes
/// stays well below this.
const ODS_MAX_CELLS: u64 = 20_000_000;

/// The most spaces one `<text:s>` may stand for.
const ODS_MAX_SPACES: u64 = 10_000;

/// Checks that the first sheet of an `.ods` (its `content.xml`) spans few
/// enough cells to be laid out densely: repeated rows and columns cost
/// nothing in the file, but each one costs a cell once read.
fn check_ods_extent(xml: &str) -> std::result::Result<(), String> {
    let count = |e: &BytesStart, name: &str| -> std::result::Result<u64, String> {
        match attribute(e, name) {
            None => Ok(1),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("`{name}=\"{v}\"` is not a count")),
        }
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut in_table = false;
    // The next row's index, and the next cell's column in the row.
    let (mut row, mut col) = (0u64, 0u64);
    let mut repeats = 1u64;
    let mut row_has_value = false;
    let mut rows: Option<(u64, u64)> = None;
    let mut cols: Option<(u64, u64)> = None;
    loop {
        let (e, empty) = match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.name().as_ref() {
                    "table:table" if in_table => break,
                    "table:table-row" if in_table => {
                        if row_has_value {
                            let last = row.saturating_add(repeats - 1);
                            rows = Some(rows.map_or((row, last), |(first, _)| (first, last)));
                        }
                        row = row.saturating_add(repeats);
                    }
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.name().as_ref() {
            "table:table" if !in_table => in_table = true,
            "table:table-row" if in_table => {
                repeats = count(&e, "number-rows-repeated")?.max(1);
                col = 0;
                row_has_value = false;
                if empty {
                    row = row.saturating_add(repeats);
                }
            }
            "table:table-cell" | "table:covered-table-cell" if in_table => {
                let n = count(&e, "number-columns-repeated")?.max(1);
                let has_value = e
                    .attributes()
                    .flatten()
                    .any(|a| matches!(a.key.as_ref(), "office:value-type" | "table:formula"));
                if has_value {
                    let last = col.saturating_add(n - 1);
                    cols = Some(cols.map_or((col, last), |(lo, hi)| (lo.min(col), hi.max(last))));
                    row_has_value = true;
                }
                col = col.saturating_add(n);
            }
            "text:s" if in_table => {
                let n = count(&e, "c")?;
                if n > ODS_MAX_SPACES {
                    return Err(format!(
                        "a cell of its first sheet claims {n} spaces in a row (`text:c`)"
                    ));
                }
            }
            _ => {}
        }
    }
    if let (Some((top, bottom)), Some((left, right))) = (rows, cols) {
        let cells = (bottom - top + 1).saturating_mul(right - left + 1);
        if cells > ODS_MAX_CELLS {
            return Err(format!(
                "its first sheet spans {} rows × {} columns, more than the {ODS_MAX_CELLS} cells a coding sheet is read with",
                bottom - top + 1,
                right - left + 1
            ));
        }
    }
    Ok(())
}

/// A workbook's first sheet: its name, and its part in the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstSheet {
    /// The sheet's name (its tab).
    pub name: String,
    /// The part that holds it (`xl/worksheets/sheet1.xml`).
    pub part: String,
}

/// Finds an `.xlsx` workbook's first sheet through the workbook and its
/// relationships, as spreadsheet programs do (the part need not be called
/// `sheet1.xml`).
pub fn first_worksheet(package: &mut Package) -> std::result::Result<FirstSheet, String> {
    const BOOK: &str = "xl/workbook.xml";
    const RELS: &str = "xl/_rels/workbook.xml.rels";
    let book = package
        .part(BOOK)?
        .ok_or_else(|| format!("it has no {BOOK}"))?;
    let mut reader = quick_xml::Reader::from_str(&book);
    let (name, id) = loop {
        match reader.read_event().map_err(|e| format!("{BOOK}: {e}"))? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                break (
                    attribute(&e, "name").unwrap_or_default(),
                    attribute(&e, "id").unwrap_or_default(),
                );
            }
            Event::Eof => return Err("its workbook lists no sheet".into()),
            _ => {}
        }
    };
    let rels = package
        .part(RELS)?
        .ok_or_else(|| format!("it has no {RELS}"))?;
    let mut reader = quick_xml::Reader::from_str(&rels);
    let target = loop {
        match reader.read_event().map_err(|e| format!("{RELS}: {e}"))? {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == "Relationship"
                    && attribute(&e, "Id").as_deref() == Some(id.as_str()) =>
            {
                break attribute(&e, "Target").unwrap_or_default();
            }
            Event::Eof => {
                return Err(format!(
                    "its first sheet `{name}` has no part (no relationship `{id}` in {RELS})"
                ))
            }
            _ => {}
        }
    };
    // Targets are relative to `xl/`, or absolute from the package root.
    let part = match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("xl/{}", target.trim_start_matches("./")),
    };
    Ok(FirstSheet { name, part })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A zip package of the given parts, with the package's own
    /// relationships and content types added when not given.
    pub(crate) fn package(parts: &[(&str, &str)]) -> Vec<u8> {
        use std::io::Write;
        let mut all: Vec<(&str, &str)> = parts.to_vec();
        if !parts.iter().any(|p| p.0 == "_rels/.rels") {
            all.push(("_rels/.rels", r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#));
        }
        if !parts.iter().any(|p| p.0 == "[Content_Types].xml") {
            all.push(("[Content_Types].xml", r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#));
        }
        let mut bytes = Vec::new();
        {
            let mut z = zip::ZipWriter::new(Cursor::new(&mut bytes));
            for (name, body) in all {
                z.start_file(name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                z.write_all(body.as_bytes()).unwrap();
            }
            z.finish().unwrap();
        }
        bytes
    }

    #[test]
    fn cell_references_within_the_limits_only() {
        assert_eq!(cell_ref("A1"), Some((0, 0)));
        assert_eq!(cell_ref("ab12"), Some((11, 27)));
        assert_eq!(cell_ref("XFD1048576"), Some((1_048_575, 16_383)));
        for bad in [
            "1",
            "A",
            "",
            "A0",
            "XFE1",
            "A1048577",
            "ZZZZZZZZZZZZZZZZZZZZ1",
            "A100000000",
            "A99999999999999999999",
            "$A$1",
            "A1B",
        ] {
            assert_eq!(cell_ref(bad), None, "{bad}");
        }
    }

    fn ods(rows: &str) -> String {
        format!(
            r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Coding">{rows}</table:table><table:table table:name="Other"><table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#
        )
    }

    const CELL: &str =
        r#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;

    #[test]
    fn ods_sheets_that_would_be_laid_out_huge_are_refused() {
        // What LibreOffice writes below a table: empty rows, repeated.
        let ok = ods(&format!(
            r#"<table:table-row>{CELL}{CELL}</table:table-row><table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row><table:table-row>{CELL}</table:table-row>"#
        ));
        assert_eq!(check_ods_extent(&ok), Ok(()));
        let wide = ods(&format!(
            r#"<table:table-row>{CELL}<table:table-cell table:number-columns-repeated="16000"/>{CELL}</table:table-row><table:table-row table:number-rows-repeated="5000"><table:table-cell/></table:table-row><table:table-row>{CELL}</table:table-row>"#
        ));
        assert_eq!(
            check_ods_extent(&wide).unwrap_err(),
            "its first sheet spans 5002 rows × 16002 columns, more than the 20000000 cells a coding sheet is read with"
        );
        let repeated = ods(
            r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="100" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#,
        );
        assert!(check_ods_extent(&repeated)
            .unwrap_err()
            .contains("1000000 rows × 100 columns"));
        let spaces = ods(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="4000000000"/>b</text:p></table:table-cell></table:table-row>"#,
        );
        assert!(check_ods_extent(&spaces)
            .unwrap_err()
            .contains("4000000000 spaces"));
        let nonsense = ods(r#"<table:table-row table:number-rows-repeated="-1"/>"#);
        assert!(check_ods_extent(&nonsense)
            .unwrap_err()
            .contains("is not a count"));
    }

    #[test]
    fn numbers_read_as_a_spreadsheet_stores_them() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(66089670000.0), "66089670000");
        assert_eq!(number(1.1283421e129), "1.1283421e129");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(-2.0), "-2");
    }

    #[test]
    fn tables_keep_the_sheets_row_numbers_and_columns() {
        let mut cells = Cells::new();
        cells.insert(2, vec![(1, " id ".into()), (2, "t/a".into())]);
        cells.insert(9, vec![(1, "x.txt:1".into())]);
        cells.insert(1_048_575, vec![(2, "x".into()), (16_383, "far".into())]);
        let t = table(cells);
        assert_eq!(t.header_row, 3);
        assert_eq!(t.header, ["", "id", "t/a"]);
        assert_eq!(
            t.rows,
            [
                (10, vec!["".into(), "x.txt:1".into(), "".into()]),
                (
                    1_048_576,
                    vec!["".into(), "".into(), "x".into(), "far".into()]
                ),
            ]
        );
        assert_eq!(table(Cells::new()).header, Vec::<String>::new());
    }
}
