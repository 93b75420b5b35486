//! Reading transcripts: decode the bytes, pick the reader by extension, split
//! into excerpts; and reading `respondents.csv` and merging its attributes
//! with each transcript's front matter.

pub mod decode;
pub mod plain;
pub mod respondents;

use crate::error::{Error, Result};
use crate::model::Transcript;
use crate::study::TranscriptFile;

pub use plain::SplitOptions;

/// Reads, decodes and splits one transcript file.
pub fn read_transcript(
    file: &TranscriptFile,
    bytes: &[u8],
    opts: &SplitOptions,
) -> Result<Transcript> {
    let decoded = decode::decode(bytes, &file.rel)?;
    let ext = file
        .abs
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let mut t = match ext.as_str() {
        "txt" | "md" => plain::split(&decoded.text, &file.rel, opts)?,
        other => {
            return Err(Error::input(format!(
                "{}: .{other} transcripts are not read by this version",
                file.rel
            ))
            .with_hint("convert the file to .txt or .md"))
        }
    };
    t.info.encoding = decoded.encoding;
    if let Some(w) = decoded.warning {
        t.info.warnings.insert(0, w);
    }
    Ok(t)
}
