//! Plain data shared between ingest, coding, the index and rendering.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Respondent attributes, sorted by name.
pub type Attributes = BTreeMap<String, String>;

/// One unit of coding: a paragraph, turn or sentence of a respondent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// `<path>:<line>` (sentences after the first on a line add `.N`).
    pub id: String,
    /// The transcript's path relative to the study.
    pub path: String,
    /// 1-based line of the excerpt's first text in the file.
    pub line: usize,
    /// Position of the excerpt within its file (0-based), for corpus order.
    pub pos: usize,
    /// The respondent id.
    pub respondent: String,
    /// The speaker label as written (empty for a monologue).
    pub speaker: String,
    /// The interviewer's last turn before this excerpt (empty if none).
    pub question: String,
    /// The excerpt's text: its lines trimmed and joined by single spaces
    /// (paragraphs of a turn joined by a blank line).
    pub text: String,
    /// Start time (captions), e.g. `00:12:03`; empty otherwise.
    pub time: String,
}

/// One attribute value a transcript gives for a respondent, with its line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttrValue {
    /// The respondent it describes.
    pub respondent: String,
    /// Attribute name.
    pub key: String,
    /// Value.
    pub value: String,
    /// Line (or row) in the transcript, to name it in conflicts.
    pub line: usize,
}

/// What ingest learned about one transcript, kept in the index manifest and
/// shown by `thematic transcripts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptInfo {
    /// Path relative to the study.
    pub path: String,
    /// The file's respondent id (front matter `respondent:` or file name).
    pub respondent: String,
    /// Respondents with at least one excerpt in this file, sorted.
    pub respondents: Vec<String>,
    /// Attributes the file gives (front matter, survey columns).
    pub attributes: Vec<AttrValue>,
    /// Speaker turns (interviewer and respondents).
    pub turns: usize,
    /// Excerpts (units of coding).
    pub excerpts: usize,
    /// Words in the excerpts.
    pub words: usize,
    /// The encoding the file was decoded from.
    pub encoding: String,
    /// Warnings about this file.
    pub warnings: Vec<String>,
    /// Words before the first speaker label (title, place, date): context,
    /// not coded. 0 in a monologue.
    #[serde(default)]
    pub preamble_words: usize,
    /// Label lines after a monologue's narrative (`Source: …`,
    /// `Interviewer: …`) read as its footer: context, not coded.
    #[serde(default)]
    pub footer_lines: usize,
    /// A focus group's `speakers:` map as written, to check its ids
    /// against respondents.csv.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub speakers: Vec<SpeakerId>,
    /// The search language its excerpts are stemmed in (front matter
    /// `language:`, else its respondents' in respondents.csv, else the
    /// study's).
    #[serde(default)]
    pub language: crate::study::Language,
    /// The front matter's `language:`, while the file is being read.
    #[serde(skip)]
    pub front_language: Option<crate::study::Language>,
    /// Respondents who withdrew consent and had excerpts in this file
    /// (their ids only: the excerpts are not kept), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
}

impl TranscriptInfo {
    /// The summary as shown to people: respondents who withdrew consent are
    /// not named (the file's respondent becomes `(withdrawn)`, their
    /// `speakers:` entries and the `withheld` list are left out).
    pub fn without_withheld(&self) -> TranscriptInfo {
        let mut info = self.clone();
        if info.withheld.is_empty() {
            return info;
        }
        let gone = |r: &String| self.withheld.contains(r);
        if gone(&info.respondent) {
            info.respondent = WITHDRAWN.into();
        }
        info.speakers.retain(|s| !gone(&s.respondent));
        info.withheld.clear();
        info
    }
}

/// How a respondent who withdrew consent is shown where their file is
/// listed.
pub const WITHDRAWN: &str = "(withdrawn)";

impl Transcript {
    /// Drops the excerpts of respondents who withdrew consent, with their
    /// attributes, from the transcript and its counts; their ids go to
    /// `info.withheld`. Other respondents' excerpts in the same file (a
    /// focus group) stay.
    pub fn withhold(&mut self, withdrawn: &std::collections::BTreeSet<String>) {
        if withdrawn.is_empty() {
            return;
        }
        let gone = |r: &String| withdrawn.contains(r);
        let mut withheld: Vec<String> = self
            .excerpts
            .iter()
            .map(|e| &e.respondent)
            .chain(&self.info.respondents)
            .chain(std::iter::once(&self.info.respondent))
            .filter(|r| gone(r))
            .cloned()
            .collect();
        if withheld.is_empty() {
            return;
        }
        withheld.sort();
        withheld.dedup();
        self.excerpts.retain(|e| !gone(&e.respondent));
        let their_turns: usize = self
            .turns_by
            .iter()
            .filter(|(r, _)| gone(r))
            .map(|(_, n)| n)
            .sum();
        self.info.turns = self.info.turns.saturating_sub(their_turns);
        self.turns_by.retain(|r, _| !gone(r));
        self.info.respondents.retain(|r| !gone(r));
        self.info.attributes.retain(|a| !gone(&a.respondent));
        self.info.excerpts = self.excerpts.len();
        self.info.words = self
            .excerpts
            .iter()
            .map(|e| crate::text::word_count(&e.text))
            .sum();
        self.info.withheld = withheld;
    }
}

/// One `speakers:` entry of a transcript's front matter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeakerId {
    /// The speaker label as written.
    pub label: String,
    /// The respondent id it maps to.
    pub respondent: String,
    /// The line of `speakers:` in the file.
    pub line: usize,
}

/// One transcript, read and split.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    /// Summary of the file.
    pub info: TranscriptInfo,
    /// Its excerpts, in file order.
    pub excerpts: Vec<Excerpt>,
    /// Turns each respondent spoke, so that a withdrawn respondent's turns
    /// leave the file's count with their excerpts.
    pub turns_by: BTreeMap<String, usize>,
}
