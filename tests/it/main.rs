//! Integration tests: the real binary on small studies, exact output.

mod util;

mod agree;
mod code;
mod codebook;
mod formats;
mod fuzz;
mod inputs;
mod integrity;
mod matrix;
mod quote;
mod renames;
mod sheets;
mod spreadsheets;
mod transcripts;
