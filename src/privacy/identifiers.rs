//! `thematic check-identifiers`: the words of an excerpt that could name a
//! person or a place and that nothing accounts for. A candidate is a
//! capitalised word or a number; it is known when it is a common word
//! (the small embedded list in `common-words.txt`), a token of a codebook
//! term, a key-file term of one word (or starts with a key-file prefix of
//! one word), inside a key-file match, or a respondent id. The rest is listed, so that the team can extend the key
//! file before a report.

use std::collections::BTreeSet;

use super::pseudonyms::tokens;

/// The embedded common words of English and Spanish.
const COMMON: &str = include_str!("common-words.txt");

/// Words that are accounted for.
#[derive(Debug, Clone)]
pub(crate) struct Known {
    exact: BTreeSet<String>,
    prefixes: Vec<String>,
}

impl Known {
    /// The common words alone.
    pub(crate) fn common() -> Known {
        let mut k = Known {
            exact: BTreeSet::new(),
            prefixes: Vec::new(),
        };
        for line in COMMON.lines().filter(|l| !l.starts_with('#')) {
            for w in line.split_whitespace() {
                k.add(w);
            }
        }
        k
    }

    /// Adds a term's tokens (a trailing `*` makes its last token a prefix).
    pub(crate) fn add(&mut self, term: &str) {
        let trimmed = term.trim();
        let (body, prefix) = match trimmed.strip_suffix('*') {
            Some(b) => (b, true),
            None => (trimmed, false),
        };
        let toks: Vec<String> = tokens(body).into_iter().map(|t| t.norm).collect();
        for (i, t) in toks.iter().enumerate() {
            if prefix && i + 1 == toks.len() {
                self.prefixes.push(t.clone());
            } else {
                self.exact.insert(t.clone());
            }
        }
    }

    /// Adds a key-file term only when it is one token (a word, or with a
    /// trailing `*` a prefix): a term of several tokens is replaced only
    /// where they all stand together, so `Hannay` alone in a text is still
    /// a name to look at when the key file has `Timo Hannay`.
    pub(crate) fn add_whole(&mut self, term: &str) {
        let body = term.trim().trim_end_matches('*');
        if tokens(body).len() == 1 {
            self.add(term);
        }
    }

    fn knows(&self, norm: &str) -> bool {
        self.exact.contains(norm) || self.prefixes.iter().any(|p| norm.starts_with(p.as_str()))
    }
}

/// The capitalised words and numbers of `text` that `known` does not
/// account for, as written, each once, in the order they first occur.
#[cfg(test)]
pub(crate) fn candidates(text: &str, known: &Known) -> Vec<String> {
    candidates_outside(text, known, &[])
}

/// [`candidates`], leaving out the words inside `replaced` (byte ranges of
/// `text` the key file replaces: `Hannay` in `Timo Hannay` is accounted
/// for, `Hannay` alone is not).
pub(crate) fn candidates_outside(
    text: &str,
    known: &Known,
    replaced: &[std::ops::Range<usize>],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tokens(text) {
        if replaced
            .iter()
            .any(|r| r.start <= t.start && t.end <= r.end)
        {
            continue;
        }
        let word = &text[t.start..t.end];
        let capital = word.chars().next().is_some_and(char::is_uppercase);
        let number = word.chars().any(|c| c.is_numeric());
        if (capital || number) && !known.knows(&t.norm) && !out.iter().any(|w| w == word) {
            out.push(word.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitalised_words_and_numbers_nothing_accounts_for() {
        let mut k = Known::common();
        k.add("police station");
        k.add("Rosa Quispe");
        k.add("Quincem*");
        k.add("R07");
        assert_eq!(
            candidates(
                "Mi Mamá y Rosa fueron a la Police de Mazuko el Lunes; QUINCEMIL, \
                 R07 y Eulalia (984 000 111) en 2021. Ella dijo: Mazuko.",
                &k
            ),
            ["Mazuko", "Eulalia", "984", "000", "111", "2021"]
        );
        assert_eq!(
            candidates("The Pastor said: In Lima, nobody.", &Known::common()),
            ["Pastor", "Lima"]
        );
    }

    #[test]
    fn a_part_of_a_key_term_of_several_words_is_still_listed() {
        let mut k = Known::common();
        k.add_whole("Timo Hannay");
        k.add_whole("Timo");
        k.add_whole("Quisp*");
        assert_eq!(
            candidates("Mr Hannay met Timo Hannay and Timo Quispe.", &k),
            ["Hannay"]
        );
        let text = "Mr Hannay met Timo Hannay.";
        let whole = text.find("Timo").unwrap()..text.len() - 1;
        assert_eq!(
            candidates_outside(text, &Known::common(), &[whole]),
            ["Hannay"]
        );
    }
}
