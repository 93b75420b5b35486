//! `thematic agree`: inter-coder agreement per code and pooled, the rules
//! scored against coders, and the excerpts where coders differ.

use std::path::Path;

use serde::Serialize;

use crate::agreement::{self, fmt4, Metrics, Prf};
use crate::cli::{AgreeArgs, Format};
use crate::codebook::Codebook;
use crate::error::{suggest, Error, Result};
use crate::index::collect::{CodedUnit, CodingCollector};
use crate::index::StudyIndex;
use crate::pipeline::{self, Mode};
use crate::render::{self, Table};
use crate::study::Study;

#[derive(Serialize)]
struct AgreeLine {
    code: String,
    units: usize,
    agreement: Option<f64>,
    kappa: Option<f64>,
    alpha: Option<f64>,
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
pub fn run(project: Option<&Path>, args: &AgreeArgs) -> Result<()> {
    if args.format == Format::Xlsx {
        return Err(render::no_xlsx("agree"));
    }
    let study = Study::find(project)?;
    let (idx, _) = pipeline::refresh(
        &study,
        if args.frozen {
            Mode::Frozen
        } else {
            Mode::Auto
        },
    )?;
    let m = &idx.manifest;
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
    let names: Vec<&str> = m.rows.iter().map(|r| r.path.as_str()).collect();
    let codes: Vec<usize> = if args.codes.is_empty() {
        let mut used: Vec<usize> = coders
            .iter()
            .flat_map(|&c| m.coders[c as usize].used.iter().copied())
            .collect();
        if args.rules {
            let cb = Codebook::load(
                &study.resolve(&study.settings.codebook),
                &study.settings.codebook,
            )?;
            for (i, def) in cb.code_defs().into_iter().enumerate() {
                if def
                    .and_then(|d| d.rules.as_ref())
                    .is_some_and(|r| !r.any.is_empty() || !r.regex.is_empty())
                {
                    used.push(i);
                }
            }
        }
        used.sort_unstable();
        used.dedup();
        used
    } else {
        let mut v = args
            .codes
            .iter()
            .map(|n| super::resolve_row(&names, n))
            .collect::<Result<Vec<_>>>()?;
        v.sort_unstable();
        v.dedup();
        v
    };
    let searcher = idx.reader.searcher();
    let mut units = searcher.search(&tantivy::query::AllQuery, &CodingCollector)?;
    let ranks = m.file_ranks();
    units.sort_by_key(|u| {
        (
            ranks.get(u.file as usize).copied().unwrap_or(u32::MAX),
            u.pos,
        )
    });
    let has = |u: &CodedUnit, coder: u64, row: usize| {
        u.coder_rows.contains(&((coder << 32) | row as u64))
    };

    let out = if args.rules {
        rules_report(&idx, &units, &coders, &codes, args.format, &has)?
    } else if args.disagreements {
        disagreements(&idx, &searcher, &units, &coders, &codes, args.format, &has)?
    } else {
        let compared: Vec<&CodedUnit> = units
            .iter()
            .filter(|u| coders.iter().all(|c| u.covered_by.contains(c)))
            .collect();
        let mut lines = Vec::new();
        let mut pooled: Vec<Vec<bool>> = Vec::new();
        for &code in &codes {
            let data: Vec<Vec<bool>> = compared
                .iter()
                .map(|u| coders.iter().map(|&c| has(u, c, code)).collect())
                .collect();
            lines.push(line(&m.rows[code].path, agreement::binary(&data)));
            pooled.extend(data);
        }
        let mut p = agreement::binary(&pooled);
        p.units = compared.len();
        lines.push(line("pooled", p));
        match args.format {
            Format::Json => render::json(&lines)?,
            f => {
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
                let coder_names: Vec<&str> = coders
                    .iter()
                    .map(|&c| m.coders[c as usize].name.as_str())
                    .collect();
                match f {
                    Format::Csv => t.to_csv()?,
                    Format::Markdown => t.to_markdown(),
                    _ => format!(
                        "coders: {}; units: excerpts every one of them covered\n{}",
                        coder_names.join(", "),
                        t.to_text()
                    ),
                }
            }
        }
    };
    render::emit(&out)
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

fn rules_report(
    idx: &StudyIndex,
    units: &[CodedUnit],
    coders: &[u64],
    codes: &[usize],
    format: Format,
    has: &dyn Fn(&CodedUnit, u64, usize) -> bool,
) -> Result<String> {
    let m = &idx.manifest;
    let mut lines = Vec::new();
    for &c in coders {
        let covered: Vec<&CodedUnit> = units.iter().filter(|u| u.covered_by.contains(&c)).collect();
        let mut pooled = Prf::default();
        for &code in codes {
            let mut p = Prf::default();
            for u in &covered {
                p.add(u.rule_rows.contains(&(code as u64)), has(u, c, code));
            }
            pooled.tp += p.tp;
            pooled.fp += p.fp;
            pooled.fn_ += p.fn_;
            lines.push(rules_line(
                &m.coders[c as usize].name,
                &m.rows[code].path,
                p,
            ));
        }
        lines.push(rules_line(&m.coders[c as usize].name, "pooled", pooled));
    }
    let several = coders.len() > 1;
    Ok(match format {
        Format::Json => render::json(&lines)?,
        f => {
            let mut header: Vec<String> = Vec::new();
            if several {
                header.push("coder".into());
            }
            header.extend(["code", "precision", "recall", "f1"].map(String::from));
            if f != Format::Csv {
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
                if f != Format::Csv {
                    row.extend([
                        l.true_positives.to_string(),
                        l.false_positives.to_string(),
                        l.false_negatives.to_string(),
                    ]);
                }
                t.rows.push(row);
            }
            match f {
                Format::Csv => t.to_csv()?,
                Format::Markdown => t.to_markdown(),
                _ => format!("rules against each coder (the coder is the reference), on the excerpts the coder covered\n{}", t.to_text()),
            }
        }
    })
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

fn disagreements(
    idx: &StudyIndex,
    searcher: &tantivy::Searcher,
    units: &[CodedUnit],
    coders: &[u64],
    codes: &[usize],
    format: Format,
    has: &dyn Fn(&CodedUnit, u64, usize) -> bool,
) -> Result<String> {
    let m = &idx.manifest;
    let mut out = Vec::new();
    for u in units
        .iter()
        .filter(|u| coders.iter().all(|c| u.covered_by.contains(c)))
    {
        for &code in codes {
            let (yes, no): (Vec<u64>, Vec<u64>) = coders.iter().partition(|&&c| has(u, c, code));
            if yes.is_empty() || no.is_empty() {
                continue;
            }
            let id = match u.addr {
                Some(a) => idx.stored(searcher, a)?.id,
                None => String::new(),
            };
            let name = |v: Vec<u64>| {
                v.into_iter()
                    .map(|c| m.coders[c as usize].name.clone())
                    .collect::<Vec<_>>()
            };
            out.push(Disagreement {
                id,
                code: m.rows[code].path.clone(),
                applied_by: name(yes),
                not_applied_by: name(no),
            });
        }
    }
    Ok(match format {
        Format::Json => render::json(&out)?,
        f => {
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
            match f {
                Format::Csv => t.to_csv()?,
                Format::Markdown => t.to_markdown(),
                _ => t.to_text(),
            }
        }
    })
}
