//! REFI-QDA codebook exchange (`.qdc`, namespace `urn:QDA-XML:codebook:1.0`).
//! Export: themes become `Code isCodable="false"`, codes nest beneath, the
//! `Description` carries the definition and `Include:`/`Exclude:`/`Example:`
//! lines, and GUIDs are UUID v5 of the code path so exports diff cleanly.
//! Import: top-level codes become themes (a flat list's non-codable codes
//! head the codable ones that follow them), ids are derived from names, and
//! labels keep the names.

use std::collections::{HashMap, HashSet};

use quick_xml::events::Event;
use quick_xml::Reader;

use super::{CodeDef, Codebook, CodebookDoc, ThemeDef};
use crate::error::{Error, Location, Result};
use crate::xml::{entity, escape};

/// The namespace UUID under which code paths are hashed into GUIDs.
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6b1c_3f1e_9a2d_4c57_8e0f_7a45_d2c1_b390);

fn guid(path: &str) -> String {
    uuid::Uuid::new_v5(&NAMESPACE, format!("thematic:{path}").as_bytes()).to_string()
}

fn description(c: &CodeDef) -> String {
    let mut parts = Vec::new();
    if let Some(d) = &c.definition {
        parts.push(d.clone());
    }
    for (name, v) in [
        ("Include", &c.include),
        ("Exclude", &c.exclude),
        ("Example", &c.example),
    ] {
        if let Some(v) = v {
            parts.push(format!("{name}: {v}"));
        }
    }
    parts.join("\n")
}

/// The codebook as a REFI-QDA `.qdc` document.
pub fn export(cb: &Codebook) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"thematic {}\">\n  <Codes>\n",
        env!("CARGO_PKG_VERSION")
    ));
    fn code(out: &mut String, c: &CodeDef, parent: &str, depth: usize) {
        let path = format!("{parent}/{}", c.id);
        let pad = "  ".repeat(depth);
        let name = c.label.clone().unwrap_or_else(|| c.id.clone());
        let desc = description(c);
        if desc.is_empty() && c.codes.is_empty() {
            out.push_str(&format!(
                "{pad}<Code guid=\"{}\" name=\"{}\" isCodable=\"true\"/>\n",
                guid(&path),
                escape(&name)
            ));
            return;
        }
        out.push_str(&format!(
            "{pad}<Code guid=\"{}\" name=\"{}\" isCodable=\"true\">\n",
            guid(&path),
            escape(&name)
        ));
        if !desc.is_empty() {
            out.push_str(&format!(
                "{pad}  <Description>{}</Description>\n",
                escape(&desc)
            ));
        }
        for sub in &c.codes {
            code(out, sub, &path, depth + 1);
        }
        out.push_str(&format!("{pad}</Code>\n"));
    }
    for t in &cb.doc.themes {
        let name = t.label.clone().unwrap_or_else(|| t.id.clone());
        out.push_str(&format!(
            "    <Code guid=\"{}\" name=\"{}\" isCodable=\"false\">\n",
            guid(&t.id),
            escape(&name)
        ));
        if let Some(d) = &t.description {
            out.push_str(&format!("      <Description>{}</Description>\n", escape(d)));
        }
        for c in &t.codes {
            code(&mut out, c, &t.id, 3);
        }
        out.push_str("    </Code>\n");
    }
    out.push_str("  </Codes>\n</CodeBook>\n");
    out
}

#[derive(Debug, Default)]
struct Node {
    name: String,
    codable: bool,
    description: String,
    children: Vec<Node>,
}

/// Reads a `.qdc` file into a codebook document; warnings go to the caller.
pub fn import(xml: &str, shown: &str) -> Result<(CodebookDoc, Vec<String>)> {
    let roots = parse(xml).map_err(|(pos, why)| {
        Error::at(
            Location::file(shown),
            format!("not a readable REFI-QDA codebook (byte {pos}): {why}"),
        )
        .with_hint("export the codebook again from your QDA program as .qdc")
    })?;
    let mut warnings = Vec::new();
    let mut doc = CodebookDoc {
        codebook: Some(format!(
            "Imported from {}",
            shown.rsplit('/').next().unwrap_or(shown)
        )),
        ..Default::default()
    };
    let mut current: Option<usize> = None;
    // The ids given so far: the themes', and each theme's codes'.
    let mut theme_ids = Ids::default();
    let mut code_ids: Vec<Ids> = Vec::new();
    for r in roots {
        if r.codable && r.children.is_empty() {
            let t = match current {
                Some(t) => t,
                None => {
                    doc.themes.push(ThemeDef {
                        id: theme_ids.unique("uncategorised".into()),
                        label: Some("Uncategorised".into()),
                        ..Default::default()
                    });
                    code_ids.push(Ids::default());
                    doc.themes.len() - 1
                }
            };
            current = Some(t);
            let id = code_ids[t].unique(ident(&r.name));
            let c = to_code(&r, id);
            doc.themes[t].codes.push(c);
            continue;
        }
        if r.codable {
            warnings.push(format!("`{}` was codable and has sub-codes; it becomes a theme (themes are not coded themselves)", r.name));
        }
        let id = theme_ids.unique(ident(&r.name));
        let mut theme = ThemeDef {
            id,
            label: Some(r.name.clone()),
            description: (!r.description.trim().is_empty())
                .then(|| r.description.trim().to_string()),
            codes: Vec::new(),
        };
        let mut ids = Ids::default();
        for ch in &r.children {
            let id = ids.unique(ident(&ch.name));
            theme.codes.push(to_code(ch, id));
        }
        doc.themes.push(theme);
        code_ids.push(ids);
        current = Some(doc.themes.len() - 1);
    }
    Ok((doc, warnings))
}

fn to_code(n: &Node, id: String) -> CodeDef {
    let mut c = CodeDef {
        id,
        label: Some(n.name.clone()),
        ..Default::default()
    };
    let mut definition = Vec::new();
    for line in n.description.lines() {
        let l = line.trim();
        if let Some(v) = l.strip_prefix("Include: ") {
            c.include = Some(v.to_string());
        } else if let Some(v) = l.strip_prefix("Exclude: ") {
            c.exclude = Some(v.to_string());
        } else if let Some(v) = l.strip_prefix("Example: ") {
            c.example = Some(v.to_string());
        } else if !l.is_empty() {
            definition.push(l.to_string());
        }
    }
    if !definition.is_empty() {
        c.definition = Some(definition.join(" "));
    }
    let mut ids = Ids::default();
    for ch in &n.children {
        let id = ids.unique(ident(&ch.name));
        c.codes.push(to_code(ch, id));
    }
    c
}

/// An id from a name: accents and case folded, other characters `_`.
pub fn ident(name: &str) -> String {
    let mut out = String::new();
    for ch in crate::text::normalize(name).chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() {
        "code".into()
    } else {
        out
    }
}

/// The ids given among siblings. A name taken again gets the first free
/// `_2`, `_3`, …; the counter per name keeps that constant time, so that a
/// file with thousands of codes of the same name is read as fast as any.
#[derive(Default)]
struct Ids {
    taken: HashSet<String>,
    next: HashMap<String, usize>,
}

impl Ids {
    fn unique(&mut self, id: String) -> String {
        if self.taken.insert(id.clone()) {
            return id;
        }
        // Suffixes below the counter are all taken already (ids are never
        // given back), so the first free one is at or above it.
        let n = self.next.entry(id.clone()).or_insert(2);
        loop {
            let candidate = format!("{id}_{n}");
            *n += 1;
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

/// The deepest nesting of `<Code>` elements read: far beyond any real
/// codebook, shallow enough that the recursive steps after reading
/// (conversion, validation, formatting) cannot overflow the stack, and
/// within the YAML reader's 128 nested collections once written out (each
/// level of codes is a list and a mapping).
pub const MAX_DEPTH: usize = 32;

fn parse(xml: &str) -> std::result::Result<Vec<Node>, (u64, String)> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let mut roots = Vec::new();
    let mut in_codes = false;
    let mut in_desc = false;
    let mut saw_codebook = false;
    let attrs = |e: &quick_xml::events::BytesStart| -> (String, bool) {
        let mut name = String::new();
        let mut codable = true;
        for a in e.attributes().flatten() {
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default();
            match a.key.local_name().as_ref() {
                "name" => name = value,
                "isCodable" => codable = value != "false",
                _ => {}
            }
        }
        (name, codable)
    };
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| (reader.error_position(), e.to_string()))?;
        match ev {
            Event::Start(e) => match e.local_name().as_ref() {
                "CodeBook" => saw_codebook = true,
                "Codes" => in_codes = true,
                "Code" if in_codes => {
                    if stack.len() >= MAX_DEPTH {
                        return Err((
                            reader.buffer_position(),
                            format!("codes nest more than {MAX_DEPTH} levels deep; thematic reads at most {MAX_DEPTH}"),
                        ));
                    }
                    let (name, codable) = attrs(&e);
                    stack.push(Node {
                        name,
                        codable,
                        ..Default::default()
                    });
                }
                "Description" => in_desc = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "Code" && in_codes => {
                let (name, codable) = attrs(&e);
                let n = Node {
                    name,
                    codable,
                    ..Default::default()
                };
                match stack.last_mut() {
                    Some(p) => p.children.push(n),
                    None => roots.push(n),
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "Codes" => in_codes = false,
                "Code" if in_codes => {
                    let n = stack
                        .pop()
                        .ok_or((reader.buffer_position(), "unbalanced </Code>".to_string()))?;
                    match stack.last_mut() {
                        Some(p) => p.children.push(n),
                        None => roots.push(n),
                    }
                }
                "Description" => in_desc = false,
                _ => {}
            },
            Event::Text(t) if in_desc => {
                if let Some(n) = stack.last_mut() {
                    n.description.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) if in_desc => {
                let ch = entity(&r);
                if let (Some(n), Some(ch)) = (stack.last_mut(), ch) {
                    n.description.push(ch);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_codebook {
        return Err((0, "no <CodeBook> element".into()));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_is_deterministic_and_imports_back() {
        let text = include_str!("../../codebooks/family-reintegration.yaml");
        let cb = Codebook::parse(text, "cb.yaml", String::new()).unwrap();
        let xml = export(&cb);
        assert_eq!(xml, export(&cb));
        assert!(xml.contains("xmlns=\"urn:QDA-XML:codebook:1.0\"") && !xml.contains("<Sets"));
        assert!(xml.contains(&format!(
            "guid=\"{}\"",
            guid("family_role/search_and_report")
        )));
        let (doc, warnings) = import(&xml, "x.qdc").unwrap();
        assert!(warnings.is_empty());
        assert_eq!(doc.themes.len(), cb.doc.themes.len());
        for (a, b) in doc.themes.iter().zip(&cb.doc.themes) {
            assert_eq!(a.label, b.label);
            assert_eq!(a.description, b.description);
            for (x, y) in a.codes.iter().zip(&b.codes) {
                assert_eq!(
                    (&x.label, &x.definition, &x.include, &x.exclude, &x.example),
                    (&y.label, &y.definition, &y.include, &y.exclude, &y.example)
                );
            }
        }
    }

    #[test]
    fn thousands_of_same_named_codes_get_numbered_ids_quickly() {
        // Found by fuzzing: ids were made unique by scanning every sibling
        // for every candidate suffix, cubic in the number of same-named
        // codes (2,000 copies of one code took 17 s).
        let code = r#"<Code name="Goes to the police" isCodable="true"/>"#;
        let xml = format!(
            r#"<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="Familia" isCodable="false">{}</Code><Code name="Familia" isCodable="false"/>{}</Codes></CodeBook>"#,
            code.repeat(3000),
            r#"<Code name="Goes to the police_3" isCodable="true"/>"#.repeat(2),
        );
        let started = std::time::Instant::now();
        let (doc, _) = import(&xml, "x.qdc").unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let ids = |t: &ThemeDef| t.codes.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        let themes = doc.themes.iter().map(|t| t.id.as_str()).collect::<Vec<_>>();
        assert_eq!(themes, ["familia", "familia_2"]);
        let first = ids(&doc.themes[0]);
        assert_eq!(first.len(), 3000);
        assert_eq!(
            first[..3],
            [
                "goes_to_the_police",
                "goes_to_the_police_2",
                "goes_to_the_police_3"
            ]
        );
        assert_eq!(first[2999], "goes_to_the_police_3000");
        // Leaf codes after a theme join it; a name already given by a
        // suffix takes the next free one.
        assert_eq!(
            ids(&doc.themes[1]),
            ["goes_to_the_police_3", "goes_to_the_police_3_2"]
        );
    }

    #[test]
    fn flat_lists_and_nested_codes() {
        let xml = r#"<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
<Code guid="1" name="Topics" isCodable="false"></Code>
<Code guid="2" name="Economy" isCodable="true"><Description>Jobs &amp; taxes</Description></Code>
<Code guid="3" name="code1" isCodable="true"><Code guid="4" name="code:1.1" isCodable="true"/></Code>
</Codes><Sets/></CodeBook>"#;
        let (doc, warnings) = import(xml, "x.qdc").unwrap();
        let ids: Vec<(&str, Vec<&str>)> = doc
            .themes
            .iter()
            .map(|t| {
                (
                    t.id.as_str(),
                    t.codes.iter().map(|c| c.id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            [("topics", vec!["economy"]), ("code1", vec!["code_1_1"])]
        );
        assert_eq!(
            doc.themes[0].codes[0].definition.as_deref(),
            Some("Jobs & taxes")
        );
        assert_eq!(warnings.len(), 1);
        assert!(import("<x/>", "x.qdc").is_err());
    }

    fn nested(depth: usize) -> String {
        let mut xml = String::from(
            r#"<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>"#,
        );
        for i in 0..depth {
            xml.push_str(&format!(
                r#"<Code guid="{i}" name="nivel {i}" isCodable="true">"#
            ));
        }
        xml.push_str(&"</Code>".repeat(depth));
        xml.push_str("</Codes></CodeBook>");
        xml
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let e = import(&nested(30_000), "deep.qdc").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.report().contains("more than 32 levels deep") && e.report().contains("deep.qdc"),
            "{}",
            e.report()
        );
        // The deepest accepted codebook reads back as YAML.
        let (doc, _) = import(&nested(MAX_DEPTH), "deep.qdc").unwrap();
        let yaml = serde_yaml::to_string(&doc).unwrap();
        crate::codebook::Codebook::parse(&yaml, "deep.qdc", String::new()).unwrap();
    }
}
