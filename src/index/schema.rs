//! The index schema: its fields, the analyzer names and the version that
//! says when an index must be rebuilt.

use super::*;

/// Bumped whenever the schema or the manifest changes meaning.
pub const SCHEMA_VERSION: u32 = 8;
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
    let line = b.add_u64_field("line", STORED | FAST);
    let pos = b.add_u64_field("pos", STORED | FAST);
    let file = b.add_u64_field("file", STORED | FAST);
    let resp = b.add_u64_field("resp", FAST | STORED);
    let speaker = b.add_text_field("speaker", STORED);
    let question = b.add_text_field("question", STORED);
    let text = b.add_text_field("text", STORED);
    let bodies =
        Language::ALL.map(|l| b.add_text_field(&format!("body_{}", l.name()), text_opts(l)));
    let time = b.add_text_field("time", STORED);
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
