//! Reading a REFI-QDA project (`project.qde` of a `.qdpx`) and placing its
//! text selections on excerpts.
//!
//! [`read`] takes the users, and each text source with its selections and
//! their codings, from the XML; a DTD, an entity other than XML's own, a
//! selection past the end of its text or a coding of an unknown code is an
//! error with its line and column in `project.qde`. [`spans`] finds each
//! excerpt's text in a source's plain text (white space may differ), and
//! [`covered`] says which excerpts a selection covers: more than half of
//! an excerpt's characters, counted in Unicode code points.

use std::collections::BTreeMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::error::{Error, Location, Result};

/// One coding of a selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    /// The user's GUID (normalised), or empty when none is named.
    pub user: String,
    /// The code's GUID (normalised).
    pub code: String,
    /// Line and column of the `<Coding>` in `project.qde`.
    pub at: (usize, usize),
}

/// A text selection: a range of code points of its source's plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Its name (thematic writes the excerpt id).
    pub name: String,
    /// Its GUID (normalised; empty when it has none).
    pub guid: String,
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// Its codings.
    pub codings: Vec<Coding>,
    /// Line and column in `project.qde`.
    pub at: (usize, usize),
}

/// A text source and its selections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// Its name.
    pub name: String,
    /// `plainTextPath` with `internal://` taken off (a file in `sources/`).
    pub file: Option<String>,
    /// `PlainTextContent`, when the text is inline.
    pub content: Option<String>,
    /// Its selections.
    pub selections: Vec<Selection>,
    /// Line and column in `project.qde`.
    pub at: (usize, usize),
}

/// What a project holds that the import uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    /// User GUID (normalised) → name.
    pub users: BTreeMap<String, String>,
    /// Text sources in document order.
    pub sources: Vec<Source>,
    /// Selection GUID (normalised) → the name of the `<Case>` that refers
    /// to it (`thematic export` writes one case per respondent).
    pub cases: BTreeMap<String, String>,
    /// Every `<Case>`'s name.
    pub case_names: std::collections::BTreeSet<String>,
}

/// A GUID as compared: lower case, without braces.
pub fn norm_guid(g: &str) -> String {
    g.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

/// Line and column (1-based, in characters) of byte `pos` of `text`.
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

fn attrs(e: &BytesStart) -> BTreeMap<String, String> {
    e.attributes()
        .flatten()
        .map(|a| {
            (
                a.key.local_name().as_ref().to_string(),
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// Reads `project.qde`; `shown` names it in errors (`study.qdpx/project.qde`).
pub fn read(xml: &str, shown: &str) -> Result<Project> {
    let mut reader = Reader::from_str(xml);
    let mut r = ProjectReader::new(xml, shown);
    loop {
        let pos = reader.buffer_position() as usize;
        let ev = reader.read_event().map_err(|e| {
            r.err(
                reader.error_position() as usize,
                format!("not readable XML: {e}"),
            )
            .with_hint("export the project again from your QDA program as .qdpx")
        })?;
        match ev {
            Event::Start(e) => r.start(&e, false, pos)?,
            Event::Empty(e) => r.start(&e, true, pos)?,
            Event::Eof => break,
            ev => r.event(ev, pos)?,
        }
    }
    r.finish()
}

/// A `<Coding>` being read: whose it is and where it is, until its
/// `<CodeRef>` names the code.
struct OpenCoding {
    /// The user's GUID (normalised).
    user: String,
    /// Line and column in `project.qde`.
    at: (usize, usize),
}

/// The state of [`read`] between XML events: the project so far and the
/// source, selection and coding open at the current element.
struct ProjectReader<'a> {
    /// The whole XML (for line and column of a byte position).
    xml: &'a str,
    /// `project.qde` as named in errors.
    shown: &'a str,
    /// What has been read.
    project: Project,
    /// Names of the open elements.
    stack: Vec<String>,
    /// The open `<TextSource>`.
    source: Option<Source>,
    /// The open (non-empty) `<PlainTextSelection>`.
    selection: Option<Selection>,
    /// The open `<Coding>`.
    coding: Option<OpenCoding>,
    /// The creating user of the last selection (normalised GUID).
    sel_user: String,
    /// Within `<PlainTextContent>`.
    in_content: bool,
    /// The name of the open `<Case>`.
    case: Option<String>,
    /// A `<Project>` was seen.
    saw_project: bool,
}

impl<'a> ProjectReader<'a> {
    fn new(xml: &'a str, shown: &'a str) -> Self {
        ProjectReader {
            xml,
            shown,
            project: Project::default(),
            stack: Vec::new(),
            source: None,
            selection: None,
            coding: None,
            sel_user: String::new(),
            in_content: false,
            case: None,
            saw_project: false,
        }
    }

    /// An input error at byte `pos` of the XML.
    fn err(&self, pos: usize, msg: String) -> Error {
        let (l, c) = line_col(self.xml, pos);
        Error::at(Location::at(self.shown, l, c), msg)
    }

    /// A start tag (or an empty element) at byte `pos`.
    fn start(&mut self, e: &BytesStart, empty: bool, pos: usize) -> Result<()> {
        let name = e.local_name().as_ref().to_string();
        let a = attrs(e);
        match name.as_str() {
            "Project" => self.saw_project = true,
            "User" => {
                let get = |k: &str| a.get(k).cloned().unwrap_or_default();
                self.project
                    .users
                    .insert(norm_guid(&get("guid")), get("name"));
            }
            "TextSource" => self.text_source(&a, pos),
            "PlainTextContent" if self.source.is_some() && !empty => self.in_content = true,
            "PlainTextSelection" if self.source.is_some() => {
                self.selection_start(&name, &a, empty, pos)?
            }
            "Coding" if self.selection.is_some() => self.coding_start(&a, pos),
            "CodeRef" if self.stack.last().map(String::as_str) == Some("Coding") => {
                self.code_ref(&a)
            }
            "Case" => {
                let name = a.get("name").cloned().unwrap_or_default();
                self.project.case_names.insert(name.clone());
                if !empty {
                    self.case = Some(name);
                }
            }
            "SelectionRef" => {
                if let (Some(case), Some(target)) = (&self.case, a.get("targetGUID")) {
                    self.project.cases.insert(norm_guid(target), case.clone());
                }
            }
            _ => {}
        }
        if !empty {
            self.stack.push(name);
        }
        Ok(())
    }

    /// `<TextSource>`: a source opens.
    fn text_source(&mut self, a: &BTreeMap<String, String>, pos: usize) {
        self.source = Some(Source {
            name: a.get("name").cloned().unwrap_or_default(),
            file: a
                .get("plainTextPath")
                .map(|f| f.strip_prefix("internal://").unwrap_or(f).to_string()),
            at: line_col(self.xml, pos),
            ..Default::default()
        });
    }

    /// `<PlainTextSelection>`: a selection of the open source; an empty
    /// element is complete at once.
    fn selection_start(
        &mut self,
        name: &str,
        a: &BTreeMap<String, String>,
        empty: bool,
        pos: usize,
    ) -> Result<()> {
        let get = |k: &str| a.get(k).cloned().unwrap_or_default();
        let number = |k: &str| -> Result<usize> {
            get(k).trim().parse::<usize>().map_err(|_| {
                self.err(
                    pos,
                    format!(
                        "`{k}` of a <{name}> is not a number of characters: `{}`",
                        get(k)
                    ),
                )
            })
        };
        let (start, end) = (number("startPosition")?, number("endPosition")?);
        if end < start {
            return Err(self.err(
                pos,
                format!("a selection ends ({end}) before it starts ({start})"),
            ));
        }
        let sel = Selection {
            name: get("name"),
            guid: norm_guid(&get("guid")),
            start,
            end,
            codings: Vec::new(),
            at: line_col(self.xml, pos),
        };
        self.coding = None;
        self.sel_user = norm_guid(&get("creatingUser"));
        if empty {
            if let Some(s) = self.source.as_mut() {
                s.selections.push(sel);
            }
        } else {
            self.selection = Some(sel);
        }
        Ok(())
    }

    /// `<Coding>` within a selection.
    fn coding_start(&mut self, a: &BTreeMap<String, String>, pos: usize) {
        let user = a
            .get("creatingUser")
            .map(|u| norm_guid(u))
            // The selection's creator stands in for a coding that names none.
            .unwrap_or_else(|| self.sel_user.clone());
        self.coding = Some(OpenCoding {
            user,
            at: line_col(self.xml, pos),
        });
    }

    /// `<CodeRef>` directly within a `<Coding>`: the coding's code.
    fn code_ref(&mut self, a: &BTreeMap<String, String>) {
        if let (Some(sel), Some(c)) = (self.selection.as_mut(), &self.coding) {
            sel.codings.push(Coding {
                user: c.user.clone(),
                code: norm_guid(&a.get("targetGUID").cloned().unwrap_or_default()),
                at: c.at,
            });
        }
    }

    /// Any event but a start tag, an empty element or the end, at byte `pos`.
    fn event(&mut self, ev: Event, pos: usize) -> Result<()> {
        match ev {
            Event::DocType(_) => {
                return Err(self.err(pos, "the project has a DTD (<!DOCTYPE …>); thematic reads none, so that no entity can reach outside the package".into())
                    .with_hint("export the project again; REFI-QDA projects have no DTD"));
            }
            Event::GeneralRef(r) if crate::xml::entity(&r).is_none() => {
                return Err(self
                    .err(
                        pos,
                        format!("unknown entity `&{};`", {
                            let name: &str = r.as_ref();
                            name
                        }),
                    )
                    .with_hint(
                        "only XML's own entities (&amp; &lt; &gt; &quot; &apos;) and &#…; are read",
                    ));
            }
            Event::GeneralRef(r) if self.in_content => {
                if let Some(ch) = crate::xml::entity(&r) {
                    self.push_content(|c| c.push(ch));
                }
            }
            Event::Text(t) if self.in_content => {
                self.push_content(|c| c.push_str(&t.xml10_content()))
            }
            Event::CData(t) if self.in_content => {
                self.push_content(|c| c.push_str(&t.into_inner()))
            }
            Event::End(e) => self.end(e.local_name().as_ref()),
            _ => {}
        }
        Ok(())
    }

    /// Adds to the open source's inline text.
    fn push_content(&mut self, add: impl FnOnce(&mut String)) {
        if let Some(s) = self.source.as_mut() {
            add(s.content.get_or_insert_with(String::new));
        }
    }

    /// An end tag: a selection or source is complete.
    fn end(&mut self, name: &str) {
        self.stack.pop();
        match name {
            "PlainTextContent" => self.in_content = false,
            "PlainTextSelection" => {
                if let (Some(s), Some(sel)) = (self.source.as_mut(), self.selection.take()) {
                    s.selections.push(sel);
                }
            }
            "TextSource" => self.project.sources.extend(self.source.take()),
            "Case" => self.case = None,
            _ => {}
        }
    }

    /// The project read, or an error when the XML had no `<Project>`.
    fn finish(self) -> Result<Project> {
        if !self.saw_project {
            return Err(Error::at(
                Location::file(self.shown),
                "no <Project> element: not a REFI-QDA project",
            )
            .with_hint("export the project again from your QDA program as .qdpx"));
        }
        Ok(self.project)
    }
}

/// Each excerpt's `(start, end)` in code points of `text`, found in order
/// (white space runs compare equal to one space); None where an excerpt's
/// text is not there.
pub fn spans(text: &str, excerpts: &[&str]) -> Vec<Option<(usize, usize)>> {
    // The text with white space runs as one space, and each of its
    // characters' code-point index in the original.
    let mut norm = String::new();
    let mut orig: Vec<usize> = Vec::new();
    let mut last_space = false;
    for (i, ch) in text.chars().enumerate() {
        if ch.is_whitespace() {
            if !last_space {
                norm.push(' ');
                orig.push(i);
            }
            last_space = true;
        } else {
            norm.push(ch);
            orig.push(i);
            last_space = false;
        }
    }
    let total = text.chars().count();
    let byte_to_char: BTreeMap<usize, usize> = norm
        .char_indices()
        .enumerate()
        .map(|(c, (b, _))| (b, c))
        .collect();
    let mut from = 0;
    excerpts
        .iter()
        .map(|e| {
            let e: String = e.split_whitespace().collect::<Vec<_>>().join(" ");
            if e.is_empty() {
                return None;
            }
            let at = norm[from..]
                .find(&e)
                .map(|b| b + from)
                .or_else(|| norm.find(&e))?;
            let first = byte_to_char[&at];
            let n = e.chars().count();
            let end = orig.get(first + n - 1).map_or(total, |&i| i + 1);
            from = at + e.len();
            Some((orig[first], end))
        })
        .collect()
}

/// The excerpts (indexes into `spans`) a selection `[start, end)` covers:
/// more than half of each one's code points.
pub fn covered(spans: &[Option<(usize, usize)>], start: usize, end: usize) -> Vec<usize> {
    spans
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let (a, b) = (*s)?;
            let overlap = end.min(b).saturating_sub(start.max(a));
            (overlap * 2 > b - a).then_some(i)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_find_excerpts_whatever_the_white_space() {
        let text = "Q: ¿Y?\r\n\r\nR01: Mi niña 👧\r\n  volvió.\n\nR01: Fin.\n";
        let s = spans(text, &["Mi niña 👧 volvió.", "Fin.", "No está."]);
        let chars: Vec<char> = text.chars().collect();
        let (a, b) = s[0].unwrap();
        assert_eq!(
            chars[a..b].iter().collect::<String>(),
            "Mi niña 👧\r\n  volvió."
        );
        let (a, b) = s[1].unwrap();
        assert_eq!(chars[a..b].iter().collect::<String>(), "Fin.");
        assert_eq!(s[2], None);
    }

    #[test]
    fn a_selection_covers_most_of_an_excerpt() {
        let s = [Some((0, 10)), Some((12, 20)), None];
        assert_eq!(covered(&s, 0, 10), [0]);
        assert_eq!(covered(&s, 4, 20), [0, 1]);
        assert_eq!(covered(&s, 5, 16), Vec::<usize>::new());
        assert_eq!(covered(&s, 30, 40), Vec::<usize>::new());
    }

    #[test]
    fn a_coding_without_a_user_is_its_selections_creators() {
        let xml = r#"<Project name="p"><Sources>
<TextSource name="p01.md"><PlainTextContent><![CDATA[Entrevista: <Lima>]]> y &#233;l</PlainTextContent>
<PlainTextSelection name="s1" startPosition="0" endPosition="10" creatingUser="{BB}">
<Coding><CodeRef targetGUID="{E1}"/></Coding>
<Coding creatingUser="cc"><CodeRef targetGUID="e2"/></Coding>
</PlainTextSelection>
<PlainTextSelection name="s2" startPosition="3" endPosition="5"/>
</TextSource>
<TextSource name="r01.txt" plainTextPath="internal://r01.txt"></TextSource></Sources></Project>"#;
        let p = read(xml, "x").unwrap();
        let s = &p.sources[0];
        assert_eq!(s.content.as_deref(), Some("Entrevista: <Lima> y él"));
        let users: Vec<(&str, &str)> = s.selections[0]
            .codings
            .iter()
            .map(|c| (c.user.as_str(), c.code.as_str()))
            .collect();
        assert_eq!(users, [("bb", "e1"), ("cc", "e2")]);
        assert_eq!(s.selections[1].name, "s2");
        assert!(s.selections[1].codings.is_empty());
        assert_eq!(p.sources[1].file.as_deref(), Some("r01.txt"));
        assert_eq!(p.sources[1].content, None);
        let backwards = xml.replace(
            r#"startPosition="3" endPosition="5""#,
            r#"startPosition="5" endPosition="3""#,
        );
        let e = read(&backwards, "x").unwrap_err().report();
        assert!(
            e.contains("x:7:1") && e.contains("ends (3) before it starts (5)"),
            "{e}"
        );
    }

    #[test]
    fn project_parts_and_bad_input() {
        let xml = r#"<?xml version="1.0"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p">
<Users><User guid="{AA000000-0000-0000-0000-000000000001}" name="Ana"/></Users>
<Sources><TextSource guid="b0000000-0000-0000-0000-000000000001" name="r01.txt">
<PlainTextContent>Hola &amp; adiós</PlainTextContent>
<PlainTextSelection guid="c0000000-0000-0000-0000-000000000001" startPosition="0" endPosition="4" creatingUser="aa000000-0000-0000-0000-000000000001">
<Coding guid="d0000000-0000-0000-0000-000000000001"><CodeRef targetGUID="E0000000-0000-0000-0000-000000000001"/></Coding>
</PlainTextSelection></TextSource></Sources></Project>"#;
        let p = read(xml, "x.qdpx/project.qde").unwrap();
        assert_eq!(p.users["aa000000-0000-0000-0000-000000000001"], "Ana");
        let s = &p.sources[0];
        assert_eq!(s.content.as_deref(), Some("Hola & adiós"));
        assert_eq!((s.selections[0].start, s.selections[0].end), (0, 4));
        assert_eq!(
            s.selections[0].codings,
            [Coding {
                user: "aa000000-0000-0000-0000-000000000001".into(),
                code: "e0000000-0000-0000-0000-000000000001".into(),
                at: (7, 1)
            }]
        );
        let dtd = "<?xml version=\"1.0\"?>\n<!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<Project name=\"p\">&x;</Project>";
        let e = read(dtd, "x.qdpx/project.qde").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.report().contains("x.qdpx/project.qde:2:1"),
            "{}",
            e.report()
        );
        let bad = xml.replace("endPosition=\"4\"", "endPosition=\"cuatro\"");
        assert!(read(&bad, "x").unwrap_err().report().contains("x:6:1"));
        assert_eq!(read("<a/>", "x").unwrap_err().exit_code(), 2);
    }
}
