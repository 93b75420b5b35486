//! Reading transcripts: decode the bytes, pick the reader by extension
//! (`.txt`/`.md`, `.docx`, `.vtt`, `.srt`, survey `.csv`), split into
//! excerpts; and reading `respondents.csv` and merging its attributes with
//! what each transcript says. Every reader produces the same [`Transcript`];
//! nothing downstream knows the container. [`sheet`] reads spreadsheets
//! (coders' `.xlsx` and `.ods` sheets) as rows of text.

pub mod captions;
/// Decoding text files (shared with the codebook and sheet readers).
pub use crate::text::decode;
pub mod docx;
pub mod language;
pub mod plain;
pub mod quotes;
pub mod respondents;
pub mod sheet;
pub mod survey;

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
    let ext = file
        .abs
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "docx" {
        let text = docx::paragraphs(bytes, &file.rel)?.join("\n");
        let mut t = plain::split(&text, &file.rel, opts)?;
        t.info.encoding = "docx".into();
        return Ok(t);
    }
    let decoded = decode::decode_with(bytes, &file.rel, opts.encoding)?;
    let mut t = match ext.as_str() {
        "txt" | "md" => plain::split(&decoded.text, &file.rel, opts)?,
        "vtt" => captions::split(&decoded.text, captions::Kind::Vtt, &file.rel, opts)?,
        "srt" => captions::split(&decoded.text, captions::Kind::Srt, &file.rel, opts)?,
        "csv" => survey::split(&decoded.text, &file.rel, opts.csv.as_ref())?,
        other => {
            return Err(
                Error::input(format!("{}: .{other} transcripts are not read", file.rel))
                    .with_hint("convert the file to .txt, .md, .docx, .vtt, .srt or .csv"),
            )
        }
    };
    t.info.encoding = decoded.encoding;
    if let Some(w) = decoded.warning {
        t.info.warnings.insert(0, w);
    }
    Ok(t)
}
