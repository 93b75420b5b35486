//! The canonical form of a codebook (`thematic codebook fmt`): stable key
//! order, block style, short lists on one line and long ones one item a
//! line, consistent quoting — and every comment kept. Comments are anchored
//! to the line they precede (or end) in the source: a theme's or code's key,
//! or a list item; they are written back before (or after) the same line of
//! the canonical form. A comment whose anchor no longer exists is kept at
//! the end, never dropped. Formatting twice gives the same bytes.
//!
//! Formatting never changes the meaning: a value is written plain only when
//! YAML 1.1 and 1.2 readers alike take it for the same text, every other
//! form is read back before it is used (double quotes with escapes are the
//! fallback), and [`canonical_checked`] parses the whole result again and
//! refuses it unless it gives the same codebook.

use std::collections::BTreeMap;

use regex::Regex;
use std::sync::LazyLock;

use super::source::{scalar_lines, split_comment, KEY};
use super::{CodeDef, Codebook, CodebookDoc, MatchDef, Origin, ThemeDef};
use crate::error::{Error, Result};

/// Lines longer than this put their list one item a line.
const WIDTH: usize = 88;

static ITEM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*-\s+(.*)$").expect("valid regex"));

#[derive(Debug, Default)]
struct Comments {
    before: BTreeMap<String, Vec<String>>,
    inline: BTreeMap<String, String>,
    trailing: Vec<String>,
}

/// The text of a scalar as the codebook reads it: a quoted one unquoted,
/// a plain one as written (`1e3` is the text `1e3` in a codebook, not the
/// number 1000).
fn unquote(v: &str) -> String {
    let v = v.trim();
    if !v.starts_with(['"', '\'']) {
        return v.to_string();
    }
    serde_yaml::from_str::<serde_yaml::Value>(v)
        .ok()
        .and_then(|x| crate::yaml::scalar(&x))
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
    // Text inside block and multi-line quoted scalars is neither keys nor items.
    let scalar = scalar_lines(lines);
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') || scalar[i] {
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
    let scalar = scalar_lines(&lines);
    for (i, line) in lines.iter().enumerate() {
        if scalar[i] {
            // A `#` line inside a block scalar is text, not a comment.
            continue;
        }
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
        open_keep: false,
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
        // A blank line between themes, unless it would end up inside a
        // block scalar that keeps its trailing newlines (`|+`).
        if i > 0 && !w.open_keep {
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
    /// The last thing written is a `|+` block scalar: a blank line now
    /// would become part of its text.
    open_keep: bool,
}

impl Writer<'_> {
    fn line(&mut self, indent: usize, anchor: &str, text: String) {
        self.open_keep = false;
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

    /// `key: value` (nothing when the value is absent): plain, quoted, a
    /// literal block for text with line breaks, or folded when long. Every
    /// form but double quotes is read back before it is used, and double
    /// quotes (with escapes) are the fallback, so the text is always kept.
    fn scalar(&mut self, indent: usize, anchor: &str, key: &str, value: Option<&str>) {
        let Some(v) = value else { return };
        if v.contains('\n') {
            if let Some((header, body)) = literal(v, indent) {
                self.line(indent, anchor, format!("{key}: {header}"));
                self.out.push_str(&body);
                self.open_keep = header.ends_with('+');
            } else {
                self.line(indent, anchor, format!("{key}: {}", double_quote(v)));
            }
            return;
        }
        let one = format!("{key}: {}", quote(v));
        if indent + one.chars().count() > WIDTH {
            if let Some(body) = folded(v, indent) {
                self.line(indent, anchor, format!("{key}: >-"));
                self.out.push_str(&body);
                return;
            }
        }
        self.line(indent, anchor, one);
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
    w.line(2, &format!("{owner}#id"), format!("- id: {}", quote(&t.id)));
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
    w.line(indent, &a("id"), format!("- id: {}", quote(&c.id)));
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

/// Whether `c` may appear as is in a YAML block scalar (YAML's printable
/// characters, without the line breaks other than `\n`). Anything else is
/// written escaped in double quotes: a raw NEL (U+0085) or line separator
/// would be read back as a line break.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// Plain scalars that YAML 1.1 or 1.2 readers (PyYAML, R's yaml, libyaml
/// with the core schema, …) take for something other than a string:
/// booleans, nulls, integers and floats in every notation, sexagesimal
/// numbers, dates and times, and the 1.1 `=` and `<<` keys.
static TYPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)^(?:",
        r"y|n|yes|no|on|off|true|false|~|null|=|<<",
        r"|[-+]?(?:0b[0-1_]+|0o[0-7_]+|0x[0-9a-f_]+)",
        r"|[-+]?\.?[0-9][0-9_.:]*(?:e[-+]?[0-9]+)?",
        r"|[-+]?\.(?:inf|nan)",
        r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:t|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?",
        r")$"
    ))
    .expect("valid regex")
});

/// True when `text` (one YAML document) reads back as `key` ↦ `want`.
fn reads_back(text: &str, want: &serde_yaml::Value) -> bool {
    serde_yaml::from_str::<serde_yaml::Value>(text)
        .ok()
        .and_then(|v| v.get("k").cloned())
        .is_some_and(|v| v == *want)
}

fn reads_back_as(text: &str, want: &str) -> bool {
    reads_back(text, &serde_yaml::Value::String(want.to_string()))
}

/// A scalar value as YAML: plain when every common reader takes it for the
/// same string, else double-quoted.
fn quote(s: &str) -> String {
    let plain = serde_yaml::to_string(s).unwrap_or_default();
    let plain = plain.trim_end_matches('\n');
    let safe = !plain.starts_with(['\'', '"', '|', '>'])
        && plain == s
        && !TYPED.is_match(s)
        && s.chars().all(|c| printable(c) && c != '\n')
        && reads_back_as(&format!("k: {s}"), s);
    if safe {
        s.to_string()
    } else {
        double_quote(s)
    }
}

/// `s` in YAML double quotes, with escapes for `"`, `\` and every
/// character that is not printable or is a line break.
fn double_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if printable(c) => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// A literal block (`|`) for text with line breaks, as (header, body);
/// the body is indented two columns past `indent`. The header carries the
/// chomping (`|-` no final newline, `|` one, `|+` more) and an explicit
/// indentation when the text starts with spaces. None when a block cannot
/// hold the text (characters that must be escaped, only newlines).
fn literal(v: &str, indent: usize) -> Option<(String, String)> {
    if !v.chars().all(printable) {
        return None;
    }
    let text = v.trim_end_matches('\n');
    if text.is_empty() {
        return None;
    }
    let trailing = v.len() - text.len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let first = text.split('\n').find(|l| !l.is_empty()).unwrap_or("");
    let explicit = if first.starts_with([' ', '\t']) {
        "2"
    } else {
        ""
    };
    let header = format!("|{explicit}{chomp}");
    let pad = " ".repeat(indent + 2);
    let mut body = String::new();
    for l in text.split('\n') {
        if !l.is_empty() {
            body.push_str(&pad);
            body.push_str(l);
        }
        body.push('\n');
    }
    for _ in 1..trailing {
        body.push('\n');
    }
    let check = format!("{}k: {header}\n{body}", " ".repeat(indent));
    reads_back_as(&check, v).then_some((header, body))
}

/// Long one-line prose as a folded block (`>-`) wrapped at the width, when
/// folding reads back as the same text.
fn folded(v: &str, indent: usize) -> Option<String> {
    let foldable = !v.contains(['\t', '\n'])
        && !v.contains("  ")
        && v.trim() == v
        && v.contains(' ')
        && v.chars().all(printable);
    if !foldable {
        return None;
    }
    let pad = " ".repeat(indent + 2);
    let mut body = String::new();
    let mut line = String::new();
    for word in v.split(' ') {
        if !line.is_empty() && indent + 2 + line.chars().count() + 1 + word.chars().count() > WIDTH
        {
            body.push_str(&format!("{pad}{line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    body.push_str(&format!("{pad}{line}\n"));
    let check = format!("{}k: >-\n{body}", " ".repeat(indent));
    reads_back_as(&check, v).then_some(body)
}

/// A flow-list item: plain when safe inside `[…]`, else double-quoted.
fn flow_item(s: &str) -> String {
    let q = quote(s);
    if q.starts_with('"')
        || s.contains([',', '[', ']', '{', '}', '#', ':'])
        || s.starts_with(['*', '&', '!', '%', '@', '`', '-', '?'])
        || !reads_back(
            &format!("k: [{q}]"),
            &serde_yaml::Value::Sequence(vec![serde_yaml::Value::String(s.to_string())]),
        )
    {
        double_quote(s)
    } else {
        q
    }
}

/// A regex in single quotes (no escapes to think about), or in double
/// quotes when it holds characters that must be escaped.
fn single_quote(s: &str) -> String {
    if s.chars().all(|c| printable(c) && c != '\n' && c != '\t') && s.trim() == s {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        double_quote(s)
    }
}

/// The canonical text of a codebook, checked: it is parsed again and must
/// give the same codebook, field by field, or nothing is returned.
pub fn canonical_checked(cb: &Codebook, source: &str) -> Result<String> {
    let out = canonical(cb, source);
    let refuse = |what: String| {
        Error::failure(format!(
            "formatting {} would change what it says ({what}); nothing was written",
            cb.shown
        ))
        .with_hint("this is a bug in `thematic codebook fmt`: please report it with the codebook; the file is left as it is")
    };
    let again = Codebook::parse(&out, &cb.shown, String::new()).map_err(|e| {
        refuse(format!(
            "the result does not load: {}",
            first_line(&e.report())
        ))
    })?;
    if again.doc != cb.doc {
        let before = serde_json::to_value(&cb.doc).unwrap_or_default();
        let after = serde_json::to_value(&again.doc).unwrap_or_default();
        let (path, a, b) = first_difference(&before, &after, String::new())
            .unwrap_or_else(|| (String::new(), before.clone(), after.clone()));
        return Err(refuse(format!("{path}: {a} would become {b}")));
    }
    Ok(out)
}

fn first_line(report: &str) -> String {
    let l = report.lines().next().unwrap_or("");
    l.strip_prefix("error: ").unwrap_or(l).to_string()
}

/// The first place where two JSON values differ: (path, before, after).
fn first_difference(
    a: &serde_json::Value,
    b: &serde_json::Value,
    path: String,
) -> Option<(String, serde_json::Value, serde_json::Value)> {
    use serde_json::Value;
    let null = Value::Null;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                first_difference(x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null), p)
            })
        }
        (Value::Array(x), Value::Array(y)) => (0..x.len().max(y.len())).find_map(|i| {
            first_difference(
                x.get(i).unwrap_or(&null),
                y.get(i).unwrap_or(&null),
                format!("{path}[{i}]"),
            )
        }),
        _ => (a != b).then(|| (path, a.clone(), b.clone())),
    }
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
mod meaning_tests {
    use super::*;

    /// Formats `text`, checks that the result reads back as the same
    /// codebook and formats to the same bytes, and returns it.
    #[track_caller]
    fn fmt(text: &str) -> String {
        let cb = Codebook::parse(text, "cb.yaml", String::new()).unwrap();
        let once = canonical_checked(&cb, text).unwrap();
        let again = Codebook::parse(&once, "cb.yaml", String::new()).unwrap();
        assert_eq!(again.doc, cb.doc, "{once}");
        assert_eq!(canonical(&again, &once), once, "not idempotent");
        once
    }

    #[test]
    fn words_other_readers_take_for_booleans_stay_strings() {
        let out = fmt("themes:\n  - id: a\n    codes:\n      - id: b\n        definition: yes\n        include: 'No'\n        exclude: \"1e3\"\n        example: 2024-01-01\n        formerly: [on, 1_000]\n        match:\n          any: [no, Off]\n");
        assert_eq!(
            out,
            "themes:\n  - id: a\n    codes:\n      - id: b\n        definition: \"yes\"\n        include: \"No\"\n        exclude: \"1e3\"\n        example: \"2024-01-01\"\n        formerly: [\"on\", \"1_000\"]\n        match:\n          any: [\"no\", \"Off\"]\n"
        );
    }

    #[test]
    fn comments_stay_with_ids_and_items_that_look_like_numbers() {
        let out = fmt("themes:\n  - id: 0x1f\n    codes:\n      # about 1e3\n      - id: c\n        match:\n          any:\n            - 1e3  # a thousand\n            - mil\n");
        assert_eq!(
            out,
            "themes:\n  - id: \"0x1f\"\n    codes:\n      # about 1e3\n      - id: c\n        match:\n          # a thousand\n          any: [\"1e3\", mil]\n"
        );
    }

    #[test]
    fn a_version_number_is_kept_as_written() {
        let out = fmt("codebook: Retorno\nversion: 1.10\nthemes: []\n");
        assert_eq!(out, "codebook: Retorno\nversion: \"1.10\"\nthemes:\n");
        let cb = Codebook::parse(&out, "cb.yaml", String::new()).unwrap();
        assert_eq!(cb.doc.version.as_deref(), Some("1.10"));
    }

    #[test]
    fn ids_that_look_like_numbers_or_booleans_are_quoted() {
        let out = fmt("themes:\n  - id: no\n    codes:\n      - id: 2024\n      - id: 0x1f\n      - id: a_1\n");
        assert_eq!(
            out,
            "themes:\n  - id: \"no\"\n    codes:\n      - id: \"2024\"\n      - id: \"0x1f\"\n      - id: a_1\n"
        );
    }

    #[test]
    fn non_strings_of_yaml_1_1_and_1_2_are_recognised() {
        for s in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "N",
            "true",
            "FALSE",
            "~",
            "null",
            "NULL",
            "0",
            "12",
            "-3",
            "+4",
            "0x1F",
            "0o17",
            "0b101",
            "017",
            "1e3",
            "1E-3",
            ".5",
            "1.",
            "1.2.3",
            ".inf",
            "-.INF",
            ".NaN",
            "1_000",
            "1:20",
            "1:20:30.5",
            "2024-01-01",
            "2024-1-1 10:00:00",
            "2001-12-14t21:59:43.10-05:00",
            "=",
            "<<",
        ] {
            assert!(TYPED.is_match(s), "{s}");
            assert!(quote(s).starts_with('"'), "{s}");
        }
        for s in [
            "yesterday",
            "no one",
            "R07",
            "v2",
            "2024 interviews",
            "1 of 3",
            "x1e3",
        ] {
            assert_eq!(quote(s), s);
        }
    }

    #[test]
    fn block_scalars_keep_indentation_chomping_and_hash_lines() {
        // `|2`: the text starts with spaces.
        let src =
            "themes:\n  - id: a\n    description: |2\n        indented quote\n      then prose\n";
        let out = fmt(src);
        assert!(
            out.contains("    description: |2\n        indented quote\n      then prose\n"),
            "{out}"
        );
        // `|+`: trailing newlines are text, also before the next theme.
        let src = "themes:\n  - id: a\n    codes:\n      - id: b\n        example: |+\n          We went every day.\n\n  - id: c\n";
        let out = fmt(src);
        assert!(
            out.contains("        example: |+\n          We went every day.\n\n  - id: c\n"),
            "{out}"
        );
        let cb = Codebook::parse(&out, "cb.yaml", String::new()).unwrap();
        assert_eq!(
            cb.doc.themes[0].codes[0].example.as_deref(),
            Some("We went every day.\n\n")
        );
        // `|`: one final newline.
        let out = fmt("themes:\n  - id: a\n    description: |\n      one\n      two\n");
        assert!(
            out.contains("    description: |\n      one\n      two\n"),
            "{out}"
        );
        // A `#` line inside a block scalar is text: not copied as a comment.
        let src = "themes:\n  - id: a\n    description: |-\n      # 1. Family\n      - searches\n      key: not a key\n    # a real comment\n    label: A\n";
        let out = fmt(src);
        assert_eq!(
            out,
            "themes:\n  - id: a\n    # a real comment\n    label: A\n    description: |-\n      # 1. Family\n      - searches\n      key: not a key\n"
        );
    }

    #[test]
    fn line_breaks_other_than_newline_are_escaped() {
        let src = "themes:\n  - id: a\n    label: \"Ni\\u0085na\"\n    description: \"one\\u2028two\\nthree\\r\"\n";
        let out = fmt(src);
        assert!(out.contains("    label: \"Ni\\u0085na\"\n"), "{out}");
        assert!(
            out.contains("    description: \"one\\u2028two\\nthree\\r\"\n"),
            "{out}"
        );
        assert!(!out.contains('\u{85}') && !out.contains('\u{2028}'));
    }

    #[test]
    fn a_result_that_reads_differently_is_refused() {
        // A codebook that could never have been loaded: its id is invalid,
        // so the formatted text does not load back.
        let cb = Codebook {
            doc: CodebookDoc {
                themes: vec![ThemeDef {
                    id: "Not An Id".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
            nodes: Vec::new(),
            shown: "cb.yaml".into(),
            hash: String::new(),
        };
        let e = canonical_checked(&cb, "").unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(
            e.report().starts_with("error: formatting cb.yaml would change what it says (the result does not load: bad theme id"),
            "{}",
            e.report()
        );
        let a = serde_json::json!({"themes": [{"id": "a", "label": "yes"}]});
        let b = serde_json::json!({"themes": [{"id": "a", "label": "true"}]});
        assert_eq!(
            first_difference(&a, &b, String::new()),
            Some(("themes[0].label".into(), "yes".into(), "true".into()))
        );
    }

    /// Scalars that trip YAML writers: every one must come back as it was,
    /// in every place a codebook holds text, and format idempotently.
    const TRICKY: &[&str] = &[
        "yes", "No", "ON", "off", "y", "N", "true", "FALSE", "~", "null", "NULL", "", " ", "0",
        "12", "-3", "+4", "0x1F", "0o17", "0b101", "017", "1e3", "1E-3", ".5", "1.", ".inf",
        "-.INF", ".NaN", "1_000", "1:20", "1:20:30.5", "2024-01-01", "2024-1-1 10:00:00",
        "2001-12-14t21:59:43.10-05:00", "=", "<<", "- x", "x: y", "#x", "a #b", "a: b", "[x]",
        "{x}", "*alias", "&a", "!tag", "%x", "@x", "`x", "?x", "|x", ">x", "'q'", "\"dq\"",
        "it's", "say \"hi\"", "back\\slash", "tab\there", "\ttab", "trail ", " lead",
        "NEL\u{85}x", "LS\u{2028}x", "PS\u{2029}x", "bom\u{feff}", "bell\u{7}", "del\u{7f}",
        "c1\u{9f}", "cr\rx", "line\nbreak", "two\n\nparas", "\n", "\n\nx", "x\n", "x\n\n",
        "x\n\n\n", "  indented\nx", " \nx", "x\n  y", "# not a comment\nx", "x\n# still text",
        "- item\nx", "key: v\nx", "x \ny", "\tx\ny", "x\n ", "é ñ 你好 😀", "ends with colon:",
        "a,b", "[", "]", "x]", "Niña ASHÁNINKAS", "50%", "R07: yes",
        "She said the recruiter promised a job in a restaurant in Lima and that the family would get money every month",
        "She said # the recruiter promised a job: in a restaurant in Lima, and that the family would get money every month",
        "She said the recruiter promised a job in a restaurant in Lima and that the family would\u{85}get money",
    ];

    fn code(i: usize, s: &str) -> CodeDef {
        let term_ok = parse_term_ok(s);
        CodeDef {
            id: format!("c{i}"),
            label: Some(s.to_string()),
            definition: Some(s.to_string()),
            include: Some(format!("{s}{s}")),
            exclude: Some(s.to_string()),
            example: Some(s.to_string()),
            origin: None,
            formerly: vec![s.to_string()],
            rules: Some(MatchDef {
                any: if term_ok {
                    vec![s.to_string(), "x".into()]
                } else {
                    Vec::new()
                },
                all: Vec::new(),
                none: if term_ok {
                    vec![s.to_string()]
                } else {
                    Vec::new()
                },
                regex: if regex::Regex::new(s).is_ok() && !s.is_empty() {
                    vec![s.to_string()]
                } else {
                    Vec::new()
                },
            }),
            codes: Vec::new(),
        }
    }

    fn parse_term_ok(s: &str) -> bool {
        super::super::parse_term(s).is_ok()
    }

    #[test]
    fn tricky_scalars_round_trip_everywhere() {
        for (n, s) in TRICKY.iter().enumerate() {
            let doc = CodebookDoc {
                codebook: Some(s.to_string()),
                version: Some(s.to_string()),
                description: Some(s.to_string()),
                themes: vec![
                    ThemeDef {
                        id: "t1".into(),
                        label: Some(s.to_string()),
                        description: Some(s.to_string()),
                        codes: vec![code(n, s)],
                    },
                    ThemeDef {
                        id: "t2".into(),
                        label: Some(s.to_string()),
                        description: None,
                        codes: vec![code(n + 1, s)],
                    },
                ],
            };
            let yaml = serde_yaml::to_string(&doc).unwrap();
            let cb = Codebook::parse(&yaml, "cb.yaml", String::new())
                .unwrap_or_else(|e| panic!("{s:?}: {}\n{yaml}", e.report()));
            let once =
                canonical_checked(&cb, &yaml).unwrap_or_else(|e| panic!("{s:?}: {}", e.report()));
            let again = Codebook::parse(&once, "cb.yaml", String::new()).unwrap();
            assert_eq!(again.doc, cb.doc, "{s:?}\n{once}");
            assert_eq!(canonical(&again, &once), once, "{s:?} not idempotent");
            // Every plain value on a line is one no reader takes for a non-string.
            for line in once.lines() {
                if let Some((_, v)) = line.split_once(": ") {
                    let v = v.trim();
                    assert!(!TYPED.is_match(v), "{s:?}: plain `{v}` in\n{once}");
                }
            }
        }
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
            let once = canonical_checked(&cb, text).unwrap();
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
