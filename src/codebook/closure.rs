//! A codebook's parent links: a code counts for its parent code and its
//! theme too. One implementation for the matcher, the code table and the
//! collectors.

/// Codebook parent links, to expand codes into the rows they count in.
#[derive(Debug, Clone, Default)]
pub struct Closure {
    parents: Vec<Option<u32>>,
}

impl Closure {
    /// From each row's parent (None for a theme).
    pub fn new(parents: impl IntoIterator<Item = Option<usize>>) -> Closure {
        Closure {
            parents: parents.into_iter().map(|p| p.map(|p| p as u32)).collect(),
        }
    }

    /// From a codebook's nodes.
    pub fn of(cb: &super::Codebook) -> Closure {
        Closure::new(cb.nodes.iter().map(|n| n.parent))
    }

    /// `codes` and all their ancestors (themes and parent codes), ascending
    /// and unique: the rows an excerpt counts in.
    pub fn of_codes(&self, codes: &[u32]) -> Vec<u32> {
        let mut out = Vec::new();
        self.expand(codes.iter().copied(), &mut out);
        out.into_iter().map(|r| r as u32).collect()
    }

    /// Replaces `out` by `codes` and all their ancestors, ascending, unique.
    pub fn expand(&self, codes: impl IntoIterator<Item = u32>, out: &mut Vec<u64>) {
        out.clear();
        for c in codes {
            let mut at = Some(c);
            while let Some(r) = at {
                out.push(u64::from(r));
                at = self.parents.get(r as usize).copied().flatten();
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_expand_to_their_ancestors_once() {
        let c = Closure::new([None, Some(0), Some(0), Some(2), None]);
        assert_eq!(c.of_codes(&[3, 1]), [0, 1, 2, 3]);
        assert_eq!(c.of_codes(&[4]), [4]);
    }
}
