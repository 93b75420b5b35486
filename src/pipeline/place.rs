//! Placing the human codings: the coding sheets are placed on every excerpt
//! of the study at once (a coding may follow its text to another line), and
//! the coders and the codings placed become part of the run's manifest and
//! code table.

use std::collections::BTreeSet;

use super::ingest::Coded;
use super::run::Run;
use crate::codings::{self, Codings, Placed, Target};
use crate::index::CoderInfo;

/// An excerpt the index already holds, with its rule codes, whose human
/// codings are placed again (it need not be read from its transcript).
pub(super) struct Kept {
    /// Dense file id.
    pub file: u64,
    /// Position in the file.
    pub pos: u64,
    /// Dense respondent id.
    pub resp: u64,
    /// Rule codes.
    pub rules: Vec<u32>,
    /// What placement matches a coding against.
    pub target: Target,
}

impl Run<'_> {
    /// Places the coding sheets on every excerpt of the study (`targets`
    /// with their positions, in any order: they are placed in corpus order)
    /// and records the coders; the placement's warnings join `warnings`.
    pub fn place(
        &mut self,
        codings: &Codings,
        mut targets: Vec<(u64, Target)>,
        edited: &BTreeSet<String>,
        warnings: &mut Vec<String>,
    ) -> crate::error::Result<Placed> {
        targets.sort_by(|a, b| (a.1.path.as_str(), a.0).cmp(&(b.1.path.as_str(), b.0)));
        let targets: Vec<Target> = targets.into_iter().map(|(_, t)| t).collect();
        let kept = codings.without_respondents(&self.withdrawn);
        let placed = codings::place(kept.as_ref().unwrap_or(codings), &targets, edited)?;
        warnings.extend(placed.warnings.iter().cloned());
        // Moves are told once, in the run that finds them, not on every
        // later run: the manifest keeps those already told.
        let told: BTreeSet<String> = self.prev.moves.iter().cloned().collect();
        for line in codings::tell_moves(&placed.moves, &told) {
            (self.notify)(&line);
        }
        self.manifest.moves = placed.moves.iter().map(codings::Move::line).collect();
        self.set_coders(&placed);
        Ok(placed)
    }

    /// Places the coding sheets on the excerpts of an update: those of the
    /// transcripts read in this run and those `kept` from the index.
    pub fn place_update(
        &mut self,
        codings: &Codings,
        read: &[&Coded],
        kept: &[Kept],
        warnings: &mut Vec<String>,
    ) -> crate::error::Result<Placed> {
        let targets = read
            .iter()
            .flat_map(|c| {
                c.transcript.excerpts.iter().map(|e| {
                    let target = Target {
                        id: e.id.clone(),
                        path: e.path.clone(),
                        hash: codings::text_hash(&e.text),
                        respondent: e.respondent.clone(),
                        question: codings::question_key(&e.question),
                    };
                    (e.pos as u64, target)
                })
            })
            .chain(kept.iter().map(|k| (k.pos, k.target.clone())))
            .collect();
        // Transcripts whose text changed in this run.
        let edited: BTreeSet<String> = read
            .iter()
            .filter(|c| {
                self.prev
                    .files
                    .get(&c.transcript.info.path)
                    .is_some_and(|e| e.hash != c.hash)
            })
            .map(|c| c.transcript.info.path.clone())
            .collect();
        self.place(codings, targets, &edited, warnings)
    }

    /// Records the codes of an excerpt kept in the index, with the codings
    /// placed on it.
    pub fn keep(&mut self, k: Kept, placed: &Placed) {
        let codes = self.excerpt_codes(&k.target.id, k.resp, k.rules, Some(placed));
        self.table.insert(k.file, k.pos, &codes);
    }

    /// Records the coders of placed codings (dense ids in name order).
    fn set_coders(&mut self, placed: &Placed) {
        self.manifest.coders = placed
            .coders
            .iter()
            .map(|c| CoderInfo {
                name: c.clone(),
                used: placed
                    .used
                    .get(c)
                    .map(|u| u.iter().copied().collect())
                    .unwrap_or_default(),
                scopes: placed
                    .scopes
                    .get(c)
                    .into_iter()
                    .flatten()
                    .map(|scope| match scope {
                        codings::CodeScope::Columns(set) => Some(set.iter().copied().collect()),
                        codings::CodeScope::All => None,
                    })
                    .collect(),
            })
            .collect();
        self.coder_ids = placed
            .coders
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i as u32))
            .collect();
    }
}
