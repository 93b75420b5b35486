//! The YAML codebook (docs/format.md §4): its types, loading with locations,
//! validation, and resolving the names users give codes (current paths or
//! suffixes, and earlier ids by `formerly`). `serde_yaml` is used only
//! here, so it can be swapped in one place. The compiled matcher lives in
//! [`matcher`].

pub mod closure;
pub mod diff;
pub mod format;
pub mod impact;
pub mod lint;
pub mod matcher;
pub mod qdc;
pub(crate) mod source;

use std::path::Path;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize};
use std::sync::LazyLock;

use crate::error::{self, suggest, Error, Location, Result};
use crate::text;

// The types below do not deny unknown fields themselves: `Codebook::parse`
// finds every unknown key in one pass (from the fields serde declares for
// each type) and reports them all, with the other errors of the file.

/// A codebook file as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CodebookDoc {
    /// The codebook's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codebook: Option<String>,
    /// Its version (quoted or not), as written: `1.10` stays `1.10`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The themes, in order.
    #[serde(default)]
    pub themes: Vec<ThemeDef>,
}

/// A theme: a group of codes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThemeDef {
    /// `[a-z0-9_]+`, unique among themes.
    pub id: String,
    /// Human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What the theme covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its codes.
    #[serde(default)]
    pub codes: Vec<CodeDef>,
}

/// Where a code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// Decided before coding.
    #[serde(rename = "a-priori")]
    APriori,
    /// Emerged from the data.
    #[serde(rename = "emergent")]
    Emergent,
}

/// A code (or sub-code).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CodeDef {
    /// `[a-z0-9_]+`, unique among siblings.
    pub id: String,
    /// Human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What the code means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// When to apply it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<String>,
    /// When not to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<String>,
    /// An example excerpt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// a-priori or emergent.
    #[serde(
        default,
        deserialize_with = "origin_or_reported",
        skip_serializing_if = "Option::is_none"
    )]
    pub origin: Option<Origin>,
    /// Earlier ids of this code.
    #[serde(
        default,
        deserialize_with = "list_or_reported",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub formerly: Vec<String>,
    /// Auto-coding rules.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub rules: Option<MatchDef>,
    /// Sub-codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<CodeDef>,
}

/// Indexes of row `i` and its descendants among `len` rows listed
/// depth-first (codebook order), given each row's depth.
pub fn subtree(len: usize, depth: impl Fn(usize) -> usize, i: usize) -> std::ops::Range<usize> {
    let end = (i + 1..len).find(|&j| depth(j) <= depth(i)).unwrap_or(len);
    i..end
}

impl CodeDef {
    /// The code's text fields with their names, in the order people read
    /// them: definition, include, exclude, example.
    pub fn text_fields(&self) -> [(&'static str, &Option<String>); 4] {
        [
            ("Definition", &self.definition),
            ("Include", &self.include),
            ("Exclude", &self.exclude),
            ("Example", &self.example),
        ]
    }

    /// The rules, when they can code anything (an `any` term or a regex);
    /// otherwise the code is coded by hand only.
    pub fn auto_rules(&self) -> Option<&MatchDef> {
        self.rules
            .as_ref()
            .filter(|r| !r.any.is_empty() || !r.regex.is_empty())
    }
}

/// Auto-coding rules of a code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchDef {
    /// Terms of which one must match (or a regex).
    #[serde(default, deserialize_with = "list_or_reported")]
    pub any: Vec<String>,
    /// Terms that must all match.
    #[serde(default, deserialize_with = "list_or_reported")]
    pub all: Vec<String>,
    /// Terms none of which may match.
    #[serde(default, deserialize_with = "list_or_reported")]
    pub none: Vec<String>,
    /// Regexes (Rust syntax, case-insensitive, on the original text).
    #[serde(default, deserialize_with = "list_or_reported")]
    pub regex: Vec<String>,
}

// `Codebook::parse` checks the values of `origin` and of the lists itself
// (and reports each mistake with its place), so the two readers below read
// any other value as absent instead of stopping at the first one: one such
// mistake does not hide the other errors of the file. A list reads its
// items exactly as `Vec<String>` would.

/// Reads a list of text; any other value reads as empty (see above).
fn list_or_reported<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
    struct Lenient;
    impl<'de> Visitor<'de> for Lenient {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of text")
        }
        fn visit_seq<A: SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<String>()? {
                out.push(item);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
        fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_str<E>(self, _: &str) -> std::result::Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_bool<E>(self, _: bool) -> std::result::Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_i64<E>(self, _: i64) -> std::result::Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_u64<E>(self, _: u64) -> std::result::Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_i128<E>(self, _: i128) -> std::result::Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_u128<E>(self, _: u128) -> std::result::Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_f64<E>(self, _: f64) -> std::result::Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(Lenient)
}

/// Reads `a-priori` or `emergent`; any other value reads as absent (see above).
fn origin_or_reported<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Origin>, D::Error> {
    let value = serde_yaml::Value::deserialize(d)?;
    Ok(value.as_str().and_then(Origin::from_name))
}

impl Origin {
    /// The origin a codebook names, if it is one.
    fn from_name(name: &str) -> Option<Origin> {
        match name {
            "a-priori" => Some(Origin::APriori),
            "emergent" => Some(Origin::Emergent),
            _ => None,
        }
    }
}

/// A theme or code, flattened in codebook (pre-)order: the rows of every
/// table. The index of a node is its dense row id.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// `theme` or `theme/code[/sub…]`.
    pub path: String,
    /// The last id of the path.
    pub id: String,
    /// Label (the id when none is given).
    pub label: String,
    /// Parent node, None for a theme.
    pub parent: Option<usize>,
    /// 0 for a theme, 1 for its codes, …
    pub depth: usize,
    /// 1-based line of the node's `id:` in the codebook (0 if unknown).
    pub line: usize,
}

/// A loaded, validated codebook.
#[derive(Debug, Clone)]
pub struct Codebook {
    /// The document as written.
    pub doc: CodebookDoc,
    /// Themes and codes in codebook order.
    pub nodes: Vec<Node>,
    /// The file as shown in messages.
    pub shown: String,
    /// blake3 of the file's bytes.
    pub hash: String,
}

static ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z0-9_]+$").expect("valid regex"));
static ID_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(\s*(?:-\s+)?)id:\s*['"]?(.*?)['"]?\s*(?:\s#.*)?$"#).expect("valid regex")
});

impl Codebook {
    /// Reads and validates a codebook file.
    pub fn load(path: &Path, shown: &str) -> Result<Codebook> {
        if !path.exists() {
            return Err(
                Error::at(Location::file(shown), "the codebook does not exist").with_hint(
                    "create it (`thematic init` writes a starter) or set `codebook:` in thematic.yaml",
                ),
            );
        }
        let bytes = crate::input::read_user_file(path, shown, crate::input::YAML)?;
        let text = crate::text::decode::decode(&bytes, shown)?.text;
        Self::parse(&text, shown, blake3::hash(&bytes).to_hex().to_string())
    }

    /// Parses and validates codebook text. Every error of the file is
    /// reported at once (each with its place), except a YAML syntax or type
    /// error, which stops the reading of the file.
    pub fn parse(text: &str, shown: &str, hash: String) -> Result<Codebook> {
        let mut errors: Vec<Error> = Vec::new();
        let doc = if text.trim().is_empty() {
            CodebookDoc::default()
        } else {
            crate::input::check_yaml(text, shown)?;
            let value: serde_yaml::Value = serde_yaml::from_str(text)
                .map_err(|e| crate::study::yaml_error_in(shown, text, &e))?;
            if value.is_null() {
                // Only comments.
                CodebookDoc::default()
            } else {
                unknown_keys(&value, &source::SourceMap::new(text), shown, &mut errors);
                match serde_yaml::from_str(text) {
                    Ok(doc) => doc,
                    Err(e) => {
                        let mut err = crate::study::yaml_error_in(shown, text, &e);
                        if err.report().contains("this file must be a mapping") {
                            err = err.with_hint(
                                "a codebook is a mapping: `codebook: NAME`, then `themes:` with a list of themes (`thematic init` writes a starter)",
                            );
                        }
                        errors.push(err);
                        return Err(several(errors, shown));
                    }
                }
            }
        };
        let mut doc = doc;
        for theme in &mut doc.themes {
            drop_empty_rules(&mut theme.codes);
        }
        let lines: Vec<&str> = text.lines().collect();
        let id_lines: Vec<(usize, usize, String)> = lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                ID_LINE
                    .captures(l)
                    .map(|c| (i + 1, c[1].chars().count() + 5, c[2].to_string()))
            })
            .collect();
        let mut cb = Codebook {
            doc,
            nodes: Vec::new(),
            shown: shown.to_string(),
            hash,
        };
        let mut ctx = Ctx {
            lines: &lines,
            id_lines: &id_lines,
            next: 0,
            shown,
            errors: &mut errors,
        };
        let mut nodes = Vec::new();
        check_siblings(
            cb.doc.themes.iter().map(|t| t.id.as_str()),
            &mut ctx,
            "the themes",
        );
        for theme in &cb.doc.themes {
            let (line, col) = ctx.locate(&theme.id);
            ctx.check_id(&theme.id, line, col, "");
            let idx = nodes.len();
            nodes.push(Node {
                path: theme.id.clone(),
                id: theme.id.clone(),
                label: theme.label.clone().unwrap_or_else(|| theme.id.clone()),
                parent: None,
                depth: 0,
                line,
            });
            add_codes(&theme.codes, idx, &theme.id, 1, &mut nodes, &mut ctx);
        }
        cb.nodes = nodes;
        for (node, code) in cb.code_defs().into_iter().enumerate() {
            if let Some(code) = code {
                validate_rules(code, &cb.nodes[node], &lines, shown, &mut errors);
            }
        }
        if !errors.is_empty() {
            return Err(several(errors, shown));
        }
        Ok(cb)
    }

    /// Calls `f` with each code's node index and definition, in order; stops
    /// at the first `Some`.
    pub fn for_each_code<T>(
        &self,
        mut f: impl FnMut(usize, &CodeDef) -> Result<T>,
    ) -> Option<Result<T>> {
        fn walk<T>(
            codes: &[CodeDef],
            next: &mut usize,
            f: &mut impl FnMut(usize, &CodeDef) -> Result<T>,
        ) -> Option<Result<T>> {
            for c in codes {
                let here = *next;
                *next += 1;
                if let Err(e) = f(here, c) {
                    return Some(Err(e));
                }
                if let Some(r) = walk(&c.codes, next, f) {
                    return Some(r);
                }
            }
            None
        }
        let mut next = 0;
        for t in &self.doc.themes {
            next += 1;
            if let Some(r) = walk(&t.codes, &mut next, &mut f) {
                return Some(r);
            }
        }
        None
    }

    /// The code definitions by node index (None for themes).
    pub fn code_defs(&self) -> Vec<Option<&CodeDef>> {
        fn walk<'a>(codes: &'a [CodeDef], out: &mut Vec<Option<&'a CodeDef>>) {
            for c in codes {
                out.push(Some(c));
                walk(&c.codes, out);
            }
        }
        let mut out = Vec::new();
        for t in &self.doc.themes {
            out.push(None);
            walk(&t.codes, &mut out);
        }
        out
    }

    /// Node indexes by path.
    pub fn by_path(&self) -> std::collections::BTreeMap<&str, usize> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.path.as_str(), i))
            .collect()
    }

    /// Node indexes of `i` and all its descendants.
    pub fn subtree(&self, i: usize) -> std::ops::Range<usize> {
        subtree(self.nodes.len(), |j| self.nodes[j].depth, i)
    }

    /// Resolves a code or theme name: a full path or a unique suffix of one.
    pub fn resolve(&self, name: &str) -> Result<usize> {
        let name = name.trim().trim_matches('/');
        let hits = self.current_hits(name);
        match hits.len() {
            1 => Ok(hits[0]),
            0 => Err(self.unknown(name)),
            _ => Err(self.ambiguous(name, &hits)),
        }
    }

    /// Resolves a name a coding sheet gives a code, which may be one the
    /// codebook has since renamed: first as [`Codebook::resolve`] does (a
    /// current path or a unique suffix of one), otherwise as an earlier name
    /// by the codes' `formerly` lists. An earlier name's last segment is in
    /// a code's `formerly`; its leading segments, if any, are (a suffix of)
    /// the code's parent's path, current or earlier, or else the full path of
    /// any theme or code (the code moved from there: where it was before a
    /// move is not in the codebook). A fit through the parent wins over a
    /// fit that assumes a move; two codes that fit equally well are an error.
    /// `Ok(None)` means no code has or had the name ([`Codebook::unknown`]
    /// says so).
    pub fn resolve_former(&self, name: &str) -> Result<Option<Named>> {
        let name = name.trim().trim_matches('/');
        let hits = self.current_hits(name);
        match hits.len() {
            0 => {}
            1 => return Ok(Some(Named::Now(hits[0]))),
            _ => return Err(self.ambiguous(name, &hits)),
        }
        let defs = self.code_defs();
        let names: Vec<NameNode<'_>> = self
            .nodes
            .iter()
            .zip(&defs)
            .map(|(n, d)| NameNode {
                path: &n.path,
                parent: n.parent,
                formerly: d.map_or(&[][..], |d| &d.formerly[..]),
            })
            .collect();
        let claims = earlier(&names, name);
        if let [one] = claims[..] {
            return Ok(Some(Named::Formerly(one)));
        }
        if claims.is_empty() {
            return Ok(None);
        }
        Err(Error::input(format!(
            "`{name}` is an earlier name of several codes in {}: {}",
            self.shown,
            listed(claims.iter().map(|&i| self.nodes[i].path.as_str()))
        ))
        .with_hint(several_earlier_hint(name)))
    }

    /// The error for a name no theme or code has, with the closest names.
    pub fn unknown(&self, name: &str) -> Error {
        let name = name.trim().trim_matches('/');
        let e = Error::input(format!(
            "unknown code or theme `{}` in {}",
            crate::input::quote_line(name, 120),
            self.shown
        ));
        // A path whose last id is one code's elsewhere: the code moved
        // (the closest spelling would be its old parent, a theme).
        if let Some((_, last)) = name.rsplit_once('/') {
            let moved: Vec<&Node> = self.nodes.iter().filter(|n| n.id == last).collect();
            if let [code] = moved.as_slice() {
                return e.with_hint(format!(
                    "`{last}` is `{}` now: if it moved there, write `{}`, or list `{last}` in its `formerly` so that its old path still reaches it",
                    code.path, code.path
                ));
            }
        }
        e.with_hint(suggest(
            name,
            self.nodes
                .iter()
                .map(|n| n.path.as_str())
                .chain(self.nodes.iter().map(|n| n.id.as_str())),
        ))
    }

    /// Nodes a name denotes now: the one at that exact path, else those
    /// whose path ends with `/name`.
    fn current_hits(&self, name: &str) -> Vec<usize> {
        if let Some(i) = self.nodes.iter().position(|n| n.path == name) {
            return vec![i];
        }
        let suffix = format!("/{name}");
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].path.ends_with(&suffix))
            .collect()
    }

    fn ambiguous(&self, name: &str, hits: &[usize]) -> Error {
        Error::input(format!("`{name}` is ambiguous in {}", self.shown)).with_hint(format!(
            "give more of the path: {}",
            hits.iter()
                .map(|&i| self.nodes[i].path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// A name for a code, resolved: by what the codebook calls it now, or by an
/// earlier id in its `formerly`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// The node's current path or a unique suffix of it.
    Now(usize),
    /// An earlier name of the code (node index), by its `formerly`.
    Formerly(usize),
}

impl Named {
    /// The node index.
    pub fn node(self) -> usize {
        match self {
            Named::Now(i) | Named::Formerly(i) => i,
        }
    }
}

/// How an earlier name fits a code, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    /// Through the code's parent (its path, current or earlier).
    Parent,
    /// Assuming the code moved from another theme or code.
    Moved,
}

/// A theme or code as an earlier name is looked up in [`earlier`]: its
/// path, its parent and the ids it had before (`formerly`; none for a
/// theme). The codebook's nodes and the index's rows both give these.
#[derive(Debug, Clone, Copy)]
pub struct NameNode<'a> {
    /// `theme` or `theme/code[/sub…]`.
    pub path: &'a str,
    /// Parent node, None for a theme.
    pub parent: Option<usize>,
    /// Earlier ids of the code.
    pub formerly: &'a [String],
}

/// The codes (node indexes) that `name` names as an earlier name, by the
/// codes' `formerly` lists: its last segment is in a code's `formerly`; its
/// leading segments, if any, are (a suffix of) the code's parent's path,
/// current or earlier, or else the full path of any theme or code (the
/// code moved from there: where it was before a move is not in the
/// codebook). Only the codes that fit best are returned: a fit through
/// the parent wins over a fit that assumes a move. Empty when none fits;
/// more than one is an ambiguity the caller reports. Current names are
/// not looked at (a caller tries them first).
pub fn earlier(nodes: &[NameNode<'_>], name: &str) -> Vec<usize> {
    let name = name.trim().trim_matches('/');
    let segs: Vec<&str> = name.split('/').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Vec::new();
    }
    let paths: std::collections::HashSet<&str> = nodes.iter().map(|n| n.path).collect();
    let fits: Vec<(Fit, usize)> = (0..nodes.len())
        .filter_map(|i| fit(nodes, i, &segs, &paths).map(|f| (f, i)))
        .collect();
    let Some(best) = fits.iter().map(|(f, _)| *f).min() else {
        return Vec::new();
    };
    fits.iter()
        .filter(|(f, _)| *f == best)
        .map(|(_, i)| *i)
        .collect()
}

/// The hint for an earlier name that several codes had.
pub fn several_earlier_hint(name: &str) -> String {
    let name = name.trim().trim_matches('/');
    let old_id = name.rsplit('/').next().unwrap_or(name);
    format!(
        "write the current path of the code meant instead, or keep `{old_id}` in the `formerly` of one code only"
    )
}

/// Paths in backquotes, joined by `, `.
pub fn listed<'a>(paths: impl Iterator<Item = &'a str>) -> String {
    paths
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How well node `i`, under its current or earlier ids and those of its
/// ancestors, ends with the path segments `segs` (None: it does not).
fn fit(
    nodes: &[NameNode<'_>],
    i: usize,
    segs: &[&str],
    paths: &std::collections::HashSet<&str>,
) -> Option<Fit> {
    let (last, lead) = segs.split_last()?;
    let node = &nodes[i];
    let id = node.path.rsplit('/').next().unwrap_or(node.path);
    let former = node.formerly.iter().any(|f| f == last);
    if id != *last && !former {
        return None;
    }
    if lead.is_empty() {
        return Some(Fit::Parent);
    }
    let via_parent = node.parent.and_then(|p| fit(nodes, p, lead, paths));
    let moved = (former && paths.contains(lead.join("/").as_str())).then_some(Fit::Moved);
    via_parent.into_iter().chain(moved).min()
}

/// A `match:` without a single term or regex is no rule at all: it is read
/// as absent, so that writing it or leaving it out means the same codebook
/// everywhere (`show`, `diff`, and `fmt`, which drops it).
fn drop_empty_rules(codes: &mut [CodeDef]) {
    for c in codes {
        if c.rules.as_ref().is_some_and(|m| *m == MatchDef::default()) {
            c.rules = None;
        }
        drop_empty_rules(&mut c.codes);
    }
}

/// All of a file's errors as one, in file order.
fn several(mut errors: Vec<Error>, shown: &str) -> Error {
    errors.sort_by_key(|e| {
        let l = e.location();
        (
            l.and_then(|l| l.line).unwrap_or(usize::MAX),
            l.and_then(|l| l.col).unwrap_or(0),
        )
    });
    Error::several(errors, shown)
}

/// Reports every key that the codebook's types do not know, located with
/// the text's source map, with the closest known key as a hint.
fn unknown_keys(
    value: &serde_yaml::Value,
    map: &source::SourceMap,
    shown: &str,
    errors: &mut Vec<Error>,
) {
    let keys = KeyCheck { map, shown, errors };
    keys.document(value);
}

/// The walk of [`unknown_keys`] over the parsed document.
struct KeyCheck<'a> {
    map: &'a source::SourceMap<'a>,
    shown: &'a str,
    errors: &'a mut Vec<Error>,
}

impl KeyCheck<'_> {
    fn document(mut self, value: &serde_yaml::Value) {
        use serde_yaml::Value;
        self.mapping(
            value,
            fields_of::<CodebookDoc>(),
            None,
            "at the top of the codebook",
        );
        if let Some(Value::Sequence(themes)) = value.get("themes") {
            for (n, t) in themes.iter().enumerate() {
                let item = self.map.child(None, "themes", n);
                let id = Self::id_of(t);
                self.mapping(
                    t,
                    fields_of::<ThemeDef>(),
                    item,
                    &format!("in theme `{id}`"),
                );
                self.codes(t.get("codes"), item, &id);
            }
        }
    }

    fn codes(
        &mut self,
        list: Option<&serde_yaml::Value>,
        parent: Option<usize>,
        parent_path: &str,
    ) {
        let Some(serde_yaml::Value::Sequence(list)) = list else {
            return;
        };
        for (n, c) in list.iter().enumerate() {
            let item = parent.and_then(|p| self.map.child(Some(p), "codes", n));
            let path = format!("{parent_path}/{}", Self::id_of(c));
            let what = format!("in code `{path}`");
            self.mapping(c, fields_of::<CodeDef>(), item, &what);
            self.list(c.get("formerly"), "formerly", item, &what);
            self.origin(c.get("origin"), item, &what);
            if let Some(m) = c.get("match") {
                let what = format!("in `match` of code `{path}`");
                self.mapping(m, fields_of::<MatchDef>(), item, &what);
                for key in ["any", "all", "none", "regex"] {
                    self.list(m.get(key), key, item, &what);
                }
            }
            self.codes(c.get("codes"), item, &path);
        }
    }

    /// The place of `key` in an item, for an error about it.
    fn place(&self, item: Option<usize>, key: &str) -> Location {
        match self
            .map
            .key(item, key)
            .or_else(|| item.map(|b| self.map.item_start(b)))
        {
            Some((l, c)) => Location::at(self.shown, l, c),
            None => Location::file(self.shown),
        }
    }

    /// A list's value must be a list (or nothing).
    fn list(&mut self, v: Option<&serde_yaml::Value>, key: &str, item: Option<usize>, what: &str) {
        use serde_yaml::Value;
        let Some(v) = v else { return };
        if matches!(v, Value::Sequence(_) | Value::Null) {
            return;
        }
        let written = match v {
            Value::Mapping(_) => "a mapping".to_string(),
            other => format!(
                "`{}`",
                serde_yaml::to_string(other).unwrap_or_default().trim()
            ),
        };
        let example = match v {
            Value::String(s) => s.clone(),
            _ => "…".to_string(),
        };
        self.errors.push(
            Error::at(
                self.place(item, key),
                format!("`{key}` {what} must be a list, not {written}"),
            )
            .with_hint(format!(
                "write `{key}: [{example}]`: a list in brackets, even for one item"
            )),
        );
    }

    /// `origin` is `a-priori` or `emergent` (or nothing).
    fn origin(&mut self, v: Option<&serde_yaml::Value>, item: Option<usize>, what: &str) {
        let Some(v) = v else { return };
        if v.is_null() || v.as_str().and_then(Origin::from_name).is_some() {
            return;
        }
        let written = serde_yaml::to_string(v).unwrap_or_default();
        self.errors.push(
            Error::at(
                self.place(item, "origin"),
                format!("unknown origin `{}` {what}", written.trim()),
            )
            .with_hint("write `origin: a-priori` (decided before coding) or `origin: emergent` (from the data)"),
        );
    }

    fn id_of(v: &serde_yaml::Value) -> String {
        use serde_yaml::Value;
        match v.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => "?".to_string(),
        }
    }

    /// The unknown keys of one mapping (`item`: its `- ` item in the text).
    fn mapping(&mut self, v: &serde_yaml::Value, fields: &[&str], item: Option<usize>, what: &str) {
        let serde_yaml::Value::Mapping(m) = v else {
            return;
        };
        for k in m.keys() {
            let name = match k {
                serde_yaml::Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            };
            if fields.contains(&name.as_str()) {
                continue;
            }
            let location = self.place(item, &name);
            let hint = match error::closest(&name, fields.iter().copied()) {
                Some(c) => {
                    format!("did you mean `{c}`? (keys are checked so that typos do not pass)")
                }
                None => format!("the keys here are: {}", fields.join(", ")),
            };
            self.errors.push(
                Error::at(location, format!("unknown field `{name}` {what}")).with_hint(hint),
            );
        }
    }
}

/// The keys serde reads for a struct, as its derive declares them (so the
/// unknown-key check cannot drift from the types).
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};
    struct Probe(&'static [&'static str]);
    impl<'de> Deserializer<'de> for &mut Probe {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(
            self,
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(de::Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut probe = Probe(&[]);
    let _ = T::deserialize(&mut probe);
    probe.0
}

struct Ctx<'a> {
    lines: &'a [&'a str],
    id_lines: &'a [(usize, usize, String)],
    next: usize,
    shown: &'a str,
    errors: &'a mut Vec<Error>,
}

impl Ctx<'_> {
    /// The line and column of the next node's id, in document order.
    fn locate(&mut self, id: &str) -> (usize, usize) {
        if let Some(p) = self.id_lines[self.next.min(self.id_lines.len())..]
            .iter()
            .position(|(_, _, v)| v == id)
        {
            let (line, col, _) = self.id_lines[self.next + p];
            self.next += p + 1;
            return (line, col);
        }
        let found = self
            .lines
            .iter()
            .position(|l| l.contains(id))
            .map_or(0, |p| p + 1);
        (found, 0)
    }
}

fn loc(shown: &str, line: usize, col: usize) -> Location {
    match (line, col) {
        (0, _) => Location::file(shown),
        (l, 0) => Location::line(shown, l),
        (l, c) => Location::at(shown, l, c),
    }
}

impl Ctx<'_> {
    fn check_id(&mut self, id: &str, line: usize, col: usize, parent: &str) {
        if let Err(e) = check_id(id, self.shown, line, col, parent) {
            self.errors.push(e);
        }
    }
}

fn check_id(id: &str, shown: &str, line: usize, col: usize, parent: &str) -> Result<()> {
    if ID.is_match(id) {
        return Ok(());
    }
    let what = if parent.is_empty() {
        "theme".to_string()
    } else {
        format!("code under `{parent}`")
    };
    let fixed: String = text::normalize(id)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    Err(Error::at(
        loc(shown, line, col),
        format!("bad {what} id `{id}`: ids are lowercase letters, digits and `_`"),
    )
    .with_hint(format!(
        "use e.g. `{fixed}` (keep the readable name in `label:`)"
    )))
}

/// Reports each second of two equal ids; `what` names the siblings ("the
/// themes", "the codes under `family`").
fn check_siblings<'a>(ids: impl Iterator<Item = &'a str>, ctx: &mut Ctx, what: &str) {
    let ids: Vec<&str> = ids.collect();
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            let nth = ids[..=i].iter().filter(|x| *x == id).count();
            let line = ctx
                .id_lines
                .iter()
                .filter(|(_, _, v)| v == id)
                .nth(nth - 1)
                .map_or(0, |l| l.0);
            ctx.errors.push(
                Error::at(
                    loc(ctx.shown, line, 0),
                    format!("duplicate id `{id}` among {what}"),
                )
                .with_hint("ids must be unique among siblings: rename one, or merge the two"),
            );
        }
    }
}

fn add_codes(
    codes: &[CodeDef],
    parent: usize,
    parent_path: &str,
    depth: usize,
    nodes: &mut Vec<Node>,
    ctx: &mut Ctx,
) {
    check_siblings(
        codes.iter().map(|c| c.id.as_str()),
        ctx,
        &format!("the codes under `{parent_path}`"),
    );
    for c in codes {
        let (line, col) = ctx.locate(&c.id);
        ctx.check_id(&c.id, line, col, parent_path);
        let path = format!("{parent_path}/{}", c.id);
        let idx = nodes.len();
        nodes.push(Node {
            path: path.clone(),
            id: c.id.clone(),
            label: c.label.clone().unwrap_or_else(|| c.id.clone()),
            parent: Some(parent),
            depth,
            line,
        });
        add_codes(&c.codes, idx, &path, depth + 1, nodes, ctx);
    }
}

/// A term parsed: its tokens and whether the last one is a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    /// Normalised tokens.
    pub tokens: Vec<String>,
    /// True when the term ended with `*`.
    pub prefix: bool,
}

/// Parses a term; the error string says what is wrong.
pub fn parse_term(raw: &str) -> std::result::Result<Term, String> {
    let t = raw.trim();
    let (body, prefix) = match t.strip_suffix('*') {
        Some(b) => (b, true),
        None => (t, false),
    };
    if body.contains('*') {
        return Err("`*` is allowed only at the end of a term (a prefix: `traffick*`)".into());
    }
    let tokens = text::tokenize(body);
    if tokens.is_empty() {
        return Err("the term has no letters or digits, so it can never match".into());
    }
    Ok(Term { tokens, prefix })
}

fn validate_rules(
    code: &CodeDef,
    node: &Node,
    lines: &[&str],
    shown: &str,
    errors: &mut Vec<Error>,
) {
    let Some(m) = &code.rules else { return };
    let find = |needle: &str| -> (usize, usize) {
        let from = node.line.saturating_sub(1);
        for (i, l) in lines.iter().enumerate().skip(from) {
            if let Some(c) = l.find(needle) {
                return (i + 1, l[..c].chars().count() + 1);
            }
        }
        (node.line, 0)
    };
    // A term or regex is quoted up to this many characters (it may be a
    // whole pasted list).
    const QUOTED: usize = 120;
    for (list, terms) in [("any", &m.any), ("all", &m.all), ("none", &m.none)] {
        for term in terms {
            if let Err(why) = parse_term(term) {
                let (l, c) = find(term.trim());
                let term = crate::input::quote_line(term, QUOTED);
                errors.push(Error::at(loc(shown, l, c), format!("bad term `{term}` in `{}` match.{list}: {why}", node.path))
                    .with_hint("write words as they appear (case and accents do not matter); use `regex:` for patterns"));
            }
        }
    }
    for r in &m.regex {
        if let Err(e) = regex::RegexBuilder::new(r).case_insensitive(true).build() {
            let (l, c) = find(r);
            let first = e
                .to_string()
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string();
            errors.push(
                Error::at(
                    loc(shown, l, c),
                    format!(
                        "invalid regex `{}` in `{}` match.regex: {}",
                        crate::input::quote_line(r, QUOTED),
                        node.path,
                        crate::input::quote_line(&first, QUOTED)
                    ),
                )
                .with_hint(
                    "regexes use Rust `regex` syntax; in YAML, quote them with single quotes",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CB: &str = "codebook: Test\nversion: 2.0\nthemes:\n  - id: family_role\n    label: Role of the family\n    codes:\n      - id: search_and_report\n        label: Family searches\n        match:\n          any: [report*, police, looked for]\n        codes:\n          - id: police\n      - id: tensions\n  - id: justice\n    codes:\n      - id: police\n";

    #[test]
    fn a_codebook_written_as_a_list_is_shown_its_shape() {
        let e = Codebook::parse("- family\n- work\n", "cb.yaml", String::new()).unwrap_err();
        assert!(
            e.report().contains(
                "error: this file must be a mapping of keys (`key: value` lines), not a list\n  --> cb.yaml:1:1\n  = help: a codebook is a mapping: `codebook: NAME`, then `themes:`"
            ),
            "{}",
            e.report()
        );
    }

    #[test]
    fn nodes_in_order_with_lines() {
        let cb = Codebook::parse(CB, "cb.yaml", String::new()).unwrap();
        let paths: Vec<&str> = cb.nodes.iter().map(|n| n.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "family_role",
                "family_role/search_and_report",
                "family_role/search_and_report/police",
                "family_role/tensions",
                "justice",
                "justice/police"
            ]
        );
        assert_eq!(cb.nodes[1].line, 7);
        assert_eq!(cb.doc.version.as_deref(), Some("2.0"));
        assert_eq!(cb.subtree(1), 1..3);
        assert_eq!(cb.subtree(0), 0..4);
        assert_eq!(cb.resolve("tensions").unwrap(), 3);
        assert_eq!(cb.resolve("justice/police").unwrap(), 5);
        assert!(cb
            .resolve("police")
            .unwrap_err()
            .report()
            .contains("ambiguous"));
        assert!(cb
            .resolve("tension")
            .unwrap_err()
            .report()
            .contains("did you mean `tensions`"));
    }

    /// A codebook after renames: `labour/unpaid_work` became
    /// `labour/free_labour` (its sub-code `domestic` kept its id), and
    /// `labour/recruiters` moved to `exploitation/brokers`.
    const RENAMED: &str = "themes:
  - id: labour
    codes:
      - id: free_labour
        formerly: [unpaid_work]
        codes:
          - id: domestic
      - id: other_work
        formerly: [other]
  - id: exploitation
    codes:
      - id: brokers
        formerly: [recruiters]
      - id: other_abuse
        formerly: [other]
      - id: debt_bondage
        formerly: [debt_bondage]
";

    #[test]
    fn earlier_names_resolve_by_formerly() {
        let cb = Codebook::parse(RENAMED, "cb.yaml", String::new()).unwrap();
        let path = |name: &str| match cb.resolve_former(name).unwrap() {
            Some(Named::Formerly(i)) => format!("formerly {}", cb.nodes[i].path),
            Some(Named::Now(i)) => format!("now {}", cb.nodes[i].path),
            None => "unknown".to_string(),
        };
        assert_eq!(path("labour/free_labour"), "now labour/free_labour");
        assert_eq!(path("domestic"), "now labour/free_labour/domestic");
        // Renamed in place: the old full path, the old id, old descendants.
        assert_eq!(path("labour/unpaid_work"), "formerly labour/free_labour");
        assert_eq!(path("unpaid_work"), "formerly labour/free_labour");
        assert_eq!(
            path("labour/unpaid_work/domestic"),
            "formerly labour/free_labour/domestic"
        );
        assert_eq!(
            path("unpaid_work/domestic"),
            "formerly labour/free_labour/domestic"
        );
        // Moved and renamed: under any existing theme or code, or alone.
        assert_eq!(path("labour/recruiters"), "formerly exploitation/brokers");
        assert_eq!(path("recruiters"), "formerly exploitation/brokers");
        assert_eq!(path("nowhere/recruiters"), "unknown");
        // Moved under the same id: its old full path needs the id in `formerly`.
        assert_eq!(path("debt_bondage"), "now exploitation/debt_bondage");
        assert_eq!(
            path("labour/debt_bondage"),
            "formerly exploitation/debt_bondage"
        );
        assert_eq!(path("labour/unpaid_wrk"), "unknown");
        // An id two codes give up: the one whose parent fits wins ...
        assert_eq!(path("labour/other"), "formerly labour/other_work");
        assert_eq!(
            path("exploitation/other"),
            "formerly exploitation/other_abuse"
        );
        // ... and alone, or where both fit only by a move, it is an error.
        for name in ["other", "labour/free_labour/other"] {
            let e = cb.resolve_former(name).unwrap_err().report();
            assert!(
                e.contains(&format!("`{name}` is an earlier name of several codes"))
                    && e.contains("`labour/other_work`, `exploitation/other_abuse`"),
                "{e}"
            );
        }
        // Current names come first, and stay ambiguous when they are.
        let cb = Codebook::parse(CB, "cb.yaml", String::new()).unwrap();
        assert!(cb
            .resolve_former("police")
            .unwrap_err()
            .report()
            .contains("ambiguous"));
    }

    #[test]
    fn unknown_key_has_line_and_column() {
        let e = Codebook::parse(
            "themes:\n  - id: a\n    lable: x\n",
            "cb.yaml",
            String::new(),
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.report().contains("unknown field `lable`") && e.report().contains("cb.yaml:3:5"),
            "{}",
            e.report()
        );
    }

    /// A codebook with one mistake of each kind (fictional study).
    const FOUR_MISTAKES: &str = "codebook: Retorno y familia
themes:
  - id: familia
    lable: Familia
    codes:
      - id: Busqueda Activa
        definition: Relatives look for the victim.
      - id: deudas
        match:
          any: [deu*da, dinero]
      - id: deudas
        match:
          regex: ['(prestamo']
          nome: [banco]
";

    #[test]
    fn every_error_of_a_file_in_one_report() {
        let e = Codebook::parse(FOUR_MISTAKES, "cb.yaml", String::new()).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let r = e.report();
        let places: Vec<&str> = r
            .lines()
            .filter_map(|l| l.trim().strip_prefix("--> "))
            .collect();
        assert_eq!(
            places,
            [
                "cb.yaml:4:5",
                "cb.yaml:6:13",
                "cb.yaml:10:17",
                "cb.yaml:11",
                "cb.yaml:13:20",
                "cb.yaml:14:11"
            ],
            "{r}"
        );
        for what in [
            "unknown field `lable` in theme `familia`",
            "did you mean `label`?",
            "bad code under `familia` id `Busqueda Activa`",
            "bad term `deu*da` in `familia/deudas` match.any",
            "duplicate id `deudas` among the codes under `familia`",
            "invalid regex `(prestamo` in `familia/deudas` match.regex",
            "unknown field `nome` in `match` of code `familia/deudas`",
            "did you mean `none`?",
        ] {
            assert!(r.contains(what), "{what}\n{r}");
        }
        assert!(
            r.ends_with("error: cb.yaml has 6 errors; fix them and run the command again"),
            "{r}"
        );
    }

    #[test]
    fn unknown_fields_follow_the_types() {
        assert_eq!(fields_of::<MatchDef>(), ["any", "all", "none", "regex"]);
        assert!(fields_of::<CodeDef>().contains(&"match"));
        assert_eq!(
            fields_of::<ThemeDef>(),
            ["id", "label", "description", "codes"]
        );
        // Every known key passes; keys out of place, in flow style or at the
        // top are still found.
        let ok = "codebook: T\nversion: 1\ndescription: D\nthemes:\n  - id: a\n    label: A\n    description: d\n    codes:\n      - {id: b, label: B, definition: d, include: i, exclude: e, example: x, origin: emergent, formerly: [c], match: {any: [x], all: [y], none: [z], regex: [w]}, codes: []}\n";
        Codebook::parse(ok, "cb.yaml", String::new()).unwrap();
        let r = Codebook::parse(
            "titel: T\nthemes:\n  - id: a\n    codes:\n      - {id: b, lable: B}\n",
            "cb.yaml",
            String::new(),
        )
        .unwrap_err()
        .report();
        assert!(
            r.contains("unknown field `titel` at the top of the codebook\n  --> cb.yaml:1:1"),
            "{r}"
        );
        assert!(
            r.contains("unknown field `lable` in code `a/b`\n  --> cb.yaml:5:7"),
            "{r}"
        );
    }

    #[test]
    fn lists_and_origins_of_the_wrong_shape_are_all_reported() {
        let r = Codebook::parse(
            "themes:\n  - id: a\n    codes:\n      - id: b\n        origin: inductive\n        formerly: old_b\n        match:\n          any: police\n          none: {x: y}\n      - id: c\n        match:\n          regex: ['(x']\n",
            "cb.yaml",
            String::new(),
        )
        .unwrap_err()
        .report();
        for what in [
            "error: unknown origin `inductive` in code `a/b`\n  --> cb.yaml:5:9\n  = help: write `origin: a-priori`",
            "error: `formerly` in code `a/b` must be a list, not `old_b`\n  --> cb.yaml:6:9\n  = help: write `formerly: [old_b]`",
            "error: `any` in `match` of code `a/b` must be a list, not `police`\n  --> cb.yaml:8:11",
            "error: `none` in `match` of code `a/b` must be a list, not a mapping\n  --> cb.yaml:9:11",
            "invalid regex `(x` in `a/c` match.regex",
            "cb.yaml has 5 errors",
        ] {
            assert!(r.contains(what), "{what}\n{r}");
        }
    }

    #[test]
    fn lists_read_their_items_as_written() {
        let cb = Codebook::parse(
            "themes:\n  - id: a\n    codes:\n      - id: b\n        origin: emergent\n        formerly: [1e3, ~]\n        match:\n          any: [no, 1e3, 0x10, 1.10]\n          all:\n",
            "cb.yaml",
            String::new(),
        )
        .unwrap();
        let code = &cb.doc.themes[0].codes[0];
        assert_eq!(code.origin, Some(Origin::Emergent));
        assert_eq!(code.formerly, ["1e3", "~"]);
        let m = code.rules.as_ref().unwrap();
        assert_eq!(m.any, ["no", "1e3", "0x10", "1.10"]);
        assert!(m.all.is_empty());
    }

    #[test]
    fn a_type_error_stops_reading_but_keeps_unknown_fields() {
        let r = Codebook::parse(
            "themes:\n  - id: a\n    lable: x\n    label: [x]\n",
            "cb.yaml",
            String::new(),
        )
        .unwrap_err()
        .report();
        assert!(
            r.contains("cb.yaml:3:5") && r.contains("cb.yaml:4:12") && r.contains("2 errors"),
            "{r}"
        );
    }

    #[test]
    fn bad_ids_duplicates_terms_and_regexes() {
        let e = Codebook::parse("themes:\n  - id: Family Role\n", "cb.yaml", String::new())
            .unwrap_err();
        assert!(
            e.report().contains("cb.yaml:2:9") && e.report().contains("family_role"),
            "{}",
            e.report()
        );
        let e = Codebook::parse("themes:\n  - id: a\n  - id: a\n", "cb.yaml", String::new())
            .unwrap_err();
        assert!(
            e.report().contains("duplicate") && e.report().contains("cb.yaml:3"),
            "{}",
            e.report()
        );
        let e = Codebook::parse(
            "themes:\n  - id: a\n    codes:\n      - id: b\n      - id: b\n",
            "cb.yaml",
            String::new(),
        )
        .unwrap_err();
        assert_eq!(
            e.report(),
            "error: duplicate id `b` among the codes under `a`\n  --> cb.yaml:5\n  = help: ids must be unique among siblings: rename one, or merge the two"
        );
        let e = Codebook::parse("themes:\n  - id: a\n    codes:\n      - id: b\n        match:\n          any: [po*lice]\n", "cb.yaml", String::new()).unwrap_err();
        assert!(
            e.report().contains("cb.yaml:6:17") && e.report().contains("a/b"),
            "{}",
            e.report()
        );
        let e = Codebook::parse("themes:\n  - id: a\n    codes:\n      - id: b\n        match:\n          regex: ['(unclosed']\n", "cb.yaml", String::new()).unwrap_err();
        assert!(
            e.report().contains("invalid regex") && e.report().contains("cb.yaml:6"),
            "{}",
            e.report()
        );
    }

    #[test]
    fn terms() {
        assert_eq!(
            parse_term("Job offer*").unwrap(),
            Term {
                tokens: vec!["job".into(), "offer".into()],
                prefix: true
            }
        );
        assert_eq!(parse_term("Niña").unwrap().tokens, ["nina"]);
        assert!(parse_term("*police").is_err());
        assert!(parse_term("--").is_err());
    }
}
