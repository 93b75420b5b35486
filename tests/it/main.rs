//! Integration tests: the real binary on small studies, exact output.

mod util;

mod agree;
mod code;
mod codebook;
mod cooccur;
mod export;
mod formats;
mod import;
mod inputs;
mod matrix;
mod quote;
mod renames;
mod sheets;
mod spreadsheets;
mod transcripts;
