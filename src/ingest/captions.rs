//! Caption transcripts: WebVTT (`.vtt`) and SubRip (`.srt`). The speaker is
//! a `<v Name>` voice tag (VTT) or a `Name:` prefix, carried forward until
//! the next one (many exports name the speaker only when it changes).
//! Consecutive cues of one speaker form one turn and one paragraph, their
//! texts joined by a space; the excerpt id is the number of the turn's first
//! cue, and the excerpt keeps the cue's start time.

use std::collections::BTreeMap;

use regex::Regex;
use std::sync::LazyLock;

use super::plain::{self, SplitOptions, Turn};
use crate::error::{Error, Location, Result};
use crate::model::{Transcript, TranscriptInfo};

/// Which caption format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// WebVTT.
    Vtt,
    /// SubRip.
    Srt,
}

/// One caption cue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// 1-based cue number in the file.
    pub number: usize,
    /// Start time, `HH:MM:SS`.
    pub start: String,
    /// Speaker, when the cue names one.
    pub speaker: Option<String>,
    /// Text with tags removed.
    pub text: String,
}

static TIMING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})(?:\s.*)?$").expect("valid regex")
});
static VOICE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*<v(?:\.[^\s>]*)?\s+([^>]+)>").expect("valid regex"));
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("valid regex"));

/// Reads the cues of a caption file.
pub fn cues(text: &str, kind: Kind, shown: &str) -> Result<Vec<Cue>> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    // An empty file has no cues, as an empty .srt or .txt has no text
    // (a warning, not an error).
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Ok(Vec::new());
    }
    if kind == Kind::Vtt {
        if !lines
            .first()
            .is_some_and(|l| l.trim_start_matches('\u{feff}').starts_with("WEBVTT"))
        {
            return Err(Error::at(
                Location::line(shown, 1),
                "a .vtt file must start with `WEBVTT`",
            )
            .with_hint(
                "export the captions again as WebVTT, or rename the file if it is another format",
            ));
        }
        i = 1;
    }
    let mut out: Vec<Cue> = Vec::new();
    let mut speaker: Option<String> = None;
    while i < lines.len() {
        // A block: lines up to the next blank line.
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        let start = i;
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
        let whole = &lines[start..i];
        if whole.is_empty() {
            continue;
        }
        let first = whole[0].trim();
        if kind == Kind::Vtt && (first.starts_with("NOTE") || first == "STYLE" || first == "REGION")
        {
            continue;
        }
        for (offset, block) in cue_blocks(whole) {
            cue(block, start + offset, kind, shown, &mut speaker, &mut out)?;
        }
    }
    Ok(out)
}

/// A block of non-blank lines split into cues: a timing line always starts
/// a new cue, even without the blank line that should come before it (the
/// cue number just above it, if any, goes with it), so that timings never
/// end up in the text. Each cue with its line offset in the block.
fn cue_blocks<'a, 'b>(block: &'b [&'a str]) -> Vec<(usize, &'b [&'a str])> {
    let mut out = Vec::new();
    let mut begin = 0;
    let mut timing = block.iter().position(|l| l.contains("-->"));
    for j in 1..block.len() {
        let Some(t) = timing else { break };
        if j <= t || !TIMING.is_match(block[j]) {
            continue;
        }
        let number = j - 1 > t && block[j - 1].trim().chars().all(|c| c.is_ascii_digit());
        let cut = if number { j - 1 } else { j };
        out.push((begin, &block[begin..cut]));
        begin = cut;
        timing = Some(j);
    }
    out.push((begin, &block[begin..]));
    out
}

/// Reads one cue (block `start` is its first line's index) into `out`.
fn cue(
    block: &[&str],
    start: usize,
    kind: Kind,
    shown: &str,
    speaker: &mut Option<String>,
    out: &mut Vec<Cue>,
) -> Result<()> {
    let timing_at = block.iter().position(|l| l.contains("-->"));
    let Some(t) = timing_at.filter(|&t| t <= 1) else {
        return Err(Error::at(Location::line(shown, start + 1), "a caption block without a `start --> end` timing line")
            .with_hint("each cue needs an optional number or id, then `00:00:01.000 --> 00:00:04.000`, then its text"));
    };
    let line_no = start + t + 1;
    let caps = TIMING.captures(block[t]).ok_or_else(|| {
        Error::at(
            Location::line(shown, line_no),
            format!("broken cue timing `{}`", block[t].trim()),
        )
        .with_hint(if kind == Kind::Srt {
            "SRT timings look like `00:00:01,000 --> 00:00:04,000`"
        } else {
            "VTT timings look like `00:00:01.000 --> 00:00:04.000`"
        })
    })?;
    let payload = block[t + 1..].join(" ");
    let (voice, rest) = match VOICE.captures(&payload) {
        Some(c) => (
            Some(c[1].trim().to_string()),
            payload[c.get(0).map_or(0, |m| m.end())..].to_string(),
        ),
        None => (None, payload.clone()),
    };
    let clean = unescape(&TAG.replace_all(&rest, ""))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let (who, text) = match voice {
        Some(v) => (Some(v), clean),
        None => match plain::parse_label(&clean) {
            Some((label, text)) => (Some(label.to_string()), text.to_string()),
            None => (None, clean.clone()),
        },
    };
    if who.is_some() {
        *speaker = who;
    }
    out.push(Cue {
        number: out.len() + 1,
        start: hms(&caps[1]),
        speaker: speaker.clone(),
        text,
    });
    Ok(())
}

fn hms(t: &str) -> String {
    let main = t.split(['.', ',']).next().unwrap_or(t);
    let parts: Vec<&str> = main.split(':').collect();
    match parts.as_slice() {
        [m, s] => format!("00:{m:0>2}:{s:0>2}"),
        [h, m, s] => format!("{h:0>2}:{m:0>2}:{s:0>2}"),
        _ => main.to_string(),
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&lrm;", "")
        .replace("&rlm;", "")
        .replace("&amp;", "&")
}

/// Reads a caption file into turns and excerpts.
pub fn split(text: &str, kind: Kind, rel: &str, opts: &SplitOptions) -> Result<Transcript> {
    let file_respondent = plain::file_stem(rel);
    // The file's speakers from thematic.yaml (captions have no front
    // matter), by label in lowercase.
    let mapped: Option<BTreeMap<String, &String>> = opts.speakers.get(rel).map(|m| {
        m.iter()
            .map(|(label, id)| (crate::text::label_key(label), id))
            .collect()
    });
    // Labels the mapping leaves out: (label, first cue, turns), in order
    // of first appearance, found by label.
    let mut unmapped: Vec<(String, usize, usize)> = Vec::new();
    let mut unmapped_at: std::collections::HashMap<String, usize> = Default::default();
    let mut turns: Vec<Turn> = Vec::new();
    for cue in cues(text, kind, rel)? {
        if cue.text.is_empty() {
            continue;
        }
        let label = cue.speaker.clone().unwrap_or_default();
        match turns.last_mut() {
            // A cue is a line of its turn: the turn's paragraph joins them
            // with a space, and a sentence keeps the cue it starts in.
            Some(t) if t.label == label => {
                t.lines.push((cue.number, cue.text.into()));
                t.times.push((cue.number, cue.start));
            }
            _ => {
                let respondent = if plain::is_interviewer(&label, opts) {
                    None
                } else if let Some(map) = &mapped {
                    match map.get(&crate::text::label_key(&label)) {
                        Some(id) => Some((*id).clone()),
                        None => {
                            match unmapped_at.get(&label) {
                                Some(&i) => unmapped[i].2 += 1,
                                None => {
                                    unmapped_at.insert(label.clone(), unmapped.len());
                                    unmapped.push((label.clone(), cue.number, 1));
                                }
                            }
                            Some(file_respondent.clone())
                        }
                    }
                } else {
                    Some(file_respondent.clone())
                };
                turns.push(Turn {
                    label,
                    respondent,
                    lines: vec![(cue.number, cue.text.into())],
                    time: cue.start,
                    times: Vec::new(),
                });
            }
        }
    }
    let mut info = TranscriptInfo {
        path: rel.to_string(),
        respondent: file_respondent.clone(),
        // Line 0: the entry is in thematic.yaml, not in the file.
        speakers: opts
            .speakers
            .get(rel)
            .into_iter()
            .flatten()
            .map(|(label, respondent)| crate::model::SpeakerId {
                label: label.clone(),
                respondent: respondent.clone(),
                line: 0,
            })
            .collect(),
        ..Default::default()
    };
    match &mapped {
        None => info.warnings.extend(plain::merged_speakers(
            rel,
            &turns,
            &file_respondent,
            plain::SpeakersFix::Settings,
        )),
        Some(_) => info.warnings.extend(unmapped.iter().map(|(label, first, n)| {
            let turns = if *n == 1 { "turn" } else { "turns" };
            format!(
                "{rel}: speaker `{label}` ({n} {turns}, from cue {first}) is not in thematic.yaml's \
                 `speakers:` for this file, so it is read as respondent `{file_respondent}`; add \
                 it there (`{label}: ID`), or to the `interviewer:` setting"
            )
        })),
    }
    Ok(plain::build(rel, &turns, opts.unit, info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::Unit;

    fn opts() -> SplitOptions {
        SplitOptions {
            unit: Unit::Paragraph,
            interviewer: vec!["Interviewer".into()],
            csv: None,
            encoding: None,
            speakers: Default::default(),
        }
    }

    #[test]
    fn empty_caption_files_have_no_cues_but_text_without_a_header_is_refused() {
        for (text, kind) in [
            ("", Kind::Vtt),
            ("\u{feff}\n \n", Kind::Vtt),
            ("", Kind::Srt),
        ] {
            assert_eq!(cues(text, kind, "t/a").unwrap().len(), 0, "{text:?}");
        }
        let e = cues(
            "1\n00:00:01.000 --> 00:00:02.000\nhi\n",
            Kind::Vtt,
            "t/a.vtt",
        )
        .unwrap_err();
        assert!(
            e.report().contains("must start with `WEBVTT`"),
            "{}",
            e.report()
        );
    }

    #[test]
    fn vtt_voices_merge_consecutive_cues() {
        let vtt = "WEBVTT\n\nNOTE made by hand\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>How did it start?</v>\n\n2\n00:00:05.000 --> 00:00:07.500 align:start\n<v.loud R07>A neighbour <i>offered</i> me\n\n00:00:07.500 --> 00:00:09.000\n<v R07>a job &amp; a room.\n\n01:02:03.000 --> 01:02:04.000\nInterviewer: Thanks.\n";
        let t = split(vtt, Kind::Vtt, "t/r07.vtt", &opts()).unwrap();
        assert_eq!(t.excerpts.len(), 1);
        let e = &t.excerpts[0];
        assert_eq!(
            (e.id.as_str(), e.text.as_str(), e.time.as_str()),
            (
                "t/r07.vtt:2",
                "A neighbour offered me a job & a room.",
                "00:00:05"
            )
        );
        assert_eq!(e.question, "How did it start?");
        assert_eq!(e.respondent, "r07");
        assert_eq!(t.info.turns, 3);
    }

    #[test]
    fn a_sentence_keeps_the_cue_it_starts_in_and_its_time() {
        let srt = "1\n00:00:01,000 --> 00:00:04,000\nHost: Welcome. It is\n\n2\n00:00:05,000 --> 00:00:09,000\na long episode. Today\n\n3\n00:05:00,000 --> 00:05:04,000\nwe talk about money.\n";
        let sentences = SplitOptions {
            unit: Unit::Sentence,
            ..opts()
        };
        let t = split(srt, Kind::Srt, "t/ep.srt", &sentences).unwrap();
        let got: Vec<(&str, &str, &str)> = t
            .excerpts
            .iter()
            .map(|e| (e.id.as_str(), e.text.as_str(), e.time.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("t/ep.srt:1", "Welcome.", "00:00:01"),
                ("t/ep.srt:1.2", "It is a long episode.", "00:00:01"),
                ("t/ep.srt:2", "Today we talk about money.", "00:00:05"),
            ]
        );
        // As paragraphs, the cues are one excerpt at the first cue.
        let t = split(srt, Kind::Srt, "t/ep.srt", &opts()).unwrap();
        assert_eq!(t.excerpts.len(), 1);
        assert_eq!(
            (t.excerpts[0].id.as_str(), t.excerpts[0].time.as_str()),
            ("t/ep.srt:1", "00:00:01")
        );
        assert_eq!(
            t.excerpts[0].text,
            "Welcome. It is a long episode. Today we talk about money."
        );
    }

    #[test]
    fn srt_carries_the_speaker_forward() {
        let srt = "1\n00:00:00,179 --> 00:00:02,399\nInterviewer: When you first\nstarted?\n\n2\n00:00:02,400 --> 00:00:04,799\nAna: It was hard.\n\n3\n00:00:04,801 --> 00:00:07,980\nVery hard.\n";
        let t = split(srt, Kind::Srt, "t/ana.srt", &opts()).unwrap();
        let got: Vec<(&str, &str)> = t
            .excerpts
            .iter()
            .map(|e| (e.id.as_str(), e.text.as_str()))
            .collect();
        assert_eq!(got, [("t/ana.srt:2", "It was hard. Very hard.")]);
        assert_eq!(t.excerpts[0].question, "When you first started?");
    }

    #[test]
    fn a_timing_line_starts_a_cue_even_without_a_blank_line() {
        let srt = "1\n00:00:00,179 --> 00:00:02,399\nInterviewer: ¿Cuándo empezó?\n2\n00:00:02,400 --> 00:00:04,799\nAna: Fue difícil.\n00:00:04,801 --> 00:00:07,980\nMuy difícil.\n\n4\n00:00:08,000 --> 00:00:09,000\nY sola.\n";
        let t = split(srt, Kind::Srt, "t/ana.srt", &opts()).unwrap();
        let got: Vec<(&str, &str, &str)> = t
            .excerpts
            .iter()
            .map(|e| (e.id.as_str(), e.text.as_str(), e.time.as_str()))
            .collect();
        assert_eq!(
            got,
            [(
                "t/ana.srt:2",
                "Fue difícil. Muy difícil. Y sola.",
                "00:00:02"
            )]
        );
        assert_eq!(t.excerpts[0].question, "¿Cuándo empezó?");
        let cues = cues(srt, Kind::Srt, "t/ana.srt").unwrap();
        assert_eq!(cues.len(), 4);
        assert_eq!(cues[2].start, "00:00:04");
    }

    #[test]
    fn broken_timings_name_the_line() {
        let e = split(
            "WEBVTT\n\n00:00:01.000 --> 00:0x:04.000\nhello\n",
            Kind::Vtt,
            "t/a.vtt",
            &opts(),
        )
        .unwrap_err();
        assert!(
            e.report().contains("t/a.vtt:3") && e.report().contains("broken cue timing"),
            "{}",
            e.report()
        );
        let e = split("hello\n", Kind::Vtt, "t/a.vtt", &opts()).unwrap_err();
        assert!(e.report().contains("WEBVTT"));
        let e = split("1\nno timing here\n", Kind::Srt, "t/a.srt", &opts()).unwrap_err();
        assert!(e.report().contains("t/a.srt:1"), "{}", e.report());
    }
}
