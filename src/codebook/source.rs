//! Where things are in a codebook's YAML text, found from the text itself:
//! which lines are the content of block scalars (`|`, `>`), and the
//! theme and code mappings (`- ` items) with the lines that belong to
//! each. `serde_yaml` gives no positions for a parsed value, so errors found
//! after parsing (unknown keys, bad ids) are placed with this map, and
//! `fmt` uses it to keep comments with their keys. Flow-style mappings
//! (`{id: a}`) have no items here; their errors fall back to the nearest
//! enclosing item or the file.

use regex::Regex;
use std::sync::LazyLock;

/// `key:` at the start of a line (after any `- `), with its indent.
pub(crate) static KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\s*)(-\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*:(\s|$)").expect("valid regex")
});

/// A block scalar's header: `key: |`, `- >-`, `key: |2+`, …
static BLOCK_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^(\s*)((?:-\s+)*)([^\s#'"\-][^:#]*:\s+)?(?:!\S*\s+)?[|>](?:[1-9][+-]?|[+-][1-9]?)?$"#,
    )
    .expect("valid regex")
});

/// Splits a line into content and an inline `# comment` (outside quotes).
pub(crate) fn split_comment(line: &str) -> (&str, Option<&str>) {
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

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// For each line, whether it is content of a block scalar (so that a `#`
/// or `- ` there is text, not a comment or an item).
pub(crate) fn scalar_lines(lines: &[&str]) -> Vec<bool> {
    let mut inside = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        if let Some(end) = open_quote_end(lines, i) {
            for flag in &mut inside[i + 1..=end] {
                *flag = true;
            }
            i = end + 1;
            continue;
        }
        let (content, _) = split_comment(lines[i]);
        i += 1;
        let Some(h) = BLOCK_HEADER.captures(content) else {
            continue;
        };
        let lead = h[1].len();
        let dashes = h.get(2).map_or("", |m| m.as_str());
        // Content must be indented more than the node that holds the scalar:
        // the key's column, or the last `- ` of an item that is the scalar.
        let parent = if h.get(3).is_some() {
            lead + dashes.len()
        } else {
            lead + dashes.trim_end().len().saturating_sub(1)
        };
        while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) > parent) {
            inside[i] = true;
            i += 1;
        }
    }
    inside
}

/// When line `i` holds a quoted scalar that goes on over the next lines,
/// the 0-based line where it closes (the last line of the file when it
/// never does).
fn open_quote_end(lines: &[&str], i: usize) -> Option<usize> {
    let line = lines[i];
    let rest = line.trim_start();
    let rest = rest.trim_start_matches(['-', ' ']);
    let value = match KEY.captures(rest) {
        Some(k) => rest[k.get(0).map_or(0, |m| m.end())..].trim_start(),
        None => rest,
    };
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut chars = value[1..].chars().peekable();
    let mut at = i;
    loop {
        while let Some(c) = chars.next() {
            match (quote, c) {
                ('"', '\\') => {
                    chars.next();
                }
                ('\'', '\'') if chars.peek() == Some(&'\'') => {
                    chars.next();
                }
                (q, c) if q == c => return (at > i).then_some(at),
                _ => {}
            }
        }
        at += 1;
        if at >= lines.len() {
            return Some(lines.len() - 1).filter(|&end| end > i);
        }
        chars = lines[at].chars().peekable();
    }
}

/// A `- ` item of a block sequence: a theme or code mapping when it sits
/// under `themes:` or `codes:`.
#[derive(Debug)]
pub(crate) struct Item {
    /// Column of the `-`.
    pub col: usize,
    /// 0-based line of the `-`.
    pub first: usize,
    /// The item that holds this one's sequence (None at the top level).
    pub parent: Option<usize>,
    /// The key of the sequence the item is in (`themes`, `codes`, `any`, …).
    pub list_key: String,
    /// 0-based lines whose innermost item is this one.
    pub lines: Vec<usize>,
}

/// The items of a codebook's text and the lines outside any item.
#[derive(Debug)]
pub(crate) struct SourceMap<'a> {
    lines: Vec<&'a str>,
    /// Every item, in document order.
    pub items: Vec<Item>,
    top: Vec<usize>,
}

impl<'a> SourceMap<'a> {
    /// Maps `text`.
    pub fn new(text: &'a str) -> SourceMap<'a> {
        let lines: Vec<&str> = text.lines().collect();
        let scalar = scalar_lines(&lines);
        let significant = |i: usize| {
            let t = lines[i].trim_start();
            !scalar[i] && !t.is_empty() && !t.starts_with('#')
        };
        let is_item = |t: &str| t.starts_with("- ") || t == "-";
        let mut items: Vec<Item> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut top = Vec::new();
        // The item that starts on each line.
        let mut item_at: Vec<Option<usize>> = vec![None; lines.len()];
        for i in 0..lines.len() {
            if !significant(i) {
                continue;
            }
            let t = lines[i].trim_start();
            let ind = indent(lines[i]);
            while let Some(&b) = stack.last() {
                if (is_item(t) || ind <= items[b].col) && ind < items[b].col + 2 {
                    stack.pop();
                } else {
                    break;
                }
            }
            if is_item(t) {
                // The sequence's key: the nearest line above that is neither
                // deeper nor a sibling item. A sibling item found first has
                // the same key (its own search went on from there), which
                // keeps a list of thousands of items linear.
                let above = (0..i)
                    .rev()
                    .filter(|&j| significant(j))
                    .find(|&j| indent(lines[j]) <= ind);
                let sibling = above.and_then(|j| item_at[j].filter(|_| indent(lines[j]) == ind));
                let list_key = match sibling {
                    Some(sibling) => items[sibling].list_key.clone(),
                    None => above
                        .and_then(|j| {
                            KEY.captures(split_comment(lines[j]).0)
                                .map(|k| k[3].to_string())
                        })
                        .unwrap_or_default(),
                };
                item_at[i] = Some(items.len());
                items.push(Item {
                    col: ind,
                    first: i,
                    parent: stack.last().copied(),
                    list_key,
                    lines: Vec::new(),
                });
                stack.push(items.len() - 1);
            }
            match stack.last() {
                Some(&b) => items[b].lines.push(i),
                None => top.push(i),
            }
        }
        SourceMap { lines, items, top }
    }

    /// The `n`th item of the `key:` sequence of `parent` (None: the top level).
    pub fn child(&self, parent: Option<usize>, key: &str, n: usize) -> Option<usize> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.parent == parent && it.list_key == key)
            .nth(n)
            .map(|(i, _)| i)
    }

    /// 1-based line and column of `key:` in an item (None: the top level).
    pub fn key(&self, item: Option<usize>, key: &str) -> Option<(usize, usize)> {
        let own = match item {
            Some(b) => &self.items[b].lines,
            None => &self.top,
        };
        own.iter().find_map(|&i| {
            let (content, _) = split_comment(self.lines[i]);
            let k = KEY.captures(content)?;
            (&k[3] == key).then(|| {
                let col = k[1].len() + k.get(2).map_or(0, |m| m.as_str().len());
                (i + 1, col + 1)
            })
        })
    }

    /// 1-based line and column of an item's `-`.
    pub fn item_start(&self, item: usize) -> (usize, usize) {
        let it = &self.items[item];
        (it.first + 1, it.col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_scalar_content_is_not_structure() {
        let text = "themes:\n  - id: a\n    description: |\n      # not a comment\n      - not an item\n\n      key: not a key\n    label: A\n";
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            scalar_lines(&lines),
            [false, false, false, true, true, true, true, false]
        );
        let map = SourceMap::new(text);
        assert_eq!(map.items.len(), 1);
        assert_eq!(map.key(Some(0), "label"), Some((8, 5)));
        assert_eq!(map.key(Some(0), "key"), None);
    }

    #[test]
    fn quoted_scalars_over_several_lines_are_text() {
        let text =
            "a: \"one\n  # two\n  three\"\nb: 'it''s\n  # x'\nc: \"closed\" # real\n# real too\n";
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            scalar_lines(&lines),
            [false, true, true, false, true, false, false]
        );
    }

    #[test]
    fn a_long_list_of_items_is_mapped_in_linear_time() {
        // Found by fuzzing `codebook import`: each item looked for its
        // sequence's key past every sibling above it, quadratic in the
        // length of a list (3,400 codes under one theme took 11 s).
        let mut text = String::from("themes:\n  - id: familia\n    codes:\n");
        for n in 0..6_000 {
            text.push_str(&format!("      - id: c{n}\n        label: Código {n}\n"));
        }
        text.push_str("  - id: retorno\n");
        let started = std::time::Instant::now();
        let map = SourceMap::new(&text);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(map.items.len(), 6_002);
        assert!(map.items[1..6_001]
            .iter()
            .all(|it| it.list_key == "codes" && it.parent == Some(0)));
        assert_eq!(map.items[6_001].list_key, "themes");
        assert_eq!(map.items[6_001].parent, None);
    }

    #[test]
    fn items_by_sequence_and_position() {
        let text = "themes:\n- codes:\n  - id: b\n    formerly:\n      - old_b\n  - id: c\n  id: a\n  lable: x\n";
        let map = SourceMap::new(text);
        let theme = map.child(None, "themes", 0);
        assert_eq!(theme, Some(0));
        let c = map.child(theme, "codes", 1).unwrap();
        assert_eq!(map.item_start(c), (6, 3));
        assert_eq!(map.key(theme, "lable"), Some((8, 3)));
        assert_eq!(map.key(theme, "codes"), Some((2, 3)));
        assert_eq!(map.child(theme, "codes", 2), None);
    }
}
