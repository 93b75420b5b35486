//! `.docx` transcripts: the text of `word/document.xml`, one line per Word
//! paragraph (so excerpt ids use the paragraph number), then the plain-text
//! rules. Runs are joined across formatting (a bold `Name:` run followed by
//! plain text is a speaker label); tabs become tabs, line breaks spaces;
//! deleted text (`w:delText`) and field instructions (`w:instrText`) are
//! skipped; table cells are paragraphs like any other.

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::error::{Error, Location, Result};
use crate::xml::{entity, Package};

/// The paragraphs of a .docx file, in document order.
pub fn paragraphs(bytes: &[u8], shown: &str) -> Result<Vec<String>> {
    let not_docx = |why: String| {
        Error::at(
            Location::file(shown),
            format!("not a readable .docx file: {why}"),
        )
        .with_hint("open it in Word or LibreOffice and save it again as .docx (or export .txt)")
    };
    let xml = Package::open(bytes)
        .and_then(|mut p| p.part("word/document.xml"))
        .map_err(&not_docx)?
        .ok_or_else(|| not_docx("it has no word/document.xml".into()))?;
    parse_document(&xml).map_err(|(pos, why)| {
        Error::at(
            Location::file(shown),
            format!("broken word/document.xml at byte {pos}: {why}"),
        )
        .with_hint("open it in Word or LibreOffice and save it again")
    })
}

/// Paragraph texts from `word/document.xml`.
fn parse_document(xml: &str) -> std::result::Result<Vec<String>, (u64, String)> {
    let mut reader = Reader::from_str(xml);
    let mut paras = Vec::new();
    let mut cur: Option<String> = None;
    let mut in_text = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| (reader.error_position(), e.to_string()))?;
        if let Some(why) = crate::xml::refused(&event) {
            return Err((reader.buffer_position(), why));
        }
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                "p" => cur = Some(String::new()),
                "t" => in_text = true,
                _ => {}
            },
            Event::Empty(e) => {
                let add = match e.local_name().as_ref() {
                    "tab" => "\t",
                    "br" | "cr" => " ",
                    "noBreakHyphen" => "-",
                    "p" => {
                        paras.push(String::new());
                        ""
                    }
                    _ => "",
                };
                if let Some(c) = cur.as_mut() {
                    c.push_str(add);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "p" => paras.push(cur.take().unwrap_or_default()),
                "t" => in_text = false,
                _ => {}
            },
            Event::Text(t) if in_text => {
                if let Some(c) = cur.as_mut() {
                    c.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) if in_text => {
                if let Some(c) = cur.as_mut() {
                    c.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) if in_text => {
                let ch = entity(&r);
                if let (Some(c), Some(ch)) = (cur.as_mut(), ch) {
                    c.push(ch);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(paras)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use std::io::Write;

    /// Builds a minimal .docx around a `w:body` fragment.
    pub fn docx(body: &str) -> Vec<u8> {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
        );
        let mut out = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("[Content_Types].xml", opts).unwrap();
        z.write_all(b"<Types/>").unwrap();
        z.start_file("word/document.xml", opts).unwrap();
        z.write_all(xml.as_bytes()).unwrap();
        z.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn runs_tabs_deleted_text_and_fields() {
        let body = r#"<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Interviewer:</w:t></w:r><w:r><w:t xml:space="preserve"> How &amp; why?</w:t></w:r></w:p><w:p/><w:p><w:r><w:t>R07:</w:t></w:r><w:r><w:t xml:space="preserve"> We </w:t></w:r><w:del><w:r><w:delText>never </w:delText></w:r></w:del><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:t>went</w:t></w:r><w:r><w:tab/><w:t>back.</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#;
        let paras = paragraphs(&docx(body), "t.docx").unwrap();
        assert_eq!(
            paras,
            ["Interviewer: How & why?", "", "R07: We went\tback.", "cell"]
        );
    }

    #[test]
    fn a_dtd_or_an_entity_of_its_own_is_refused_not_dropped() {
        let body = "<w:p><w:r><w:t>my family &debt; to them</w:t></w:r></w:p>";
        let e = paragraphs(&docx(body), "t/d.docx").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.report().contains("unknown entity `&debt;`"),
            "{}",
            e.report()
        );
        let xml = r#"<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY debt "owed a debt">]><w:document xmlns:w="x"><w:body><w:p><w:r><w:t>&debt;</w:t></w:r></w:p></w:body></w:document>"#;
        let (_, why) = parse_document(xml).unwrap_err();
        assert!(why.contains("it has a DTD"), "{why}");
        // XML's own entities and character references are read.
        assert_eq!(
            parse_document(r#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>a &lt; b &#233;</w:t></w:r></w:p></w:body></w:document>"#).unwrap(),
            ["a < b é"]
        );
    }

    #[test]
    fn a_zip_that_is_not_a_docx() {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        z.start_file("notes.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"hello").unwrap();
        z.finish().unwrap();
        let e = paragraphs(&out.into_inner(), "t/x.docx").unwrap_err();
        assert!(
            e.report().contains("t/x.docx") && e.report().contains("no word/document.xml"),
            "{}",
            e.report()
        );
        let e = paragraphs(b"not a zip at all", "t/y.docx").unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
