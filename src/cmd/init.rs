//! `thematic init`: a new study folder with settings, a starter codebook and
//! an empty transcripts folder. Never overwrites an existing study.

use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::study::SETTINGS_FILE;

const BLANK: &str = include_str!("../../codebooks/framework-template.yaml");
const FAMILY: &str = include_str!("../../codebooks/family-reintegration.yaml");
const JUSTICE: &str = include_str!("../../codebooks/impunity-justice.yaml");

const SETTINGS: &str = "# thematic study settings; every key is optional (defaults shown).
transcripts: [transcripts]     # files, folders or globs, relative to this file
codebook: codebooks/main.yaml
respondents: respondents.csv   # first column is the respondent id
unit: paragraph                # paragraph | turn | sentence
interviewer: [Interviewer, I, Q, Moderator, Entrevistador, Entrevistadora, E, P]
language: english              # search stemming: english | spanish | … | none (see README: Languages)
pseudonyms: pseudonyms.yaml    # key file of real names → pseudonyms (gitignored, owner-only)
";

/// What `init` adds to `.gitignore` so that the pseudonym key file, which
/// holds the participants' real names, never reaches a repository.
const GITIGNORE_KEY: &str = "\
# The pseudonym key file holds participants' real names and places:
# keep it out of git (and readable by its owner only: chmod 600).
pseudonyms.yaml
";

/// Runs `thematic init`.
pub fn run(dir: Option<&Path>, codebook: &str) -> Result<()> {
    let root = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    if root.join(SETTINGS_FILE).exists() {
        return Err(Error::at(
            Location::file(root.join(SETTINGS_FILE).display().to_string()),
            "a study already exists here",
        )
        .with_hint("choose another folder; init never overwrites a study"));
    }
    let text = match codebook {
        "family" => FAMILY,
        "justice" => JUSTICE,
        _ => BLANK,
    };
    let write = |rel: &str, content: &str| -> Result<()> {
        let p = root.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        if p.exists() {
            return Ok(());
        }
        std::fs::write(&p, content).map_err(|e| Error::io(&p, e))
    };
    write("codebooks/main.yaml", text)?;
    write("transcripts/.gitkeep", "")?;
    write(".gitignore", ".thematic/\n")?;
    let ignore = root.join(".gitignore");
    let existing = std::fs::read_to_string(&ignore).map_err(|e| Error::io(&ignore, e))?;
    if !existing.lines().any(|l| l.trim() == "pseudonyms.yaml") {
        let sep = if existing.is_empty() || existing.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        std::fs::write(&ignore, format!("{existing}{sep}{GITIGNORE_KEY}"))
            .map_err(|e| Error::io(&ignore, e))?;
    }
    write(SETTINGS_FILE, SETTINGS)?;
    eprintln!(
        "created a study in {}: put transcripts in transcripts/, edit codebooks/main.yaml, then run `thematic code`",
        root.display()
    );
    Ok(())
}
