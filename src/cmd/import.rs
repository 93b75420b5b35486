//! `thematic import FILE.qdpx`: another tool's REFI-QDA project becomes
//! coding sheets. Each user's codings are placed on the study's excerpts
//! (`import::qdpx`) and written as `codings/<user>.csv` (long form,
//! `excerpt,code`); the project's codebook is written as a thematic
//! codebook beside the study's. Nothing is overwritten, and a selection
//! that fits no excerpt is reported, never dropped silently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::cli::ReadOpts;
use crate::codebook::{format, qdc, Codebook};
use crate::error::{Error, Location, Result};
use crate::export::qdpx::RULES_USER;
use crate::import::qdpx::{self as project, norm_guid};
use crate::index::collect::HitFilter;
use crate::render::{self, Table};
use crate::study::StudyAt;

/// The largest `.qdpx` read.
const QDPX: crate::input::Limit = crate::input::Limit {
    bytes: 1 << 30,
    what: "a .qdpx project",
};

/// A transcript's excerpts: ids and texts in file order.
#[derive(Default)]
struct Transcript {
    ids: Vec<String>,
    texts: Vec<String>,
}

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
    let bad = |msg: String| {
        Error::at(Location::file(shown.clone()), msg)
            .with_hint("export the project again from your QDA program as .qdpx")
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
        eprintln!("warning: {w}");
    }
    let guids: BTreeMap<String, String> =
        guids.into_iter().map(|(g, p)| (norm_guid(&g), p)).collect();

    // Every source's text, and every selection checked, before the study
    // is touched.
    let mut texts: Vec<String> = Vec::with_capacity(proj.sources.len());
    for source in &proj.sources {
        if source.selections.is_empty() {
            texts.push(String::new());
            continue;
        }
        let where_src = || Location::at(qde_shown.clone(), source.at.0, source.at.1);
        let text = match (&source.content, &source.file) {
            (Some(t), _) => t.clone(),
            (None, Some(f)) => {
                let part = format!("sources/{f}");
                package
                    .part(&part)
                    .map_err(|e| bad(format!("cannot read {part}: {e}")))?
                    .ok_or_else(|| {
                        Error::at(
                            where_src(),
                            format!(
                                "source `{}`: its text, {part}, is not in the package",
                                source.name
                            ),
                        )
                        .with_hint("export the project again with its sources")
                    })?
            }
            (None, None) => {
                return Err(Error::at(
                    where_src(),
                    format!(
                        "source `{}` has neither a plainTextPath nor PlainTextContent",
                        source.name
                    ),
                ))
            }
        };
        let n_chars = text.chars().count();
        for sel in &source.selections {
            if sel.end > n_chars {
                return Err(Error::at(
                    Location::at(qde_shown.clone(), sel.at.0, sel.at.1),
                    format!(
                        "selection `{}` ends at character {}, past the end of its source's text ({n_chars} characters)",
                        sel.name, sel.end
                    ),
                )
                .with_hint("export the project again; offsets count Unicode code points"));
            }
            for c in &sel.codings {
                if !guids.contains_key(&c.code) {
                    return Err(Error::at(
                        Location::at(qde_shown.clone(), c.at.0, c.at.1),
                        format!("selection `{}` is coded at `{}`, a code the project's codebook does not have", sel.name, c.code),
                    )
                    .with_hint("export the project again with its whole codebook"));
                }
                if !c.user.is_empty() && !proj.users.contains_key(&c.user) {
                    return Err(Error::at(
                        Location::at(qde_shown.clone(), c.at.0, c.at.1),
                        format!(
                            "selection `{}` is coded by `{}`, a user the project does not list",
                            sel.name, c.user
                        ),
                    )
                    .with_hint("export the project again with its users"));
                }
            }
        }
        texts.push(text);
    }

    let (study, idx) = super::open(at, &ReadOpts::default())?;
    let searcher = idx.reader.searcher();
    let mut transcripts: BTreeMap<String, Transcript> = BTreeMap::new();
    for h in idx.corpus(HitFilter::default())? {
        let e = idx.stored(&searcher, h.addr)?;
        let t = transcripts.entry(e.path).or_default();
        t.ids.push(e.id);
        t.texts.push(e.text);
    }
    let order: BTreeMap<&str, usize> = transcripts
        .values()
        .flat_map(|t| t.ids.iter())
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();

    // user name → (corpus position, excerpt id, code path)
    let mut sheets: BTreeMap<String, BTreeSet<(usize, String, String)>> = BTreeMap::new();
    let mut unplaced = 0;
    let mut rules_codings = 0;
    for (source, text) in proj.sources.iter().zip(&texts) {
        if source.selections.is_empty() {
            continue;
        }
        let Some(path) = transcript_of(&source.name, &transcripts) else {
            let n = source.selections.len();
            eprintln!(
                "warning: source `{}` is no transcript of this study: its {n} selection(s) are not placed",
                source.name
            );
            unplaced += n;
            continue;
        };
        let t = &transcripts[&path];
        let texts: Vec<&str> = t.texts.iter().map(String::as_str).collect();
        let spans = project::spans(text, &texts);
        for sel in &source.selections {
            let hit = project::covered(&spans, sel.start, sel.end);
            if hit.is_empty() && !sel.codings.is_empty() {
                eprintln!(
                    "warning: {}:{}:{}: selection `{}` (characters {}–{} of `{}`) covers most of no excerpt; its {} coding(s) are not placed",
                    qde_shown, sel.at.0, sel.at.1, sel.name, sel.start, sel.end, source.name, sel.codings.len()
                );
                unplaced += 1;
                continue;
            }
            for c in &sel.codings {
                let user = proj
                    .users
                    .get(&c.user)
                    .cloned()
                    .unwrap_or_else(|| "imported".to_string());
                if user == RULES_USER {
                    rules_codings += 1;
                    continue;
                }
                for &i in &hit {
                    let id = t.ids[i].clone();
                    sheets.entry(user.clone()).or_default().insert((
                        order[id.as_str()],
                        id,
                        guids[&c.code].clone(),
                    ));
                }
            }
        }
    }

    // Decide every file first, so that nothing is written when one exists.
    let codings_dir = study.root.join(crate::codings::DIR);
    let mut outputs: Vec<(PathBuf, String)> = Vec::new();
    let mut taken = BTreeSet::new();
    for (user, rows) in &sheets {
        let stem = file_stem(user, &mut taken);
        let mut header = vec!["excerpt".to_string(), "code".to_string()];
        if stem != *user {
            header.push("coder".into());
        }
        let mut t = Table::new(header);
        for (_, id, code) in rows {
            let mut row = vec![id.clone(), code.clone()];
            if stem != *user {
                row.push(user.clone());
            }
            t.rows.push(row);
        }
        outputs.push((codings_dir.join(format!("{stem}.csv")), t.to_csv()?));
    }
    let yaml = serde_yaml::to_string(&doc).map_err(|e| Error::failure(e.to_string()))?;
    let cb = Codebook::parse(&yaml, &qde_shown, String::new())?;
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imported".into());
    let cb_path = study
        .resolve(&study.settings.codebook)
        .parent()
        .map_or_else(|| study.root.join("codebooks"), Path::to_path_buf)
        .join(format!("{}.yaml", file_stem(&stem, &mut BTreeSet::new())));
    outputs.push((cb_path, format::canonical_checked(&cb, "")?));
    for (path, _) in &outputs {
        if path.exists() {
            return Err(Error::at(
                Location::file(path.display().to_string()),
                "the file already exists; thematic import never overwrites it",
            )
            .with_hint("move it away (or import into a fresh copy of the study)"));
        }
    }
    for (path, text) in &outputs {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        render::write_new_file(path, text.as_bytes())?;
    }
    for ((user, rows), (path, _)) in sheets.iter().zip(&outputs) {
        eprintln!("wrote {} ({user}: {} codings)", path.display(), rows.len());
    }
    if let Some((path, _)) = outputs.last() {
        eprintln!(
            "wrote {} (the project's codebook; point `codebook:` in thematic.yaml at it to use it)",
            path.display()
        );
    }
    if rules_codings > 0 {
        eprintln!(
            "note: {rules_codings} codings by `{RULES_USER}` are not written: the codebook's rules code the study again"
        );
    }
    if unplaced > 0 {
        eprintln!("warning: {unplaced} selection(s) could not be placed (listed above)");
    }
    Ok(())
}

/// The transcript a source stands for: the same path, else the same file
/// name, else the same name without extension (each only when unique).
fn transcript_of(name: &str, transcripts: &BTreeMap<String, Transcript>) -> Option<String> {
    if transcripts.contains_key(name) {
        return Some(name.to_string());
    }
    fn file(p: &str) -> String {
        p.rsplit(['/', '\\']).next().unwrap_or(p).to_string()
    }
    fn stem(p: &str) -> String {
        let f = file(p);
        f.rsplit_once('.').map_or(f.clone(), |(s, _)| s.to_string())
    }
    for key in [file as fn(&str) -> String, stem] {
        let hits: Vec<&String> = transcripts.keys().filter(|p| key(p) == key(name)).collect();
        if hits.len() == 1 {
            return Some(hits[0].clone());
        }
    }
    None
}

/// A file name for a user: letters, digits, `-`, `_` and `.` kept, others
/// `_`; unique among `taken`.
fn file_stem(user: &str, taken: &mut BTreeSet<String>) -> String {
    let mut s: String = user
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    s = s.trim_matches('.').to_string();
    if s.is_empty() {
        s = "coder".into();
    }
    let mut out = s.clone();
    let mut n = 2;
    while !taken.insert(out.clone()) {
        out = format!("{s}_{n}");
        n += 1;
    }
    out
}
