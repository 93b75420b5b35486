//! `thematic pseudonyms log`: what the key file replaces, where, for the
//! anonymisation log that ethics boards ask for; and `thematic
//! check-identifiers`: the words that may be names the key file misses.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cli::{PseudonymsCommand, ReadOpts, TextFormat as Format};
use crate::error::{Error, Result};
use crate::index::collect::HitFilter;
use crate::render::{self, Table};
use crate::study::StudyAt;

/// One key-file term in the log.
#[derive(Debug, Serialize)]
struct LogRow {
    term: String,
    replace: String,
    line: usize,
    count: usize,
    excerpts: Vec<String>,
    /// Respondents whose id or attribute values hold the term (a name in
    /// respondents.csv is replaced wherever that value is shown).
    respondents: Vec<String>,
}

/// Runs `thematic pseudonyms …`.
pub fn run(project: &StudyAt, c: PseudonymsCommand) -> Result<()> {
    let PseudonymsCommand::Log { format, read } = c;
    let (study, idx) = super::open(project, &read)?;
    let m = &idx.manifest;
    let (p, warnings) = crate::privacy::for_study(&study, &m.attributes)?;
    for w in warnings {
        eprintln!("warning: {}", render::safe::terminal(&w));
    }
    if p.is_empty() {
        return Err(Error::input(format!(
            "there is no pseudonym key file ({}), or it has no entry",
            study.settings.pseudonyms
        ))
        .with_hint(
            "write one: `- {find: [Rosa Quispe, Rosa], replace: \"[survivor, 19]\"}` a line",
        ));
    }
    let mut rows: Vec<LogRow> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    for (term, replace, line) in p.terms() {
        at.insert(term.to_string(), rows.len());
        rows.push(LogRow {
            term: term.to_string(),
            replace: replace.to_string(),
            line,
            count: 0,
            excerpts: Vec::new(),
            respondents: Vec::new(),
        });
    }
    let filter = super::filter(m, &read)?;
    let hits = idx.corpus(HitFilter {
        filter,
        ..Default::default()
    })?;
    let searcher = idx.reader.searcher();
    let mut log: Vec<crate::privacy::Replaced> = Vec::new();
    for h in &hits {
        let e = idx.stored(&searcher, h.addr)?;
        log.clear();
        for field in [&e.text, &e.question, &e.respondent] {
            p.apply_logged(field, &mut log);
        }
        for r in &log {
            if let Some(row) = at.get(&r.term).map(|&i| &mut rows[i]) {
                row.count += 1;
                if row.excerpts.last() != Some(&e.id) {
                    row.excerpts.push(e.id.clone());
                }
            }
        }
    }
    // Respondent ids and attribute values are replaced where they are shown
    // (attributions, exports, the report's heat map): a term that matches
    // only there still matches.
    let mut who: std::collections::BTreeSet<&String> = m.respondents.iter().collect();
    who.extend(m.attributes.keys());
    for id in who {
        log.clear();
        p.apply_logged(id, &mut log);
        for v in m.attributes.get(id).into_iter().flat_map(|a| a.values()) {
            p.apply_logged(v, &mut log);
        }
        for r in &log {
            if let Some(row) = at.get(&r.term).map(|&i| &mut rows[i]) {
                row.count += 1;
                if row.respondents.last() != Some(id) {
                    row.respondents.push(id.clone());
                }
            }
        }
    }
    // A name only a respondent who withdrew said is no longer read: its
    // entry still matters (their words may come back in a file, a sheet or
    // a chart), so the warning says so rather than only "check its spelling".
    let why = if m.withdrawn.is_empty() {
        "check its spelling"
    } else {
        "check its spelling (or it is only in the words of respondents who withdrew consent, which are no longer read: keep the entry)"
    };
    for r in rows.iter().filter(|r| r.count == 0) {
        eprintln!(
            "warning: {}:{}: `{}` matches nothing in the study; {why}",
            p.shown(),
            r.line,
            render::safe::terminal(&r.term)
        );
    }
    let out = match format {
        Format::Json => render::json(&rows)?,
        f => {
            let mut t = Table::new(
                [
                    "term",
                    "replace",
                    "line",
                    "count",
                    "excerpts",
                    "respondents",
                ]
                .map(String::from)
                .to_vec(),
            );
            t.right = vec![false, false, true, true, false, false];
            for r in &rows {
                t.rows.push(vec![
                    r.term.clone(),
                    r.replace.clone(),
                    r.line.to_string(),
                    r.count.to_string(),
                    r.excerpts.join(if f == Format::Csv { ";" } else { " " }),
                    r.respondents.join(if f == Format::Csv { ";" } else { " " }),
                ]);
            }
            super::laid_out(&t, project.terminal, f.into(), "")?
        }
    };
    render::emit(&out)
}

/// One excerpt's unaccounted-for words.
#[derive(Debug, Serialize)]
struct Candidates {
    excerpt: String,
    words: Vec<String>,
}

/// Runs `thematic check-identifiers`.
pub fn check_identifiers(project: &StudyAt, format: Format, read: &ReadOpts) -> Result<()> {
    use crate::privacy::identifiers::{candidates_outside, Known};
    let (study, idx) = super::open(project, read)?;
    let m = &idx.manifest;
    let mut known = Known::common();
    let cb_path = study.resolve(&study.settings.codebook);
    let cb = crate::codebook::Codebook::load(&cb_path, &study.settings.codebook)?;
    for def in cb.code_defs().into_iter().flatten() {
        if let Some(rules) = &def.rules {
            for t in rules.any.iter().chain(&rules.all).chain(&rules.none) {
                known.add(t);
            }
        }
    }
    let (p, warnings) = crate::privacy::for_study(&study, &m.attributes)?;
    for w in warnings {
        eprintln!("warning: {}", render::safe::terminal(&w));
    }
    for (term, _, _) in p.terms() {
        known.add_whole(term);
    }
    for r in &m.respondents {
        known.add(r);
    }
    let filter = super::filter(m, read)?;
    let hits = idx.corpus(HitFilter {
        filter,
        ..Default::default()
    })?;
    let searcher = idx.reader.searcher();
    let mut rows: Vec<Candidates> = Vec::new();
    for h in &hits {
        let e = idx.stored(&searcher, h.addr)?;
        // A word inside a key-file match is accounted for; the same word
        // elsewhere (a surname alone, where the key file has the full
        // name) is not.
        let words_of = |text: &str| candidates_outside(text, &known, &p.replaced_spans(text));
        let mut words = words_of(&e.question);
        for w in words_of(&e.text) {
            if !words.contains(&w) {
                words.push(w);
            }
        }
        if !words.is_empty() {
            rows.push(Candidates {
                excerpt: e.id,
                words,
            });
        }
    }
    eprintln!(
        "{} of {} excerpts have words that no codebook term, key-file term or common word accounts for",
        rows.len(),
        hits.len()
    );
    let out = match format {
        Format::Json => render::json(&rows)?,
        f => {
            let mut t = Table::new(["excerpt", "words"].map(String::from).to_vec());
            for r in &rows {
                let sep = if f == Format::Csv { ";" } else { ", " };
                t.rows.push(vec![r.excerpt.clone(), r.words.join(sep)]);
            }
            super::laid_out(&t, project.terminal, f.into(), "")?
        }
    };
    render::emit(&out)
}
