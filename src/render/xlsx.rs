//! A small, dependency-light `.xlsx` writer and reader (Office Open XML
//! spreadsheets): one sheet, inline strings, numbers as numbers, a bold and
//! frozen header row (and first column when asked), column widths, wrapped
//! text and list validation. Enough for matrices and coding sheets, and for
//! reading coders' sheets back.

use std::collections::HashMap;
use std::io::Write;

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::error::{Error, Location, Result};
use crate::xml::{entity, escape, Package};

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
    /// The sheet's name (at most 31 characters).
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

fn col_name(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// The bytes of a one-sheet workbook.
pub fn write(sheet: &Sheet) -> Result<Vec<u8>> {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0">"#,
    );
    if sheet.freeze_first_column {
        xml.push_str(r#"<pane xSplit="1" ySplit="1" topLeftCell="B2" activePane="bottomRight" state="frozen"/>"#);
    } else {
        xml.push_str(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#,
        );
    }
    xml.push_str("</sheetView></sheetViews>");
    if !sheet.widths.is_empty() {
        xml.push_str("<cols>");
        for (i, w) in sheet.widths.iter().enumerate() {
            xml.push_str(&format!(
                r#"<col min="{0}" max="{0}" width="{w:.1}" customWidth="1"/>"#,
                i + 1
            ));
        }
        xml.push_str("</cols>");
    }
    xml.push_str("<sheetData>");
    for (r, row) in sheet.rows.iter().enumerate() {
        xml.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", col_name(c), r + 1);
            let style = if r == 0 {
                1
            } else if sheet.wrap.contains(&c) {
                2
            } else {
                0
            };
            match cell {
                Cell::Number(n) => xml.push_str(&format!(r#"<c r="{at}" s="{style}"><v>{n}</v></c>"#)),
                Cell::Text(t) if t.is_empty() && r > 0 => {}
                Cell::Text(t) => xml.push_str(&format!(r#"<c r="{at}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#, escape(t))),
            }
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData>");
    if let Some((from, to, marks)) = &sheet.marks {
        let last = sheet.rows.len().max(2);
        let list = marks.join(",");
        xml.push_str(&format!(
            r#"<dataValidations count="1"><dataValidation type="list" allowBlank="1" showErrorMessage="1" sqref="{}2:{}{last}"><formula1>"{}"</formula1></dataValidation></dataValidations>"#,
            col_name(*from),
            col_name(*to),
            escape(&list)
        ));
    }
    xml.push_str("</worksheet>");
    let name: String = escape(
        &sheet
            .name
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect::<String>(),
    );
    let parts: [(&str, String); 6] = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#.into()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into()),
        ("xl/workbook.xml", format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#, if name.is_empty() { "Sheet1".to_string() } else { name })),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.into()),
        ("xl/styles.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf></cellXfs></styleSheet>"#.into()),
        ("xl/worksheets/sheet1.xml", xml),
    ];
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        // A fixed timestamp keeps the bytes identical from run to run.
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        for (name, body) in parts {
            z.start_file(name, opts)
                .map_err(|e| Error::failure(format!("xlsx: {e}")))?;
            z.write_all(body.as_bytes())
                .map_err(|e| Error::failure(format!("xlsx: {e}")))?;
        }
        z.finish()
            .map_err(|e| Error::failure(format!("xlsx: {e}")))?;
    }
    Ok(out.into_inner())
}

/// Reads the first sheet of a workbook as rows of text (numbers as written).
pub fn read(bytes: &[u8], shown: &str) -> Result<Vec<Vec<String>>> {
    let bad = |why: String| {
        Error::at(
            Location::file(shown),
            format!("not a readable .xlsx file: {why}"),
        )
        .with_hint("save it again from your spreadsheet program as .xlsx, or as .csv")
    };
    let mut package = Package::open(bytes).map_err(&bad)?;
    let mut part = |name: &str| package.part(name).map_err(&bad);
    let shared = part("xl/sharedStrings.xml")?
        .map(|x| shared_strings(&x))
        .transpose()
        .map_err(&bad)?
        .unwrap_or_default();
    let sheet =
        part("xl/worksheets/sheet1.xml")?.ok_or_else(|| bad("it has no first worksheet".into()))?;
    cells(&sheet, &shared).map_err(bad)
}

fn text_of(reader: &mut Reader<&[u8]>, end: &str) -> std::result::Result<String, String> {
    let mut out = String::new();
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Text(t) => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let ch = entity(&r);
                out.extend(ch);
            }
            Event::End(e) if e.local_name().as_ref() == end => return Ok(out),
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

fn shared_strings(xml: &str) -> std::result::Result<Vec<String>, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                out.push(text_of(&mut reader, "si")?)
            }
            Event::Empty(e) if e.local_name().as_ref() == "si" => out.push(String::new()),
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

fn cells(xml: &str, shared: &[String]) -> std::result::Result<Vec<Vec<String>>, String> {
    let mut reader = Reader::from_str(xml);
    let mut rows: HashMap<usize, Vec<(usize, String)>> = HashMap::new();
    let mut max_row = 0;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) if e.local_name().as_ref() == "c" => {
                let mut r#ref = String::new();
                let mut kind = String::new();
                for a in e.attributes().flatten() {
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_default();
                    match a.key.local_name().as_ref() {
                        "r" => r#ref = v,
                        "t" => kind = v,
                        _ => {}
                    }
                }
                let value = text_of(&mut reader, "c")?;
                let value = if kind == "s" {
                    value
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| shared.get(i).cloned())
                        .unwrap_or_default()
                } else {
                    value
                };
                let letters: String = r#ref
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                let row: usize = r#ref[letters.len()..]
                    .parse()
                    .map_err(|_| format!("bad cell reference `{ref}`", ref = r#ref))?;
                let col = letters.bytes().fold(0usize, |acc, b| {
                    acc * 26 + (b.to_ascii_uppercase() - b'A' + 1) as usize
                }) - 1;
                max_row = max_row.max(row);
                rows.entry(row).or_default().push((col, value));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let width = rows
        .values()
        .flat_map(|r| r.iter().map(|(c, _)| c + 1))
        .max()
        .unwrap_or(0);
    Ok((1..=max_row)
        .map(|r| {
            let mut row = vec![String::new(); width];
            for (c, v) in rows.remove(&r).unwrap_or_default() {
                row[c] = v;
            }
            row
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_back() {
        let sheet = Sheet {
            name: "Matrix".into(),
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
        assert_eq!(bytes, write(&sheet).unwrap(), "deterministic");
        assert_eq!(
            read(&bytes, "m.xlsx").unwrap(),
            [["code", "R01"], ["family & <money>", "3"]]
        );
        assert_eq!(col_name(27), "AB");
        assert!(read(b"nope", "m.xlsx")
            .unwrap_err()
            .report()
            .contains("m.xlsx"));
    }
}
