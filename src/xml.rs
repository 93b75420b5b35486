//! XML helpers shared by the `.docx` reader, the spreadsheet reader (which
//! finds an `.xlsx` workbook's first sheet and checks it before `calamine`
//! reads it) and the REFI-QDA codebook exchange (`.qdc`).

use std::io::{Cursor, Read};

/// Escapes text for XML content and attribute values, dropping the control
/// characters XML 1.0 does not allow (tab and newline are kept).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Why a file that no program we read writes with a DTD or entities of
/// its own is refused: an entity's text would be dropped (or, resolved,
/// could reach outside the file), so a word of the document would be lost
/// in silence. `None` for every other event.
pub fn refused(ev: &quick_xml::events::Event) -> Option<String> {
    match ev {
        quick_xml::events::Event::DocType(_) => Some(
            "it has a DTD (<!DOCTYPE …>), which the program that saves such files never writes; \
             thematic reads none, so that no entity's text is lost or read from elsewhere"
                .into(),
        ),
        quick_xml::events::Event::GeneralRef(r) if entity(r).is_none() => {
            let name: &str = r.as_ref();
            Some(format!(
                "unknown entity `&{name};`: only XML's own (&amp; &lt; &gt; &quot; &apos;) and \
                 &#…; are read"
            ))
        }
        _ => None,
    }
}

/// The character an XML entity or character reference stands for (the five
/// predefined entities and `&#…;`); None for anything else.
pub fn entity(r: &quick_xml::events::BytesRef) -> Option<char> {
    match r.resolve_char_ref() {
        Ok(Some(c)) => Some(c),
        _ => match r.as_ref() {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => None,
        },
    }
}

/// An Office Open XML package: a zip of XML parts.
pub struct Package<'a>(zip::ZipArchive<Cursor<&'a [u8]>>);

impl<'a> Package<'a> {
    /// Opens a package; the error says why it is not one.
    pub fn open(bytes: &'a [u8]) -> Result<Package<'a>, String> {
        zip::ZipArchive::new(Cursor::new(bytes))
            .map(Package)
            .map_err(|e| e.to_string())
    }

    /// A part's text; `Ok(None)` when the package has no such part. A part
    /// that inflates past [`crate::input::PACKAGE_PART`] is an error (read
    /// no further), whatever size the zip's directory claims.
    pub fn part(&mut self, name: &str) -> Result<Option<String>, String> {
        self.part_within(name, crate::input::PACKAGE_PART)
    }

    /// Checks that no part inflates past [`crate::input::PACKAGE_PART`]
    /// (each is read through a counting, capped reader and discarded), so
    /// that a reader that then opens the package itself (`calamine`) never
    /// meets a zip bomb.
    pub fn check_parts(&mut self) -> Result<(), String> {
        self.check_parts_within(crate::input::PACKAGE_PART)
    }

    fn check_parts_within(&mut self, limit: crate::input::Limit) -> Result<(), String> {
        for i in 0..self.0.len() {
            let file = self.0.by_index(i).map_err(|e| e.to_string())?;
            let name = file.name().to_string();
            let read = std::io::copy(&mut file.take(limit.bytes + 1), &mut std::io::sink())
                .map_err(|e| format!("{name}: {e}"))?;
            if read > limit.bytes {
                return Err(format!(
                    "{name} inflates to more than {}, the limit for {}",
                    crate::input::size(limit.bytes),
                    limit.what
                ));
            }
        }
        Ok(())
    }

    fn part_within(
        &mut self,
        name: &str,
        limit: crate::input::Limit,
    ) -> Result<Option<String>, String> {
        let file = match self.0.by_name(name) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(format!("{name}: {e}")),
        };
        let claimed = file.size();
        let bytes = crate::input::read_capped(file, limit.bytes, claimed)
            .map_err(|e| format!("{name}: {e}"))?
            .ok_or_else(|| {
                format!(
                    "{name} inflates to more than {}, the limit for {}",
                    crate::input::size(limit.bytes),
                    limit.what
                )
            })?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| format!("{name}: stream did not contain valid UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_parts_present_absent_and_not_a_zip() {
        let mut bytes = Vec::new();
        {
            use std::io::Write;
            let mut z = zip::ZipWriter::new(Cursor::new(&mut bytes));
            z.start_file("a.xml", zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(b"<a/>").unwrap();
            z.finish().unwrap();
        }
        let mut p = Package::open(&bytes).unwrap();
        assert_eq!(p.part("a.xml").unwrap().as_deref(), Some("<a/>"));
        assert_eq!(p.part("b.xml").unwrap(), None);
        assert!(Package::open(b"plain text").is_err());
    }

    #[test]
    fn a_part_that_inflates_past_its_limit_is_refused() {
        use std::io::Write;
        let mut bytes = Vec::new();
        {
            let mut z = zip::ZipWriter::new(Cursor::new(&mut bytes));
            z.start_file(
                "word/document.xml",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            let spaces = vec![b' '; 1 << 20];
            for _ in 0..3 {
                z.write_all(&spaces).unwrap();
            }
            z.finish().unwrap();
        }
        assert!(bytes.len() < 64 * 1024, "{}", bytes.len());
        let limit = crate::input::Limit {
            bytes: 2 << 20,
            what: "a test part",
        };
        let mut p = Package::open(&bytes).unwrap();
        assert_eq!(
            p.part_within("word/document.xml", limit).unwrap_err(),
            "word/document.xml inflates to more than 2 MiB, the limit for a test part"
        );
        let roomy = crate::input::Limit {
            bytes: 3 << 20,
            what: "a test part",
        };
        let text = p.part_within("word/document.xml", roomy).unwrap().unwrap();
        assert_eq!(text.len(), 3 << 20);
        let mut p = Package::open(&bytes).unwrap();
        assert_eq!(
            p.check_parts_within(limit).unwrap_err(),
            "word/document.xml inflates to more than 2 MiB, the limit for a test part"
        );
    }

    #[test]
    fn escape_keeps_text_and_drops_what_xml_forbids() {
        assert_eq!(
            escape("a & <b> \"c\"\ttab\nline\u{0B}\u{1}"),
            "a &amp; &lt;b&gt; &quot;c&quot;\ttab\nline"
        );
    }
}
