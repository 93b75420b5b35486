//! The search query language as users type it: words, `"phrases"`, `AND`,
//! `OR`, `NOT`, `-word`, `+word`, `word*` and parentheses. Everything else
//! tantivy's query parser would read as syntax (`field:value`, `'`, `^`,
//! `~`, `[a TO b]`, …) is plain text inside a word, so a word such as
//! `don't` or `10:30` is searched as the matcher's tokens (`don` `t`,
//! `10` `30`), consecutively, as a phrase.

use tantivy::query::QueryParser;
use tantivy::Index;

use super::Fields;
use crate::study::Language;

/// The parser of search queries over the body fields of `languages` (the
/// languages of the study's transcripts). Each excerpt's terms are in its
/// own language's field, and the parser analyses every word and phrase
/// once per field with that field's analyzer, ORing the forms: so a word
/// matches its stem in each excerpt's own language, and nothing else.
/// Words are ANDed by default.
pub fn parser(index: &Index, fields: &Fields, languages: &[Language]) -> QueryParser {
    let bodies = languages.iter().map(|&l| fields.body(l)).collect();
    let mut parser = QueryParser::for_index(index, bodies);
    parser.set_conjunction_by_default();
    parser
}

/// `query` rewritten so that tantivy's parser sees only the forms above:
/// a word with any other character becomes a quoted phrase of itself.
pub fn escape(query: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' || c == ')' {
            chars.next();
            out.push(c.to_string());
        } else if c == '"' {
            // A phrase, as typed (an unclosed quote stays unclosed: the
            // parser says so).
            chars.next();
            let mut phrase = String::from("\"");
            for c in chars.by_ref() {
                if c == '"' {
                    phrase.push('"');
                    break;
                }
                if c != '\\' {
                    phrase.push(c);
                }
            }
            out.push(phrase);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            let (sign, rest) = match word.strip_prefix(['-', '+']) {
                Some(rest) if !rest.is_empty() => (&word[..1], rest),
                _ => ("", word.as_str()),
            };
            if sign.is_empty() && matches!(rest, "AND" | "OR" | "NOT") {
                out.push(rest.to_string());
                continue;
            }
            let stem = rest.strip_suffix('*').unwrap_or(rest);
            if !stem.is_empty() && stem.chars().all(char::is_alphanumeric) {
                out.push(format!("{sign}{rest}"));
            } else if rest.chars().any(char::is_alphanumeric) {
                out.push(format!("{sign}\"{}\"", rest.replace('\\', "")));
            }
            // A word with no token at all (`'`, `-`, `:`) is not searched.
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (field, term) pairs of `query` parsed for `languages`.
    fn terms(query: &str, languages: &[Language]) -> Vec<(String, String)> {
        let (schema, fields) = super::super::schema::schema();
        let index = Index::create_in_ram(schema.clone());
        for l in Language::ALL {
            index.tokenizers().register(
                &super::super::schema::analyzer_name(l),
                super::super::schema::analyzer(l),
            );
        }
        let q = parser(&index, &fields, languages)
            .parse_query(&escape(query))
            .unwrap();
        let mut out = Vec::new();
        q.query_terms(&mut |t, _| {
            out.push((
                schema.get_field_name(t.field()).to_string(),
                t.value().as_str().unwrap_or("").to_string(),
            ))
        });
        out.sort();
        out
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(f, t)| (f.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn a_word_is_analysed_once_per_language_present() {
        assert_eq!(
            terms("Familias", &[Language::English, Language::Spanish]),
            pairs(&[("body_english", "familia"), ("body_spanish", "famili")])
        );
        assert_eq!(
            terms("families", &[Language::English, Language::None]),
            pairs(&[("body_english", "famili"), ("body_none", "families")])
        );
        // One language: one field, as a single-language study always had.
        assert_eq!(
            terms("niñas", &[Language::Spanish]),
            pairs(&[("body_spanish", "nin")])
        );
    }

    #[test]
    fn phrases_are_analysed_per_language_too() {
        assert_eq!(
            terms(
                "\"police stations\"",
                &[Language::English, Language::Spanish]
            ),
            pairs(&[
                ("body_english", "polic"),
                ("body_english", "station"),
                ("body_spanish", "polic"),
                ("body_spanish", "stations"),
            ])
        );
    }

    #[test]
    fn words_with_special_characters_become_phrases() {
        assert_eq!(escape("don't"), "\"don't\"");
        assert_eq!(escape("10:30"), "\"10:30\"");
        assert_eq!(escape("text:police"), "\"text:police\"");
        assert_eq!(escape("a^2 b~1 [x"), "\"a^2\" \"b~1\" \"[x\"");
        assert_eq!(escape("-don't"), "-\"don't\"");
        assert_eq!(escape("' : -"), "");
    }

    #[test]
    fn the_documented_forms_are_kept() {
        assert_eq!(
            escape("\"police station\" OR comisaría"),
            "\"police station\" OR comisaría"
        );
        assert_eq!(
            escape("(mother OR aunt) AND NOT bus"),
            "( mother OR aunt ) AND NOT bus"
        );
        assert_eq!(escape("mother -police +aunt"), "mother -police +aunt");
        assert_eq!(escape("traffick*"), "traffick*");
        assert_eq!(escape("\"open"), "\"open");
        assert_eq!(escape("and or not"), "and or not");
    }
}
