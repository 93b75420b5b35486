//! Open-ended survey answers in `.csv`: one respondent per row, an id
//! column, answer columns named in `thematic.yaml` (`csv: {id, answers}`),
//! and every other column an attribute. Each non-empty answer cell is one
//! excerpt (whatever the unit setting), its question the column header, its
//! id `path:row:column` (row: the file line where the record starts, header
//! on line 1; column: 1-based).

use crate::error::{Error, Location, Result};
use crate::ingest::respondents::{duplicate_header, read_csv, reserved_error};
use crate::model::{AttrValue, Excerpt, Transcript, TranscriptInfo};
use crate::study::CsvSettings;

/// Reads a survey CSV.
pub fn split(text: &str, rel: &str, settings: Option<&CsvSettings>) -> Result<Transcript> {
    let (headers, records) = read_csv(text, rel)?;
    let listed = headers
        .iter()
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let Some(cfg) = settings else {
        let example = format!(
            "csv:\n  id: {}\n  answers: [{}]",
            headers.first().map_or("id", String::as_str),
            headers
                .iter()
                .skip(1)
                .take(2)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Err(Error::at(Location::file(rel), format!("a .csv transcript needs survey settings; its columns are {listed}"))
            .with_hint(format!("add to thematic.yaml which column is the respondent id and which hold answers, e.g.\n{example}")));
    };
    // A repeated header would make one of the columns unreachable: an
    // answer column named twice would be read from the first only.
    if let Some(e) = duplicate_header(&headers, rel) {
        return Err(e);
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let id_col = col(&cfg.id).ok_or_else(|| {
        Error::at(
            Location::line(rel, 1),
            format!("no id column `{}`; the columns are {listed}", cfg.id),
        )
        .with_hint(
            "set `csv: {id: …}` in thematic.yaml to one of these columns; it applies to every \
             .csv transcript, so surveys with another id column go in a study of their own",
        )
    })?;
    let mut answer_cols = Vec::new();
    for a in &cfg.answers {
        answer_cols.push(col(a).ok_or_else(|| {
            Error::at(
                Location::line(rel, 1),
                format!("no answer column `{a}`; the columns are {listed}"),
            )
            .with_hint(
                "fix `csv: {answers: […]}` in thematic.yaml; it applies to every .csv \
                 transcript, so surveys with other answer columns go in a study of their own",
            )
        })?);
    }
    for (c, h) in headers.iter().enumerate() {
        if c != id_col && !answer_cols.contains(&c) {
            if let Some(e) = reserved_error(h, Location::at(rel, 1, c + 1)) {
                return Err(e);
            }
        }
    }
    let mut info = TranscriptInfo {
        path: rel.to_string(),
        respondent: String::new(),
        ..Default::default()
    };
    let mut excerpts = Vec::new();
    let mut seen: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (row, rec) in records {
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let id = rec.get(id_col).map_or("", |s| s.trim()).to_string();
        if id.is_empty() {
            return Err(Error::at(
                Location::at(rel, row, id_col + 1),
                format!("row has no respondent id in column `{}`", cfg.id),
            )
            .with_hint("fill in the id or delete the row"));
        }
        if id.contains(['\n', '\r']) {
            // A quoted id over two lines: most likely a closing quote
            // missing, and an id no output could name on one line.
            return Err(Error::at(
                Location::at(rel, row, id_col + 1),
                format!(
                    "the respondent id `{}` runs over several lines",
                    id.replace(['\n', '\r'], "⏎")
                ),
            )
            .with_hint("an id is one line: fix its quotes, or the line break in it"));
        }
        if let Some(first) = seen.insert(id.clone(), row) {
            return Err(Error::at(
                Location::line(rel, row),
                format!("respondent `{id}` has a second row (first at line {first})"),
            )
            .with_hint("keep one row per respondent"));
        }
        for (c, value) in rec.iter().enumerate() {
            let value = value.trim();
            if c == id_col || value.is_empty() {
                continue;
            }
            if answer_cols.contains(&c) {
                excerpts.push(Excerpt {
                    id: format!("{rel}:{row}:{}", c + 1),
                    path: rel.to_string(),
                    line: row,
                    pos: 0,
                    respondent: id.clone(),
                    speaker: String::new(),
                    question: headers[c].clone(),
                    text: value.split_whitespace().collect::<Vec<_>>().join(" "),
                    time: String::new(),
                });
            } else {
                info.attributes.push(AttrValue {
                    respondent: id.clone(),
                    key: headers[c].clone(),
                    value: value.to_string(),
                    line: row,
                });
            }
        }
    }
    let rows = seen.len();
    let mut transcript = super::plain::finish(rel, excerpts, rows, info);
    transcript.turns_by = seen.into_keys().map(|id| (id, 1)).collect();
    Ok(transcript)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> CsvSettings {
        CsvSettings {
            id: "id".into(),
            answers: vec!["q1".into(), "q2".into()],
        }
    }

    #[test]
    fn a_repeated_header_is_an_error_naming_both_columns() {
        let text = "id,q1,region,q1\nS01,Me buscó,Lima,No volví\n";
        let e = split(text, "t/survey.csv", Some(&cfg())).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.report()
                .contains("column `q1` appears twice in t/survey.csv (columns 2 and 4)")
                && e.report().contains("t/survey.csv:1:4"),
            "{}",
            e.report()
        );
        let e = split("id,q1,q2,text\nS01,a,b,c\n", "t/survey.csv", Some(&cfg())).unwrap_err();
        assert!(
            e.report().contains("`text` cannot be an attribute name"),
            "{}",
            e.report()
        );
    }

    #[test]
    fn an_id_over_two_lines_is_an_error_at_its_field() {
        let text = "id,q1,q2\n\"E01\nE02\",a,b\n";
        let e = split(text, "t/survey.csv", Some(&cfg())).unwrap_err();
        assert_eq!(
            e.report(),
            "error: the respondent id `E01⏎E02` runs over several lines\n  --> t/survey.csv:2:1\n  = help: an id is one line: fix its quotes, or the line break in it"
        );
    }

    #[test]
    fn answers_are_excerpts_and_other_columns_attributes() {
        let text = "id;region;q1;q2\nS01;Lima;\"Mi familia\nme buscó\";\nS02;Cusco;;No sé\n";
        let t = split(text, "t/survey.csv", Some(&cfg())).unwrap();
        let got: Vec<(&str, &str, &str, &str)> = t
            .excerpts
            .iter()
            .map(|e| {
                (
                    e.id.as_str(),
                    e.respondent.as_str(),
                    e.question.as_str(),
                    e.text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("t/survey.csv:2:3", "S01", "q1", "Mi familia me buscó"),
                ("t/survey.csv:4:4", "S02", "q2", "No sé")
            ]
        );
        assert_eq!(t.info.attributes.len(), 2);
        assert_eq!(t.info.respondents, ["S01", "S02"]);
    }

    #[test]
    fn missing_settings_list_the_columns() {
        let e = split("id,q1\nS1,x\n", "t/s.csv", None).unwrap_err();
        assert!(
            e.report().contains("`id`, `q1`") && e.report().contains("csv:"),
            "{}",
            e.report()
        );
        let e = split("id,q1,q2\nS1,x\n", "t/s.csv", Some(&cfg())).unwrap_err();
        assert!(
            e.report().contains("t/s.csv:2") && e.report().contains("2 fields"),
            "{}",
            e.report()
        );
        let e = split("ident,q1,q2\nS1,x,y\n", "t/s.csv", Some(&cfg())).unwrap_err();
        assert!(e.report().contains("no id column `id`"), "{}", e.report());
    }
}
