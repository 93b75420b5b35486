//! REFI-QDA codebook exchange (`.qdc`, namespace `urn:QDA-XML:codebook:1.0`).
//! Export: themes become `Code isCodable="false"`, codes nest beneath, the
//! `Description` carries the definition and `Include:`/`Exclude:`/`Example:`
//! lines, then what only `thematic` reads (`Id:`, `Origin:`, `Formerly:`,
//! `Match any:` …; lists as JSON arrays), and GUIDs are UUID v5 of the code
//! path so exports diff cleanly. The schema has no place for extensions
//! (no `xs:any`), so these lines keep a `.qdc` valid and other tools show
//! them as text. A value that one line cannot carry exactly (a line break,
//! white space at either end, a leading `"`) is written as a JSON string.
//! Import: top-level codes become themes (a flat list's non-codable codes
//! head the codable ones that follow them); ids come from `Id:` lines, else
//! from names; labels keep the names (a name equal to its `Id:` is an
//! unlabelled code).

use std::collections::{HashMap, HashSet};

use quick_xml::events::Event;
use quick_xml::Reader;

use super::{CodeDef, Codebook, CodebookDoc, MatchDef, Origin, ThemeDef};
use crate::error::{Error, Location, Result};
use crate::xml::{entity, escape};

/// The namespace UUID under which code paths are hashed into GUIDs.
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6b1c_3f1e_9a2d_4c57_8e0f_7a45_d2c1_b390);

/// The GUID of a theme (its id) or code (its path), the same in `.qdc`
/// and `.qdpx` exports.
pub(crate) fn guid(path: &str) -> String {
    uuid::Uuid::new_v5(&NAMESPACE, format!("thematic:{path}").as_bytes()).to_string()
}

/// Whether a text value survives as the rest of one description line.
fn plain(v: &str) -> bool {
    !v.contains(['\n', '\r']) && v.trim() == v && !v.starts_with('"')
}

/// `Name: value`, the value as a JSON string when it is not [`plain`].
fn line(name: &str, v: &str) -> String {
    if plain(v) {
        format!("{name}: {v}")
    } else {
        format!("{name}: {}", serde_json::Value::from(v))
    }
}

fn json_list(name: &str, items: &[String]) -> Option<String> {
    (!items.is_empty()).then(|| format!("{name}: {}", serde_json::Value::from(items.to_vec())))
}

fn description(c: &CodeDef) -> String {
    let mut parts = Vec::new();
    if let Some(d) = &c.definition {
        parts.push(if plain(d) {
            d.clone()
        } else {
            line("Definition", d)
        });
    }
    for (name, v) in [
        ("Include", &c.include),
        ("Exclude", &c.exclude),
        ("Example", &c.example),
    ] {
        if let Some(v) = v {
            parts.push(line(name, v));
        }
    }
    parts.push(format!("Id: {}", c.id));
    parts.extend(label_line(c.label.as_deref(), &c.id));
    if let Some(o) = c.origin {
        parts.push(format!("Origin: {}", origin_name(o)));
    }
    parts.extend(json_list("Formerly", &c.formerly));
    if let Some(m) = &c.rules {
        for (name, items) in [
            ("Match any", &m.any),
            ("Match all", &m.all),
            ("Match none", &m.none),
            ("Match regex", &m.regex),
        ] {
            parts.extend(json_list(name, items));
        }
    }
    parts.join("\n")
}

fn origin_name(o: Origin) -> &'static str {
    match o {
        Origin::APriori => "a-priori",
        Origin::Emergent => "emergent",
    }
}

fn theme_description(t: &ThemeDef) -> String {
    let mut parts = Vec::new();
    if let Some(d) = &t.description {
        parts.push(if plain(d) {
            d.clone()
        } else {
            line("Description", d)
        });
    }
    parts.push(format!("Id: {}", t.id));
    parts.extend(label_line(t.label.as_deref(), &t.id));
    parts.join("\n")
}

/// A `Label:` line for a label equal to the id, which the name alone
/// cannot tell from no label (an unlabelled code's name is its id).
fn label_line(label: Option<&str>, id: &str) -> Option<String> {
    (label == Some(id)).then(|| format!("Label: {id}"))
}

/// The codebook as a REFI-QDA `.qdc` document.
pub fn export(cb: &Codebook) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"thematic {}\">\n",
        env!("CARGO_PKG_VERSION")
    ));
    out.push_str(&codes_element(cb));
    out.push_str("</CodeBook>\n");
    out
}

/// The `<Codes>` element of a codebook, as both the `.qdc` and the
/// `.qdpx` project's `CodeBook` hold it.
pub(crate) fn codes_element(cb: &Codebook) -> String {
    let mut out = String::from("  <Codes>\n");
    fn code(out: &mut String, c: &CodeDef, parent: &str, depth: usize) {
        let path = format!("{parent}/{}", c.id);
        let pad = "  ".repeat(depth);
        let name = c.label.clone().unwrap_or_else(|| c.id.clone());
        let desc = description(c);
        out.push_str(&format!(
            "{pad}<Code guid=\"{}\" name=\"{}\" isCodable=\"true\">\n",
            guid(&path),
            escape(&name)
        ));
        out.push_str(&format!(
            "{pad}  <Description>{}</Description>\n",
            escape(&desc)
        ));
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
        out.push_str(&format!(
            "      <Description>{}</Description>\n",
            escape(&theme_description(t))
        ));
        for c in &t.codes {
            code(&mut out, c, &t.id, 3);
        }
        out.push_str("    </Code>\n");
    }
    out.push_str("  </Codes>\n");
    out
}

#[derive(Debug, Default)]
struct Node {
    guid: String,
    name: String,
    codable: bool,
    description: String,
    children: Vec<Node>,
}

/// Reads a `.qdc` file into a codebook document; warnings go to the caller.
pub fn import(xml: &str, shown: &str) -> Result<(CodebookDoc, Vec<String>)> {
    import_with_guids(xml, shown).map(|(doc, warnings, _)| (doc, warnings))
}

/// GUID → path of each theme and code read by [`import_with_guids`].
pub type GuidPaths = std::collections::BTreeMap<String, String>;

/// As [`import`], and the path each `Code` GUID became.
pub fn import_with_guids(xml: &str, shown: &str) -> Result<(CodebookDoc, Vec<String>, GuidPaths)> {
    let mut guids = GuidPaths::new();
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
    // Ids given so far: among the themes, and among each theme's codes.
    let mut theme_ids = Ids::default();
    let mut code_ids: Vec<Ids> = Vec::new();
    for r in roots {
        if r.codable && r.children.is_empty() {
            let t = match current {
                Some(t) => t,
                None => {
                    let id = theme_ids.unique("uncategorised".into());
                    doc.themes.push(ThemeDef {
                        id,
                        label: Some("Uncategorised".into()),
                        ..Default::default()
                    });
                    doc.themes.len() - 1
                }
            };
            current = Some(t);
            if code_ids.len() <= t {
                code_ids.resize_with(t + 1, Ids::default);
            }
            let parent = doc.themes[t].id.clone();
            let c = to_code(
                &r,
                &parent,
                &mut code_ids[t],
                shown,
                &mut warnings,
                &mut guids,
            )?;
            doc.themes[t].codes.push(c);
            continue;
        }
        if r.codable {
            warnings.push(format!("`{}` was codable and has sub-codes; it becomes a theme (themes are not coded themselves)", r.name));
        }
        let (id_line, labelled, description) = read_theme_description(&r.description);
        let (id, label) = pick_id(id_line, labelled, &r.name, &mut theme_ids, &mut warnings);
        guids.insert(r.guid.clone(), id.clone());
        let mut theme = ThemeDef {
            id,
            label,
            description,
            codes: Vec::new(),
        };
        let mut ids = Ids::default();
        for ch in &r.children {
            let parent = theme.id.clone();
            theme.codes.push(to_code(
                ch,
                &parent,
                &mut ids,
                shown,
                &mut warnings,
                &mut guids,
            )?);
        }
        doc.themes.push(theme);
        code_ids.resize_with(doc.themes.len() - 1, Ids::default);
        code_ids.push(ids);
        current = Some(doc.themes.len() - 1);
    }
    Ok((doc, warnings, guids))
}

/// The id of a code or theme: its `Id:` line when that is a valid id not
/// taken by a sibling (else a warning), otherwise one made from its name;
/// and its label: the name, unless the name is just the `Id:` (an
/// unlabelled code exports its id as its name) and no `Label:` line says
/// it is a label.
fn pick_id(
    id_line: Option<String>,
    label_line: bool,
    name: &str,
    ids: &mut Ids,
    warnings: &mut Vec<String>,
) -> (String, Option<String>) {
    if let Some(id) = id_line {
        let valid = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if valid && ids.taken.insert(id.clone()) {
            let label = (label_line || name != id).then(|| name.to_string());
            return (id, label);
        }
        warnings.push(format!(
            "`{name}`: `Id: {id}` is {}; the id is made from the name instead",
            if valid {
                "taken by a sibling"
            } else {
                "not an id ([a-z0-9_]+)"
            }
        ));
    }
    let id = ids.unique(ident(name));
    (id, Some(name.to_string()))
}

/// A theme's `Id:` line, whether it has a `Label:` line, and the rest of its description (a `Description:`
/// line gives it exactly; otherwise the other lines, joined by line breaks).
fn read_theme_description(desc: &str) -> (Option<String>, bool, Option<String>) {
    let mut id = None;
    let mut labelled = false;
    let mut exact = None;
    let mut rest = Vec::new();
    for line in desc.lines() {
        let l = line.trim();
        if let Some(v) = l.strip_prefix("Id: ") {
            id = Some(v.trim().to_string());
        } else if l.starts_with("Label: ") {
            labelled = true;
        } else if let Some(v) = l.strip_prefix("Description: ") {
            exact = Some(text_value(v));
        } else {
            rest.push(l);
        }
    }
    let rest = rest.join("\n").trim().to_string();
    (id, labelled, exact.or((!rest.is_empty()).then_some(rest)))
}

/// The value of a `Name: value` line: a JSON string decoded, else as written.
fn text_value(v: &str) -> String {
    if v.starts_with('"') {
        if let Ok(s) = serde_json::from_str::<String>(v) {
            return s;
        }
    }
    v.to_string()
}

/// Which text field continuation lines belong to.
#[derive(Clone, Copy)]
enum Field {
    Definition,
    Include,
    Exclude,
    Example,
}

fn to_code(
    n: &Node,
    parent: &str,
    ids: &mut Ids,
    shown: &str,
    warnings: &mut Vec<String>,
    guids: &mut GuidPaths,
) -> Result<CodeDef> {
    let Described {
        mut code,
        id_line,
        labelled,
    } = described(n, shown, warnings)?;
    (code.id, code.label) = pick_id(id_line, labelled, &n.name, ids, warnings);
    let path = format!("{parent}/{}", code.id);
    guids.insert(n.guid.clone(), path.clone());
    let mut child_ids = Ids::default();
    for ch in &n.children {
        code.codes
            .push(to_code(ch, &path, &mut child_ids, shown, warnings, guids)?);
    }
    Ok(code)
}

/// What a code's description says, as thematic exports it (`Definition:`,
/// `Include:`, `Match any: […]`, `Id:` lines…; other lines are the
/// definition).
struct Described {
    /// The code without its id, label and children.
    code: CodeDef,
    /// The id the `Id:` line gives.
    id_line: Option<String>,
    /// Whether a `Label:` line says the name is a label, not an id.
    labelled: bool,
}

fn described(n: &Node, shown: &str, warnings: &mut Vec<String>) -> Result<Described> {
    let mut c = CodeDef::default();
    let mut id_line = None;
    let mut labelled = false;
    let mut definition: Vec<String> = Vec::new();
    let mut current: Option<Field> = None;
    let mut rules = MatchDef::default();
    let bad = |what: &str, why: String| {
        Error::at(
            Location::file(shown),
            format!(
                "code `{}`: the `{what}:` line of its description {why}",
                n.name
            ),
        )
        .with_hint(format!(
            "write it as thematic exports it, a JSON list of text: {what}: [\"…\", \"…\"]"
        ))
    };
    for line in n.description.lines() {
        let l = line.trim();
        let text_field = [
            ("Definition: ", Field::Definition),
            ("Include: ", Field::Include),
            ("Exclude: ", Field::Exclude),
            ("Example: ", Field::Example),
        ]
        .into_iter()
        .find_map(|(p, f)| l.strip_prefix(p).map(|v| (f, v)));
        if let Some((f, v)) = text_field {
            let v = text_value(v);
            match f {
                Field::Definition => definition.push(v),
                Field::Include => c.include = Some(v),
                Field::Exclude => c.exclude = Some(v),
                Field::Example => c.example = Some(v),
            }
            current = Some(f);
            continue;
        }
        let list = [
            "Formerly",
            "Match any",
            "Match all",
            "Match none",
            "Match regex",
        ]
        .into_iter()
        .find_map(|p| l.strip_prefix(p)?.strip_prefix(": ").map(|v| (p, v)));
        if let Some((what, v)) = list {
            let items: Vec<String> = serde_json::from_str(v)
                .map_err(|e| bad(what, format!("is not a JSON list of text ({e})")))?;
            match what {
                "Formerly" => c.formerly = items,
                "Match any" => rules.any = items,
                "Match all" => rules.all = items,
                "Match none" => rules.none = items,
                _ => rules.regex = items,
            }
            current = None;
            continue;
        }
        if let Some(v) = l.strip_prefix("Id: ") {
            id_line = Some(v.trim().to_string());
            current = None;
        } else if l.starts_with("Label: ") {
            labelled = true;
            current = None;
        } else if let Some(v) = l.strip_prefix("Origin: ") {
            c.origin = match v.trim() {
                "a-priori" => Some(Origin::APriori),
                "emergent" => Some(Origin::Emergent),
                other => {
                    warnings.push(format!(
                        "`{}`: `Origin: {other}` is neither a-priori nor emergent; left out",
                        n.name
                    ));
                    None
                }
            };
            current = None;
        } else if !l.is_empty() {
            // A line of its own continues the field above it (text wrapped
            // by another tool), or is the definition.
            let field = match current {
                Some(Field::Include) => c.include.as_mut(),
                Some(Field::Exclude) => c.exclude.as_mut(),
                Some(Field::Example) => c.example.as_mut(),
                Some(Field::Definition) | None => None,
            };
            match field {
                Some(f) => {
                    f.push(' ');
                    f.push_str(l);
                }
                None => definition.push(l.to_string()),
            }
        }
    }
    if !definition.is_empty() {
        c.definition = Some(definition.join(" "));
    }
    if rules != MatchDef::default() {
        c.rules = Some(rules);
    }
    Ok(Described {
        code: c,
        id_line,
        labelled,
    })
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

/// The ids given among siblings: each new one unique in constant time (a
/// counter per name), not by scanning every sibling for every suffix.
#[derive(Default)]
struct Ids {
    taken: HashSet<String>,
    next: HashMap<String, usize>,
}

impl Ids {
    /// `id`, or the first of `id_2`, `id_3`, … no sibling has.
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
    let attrs = |e: &quick_xml::events::BytesStart| -> (String, String, bool) {
        let mut guid = String::new();
        let mut name = String::new();
        let mut codable = true;
        for a in e.attributes().flatten() {
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default();
            match a.key.local_name().as_ref() {
                "name" => name = value,
                "guid" => guid = value,
                "isCodable" => codable = value != "false",
                _ => {}
            }
        }
        (guid, name, codable)
    };
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| (reader.error_position(), e.to_string()))?;
        if let Some(why) = crate::xml::refused(&ev) {
            return Err((reader.buffer_position(), why));
        }
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
                    let (guid, name, codable) = attrs(&e);
                    stack.push(Node {
                        guid,
                        name,
                        codable,
                        ..Default::default()
                    });
                }
                "Description" => in_desc = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "Code" && in_codes => {
                let (guid, name, codable) = attrs(&e);
                let n = Node {
                    guid,
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

    /// export → import → YAML → codebook, as the commands do.
    fn round_trip(cb: &Codebook) -> Codebook {
        let (doc, warnings) = import(&export(cb), "x.qdc").unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let yaml = serde_yaml::to_string(&doc).unwrap();
        Codebook::parse(&yaml, "x.qdc", String::new()).unwrap()
    }

    #[test]
    fn round_trip_keeps_ids_rules_origin_and_formerly() {
        for text in [
            include_str!("../../codebooks/family-reintegration.yaml"),
            include_str!("../../codebooks/impunity-justice.yaml"),
            include_str!("../../codebooks/framework-template.yaml"),
            include_str!("../../examples/peru-family-study/codebooks/main.yaml"),
            include_str!("../../tests/fixtures/basic/codebooks/main.yaml"),
        ] {
            let cb = Codebook::parse(text, "cb.yaml", String::new()).unwrap();
            let back = round_trip(&cb);
            assert_eq!(crate::codebook::diff::diff(&cb, &back), vec![]);
            assert_eq!(back.doc.themes, cb.doc.themes);
        }
    }

    #[test]
    fn values_one_line_cannot_carry_survive_as_json() {
        let text = r#"codebook: Bordes
themes:
  - id: t1
    description: |
      Dos líneas,
        la segunda sangrada.
    codes:
      - id: deuda
        label: deuda
        definition: "  espacios al borde  "
        include: |
          Deuda con el reclutador
          o con la "agencia".
        exclude: '"Entre comillas"'
        example: 'Dijo: "Id: no es un id"'
        origin: emergent
        formerly: [debt, owed_money]
        match:
          any: ['deud*', 'debía, a él']
          none: [no]
          regex: ['\bS/\s?\d{2,}', '"x"']
      - id: sin_etiqueta
"#;
        let cb = Codebook::parse(text, "cb.yaml", String::new()).unwrap();
        let back = round_trip(&cb);
        assert_eq!(back.doc.themes, cb.doc.themes);
    }

    #[test]
    fn broken_rule_lines_are_errors_and_bad_ids_warnings() {
        let xml = |desc: &str| {
            format!(
                r#"<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="1" name="T" isCodable="false"><Code guid="2" name="Deuda" isCodable="true"><Description>{desc}</Description></Code></Code></Codes></CodeBook>"#
            )
        };
        let e = import(&xml("Match any: deuda, debt"), "p.qdc").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.report().contains("p.qdc") && e.report().contains("code `Deuda`"),
            "{}",
            e.report()
        );
        let (doc, warnings) = import(&xml("Id: Deuda Grande\nOrigin: later"), "p.qdc").unwrap();
        assert_eq!(doc.themes[0].codes[0].id, "deuda");
        assert_eq!(doc.themes[0].codes[0].label.as_deref(), Some("Deuda"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
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
