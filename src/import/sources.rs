//! A project's source texts, with every selection checked against them,
//! before the study is touched: a selection past the end of its text, a
//! coding of a code the project's codebook lacks or by a user the project
//! does not list is an error with its place in `project.qde`.

use std::collections::BTreeMap;

use crate::error::{Error, Location, Result};
use crate::import::qdpx::{Project, Selection, Source};

/// Each source's plain text, in the order of `proj.sources` (empty for a
/// source without selections, whose text is never read). `part` reads a
/// file of the package (`sources/…`), None when it is not there; `guids`
/// maps the codebook's code GUIDs (normalised) to code paths; `shown`
/// names `project.qde` in errors.
pub(crate) fn texts(
    proj: &Project,
    guids: &BTreeMap<String, String>,
    shown: &str,
    mut part: impl FnMut(&str) -> Result<Option<String>>,
) -> Result<Vec<String>> {
    let mut texts: Vec<String> = Vec::with_capacity(proj.sources.len());
    for source in &proj.sources {
        if source.selections.is_empty() {
            texts.push(String::new());
            continue;
        }
        let text = text(source, shown, &mut part)?;
        let n_chars = text.chars().count();
        for sel in &source.selections {
            check_selection(sel, n_chars, proj, guids, shown)?;
        }
        texts.push(text);
    }
    Ok(texts)
}

/// A source's text: inline, else its file in the package.
fn text(
    source: &Source,
    shown: &str,
    part: &mut impl FnMut(&str) -> Result<Option<String>>,
) -> Result<String> {
    let where_src = || Location::at(shown, source.at.0, source.at.1);
    match (&source.content, &source.file) {
        (Some(t), _) => Ok(t.clone()),
        (None, Some(f)) => {
            let part_name = format!("sources/{f}");
            part(&part_name)?.ok_or_else(|| {
                Error::at(
                    where_src(),
                    format!(
                        "source `{}`: its text, {part_name}, is not in the package",
                        source.name
                    ),
                )
                .with_hint("export the project again with its sources")
            })
        }
        (None, None) => Err(Error::at(
            where_src(),
            format!(
                "source `{}` has neither a plainTextPath nor PlainTextContent",
                source.name
            ),
        )),
    }
}

/// A selection fits a text of `n_chars` code points, and its codings name
/// known codes and users.
fn check_selection(
    sel: &Selection,
    n_chars: usize,
    proj: &Project,
    guids: &BTreeMap<String, String>,
    shown: &str,
) -> Result<()> {
    if sel.end > n_chars {
        return Err(Error::at(
            Location::at(shown, sel.at.0, sel.at.1),
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
                Location::at(shown, c.at.0, c.at.1),
                format!(
                    "selection `{}` is coded at `{}`, a code the project's codebook does not have",
                    sel.name, c.code
                ),
            )
            .with_hint("export the project again with its whole codebook"));
        }
        if !c.user.is_empty() && !proj.users.contains_key(&c.user) {
            return Err(Error::at(
                Location::at(shown, c.at.0, c.at.1),
                format!(
                    "selection `{}` is coded by `{}`, a user the project does not list",
                    sel.name, c.user
                ),
            )
            .with_hint("export the project again with its users"));
        }
    }
    Ok(())
}
