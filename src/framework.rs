//! The framework matrix as plain data: rows (themes and codes), columns
//! (respondents or attribute groups), and per cell the excerpt count, the
//! respondents with at least one excerpt, and the column's size. Built from
//! the index's [`Counts`]; rendering lives in `cmd/matrix.rs` and `render`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::index::collect::Counts;
use crate::index::Manifest;

/// The column name for respondents who lack the `--by` attribute.
pub const MISSING: &str = "(missing)";

/// A column: a respondent, or the respondents sharing an attribute value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Respondent id or attribute value.
    pub name: String,
    /// Dense respondent ids in the column.
    #[serde(skip)]
    pub members: Vec<usize>,
    /// Number of respondents in the column (N).
    pub respondents: u32,
}

/// One cell's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// Excerpts at the row.
    pub count: u32,
    /// Respondents with at least one excerpt at the row (n).
    pub respondents: u32,
    /// Respondents in the column (N).
    pub of: u32,
}

/// Rows × columns of cells, plus a total column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    /// Row ids (indexes into the manifest's rows).
    pub rows: Vec<usize>,
    /// Columns, sorted by name.
    pub columns: Vec<Column>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Cell>>,
    /// Total per row over all columns (respondents counted once).
    pub totals: Vec<Cell>,
}

/// Builds the matrix. Columns are the respondents with at least one excerpt
/// (after filtering), or with `by` the values of that attribute among them.
pub fn build(counts: &Counts, m: &Manifest, rows: Vec<usize>, by: Option<&str>) -> Matrix {
    let present: Vec<usize> = (0..counts.n_resp)
        .filter(|&p| counts.excerpts[p] > 0)
        .collect();
    // Each respondent's value of `by`: one pass over the attribute table
    // (a study may have tens of thousands of respondents), looked up by
    // binary search (the table is in respondent order).
    let column = by.map(|attr| m.attributes.column(attr));
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &p in &present {
        let id = m.respondents[p].as_str();
        let key = match (&column, by) {
            (Some(column), Some(attr)) => match column.binary_search_by(|(r, _)| (*r).cmp(id)) {
                Ok(k) => column[k].1,
                Err(_) if attr == "respondent" => id,
                Err(_) => MISSING,
            },
            _ => id,
        };
        groups.entry(key).or_default().push(p);
    }
    let columns: Vec<Column> = groups
        .into_iter()
        .map(|(name, members)| Column {
            respondents: members.len() as u32,
            name: name.to_string(),
            members,
        })
        .collect();
    let figure = |row: usize, members: &[usize]| Cell {
        count: members.iter().map(|&p| counts.cell(row, p)).sum(),
        respondents: members.iter().filter(|&&p| counts.cell(row, p) > 0).count() as u32,
        of: members.len() as u32,
    };
    let cells = rows
        .iter()
        .map(|&r| columns.iter().map(|c| figure(r, &c.members)).collect())
        .collect();
    let totals = rows.iter().map(|&r| figure(r, &present)).collect();
    Matrix {
        rows,
        columns,
        cells,
        totals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_totals() {
        // 2 rows × 3 respondents; respondent 2 has no excerpts at all.
        let counts = Counts {
            n_rows: 2,
            n_resp: 3,
            cells: vec![2, 0, 0, 1, 1, 0],
            excerpts: vec![3, 2, 0],
            coded: vec![2, 1, 0],
        };
        let mut m = Manifest::new();
        m.respondents = vec!["R01".into(), "R02".into(), "R03".into()];
        m.attributes.insert(
            "R01".into(),
            [("role".to_string(), "survivor".to_string())].into(),
        );
        let by_resp = build(&counts, &m, vec![0, 1], None);
        assert_eq!(
            by_resp
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["R01", "R02"]
        );
        assert_eq!(
            by_resp.cells[0][0],
            Cell {
                count: 2,
                respondents: 1,
                of: 1
            }
        );
        assert_eq!(
            by_resp.totals[1],
            Cell {
                count: 2,
                respondents: 2,
                of: 2
            }
        );
        let by_role = build(&counts, &m, vec![0, 1], Some("role"));
        assert_eq!(
            by_role
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            [MISSING, "survivor"]
        );
        assert_eq!(
            by_role.cells[0][1],
            Cell {
                count: 2,
                respondents: 1,
                of: 1
            }
        );
        assert_eq!(
            by_role.cells[0][0],
            Cell {
                count: 0,
                respondents: 0,
                of: 1
            }
        );
    }
}
