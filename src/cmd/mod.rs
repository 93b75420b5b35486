//! One file per subcommand: each finds the study, asks the library for data,
//! and hands it to `render`. Shared here: opening a fresh index and turning
//! `--where` filters into a respondent mask.

pub mod agree;
pub mod chart;
pub mod code;
pub mod codebook;
pub mod cooccur;
pub mod export;
pub mod import;
pub mod init;
pub mod matrix;
pub mod pseudonyms;
pub mod quote;
pub mod reanchor;
pub mod report;
pub mod sheet;
pub mod stats;
pub mod transcripts;

use crate::cli::ReadOpts;
use crate::error::{suggest, Error, Result};
use crate::index::collect::{Counts, Filter, Source};
use crate::index::{Manifest, StudyIndex};
use crate::pipeline::{self, Mode};
use crate::study::{Study, StudyAt};

/// Finds the study and opens its index, updating it unless `--frozen`.
pub fn open(project: &StudyAt, read: &ReadOpts) -> Result<(Study, StudyIndex)> {
    let study = Study::find(project)?;
    let mode = if read.frozen {
        Mode::Frozen
    } else {
        Mode::Auto
    };
    let (idx, _) = pipeline::refresh(&study, mode, &note)?;
    if let Some(n) = pipeline::withheld_note(&idx.manifest) {
        note(&n);
    }
    // A misspelt `withdrawn:` id (or respondents.csv id of a withdrawn row)
    // leaves the respondent in every output: said by every command that
    // reads the index, not only by `code`.
    for w in unknown_withdrawn(&idx.manifest) {
        eprintln!("warning: {}", crate::render::safe::terminal(w));
    }
    Ok((study, idx))
}

/// The warnings of the index about `withdrawn:` ids the study does not
/// have, and respondents.csv rows marked withdrawn whose id no transcript has.
pub fn unknown_withdrawn(m: &Manifest) -> impl Iterator<Item = &String> {
    m.warnings.iter().filter(|w| {
        crate::study::settings_warning(w).is_some_and(|m| m.starts_with(UNKNOWN_WITHDRAWN))
            || w.contains(crate::ingest::respondents::MARKED_WITHDRAWN)
    })
}

/// How the warning about an unknown `withdrawn:` id starts, after its
/// place in thematic.yaml.
const UNKNOWN_WITHDRAWN: &str = "`withdrawn:` names ";

/// The error of a command that shows the codebook's rows when it has
/// none: `what` says what is left empty ("the matrix has no rows");
/// `file` is the codebook as thematic.yaml names it.
pub fn no_themes(file: &str, what: &str) -> Error {
    Error::at(
        crate::error::Location::file(file),
        format!("the codebook has no themes, so {what}"),
    )
    .with_hint(format!(
        "add themes and codes under `themes:` in {file} (`thematic codebook check` says what it lacks), or check that `codebook:` in thematic.yaml names the right file"
    ))
}

/// `code`'s warning when the codebook (`file`) has no themes.
pub fn no_themes_warning(file: &str) -> String {
    format!("{file}: the codebook has no themes, so no excerpt is coded (add themes and codes under `themes:`)")
}

/// The rows of a theme given by `--theme`: the theme and everything below
/// it (rows are in codebook order, so they are contiguous).
pub fn theme_rows(rows: &[crate::index::RowInfo], theme: &str) -> Result<std::ops::Range<usize>> {
    let Some(t) = rows.iter().position(|r| r.depth == 0 && r.path == theme) else {
        let themes = rows
            .iter()
            .filter(|r| r.depth == 0)
            .map(|r| r.path.as_str());
        return Err(Error::input(format!("unknown theme `{theme}` in --theme"))
            .with_hint(suggest(theme, themes)));
    };
    let end = rows[t + 1..]
        .iter()
        .position(|r| r.depth == 0)
        .map_or(rows.len(), |p| t + 1 + p);
    Ok(t..end)
}

/// `t` laid out for the terminal; when it is still wider than the
/// terminal, a hint on stderr says how to narrow it.
pub fn text_table(t: &crate::render::Table, terminal: crate::render::Terminal) -> String {
    let width = terminal.width;
    let text = t.to_text(width);
    if let Some(hint) = t.wide_hint(&text, width) {
        eprintln!("hint: {hint}");
    }
    text
}

/// `t` as `layout` asks, under `caption` (see [`crate::render::Table::in_format`]);
/// a text table as [`text_table`] lays it out.
pub fn laid_out(
    t: &crate::render::Table,
    terminal: crate::render::Terminal,
    layout: crate::render::Layout,
    caption: &str,
) -> Result<String> {
    Ok(match layout {
        crate::render::Layout::Text if caption.is_empty() => text_table(t, terminal),
        crate::render::Layout::Text => format!("{caption}\n{}", text_table(t, terminal)),
        other => t.in_format(other, caption, terminal.width)?,
    })
}

/// The pseudonyms an output applies (`None` with `--identified`, which is
/// said on stderr). The key file's warnings are printed here.
pub fn pseudonyms(
    study: &Study,
    m: &Manifest,
    opts: crate::cli::PrivacyOpts,
) -> Result<Option<crate::privacy::Pseudonyms>> {
    if opts.identified {
        note(crate::privacy::IDENTIFIED_NOTE);
        return Ok(None);
    }
    let (p, warnings) = crate::privacy::for_study(study, &m.attributes)?;
    for w in warnings {
        eprintln!("warning: {}", crate::render::safe::terminal(&w));
    }
    Ok(Some(p))
}

/// Who withdrew from each chart group (respondents.csv is read only when
/// someone withdrew).
pub fn group_withdrawals(study: &Study, m: &Manifest) -> Result<crate::chart::GroupWithdrawals> {
    if m.withdrawn.is_empty() && m.withheld.is_empty() {
        return Ok(crate::chart::GroupWithdrawals::default());
    }
    let table = crate::pipeline::respondents_table(study)?;
    Ok(crate::chart::GroupWithdrawals::new(
        m,
        table.rows.iter().map(|(id, (attrs, _))| (id, attrs)),
    ))
}

/// Prints a note of the library's on stderr.
pub fn note(text: &str) {
    eprintln!("note: {}", crate::render::safe::terminal(text));
}

/// One `--where` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Attribute name (`respondent` means the id unless an attribute has that name).
    pub attr: String,
    /// The value compared with.
    pub value: String,
    /// True for `!=`.
    pub negate: bool,
}

/// Parses `ATTR=VALUE` / `ATTR!=VALUE`.
pub fn parse_condition(raw: &str) -> Result<Condition> {
    let (attr, value, negate) = if let Some((a, v)) = raw.split_once("!=") {
        (a, v, true)
    } else if let Some((a, v)) = raw.split_once('=') {
        (a, v, false)
    } else {
        return Err(Error::input(format!("bad --where `{raw}`"))
            .with_hint("write ATTR=VALUE or ATTR!=VALUE, e.g. --where role=survivor"));
    };
    let attr = attr.trim();
    if attr.is_empty() {
        return Err(
            Error::input(format!("bad --where `{raw}`: no attribute name"))
                .with_hint("write ATTR=VALUE, e.g. --where role=survivor"),
        );
    }
    Ok(Condition {
        attr: attr.to_string(),
        value: value.trim().to_string(),
        negate,
    })
}

/// All attribute names in the study, sorted.
pub fn attribute_names(m: &Manifest) -> Vec<String> {
    m.attribute_names()
}

/// Checks an attribute name exists.
pub fn check_attribute(m: &Manifest, attr: &str, flag: &str) -> Result<()> {
    let names = attribute_names(m);
    if attr == "respondent" || names.iter().any(|n| n == attr) {
        return Ok(());
    }
    Err(Error::input(format!(
        "unknown attribute `{}` in {flag}",
        crate::input::quote_line(attr, 120)
    ))
    .with_hint(format!(
        "{} (attributes come from front matter and respondents.csv)",
        suggest(attr, names.iter().map(String::as_str))
    )))
}

/// Refuses `flag ATTR` (`--by`, `--show`) for a column thematic.yaml
/// declares `identifying:` unless `--identified` is given: its values are
/// names and phone numbers, which would be printed as they are.
pub fn refuse_identifying(
    study: &Study,
    attr: &str,
    flag: &str,
    privacy: crate::cli::PrivacyOpts,
) -> Result<()> {
    if privacy.identified || !study.settings.identifying.iter().any(|c| c == attr) {
        return Ok(());
    }
    Err(Error::input(format!(
        "{flag} {attr}: `{attr}` is declared `identifying:` in thematic.yaml, so its values (names, numbers) would be printed as they are"
    ))
    .with_hint(format!(
        "use another attribute, or add --identified for the team's own reading ({flag} {attr} --identified)"
    )))
}

/// The filter for `--where` conditions and `--source`.
pub fn filter(m: &Manifest, read: &ReadOpts) -> Result<Filter> {
    let source = match read.source.as_deref().map(str::trim) {
        None | Some("all") => Source::All,
        Some("rules") => Source::Rules,
        Some("human") => Source::Human,
        Some(name) => match m.coders.iter().position(|c| c.name == name) {
            Some(i) => Source::Coder(i as u64),
            None => {
                let names = ["rules", "human"]
                    .into_iter()
                    .chain(m.coders.iter().map(|c| c.name.as_str()));
                return Err(Error::input(format!(
                    "unknown --source `{name}`: not `rules`, `human` or a coder"
                ))
                .with_hint(suggest(name, names)));
            }
        },
    };
    if read.filters.is_empty() {
        return Ok(Filter {
            respondents: None,
            source,
        });
    }
    let conds: Vec<Condition> = read
        .filters
        .iter()
        .map(|r| parse_condition(r))
        .collect::<Result<_>>()?;
    for c in &conds {
        check_attribute(m, &c.attr, "--where")?;
        if let Some(w) = unheld_value(m, c) {
            eprintln!("warning: {w}");
        }
    }
    let mask = m
        .respondents
        .iter()
        .map(|r| {
            conds.iter().all(|c| {
                // `(missing)`, the matrix's column of respondents
                // without the attribute, selects them.
                let value = m.attribute(r, &c.attr);
                let hit = if c.value == crate::framework::MISSING {
                    value.is_none_or(str::is_empty)
                } else {
                    value == Some(c.value.as_str())
                };
                hit != c.negate
            })
        })
        .collect();
    Ok(Filter {
        respondents: Some(mask),
        source,
    })
}

/// A warning when no respondent has the value a `--where` condition
/// names: a typo such as `profile=survivors` would select no one, and the
/// counts would read as zeros. (The values are not listed: the attribute
/// may be one that names people.)
fn unheld_value(m: &Manifest, c: &Condition) -> Option<String> {
    if c.value == crate::framework::MISSING {
        return None;
    }
    let held = m
        .respondents
        .iter()
        .any(|r| m.attribute(r, &c.attr) == Some(c.value.as_str()));
    if held {
        return None;
    }
    let value = crate::input::quote_line(&c.value, 120);
    let op = if c.negate { "!=" } else { "=" };
    let selects = if c.negate { "everyone" } else { "no one" };
    let why = if crate::chart::withdrawn(m, &c.value) && c.attr == "respondent" {
        format!("`{value}` withdrew consent, so it selects {selects}")
    } else {
        let lists = if c.attr == "respondent" {
            "`thematic transcripts` lists them".to_string()
        } else {
            format!("`thematic matrix --by {}` shows them", c.attr)
        };
        format!(
            "no respondent has `{}` `{value}`, so it selects {selects}; check the value ({lists})",
            c.attr
        )
    };
    Some(
        crate::render::safe::terminal(&format!("--where {}{op}{value}: {why}", c.attr))
            .into_owned(),
    )
}

/// A code or theme named on the command line (`quote CODE`, `--codes`):
/// a current path or a unique suffix of one, else an earlier name of a
/// code by the codes' `formerly`, with a note on stderr saying what the
/// code is called now (the output is the same as for its current name).
pub fn code_arg(rows: &[crate::index::RowInfo], name: &str) -> Result<usize> {
    match crate::index::resolve_named(rows, name)? {
        crate::codebook::Named::Now(i) => Ok(i),
        crate::codebook::Named::Formerly(i) => {
            note(&format!(
                "`{}` is now `{}` (formerly)",
                name.trim().trim_matches('/'),
                rows[i].path
            ));
            Ok(i)
        }
    }
}

/// Counts every excerpt per row × respondent: from the count cache kept
/// beside the index (one file per commit and source), else by the collector
/// over the fast fields (and then cached). The respondent filter is applied
/// to the counts, so one cache serves every `--where`.
pub fn count(idx: &StudyIndex, filter: Filter) -> Result<Counts> {
    let mut counts = crate::index::counts(idx, filter.source, &note)?;
    if let Some(mask) = &filter.respondents {
        for (p, keep) in mask.iter().enumerate() {
            if !keep && p < counts.n_resp {
                counts.excerpts[p] = 0;
                counts.coded[p] = 0;
                for r in 0..counts.n_rows {
                    counts.cells[r * counts.n_resp + p] = 0;
                }
            }
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions() {
        assert_eq!(
            parse_condition("role=survivor").unwrap(),
            Condition {
                attr: "role".into(),
                value: "survivor".into(),
                negate: false
            }
        );
        assert_eq!(
            parse_condition("region!=Lima").unwrap(),
            Condition {
                attr: "region".into(),
                value: "Lima".into(),
                negate: true
            }
        );
        assert_eq!(parse_condition("role").unwrap_err().exit_code(), 2);
    }

    #[test]
    fn an_empty_codebook_is_named_in_the_error_and_the_warning() {
        assert_eq!(
            no_themes("codebooks/main.yaml", "the matrix has no rows").report(),
            "error: the codebook has no themes, so the matrix has no rows\n  --> codebooks/main.yaml\n  = help: add themes and codes under `themes:` in codebooks/main.yaml (`thematic codebook check` says what it lacks), or check that `codebook:` in thematic.yaml names the right file"
        );
        assert_eq!(
            no_themes_warning("cb.yaml"),
            "cb.yaml: the codebook has no themes, so no excerpt is coded (add themes and codes under `themes:`)"
        );
    }
}
