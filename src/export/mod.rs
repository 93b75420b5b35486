//! Exports of a whole study for other tools: [`tidy`] tables (one row per
//! excerpt, one 0/1 column per code) for R and pandas. The command
//! (`cmd::export`) reads the index and hands the excerpts here.

pub mod qdpx;
pub mod tidy;
