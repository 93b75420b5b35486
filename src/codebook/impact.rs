//! `codebook diff --impact`: what coding a study's excerpts with two
//! versions of a codebook (rules only) changes, code by code. The caller
//! reads the excerpts and feeds an [`ImpactTally`]; [`impacts`] lists the
//! codes whose figures change, a renamed or moved code as one row.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::diff;
use super::matcher::{Matcher, Scratch};
use super::Codebook;

/// One code whose figures change between two versions.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    /// The code's path (in the new version, unless it was removed).
    pub code: String,
    /// Excerpts at the code in the old version.
    pub excerpts_before: u32,
    /// Excerpts at it in the new version.
    pub excerpts_after: u32,
    /// Respondents with an excerpt at it in the old version.
    pub respondents_before: u32,
    /// Respondents in the new version.
    pub respondents_after: u32,
    /// The code's path in the old version, when it was renamed or moved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_before: Option<String>,
}

/// What coding with both versions finds in part of the study.
pub struct ImpactTally {
    /// Per version, the excerpts at each node (descendants included).
    excerpts: [Vec<u32>; 2],
    /// Per respondent and version, the nodes they have an excerpt at (a bit
    /// per node).
    reached: BTreeMap<String, [Vec<u64>; 2]>,
}

impl ImpactTally {
    /// An empty tally for two codebooks of these sizes.
    pub fn new(sizes: [usize; 2]) -> ImpactTally {
        ImpactTally {
            excerpts: sizes.map(|n| vec![0; n]),
            reached: BTreeMap::new(),
        }
    }

    /// Joins two tallies.
    pub fn merge(mut self, other: ImpactTally) -> ImpactTally {
        for (mine, theirs) in self.excerpts.iter_mut().zip(other.excerpts) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
        for (resp, sides) in other.reached {
            match self.reached.get_mut(&resp) {
                Some(mine) => {
                    for (m, t) in mine.iter_mut().zip(sides) {
                        for (a, b) in m.iter_mut().zip(t) {
                            *a |= b;
                        }
                    }
                }
                None => {
                    self.reached.insert(resp, sides);
                }
            }
        }
        self
    }

    /// Codes one excerpt of `respondent` with both versions' matchers.
    pub fn add(
        &mut self,
        matchers: &[Matcher; 2],
        scratches: &mut [Scratch; 2],
        respondent: &str,
        text: &str,
    ) {
        let words = self.excerpts.each_ref().map(|e| e.len().div_ceil(64));
        let reached = self
            .reached
            .entry(respondent.to_string())
            .or_insert_with(|| words.map(|w| vec![0; w]));
        for (side, m) in matchers.iter().enumerate() {
            for r in m.closure(&m.apply(text, &mut scratches[side])) {
                let r = r as usize;
                self.excerpts[side][r] += 1;
                reached[side][r / 64] |= 1 << (r % 64);
            }
        }
    }

    /// Excerpts and respondents at node `i` of version `side`.
    pub fn figures(&self, side: usize, i: usize) -> (u32, u32) {
        let respondents = self
            .reached
            .values()
            .filter(|r| r[side][i / 64] >> (i % 64) & 1 == 1)
            .count();
        (self.excerpts[side][i], respondents as u32)
    }
}

/// The codes whose figures change from `a` to `b`: the new version's codes
/// in its order, each with the old code it continues (renamed via
/// `formerly`, or moved: one row, `code_before` → `code`); then the old
/// codes that do not continue, in the old order.
pub fn impacts(a: &Codebook, b: &Codebook, tally: &ImpactTally) -> Vec<Impact> {
    let pairing = diff::pair(a, b);
    let row = |code: &str, before: Option<&str>, was: (u32, u32), now: (u32, u32)| {
        (was != now).then(|| Impact {
            code: code.to_string(),
            excerpts_before: was.0,
            excerpts_after: now.0,
            respondents_before: was.1,
            respondents_after: now.1,
            code_before: before.filter(|p| *p != code).map(str::to_string),
        })
    };
    let mut out: Vec<Impact> = (0..b.nodes.len())
        .filter_map(|j| {
            let old = pairing.old_of(j);
            row(
                &b.nodes[j].path,
                old.map(|i| a.nodes[i].path.as_str()),
                old.map_or((0, 0), |i| tally.figures(0, i)),
                tally.figures(1, j),
            )
        })
        .collect();
    let continued: BTreeSet<usize> = pairing.matched.values().copied().collect();
    out.extend(
        (0..a.nodes.len())
            .filter(|i| !continued.contains(i))
            .filter_map(|i| row(&a.nodes[i].path, None, tally.figures(0, i), (0, 0))),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renamed_code_is_one_row_listed_only_when_its_figures_change() {
        let old = Codebook::parse(
            "themes:\n  - id: t\n    codes:\n      - id: unpaid\n        match:\n          any: [no pay]\n      - id: debt\n        match:\n          any: [debt]\n",
            "old.yaml",
            String::new(),
        )
        .unwrap();
        let new = Codebook::parse(
            "themes:\n  - id: t\n    codes:\n      - id: free_labour\n        formerly: [unpaid]\n        match:\n          any: [no pay, unpaid]\n      - id: debt\n        match:\n          any: [debt]\n",
            "new.yaml",
            String::new(),
        )
        .unwrap();
        let matchers = [Matcher::new(&old), Matcher::new(&new)];
        let mut scratches = [Scratch::default(), Scratch::default()];
        let mut tally = ImpactTally::new([old.nodes.len(), new.nodes.len()]);
        for (resp, text) in [
            ("R1", "We worked with no pay."),
            ("R2", "It was unpaid work, and a debt."),
            ("R3", "The debt grew."),
        ] {
            tally.add(&matchers, &mut scratches, resp, text);
        }
        let rows: Vec<(String, Option<String>, u32, u32, u32, u32)> = impacts(&old, &new, &tally)
            .into_iter()
            .map(|i| {
                (
                    i.code,
                    i.code_before,
                    i.excerpts_before,
                    i.excerpts_after,
                    i.respondents_before,
                    i.respondents_after,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("t".into(), None, 3, 3, 3, 3),
                ("t/free_labour".into(), Some("t/unpaid".into()), 1, 2, 1, 2),
            ]
            .into_iter()
            .filter(|r| r.2 != r.3 || r.4 != r.5)
            .collect::<Vec<_>>()
        );
    }
}
