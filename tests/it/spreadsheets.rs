//! Coding sheets saved by spreadsheet programs: .xlsx and .ods as LibreOffice
//! saves them, damaged or crafted workbooks (an error naming the sheet, never
//! a crash), formulas, far-apart cells, and workbooks `thematic` writes.

use std::io::Write;

use crate::util::Study;

const CODEBOOK: &str = "codebook: Recruitment and return
version: \"1\"
themes:
  - id: work
    label: Work and recruitment
    codes:
      - id: recruit
        label: Offered a job
      - id: debt
        label: Debt
";

const R1: &str = "Entrevistadora: ¿Cómo llegó a la ciudad?
R1: Una señora vino al pueblo y me ofreció trabajo en un restaurante.
Entrevistadora: ¿Y después?
R1: Me dijeron que debía el pasaje y la comida, y que tenía que pagarlo.
";

/// Two hand-coded answers: `transcripts/r1.txt:2` and `transcripts/r1.txt:4`.
fn study() -> Study {
    let s = Study::empty();
    s.file("codebooks/main.yaml", CODEBOOK)
        .file("transcripts/r1.txt", R1);
    s
}

/// An .xlsx workbook whose one sheet, `Coding ana`, is `sheet_data` (the
/// XML inside `<worksheet>`), laid out as the simplest writers do.
fn workbook(sheet_data: &str) -> Vec<u8> {
    let parts = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Coding ana" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string()),
        ("xl/worksheets/sheet1.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sheet_data}</worksheet>"#)),
    ];
    let mut bytes = Vec::new();
    {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
        for (name, body) in parts {
            z.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    bytes
}

/// An inline-string cell.
fn text(at: &str, s: &str) -> String {
    format!(r#"<c r="{at}" t="inlineStr"><is><t>{s}</t></is></c>"#)
}

/// The header row `id, work/recruit, work/debt` at row 1.
fn header() -> String {
    format!(
        r#"<row r="1">{}{}{}</row>"#,
        text("A1", "id"),
        text("B1", "work/recruit"),
        text("C1", "work/debt")
    )
}

const MATRIX: &[&str] = &["matrix", "--source", "ana", "--format", "csv"];

/// A sheet whose cell is at `reference`: every command that reads the index
/// stops with an error naming the sheet and the reference.
#[track_caller]
fn refused(reference: &str) -> String {
    let s = study();
    let data = format!(
        r#"<sheetData>{}<row r="2">{}<c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#,
        header(),
        text("A2", "transcripts/r1.txt:2"),
    );
    s.bytes("codings/ana.xlsx", &workbook(&data));
    let t = std::time::Instant::now();
    let err = s.run(MATRIX).bad_input().to_string();
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
    for cmd in [&["stats"][..], &["quote", "recruit"], &["code"]] {
        assert_eq!(s.run(cmd).bad_input(), err, "{cmd:?}");
    }
    err
}

#[test]
fn a_cell_reference_without_letters_is_an_error_naming_the_sheet() {
    assert_eq!(
        refused("1"),
        "error: worksheet `Coding ana`: cell reference `1` is not a cell of a spreadsheet (a column A–XFD, then a row 1–1048576)
  --> codings/ana.xlsx
  = help: the file is damaged or was not written by a spreadsheet program: open it in Excel or LibreOffice and save it again, or save it as .csv
"
    );
}

#[test]
fn a_column_past_the_last_one_is_an_error_not_a_crash() {
    assert!(refused("ZZZZZZZZZZZZZZZZZZZZ1")
        .starts_with("error: worksheet `Coding ana`: cell reference `ZZZZZZZZZZZZZZZZZZZZ1` is not a cell of a spreadsheet"));
    assert!(refused("XFE2").contains("cell reference `XFE2`"));
}

#[test]
fn a_row_past_the_last_one_is_an_error_at_once() {
    assert!(refused("A100000000").contains("cell reference `A100000000`"));
    assert!(
        refused("B99999999999999999999999").contains("cell reference `B99999999999999999999999`")
    );
}

#[test]
fn a_bad_row_number_or_dimension_is_an_error_naming_the_sheet() {
    let s = study();
    let data = format!(
        r#"<sheetData>{}<row r="0">{}</row></sheetData>"#,
        header(),
        text("A2", "transcripts/r1.txt:2")
    );
    s.bytes("codings/ana.xlsx", &workbook(&data));
    assert!(s.run(MATRIX).bad_input().starts_with(
        "error: worksheet `Coding ana`: row number `0` is not a row of a spreadsheet"
    ));
    let data = format!(
        r#"<dimension ref="A1:ZZZZZZZZZZ9"/><sheetData>{}</sheetData>"#,
        header()
    );
    s.bytes("codings/ana.xlsx", &workbook(&data));
    assert!(s.run(MATRIX).bad_input().starts_with(
        "error: worksheet `Coding ana`: its dimension `A1:ZZZZZZZZZZ9` is not a range of cells"
    ));
    // Not a workbook at all.
    s.bytes("codings/ana.xlsx", b"id,work/recruit\n");
    assert!(s
        .run(MATRIX)
        .bad_input()
        .starts_with("error: not a readable .xlsx file: "));
}

/// A dimension claiming the whole sheet, and cells a million rows apart:
/// read in a moment, with the spreadsheet's own row numbers.
#[test]
fn far_apart_cells_and_a_huge_dimension_cost_only_their_cells() {
    let s = study();
    let data = format!(
        r#"<dimension ref="A1:XFD1048576"/><sheetData>{}<row r="7">{}{}</row><row r="1048576">{}{}<c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row></sheetData>"#,
        header(),
        text("A7", "transcripts/r1.txt:2"),
        text("B7", "x"),
        text("A1048576", "transcripts/r1.txt:3"),
        text("C1048576", "x"),
    );
    s.bytes("codings/ana.xlsx", &workbook(&data));
    let t = std::time::Instant::now();
    let out = s.run(&["code"]);
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
    assert!(
        out.stderr.contains("codings/ana.xlsx:1048576: coding for `transcripts/r1.txt:3` cannot be placed: no excerpt of `transcripts/r1.txt` starts at line 3"),
        "{}",
        out.stderr
    );
    assert_eq!(
        s.run(MATRIX).ok(),
        "code,r1,total\nwork,1,1\nwork/recruit,1,1\nwork/debt,0,0\n"
    );
}

/// References are optional: rows follow the one before, cells the cell
/// before.
#[test]
fn rows_and_cells_without_references_are_read_in_place() {
    let s = study();
    let cell = |s: &str| format!(r#"<c t="inlineStr"><is><t>{s}</t></is></c>"#);
    let data = format!(
        "<sheetData><row>{}{}{}</row><row>{}<c/>{}</row><row r=\"5\">{}{}</row><row>{}<c r=\"C6\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData>",
        cell("id"),
        cell("work/recruit"),
        cell("work/debt"),
        cell("transcripts/r1.txt:2"),
        cell("x"),
        cell("transcripts/r1.txt:4"),
        cell("x"),
        cell("transcripts/r1.txt:9"),
    );
    s.bytes("codings/ana.xlsx", &workbook(&data));
    let out = s.run(&["code"]);
    // r1.txt:2 at debt (third cell), r1.txt:4 at recruit.
    assert_eq!(
        s.run(MATRIX).ok(),
        "code,r1,total\nwork,2,2\nwork/recruit,1,1\nwork/debt,1,1\n"
    );
    // The last row is row 6 (after row 5).
    assert!(
        out.stderr
            .contains("codings/ana.xlsx:6: coding for `transcripts/r1.txt:9`"),
        "{}",
        out.stderr
    );
}

/// A cell shows its formula's cached result: blank is no mark, and the
/// formula's text is never part of a value.
#[test]
fn formula_cells_read_as_what_they_show() {
    let s = study();
    let data = format!(
        r#"<sheetData>{}<row r="2">{}<c r="B2" t="str"><f>IF(1,"","x")</f><v></v></c><c r="C2" t="str"><f>IF(1,"x","")</f><v>x</v></c></row><row r="3"><c r="A3" t="str"><f>"transcripts/r1.txt:"&amp;4</f><v>transcripts/r1.txt:4</v></c><c r="B3"><f>1+1</f><v>2</v></c><c r="C3" t="str"><f>IF(1,"","x")</f><v/></c></row></sheetData>"#,
        header(),
        text("A2", "transcripts/r1.txt:2"),
    );
    s.bytes("codings/ana.xlsx", &workbook(&data));
    assert_eq!(
        s.run(MATRIX).ok(),
        "code,r1,total\nwork,2,2\nwork/recruit,1,1\nwork/debt,1,1\n"
    );
}

/// Checkboxes (Excel, Google Sheets) are booleans: ticked is a mark,
/// unticked is not.
#[test]
fn checkboxes_count_when_ticked() {
    let s = study();
    let data = format!(
        r#"<sheetData>{}<row r="2">{}<c r="B2" t="b"><v>0</v></c><c r="C2" t="b"><v>1</v></c></row><row r="3">{}<c r="B3" t="b"><v>1</v></c><c r="C3" t="b"><v>0</v></c></row></sheetData>"#,
        header(),
        text("A2", "transcripts/r1.txt:2"),
        text("A3", "transcripts/r1.txt:4"),
    );
    s.bytes("codings/ana.xlsx", &workbook(&data));
    assert_eq!(
        s.run(MATRIX).ok(),
        "code,r1,total\nwork,2,2\nwork/recruit,1,1\nwork/debt,1,1\n"
    );
}

/// Sheets saved by LibreOffice 7.4 (`soffice --headless --convert-to xlsx`
/// and `--convert-to ods` of CSV sheets): shared strings, formulas saved as
/// LibreOffice saves them (`<f>IF(1,"","x")</f><v></v>` in .xlsx, a cell
/// with only `table:formula` in .ods).
#[test]
fn sheets_saved_by_libreoffice_are_read() {
    let s = Study::fixture("libreoffice");
    assert_eq!(
        s.run(MATRIX).ok(),
        "code,R1,R2,total\nwork,2,2,4\nwork/recruit,1,1,2\nwork/debt,1,1,2\nhelp,0,1,1\nhelp/shelter,0,1,1\n"
    );
    assert_eq!(
        s.run(&["matrix", "--source", "ben", "--format", "csv"]).ok(),
        "code,R1,R2,total\nwork,1,1,2\nwork/recruit,1,0,1\nwork/debt,0,1,1\nhelp,1,0,1\nhelp/shelter,1,0,1\n"
    );
    let out = s.run(&["agree", "--format", "csv"]);
    assert!(out.ok().contains("work/recruit,"), "{}", out.stdout);
}

/// `reanchor --write` patches a LibreOffice .xlsx in place, and refuses an
/// .ods sheet before writing anything.
#[test]
fn reanchor_writes_libreoffice_xlsx_and_refuses_ods() {
    let s = Study::fixture("libreoffice");
    s.run(&["code"]).ok();
    // Two lines at the top move every excerpt of r2.txt down by two.
    s.replace(
        "transcripts/r2.txt",
        "Interviewer: How did you hear",
        "Interviewer: (recorder on)\n\nInterviewer: How did you hear",
    );
    let ods = std::fs::read(s.path().join("codings/ben.ods")).unwrap();
    let xlsx = std::fs::read(s.path().join("codings/ana.xlsx")).unwrap();
    let show = s.run(&["reanchor"]);
    assert_eq!(
        show.ok(),
        "codings/ana.xlsx:5: id `transcripts/r2.txt:5` -> `transcripts/r2.txt:7`
codings/ana.xlsx:6: id `transcripts/r2.txt:7` -> `transcripts/r2.txt:9`
codings/ben.ods:5: id `transcripts/r2.txt:5` -> `transcripts/r2.txt:7`
codings/ben.ods:6: id `transcripts/r2.txt:7` -> `transcripts/r2.txt:9`
"
    );
    let err = s.run(&["reanchor", "--write"]);
    assert!(
        err.bad_input()
            .starts_with("error: `thematic reanchor --write` does not rewrite .ods sheets\n  --> codings/ben.ods\n"),
        "{}",
        err.stderr
    );
    assert_eq!(
        std::fs::read(s.path().join("codings/ben.ods")).unwrap(),
        ods
    );
    assert_eq!(
        std::fs::read(s.path().join("codings/ana.xlsx")).unwrap(),
        xlsx
    );
    // Without the .ods, the .xlsx is rewritten and reads back moved.
    s.remove("codings/ben.ods");
    s.run(&["reanchor", "--write"]).ok();
    let rows = crate::util::sheet_rows(
        &std::fs::read(s.path().join("codings/ana.xlsx")).unwrap(),
        "ana.xlsx",
    );
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        ids,
        [
            "id",
            "transcripts/r1.txt:5",
            "transcripts/r1.txt:7",
            "transcripts/r1.txt:9",
            "transcripts/r2.txt:7",
            "transcripts/r2.txt:9"
        ]
    );
    assert!(s.run(&["reanchor"]).stderr.contains("nothing to rewrite"));
    assert_eq!(
        s.run(MATRIX).ok(),
        "code,R1,R2,total\nwork,2,2,4\nwork/recruit,1,1,2\nwork/debt,1,1,2\nhelp,0,1,1\nhelp/shelter,0,1,1\n"
    );
}

/// The same study gives the same workbook, byte for byte, whenever it is
/// written: the creation date inside is fixed.
#[test]
fn written_workbooks_are_the_same_bytes_every_time() {
    let s = Study::fixture("libreoffice");
    let write = |args: &[&str], name: &str| {
        let path = s.path().join(name);
        let mut all = args.to_vec();
        all.extend(["--format", "xlsx", "--output", path.to_str().unwrap()]);
        s.run(&all).ok();
        std::fs::read(path).unwrap()
    };
    let sheet = write(&["sheet", "--coder", "dee"], "a.xlsx");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(sheet, write(&["sheet", "--coder", "dee"], "b.xlsx"));
    let matrix = write(&["matrix"], "m1.xlsx");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(matrix, write(&["matrix"], "m2.xlsx"));
    let core = {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&sheet)).unwrap();
        let mut f = z.by_name("docProps/core.xml").unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut f, &mut s).unwrap();
        s
    };
    assert!(core.contains("2000-01-01T00:00:00Z"), "{core}");
    // A blank sheet saved as the coder's sheet codes nothing.
    s.bytes("codings/dee.xlsx", &sheet);
    assert_eq!(
        s.run(&["matrix", "--source", "dee", "--format", "csv"]).ok(),
        "code,R1,R2,total\nwork,0,0,0\nwork/recruit,0,0,0\nwork/debt,0,0,0\nhelp,0,0,0\nhelp/shelter,0,0,0\n"
    );
}

/// An .ods whose few cells claim a million rows between them is refused
/// before it is laid out, naming the file.
#[test]
fn an_ods_sheet_spanning_too_many_cells_is_refused() {
    let s = study();
    let cell = |t: &str| {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>"#
        )
    };
    let content = format!(
        r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Coding ana"><table:table-row>{}{}<table:table-cell table:number-columns-repeated="100"/>{}</table:table-row><table:table-row table:number-rows-repeated="1000000">{}<table:table-cell office:value-type="string" table:number-columns-repeated="3"><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#,
        cell("id"),
        cell("work/recruit"),
        cell("work/debt"),
        cell("transcripts/r1.txt:2"),
    );
    let mut bytes = Vec::new();
    {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("mimetype", opts).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        z.start_file("content.xml", opts).unwrap();
        z.write_all(content.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    s.bytes("codings/ana.ods", &bytes);
    let t = std::time::Instant::now();
    assert_eq!(
        s.run(MATRIX).bad_input(),
        "error: its first sheet spans 1000001 rows × 103 columns, more than the 20000000 cells a coding sheet is read with
  --> codings/ana.ods
  = help: save the coding sheet as .xlsx or .csv, or delete what lies far from the table
"
    );
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
}
