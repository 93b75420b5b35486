//! The files an import writes: one coding sheet per user
//! (`codings/<user>.csv`, long form `excerpt,code`, with a `coder` column
//! when the file name cannot say the user's name) and the project's
//! codebook. Every file is decided first and none is written when one
//! already exists: an import never overwrites.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::codebook::{format, Codebook, CodebookDoc};
use crate::error::{Error, Location, Result};
use crate::import::place::SheetRow;
use crate::render::{self, Table};

/// A file to write and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Output {
    /// Where it goes.
    pub path: PathBuf,
    /// What it holds.
    pub text: String,
}

/// Each user's sheet in `codings_dir`, in the order of `sheets`.
pub(crate) fn sheets(
    sheets: &BTreeMap<String, BTreeSet<SheetRow>>,
    codings_dir: &Path,
) -> Result<Vec<Output>> {
    let mut taken = BTreeSet::new();
    sheets
        .iter()
        .map(|(user, rows)| {
            let stem = file_stem(user, &mut taken);
            Ok(Output {
                path: codings_dir.join(format!("{stem}.csv")),
                text: sheet_csv(user, &stem, rows)?,
            })
        })
        .collect()
}

/// A user's sheet as CSV; the `coder` column names the user when the file
/// name `stem` differs from it.
fn sheet_csv(user: &str, stem: &str, rows: &BTreeSet<SheetRow>) -> Result<String> {
    let named = stem == user;
    let mut header = vec!["excerpt".to_string(), "code".to_string()];
    if !named {
        header.push("coder".into());
    }
    let mut t = Table::new(header);
    for r in rows {
        let mut row = vec![r.excerpt.clone(), r.code.clone()];
        if !named {
            row.push(user.to_string());
        }
        t.rows.push(row);
    }
    t.to_csv()
}

/// The project's codebook, in canonical form, as `<stem>.yaml` in folder
/// `dir` (the study's codebook's folder), `stem` being the project file's.
/// `shown` names `project.qde` in errors.
pub(crate) fn codebook(doc: &CodebookDoc, shown: &str, dir: &Path, stem: &str) -> Result<Output> {
    let yaml = serde_yaml::to_string(doc).map_err(|e| Error::failure(e.to_string()))?;
    let cb = Codebook::parse(&yaml, shown, String::new())?;
    Ok(Output {
        path: dir.join(format!("{}.yaml", file_stem(stem, &mut BTreeSet::new()))),
        text: format::canonical_checked(&cb, "")?,
    })
}

/// Writes every output, creating folders; writes none when one exists.
pub(crate) fn write_all(outputs: &[Output]) -> Result<()> {
    for o in outputs {
        if o.path.exists() {
            return Err(Error::at(
                Location::file(o.path.display().to_string()),
                "the file already exists; thematic import never overwrites it",
            )
            .with_hint("move it away (or import into a fresh copy of the study)"));
        }
    }
    for o in outputs {
        if let Some(dir) = o.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        render::write_new_file(&o.path, o.text.as_bytes())?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_and_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(file_stem("María José", &mut taken), "María_José");
        assert_eq!(file_stem("María/José", &mut taken), "María_José_2");
        assert_eq!(file_stem("..", &mut taken), "coder");
        assert_eq!(file_stem("ana.p", &mut taken), "ana.p");
    }

    #[test]
    fn a_sheet_names_its_coder_when_the_file_cannot() {
        let rows = BTreeSet::from([
            SheetRow {
                position: 2,
                excerpt: "r01-2".into(),
                code: "exploitation/wages".into(),
            },
            SheetRow {
                position: 1,
                excerpt: "r01-1".into(),
                code: "recruitment/job_offer".into(),
            },
        ]);
        let sheets_by_user = BTreeMap::from([
            ("Ana".to_string(), rows.clone()),
            ("María José".to_string(), rows),
        ]);
        let out = sheets(&sheets_by_user, Path::new("codings")).unwrap();
        assert_eq!(out[0].path, Path::new("codings/Ana.csv"));
        assert_eq!(
            out[0].text,
            "excerpt,code\nr01-1,recruitment/job_offer\nr01-2,exploitation/wages\n"
        );
        assert_eq!(out[1].path, Path::new("codings/María_José.csv"));
        assert_eq!(
            out[1].text,
            "excerpt,code,coder\nr01-1,recruitment/job_offer,María José\nr01-2,exploitation/wages,María José\n"
        );
    }
}
