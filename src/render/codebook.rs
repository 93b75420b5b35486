//! A codebook for people and scripts: `thematic codebook show` as an
//! indented tree (with counts when the study's index is up to date), a
//! Markdown appendix for a report, or CSV (one row per theme and code).

use crate::codebook::{Codebook, Origin};
use crate::error::Result;

use super::Table;

/// One row per theme and code: path, depth, label, definition (a theme's
/// description), include, exclude, example, origin and the match lists.
pub fn csv(cb: &Codebook) -> Result<String> {
    let defs = cb.code_defs();
    let mut t = Table::new(
        [
            "code",
            "depth",
            "label",
            "definition",
            "include",
            "exclude",
            "example",
            "origin",
            "any",
            "all",
            "none",
            "regex",
        ]
        .map(String::from)
        .to_vec(),
    );
    let mut theme = 0;
    for (i, n) in cb.nodes.iter().enumerate() {
        let o = |s: &Option<String>| s.clone().unwrap_or_default();
        let row = match defs[i] {
            None => {
                let th = &cb.doc.themes[theme];
                theme += 1;
                vec![
                    n.path.clone(),
                    "0".into(),
                    n.label.clone(),
                    o(&th.description),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            }
            Some(d) => {
                let m = d.rules.clone().unwrap_or_default();
                vec![
                    n.path.clone(),
                    n.depth.to_string(),
                    n.label.clone(),
                    o(&d.definition),
                    o(&d.include),
                    o(&d.exclude),
                    o(&d.example),
                    d.origin.map(origin).unwrap_or_default().to_string(),
                    m.any.join("; "),
                    m.all.join("; "),
                    m.none.join("; "),
                    m.regex.join("; "),
                ]
            }
        };
        t.rows.push(row);
    }
    t.to_csv()
}

/// An indented tree; `counts` (excerpts, respondents per node) when known.
pub fn tree(cb: &Codebook, counts: Option<&[(u32, u32)]>) -> String {
    let defs = cb.code_defs();
    let mut out = String::new();
    let title = cb.doc.codebook.clone().unwrap_or_else(|| cb.shown.clone());
    out.push_str(&match &cb.doc.version {
        Some(v) => format!("{title} (version {v})\n"),
        None => format!("{title}\n"),
    });
    for (i, n) in cb.nodes.iter().enumerate() {
        let mut line = format!("{}{}  {}", "  ".repeat(n.depth), n.id, n.label);
        if defs[i].is_some_and(|d| d.auto_rules().is_none()) {
            line.push_str("  [by hand]");
        }
        if let Some(c) = &counts {
            line.push_str(&format!("  ({} excerpts, {} respondents)", c[i].0, c[i].1));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A Markdown appendix: each theme and code with its definition, include,
/// exclude, example, origin, when known its counts, and the memos about it
/// (`memos[node]`, titles and paths).
pub fn markdown(
    cb: &Codebook,
    counts: Option<&[(u32, u32)]>,
    memos: &[Vec<crate::memo::MemoRef>],
) -> String {
    // Text shows as written, as in the report's Markdown: a label or an
    // example with `<img …>` or `[x](javascript:…)` stays words.
    use crate::report::markdown::{code, text};
    let defs = cb.code_defs();
    let mut out = String::new();
    let title = cb.doc.codebook.clone().unwrap_or_else(|| "Codebook".into());
    out.push_str(&format!("# {}\n\n", text(&title)));
    if let Some(v) = &cb.doc.version {
        out.push_str(&format!("Version {}.\n\n", text(v)));
    }
    if let Some(d) = &cb.doc.description {
        out.push_str(&format!("{}\n\n", text(d)));
    }
    let mut theme = 0;
    for (i, n) in cb.nodes.iter().enumerate() {
        match defs[i] {
            None => {
                let th = &cb.doc.themes[theme];
                theme += 1;
                out.push_str(&format!("## {} (`{}`)\n\n", text(&n.label), code(&n.path)));
                if let Some(d) = &th.description {
                    out.push_str(&format!("{}\n\n", text(d)));
                }
                if let Some(line) = memo_line(memos.get(i)) {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
            Some(d) => {
                out.push_str(&format!(
                    "{} {} (`{}`)\n\n",
                    "#".repeat((n.depth + 2).min(6)),
                    text(&n.label),
                    code(&n.path)
                ));
                for (name, v) in d.text_fields() {
                    if let Some(v) = v {
                        out.push_str(&format!("- **{name}:** {}\n", text(v)));
                    }
                }
                if let Some(o) = d.origin {
                    out.push_str(&format!("- **Origin:** {}\n", origin(o)));
                }
                if let Some(c) = &counts {
                    out.push_str(&format!(
                        "- **In the study:** {} excerpts from {} respondents\n",
                        c[i].0, c[i].1
                    ));
                }
                if let Some(line) = memo_line(memos.get(i)) {
                    out.push_str(&line);
                }
                out.push('\n');
            }
        }
    }
    out
}

/// `- **Memos:** title (`path`); …` for a node with memos.
fn memo_line(memos: Option<&Vec<crate::memo::MemoRef>>) -> Option<String> {
    let memos = memos.filter(|m| !m.is_empty())?;
    let list: Vec<String> = memos
        .iter()
        .map(|m| {
            format!(
                "{} (`{}`)",
                crate::report::markdown::text(&m.title),
                crate::report::markdown::code(&m.path)
            )
        })
        .collect();
    Some(format!("- **Memos:** {}\n", list.join("; ")))
}

/// An origin as the codebook writes it.
fn origin(o: Origin) -> &'static str {
    match o {
        Origin::APriori => "a-priori",
        Origin::Emergent => "emergent",
    }
}
