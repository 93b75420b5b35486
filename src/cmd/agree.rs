//! `thematic agree`: inter-coder agreement per code and pooled, the rules
//! scored against coders, and the excerpts where coders differ.

use serde::Serialize;

use crate::agreement::{self, fmt4, Metrics, Prf};
use crate::cli::{AgreeArgs, TextFormat as Format};
use crate::error::{suggest, Error, Result};
use crate::index::collect::{CodedUnit, CodingCollector};
use crate::index::StudyIndex;
use crate::pipeline::{self, Mode};
use crate::render::{self, Table};
use crate::study::{Study, StudyAt};

/// One line of `thematic agree`: a code (or `pooled`) and its figures.
#[derive(Serialize)]
pub(crate) struct AgreeLine {
    pub(crate) code: String,
    pub(crate) units: usize,
    pub(crate) agreement: Option<f64>,
    pub(crate) kappa: Option<f64>,
    pub(crate) alpha: Option<f64>,
}

#[derive(Serialize)]
struct RulesLine {
    coder: String,
    code: String,
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
    true_positives: usize,
    false_positives: usize,
    false_negatives: usize,
}

/// Runs `thematic agree`.
pub fn run(project: &StudyAt, args: &AgreeArgs) -> Result<()> {
    let study = Study::find(project)?;
    let (idx, _) = pipeline::refresh(
        &study,
        if args.frozen {
            Mode::Frozen
        } else {
            Mode::Auto
        },
        &super::note,
    )?;
    let m = &idx.manifest;
    if let Some(n) = pipeline::withheld_note(m) {
        super::note(&n);
    }
    if m.coders.is_empty() {
        return Err(Error::input("there are no human codings in this study")
            .with_hint("write sheets with `thematic sheet --coder NAME`, mark them, and save them in codings/"));
    }
    let coders: Vec<u64> = if args.coders.is_empty() {
        (0..m.coders.len() as u64).collect()
    } else {
        let mut ids = Vec::new();
        for name in &args.coders {
            let i = m
                .coders
                .iter()
                .position(|c| c.name == name.trim())
                .ok_or_else(|| {
                    Error::input(format!("unknown coder `{name}`"))
                        .with_hint(suggest(name, m.coders.iter().map(|c| c.name.as_str())))
                })?;
            ids.push(i as u64);
        }
        ids
    };
    if !args.rules && coders.len() < 2 {
        return Err(
            Error::input("agreement needs at least two coders").with_hint(
                "name them with --coders A,B, or use --rules to score the rules against one coder",
            ),
        );
    }
    // Without `--codes`, the codes a compared coder applied on the
    // excerpts compared (see `Scope::codes_for`).
    let named: Option<Vec<usize>> = if args.codes.is_empty() {
        None
    } else {
        let mut v = args
            .codes
            .iter()
            .map(|n| super::code_arg(&m.rows, n))
            .collect::<Result<Vec<_>>>()?;
        v.sort_unstable();
        v.dedup();
        Some(v)
    };
    let searcher = idx.reader.searcher();
    let mut scope = Scope::new(&idx, coders)?;
    scope.terminal = project.terminal;
    scope.with_rules = args.rules;
    if let Some(named) = named {
        for &code in &named {
            let missing: Vec<&str> = scope
                .coders
                .iter()
                .filter(|&&c| !scope.had[c as usize][code])
                .map(|&c| m.coders[c as usize].name.as_str())
                .collect();
            if !missing.is_empty() {
                eprintln!(
                    "note: `{}` is not compared: not on the sheets of {}",
                    m.rows[code].path,
                    missing.join(", ")
                );
            }
        }
        scope.named = Some(named);
    }
    let out = if args.rules && args.disagreements {
        rules_disagreements(&scope, &searcher, args.format)?
    } else if args.rules {
        rules_report(&scope, args.format)?
    } else if args.disagreements {
        disagreements(&scope, &searcher, args.format)?
    } else {
        agreement_report(&scope, args.format)?
    };
    render::emit(&out)
}

/// What every report works on: the coded excerpts in corpus order, the
/// coders compared and the codes reported.
struct Scope<'a> {
    idx: &'a StudyIndex,
    units: Vec<CodedUnit>,
    coders: Vec<u64>,
    /// The codes named with `--codes`; `None`: those applied (see
    /// [`Scope::codes_for`]).
    named: Option<Vec<usize>>,
    /// Without `--codes`, the codes with rules are reported too.
    with_rules: bool,
    /// Without `--codes`, only codes among these rows are reported.
    within: Option<Vec<usize>>,
    /// Per coder (dense id), per code scope of theirs, per row: whether a
    /// sheet of that scope lets them judge that code.
    considered: Vec<Vec<Vec<bool>>>,
    /// Per coder, per row: whether any of their sheets lets them judge it.
    had: Vec<Vec<bool>>,
    /// The terminal tables are laid out for.
    terminal: crate::render::Terminal,
}

/// Every coder's agreement: who was compared, and per code then pooled.
pub(crate) struct AllCoders {
    /// The coders' names.
    pub(crate) coders: Vec<String>,
    /// Per code, then `pooled`.
    pub(crate) lines: Vec<AgreeLine>,
}

/// Agreement of every coder on the codes among `rows` that any of them
/// applied on the excerpts compared, per code and pooled (the default
/// `thematic agree`); `None` with fewer than two coders.
pub(crate) fn all_coders(idx: &StudyIndex, rows: &[usize]) -> Result<Option<AllCoders>> {
    let m = &idx.manifest;
    if m.coders.len() < 2 {
        return Ok(None);
    }
    let coders: Vec<u64> = (0..m.coders.len() as u64).collect();
    let mut scope = Scope::new(idx, coders)?;
    scope.within = Some(rows.to_vec());
    let coders = scope
        .coders
        .iter()
        .map(|&c| scope.coder(c).to_string())
        .collect();
    Ok(Some(AllCoders {
        coders,
        lines: agreement_lines(&scope),
    }))
}

impl<'a> Scope<'a> {
    /// Reads every excerpt's codings (in corpus order) for `coders`.
    fn new(idx: &'a StudyIndex, coders: Vec<u64>) -> Result<Scope<'a>> {
        let m = &idx.manifest;
        let collector = CodingCollector {
            codes: idx.codes()?,
            closure: m.closure(),
        };
        let mut units = idx
            .reader
            .searcher()
            .search(&tantivy::query::AllQuery, &collector)?;
        let order = m.corpus_order();
        units.sort_by_key(|u| order.key(u.file, u.pos));
        // What each of a coder's sheets lets them judge: a wide sheet its
        // columns, a long sheet every code.
        let parents: Vec<Option<usize>> = m.rows.iter().map(|r| r.parent).collect();
        let considered: Vec<Vec<Vec<bool>>> = m
            .coders
            .iter()
            .map(|c| {
                c.scopes
                    .iter()
                    .map(|s| agreement::considered(&parents, s.as_deref()))
                    .collect()
            })
            .collect();
        let had = considered
            .iter()
            .map(|scopes| {
                (0..m.rows.len())
                    .map(|row| scopes.iter().any(|s: &Vec<bool>| s[row]))
                    .collect()
            })
            .collect();
        Ok(Scope {
            idx,
            units,
            coders,
            named: None,
            with_rules: false,
            within: None,
            considered,
            had,
            terminal: crate::render::Terminal::default(),
        })
    }

    /// Whether `coder` put the excerpt at `row` (directly or below it).
    fn has(u: &CodedUnit, coder: u64, row: usize) -> bool {
        u.coder_rows.contains(&((coder << 32) | row as u64))
    }

    /// Whether `coder` judged the excerpt for `row`: a sheet of theirs
    /// that covers it considered the code (any, when several do).
    fn judged(&self, u: &CodedUnit, coder: u64, row: usize) -> bool {
        u.scopes.iter().any(|&(c, scope)| {
            c == coder
                && self
                    .considered
                    .get(c as usize)
                    .and_then(|s| s.get(scope as usize))
                    .is_some_and(|s| s[row])
        })
    }

    /// The excerpts every one of `coders` covered.
    fn covered_by_all<'s>(&'s self, coders: &'s [u64]) -> impl Iterator<Item = &'s CodedUnit> {
        self.units
            .iter()
            .filter(move |u| coders.iter().all(|c| u.covered_by.contains(c)))
    }

    /// The codes reported for `coders`, in codebook order: those named
    /// with `--codes`, or else those one of them applied directly on an
    /// excerpt every one of them judged for the code (and, with `--rules`,
    /// the codes with rules); of these, those every one of them could
    /// judge.
    fn codes_for(&self, coders: &[u64]) -> Vec<usize> {
        let mut codes = match &self.named {
            Some(named) => named.clone(),
            None => {
                let mut v: Vec<usize> = Vec::new();
                for u in self.covered_by_all(coders) {
                    for &cd in &u.coder_direct {
                        let (c, code) = (cd >> 32, (cd & 0xFFFF_FFFF) as usize);
                        if coders.contains(&c)
                            && coders.iter().all(|&other| self.judged(u, other, code))
                        {
                            v.push(code);
                        }
                    }
                }
                let rows = &self.idx.manifest.rows;
                if self.with_rules {
                    v.extend((0..rows.len()).filter(|&i| rows[i].auto));
                }
                if let Some(within) = &self.within {
                    v.retain(|r| within.contains(r));
                }
                v.sort_unstable();
                v.dedup();
                v
            }
        };
        codes.retain(|&code| {
            coders
                .iter()
                .all(|&c| self.had.get(c as usize).is_some_and(|h| h[code]))
        });
        codes
    }

    fn coder(&self, c: u64) -> &str {
        &self.idx.manifest.coders[c as usize].name
    }

    fn code(&self, row: usize) -> &str {
        &self.idx.manifest.rows[row].path
    }
}

/// Per code and pooled: the compared coders' agreement. Percent
/// agreement and κ are over the excerpts every one of them judged for the
/// code (`units`), α over those at least two of them judged; `pooled`
/// takes every such excerpt × code together, and its `units` are the
/// excerpts in the agreement of at least one code.
fn agreement_lines(s: &Scope) -> Vec<AgreeLine> {
    let compared = s.covered_by_all(&s.coders).count();
    if compared == 0 {
        let names: Vec<&str> = s.coders.iter().map(|&c| s.coder(c)).collect();
        // With three coders or more, two of them may still share excerpts,
        // which α counts.
        let what = if s.coders.len() > 2 {
            "so agreement and kappa have nothing to compare (alpha counts the excerpts two of them share)"
        } else {
            "so there is nothing to compare"
        };
        eprintln!(
            "note: no excerpt is covered by every one of {}: their sheets share no rows, {what}",
            names.join(", ")
        );
    }
    let codes = s.codes_for(&s.coders);
    let mut pooled: Vec<Vec<Option<bool>>> = Vec::new();
    let mut in_base = vec![false; s.units.len()];
    let mut lines = Vec::new();
    for &code in &codes {
        let mut data: Vec<Vec<Option<bool>>> = Vec::new();
        for (i, u) in s.units.iter().enumerate() {
            let values: Vec<Option<bool>> = s
                .coders
                .iter()
                .map(|&c| s.judged(u, c, code).then(|| Scope::has(u, c, code)))
                .collect();
            let judged = values.iter().flatten().count();
            if judged < 2 {
                continue;
            }
            if judged == values.len() {
                in_base[i] = true;
            }
            data.push(values);
        }
        lines.push(line(s.code(code), agreement::with_missing(&data)));
        pooled.extend(data);
    }
    let mut p = agreement::with_missing(&pooled);
    p.units = if codes.is_empty() {
        compared
    } else {
        in_base.iter().filter(|&&b| b).count()
    };
    lines.push(line("pooled", p));
    lines
}

fn agreement_report(s: &Scope, format: Format) -> Result<String> {
    let lines = agreement_lines(s);
    if format == Format::Json {
        return render::json(&lines);
    }
    let mut t = Table::new(
        ["code", "units", "agreement", "kappa", "alpha"]
            .map(String::from)
            .to_vec(),
    )
    .right_from(1);
    for l in &lines {
        t.rows.push(vec![
            l.code.clone(),
            l.units.to_string(),
            fmt4(l.agreement),
            fmt4(l.kappa),
            fmt4(l.alpha),
        ]);
    }
    let names: Vec<&str> = s.coders.iter().map(|&c| s.coder(c)).collect();
    super::laid_out(
        &t,
        s.terminal,
        format.into(),
        &format!(
            "coders: {}; units: excerpts every one of them judged for the code; alpha: those at least two of them judged",
            names.join(", ")
        ),
    )
}

fn line(code: &str, m: Metrics) -> AgreeLine {
    AgreeLine {
        code: code.to_string(),
        units: m.units,
        agreement: m.agreement,
        kappa: m.kappa,
        alpha: m.alpha,
    }
}

fn rules_report(s: &Scope, format: Format) -> Result<String> {
    let mut lines = Vec::new();
    for &c in &s.coders {
        let covered: Vec<&CodedUnit> = s
            .units
            .iter()
            .filter(|u| u.covered_by.contains(&c))
            .collect();
        let mut pooled = Prf::default();
        for code in s.codes_for(&[c]) {
            let mut p = Prf::default();
            for u in covered.iter().filter(|u| s.judged(u, c, code)) {
                p.add(u.rule_rows.contains(&(code as u64)), Scope::has(u, c, code));
            }
            pooled.tp += p.tp;
            pooled.fp += p.fp;
            pooled.fn_ += p.fn_;
            lines.push(rules_line(s.coder(c), s.code(code), p));
        }
        lines.push(rules_line(s.coder(c), "pooled", pooled));
    }
    if format == Format::Json {
        return render::json(&lines);
    }
    let several = s.coders.len() > 1;
    let counts = format != Format::Csv;
    let mut header: Vec<String> = Vec::new();
    if several {
        header.push("coder".into());
    }
    header.extend(["code", "precision", "recall", "f1"].map(String::from));
    if counts {
        header.extend(["tp", "fp", "fn"].map(String::from));
    }
    let mut t = Table::new(header).right_from(if several { 2 } else { 1 });
    for l in &lines {
        let mut row = Vec::new();
        if several {
            row.push(l.coder.clone());
        }
        row.extend([
            l.code.clone(),
            fmt4(l.precision),
            fmt4(l.recall),
            fmt4(l.f1),
        ]);
        if counts {
            row.extend([
                l.true_positives.to_string(),
                l.false_positives.to_string(),
                l.false_negatives.to_string(),
            ]);
        }
        t.rows.push(row);
    }
    super::laid_out(
        &t,
        s.terminal,
        format.into(),
        "rules against each coder (the coder is the reference), on the excerpts the coder covered",
    )
}

fn rules_line(coder: &str, code: &str, p: Prf) -> RulesLine {
    RulesLine {
        coder: coder.to_string(),
        code: code.to_string(),
        precision: p.precision(),
        recall: p.recall(),
        f1: p.f1(),
        true_positives: p.tp,
        false_positives: p.fp,
        false_negatives: p.fn_,
    }
}

#[derive(Serialize)]
struct Disagreement {
    id: String,
    code: String,
    applied_by: Vec<String>,
    not_applied_by: Vec<String>,
}

fn disagreements(s: &Scope, searcher: &tantivy::Searcher, format: Format) -> Result<String> {
    let mut out = Vec::new();
    let codes = s.codes_for(&s.coders);
    for u in s.covered_by_all(&s.coders) {
        for &code in &codes {
            if !s.coders.iter().all(|&c| s.judged(u, c, code)) {
                continue;
            }
            let (yes, no): (Vec<u64>, Vec<u64>) =
                s.coders.iter().partition(|&&c| Scope::has(u, c, code));
            if yes.is_empty() || no.is_empty() {
                continue;
            }
            let id = match u.addr {
                Some(a) => s.idx.stored(searcher, a)?.id,
                None => String::new(),
            };
            let names = |v: Vec<u64>| v.into_iter().map(|c| s.coder(c).to_string()).collect();
            out.push(Disagreement {
                id,
                code: s.code(code).to_string(),
                applied_by: names(yes),
                not_applied_by: names(no),
            });
        }
    }
    if format == Format::Json {
        return render::json(&out);
    }
    let mut t = Table::new(
        ["excerpt", "code", "applied_by", "not_applied_by"]
            .map(String::from)
            .to_vec(),
    );
    for d in &out {
        t.rows.push(vec![
            d.id.clone(),
            d.code.clone(),
            d.applied_by.join(" "),
            d.not_applied_by.join(" "),
        ]);
    }
    super::laid_out(&t, s.terminal, format.into(), "")
}

#[derive(Serialize)]
struct RulesDisagreement {
    id: String,
    code: String,
    coder: String,
    by_rules: bool,
    by_coder: bool,
}

/// `--rules --disagreements`: per coder, the excerpts the coder covered (in
/// corpus order) and the codes (in codebook order) where the rules and the
/// coder differ, each side as yes/no.
fn rules_disagreements(s: &Scope, searcher: &tantivy::Searcher, format: Format) -> Result<String> {
    let mut out = Vec::new();
    for &c in &s.coders {
        let codes = s.codes_for(&[c]);
        for u in s.units.iter().filter(|u| u.covered_by.contains(&c)) {
            for &code in &codes {
                if !s.judged(u, c, code) {
                    continue;
                }
                let by_rules = u.rule_rows.contains(&(code as u64));
                let by_coder = Scope::has(u, c, code);
                if by_rules == by_coder {
                    continue;
                }
                let id = match u.addr {
                    Some(a) => s.idx.stored(searcher, a)?.id,
                    None => String::new(),
                };
                out.push(RulesDisagreement {
                    id,
                    code: s.code(code).to_string(),
                    coder: s.coder(c).to_string(),
                    by_rules,
                    by_coder,
                });
            }
        }
    }
    if format == Format::Json {
        return render::json(&out);
    }
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let mut t = Table::new(
        ["excerpt", "code", "coder", "by_rules", "by_coder"]
            .map(String::from)
            .to_vec(),
    );
    for d in &out {
        t.rows.push(vec![
            d.id.clone(),
            d.code.clone(),
            d.coder.clone(),
            yes_no(d.by_rules),
            yes_no(d.by_coder),
        ]);
    }
    super::laid_out(
        &t,
        s.terminal,
        format.into(),
        "where the rules and each coder differ, on the excerpts the coder covered",
    )
}
