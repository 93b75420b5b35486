//! Summaries that may hold the words of respondents who withdrew consent,
//! kept out of what `matrix --cell summary` and `report` show: one that
//! cites an excerpt of theirs (certain), and a group's that was written
//! while the group held them and not reviewed since (its record of the
//! cell's excerpts is stale or missing). Pure: the command says whose
//! excerpts are gone and which groups held whom.

use super::check::Loaded;
use super::summary::CellSummary;
use super::Case;

/// The status of a summary left out.
pub const WITHHELD: &str = "withheld";

/// What is known of the respondents who withdrew consent.
pub struct Withdrawn<'a> {
    /// For a cited id that is no excerpt of the study now, the withdrawn
    /// respondents whose words its transcript held (`None`: not theirs).
    pub whose: &'a dyn Fn(&str) -> Option<Vec<String>>,
    /// The withdrawn respondents a group case held (none for a respondent).
    pub held: &'a dyn Fn(&Case) -> Vec<String>,
}

/// Replaces, in `grid` (`grid[i][j]`: row path `paths[i]`, case
/// `cases[j]`), each summary that may hold withdrawn words by an empty one
/// with status [`WITHHELD`]; returns a warning per summary left out, with
/// its `file:line` and what to do, by file then line.
pub fn withhold(
    grid: &mut [Vec<CellSummary>],
    paths: &[&str],
    cases: &[Case],
    files: &[Loaded],
    w: &Withdrawn<'_>,
) -> Vec<String> {
    let mut out: Vec<(String, usize, usize, String)> = Vec::new();
    for (j, case) in cases.iter().enumerate() {
        let file = files.iter().find(|f| f.case == *case);
        let held = match case {
            Case::Group { .. } => (w.held)(case),
            Case::Respondent(_) => Vec::new(),
        };
        for (i, row) in grid.iter_mut().enumerate() {
            let (Some(cell), Some(path)) = (row.get_mut(j), paths.get(i)) else {
                continue;
            };
            if cell.summary.trim().is_empty() {
                continue;
            }
            let shown = file.map_or_else(|| case.rel(), |f| f.shown.clone());
            let cited = cell
                .cites
                .iter()
                .find_map(|id| (w.whose)(id).map(|who| (id.clone(), who)));
            let (line, col, warning) = if let Some((id, who)) = cited {
                // The citation in the cell's own section: the one at its
                // code, else the one the cell's citations came from.
                let (line, col) = file
                    .and_then(|f| {
                        let sections = &f.file.sections;
                        let cites_it = |s: &&super::Section| s.cites.iter().any(|c| c.id == id);
                        sections
                            .iter()
                            .filter(cites_it)
                            .find(|s| s.path == *path)
                            .or_else(|| {
                                sections
                                    .iter()
                                    .filter(cites_it)
                                    .find(|s| s.cites.iter().map(|c| &c.id).eq(cell.cites.iter()))
                            })
                            .and_then(|s| s.cites.iter().find(|c| c.id == id))
                    })
                    .map_or((0, 0), |c| (c.line, c.col));
                let at = match line {
                    0 => shown.clone(),
                    _ => format!("{shown}:{line}:{col}"),
                };
                let warning = format!(
                    "{at}: the summary of {path} is left out: it cites `{id}`, of a transcript that held the words of {}, who withdrew consent; rewrite the summary without their words and remove the citation, and it shows again",
                    names(&who)
                );
                (line, col, warning)
            } else if cell.is_stale() && !held.is_empty() {
                let line = file
                    .and_then(|f| f.file.sections.iter().find(|s| s.path == *path))
                    .map_or(0, |s| s.line);
                let at = match line {
                    0 => shown.clone(),
                    _ => format!("{shown}:{line}"),
                };
                let warning = format!(
                    "{at}: the summary of {path} is left out: it was written while the group held {}, who withdrew consent, and its excerpts have not been reviewed since (the record of them is stale or missing); rewrite it without their words, run `thematic chart check --accept`, and it shows again",
                    names(&held)
                );
                (line, 0, warning)
            } else {
                continue;
            };
            *cell = CellSummary {
                summary: String::new(),
                cites: Vec::new(),
                status: WITHHELD,
            };
            out.push((shown, line, col, warning));
        }
    }
    out.sort();
    out.into_iter().map(|(.., w)| w).collect()
}

/// `` `R03`, `R07` ``.
fn names(ids: &[String]) -> String {
    ids.iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(summary: &str, cites: &[&str], status: &'static str) -> CellSummary {
        CellSummary {
            summary: summary.into(),
            cites: cites.iter().map(|c| c.to_string()).collect(),
            status,
        }
    }

    fn group(value: &str) -> Case {
        Case::Group {
            attr: "profile".into(),
            value: value.into(),
        }
    }

    fn loaded(case: Case, shown: &str, text: &str) -> Loaded {
        Loaded {
            shown: shown.into(),
            case,
            members: vec![0],
            file: super::super::parse(text, shown),
        }
    }

    #[test]
    fn summaries_citing_or_written_from_withdrawn_words_are_left_out() {
        let cases = [
            group("relative"),
            group("survivor"),
            Case::Respondent("R04".into()),
        ];
        let files = [
            loaded(
                cases[0].clone(),
                "charts/by-profile/relative.md",
                "# relative\n\n## police\nNada [fg.txt:5].\n\n## blame\nDicen que [fg.txt:5; fg.txt:6].\n\n## other\nOtro.\n",
            ),
            loaded(
                cases[1].clone(),
                "charts/by-profile/survivor.md",
                "## blame\nCulpan [fg.txt:6].\n",
            ),
            loaded(
                cases[2].clone(),
                "charts/R04.md",
                "## blame\nYo [fg.txt:6].\n",
            ),
        ];
        let mut grid = vec![
            vec![
                cell("Nada [fg.txt:5].", &["fg.txt:5"], "written"),
                cell("", &[], "none"),
                cell("", &[], "none"),
            ],
            vec![
                cell(
                    "Dicen que [fg.txt:5; fg.txt:6].",
                    &["fg.txt:5", "fg.txt:6"],
                    "written",
                ),
                cell("Culpan [fg.txt:6].", &["fg.txt:6"], "stale"),
                cell("Yo [fg.txt:6].", &["fg.txt:6"], "stale"),
            ],
            vec![
                cell("Otro.", &[], "stale"),
                cell("", &[], "none"),
                cell("", &[], "none"),
            ],
        ];
        let whose = |id: &str| (id == "fg.txt:5").then(|| vec!["R03".to_string()]);
        let held = |c: &Case| match c {
            Case::Group { value, .. } if value == "relative" => vec!["R03".to_string()],
            _ => Vec::new(),
        };
        let w = Withdrawn {
            whose: &whose,
            held: &held,
        };
        let warnings = withhold(&mut grid, &["police", "blame", "other"], &cases, &files, &w);
        assert_eq!(
            warnings,
            [
                "charts/by-profile/relative.md:4:7: the summary of police is left out: it cites `fg.txt:5`, of a transcript that held the words of `R03`, who withdrew consent; rewrite the summary without their words and remove the citation, and it shows again",
                "charts/by-profile/relative.md:7:12: the summary of blame is left out: it cites `fg.txt:5`, of a transcript that held the words of `R03`, who withdrew consent; rewrite the summary without their words and remove the citation, and it shows again",
                "charts/by-profile/relative.md:9: the summary of other is left out: it was written while the group held `R03`, who withdrew consent, and its excerpts have not been reviewed since (the record of them is stale or missing); rewrite it without their words, run `thematic chart check --accept`, and it shows again",
            ]
        );
        let status: Vec<Vec<&str>> = grid
            .iter()
            .map(|r| r.iter().map(|c| c.status).collect())
            .collect();
        assert_eq!(
            status,
            [
                ["withheld", "none", "none"],
                ["withheld", "stale", "stale"],
                ["withheld", "none", "none"]
            ]
        );
        assert!(grid[1][0].summary.is_empty() && grid[1][0].cites.is_empty());
        assert_eq!(grid[1][1].summary, "Culpan [fg.txt:6].");
    }
}
