//! `thematic`: qualitative thematic coding in the Framework Method tradition.
//!
//! The binary only parses the command line and calls [`run`]; everything else
//! lives here. Data flows one way:
//!
//! ```text
//! transcript files ─ingest─▶ Vec<Excerpt{respondent, path, line, text, speaker}>
//! codebook.yaml ─codebook::Codebook::load─▶ Codebook ─Matcher::new─▶ Matcher
//! Matcher × Excerpt ─▶ stemmed search terms ─index::Writer─▶ tantivy (+ manifest payload)
//!                  └─▶ codes per excerpt ─codes::TableBuilder─▶ code table beside it
//! codebook or sheet edit: stored text ─Matcher─▶ new code table (no document rewritten)
//! matrix/stats: code table ─Counts::from_table─▶ Counts (cached per commit) ─render─▶ stdout
//! cooccur: code table ─cooccur::count─▶ Cooccurrence (pairs of rows) ─render─▶ stdout
//! quote/search: index ─query + HitCollector (codes from the table)─▶ hits ─render─▶ stdout
//! report: Counts + hits filed by row + cooccur + agree ─report::Builder─▶ Report ─html|markdown─▶ file
//! every participant's text leaving for people ─privacy::Pseudonyms─▶ replaced; privacy::Gate refuses leaks
//! ```
//!
//! `pipeline` brings an index up to date (only what changed); `cmd/` holds
//! one file per subcommand, which orchestrates and does not parse or format.
//!
//! The public API is what a program (or a test) may build on: [`run`] with
//! the [`cli`] types, the [`Env`] the binary read, and [`Error`]; [`study`]
//! (finding a study and its settings); [`codebook`] (loading, validating and matching); [`ingest`]
//! (reading every transcript format into [`model`] excerpts); [`input`]
//! (the limits on what is read, and the YAML pre-check); and
//! [`render`] (tables and workbooks). Everything else is private to the
//! crate, so the compiler finds what nothing uses.

pub(crate) mod agreement;
#[doc(hidden)]
pub mod bench;
pub(crate) mod chart;
pub mod cli;
pub(crate) mod cmd;
pub mod codebook;
pub(crate) mod codings;
pub(crate) mod cooccur;
pub mod error;
pub(crate) mod export;
pub(crate) mod framework;
pub(crate) mod import;
pub(crate) mod index;
pub mod ingest;
pub mod input;
pub(crate) mod memo;
pub mod model;
pub(crate) mod pipeline;
pub(crate) mod privacy;
pub(crate) mod reanchor;
pub mod render;
pub(crate) mod report;
pub mod study;
pub(crate) mod text;
pub(crate) mod xml;
pub(crate) mod yaml;

pub use error::{Error, Result};

/// What the binary read from its environment, handed down explicitly: the
/// library itself reads no environment variable.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// How output is shown (`$COLUMNS`, `$NO_COLOR`, whether stdout is a terminal).
    pub terminal: render::Terminal,
    /// Threads that write the index (`$THEMATIC_INDEX_THREADS`).
    pub index_threads: Option<usize>,
    /// Tell how long each phase of a run takes (`$THEMATIC_TIMING`).
    pub timing: bool,
    /// The date of reproducible outputs (`$SOURCE_DATE_EPOCH`, seconds).
    pub source_date_epoch: Option<String>,
}

/// Runs one command line.
pub fn run(cli: cli::Cli, env: Env) -> Result<()> {
    use cli::Command;
    let at = study::StudyAt {
        project: cli.project.clone(),
        encoding: cli.encoding.clone(),
        index_threads: env.index_threads,
        timing: env.timing,
        terminal: env.terminal,
        source_date_epoch: env.source_date_epoch,
    };
    let project = &at;
    match cli.command {
        Command::Init { dir, codebook } => {
            cmd::init::run(dir.as_deref().or(at.project.as_deref()), &codebook)
        }
        Command::Code { format } => cmd::code::run(project, format),
        Command::Stats { format, read } => cmd::stats::run(project, format, &read),
        Command::Transcripts { format, read } => cmd::transcripts::run(project, format, &read),
        Command::Matrix(args) => cmd::matrix::run(project, &args),
        Command::Quote(args) => cmd::quote::run_quote(project, &args),
        Command::Cooccur(args) => cmd::cooccur::run(project, &args),
        Command::Export(args) => cmd::export::run(project, &args),
        Command::Import { file } => cmd::import::run(project, &file),
        Command::Search(args) => cmd::quote::run_search(project, &args),
        Command::Codebook(c) => cmd::codebook::run(project, c),
        Command::Sheet(args) => cmd::sheet::run(project, &args),
        Command::Agree(args) => cmd::agree::run(project, &args),
        Command::Chart(args) => cmd::chart::run(project, &args),
        Command::Report(args) => cmd::report::run(project, &args),
        Command::Reanchor { write } => cmd::reanchor::run(project, write),
        Command::Pseudonyms(c) => cmd::pseudonyms::run(project, c),
        Command::CheckIdentifiers { format, read } => {
            cmd::pseudonyms::check_identifiers(project, format, &read)
        }
    }
}
