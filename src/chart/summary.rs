//! The summaries at the matrix's cells (`matrix --cell summary`): for each
//! row and column, the section of the column's chart file, its citations
//! and its status against the cell's excerpts now.

use serde::Serialize;

use super::check::Loaded;
use super::table::CellTable;
use super::{Case, Status};
use crate::index::Manifest;

/// One cell's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellSummary {
    /// The summary text (`""` when there is none).
    pub summary: String,
    /// The cited excerpt ids, in the order cited.
    pub cites: Vec<String>,
    /// `written`, `empty`, `stale` or `none`.
    pub status: &'static str,
}

impl CellSummary {
    /// The status as a value.
    pub fn is_stale(&self) -> bool {
        self.status == Status::Stale.name()
    }
}

/// `grid[i][j]`: the summary of row `rows[i]` in the file of `cases[j]`.
/// The status compares the section's marker with the excerpts of all the
/// case's respondents (not only those a `--where` keeps), as `chart check`
/// does.
pub fn grid(
    m: &Manifest,
    cells: &CellTable,
    files: &[Loaded],
    rows: &[usize],
    cases: &[Case],
) -> Vec<Vec<CellSummary>> {
    let file_of = |case: &Case| files.iter().find(|f| f.case == *case);
    rows.iter()
        .map(|&r| {
            let path = &m.rows[r].path;
            cases
                .iter()
                .map(|case| {
                    let Some(f) = file_of(case) else {
                        return none();
                    };
                    let Some(s) = f.file.sections.iter().find(|s| s.path == *path) else {
                        return none();
                    };
                    // Its citations cannot be checked: left out (warned).
                    if s.bad_cite {
                        return none();
                    }
                    let (hash, _) = cells.hash(r, &f.members);
                    CellSummary {
                        summary: s.summary.clone(),
                        cites: s.cites.iter().map(|c| c.id.clone()).collect(),
                        status: s.status(&hash).name(),
                    }
                })
                .collect()
        })
        .collect()
}

fn none() -> CellSummary {
    CellSummary {
        summary: String::new(),
        cites: Vec::new(),
        status: Status::None.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::cells::Entry;
    use super::*;
    use crate::index::RowInfo;

    #[test]
    fn summaries_at_their_row_and_column() {
        let mut m = Manifest::new();
        m.rows = vec![RowInfo {
            path: "family".into(),
            label: "Family".into(),
            ..Default::default()
        }];
        m.respondents = vec!["R01".into(), "R02".into()];
        let cells = CellTable::new(vec![Entry {
            id: "r01.txt:1".into(),
            resp: 0,
            rows: vec![0],
            words: String::new(),
        }]);
        let (h, n) = cells.hash(0, &[0]);
        let text = format!(
            "## family\n{}\nShe searched [r01.txt:1].\n",
            super::super::marker_line(&h, n)
        );
        let files = vec![Loaded {
            shown: "charts/R01.md".into(),
            case: Case::Respondent("R01".into()),
            members: vec![0],
            file: super::super::parse(&text, "charts/R01.md"),
        }];
        let g = grid(
            &m,
            &cells,
            &files,
            &[0],
            &[
                Case::Respondent("R01".into()),
                Case::Respondent("R02".into()),
            ],
        );
        assert_eq!(
            g[0][0],
            CellSummary {
                summary: "She searched [r01.txt:1].".into(),
                cites: vec!["r01.txt:1".into()],
                status: "written"
            }
        );
        assert_eq!(g[0][1], none());
    }
}
