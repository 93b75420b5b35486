//! The tidy export: one row per excerpt with its address, respondent,
//! attributes, question and text, then one 0/1 column per theme and code
//! (a theme or parent code is 1 when any of its descendants is). Column
//! names are a contract: `id,path,line,respondent,<attributes…>,question,
//! text,<code paths…>`; a name that would appear twice is an error, never
//! a column silently shadowing another.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::error::{Error, Result};
use crate::render::Table;

/// One excerpt of the export.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TidyRow {
    /// `path:line`.
    pub id: String,
    /// Transcript path.
    pub path: String,
    /// Line of the excerpt's first text.
    pub line: u64,
    /// Respondent id.
    pub respondent: String,
    /// One value per [`Tidy::attributes`] (None where the respondent has none).
    pub attributes: Vec<Option<String>>,
    /// The interviewer's question before it.
    pub question: String,
    /// The text.
    pub text: String,
    /// One flag per [`Tidy::codes`].
    pub codes: Vec<bool>,
}

/// The whole export.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tidy {
    /// Attribute names, sorted.
    pub attributes: Vec<String>,
    /// Theme ids and code paths, in codebook order.
    pub codes: Vec<String>,
    /// Excerpts in corpus order.
    pub rows: Vec<TidyRow>,
}

const FIXED_BEFORE: [&str; 4] = ["id", "path", "line", "respondent"];
const FIXED_AFTER: [&str; 2] = ["question", "text"];

impl Tidy {
    /// The column names, or an error naming the first that comes twice.
    pub fn columns(&self) -> Result<Vec<String>> {
        let cols: Vec<String> = FIXED_BEFORE
            .iter()
            .map(|s| s.to_string())
            .chain(self.attributes.iter().cloned())
            .chain(FIXED_AFTER.iter().map(|s| s.to_string()))
            .chain(self.codes.iter().cloned())
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        for c in &cols {
            if !seen.insert(c.as_str()) {
                let what = if self.codes.contains(c) {
                    "a theme or code of the codebook"
                } else {
                    "a column of the export"
                };
                return Err(clash(c, what, None));
            }
        }
        Ok(cols)
    }
}

/// The error for attribute `name` named as `what` (a code, a column of
/// the export) is; `at` is where the attribute is given, when known.
pub fn clash(name: &str, what: &str, at: Option<crate::error::Location>) -> Error {
    let message = format!(
        "the attribute `{name}` has the same name as {what}: the export would have two `{name}` columns"
    );
    let (e, hint) = match at {
        Some(at) => (
            Error::at(at, message),
            format!("rename the attribute `{name}` there"),
        ),
        None => (
            Error::input(message),
            format!(
                "rename the attribute `{name}` in respondents.csv or the transcripts' front matter"
            ),
        ),
    };
    e.with_hint(hint)
}

impl Tidy {
    /// CSV with a header row: attributes empty where missing, codes 0/1.
    pub fn to_csv(&self) -> Result<String> {
        let mut t = Table::new(self.columns()?);
        for r in &self.rows {
            let mut row = vec![
                r.id.clone(),
                r.path.clone(),
                r.line.to_string(),
                r.respondent.clone(),
            ];
            row.extend(r.attributes.iter().map(|a| a.clone().unwrap_or_default()));
            row.extend([r.question.clone(), r.text.clone()]);
            row.extend(
                r.codes
                    .iter()
                    .map(|&c| if c { "1" } else { "0" }.to_string()),
            );
            t.rows.push(row);
        }
        t.to_csv()
    }

    /// A JSON array of flat objects with the CSV's keys in the CSV's order:
    /// `line` and codes as numbers, missing attributes as `null`.
    pub fn to_json(&self) -> Result<String> {
        let columns = self.columns()?;
        let records: Vec<Record<'_>> = self
            .rows
            .iter()
            .map(|row| Record {
                columns: &columns,
                row,
            })
            .collect();
        crate::render::json(&records)
    }

    /// The objects of [`Tidy::to_json`], one per line (newline-delimited
    /// JSON): what DuckDB's `read_json` or Spark read in parallel.
    pub fn to_ndjson(&self) -> Result<String> {
        let columns = self.columns()?;
        let mut out = String::new();
        for row in &self.rows {
            let record = Record {
                columns: &columns,
                row,
            };
            let line = serde_json::to_string(&record)
                .map_err(|e| crate::error::Error::failure(e.to_string()))?;
            out.push_str(&line);
            out.push('\n');
        }
        Ok(out)
    }
}

/// One excerpt as a JSON object, keys in column order.
struct Record<'a> {
    columns: &'a [String],
    row: &'a TidyRow,
}

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let r = self.row;
        let mut map = s.serialize_map(Some(self.columns.len()))?;
        let mut keys = self.columns.iter();
        let mut key = || keys.next().map(String::as_str).unwrap_or_default();
        map.serialize_entry(key(), &r.id)?;
        map.serialize_entry(key(), &r.path)?;
        map.serialize_entry(key(), &r.line)?;
        map.serialize_entry(key(), &r.respondent)?;
        for a in &r.attributes {
            map.serialize_entry(key(), a)?;
        }
        map.serialize_entry(key(), &r.question)?;
        map.serialize_entry(key(), &r.text)?;
        for &c in &r.codes {
            map.serialize_entry(key(), &u8::from(c))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tidy() -> Tidy {
        Tidy {
            attributes: vec!["region".into(), "role".into()],
            codes: vec!["family".into(), "family/money".into()],
            rows: vec![TidyRow {
                id: "t/r01.txt:3".into(),
                path: "t/r01.txt".into(),
                line: 3,
                respondent: "R01".into(),
                attributes: vec![Some("Cusco".into()), None],
                question: "¿Y su familia?".into(),
                text: "Mi mamá dijo \"ya basta\", pagamos la deuda.".into(),
                codes: vec![true, false],
            }],
        }
    }

    #[test]
    fn csv_and_json_share_columns() {
        let t = tidy();
        assert_eq!(
            t.to_csv().unwrap(),
            "id,path,line,respondent,region,role,question,text,family,family/money\n\
             t/r01.txt:3,t/r01.txt,3,R01,Cusco,,¿Y su familia?,\"Mi mamá dijo \"\"ya basta\"\", pagamos la deuda.\",1,0\n"
        );
        let json = t.to_json().unwrap();
        assert!(json.contains(r#""line": 3,"#), "{json}");
        assert!(json.contains(r#""role": null,"#), "{json}");
        let keys: Vec<&str> = json
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
            .collect();
        assert_eq!(keys, t.columns().unwrap());
    }

    #[test]
    fn a_name_twice_is_an_error() {
        let mut t = tidy();
        t.attributes.push("family".into());
        let e = t.to_csv().unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("`family`"), "{e}");
        let mut t = tidy();
        t.attributes.push("text".into());
        assert_eq!(t.to_json().unwrap_err().exit_code(), 2);
    }
}
