//! `thematic import FILE.qdpx`: another tool's REFI-QDA project becomes
//! coding sheets. Each user's codings are placed on the study's excerpts
//! (`import::qdpx`) and written as `codings/<user>.csv` (long form,
//! `excerpt,code`); the project's codebook is written as a thematic
//! codebook beside the study's. Nothing is overwritten, and a selection
//! that fits no excerpt is reported, never dropped silently.

use std::collections::BTreeMap;
use std::path::Path;

use crate::cli::ReadOpts;
use crate::codebook::qdc;
use crate::error::{Error, Location, Result};
use crate::export::qdpx::RULES_USER;
use crate::import::place::{self, Transcript};
use crate::import::qdpx::{self as project, norm_guid};
use crate::import::{sources, write};
use crate::index::collect::HitFilter;
use crate::index::StudyIndex;
use crate::study::StudyAt;

/// The largest `.qdpx` read.
const QDPX: crate::input::Limit = crate::input::Limit {
    bytes: 1 << 30,
    what: "a .qdpx project",
};

/// Runs `thematic import`.
pub fn run(at: &StudyAt, file: &Path) -> Result<()> {
    let shown = file.display().to_string();
    // As given (from the current folder), else within the study.
    let file = if file.exists() || file.is_absolute() {
        file.to_path_buf()
    } else {
        crate::study::Study::find(at)?.root.join(file)
    };
    let bytes = crate::input::read_user_file(&file, &shown, QDPX)?;
    let codebook_file = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("qdc"));
    let bad = |msg: String| {
        let e = Error::at(Location::file(shown.clone()), msg);
        if codebook_file {
            // A .qdc is a codebook alone, which another command reads.
            e.with_hint(format!(
                "a .qdc file is a codebook, not a project: `thematic codebook import {shown}` prints it as a thematic codebook"
            ))
        } else {
            e.with_hint("export the project again from your QDA program as .qdpx")
        }
    };
    let mut package = crate::xml::Package::open(&bytes)
        .map_err(|e| bad(format!("not a REFI-QDA project: not a zip ({e})")))?;
    let qde_shown = format!("{shown}/project.qde");
    let xml = package
        .part("project.qde")
        .map_err(|e| bad(format!("cannot read project.qde: {e}")))?
        .ok_or_else(|| bad("not a REFI-QDA project: there is no project.qde in it".into()))?;
    let proj = project::read(&xml, &qde_shown)?;
    let (doc, warnings, guids) = qdc::import_with_guids(&xml, &qde_shown)?;
    for w in warnings {
        eprintln!("warning: {}", crate::render::safe::terminal(&w.to_string()));
    }
    let guids: BTreeMap<String, String> =
        guids.into_iter().map(|(g, p)| (norm_guid(&g), p)).collect();

    // Every source's text, and every selection checked, before the study
    // is touched.
    let texts = sources::texts(&proj, &guids, &qde_shown, |part| {
        package
            .part(part)
            .map_err(|e| bad(format!("cannot read {part}: {e}")))
    })?;

    let (study, idx) = super::open(at, &ReadOpts::default())?;
    let transcripts = transcripts(&idx)?;
    let placed = place::place(&proj, &texts, &transcripts, &guids, &qde_shown);
    for w in &placed.warnings {
        eprintln!("warning: {}", crate::render::safe::terminal(&w.to_string()));
    }

    // Decide every file first, so that nothing is written when one exists.
    let mut outputs = write::sheets(&placed.sheets, &study.root.join(crate::codings::DIR))?;
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imported".into());
    let codebook_dir = study
        .resolve(&study.settings.codebook)
        .parent()
        .map_or_else(|| study.root.join("codebooks"), Path::to_path_buf);
    outputs.push(write::codebook(&doc, &qde_shown, &codebook_dir, &stem)?);
    write::write_all(&outputs)?;
    report(&placed, &outputs);
    if placed.unplaced > 0 {
        if let Some(why) = pseudonymised(&study, &texts, &transcripts) {
            eprintln!("{why}");
        }
    }
    Ok(())
}

/// A note when the project's text holds a replacement of the study's key
/// file that no transcript holds: the project was exported pseudonymised
/// (`export --format qdpx` without `--identified`), so its text is not the
/// transcripts' and selections over replaced names cover no excerpt.
fn pseudonymised(
    study: &crate::study::Study,
    texts: &[String],
    transcripts: &BTreeMap<String, Transcript>,
) -> Option<String> {
    // The sheets are written by now: a key file that cannot be read only
    // leaves the note out (every command that uses it says why).
    let shown = &study.settings.pseudonyms;
    let (key, _) = crate::privacy::Pseudonyms::load(&study.resolve(shown), shown).ok()?;
    let found = key.replacements().find(|r| {
        !r.trim().is_empty()
            && texts.iter().any(|t| t.contains(r))
            && !transcripts
                .values()
                .any(|t| t.texts.iter().any(|x| x.contains(r)))
    });
    found.map(|r| {
        format!(
            "note: the project's text holds `{r}`, a replacement from {shown}: it was \
             exported pseudonymised, so its text differs from the transcripts where names \
             were replaced; for a round trip between the team's own copies, export with \
             `thematic export --format qdpx --identified`"
        )
    })
}

/// The study's transcripts (path → excerpts in file order), from the index.
fn transcripts(idx: &StudyIndex) -> Result<BTreeMap<String, Transcript>> {
    let searcher = idx.reader.searcher();
    let mut transcripts: BTreeMap<String, Transcript> = BTreeMap::new();
    for h in idx.corpus(HitFilter::default())? {
        let e = idx.stored(&searcher, h.addr)?;
        let t = transcripts.entry(e.path).or_default();
        t.ids.push(e.id);
        t.texts.push(e.text);
        t.respondents.push(e.respondent);
    }
    Ok(transcripts)
}

/// Says on stderr what was written (the sheets, then the codebook, last of
/// `outputs`) and what was left out.
fn report(placed: &place::Placed, outputs: &[write::Output]) {
    for ((user, rows), o) in placed.sheets.iter().zip(outputs) {
        eprintln!(
            "wrote {} ({user}: {} codings)",
            o.path.display(),
            rows.len()
        );
    }
    if let Some(o) = outputs.last() {
        eprintln!(
            "wrote {} (the project's codebook; point `codebook:` in thematic.yaml at it to use it)",
            o.path.display()
        );
    }
    if placed.rules_codings > 0 {
        eprintln!(
            "note: {} codings by `{RULES_USER}` are not written: the codebook's rules code the study again",
            placed.rules_codings
        );
    }
    if placed.unplaced > 0 {
        eprintln!(
            "warning: {} selection(s) could not be placed (listed above)",
            placed.unplaced
        );
    }
    if !placed.sheets.is_empty() {
        eprintln!(
            "note: a project does not record which excerpts each user read: each sheet is taken to cover every excerpt of the transcripts it codes something in (see Human coding: coverage), so a coder who read transcripts she coded nothing in is compared with the others on fewer excerpts than in her own study, and `agree` can differ; give her sheet those transcripts' excerpts (`thematic sheet`) to compare her there"
        );
    }
}
