//! The re-code executor: the codebook or the coding sheets changed and no
//! transcript, setting or language did, so every excerpt is re-coded from
//! the text the index stores. Nothing is re-read, split or re-indexed; only
//! the code table, the manifest and the counts are written anew.

use std::collections::{BTreeMap, BTreeSet};

use super::place::Kept;
use super::plan::Recode;
use super::run::Run;
use super::{commit, Clock, Inputs, Notify, Outcome};
use crate::codebook::matcher::{Matcher, Scratch};
use crate::codings::{self, Target};
use crate::error::Result;
use crate::index::codes::{ExcerptCodes, TableBuilder};
use crate::index::{Manifest, StudyIndex, Writer};
use crate::study::Study;

/// Re-codes every excerpt of `old` and commits.
pub(super) fn recode(
    inputs: &Inputs,
    study: &Study,
    prev: &Manifest,
    old: &StudyIndex,
    plan: Recode,
    notify: Notify<'_>,
) -> Result<(StudyIndex, Outcome)> {
    let clock = Clock::start(study, notify);
    let matcher = Matcher::new(&inputs.codebook);
    let with_codings = !inputs.codings.hash.is_empty();
    let mut run = Run::new(study, inputs, prev, false, notify);
    // Segments are read and coded in parallel, each into a table of its own
    // (or, with coding sheets, a list of excerpts to place codings on).
    let parts = old.par_fold_texts(
        with_codings,
        || (Scratch::default(), TableBuilder::default(), Vec::new()),
        |(scratch, table, held): &mut (Scratch, TableBuilder, Vec<Kept>), e| {
            let rules = matcher.apply(&e.text, scratch);
            if with_codings {
                held.push(Kept {
                    file: e.file,
                    pos: e.pos,
                    resp: e.resp,
                    rules,
                    target: Target {
                        hash: codings::text_hash(&e.text),
                        question: codings::question_key(&e.question),
                        id: e.id,
                        path: e.path,
                        respondent: prev
                            .respondents
                            .get(e.resp as usize)
                            .cloned()
                            .unwrap_or_default(),
                    },
                });
            } else {
                let codes = ExcerptCodes {
                    resp: e.resp,
                    rules,
                    ..Default::default()
                };
                table.insert(e.file, e.pos, &codes);
            }
        },
    )?;
    let mut held: Vec<Kept> = Vec::new();
    for (_, table, part) in parts {
        run.table.merge(table);
        held.extend(part);
    }
    let n = if with_codings {
        held.len()
    } else {
        run.table.len()
    };
    clock.lap("re-code from the index");
    let mut warnings = inputs.warnings.to_vec();
    if with_codings {
        let targets = held.iter().map(|k| (k.pos, k.target.clone())).collect();
        let placed = run.place(&inputs.codings, targets, &BTreeSet::new(), &mut warnings)?;
        for k in held {
            run.keep(k, &placed);
        }
    }
    // No transcript changed: every one is among the unchanged.
    let data = study.data_dir();
    let (manifest, table) = run.finish(&data, inputs, plan.unchanged, BTreeMap::new(), warnings)?;
    let writer = Writer::open(&data, false, study.index_threads)?;
    let outcome = Outcome {
        recoded: true,
        excerpts: n,
        reason: plan.reason.to_string(),
        ..Default::default()
    };
    commit(writer, manifest, table, outcome, clock, notify)
}
