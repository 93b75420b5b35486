//! The command line: every clap type. Doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Qualitative thematic coding (Framework Method) from the terminal.
///
/// A study folder holds transcripts, a YAML codebook and (optionally)
/// respondents.csv; `thematic code` codes the transcripts against the
/// codebook into an index in .thematic/, and `matrix`, `quote`, `search` and
/// `stats` answer from it.
#[derive(Debug, Parser)]
#[command(name = "thematic", version, about, long_about = None)]
pub struct Cli {
    /// The study folder (default: the nearest folder up with thematic.yaml, else the current one).
    #[arg(long, global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Read text transcripts in this encoding (e.g. windows-1252) instead of detecting it.
    #[arg(long, global = true, value_name = "LABEL")]
    pub encoding: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Output formats of the commands that also write workbooks (`matrix`,
/// `cooccur`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// A table (or text) for people.
    #[default]
    #[value(alias = "text")]
    Table,
    /// Markdown for reports.
    Markdown,
    /// CSV for scripts (stable columns).
    Csv,
    /// JSON for scripts (stable keys).
    Json,
    /// An Excel workbook (needs --output).
    Xlsx,
}

/// Output formats of the commands whose output is text for people or
/// scripts (no workbook).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TextFormat {
    /// A table (or text) for people.
    #[default]
    #[value(alias = "text")]
    Table,
    /// Markdown for reports.
    Markdown,
    /// CSV for scripts (stable columns).
    Csv,
    /// JSON for scripts (stable keys).
    Json,
}

impl From<TextFormat> for crate::render::Layout {
    /// The table layout of a format (JSON is not laid out as a table; it
    /// takes the text layout where a table is asked for).
    fn from(f: TextFormat) -> Self {
        match f {
            TextFormat::Csv => crate::render::Layout::Csv,
            TextFormat::Markdown => crate::render::Layout::Markdown,
            TextFormat::Table | TextFormat::Json => crate::render::Layout::Text,
        }
    }
}

/// Options shared by the commands that read the index.
#[derive(Debug, Clone, Args, Default)]
pub struct ReadOpts {
    /// Keep respondents whose attribute matches: ATTR=VALUE or ATTR!=VALUE (repeatable; all must hold).
    #[arg(long = "where", value_name = "ATTR=VALUE")]
    pub filters: Vec<String>,
    /// Refuse a stale index instead of bringing it up to date.
    #[arg(long)]
    pub frozen: bool,
    /// Whose codings count: rules, human (any coder) or one coder's name (default: all).
    #[arg(long, value_name = "rules|human|CODER")]
    pub source: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new study folder with a starter codebook.
    Init {
        /// Folder to create (default: the current folder).
        dir: Option<PathBuf>,
        /// Starter codebook: blank (a Framework Method template), family, or justice.
        #[arg(long, default_value = "blank", value_parser = ["blank", "family", "justice"])]
        codebook: String,
    },
    /// Read the transcripts, code them against the codebook, and index them.
    Code {
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t)]
        format: TextFormat,
    },
    /// Per theme and code: excerpts, respondents and share of excerpts.
    Stats {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextFormat,
        #[command(flatten)]
        read: ReadOpts,
    },
    /// What was ingested: per transcript, respondents, turns, excerpts, words, encoding, warnings.
    Transcripts {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextFormat,
        #[command(flatten)]
        read: ReadOpts,
    },
    /// The framework matrix: themes and codes × respondents (or × groups with --by).
    Matrix(MatrixArgs),
    /// Illustrative quotes at codes, with attribution.
    ///
    /// `quote A B` lists the excerpts at both A and B: the excerpts behind
    /// the cell A × B of `thematic cooccur`.
    Quote(QuoteArgs),
    /// How codes go together: excerpts (or respondents) at both codes of each pair.
    Cooccur(CooccurArgs),
    /// Full-text search over all excerpts, coded or not.
    Search(SearchArgs),
    /// Another tool's REFI-QDA project (.qdpx) as coding sheets, codings/<user>.csv, and a codebook.
    Import {
        /// The .qdpx file.
        file: PathBuf,
    },
    /// The study for other tools: one row per excerpt with a 0/1 column per code (csv, json), or a REFI-QDA project (qdpx).
    Export(StudyExportArgs),
    /// Codebooks in git: check, fmt, show, diff, export, import.
    #[command(subcommand)]
    Codebook(CodebookCommand),
    /// A blank coding sheet for a human coder (one row per excerpt, one column per code).
    Sheet(SheetArgs),
    /// Inter-coder agreement per code and pooled; --rules scores the codebook's rules against a coder.
    Agree(AgreeArgs),
    /// Chart files of written summaries (charts/<RESPONDENT>.md): add sections for cells with excerpts; `chart check` checks them.
    Chart(ChartArgs),
    /// The study's findings as one self-contained HTML page (or Markdown for pandoc): heat maps, numbered quotes, co-occurrence, agreement, the codebook.
    Report(ReportArgs),
    /// Coding-sheet rows whose excerpts moved: list them, or with --write put the new ids and hashes into the sheets.
    Reanchor {
        /// Rewrite the sheets (atomically; every other cell is kept).
        #[arg(long)]
        write: bool,
    },
    /// Pseudonyms (the key file): `pseudonyms log` says what is replaced where.
    #[command(subcommand)]
    Pseudonyms(PseudonymsCommand),
    /// Per excerpt, the capitalised words and numbers that no codebook term, key-file term or common word accounts for: names the key file may be missing.
    CheckIdentifiers {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextFormat,
        #[command(flatten)]
        read: ReadOpts,
    },
}

/// `thematic sheet`.
#[derive(Debug, Clone, Args)]
pub struct SheetArgs {
    /// The coder's name (saved sheets go in codings/NAME.csv).
    #[arg(long)]
    pub coder: String,
    /// Only these codes (and their sub-codes) as columns (comma-separated paths or suffixes).
    #[arg(long, value_delimiter = ',', value_name = "CODE,…")]
    pub codes: Vec<String>,
    /// Write to this file instead of stdout (never overwrites; required for xlsx; `-` is stdout).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Sheet format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: SheetFormat,
    #[command(flatten)]
    pub privacy: SheetPrivacyOpts,
    #[command(flatten)]
    pub read: ReadOpts,
}

/// `thematic sheet` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SheetFormat {
    /// CSV.
    Csv,
    /// An Excel workbook with wrapped text, a frozen header and mark validation.
    Xlsx,
}

/// `thematic agree`.
#[derive(Debug, Clone, Args)]
pub struct AgreeArgs {
    /// Coders to compare (comma-separated; default: all).
    #[arg(long, value_delimiter = ',', value_name = "A,B,…")]
    pub coders: Vec<String>,
    /// Only these codes (comma-separated paths or suffixes).
    #[arg(long, value_delimiter = ',', value_name = "CODE,…")]
    pub codes: Vec<String>,
    /// Score the codebook's rules against each coder: precision, recall, F1.
    #[arg(long)]
    pub rules: bool,
    /// List the excerpts where coders differ, with who applied what (with --rules: where the rules and each coder differ).
    #[arg(long)]
    pub disagreements: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: TextFormat,
    /// Refuse a stale index instead of bringing it up to date.
    #[arg(long)]
    pub frozen: bool,
}

/// What a matrix cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CellMode {
    /// Excerpts at the row.
    Count,
    /// Respondents in the column with at least one excerpt at the row, n/N (p%).
    Respondents,
    /// A mark where the count is above zero.
    Presence,
    /// The first excerpt in the cell, cut to --width, with its id.
    Quote,
    /// The written summary of the chart files (charts/<RESPONDENT>.md; with --by, charts/by-ATTR/VALUE.md), cut to --width in a table.
    Summary,
}

/// Which rows a matrix has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RowsMode {
    /// Themes with their codes beneath.
    All,
    /// Themes only.
    Themes,
}

/// `thematic matrix`.
#[derive(Debug, Clone, Args)]
pub struct MatrixArgs {
    /// Columns are the values of this respondent attribute instead of respondents.
    #[arg(long, value_name = "ATTR")]
    pub by: Option<String>,
    /// Cell contents (default: count by respondent, respondents with --by).
    #[arg(long, value_enum)]
    pub cell: Option<CellMode>,
    /// Rows: all (themes and codes) or themes only.
    #[arg(long, value_enum, default_value = "all")]
    pub rows: RowsMode,
    /// Only this theme and its codes.
    #[arg(long, value_name = "ID")]
    pub theme: Option<String>,
    /// Characters per quote with --cell quote, per summary with --cell summary (table only).
    #[arg(long, default_value_t = 60)]
    pub width: usize,
    /// Swap rows and columns in table and Markdown output.
    #[arg(long)]
    pub transpose: bool,
    /// Write to this file (required for xlsx; never overwrites; `-` is stdout).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub privacy: PrivacyOpts,
    #[command(flatten)]
    pub read: ReadOpts,
}

/// `thematic cooccur`.
#[derive(Debug, Clone, Args)]
pub struct CooccurArgs {
    /// Only these codes or themes (comma-separated paths or unique suffixes; shown in codebook order).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "CODE,…",
        conflicts_with = "theme"
    )]
    pub codes: Vec<String>,
    /// Only this theme and its codes.
    #[arg(long, value_name = "ID")]
    pub theme: Option<String>,
    /// What a cell counts: excerpts at both codes, or respondents with excerpts at both.
    #[arg(long, value_enum, default_value = "excerpt")]
    pub within: CooccurWithin,
    /// Cell contents: the count, or the Jaccard index (both / either, 4 decimals).
    #[arg(long, value_enum, default_value = "count")]
    pub cell: CooccurCell,
    /// Write to this file (required for xlsx; never overwrites).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub read: ReadOpts,
}

/// What a co-occurrence cell counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CooccurWithin {
    /// Excerpts at both codes.
    Excerpt,
    /// Respondents with excerpts at both codes (in the same excerpt or not).
    Respondent,
}

/// What a co-occurrence cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CooccurCell {
    /// The number of excerpts (or respondents) at both codes.
    Count,
    /// Units at both codes over units at either, with 4 decimals.
    Jaccard,
}

/// `thematic export`.
#[derive(Debug, Clone, Args)]
pub struct StudyExportArgs {
    /// Export format: csv or json (one row per excerpt, for R and pandas), or qdpx.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: StudyExportFormat,
    /// Write to this file instead of stdout (never overwrites).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub privacy: PrivacyOpts,
    #[command(flatten)]
    pub read: ReadOpts,
}

/// `thematic export` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StudyExportFormat {
    /// CSV: id,path,line,respondent,<attributes…>,question,text,<one 0/1 column per code path>.
    Csv,
    /// A JSON array of objects with the CSV's columns as keys, in the same order.
    Json,
    /// The same objects one per line (newline-delimited JSON), for engines that read large files in parallel (DuckDB, Spark).
    Ndjson,
    /// A REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder (needs --output).
    Qdpx,
}

/// `thematic quote`.
#[derive(Debug, Clone, Args)]
pub struct QuoteArgs {
    /// Codes or themes (paths or unique suffixes); an excerpt must be at all of them.
    #[arg(required = true, value_name = "CODE")]
    pub codes: Vec<String>,
    /// Also match this full-text query (stemmed, accent-insensitive; "phrases", AND, OR, NOT); best first.
    #[arg(long, short)]
    pub query: Option<String>,
    /// Only the excerpts the chart files' summaries at these codes cite, in the order cited.
    #[arg(long, conflicts_with = "query")]
    pub charted: bool,
    #[command(flatten)]
    pub list: ListOpts,
}

/// `thematic search`.
#[derive(Debug, Clone, Args)]
pub struct SearchArgs {
    /// Full-text query (stemmed, accent-insensitive; "phrases", AND, OR, NOT).
    pub query: Option<String>,
    /// Keep only excerpts no code reached.
    #[arg(long)]
    pub uncoded: bool,
    #[command(flatten)]
    pub list: ListOpts,
}

/// Options of commands that list excerpts.
#[derive(Debug, Clone, Args)]
pub struct ListOpts {
    /// At most this many excerpts.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// At most this many excerpts from one respondent.
    #[arg(long, value_name = "N")]
    pub per_respondent: Option<usize>,
    /// Show the interviewer's question before each excerpt.
    #[arg(long)]
    pub context: bool,
    /// Attributes to show in the attribution (comma-separated; default: all).
    #[arg(long, value_delimiter = ',', value_name = "ATTR,…")]
    pub show: Vec<String>,
    /// Output format (table = text).
    #[arg(long, value_enum, default_value_t)]
    pub format: TextFormat,
    /// Show the memos (memos/*.md) about each excerpt, its respondent or its codes.
    #[arg(long)]
    pub memos: bool,
    /// Highlight query terms in text output: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    #[command(flatten)]
    pub privacy: PrivacyOpts,
    #[command(flatten)]
    pub read: ReadOpts,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `thematic codebook …`.
#[derive(Debug, Subcommand)]
pub enum CodebookCommand {
    /// Validate and lint a codebook (default: the study's).
    Check {
        /// Codebook file or git REV:PATH.
        file: Option<String>,
        /// Exit 1 when there are warnings.
        #[arg(long)]
        strict: bool,
    },
    /// Print the canonical form (stable key order, comments kept).
    Fmt {
        /// Codebook file (default: the study's).
        file: Option<PathBuf>,
        /// Write the canonical form back to the file.
        #[arg(long, conflicts_with = "check")]
        write: bool,
        /// Exit 1 when the file is not in canonical form.
        #[arg(long)]
        check: bool,
    },
    /// Show a codebook as a tree, a Markdown appendix, CSV or JSON.
    Show {
        /// Codebook file or git REV:PATH (default: the study's).
        file: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "tree")]
        format: ShowFormat,
    },
    /// Compare two versions: added, removed, renamed, moved and changed codes.
    Diff {
        /// Old version: a file or git REV:PATH (e.g. HEAD~3:codebooks/main.yaml).
        old: String,
        /// New version: a file or git REV:PATH.
        new: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
        /// Also code the study with both versions and show excerpts and respondents per code, before → after.
        #[arg(long)]
        impact: bool,
        /// Exit 1 when the versions differ (as `git diff --exit-code`).
        #[arg(long)]
        exit_code: bool,
    },
    /// Export the codebook for other QDA software (REFI-QDA .qdc).
    Export {
        /// Codebook file or git REV:PATH (default: the study's).
        file: Option<String>,
        /// Export format.
        #[arg(long, value_enum, default_value = "qdc")]
        format: ExportFormat,
        /// Write to this file instead of stdout (never overwrites; `-` is stdout).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Print a thematic YAML codebook made from a REFI-QDA .qdc file.
    Import {
        /// The .qdc file.
        file: PathBuf,
    },
}

/// `codebook show` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// An indented tree.
    Tree,
    /// A Markdown appendix for a report.
    Markdown,
    /// One row per theme and code.
    Csv,
    /// The parsed codebook.
    Json,
}

/// `codebook diff` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Plain text.
    Text,
    /// A Markdown list (for a pull request).
    Markdown,
    /// JSON.
    Json,
}

/// `codebook export` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// REFI-QDA codebook exchange.
    Qdc,
}

// ---- `thematic chart` ----

/// `thematic chart`: append a section for every cell with excerpts and no
/// section yet; `thematic chart check` checks the chart files.
#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ChartArgs {
    /// `check`: check the chart files instead of adding sections.
    #[command(subcommand)]
    pub check: Option<ChartCommand>,
    /// Only these respondents (repeatable).
    #[arg(long, value_name = "ID")]
    pub respondent: Vec<String>,
    /// Only this theme's cells (repeatable).
    #[arg(long, value_name = "ID")]
    pub theme: Vec<String>,
    /// Group files charts/by-ATTR/VALUE.md (one per value) instead of one file per respondent.
    #[arg(long, value_name = "ATTR")]
    pub by: Option<String>,
    /// Keep respondents whose attribute matches: ATTR=VALUE or ATTR!=VALUE (repeatable; all must hold).
    #[arg(long = "where", value_name = "ATTR=VALUE")]
    pub filters: Vec<String>,
    /// Refuse a stale index instead of bringing it up to date.
    #[arg(long)]
    pub frozen: bool,
    #[command(flatten)]
    pub privacy: PrivacyOpts,
}

/// `thematic chart` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum ChartCommand {
    /// Check the chart files: citations, unknown codes, stale summaries, coverage (exit 1 on findings).
    Check {
        /// Cells with excerpts and no summary are findings too.
        #[arg(long)]
        strict: bool,
        /// Record each summary's current excerpts in its marker comment (after reviewing the stale ones).
        #[arg(long)]
        accept: bool,
        /// Refuse a stale index instead of bringing it up to date.
        #[arg(long)]
        frozen: bool,
    },
}

// ---- `thematic report` ----

/// `thematic report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Heat map columns: the values of this attribute (default: the first attribute column of respondents.csv, else respondents).
    #[arg(long, value_name = "ATTR")]
    pub by: Option<String>,
    /// Only these themes (repeatable or comma-separated; default: all).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub theme: Vec<String>,
    /// Quotes per code at most.
    #[arg(long, default_value_t = 3)]
    pub limit: usize,
    /// Quotes per respondent per code at most (default: 1, more only when a code has fewer respondents than --limit).
    #[arg(long, value_name = "N")]
    pub per_respondent: Option<usize>,
    /// The date line, YYYY-MM-DD (default: SOURCE_DATE_EPOCH when set, else today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value = "html")]
    pub format: ReportFormat,
    /// Write to this file instead of stdout (never overwrites; `-` is stdout).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub read: ReadOpts,
    #[command(flatten)]
    pub privacy: PrivacyOpts,
}

/// `thematic report` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page (inline CSS, no script, printable).
    Html,
    /// Markdown (pipe tables, blockquotes) for pandoc.
    Markdown,
}

// Protecting participants: pseudonyms and the key file.

/// Pseudonym options of the commands whose text leaves the tool for people
/// (`quote`, `search`, `matrix`, `export`).
#[derive(Debug, Clone, Copy, Args, Default)]
pub struct PrivacyOpts {
    /// Show the original names and places instead of the key file's pseudonyms (for the team's own reading; said on stderr).
    #[arg(long)]
    pub identified: bool,
}

/// `thematic sheet`'s pseudonym option: coders work on the originals.
#[derive(Debug, Clone, Copy, Args, Default)]
pub struct SheetPrivacyOpts {
    /// Replace the key file's names and places in the sheet's text and question columns.
    #[arg(long)]
    pub pseudonymise: bool,
}

/// `thematic pseudonyms …`.
#[derive(Debug, Subcommand)]
pub enum PseudonymsCommand {
    /// What the key file replaces, where: per term, its replacement, how often and in which excerpts (for the anonymisation log).
    Log {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: TextFormat,
        #[command(flatten)]
        read: ReadOpts,
    },
}
