//! `thematic codebook check|fmt|show|diff|export|import`: codebooks that
//! live well in git.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command as Process;

use rayon::prelude::*;
use serde::Serialize;

use crate::cli::{CodebookCommand, DiffFormat, ShowFormat};
use crate::codebook::matcher::{Matcher, Scratch};
use crate::codebook::{diff, format, qdc, Codebook};
use crate::error::{Error, Location, Result};
use crate::index::collect::Filter;
use crate::index::StudyIndex;
use crate::ingest::SplitOptions;
use crate::pipeline::{self, Mode};
use crate::render::{self, Table};
use crate::study::Study;

/// Runs a `thematic codebook` subcommand.
pub fn run(project: Option<&Path>, command: CodebookCommand) -> Result<()> {
    let study = Study::find(project)?;
    match command {
        CodebookCommand::Check { file, strict } => check(&study, file.as_deref(), strict),
        CodebookCommand::Fmt { file, write, check } => fmt(&study, file.as_deref(), write, check),
        CodebookCommand::Show { file, format } => show(&study, file.as_deref(), format),
        CodebookCommand::Diff {
            old,
            new,
            format,
            impact,
            exit_code,
        } => diff_cmd(&study, &old, &new, format, impact, exit_code),
        CodebookCommand::Export { file, output, .. } => {
            let (cb, _) = load(&study, file.as_deref())?;
            write_new(output.as_deref(), &qdc::export(&cb))
        }
        CodebookCommand::Import { file } => {
            let shown = file.display().to_string();
            let file = locate(&study, &file);
            let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
            let text = crate::ingest::decode::decode(&bytes, &shown)?.text;
            let (doc, warnings) = qdc::import(&text, &shown)?;
            for w in warnings {
                eprintln!("warning: {w}");
            }
            let yaml = serde_yaml::to_string(&doc).map_err(|e| Error::failure(e.to_string()))?;
            let cb = Codebook::parse(&yaml, &shown, String::new())?;
            render::emit(&format::canonical_checked(&cb, "")?)
        }
    }
}

/// A file given on the command line: as given (relative to the current
/// folder), else relative to the study.
fn locate(study: &Study, file: &Path) -> std::path::PathBuf {
    if file.exists() || file.is_absolute() {
        file.to_path_buf()
    } else {
        study.root.join(file)
    }
}

/// Reads a codebook from a file or `REV:PATH` (via git in the study folder).
fn read_source(study: &Study, spec: Option<&str>) -> Result<(String, String)> {
    let spec = spec.unwrap_or(&study.settings.codebook);
    let as_path = Path::new(spec);
    let candidates = [as_path.to_path_buf(), study.root.join(spec)];
    if let Some(p) = candidates.iter().find(|p| p.is_file()) {
        let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
        return Ok((
            crate::ingest::decode::decode(&bytes, spec)?.text,
            spec.to_string(),
        ));
    }
    if let Some((rev, path)) = spec.split_once(':') {
        let out = Process::new("git")
            .arg("-C")
            .arg(&study.root)
            // `--end-of-options` (git 2.24+): a revision such as
            // `--output=../x` is never read as an option of `git show`.
            .args(["show", "--end-of-options", &format!("{rev}:{path}")])
            .output()
            .map_err(|e| {
                Error::failure(format!("could not run git: {e}"))
                    .with_hint("install git, or pass codebook files")
            })?;
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(
                Error::input(format!("cannot read `{spec}` from git: {why}")).with_hint(
                    "give a file, or REV:PATH with PATH relative to the repository root",
                ),
            );
        }
        let text = String::from_utf8(out.stdout)
            .map_err(|_| Error::at(Location::file(spec), "not UTF-8"))?;
        return Ok((text, spec.to_string()));
    }
    Err(Error::at(Location::file(spec), "codebook not found")
        .with_hint("give a codebook file, or REV:PATH for a version in git"))
}

fn load(study: &Study, spec: Option<&str>) -> Result<(Codebook, String)> {
    let (text, shown) = read_source(study, spec)?;
    let hash = blake3::hash(text.as_bytes()).to_hex().to_string();
    Ok((Codebook::parse(&text, &shown, hash)?, text))
}

/// True when `spec` (None: the default) names the study's own codebook.
fn is_study_codebook(study: &Study, spec: Option<&str>) -> bool {
    spec.is_none_or(|s| {
        s == study.settings.codebook
            || study.root.join(s) == study.resolve(&study.settings.codebook)
    })
}

/// An error's message, without `error: ` and the lines beneath.
fn first_line(e: &Error) -> String {
    let report = e.report();
    let line = report.lines().next().unwrap_or("");
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

/// The study's index, as it stands, when the codebook in question is the
/// study's own and the index is up to date (for the counts of `show`).
fn study_index(study: &Study, spec: Option<&str>) -> Option<StudyIndex> {
    if !is_study_codebook(study, spec) {
        return None;
    }
    pipeline::refresh(study, Mode::Frozen).ok().map(|(i, _)| i)
}

fn write_new(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        None => render::emit(text),
        Some(path) => render::write_new_file(path, text.as_bytes()),
    }
}

fn fmt(study: &Study, file: Option<&Path>, write: bool, check: bool) -> Result<()> {
    let path = file
        .map(|f| locate(study, f))
        .unwrap_or_else(|| study.resolve(&study.settings.codebook));
    let shown = file
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| study.settings.codebook.clone());
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let text = crate::ingest::decode::decode(&bytes, &shown)?.text;
    let cb = Codebook::parse(&text, &shown, String::new())?;
    let canonical = format::canonical_checked(&cb, &text)?;
    if check {
        if canonical != text {
            eprintln!(
                "{shown}: not in canonical form (run `thematic codebook fmt --write {shown}`)"
            );
            return Err(Error::Failure {
                message: format!("{shown} is not formatted"),
                hint: None,
            });
        }
        return Ok(());
    }
    if write {
        if canonical != text {
            render::replace_file(&path, canonical.as_bytes())?;
            eprintln!("formatted {shown}");
        }
        return Ok(());
    }
    render::emit(&canonical)
}

#[derive(Serialize)]
struct Lint {
    line: usize,
    message: String,
}

fn check(study: &Study, file: Option<&str>, strict: bool) -> Result<()> {
    let (cb, text) = load(study, file)?;
    let mut lints: Vec<Lint> = Vec::new();
    let defs = cb.code_defs();
    // The same id in several places makes suffixes ambiguous.
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, n) in cb.nodes.iter().enumerate() {
        by_id.entry(n.id.as_str()).or_default().push(i);
    }
    for (id, places) in &by_id {
        if places.len() > 1 {
            let paths: Vec<&str> = places.iter().map(|&i| cb.nodes[i].path.as_str()).collect();
            lints.push(Lint {
                line: cb.nodes[places[1]].line,
                message: format!(
                    "id `{id}` is used at {}: refer to these by full path",
                    paths.join(", ")
                ),
            });
        }
    }
    for (i, n) in cb.nodes.iter().enumerate() {
        match defs[i] {
            None if cb.subtree(i).len() == 1 => lints.push(Lint {
                line: n.line,
                message: format!("theme `{}` has no codes", n.path),
            }),
            Some(d) if d.definition.as_deref().is_none_or(|s| s.trim().is_empty()) => {
                lints.push(Lint {
                    line: n.line,
                    message: format!("code `{}` has no definition", n.path),
                })
            }
            _ => {}
        }
    }
    if cb.doc.themes.is_empty() {
        lints.push(Lint {
            line: 0,
            message: "the codebook has no themes, so nothing will be coded (add them under \
                      `themes:`; `thematic init` writes a starter codebook)"
                .into(),
        });
    }
    if is_study_codebook(study, file) {
        // The study-wide lints need excerpts; say so when there are none
        // rather than passing in silence.
        let skipped = |why: String| Lint {
            line: 0,
            message: format!("{why}, so terms and rules were not checked against any excerpt"),
        };
        match study.transcript_files() {
            Ok((files, _)) if files.is_empty() => lints.push(skipped(format!(
                "the study has no transcripts (looked in: {})",
                study.settings.transcripts.join(", ")
            ))),
            Err(e) if e.report().contains("no transcripts folder") => lints.push(skipped(
                "the study has no transcripts (no `transcripts/` folder)".into(),
            )),
            Err(e) => lints.push(skipped(format!(
                "the transcripts could not be listed ({})",
                first_line(&e)
            ))),
            Ok(_) => match pipeline::refresh(study, Mode::Auto) {
                Ok((idx, _)) => study_lints(&cb, &idx, &text, &mut lints)?,
                Err(e) if e.is_broken_pipe() => return Err(e),
                Err(e) => lints.push(skipped(format!(
                    "the study could not be coded ({}; run `thematic code` for the details)",
                    first_line(&e)
                ))),
            },
        }
    }
    lints.sort_by_key(|l| l.line);
    let mut out = String::new();
    for l in &lints {
        if l.line == 0 {
            out.push_str(&format!("{}: warning: {}\n", cb.shown, l.message));
        } else {
            out.push_str(&format!(
                "{}:{}: warning: {}\n",
                cb.shown, l.line, l.message
            ));
        }
    }
    render::emit(&out)?;
    eprintln!(
        "{}: {} themes, {} codes, {} warnings",
        cb.shown,
        cb.doc.themes.len(),
        cb.nodes.len() - cb.doc.themes.len(),
        lints.len()
    );
    if strict && !lints.is_empty() {
        return Err(Error::Failure {
            message: format!("{} warnings and --strict was given", lints.len()),
            hint: None,
        });
    }
    Ok(())
}

fn study_lints(cb: &Codebook, idx: &StudyIndex, source: &str, lints: &mut Vec<Lint>) -> Result<()> {
    let lines: Vec<&str> = source.lines().collect();
    // The line of a term: the first line at or after its code's id that holds it.
    let term_line = |from: usize, term: &str| {
        lines
            .iter()
            .enumerate()
            .skip(from.saturating_sub(1))
            .find(|(_, l)| l.contains(term))
            .map_or(from, |(i, _)| i + 1)
    };
    let defs = cb.code_defs();
    let matcher = Matcher::new(cb);
    let n = cb.nodes.len();
    let human: BTreeSet<usize> = idx
        .manifest
        .coders
        .iter()
        .flat_map(|c| c.used.iter().copied())
        .collect();
    let node_of = cb.by_path();
    // The index's rows by this codebook's node ids.
    let rows = &idx.manifest.rows;
    let node_at: Vec<Option<usize>> = rows
        .iter()
        .map(|r| node_of.get(r.path.as_str()).copied())
        .collect();
    let table = idx.codes()?;
    // Segments are scanned in parallel, each with its own tallies; `sets`
    // number excerpts within the segment.
    let parts = idx.par_fold_texts(
        || Tally {
            scratch: Scratch::default(),
            term_seen: BTreeSet::new(),
            rule_count: vec![0usize; n],
            sets: vec![Vec::new(); n],
            k: 0,
        },
        |t, e| {
            let rules = matcher.apply(&e.text, &mut t.scratch);
            t.term_seen.extend(t.scratch.terms());
            for &r in &matcher.closure(&rules) {
                t.rule_count[r as usize] += 1;
            }
            let direct = table
                .get(e.file, e.pos)
                .map_or_else(Vec::new, |rec| rec.direct());
            for i in direct
                .iter()
                .filter_map(|&c| node_at.get(c as usize).copied().flatten())
            {
                for &r in &matcher.closure(&[i as u32]) {
                    if t.sets[r as usize].last() != Some(&t.k) {
                        t.sets[r as usize].push(t.k);
                    }
                }
            }
            t.k += 1;
        },
    )?;
    let mut term_seen: BTreeSet<u32> = BTreeSet::new();
    let mut rule_count = vec![0usize; n];
    let mut sets: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut base = 0u32;
    for t in parts {
        term_seen.extend(t.term_seen);
        for (a, b) in rule_count.iter_mut().zip(t.rule_count) {
            *a += b;
        }
        for (a, b) in sets.iter_mut().zip(t.sets) {
            a.extend(b.into_iter().map(|k| base + k));
        }
        base += t.k;
    }
    for (i, d) in defs.iter().enumerate() {
        let Some(d) = d else { continue };
        let node = &cb.nodes[i];
        let has_rules = d.auto_rules().is_some();
        if !has_rules && !human.contains(&i) && d.codes.is_empty() {
            lints.push(Lint {
                line: node.line,
                message: format!("code `{}` has no rule and no human coding", node.path),
            });
        }
        if let Some(m) = &d.rules {
            for (list, terms) in [("any", &m.any), ("all", &m.all), ("none", &m.none)] {
                for t in terms {
                    if matcher
                        .term_id(t)
                        .is_some_and(|id| !term_seen.contains(&id))
                    {
                        lints.push(Lint {
                            line: term_line(node.line, t),
                            message: format!(
                                "term `{t}` in `{}` match.{list} matches no excerpt in the study",
                                node.path
                            ),
                        });
                    }
                }
            }
        }
        if has_rules && rule_count[i] == 0 {
            lints.push(Lint {
                line: node.line,
                message: format!("the rules of `{}` never apply in the study", node.path),
            });
        }
    }
    // Codes whose excerpts are all at another code (not an ancestor or descendant).
    for a in 0..n {
        if defs[a].is_none() || sets[a].is_empty() {
            continue;
        }
        for b in 0..n {
            if a == b
                || defs[b].is_none()
                || sets[b].len() <= sets[a].len()
                || cb.subtree(a).contains(&b)
                || cb.subtree(b).contains(&a)
            {
                continue;
            }
            if is_subset(&sets[a], &sets[b]) {
                lints.push(Lint {
                    line: cb.nodes[a].line,
                    message: format!(
                        "every excerpt at `{}` ({}) is also at `{}` ({}): likely redundant",
                        cb.nodes[a].path,
                        sets[a].len(),
                        cb.nodes[b].path,
                        sets[b].len()
                    ),
                });
                break;
            }
        }
    }
    Ok(())
}

fn is_subset(a: &[u32], b: &[u32]) -> bool {
    let mut j = 0;
    for x in a {
        while j < b.len() && b[j] < *x {
            j += 1;
        }
        if j == b.len() || b[j] != *x {
            return false;
        }
    }
    true
}

fn show(study: &Study, file: Option<&str>, fmt: ShowFormat) -> Result<()> {
    let (cb, _) = load(study, file)?;
    let counts = if fmt == ShowFormat::Tree || fmt == ShowFormat::Markdown {
        study_index(study, file)
            .map(|idx| code_counts(&idx, &cb))
            .transpose()?
    } else {
        None
    };
    let defs = cb.code_defs();
    let out = match fmt {
        ShowFormat::Json => render::json(&cb.doc)?,
        ShowFormat::Csv => {
            let mut t = Table::new(
                [
                    "code",
                    "depth",
                    "label",
                    "definition",
                    "include",
                    "exclude",
                    "example",
                    "origin",
                    "any",
                    "all",
                    "none",
                    "regex",
                ]
                .map(String::from)
                .to_vec(),
            );
            let mut theme = 0;
            for (i, n) in cb.nodes.iter().enumerate() {
                let o = |s: &Option<String>| s.clone().unwrap_or_default();
                let row = match defs[i] {
                    None => {
                        let th = &cb.doc.themes[theme];
                        theme += 1;
                        vec![
                            n.path.clone(),
                            "0".into(),
                            n.label.clone(),
                            o(&th.description),
                            String::new(),
                            String::new(),
                            String::new(),
                            String::new(),
                            String::new(),
                            String::new(),
                            String::new(),
                            String::new(),
                        ]
                    }
                    Some(d) => {
                        let m = d.rules.clone().unwrap_or_default();
                        vec![
                            n.path.clone(),
                            n.depth.to_string(),
                            n.label.clone(),
                            o(&d.definition),
                            o(&d.include),
                            o(&d.exclude),
                            o(&d.example),
                            d.origin.map(origin).unwrap_or_default().to_string(),
                            m.any.join("; "),
                            m.all.join("; "),
                            m.none.join("; "),
                            m.regex.join("; "),
                        ]
                    }
                };
                t.rows.push(row);
            }
            t.to_csv()?
        }
        ShowFormat::Tree => {
            let mut out = String::new();
            let title = cb.doc.codebook.clone().unwrap_or_else(|| cb.shown.clone());
            out.push_str(&match &cb.doc.version {
                Some(v) => format!("{title} (version {v})\n"),
                None => format!("{title}\n"),
            });
            for (i, n) in cb.nodes.iter().enumerate() {
                let mut line = format!("{}{}  {}", "  ".repeat(n.depth), n.id, n.label);
                if defs[i].is_some_and(|d| d.auto_rules().is_none()) {
                    line.push_str("  [by hand]");
                }
                if let Some(c) = &counts {
                    line.push_str(&format!("  ({} excerpts, {} respondents)", c[i].0, c[i].1));
                }
                out.push_str(&line);
                out.push('\n');
            }
            out
        }
        ShowFormat::Markdown => {
            let mut out = String::new();
            let title = cb.doc.codebook.clone().unwrap_or_else(|| "Codebook".into());
            out.push_str(&format!("# {title}\n\n"));
            if let Some(v) = &cb.doc.version {
                out.push_str(&format!("Version {v}.\n\n"));
            }
            if let Some(d) = &cb.doc.description {
                out.push_str(&format!("{d}\n\n"));
            }
            let mut theme = 0;
            for (i, n) in cb.nodes.iter().enumerate() {
                match defs[i] {
                    None => {
                        let th = &cb.doc.themes[theme];
                        theme += 1;
                        out.push_str(&format!("## {} (`{}`)\n\n", n.label, n.path));
                        if let Some(d) = &th.description {
                            out.push_str(&format!("{d}\n\n"));
                        }
                    }
                    Some(d) => {
                        out.push_str(&format!(
                            "{} {} (`{}`)\n\n",
                            "#".repeat((n.depth + 2).min(6)),
                            n.label,
                            n.path
                        ));
                        for (name, v) in [
                            ("Definition", &d.definition),
                            ("Include", &d.include),
                            ("Exclude", &d.exclude),
                            ("Example", &d.example),
                        ] {
                            if let Some(v) = v {
                                out.push_str(&format!("- **{name}:** {v}\n"));
                            }
                        }
                        if let Some(o) = d.origin {
                            out.push_str(&format!("- **Origin:** {}\n", origin(o)));
                        }
                        if let Some(c) = &counts {
                            out.push_str(&format!(
                                "- **In the study:** {} excerpts from {} respondents\n",
                                c[i].0, c[i].1
                            ));
                        }
                        out.push('\n');
                    }
                }
            }
            out
        }
    };
    render::emit(&out)
}

fn origin(o: crate::codebook::Origin) -> &'static str {
    match o {
        crate::codebook::Origin::APriori => "a-priori",
        crate::codebook::Origin::Emergent => "emergent",
    }
}

/// (excerpts, respondents) per node of `cb`, from the index (by path).
fn code_counts(idx: &StudyIndex, cb: &Codebook) -> Result<Vec<(u32, u32)>> {
    let counts = super::count(idx, Filter::default())?;
    Ok(cb
        .nodes
        .iter()
        .map(
            |n| match idx.manifest.rows.iter().position(|r| r.path == n.path) {
                Some(r) => (
                    (0..counts.n_resp).map(|p| counts.cell(r, p)).sum(),
                    (0..counts.n_resp)
                        .filter(|&p| counts.cell(r, p) > 0)
                        .count() as u32,
                ),
                None => (0, 0),
            },
        )
        .collect())
}

#[derive(Serialize)]
struct Impact {
    /// The code's path (in the new version, unless it was removed).
    code: String,
    excerpts_before: u32,
    excerpts_after: u32,
    respondents_before: u32,
    respondents_after: u32,
    /// The code's path in the old version, when it was renamed or moved.
    #[serde(skip_serializing_if = "Option::is_none")]
    code_before: Option<String>,
}

#[derive(Serialize)]
struct DiffJson<'a> {
    changes: &'a [diff::Entry],
    #[serde(skip_serializing_if = "Option::is_none")]
    impact: Option<Vec<Impact>>,
}

fn diff_cmd(
    study: &Study,
    old: &str,
    new: &str,
    fmt: DiffFormat,
    impact: bool,
    exit_code: bool,
) -> Result<()> {
    let (a, _) = load(study, Some(old))?;
    let (b, _) = load(study, Some(new))?;
    let entries = diff::diff(&a, &b);
    let impacts = if impact {
        Some(impact_of(study, &a, &b)?)
    } else {
        None
    };
    let out = match fmt {
        DiffFormat::Json => render::json(&DiffJson {
            changes: &entries,
            impact: impacts,
        })?,
        DiffFormat::Text | DiffFormat::Markdown => {
            let md = fmt == DiffFormat::Markdown;
            let mut out = diff::to_text(&entries, md);
            if let Some(imp) = &impacts {
                if !imp.is_empty() {
                    out.push_str(if md {
                        "\n**Impact on the study** (rules):\n\n"
                    } else {
                        "\nimpact on the study (rules):\n"
                    });
                    let mut t = Table::new(
                        ["code", "excerpts", "respondents"]
                            .map(String::from)
                            .to_vec(),
                    )
                    .when_wide("--format markdown or --format json");
                    for i in imp {
                        t.rows.push(vec![
                            match &i.code_before {
                                Some(before) => format!("{before} -> {}", i.code),
                                None => i.code.clone(),
                            },
                            format!("{} -> {}", i.excerpts_before, i.excerpts_after),
                            format!("{} -> {}", i.respondents_before, i.respondents_after),
                        ]);
                    }
                    out.push_str(&if md { t.to_markdown() } else { t.to_text() });
                } else {
                    out.push_str(if md {
                        "\n**Impact on the study** (rules): no code's excerpts or respondents change.\n"
                    } else {
                        "\nimpact on the study (rules): no code's excerpts or respondents change\n"
                    });
                }
            }
            out
        }
    };
    render::emit(&out)?;
    if exit_code && !entries.is_empty() {
        return Err(Error::Failure {
            message: "the codebooks differ".into(),
            hint: None,
        });
    }
    Ok(())
}

/// What `codebook check` tallies over one segment's excerpts.
struct Tally {
    scratch: Scratch,
    term_seen: BTreeSet<u32>,
    rule_count: Vec<usize>,
    /// Per node, the excerpts (numbered within the segment) at it.
    sets: Vec<Vec<u32>>,
    k: u32,
}

/// What coding with both versions finds in part of the study.
struct ImpactTally {
    /// Per version, the excerpts at each node (descendants included).
    excerpts: [Vec<u32>; 2],
    /// Per respondent and version, the nodes they have an excerpt at (a bit
    /// per node).
    reached: BTreeMap<String, [Vec<u64>; 2]>,
}

impl ImpactTally {
    fn new(sizes: [usize; 2]) -> ImpactTally {
        ImpactTally {
            excerpts: sizes.map(|n| vec![0; n]),
            reached: BTreeMap::new(),
        }
    }

    fn merge(mut self, other: ImpactTally) -> ImpactTally {
        for (mine, theirs) in self.excerpts.iter_mut().zip(other.excerpts) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
        for (resp, sides) in other.reached {
            match self.reached.get_mut(&resp) {
                Some(mine) => {
                    for (m, t) in mine.iter_mut().zip(sides) {
                        for (a, b) in m.iter_mut().zip(t) {
                            *a |= b;
                        }
                    }
                }
                None => {
                    self.reached.insert(resp, sides);
                }
            }
        }
        self
    }

    /// Excerpts and respondents at node `i` of version `side`.
    fn figures(&self, side: usize, i: usize) -> (u32, u32) {
        let respondents = self
            .reached
            .values()
            .filter(|r| r[side][i / 64] >> (i % 64) & 1 == 1)
            .count();
        (self.excerpts[side][i], respondents as u32)
    }
}

/// Codes every excerpt of the study with both versions (rules only) and
/// lists the codes whose figures change: a code that continues under another
/// path (renamed via `formerly`, or moved) is one row, `code_before` →
/// `code`. The excerpts are read from the transcripts as they are now, not
/// from the index: human codings are not part of the impact, so neither the
/// coding sheets (which may name codes of only one version) nor the index
/// are read, and nothing is written.
fn impact_of(study: &Study, a: &Codebook, b: &Codebook) -> Result<Vec<Impact>> {
    let (files, _) = study.transcript_files()?;
    let opts = SplitOptions {
        unit: study.settings.unit,
        interviewer: study.settings.interviewer.clone(),
        csv: study.settings.csv.clone(),
        encoding: study.forced_encoding(),
    };
    let matchers = [Matcher::new(a), Matcher::new(b)];
    let sizes = [a.nodes.len(), b.nodes.len()];
    let words = sizes.map(|n| n.div_ceil(64));
    // Transcripts in parallel; per worker a scratch per matcher (each keeps
    // its own token memo).
    let tally = files
        .par_iter()
        .try_fold(
            || {
                (
                    [Scratch::default(), Scratch::default()],
                    ImpactTally::new(sizes),
                )
            },
            |(mut scratches, mut tally), f| -> Result<_> {
                let bytes = std::fs::read(&f.abs).map_err(|e| Error::io(&f.abs, e))?;
                let t = crate::ingest::read_transcript(f, &bytes, &opts)?;
                for e in &t.excerpts {
                    let reached = tally
                        .reached
                        .entry(e.respondent.clone())
                        .or_insert_with(|| words.map(|w| vec![0; w]));
                    for (side, m) in matchers.iter().enumerate() {
                        for r in m.closure(&m.apply(&e.text, &mut scratches[side])) {
                            let r = r as usize;
                            tally.excerpts[side][r] += 1;
                            reached[side][r / 64] |= 1 << (r % 64);
                        }
                    }
                }
                Ok((scratches, tally))
            },
        )
        .map(|part| part.map(|(_, tally)| tally))
        .try_reduce(|| ImpactTally::new(sizes), |x, y| Ok(x.merge(y)))?;
    let pairing = diff::pair(a, b);
    let row = |code: &str, before: Option<&str>, was: (u32, u32), now: (u32, u32)| {
        (was != now).then(|| Impact {
            code: code.to_string(),
            excerpts_before: was.0,
            excerpts_after: now.0,
            respondents_before: was.1,
            respondents_after: now.1,
            code_before: before.filter(|p| *p != code).map(str::to_string),
        })
    };
    // The new version's codes in its order, each with the old code it
    // continues; then the old codes that do not continue, in the old order.
    let mut out: Vec<Impact> = (0..b.nodes.len())
        .filter_map(|j| {
            let old = pairing.old_of(j);
            row(
                &b.nodes[j].path,
                old.map(|i| a.nodes[i].path.as_str()),
                old.map_or((0, 0), |i| tally.figures(0, i)),
                tally.figures(1, j),
            )
        })
        .collect();
    let continued: BTreeSet<usize> = pairing.matched.values().copied().collect();
    out.extend(
        (0..a.nodes.len())
            .filter(|i| !continued.contains(i))
            .filter_map(|i| row(&a.nodes[i].path, None, tally.figures(0, i), (0, 0))),
    );
    Ok(out)
}
