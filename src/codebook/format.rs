//! The canonical form of a codebook (`thematic codebook fmt`): stable key
//! order, block style, short lists on one line and long ones one item a
//! line, consistent quoting — and every comment kept. Comments are anchored
//! to the line they precede (or end) in the source: a theme's or code's key,
//! or a list item; they are written back before (or after) the same line of
//! the canonical form. A comment whose anchor no longer exists is kept at
//! the end, never dropped. Formatting twice gives the same bytes.

use std::collections::BTreeMap;

use regex::Regex;
use std::sync::LazyLock;

use super::{CodeDef, Codebook, CodebookDoc, MatchDef, Origin, ThemeDef};

/// Lines longer than this put their list one item a line.
const WIDTH: usize = 88;

static KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\s*)(-\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*:(\s|$)").expect("valid regex")
});
static ITEM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*-\s+(.*)$").expect("valid regex"));

#[derive(Debug, Default)]
struct Comments {
    before: BTreeMap<String, Vec<String>>,
    inline: BTreeMap<String, String>,
    trailing: Vec<String>,
}

/// Splits a line into content and an inline `# comment` (outside quotes).
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let (mut single, mut double) = (false, false);
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'#' if !single
                && !double
                && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') =>
            {
                return (line[..i].trim_end(), Some(line[i..].trim_end()));
            }
            _ => {}
        }
    }
    (line.trim_end(), None)
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    serde_yaml::from_str::<serde_yaml::Value>(v)
        .ok()
        .and_then(|x| crate::ingest::plain::scalar(&x))
        .unwrap_or_else(|| v.to_string())
}

/// For each source line, the path of the theme or code whose mapping holds
/// it (None at the top level). Mappings are found by indentation: a `- `
/// item opens one, and its `id:` key may come anywhere inside it.
fn owners(lines: &[&str]) -> Vec<Option<String>> {
    struct Block {
        col: usize,
        id: Option<String>,
        lines: Vec<usize>,
        parent: Option<usize>,
    }
    let mut blocks: Vec<Block> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut line_block: Vec<Option<usize>> = vec![None; lines.len()];
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let indent = line.len() - t.len();
        while let Some(&b) = stack.last() {
            let item_starts_here = t.starts_with("- ") || t == "-";
            if (item_starts_here || indent <= blocks[b].col) && indent < blocks[b].col + 2 {
                stack.pop();
            } else {
                break;
            }
        }
        if t.starts_with("- ") || t == "-" {
            blocks.push(Block {
                col: indent,
                id: None,
                lines: Vec::new(),
                parent: stack.last().copied(),
            });
            stack.push(blocks.len() - 1);
        }
        if let Some(&b) = stack.last() {
            blocks[b].lines.push(i);
            line_block[i] = Some(b);
            let (content, _) = split_comment(line);
            if let Some(k) = KEY.captures(content) {
                let key_col = k[1].len() + k.get(2).map_or(0, |m| m.as_str().len());
                if &k[3] == "id" && key_col == blocks[b].col + 2 {
                    blocks[b].id = Some(unquote(&content[k.get(0).map_or(0, |m| m.end())..]));
                }
            }
        }
    }
    let path = |mut b: usize| -> Option<String> {
        let mut parts = Vec::new();
        loop {
            if let Some(id) = &blocks[b].id {
                parts.push(id.clone());
            }
            match blocks[b].parent {
                Some(p) => b = p,
                None => break,
            }
        }
        parts.reverse();
        (!parts.is_empty()).then(|| parts.join("/"))
    };
    line_block
        .iter()
        .map(|b| {
            let mut b = (*b)?;
            // The nearest enclosing block that is a mapping with an id.
            loop {
                if blocks[b].id.is_some() {
                    return path(b);
                }
                b = blocks[b].parent?;
            }
        })
        .collect()
}

fn collect_comments(source: &str, cb: &Codebook) -> Comments {
    let lines: Vec<&str> = source.lines().collect();
    let owners = owners(&lines);
    let known: std::collections::BTreeSet<&str> =
        cb.nodes.iter().map(|n| n.path.as_str()).collect();
    let mut c = Comments::default();
    let mut pending: Vec<String> = Vec::new();
    let mut last_key: BTreeMap<String, String> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            pending.push(trimmed.trim_end().to_string());
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        let owner = owners[i]
            .clone()
            .filter(|o| known.contains(o.as_str()))
            .unwrap_or_else(|| "top".to_string());
        let (content, inline) = split_comment(line);
        let anchor = if let Some(k) = KEY.captures(content) {
            let key = k[3].to_string();
            let key = if matches!(key.as_str(), "any" | "all" | "none" | "regex") {
                format!("match.{key}")
            } else {
                key
            };
            last_key.insert(owner.clone(), key.clone());
            Some(format!("{owner}#{key}"))
        } else if let Some(item) = ITEM.captures(content) {
            let key = last_key.get(&owner).cloned().unwrap_or_default();
            Some(format!("{owner}#{key}[{}]", unquote(&item[1])))
        } else {
            None
        };
        if let Some(a) = anchor {
            if !pending.is_empty() {
                c.before.entry(a.clone()).or_default().append(&mut pending);
            }
            if let Some(i) = inline {
                c.inline.insert(a, i.to_string());
            }
        } else if let Some(i) = inline {
            pending.push(i.to_string());
        }
    }
    c.trailing = pending;
    c
}

/// The canonical text of a codebook; `source` is the original text whose
/// comments are carried over.
pub fn canonical(cb: &Codebook, source: &str) -> String {
    let mut comments = collect_comments(source, cb);
    let mut w = Writer {
        out: String::new(),
        comments: &mut comments,
    };
    let doc: &CodebookDoc = &cb.doc;
    w.scalar(0, "top#codebook", "codebook", doc.codebook.as_deref());
    w.scalar(
        0,
        "top#version",
        "version",
        doc.version.as_deref().map(|v| v.to_string()).as_deref(),
    );
    w.scalar(
        0,
        "top#description",
        "description",
        doc.description.as_deref(),
    );
    w.line(0, "top#themes", "themes:".to_string());
    for (i, t) in doc.themes.iter().enumerate() {
        if i > 0 {
            w.out.push('\n');
        }
        theme(&mut w, t);
    }
    let mut rest: Vec<String> = Vec::new();
    for (_, v) in std::mem::take(&mut w.comments.before) {
        rest.extend(v);
    }
    for (_, v) in std::mem::take(&mut w.comments.inline) {
        rest.push(v);
    }
    rest.extend(std::mem::take(&mut w.comments.trailing));
    for r in rest {
        w.out.push_str(&r);
        w.out.push('\n');
    }
    w.out
}

struct Writer<'a> {
    out: String,
    comments: &'a mut Comments,
}

impl Writer<'_> {
    fn line(&mut self, indent: usize, anchor: &str, text: String) {
        let pad = " ".repeat(indent);
        if let Some(before) = self.comments.before.remove(anchor) {
            for b in before {
                self.out.push_str(&format!("{pad}{b}\n"));
            }
        }
        self.out.push_str(&pad);
        self.out.push_str(&text);
        if let Some(i) = self.comments.inline.remove(anchor) {
            self.out.push_str("  ");
            self.out.push_str(&i);
        }
        self.out.push('\n');
    }

    /// `key: value` (nothing when the value is absent).
    fn scalar(&mut self, indent: usize, anchor: &str, key: &str, value: Option<&str>) {
        let Some(v) = value else { return };
        if v.contains('\n') {
            self.line(indent, anchor, format!("{key}: |-"));
            for l in v.lines() {
                if l.is_empty() {
                    self.out.push('\n');
                } else {
                    self.out
                        .push_str(&format!("{}{l}\n", " ".repeat(indent + 2)));
                }
            }
        } else {
            let one = format!("{key}: {}", quote(v));
            let foldable =
                !v.contains(['\t']) && !v.contains("  ") && v.trim() == v && v.contains(' ');
            if indent + one.chars().count() <= WIDTH || !foldable {
                self.line(indent, anchor, one);
                return;
            }
            // Long prose: a folded block, wrapped at the width.
            self.line(indent, anchor, format!("{key}: >-"));
            let pad = " ".repeat(indent + 2);
            let mut line = String::new();
            for word in v.split(' ') {
                if !line.is_empty()
                    && indent + 2 + line.chars().count() + 1 + word.chars().count() > WIDTH
                {
                    self.out.push_str(&format!("{pad}{line}\n"));
                    line.clear();
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
            self.out.push_str(&format!("{pad}{line}\n"));
        }
    }

    /// `key: [a, b]` when short, else one item a line; nothing when empty.
    fn list(&mut self, indent: usize, owner: &str, key: &str, items: &[String], regex: bool) {
        if items.is_empty() {
            return;
        }
        let anchor = format!("{owner}#{key}");
        let name = key.rsplit('.').next().unwrap_or(key);
        let repr: Vec<String> = items
            .iter()
            .map(|i| if regex { single_quote(i) } else { flow_item(i) })
            .collect();
        let flow = format!("{name}: [{}]", repr.join(", "));
        if indent + flow.chars().count() <= WIDTH {
            // Comments on single items move above the list's line.
            for i in items {
                let a = format!("{anchor}[{i}]");
                let mut moved = self.comments.before.remove(&a).unwrap_or_default();
                moved.extend(self.comments.inline.remove(&a));
                if !moved.is_empty() {
                    self.comments
                        .before
                        .entry(anchor.clone())
                        .or_default()
                        .extend(moved);
                }
            }
            self.line(indent, &anchor, flow);
        } else {
            self.line(indent, &anchor, format!("{name}:"));
            for (i, r) in items.iter().zip(repr) {
                self.line(indent + 2, &format!("{anchor}[{i}]"), format!("- {r}"));
            }
        }
    }
}

fn theme(w: &mut Writer, t: &ThemeDef) {
    let owner = t.id.clone();
    w.line(2, &format!("{owner}#id"), format!("- id: {}", t.id));
    w.scalar(4, &format!("{owner}#label"), "label", t.label.as_deref());
    w.scalar(
        4,
        &format!("{owner}#description"),
        "description",
        t.description.as_deref(),
    );
    if !t.codes.is_empty() {
        w.line(4, &format!("{owner}#codes"), "codes:".into());
        for c in &t.codes {
            code(w, c, &owner, 6);
        }
    }
}

fn code(w: &mut Writer, c: &CodeDef, parent: &str, indent: usize) {
    let owner = format!("{parent}/{}", c.id);
    let a = |k: &str| format!("{owner}#{k}");
    w.line(indent, &a("id"), format!("- id: {}", c.id));
    let i = indent + 2;
    w.scalar(i, &a("label"), "label", c.label.as_deref());
    w.scalar(i, &a("definition"), "definition", c.definition.as_deref());
    w.scalar(i, &a("include"), "include", c.include.as_deref());
    w.scalar(i, &a("exclude"), "exclude", c.exclude.as_deref());
    w.scalar(i, &a("example"), "example", c.example.as_deref());
    let origin = c.origin.map(|o| match o {
        Origin::APriori => "a-priori",
        Origin::Emergent => "emergent",
    });
    w.scalar(i, &a("origin"), "origin", origin);
    w.list(i, &owner, "formerly", &c.formerly, false);
    if let Some(m) = &c.rules {
        if *m != MatchDef::default() {
            w.line(i, &a("match"), "match:".into());
            w.list(i + 2, &owner, "match.any", &m.any, false);
            w.list(i + 2, &owner, "match.all", &m.all, false);
            w.list(i + 2, &owner, "match.none", &m.none, false);
            w.list(i + 2, &owner, "match.regex", &m.regex, true);
        }
    }
    if !c.codes.is_empty() {
        w.line(i, &a("codes"), "codes:".into());
        for sub in &c.codes {
            code(w, sub, &owner, i + 2);
        }
    }
}

/// A scalar value as YAML: plain when that reads back as the same string,
/// else double-quoted.
fn quote(s: &str) -> String {
    let plain = serde_yaml::to_string(s).unwrap_or_default();
    let plain = plain.trim_end_matches('\n');
    if !plain.starts_with(['\'', '"', '|', '>']) && plain == s {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    }
}

/// A flow-list item: plain when safe inside `[…]`, else double-quoted.
fn flow_item(s: &str) -> String {
    let q = quote(s);
    if q.starts_with('"')
        || s.contains([',', '[', ']', '{', '}', '#', ':'])
        || s.starts_with(['*', '&', '!', '%', '@', '`', '-', '?'])
    {
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    } else {
        q
    }
}

fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSY: &str = r#"# Team codebook: reviewed in every PR
themes:
- codes:   # the codes of family
  - match:
      regex: ['\b(19|20)\d\d\b']
      any:
        - report*   # includes reporting
        - "police station"
    label: 'Family searches'
    id: search
    # kept on purpose
    origin: a-priori
  id: family
  label: Family
# trailing note
"#;

    #[test]
    fn canonical_keeps_comments_and_is_idempotent() {
        let cb = Codebook::parse(MESSY, "cb.yaml", String::new()).unwrap();
        let once = canonical(&cb, MESSY);
        assert_eq!(
            once,
            r#"# Team codebook: reviewed in every PR
themes:
  - id: family
    label: Family
    codes:  # the codes of family
      - id: search
        label: Family searches
        # kept on purpose
        origin: a-priori
        match:
          # includes reporting
          any: [report*, police station]
          regex: ['\b(19|20)\d\d\b']
# trailing note
"#
        );
        let again = Codebook::parse(&once, "cb.yaml", String::new()).unwrap();
        assert_eq!(again.doc, cb.doc);
        assert_eq!(canonical(&again, &once), once);
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("2.0"), "\"2.0\"");
        assert_eq!(quote("We went: every day"), "\"We went: every day\"");
        assert_eq!(quote("plain words"), "plain words");
        assert_eq!(flow_item("job offer*"), "job offer*");
        assert_eq!(flow_item("*x"), "\"*x\"");
        assert_eq!(flow_item("a, b"), "\"a, b\"");
    }
}

#[cfg(test)]
mod starter_tests {
    use super::*;

    #[test]
    fn starter_codebooks_round_trip() {
        for text in [
            include_str!("../../codebooks/framework-template.yaml"),
            include_str!("../../codebooks/family-reintegration.yaml"),
            include_str!("../../codebooks/impunity-justice.yaml"),
        ] {
            let cb = Codebook::parse(text, "cb.yaml", String::new()).unwrap();
            let once = canonical(&cb, text);
            let again = Codebook::parse(&once, "cb.yaml", String::new()).unwrap();
            assert_eq!(again.doc, cb.doc);
            assert_eq!(canonical(&again, &once), once);
            let comments = text
                .lines()
                .filter(|l| l.trim_start().starts_with('#') || l.contains(" #"))
                .count();
            let kept = once
                .lines()
                .filter(|l| l.trim_start().starts_with('#') || l.contains(" #"))
                .count();
            assert_eq!(kept, comments, "{once}");
        }
    }
}
