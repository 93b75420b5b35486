//! Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, and legacy
//! single-byte encodings (Windows-1252 from Word, mostly) guessed with
//! chardetng. Line ends become `\n`. Binary files are refused.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

use crate::error::{Error, Location, Result};

/// Decoded text and how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, with `\n` line ends and no BOM.
    pub text: String,
    /// The encoding's name (`UTF-8`, `UTF-16LE`, `windows-1252`, …).
    pub encoding: String,
    /// Set when the file was not UTF-8: worth a warning naming the file.
    pub warning: Option<String>,
}

/// Decodes a text file's bytes (a codebook, a table, settings: not a
/// transcript); `shown` names the file in errors.
pub fn decode(bytes: &[u8], shown: &str) -> Result<Decoded> {
    decode_file(bytes, shown, None, false)
}

/// Decodes a transcript with a forced encoding (a BOM still wins), or
/// detects it.
pub fn decode_with(
    bytes: &[u8],
    shown: &str,
    forced: Option<&'static Encoding>,
) -> Result<Decoded> {
    decode_file(bytes, shown, forced, true)
}

/// [`decode_with`]; `transcript` says what the file is, for the error
/// about a binary file.
fn decode_file(
    bytes: &[u8],
    shown: &str,
    forced: Option<&'static Encoding>,
    transcript: bool,
) -> Result<Decoded> {
    if let Some(enc) = forced {
        let has_bom = bytes.starts_with(b"\xEF\xBB\xBF")
            || bytes.starts_with(b"\xFF\xFE")
            || bytes.starts_with(b"\xFE\xFF");
        if !has_bom {
            let (text, _, had_errors) = enc.decode(bytes);
            if had_errors {
                return Err(Error::at(Location::file(shown), format!("the file is not valid {}", enc.name()))
                    .with_hint("check `encoding:` in thematic.yaml (or --encoding), or remove it to detect the encoding"));
            }
            return Ok(Decoded {
                text: normalize_newlines(text.into_owned()),
                encoding: enc.name().to_string(),
                warning: None,
            });
        }
    }
    let (text, encoding, warning) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(rest).map_err(|e| utf8_error(shown, rest, e))?;
        (text.to_string(), "UTF-8".to_string(), None)
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let enc = if bytes[0] == 0xFF { UTF_16LE } else { UTF_16BE };
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[2..]);
        if had_errors {
            return Err(Error::at(
                Location::file(shown),
                format!(
                    "the file starts with a {} byte-order mark but is not valid {}",
                    enc.name(),
                    enc.name()
                ),
            )
            .with_hint("re-save the file as UTF-8"));
        }
        (text.into_owned(), enc.name().to_string(), None)
    } else {
        if let Some(enc) = utf16_without_bom(bytes) {
            return Err(Error::at(
                Location::file(shown),
                format!(
                    "this file looks like {} text without a byte-order mark (every other byte is NUL), which thematic does not guess",
                    enc.name()
                ),
            )
            .with_hint("re-save it as UTF-8 (in most editors: Save as… → Encoding: UTF-8)"));
        }
        if looks_binary(bytes) {
            return Err(if transcript {
                Error::at(Location::file(shown), "this is a binary file, not a text transcript")
                    .with_hint("export the transcript as .txt, .md (UTF-8), or remove it from the transcripts folder")
            } else {
                Error::at(
                    Location::file(shown),
                    "this is a binary file, not text (it has NUL bytes or other control bytes)",
                )
                .with_hint("save it again as UTF-8 text, or point the settings at the right file")
            });
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => (text.to_string(), "UTF-8".to_string(), None),
            Err(_) => match nearly_utf8(bytes, shown) {
                Some(damaged) => damaged,
                None => {
                    let mut det =
                        chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
                    det.feed(bytes, true);
                    let guess: &'static Encoding = det.guess(None, chardetng::Utf8Detection::Deny);
                    // Short Latin-script texts are easily mistaken for another
                    // Latin code page; Word's Windows-1252 is what these studies
                    // meet, so other Latin guesses read as Windows-1252. Guesses
                    // of other scripts (Cyrillic, Greek, CJK…) are kept.
                    let latin = [
                        "windows-1250",
                        "ISO-8859-2",
                        "ISO-8859-15",
                        "windows-1254",
                        "ISO-8859-9",
                        "windows-1257",
                        "ISO-8859-4",
                        "ISO-8859-13",
                        "windows-1258",
                        "ISO-8859-3",
                        "ISO-8859-10",
                        "ISO-8859-14",
                        "ISO-8859-16",
                    ];
                    let enc = if latin.contains(&guess.name()) {
                        encoding_rs::WINDOWS_1252
                    } else {
                        guess
                    };
                    let (text, _, had_errors) = enc.decode(bytes);
                    if had_errors {
                        return Err(Error::at(
                            Location::file(shown),
                            format!("the file is neither UTF-8 nor readable as {}", enc.name()),
                        )
                        .with_hint("re-save the file as UTF-8"));
                    }
                    let name = enc.name().to_string();
                    let warning = format!(
                    "{shown}: not UTF-8; decoded as {name} (re-save it as UTF-8 to silence this)"
                );
                    (text.into_owned(), name, Some(warning))
                }
            },
        }
    };
    if text.contains('\0') {
        return Err(Error::at(
            Location::file(shown),
            "the file contains NUL characters: it is binary or mis-encoded",
        )
        .with_hint("re-save the file as UTF-8 text"));
    }
    Ok(Decoded {
        text: normalize_newlines(text),
        encoding,
        warning,
    })
}

/// A file that is UTF-8 but for a few bad bytes (a stray Windows-1252
/// character pasted in, a damaged byte): read as UTF-8 with each bad
/// sequence replaced by U+FFFD, with a warning naming the lines. Reading it
/// as Windows-1252 instead would garble every accented letter of the file
/// (`niña` → `niÃ±a`). "A few": the file has valid multi-byte UTF-8
/// characters, more of them than bad sequences, and the bad sequences are
/// at most 16 or under 1 in 1000 bytes. A file with no valid multi-byte
/// character is left to the legacy-encoding guess (a Windows-1252 file has
/// none).
fn nearly_utf8(bytes: &[u8], shown: &str) -> Option<(String, String, Option<String>)> {
    let (mut good, mut bad) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        good += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        bad += usize::from(!chunk.invalid().is_empty());
    }
    if good == 0 || bad >= good || (bad > 16 && bad * 1000 >= bytes.len()) {
        return None;
    }
    let mut text = String::with_capacity(bytes.len() + 2 * bad);
    let mut lines: Vec<usize> = Vec::new();
    let mut line = 1;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        line += chunk.valid().bytes().filter(|&b| b == b'\n').count();
        if !chunk.invalid().is_empty() {
            text.push(char::REPLACEMENT_CHARACTER);
            if lines.last() != Some(&line) {
                lines.push(line);
            }
        }
    }
    let shown_lines = lines
        .iter()
        .take(10)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let more = if lines.len() > 10 { ", …" } else { "" };
    let (s, what) = if lines.len() == 1 {
        ("", "line")
    } else {
        ("s", "lines")
    };
    let warning = format!(
        "{shown}: {bad} byte sequence{} that {} not UTF-8 on {what} {shown_lines}{more} replaced by U+FFFD (the rest of the file is UTF-8; fix the character{s} there, or re-save the file as UTF-8)",
        if bad == 1 { "" } else { "s" },
        if bad == 1 { "is" } else { "are" },
    );
    Some((text, "UTF-8".to_string(), Some(warning)))
}

fn utf8_error(shown: &str, bytes: &[u8], e: std::str::Utf8Error) -> Error {
    let upto = &bytes[..e.valid_up_to()];
    let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = upto.len() - upto.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
    Error::at(
        Location::at(shown, line, col),
        "the file starts with a UTF-8 byte-order mark but has invalid UTF-8 here",
    )
    .with_hint("re-save the file as UTF-8")
}

/// A NUL byte or many control bytes in the first 8 KiB mean binary.
/// UTF-16 without a BOM, as some Windows tools save "Unicode" text: in
/// the file's head, nearly every pair of bytes is one NUL and one not, on
/// the same side (NUL second: little-endian). Text in Latin scripts has a
/// NUL high byte in every character; a binary file rarely has this rhythm.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(8192)];
    let pairs = head.len() / 2;
    if pairs < 4 {
        return None;
    }
    let (mut le, mut be) = (0, 0);
    for p in head.chunks_exact(2) {
        match (p[0], p[1]) {
            (a, 0) if a != 0 => le += 1,
            (0, b) if b != 0 => be += 1,
            _ => {}
        }
    }
    if le * 10 >= pairs * 9 {
        Some(UTF_16LE)
    } else if be * 10 >= pairs * 9 {
        Some(UTF_16BE)
    } else {
        None
    }
}

fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C))
        .count();
    controls * 10 > head.len().max(1)
}

/// `\r\n` and lone `\r` become `\n`.
pub fn normalize_newlines(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_without_a_bom_is_named_and_binary_stays_binary() {
        let le: Vec<u8> = "R02: Nos culpan, dijo la señora.\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let r = decode(&le, "transcripts/u16.txt").unwrap_err().report();
        assert_eq!(
            r,
            "error: this file looks like UTF-16LE text without a byte-order mark (every other byte is NUL), which thematic does not guess\n  --> transcripts/u16.txt\n  = help: re-save it as UTF-8 (in most editors: Save as… → Encoding: UTF-8)"
        );
        let be: Vec<u8> = "Entrevistador: ¿Qué pasó?\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert!(decode(&be, "a.txt")
            .unwrap_err()
            .report()
            .contains("looks like UTF-16BE text"));
        // With a BOM it is read; other bytes with NULs are binary.
        let mut bom = vec![0xFF, 0xFE];
        bom.extend_from_slice(&le);
        assert!(decode(&bom, "a.txt").unwrap().text.starts_with("R02: Nos"));
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0";
        assert!(decode(png, "a.txt")
            .unwrap_err()
            .report()
            .starts_with("error: this is a binary file"));
    }

    #[test]
    fn utf8_with_bom_and_crlf() {
        let d = decode(b"\xEF\xBB\xBFR01: Hola\r\nsegunda\r\n", "a.txt").unwrap();
        assert_eq!(d.text, "R01: Hola\nsegunda\n");
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.warning.is_none());
    }

    #[test]
    fn utf16_le_and_be() {
        let mut le = vec![0xFF, 0xFE];
        for u in "Niña: sí".encode_utf16() {
            le.extend(u.to_le_bytes());
        }
        assert_eq!(decode(&le, "a.txt").unwrap().text, "Niña: sí");
        let mut be = vec![0xFE, 0xFF];
        for u in "Año".encode_utf16() {
            be.extend(u.to_be_bytes());
        }
        assert_eq!(decode(&be, "a.txt").unwrap().text, "Año");
    }

    #[test]
    fn windows_1252_is_decoded_with_a_warning() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252
            .encode("La niña volvió a su comunidad, “contenta” según su mamá.");
        let d = decode(&bytes, "t/r01.txt").unwrap();
        assert_eq!(
            d.text,
            "La niña volvió a su comunidad, “contenta” según su mamá."
        );
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.warning.unwrap().contains("t/r01.txt"));
    }

    #[test]
    fn short_latin_texts_read_as_windows_1252() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("Sí. Niño, señora.");
        assert_eq!(decode(&bytes, "a.txt").unwrap().text, "Sí. Niño, señora.");
        let (bytes, _, _) = encoding_rs::WINDOWS_1251
            .encode("Привет, как дела? Это длинный русский текст для проверки.");
        assert_eq!(decode(&bytes, "a.txt").unwrap().encoding, "windows-1251");
    }

    #[test]
    fn a_few_bad_bytes_in_utf8_are_replaced_not_a_reason_for_windows_1252() {
        let mut bytes = "R01: La niña volvió con su mamá.\nE: ¿Y después?\n"
            .as_bytes()
            .to_vec();
        bytes.extend(b"R01: Trabaj\xe9 en el mercado.\n");
        let d = decode(&bytes, "t/r01.txt").unwrap();
        assert_eq!(
            d.text,
            "R01: La niña volvió con su mamá.\nE: ¿Y después?\nR01: Trabaj\u{FFFD} en el mercado.\n"
        );
        assert_eq!(d.encoding, "UTF-8");
        let w = d.warning.unwrap();
        assert!(
            w.starts_with("t/r01.txt: 1 byte sequence that is not UTF-8 on line 3 replaced by"),
            "{w}"
        );
        // Many bad bytes, or no valid UTF-8 at all, is another encoding.
        let (cp, _, _) = encoding_rs::WINDOWS_1252.encode("Niña, señora, mamá: volvió.");
        let mut mixed = "año ".as_bytes().to_vec();
        mixed.extend(cp.iter());
        assert_eq!(decode(&mixed, "a.txt").unwrap().encoding, "windows-1252");
    }

    #[test]
    fn binary_is_refused_as_what_the_file_is() {
        let zip = b"PK\x03\x04\x00\x00binary";
        let e = decode_with(zip, "t/x.txt", None).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e
            .report()
            .starts_with("error: this is a binary file, not a text transcript\n  --> t/x.txt\n"));
        // A codebook or table is no transcript to remove from a folder.
        let e = decode(zip, "codebooks/main.yaml").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.report(),
            "error: this is a binary file, not text (it has NUL bytes or other control bytes)\n  --> codebooks/main.yaml\n  = help: save it again as UTF-8 text, or point the settings at the right file"
        );
    }
}
