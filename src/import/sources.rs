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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::qdpx::Coding;

    fn project(content: Option<&str>, file: Option<&str>, end: usize, user: &str) -> Project {
        Project {
            cases: BTreeMap::new(),
            case_names: Default::default(),
            users: BTreeMap::from([("u1".to_string(), "Ana".to_string())]),
            sources: vec![
                Source {
                    name: "r01.txt".into(),
                    content: content.map(str::to_string),
                    file: file.map(str::to_string),
                    selections: vec![Selection {
                        name: "s1".into(),
                        guid: String::new(),
                        start: 0,
                        end,
                        codings: vec![Coding {
                            user: user.into(),
                            code: "g1".into(),
                            at: (9, 3),
                        }],
                        at: (8, 1),
                    }],
                    at: (7, 1),
                },
                // No selections: its text is never asked for.
                Source {
                    name: "r02.txt".into(),
                    file: Some("absent.txt".into()),
                    ..Default::default()
                },
            ],
        }
    }

    fn guids() -> BTreeMap<String, String> {
        BTreeMap::from([("g1".to_string(), "recruitment/job_offer".to_string())])
    }

    fn texts_of(p: &Project) -> Result<Vec<String>> {
        texts(p, &guids(), "x.qdpx/project.qde", |part| {
            Ok((part == "sources/r01.txt").then(|| "Me ofrecieron trabajo.".to_string()))
        })
    }

    fn report(p: &Project) -> String {
        let e = texts_of(p).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        e.report()
    }

    #[test]
    fn texts_come_inline_or_from_the_package() {
        let inline = project(Some("Nunca me pagaron."), None, 17, "u1");
        assert_eq!(texts_of(&inline).unwrap(), ["Nunca me pagaron.", ""]);
        let packaged = project(None, Some("r01.txt"), 22, "");
        assert_eq!(texts_of(&packaged).unwrap(), ["Me ofrecieron trabajo.", ""]);
    }

    #[test]
    fn a_selection_that_does_not_fit_is_bad_input_at_its_place() {
        let e = report(&project(Some("Nunca me pagaron."), None, 18, "u1"));
        assert!(
            e.contains("x.qdpx/project.qde:8:1") && e.contains("(17 characters)"),
            "{e}"
        );
        let e = report(&project(None, Some("r09.txt"), 1, "u1"));
        assert!(
            e.contains(":7:1") && e.contains("sources/r09.txt, is not in the package"),
            "{e}"
        );
        let e = report(&project(None, None, 1, "u1"));
        assert!(
            e.contains("neither a plainTextPath nor PlainTextContent"),
            "{e}"
        );
        let e = report(&project(Some("Nunca."), None, 1, "u9"));
        assert!(e.contains(":9:3") && e.contains("coded by `u9`"), "{e}");
        let mut unknown_code = project(Some("Nunca."), None, 1, "u1");
        unknown_code.sources[0].selections[0].codings[0].code = "g2".into();
        let e = report(&unknown_code);
        assert!(e.contains(":9:3") && e.contains("coded at `g2`"), "{e}");
    }
}
