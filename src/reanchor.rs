//! Writing re-anchored codings back into coding sheets: each row whose
//! excerpt moved (or whose hash a spreadsheet program changed) gets the id
//! and hash of the excerpt its codings are now placed on (and its
//! respondent, when the row's has no excerpt in the transcript any more). Everything else
//! in the sheet is kept: a CSV keeps its delimiter, line ends, BOM and
//! every other cell; an .xlsx workbook keeps every part but the cells
//! rewritten (in its first worksheet, found through the workbook as
//! spreadsheet programs find it). `.ods` sheets are not rewritten: the
//! command lists the rows to change instead. The caller replaces the file
//! atomically ([`crate::render::replace_file`]).

use std::collections::HashMap;
use std::io::Write;

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

use crate::codings::Fix;
use crate::error::{Error, Location, Result};
use crate::ingest::sheet;
use crate::xml::Package;

/// Whether `thematic reanchor --write` can rewrite a sheet in place: CSV and
/// .xlsx sheets, not .ods ones.
pub fn check_writable(shown: &str) -> Result<()> {
    if sheet::is_ods(shown) {
        return Err(Error::at(
            Location::file(shown),
            "`thematic reanchor --write` does not rewrite .ods sheets",
        )
        .with_hint(format!(
            "change the rows listed above by hand in LibreOffice, or save {shown} as .xlsx (and remove the .ods) and run it again; nothing was written"
        )));
    }
    Ok(())
}

/// The new bytes of a sheet with `fixes` (all of this sheet) applied.
pub fn rewrite(bytes: &[u8], shown: &str, fixes: &[&Fix]) -> Result<Vec<u8>> {
    check_writable(shown)?;
    if sheet::is_xlsx(shown) {
        rewrite_xlsx(bytes, shown, fixes)
    } else {
        rewrite_csv(bytes, shown, fixes)
    }
}

/// The columns a sheet names excerpts, hashes and respondents in (0-based).
fn columns(header: &[String], shown: &str) -> Result<(usize, Option<usize>, Option<usize>)> {
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
    Ok((id, col("hash"), col("respondent")))
}

fn rewrite_csv(bytes: &[u8], shown: &str, fixes: &[&Fix]) -> Result<Vec<u8>> {
    let decoded = crate::text::decode::decode(bytes, shown)?;
    let text = &decoded.text;
    let crlf = bytes.windows(2).any(|w| w == b"\r\n");
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let delimiter = crate::ingest::respondents::sniff_delimiter(text);
    crate::ingest::quotes::check(text, delimiter, shown)?;
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
            let (id, hash, respondent) = match cols {
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
                if let (Some(cell), Some(p)) =
                    (respondent.and_then(|c| fields.get_mut(c)), &fix.respondent)
                {
                    cell.clone_from(&p.1);
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

fn rewrite_xlsx(bytes: &[u8], shown: &str, fixes: &[&Fix]) -> Result<Vec<u8>> {
    let bad = |why: String| {
        Error::at(
            Location::file(shown),
            format!("not a readable .xlsx file: {why}"),
        )
    };
    let table = sheet::read(bytes, shown)?;
    let (id, hash, respondent) = columns(&table.header, shown)?;
    let part = sheet::first_worksheet(&mut Package::open(bytes).map_err(bad)?)
        .map_err(bad)?
        .part;
    let mut new: HashMap<(usize, usize), &str> = HashMap::new();
    for f in fixes {
        new.insert((id, f.row), &f.to);
        if let Some(h) = hash {
            new.insert((h, f.row), &f.hash);
        }
        if let (Some(c), Some(p)) = (respondent, &f.respondent) {
            new.insert((c, f.row), &p.1);
        }
    }
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let xml = {
        let mut file = zip.by_name(&part).map_err(|e| bad(e.to_string()))?;
        let mut s = String::new();
        std::io::Read::read_to_string(&mut file, &mut s).map_err(|e| bad(e.to_string()))?;
        s
    };
    let (patched, written) = patch_cells(&xml, &new).map_err(bad)?;
    if written != new.len() {
        // Never leave a row half rewritten.
        return Err(Error::at(
            Location::file(shown),
            format!(
                "cannot rewrite the sheet: {} of the {} cells to rewrite are not in its first worksheet",
                new.len().saturating_sub(written),
                new.len()
            ),
        )
        .with_hint("correct the rows listed above by hand; nothing was written"));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        for i in 0..zip.len() {
            let file = zip.by_index_raw(i).map_err(|e| bad(e.to_string()))?;
            if file.name() == part {
                drop(file);
                z.start_file(part.as_str(), opts)
                    .map_err(|e| bad(e.to_string()))?;
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

/// The worksheet XML with the cells in `new` (keyed by 0-based column and
/// 1-based row) holding new text (inline strings, the cell's style kept);
/// every other event is copied as read. Rows and cells without a reference
/// (it is optional) follow the one before, as spreadsheet programs read them.
/// Also says how many cells were rewritten.
fn patch_cells(
    xml: &str,
    new: &HashMap<(usize, usize), &str>,
) -> std::result::Result<(String, usize), String> {
    let mut reader = Reader::from_str(xml);
    let mut writer = Writer::new(Vec::new());
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let reference = |e: &BytesStart| {
        e.try_get_attribute("r")
            .ok()
            .flatten()
            .map(|a| a.value.into_owned())
    };
    // The current row (1-based) and the next cell's column (0-based).
    let (mut row, mut next_col) = (0usize, 0usize);
    let mut written = 0;
    loop {
        let ev = reader.read_event().map_err(|e| err(&e))?;
        let (start, empty) = match &ev {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "row" => {
                row = match reference(e) {
                    Some(r) => r.parse().map_err(|_| format!("bad row number `{r}`"))?,
                    None => row + 1,
                };
                next_col = 0;
                writer.write_event(ev).map_err(|e| err(&e))?;
                continue;
            }
            Event::Start(e) if e.local_name().as_ref() == "c" => (e.clone(), false),
            Event::Empty(e) if e.local_name().as_ref() == "c" => (e.clone(), true),
            Event::Eof => break,
            _ => {
                writer.write_event(ev).map_err(|e| err(&e))?;
                continue;
            }
        };
        let at = match reference(&start) {
            Some(r) => {
                let (r0, c0) =
                    sheet::cell_ref(&r).ok_or_else(|| format!("bad cell reference `{r}`"))?;
                (c0 as usize, r0 as usize + 1)
            }
            None => (next_col, row),
        };
        next_col = at.0 + 1;
        let Some(text) = new.get(&at) else {
            writer.write_event(ev).map_err(|e| err(&e))?;
            continue;
        };
        written += 1;
        // The new elements take the cell's own prefix (`x:c` → `x:is`).
        let name = start.name().as_ref().to_string();
        let prefixed = |local: &str| match name.rsplit_once(':') {
            Some((prefix, _)) => format!("{prefix}:{local}"),
            None => local.to_string(),
        };
        let mut cell = BytesStart::new(name.as_str());
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
            .write_event(Event::Start(BytesStart::new(prefixed("is"))))
            .map_err(|e| err(&e))?;
        writer
            .write_event(Event::Start(
                BytesStart::new(prefixed("t")).with_attributes([("xml:space", "preserve")]),
            ))
            .map_err(|e| err(&e))?;
        writer
            .write_event(Event::Text(BytesText::new(text)))
            .map_err(|e| err(&e))?;
        for end in [prefixed("t"), prefixed("is"), name.clone()] {
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
    let xml = String::from_utf8(writer.into_inner()).map_err(|e| err(&e))?;
    Ok((xml, written))
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
            respondent: None,
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

    /// A row whose respondent has no excerpt in its file any more (the file
    /// was given `speakers:`) gets the excerpt's respondent too.
    #[test]
    fn respondents_are_rewritten_in_csv_and_xlsx() {
        let mut f = fix(2, "x.md:6", "h0000000000a1");
        f.respondent = Some(("x".into(), "A1".into()));
        let out = rewrite(
            b"id,respondent,hash,t/a\nx.md:3,x,h0000000000a1,x\n",
            "codings/a.csv",
            &[&f],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,respondent,hash,t/a\nx.md:6,A1,h0000000000a1,x\n"
        );
        use crate::render::xlsx::{self, Cell, Sheet};
        let t = |s: &str| Cell::Text(s.into());
        let book = xlsx::write(&Sheet {
            name: "Coding".into(),
            rows: vec![
                vec![t("id"), t("respondent"), t("hash")],
                vec![t("x.md:3"), t("x"), t("h0000000000a1")],
            ],
            ..Default::default()
        })
        .unwrap();
        let out = rewrite(&book, "codings/a.xlsx", &[&f]).unwrap();
        assert_eq!(
            sheet::read(&out, "a.xlsx").unwrap().rows,
            [(
                2,
                vec!["x.md:6".into(), "A1".into(), "h0000000000a1".into()]
            )]
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
        let t = sheet::read(&out, "a.xlsx").unwrap();
        assert_eq!(t.header, ["id", "hash", "t/a"]);
        assert_eq!(
            t.rows,
            [
                (
                    2,
                    vec!["x.txt:2".into(), "h066089670000".into(), "x".into()]
                ),
                (3, vec!["x.txt:5".into(), "h0000000000a5".into(), "".into()])
            ]
        );
    }

    /// A workbook laid out as other programs may write it: the first sheet's
    /// part is not `sheet1.xml`, and rows and cells leave out the optional
    /// reference.
    #[test]
    fn xlsx_cells_are_found_through_the_workbook_and_without_references() {
        let book = crate::ingest::sheet::tests::package(&[
            (
                "xl/workbook.xml",
                r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Coding" sheetId="1" r:id="rId7"/><sheet name="Notes" sheetId="2" r:id="rId1"/></sheets></workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/coding.xml"/></Relationships>"#,
            ),
            (
                "xl/worksheets/sheet1.xml",
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row><c t="inlineStr"><is><t>notes</t></is></c></row></sheetData></worksheet>"#,
            ),
            (
                "xl/worksheets/coding.xml",
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row><c t="inlineStr"><is><t>id</t></is></c><c t="inlineStr"><is><t>hash</t></is></c></row><row><c t="inlineStr"><is><t>x.txt:1</t></is></c><c><v>66089670000</v></c></row><row><c t="inlineStr"><is><t>x.txt:5</t></is></c><c t="inlineStr"><is><t>h0000000000a5</t></is></c></row></sheetData></worksheet>"#,
            ),
        ]);
        let f = fix(2, "x.txt:2", "h066089670000");
        let out = rewrite(&book, "codings/a.xlsx", &[&f]).unwrap();
        let t = sheet::read(&out, "a.xlsx").unwrap();
        assert_eq!(t.header, ["id", "hash"]);
        assert_eq!(
            t.rows,
            [
                (2, vec!["x.txt:2".into(), "h066089670000".into()]),
                (3, vec!["x.txt:5".into(), "h0000000000a5".into()])
            ]
        );
        // The other sheet is untouched.
        let notes = crate::xml::Package::open(&out)
            .unwrap()
            .part("xl/worksheets/sheet1.xml")
            .unwrap()
            .unwrap();
        assert!(notes.contains("notes") && !notes.contains("x.txt"));
    }

    /// Some programs write every element with a prefix (`x:c`).
    #[test]
    fn prefixed_cells_are_patched_with_their_prefix_and_missing_ones_refused() {
        let sheet_xml = |cells: &str| {
            format!(
                r#"<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>id</x:t></x:is></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>hash</x:t></x:is></x:c></x:row><x:row r="2">{cells}</x:row></x:sheetData></x:worksheet>"#
            )
        };
        let book = |cells: &str| {
            crate::ingest::sheet::tests::package(&[
                (
                    "xl/workbook.xml",
                    r#"<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets><x:sheet name="S" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>"#,
                ),
                (
                    "xl/_rels/workbook.xml.rels",
                    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
                ),
                ("xl/worksheets/sheet1.xml", &sheet_xml(cells)),
            ])
        };
        let f = fix(2, "x.txt:2", "h066089670000");
        let full = book(
            r#"<x:c r="A2" t="inlineStr"><x:is><x:t>x.txt:1</x:t></x:is></x:c><x:c r="B2"><x:v>66089670000</x:v></x:c>"#,
        );
        let out = rewrite(&full, "codings/a.xlsx", &[&f]).unwrap();
        let t = sheet::read(&out, "a.xlsx").unwrap();
        assert_eq!(
            t.rows,
            [(2, vec!["x.txt:2".into(), "h066089670000".into()])]
        );
        let ws = Package::open(&out)
            .unwrap()
            .part("xl/worksheets/sheet1.xml")
            .unwrap()
            .unwrap();
        assert!(
            ws.contains(r#"<x:c r="A2" t="inlineStr"><x:is><x:t xml:space="preserve">x.txt:2</x:t></x:is></x:c>"#),
            "{ws}"
        );
        // The hash cell is missing: nothing is rewritten.
        let partial = book(r#"<x:c r="A2" t="inlineStr"><x:is><x:t>x.txt:1</x:t></x:is></x:c>"#);
        let e = rewrite(&partial, "codings/a.xlsx", &[&f]).unwrap_err();
        assert!(
            e.report()
                .contains("1 of the 2 cells to rewrite are not in its first worksheet"),
            "{}",
            e.report()
        );
    }

    #[test]
    fn ods_sheets_are_not_rewritten() {
        let f = fix(2, "x.txt:2", "h066089670000");
        let e = rewrite(b"", "codings/a.ods", &[&f]).unwrap_err();
        assert!(
            e.report().contains("does not rewrite .ods sheets"),
            "{}",
            e.report()
        );
        assert_eq!(e.exit_code(), 2);
    }
}
