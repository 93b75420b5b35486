//! The YAML codebook (DESIGN §4): its types, loading with locations,
//! validation, and resolving the names users give codes (current paths or
//! suffixes, and earlier ids by `formerly`). `serde_yaml` is used only
//! here, so it can be swapped in one place. The compiled matcher lives in
//! [`matcher`].

pub mod diff;
pub mod format;
pub mod matcher;
pub mod qdc;

use std::path::Path;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize};
use std::sync::LazyLock;

use crate::error::{suggest, Error, Location, Result};
use crate::text;

/// A codebook file as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodebookDoc {
    /// The codebook's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codebook: Option<String>,
    /// Its version (quoted or not).
    #[serde(
        default,
        deserialize_with = "opt_scalar",
        skip_serializing_if = "Option::is_none"
    )]
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// Earlier ids of this code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
#[serde(deny_unknown_fields)]
pub struct MatchDef {
    /// Terms of which one must match (or a regex).
    #[serde(default)]
    pub any: Vec<String>,
    /// Terms that must all match.
    #[serde(default)]
    pub all: Vec<String>,
    /// Terms none of which may match.
    #[serde(default)]
    pub none: Vec<String>,
    /// Regexes (Rust syntax, case-insensitive, on the original text).
    #[serde(default)]
    pub regex: Vec<String>,
}

fn opt_scalar<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    let v: Option<serde_yaml::Value> = Option::deserialize(d)?;
    Ok(v.and_then(|v| crate::ingest::plain::scalar(&v)))
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
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::at(
                Location::file(shown),
                "the codebook does not exist",
            )
            .with_hint(
                "create it (`thematic init` writes a starter) or set `codebook:` in thematic.yaml",
            ),
            _ => Error::io(path, e),
        })?;
        let text = crate::ingest::decode::decode(&bytes, shown)?.text;
        Self::parse(&text, shown, blake3::hash(&bytes).to_hex().to_string())
    }

    /// Parses and validates codebook text.
    pub fn parse(text: &str, shown: &str, hash: String) -> Result<Codebook> {
        let doc: CodebookDoc = if text.trim().is_empty() {
            CodebookDoc::default()
        } else {
            serde_yaml::from_str(text).map_err(|e| crate::study::yaml_error(shown, &e))?
        };
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
        };
        let mut nodes = Vec::new();
        check_siblings(
            cb.doc.themes.iter().map(|t| t.id.as_str()),
            &mut ctx,
            "the themes",
        )?;
        for theme in &cb.doc.themes {
            let (line, col) = ctx.locate(&theme.id);
            check_id(&theme.id, shown, line, col, "")?;
            let idx = nodes.len();
            nodes.push(Node {
                path: theme.id.clone(),
                id: theme.id.clone(),
                label: theme.label.clone().unwrap_or_else(|| theme.id.clone()),
                parent: None,
                depth: 0,
                line,
            });
            add_codes(&theme.codes, idx, &theme.id, 1, &mut nodes, &mut ctx)?;
        }
        cb.nodes = nodes;
        cb.for_each_code(|node, code| validate_rules(code, &cb.nodes[node], &lines, shown))
            .transpose()?;
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
        let segs: Vec<&str> = name.split('/').collect();
        if segs.iter().any(|s| s.is_empty()) {
            return Ok(None);
        }
        let defs = self.code_defs();
        let paths = self.by_path();
        let fits: Vec<(Fit, usize)> = (0..self.nodes.len())
            .filter_map(|i| self.fit(i, &segs, &defs, &paths).map(|f| (f, i)))
            .collect();
        let Some(best) = fits.iter().map(|(f, _)| *f).min() else {
            return Ok(None);
        };
        let claims: Vec<usize> = fits
            .iter()
            .filter(|(f, _)| *f == best)
            .map(|(_, i)| *i)
            .collect();
        if let [one] = claims[..] {
            return Ok(Some(Named::Formerly(one)));
        }
        let old_id = segs[segs.len() - 1];
        Err(Error::input(format!(
            "`{name}` is an earlier name of several codes in {}: {}",
            self.shown,
            claims
                .iter()
                .map(|&i| format!("`{}`", self.nodes[i].path))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint(format!(
            "write the current path of the code meant instead, or keep `{old_id}` in the `formerly` of one code only"
        )))
    }

    /// The error for a name no theme or code has, with the closest names.
    pub fn unknown(&self, name: &str) -> Error {
        let name = name.trim().trim_matches('/');
        Error::input(format!("unknown code or theme `{name}` in {}", self.shown)).with_hint(
            suggest(
                name,
                self.nodes
                    .iter()
                    .map(|n| n.path.as_str())
                    .chain(self.nodes.iter().map(|n| n.id.as_str())),
            ),
        )
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

    /// How well node `i`, under its current or earlier ids and those of its
    /// ancestors, ends with the path segments `segs` (None: it does not).
    fn fit(
        &self,
        i: usize,
        segs: &[&str],
        defs: &[Option<&CodeDef>],
        paths: &std::collections::BTreeMap<&str, usize>,
    ) -> Option<Fit> {
        let (last, lead) = segs.split_last()?;
        let node = &self.nodes[i];
        let former = defs[i].is_some_and(|d| d.formerly.iter().any(|f| f == last));
        if node.id != *last && !former {
            return None;
        }
        if lead.is_empty() {
            return Some(Fit::Parent);
        }
        let via_parent = node.parent.and_then(|p| self.fit(p, lead, defs, paths));
        let moved = (former && paths.contains_key(lead.join("/").as_str())).then_some(Fit::Moved);
        via_parent.into_iter().chain(moved).min()
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

struct Ctx<'a> {
    lines: &'a [&'a str],
    id_lines: &'a [(usize, usize, String)],
    next: usize,
    shown: &'a str,
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

/// Fails on the second of two equal ids; `what` names the siblings ("the
/// themes", "the codes under `family`").
fn check_siblings<'a>(ids: impl Iterator<Item = &'a str>, ctx: &mut Ctx, what: &str) -> Result<()> {
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
            return Err(Error::at(
                loc(ctx.shown, line, 0),
                format!("duplicate id `{id}` among {what}"),
            )
            .with_hint("ids must be unique among siblings: rename one, or merge the two"));
        }
    }
    Ok(())
}

fn add_codes(
    codes: &[CodeDef],
    parent: usize,
    parent_path: &str,
    depth: usize,
    nodes: &mut Vec<Node>,
    ctx: &mut Ctx,
) -> Result<()> {
    check_siblings(
        codes.iter().map(|c| c.id.as_str()),
        ctx,
        &format!("the codes under `{parent_path}`"),
    )?;
    for c in codes {
        let (line, col) = ctx.locate(&c.id);
        check_id(&c.id, ctx.shown, line, col, parent_path)?;
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
        add_codes(&c.codes, idx, &path, depth + 1, nodes, ctx)?;
    }
    Ok(())
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

fn validate_rules(code: &CodeDef, node: &Node, lines: &[&str], shown: &str) -> Result<()> {
    let Some(m) = &code.rules else { return Ok(()) };
    let find = |needle: &str| -> (usize, usize) {
        let from = node.line.saturating_sub(1);
        for (i, l) in lines.iter().enumerate().skip(from) {
            if let Some(c) = l.find(needle) {
                return (i + 1, l[..c].chars().count() + 1);
            }
        }
        (node.line, 0)
    };
    for (list, terms) in [("any", &m.any), ("all", &m.all), ("none", &m.none)] {
        for term in terms {
            if let Err(why) = parse_term(term) {
                let (l, c) = find(term.trim());
                return Err(Error::at(loc(shown, l, c), format!("bad term `{term}` in `{}` match.{list}: {why}", node.path))
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
            return Err(Error::at(
                loc(shown, l, c),
                format!(
                    "invalid regex `{r}` in `{}` match.regex: {first}",
                    node.path
                ),
            )
            .with_hint("regexes use Rust `regex` syntax; in YAML, quote them with single quotes"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CB: &str = "codebook: Test\nversion: 2.0\nthemes:\n  - id: family_role\n    label: Role of the family\n    codes:\n      - id: search_and_report\n        label: Family searches\n        match:\n          any: [report*, police, looked for]\n        codes:\n          - id: police\n      - id: tensions\n  - id: justice\n    codes:\n      - id: police\n";

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
