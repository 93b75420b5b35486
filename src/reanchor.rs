//! Writing re-anchored codings back into coding sheets: each row whose
//! excerpt moved (or whose hash a spreadsheet program changed) gets the id
//! and hash of the excerpt its codings are now placed on. Everything else
//! in the sheet is kept: a CSV keeps its delimiter, line ends, BOM and
//! every other cell; an .xlsx workbook keeps every part but the cells
//! rewritten. The caller replaces the file atomically
//! ([`crate::render::replace_file`]).

use std::collections::HashMap;
use std::io::Write;

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

use crate::codings::Fix;
use crate::error::{Error, Location, Result};

/// The new bytes of a sheet with `fixes` (all of this sheet) applied.
pub fn rewrite(bytes: &[u8], shown: &str, fixes: &[&Fix]) -> Result<Vec<u8>> {
    if shown.to_ascii_lowercase().ends_with(".xlsx") {
        rewrite_xlsx(bytes, shown, fixes)
    } else {
        rewrite_csv(bytes, shown, fixes)
    }
}

/// The columns a sheet names excerpts and hashes in (0-based).
fn columns(header: &[String], shown: &str) -> Result<(usize, Option<usize>)> {
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let id = col("excerpt").or_else(|| col("id")).ok_or_else(|| {
        Error::at(
            Location::line(shown, 1),
            "a coding sheet needs an `excerpt` (or `id`) column",
        )
    })?;
    Ok((id, col("hash")))
}

fn rewrite_csv(bytes: &[u8], shown: &str, fixes: &[&Fix]) -> Result<Vec<u8>> {
    let decoded = crate::ingest::decode::decode(bytes, shown)?;
    let text = &decoded.text;
    let crlf = bytes.windows(2).any(|w| w == b"\r\n");
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let delimiter = crate::ingest::respondents::sniff_delimiter(text);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let by_row: HashMap<usize, &Fix> = fixes.iter().map(|f| (f.row, *f)).collect();
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .terminator(if crlf {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            })
            .from_writer(&mut out);
        let mut cols = None;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                Error::at(Location::file(shown), format!("cannot read the sheet: {e}"))
            })?;
            let mut fields: Vec<String> = rec.iter().map(str::to_string).collect();
            let (id, hash) = match cols {
                Some(c) => c,
                None => {
                    let c = columns(&fields, shown)?;
                    cols = Some(c);
                    w.write_record(&fields)
                        .map_err(|e| Error::failure(format!("{shown}: {e}")))?;
                    continue;
                }
            };
            let line = rec.position().map_or(0, |p| p.line() as usize);
            if let Some(fix) = by_row.get(&line) {
                if let Some(cell) = fields.get_mut(id) {
                    cell.clone_from(&fix.to);
                }
                if let Some(cell) = hash.and_then(|h| fields.get_mut(h)) {
                    cell.clone_from(&fix.hash);
                }
            }
            w.write_record(&fields)
                .map_err(|e| Error::failure(format!("{shown}: {e}")))?;
        }
        w.flush()
            .map_err(|e| Error::failure(format!("{shown}: {e}")))?;
    }
    Ok(out)
}

/// A cell reference (`B12`) as 0-based column and 1-based row.
fn cell_ref(r: &str) -> Option<(usize, usize)> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = r[..letters].bytes().fold(0usize, |acc, b| {
        acc * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1)
    }) - 1;
    Some((col, r[letters..].parse().ok()?))
}

fn rewrite_xlsx(bytes: &[u8], shown: &str, fixes: &[&Fix]) -> Result<Vec<u8>> {
    let bad = |why: String| {
        Error::at(
            Location::file(shown),
            format!("not a readable .xlsx file: {why}"),
        )
    };
    const SHEET: &str = "xl/worksheets/sheet1.xml";
    let rows = crate::render::xlsx::read(bytes, shown)?;
    let header: Vec<String> = rows.first().cloned().unwrap_or_default();
    let (id, hash) = columns(&header, shown)?;
    let mut new: HashMap<(usize, usize), &str> = HashMap::new();
    for f in fixes {
        new.insert((id, f.row), &f.to);
        if let Some(h) = hash {
            new.insert((h, f.row), &f.hash);
        }
    }
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let xml = {
        let mut part = zip.by_name(SHEET).map_err(|e| bad(e.to_string()))?;
        let mut s = String::new();
        std::io::Read::read_to_string(&mut part, &mut s).map_err(|e| bad(e.to_string()))?;
        s
    };
    let patched = patch_cells(&xml, &new).map_err(bad)?;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        for i in 0..zip.len() {
            let file = zip.by_index_raw(i).map_err(|e| bad(e.to_string()))?;
            if file.name() == SHEET {
                drop(file);
                z.start_file(SHEET, opts).map_err(|e| bad(e.to_string()))?;
                z.write_all(patched.as_bytes())
                    .map_err(|e| bad(e.to_string()))?;
            } else {
                z.raw_copy_file(file).map_err(|e| bad(e.to_string()))?;
            }
        }
        z.finish().map_err(|e| bad(e.to_string()))?;
    }
    Ok(out.into_inner())
}

/// The worksheet XML with the cells in `new` holding new text (inline
/// strings, the cell's style kept); every other event is copied as read.
fn patch_cells(
    xml: &str,
    new: &HashMap<(usize, usize), &str>,
) -> std::result::Result<String, String> {
    let mut reader = Reader::from_str(xml);
    let mut writer = Writer::new(Vec::new());
    let err = |e: &dyn std::fmt::Display| e.to_string();
    loop {
        let ev = reader.read_event().map_err(|e| err(&e))?;
        let (start, empty) = match &ev {
            Event::Start(e) if e.local_name().as_ref() == "c" => (e.clone(), false),
            Event::Empty(e) if e.local_name().as_ref() == "c" => (e.clone(), true),
            Event::Eof => break,
            _ => {
                writer.write_event(ev).map_err(|e| err(&e))?;
                continue;
            }
        };
        let at = start
            .try_get_attribute("r")
            .ok()
            .flatten()
            .and_then(|a| cell_ref(&a.value));
        let Some(text) = at.and_then(|k| new.get(&k)) else {
            writer.write_event(ev).map_err(|e| err(&e))?;
            continue;
        };
        let mut cell = BytesStart::new("c");
        for a in start.attributes().flatten() {
            if a.key.as_ref() != "t" {
                cell.push_attribute(a);
            }
        }
        cell.push_attribute(("t", "inlineStr"));
        writer
            .write_event(Event::Start(cell))
            .map_err(|e| err(&e))?;
        writer
            .write_event(Event::Start(BytesStart::new("is")))
            .map_err(|e| err(&e))?;
        writer
            .write_event(Event::Start(
                BytesStart::new("t").with_attributes([("xml:space", "preserve")]),
            ))
            .map_err(|e| err(&e))?;
        writer
            .write_event(Event::Text(BytesText::new(text)))
            .map_err(|e| err(&e))?;
        for end in ["t", "is", "c"] {
            writer
                .write_event(Event::End(BytesEnd::new(end)))
                .map_err(|e| err(&e))?;
        }
        if !empty {
            // Skip the old cell's content.
            let mut depth = 1usize;
            while depth > 0 {
                match reader.read_event().map_err(|e| err(&e))? {
                    Event::Start(_) => depth += 1,
                    Event::End(_) => depth -= 1,
                    Event::Eof => break,
                    _ => {}
                }
            }
        }
    }
    String::from_utf8(writer.into_inner()).map_err(|e| err(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(row: usize, to: &str, hash: &str) -> Fix {
        Fix {
            sheet: String::new(),
            row,
            from: String::new(),
            to: to.into(),
            old_hash: None,
            hash: hash.into(),
        }
    }

    #[test]
    fn csv_rows_get_new_ids_and_hashes_and_keep_the_rest() {
        let sheet = "\u{feff}id;respondent;text;hash;t/a\r\nx.txt:1;R1;\"a; b\";66089670000;x\r\nx.txt:3;R1;yo;h0000000000a2;\r\n";
        let f = fix(2, "x.txt:3", "h066089670000");
        let out = rewrite(sheet.as_bytes(), "codings/a.csv", &[&f]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\u{feff}id;respondent;text;hash;t/a\r\nx.txt:3;R1;\"a; b\";h066089670000;x\r\nx.txt:3;R1;yo;h0000000000a2;\r\n"
        );
    }

    #[test]
    fn xlsx_cells_are_patched_in_place() {
        use crate::render::xlsx::{self, Cell, Sheet};
        let t = |s: &str| Cell::Text(s.into());
        let book = xlsx::write(&Sheet {
            name: "Coding".into(),
            rows: vec![
                vec![t("id"), t("hash"), t("t/a")],
                vec![t("x.txt:1"), Cell::Number(66089670000.0), t("x")],
                vec![t("x.txt:5"), t("h0000000000a5"), t("")],
            ],
            ..Default::default()
        })
        .unwrap();
        let f = fix(2, "x.txt:2", "h066089670000");
        let out = rewrite(&book, "codings/a.xlsx", &[&f]).unwrap();
        assert_eq!(
            xlsx::read(&out, "a.xlsx").unwrap(),
            [
                ["id", "hash", "t/a"],
                ["x.txt:2", "h066089670000", "x"],
                ["x.txt:5", "h0000000000a5", ""]
            ]
        );
    }
}
