//! Code co-occurrence as data: for chosen rows (themes and codes), how many
//! excerpts (or respondents) are at both of each pair. The rows of an
//! excerpt come from the code table through a [`RowReader`], so a theme or
//! parent code counts any of its descendants, as everywhere. Formatting is
//! `cmd::cooccur`'s job.

use crate::index::codes::CodeTable;
use crate::index::collect::{Filter, RowReader};

/// What a co-occurrence cell counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    /// Excerpts at both rows.
    Excerpt,
    /// Respondents with excerpts at both rows (not necessarily the same excerpt).
    Respondent,
}

/// A square co-occurrence matrix over chosen rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cooccurrence {
    /// The chosen rows (indexes into the manifest's rows), in codebook order.
    pub rows: Vec<usize>,
    /// `cells[i * n + j]`: units at both `rows[i]` and `rows[j]`; the
    /// diagonal is a row's own count.
    pub cells: Vec<u32>,
    /// Units that passed the filter (excerpts, or respondents with an excerpt).
    pub units: u32,
}

impl Cooccurrence {
    /// Number of rows (and columns).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Units at both the `i`th and `j`th chosen rows.
    pub fn count(&self, i: usize, j: usize) -> u32 {
        self.cells[i * self.len() + j]
    }

    /// Jaccard index of the `i`th and `j`th rows: units at both over units
    /// at either; 0 when no unit is at either.
    pub fn jaccard(&self, i: usize, j: usize) -> f64 {
        let both = self.count(i, j);
        let either = self.count(i, i) + self.count(j, j) - both;
        if either == 0 {
            0.0
        } else {
            f64::from(both) / f64::from(either)
        }
    }
}

/// Counts co-occurrence of `rows` (manifest row indexes, in codebook order)
/// over every excerpt of the code table that passes `filter`'s respondent
/// mask; `reader` reads each excerpt's rows for the filter's source.
/// `n_rows` is the number of rows in the manifest, `n_resp` of respondents.
pub fn count(
    table: &CodeTable,
    mut reader: RowReader,
    filter: &Filter,
    rows: Vec<usize>,
    n_rows: usize,
    n_resp: usize,
    within: Within,
) -> Cooccurrence {
    let n = rows.len();
    let mut slot = vec![usize::MAX; n_rows];
    for (k, &r) in rows.iter().enumerate() {
        if let Some(s) = slot.get_mut(r) {
            *s = k;
        }
    }
    let mut cells = vec![0u32; n * n];
    let mut units = 0u32;
    // With --within respondent: which chosen rows each respondent reached.
    let mut reached: Vec<Option<Vec<bool>>> = match within {
        Within::Excerpt => Vec::new(),
        Within::Respondent => vec![None; n_resp],
    };
    let mut buf = Vec::new();
    let mut here = Vec::new();
    for rec in table.records() {
        let resp = reader.fill(rec, &mut buf) as usize;
        if resp >= n_resp || !allowed(filter, resp) {
            continue;
        }
        here.clear();
        here.extend(
            buf.iter()
                .filter_map(|&r| slot.get(r as usize).copied())
                .filter(|&k| k != usize::MAX),
        );
        match within {
            Within::Excerpt => {
                units += 1;
                add_pairs(&mut cells, n, &here);
            }
            Within::Respondent => {
                let seen = reached[resp].get_or_insert_with(|| vec![false; n]);
                for &k in &here {
                    seen[k] = true;
                }
            }
        }
    }
    for seen in reached.iter().flatten() {
        units += 1;
        here.clear();
        here.extend((0..n).filter(|&k| seen[k]));
        add_pairs(&mut cells, n, &here);
    }
    Cooccurrence { rows, cells, units }
}

fn allowed(filter: &Filter, resp: usize) -> bool {
    filter
        .respondents
        .as_ref()
        .is_none_or(|m| m.get(resp).copied().unwrap_or(false))
}

/// Adds one unit at every pair of the slots in `here` (and each slot's diagonal).
fn add_pairs(cells: &mut [u32], n: usize, here: &[usize]) {
    for &a in here {
        for &b in here {
            cells[a * n + b] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::codes::{Closure, ExcerptCodes, TableBuilder};
    use crate::index::collect::Source;

    /// Theme 0 with codes 1 and 2; theme 3 with code 4.
    fn closure() -> Closure {
        Closure::new([None, Some(0), Some(0), None, Some(3)])
    }

    /// Four excerpts: resp 0 at {1,4}, resp 0 at {2}, resp 1 at {1,2},
    /// resp 1 at nothing; a coder puts resp 1's last excerpt at 4.
    fn table() -> CodeTable {
        let mut b = TableBuilder::default();
        let mut put = |pos, resp, rules: Vec<u32>, coders: Vec<(u32, u32)>| {
            b.insert(
                0,
                pos,
                &ExcerptCodes {
                    resp,
                    rules,
                    covered_by: if coders.is_empty() {
                        vec![]
                    } else {
                        vec![(0, 0)]
                    },
                    coders,
                },
            )
        };
        put(0, 0, vec![1, 4], vec![]);
        put(1, 0, vec![2], vec![]);
        put(2, 1, vec![1, 2], vec![]);
        put(3, 1, vec![], vec![(0, 4)]);
        CodeTable::parse(b.encode()).unwrap()
    }

    fn run(source: Source, mask: Option<Vec<bool>>, within: Within) -> Cooccurrence {
        let filter = Filter {
            respondents: mask,
            source,
        };
        count(
            &table(),
            RowReader::new(source, closure()),
            &filter,
            (0..5).collect(),
            5,
            2,
            within,
        )
    }

    #[test]
    fn excerpts_at_both_rows_with_themes_counting_their_codes() {
        let c = run(Source::All, None, Within::Excerpt);
        assert_eq!(c.units, 4);
        #[rustfmt::skip]
        assert_eq!(c.cells, [
            3, 2, 2, 1, 1,
            2, 2, 1, 1, 1,
            2, 1, 2, 0, 0,
            1, 1, 0, 2, 2,
            1, 1, 0, 2, 2,
        ]);
        assert_eq!(c.jaccard(1, 2), 1.0 / 3.0);
        assert_eq!(c.jaccard(2, 3), 0.0);
    }

    #[test]
    fn respondents_with_excerpts_at_both_rows() {
        let c = run(Source::All, None, Within::Respondent);
        assert_eq!(c.units, 2);
        // Respondent 0 reaches every row; respondent 1 too (4 by a coder).
        assert!(c.cells.iter().all(|&v| v == 2));
        let rules = run(Source::Rules, None, Within::Respondent);
        assert_eq!(rules.count(1, 2), 2);
        assert_eq!(rules.count(2, 4), 1);
        assert_eq!(rules.count(3, 3), 1);
    }

    #[test]
    fn respondent_filter_and_empty_rows() {
        let c = run(Source::All, Some(vec![false, true]), Within::Excerpt);
        assert_eq!(c.units, 2);
        assert_eq!(c.count(1, 2), 1);
        assert_eq!(c.count(4, 4), 1);
        let none = run(Source::Coder(7), None, Within::Excerpt);
        assert!(none.cells.iter().all(|&v| v == 0));
        assert_eq!(none.jaccard(0, 0), 0.0);
    }
}
