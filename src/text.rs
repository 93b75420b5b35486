//! Text normalisation and tokenisation, exactly as DESIGN §4 fixes them:
//! Unicode NFD, combining marks removed, lowercased; tokens are maximal runs
//! of alphanumeric characters of the normalised text. The codebook matcher
//! and every count depend on these two functions and nothing else.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Normalises text: NFD, combining marks removed, lowercase.
///
/// Each character is decomposed on its own: canonical reordering only moves
/// combining marks, and every combining mark is dropped, so the result is
/// the same as decomposing the whole string first.
pub fn normalize(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
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
    out
}

/// Splits already-normalised text into tokens: maximal runs of alphanumeric
/// characters; everything else separates.
pub fn tokens(normalized: &str) -> impl Iterator<Item = &str> {
    normalized
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// Normalises and tokenises in one call, owning the tokens.
pub fn tokenize(text: &str) -> Vec<String> {
    tokens(&normalize(text)).map(str::to_string).collect()
}

/// The number of words in a text (whitespace-separated), for summaries.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

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
