//! Comparing two versions of a codebook (`thematic codebook diff`): added,
//! removed, renamed (the new code's `formerly` names the old id), moved
//! (same id, another parent) and changed codes, each changed field before →
//! after and match terms added or removed per list. Output order follows the
//! new codebook, then removals in the old codebook's order.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{CodeDef, Codebook, MatchDef, Origin};

/// What happened to one theme or code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// Renamed via `formerly` (perhaps moved too).
    Renamed,
    /// Same id under another parent.
    Moved,
    /// Same path, different fields.
    Changed,
}

/// One field's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// `label`, `definition`, …, or `match.any` etc.
    pub field: String,
    /// Before (scalar fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// After (scalar fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Terms added (lists).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    /// Terms removed (lists).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

/// One entry of the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// What happened.
    pub kind: Kind,
    /// Path in the old version (None when added).
    pub old: Option<String>,
    /// Path in the new version (None when removed).
    pub new: Option<String>,
    /// Field changes (also for renamed and moved codes).
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Fields {
    label: Option<String>,
    description: Option<String>,
    definition: Option<String>,
    include: Option<String>,
    exclude: Option<String>,
    example: Option<String>,
    origin: Option<String>,
    rules: MatchDef,
}

fn fields(cb: &Codebook) -> Vec<Fields> {
    let defs = cb.code_defs();
    let mut theme_i = 0;
    defs.iter()
        .map(|d| match d {
            Some(c) => code_fields(c),
            None => {
                let t = &cb.doc.themes[theme_i];
                theme_i += 1;
                Fields {
                    label: t.label.clone(),
                    description: t.description.clone(),
                    ..Default::default()
                }
            }
        })
        .collect()
}

fn code_fields(c: &CodeDef) -> Fields {
    Fields {
        label: c.label.clone(),
        description: None,
        definition: c.definition.clone(),
        include: c.include.clone(),
        exclude: c.exclude.clone(),
        example: c.example.clone(),
        origin: c.origin.map(|o| match o {
            Origin::APriori => "a-priori".to_string(),
            Origin::Emergent => "emergent".to_string(),
        }),
        rules: c.rules.clone().unwrap_or_default(),
    }
}

fn field_changes(a: &Fields, b: &Fields) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let scalars = [
        ("label", &a.label, &b.label),
        ("description", &a.description, &b.description),
        ("definition", &a.definition, &b.definition),
        ("include", &a.include, &b.include),
        ("exclude", &a.exclude, &b.exclude),
        ("example", &a.example, &b.example),
        ("origin", &a.origin, &b.origin),
    ];
    for (name, x, y) in scalars {
        if x != y {
            out.push(FieldChange {
                field: name.into(),
                before: x.clone(),
                after: y.clone(),
                added: vec![],
                removed: vec![],
            });
        }
    }
    let lists = [
        ("match.any", &a.rules.any, &b.rules.any),
        ("match.all", &a.rules.all, &b.rules.all),
        ("match.none", &a.rules.none, &b.rules.none),
        ("match.regex", &a.rules.regex, &b.rules.regex),
    ];
    for (name, x, y) in lists {
        let xs: BTreeSet<&String> = x.iter().collect();
        let ys: BTreeSet<&String> = y.iter().collect();
        let added: Vec<String> = y.iter().filter(|t| !xs.contains(t)).cloned().collect();
        let removed: Vec<String> = x.iter().filter(|t| !ys.contains(t)).cloned().collect();
        if !added.is_empty() || !removed.is_empty() {
            out.push(FieldChange {
                field: name.into(),
                before: None,
                after: None,
                added,
                removed,
            });
        }
    }
    out
}

/// Which old node each new node continues: the same path, else renamed
/// (the new code's `formerly` names the old id), else moved (the same id,
/// unique among the old nodes left).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pairing {
    /// New node index → old node index.
    pub matched: BTreeMap<usize, usize>,
    /// New nodes paired by `formerly`.
    pub renamed: BTreeSet<usize>,
}

impl Pairing {
    /// The old node a new node continues.
    pub fn old_of(&self, new: usize) -> Option<usize> {
        self.matched.get(&new).copied()
    }
}

/// Pairs the nodes of `new` with those of `old` they continue.
pub fn pair(old: &Codebook, new: &Codebook) -> Pairing {
    let old_by_path = old.by_path();
    let new_paths: BTreeSet<&str> = new.nodes.iter().map(|n| n.path.as_str()).collect();
    let new_defs = new.code_defs();
    let mut matched: BTreeMap<usize, usize> = BTreeMap::new(); // new → old
    let mut used: BTreeSet<usize> = BTreeSet::new();
    // 1. Same path.
    for (j, n) in new.nodes.iter().enumerate() {
        if let Some(&i) = old_by_path.get(n.path.as_str()) {
            matched.insert(j, i);
            used.insert(i);
        }
    }
    let parent_path = |cb: &Codebook, i: usize| {
        cb.nodes[i]
            .parent
            .map(|p| cb.nodes[p].path.clone())
            .unwrap_or_default()
    };
    // 2. Renamed: the new code's `formerly` names an old id no longer at its path.
    let mut renamed: BTreeSet<usize> = BTreeSet::new();
    for (j, n) in new.nodes.iter().enumerate() {
        if matched.contains_key(&j) {
            continue;
        }
        let Some(Some(def)) = new_defs.get(j) else {
            continue;
        };
        let candidates: Vec<usize> = (0..old.nodes.len())
            .filter(|i| {
                !used.contains(i)
                    && def.formerly.iter().any(|f| *f == old.nodes[*i].id)
                    && !new_paths.contains(old.nodes[*i].path.as_str())
            })
            .collect();
        let pick = candidates
            .iter()
            .copied()
            .find(|&i| parent_path(old, i) == parent_path(new, j))
            .or(candidates.first().copied());
        if let Some(i) = pick {
            matched.insert(j, i);
            used.insert(i);
            renamed.insert(j);
        }
        let _ = n;
    }
    // 3. Moved: the same id, unique among the unmatched old nodes.
    for (j, n) in new.nodes.iter().enumerate() {
        if matched.contains_key(&j) || n.depth == 0 {
            continue;
        }
        let candidates: Vec<usize> = (0..old.nodes.len())
            .filter(|i| !used.contains(i) && old.nodes[*i].id == n.id && old.nodes[*i].depth > 0)
            .collect();
        if candidates.len() == 1 {
            matched.insert(j, candidates[0]);
            used.insert(candidates[0]);
        }
    }
    Pairing { matched, renamed }
}

/// The differences from `old` to `new`.
pub fn diff(old: &Codebook, new: &Codebook) -> Vec<Entry> {
    let of = fields(old);
    let nf = fields(new);
    let Pairing { matched, renamed } = pair(old, new);
    let used: BTreeSet<usize> = matched.values().copied().collect();
    let mut out = Vec::new();
    for (j, n) in new.nodes.iter().enumerate() {
        match matched.get(&j) {
            None => out.push(Entry {
                kind: Kind::Added,
                old: None,
                new: Some(n.path.clone()),
                changes: Vec::new(),
            }),
            Some(&i) => {
                let changes = field_changes(&of[i], &nf[j]);
                let kind = if renamed.contains(&j) {
                    Kind::Renamed
                } else if old.nodes[i].path != n.path {
                    Kind::Moved
                } else if !changes.is_empty() {
                    Kind::Changed
                } else {
                    continue;
                };
                out.push(Entry {
                    kind,
                    old: Some(old.nodes[i].path.clone()),
                    new: Some(n.path.clone()),
                    changes,
                });
            }
        }
    }
    for (i, n) in old.nodes.iter().enumerate() {
        if !used.contains(&i) {
            out.push(Entry {
                kind: Kind::Removed,
                old: Some(n.path.clone()),
                new: None,
                changes: Vec::new(),
            });
        }
    }
    out
}

/// The diff as text (`markdown` adds list markup).
pub fn to_text(entries: &[Entry], markdown: bool) -> String {
    let mut out = String::new();
    let code = |s: &str| {
        if markdown {
            format!("`{s}`")
        } else {
            s.to_string()
        }
    };
    for e in entries {
        let head = match e.kind {
            Kind::Added => format!("added    {}", code(e.new.as_deref().unwrap_or(""))),
            Kind::Removed => format!("removed  {}", code(e.old.as_deref().unwrap_or(""))),
            Kind::Renamed => format!(
                "renamed  {} -> {}",
                code(e.old.as_deref().unwrap_or("")),
                code(e.new.as_deref().unwrap_or(""))
            ),
            Kind::Moved => format!(
                "moved    {} -> {}",
                code(e.old.as_deref().unwrap_or("")),
                code(e.new.as_deref().unwrap_or(""))
            ),
            Kind::Changed => format!("changed  {}", code(e.new.as_deref().unwrap_or(""))),
        };
        out.push_str(if markdown { "- " } else { "" });
        out.push_str(&head);
        out.push('\n');
        for c in &e.changes {
            let pad = if markdown { "  - " } else { "    " };
            if c.added.is_empty() && c.removed.is_empty() {
                let show = |v: &Option<String>| {
                    v.as_ref()
                        .map_or("(none)".to_string(), |s| format!("{s:?}"))
                };
                out.push_str(&format!(
                    "{pad}{}: {} -> {}\n",
                    c.field,
                    show(&c.before),
                    show(&c.after)
                ));
            } else {
                let mut parts: Vec<String> = c.added.iter().map(|t| format!("+{t}")).collect();
                parts.extend(c.removed.iter().map(|t| format!("-{t}")));
                out.push_str(&format!("{pad}{}: {}\n", c.field, parts.join(" ")));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cb(text: &str) -> Codebook {
        Codebook::parse(text, "cb.yaml", String::new()).unwrap()
    }

    #[test]
    fn added_removed_renamed_moved_changed() {
        let old = cb("themes:
  - id: family
    codes:
      - id: family_search
        label: Search
        match: {any: [report*, police]}
      - id: money
      - id: gone
  - id: justice
    codes:
      - id: police
");
        let new = cb("themes:
  - id: family
    codes:
      - id: search_and_report
        label: Family searches and reports
        formerly: [family_search]
        match: {any: [report*, looked for]}
      - id: money
        definition: Debts and remittances.
      - id: police
      - id: stigma
  - id: justice
");
        let d = diff(&old, &new);
        assert_eq!(
            to_text(&d, false),
            r#"renamed  family/family_search -> family/search_and_report
    label: "Search" -> "Family searches and reports"
    match.any: +looked for -police
changed  family/money
    definition: (none) -> "Debts and remittances."
moved    justice/police -> family/police
added    family/stigma
removed  family/gone
"#
        );
        assert!(diff(&old, &old).is_empty());
    }
}
