//! The report as Markdown (pipe tables and blockquotes), for pandoc:
//! `pandoc report.md -o report.docx`. Every text from the study passes
//! [`text`], which backslash-escapes what Markdown (and pandoc's
//! extensions: raw HTML, citations, math) would otherwise interpret, so a
//! transcript's `<script>` or `*` reaches the document as typed.

use super::{ByRespondent, CellKind, Cooccur, HeatMap, Report};

/// The report as Markdown.
pub(crate) fn render(r: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!("# {}\n\n", text(&r.title)));
    if let Some(d) = &r.description {
        out.push_str(&format!("{}\n\n", text(d)));
    }
    for line in super::front_lines(r) {
        out.push_str(&format!("- {}\n", text(&line)));
    }
    out.push('\n');

    out.push_str("## Themes by respondent group\n\n");
    out.push_str(&format!("{}\n\n", prose(&super::groups_caption(r))));
    heat_map(&mut out, &r.groups, r.by.as_deref().unwrap_or("respondent"));
    match &r.respondents {
        ByRespondent::Shown(map) => {
            out.push_str("## Themes by respondent\n\n");
            out.push_str("Excerpts per respondent.\n\n");
            heat_map(&mut out, map, "respondent");
        }
        ByRespondent::TooMany(n) => {
            out.push_str(&format!("{}\n\n", prose(&super::too_many_respondents(*n))));
        }
        ByRespondent::SameAsGroups => {}
    }

    for t in &r.themes {
        out.push_str(&format!("## {}\n\n", text(&t.label)));
        if let Some(d) = &t.description {
            out.push_str(&format!("{}\n\n", text(d)));
        }
        summaries(&mut out, &t.summaries, t.more_summaries, &t.path);
        for c in &t.codes {
            if c.depth > 0 {
                out.push_str(&format!(
                    "{} {}\n\n",
                    "#".repeat((c.depth + 2).min(6)),
                    text(&c.label)
                ));
            }
            if let Some(d) = &c.definition {
                out.push_str(&format!("*Definition:* {}\n\n", text(d)));
            }
            summaries(&mut out, &c.summaries, c.more_summaries, &c.path);
            for q in &c.quotes {
                for (i, para) in q.text.split("\n\n").enumerate() {
                    if i > 0 {
                        out.push_str(">\n");
                    }
                    for line in para.lines() {
                        out.push_str(&format!("> {}\n", text(line)));
                    }
                }
                out.push_str(">\n");
                let time = if q.time.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", text(&q.time))
                };
                out.push_str(&format!(
                    "> **Quote {}:** {} (`{}`{time})\n\n",
                    q.number,
                    text(&q.attribution),
                    code(&q.id)
                ));
            }
            if let Some(note) = super::more_line(c) {
                out.push_str(&format!("*{}*\n\n", prose(&note)));
            }
        }
    }

    if let Some(c) = &r.cooccur {
        cooccur_section(&mut out, c);
    }

    if let Some(a) = &r.agreement {
        out.push_str("## Agreement between coders\n\n");
        out.push_str(&format!("{}\n\n", prose(&super::agreement_caption(a))));
        let header: Vec<String> = ["code", "units", "agreement", "κ", "α"]
            .map(String::from)
            .to_vec();
        let rows: Vec<Vec<String>> = a
            .lines
            .iter()
            .map(|l| {
                vec![
                    format!("`{}`", code(&l.code)),
                    l.units.to_string(),
                    l.agreement.clone(),
                    l.kappa.clone(),
                    l.alpha.clone(),
                ]
            })
            .collect();
        table(&mut out, &header, &rows, 1);
    }

    out.push_str("## Appendix: the codebook\n\n");
    for e in &r.appendix {
        out.push_str(&format!(
            "{} {} (`{}`)\n\n",
            "#".repeat((e.depth + 3).min(6)),
            text(&e.label),
            code(&e.path)
        ));
        for (name, value) in &e.fields {
            out.push_str(&format!("- **{name}:** {}\n", text(value)));
        }
        if !e.fields.is_empty() {
            out.push('\n');
        }
    }

    out.push_str("## Method\n\n");
    for line in &r.method {
        out.push_str(&format!("{}\n\n", prose(line)));
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The co-occurrence table (or why it is left out).
fn cooccur_section(out: &mut String, c: &Cooccur) {
    out.push_str("## Co-occurrence of codes\n\n");
    match c {
        Cooccur::Shown { codes, cells, .. } => {
            out.push_str("Excerpts at both codes (the diagonal: excerpts at the code).\n\n");
            let mut header = vec!["code".to_string()];
            header.extend((1..=codes.len()).map(|i| i.to_string()));
            let mut rows = Vec::new();
            for (i, (path, label)) in codes.iter().enumerate() {
                let mut row = vec![format!("{}. {} (`{}`)", i + 1, text(label), code(path))];
                row.extend(cells[i].iter().map(u32::to_string));
                rows.push(row);
            }
            table(out, &header, &rows, 1);
        }
        Cooccur::TooMany(n) => {
            out.push_str(&format!("{}\n\n", prose(&super::too_many_codes(*n))));
        }
    }
}

/// Charted summaries, one paragraph each, led by their group, and how
/// many more there are (`more`, at `path`).
fn summaries(out: &mut String, list: &[super::Summary], more: usize, path: &str) {
    for s in list {
        let stale = if s.stale { " (stale)" } else { "" };
        let body: Vec<String> = s.text.lines().map(text).collect();
        out.push_str(&format!(
            "**{}**{stale}: {}\n\n",
            text(&s.case),
            body.join(" ")
        ));
    }
    if more > 0 {
        out.push_str(&format!(
            "{}\n\n",
            prose(&super::more_summaries(more, path))
        ));
    }
}

/// A heat map as a pipe table (the shading is the HTML's).
fn heat_map(out: &mut String, map: &HeatMap, corner: &str) {
    // `\\`: pandoc reads a backslash before a space as a non-breaking space.
    let mut header = vec![format!("code \\\\ {}", text(corner))];
    header.extend(map.columns.iter().map(|c| match map.kind {
        CellKind::Share => format!("{} (n={})", text(&c.name), c.respondents),
        CellKind::Count => text(&c.name),
    }));
    header.push(match map.kind {
        CellKind::Share => format!("total (n={})", map.rows.first().map_or(0, |r| r.total.of)),
        CellKind::Count => "total".into(),
    });
    let rows: Vec<Vec<String>> = map
        .rows
        .iter()
        .map(|r| {
            let label = if r.depth == 0 {
                format!("**{}**", text(&r.label))
            } else {
                format!("{}{}", "\u{a0}\u{a0}".repeat(r.depth), text(&r.label))
            };
            let mut row = vec![label];
            row.extend(r.cells.iter().map(|c| c.text(map.kind)));
            row.push(r.total.text(map.kind));
            row
        })
        .collect();
    table(out, &header, &rows, 1);
}

/// A pipe table, right-aligned from column `right_from`.
fn table(out: &mut String, header: &[String], rows: &[Vec<String>], right_from: usize) {
    let cell = |s: &str| s.replace('|', "\\|");
    out.push('|');
    for h in header {
        out.push_str(&format!(" {} |", cell(h)));
    }
    out.push_str("\n|");
    for i in 0..header.len() {
        out.push_str(if i >= right_from { " ---: |" } else { " --- |" });
    }
    out.push('\n');
    for row in rows {
        out.push('|');
        for c in row {
            out.push_str(&format!(" {} |", cell(c)));
        }
        out.push('\n');
    }
    out.push('\n');
}

/// Text as Markdown shows it literally: punctuation Markdown or pandoc
/// would read as markup is backslash-escaped (`|` is escaped by tables),
/// and a line that would start a list, heading or quote is escaped at its
/// start.
pub(crate) fn text(s: &str) -> String {
    // No control characters or bidi overrides (see `safe::terminal`): the
    // report may be printed on the terminal.
    let s = &*crate::render::safe::terminal(s);
    let mut out = String::with_capacity(s.len() + 8);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let body = line.trim_start();
        out.push_str(&line[..line.len() - body.len()]);
        let digits = body.bytes().take_while(u8::is_ascii_digit).count();
        let list_number = digits > 0 && matches!(body.as_bytes().get(digits), Some(b'.' | b')'));
        if list_number {
            out.push_str(&body[..digits]);
            out.push('\\');
            out.push_str(&escape_inline(&body[digits..]));
            continue;
        }
        if body.starts_with(['-', '+', '=']) {
            out.push('\\');
        }
        out.push_str(&escape_inline(body));
    }
    out
}

fn escape_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '~' | '^' | '$' | '@' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The report's own sentences: `backticked` parts are code spans, the
/// rest is [`text`].
fn prose(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("`{part}`")
            } else {
                text(part)
            }
        })
        .collect()
}

/// Text inside a code span: backticks would end it, so they become `'`.
pub(crate) fn code(s: &str) -> String {
    crate::render::safe::terminal(s).replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_from_the_study_becomes_markup() {
        let md = render(&super::super::sample());
        // Only inside code spans, where Markdown reads no markup.
        assert_eq!(
            md.matches("<i>").count(),
            md.matches("`transcripts/<i>x</i>.txt:3`").count(),
            "{md}"
        );
        assert!(
            md.contains("| code \\\\ role | \\<i\\>x\\</i\\> (n=2) | total (n=2) |\n"),
            "{md}"
        );
        assert!(md.contains("> \\<i\\>x\\</i\\>\n>\n> \\<i\\>x\\</i\\>\n>\n> **Quote 1:** \\<i\\>x\\</i\\> (`transcripts/<i>x</i>.txt:3`)\n"), "{md}");
        assert!(
            md.contains("**\\<i\\>x\\</i\\>** (stale): \\<i\\>x\\</i\\> \\- line\n"),
            "{md}"
        );
        assert!(md.contains("As `thematic matrix`."), "{md}");
    }

    #[test]
    fn text_is_escaped_literally() {
        assert_eq!(
            text("<script>alert(1)</script> *very* [link](x) @cite $5"),
            "\\<script\\>alert(1)\\</script\\> \\*very\\* \\[link\\](x) \\@cite \\$5"
        );
        assert_eq!(
            text("- no list\n1. no list\n# no heading"),
            "\\- no list\n1\\. no list\n\\# no heading"
        );
        assert_eq!(text("Niña, 12 años"), "Niña, 12 años");
    }
}
