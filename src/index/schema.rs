//! The index schema: its fields, the analyzer names and the version that
//! says when an index must be rebuilt.

use super::*;

/// Bumped whenever the schema or the manifest changes meaning.
pub const SCHEMA_VERSION: u32 = 8;
pub(super) const TOOL: &str = "thematic";
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
    /// The excerpt's search terms (indexed, see [`analysis`]).
    pub body: Field,
    /// Start time of the excerpt (captions).
    pub time: Field,
}

pub(super) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(tantivy::schema::IndexRecordOption::WithFreqsAndPositions),
    );
    let f = Fields {
        id: b.add_text_field("id", STORED),
        path: b.add_text_field("path", STRING | STORED),
        line: b.add_u64_field("line", STORED | FAST),
        pos: b.add_u64_field("pos", STORED | FAST),
        file: b.add_u64_field("file", STORED | FAST),
        resp: b.add_u64_field("resp", FAST | STORED),
        speaker: b.add_text_field("speaker", STORED),
        question: b.add_text_field("question", STORED),
        text: b.add_text_field("text", STORED),
        body: b.add_text_field("body", text_opts),
        time: b.add_text_field("time", STORED),
    };
    (b.build(), f)
}

/// The analyzer readers use: raw text to search terms.
pub(super) fn analyzer(lang: Language) -> TextAnalyzer {
    TextAnalyzer::from(analysis::Analyzer::new(lang))
}
