//! Protecting participants at the output: the pseudonym key file, applied
//! to every text that leaves the tool for people, and the leak gate that
//! refuses an output still holding a real name.
//!
//! The API other commands (`quote`, `search`, `matrix`, `export`, and a
//! report) build on:
//!
//! - [`Pseudonyms::load`] reads the study's key file (`pseudonyms:` in
//!   thematic.yaml, default `pseudonyms.yaml`; none is no replacement);
//! - [`Pseudonyms::apply`] replaces every `find` term of a text,
//!   [`Pseudonyms::apply_logged`] also says what it replaced;
//! - [`Pseudonyms::leaks`] lists the terms (and identifying values, see
//!   [`Pseudonyms::with_identifying`]) a text still holds, and [`Gate`]
//!   collects them over an output and refuses it.
//!
//! Nothing here reads the index or prints; commands do.

pub(crate) mod identifiers;
pub(crate) mod pseudonyms;

pub(crate) use pseudonyms::{Pseudonyms, Replaced};

/// The line said on stderr when an output shows the originals.
pub(crate) const IDENTIFIED_NOTE: &str =
    "--identified: this output shows real names and places; keep it within the team";

/// The study's pseudonyms for an output: the key file (`pseudonyms:` in
/// thematic.yaml) with the values of the respondents.csv columns declared
/// `identifying:` (from the index's merged attributes), and the warnings to
/// print (a key file others can read). An `identifying:` entry that names
/// no column is an error (see [`check_identifying`]).
pub(crate) fn for_study(
    study: &crate::study::Study,
    attributes: &crate::index::AttributeTable,
) -> crate::error::Result<(Pseudonyms, Vec<String>)> {
    let shown = &study.settings.pseudonyms;
    let (p, warnings) = Pseudonyms::load(&study.resolve(shown), shown)?;
    let columns = &study.settings.identifying;
    // Without `identifying:` columns the attributes are not looked at (nor
    // decoded from the index).
    if columns.is_empty() {
        return Ok((p, warnings));
    }
    check_identifying(study, attributes)?;
    let values = attributes.values().flat_map(|a| {
        columns
            .iter()
            .filter_map(move |c| a.get(c).map(|v| (c.as_str(), v.as_str())))
    });
    Ok((p.with_identifying(values), warnings))
}

/// Refuses an `identifying:` entry that names no column of respondents.csv
/// (nor an attribute any respondent has): a misspelt column would leave the
/// real one unprotected (exported, shown, unchecked by the gate), so it is
/// an error at its place in thematic.yaml with the closest column.
fn check_identifying(
    study: &crate::study::Study,
    attributes: &std::collections::BTreeMap<String, crate::model::Attributes>,
) -> crate::error::Result<()> {
    let columns = &study.settings.identifying;
    if columns.is_empty() {
        return Ok(());
    }
    let mut names: std::collections::BTreeSet<String> = attributes
        .values()
        .flat_map(|a| a.keys().cloned())
        .collect();
    let shown = &study.settings.respondents;
    if let Ok(bytes) = std::fs::read(study.resolve(shown)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok((header, _)) =
            crate::ingest::respondents::read_csv(text.trim_start_matches('\u{feff}'), shown)
        {
            names.extend(header.into_iter().skip(1));
        }
    }
    for c in columns {
        if names.contains(c) {
            continue;
        }
        let settings = std::fs::read_to_string(study.root.join(crate::study::SETTINGS_FILE))
            .unwrap_or_default();
        let (line, col) = entry_place(&settings, "identifying", c);
        let hint = match crate::error::closest(c, names.iter().map(String::as_str)) {
            Some(near) => format!("did you mean `{near}`? Write the column's name exactly as respondents.csv's header has it"),
            None if names.is_empty() => format!("{shown} has no attribute columns; add the column or remove the entry"),
            None => format!(
                "the columns are: {}",
                names.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
            ),
        };
        return Err(crate::error::Error::at(
            crate::error::Location::at(crate::study::SETTINGS_FILE, line, col),
            format!(
                "`identifying:` names `{c}`, which is not a column of {shown}: the column meant would not be protected"
            ),
        )
        .with_hint(hint));
    }
    Ok(())
}

/// The line and column of `entry` in the top-level list `key:` of a YAML
/// text (flow `[a, b]` or block `- a`); the key's own place when the
/// entry is not found, (1, 1) when neither is.
fn entry_place(text: &str, key: &str, entry: &str) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| {
        l.strip_prefix(key)
            .is_some_and(|r| r.trim_start().starts_with(':'))
    }) else {
        return (1, 1);
    };
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    for (i, l) in lines.iter().enumerate().skip(start) {
        if i > start && !l.starts_with([' ', '\t', '-']) && !l.trim().is_empty() {
            break;
        }
        let from = if i == start { key.len() } else { 0 };
        let mut at = from;
        while let Some(k) = l[at..].find(entry) {
            let b = at + k;
            let e = b + entry.len();
            let before = l[..b].chars().next_back().is_none_or(|c| !is_word(c));
            let after = l[e..].chars().next().is_none_or(|c| !is_word(c));
            if before && after {
                return (i + 1, l[..b].chars().count() + 1);
            }
            at = e;
        }
    }
    (start + 1, 1)
}

/// The leak gate: the terms a pseudonymised output (an export, a report)
/// would still hold, per excerpt. An output with any is refused (exit 1,
/// nothing written), naming the excerpt and the term, never the text
/// around it: [`Gate::check`] each excerpt's fields as written out, then
/// ask [`Gate::verdict`] before writing.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    leaks: Vec<(String, String)>,
}

impl Gate {
    /// Looks for key-file terms and identifying values in an excerpt's
    /// (or respondent's) `fields`, as written out.
    pub(crate) fn check<'a>(
        &mut self,
        p: &Pseudonyms,
        id: &str,
        fields: impl Iterator<Item = &'a String>,
    ) {
        for f in fields {
            for term in p.leaks(f) {
                let leak = (id.to_string(), term);
                if !self.leaks.contains(&leak) {
                    self.leaks.push(leak);
                }
            }
        }
    }

    /// Looks for key-file terms and identifying values in a whole output
    /// as written (a rendered report, an export's bytes), and adds those no
    /// earlier check found, under `whose`: a backstop for anything printed
    /// that no field-by-field check covered.
    pub(crate) fn check_rest(&mut self, p: &Pseudonyms, whose: &str, output: &str) {
        for term in p.leaks(output) {
            if !self.leaks.iter().any(|(_, t)| *t == term) {
                self.leaks.push((whose.to_string(), term));
            }
        }
    }

    /// An error listing every leak, or nothing.
    pub(crate) fn verdict(&self) -> crate::error::Result<()> {
        if self.leaks.is_empty() {
            return Ok(());
        }
        let lines: Vec<String> = self
            .leaks
            .iter()
            .map(|(id, term)| format!("  {id}: `{term}`"))
            .collect();
        Err(crate::error::Error::failure(format!(
            "the output would still identify participants ({} found; nothing written):\n{}",
            self.leaks.len(),
            lines.join("\n")
        ))
        .with_hint(
            "add these spellings to the pseudonym key file, or reword the replacement; `--identified` exports the originals for the team's own use",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::entry_place;

    #[test]
    fn entries_of_a_settings_list_are_placed() {
        let flow = "unit: turn\nidentifying: [real_name, phones]\n";
        assert_eq!(entry_place(flow, "identifying", "phones"), (2, 26));
        assert_eq!(entry_place(flow, "identifying", "phone"), (2, 1));
        let block = "identifying:\n  - real_name\n  - phones\nunit: turn\n";
        assert_eq!(entry_place(block, "identifying", "phones"), (3, 5));
        assert_eq!(entry_place("unit: turn\n", "identifying", "x"), (1, 1));
    }
}
