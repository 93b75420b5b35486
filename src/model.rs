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

impl TranscriptInfo {
    /// Blanks the `speakers:` labels of respondents who withdrew consent
    /// (in practice often their first names): only their ids are kept in
    /// the index's details, to tell whose words a file held.
    pub fn forget_withheld_labels(&mut self) {
        for s in &mut self.speakers {
            if self.withheld.contains(&s.respondent) {
                s.label.clear();
            }
        }
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

    /// The first place where a respondent who withdrew consent speaks under
    /// a label that does not withhold their words: a turn labelled with
    /// their id (or the id written another way, `R3` for `R03`) that is
    /// read as another respondent's (the file's, as in `puno.txt` with
    /// `R03:` turns), or such a label kept as text inside another
    /// speaker's turn. Labels the front matter's `speakers:` maps are the
    /// researcher's explicit choice and are left alone.
    pub fn withdrawn_label(
        &self,
        withdrawn: &std::collections::BTreeSet<String>,
    ) -> Option<WithdrawnLabel<'_>> {
        if withdrawn.is_empty() {
            return None;
        }
        use crate::ingest::respondents::id_key;
        let keys: BTreeMap<String, &String> = withdrawn.iter().map(|w| (id_key(w), w)).collect();
        let named = |label: &str| -> Option<String> {
            if label.is_empty() {
                return None;
            }
            withdrawn
                .iter()
                .find(|w| w.eq_ignore_ascii_case(label))
                .or_else(|| keys.get(&id_key(label)).copied())
                .cloned()
        };
        let mapped = |label: &str| {
            self.info
                .speakers
                .iter()
                .any(|s| crate::text::label_key(&s.label) == crate::text::label_key(label))
        };
        // Neighbouring excerpts are mostly one turn's: a (speaker,
        // respondent) pair is looked at once in a row.
        let mut last: Option<(&str, &str)> = None;
        let spoken = self
            .excerpts
            .iter()
            .filter(|e| {
                let pair = (e.speaker.as_str(), e.respondent.as_str());
                last.replace(pair) != Some(pair)
            })
            .filter(|e| !withdrawn.contains(&e.respondent) && !mapped(&e.speaker))
            .filter_map(|e| named(&e.speaker).map(|w| (e, w)))
            // A label naming its own respondent (`N04:` in N04's file, with
            // `N4` withdrawn) is that respondent's: a misspelt withdrawal
            // is warned about where it is written.
            .find(|(e, _)| !crate::ingest::respondents::same_id(&e.speaker, &e.respondent))
            .map(|(e, w)| WithdrawnLabel {
                label: &e.speaker,
                line: e.line,
                withdrawn: w,
                read_as: Some(&e.respondent),
            });
        let kept = self.text_labels.iter().find_map(|(label, line)| {
            named(label).map(|w| WithdrawnLabel {
                label,
                line: *line,
                withdrawn: w,
                read_as: None,
            })
        });
        match (spoken, kept) {
            (Some(a), Some(b)) => Some(if b.line < a.line { b } else { a }),
            (a, b) => a.or(b),
        }
    }
}

/// A speaker label of a respondent who withdrew consent whose words are
/// not withheld (see [`Transcript::withdrawn_label`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawnLabel<'a> {
    /// The label as written.
    pub label: &'a str,
    /// The line of its (first) turn.
    pub line: usize,
    /// The withdrawn respondent's id it names.
    pub withdrawn: String,
    /// The respondent its turns are read as (`None`: kept as text).
    pub read_as: Option<&'a str>,
}

/// One `speakers:` entry of a transcript's front matter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeakerId {
    /// The speaker label as written.
    pub label: String,
    /// The respondent id it maps to.
    pub respondent: String,
    /// The line of `speakers:` in the file (0: a caption file's entry
    /// in thematic.yaml).
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
    /// Lines that look like a speaker's turn but were kept as text (a focus
    /// group's label not in `speakers:`): (label, line), in line order.
    pub text_labels: Vec<(String, usize)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpt(line: usize, respondent: &str, speaker: &str) -> Excerpt {
        Excerpt {
            id: format!("t/puno.txt:{line}"),
            path: "t/puno.txt".into(),
            line,
            pos: 0,
            respondent: respondent.into(),
            speaker: speaker.into(),
            question: String::new(),
            text: "…".into(),
            time: String::new(),
        }
    }

    #[test]
    fn a_withdrawn_ids_label_that_withholds_nothing_is_found_first_by_line() {
        let withdrawn: std::collections::BTreeSet<String> = ["R03".to_string()].into();
        let mut t = Transcript {
            excerpts: vec![
                excerpt(2, "puno", "R05"),
                excerpt(4, "puno", "r-3"),
                excerpt(6, "R03", "Ana"),
                excerpt(8, "R3", "R3"),
            ],
            text_labels: vec![("R3".into(), 3)],
            ..Default::default()
        };
        let found = t.withdrawn_label(&withdrawn).unwrap();
        assert_eq!((found.label, found.line, found.read_as), ("R3", 3, None));
        assert_eq!(found.withdrawn, "R03");
        t.text_labels.clear();
        let found = t.withdrawn_label(&withdrawn).unwrap();
        assert_eq!((found.label, found.line), ("r-3", 4));
        assert_eq!(found.read_as, Some("puno"));
        // A label `speakers:` maps is the researcher's choice.
        t.info.speakers.push(SpeakerId {
            label: "R-3".into(),
            respondent: "R05".into(),
            line: 2,
        });
        assert_eq!(t.withdrawn_label(&withdrawn), None);
        assert_eq!(t.withdrawn_label(&Default::default()), None);
    }
}
