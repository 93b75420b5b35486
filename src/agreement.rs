//! Inter-coder agreement on binary codings (a code applied or not to an
//! excerpt): percent agreement, Cohen's κ (two coders), Krippendorff's α
//! (nominal, any number of coders, missing values allowed), and precision,
//! recall and F1 of the rules against a coder. Undefined values (no
//! variation, nothing to compare) are `None`, never 0 or NaN.

/// Agreement figures for one code (or pooled).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    /// Units compared.
    pub units: usize,
    /// Share of units where all coders agree.
    pub agreement: Option<f64>,
    /// Cohen's κ (exactly two coders).
    pub kappa: Option<f64>,
    /// Krippendorff's α, nominal.
    pub alpha: Option<f64>,
}

/// The codes a coder can be compared on, per codebook row (`parents`:
/// each row's parent, rows in codebook order, parents first). `columns`
/// are the code columns of the coder's wide sheets (`None`: a long sheet,
/// every code). A row counts when it is a column, or when it has codes
/// below it and every one of them counts: a theme whose codes were not
/// all on the sheet cannot be judged from the sheet.
pub fn considered(parents: &[Option<usize>], columns: Option<&[usize]>) -> Vec<bool> {
    let Some(columns) = columns else {
        return vec![true; parents.len()];
    };
    let n = parents.len();
    let mut has_child = vec![false; n];
    let mut children_all = vec![true; n];
    let mut out = vec![false; n];
    for i in (0..n).rev() {
        out[i] = columns.contains(&i) || (has_child[i] && children_all[i]);
        if let Some(p) = parents[i].filter(|&p| p < n) {
            has_child[p] = true;
            children_all[p] &= out[i];
        }
    }
    out
}

/// Metrics for units × coders of binary values where a coder's value may
/// be missing (`None`: the coder did not judge the unit). Percent agreement
/// and κ are over the units every coder judged (`units` counts them);
/// Krippendorff's α over every unit that at least two coders judged, as α
/// with missing data is defined (Krippendorff 2011): on complete data the
/// three are over the same units.
pub fn with_missing(units: &[Vec<Option<bool>>]) -> Metrics {
    let complete = || units.iter().filter(|u| u.iter().all(Option::is_some));
    let n = complete().count();
    let coders = units.first().map_or(0, Vec::len);
    let agreement = (n > 0)
        .then(|| complete().filter(|u| u.iter().all(|&v| v == u[0])).count() as f64 / n as f64);
    let kappa = if coders == 2 && n > 0 {
        cohen_kappa(complete().map(|u| (u[0] == Some(true), u[1] == Some(true))))
    } else {
        None
    };
    Metrics {
        units: n,
        agreement,
        kappa,
        alpha: alpha_binary(units),
    }
}

/// Krippendorff's α for binary values with missing ones (nominal α, from
/// the coincidence matrix of every pairable unit: one with two values or
/// more).
fn alpha_binary(units: &[Vec<Option<bool>>]) -> Option<f64> {
    // Coincidences o[c][k], c and k 0 or 1.
    let mut o = [[0f64; 2]; 2];
    let mut seen = [[false; 2]; 2];
    for unit in units {
        let m = unit.iter().flatten().count();
        if m < 2 {
            continue;
        }
        let w = 1.0 / (m as f64 - 1.0);
        for (i, a) in unit.iter().enumerate() {
            let Some(a) = a else { continue };
            for (j, b) in unit.iter().enumerate() {
                let Some(b) = b else { continue };
                if i != j {
                    o[usize::from(*a)][usize::from(*b)] += w;
                    seen[usize::from(*a)][usize::from(*b)] = true;
                }
            }
        }
    }
    // A value no pair has is absent, as from the map: no n_c of 0 is added.
    let n_c: Vec<f64> = (0..2)
        .filter(|&c| seen[c][0] || seen[c][1])
        .map(|c| o[c][0] + o[c][1])
        .collect();
    let n: f64 = n_c.iter().sum();
    if n <= 1.0 {
        return None;
    }
    let d_o = o[0][1] + o[1][0];
    let d_e = if n_c.len() == 2 {
        n_c[0] * n_c[1] + n_c[1] * n_c[0]
    } else {
        0.0
    };
    if d_e == 0.0 {
        return None;
    }
    Some(snap(1.0 - (n - 1.0) * d_o / d_e))
}

/// Cohen's κ for two raters' binary values.
pub fn cohen_kappa(pairs: impl Iterator<Item = (bool, bool)>) -> Option<f64> {
    let (mut n, mut agree, mut a1, mut b1) = (0f64, 0f64, 0f64, 0f64);
    for (a, b) in pairs {
        n += 1.0;
        agree += f64::from(u8::from(a == b));
        a1 += f64::from(u8::from(a));
        b1 += f64::from(u8::from(b));
    }
    if n == 0.0 {
        return None;
    }
    let po = agree / n;
    let pe = (a1 / n) * (b1 / n) + (1.0 - a1 / n) * (1.0 - b1 / n);
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    Some(snap((po - pe) / (1.0 - pe)))
}

/// A coefficient that is 0 up to floating-point error is 0: κ of 0.6667
/// agreement against 0.6667 expected comes out as `-3.3e-16`, which would
/// print as `-0.0000`.
fn snap(x: f64) -> f64 {
    if x.abs() < 1e-12 {
        0.0
    } else {
        x
    }
}

/// Precision, recall and F1 of a predictor against a reference.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prf {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
}

impl Prf {
    /// Counts one unit.
    pub fn add(&mut self, predicted: bool, reference: bool) {
        match (predicted, reference) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => {}
        }
    }
    /// TP / (TP + FP); None without predictions.
    pub fn precision(&self) -> Option<f64> {
        let d = self.tp + self.fp;
        (d > 0).then(|| self.tp as f64 / d as f64)
    }
    /// TP / (TP + FN); None without reference positives.
    pub fn recall(&self) -> Option<f64> {
        let d = self.tp + self.fn_;
        (d > 0).then(|| self.tp as f64 / d as f64)
    }
    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub fn f1(&self) -> Option<f64> {
        let (p, r) = (self.precision()?, self.recall()?);
        Some(if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        })
    }
}

/// A figure with four decimals, or empty when undefined.
pub fn fmt4(v: Option<f64>) -> String {
    v.map(four).unwrap_or_default()
}

/// A figure to four decimals, rounded half up (away from zero) as
/// percentages are: 13/32 = 0.40625 is `0.4063` (formatting the binary
/// value would round that tie to even, `0.4062`); never `-0.0000`.
pub fn four(x: f64) -> String {
    let r = (x * 10_000.0).round() / 10_000.0;
    format!("{:.4}", r + 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Metrics for units × coders of binary values, every coder with a
    /// value.
    fn binary(units: &[Vec<bool>]) -> Metrics {
        let units: Vec<Vec<Option<bool>>> = units
            .iter()
            .map(|u| u.iter().map(|&v| Some(v)).collect())
            .collect();
        with_missing(&units)
    }

    /// Krippendorff's α for nominal data (the reference [`alpha_binary`]
    /// is checked against): `units[u][c]` is coder c's value for unit u,
    /// or None when missing. Units with fewer than two values are not
    /// pairable and are ignored.
    fn krippendorff_alpha_nominal(units: &[Vec<Option<u32>>]) -> Option<f64> {
        // Coincidence matrix o[c][k].
        let mut o: BTreeMap<(u32, u32), f64> = BTreeMap::new();
        for unit in units {
            let vals: Vec<u32> = unit.iter().flatten().copied().collect();
            let m = vals.len();
            if m < 2 {
                continue;
            }
            for (i, &a) in vals.iter().enumerate() {
                for (j, &b) in vals.iter().enumerate() {
                    if i != j {
                        *o.entry((a, b)).or_default() += 1.0 / (m as f64 - 1.0);
                    }
                }
            }
        }
        let mut n_c: BTreeMap<u32, f64> = BTreeMap::new();
        for (&(c, _), &v) in &o {
            *n_c.entry(c).or_default() += v;
        }
        let n: f64 = n_c.values().sum();
        if n <= 1.0 {
            return None;
        }
        let d_o: f64 = o.iter().filter(|((c, k), _)| c != k).map(|(_, v)| v).sum();
        let mut d_e = 0.0;
        for (c, nc) in &n_c {
            for (k, nk) in &n_c {
                if c != k {
                    d_e += nc * nk;
                }
            }
        }
        if d_e == 0.0 {
            return None;
        }
        Some(snap(1.0 - (n - 1.0) * d_o / d_e))
    }

    #[test]
    fn a_coefficient_zero_up_to_rounding_error_is_zero() {
        // Observed agreement 2/3 equals the agreement expected by chance:
        // computed in floating point, κ is -3.3e-16.
        let units = [vec![false, false], vec![false, true], vec![false, false]];
        let m = binary(&units);
        assert_eq!(m.kappa.map(f64::to_bits), Some(0.0f64.to_bits()));
        assert_eq!(fmt4(m.kappa), "0.0000");
        assert_eq!(fmt4(m.alpha), "0.0000");
        assert_eq!(snap(-3.3e-16).to_bits(), 0.0f64.to_bits());
        assert_eq!(snap(-0.25), -0.25);
        assert_eq!(snap(1e-9), 1e-9);
    }

    #[test]
    fn krippendorff_reliability_data_example() {
        // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability",
        // nominal example: 4 observers, 12 units, missing values; α = 0.743.
        let rows: [[Option<u32>; 12]; 4] = [
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(1),
                Some(4),
                Some(1),
                Some(2),
                None,
                None,
                None,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(2),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                None,
                Some(3),
            ],
            [
                None,
                Some(3),
                Some(3),
                Some(3),
                Some(2),
                Some(3),
                Some(4),
                Some(2),
                Some(2),
                Some(5),
                Some(1),
                None,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(4),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                Some(1),
                None,
            ],
        ];
        let units: Vec<Vec<Option<u32>>> = (0..12)
            .map(|u| rows.iter().map(|r| r[u]).collect())
            .collect();
        let a = krippendorff_alpha_nominal(&units).unwrap();
        assert!((a - 0.743).abs() < 0.0005, "{a}");
    }

    #[test]
    fn cohen_kappa_textbook_example() {
        // 50 items: both yes 20, A yes B no 5, A no B yes 10, both no 15: κ = 0.4.
        let mut pairs = Vec::new();
        pairs.extend(std::iter::repeat_n((true, true), 20));
        pairs.extend(std::iter::repeat_n((true, false), 5));
        pairs.extend(std::iter::repeat_n((false, true), 10));
        pairs.extend(std::iter::repeat_n((false, false), 15));
        let k = cohen_kappa(pairs.into_iter()).unwrap();
        assert!((k - 0.4).abs() < 1e-12, "{k}");
    }

    #[test]
    fn no_variation_is_undefined_not_zero() {
        let m = binary(&[vec![false, false], vec![false, false]]);
        assert_eq!(m.agreement, Some(1.0));
        assert_eq!(m.kappa, None);
        assert_eq!(m.alpha, None);
        assert_eq!(binary(&[]).agreement, None);
        assert_eq!(fmt4(None), "");
        // Ties round half up, as percentages do.
        assert_eq!(fmt4(Some(13.0 / 32.0)), "0.4063");
        assert_eq!(fmt4(Some(29.0 / 32.0)), "0.9063");
        assert_eq!(fmt4(Some(-13.0 / 32.0)), "-0.4063");
        assert_eq!(fmt4(Some(-1e-9)), "0.0000");
        assert_eq!(fmt4(Some(2.0 / 3.0)), "0.6667");
    }

    #[test]
    fn three_coders() {
        let m = binary(&[
            vec![true, true, true],
            vec![true, true, false],
            vec![false, false, false],
            vec![false, false, false],
        ]);
        assert_eq!(m.agreement, Some(0.75));
        assert_eq!(m.kappa, None);
        // Coincidences: o11 = 4, o10 = o01 = 1, o00 = 6; n = 12.
        // α = 1 - (n-1) * D_o / Σ n_c n_k = 1 - 11 * 2 / (2 * 5 * 7) = 0.6857…
        assert!((m.alpha.unwrap() - (1.0 - 22.0 / 70.0)).abs() < 1e-12);
    }

    #[test]
    fn alpha_takes_every_pairable_unit_agreement_and_kappa_the_complete_ones() {
        // Three coders; the third judged only the first two units, and
        // nobody but the first the last one.
        let (y, n) = (Some(true), Some(false));
        let units = [
            vec![y, y, y],
            vec![y, n, y],
            vec![n, n, None],
            vec![n, y, None],
            vec![y, y, None],
            vec![n, n, None],
            vec![y, None, None],
        ];
        let m = with_missing(&units);
        // Agreement over the two units all three judged: 1 of 2.
        assert_eq!(m.units, 2);
        assert_eq!(m.agreement, Some(0.5));
        assert_eq!(m.kappa, None);
        // Coincidences over the six pairable units: o11 = 3 + 1 + 2 = 6,
        // o10 = o01 = 1 + 1 = 2, o00 = 2 + 2 = 4; n1 = 8, n0 = 6, n = 14.
        // α = 1 - (n-1) D_o / Σ n_c n_k = 1 - 13 * 4 / (2 * 8 * 6) = 11/24.
        assert!((m.alpha.unwrap() - 11.0 / 24.0).abs() < 1e-12, "{m:?}");
        assert_eq!(fmt4(m.alpha), "0.4583");

        // Two coders: κ over the units both judged, α over the same ones
        // (a unit one coder judged alone is not pairable).
        let m = with_missing(&[vec![y, y], vec![n, n], vec![y, None], vec![None, n]]);
        assert_eq!((m.units, m.agreement), (2, Some(1.0)));
        assert_eq!(m.kappa, Some(1.0));
        assert_eq!(m.alpha, Some(1.0));
        // Nothing judged by all: agreement and κ undefined, α still there.
        let m = with_missing(&[vec![y, y, None], vec![n, None, n], vec![y, None, n]]);
        assert_eq!((m.units, m.agreement, m.kappa), (0, None, None));
        // o11 = 2, o00 = 2, o10 = o01 = 1; n = 6, D_o = 2, Σ n_c n_k = 18.
        assert!((m.alpha.unwrap() - (1.0 - 5.0 * 2.0 / 18.0)).abs() < 1e-12);
    }

    #[test]
    fn binary_alpha_is_the_nominal_alpha_to_the_bit() {
        // Pseudo-random binary data, 2-5 coders, a third of values missing.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |k: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % k
        };
        for round in 0..300 {
            let coders = 2 + (round % 4);
            let units: Vec<Vec<Option<bool>>> = (0..1 + next(40))
                .map(|_| {
                    (0..coders)
                        .map(|_| match next(6) {
                            0 | 1 => None,
                            2 if round % 3 == 0 => Some(true),
                            v => Some(v % 2 == 0),
                        })
                        .collect()
                })
                .collect();
            let values: Vec<Vec<Option<u32>>> = units
                .iter()
                .map(|u| u.iter().map(|v| v.map(u32::from)).collect())
                .collect();
            assert_eq!(
                alpha_binary(&units).map(f64::to_bits),
                krippendorff_alpha_nominal(&values).map(f64::to_bits),
                "{units:?}"
            );
        }
        assert_eq!(alpha_binary(&[]), None);
        assert_eq!(alpha_binary(&[vec![Some(true), None]]), None);
    }

    #[test]
    fn krippendorff_reliability_data_example_as_a_binary_code() {
        // The reliability data of the example above (0: missing), read as
        // one binary code, "the value is 1".
        let rows = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
            [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
        ];
        let units: Vec<Vec<Option<bool>>> = (0..12)
            .map(|u| rows.iter().map(|r| (r[u] > 0).then(|| r[u] == 1)).collect())
            .collect();
        let m = with_missing(&units);
        // Units 2-9 have all four values; of them 6 and 8 differ.
        assert_eq!(m.units, 8);
        assert_eq!(m.agreement, Some(0.75));
        // Pairable: units 1-11 (unit 12 has one value), 40 values.
        // o11: unit 1 (three 1s) 6 pairs × 1/2 = 3, unit 8 (three 1s of
        // four) 6 × 1/3 = 2, unit 11 (two 1s) 2 × 1 = 2: 7. o10 = o01:
        // unit 6 (one 1 of four) 3 × 1/3 = 1, unit 8 3 × 1/3 = 1: 2 each.
        // n1 = 9, n0 = 31, D_o = 4: α = 1 - 39 · 4 / (2 · 9 · 31).
        assert!(
            (m.alpha.unwrap() - (1.0 - 156.0 / 558.0)).abs() < 1e-12,
            "{m:?}"
        );
        assert_eq!(fmt4(m.alpha), "0.7204");
    }

    #[test]
    fn precision_recall_f1() {
        let mut p = Prf::default();
        for (a, b) in [
            (true, true),
            (true, false),
            (false, true),
            (true, true),
            (false, false),
        ] {
            p.add(a, b);
        }
        assert_eq!(fmt4(p.precision()), "0.6667");
        assert_eq!(fmt4(p.recall()), "0.6667");
        assert_eq!(fmt4(p.f1()), "0.6667");
        assert_eq!(Prf::default().f1(), None);
    }

    #[test]
    fn a_sheet_considers_its_columns_and_themes_it_covers_whole() {
        // t1 { a, b { b1 } }, t2 { c }
        let parents = [None, Some(0), Some(0), Some(2), None, Some(4)];
        assert_eq!(
            considered(&parents, Some(&[1, 2])),
            [true, true, true, false, false, false]
        );
        assert_eq!(
            considered(&parents, Some(&[1, 3])),
            [true, true, true, true, false, false]
        );
        assert_eq!(
            considered(&parents, Some(&[1])),
            [false, true, false, false, false, false]
        );
        assert_eq!(considered(&parents, None), [true; 6]);
    }
}
