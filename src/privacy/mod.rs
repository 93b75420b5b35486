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
/// print (a key file others can read, an identifying column no respondent
/// has).
pub(crate) fn for_study(
    study: &crate::study::Study,
    attributes: &std::collections::BTreeMap<String, crate::model::Attributes>,
) -> crate::error::Result<(Pseudonyms, Vec<String>)> {
    let shown = &study.settings.pseudonyms;
    let (p, mut warnings) = Pseudonyms::load(&study.resolve(shown), shown)?;
    let columns = &study.settings.identifying;
    for c in columns {
        if !attributes.values().any(|a| a.contains_key(c)) {
            let names: std::collections::BTreeSet<&str> = attributes
                .values()
                .flat_map(|a| a.keys().map(String::as_str))
                .collect();
            warnings.push(format!(
                "thematic.yaml: `identifying:` names `{c}`, which no respondent has; {}",
                crate::error::suggest(c, names)
            ));
        }
    }
    let values = attributes.values().flat_map(|a| {
        columns
            .iter()
            .filter_map(move |c| a.get(c).map(|v| (c.as_str(), v.as_str())))
    });
    Ok((p.with_identifying(values), warnings))
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
