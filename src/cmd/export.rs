//! `thematic export`: the study for other tools. Reads every excerpt
//! passing `--where` from the index, in corpus order, with its rows for
//! `--source`, and hands them to `export::tidy` for CSV or JSON, or to
//! `export::qdpx` for a REFI-QDA project.

use crate::cli::{StudyExportArgs, StudyExportFormat};
use crate::codebook::Codebook;
use crate::error::{Error, Location, Result};
use crate::export::qdpx::{Excerpt, Input};
use crate::export::tidy::{Tidy, TidyRow};
use crate::index::collect::{HitFilter, RowReader, Source};
use crate::index::Manifest;
use crate::render;
use crate::study::{Study, StudyAt};

/// Runs `thematic export`.
pub fn run(project: &StudyAt, args: &StudyExportArgs) -> Result<()> {
    if args.format == StudyExportFormat::Qdpx {
        return qdpx(project, args);
    }
    let (study, idx) = super::open(project, &args.read)?;
    let m = &idx.manifest;
    let pseudonyms = super::pseudonyms(&study, m, args.privacy)?;
    let filter = super::filter(m, &args.read)?;
    let mut rows = RowReader::new(filter.source, m.closure());
    let table = idx.codes()?;
    let hits = idx.corpus(HitFilter {
        filter,
        ..Default::default()
    })?;
    let attributes = exported_attributes(&study, m, pseudonyms.is_some());
    let searcher = idx.reader.searcher();
    let mut gate = crate::privacy::Gate::default();
    let mut tidy = Tidy {
        codes: m.rows.iter().map(|r| r.path.clone()).collect(),
        attributes,
        rows: Vec::with_capacity(hits.len()),
    };
    // An attribute named as a code: the error is at the attribute's place.
    if let Some(a) = tidy.attributes.iter().find(|a| tidy.codes.contains(a)) {
        let at = attribute_place(&study, m, a)?;
        return Err(crate::export::tidy::clash(
            a,
            "a theme or code of the codebook",
            Some(at),
        ));
    }
    let mut buf = Vec::new();
    for h in &hits {
        let e = idx.stored(&searcher, h.addr)?;
        buf.clear();
        if let Some(rec) = table.get(h.file, h.pos) {
            rows.fill(rec, &mut buf);
        }
        let mut codes = vec![false; m.rows.len()];
        for &r in &buf {
            if let Some(c) = codes.get_mut(r as usize) {
                *c = true;
            }
        }
        let mut row = TidyRow {
            attributes: tidy
                .attributes
                .iter()
                .map(|a| {
                    m.attributes
                        .get(&e.respondent)
                        .and_then(|v| v.get(a))
                        .cloned()
                })
                .collect(),
            id: e.id,
            path: e.path,
            line: e.line,
            respondent: e.respondent,
            question: e.question,
            text: e.text,
            codes,
        };
        if let Some(p) = &pseudonyms {
            let apply = |s: &mut String| *s = p.apply(s).into_owned();
            apply(&mut row.respondent);
            apply(&mut row.question);
            apply(&mut row.text);
            row.attributes.iter_mut().flatten().for_each(apply);
            let fields = [&row.respondent, &row.question, &row.text];
            let attrs = row.attributes.iter().flatten();
            gate.check(p, &row.id, fields.into_iter().chain(attrs));
        }
        tidy.rows.push(row);
    }
    gate.verdict()?;
    let out = match args.format {
        StudyExportFormat::Csv => tidy.to_csv()?,
        StudyExportFormat::Json => tidy.to_json()?,
        StudyExportFormat::Ndjson => tidy.to_ndjson()?,
        StudyExportFormat::Qdpx => unreachable!("written by qdpx()"),
    };
    match &args.output {
        Some(path) => {
            render::write_new_file(path, out.as_bytes())?;
            eprintln!(
                "wrote {} to {}",
                render::plural(tidy.rows.len(), "excerpt", "excerpts"),
                path.display()
            );
            Ok(())
        }
        None => render::emit(&out),
    }
}

/// Writes the study as a REFI-QDA project to `--output`: every excerpt
/// passing `--where`, with the rules' and each coder's codings (`--source`
/// narrows whose are written).
fn qdpx(project: &StudyAt, args: &StudyExportArgs) -> Result<()> {
    let path = args.output.as_ref().ok_or_else(|| {
        Error::input("--format qdpx needs --output FILE")
            .with_hint("e.g. --format qdpx --output study.qdpx")
    })?;
    let (study, idx) = super::open(project, &args.read)?;
    let m = &idx.manifest;
    let pseudonyms = super::pseudonyms(&study, m, args.privacy)?;
    let mut gate = crate::privacy::Gate::default();
    let filter = super::filter(m, &args.read)?;
    let source = filter.source;
    let cb_path = study.resolve(&study.settings.codebook);
    let cb = Codebook::load(&cb_path, &study.settings.codebook)?;
    let table = idx.codes()?;
    let hits = idx.corpus(HitFilter {
        filter,
        ..Default::default()
    })?;
    let searcher = idx.reader.searcher();
    let path_of = |row: u32| m.rows.get(row as usize).map(|r| r.path.clone());
    let coder_of = |c: u32| m.coders.get(c as usize).map(|c| c.name.clone());
    let mut excerpts = Vec::with_capacity(hits.len());
    for h in &hits {
        let e = idx.stored(&searcher, h.addr)?;
        let codes = table
            .get(h.file, h.pos)
            .map(|rec| rec.decode())
            .unwrap_or_default();
        let rules = match source {
            Source::All | Source::Rules => codes.rules.iter().filter_map(|&r| path_of(r)).collect(),
            Source::Human | Source::Coder(_) => Vec::new(),
        };
        let coders = codes
            .coders
            .iter()
            .filter(|&&(coder, _)| match source {
                Source::All | Source::Human => true,
                Source::Rules => false,
                Source::Coder(c) => u64::from(coder) == c,
            })
            .filter_map(|&(coder, row)| Some((coder_of(coder)?, path_of(row)?)))
            .collect();
        let mut x = Excerpt {
            id: e.id,
            path: e.path,
            respondent: e.respondent,
            speaker: e.speaker,
            question: e.question,
            text: e.text,
            rules,
            coders,
        };
        if let Some(p) = &pseudonyms {
            for s in [
                &mut x.respondent,
                &mut x.speaker,
                &mut x.question,
                &mut x.text,
            ] {
                *s = p.apply(s).into_owned();
            }
            let fields = [&x.respondent, &x.speaker, &x.question, &x.text];
            gate.check(p, &x.id, fields.into_iter());
        }
        excerpts.push(x);
    }
    let attributes = exported_attributes(&study, m, pseudonyms.is_some());
    let respondents: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, String>,
    > = m
        .attributes
        .iter()
        .map(|(r, a)| {
            let values: std::collections::BTreeMap<String, String> = a
                .iter()
                .filter(|(k, _)| attributes.contains(k))
                .map(|(k, v)| match &pseudonyms {
                    Some(p) => (k.clone(), p.apply(v).into_owned()),
                    None => (k.clone(), v.clone()),
                })
                .collect();
            let id = match &pseudonyms {
                Some(p) => p.apply(r).into_owned(),
                None => r.clone(),
            };
            if let Some(p) = &pseudonyms {
                let fields = std::iter::once(&id).chain(values.values());
                gate.check(p, &format!("respondent {id}"), fields);
            }
            (id, values)
        })
        .collect();
    gate.verdict()?;
    let name = study
        .root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "thematic study".into());
    let input = Input {
        name,
        codes: crate::codebook::qdc::codes_element(&cb),
        coders: m.coders.iter().map(|c| c.name.clone()).collect(),
        attributes: attributes.clone(),
        respondents,
        excerpts,
    };
    let project = crate::export::qdpx::project(&input);
    render::write_new_file(path, &crate::export::qdpx::package(&project)?)?;
    eprintln!(
        "wrote {} ({} sources, {} excerpts)",
        path.display(),
        project.sources.len(),
        input.excerpts.len()
    );
    Ok(())
}

/// The attribute columns an export writes: all of them, except, when
/// pseudonymised, the columns thematic.yaml declares `identifying:` (a
/// name or a phone number is not an attribute to share).
fn exported_attributes(
    study: &crate::study::Study,
    m: &crate::index::Manifest,
    pseudonymised: bool,
) -> Vec<String> {
    let mut names = super::attribute_names(m);
    if pseudonymised {
        names.retain(|a| !study.settings.identifying.contains(a));
    }
    names
}

/// Where attribute `attr` is given: its header cell in respondents.csv,
/// else the first front matter that sets it, else respondents.csv.
fn attribute_place(study: &Study, m: &Manifest, attr: &str) -> Result<Location> {
    let shown = &study.settings.respondents;
    let path = study.resolve(shown);
    if path.is_file() {
        let bytes = crate::input::read_user_file(&path, shown, crate::input::RESPONDENTS)?;
        let text = crate::text::decode::decode(&bytes, shown)?.text;
        // Read as respondents.csv is (its delimiter sniffed, quotes
        // honoured); the column as its own errors count them.
        let (headers, _) = crate::ingest::respondents::read_csv(&text, shown)?;
        if let Some(i) = headers.iter().position(|h| h == attr) {
            return Ok(Location::at(shown.clone(), 1, i + 1));
        }
    }
    let mut details = m.clone();
    crate::index::load_details(&study.data_dir(), &mut details)?;
    for (p, f) in details.files.iter() {
        if let Some(a) = f.info.attributes.iter().find(|a| a.key == attr) {
            return Ok(Location::line(p.clone(), a.line));
        }
    }
    Ok(Location::file(shown.clone()))
}
