//! Which search language a transcript's excerpts are stemmed in: the front
//! matter's `language:`, else the `language` column of `respondents.csv`
//! for the file's respondents, else the study's `language:` setting. A file
//! whose respondents (a focus group) have different languages in the table
//! takes the study's language, with a warning that asks for `language:` in
//! its front matter. Codebook matching never depends on it.

use std::collections::BTreeMap;

use crate::study::Language;

/// The column of `respondents.csv` that gives a respondent's language.
pub const COLUMN: &str = "language";

/// A transcript's language and what it depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The language its excerpts are stemmed in.
    pub language: Language,
    /// The respondents whose `respondents.csv` language decides it (all the
    /// file's respondents), or empty when the front matter gives it: a
    /// change of their rows is a change of the file's language.
    pub follows: Vec<String>,
    /// Why the study's language was taken although the table gives some.
    pub warning: Option<String>,
}

/// Resolves the language of the transcript at `path`: `front` is its front
/// matter's `language:`, `respondents` the respondents of its excerpts,
/// `table` the languages of `respondents.csv` and `default` the study's.
pub fn resolve(
    path: &str,
    front: Option<Language>,
    respondents: &[String],
    table: &BTreeMap<String, Language>,
    default: Language,
) -> Resolved {
    if let Some(language) = front {
        return Resolved {
            language,
            follows: Vec::new(),
            warning: None,
        };
    }
    let given: Vec<(&str, Language)> = respondents
        .iter()
        .filter_map(|r| table.get(r).map(|&l| (r.as_str(), l)))
        .collect();
    let (language, warning) = match given.first() {
        None => (default, None),
        Some(&(_, first)) if given.iter().all(|&(_, l)| l == first) => (first, None),
        Some(_) => {
            let listed: Vec<String> = given.iter().map(|(r, l)| format!("{r}: {l}")).collect();
            let warning = format!(
                "{path}: its respondents have different languages in respondents.csv ({}); \
                 its excerpts are searched as {default}, the study's language \
                 (give the file `language:` in its front matter to choose)",
                listed.join(", ")
            );
            (default, Some(warning))
        }
    };
    Resolved {
        language,
        follows: respondents.to_vec(),
        warning,
    }
}

/// The language a file that follows `follows` has under `table` (see
/// [`resolve`]), to tell whether a changed `respondents.csv` changes it.
pub fn followed(
    follows: &[String],
    table: &BTreeMap<String, Language>,
    default: Language,
) -> Language {
    resolve("", None, follows, table, default).language
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(&str, Language)]) -> BTreeMap<String, Language> {
        rows.iter().map(|(r, l)| (r.to_string(), *l)).collect()
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn front_matter_wins_over_the_table_and_the_default() {
        let t = table(&[("R01", Language::English)]);
        let r = resolve(
            "t/r01.txt",
            Some(Language::Spanish),
            &ids(&["R01"]),
            &t,
            Language::English,
        );
        assert_eq!(r.language, Language::Spanish);
        assert!(r.follows.is_empty() && r.warning.is_none());
    }

    #[test]
    fn the_table_gives_the_respondents_language_else_the_default() {
        let t = table(&[("R01", Language::Spanish)]);
        let r = resolve("t/r01.txt", None, &ids(&["R01"]), &t, Language::English);
        assert_eq!(r.language, Language::Spanish);
        assert_eq!(r.follows, ids(&["R01"]));
        let r = resolve("t/r02.txt", None, &ids(&["R02"]), &t, Language::English);
        assert_eq!(r.language, Language::English);
        // R02 follows the table: a language given to it later changes the file.
        assert_eq!(r.follows, ids(&["R02"]));
        let later = table(&[("R01", Language::Spanish), ("R02", Language::French)]);
        assert_eq!(
            followed(&r.follows, &later, Language::English),
            Language::French
        );
    }

    #[test]
    fn respondents_who_agree_or_are_not_listed_keep_the_language() {
        let t = table(&[("R03", Language::Spanish), ("R04", Language::Spanish)]);
        let r = resolve(
            "t/fg.txt",
            None,
            &ids(&["R03", "R04", "R05"]),
            &t,
            Language::English,
        );
        assert_eq!(r.language, Language::Spanish);
        assert_eq!(r.warning, None);
    }

    #[test]
    fn a_focus_group_of_different_languages_takes_the_default_with_a_warning() {
        let t = table(&[("R03", Language::Spanish), ("R04", Language::English)]);
        let r = resolve("t/fg.txt", None, &ids(&["R03", "R04"]), &t, Language::None);
        assert_eq!(r.language, Language::None);
        assert_eq!(
            r.warning.as_deref(),
            Some(
                "t/fg.txt: its respondents have different languages in respondents.csv \
                 (R03: spanish, R04: english); its excerpts are searched as none, the \
                 study's language (give the file `language:` in its front matter to choose)"
            )
        );
    }
}
