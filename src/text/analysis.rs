//! How excerpt text becomes search terms. Search tokens are the codebook
//! matcher's tokens (docs/format.md §4: NFD, marks removed, lowercase, runs of
//! alphanumerics), stemmed for the study's language, so that a query and a
//! codebook term see the same words.
//!
//! The index is written from *pre-analysed* text: while matching, the coder
//! already has every token in hand and memoises its stem (see
//! [`crate::codebook::matcher::Scratch`]), and hands the indexer the stems
//! joined by spaces ([`Stems::body`]). The writer's analyzer only splits that
//! string ([`PreAnalysed`]); readers register the full [`Analyzer`], which
//! turns raw text (a query, or stored text to highlight) into the same
//! terms with offsets into the original. Both are built from the same
//! functions, so index and queries agree by construction.

use tantivy::tokenizer::{
    Language as StemLang, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

use crate::study::Language;
use crate::text;

/// Tokens longer than this (bytes) are not indexed (nor counted in positions).
pub const MAX_TOKEN: usize = 80;

/// tantivy's Snowball stemmer of a study language (`none`: no stemmer).
fn snowball(lang: Language) -> Option<StemLang> {
    Some(match lang {
        Language::Arabic => StemLang::Arabic,
        Language::Danish => StemLang::Danish,
        Language::Dutch => StemLang::Dutch,
        Language::English => StemLang::English,
        Language::Finnish => StemLang::Finnish,
        Language::French => StemLang::French,
        Language::German => StemLang::German,
        Language::Greek => StemLang::Greek,
        Language::Hungarian => StemLang::Hungarian,
        Language::Italian => StemLang::Italian,
        Language::Norwegian => StemLang::Norwegian,
        Language::Portuguese => StemLang::Portuguese,
        Language::Romanian => StemLang::Romanian,
        Language::Russian => StemLang::Russian,
        Language::Spanish => StemLang::Spanish,
        Language::Swedish => StemLang::Swedish,
        Language::Tamil => StemLang::Tamil,
        Language::Turkish => StemLang::Turkish,
        Language::None => return None,
    })
}

/// Stems one normalised token for a language.
#[derive(Clone)]
pub struct Stems {
    stemmer: Option<TextAnalyzer>,
}

impl std::fmt::Debug for Stems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stems")
            .field("stemming", &self.stemmer.is_some())
            .finish()
    }
}

impl Stems {
    /// The stemmer of a study language (`none`: tokens are kept as they are).
    pub fn new(lang: Language) -> Stems {
        Stems {
            stemmer: snowball(lang).map(|l| {
                TextAnalyzer::builder(RawTokenizer::default())
                    .filter(Stemmer::new(l))
                    .build()
            }),
        }
    }

    /// The search term of a normalised token.
    pub fn stem(&mut self, token: &str) -> String {
        let Some(stemmer) = self.stemmer.as_mut() else {
            return token.to_string();
        };
        let mut stream = stemmer.token_stream(token);
        if stream.advance() {
            stream.token().text.clone()
        } else {
            token.to_string()
        }
    }

    /// Appends a token's term to a pre-analysed body (see module docs),
    /// as bytes of text; over-long terms are left out.
    pub fn body(term: &[u8], out: &mut Vec<u8>) {
        if term.len() > MAX_TOKEN {
            return;
        }
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(term);
    }
}

/// The full analyzer: raw text → stemmed search terms with offsets into it.
/// It runs on queries and on the few texts shown with highlights, so it
/// stems every token afresh (the coder's memo serves the bulk of the text).
#[derive(Clone)]
pub struct Analyzer {
    stems: Stems,
    norm: String,
}

impl Analyzer {
    /// The analyzer of a study language.
    pub fn new(lang: Language) -> Analyzer {
        Analyzer {
            stems: Stems::new(lang),
            norm: String::new(),
        }
    }

    /// The terms of `text`, positioned and with byte offsets into `text`.
    pub fn terms(&mut self, text: &str) -> Vec<Token> {
        // Normalisation is per character (see `text::normalize`), so each
        // original character maps to a run of normalised characters and a
        // token's offsets are those of the characters it came from.
        let mut out = Vec::new();
        let mut current = String::new();
        let mut from = 0;
        let mut to = 0;
        let mut flush = |current: &mut String, from: usize, to: usize, me: &mut Self| {
            if current.is_empty() {
                return;
            }
            if current.len() <= MAX_TOKEN {
                let position = out.len();
                out.push(Token {
                    offset_from: from,
                    offset_to: to,
                    position,
                    text: me.stems.stem(current),
                    position_length: 1,
                });
            }
            current.clear();
        };
        let mut buf = [0u8; 4];
        for (i, c) in text.char_indices() {
            let end = i + c.len_utf8();
            let mut norm = std::mem::take(&mut self.norm);
            text::normalize_into(c.encode_utf8(&mut buf), &mut norm);
            for n in norm.chars() {
                if n.is_alphanumeric() {
                    if current.is_empty() {
                        from = i;
                    }
                    current.push(n);
                    to = end;
                } else {
                    flush(&mut current, from, to, self);
                }
            }
            self.norm = norm;
        }
        flush(&mut current, from, to, self);
        out
    }
}

impl Tokenizer for Analyzer {
    type TokenStream<'a> = Terms;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Terms {
        Terms {
            tokens: self.terms(text),
            next: 0,
        }
    }
}

/// The token stream of [`Analyzer`].
pub struct Terms {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for Terms {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// The writer's analyzer: splits a pre-analysed body on spaces.
#[derive(Clone, Default)]
pub struct PreAnalysed;

impl Tokenizer for PreAnalysed {
    type TokenStream<'a> = BodyStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BodyStream<'a> {
        BodyStream {
            text,
            pos: 0,
            token: Token::default(),
        }
    }
}

/// The number of tokens the index counts for `body`: those [`BodyStream`]
/// gives (one per space-separated piece; not the empty one after a final
/// space), but for one longer than tantivy indexes (it drops those).
pub fn body_tokens(body: &str) -> u64 {
    if body.is_empty() {
        return 0;
    }
    let body = body.strip_suffix(' ').unwrap_or(body);
    if body.len() <= tantivy::tokenizer::MAX_TOKEN_LEN {
        // No piece can be too long: the spaces say how many there are
        // (counted over the bytes at once, not piece by piece).
        return spaces(body.as_bytes()) + 1;
    }
    body.split(' ')
        .filter(|t| t.len() <= tantivy::tokenizer::MAX_TOKEN_LEN)
        .count() as u64
}

/// The spaces in `bytes`, eight bytes at a time: a byte that is a space is
/// zero after the XOR, and only a zero byte keeps its high bit clear
/// through the add-and-or (no carry crosses bytes: each is at most 0x7f
/// before the add); the multiply sums the marks into the top byte.
fn spaces(bytes: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut chunks = bytes.chunks_exact(8);
    let mut n = 0u64;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) ^ (u64::from(b' ') * ONES);
        let nonzero = ((x & LOW7) + LOW7) | x;
        let zero = (!nonzero >> 7) & ONES;
        n += zero.wrapping_mul(ONES) >> 56;
    }
    n + chunks.remainder().iter().filter(|&&b| b == b' ').count() as u64
}

/// The token stream of [`PreAnalysed`].
pub struct BodyStream<'a> {
    text: &'a str,
    pos: usize,
    token: Token,
}

impl TokenStream for BodyStream<'_> {
    fn advance(&mut self) -> bool {
        let rest = &self.text[self.pos.min(self.text.len())..];
        if rest.is_empty() {
            return false;
        }
        // Terms are short: a byte loop beats a memchr call per term.
        let len = rest.bytes().position(|b| b == b' ').unwrap_or(rest.len());
        self.token.text.clear();
        self.token.text.push_str(&rest[..len]);
        self.token.offset_from = self.pos;
        self.token.offset_to = self.pos + len;
        self.token.position = self.token.position.wrapping_add(1);
        self.pos += len + 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_are_counted_eight_bytes_at_a_time_as_one_by_one() {
        let alphabet = [
            b' ',
            b'a',
            0x20 ^ 0x80,
            0xa0,
            b'!',
            0x7f,
            0xff,
            0x00,
            b'!' + 1,
        ];
        let mut seed: u64 = 11;
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    alphabet[((seed >> 33) % alphabet.len() as u64) as usize]
                })
                .collect();
            let slow = bytes.iter().filter(|&&b| b == b' ').count() as u64;
            assert_eq!(spaces(&bytes), slow, "{bytes:?}");
        }
        assert_eq!(spaces(&[b' '; 64]), 64);
    }

    #[test]
    fn body_tokens_are_the_stream_s_tokens() {
        let long = "x".repeat(tantivy::tokenizer::MAX_TOKEN_LEN + 1);
        for body in [
            "",
            " ",
            "a",
            "a b",
            "a ",
            "a  b",
            " a",
            "a  ",
            "familia busc",
            &format!("a {long} b"),
            &format!("{long} "),
        ] {
            let mut tokenizer = PreAnalysed;
            let mut stream = tokenizer.token_stream(body);
            let mut n = 0u64;
            while stream.advance() {
                n += u64::from(stream.token().text.len() <= tantivy::tokenizer::MAX_TOKEN_LEN);
            }
            assert_eq!(body_tokens(body), n, "{body:?}");
        }
    }

    fn stream<T: Tokenizer>(t: &mut T, text: &str) -> Vec<(String, usize)> {
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            out.push((s.token().text.clone(), s.token().position));
        }
        out
    }

    /// The body the coder builds for `text` (as the matcher's scan does).
    fn body(lang: Language, text: &str) -> String {
        let mut stems = Stems::new(lang);
        let mut out = Vec::new();
        for t in text::tokens(&text::normalize(text)) {
            Stems::body(stems.stem(t).as_bytes(), &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn index_and_query_terms_agree() {
        let long = "x".repeat(MAX_TOKEN + 1);
        for (lang, text) in [
            (
                Language::English,
                "Families reported the traffickers; they DIDN'T report again.",
            ),
            (
                Language::Spanish,
                "Las familias denunciaron a los tratantes: ¡NIÑAS, niños y Ashánincas!",
            ),
            (Language::None, "Çà et là, œuvre № 5 — ½ ²"),
            (Language::English, &format!("before {long} after")),
        ] {
            let mut full = Analyzer::new(lang);
            let mut pre = PreAnalysed;
            assert_eq!(
                stream(&mut full, text),
                stream(&mut pre, &body(lang, text)),
                "{text}"
            );
        }
    }

    #[test]
    fn offsets_point_into_the_original() {
        let mut a = Analyzer::new(Language::Spanish);
        let text = "¿La niña? Sí—denunció.";
        let got: Vec<(String, &str)> = a
            .terms(text)
            .into_iter()
            .map(|t| (t.text.clone(), &text[t.offset_from..t.offset_to]))
            .collect();
        assert_eq!(
            got,
            vec![
                ("la".to_string(), "La"),
                ("nin".to_string(), "niña"),
                ("si".to_string(), "Sí"),
                ("denunci".to_string(), "denunció"),
            ]
        );
    }

    #[test]
    fn empty_and_punctuation_only() {
        let mut a = Analyzer::new(Language::English);
        assert!(a.terms("").is_empty());
        assert!(a.terms(" -- ... ").is_empty());
        assert!(stream(&mut PreAnalysed, "").is_empty());
    }
}
