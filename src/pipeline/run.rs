//! The state of one run that writes the index: dense respondent and file
//! ids, the code table being built, and the manifest that becomes the
//! commit's payload.

use std::collections::{BTreeMap, BTreeSet};

use super::{Inputs, Notify};
use crate::codings::Placed;
use crate::error::Result;
use crate::index::codes::{ExcerptCodes, TableBuilder};
use crate::index::{self, FileEntry, Manifest, RowInfo};
use crate::ingest::respondents;
use crate::study::Study;

/// State of one run: the dense ids, the code table, the new manifest.
pub(super) struct Run<'a> {
    /// The manifest of the index being updated (empty without one).
    pub prev: &'a Manifest,
    /// The index is written afresh: no id of `prev` is kept.
    pub full: bool,
    /// The manifest being built.
    pub manifest: Manifest,
    /// Respondent id → dense id.
    pub resp_ids: BTreeMap<String, u64>,
    /// The dense id of the next new transcript.
    pub next_file: u64,
    /// The code table being built.
    pub table: TableBuilder,
    /// Coder name → dense id, once codings are placed.
    pub coder_ids: BTreeMap<String, u32>,
    /// Where the run's notes go (the caller prints them).
    pub notify: Notify<'a>,
    /// Respondents who withdrew consent.
    pub withdrawn: BTreeSet<String>,
}

impl<'a> Run<'a> {
    /// A run over `inputs`, keeping `prev`'s ids unless `full`.
    pub fn new(
        study: &Study,
        inputs: &'a Inputs,
        prev: &'a Manifest,
        full: bool,
        notify: Notify<'a>,
    ) -> Run<'a> {
        let mut manifest = Manifest::new();
        manifest.codebook_hash = inputs.codebook.hash.clone();
        manifest.settings_hash = study.settings_hash.clone();
        manifest.respondents_hash = inputs.respondents_hash.clone();
        manifest.codings_hash = inputs.codings.hash.clone();
        manifest.notes = inputs.codings.notes.clone();
        manifest.language = study.settings.language;
        // Carried forward; an update that re-reads transcripts follows them.
        manifest.moved = prev.moved.clone();
        let defs = inputs.codebook.code_defs();
        manifest.rows = inputs
            .codebook
            .nodes
            .iter()
            .zip(defs)
            .map(|(n, def)| RowInfo {
                path: n.path.clone(),
                label: n.label.clone(),
                depth: n.depth,
                auto: def.is_some_and(|d| d.auto_rules().is_some()),
                parent: n.parent,
                formerly: def.map(|d| d.formerly.clone()).unwrap_or_default(),
            })
            .collect();
        if !full {
            manifest.respondents = prev.respondents.clone();
        }
        let resp_ids = manifest
            .respondents
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), i as u64))
            .collect();
        let next_file = if full {
            0
        } else {
            prev.files.values().map(|e| e.id + 1).max().unwrap_or(0)
        };
        Run {
            prev,
            full,
            manifest,
            resp_ids,
            next_file,
            table: TableBuilder::default(),
            coder_ids: BTreeMap::new(),
            notify,
            // An unreadable respondents.csv is reported by `finish`.
            withdrawn: inputs.withdrawn().unwrap_or_default(),
        }
    }

    /// The run's manifest and code table: the unchanged transcripts (their
    /// details from the previous commit) and the new ones, their merged
    /// attributes, and `warnings`.
    pub fn finish(
        mut self,
        data: &std::path::Path,
        inputs: &Inputs,
        mut unchanged: BTreeMap<String, FileEntry>,
        new_entries: BTreeMap<String, FileEntry>,
        warnings: Vec<String>,
    ) -> Result<(Manifest, TableBuilder)> {
        if !unchanged.is_empty() {
            let mut prev_details = self.prev.clone();
            index::load_details(data, &mut prev_details)?;
            for (p, e) in unchanged.iter_mut() {
                if let Some(old) = prev_details.files.remove(p) {
                    e.info = old.info;
                }
            }
        }
        let mut manifest = std::mem::take(&mut self.manifest);
        manifest.files = unchanged.into();
        manifest.files.extend(new_entries);
        // The search terms per language, in `Language::ALL` order.
        manifest.tokens = crate::study::Language::ALL
            .iter()
            .map(|&lang| {
                let n = manifest.files.values().filter(|e| e.language == lang);
                (lang, n.map(|e| e.tokens).sum::<u64>())
            })
            .filter(|&(_, n)| n > 0)
            .collect();
        let infos: Vec<&crate::model::TranscriptInfo> =
            manifest.files.values().map(|e| &*e.info).collect();
        let table = inputs.table()?;
        manifest.attributes = respondents::merge(&infos, table)?.into();
        let mut warnings = warnings;
        let withdrawn = inputs.withdrawn()?;
        let mut withheld: BTreeSet<String> = infos
            .iter()
            .flat_map(|i| i.withheld.iter().cloned())
            .collect();
        withheld.extend(table.withdrawn.keys().cloned());
        withheld.extend(
            withdrawn
                .iter()
                .filter(|r| manifest.attributes.contains_key(*r) || table.rows.contains_key(*r))
                .cloned(),
        );
        for r in withdrawn.iter().filter(|r| !withheld.contains(*r)) {
            let known = manifest
                .respondents
                .iter()
                .chain(table.rows.keys())
                .map(String::as_str);
            let hint = match crate::error::closest(r, known) {
                Some(c) => format!("did you mean `{c}`?"),
                None => "check the id against the transcripts and respondents.csv".into(),
            };
            warnings.push(format!(
                "{}: `withdrawn:` names `{r}`, a respondent the study does not have; {hint}",
                crate::study::settings_place(&inputs.settings_text, "withdrawn", Some(r))
            ));
        }
        // respondents.csv rows that name no respondent of the transcripts
        // (one with excerpts, withheld, mapped by `speakers:` or given
        // attributes, as a survey row with no answer is; a file's name
        // alone names none: its turns may all be other speakers').
        let in_transcripts: BTreeSet<&str> = infos
            .iter()
            .flat_map(|i| {
                i.respondents
                    .iter()
                    .chain(&i.withheld)
                    .chain(i.speakers.iter().map(|s| &s.respondent))
                    .chain(i.attributes.iter().map(|a| &a.respondent))
            })
            .map(String::as_str)
            .filter(|r| !r.is_empty())
            .collect();
        // Ids that look alike (`R01` and fullwidth `Ｒ０１`, `José` with
        // the accent composed and as a mark) are two respondents: a
        // withdrawal of one would leave the other's words in every output
        // (an error), and otherwise one person may be counted twice (a
        // warning).
        let mut alike: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for r in &in_transcripts {
            alike
                .entry(crate::text::visible(r).into_owned())
                .or_default()
                .push(r);
        }
        for ids in alike.values().filter(|ids| ids.len() > 1) {
            let gone: Vec<&&str> = ids.iter().filter(|r| withdrawn.contains(**r)).collect();
            let listed = ids
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ");
            if !gone.is_empty() && gone.len() < ids.len() {
                return Err(crate::error::Error::input(format!(
                    "respondents {listed} look the same, but only {} withdrew consent: if they are one person, the others' words stay in every output",
                    gone.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                ))
                .with_hint("write the id one way in every transcript (copy it from one of them), or withdraw each spelling"));
            }
            warnings.push(format!(
                "respondents {listed} look the same but are different ids{}: if they are one person, write the id one way in every transcript",
                crate::text::looks_alike(ids[0], ids[1]).unwrap_or("")
            ));
        }
        // A `withdrawn:` id of thematic.yaml that no transcript has, while
        // the same id written another way (`R03` for the file `r03.txt`'s
        // respondent) is a respondent who has not withdrawn: her words
        // would be in every output.
        let same = respondents::SameIds::new(in_transcripts.iter().copied());
        for w in &inputs.settings_withdrawn {
            if in_transcripts.contains(w.as_str()) {
                continue;
            }
            if let Some(meant) = same.meant(w, &withdrawn) {
                return Err(crate::error::Error::at(
                    crate::study::settings_location(&inputs.settings_text, "withdrawn", Some(w)),
                    format!(
                        "`withdrawn:` names `{w}`, who is in no transcript, while `{meant}` is: \
                         `{meant}`'s words would stay in every output"
                    ),
                )
                .with_hint(format!(
                    "write the id as the transcripts have it (`withdrawn: [{meant}]`){}",
                    crate::text::looks_alike(w, meant).unwrap_or("")
                )));
            }
        }
        warnings.extend(respondents::unmatched_rows(
            table,
            &in_transcripts,
            &same,
            &withdrawn,
        )?);
        warnings.extend(copies(&manifest.files)?);
        manifest.attributes.retain(|r, _| !withdrawn.contains(r));
        manifest.withdrawn = withdrawn.into_iter().collect();
        // Only respondents the transcripts have are withheld: a withdrawn
        // row of respondents.csv that names no one (a misspelt id, warned
        // about above) withholds nothing, and the note must not count it.
        manifest.withheld = withheld
            .into_iter()
            .filter(|r| in_transcripts.contains(r.as_str()))
            .collect();
        manifest.warnings = warnings;
        Ok((manifest, self.table))
    }

    /// A respondent's dense id, given now if it has none.
    pub fn resp_id(&mut self, respondent: &str) -> u64 {
        if let Some(&r) = self.resp_ids.get(respondent) {
            return r;
        }
        let r = self.manifest.respondents.len() as u64;
        self.manifest.respondents.push(respondent.to_string());
        self.resp_ids.insert(respondent.to_string(), r);
        r
    }

    /// An excerpt's codes: its rule codes and the codings placed on it.
    pub fn excerpt_codes(
        &self,
        id: &str,
        resp: u64,
        rules: Vec<u32>,
        placed: Option<&Placed>,
    ) -> ExcerptCodes {
        let mut codes = ExcerptCodes {
            resp,
            rules,
            ..Default::default()
        };
        if let Some(p) = placed {
            let cid = |coder: &str| self.coder_ids.get(coder).copied().unwrap_or(0);
            for (coder, direct) in p.codes.get(id).into_iter().flatten() {
                let c = cid(coder);
                codes
                    .coders
                    .extend(direct.iter().map(|&code| (c, code as u32)));
            }
            codes.coders.sort_unstable();
            codes.covered_by = p
                .covered
                .get(id)
                .into_iter()
                .flatten()
                .map(|(coder, scope)| (cid(coder), *scope as u32))
                .collect();
            codes.covered_by.sort_unstable();
        }
        codes
    }
}

/// A warning for each set of transcripts with the same bytes (a copy left
/// in the folder, `r07 (copy).txt`), whose words every count then takes
/// once per file. Empty files are left to their own warning. A copy of a
/// transcript that holds words of a respondent who withdrew consent is an
/// error: under the copy's name (another respondent id) those words would
/// be in every output.
fn copies(files: &BTreeMap<String, crate::index::FileEntry>) -> Result<Vec<String>> {
    let mut by_hash: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (path, e) in files.iter().filter(|(_, e)| e.size > 0) {
        by_hash.entry(&e.hash).or_default().push(path);
    }
    let mut sets: Vec<Vec<&str>> = by_hash.into_values().filter(|p| p.len() > 1).collect();
    sets.sort();
    let withheld = |p: &str| files.get(p).map_or(&[][..], |e| e.info.withheld.as_slice());
    for paths in &sets {
        let Some(held) = paths.iter().find(|p| !withheld(p).is_empty()) else {
            continue;
        };
        let who = withheld(held);
        if let Some(copy) = paths.iter().find(|p| withheld(p) != who) {
            let named = who
                .iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(crate::error::Error::at(
                crate::error::Location::file(copy.to_string()),
                format!(
                    "this transcript has the same bytes as {held}, which holds the words of \
                     {named}, who withdrew consent: under this file's name they would be in \
                     every output"
                ),
            )
            .with_hint("delete the copy (or move it out of the transcripts folder)"));
        }
    }
    Ok(sets
        .into_iter()
        .map(|paths| {
            let (last, rest) = paths.split_last().expect("two paths or more");
            format!(
                "{} and {last} have the same bytes, so their words are counted once for each \
                 file; delete or move a copy unless the same text is meant to count again",
                rest.join(", ")
            )
        })
        .collect())
}
