//! Bringing a study's index up to date: the work behind `thematic code`, and
//! behind every reading command when the index is stale. Reads only what
//! changed (by size and mtime, then content hash), codes in parallel in
//! bounded batches, places human codings, and commits once, atomically, with
//! the manifest as payload.
//!
//! A refresh gathers its inputs, runs the stat/hash pass ([`scan`]), decides
//! what to do in a pure [`plan`] (up to date, re-code from the index, or an
//! update that reads transcripts), and hands that to one executor:
//! [`recode`] or [`ingest`], which place human codings through [`place`] and
//! build the manifest and code table in a [`run::Run`].

use std::collections::BTreeSet;
use std::time::Instant;

use crate::codebook::Codebook;
use crate::codings::{self, Codings};
use crate::error::{Error, Result};
use crate::index::codes::TableBuilder;
use crate::index::{self, Manifest, StudyIndex, Writer};
use crate::ingest::respondents::{self, RespondentTable};
use crate::study::{Check, Study, TranscriptFile};

mod folders;
pub(crate) mod ingest;
mod place;
mod plan;
mod recode;
mod run;
mod scan;

use plan::Plan;

/// How a command treats a stale index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `thematic code`: update, and report.
    Code,
    /// Reading commands: update with a one-line note.
    Auto,
    /// `--frozen`: refuse a stale index.
    Frozen,
}

/// Where a run's notes go: the library tells, the caller prints (on
/// stderr, as `note: …`).
pub type Notify<'a> = &'a dyn Fn(&str);

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Nothing had changed; nothing was written.
    pub up_to_date: bool,
    /// The whole study was re-coded.
    pub full: bool,
    /// Transcripts read and coded in this run.
    pub ingested: usize,
    /// Transcripts removed from the index.
    pub removed: usize,
    /// Every excerpt was re-coded from the index (the codebook or the
    /// coding sheets changed, no transcript did): nothing was re-read.
    pub recoded: bool,
    /// Excerpts re-coded from the index.
    pub excerpts: usize,
    /// Why a full re-code happened.
    pub reason: String,
}

/// Everything the up-to-date check needs, gathered once.
struct Inputs<'a> {
    codebook: Codebook,
    /// respondents.csv as read (parsed only when the index is rebuilt: an
    /// unchanged file was parsed when the index was last written).
    respondents: Option<Vec<u8>>,
    respondents_shown: String,
    respondents_table: std::cell::OnceCell<RespondentTable>,
    respondents_hash: String,
    codings: Codings,
    /// The transcripts as the study listed them (borrowed: on a study of
    /// tens of thousands, a copy costs more than the rest of the check).
    files: &'a [TranscriptFile],
    warnings: &'a [String],
    /// thematic.yaml's `withdrawn:` list.
    settings_withdrawn: Vec<String>,
    /// thematic.yaml's text, to place warnings about its entries.
    settings_text: std::sync::Arc<str>,
}

/// The study's inputs but its transcripts (see [`Inputs::list`]): a
/// folder record may stand for them.
fn gather(study: &Study) -> Result<Inputs<'_>> {
    let cb_path = study.resolve(&study.settings.codebook);
    let codebook = Codebook::load(&cb_path, &study.settings.codebook)?;
    let rpath = study.resolve(&study.settings.respondents);
    // A link whose file is missing is read (and refused, naming it), not
    // taken for a study without respondents.csv: its `withdrawn` column
    // would go unapplied.
    let (respondents, respondents_hash) = if rpath.is_file() || rpath.is_symlink() {
        let shown = &study.settings.respondents;
        let bytes = crate::input::read_user_file(&rpath, shown, crate::input::RESPONDENTS)?;
        let hash = blake3::hash(&bytes).to_hex().to_string();
        (Some(bytes), hash)
    } else {
        (None, String::new())
    };
    let codings = codings::load(&study.root, &codebook)?;
    Ok(Inputs {
        codebook,
        respondents,
        respondents_shown: study.settings.respondents.clone(),
        respondents_table: std::cell::OnceCell::new(),
        respondents_hash,
        codings,
        files: &[],
        warnings: &[],
        settings_withdrawn: study.settings.withdrawn.clone(),
        settings_text: study.settings_text.clone(),
    })
}

impl<'a> Inputs<'a> {
    /// The inputs with the study's transcripts, as listed.
    fn list(mut self, study: &'a Study) -> Result<Inputs<'a>> {
        let (files, warnings) = study.listing()?;
        self.files = files;
        self.warnings = warnings;
        Ok(self)
    }

    /// The respondents table (empty without respondents.csv), parsed on
    /// first use.
    fn table(&self) -> Result<&RespondentTable> {
        if let Some(t) = self.respondents_table.get() {
            return Ok(t);
        }
        let shown = &self.respondents_shown;
        let table = match &self.respondents {
            Some(bytes) => {
                let text = crate::text::decode::decode(bytes, shown)?.text;
                respondents::parse(&text, shown)?
            }
            None => RespondentTable {
                shown: shown.clone(),
                ..Default::default()
            },
        };
        Ok(self.respondents_table.get_or_init(|| table))
    }

    /// The respondents who withdrew consent: thematic.yaml's `withdrawn:`
    /// list and respondents.csv's `withdrawn` column.
    fn withdrawn(&self) -> Result<BTreeSet<String>> {
        Ok(withdrawn_of(self.table()?, &self.settings_withdrawn))
    }
}

/// The respondents who withdrew consent (thematic.yaml's `withdrawn:` list
/// and respondents.csv's `withdrawn` column), as `code` withholds them:
/// for reading transcripts without the index ([`crate::model::Transcript::withhold`]).
pub fn withdrawn(study: &Study) -> Result<BTreeSet<String>> {
    Ok(withdrawn_of(
        &respondents_table(study)?,
        &study.settings.withdrawn,
    ))
}

/// The study's respondents.csv as read (empty when there is none), the
/// rows of respondents who withdrew consent included.
pub fn respondents_table(study: &Study) -> Result<RespondentTable> {
    let path = study.resolve(&study.settings.respondents);
    let shown = &study.settings.respondents;
    if !path.is_file() {
        return Ok(RespondentTable {
            shown: shown.clone(),
            ..Default::default()
        });
    }
    let bytes = crate::input::read_user_file(&path, shown, crate::input::RESPONDENTS)?;
    let text = crate::text::decode::decode(&bytes, shown)?.text;
    respondents::parse(&text, shown)
}

/// The respondents marked withdrawn in `table` or `listed` in thematic.yaml.
fn withdrawn_of(table: &RespondentTable, listed: &[String]) -> BTreeSet<String> {
    let mut set: BTreeSet<String> = table.withdrawn.keys().cloned().collect();
    set.extend(
        listed
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
    );
    set
}

/// Opens the study's index, first bringing it up to date per `mode`.
/// A run stopped by an unknown `language:` value names every unknown
/// value of the study at once ([`every_bad_language`]).
pub fn refresh(study: &Study, mode: Mode, notify: Notify<'_>) -> Result<(StudyIndex, Outcome)> {
    bring_up_to_date(study, mode, notify).map_err(|e| every_bad_language(study, e))
}

/// True when `e` is an unknown `language:` value (front matter or
/// respondents.csv), or several of them only.
fn is_language_error(e: &Error) -> bool {
    match e {
        Error::Input { message, .. } => {
            message.starts_with("unknown language `")
                || message.starts_with("`language:` must be one language name")
        }
        Error::Several { errors, .. } => errors.iter().all(is_language_error),
        _ => false,
    }
}

/// Adds the language errors in `e` to `out`.
fn push_language_errors(e: Error, out: &mut Vec<Error>) {
    match e {
        Error::Several { errors, .. } => {
            for e in errors {
                push_language_errors(e, out);
            }
        }
        e if is_language_error(&e) => out.push(e),
        _ => {}
    }
}

/// When a run stops at an unknown language (`first`), every unknown
/// `language:` of the study instead: respondents.csv's `language` column,
/// then the front matter of each transcript in path order, so that one run
/// lists them all (as a codebook's problems are). Only on this error path
/// are the files read again, for their front matter; any other error is
/// left for the run that reaches it.
fn every_bad_language(study: &Study, first: Error) -> Error {
    if !is_language_error(&first) {
        return first;
    }
    let mut errors = Vec::new();
    let shown = &study.settings.respondents;
    let rpath = study.resolve(shown);
    if rpath.is_file() {
        let table = crate::input::read_user_file(&rpath, shown, crate::input::RESPONDENTS)
            .and_then(|bytes| crate::text::decode::decode(&bytes, shown))
            .and_then(|d| respondents::parse(&d.text, shown));
        if let Err(e) = table {
            push_language_errors(e, &mut errors);
        }
    }
    if let Ok((files, _)) = study.listing() {
        for f in files {
            if let Err(e) = front_matter_of(f) {
                push_language_errors(e, &mut errors);
            }
        }
    }
    if errors.len() <= 1 {
        return first;
    }
    let summary = format!(
        "the study has {} unknown `language:` values; fix them and run the command again",
        errors.len()
    );
    Error::Several { errors, summary }
}

/// Reads the front matter of a `.txt`, `.md` or `.docx` transcript (other
/// types have none).
fn front_matter_of(f: &TranscriptFile) -> Result<()> {
    let ext = f
        .abs
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(ext.as_str(), "txt" | "md" | "docx") {
        return Ok(());
    }
    let bytes = crate::input::read_user_file(&f.abs, &f.rel, crate::input::TRANSCRIPT)?;
    let text = if ext == "docx" {
        crate::ingest::docx::paragraphs(&bytes, &f.rel)?.join("\n")
    } else {
        crate::text::decode::decode_with(&bytes, &f.rel, None)?.text
    };
    let lines: Vec<&str> = text.split('\n').collect();
    crate::ingest::plain::front_matter(&lines, &f.rel).map(|_| ())
}

/// [`refresh`] itself.
fn bring_up_to_date(
    study: &Study,
    mode: Mode,
    notify: Notify<'_>,
) -> Result<(StudyIndex, Outcome)> {
    let clock = Clock::start(study, notify);
    let data = study.data_dir();
    // With `check: folders`, a reading command whose transcripts folders
    // all have the mtimes recorded when every file was last compared takes
    // the index's listing as it is, without a stat per transcript.
    let folder_check = mode != Mode::Code && study.settings.check == Check::Folders;
    let record = folder_check
        .then(|| folders::read(&data))
        .flatten()
        .filter(|r| folders::unchanged(study, r));
    // Listing the transcripts (a stat per file) and opening the index (its
    // manifest decoded) are the bulk of a reading command on a study of
    // many transcripts: they run at once.
    let (listed, opened) = if record.is_some() {
        (Ok(()), index::open_checked(&data))
    } else {
        rayon::join(
            || study.listing().map(|_| ()),
            || index::open_checked(&data),
        )
    };
    listed?;
    clock.lap("list and open");
    // Damaged derived data is rebuilt like a missing index, saying why.
    let (mut old, damage) = match opened? {
        index::Opened::Ready(idx) => (Some(*idx), None),
        index::Opened::Missing => (None, None),
        index::Opened::Damaged(why) => (None, Some(why)),
    };
    clock.lap("open index");
    // The manifest is taken out of the open index (and given back when it
    // is up to date) rather than copied: on large studies it is big.
    let prev_manifest = old
        .as_mut()
        .map_or_else(Manifest::new, |i| std::mem::take(&mut i.manifest));
    let prev = &prev_manifest;
    let indexed = old.as_ref().map(|_| prev);
    // A record stands for the listing the index was made from only.
    let mut gathered = None;
    if let Some(record) = record.filter(|r| indexed.is_some_and(|p| p.listing == r.listing)) {
        let inputs = gather(study)?;
        clock.lap("gather");
        let now = current(
            study,
            &inputs,
            prev,
            indexed,
            damage.as_deref(),
            Some(&record.listing),
        )?;
        if plan::unchanged(indexed, &now) {
            clock.lap("stale check (folders)");
            let mut idx = old.ok_or_else(|| Error::failure("index vanished while reading it"))?;
            idx.manifest = prev_manifest;
            let outcome = Outcome {
                up_to_date: true,
                ..Default::default()
            };
            return Ok((idx, outcome));
        }
        gathered = Some(inputs);
    }
    if mode != Mode::Frozen && indexed.is_some() {
        refuse_emptied_study(study, prev)?;
    }
    let inputs = match gathered {
        Some(inputs) => inputs,
        None => gather(study)?,
    }
    .list(study)?;
    clock.lap("gather");
    let listing = inputs
        .files
        .iter()
        .map(|f| f.stat.map(|(size, mtime)| (f.rel.as_str(), size, mtime)))
        .collect::<Option<Vec<_>>>()
        .map(|l| index::listing_fingerprint(l.into_iter()));
    let now = current(
        study,
        &inputs,
        prev,
        indexed,
        damage.as_deref(),
        listing.as_deref(),
    )?;
    // The quick check first: when every transcript's path, size and mtime
    // are as committed, they are not compared one by one.
    let (plan, bytes) = if plan::unchanged(indexed, &now) {
        (Plan::UpToDate, Vec::new())
    } else {
        let scanned = scan::scan(inputs.files, indexed, plan::compares_files(indexed, &now))?;
        let plan = plan::plan(indexed, &now, &scanned.observations, mode)?;
        (plan, scanned.bytes)
    };
    clock.lap("stale check");
    if study.settings.check == Check::Folders {
        match (&plan, listing.as_deref(), study.folder_stamps()) {
            (Plan::UpToDate, Some(listing), Some(stamps)) => folders::keep(&data, listing, stamps),
            (Plan::UpToDate, ..) => {}
            _ => folders::forget(&data),
        }
    }
    // Touched but unchanged transcripts only update mtimes in the
    // manifest: skipped where the index cannot be written (a read-only
    // study).
    let plan = match plan {
        Plan::Update(u) if !u.stale && !index::writable(&data) => Plan::UpToDate,
        plan => plan,
    };
    let why = plan.out_of_date();
    let names_reread = plan::names_reread(indexed, &now);
    if !matches!(plan, Plan::UpToDate) {
        announce(
            &inputs,
            mode,
            why.as_deref(),
            names_reread,
            &prev.notes,
            notify,
        );
    }
    match plan {
        Plan::UpToDate => {
            let mut idx = old.ok_or_else(|| Error::failure("index vanished while reading it"))?;
            idx.manifest = prev_manifest;
            let outcome = Outcome {
                up_to_date: true,
                ..Default::default()
            };
            Ok((idx, outcome))
        }
        Plan::Recode(job) => {
            let old = old
                .as_ref()
                .ok_or_else(|| Error::failure("index vanished while reading it"))?;
            recode::recode(&inputs, study, prev, old, job, notify)
        }
        Plan::Update(update) => {
            let job = ingest::Job::new(update, inputs.files, bytes);
            let how = ingest::How {
                mode,
                clock,
                notify,
            };
            ingest::update(study, &inputs, prev, old, job, how)
        }
    }
}

/// The study as it is now, apart from its transcripts, whose listing's
/// fingerprint is `listing`.
fn current<'a>(
    study: &'a Study,
    inputs: &'a Inputs<'_>,
    prev: &Manifest,
    indexed: Option<&Manifest>,
    damage: Option<&'a str>,
    listing: Option<&'a str>,
) -> Result<plan::Current<'a>> {
    // A changed respondents.csv is checked before any other work; its
    // `language` column may move transcripts to another language.
    let languages = if prev.respondents_hash != inputs.respondents_hash {
        Some(&inputs.table()?.languages)
    } else {
        None
    };
    // Who withdrew consent is read from respondents.csv only when it
    // changed (thematic.yaml's list is in the settings hash).
    let withdrawn_changed = indexed.is_some()
        && prev.respondents_hash != inputs.respondents_hash
        && inputs.withdrawn()?.into_iter().collect::<Vec<_>>() != prev.withdrawn;
    Ok(plan::Current {
        codebook: &inputs.codebook.hash,
        settings: &study.settings_hash,
        language: study.settings.language,
        languages,
        codings: &inputs.codings.hash,
        respondents: &inputs.respondents_hash,
        damage,
        withdrawn_changed,
        listing,
    })
}

/// Refuses to update an index that holds transcripts when the settings now
/// find none (a `transcripts:` pattern that matches nothing, a folder
/// moved): the update would empty the study's figures in silence. Deleting
/// `.thematic/` empties it on purpose.
fn refuse_emptied_study(study: &Study, indexed: &Manifest) -> Result<()> {
    let (files, _) = study.listing()?;
    if !files.is_empty() {
        return Ok(());
    }
    let held = &indexed.files;
    let Some(first) = held.keys().next() else {
        return Ok(());
    };
    Err(Error::at(
        study.settings_at_location("transcripts", None),
        format!(
            "`transcripts` ({}) finds no transcript, but the index holds {} (e.g. {first})",
            study.settings.transcripts.join(", "),
            if held.len() == 1 {
                "1 file".to_string()
            } else {
                format!("{} files", held.len())
            }
        ),
    )
    .with_hint(format!(
        "fix `transcripts:` in {} (paths are relative to it); to empty the study on purpose, delete {}/",
        crate::study::SETTINGS_FILE,
        crate::study::DATA_DIR
    )))
}

/// The notes of a run that writes the index: why a reading command updates
/// it, and the earlier code names the sheets use.
fn announce(
    inputs: &Inputs,
    mode: Mode,
    why: Option<&str>,
    names_reread: bool,
    prev_notes: &[String],
    notify: Notify<'_>,
) {
    if let (Mode::Auto, Some(why)) = (mode, why) {
        notify(&format!("index out of date ({why}); updating"));
    }
    // Sheet names of renamed codes are said once: the manifest keeps the
    // notes told, and only new ones are printed.
    if names_reread {
        for n in &inputs.codings.notes {
            if !prev_notes.contains(n) {
                notify(n);
            }
        }
    }
}

/// Commits, reopens the index and fills its count cache. The manifest is
/// let go once written: the index reopened reads its own.
fn commit(
    writer: Writer,
    manifest: Manifest,
    table: TableBuilder,
    outcome: Outcome,
    clock: Clock<'_>,
    notify: Notify<'_>,
) -> Result<(StudyIndex, Outcome)> {
    let data = writer.data_dir();
    writer.commit(&manifest, table.encode())?;
    drop(manifest);
    clock.lap("commit");
    let idx = index::open(&data)?
        .ok_or_else(|| Error::failure("the index could not be reopened after commit"))?;
    // Fill the count cache now, so the first matrix answers at once.
    index::counts(&idx, crate::index::collect::Source::All, notify)?;
    clock.lap("count cache");
    Ok((idx, outcome))
}

fn progress_bar(total: u64, visible: bool) -> indicatif::ProgressBar {
    if !visible || total < 8 << 20 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "coding {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// The one line a command says when respondents who withdrew consent are
/// withheld from its output (`None` when none is).
pub fn withheld_note(m: &Manifest) -> Option<String> {
    match m.withheld.len() {
        0 => None,
        1 => Some(
            "1 respondent who withdrew consent is withheld from every count, quote and export"
                .into(),
        ),
        n => Some(format!(
            "{n} respondents who withdrew consent are withheld from every count, quote and export"
        )),
    }
}

/// The index's warnings of the study as a whole (listing, settings,
/// codings). The index keeps those of the listing it was made from; when
/// the transcripts were listed in this run (always for `thematic code`)
/// the listing's warnings now stand in for them, so a file of a type
/// thematic does not read that was added (or removed) since, which changes
/// nothing in the index, is said (or no longer said) all the same.
pub fn study_warnings(study: &Study, m: &Manifest) -> Vec<String> {
    match study.listed_warnings() {
        Some(now) => now
            .iter()
            .cloned()
            .chain(
                m.warnings
                    .iter()
                    .filter(|w| !crate::study::is_listing_warning(w))
                    .cloned(),
            )
            .collect(),
        None => m.warnings.clone(),
    }
}

/// Every warning of the study: as a whole ([`study_warnings`]), then per
/// transcript in path order.
pub fn all_warnings(study: &Study, m: &Manifest) -> Vec<String> {
    study_warnings(study, m)
        .into_iter()
        .chain(
            m.files
                .values()
                .flat_map(|e| e.info.warnings.iter().cloned()),
        )
        .collect()
}

/// How long each phase of a run took since it started, told as a note
/// when the study was opened with timings on (`THEMATIC_TIMING`, read by
/// the binary), for profiling.
#[derive(Clone, Copy)]
pub struct Clock<'a> {
    t0: Instant,
    notify: Option<Notify<'a>>,
}

impl<'a> Clock<'a> {
    /// A clock started now, telling through `notify` when `study` asks for timings.
    pub fn start(study: &Study, notify: Notify<'a>) -> Clock<'a> {
        Clock {
            t0: Instant::now(),
            notify: study.timing.then_some(notify),
        }
    }

    /// Tells how long `what` took since the clock started.
    pub fn lap(&self, what: &str) {
        if let Some(notify) = self.notify {
            let ms = self.t0.elapsed().as_secs_f64() * 1000.0;
            notify(&format!("timing: {what}: {ms:.1} ms"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_withdrawn_are_the_settings_list_and_the_respondents_column() {
        let table = respondents::parse("id,withdrawn\nR01,yes\nR02,no\n", "respondents.csv")
            .expect("a table");
        assert_eq!(
            withdrawn_of(&table, &[" R03 ".into(), String::new()]),
            BTreeSet::from(["R01".to_string(), "R03".to_string()])
        );
    }
}
