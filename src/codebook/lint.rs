//! `codebook check`'s lints: what is legal but likely a mistake. Some need
//! only the codebook ([`codebook_lints`]); others need the study's excerpts,
//! tallied by the caller through a [`StudyTally`] (the caller reads the
//! excerpts; this module names neither the index nor the transcripts) and
//! judged by [`study_lints`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use rustc_hash::FxHashMap;

use super::matcher::{Matcher, Scratch};
use super::{parse_term, Codebook};
use crate::study::Language;
use crate::text;
use crate::text::analysis::Stems;

/// A lint: a line of the codebook (0: the file as a whole) and what is
/// likely wrong there.
#[derive(Debug, Clone, Serialize)]
pub struct Lint {
    /// 1-based line, or 0 for the whole file.
    pub line: usize,
    /// What is likely wrong.
    pub message: String,
}

/// Lints of the codebook alone: ids used in several places, themes without
/// codes, codes without a definition, no themes at all.
pub fn codebook_lints(cb: &Codebook) -> Vec<Lint> {
    let mut lints: Vec<Lint> = Vec::new();
    let defs = cb.code_defs();
    // The same id in several places makes suffixes ambiguous.
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, n) in cb.nodes.iter().enumerate() {
        by_id.entry(n.id.as_str()).or_default().push(i);
    }
    for (id, places) in &by_id {
        if places.len() > 1 {
            let paths: Vec<&str> = places.iter().map(|&i| cb.nodes[i].path.as_str()).collect();
            lints.push(Lint {
                line: cb.nodes[places[1]].line,
                message: format!(
                    "id `{id}` is used at {}: refer to these by full path",
                    paths.join(", ")
                ),
            });
        }
    }
    // An earlier id is followed only where no current code has it: one
    // that a code has now names that code, not the renamed one.
    let mut claimed: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in defs.iter().enumerate() {
        for f in d.iter().flat_map(|d| &d.formerly) {
            let id = f.rsplit('/').next().unwrap_or(f);
            claimed.entry(id).or_default().push(i);
        }
    }
    for (id, codes) in &claimed {
        // A code moved under its own id lists that id to be reached by its
        // old full path (as the README says): no clash with itself.
        let codes: Vec<usize> = codes
            .iter()
            .copied()
            .filter(|&c| by_id.get(id).is_none_or(|now| now.as_slice() != [c]))
            .collect();
        let Some(&first) = codes.first() else {
            continue;
        };
        let first = &cb.nodes[first];
        if let Some(now) = by_id.get(id) {
            let now: Vec<&str> = now.iter().map(|&i| cb.nodes[i].path.as_str()).collect();
            lints.push(Lint {
                line: first.line,
                message: format!(
                    "`{id}` in the `formerly` of `{}` is the id of {} now: coding sheets, chart \
                     headings and memos that name `{id}` mean the current code, not the renamed \
                     one; give one of them another id",
                    first.path,
                    now.iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    for (i, n) in cb.nodes.iter().enumerate() {
        match defs[i] {
            None if cb.subtree(i).len() == 1 => lints.push(Lint {
                line: n.line,
                message: format!("theme `{}` has no codes", n.path),
            }),
            Some(d) if d.definition.as_deref().is_none_or(|s| s.trim().is_empty()) => {
                lints.push(Lint {
                    line: n.line,
                    message: format!("code `{}` has no definition", n.path),
                })
            }
            _ => {}
        }
    }
    if cb.doc.themes.is_empty() {
        lints.push(Lint {
            line: 0,
            message: "the codebook has no themes, so nothing will be coded (add them under \
                      `themes:`; `thematic init` writes a starter codebook)"
                .into(),
        });
    }
    lints
}

/// What `codebook check` tallies over some of the study's excerpts.
pub struct StudyTally {
    scratch: Scratch,
    term_seen: BTreeSet<u32>,
    rule_count: Vec<usize>,
    /// Per node, the excerpts (numbered within this tally) at it.
    sets: Vec<Vec<u32>>,
    k: u32,
    /// Terms that could match other forms of their word, per language.
    probe: Option<StemProbe>,
}

/// What the "add `*`" lint looks for: per language of the study, the stem
/// of each one-word term without `*`, and for each such term the languages
/// it matched in and the other forms of its word the excerpts have. Only
/// tokens that begin like a wanted stem are stemmed (memoised), so the
/// lint costs a hash lookup per token.
#[derive(Debug, Clone)]
pub struct StemProbe {
    /// Per language: its stemmer, wanted stem → term ids, and the tokens
    /// already stemmed.
    langs: Vec<ProbeLang>,
    /// The first characters of every wanted stem (the cheap gate).
    starts: rustc_hash::FxHashSet<String>,
    /// (term id, language) where the term matched an excerpt.
    matched: BTreeSet<(u32, Language)>,
    /// (term id, language) → other forms of its word seen there.
    forms: BTreeMap<(u32, Language), BTreeSet<String>>,
}

#[derive(Debug, Clone)]
struct ProbeLang {
    lang: Language,
    stems: Stems,
    wanted: FxHashMap<String, Vec<u32>>,
    memo: FxHashMap<String, Option<Vec<u32>>>,
}

/// Characters of a stem that gate a token (see [`StemProbe`]).
const GATE: usize = 3;

fn gate(s: &str) -> &str {
    let end = s.char_indices().nth(GATE).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

impl StemProbe {
    /// A probe for `languages` over the one-word terms of the codebook
    /// (`None` when none of the languages stems).
    pub fn new(cb: &Codebook, matcher: &Matcher, languages: &[Language]) -> Option<StemProbe> {
        let mut terms: Vec<(u32, String)> = Vec::new();
        for d in cb.code_defs().into_iter().flatten() {
            let Some(m) = &d.rules else { continue };
            for t in m.any.iter().chain(&m.all).chain(&m.none) {
                let Ok(term) = parse_term(t) else { continue };
                if term.prefix || term.tokens.len() != 1 {
                    continue;
                }
                if let Some(id) = matcher.term_id(t) {
                    terms.push((id, term.tokens[0].clone()));
                }
            }
        }
        let mut starts = rustc_hash::FxHashSet::default();
        let langs: Vec<ProbeLang> = languages
            .iter()
            .filter(|&&l| l != Language::None)
            .map(|&lang| {
                let mut stems = Stems::new(lang);
                let mut wanted: FxHashMap<String, Vec<u32>> = FxHashMap::default();
                for (id, tok) in &terms {
                    let stem = stems.stem(tok);
                    starts.insert(gate(&stem).to_string());
                    let ids = wanted.entry(stem).or_default();
                    if !ids.contains(id) {
                        ids.push(*id);
                    }
                }
                ProbeLang {
                    lang,
                    stems,
                    wanted,
                    memo: FxHashMap::default(),
                }
            })
            .collect();
        (!langs.is_empty() && !terms.is_empty()).then(|| StemProbe {
            langs,
            starts,
            matched: BTreeSet::new(),
            forms: BTreeMap::new(),
        })
    }

    /// Looks at one excerpt in `lang` whose matched terms are `hits`.
    fn add(&mut self, text_in: &str, lang: Language, hits: &[u32]) {
        let Some(pl) = self.langs.iter_mut().find(|p| p.lang == lang) else {
            return;
        };
        for &t in hits {
            self.matched.insert((t, lang));
        }
        let normalized = text::normalize(text_in);
        for tok in text::tokens(&normalized) {
            if !self.starts.contains(gate(tok)) {
                continue;
            }
            let ids = match pl.memo.get(tok) {
                Some(ids) => ids,
                None => {
                    let stem = pl.stems.stem(tok);
                    let ids = pl.wanted.get(&stem).cloned();
                    pl.memo.entry(tok.to_string()).or_insert(ids)
                }
            };
            for &id in ids.iter().flatten() {
                let forms = self.forms.entry((id, lang)).or_default();
                if forms.len() < 3 {
                    forms.insert(tok.to_string());
                }
            }
        }
    }

    fn merge(&mut self, other: StemProbe) {
        self.matched.extend(other.matched);
        for (k, v) in other.forms {
            let forms = self.forms.entry(k).or_default();
            for f in v {
                if forms.len() < 3 {
                    forms.insert(f);
                }
            }
        }
    }
}

impl StudyTally {
    /// An empty tally for a codebook of `n` nodes.
    pub fn new(n: usize) -> StudyTally {
        StudyTally {
            scratch: Scratch::default(),
            term_seen: BTreeSet::new(),
            rule_count: vec![0; n],
            sets: vec![Vec::new(); n],
            k: 0,
            probe: None,
        }
    }

    /// Also looks for terms that miss other forms of their word in the
    /// excerpts' languages (see [`StemProbe`]).
    pub fn with_probe(mut self, probe: Option<StemProbe>) -> StudyTally {
        self.probe = probe;
        self
    }

    /// Adds one excerpt: its text, its transcript's search language, and
    /// the nodes coders put it at directly.
    pub fn add(
        &mut self,
        matcher: &Matcher,
        text: &str,
        lang: Language,
        human: impl IntoIterator<Item = usize>,
    ) {
        let rules = matcher.apply(text, &mut self.scratch);
        self.term_seen.extend(self.scratch.terms());
        if let Some(p) = self.probe.as_mut() {
            p.add(text, lang, self.scratch.terms());
        }
        for &r in &matcher.closure(&rules) {
            self.rule_count[r as usize] += 1;
        }
        for i in human {
            for &r in &matcher.closure(&[i as u32]) {
                if self.sets[r as usize].last() != Some(&self.k) {
                    self.sets[r as usize].push(self.k);
                }
            }
        }
        self.k += 1;
    }

    /// Joins tallies of consecutive parts of the study.
    pub fn merge(parts: Vec<StudyTally>, n: usize) -> StudyTally {
        let mut all = StudyTally::new(n);
        for t in parts {
            match (&mut all.probe, t.probe) {
                (Some(a), Some(b)) => a.merge(b),
                (a @ None, b) => *a = b,
                _ => {}
            }
            all.term_seen.extend(t.term_seen);
            for (a, b) in all.rule_count.iter_mut().zip(t.rule_count) {
                *a += b;
            }
            let base = all.k;
            for (a, b) in all.sets.iter_mut().zip(t.sets) {
                a.extend(b.into_iter().map(|k| base + k));
            }
            all.k += t.k;
        }
        all
    }
}

/// Lints that need the study: codes with no rule and no human coding
/// (`human`: the nodes any coder applied), terms that match no excerpt,
/// rules that never apply, and codes whose excerpts are all at another
/// code. `source` is the codebook's text, to find a term's line.
pub fn study_lints(
    cb: &Codebook,
    source: &str,
    matcher: &Matcher,
    tally: &StudyTally,
    human: &BTreeSet<usize>,
) -> Vec<Lint> {
    let mut lints = Vec::new();
    let lines: Vec<&str> = source.lines().collect();
    // The line of a term: the first line at or after its code's id that
    // holds it as a whole word (`unpaid` is not in `id: unpaid_work`).
    let term_line = |from: usize, term: &str| {
        lines
            .iter()
            .enumerate()
            .skip(from.saturating_sub(1))
            .find(|(_, l)| holds_word(l, term))
            .map_or(from, |(i, _)| i + 1)
    };
    let defs = cb.code_defs();
    let n = cb.nodes.len();
    let (term_seen, rule_count, sets) = (&tally.term_seen, &tally.rule_count, &tally.sets);
    for (i, d) in defs.iter().enumerate() {
        let Some(d) = d else { continue };
        let node = &cb.nodes[i];
        let has_rules = d.auto_rules().is_some();
        if !has_rules && !human.contains(&i) && d.codes.is_empty() {
            lints.push(Lint {
                line: node.line,
                message: format!("code `{}` has no rule and no human coding", node.path),
            });
        }
        if let Some(m) = &d.rules {
            for (list, terms) in [("any", &m.any), ("all", &m.all), ("none", &m.none)] {
                for t in terms {
                    if matcher
                        .term_id(t)
                        .is_some_and(|id| !term_seen.contains(&id))
                    {
                        lints.push(Lint {
                            line: term_line(node.line, t),
                            message: format!(
                                "term `{t}` in `{}` match.{list} matches no excerpt in the study",
                                node.path
                            ),
                        });
                    }
                    if let Some(message) = other_forms(tally, matcher, t, &node.path, list) {
                        lints.push(Lint {
                            line: term_line(node.line, t),
                            message,
                        });
                    }
                }
            }
        }
        if has_rules && rule_count[i] == 0 {
            lints.push(Lint {
                line: node.line,
                message: format!("the rules of `{}` never apply in the study", node.path),
            });
        }
    }
    // Codes whose excerpts are all at another code (not an ancestor or descendant).
    for a in 0..n {
        if defs[a].is_none() || sets[a].is_empty() {
            continue;
        }
        for b in 0..n {
            if a == b
                || defs[b].is_none()
                || sets[b].len() <= sets[a].len()
                || cb.subtree(a).contains(&b)
                || cb.subtree(b).contains(&a)
            {
                continue;
            }
            if is_subset(&sets[a], &sets[b]) {
                lints.push(Lint {
                    line: cb.nodes[a].line,
                    message: format!(
                        "every excerpt at `{}` ({}) is also at `{}` ({}): likely redundant",
                        cb.nodes[a].path,
                        sets[a].len(),
                        cb.nodes[b].path,
                        sets[b].len()
                    ),
                });
                break;
            }
        }
    }
    lints
}

/// The "add `*`" lint of term `t` (see [`StemProbe`]): the first language
/// of the study in which the term never matches while other forms of its
/// word (the same stem) occur.
fn other_forms(
    tally: &StudyTally,
    matcher: &Matcher,
    t: &str,
    path: &str,
    list: &str,
) -> Option<String> {
    let probe = tally.probe.as_ref()?;
    let id = matcher.term_id(t)?;
    let word = parse_term(t).ok()?.tokens.into_iter().next()?;
    probe.langs.iter().find_map(|pl| {
        let key = (id, pl.lang);
        if probe.matched.contains(&key) {
            return None;
        }
        let forms: Vec<&String> = probe
            .forms
            .get(&key)?
            .iter()
            .filter(|f| **f != word)
            .collect();
        if forms.is_empty() {
            return None;
        }
        // The longest start the term shares with every form seen.
        let mut common = word.len();
        for f in &forms {
            let shared = word
                .char_indices()
                .zip(f.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((i, a), _)| i + a.len_utf8());
            common = common.min(shared);
        }
        let example = if word[..common].chars().count() >= GATE {
            format!(" (e.g. `{}*`)", &word[..common])
        } else {
            String::new()
        };
        let shown: Vec<String> = forms.iter().map(|f| format!("`{f}`")).collect();
        Some(format!(
            "term `{t}` in `{path}` match.{list} never matches the study's {} excerpts, \
             but {} there {} the same stem: add `*` to match the forms of the word{example}",
            pl.lang,
            shown.join(", "),
            if forms.len() == 1 { "has" } else { "have" }
        ))
    })
}

/// Whether sorted `a` is a subset of sorted `b`.
fn is_subset(a: &[u32], b: &[u32]) -> bool {
    let mut j = 0;
    for x in a {
        while j < b.len() && b[j] < *x {
            j += 1;
        }
        if j == b.len() || b[j] != *x {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cb(yaml: &str) -> Codebook {
        Codebook::parse(yaml, "cb.yaml", String::new()).unwrap()
    }

    #[test]
    fn codebook_alone_shared_ids_empty_themes_missing_definitions() {
        let c = cb("themes:\n  - id: a\n    codes:\n      - id: x\n        definition: X.\n  - id: b\n    codes:\n      - id: x\n  - id: c\n");
        let got: Vec<(usize, String)> = codebook_lints(&c)
            .into_iter()
            .map(|l| (l.line, l.message))
            .collect();
        assert_eq!(
            got,
            [
                (
                    8,
                    "id `x` is used at a/x, b/x: refer to these by full path".to_string()
                ),
                (8, "code `b/x` has no definition".to_string()),
                (9, "theme `c` has no codes".to_string()),
            ]
        );
    }

    #[test]
    fn a_moved_code_listing_its_own_id_is_not_linted() {
        let c = cb("themes:\n  - id: money\n    codes:\n      - id: funding\n        definition: F.\n  - id: community\n    codes:\n      - id: jobs\n        definition: J.\n        formerly: [jobs]\n");
        assert!(codebook_lints(&c).is_empty(), "{:?}", codebook_lints(&c));
    }

    #[test]
    fn an_earlier_id_a_current_code_has_is_linted() {
        let c = cb("themes:\n  - id: inst\n    codes:\n      - id: shame\n        definition: S.\n        formerly: [blame]\n  - id: otra\n    codes:\n      - id: blame\n        definition: B.\n      - id: other\n        definition: O.\n        formerly: [stigma]\n");
        let got: Vec<(usize, String)> = codebook_lints(&c)
            .into_iter()
            .map(|l| (l.line, l.message))
            .collect();
        assert_eq!(
            got,
            [(
                4,
                "`blame` in the `formerly` of `inst/shame` is the id of `otra/blame` now: coding \
                 sheets, chart headings and memos that name `blame` mean the current code, not \
                 the renamed one; give one of them another id"
                    .to_string()
            )]
        );
    }

    #[test]
    fn a_term_that_misses_other_forms_of_its_word_in_a_language_is_linted() {
        let src = "themes:\n  - id: t\n    codes:\n      - id: a\n        definition: A.\n        match:\n          any: [familia, family, police]\n";
        let c = cb(src);
        let m = Matcher::new(&c);
        let langs = [Language::English, Language::Spanish];
        let probe = StemProbe::new(&c, &m, &langs);
        let mut t = StudyTally::new(c.nodes.len()).with_probe(probe);
        t.add(&m, "Las familias buscaron.", Language::Spanish, []);
        t.add(&m, "La familia denunció.", Language::Spanish, []);
        t.add(
            &m,
            "Some families came; the police too.",
            Language::English,
            [],
        );
        t.add(&m, "Her familia, she said.", Language::English, []);
        let tally = StudyTally::merge(vec![t], c.nodes.len());
        let got: Vec<String> = study_lints(&c, src, &m, &tally, &BTreeSet::new())
            .into_iter()
            .map(|l| format!("{}: {}", l.line, l.message))
            .collect();
        // `familia` matches in both languages; `family` never matches the
        // English excerpts, which say `families`; `police` matches.
        assert_eq!(
            got,
            [
                "7: term `family` in `t/a` match.any matches no excerpt in the study",
                "7: term `family` in `t/a` match.any never matches the study's english \
              excerpts, but `families` there has the same stem: add `*` to match the forms \
              of the word (e.g. `famil*`)"
            ]
        );
    }

    #[test]
    fn study_terms_rules_and_redundant_codes() {
        let src = "themes:\n  - id: t\n    codes:\n      - id: a\n        definition: A.\n        match:\n          any: [police, comisaria]\n      - id: b\n        definition: B.\n        match:\n          any: [police station]\n      - id: c\n        definition: C.\n";
        let c = cb(src);
        let m = Matcher::new(&c);
        let mut t = StudyTally::new(c.nodes.len());
        t.add(&m, "She went to the police station.", Language::English, []);
        t.add(&m, "The police came.", Language::English, [3]);
        let tally = StudyTally::merge(vec![t], c.nodes.len());
        let got: Vec<String> = study_lints(&c, src, &m, &tally, &BTreeSet::new())
            .into_iter()
            .map(|l| format!("{}: {}", l.line, l.message))
            .collect();
        assert_eq!(
            got,
            [
                "7: term `comisaria` in `t/a` match.any matches no excerpt in the study",
                "12: code `t/c` has no rule and no human coding",
            ]
        );
    }
}

/// Whether `line` holds `term` with no letter, digit or `_` right before
/// or after it.
fn holds_word(line: &str, term: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    line.match_indices(term).any(|(at, _)| {
        !word(line[..at].chars().next_back()) && !word(line[at + term.len()..].chars().next())
    })
}

#[cfg(test)]
mod word_tests {
    #[test]
    fn a_term_is_found_as_a_whole_word() {
        assert!(!super::holds_word("  - id: unpaid_work", "unpaid"));
        assert!(super::holds_word("    any: [unpaid, \"no pay\"]", "unpaid"));
        assert!(super::holds_word("    any: [unpaid*]", "unpaid*"));
        assert!(!super::holds_word("    any: [trabajo]", "trab"));
    }
}
