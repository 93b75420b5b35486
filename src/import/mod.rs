//! Imports from other tools: [`qdpx`] reads a REFI-QDA project and places
//! its coders' selections on the study's excerpts. The command
//! (`cmd::import`) reads the package and the index and writes the sheets.

pub mod qdpx;
