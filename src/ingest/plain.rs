//! Plain-text and Markdown transcripts (docs/format.md §3): front matter, speaker
//! turns, interviewer context, focus-group `speakers:` maps, monologues, and
//! the split into excerpts (paragraph, turn or sentence).

use crate::yaml::scalar;
use std::borrow::Cow;
use std::collections::BTreeMap;

use regex::Regex;
use std::sync::LazyLock;

use crate::error::{Error, Location, Result};
use crate::model::{AttrValue, Attributes, Excerpt, SpeakerId, Transcript, TranscriptInfo};
use crate::study::{Language, Unit};
use crate::text::word_count;

/// What a transcript parser needs from the settings.
#[derive(Debug, Clone)]
pub struct SplitOptions {
    /// The unit of coding.
    pub unit: Unit,
    /// Interviewer labels, compared case-insensitively.
    pub interviewer: Vec<String>,
    /// Survey CSV settings, when the study has them.
    pub csv: Option<crate::study::CsvSettings>,
    /// A forced text encoding (else detected).
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Caption files' speakers from thematic.yaml: per transcript path,
    /// label → respondent id.
    pub speakers: BTreeMap<String, BTreeMap<String, String>>,
}

/// Front matter of a transcript.
#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    /// `respondent:` when given.
    pub respondent: Option<String>,
    /// `speakers:` label → respondent id (labels lowercased for lookup).
    pub speakers: BTreeMap<String, String>,
    /// `speakers:` as written, in file order.
    pub speaker_ids: Vec<SpeakerId>,
    /// Every other key, as text.
    pub attributes: Attributes,
    /// The line of each attribute key.
    pub attribute_lines: BTreeMap<String, usize>,
    /// `language:` when given: the search language of the file's excerpts
    /// (not an attribute: it describes the file, not its respondent).
    pub language: Option<Language>,
}

static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\\?\[?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\\?\]?\s*").expect("valid regex")
});
static BOLD_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\*\*([^*:]+?)(?::\*\*|\*\*:)\s*").expect("valid regex"));

/// `^([^:]+):(?:\s+|$)` without a regex (it runs on every line): the label
/// is everything before the first colon, which must be followed by
/// whitespace or end the line.
fn plain_label(s: &str) -> Option<(&str, &str)> {
    let colon = s.find(':')?;
    if colon == 0 {
        return None;
    }
    let after = &s[colon + 1..];
    let rest = after.trim_start();
    if rest.len() == after.len() && !after.is_empty() {
        return None;
    }
    Some((&s[..colon], rest))
}

/// Splits a line into a speaker label and the text after it, if the line
/// starts a turn by the shape rules (1–40 characters, no colon, at most four
/// words; optional timestamp and Markdown bold).
pub fn parse_label(line: &str) -> Option<(&str, &str)> {
    let s = line.trim_start();
    // Both patterns are anchored; test the first byte before running them.
    let s = match s.as_bytes().first() {
        Some(b'\\' | b'[' | b'0'..=b'9') => match TIMESTAMP.find(s) {
            Some(m) => &s[m.end()..],
            None => s,
        },
        _ => s,
    };
    let bold = if s.starts_with("**") {
        BOLD_LABEL.captures(s)
    } else {
        None
    };
    let (label, rest) = match bold {
        Some(c) => (c.get(1)?.as_str(), &s[c.get(0)?.end()..]),
        None => plain_label(s)?,
    };
    let label = label.trim();
    let n = label.chars().count();
    if n == 0 || n > 40 || label.split_whitespace().count() > 4 {
        return None;
    }
    Some((label, rest))
}

/// Reads the YAML front matter at the top of `lines`; returns it and the
/// index of the first body line.
pub fn front_matter(lines: &[&str], shown: &str) -> Result<(FrontMatter, usize)> {
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return Ok((FrontMatter::default(), 0));
    }
    let close = lines
        .iter()
        .skip(1)
        .position(|l| matches!(l.trim_end(), "---" | "..."))
        .map(|p| p + 1)
        .ok_or_else(|| {
            Error::at(
                Location::line(shown, 1),
                "front matter opened with `---` is never closed",
            )
            .with_hint("end the front matter with a line `---`")
        })?;
    let yaml = lines[1..close].join("\n");
    let mut fm = FrontMatter::default();
    if yaml.trim().is_empty() {
        return Ok((fm, close + 1));
    }
    crate::input::check_yaml_from(&yaml, shown, 2)?;
    let value: serde_yaml::Value = serde_yaml::from_str(&yaml).map_err(|e| {
        let (line, col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        Error::at(
            Location::at(shown, line + 1, col),
            format!(
                "front matter is not valid YAML: {}",
                strip_at(&e.to_string())
            ),
        )
        .with_hint("front matter is `key: value` lines between two `---` lines")
    })?;
    let map = match value {
        serde_yaml::Value::Mapping(m) => m,
        _ => {
            return Err(Error::at(
                Location::line(shown, 2),
                "front matter must be `key: value` lines",
            )
            .with_hint("e.g. `respondent: R07` and `role: survivor`"))
        }
    };
    let key_line = |key: &str| -> usize {
        lines[1..close]
            .iter()
            .position(|l| {
                l.trim_start()
                    .strip_prefix(key)
                    .is_some_and(|r| r.trim_start().starts_with(':'))
            })
            .map_or(2, |p| p + 2)
    };
    for (k, v) in map {
        let key = scalar(&k).unwrap_or_default();
        let line = key_line(&key);
        match key.as_str() {
            "respondent" => {
                let id = scalar(&v).filter(|s| !s.trim().is_empty()).ok_or_else(|| {
                    if v.is_sequence() || v.is_mapping() {
                        // A file shared by several respondents names them
                        // by speaker label instead.
                        return Error::at(
                            Location::line(shown, line),
                            "`respondent:` must be one id, not a list",
                        )
                        .with_hint("for a file shared by several respondents, map each speaker label to one: `speakers: {Ana: R03, Luis: R04}`");
                    }
                    Error::at(
                        Location::line(shown, line),
                        "`respondent:` must be a non-empty id",
                    )
                    .with_hint("e.g. `respondent: R07`")
                })?;
                check_id(id.trim(), "respondent:", Location::line(shown, line))?;
                fm.respondent = Some(id.trim().to_string());
            }
            // An empty `language:` is not given, as an empty attribute is.
            "language" if v.is_null() => {}
            "language" => {
                let at = Location::line(shown, line);
                let name = scalar(&v).ok_or_else(|| {
                    Error::at(at.clone(), "`language:` must be one language name")
                        .with_hint(format!("one of: {}", Language::names()))
                })?;
                let lang = Language::parse(&name).map_err(|why| {
                    Error::at(at.clone(), why)
                        .with_hint(format!("`language:` takes one of: {}", Language::names()))
                })?;
                fm.language = Some(lang);
            }
            "speakers" => speakers(&mut fm, &v, Location::line(shown, line))?,
            _ => {
                if let Some(e) =
                    super::respondents::reserved_error(&key, Location::line(shown, line))
                {
                    return Err(e);
                }
                let value = match &v {
                    serde_yaml::Value::Null => continue,
                    serde_yaml::Value::Sequence(items) => {
                        let parts: Option<Vec<String>> = items.iter().map(scalar).collect();
                        parts.map(|p| p.join("; "))
                    }
                    other => scalar(other),
                };
                let value = value.ok_or_else(|| {
                    Error::at(
                        Location::line(shown, line),
                        format!("front matter attribute `{key}` must be a single value"),
                    )
                    .with_hint("attributes are `key: value`; only `speakers:` takes a map")
                })?;
                // `region: ""` (a template's blank) is no value, as an
                // empty respondents.csv cell is: the `(missing)` group.
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                fm.attributes.insert(key.clone(), value.to_string());
                fm.attribute_lines.insert(key, line);
            }
        }
    }
    Ok((fm, close + 1))
}

/// The front matter's `speakers:` map (labels to respondent ids), at `at`.
fn speakers(fm: &mut FrontMatter, v: &serde_yaml::Value, at: Location) -> Result<()> {
    let m = v.as_mapping().ok_or_else(|| {
        Error::at(
            at.clone(),
            "`speakers:` must map speaker labels to respondent ids",
        )
        .with_hint("e.g. `speakers: {Ana: R03, Luis: R04}`")
    })?;
    for (label, id) in m {
        match (scalar(label), scalar(id)) {
            (Some(l), Some(i)) if !l.trim().is_empty() && !i.trim().is_empty() => {
                check_id(i.trim(), "speakers:", at.clone())?;
                let key = crate::text::label_key(&l);
                if let Some(other) = fm.speakers.get(&key).filter(|o| **o != i.trim()) {
                    return Err(Error::at(
                        at.clone(),
                        format!(
                            "`speakers:` maps `{}` to `{}` and a label that reads the same to `{other}`: a turn could not be told apart",
                            l.trim().escape_debug(),
                            i.trim()
                        ),
                    )
                    .with_hint("labels are compared as a reader sees them (case, spacing and invisible characters aside): give each speaker a label of their own"));
                }
                fm.speakers.insert(key, i.trim().to_string());
                fm.speaker_ids.push(SpeakerId {
                    label: l.trim().to_string(),
                    respondent: i.trim().to_string(),
                    line: at.line.unwrap_or(1),
                });
            }
            _ => {
                return Err(Error::at(
                    at.clone(),
                    "each `speakers:` entry must be `Label: respondent_id`",
                )
                .with_hint("e.g. `speakers: {Ana: R03, Luis: R04}`"))
            }
        }
    }
    Ok(())
}

/// A respondent id must be a plain name: ids become file-like keys in
/// output and in `--where`, so `../../etc/passwd`, a slash, a backslash or
/// a control character is refused rather than carried along.
fn check_id(id: &str, key: &str, at: Location) -> Result<()> {
    let bad = if id == "." || id == ".." {
        Some("is not a name")
    } else if id.contains(['/', '\\']) {
        Some("contains a slash")
    } else if id.chars().any(char::is_control) {
        Some("contains a control character")
    } else {
        None
    };
    // An id with a character that shows nothing (`R0<zero-width space>1`)
    // would make a second respondent that looks like the first: refused,
    // with the id to write. (Fullwidth forms, which Chinese and Japanese
    // input methods type, and accents typed as combining marks are ids as
    // written.)
    if bad.is_none() && id.chars().any(crate::text::invisible) {
        let seen: String = id.chars().filter(|&c| !crate::text::invisible(c)).collect();
        return Err(Error::at(
            at,
            format!(
                "`{key}` gives the respondent id `{}`, which holds characters that show nothing: it reads as `{seen}`",
                id.escape_debug()
            ),
        )
        .with_hint(format!("write `{seen}`")));
    }
    match bad {
        None => Ok(()),
        Some(why) => Err(Error::at(
            at,
            format!(
                "`{key}` gives the respondent id `{}`, which {why}",
                id.escape_debug()
            ),
        )
        .with_hint("a respondent id is a plain name such as `R07` or `ana_lima`")),
    }
}

fn strip_at(msg: &str) -> &str {
    msg.find(" at line ").map_or(msg, |i| &msg[..i])
}

/// A speaker turn, as any reader produces it.
#[derive(Debug, Clone, Default)]
pub struct Turn<'a> {
    /// The speaker label as written (empty in a monologue).
    pub label: String,
    /// The respondent, or None for the interviewer.
    pub respondent: Option<String>,
    /// (line, text) of every line of the turn, the label stripped. The
    /// "line" is whatever the container numbers: a text line, a .docx
    /// paragraph, a caption cue. Borrowed from the transcript's text where
    /// the reader can.
    pub lines: Vec<(usize, Cow<'a, str>)>,
    /// Start time of the turn (captions), e.g. `00:12:03`.
    pub time: String,
    /// Start times of the turn's later lines (captions: a line is a cue),
    /// in line order: a sentence that starts in a later cue shows that
    /// cue's time.
    pub times: Vec<(usize, String)>,
}

/// A paragraph: its first line and its lines (trimmed, borrowed from the
/// turn).
#[derive(Debug, Clone)]
struct Para<'a> {
    lines: Vec<(usize, &'a str)>,
}

impl Para<'_> {
    fn line(&self) -> usize {
        self.lines[0].0
    }
    /// Its lines joined by single spaces, appended to `out`.
    fn text_into(&self, out: &mut String) {
        for (k, (_, t)) in self.lines.iter().enumerate() {
            if k > 0 {
                out.push(' ');
            }
            out.push_str(t);
        }
    }
    /// The length of [`Para::text_into`]'s text.
    fn text_len(&self) -> usize {
        self.lines.iter().map(|(_, t)| t.len() + 1).sum::<usize>() - 1
    }
    fn text(&self) -> String {
        let mut out = String::with_capacity(self.text_len());
        self.text_into(&mut out);
        out
    }
}

/// Paragraphs joined by `sep`, into `out` (cleared first).
fn join_paras(paras: &[Para<'_>], sep: &str, out: &mut String) {
    out.clear();
    for (k, p) in paras.iter().enumerate() {
        if k > 0 {
            out.push_str(sep);
        }
        p.text_into(out);
    }
}

fn paragraphs<'a>(lines: &'a [(usize, Cow<'_, str>)]) -> Vec<Para<'a>> {
    let mut out = Vec::new();
    let mut cur: Vec<(usize, &str)> = Vec::new();
    for (n, l) in lines {
        let t = l.trim();
        if t.is_empty() {
            if !cur.is_empty() {
                out.push(Para {
                    lines: std::mem::take(&mut cur),
                });
            }
        } else {
            cur.push((*n, t));
        }
    }
    if !cur.is_empty() {
        out.push(Para { lines: cur });
    }
    out
}

/// True when `label` is one of the interviewer labels (case-insensitive).
pub fn is_interviewer(label: &str, opts: &SplitOptions) -> bool {
    let label = label.trim();
    // ASCII labels (the usual case) are compared without lowercasing copies.
    if label.is_ascii() {
        return opts.interviewer.iter().any(|i| {
            let i = i.trim();
            if i.is_ascii() {
                i.eq_ignore_ascii_case(label)
            } else {
                // Some letters lowercase to ASCII (the Kelvin sign to `k`).
                i.to_lowercase() == label.to_ascii_lowercase()
            }
        });
    }
    let label = crate::text::label_key(label);
    opts.interviewer
        .iter()
        .any(|i| crate::text::label_key(i) == label)
}

/// Splits a transcript's text into its turns and excerpts.
pub fn split(text: &str, rel: &str, opts: &SplitOptions) -> Result<Transcript> {
    let lines: Vec<&str> = text.split('\n').collect();
    let (fm, body) = front_matter(&lines, rel)?;
    let file_respondent = fm.respondent.clone().unwrap_or_else(|| file_stem(rel));
    let focus_group = !fm.speakers.is_empty();

    let mut turns: Vec<Turn> = Vec::new();
    let mut unmapped: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut preamble = true;
    for (i, line) in lines.iter().enumerate().skip(body) {
        let n = i + 1;
        let label = parse_label(line).and_then(|(label, rest)| {
            if is_interviewer(label, opts) {
                Some((label, rest, None))
            } else if let Some(id) = focus_group
                .then(|| fm.speakers.get(&crate::text::label_key(label)))
                .flatten()
            {
                Some((label, rest, Some(id.clone())))
            } else if focus_group {
                unmapped.entry(label.to_string()).or_default().push(n);
                None
            } else {
                Some((label, rest, Some(file_respondent.clone())))
            }
        });
        match label {
            Some((label, rest, respondent)) => {
                preamble = false;
                turns.push(Turn {
                    label: label.to_string(),
                    respondent,
                    lines: vec![(n, Cow::Borrowed(rest))],
                    time: String::new(),
                    times: Vec::new(),
                });
            }
            None if preamble => {}
            None => turns
                .last_mut()
                .expect("a turn exists after the preamble")
                .lines
                .push((n, Cow::Borrowed(*line))),
        }
    }
    // Text before the first label is a preamble, unless every label is a
    // footer line below it: then that text is a monologue's narrative.
    // (A focus group's `speakers:` say that it has turns.)
    let first_label = turns.first().map(|t| t.lines[0].0);
    let mut preamble_words: usize = first_label.map_or(0, |n| {
        lines[body..n - 1].iter().map(|l| word_count(l)).sum()
    });
    let mut footer_lines = 0;
    let mut body_end = lines.len();
    if let Some(n) =
        first_label.filter(|_| !focus_group && is_footer(&turns, preamble_words, &file_respondent))
    {
        footer_lines = turns.len();
        body_end = n - 1;
        preamble_words = 0;
        turns.clear();
    }
    if turns.is_empty() {
        let body_lines = lines[..body_end]
            .iter()
            .enumerate()
            .skip(body)
            .map(|(i, l)| (i + 1, Cow::Borrowed(*l)))
            .collect();
        turns.push(Turn {
            label: String::new(),
            respondent: Some(file_respondent.clone()),
            lines: body_lines,
            time: String::new(),
            times: Vec::new(),
        });
    }

    let mut info = TranscriptInfo {
        path: rel.to_string(),
        respondent: file_respondent.clone(),
        speakers: fm.speaker_ids.clone(),
        attributes: fm
            .attributes
            .iter()
            .map(|(k, v)| AttrValue {
                respondent: file_respondent.clone(),
                key: k.clone(),
                value: v.clone(),
                line: fm.attribute_lines.get(k).copied().unwrap_or(1),
            })
            .collect(),
        preamble_words,
        footer_lines,
        front_language: fm.language,
        ..Default::default()
    };
    let mut text_labels: Vec<(String, usize)> = unmapped
        .iter()
        .flat_map(|(l, lines)| lines.iter().map(move |&n| (l.clone(), n)))
        .collect();
    text_labels.sort_by_key(|(_, n)| *n);
    if !unmapped.is_empty() {
        // In the order of their first lines, as a reader meets them.
        let mut unmapped: Vec<(String, Vec<usize>)> = unmapped.into_iter().collect();
        unmapped.sort_by_key(|(_, lines)| lines.first().copied());
        let listed: Vec<String> = unmapped
            .iter()
            .map(|(l, lines)| match lines.as_slice() {
                [n] => format!("`{l}:` (line {n})"),
                _ => format!(
                    "`{l}:` (lines {})",
                    lines
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
            .collect();
        let verb = if listed.len() == 1 {
            "looks like a speaker label but is"
        } else {
            "look like speaker labels but are"
        };
        info.warnings.push(format!(
            "{rel}: {} {verb} not in `speakers:`; kept as text",
            listed.join(", ")
        ));
    }
    if !focus_group {
        info.warnings
            .extend(stray_labels(rel, &turns, &file_respondent));
        info.warnings.extend(merged_speakers(
            rel,
            &turns,
            &file_respondent,
            SpeakersFix::FrontMatter,
        ));
    }
    let mut t = build(rel, &turns, opts.unit, info);
    t.text_labels = text_labels;
    // Front-matter attributes describe the file's respondent; in a focus
    // group whose every turn is mapped to others, that respondent says
    // nothing, and the attributes would reach no one, silently.
    if focus_group
        && !t.info.attributes.is_empty()
        && !t.excerpts.iter().any(|e| e.respondent == file_respondent)
    {
        let first = &t.info.attributes[0];
        let keys: Vec<String> = t
            .info
            .attributes
            .iter()
            .map(|a| format!("`{}`", a.key))
            .collect();
        let mut speakers: Vec<&str> = t
            .info
            .speakers
            .iter()
            .map(|s| s.respondent.as_str())
            .collect();
        speakers.sort_unstable();
        speakers.dedup();
        let ids: Vec<String> = speakers.iter().map(|s| format!("`{s}`")).collect();
        t.info.warnings.push(format!(
            "{rel}:{}: the front matter's {} {} the file's own respondent `{file_respondent}`, \
             who has no turn here (every turn is a `speakers:` id: {}), so {} no one; give \
             those respondents their attributes in respondents.csv",
            first.line,
            keys.join(", "),
            if keys.len() == 1 {
                "describes"
            } else {
                "describe"
            },
            ids.join(", "),
            if keys.len() == 1 {
                "it reaches"
            } else {
                "they reach"
            },
        ));
    }
    if preamble_words > HEADING_WORDS || preamble_words > t.info.words {
        let line = first_label.unwrap_or_default();
        let respondent = &file_respondent;
        let words = if preamble_words == 1 { "word" } else { "words" };
        t.info.warnings.push(format!(
            "{rel}: the text before the first speaker label (line {line}) is a preamble \
             of {preamble_words} {words}, not coded; if it is the respondent's, start it \
             with a label such as `{respondent}:`, or move a title block into front matter"
        ));
    }
    Ok(t)
}

/// Warnings for respondent labels that look like the start of a sentence
/// rather than a speaker: a line such as `Pero era mentira: nos encerraban`
/// inside an answer starts a turn by the label rule, and the words before
/// the colon are in no excerpt. A label is warned about when it starts a
/// respondent's turn (not an interviewer's), is not the file's respondent
/// id, comes only once in the file (case-insensitively), and is
/// [`sentence_like`]. Speaker names (`Ana`, `R01`, `Karl Fogel`, `María de
/// la Cruz`) are not.
fn stray_labels(rel: &str, turns: &[Turn], respondent: &str) -> Vec<String> {
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for t in turns {
        *uses.entry(t.label.to_lowercase()).or_insert(0) += 1;
    }
    let respondent = respondent.to_lowercase();
    turns
        .iter()
        .filter(|t| t.respondent.is_some() && sentence_like(&t.label))
        .filter(|t| {
            let label = t.label.to_lowercase();
            label != respondent && uses.get(&label) == Some(&1)
        })
        .map(|t| {
            let line = t.lines.first().map_or(0, |(n, _)| *n);
            let label = &t.label;
            format!(
                "{rel}:{line}: `{label}:` is read as a speaker label (used once, several words, \
                 not the respondent's id), so the words `{label}` are in no excerpt; if they \
                 belong to the answer, join the line to the one above"
            )
        })
        .collect()
}

/// Where a file's speakers are mapped to respondents, for the hint of
/// [`merged_speakers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeakersFix {
    /// In the file's front matter (text and .docx transcripts).
    FrontMatter,
    /// In thematic.yaml, by the file's path (captions, which have no front
    /// matter).
    Settings,
}

/// A warning when several speaker labels of a file without `speakers:` are
/// all read as its one respondent (two guests of a podcast, a translator,
/// an interviewer label the settings do not list): every count then takes
/// them for one person. Labels warned about by [`stray_labels`] (a
/// sentence read as a label) are not counted. Compared case-insensitively;
/// each label is named as first written, with its number of turns and its
/// first line.
pub fn merged_speakers(
    rel: &str,
    turns: &[Turn],
    respondent: &str,
    fix: SpeakersFix,
) -> Option<String> {
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for t in turns {
        *uses.entry(t.label.to_lowercase()).or_insert(0) += 1;
    }
    // label (lowercased) -> (as written, turns, first line), in order of
    // first appearance; found by the key of `same_id`.
    let mut seen: Vec<(String, String, usize, usize)> = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = Default::default();
    for t in turns
        .iter()
        .filter(|t| t.respondent.is_some() && !t.label.is_empty())
    {
        let key = t.label.to_lowercase();
        let stray = sentence_like(&t.label)
            && key != respondent.to_lowercase()
            && uses.get(&key) == Some(&1);
        if stray {
            continue;
        }
        // One speaker's label written two ways (`R02:`, `R2:`) is one.
        let id_key = super::respondents::id_key(&key);
        match at.get(&id_key) {
            Some(&i) => seen[i].2 += 1,
            None => {
                let line = t.lines.first().map_or(0, |(n, _)| *n);
                at.insert(id_key, seen.len());
                seen.push((key, t.label.clone(), 1, line));
            }
        }
    }
    if seen.len() < 2 {
        return None;
    }
    const SHOWN: usize = 5;
    // A caption file's lines are its cues.
    let place = match fix {
        SpeakersFix::FrontMatter => "line",
        SpeakersFix::Settings => "cue",
    };
    let mut listed: Vec<String> = seen
        .iter()
        .take(SHOWN)
        .map(|(_, label, n, line)| {
            let turns = if *n == 1 { "turn" } else { "turns" };
            format!("`{label}` ({n} {turns}, from {place} {line})")
        })
        .collect();
    if seen.len() > SHOWN {
        listed.push(format!("and {} more", seen.len() - SHOWN));
    }
    let example = seen
        .iter()
        .take(2)
        .enumerate()
        .map(|(i, s)| format!("{}: {respondent}{}", s.1, ["a", "b"][i]))
        .collect::<Vec<_>>()
        .join(", ");
    let map = match fix {
        SpeakersFix::FrontMatter => format!("in front matter (`speakers: {{{example}}}`)"),
        SpeakersFix::Settings => {
            format!("in thematic.yaml (`speakers: {{{rel}: {{{example}}}}}`)")
        }
    };
    Some(format!(
        "{rel}: {} speaker labels are all read as respondent `{respondent}`: {}; if they are \
         different people, map each label to a respondent id {map}, or add an interviewer's \
         label to the `interviewer:` setting",
        seen.len(),
        listed.join(", ")
    ))
}

/// Lowercase words that are part of names (`María de la Cruz`, `Ludwig van
/// Beethoven`), not a sign of a sentence.
const NAME_PARTICLES: &[&str] = &[
    "al", "bin", "da", "das", "de", "del", "della", "den", "der", "di", "do", "dos", "du", "e",
    "el", "ibn", "la", "le", "les", "lo", "st", "ten", "ter", "van", "von", "y", "zu",
];

/// True when a label reads as the start of a sentence rather than a name:
/// it has at least two words, and a word after the first begins with a
/// lowercase letter and is not a name particle (`Pero era mentira`, `y
/// luego dijo`; not `Karl Fogel`, `Speaker 2`, `María de la Cruz`).
fn sentence_like(label: &str) -> bool {
    label.split_whitespace().skip(1).any(|w| {
        w.chars().next().is_some_and(char::is_lowercase)
            && !NAME_PARTICLES.contains(&w.to_lowercase().trim_end_matches('.'))
    })
}

/// Words a preamble may have and still be a heading (title, place, date):
/// a longer one is warned about, and only a longer one can be a narrative
/// above a footer.
const HEADING_WORDS: usize = 50;

/// True when a file's turns are a footer below a monologue, as 1930s oral
/// histories end with `Source: …` and `Interviewer: …` lines.
/// `narrative_words` counts the text before the first label. That text must
/// be more than a heading and longer than the footer, and the labels must
/// be followed by nothing but the footer: every turn is its label line
/// alone (blank lines aside), no label comes twice, no interviewer line
/// asks a question and no label is the respondent's own id. A question with
/// an answer, a repeated label, a turn that runs on, or a label naming the
/// respondent is an exchange: the file is an interview after a long preamble.
fn is_footer(turns: &[Turn<'_>], narrative_words: usize, respondent: &str) -> bool {
    if turns.is_empty() || narrative_words <= HEADING_WORDS {
        return false;
    }
    let mut labels = std::collections::BTreeSet::new();
    let mut footer_words = 0;
    for turn in turns {
        let Some((_, text)) = turn.lines.first() else {
            return false;
        };
        let label = turn.label.to_lowercase();
        let runs_on = turn.lines[1..].iter().any(|(_, l)| !l.trim().is_empty());
        let asks = turn.respondent.is_none() && text.contains(['?', '¿']);
        if runs_on || asks || label == respondent.to_lowercase() || !labels.insert(label) {
            return false;
        }
        footer_words += word_count(&turn.label) + word_count(text);
    }
    footer_words < narrative_words
}

/// Turns to excerpts by the unit of coding; fills in the summary counts.
pub fn build(rel: &str, turns: &[Turn<'_>], unit: Unit, info: TranscriptInfo) -> Transcript {
    let mut excerpts = Vec::new();
    let mut question = String::new();
    let mut spoken = 0;
    let mut turns_by = BTreeMap::new();
    for turn in turns {
        let paras = paragraphs(&turn.lines);
        if !paras.is_empty() || !turn.label.is_empty() {
            spoken += 1;
            if let Some(r) = &turn.respondent {
                *turns_by.entry(r.clone()).or_insert(0) += 1;
            }
        }
        let Some(respondent) = &turn.respondent else {
            join_paras(&paras, " ", &mut question);
            continue;
        };
        let mut push = |line: usize, suffix: usize, text: String| {
            let id = excerpt_id(rel, line, suffix);
            excerpts.push(Excerpt {
                id,
                path: rel.to_string(),
                line,
                pos: 0,
                respondent: respondent.clone(),
                speaker: turn.label.clone(),
                question: question.clone(),
                text,
                time: turn
                    .times
                    .binary_search_by_key(&line, |(n, _)| *n)
                    .map_or(&turn.time, |i| &turn.times[i].1)
                    .clone(),
            });
        };
        match unit {
            Unit::Paragraph => {
                for p in &paras {
                    push(p.line(), 1, p.text());
                }
            }
            Unit::Turn => {
                if let Some(first) = paras.first() {
                    let mut text = String::new();
                    join_paras(&paras, "\n\n", &mut text);
                    push(first.line(), 1, text);
                }
            }
            Unit::Sentence => {
                for p in &paras {
                    let mut last_line = 0;
                    let mut k = 0;
                    for (line, s) in sentences_with_lines(p) {
                        k = if line == last_line { k + 1 } else { 1 };
                        last_line = line;
                        push(line, k, s);
                    }
                }
            }
        }
    }
    let mut transcript = finish(rel, excerpts, spoken, info);
    transcript.turns_by = turns_by;
    transcript
}

/// An excerpt's id: `<rel>:<line>`, and `.<suffix>` after the first
/// sentence on a line.
fn excerpt_id(rel: &str, line: usize, suffix: usize) -> String {
    let mut id = String::with_capacity(rel.len() + 12);
    id.push_str(rel);
    id.push(':');
    push_number(&mut id, line);
    if suffix > 1 {
        id.push('.');
        push_number(&mut id, suffix);
    }
    id
}

/// Appends `n` in decimal.
fn push_number(out: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Numbers excerpts in file order and fills in the summary counts.
pub fn finish(
    rel: &str,
    mut excerpts: Vec<Excerpt>,
    turns: usize,
    mut info: TranscriptInfo,
) -> Transcript {
    for (pos, e) in excerpts.iter_mut().enumerate() {
        e.pos = pos;
    }
    let mut respondents: Vec<&str> = excerpts.iter().map(|e| e.respondent.as_str()).collect();
    respondents.sort_unstable();
    respondents.dedup();
    info.turns = turns;
    info.respondents = respondents.into_iter().map(str::to_string).collect();
    info.excerpts = excerpts.len();
    info.words = excerpts.iter().map(|e| word_count(&e.text)).sum();
    if excerpts.is_empty() {
        info.warnings.push(format!(
            "{rel}: no respondent text found; nothing to code in this file"
        ));
    }
    Transcript {
        info,
        excerpts,
        turns_by: BTreeMap::new(),
        text_labels: Vec::new(),
    }
}

/// The file name without its extension: the default respondent id.
pub fn file_stem(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    match name.rfind('.') {
        Some(i) if i > 0 => name[..i].to_string(),
        _ => name.to_string(),
    }
}

/// Sentences of a paragraph with the line each starts on.
fn sentences_with_lines(p: &Para) -> Vec<(usize, String)> {
    // Join the lines, remembering where each starts, then split.
    let mut joined = String::new();
    let mut starts = Vec::new();
    for (n, t) in &p.lines {
        if !joined.is_empty() {
            joined.push(' ');
        }
        starts.push((joined.len(), *n));
        joined.push_str(t);
    }
    split_sentences(&joined)
        .into_iter()
        .map(|(off, s)| {
            let line = starts
                .iter()
                .rev()
                .find(|(o, _)| *o <= off)
                .map_or(p.line(), |(_, n)| *n);
            (line, s.to_string())
        })
        .collect()
}

/// Splits text into sentences after `.`, `!`, `?` or `…` (plus closing
/// quotes or brackets) followed by whitespace. Returns byte offsets.
pub fn split_sentences(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (_, c) = chars[i];
        if matches!(c, '.' | '!' | '?' | '…') {
            let mut j = i + 1;
            while j < chars.len()
                && matches!(
                    chars[j].1,
                    '.' | '!' | '?' | '…' | '"' | '\'' | '”' | '’' | ')' | ']' | '»'
                )
            {
                j += 1;
            }
            if j < chars.len() && chars[j].1.is_whitespace() {
                let end = chars[j].0;
                let s = text[start..end].trim();
                if !s.is_empty() {
                    out.push((
                        start + (text[start..end].len() - text[start..end].trim_start().len()),
                        s,
                    ));
                }
                start = end;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    let s = text[start..].trim();
    if !s.is_empty() {
        out.push((
            start + (text[start..].len() - text[start..].trim_start().len()),
            s,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(unit: Unit) -> SplitOptions {
        SplitOptions {
            unit,
            interviewer: crate::study::Settings::default().interviewer,
            csv: None,
            encoding: None,
            speakers: BTreeMap::new(),
        }
    }

    #[test]
    fn excerpt_ids_as_formatted() {
        for (line, suffix) in [(0, 1), (7, 1), (10, 2), (1234567, 13), (usize::MAX, 1)] {
            let want = if suffix > 1 {
                format!("t/a b.txt:{line}.{suffix}")
            } else {
                format!("t/a b.txt:{line}")
            };
            assert_eq!(excerpt_id("t/a b.txt", line, suffix), want);
        }
    }

    #[test]
    fn interviewer_labels_fold_case_as_lowercasing_does() {
        let mut o = opts(Unit::Paragraph);
        o.interviewer = vec![" Entrevistadora ".into(), "\u{212a}im".into(), "ÉL".into()];
        for (label, is) in [
            ("entrevistadora", true),
            ("ENTREVISTADORA ", true),
            ("Entrevistador", false),
            ("KIM", true),
            ("él", true),
            ("el", false),
        ] {
            assert_eq!(is_interviewer(label, &o), is, "{label}");
        }
    }

    #[test]
    fn labels_by_shape() {
        assert_eq!(parse_label("R07: At first"), Some(("R07", "At first")));
        assert_eq!(
            parse_label("[00:00:09] R07: At first"),
            Some(("R07", "At first"))
        );
        assert_eq!(
            parse_label("00:01:02 Interviewer: ok"),
            Some(("Interviewer", "ok"))
        );
        assert_eq!(
            parse_label("[01:02.5] Ana María: sí"),
            Some(("Ana María", "sí"))
        );
        assert_eq!(parse_label("**Nadia:** text"), Some(("Nadia", "text")));
        assert_eq!(
            parse_label("**Nadia Eghbal**: text"),
            Some(("Nadia Eghbal", "text"))
        );
        assert_eq!(parse_label("**Nadia:**text"), Some(("Nadia", "text")));
        assert_eq!(parse_label("Interviewer:"), Some(("Interviewer", "")));
        assert_eq!(parse_label("one two three four five: no"), None);
        assert_eq!(parse_label("at 10:30 we met"), None);
        assert_eq!(parse_label("see http://example.org"), None);
        assert_eq!(parse_label(&format!("{}: x", "a".repeat(41))), None);
        assert_eq!(parse_label(r"\[04:09\] So when it came"), None);
    }

    #[test]
    fn sentence_like_labels_are_not_names() {
        for label in [
            "Pero era mentira",
            "y luego dijo",
            "Bruner replied",
            "Release date",
            "an I says",
        ] {
            assert!(sentence_like(label), "{label}");
        }
        for label in [
            "Ana",
            "R01",
            "Interviewer",
            "Karl Fogel",
            "Speaker 2",
            "María de la Cruz",
            "Ludwig van Beethoven",
            "Dr. Smith",
            "Ana (laughs)",
        ] {
            assert!(!sentence_like(label), "{label}");
        }
    }

    #[test]
    fn a_sentence_like_label_used_once_is_warned_but_still_a_turn() {
        let text = "Interviewer: And then?\nR07: They left.\nBut I said: no.\nR07: Later.\n";
        let t = split(text, "r07.txt", &opts(Unit::Paragraph)).unwrap();
        assert_eq!(t.excerpts.len(), 3);
        assert_eq!(t.excerpts[1].text, "no.");
        assert_eq!(t.info.warnings.len(), 1);
        assert!(
            t.info.warnings[0].starts_with("r07.txt:3: `But I said:` is read as a speaker label"),
            "{:?}",
            t.info.warnings
        );
        // Used twice, it is a speaker's name however it is spelt: a second
        // speaker read as the same respondent.
        let twice = format!("{text}But I said: yes.\n");
        let t = split(&twice, "r07.txt", &opts(Unit::Paragraph)).unwrap();
        assert_eq!(t.info.warnings.len(), 1, "{:?}", t.info.warnings);
        assert!(
            t.info.warnings[0].starts_with("r07.txt: 2 speaker labels are all read as"),
            "{:?}",
            t.info.warnings
        );
        // With `speakers:`, other labels stay text and are warned as such.
        let fg = format!("---\nspeakers: {{R07: R07}}\n---\n{text}");
        let t = split(&fg, "fg.txt", &opts(Unit::Paragraph)).unwrap();
        assert!(
            !t.info.warnings[0].contains("is read as"),
            "{:?}",
            t.info.warnings
        );
    }

    #[test]
    fn several_speakers_read_as_one_respondent_are_warned_about() {
        let text = "**Host:** ¿Qué pasó?\n\n**Ana Ruiz:** La policía no vino.\n\n\
                    **Luis Soto:** Estaba cerrada.\n\n**ana ruiz:** Nos culpan.\n";
        let mut o = opts(Unit::Paragraph);
        o.interviewer = vec!["Host".into()];
        let t = split(text, "ep1.md", &o).unwrap();
        assert_eq!(
            t.info.warnings,
            [
                "ep1.md: 2 speaker labels are all read as respondent `ep1`: `Ana Ruiz` (2 turns, \
              from line 3), `Luis Soto` (1 turn, from line 5); if they are different people, map \
              each label to a respondent id in front matter (`speakers: {Ana Ruiz: ep1a, Luis \
              Soto: ep1b}`), or add an interviewer's label to the `interviewer:` setting"
            ]
        );
        // One respondent's id written two ways is one speaker.
        let two_ways = "Host: ¿Qué pasó?\nR02: Nada.\n\nR2: Nada más.\n";
        assert!(split(two_ways, "ep1.md", &o)
            .unwrap()
            .info
            .warnings
            .is_empty());
        // One label, the interviewer's aside: nothing to say.
        let one = "Host: ¿Qué pasó?\nAna Ruiz: Nada.\n\nAna Ruiz: Nada más.\n";
        assert!(split(one, "ep1.md", &o).unwrap().info.warnings.is_empty());
        // With `speakers:`, the labels are mapped: nothing to say either.
        let fg = format!("---\nspeakers: {{Ana Ruiz: R1, Luis Soto: R2}}\n---\n{text}");
        assert!(split(&fg, "ep1.md", &o).unwrap().info.warnings.is_empty());
    }

    #[test]
    fn labels_kept_as_text_are_listed_in_the_order_of_their_lines() {
        let text = "---\nspeakers: {Ana: R1}\n---\nAna: Uno.\nQ1: a\nQ2: b\nQ10: c\n";
        let t = split(text, "fg.txt", &opts(Unit::Paragraph)).unwrap();
        assert_eq!(
            t.info.warnings,
            [
                "fg.txt: `Q1:` (line 5), `Q2:` (line 6), `Q10:` (line 7) look like speaker labels \
              but are not in `speakers:`; kept as text"
            ]
        );
    }

    #[test]
    fn interview_with_front_matter() {
        let text = "---\nrespondent: R07\nrole: CSO service provider\nregion: Cusco\n---\n[00:00:05] Interviewer: How did her family react when she came back?\n[00:00:09] R07: At first the mother was relieved. She had gone to the\npolice station every day.\n\nLater there were tensions about money.\n";
        let t = split(text, "transcripts/r07.txt", &opts(Unit::Paragraph)).unwrap();
        assert_eq!(t.excerpts.len(), 2);
        assert_eq!(t.excerpts[0].id, "transcripts/r07.txt:7");
        assert_eq!(
            t.excerpts[0].text,
            "At first the mother was relieved. She had gone to the police station every day."
        );
        assert_eq!(
            t.excerpts[0].question,
            "How did her family react when she came back?"
        );
        assert_eq!(t.excerpts[1].id, "transcripts/r07.txt:10");
        assert_eq!(t.excerpts[1].respondent, "R07");
        let region = t
            .info
            .attributes
            .iter()
            .find(|a| a.key == "region")
            .unwrap();
        assert_eq!(
            (
                region.value.as_str(),
                region.line,
                region.respondent.as_str()
            ),
            ("Cusco", 4, "R07")
        );
        assert_eq!(t.info.turns, 2);

        let t = split(text, "transcripts/r07.txt", &opts(Unit::Turn)).unwrap();
        assert_eq!(t.excerpts.len(), 1);
        assert_eq!(t.excerpts[0].id, "transcripts/r07.txt:7");

        let t = split(text, "transcripts/r07.txt", &opts(Unit::Sentence)).unwrap();
        let ids: Vec<&str> = t.excerpts.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "transcripts/r07.txt:7",
                "transcripts/r07.txt:7.2",
                "transcripts/r07.txt:10"
            ]
        );
        assert_eq!(
            t.excerpts[1].text,
            "She had gone to the police station every day."
        );
    }

    #[test]
    fn focus_group_maps_speakers_and_keeps_other_colons_as_text() {
        let text = "---\nspeakers: {Ana: R03, Luis: R04}\n---\nTaller en Lima\nModerador: ¿Qué pasó?\nAna: Ella dijo: no.\nShe said: no\nLuis: Yo también.\n";
        let mut o = opts(Unit::Paragraph);
        o.interviewer.push("Moderador".into());
        let t = split(text, "t/fg1.txt", &o).unwrap();
        let got: Vec<(&str, &str, &str)> = t
            .excerpts
            .iter()
            .map(|e| (e.id.as_str(), e.respondent.as_str(), e.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("t/fg1.txt:6", "R03", "Ella dijo: no. She said: no"),
                ("t/fg1.txt:8", "R04", "Yo también.")
            ]
        );
        assert_eq!(t.info.respondents, ["R03", "R04"]);
        assert!(t.info.warnings[0].contains("`She said:` (line 7)"));
    }

    #[test]
    fn an_unmapped_label_names_every_line_it_is_on() {
        let text = "---\nspeakers: {Ana: R03}\n---\nAna: Sí.\nBreak: [22:46]\nAna: No.\nBreak: [41:42]\nNota: x\n";
        let t = split(text, "fg.md", &opts(Unit::Paragraph)).unwrap();
        assert_eq!(
            t.info.warnings,
            [
                "fg.md: `Break:` (lines 5, 7), `Nota:` (line 8) look like speaker labels but \
              are not in `speakers:`; kept as text"
            ]
        );
    }

    #[test]
    fn monologue_and_preamble() {
        let t = split(
            "First paragraph\nwraps.\n\n\nSecond.\n",
            "t/m01.md",
            &opts(Unit::Paragraph),
        )
        .unwrap();
        let got: Vec<(&str, &str)> = t
            .excerpts
            .iter()
            .map(|e| (e.id.as_str(), e.respondent.as_str()))
            .collect();
        assert_eq!(got, [("t/m01.md:1", "m01"), ("t/m01.md:5", "m01")]);
        let t = split(
            "Interview 3, Lima\n\nI: Hello?\nR: Hi.\n",
            "t/r3.txt",
            &opts(Unit::Paragraph),
        )
        .unwrap();
        assert_eq!(t.excerpts.len(), 1);
        assert_eq!(t.excerpts[0].id, "t/r3.txt:4");
        assert_eq!(t.excerpts[0].question, "Hello?");
    }

    /// An oral-history narrative: 86 words in two paragraphs, no labels.
    const NARRATIVE: &str = "I was born in 1861 near Marshall, and when I was a boy a man came
through with a wagon and told my mother he had work for me at the
turpentine camp down on the river. He said I would send money home.

We never saw a dollar. The boss said we owed him for the ride and the
food and the boots, and every month the debt got bigger. My mother
went to the sheriff twice looking for me, but he sent her home.
";

    /// A title block of 61 words, as consent notes make it.
    const LONG_TITLE: &str = "Proyecto Reintegración, entrevista 12. Lima, 3 de mayo de 2023.
Entrevista realizada en la oficina de la asociación, con consentimiento
informado leído en voz alta y firmado. La participante pidió que no se
grabaran los nombres de sus familiares ni del pueblo. Duración: una hora
y diez minutos. Transcrita por el equipo de campo y revisada por la
coordinadora del estudio.
";

    fn ids(t: &Transcript) -> Vec<&str> {
        t.excerpts.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn labels_only_in_a_closing_footer_make_a_monologue() {
        let text = format!(
            "{NARRATIVE}\nSource: Federal Writers' Project, Texas Narratives, Vol. XVI\nInterviewer: Jane Doe\n"
        );
        let t = split(&text, "t/ellis.txt", &opts(Unit::Paragraph)).unwrap();
        assert_eq!(ids(&t), ["t/ellis.txt:1", "t/ellis.txt:5"]);
        assert_eq!(t.excerpts[0].respondent, "ellis");
        assert_eq!(t.excerpts[0].speaker, "");
        assert!(t.excerpts[1].text.ends_with("he sent her home."));
        assert_eq!(
            (t.info.turns, t.info.words, t.info.preamble_words),
            (1, 86, 0)
        );
        assert_eq!(t.info.footer_lines, 2);
        assert!(t.info.warnings.is_empty(), "{:?}", t.info.warnings);

        // Footer lines may stand apart, in any order; the footer is not
        // part of the monologue's one turn.
        let text = format!("{NARRATIVE}\n\nInterviewer: Jane Doe\n\nSource: FWP\n\nDate: 1937\n");
        let t = split(&text, "t/ellis.txt", &opts(Unit::Turn)).unwrap();
        assert_eq!(ids(&t), ["t/ellis.txt:1"]);
        assert!(t.excerpts[0].text.ends_with("he sent her home."));
        assert_eq!(t.info.footer_lines, 3);
    }

    #[test]
    fn labels_followed_by_answers_are_an_interview_after_a_preamble() {
        let o = opts(Unit::Paragraph);
        let footer = |f: &str| {
            let t = split(&format!("{NARRATIVE}\n{f}"), "t/r07.txt", &o).unwrap();
            (t.info.footer_lines, t.info.preamble_words)
        };
        // A question and its answer.
        assert_eq!(footer("I: How did you get home?\nR: On foot.\n"), (0, 86));
        // A label that comes back: turns taken in turn.
        assert_eq!(footer("I: Tell me more.\nR: No.\nI: Thank you.\n"), (0, 86));
        // A turn that runs on after its label line.
        assert_eq!(
            footer("Source: Federal Writers' Project, Slave Narratives,\nTexas, Vol. XVI\n"),
            (0, 86)
        );
        // The respondent's own label.
        assert_eq!(footer("R07: That is all I remember.\n"), (0, 86));
        // More words in the labels than above them.
        let long = "word ".repeat(90);
        assert_eq!(footer(&format!("Note: {long}\n")), (0, 86));
        // A focus group says it has turns.
        let t = split(
            &format!("---\nspeakers: {{Ana: R03}}\n---\n{NARRATIVE}\nAna: Gracias.\n"),
            "t/fg.txt",
            &o,
        )
        .unwrap();
        assert_eq!((t.info.footer_lines, t.info.preamble_words), (0, 86));
        // A short heading above the labels stays a heading.
        let t = split("Interview 3, Lima\n\nSource: notes\n", "t/r3.txt", &o).unwrap();
        assert_eq!(ids(&t), ["t/r3.txt:3"]);
        assert_eq!((t.info.footer_lines, t.info.preamble_words), (0, 3));
    }

    #[test]
    fn a_preamble_longer_than_a_heading_is_a_warning() {
        let text = format!(
            "{LONG_TITLE}\nEntrevistador: ¿Cómo reaccionó su familia?\nR12: Mi madre fue a la comisaría todos los días.\nEntrevistador: ¿Y después?\nR12: Volví a casa.\n"
        );
        let t = split(&text, "t/r12.txt", &opts(Unit::Paragraph)).unwrap();
        assert_eq!(ids(&t), ["t/r12.txt:9", "t/r12.txt:11"]);
        assert_eq!((t.info.preamble_words, t.info.footer_lines), (61, 0));
        assert_eq!(
            t.info.warnings,
            [
                "t/r12.txt: the text before the first speaker label (line 8) is a preamble \
                 of 61 words, not coded; if it is the respondent's, start it with a label \
                 such as `r12:`, or move a title block into front matter"
            ]
        );

        // Shorter than a heading, but more than the file's coded words.
        let t = split(
            "Cusco, 2023. Entrevista interrumpida por la participante.\n\nE: ¿Seguimos?\nR14: No.\n",
            "t/r14.txt",
            &opts(Unit::Paragraph),
        )
        .unwrap();
        assert_eq!(t.info.preamble_words, 7);
        assert!(t.info.warnings[0].contains("line 3) is a preamble of 7 words"));

        // A file with nothing coded: any preamble is more than its coded text.
        let t = split(
            "Cancelada\n\nE: ¿Empezamos?\n",
            "t/r15.txt",
            &opts(Unit::Paragraph),
        )
        .unwrap();
        assert_eq!(t.info.warnings.len(), 2);
        assert!(t.info.warnings[1].contains("is a preamble of 1 word, not coded"));

        // A title above a longer interview is a heading.
        let t = split(
            "Entrevista 13, Lima.\n\nE: ¿Qué pasó?\nR13: Me fui con mi tía a Lima.\n",
            "t/r13.txt",
            &opts(Unit::Paragraph),
        )
        .unwrap();
        assert_eq!(t.info.preamble_words, 3);
        assert!(t.info.warnings.is_empty(), "{:?}", t.info.warnings);
    }

    #[test]
    fn a_list_of_respondents_in_front_matter_points_to_speakers() {
        let lines: Vec<&str> = "---\nrole: x\nrespondent: [R01, R02]\n---\nHola.\n"
            .split('\n')
            .collect();
        let e = front_matter(&lines, "t/fg.txt").unwrap_err().report();
        assert!(e.contains("t/fg.txt:3"), "{e}");
        assert!(e.contains("must be one id, not a list"), "{e}");
        assert!(e.contains("speakers: {Ana: R03, Luis: R04}"), "{e}");
    }

    #[test]
    fn front_matter_language_is_the_files_not_an_attribute() {
        let t = split(
            "---\nrespondent: R02\nlanguage: English\nrole: relative\n---\nR02: We went.\n",
            "t/r02.txt",
            &opts(Unit::Paragraph),
        )
        .unwrap();
        assert_eq!(t.info.front_language, Some(Language::English));
        let empty = split(
            "---\nlanguage:\n---\nR02: Fuimos.\n",
            "t/r02.txt",
            &opts(Unit::Paragraph),
        );
        assert_eq!(empty.unwrap().info.front_language, None);
        let keys: Vec<&str> = t.info.attributes.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["role"]);
        let e = split(
            "---\nrespondent: R02\nlanguage: spanihs\n---\nR02: Fuimos.\n",
            "t/r02.txt",
            &opts(Unit::Paragraph),
        )
        .unwrap_err();
        assert!(
            e.report().starts_with(
                "error: unknown language `spanihs`: did you mean `spanish`?\n  --> t/r02.txt:3\n"
            ),
            "{}",
            e.report()
        );
        let e = split(
            "---\nlanguage: [spanish, english]\n---\nR02: Fuimos.\n",
            "t/r02.txt",
            &opts(Unit::Paragraph),
        )
        .unwrap_err();
        assert!(e.report().contains("t/r02.txt:2"), "{}", e.report());
    }

    #[test]
    fn bad_front_matter_names_the_line() {
        let e = split("---\nrespondent: [a\n", "t/x.txt", &opts(Unit::Paragraph)).unwrap_err();
        assert!(e.report().contains("t/x.txt:1"), "{}", e.report());
        let e = split(
            "---\nrole: a\nregion: : :\n---\nR: hi\n",
            "t/x.txt",
            &opts(Unit::Paragraph),
        )
        .unwrap_err();
        assert!(e.report().contains("t/x.txt:3"), "{}", e.report());
    }

    #[test]
    fn sentences() {
        let s: Vec<&str> = split_sentences("Sí. ¿Y luego? “Nada.” Fin")
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(s, ["Sí.", "¿Y luego?", "“Nada.”", "Fin"]);
    }
}
