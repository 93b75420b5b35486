//! Human coding sheets in `codings/`: wide sheets (one row per excerpt, one
//! column per code, any non-blank mark applies it) and long sheets
//! (`excerpt,code[,note]`). The coder is the file name unless a `coder`
//! column says otherwise. Codings are placed on excerpts by id, or
//! re-anchored by the text hash when the transcript was edited; a coding
//! that cannot be placed is a warning naming the sheet row.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::codebook::{Codebook, Named};
use crate::error::{Error, Location, Result};

/// The folder of coding sheets inside a study.
pub const DIR: &str = "codings";

/// Columns of a wide sheet that are not codes.
const WIDE_INFO: &[&str] = &[
    "id",
    "excerpt",
    "respondent",
    "question",
    "text",
    "hash",
    "coder",
    "note",
    "path",
    "line",
    "speaker",
];

/// The short text hash written on sheets and used to re-anchor codings.
pub fn text_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex()[..12].to_string()
}

/// One mark: a coder put an excerpt at a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    /// Coder name.
    pub coder: String,
    /// Excerpt id as written on the sheet.
    pub excerpt: String,
    /// The code's node index.
    pub code: usize,
    /// The text hash from the sheet, when it has one.
    pub hash: Option<String>,
    /// Sheet (relative path) and 1-based line of the row.
    pub sheet: String,
    /// The row's line.
    pub row: usize,
}

/// What a coder's sheet covers: rows (wide) or whole transcripts (long).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cover {
    /// An excerpt (wide sheet row), with its hash if given, and the row.
    Excerpt {
        coder: String,
        excerpt: String,
        hash: Option<String>,
        sheet: String,
        row: usize,
    },
    /// Every excerpt of a transcript (long sheet).
    Transcript { coder: String, path: String },
}

/// Every sheet of a study, parsed and checked against the codebook.
#[derive(Debug, Clone, Default)]
pub struct Codings {
    /// The marks.
    pub codings: Vec<Coding>,
    /// What each coder covered.
    pub covers: Vec<Cover>,
    /// blake3 over every sheet's name and bytes (empty when there are none).
    pub hash: String,
    /// Names the sheets give codes that the codebook has since renamed
    /// (`formerly`): one line per sheet and name, saying what it now is.
    pub notes: Vec<String>,
}

/// Reads every `codings/*.csv`.
pub fn load(root: &Path, cb: &Codebook) -> Result<Codings> {
    let dir = root.join(DIR);
    let mut out = Codings::default();
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io(&dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("xlsx"))
        })
        .collect();
    files.sort();
    let mut hasher = blake3::Hasher::new();
    for path in &files {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("sheet.csv");
        hasher.update(name.as_bytes());
        hasher.update(&bytes);
        let shown = format!("{DIR}/{name}");
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s).to_string();
        if name.to_ascii_lowercase().ends_with(".xlsx") {
            read_xlsx(&bytes, &shown, &stem, cb, &mut out)?;
        } else {
            let text = crate::ingest::decode::decode(&bytes, &shown)?.text;
            read_sheet(&text, &shown, &stem, cb, &mut out)?;
        }
    }
    if !files.is_empty() {
        out.hash = hasher.finalize().to_hex().to_string();
    }
    Ok(out)
}

/// Reads a CSV coding sheet.
fn read_sheet(text: &str, shown: &str, stem: &str, cb: &Codebook, out: &mut Codings) -> Result<()> {
    let (header, rows) = crate::ingest::respondents::read_csv(text, shown)?;
    read_rows(&header, &rows, shown, stem, cb, out)
}

/// Reads the first sheet of an .xlsx coding sheet.
fn read_xlsx(
    bytes: &[u8],
    shown: &str,
    stem: &str,
    cb: &Codebook,
    out: &mut Codings,
) -> Result<()> {
    let mut rows = crate::render::xlsx::read(bytes, shown)?.into_iter();
    let header: Vec<String> = rows
        .next()
        .unwrap_or_default()
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let rows: Vec<(usize, Vec<String>)> = rows.enumerate().map(|(i, r)| (i + 2, r)).collect();
    read_rows(&header, &rows, shown, stem, cb, out)
}

/// Reads a sheet's rows (with their line or row numbers) under its header.
fn read_rows(
    header: &[String],
    rows: &[(usize, Vec<String>)],
    shown: &str,
    stem: &str,
    cb: &Codebook,
    out: &mut Codings,
) -> Result<()> {
    let col = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let excerpt_col = col("excerpt").or_else(|| col("id")).ok_or_else(|| {
        Error::at(Location::line(shown, 1), "a coding sheet needs an `excerpt` (or `id`) column")
            .with_hint("write a wide sheet with `thematic sheet --coder NAME`, or a long one with columns `excerpt,code[,note]`")
    })?;
    let coder_col = col("coder");
    let hash_col = col("hash");
    let long = col("code");
    // Wide sheets: every other column must be a code.
    let mut code_cols: Vec<(usize, usize)> = Vec::new();
    if long.is_none() {
        for (i, h) in header.iter().enumerate() {
            if WIDE_INFO.iter().any(|w| w.eq_ignore_ascii_case(h)) {
                continue;
            }
            let named = cb
                .resolve_former(h)
                .map_err(|e| at_cell(e, Location::at(shown, 1, i + 1)))?
                .ok_or_else(|| {
                    let hint = match cb.unknown(h) {
                        Error::Input { hint: Some(h), .. } => h,
                        _ => String::new(),
                    };
                    Error::at(
                        Location::at(shown, 1, i + 1),
                        format!("column `{h}` is not a code of the codebook"),
                    )
                    .with_hint(format!(
                        "{hint} (code columns are code paths, e.g. `theme/code`)"
                    ))
                })?;
            let node = named.node();
            if let Named::Formerly(n) = named {
                out.notes.push(format!(
                    "{shown}: column `{h}` is now `{}` (formerly)",
                    cb.nodes[n].path
                ));
            }
            if cb.nodes[node].depth == 0 {
                return Err(Error::at(
                    Location::at(shown, 1, i + 1),
                    format!("column `{h}` is a theme; code excerpts at its codes"),
                )
                .with_hint("use the codes' paths as columns"));
            }
            code_cols.push((i, node));
        }
    }
    let mut mentioned: BTreeSet<(String, String)> = BTreeSet::new();
    // Earlier code names already noted for this sheet.
    let mut noted: BTreeSet<String> = BTreeSet::new();
    for (row, rec) in rows {
        let row = *row;
        let get = |i: usize| rec.get(i).map(String::as_str);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let excerpt = get(excerpt_col).unwrap_or("").trim().to_string();
        if excerpt.is_empty() {
            return Err(Error::at(
                Location::at(shown, row, excerpt_col + 1),
                "row has no excerpt id",
            )
            .with_hint(
                "fill in the excerpt id (as `thematic sheet` writes it) or delete the row",
            ));
        }
        let coder = coder_col
            .and_then(get)
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .unwrap_or(stem)
            .to_string();
        let hash = hash_col
            .and_then(get)
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_string);
        match long {
            Some(code_col) => {
                let code_name = get(code_col).unwrap_or("").trim();
                if code_name.is_empty() {
                    return Err(Error::at(
                        Location::at(shown, row, code_col + 1),
                        "row has no code",
                    )
                    .with_hint("fill in a code path or delete the row"));
                }
                let named = cb
                    .resolve_former(code_name)
                    .map_err(|e| at_cell(e, Location::at(shown, row, code_col + 1)))?
                    .ok_or_else(|| {
                        let hint = match cb.unknown(code_name) {
                            Error::Input { hint: Some(h), .. } => h,
                            _ => String::new(),
                        };
                        Error::at(
                            Location::at(shown, row, code_col + 1),
                            format!("unknown code `{code_name}`"),
                        )
                        .with_hint(hint)
                    })?;
                let code = named.node();
                if let Named::Formerly(n) = named {
                    if noted.insert(code_name.to_string()) {
                        out.notes.push(format!(
                            "{shown}: code `{code_name}` is now `{}` (formerly)",
                            cb.nodes[n].path
                        ));
                    }
                }
                mentioned.insert((coder.clone(), excerpt.clone()));
                out.codings.push(Coding {
                    coder,
                    excerpt,
                    code,
                    hash,
                    sheet: shown.to_string(),
                    row,
                });
            }
            None => {
                for &(c, node) in &code_cols {
                    if !get(c).unwrap_or("").trim().is_empty() {
                        out.codings.push(Coding {
                            coder: coder.clone(),
                            excerpt: excerpt.clone(),
                            code: node,
                            hash: hash.clone(),
                            sheet: shown.to_string(),
                            row,
                        });
                    }
                }
                out.covers.push(Cover::Excerpt {
                    coder,
                    excerpt,
                    hash,
                    sheet: shown.to_string(),
                    row,
                });
            }
        }
    }
    for (coder, excerpt) in mentioned {
        out.covers.push(Cover::Transcript {
            coder,
            path: excerpt,
        });
    }
    Ok(())
}

/// A codebook error about a sheet's name for a code, placed at its cell.
fn at_cell(e: Error, at: Location) -> Error {
    match e {
        Error::Input { message, hint, .. } => {
            let e = Error::at(at, message);
            match hint {
                Some(h) => e.with_hint(h),
                None => e,
            }
        }
        other => other,
    }
}

/// An excerpt as the resolver sees it.
#[derive(Debug, Clone)]
pub struct Target {
    /// Excerpt id.
    pub id: String,
    /// Its transcript.
    pub path: String,
    /// Its text hash.
    pub hash: String,
}

/// Codings placed on excerpts.
#[derive(Debug, Clone, Default)]
pub struct Placed {
    /// excerpt id → (coder → codes).
    pub codes: HashMap<String, BTreeMap<String, BTreeSet<usize>>>,
    /// excerpt id → coders who covered it.
    pub covered: HashMap<String, BTreeSet<String>>,
    /// Coder names, sorted: their index is the coder's dense id.
    pub coders: Vec<String>,
    /// Codes each coder applied directly (node indexes).
    pub used: BTreeMap<String, BTreeSet<usize>>,
    /// Reports of re-anchored codings and warnings for those not placed.
    pub warnings: Vec<String>,
}

/// Places codings on the current excerpts (corpus order).
pub fn place(c: &Codings, excerpts: &[Target]) -> Result<Placed> {
    let by_id: HashMap<&str, &Target> = excerpts.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut by_hash: HashMap<&str, Vec<&Target>> = HashMap::new();
    for t in excerpts {
        by_hash.entry(t.hash.as_str()).or_default().push(t);
    }
    let mut paths: BTreeSet<&str> = excerpts.iter().map(|t| t.path.as_str()).collect();
    paths.insert("");
    let path_of = |id: &str| -> Option<String> {
        let mut end = id.len();
        while let Some(i) = id[..end].rfind(':') {
            if paths.contains(&id[..i]) {
                return Some(id[..i].to_string());
            }
            end = i;
        }
        None
    };
    let mut placed = Placed::default();
    let mut moved: BTreeSet<(String, usize)> = BTreeSet::new();
    // Resolves a sheet row's excerpt; Ok(None) means "cannot be placed" (warned).
    let mut anchor = |excerpt: &str,
                      hash: &Option<String>,
                      sheet: &str,
                      row: usize,
                      placed: &mut Placed|
     -> Result<Option<String>> {
        if let Some(t) = by_id.get(excerpt) {
            if hash.as_ref().is_none_or(|h| *h == t.hash) {
                return Ok(Some(t.id.clone()));
            }
        }
        let Some(path) = path_of(excerpt) else {
            return Err(Error::at(Location::line(sheet, row), format!("unknown excerpt id `{excerpt}`"))
                .with_hint("ids are `path:line` as `thematic sheet` writes them; check the transcript is in the study"));
        };
        if let Some(h) = hash {
            if let Some(cands) = by_hash.get(h.as_str()) {
                let best = cands
                    .iter()
                    .find(|t| t.path == path)
                    .or_else(|| cands.first());
                if let Some(t) = best {
                    if moved.insert((sheet.to_string(), row)) {
                        placed.warnings.push(format!("{sheet}:{row}: excerpt `{excerpt}` moved to `{}` (re-anchored by its text)", t.id));
                    }
                    return Ok(Some(t.id.clone()));
                }
            }
        }
        if moved.insert((sheet.to_string(), row)) {
            placed.warnings.push(format!(
                "{sheet}:{row}: coding for `{excerpt}` cannot be placed: {} changed and no excerpt has that text; re-code it",
                path
            ));
        }
        Ok(None)
    };
    for cov in &c.covers {
        if let Cover::Excerpt {
            coder,
            excerpt,
            hash,
            sheet,
            row,
        } = cov
        {
            if let Some(id) = anchor(excerpt, hash, sheet, *row, &mut placed)? {
                placed.covered.entry(id).or_default().insert(coder.clone());
            }
        }
    }
    let mut transcripts: Vec<(String, String)> = Vec::new();
    for coding in &c.codings {
        let Some(id) = anchor(
            &coding.excerpt,
            &coding.hash,
            &coding.sheet,
            coding.row,
            &mut placed,
        )?
        else {
            continue;
        };
        if let Some(p) = path_of(&id) {
            transcripts.push((coding.coder.clone(), p));
        }
        placed
            .codes
            .entry(id)
            .or_default()
            .entry(coding.coder.clone())
            .or_default()
            .insert(coding.code);
        placed
            .used
            .entry(coding.coder.clone())
            .or_default()
            .insert(coding.code);
    }
    for cov in &c.covers {
        if let Cover::Transcript {
            coder,
            path: excerpt,
        } = cov
        {
            if let Some(p) = path_of(excerpt) {
                transcripts.push((coder.clone(), p));
            }
        }
    }
    transcripts.sort();
    transcripts.dedup();
    let mut by_path: HashMap<&str, Vec<&Target>> = HashMap::new();
    for t in excerpts {
        by_path.entry(t.path.as_str()).or_default().push(t);
    }
    for (coder, path) in transcripts {
        for t in by_path.get(path.as_str()).into_iter().flatten() {
            placed
                .covered
                .entry(t.id.clone())
                .or_default()
                .insert(coder.clone());
        }
    }
    let mut coders: BTreeSet<String> = c.codings.iter().map(|k| k.coder.clone()).collect();
    for cov in &c.covers {
        match cov {
            Cover::Excerpt { coder, .. } | Cover::Transcript { coder, .. } => {
                coders.insert(coder.clone());
            }
        }
    }
    placed.coders = coders.into_iter().collect();
    Ok(placed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cb() -> Codebook {
        Codebook::parse(
            "themes:\n  - id: t\n    codes:\n      - id: a\n      - id: b\n",
            "cb.yaml",
            String::new(),
        )
        .unwrap()
    }

    #[test]
    fn wide_and_long_sheets() {
        let mut out = Codings::default();
        read_sheet(
            "id,respondent,text,hash,t/a,t/b\nx.txt:1,R1,hi,h1,x,\nx.txt:3,R1,yo,h2,,1\n",
            "codings/ana.csv",
            "ana",
            &cb(),
            &mut out,
        )
        .unwrap();
        read_sheet(
            "excerpt,code,note\nx.txt:1,b,why\n",
            "codings/ben.csv",
            "ben",
            &cb(),
            &mut out,
        )
        .unwrap();
        let got: Vec<(&str, &str, usize)> = out
            .codings
            .iter()
            .map(|c| (c.coder.as_str(), c.excerpt.as_str(), c.code))
            .collect();
        assert_eq!(
            got,
            [
                ("ana", "x.txt:1", 1),
                ("ana", "x.txt:3", 2),
                ("ben", "x.txt:1", 2)
            ]
        );
        let targets = vec![
            Target {
                id: "x.txt:1".into(),
                path: "x.txt".into(),
                hash: "h1".into(),
            },
            Target {
                id: "x.txt:3".into(),
                path: "x.txt".into(),
                hash: "h2".into(),
            },
            Target {
                id: "y.txt:1".into(),
                path: "y.txt".into(),
                hash: "h3".into(),
            },
        ];
        let p = place(&out, &targets).unwrap();
        assert_eq!(p.coders, ["ana", "ben"]);
        assert_eq!(
            p.covered["x.txt:3"].iter().collect::<Vec<_>>(),
            ["ana", "ben"]
        );
        assert!(!p.covered.contains_key("y.txt:1"));
    }

    #[test]
    fn unknown_codes_and_columns_name_the_place() {
        let mut out = Codings::default();
        let e = read_sheet(
            "excerpt,code\nx.txt:1,zz\n",
            "codings/a.csv",
            "a",
            &cb(),
            &mut out,
        )
        .unwrap_err();
        assert!(
            e.report().contains("codings/a.csv:2:2") && e.report().contains("unknown code `zz`"),
            "{}",
            e.report()
        );
        let e = read_sheet(
            "id,t/a,t/c\nx.txt:1,x,\n",
            "codings/a.csv",
            "a",
            &cb(),
            &mut out,
        )
        .unwrap_err();
        assert!(e.report().contains("codings/a.csv:1:3"), "{}", e.report());
    }

    #[test]
    fn moved_excerpts_are_reanchored_by_hash() {
        let mut out = Codings::default();
        read_sheet(
            "id,hash,t/a\nx.txt:1,h1,x\nx.txt:9,h9,x\n",
            "codings/ana.csv",
            "ana",
            &cb(),
            &mut out,
        )
        .unwrap();
        let targets = vec![Target {
            id: "x.txt:2".into(),
            path: "x.txt".into(),
            hash: "h1".into(),
        }];
        let p = place(&out, &targets).unwrap();
        assert!(p.codes.contains_key("x.txt:2"));
        assert!(
            p.warnings[0].contains("moved to `x.txt:2`"),
            "{:?}",
            p.warnings
        );
        assert!(
            p.warnings[1].contains("codings/ana.csv:3")
                && p.warnings[1].contains("cannot be placed"),
            "{:?}",
            p.warnings
        );
        let mut bad = Codings::default();
        read_sheet(
            "id,t/a\nnope.txt:1,x\n",
            "codings/ana.csv",
            "ana",
            &cb(),
            &mut bad,
        )
        .unwrap();
        assert!(place(&bad, &targets)
            .unwrap_err()
            .report()
            .contains("unknown excerpt id `nope.txt:1`"));
    }
}
