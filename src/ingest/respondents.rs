//! `respondents.csv`: one row per respondent, the first column its id, the
//! others attributes; merged with transcripts' front matter, where a
//! conflicting value is an error naming both places.

use std::collections::BTreeMap;

use crate::error::{Error, Location, Result};
use crate::model::{Attributes, TranscriptInfo};

/// The respondents table: id → (attributes, 1-based line).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RespondentTable {
    /// Rows by respondent id.
    pub rows: BTreeMap<String, (Attributes, usize)>,
    /// The file as shown in messages.
    pub shown: String,
    /// The `language` column: each respondent's search language, where given.
    pub languages: BTreeMap<String, crate::study::Language>,
    /// Respondents marked in the `withdrawn` column, with their line: they
    /// withdrew consent. The column is not an attribute.
    pub withdrawn: BTreeMap<String, usize>,
}

/// The column of respondents.csv that marks withdrawn consent.
pub const WITHDRAWN: &str = "withdrawn";

/// Whether a `withdrawn` cell says yes (`yes`, `y`, `true`, `1`, `x`, `sí`,
/// `si`, `withdrawn`), no (blank, `no`, `n`, `false`, `0`), or neither
/// (`None`: an error, since guessing could publish a withdrawn
/// respondent's words).
pub fn withdrawn_value(cell: &str) -> Option<bool> {
    match cell.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "x" | "sí" | "si" | "withdrawn" => Some(true),
        "" | "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// Guesses the delimiter from the header line: `,`, `;` or tab.
pub fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

/// A CSV table: the trimmed header, and each record with the file line
/// where it starts. The delimiter is sniffed; every row must be as long as
/// the header.
pub type CsvTable = (Vec<String>, Vec<(usize, Vec<String>)>);

/// Reads CSV text (`,` `;` or tab) into a [`CsvTable`]. A quote that is
/// not closed is an error (see [`super::quotes`]), not a field that runs on.
pub fn read_csv(text: &str, shown: &str) -> Result<CsvTable> {
    let delimiter = sniff_delimiter(text);
    super::quotes::check(text, delimiter, shown)?;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| csv_error(shown, &e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(shown, &e))?;
        rows.push((
            rec.position().map_or(0, |p| p.line() as usize),
            rec.iter().map(str::to_string).collect(),
        ));
    }
    Ok((header, rows))
}

/// Parses `respondents.csv` text. Empty cells are attributes not given.
pub fn parse(text: &str, shown: &str) -> Result<RespondentTable> {
    let (headers, records) = read_csv(text, shown)?;
    if headers.is_empty() || headers[0].is_empty() {
        return Err(Error::at(
            Location::line(shown, 1),
            "the first row must be a header whose first column is the respondent id",
        )
        .with_hint("e.g. `respondent,role,region`"));
    }
    for (i, h) in headers.iter().enumerate().skip(1) {
        if h.is_empty() {
            return Err(Error::at(
                Location::at(shown, 1, i + 1),
                format!("column {} has no name", i + 1),
            )
            .with_hint("give every column a header"));
        }
        if let Some(e) = reserved_error(h, Location::at(shown, 1, i + 1)) {
            return Err(e);
        }
    }
    if let Some(e) = duplicate_header(&headers, shown) {
        return Err(e);
    }
    let mut table = RespondentTable {
        rows: BTreeMap::new(),
        shown: shown.to_string(),
        languages: BTreeMap::new(),
        withdrawn: BTreeMap::new(),
    };
    let language_col = headers
        .iter()
        .position(|h| h == super::language::COLUMN)
        .filter(|&i| i > 0);
    let mut bad_languages = Vec::new();
    for (line, rec) in records {
        let id = rec.first().map_or("", |s| s.trim()).to_string();
        if id.is_empty() {
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            return Err(Error::at(
                Location::line(shown, line),
                "row has no respondent id in the first column",
            )
            .with_hint("fill in the id or delete the row"));
        }
        let mut attrs = Attributes::new();
        for (col, (h, v)) in headers.iter().zip(rec.iter()).enumerate().skip(1) {
            if h.eq_ignore_ascii_case(WITHDRAWN) {
                match withdrawn_value(v) {
                    Some(true) => {
                        table.withdrawn.insert(id.clone(), line);
                    }
                    Some(false) => {}
                    None => {
                        return Err(Error::at(
                            Location::at(shown, line, col + 1),
                            format!("`{}` is not a yes or no in the `{h}` column", v.trim()),
                        )
                        .with_hint(
                            "write yes (or y, true, 1, x, sí) when the respondent withdrew consent, and leave it blank (or no, false, 0) otherwise",
                        ));
                    }
                }
                continue;
            }
            let v = v.trim();
            if !v.is_empty() {
                attrs.insert(h.clone(), v.to_string());
            }
        }
        if let Some((_, first)) = table.rows.get(&id) {
            return Err(Error::at(
                Location::line(shown, line),
                format!("respondent `{id}` has a second row (first at line {first})"),
            )
            .with_hint("keep one row per respondent"));
        }
        if let Some(col) = language_col {
            let v = rec.get(col).map_or("", |v| v.trim());
            if !v.is_empty() {
                match crate::study::Language::parse(v) {
                    Ok(lang) => {
                        table.languages.insert(id.clone(), lang);
                    }
                    Err(why) => bad_languages.push(
                        Error::at(Location::at(shown, line, col + 1), why).with_hint(format!(
                            "the `language` column takes one of: {} (or an empty cell for the study's language)",
                            crate::study::Language::names()
                        )),
                    ),
                }
            }
        }
        table.rows.insert(id, (attrs, line));
    }
    // Every unknown language of the column at once, as a codebook's
    // problems are.
    if !bad_languages.is_empty() {
        return Err(Error::several(bad_languages, shown));
    }
    Ok(table)
}

/// Names an attribute may not have: the fields of quote and search output
/// (CSV columns, JSON keys), where an attribute of that name would stand
/// beside, or take the place of, the real one (`respondent` would also
/// shadow the id in `--where` and `--by`).
pub const RESERVED: &[&str] = &[
    "respondent",
    "path",
    "line",
    "id",
    "codes",
    "text",
    "question",
    "attributes",
    "score",
];

/// The error for an attribute with a [`RESERVED`] name, if `name` is one.
pub fn reserved_error(name: &str, at: Location) -> Option<Error> {
    RESERVED.contains(&name).then(|| {
        let file = at.path.clone();
        Error::at(
            at,
            format!("`{name}` cannot be an attribute name in {file}: thematic's output uses it"),
        )
        .with_hint(format!(
            "rename the attribute (e.g. `{name}_2` or something more telling); reserved names: {}",
            RESERVED.join(", ")
        ))
    })
}

/// The error for the first header that comes twice (in one pass, so a
/// table of many columns costs no more than reading it).
pub fn duplicate_header(headers: &[String], shown: &str) -> Option<Error> {
    let mut seen: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        if let Some(first) = seen.insert(h.as_str(), i) {
            return Some(
                Error::at(
                    Location::at(shown, 1, i + 1),
                    format!(
                        "column `{h}` appears twice in {shown} (columns {} and {})",
                        first + 1,
                        i + 1
                    ),
                )
                .with_hint("rename one of them, so that each column is read for what it is"),
            );
        }
    }
    None
}

/// Warnings for `speakers:` entries whose respondent id is not in the
/// respondents table (when the table has rows): such respondents would get
/// no attributes and land in `(missing)` columns.
/// `settings` is thematic.yaml's text, where caption files' entries are.
pub fn speaker_warnings(
    infos: &[&TranscriptInfo],
    table: &RespondentTable,
    settings: &str,
) -> Vec<String> {
    if table.rows.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for info in infos {
        for s in &info.speakers {
            if table.rows.contains_key(&s.respondent) {
                continue;
            }
            let hint =
                match crate::error::closest(&s.respondent, table.rows.keys().map(String::as_str)) {
                    Some(c) => format!("; did you mean `{c}`?"),
                    None => format!("; add a row for it to {}", table.shown),
                };
            // Line 0: a caption file's entry, in thematic.yaml.
            out.push(if s.line == 0 {
                format!(
                    "{}: `speakers:` maps `{}` of {} to respondent `{}`, which is not in {}{hint}",
                    crate::study::settings_place(settings, "speakers", Some(&info.path)),
                    s.label,
                    info.path,
                    s.respondent,
                    table.shown
                )
            } else {
                format!(
                    "{}:{}: `speakers:` maps `{}` to respondent `{}`, which is not in {}{hint}",
                    info.path, s.line, s.label, s.respondent, table.shown
                )
            });
        }
    }
    out
}

/// Whether two ids are one id written two ways: the same letters and
/// numbers, ignoring case, separators and leading zeros (`R2`, `r02`,
/// `R-02` and `R02`).
pub fn same_id(a: &str, b: &str) -> bool {
    id_key(a) == id_key(b)
}

/// What [`same_id`] compares: an id's letters (lowercased) and numbers
/// (without leading zeros), so that ids can be grouped by it.
pub fn id_key(s: &str) -> String {
    fn flush(digits: &mut String, out: &mut String) {
        if !digits.is_empty() {
            let trimmed = digits.trim_start_matches('0');
            out.push_str(if trimmed.is_empty() { "0" } else { trimmed });
            out.push('#');
            digits.clear();
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut digits = String::new();
    // As a reader sees it: fullwidth `Ｒ０１` is `R01`, an invisible
    // character inside is nothing.
    for c in crate::text::visible(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
    {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        flush(&mut digits, &mut out);
        out.extend(c.to_lowercase());
    }
    flush(&mut digits, &mut out);
    out
}

/// Respondent ids grouped by [`id_key`], so that an id written another
/// way (`R3`, `r03` for `R03`) is found without comparing it with every
/// respondent.
pub struct SameIds<'a> {
    by_key: std::collections::HashMap<String, Vec<&'a str>>,
}

impl<'a> SameIds<'a> {
    /// Groups `ids` (each group in the order given).
    pub fn new(ids: impl IntoIterator<Item = &'a str>) -> SameIds<'a> {
        let mut by_key: std::collections::HashMap<String, Vec<&'a str>> = Default::default();
        for r in ids {
            by_key.entry(id_key(r)).or_default().push(r);
        }
        SameIds { by_key }
    }

    /// The ids that are `id` written another way (or `id` itself).
    pub fn of(&self, id: &str) -> &[&'a str] {
        self.by_key.get(&id_key(id)).map_or(&[], Vec::as_slice)
    }

    /// The first of [`SameIds::of`] who has not withdrawn: whose words a
    /// withdrawal written as `id` would leave in every output.
    pub fn meant(
        &self,
        id: &str,
        withdrawn: &std::collections::BTreeSet<String>,
    ) -> Option<&'a str> {
        self.of(id)
            .iter()
            .copied()
            .find(|r| !withdrawn.contains(*r))
    }
}

/// What the warning about a withdrawn row in no transcript says after the
/// id: such a warning is told by every command that reads the index.
pub const MARKED_WITHDRAWN: &str = ", marked withdrawn,";

/// The rows of `table` whose id is in no transcript (`in_transcripts`):
/// a warning each, with the closest id that is (so that a typo does not
/// leave a respondent without attributes, or a withdrawal unapplied).
/// A row that marks withdrawal under another way of writing the id of a
/// respondent who has not withdrawn (`R2` for `R02`, see [`same_id`]) is an
/// error instead: that respondent's words would be published.
/// `withdrawn` is every respondent withdrawn by any means.
pub fn unmatched_rows(
    table: &RespondentTable,
    in_transcripts: &std::collections::BTreeSet<&str>,
    same: &SameIds<'_>,
    withdrawn: &std::collections::BTreeSet<String>,
) -> Result<Vec<String>> {
    let mut rows: Vec<(usize, &str)> = table
        .rows
        .iter()
        .filter(|(id, _)| !in_transcripts.contains(id.as_str()))
        .map(|(id, (_, line))| (*line, id.as_str()))
        .collect();
    rows.sort_unstable();
    // Past this many rows in no transcript (another id scheme altogether)
    // the closest id is not looked for: it is a search of every
    // respondent for every row.
    const CLOSEST_ROWS: usize = 200;
    let look_for_closest = rows.len() <= CLOSEST_ROWS;
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for (line, id) in rows {
        let meant = table
            .withdrawn
            .contains_key(id)
            .then(|| same.meant(id, withdrawn))
            .flatten();
        if let Some(meant) = meant {
            errors.push(
                Error::at(
                    Location::line(&table.shown, line),
                    format!(
                        "respondent `{id}` withdraws consent here but is in no transcript, while `{meant}` is: `{meant}`'s words would stay in every output"
                    ),
                )
                .with_hint(format!(
                    "write the id as the transcripts have it (`{meant}`){}, or mark `{meant}` in thematic.yaml (`withdrawn: [{meant}]`)",
                    crate::text::looks_alike(id, meant).unwrap_or("")
                )),
            );
            continue;
        }
        let same = same.of(id).first().copied();
        let closest = || {
            look_for_closest
                .then(|| crate::error::closest(id, in_transcripts.iter().copied()))
                .flatten()
        };
        let hint = match same.or_else(closest) {
            Some(c) => format!(
                "; did you mean `{c}`?{}",
                crate::text::looks_alike(id, c).unwrap_or("")
            ),
            None => String::new(),
        };
        let marked = if table.withdrawn.contains_key(id) {
            MARKED_WITHDRAWN
        } else {
            ""
        };
        warnings.push(format!(
            "{}:{line}: respondent `{id}`{marked} is in no transcript{hint}",
            table.shown
        ));
    }
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(Error::several(errors, &table.shown))
    }
}

/// A CSV reading error at its line, with what to do.
pub fn csv_error(shown: &str, e: &csv::Error) -> Error {
    let loc = match e.position() {
        Some(p) => Location::line(shown, p.line() as usize),
        None => Location::file(shown),
    };
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("this row has {len} fields but the header has {expected_len}")
        }
        _ => format!("not a readable CSV file: {e}"),
    };
    Error::at(loc, msg).with_hint("fix the row so every row has as many fields as the header")
}

/// Every respondent's attributes: front matter of the file that names the
/// respondent, merged with the table. Conflicts are errors naming both places.
pub fn merge(
    infos: &[&TranscriptInfo],
    table: &RespondentTable,
) -> Result<BTreeMap<String, Attributes>> {
    let mut out: BTreeMap<String, Attributes> = BTreeMap::new();
    let mut origin: BTreeMap<(String, String), String> = BTreeMap::new();
    for info in infos {
        for a in &info.attributes {
            let attrs = out.entry(a.respondent.clone()).or_default();
            let here = format!("{}:{}", info.path, a.line);
            match attrs.get(&a.key) {
                Some(prev) if *prev != a.value => {
                    let there = origin
                        .get(&(a.respondent.clone(), a.key.clone()))
                        .cloned()
                        .unwrap_or_default();
                    return Err(Error::at(
                        Location::line(info.path.clone(), a.line),
                        format!(
                            "respondent `{}` has `{}: {}` here but `{}: {prev}` at {there}",
                            a.respondent, a.key, a.value, a.key
                        ),
                    )
                    .with_hint("make the two agree (or keep the attribute in one place)"));
                }
                Some(_) => {}
                None => {
                    attrs.insert(a.key.clone(), a.value.clone());
                    origin.insert((a.respondent.clone(), a.key.clone()), here);
                }
            }
        }
        for r in &info.respondents {
            out.entry(r.clone()).or_default();
        }
    }
    for (id, (row, line)) in &table.rows {
        let attrs = out.entry(id.clone()).or_default();
        for (k, v) in row {
            match attrs.get(k) {
                Some(prev) if prev != v => {
                    let there = origin
                        .get(&(id.clone(), k.clone()))
                        .cloned()
                        .unwrap_or_default();
                    return Err(Error::at(
                        Location::line(table.shown.clone(), *line),
                        format!("respondent `{id}` has `{k}` = `{v}` here but `{k}: {prev}` in the front matter at {there}"),
                    )
                    .with_hint("make the two agree, or keep the attribute in one place"));
                }
                Some(_) => {}
                None => {
                    attrs.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_semicolons_and_skips_empty_cells() {
        let t = parse(
            "id;role;region\nR01;survivor;Cusco\nR02;family;\n",
            "respondents.csv",
        )
        .unwrap();
        assert_eq!(t.rows["R01"].0["region"], "Cusco");
        assert!(!t.rows["R02"].0.contains_key("region"));
        assert_eq!(t.rows["R02"].1, 3);
    }

    #[test]
    fn the_language_column_gives_languages_and_stays_an_attribute() {
        use crate::study::Language;
        let t = parse(
            "id,language,role\nR01,Spanish,survivor\nR02,,family\nR03,english,provider\n",
            "respondents.csv",
        )
        .unwrap();
        assert_eq!(
            t.languages.into_iter().collect::<Vec<_>>(),
            [
                ("R01".to_string(), Language::Spanish),
                ("R03".to_string(), Language::English)
            ]
        );
        assert_eq!(t.rows["R01"].0["language"], "Spanish");
        let e = parse(
            "id,role,language\nR01,a,spanish\nR02,b,espanol\n",
            "respondents.csv",
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.report().starts_with(
                "error: unknown language `espanol`: did you mean `spanish`?\n  --> respondents.csv:3:3\n"
            ),
            "{}",
            e.report()
        );
        // Every unknown value of the column at once.
        let e = parse(
            "id,language\nR01,castellano\nR02,spanish\nR03,quechua\n",
            "respondents.csv",
        )
        .unwrap_err();
        let report = e.report();
        assert!(
            report.starts_with("error: unknown language `castellano`: did you mean `spanish`?\n  --> respondents.csv:2:2\n"),
            "{report}"
        );
        assert!(
            report.contains("\n\nerror: unknown language `quechua`\n  --> respondents.csv:4:2\n"),
            "{report}"
        );
        assert!(
            report.ends_with(
                "\nerror: respondents.csv has 2 errors; fix them and run the command again"
            ),
            "{report}"
        );
    }

    #[test]
    fn ragged_rows_and_duplicates_are_errors() {
        let e = parse("id,role\nR01,a,b\n", "respondents.csv").unwrap_err();
        assert!(e.report().contains("respondents.csv:2"), "{}", e.report());
        let e = parse("id,role\nR01,a\nR01,b\n", "respondents.csv").unwrap_err();
        assert!(e.report().contains("respondents.csv:3"), "{}", e.report());
    }

    #[test]
    fn reserved_and_repeated_columns_are_errors() {
        let e = parse("id,respondent,role\nR01,Ana,survivor\n", "respondents.csv").unwrap_err();
        let r = e.report();
        assert_eq!(e.exit_code(), 2);
        assert!(
            r.starts_with("error: `respondent` cannot be an attribute name in respondents.csv")
                && r.contains("respondents.csv:1:2")
                && r.contains("rename"),
            "{r}"
        );
        for name in RESERVED.iter().filter(|n| **n != "respondent") {
            let text = format!("respondent,{name}\nR01,x\n");
            assert!(parse(&text, "respondents.csv").is_err(), "{name}");
        }
        // The id column may be called `respondent` or `id`.
        parse("respondent,role\nR01,survivor\n", "respondents.csv").unwrap();
        let e = parse("id,role,region,role\nR01,a,b,c\n", "respondents.csv").unwrap_err();
        assert!(
            e.report()
                .contains("column `role` appears twice in respondents.csv (columns 2 and 4)"),
            "{}",
            e.report()
        );
    }

    #[test]
    fn many_columns_take_linear_time() {
        let n = 100_000;
        let header: Vec<String> = (0..n).map(|i| format!("a{i}")).collect();
        let row: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        let text = format!("id,{}\nR01,{}\n", header.join(","), row.join(","));
        let started = std::time::Instant::now();
        let t = parse(&text, "respondents.csv").unwrap();
        assert_eq!(t.rows["R01"].0.len(), n);
        // Quadratic header checks took 13 s here; linear ones take well under 1 s
        // even in a debug build.
        assert!(
            started.elapsed().as_secs_f64() < 3.0,
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn ids_written_two_ways_are_the_same_id() {
        for (a, b) in [
            ("R2", "R02"),
            ("r02", "R02"),
            ("R-02", "R02"),
            ("e_1", "E001"),
        ] {
            assert!(same_id(a, b), "{a} {b}");
        }
        for (a, b) in [("R2", "R20"), ("R09", "R08"), ("R2", "S02"), ("R0", "R")] {
            assert!(!same_id(a, b), "{a} {b}");
        }
    }

    #[test]
    fn rows_in_no_transcript_are_warnings_and_a_misspelt_withdrawal_an_error() {
        let known: std::collections::BTreeSet<&str> = ["R01", "R02"].into();
        let t = parse(
            "id,withdrawn\nR01,\nR2,yes\nR09,\nZZZZZZ,yes\n",
            "respondents.csv",
        )
        .unwrap();
        let none = std::collections::BTreeSet::new();
        let same = SameIds::new(known.iter().copied());
        let e = unmatched_rows(&t, &known, &same, &none).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.report(),
            "error: respondent `R2` withdraws consent here but is in no transcript, while `R02` is: `R02`'s words would stay in every output\n  --> respondents.csv:3\n  = help: write the id as the transcripts have it (`R02`), or mark `R02` in thematic.yaml (`withdrawn: [R02]`)"
        );
        // Once R02 is withdrawn some other way, nothing is at stake.
        let withdrawn = ["R02".to_string()].into();
        assert_eq!(
            unmatched_rows(&t, &known, &same, &withdrawn).unwrap(),
            [
                "respondents.csv:3: respondent `R2`, marked withdrawn, is in no transcript; did you mean `R02`?",
                "respondents.csv:4: respondent `R09` is in no transcript; did you mean `R01`?",
                "respondents.csv:5: respondent `ZZZZZZ`, marked withdrawn, is in no transcript",
            ]
        );
        // A row without the mark is a warning, however it is written.
        let t = parse("id,role\nR01,a\nR2,b\n", "respondents.csv").unwrap();
        assert_eq!(
            unmatched_rows(&t, &known, &same, &none).unwrap(),
            ["respondents.csv:3: respondent `R2` is in no transcript; did you mean `R02`?"]
        );
    }

    #[test]
    fn conflict_names_both_places() {
        let info = TranscriptInfo {
            path: "transcripts/r01.txt".into(),
            respondent: "R01".into(),
            respondents: vec!["R01".into()],
            attributes: vec![crate::model::AttrValue {
                respondent: "R01".into(),
                key: "region".into(),
                value: "Lima".into(),
                line: 3,
            }],
            ..Default::default()
        };
        let t = parse("id,region\nR01,Cusco\n", "respondents.csv").unwrap();
        let e = merge(&[&info], &t).unwrap_err();
        let r = e.report();
        assert!(
            r.contains("respondents.csv:2") && r.contains("transcripts/r01.txt:3"),
            "{r}"
        );
        let t = parse("id,region,role\nR01,Lima,survivor\n", "respondents.csv").unwrap();
        let m = merge(&[&info], &t).unwrap();
        assert_eq!(m["R01"]["role"], "survivor");
    }
}
