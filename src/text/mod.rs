//! Text normalisation and tokenisation, exactly as docs/format.md §4 fixes them:
//! Unicode NFD, combining marks removed, lowercased; tokens are maximal runs
//! of alphanumeric characters of the normalised text. The codebook matcher
//! and every count depend on these two functions and nothing else.
//! `decode` turns the bytes of any text file into text (shared by the
//! transcript, codebook and sheet readers).

pub mod analysis;
pub mod decode;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Normalises text: NFD, combining marks removed, lowercase.
///
/// Each character is decomposed on its own: canonical reordering only moves
/// combining marks, and every combining mark is dropped, so the result is
/// the same as decomposing the whole string first.
pub fn normalize(text: &str) -> String {
    let mut out = String::new();
    normalize_into(text, &mut out);
    out
}

/// [`normalize`] into a reused buffer (cleared first).
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
        return;
    }
    out.reserve(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                if d.is_ascii() {
                    out.push(d.to_ascii_lowercase());
                } else {
                    out.extend(d.to_lowercase());
                }
            }
        });
    }
}

/// Splits already-normalised text into tokens: maximal runs of alphanumeric
/// characters; everything else separates.
pub fn tokens(normalized: &str) -> Tokens<'_> {
    Tokens {
        text: normalized,
        pos: 0,
    }
}

/// Iterator over the tokens of normalised text (see [`tokens`]); ASCII is
/// classified byte by byte, other characters by `char::is_alphanumeric`.
#[derive(Debug, Clone)]
pub struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    /// Whether the character starting at byte `i` is alphanumeric, and its length.
    fn class(&self, i: usize) -> (bool, usize) {
        let b = self.text.as_bytes()[i];
        if b.is_ascii() {
            return (b.is_ascii_alphanumeric(), 1);
        }
        let c = self.text[i..].chars().next().unwrap_or(' ');
        (c.is_alphanumeric(), c.len_utf8())
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let mut i = self.pos;
        // ASCII fast path: skip separators, then take alphanumerics, while
        // the bytes stay ASCII; anything else goes through `class`.
        while i < len && bytes[i].is_ascii() && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i < len && bytes[i].is_ascii() {
            let start = i;
            while i < len && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            if i == len || bytes[i].is_ascii() {
                self.pos = i;
                return Some(&self.text[start..i]);
            }
            // A non-ASCII character continues or ends the token: go on below.
            return self.finish(start, i);
        }
        while i < len {
            let (alnum, w) = self.class(i);
            if alnum {
                break;
            }
            i += w;
        }
        if i >= len {
            self.pos = len;
            return None;
        }
        self.finish(i, i)
    }
}

impl<'a> Tokens<'a> {
    /// Ends the token that started at `start` and runs at least to `i`.
    fn finish(&mut self, start: usize, mut i: usize) -> Option<&'a str> {
        let len = self.text.len();
        while i < len {
            let (alnum, w) = self.class(i);
            if !alnum {
                break;
            }
            i += w;
        }
        self.pos = i;
        Some(&self.text[start..i])
    }
}

/// Normalises and tokenises in one call, owning the tokens.
pub fn tokenize(text: &str) -> Vec<String> {
    tokens(&normalize(text)).map(str::to_string).collect()
}

/// The number of words in a text (whitespace-separated), for summaries.
pub fn word_count(text: &str) -> usize {
    // `split_whitespace().count()` over the bytes: a word starts at a
    // character that is not whitespace after one that is (or at the start).
    // Only a character's first byte is classified (continuation bytes keep
    // the state), without decoding it: see [`is_space_at`].
    let bytes = text.as_bytes();
    let (mut n, mut in_word) = (0, false);
    for (i, &b) in bytes.iter().enumerate() {
        let space = match b {
            b' ' | b'\t'..=b'\r' => true,
            0..=0x7f => false,
            0x80..=0xbf => continue,
            _ => is_space_at(&bytes[i..]),
        };
        n += usize::from(!space && !in_word);
        in_word = !space;
    }
    n
}

/// Whether the non-ASCII character whose UTF-8 encoding starts `b` is
/// whitespace (`char::is_whitespace`: U+0085, U+00A0, U+1680, U+2000 to
/// U+200A, U+2028, U+2029, U+202F, U+205F and U+3000).
fn is_space_at(b: &[u8]) -> bool {
    matches!(
        b,
        [0xc2, 0x85 | 0xa0, ..]
            | [0xe1, 0x9a, 0x80, ..]
            | [0xe2, 0x80, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf, ..]
            | [0xe2, 0x81, 0x9f, ..]
            | [0xe3, 0x80, 0x80, ..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_paths_agree_with_std() {
        for t in [
            "",
            "  a  b\tc\n",
            "don't stop",
            "niña\u{a0}sí\u{2003}ok\u{0B}x",
            "日本語 テキスト",
            "a,b;;c--",
            "ﬁn ½ x²",
            "abcñdef ñabc abc ñ x²y ¿qué? ok—sí",
            "—ñ",
            "a",
        ] {
            assert_eq!(word_count(t), t.split_whitespace().count(), "{t:?}");
            let slow: Vec<&str> = t
                .split(|c: char| !c.is_alphanumeric())
                .filter(|s| !s.is_empty())
                .collect();
            assert_eq!(tokens(t).collect::<Vec<_>>(), slow, "{t:?}");
        }
    }

    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        // Every character from U+0000 to U+3100 (the last whitespace is
        // U+3000) and two of four bytes, between letters, alone and
        // doubled: whitespace splits, anything else joins.
        for c in (0..=0x3100u32)
            .chain([0x1f600, 0x10ffff])
            .filter_map(char::from_u32)
        {
            for t in [format!("a{c}b"), format!("{c}{c}"), format!("{c}ñ{c}")] {
                assert_eq!(word_count(&t), t.split_whitespace().count(), "{c:?}");
            }
        }
    }

    #[test]
    fn accents_and_case_fold() {
        assert_eq!(normalize("Niña ASHÁNINKAS"), "nina ashaninkas");
        assert_eq!(normalize("Çà et là"), "ca et la");
        assert_eq!(tokenize("Niña"), tokenize("nina"));
    }

    #[test]
    fn tokens_split_on_non_alphanumerics() {
        assert_eq!(tokenize("don't"), vec!["don", "t"]);
        assert_eq!(tokenize("  job-offer, 2019!"), vec!["job", "offer", "2019"]);
        assert_eq!(tokenize("she’s"), vec!["she", "s"]);
        assert!(tokenize("¿¡...!?").is_empty());
    }

    #[test]
    fn per_character_decomposition_equals_whole_string_nfd() {
        use unicode_normalization::UnicodeNormalization;
        let samples = [
            "Ñandú ÇÉSAR",
            "İstanbul",
            "e\u{301}\u{323}x",
            "Ǆemal ǅ",
            "ﬁn ẞ straße",
            "Ωμέγα",
            "Ашанинка",
        ];
        for s in samples {
            let whole: String = s
                .nfd()
                .filter(|c| !is_combining_mark(*c))
                .flat_map(char::to_lowercase)
                .collect();
            assert_eq!(normalize(s), whole, "{s}");
        }
    }

    #[test]
    fn non_latin_letters_are_tokens() {
        assert_eq!(tokenize("Привет мир"), vec!["привет", "мир"]);
    }
}
