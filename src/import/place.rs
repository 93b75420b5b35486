//! Placing a project's coded selections on the study's excerpts: each
//! source is matched to a transcript (by path, file name or stem), each
//! selection to the excerpts it covers most of, and each coding becomes a
//! row of its user's sheet. Codings by thematic's own rules user are
//! counted, not placed (the codebook's rules code the study again); a
//! source or selection that fits nothing is reported, never dropped
//! silently.

use std::collections::{BTreeMap, BTreeSet};

use crate::export::qdpx::RULES_USER;
use crate::import::qdpx::{self as project, Project, Selection};

/// The user a coding that names none is written under.
const NO_USER: &str = "imported";

/// A transcript's excerpts: ids and texts in file order.
#[derive(Debug, Default)]
pub(crate) struct Transcript {
    /// Excerpt ids.
    pub ids: Vec<String>,
    /// Excerpt texts, beside their ids.
    pub texts: Vec<String>,
    /// Whose words each excerpt is, beside their ids.
    pub respondents: Vec<String>,
}

/// One row of a coding sheet. Rows sort by the excerpt's place in the
/// corpus, then id, then code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SheetRow {
    /// The excerpt's position in the corpus (transcripts by path, excerpts
    /// in file order).
    pub position: usize,
    /// The excerpt's id.
    pub excerpt: String,
    /// The code's path.
    pub code: String,
}

/// What placing a project's codings gives.
#[derive(Debug, Default)]
pub(crate) struct Placed {
    /// User name → the rows of their sheet.
    pub sheets: BTreeMap<String, BTreeSet<SheetRow>>,
    /// Selections (with codings) that could not be placed.
    pub unplaced: usize,
    /// Codings by [`RULES_USER`], left out.
    pub rules_codings: usize,
    /// Warnings, one per source or selection not placed, in project order.
    pub warnings: Vec<String>,
}

/// Places `proj`'s codings on the excerpts of `transcripts` (path → its
/// excerpts). `texts` are the sources' texts (as from
/// [`super::sources::texts`]), `guids` maps code GUIDs to code paths
/// (every coding's code is in it), `shown` names `project.qde` in warnings.
pub(crate) fn place(
    proj: &Project,
    texts: &[String],
    transcripts: &BTreeMap<String, Transcript>,
    guids: &BTreeMap<String, String>,
    shown: &str,
) -> Placed {
    let order = corpus_order(transcripts);
    let mut placed = Placed::default();
    // The project's cases say whose words a selection is, when they name
    // the study's respondents (a project `thematic export` wrote; other
    // tools' cases may be anything).
    let respondents: BTreeSet<&str> = transcripts
        .values()
        .flat_map(|t| t.respondents.iter().map(String::as_str))
        .collect();
    let cases_are_ours = proj
        .case_names
        .iter()
        .any(|c| respondents.contains(c.as_str()));
    for (source, text) in proj.sources.iter().zip(texts) {
        if source.selections.is_empty() {
            continue;
        }
        let Some(path) = transcript_of(&source.name, transcripts) else {
            let n = source.selections.len();
            placed.warnings.push(format!(
                "source `{}` is no transcript of this study: its {n} selection(s) are not placed",
                source.name
            ));
            placed.unplaced += n;
            continue;
        };
        let t = &transcripts[&path];
        let excerpts: Vec<&str> = t.texts.iter().map(String::as_str).collect();
        let spans = project::spans(text, &excerpts);
        for sel in &source.selections {
            let mut hit = project::covered(&spans, sel.start, sel.end);
            // A coding never moves to another respondent's words (as in
            // `code` and `reanchor`): the transcript now gives this text
            // to someone else than the project's case.
            if let Some(case) = proj
                .cases
                .get(&sel.guid)
                .filter(|_| cases_are_ours && !sel.guid.is_empty())
            {
                let others: Vec<usize> = hit
                    .iter()
                    .copied()
                    .filter(|&i| t.respondents[i] != *case)
                    .collect();
                if !others.is_empty() && !sel.codings.is_empty() {
                    let i = others[0];
                    placed.warnings.push(format!(
                        "{}:{}:{}: selection `{}` is `{case}`'s words in the project, but `{}` is `{}`'s in the study: its {} coding(s) are not placed there (a coding never moves to another respondent); check the transcript's speaker labels",
                        shown, sel.at.0, sel.at.1, sel.name, t.ids[i], t.respondents[i], sel.codings.len()
                    ));
                    hit.retain(|i| !others.contains(i));
                    if hit.is_empty() {
                        placed.unplaced += 1;
                        continue;
                    }
                }
            }
            if hit.is_empty() && !sel.codings.is_empty() {
                placed.warnings.push(format!(
                    "{}:{}:{}: selection `{}` (characters {}–{} of `{}`) covers most of no excerpt; its {} coding(s) are not placed",
                    shown, sel.at.0, sel.at.1, sel.name, sel.start, sel.end, source.name, sel.codings.len()
                ));
                placed.unplaced += 1;
                continue;
            }
            placed.add(sel, &hit, t, &order, proj, guids);
        }
    }
    placed
}

impl Placed {
    /// Adds a selection's codings on the excerpts `hit` (indexes into `t`).
    fn add(
        &mut self,
        sel: &Selection,
        hit: &[usize],
        t: &Transcript,
        order: &BTreeMap<&str, usize>,
        proj: &Project,
        guids: &BTreeMap<String, String>,
    ) {
        for c in &sel.codings {
            let user = proj
                .users
                .get(&c.user)
                .cloned()
                .unwrap_or_else(|| NO_USER.to_string());
            if user == RULES_USER {
                self.rules_codings += 1;
                continue;
            }
            for &i in hit {
                let id = t.ids[i].clone();
                self.sheets
                    .entry(user.clone())
                    .or_default()
                    .insert(SheetRow {
                        position: order[id.as_str()],
                        excerpt: id,
                        code: guids[&c.code].clone(),
                    });
            }
        }
    }
}

/// Each excerpt id's position in the corpus: transcripts by path, excerpts
/// in file order.
fn corpus_order(transcripts: &BTreeMap<String, Transcript>) -> BTreeMap<&str, usize> {
    transcripts
        .values()
        .flat_map(|t| t.ids.iter())
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect()
}

/// The transcript a source stands for: the same path, else the same file
/// name, else the same name without extension (each only when unique).
pub(crate) fn transcript_of(
    name: &str,
    transcripts: &BTreeMap<String, Transcript>,
) -> Option<String> {
    if transcripts.contains_key(name) {
        return Some(name.to_string());
    }
    fn file(p: &str) -> String {
        p.rsplit(['/', '\\']).next().unwrap_or(p).to_string()
    }
    fn stem(p: &str) -> String {
        let f = file(p);
        f.rsplit_once('.').map_or(f.clone(), |(s, _)| s.to_string())
    }
    for key in [file as fn(&str) -> String, stem] {
        let hits: Vec<&String> = transcripts.keys().filter(|p| key(p) == key(name)).collect();
        if hits.len() == 1 {
            return Some(hits[0].clone());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::qdpx::{Coding, Source};

    fn transcripts() -> BTreeMap<String, Transcript> {
        let mut m = BTreeMap::new();
        m.insert(
            "transcripts/r01.txt".to_string(),
            Transcript {
                ids: vec!["r01-1".into(), "r01-2".into()],
                texts: vec![
                    "Me ofrecieron trabajo en Lima.".into(),
                    "Nunca me pagaron.".into(),
                ],
                respondents: vec!["R01".into(), "R01".into()],
            },
        );
        m.insert(
            "transcripts/r02.txt".to_string(),
            Transcript {
                ids: vec!["r02-1".into()],
                texts: vec!["Mi tía me llevó.".into()],
                respondents: vec!["R02".into()],
            },
        );
        m.insert(
            "otros/r02.txt".to_string(),
            Transcript {
                ids: vec!["o-1".into()],
                texts: vec!["Otra cosa.".into()],
                respondents: vec!["o".into()],
            },
        );
        m
    }

    #[test]
    fn a_source_names_its_transcript_by_path_file_or_stem_when_unique() {
        let t = transcripts();
        let of = |n: &str| transcript_of(n, &t);
        assert_eq!(
            of("transcripts/r01.txt").as_deref(),
            Some("transcripts/r01.txt")
        );
        assert_eq!(of("r01.txt").as_deref(), Some("transcripts/r01.txt"));
        assert_eq!(
            of("C:\\datos\\r01.docx").as_deref(),
            Some("transcripts/r01.txt")
        );
        // Two transcripts are called r02.txt: neither is guessed.
        assert_eq!(of("r02.txt"), None);
        assert_eq!(of("r07.txt"), None);
    }

    fn coding(user: &str, code: &str) -> Coding {
        Coding {
            user: user.into(),
            code: code.into(),
            at: (9, 1),
        }
    }

    #[test]
    fn codings_become_sheet_rows_in_corpus_order_and_misfits_are_counted() {
        let text =
            "E: ¿Cómo empezó?\nR01: Me ofrecieron trabajo en Lima.\nR01: Nunca me pagaron.\n";
        let sel = |name: &str, start, end, codings| Selection {
            name: name.into(),
            guid: String::new(),
            start,
            end,
            codings,
            at: (5, 1),
        };
        let proj = Project {
            cases: BTreeMap::new(),
            case_names: Default::default(),
            users: BTreeMap::from([
                ("u1".to_string(), "Ana".to_string()),
                ("u2".to_string(), RULES_USER.to_string()),
            ]),
            sources: vec![
                Source {
                    name: "r01.txt".into(),
                    selections: vec![
                        sel("b", 53, 70, vec![coding("u1", "g1")]),
                        sel("a", 22, 52, vec![coding("u1", "g2"), coding("", "g1")]),
                        sel("c", 0, 10, vec![coding("u1", "g1")]),
                        sel("d", 22, 52, vec![coding("u2", "g1")]),
                    ],
                    ..Default::default()
                },
                Source {
                    name: "r09.txt".into(),
                    selections: vec![sel("e", 0, 1, vec![]), sel("f", 0, 1, vec![])],
                    ..Default::default()
                },
            ],
        };
        let guids = BTreeMap::from([
            ("g1".to_string(), "exploitation/wages".to_string()),
            ("g2".to_string(), "recruitment/job_offer".to_string()),
        ]);
        let texts = [text.to_string(), String::new()];
        let p = place(&proj, &texts, &transcripts(), &guids, "x.qdpx/project.qde");
        let row = |position, excerpt: &str, code: &str| SheetRow {
            position,
            excerpt: excerpt.into(),
            code: code.into(),
        };
        assert_eq!(
            p.sheets["Ana"].iter().cloned().collect::<Vec<_>>(),
            [
                row(1, "r01-1", "recruitment/job_offer"),
                row(2, "r01-2", "exploitation/wages")
            ]
        );
        assert_eq!(
            p.sheets["imported"].iter().cloned().collect::<Vec<_>>(),
            [row(1, "r01-1", "exploitation/wages")]
        );
        assert_eq!(p.sheets.len(), 2);
        assert_eq!(p.rules_codings, 1);
        assert_eq!(p.unplaced, 3);
        assert_eq!(
            p.warnings,
            [
                "x.qdpx/project.qde:5:1: selection `c` (characters 0–10 of `r01.txt`) covers most of no excerpt; its 1 coding(s) are not placed",
                "source `r09.txt` is no transcript of this study: its 2 selection(s) are not placed",
            ]
        );
    }
}
