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
    out.reserve(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // A run of ASCII is copied and lowercased at once.
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii() {
            i += 1;
        }
        if i > start {
            let at = out.len();
            out.push_str(&text[start..i]);
            out[at..].make_ascii_lowercase();
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
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

/// Characters that show nothing (Unicode's default-ignorable code points:
/// a soft hyphen, zero-width spaces and joiners, the word joiner, bidi
/// controls, variation selectors, the byte order mark): text pasted from a
/// word processor or a PDF carries them inside words, where a reader does
/// not see them.
pub fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{61c}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fff8}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// `s` as a reader sees it: without the characters that show nothing
/// ([`invisible`]) and with compatibility forms as their letters
/// (fullwidth `Ｒ０１` is `R01`). For what people write by hand and must
/// match though it is pasted from elsewhere: ids, speaker labels,
/// citations. Borrowed when there is nothing to change (ASCII).
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| !invisible(c)) {
        unicode_normalization::char::decompose_compatible(c, |d| out.push(d));
    }
    // Compatibility decomposition splits accents off; put them back.
    use unicode_normalization::UnicodeNormalization;
    std::borrow::Cow::Owned(out.nfc().collect())
}

/// Why two ids that differ look alike, when they do: the same letters with
/// accents typed another way (a letter and a combining mark, as macOS
/// writes file names, for the composed letter), or characters that show
/// nothing. For hints that would otherwise ask to write what looks the
/// same.
pub fn looks_alike(a: &str, b: &str) -> Option<&'static str> {
    use unicode_normalization::UnicodeNormalization;
    if a == b {
        return None;
    }
    let clean = |s: &str| -> String { s.chars().filter(|&c| !invisible(c)).collect() };
    if a.nfc().eq(b.nfc()) {
        return Some(" (they look the same: an accent is typed as a separate mark in one of them; copy the id from the transcript's file name or front matter)");
    }
    (clean(a) == clean(b)).then_some(" (they look the same: one holds a character that shows nothing; copy the id from the transcript)")
}

/// A speaker label as labels are compared: [`visible`], lowercase, its
/// words one space apart (a doubled space or a tab is one space).
pub fn label_key(label: &str) -> String {
    visible(label)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
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

/// How [`Tokens`] classifies a byte: an ASCII separator, an ASCII
/// alphanumeric, or part of a character beyond ASCII.
const SEP: u8 = 0;
const ALNUM: u8 = 1;
const WIDE: u8 = 2;
static CLASS: [u8; 256] = {
    let mut t = [SEP; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if !c.is_ascii() {
            t[b] = WIDE;
        } else if c.is_ascii_alphanumeric() {
            t[b] = ALNUM;
        }
        b += 1;
    }
    t
};

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let mut i = self.pos;
        let class = |i: usize| CLASS[usize::from(bytes[i])];
        // ASCII fast path: skip separators, then take alphanumerics, while
        // the bytes stay ASCII; anything else goes through `class`.
        while i < len && class(i) == SEP {
            i += 1;
        }
        if i < len && class(i) == ALNUM {
            let start = i;
            i += 1;
            while i < len && class(i) == ALNUM {
                i += 1;
            }
            if i == len || class(i) == SEP {
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
    // Eight ASCII bytes at a time are classified at once (see
    // [`ascii_non_space`]); elsewhere only a character's first byte is
    // classified (continuation bytes keep the state), without decoding it:
    // see [`is_space_at`].
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let bytes = text.as_bytes();
    let (mut n, mut in_word) = (0, false);
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            // The ASCII bytes before the first that is not (little end first).
            let ascii = match x & HIGH {
                0 => 8,
                high => high.trailing_zeros() / 8,
            };
            if ascii > 0 {
                let keep = u64::MAX >> (64 - 8 * ascii);
                let word = ascii_non_space(x & keep) & keep;
                // A byte's predecessor is the byte below it.
                let before = (word << 8) | if in_word { 0x80 } else { 0 };
                // One bit per byte, at its bottom: a multiply sums the bytes
                // into the top one (a byte popcount, without the `popcnt`
                // the baseline x86-64 target lacks).
                let starts = (word & !before) >> 7;
                n += (starts.wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize;
                in_word = (word >> (8 * ascii - 1)) & 1 == 1;
                i += ascii as usize;
                continue;
            }
        }
        let space = match bytes[i] {
            b' ' | b'\t'..=b'\r' => true,
            0..=0x7f => false,
            0x80..=0xbf => {
                i += 1;
                continue;
            }
            _ => is_space_at(&bytes[i..]),
        };
        n += usize::from(!space && !in_word);
        in_word = !space;
        i += 1;
    }
    n
}

/// Of eight ASCII bytes (little end first), the high bit of each that is
/// not whitespace (space, or tab to carriage return); other bits clear.
/// Each byte is below 0x80, so adding up to 0x7f to it carries into its own
/// high bit and never into the next byte.
fn ascii_non_space(x: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let not_space = ((x ^ (0x20 * ONES)) + 0x7f * ONES) & HIGH;
    let from_tab = (x + (0x80 - 9) * ONES) & HIGH;
    let from_cr_on = (x + (0x80 - 14) * ONES) & HIGH;
    not_space & !(from_tab & !from_cr_on)
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
    fn words_are_counted_alike_within_and_across_ascii_chunks() {
        // Strings long enough for the eight-byte path, its chunks broken by
        // non-ASCII characters at every offset, from a fixed pseudo-random
        // sequence over spaces, controls next to them, letters and Unicode
        // spaces.
        let alphabet = [
            " ", "a", "\t", "\n", "\u{b}", "\u{c}", "\r", "\u{8}", "\u{e}", "\u{1c}", "\u{1f}",
            "!", "ñ", "\u{a0}", "\u{2003}", "日", "Z", "~", "\u{7f}",
        ];
        let mut seed: u64 = 7;
        for _ in 0..3000 {
            let mut t = String::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (seed >> 33) % 48;
            for _ in 0..len {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                t.push_str(alphabet[((seed >> 33) % alphabet.len() as u64) as usize]);
            }
            assert_eq!(word_count(&t), t.split_whitespace().count(), "{t:?}");
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
    fn text_is_read_as_a_reader_sees_it() {
        assert_eq!(visible("R01"), "R01");
        assert_eq!(visible("\u{ff32}\u{ff10}\u{ff11}"), "R01");
        assert_eq!(visible("Ro\u{ad}sa\u{200b}lind\u{feff}"), "Rosalind");
        // Accents stay (composed), ligatures are their letters.
        assert_eq!(visible("Mari\u{301}a ﬁn"), "María fin");
        assert_eq!(label_key(" \u{ff21}NA\u{2060} "), "ana");
    }

    #[test]
    fn non_latin_letters_are_tokens() {
        assert_eq!(tokenize("Привет мир"), vec!["привет", "мир"]);
    }
}
