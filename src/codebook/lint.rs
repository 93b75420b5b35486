//! `codebook check`'s lints: what is legal but likely a mistake. Some need
//! only the codebook ([`codebook_lints`]); others need the study's excerpts,
//! tallied by the caller through a [`StudyTally`] (the caller reads the
//! excerpts; this module names neither the index nor the transcripts) and
//! judged by [`study_lints`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::matcher::{Matcher, Scratch};
use super::Codebook;

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
        }
    }

    /// Adds one excerpt: its text, and the nodes coders put it at directly.
    pub fn add(&mut self, matcher: &Matcher, text: &str, human: impl IntoIterator<Item = usize>) {
        let rules = matcher.apply(text, &mut self.scratch);
        self.term_seen.extend(self.scratch.terms());
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
    // The line of a term: the first line at or after its code's id that holds it.
    let term_line = |from: usize, term: &str| {
        lines
            .iter()
            .enumerate()
            .skip(from.saturating_sub(1))
            .find(|(_, l)| l.contains(term))
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
    fn study_terms_rules_and_redundant_codes() {
        let src = "themes:\n  - id: t\n    codes:\n      - id: a\n        definition: A.\n        match:\n          any: [police, comisaria]\n      - id: b\n        definition: B.\n        match:\n          any: [police station]\n      - id: c\n        definition: C.\n";
        let c = cb(src);
        let m = Matcher::new(&c);
        let mut t = StudyTally::new(c.nodes.len());
        t.add(&m, "She went to the police station.", []);
        t.add(&m, "The police came.", [3]);
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
