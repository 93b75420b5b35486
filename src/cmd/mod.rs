//! One file per subcommand: each finds the study, asks the library for data,
//! and hands it to `render`. Shared here: opening a fresh index and turning
//! `--where` filters into a respondent mask.

pub mod code;
pub mod init;
pub mod matrix;
pub mod quote;
pub mod stats;
pub mod transcripts;

use std::path::Path;

use crate::cli::ReadOpts;
use crate::error::{suggest, Error, Result};
use crate::index::collect::{CountCollector, Counts, Filter};
use crate::index::{Manifest, StudyIndex};
use crate::pipeline::{self, Mode};
use crate::study::Study;

/// Finds the study and opens its index, updating it unless `--frozen`.
pub fn open(project: Option<&Path>, read: &ReadOpts) -> Result<(Study, StudyIndex)> {
    let study = Study::find(project)?;
    let mode = if read.frozen {
        Mode::Frozen
    } else {
        Mode::Auto
    };
    let (idx, _) = pipeline::refresh(&study, mode)?;
    Ok((study, idx))
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
    let mut names: Vec<String> = m
        .attributes
        .values()
        .flat_map(|a| a.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A respondent's value of an attribute (`respondent` is the id unless an attribute has that name).
pub fn attribute<'a>(m: &'a Manifest, resp: &'a str, attr: &str) -> Option<&'a str> {
    match m.attributes.get(resp).and_then(|a| a.get(attr)) {
        Some(v) => Some(v.as_str()),
        None if attr == "respondent" => Some(resp),
        None => None,
    }
}

/// Checks an attribute name exists.
pub fn check_attribute(m: &Manifest, attr: &str, flag: &str) -> Result<()> {
    let names = attribute_names(m);
    if attr == "respondent" || names.iter().any(|n| n == attr) {
        return Ok(());
    }
    Err(
        Error::input(format!("unknown attribute `{attr}` in {flag}")).with_hint(format!(
            "{} (attributes come from front matter and respondents.csv)",
            suggest(attr, names.iter().map(String::as_str))
        )),
    )
}

/// The respondent mask for `--where` conditions (None when there are none).
pub fn filter(m: &Manifest, raw: &[String]) -> Result<Filter> {
    if raw.is_empty() {
        return Ok(Filter::default());
    }
    let conds: Vec<Condition> = raw
        .iter()
        .map(|r| parse_condition(r))
        .collect::<Result<_>>()?;
    for c in &conds {
        check_attribute(m, &c.attr, "--where")?;
    }
    let mask = m
        .respondents
        .iter()
        .map(|r| {
            conds
                .iter()
                .all(|c| (attribute(m, r, &c.attr) == Some(c.value.as_str())) != c.negate)
        })
        .collect();
    Ok(Filter {
        respondents: Some(mask),
    })
}

/// Counts every excerpt per row × respondent.
pub fn count(idx: &StudyIndex, filter: Filter) -> Result<Counts> {
    let searcher = idx.reader.searcher();
    let collector = CountCollector {
        n_rows: idx.manifest.rows.len(),
        n_resp: idx.manifest.respondents.len(),
        filter,
    };
    Ok(searcher.search(&tantivy::query::AllQuery, &collector)?)
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
}
