//! `thematic codebook check|fmt|show|diff|export|import`: codebooks that
//! live well in git.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command as Process;

use rayon::prelude::*;
use serde::Serialize;

use crate::cli::{CodebookCommand, DiffFormat, ShowFormat};
use crate::codebook::impact::{self, Impact, ImpactTally};
use crate::codebook::lint::{self, Lint, StudyTally};
use crate::codebook::matcher::{Matcher, Scratch};
use crate::codebook::{diff, format, qdc, Codebook};
use crate::error::{Error, Location, Result};
use crate::index::collect::Filter;
use crate::index::StudyIndex;
use crate::pipeline::{self, Mode};
use crate::render::{self, Table};
use crate::study::{Study, StudyAt};

/// Runs a `thematic codebook` subcommand.
pub fn run(project: &StudyAt, command: CodebookCommand) -> Result<()> {
    let study = Study::find(project)?;
    match command {
        CodebookCommand::Check { file, strict } => check(&study, file.as_deref(), strict),
        CodebookCommand::Fmt { file, write, check } => {
            let mode = match (write, check) {
                (true, _) => FmtMode::Write,
                (false, true) => FmtMode::Check,
                (false, false) => FmtMode::Print,
            };
            fmt(&study, file.as_deref(), mode)
        }
        CodebookCommand::Show { file, format } => show(&study, file.as_deref(), format),
        CodebookCommand::Diff {
            old,
            new,
            format,
            impact,
            exit_code,
        } => {
            let opts = DiffOptions {
                format,
                impact,
                exit_code,
            };
            diff_cmd(&study, &old, &new, opts)
        }
        CodebookCommand::Export { file, output, .. } => {
            let (cb, _) = load(&study, file.as_deref())?;
            write_new(output.as_deref(), &qdc::export(&cb))
        }
        CodebookCommand::Import { file } => {
            let shown = file.display().to_string();
            let file = locate(&study, &file);
            let bytes = crate::input::read_user_file(&file, &shown, crate::input::QDC)?;
            let text = crate::text::decode::decode(&bytes, &shown)?.text;
            let (doc, warnings) = qdc::import(&text, &shown)?;
            for w in warnings {
                eprintln!("warning: {}", crate::render::safe::terminal(&w.to_string()));
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
    // `exists`, not `is_file`: a FIFO or a device is refused by name.
    if let Some(p) = candidates.iter().find(|p| p.exists()) {
        let bytes = crate::input::read_user_file(p, spec, crate::input::YAML)?;
        return Ok((
            crate::text::decode::decode(&bytes, spec)?.text,
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
    pipeline::refresh(study, Mode::Frozen, &super::note)
        .ok()
        .map(|(i, _)| i)
}

fn write_new(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        None => render::emit(text),
        Some(path) => render::write_new_file(path, text.as_bytes()),
    }
}

/// What `codebook fmt` does with the canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FmtMode {
    /// Print it.
    Print,
    /// Write it back to the file (`--write`).
    Write,
    /// Only say whether the file is in it (`--check`).
    Check,
}

fn fmt(study: &Study, file: Option<&Path>, mode: FmtMode) -> Result<()> {
    let path = file
        .map(|f| locate(study, f))
        .unwrap_or_else(|| study.resolve(&study.settings.codebook));
    let shown = file
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| study.settings.codebook.clone());
    // `REV:PATH`, a version in git, prints or checks as a file does; it
    // cannot be written.
    let in_git = !path.exists() && file.is_some() && shown.contains(':');
    let text = if in_git {
        if mode == FmtMode::Write {
            return Err(Error::input(format!(
                "`{shown}` is a version in git: `fmt --write` rewrites a file"
            ))
            .with_hint(
                "give the codebook's file, or drop --write to print the version formatted",
            ));
        }
        read_source(study, Some(&shown))?.0
    } else {
        let bytes = crate::input::read_user_file(&path, &shown, crate::input::YAML)?;
        crate::text::decode::decode(&bytes, &shown)?.text
    };
    let cb = Codebook::parse(&text, &shown, String::new())?;
    let canonical = format::canonical_checked(&cb, &text)?;
    if mode == FmtMode::Check {
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
    if mode == FmtMode::Write {
        if canonical != text {
            render::replace_file(&path, canonical.as_bytes())?;
            eprintln!("formatted {shown}");
        }
        return Ok(());
    }
    render::emit(&canonical)
}

fn check(study: &Study, file: Option<&str>, strict: bool) -> Result<()> {
    let (cb, text) = load(study, file)?;
    let mut lints = lint::codebook_lints(&cb);
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
            Ok(_) => match pipeline::refresh(study, Mode::Auto, &super::note) {
                Ok((idx, _)) => lints.extend(study_lints(&cb, &idx, &text)?),
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
    let plural = crate::render::plural;
    eprintln!(
        "{}: {}, {}, {}",
        cb.shown,
        plural(cb.doc.themes.len(), "theme", "themes"),
        plural(cb.nodes.len() - cb.doc.themes.len(), "code", "codes"),
        plural(lints.len(), "warning", "warnings")
    );
    if strict && !lints.is_empty() {
        return Err(Error::Failure {
            message: format!(
                "{} and --strict was given",
                crate::render::plural(lints.len(), "warning", "warnings")
            ),
            hint: None,
        });
    }
    Ok(())
}

/// The study-wide lints of the study's codebook: its excerpts are read
/// from the index (segments in parallel) and tallied with their human
/// codings.
fn study_lints(cb: &Codebook, idx: &StudyIndex, source: &str) -> Result<Vec<Lint>> {
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
    let node_at: Vec<Option<usize>> = idx
        .manifest
        .rows
        .iter()
        .map(|r| node_of.get(r.path.as_str()).copied())
        .collect();
    let table = idx.codes()?;
    // The search language of each transcript, by dense file id.
    let mut language_of = vec![idx.manifest.language; idx.manifest.files.len()];
    for f in idx.manifest.files.values() {
        if let Some(slot) = language_of.get_mut(f.id as usize) {
            *slot = f.language;
        } else {
            language_of.resize(f.id as usize + 1, idx.manifest.language);
            language_of[f.id as usize] = f.language;
        }
    }
    let probe = lint::StemProbe::new(cb, &matcher, &idx.manifest.languages());
    let parts = idx.par_fold_texts(
        false,
        || StudyTally::new(n).with_probe(probe.clone()),
        |t, e| {
            let direct = table
                .get(e.file, e.pos)
                .map_or_else(Vec::new, |rec| rec.direct());
            let human = direct
                .iter()
                .filter_map(|&c| node_at.get(c as usize).copied().flatten());
            let lang = language_of
                .get(e.file as usize)
                .copied()
                .unwrap_or(idx.manifest.language);
            t.add(&matcher, &e.text, lang, human);
        },
    )?;
    let tally = StudyTally::merge(parts, n);
    Ok(lint::study_lints(cb, source, &matcher, &tally, &human))
}

fn show(study: &Study, file: Option<&str>, fmt: ShowFormat) -> Result<()> {
    let (cb, _) = load(study, file)?;
    let idx = if fmt == ShowFormat::Tree || fmt == ShowFormat::Markdown {
        study_index(study, file)
    } else {
        None
    };
    let counts = idx.as_ref().map(|idx| code_counts(idx, &cb)).transpose()?;
    let out = match fmt {
        ShowFormat::Json => render::json(&cb.doc)?,
        ShowFormat::Csv => render::codebook::csv(&cb)?,
        ShowFormat::Tree => render::codebook::tree(&cb, counts.as_deref()),
        ShowFormat::Markdown => render::codebook::markdown(
            &cb,
            counts.as_deref(),
            &code_memos(study, &cb, idx.as_ref())?,
        ),
    };
    render::emit(&out)
}

/// The memos about each node of `cb` (by its path or a unique suffix).
/// Entries about respondents and excerpts are not this command's concern,
/// and a memo that names nothing is left to `chart check` to report.
fn code_memos(
    study: &Study,
    cb: &Codebook,
    idx: Option<&StudyIndex>,
) -> Result<Vec<Vec<crate::memo::MemoRef>>> {
    let mut m = crate::index::Manifest::new();
    m.rows = cb
        .nodes
        .iter()
        .zip(cb.code_defs())
        .map(|(n, def)| crate::index::RowInfo {
            path: n.path.clone(),
            label: n.label.clone(),
            depth: n.depth,
            auto: false,
            parent: n.parent,
            formerly: def.map(|d| d.formerly.clone()).unwrap_or_default(),
        })
        .collect();
    // A memo about a respondent who withdrew consent is left out, as
    // everywhere (there is no index here to say who did: the settings and
    // respondents.csv do).
    m.withdrawn = crate::pipeline::withdrawn(study)?.into_iter().collect();
    // With the study's index, its respondents who withdrew and their
    // excerpts are known too.
    let withheld = match idx {
        Some(idx) => {
            m.withheld = idx.manifest.withheld.clone();
            crate::memo::withheld_excerpts(idx)?
        }
        None => Box::new(|_: &str| false),
    };
    let dir = study.resolve(study.settings.memos.trim_end_matches('/'));
    let read = crate::memo::read(&dir, &study.shown(&dir), &m, &|_| false, &*withheld)?;
    for n in &read.notes {
        super::note(n);
    }
    let memos = read.memos;
    // Titles may name people: the key file's pseudonyms apply, as in
    // `quote --memos`.
    let shown = &study.settings.pseudonyms;
    let (key, _) = crate::privacy::Pseudonyms::load(&study.resolve(shown), shown)?;
    Ok((0..cb.nodes.len())
        .map(|i| {
            memos
                .iter()
                .filter(|memo| memo.about.contains(&crate::memo::About::Code(i)))
                .map(|memo| crate::memo::MemoRef {
                    path: memo.at.path.clone(),
                    title: key.apply_masked(&memo.at.title).into_owned(),
                })
                .collect()
        })
        .collect())
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
struct DiffJson<'a> {
    changes: &'a [diff::Entry],
    #[serde(skip_serializing_if = "Option::is_none")]
    impact: Option<Vec<Impact>>,
}

/// How `codebook diff` reports.
#[derive(Debug, Clone, Copy)]
struct DiffOptions {
    /// The output format.
    format: DiffFormat,
    /// Add the impact on the study's counts (`--impact`).
    impact: bool,
    /// Exit 1 when the codebooks differ (`--exit-code`).
    exit_code: bool,
}

fn diff_cmd(study: &Study, old: &str, new: &str, opts: DiffOptions) -> Result<()> {
    let DiffOptions {
        format: fmt,
        impact,
        exit_code,
    } = opts;
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
                    out.push_str(&if md {
                        t.to_markdown()
                    } else {
                        super::text_table(&t, study.terminal)
                    });
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

/// Codes every excerpt of the study with both versions (rules only) and
/// lists the codes whose figures change: a code that continues under another
/// path (renamed via `formerly`, or moved) is one row, `code_before` →
/// `code`. The excerpts are read from the transcripts as they are now, not
/// from the index: human codings are not part of the impact, so neither the
/// coding sheets (which may name codes of only one version) nor the index
/// are read, and nothing is written. The excerpts of respondents who
/// withdrew consent are left out, as `code` leaves them out of the index.
fn impact_of(study: &Study, a: &Codebook, b: &Codebook) -> Result<Vec<Impact>> {
    let (files, _) = study.transcript_files()?;
    let opts = study.split_options();
    // Respondents who withdrew consent are in no count, as in the index.
    let withdrawn = pipeline::withdrawn(study)?;
    let matchers = [Matcher::new(a), Matcher::new(b)];
    let sizes = [a.nodes.len(), b.nodes.len()];
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
                let bytes = crate::input::read_user_file(&f.abs, &f.rel, crate::input::TRANSCRIPT)?;
                let mut t = crate::ingest::read_transcript(f, &bytes, &opts)?;
                t.withhold(&withdrawn);
                for e in &t.excerpts {
                    tally.add(&matchers, &mut scratches, &e.respondent, &e.text);
                }
                Ok((scratches, tally))
            },
        )
        .map(|part| part.map(|(_, tally)| tally))
        .try_reduce(|| ImpactTally::new(sizes), |x, y| Ok(x.merge(y)))?;
    Ok(impact::impacts(a, b, &tally))
}
