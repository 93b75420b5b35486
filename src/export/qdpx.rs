//! The REFI-QDA project export (`.qdpx`): a zip with `project.qde`
//! (namespace `urn:QDA-XML:project:1.0`) and one plain-text file per
//! transcript in `sources/`.
//!
//! Each transcript's plain text is written from its excerpts as the index
//! holds them, so that a selection's offsets cut out exactly the excerpt's
//! text: per excerpt, the interviewer's question when it changes (`Q: …`),
//! then `SPEAKER: text`, paragraphs separated by a blank line, `\n` line
//! ends, UTF-8 without BOM. `startPosition`/`endPosition` count Unicode code
//! points (not bytes, not UTF-16 units) from 0, the end exclusive. Every
//! GUID is a UUID v5 of what it names (a code's path, an excerpt's id, a
//! coder's name), so the same study gives the same project.

use std::collections::BTreeMap;
use std::io::Write;

use crate::error::{Error, Result};
use crate::xml::escape;

/// The name of the user that stands for the codebook's rules.
pub const RULES_USER: &str = "thematic rules";

/// The namespace UUID of the project's GUIDs (codes use the `.qdc` one).
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x3f0e_61c2_7b8d_4e19_a5c4_0d92_e6b1_7a58);

fn guid(kind: &str, name: &str) -> String {
    uuid::Uuid::new_v5(&NAMESPACE, format!("{kind}:{name}").as_bytes()).to_string()
}

/// One excerpt, with who coded it at which codes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Excerpt {
    /// `path:line`.
    pub id: String,
    /// Transcript path.
    pub path: String,
    /// Respondent id.
    pub respondent: String,
    /// Speaker label as written.
    pub speaker: String,
    /// The interviewer's question before it.
    pub question: String,
    /// The text.
    pub text: String,
    /// Code paths the rules applied.
    pub rules: Vec<String>,
    /// `(coder, code path)` for each human coding.
    pub coders: Vec<(String, String)>,
}

/// What the project is made from.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// The project's name.
    pub name: String,
    /// The codebook's `<Codes>` element (see `codebook::qdc`).
    pub codes: String,
    /// Coders, in the index's order.
    pub coders: Vec<String>,
    /// Attribute names, sorted.
    pub attributes: Vec<String>,
    /// Each respondent's attributes, by id (sorted).
    pub respondents: BTreeMap<String, BTreeMap<String, String>>,
    /// Every excerpt, in corpus order (path, then position).
    pub excerpts: Vec<Excerpt>,
}

/// A source's plain text and each excerpt's `(start, end)` in it, in
/// Unicode code points.
pub fn source_text(excerpts: &[&Excerpt]) -> (String, Vec<(usize, usize)>) {
    let mut text = String::new();
    let mut chars = 0;
    let mut spans = Vec::with_capacity(excerpts.len());
    let push = |text: &mut String, chars: &mut usize, s: &str| {
        text.push_str(s);
        *chars += s.chars().count();
    };
    let mut last_question = "";
    for e in excerpts {
        if !text.is_empty() {
            push(&mut text, &mut chars, "\n\n");
        }
        if !e.question.is_empty() && e.question != last_question {
            push(&mut text, &mut chars, &format!("Q: {}\n\n", e.question));
        }
        last_question = &e.question;
        let speaker = if e.speaker.is_empty() {
            &e.respondent
        } else {
            &e.speaker
        };
        push(&mut text, &mut chars, &format!("{speaker}: "));
        let start = chars;
        push(&mut text, &mut chars, &e.text);
        spans.push((start, chars));
    }
    text.push('\n');
    (text, spans)
}

/// The project: `project.qde` and the sources' files (`sources/NAME`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Project {
    /// The XML of `project.qde`.
    pub qde: String,
    /// `(file name in sources/, text)`.
    pub sources: Vec<(String, String)>,
}

/// Builds the project.
pub fn project(input: &Input) -> Project {
    let mut x = head(input);
    let sources = Sources::of(&input.excerpts);
    push_cases(&mut x, input, &sources);
    if !sources.xml.is_empty() {
        x.push_str("<Sources>\n");
        x.push_str(&sources.xml);
        x.push_str("</Sources>\n");
    }
    x.push_str("</Project>\n");
    Project {
        qde: x,
        sources: sources.files,
    }
}

/// A user's GUID.
fn user(name: &str) -> String {
    guid("user", name)
}

/// `project.qde` up to its cases: the XML declaration, `<Project>`'s start
/// tag, the users (the coders, then [`RULES_USER`]), the codebook and the
/// variables.
fn head(input: &Input) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str(&format!(
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"{}\" origin=\"thematic {}\">\n",
        escape(&input.name),
        env!("CARGO_PKG_VERSION")
    ));
    x.push_str("<Users>\n");
    for name in input.coders.iter().map(String::as_str).chain([RULES_USER]) {
        x.push_str(&format!(
            "  <User guid=\"{}\" name=\"{}\"/>\n",
            user(name),
            escape(name)
        ));
    }
    x.push_str("</Users>\n<CodeBook>\n");
    x.push_str(&input.codes);
    x.push_str("</CodeBook>\n");
    if !input.attributes.is_empty() {
        x.push_str("<Variables>\n");
        for a in &input.attributes {
            x.push_str(&format!(
                "  <Variable guid=\"{}\" name=\"{}\" typeOfVariable=\"Text\"/>\n",
                guid("variable", a),
                escape(a)
            ));
        }
        x.push_str("</Variables>\n");
    }
    x
}

/// The sources, file by file in corpus order: their XML and files, and
/// what each respondent's case refers to.
#[derive(Default)]
struct Sources<'a> {
    /// The `<TextSource>` elements.
    xml: String,
    /// `(file name in sources/, text)`.
    files: Vec<(String, String)>,
    /// Per respondent: the sources they alone speak in.
    own: BTreeMap<&'a str, Vec<String>>,
    /// Per respondent: their selections.
    selections: BTreeMap<&'a str, Vec<String>>,
}

impl<'a> Sources<'a> {
    /// The sources of `excerpts` (in corpus order).
    fn of(excerpts: &'a [Excerpt]) -> Self {
        let mut by_path: BTreeMap<&str, Vec<&Excerpt>> = BTreeMap::new();
        for e in excerpts {
            by_path.entry(&e.path).or_default().push(e);
        }
        let mut s = Sources::default();
        for (path, excerpts) in &by_path {
            s.add_source(path, excerpts);
        }
        s
    }

    /// A transcript's source: its text and a selection per coded excerpt.
    fn add_source(&mut self, path: &str, excerpts: &[&'a Excerpt]) {
        let source = guid("source", path);
        let file = format!("{source}.txt");
        let (text, spans) = source_text(excerpts);
        self.xml.push_str(&format!(
            "  <TextSource guid=\"{source}\" name=\"{}\" plainTextPath=\"internal://{file}\">\n",
            escape(path)
        ));
        for (e, (start, end)) in excerpts.iter().zip(spans) {
            if e.rules.is_empty() && e.coders.is_empty() {
                continue;
            }
            self.add_selection(e, start, end);
        }
        self.xml.push_str("  </TextSource>\n");
        let first = &excerpts[0].respondent;
        if excerpts.iter().all(|e| &e.respondent == first) {
            self.own.entry(first).or_default().push(source);
        }
        self.files.push((file, text));
    }

    /// A coded excerpt's selection (code points `start..end` of its
    /// source), with the rules' codings, then the coders'.
    fn add_selection(&mut self, e: &'a Excerpt, start: usize, end: usize) {
        let sel = guid("selection", &e.id);
        let creator = if e.rules.is_empty() {
            user(&e.coders[0].0)
        } else {
            user(RULES_USER)
        };
        self.xml.push_str(&format!(
            "    <PlainTextSelection guid=\"{sel}\" name=\"{}\" startPosition=\"{start}\" endPosition=\"{end}\" creatingUser=\"{creator}\">\n",
            escape(&e.id)
        ));
        let codings = e
            .rules
            .iter()
            .map(|c| (RULES_USER, c.as_str()))
            .chain(e.coders.iter().map(|(u, c)| (u.as_str(), c.as_str())));
        for (who, code) in codings {
            self.xml.push_str(&format!(
                "      <Coding guid=\"{}\" creatingUser=\"{}\">\n        <CodeRef targetGUID=\"{}\"/>\n      </Coding>\n",
                guid("coding", &format!("{}\u{0}{who}\u{0}{code}", e.id)),
                user(who),
                crate::codebook::qdc::guid(code)
            ));
        }
        self.xml.push_str("    </PlainTextSelection>\n");
        self.selections.entry(&e.respondent).or_default().push(sel);
    }
}

/// `<Cases>`: one per respondent who speaks, with their attributes, the
/// sources they alone speak in and their selections.
fn push_cases(x: &mut String, input: &Input, sources: &Sources) {
    let speaking: std::collections::BTreeSet<&str> = input
        .excerpts
        .iter()
        .map(|e| e.respondent.as_str())
        .collect();
    if speaking.is_empty() {
        return;
    }
    x.push_str("<Cases>\n");
    for resp in &speaking {
        x.push_str(&format!(
            "  <Case guid=\"{}\" name=\"{}\">\n",
            guid("case", resp),
            escape(resp)
        ));
        if let Some(attrs) = input.respondents.get(*resp) {
            for (a, v) in attrs {
                x.push_str(&format!(
                    "    <VariableValue>\n      <VariableRef targetGUID=\"{}\"/>\n      <TextValue>{}</TextValue>\n    </VariableValue>\n",
                    guid("variable", a),
                    escape(v)
                ));
            }
        }
        for s in sources.own.get(resp).into_iter().flatten() {
            x.push_str(&format!("    <SourceRef targetGUID=\"{s}\"/>\n"));
        }
        for s in sources.selections.get(resp).into_iter().flatten() {
            x.push_str(&format!("    <SelectionRef targetGUID=\"{s}\"/>\n"));
        }
        x.push_str("  </Case>\n");
    }
    x.push_str("</Cases>\n");
}

/// The `.qdpx` bytes: a zip of `project.qde` and `sources/…`, with fixed
/// timestamps so that the same project gives the same bytes.
pub fn package(p: &Project) -> Result<Vec<u8>> {
    let failed = |e: &dyn std::fmt::Display| Error::failure(format!("qdpx: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    zip.start_file("project.qde", options)
        .map_err(|e| failed(&e))?;
    zip.write_all(p.qde.as_bytes()).map_err(|e| failed(&e))?;
    for (name, text) in &p.sources {
        zip.start_file(format!("sources/{name}"), options)
            .map_err(|e| failed(&e))?;
        zip.write_all(text.as_bytes()).map_err(|e| failed(&e))?;
    }
    let cursor = zip.finish().map_err(|e| failed(&e))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpt(id: &str, question: &str, text: &str) -> Excerpt {
        Excerpt {
            id: id.into(),
            path: "t/r01.txt".into(),
            respondent: "R01".into(),
            speaker: "Ana".into(),
            question: question.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_case_owns_only_the_sources_its_respondent_alone_speaks_in() {
        let mut r01 = excerpt("t/r01.txt:2", "", "Me fui a Lima.");
        r01.coders = vec![("beto".into(), "migration".into())];
        let mut fg_a = excerpt("t/fg01.txt:3", "", "Nos engañaron.");
        fg_a.path = "t/fg01.txt".into();
        fg_a.coders = vec![("ana".into(), "deception".into())];
        let mut fg_b = fg_a.clone();
        fg_b.id = "t/fg01.txt:4".into();
        fg_b.respondent = "R02".into();
        fg_b.coders.clear();
        let input = Input {
            name: "Estudio".into(),
            coders: vec!["ana".into(), "beto".into()],
            excerpts: vec![fg_a, fg_b, r01],
            ..Default::default()
        };
        let p = project(&input);
        // Sources by path: fg01 before r01.
        let names: Vec<&str> = p
            .qde
            .match_indices("<TextSource ")
            .map(|(i, _)| &p.qde[i..i + 200])
            .collect();
        assert!(names[0].contains("name=\"t/fg01.txt\""), "{}", names[0]);
        assert!(names[1].contains("name=\"t/r01.txt\""), "{}", names[1]);
        assert_eq!(
            p.sources[0].0,
            format!("{}.txt", guid("source", "t/fg01.txt"))
        );
        // A selection only coders coded is created by its first coder.
        let beto = format!("creatingUser=\"{}\"", user("beto"));
        assert_eq!(p.qde.matches(&beto).count(), 2);
        assert_eq!(p.qde.matches("<PlainTextSelection ").count(), 2);
        // R01 alone speaks in r01.txt; nobody alone in fg01.txt; R02 has
        // a case (it speaks) but no selection.
        let case = |id: &str| {
            let at = p.qde.find(&format!("name=\"{id}\">")).unwrap();
            p.qde[at..at + p.qde[at..].find("</Case>").unwrap()].to_string()
        };
        assert_eq!(case("R01").matches("<SourceRef ").count(), 1);
        assert!(case("R01").contains(&guid("source", "t/r01.txt")));
        assert_eq!(case("R01").matches("<SelectionRef ").count(), 2);
        assert_eq!(case("R02").matches("Ref ").count(), 0);
        assert!(!p.qde.contains("<Variables>"));
    }

    #[test]
    fn offsets_count_code_points_into_exactly_the_text() {
        let a = excerpt("t/r01.txt:2", "¿Cómo?", "Mi niña 👧 volvió.");
        let b = excerpt("t/r01.txt:4", "¿Cómo?", "Con la mamá.\n\nY el tío.");
        let c = excerpt("t/r01.txt:9", "", "Fin.");
        let (text, spans) = source_text(&[&a, &b, &c]);
        assert_eq!(
            text,
            "Q: ¿Cómo?\n\nAna: Mi niña 👧 volvió.\n\nAna: Con la mamá.\n\nY el tío.\n\nAna: Fin.\n"
        );
        let chars: Vec<char> = text.chars().collect();
        for (e, (s, t)) in [&a, &b, &c].iter().zip(&spans) {
            assert_eq!(chars[*s..*t].iter().collect::<String>(), e.text);
        }
        // Bytes would say (18, 40) and UTF-16 units (16, 34).
        assert_eq!(spans[0], (16, 33));
    }

    #[test]
    fn project_is_deterministic_and_names_users_and_cases() {
        let mut a = excerpt("t/r01.txt:2", "¿Y?", "La deuda & el <patrón>.");
        a.rules = vec!["debt/debt".into()];
        a.coders = vec![("ana".into(), "debt".into())];
        let input = Input {
            name: "Estudio".into(),
            codes: "  <Codes>\n  </Codes>\n".into(),
            coders: vec!["ana".into()],
            attributes: vec!["role".into()],
            respondents: [(
                "R01".to_string(),
                [("role".to_string(), "survivor".to_string())].into(),
            )]
            .into(),
            excerpts: vec![a, excerpt("t/r01.txt:5", "¿Y?", "Nada.")],
        };
        let p = project(&input);
        assert_eq!(p, project(&input));
        assert_eq!(package(&p).unwrap(), package(&p).unwrap());
        assert!(p.qde.contains("name=\"thematic rules\""));
        assert!(p.qde.contains("<TextValue>survivor</TextValue>"));
        assert_eq!(p.qde.matches("<PlainTextSelection ").count(), 1);
        assert_eq!(p.qde.matches("<Coding ").count(), 2);
        assert!(p.sources[0].1.contains("La deuda & el <patrón>."));
    }
}
