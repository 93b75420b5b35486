//! Quoting checks for CSV text read from the user (survey transcripts,
//! `respondents.csv`, coding sheets): a quote that is never closed makes
//! the CSV reader take the rest of the file as one field, so later rows
//! (a withdrawn respondent among them) would silently become part of one
//! answer or attribute. The scan follows the quoting rules of the `csv`
//! crate's reader (a field is quoted when its first byte is `"`, `""`
//! inside it is one quote, a quote closes the field), so it sees the
//! fields that reader sees; the reading itself stays with the reader.
//!
//! Two shapes are errors:
//! - a quoted field that runs to the end of the file;
//! - a quoted field that takes in a later line which looks like a row of
//!   its own: it starts with a value shaped like the first field of the
//!   row the quote is on (same letters, digits and punctuation pattern,
//!   with a digit, e.g. `E02` under `E01` or `E10` under `E9`) followed by
//!   the delimiter, and has as many delimiters outside quotes as the
//!   header, none followed by a space (as a sentence's commas are). A
//!   legitimate multi-line answer rarely does all that; a missing closing
//!   quote does.

use crate::error::{Error, Location, Result};

const HINT: &str =
    "close the field with `\"` where it ends; a `\"` inside a quoted field is written twice (`\"\"`)";

/// Checks the quoting of CSV `text` with `delimiter`; `shown` names the file
/// in errors, whose column is the CSV column (field) the quote opens.
pub fn check(text: &str, delimiter: u8, shown: &str) -> Result<()> {
    let bytes = text.as_bytes();
    let mut line = 1usize;
    // Delimiters on the first record's first line: the header's width - 1.
    let mut header_delims: Option<usize> = None;
    let mut i = 0;
    let mut record_start = 0usize;
    let mut field = 1usize;
    while i < bytes.len() {
        let b = bytes[i];
        // At the start of a field.
        if b == b'"' {
            let (q_line, q_field) = (line, field);
            let first_field = if field == 1 {
                None
            } else {
                Some(first_field(&text[record_start..], delimiter))
            };
            let opened = i;
            i += 1;
            // Inside the quotes; the first line taken in that looks like a
            // row, told only when the quote is closed (else the end of the
            // file is the plainer message).
            let mut closed = false;
            let mut row_like: Option<(usize, &str)> = None;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' if bytes.get(i + 1) == Some(&b'"') => i += 2,
                    b'"' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    b'\n' => {
                        line += 1;
                        i += 1;
                        if let (None, Some(first), Some(width)) =
                            (row_like, first_field, header_delims)
                        {
                            let here = physical_line(text, i);
                            if looks_like_row(here, first, delimiter, width) {
                                row_like = Some((line, here));
                            }
                        }
                    }
                    _ => i += 1,
                }
            }
            if !closed {
                let more = match text[opened..].lines().count() - 1 {
                    0 => String::new(),
                    1 => ", taking in 1 more line".to_string(),
                    n => format!(", taking in {n} more lines"),
                };
                return Err(Error::at(
                    Location::at(shown, q_line, q_field),
                    format!(
                        "unclosed quote: the field that starts here runs to the end of the file{more}"
                    ),
                )
                .with_hint(HINT));
            }
            if let Some((at, here)) = row_like {
                return Err(Error::at(
                    Location::at(shown, q_line, q_field),
                    format!(
                        "the quoted field that starts here takes in line {at}, which looks like a row of its own (`{}…`)",
                        preview(self::first_field(here, delimiter))
                    ),
                )
                .with_hint(format!("a closing quote is probably missing: {HINT}")));
            }
        }
        // The rest of the field, unquoted (or after its closing quote):
        // quotes here are plain characters.
        while i < bytes.len() && bytes[i] != delimiter && bytes[i] != b'\n' && bytes[i] != b'\r' {
            i += 1;
        }
        match bytes.get(i) {
            Some(&d) if d == delimiter => {
                field += 1;
                i += 1;
            }
            Some(_) => {
                // The end of the record (`\r`, `\n`, `\r\n`, and blank
                // lines after it).
                if header_delims.is_none() {
                    header_delims = Some(field - 1);
                }
                while i < bytes.len() && (bytes[i] == b'\n' || bytes[i] == b'\r') {
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                record_start = i;
                field = 1;
            }
            None => {}
        }
    }
    Ok(())
}

/// The text up to the first delimiter or line end.
fn first_field(rest: &str, delimiter: u8) -> &str {
    let end = rest
        .bytes()
        .position(|b| b == delimiter || b == b'\n' || b == b'\r')
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The line that starts at byte `at`, without its ending.
fn physical_line(text: &str, at: usize) -> &str {
    let rest = &text[at..];
    let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    &rest[..end]
}

/// Letters as `a`, a run of digits as one `9`, the rest as is: `E01`,
/// `E02`, `E9` and `E10` share a shape (ids are numbered with and without
/// leading zeros), `Sí` and `E01` do not.
fn shape(s: &str) -> impl Iterator<Item = char> + '_ {
    let mut prev_digit = false;
    s.chars().filter_map(move |c| {
        let digit = c.is_ascii_digit();
        let out = if digit {
            (!prev_digit).then_some('9')
        } else if c.is_alphabetic() {
            Some('a')
        } else {
            Some(c)
        };
        prev_digit = digit;
        out
    })
}

/// The delimiters of `line` outside quotes (a `"` opens or closes them),
/// as a record's fields count them; `None` when one is followed by a
/// space, as commas in a sentence are (`2017, cuando llegué…`) and the
/// delimiters of an exported row are not.
fn row_delimiters(line: &str, delimiter: u8) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut quoted = false;
    let mut n = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            if delimiter != b' ' && bytes.get(i + 1) == Some(&b' ') {
                return None;
            }
            n += 1;
        }
    }
    Some(n)
}

/// Whether `line`, inside a quoted field of the row whose first field is
/// `first`, starts like a row of its own.
fn looks_like_row(line: &str, first: &str, delimiter: u8, header_delims: usize) -> bool {
    let first = first.trim();
    if first.is_empty() || !first.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let lead = first_field(line, delimiter);
    lead.len() < line.len()
        && shape(lead.trim()).eq(shape(first))
        && row_delimiters(line, delimiter) == Some(header_delims.max(1))
}

/// The start of a line for a message: at most 40 characters.
fn preview(line: &str) -> String {
    match line.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(text: &str) -> String {
        check(text, b',', "s.csv").unwrap_err().report()
    }

    #[test]
    fn a_quote_running_to_the_end_of_the_file_is_an_error_at_its_field() {
        let r = report("id,provincia,p1,p2\nE01,Cusco,No.,\"La policía no vino\nE02,Puno,Sí.,La comisaría.\nE03,Puno,No.,No.\n");
        assert_eq!(
            r,
            "error: unclosed quote: the field that starts here runs to the end of the file, taking in 2 more lines\n  --> s.csv:2:4\n  = help: close the field with `\"` where it ends; a `\"` inside a quoted field is written twice (`\"\"`)"
        );
        // Without a final newline, on the last line, in the header.
        assert!(report("id,p1\nE01,\"abc").contains("end of the file\n  --> s.csv:2:2"));
        assert!(report("id,\"p1\nE01,abc\n").contains("taking in 1 more line\n  --> s.csv:1:2"));
        // With CRLF line ends and blank lines between records.
        assert!(report("id,p1\r\n\r\nE01,x\r\nE02,\"abc\r\n").contains("--> s.csv:4:2"));
    }

    #[test]
    fn closed_and_escaped_quotes_and_multiline_answers_pass() {
        for ok in [
            "id,p1\nE01,\"a, \"\"quoted\"\" word\"\nE02,b\n",
            "id,p1\nE01,\"first line\nsecond, with a comma\"\nE02,b\n",
            // A quote inside an unquoted field, or after a closing quote, is a character.
            "id,p1\nE01,5\" screen\nE02,\"a\"b\"\n",
            "id;p1\nE01;\"a;b\"\n",
            "id,p1,p2\nE01,\"Yes, and\n12 of them, then, later\",x\n",
            "",
            "id\n",
        ] {
            check(ok, if ok.contains(';') { b';' } else { b',' }, "s.csv")
                .unwrap_or_else(|e| panic!("{ok:?}: {}", e.report()));
        }
    }

    #[test]
    fn a_quoted_field_taking_in_a_row_like_line_is_an_error() {
        let r = report("id,withdrawn,profile\nR01,,\"relative\nR02,yes,relative\"\n");
        assert_eq!(
            r,
            "error: the quoted field that starts here takes in line 3, which looks like a row of its own (`R02…`)\n  --> s.csv:2:3\n  = help: a closing quote is probably missing: close the field with `\"` where it ends; a `\"` inside a quoted field is written twice (`\"\"`)"
        );
        // Fewer delimiters than the header: text, not a row.
        check(
            "id,withdrawn,profile\nR01,,\"relative\nR02, later\"\n",
            b',',
            "s.csv",
        )
        .unwrap();
        // Ids numbered without leading zeros, and a row with a quoted
        // delimiter in it.
        for text in [
            "id,withdrawn,profile\nR9,,\"relative\nR10,yes,relative\n\"\n",
            "id,p,q\n9,,\"x\n10,\"Sí, y no\",z\n\"\n",
        ] {
            assert!(
                report(text).contains("looks like a row of its own"),
                "{text}"
            );
        }
        // A genuine answer line with more commas than the header has.
        check(
            "id,region,p1,p2\n1001,Lima,\"Llegué\n2017, cuando llegué a Lima, la policía, el juez y mi tío me culparon.\",x\n",
            b',',
            "s.csv",
        )
        .unwrap();
        // Ids without a digit are not guessed at.
        check("id,a,b\nana,,\"x\nluis,y,z\"\n", b',', "s.csv").unwrap();
    }

    #[test]
    fn shapes_compare_letters_digits_and_the_rest() {
        assert!(shape("E01").eq(shape("X99")));
        assert!(shape("E01").eq(shape("E1")));
        assert!(shape("9").eq(shape("1001")));
        assert!(!shape("E01").eq(shape("01")));
        assert!(!shape("R-01").eq(shape("R01")));
    }
}
