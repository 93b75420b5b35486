//! Integration tests: the real binary on small studies, exact output.

mod util;

mod agree;
mod chart;
mod code;
mod codebook;
mod cooccur;
mod export;
mod formats;
mod fuzz;
mod import;
mod inputs;
mod integrity;
mod language;
mod matrix;
mod privacy;
mod quote;
mod renames;
mod report;
mod sheets;
mod spreadsheets;
mod transcripts;
