//! The index schema: its fields, the analyzer names and the version that
//! says when an index must be rebuilt.

use super::*;

/// Bumped whenever the schema or the manifest changes meaning (17: each
/// transcript records the search terms it indexed, and the manifest their
/// sums per language, so that ranking counts the study as it is and not
/// the documents earlier runs deleted).
pub const SCHEMA_VERSION: u32 = 17;
pub(super) const TOOL: &str = "thematic";
/// The analyzer of a language's body field is named this, then the language.
pub(super) const ANALYZER: &str = "thematic_terms";
/// The schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Excerpt id `path:line`.
    pub id: Field,
    /// Transcript path.
    pub path: Field,
    /// Line in the file.
    pub line: Field,
    /// Position in the file (corpus order within a file).
    pub pos: Field,
    /// Dense file id (see [`Manifest::files`]).
    pub file: Field,
    /// Dense respondent id (see [`Manifest::respondents`]).
    pub resp: Field,
    /// Speaker label.
    pub speaker: Field,
    /// The interviewer's question before the excerpt.
    pub question: Field,
    /// The excerpt text as written (stored).
    pub text: Field,
    /// The excerpt's search terms (indexed, see [`analysis`]), one field
    /// per language (in [`Language::ALL`] order): an excerpt's terms go to
    /// its transcript's language, so that a query is analysed per language
    /// and each excerpt is searched with its own stemmer.
    pub bodies: [Field; Language::ALL.len()],
    /// Start time of the excerpt (captions).
    pub time: Field,
    /// The id after `path:` (`12`, `12.2`, `3:4`), a fast field: with the
    /// manifest's paths it gives every excerpt's id without reading the
    /// stored documents (see [`id_tail`]).
    pub tail: Field,
}

/// The part of excerpt id `id` after its transcript's `path:` (the whole id,
/// after a NUL that no id starts with, should one not start so).
pub fn id_tail<'a>(id: &'a str, path: &str) -> std::borrow::Cow<'a, str> {
    match id.strip_prefix(path).and_then(|t| t.strip_prefix(':')) {
        Some(tail) => tail.into(),
        None => format!("\0{id}").into(),
    }
}

/// The excerpt id of `tail` (see [`id_tail`]) in the transcript at `path`.
pub fn id_of(path: &str, tail: &str) -> String {
    match tail.strip_prefix('\0') {
        Some(id) => id.to_string(),
        None => format!("{path}:{tail}"),
    }
}

pub(super) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_opts = |lang: Language| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(&analyzer_name(lang))
                .set_index_option(tantivy::schema::IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let id = b.add_text_field("id", STORED);
    let path = b.add_text_field("path", STRING | STORED);
    // Fast fields are only those a collector reads (`pos`, `file`, `resp`,
    // `tail`); the line is read with the stored document.
    let line = b.add_u64_field("line", STORED);
    let pos = b.add_u64_field("pos", STORED | FAST);
    let file = b.add_u64_field("file", STORED | FAST);
    let resp = b.add_u64_field("resp", FAST | STORED);
    let speaker = b.add_text_field("speaker", STORED);
    let question = b.add_text_field("question", STORED);
    let text = b.add_text_field("text", STORED);
    let bodies =
        Language::ALL.map(|l| b.add_text_field(&format!("body_{}", l.name()), text_opts(l)));
    let time = b.add_text_field("time", STORED);
    let tail = b.add_text_field("tail", FAST);
    let f = Fields {
        id,
        path,
        line,
        pos,
        file,
        resp,
        speaker,
        question,
        text,
        bodies,
        time,
        tail,
    };
    (b.build(), f)
}

impl Fields {
    /// The body field of a language.
    pub fn body(&self, lang: Language) -> Field {
        let i = Language::ALL.iter().position(|&l| l == lang).unwrap_or(0);
        self.bodies[i]
    }
}

/// The name of a language's analyzer.
pub(super) fn analyzer_name(lang: Language) -> String {
    format!("{ANALYZER}_{}", lang.name())
}

/// The analyzer readers use: raw text to search terms.
pub(super) fn analyzer(lang: Language) -> TextAnalyzer {
    TextAnalyzer::from(analysis::Analyzer::new(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_their_path_and_tail() {
        for (id, path, tail) in [
            ("transcripts/r07.txt:12", "transcripts/r07.txt", "12"),
            ("t/r07.txt:12.2", "t/r07.txt", "12.2"),
            ("encuesta.csv:3:4", "encuesta.csv", "3:4"),
            ("a:b.txt:5", "a:b.txt", "5"),
        ] {
            assert_eq!(id_tail(id, path), tail);
            assert_eq!(id_of(path, tail), id);
        }
        // An id not under its path survives whole.
        let odd = id_tail("x.txt:1", "y.txt");
        assert_eq!(id_of("y.txt", &odd), "x.txt:1");
    }
}
