//! The pseudonym key file: real text → replacement, matched like codebook
//! terms (case and accents folded, whole tokens, a trailing `*` makes the
//! last token a prefix), longest match first, the replacement written as
//! the key file has it.
//!
//! ```yaml
//! - {find: [Rosa Quispe, Rosa], replace: "[survivor, 19]"}
//! - {find: [Puerto Maldonado], replace: "[a mining town]"}
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Location, Result};
use crate::text::normalize_into;

/// One entry of the key file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    find: Vec<String>,
    replace: String,
}

/// A term to find: its normalised tokens, the last one a prefix when the
/// term ends in `*`.
#[derive(Debug, Clone)]
struct Term {
    /// As written in the key file (or the identifying value).
    raw: String,
    tokens: Vec<String>,
    prefix: bool,
    /// The key-file entry it belongs to; `None` for an identifying value,
    /// which the gate looks for and only [`Pseudonyms::apply_masked`] replaces.
    entry: Option<usize>,
    /// For an identifying value, its respondents.csv column.
    column: Option<String>,
}

/// A key-file entry: the replacement and where it is.
#[derive(Debug, Clone)]
struct Entry {
    replace: String,
    line: usize,
}

/// One replacement made by [`Pseudonyms::apply_logged`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Replaced {
    /// The `find` term that matched, as the key file writes it.
    pub term: String,
    /// What it was replaced by.
    pub replace: String,
}

/// The study's pseudonyms (empty when there is no key file).
#[derive(Debug, Clone, Default)]
pub(crate) struct Pseudonyms {
    /// The key file as shown in messages.
    shown: String,
    entries: Vec<Entry>,
    terms: Vec<Term>,
    /// Terms by first token (exact first tokens only).
    by_first: BTreeMap<String, Vec<usize>>,
    /// Terms of one token that is a prefix.
    prefixes: Vec<usize>,
    /// Identifying values that are phone numbers (see [`Phone`]).
    phones: Vec<Phone>,
}

/// An identifying value that is a phone number (`+51 984 000 333`): found
/// however the text writes its digits (`984000333`, `984-000-333`, with or
/// without the country code), since people say and type numbers in many
/// ways.
#[derive(Debug, Clone)]
struct Phone {
    /// Its digits.
    digits: String,
    /// Its digit groups after the first are of three digits each (`+51 984
    /// 000 333`, or one group): a run of digits grouped so in a text
    /// (`4 000 333`) may be it; otherwise (`(01) 500 0000`) such a run is
    /// an amount (`5 000 000 soles`), not this number.
    thousands: bool,
    /// The term it also is (its raw text and column).
    term: usize,
}

/// Digits a run must have to be taken for a phone number (fewer could be
/// a year, an amount, an age).
const PHONE_DIGITS: usize = 7;

/// What may stand between the digit groups of a phone number: spaces
/// (no-break and thin ones too), dashes and hyphens of every kind, dots,
/// parentheses and slashes.
fn phone_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '-'
            | '.'
            | '('
            | ')'
            | '/'
            | '\u{a0}'
            | '\u{2007}'
            | '\u{2009}'
            | '\u{202f}'
            | '\u{2010}'..='\u{2015}' | '\u{2212}'
    ) || crate::text::invisible(c)
}

/// The digits of `value` when it is written as a phone number: digits,
/// a `+` and [`phone_separator`]s only, with at least [`PHONE_DIGITS`]
/// digits.
fn phone_digits(value: &str) -> Option<String> {
    let value = value.trim();
    let ok = value
        .chars()
        .all(|c| c.is_ascii_digit() || c == '+' || phone_separator(c));
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    (ok && digits.len() >= PHONE_DIGITS).then_some(digits)
}

/// A token of a text: its byte range in the original text and its
/// normalised form (as `text::normalize` + `text::tokens` give it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    /// Start byte in the original text.
    pub start: usize,
    /// End byte (exclusive) in the original text.
    pub end: usize,
    /// The normalised token.
    pub norm: String,
}

/// The tokens of `text` with their places in it: each character is
/// normalised on its own (as `text::normalize` does, after its
/// compatibility decomposition: fullwidth `Ｍａｒíａ` is `maria`), and a
/// token is a run of alphanumeric normalised characters; a character that
/// normalises to nothing (a combining mark) or shows nothing (see
/// [`crate::text::invisible`]) stays inside the token it follows, so that a name is
/// found whatever a reader cannot see in it.
pub(super) fn tokens(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut open = false;
    let mut buf = String::new();
    let mut compat = String::new();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        if crate::text::invisible(c) {
            buf.clear();
        } else {
            compat.clear();
            unicode_normalization::char::decompose_compatible(c, |d| compat.push(d));
            normalize_into(&compat, &mut buf);
        }
        if buf.is_empty() {
            if let (true, Some(t)) = (open, out.last_mut()) {
                t.end = end;
            }
            continue;
        }
        for n in buf.chars() {
            if n.is_alphanumeric() {
                match (open, out.last_mut()) {
                    (true, Some(t)) => {
                        t.end = end;
                        t.norm.push(n);
                    }
                    _ => {
                        out.push(Token {
                            start: i,
                            end,
                            norm: n.to_string(),
                        });
                        open = true;
                    }
                }
            } else {
                open = false;
            }
        }
    }
    out
}

/// A term's tokens and whether its last one is a prefix; an error message
/// when it is not a term.
fn term(raw: &str) -> std::result::Result<(Vec<String>, bool), String> {
    let trimmed = raw.trim();
    let (body, prefix) = match trimmed.strip_suffix('*') {
        Some(b) => (b, true),
        None => (trimmed, false),
    };
    if body.contains('*') {
        return Err(format!(
            "`{raw}` has a `*` before its end; only a trailing `*` (a prefix) is allowed"
        ));
    }
    let toks: Vec<String> = tokens(body).into_iter().map(|t| t.norm).collect();
    if toks.is_empty() {
        return Err(format!(
            "`{raw}` has no letters or digits to find; remove it or write the name"
        ));
    }
    Ok((toks, prefix))
}

/// The 1-based line of each top-level item of a YAML list (a line that
/// starts with `-`), in order.
fn item_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with('-'))
        .map(|(i, _)| i + 1)
        .collect()
}

impl Pseudonyms {
    /// Reads the key file at `path` (`shown` in messages). No file means
    /// no pseudonyms. Returns the warnings to print (a key file others may
    /// read). A syntax error, an empty `find`, a term in two entries, or a
    /// replacement that contains a `find` term is an error (exit 2) with
    /// the file and line.
    pub(crate) fn load(path: &Path, shown: &str) -> Result<(Pseudonyms, Vec<String>)> {
        if std::fs::symlink_metadata(path).is_err() {
            return Ok((Pseudonyms::default(), Vec::new()));
        }
        let bytes = crate::input::read_user_file(path, shown, crate::input::YAML)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::at(Location::file(shown), "the key file is not UTF-8")
                .with_hint("save it as UTF-8")
        })?;
        let mut warnings = Vec::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(path) {
                if meta.permissions().mode() & 0o077 != 0 {
                    warnings.push(format!(
                        "{shown} can be read by other users of this computer; it holds real names: run `chmod 600 {shown}`"
                    ));
                }
            }
        }
        Ok((Pseudonyms::parse(&text, shown)?, warnings))
    }

    /// Parses key-file text (see [`Pseudonyms::load`]).
    pub(crate) fn parse(text: &str, shown: &str) -> Result<Pseudonyms> {
        let raw: Vec<RawEntry> = if text.trim().is_empty() {
            Vec::new()
        } else {
            crate::input::check_yaml(text, shown)?;
            serde_yaml::from_str::<Option<Vec<RawEntry>>>(text)
                .map_err(|e| {
                    let err = crate::study::yaml_error(shown, &e);
                    if err.report().contains("this file must be a list") {
                        err.with_hint(
                            "write one entry a line: `- {find: [Rosa Quispe, Rosa], replace: \"[survivor, 19]\"}`",
                        )
                    } else {
                        err
                    }
                })?
                .unwrap_or_default()
        };
        let lines = item_lines(text);
        let line_of = |i: usize| {
            if lines.len() == raw.len() {
                lines[i]
            } else {
                1
            }
        };
        let mut p = Pseudonyms {
            shown: shown.to_string(),
            ..Default::default()
        };
        let mut seen: BTreeMap<(Vec<String>, bool), usize> = BTreeMap::new();
        for (i, e) in raw.iter().enumerate() {
            let line = line_of(i);
            let at = || Location::line(shown, line);
            if e.find.is_empty() {
                return Err(Error::at(at(), "this entry's `find` is empty").with_hint(
                    "list the names or places to replace, e.g. `find: [Rosa Quispe, Rosa]`",
                ));
            }
            if e.replace.trim().is_empty() {
                return Err(Error::at(at(), "this entry's `replace` is empty")
                    .with_hint("write a marked replacement such as \"[survivor, 19]\": a blank hides that something was replaced"));
            }
            p.entries.push(Entry {
                replace: e.replace.clone(),
                line,
            });
            for f in &e.find {
                let (toks, prefix) = term(f).map_err(|m| {
                    Error::at(at(), m).with_hint(
                        "each `find` item is a name, a place or a prefix such as `Quisp*`",
                    )
                })?;
                if let Some(&other) = seen.get(&(toks.clone(), prefix)) {
                    if other != i {
                        return Err(Error::at(
                            at(),
                            format!(
                                "`{f}` is also found by the entry at line {}",
                                p.entries[other].line
                            ),
                        )
                        .with_hint("keep each name in one entry, so that it is always replaced the same way"));
                    }
                }
                seen.insert((toks.clone(), prefix), i);
                p.push(Term {
                    raw: f.trim().to_string(),
                    tokens: toks,
                    prefix,
                    entry: Some(i),
                    column: None,
                });
            }
        }
        for e in &p.entries {
            if let Some(t) = p.first_match(&tokens(&e.replace), |t| t.entry.is_some()) {
                return Err(Error::at(
                    Location::line(shown, e.line),
                    format!(
                        "the replacement \"{}\" contains the find term `{}`",
                        e.replace, p.terms[t.0].raw
                    ),
                )
                .with_hint("a replacement must not itself be a name to replace: reword it"));
            }
        }
        Ok(p)
    }

    fn push(&mut self, t: Term) {
        let i = self.terms.len();
        if t.prefix && t.tokens.len() == 1 {
            self.prefixes.push(i);
        } else {
            self.by_first
                .entry(t.tokens[0].clone())
                .or_default()
                .push(i);
        }
        self.terms.push(t);
    }

    /// Adds the values of the respondents.csv columns declared identifying
    /// (`identifying:` in thematic.yaml): [`Pseudonyms::leaks`] looks for
    /// them, nothing replaces them. Each is `(column, value)`.
    pub(crate) fn with_identifying<'a>(
        mut self,
        values: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Pseudonyms {
        for (column, v) in values {
            let toks: Vec<String> = tokens(v).into_iter().map(|t| t.norm).collect();
            if toks.is_empty() {
                continue;
            }
            // A cell may hold several numbers (`984 222 333 / 01 427 8812`).
            let phones_before = self.phones.len();
            for part in v.split(['/', ';', ',', '|']) {
                let Some(digits) = phone_digits(part) else {
                    continue;
                };
                let groups: Vec<&str> = part
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|g| !g.is_empty())
                    .collect();
                self.phones.push(Phone {
                    digits,
                    thousands: groups.iter().skip(1).all(|g| g.len() == 3),
                    term: self.terms.len(),
                });
            }
            let term = Term {
                raw: v.trim().to_string(),
                tokens: toks,
                prefix: false,
                entry: None,
                column: Some(column.to_string()),
            };
            if self.phones.len() > phones_before {
                // A phone number is found by its digits only (see
                // `phone_at`), judged as a whole run: its tokens alone
                // would also match inside a longer number.
                self.terms.push(term);
            } else {
                self.push(term);
            }
        }
        self
    }

    /// True when the key file has no entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The key file's replacements (`[survivor A]`), in file order.
    pub(crate) fn replacements(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.replace.as_str())
    }

    /// The key file as shown in messages.
    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    /// Whether term `t` matches at token `i`; the end token (exclusive).
    fn matches_at(&self, t: usize, toks: &[Token], i: usize) -> Option<usize> {
        let term = &self.terms[t];
        let n = term.tokens.len();
        if i + n > toks.len() {
            return None;
        }
        for (k, want) in term.tokens.iter().enumerate() {
            let have = &toks[i + k].norm;
            let ok = if term.prefix && k == n - 1 {
                have.starts_with(want.as_str())
            } else {
                have == want
            };
            if !ok {
                return None;
            }
        }
        Some(i + n)
    }

    /// The longest term (by the original text it covers; the earlier term
    /// on a tie) among those `keep` allows that matches at token `i`, with
    /// its end token.
    fn longest_at(
        &self,
        toks: &[Token],
        i: usize,
        keep: impl Fn(&Term) -> bool,
    ) -> Option<(usize, usize)> {
        let candidates = self
            .by_first
            .get(&toks[i].norm)
            .into_iter()
            .flatten()
            .chain(&self.prefixes);
        let mut best: Option<(usize, usize, usize)> = None;
        for &t in candidates {
            if !keep(&self.terms[t]) {
                continue;
            }
            if let Some(end) = self.matches_at(t, toks, i) {
                let len = toks[end - 1].end - toks[i].start;
                if best.is_none_or(|(bt, _, bl)| len > bl || (len == bl && t < bt)) {
                    best = Some((t, end, len));
                }
            }
        }
        best.map(|(t, end, _)| (t, end))
    }

    /// A phone number of [`Pseudonyms::phones`] written from token `i` on,
    /// however its digits are grouped: digit runs apart by at most three
    /// separators ([`phone_separator`]), within letters too (`tel984000333`,
    /// `984000333x2`), whose digits (leading zeros or not) are the number's
    /// last ones (without its country code) or end with all of them. The
    /// term and end token.
    fn phone_at(&self, text: &str, toks: &[Token], i: usize) -> Option<(usize, usize)> {
        if self.phones.is_empty() || !toks[i].norm.contains(|c: char| c.is_ascii_digit()) {
            return None;
        }
        // Each run of digits in the first token; only the one at its end
        // may go on into the next tokens. A run is judged whole: a number
        // with more digits after it (`4312276-5`, an id) is another.
        let first = toks[i].norm.as_bytes();
        let mut runs = Vec::new();
        let mut k = 0;
        while k < first.len() {
            let start = k;
            while k < first.len() && first[k].is_ascii_digit() {
                k += 1;
            }
            if k > start {
                runs.push((start, k));
            }
            k += 1;
        }
        // A `+` just before the number (`+51…`, `(+51)`): a country code.
        let before = &text[..toks[i].start];
        let plus = before.trim_end_matches(['(', ' ']).ends_with('+');
        for (start, stop) in runs {
            let at_end = stop == first.len();
            let mut digits = toks[i].norm[start..stop].to_string();
            let mut groups = vec![stop - start];
            let mut seps: Vec<&str> = Vec::new();
            let mut j = i;
            loop {
                let next = j + 1;
                let open = if j == i {
                    at_end
                } else {
                    toks[j].norm.bytes().all(|b| b.is_ascii_digit())
                };
                if !open || next >= toks.len() || digits.len() > 20 {
                    break;
                }
                let gap = &text[toks[j].end..toks[next].start];
                if gap.chars().count() > 3 || !gap.chars().all(phone_separator) {
                    break;
                }
                let head: String = toks[next]
                    .norm
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if head.is_empty() {
                    break;
                }
                digits.push_str(&head);
                groups.push(head.len());
                seps.push(gap);
                j = next;
            }
            if let Some(t) = self.phone_of(&digits, &groups, &seps, plus && start == 0) {
                return Some((t, j + 1));
            }
        }
        None
    }

    /// The phone term a whole run of digits is, if any: `groups` its digit
    /// groups as written, `seps` what stands between them, `plus` whether
    /// a `+` is before it.
    fn phone_of(&self, digits: &str, groups: &[usize], seps: &[&str], plus: bool) -> Option<usize> {
        let dt = digits.trim_start_matches('0');
        if dt.len() < PHONE_DIGITS {
            return None;
        }
        // A date (`3/10/2014`, `2014-10-03`) is no phone number.
        let date_sep = seps.len() == 2
            && seps.iter().all(|s| matches!(*s, "/" | "." | "-"))
            && seps[0] == seps[1];
        let date = date_sep
            && match groups {
                [d, m, y] => {
                    (*d <= 2 && *m <= 2 && (*y == 4 || *y == 2)) || (*d == 4 && *m <= 2 && *y <= 2)
                }
                _ => false,
            };
        if date {
            return None;
        }
        let thousands = groups.len() >= 2
            && (1..=3).contains(&groups[0])
            && groups[1..].iter().all(|&g| g == 3);
        self.phones
            .iter()
            .find(|p| {
                let pd = p.digits.trim_start_matches('0');
                // Grouped in thousands and short, it is an amount (`5 000
                // 000 soles`), unless the number itself is grouped so.
                if thousands && !p.thousands && dt.len() < 9 {
                    return false;
                }
                // All its digits; or its last ones, all but a country or
                // area code of at most three digits (`984000333` of `+51
                // 984 000 333`, not `4000333`); or it after a country code
                // (`+51…`) or whole digit groups (`12-310-2014`), not a
                // longer number that merely ends so (`43102014`).
                let extra = digits.len().saturating_sub(pd.len());
                let boundary = groups
                    .iter()
                    .scan(0, |sum, &g| {
                        *sum += g;
                        Some(*sum)
                    })
                    .any(|at| at == extra);
                dt == pd
                    || (pd.ends_with(dt) && dt.len() + 3 >= pd.len())
                    || (dt.len() > pd.len()
                        && dt.ends_with(pd)
                        && (boundary || (plus && dt.len() - pd.len() <= 3)))
            })
            .map(|p| p.term)
    }

    /// The first term `keep` allows that matches anywhere in `toks`.
    fn first_match(
        &self,
        toks: &[Token],
        keep: impl Fn(&Term) -> bool + Copy,
    ) -> Option<(usize, usize)> {
        (0..toks.len()).find_map(|i| self.longest_at(toks, i, keep))
    }

    /// `text` with every key-file term replaced by its entry's replacement,
    /// longest match first. Borrowed when nothing was replaced.
    pub(crate) fn apply<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.apply_inner(text, None, None, false)
    }

    /// [`Pseudonyms::apply`], and a value of an identifying column the key
    /// file does not name is masked as `[COLUMN]` (`[phone]`): for outputs
    /// people read on the spot (quote, search, matrix cells, chart files),
    /// which have no gate to refuse them.
    pub(crate) fn apply_masked<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.apply_inner(text, None, None, true)
    }

    /// [`Pseudonyms::apply`], also pushing each replacement made onto `log`.
    pub(crate) fn apply_logged<'a>(&self, text: &'a str, log: &mut Vec<Replaced>) -> Cow<'a, str> {
        self.apply_inner(text, Some(log), None, false)
    }

    /// [`Pseudonyms::apply_masked`], also giving each replacement made as
    /// the byte range of `text` it replaced and the length of what took its
    /// place, in order: what moves other ranges of the text (highlights)
    /// to where they are in the result.
    pub(crate) fn apply_masked_spans<'a>(
        &self,
        text: &'a str,
    ) -> (Cow<'a, str>, Vec<(std::ops::Range<usize>, usize)>) {
        let mut spans = Vec::new();
        let out = self.apply_inner(text, None, Some(&mut spans), true);
        (out, spans)
    }

    fn apply_inner<'a>(
        &self,
        text: &'a str,
        mut log: Option<&mut Vec<Replaced>>,
        mut spans: Option<&mut Vec<(std::ops::Range<usize>, usize)>>,
        mask: bool,
    ) -> Cow<'a, str> {
        if self.terms.is_empty() {
            return Cow::Borrowed(text);
        }
        let toks = tokens(text);
        let mut out = String::new();
        let (mut at, mut i) = (0usize, 0usize);
        while i < toks.len() {
            let found = self
                .longest_at(&toks, i, |t| t.entry.is_some() || mask)
                .or_else(|| mask.then(|| self.phone_at(text, &toks, i)).flatten());
            match found {
                Some((t, end)) => {
                    let replace = match (self.terms[t].entry, &self.terms[t].column) {
                        (Some(e), _) => self.entries[e].replace.clone(),
                        (None, Some(column)) => format!("[{column}]"),
                        (None, None) => format!("[{}]", self.terms[t].raw),
                    };
                    out.push_str(&text[at..toks[i].start]);
                    out.push_str(&replace);
                    at = toks[end - 1].end;
                    if let Some(spans) = spans.as_deref_mut() {
                        spans.push((toks[i].start..at, replace.len()));
                    }
                    if let Some(log) = log.as_deref_mut() {
                        log.push(Replaced {
                            term: self.terms[t].raw.clone(),
                            replace,
                        });
                    }
                    i = end;
                }
                None => i += 1,
            }
        }
        if at == 0 && out.is_empty() {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// The byte ranges of `text` that [`Pseudonyms::apply`] replaces, in
    /// order.
    pub(crate) fn replaced_spans(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        let toks = tokens(text);
        let mut out = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            match self.longest_at(&toks, i, |t| t.entry.is_some()) {
                Some((_, end)) => {
                    out.push(toks[i].start..toks[end - 1].end);
                    i = end;
                }
                None => i += 1,
            }
        }
        out
    }

    /// The terms `text` still holds: key-file terms and identifying values,
    /// as written, each once, in the order they first occur. For the leak
    /// gate: an output whose text leaks is refused, naming the term (never
    /// the text around it).
    pub(crate) fn leaks(&self, text: &str) -> Vec<String> {
        let toks = tokens(text);
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let is_phone = |t: usize| self.phones.iter().any(|p| p.term == t);
            let named = match self.longest_at(&toks, i, |_| true) {
                // A phone number as the text writes it, too.
                Some((t, end)) if is_phone(t) => {
                    Some((text[toks[i].start..toks[end - 1].end].to_string(), end))
                }
                Some((t, end)) => Some((self.terms[t].raw.clone(), end)),
                // A phone number is named as the text writes it (the key's
                // spelling may be nowhere in the text).
                None => self
                    .phone_at(text, &toks, i)
                    .map(|(_, end)| (text[toks[i].start..toks[end - 1].end].to_string(), end)),
            };
            match named {
                Some((name, end)) => {
                    if !out.contains(&name) {
                        out.push(name);
                    }
                    i = end;
                }
                None => i += 1,
            }
        }
        out
    }

    /// Every key-file term with its entry's replacement and line, in key
    /// file order (for the log, and the "matches nothing" warning).
    pub(crate) fn terms(&self) -> Vec<(&str, &str, usize)> {
        self.terms
            .iter()
            .filter_map(|t| {
                let e = &self.entries[t.entry?];
                Some((t.raw.as_str(), e.replace.as_str(), e.line))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "\
# real text → replacement
- {find: [Rosa Quispe, Rosa], replace: \"[survivor, 19]\"}
- {find: [Puerto Maldonado], replace: \"[a mining town]\"}
- find: [Quisp*]
  replace: \"[family name]\"
";

    fn key() -> Pseudonyms {
        Pseudonyms::parse(KEY, "pseudonyms.yaml").unwrap()
    }

    #[test]
    fn a_key_file_written_as_a_mapping_is_shown_its_shape() {
        let e = Pseudonyms::parse("police: '[agency]'\n", "pseudonyms.yaml").unwrap_err();
        assert_eq!(
            e.report(),
            "error: this file must be a list (`- …` lines), not a mapping\n  --> pseudonyms.yaml:1:1\n  = help: write one entry a line: `- {find: [Rosa Quispe, Rosa], replace: \"[survivor, 19]\"}`"
        );
    }

    #[test]
    fn tokens_keep_their_place_in_the_original_text() {
        let t = tokens("¡Señora QUISPÉ, en Puerto-Maldonado!");
        let norms: Vec<&str> = t.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(norms, ["senora", "quispe", "en", "puerto", "maldonado"]);
        let text = "¡Señora QUISPÉ, en Puerto-Maldonado!";
        assert_eq!(&text[t[1].start..t[1].end], "QUISPÉ");
        // A combining accent stays inside its token.
        let t = tokens("Rosa Quispe\u{301} vino");
        assert_eq!(t[1].norm, "quispe");
        assert_eq!(t[1].end - t[1].start, "Quispe\u{301}".len());
        // The same tokens as the codebook matcher's, but for what a reader
        // cannot tell apart (below).
        for s in ["Niña ASHÁNINKA don't 2021", "straße İstanbul"] {
            let ours: Vec<String> = tokens(s).into_iter().map(|t| t.norm).collect();
            assert_eq!(ours, crate::text::tokenize(s), "{s}");
        }
    }

    #[test]
    fn a_phone_number_is_found_however_its_digits_are_written() {
        let p = Pseudonyms::default().with_identifying([("phone", "+51 984 000 333")]);
        for written in [
            "+51 984 000 333",
            "984000333",
            "984 000 333",
            "984-000-333",
            "(51) 984.000.333",
            "0051984000333",
            "984\u{a0}000\u{a0}333",
            "984\u{2013}000\u{2013}333",
            "tel984000333",
            "984000333x2",
            "tel. 984 000 333 ext",
            "0984 000 333",
        ] {
            let text = format!("llámame al {written}, por favor");
            // Named as the text writes it (the key's spelling is the
            // term for a number written exactly so).
            let named = p.leaks(&text);
            assert_eq!(named.len(), 1, "{written}");
            assert!(
                text.contains(&named[0]) || named[0] == "+51 984 000 333",
                "{written}: {named:?}"
            );
            let masked = p.apply_masked(&text);
            assert!(
                !masked.chars().filter(char::is_ascii_digit).any(|_| true)
                    || masked.contains("[phone]") && !masked.contains("984"),
                "{written}: {masked}"
            );
        }
        // Other numbers are not it: too few digits, or other digits.
        for other in [
            "en 2019 tenía 15 años",
            "984 000",
            "984 000 334",
            "1984 y 000 333",
        ] {
            assert!(p.leaks(other).is_empty(), "{other}");
            assert_eq!(p.apply_masked(other), other);
        }
        // A landline grouped otherwise is found as written, but an amount
        // grouped in thousands with the same last digits is no phone.
        let land = Pseudonyms::default().with_identifying([("phone", "(01) 500 0000")]);
        for found in ["500 0000", "5000000", "01 500 0000", "(01)5000000"] {
            assert_eq!(land.leaks(found).len(), 1, "{found}");
        }
        for amount in [
            "5 000 000 soles",
            "1 500 000 pesos",
            "5.000.000",
            "S/ 15 000 000",
        ] {
            assert!(land.leaks(amount).is_empty(), "{amount}");
        }
        // Too few of a mobile's digits to be it.
        assert!(p.leaks("4 000 333 pesos").is_empty());
        // A short number is not found inside a date or a longer number.
        let short = Pseudonyms::default().with_identifying([("phone", "310-2014")]);
        for other in ["13/10/2014", "43102014"] {
            assert!(short.leaks(other).is_empty(), "{other}");
        }
        for found in ["310 2014", "3102014", "12-310-2014", "00 310 2014"] {
            assert_eq!(short.leaks(found), [found], "{found}");
        }
        // A date or a longer number with its digits is not it.
        for other in [
            "3/10/2014",
            "03/10/2014",
            "3102014-5",
            "310-2014-001",
            "3102014.50",
        ] {
            assert!(short.leaks(other).is_empty(), "{other}");
        }
        // A mobile written as a Spanish reader groups it; a country code
        // the key's spelling lacks; two numbers in one cell.
        let es = Pseudonyms::default().with_identifying([("phone", "+34 612 34 56 78")]);
        assert_eq!(es.leaks("el 612 345 678"), ["612 345 678"]);
        let bare = Pseudonyms::default().with_identifying([("phone", "965123456")]);
        assert_eq!(bare.leaks("al +51965123456"), ["51965123456"]);
        let zeros = Pseudonyms::default().with_identifying([("phone", "0051 984 111 222")]);
        assert_eq!(zeros.leaks("el 984 111 222"), ["984 111 222"]);
        let two = Pseudonyms::default().with_identifying([("phone", "984 222 333 / 01 427 8812")]);
        assert_eq!(two.leaks("984222333 o 427 8812"), ["984222333", "427 8812"]);
        // A value that is no phone number is matched as words only.
        let q = Pseudonyms::default().with_identifying([("village", "Km 15")]);
        assert!(q.leaks("km 15").len() == 1 && q.leaks("15").is_empty());
    }

    #[test]
    fn names_are_found_whatever_a_reader_cannot_see_in_them() {
        let p = Pseudonyms::parse(
            "- {find: [María Quispe, María], replace: \"[survivor A]\"}\n",
            "pseudonyms.yaml",
        )
        .unwrap();
        for hidden in [
            "Ma\u{ad}ría",
            "Ma\u{200b}ría",
            "Ma\u{200d}ría",
            "Ma\u{2060}ría",
            "\u{feff}María\u{200b}",
            "Mar\u{202e}ía",
            "\u{ff2d}\u{ff41}\u{ff52}\u{ed}\u{ff41}",
            "Ma\u{ad}ría Quis\u{200b}pe",
        ] {
            let text = format!("dijo {hidden} llorando");
            // (An invisible character before the name stays, unseen.)
            assert_eq!(
                p.apply(&text).replace('\u{feff}', ""),
                "dijo [survivor A] llorando",
                "{hidden:?}"
            );
            assert_eq!(p.leaks(&text).len(), 1, "{hidden:?}");
        }
        // Still whole tokens: the invisible character joins, a space splits.
        assert_eq!(p.apply("Marías"), "Marías");
        assert_eq!(p.apply("Ma ría"), "Ma ría");
        // The compatibility form of a ligature is its letters.
        assert_eq!(tokens("ﬁn")[0].norm, "fin");
    }

    #[test]
    fn longest_match_first_case_and_accents_folded_whole_tokens() {
        let p = key();
        assert_eq!(
            p.apply("Rosa Quispe llegó a PUERTO MALDONADO con rosa."),
            "[survivor, 19] llegó a [a mining town] con [survivor, 19]."
        );
        assert_eq!(
            p.apply("La señora Quispé Mamani"),
            "La señora [family name] Mamani"
        );
        assert_eq!(p.apply("Quispes y Quispe"), "[family name] y [family name]");
        // Whole tokens: Rosalía is not Rosa.
        assert_eq!(p.apply("Rosalía dijo"), "Rosalía dijo");
        assert!(matches!(p.apply("nada que cambiar"), Cow::Borrowed(_)));
        let mut log = Vec::new();
        p.apply_logged("Rosa, Rosa Quispe", &mut log);
        let terms: Vec<&str> = log.iter().map(|r| r.term.as_str()).collect();
        assert_eq!(terms, ["Rosa", "Rosa Quispe"]);
    }

    #[test]
    fn leaks_name_the_terms_left_and_identifying_values() {
        let p = key().with_identifying([("phone", "+51 984 000 111"), ("village", "Mazuko")]);
        assert_eq!(
            p.leaks("Llamó al 51-984-000-111 desde Mazuko; Rosa no."),
            ["51-984-000-111", "Mazuko", "Rosa"]
        );
        // Identifying values are looked for, not replaced.
        assert_eq!(p.apply("desde Mazuko"), "desde Mazuko");
        assert!(p.leaks(&p.apply("Rosa Quispe")).is_empty());
    }

    #[test]
    fn bad_key_files_are_refused_with_their_line() {
        let err = |text: &str| {
            Pseudonyms::parse(text, "pseudonyms.yaml")
                .unwrap_err()
                .report()
        };
        assert_eq!(
            err("- {find: [Rosa], replace: \"[a]\"}\n- {find: [], replace: \"[b]\"}\n"),
            "error: this entry's `find` is empty\n  --> pseudonyms.yaml:2\n  = help: list the names or places to replace, e.g. `find: [Rosa Quispe, Rosa]`"
        );
        assert_eq!(
            err("- {find: [Rosa], replace: \"[Rosa's sister]\"}\n"),
            "error: the replacement \"[Rosa's sister]\" contains the find term `Rosa`\n  --> pseudonyms.yaml:1\n  = help: a replacement must not itself be a name to replace: reword it"
        );
        assert!(err("- {find: [Ro*sa], replace: x}\n").contains("`Ro*sa` has a `*` before its end"));
        assert!(err("- {find: [\"--\"], replace: x}\n").contains("no letters or digits"));
        assert!(
            err("- {find: [Rosa], replace: a}\n- {find: [ROSA], replace: b}\n")
                .contains("`ROSA` is also found by the entry at line 1\n  --> pseudonyms.yaml:2")
        );
        assert!(err("- {find: [Rosa], replace: a, note: x}\n").contains("unknown field `note`"));
        assert!(err("- {find: [Rosa], replace: [a\n").contains("pseudonyms.yaml:"));
        assert!(Pseudonyms::parse("", "p.yaml").unwrap().is_empty());
    }
}
