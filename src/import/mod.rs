//! Imports from other tools: [`qdpx`] reads a REFI-QDA project,
//! [`sources`] checks its selections against its source texts, [`place`]
//! puts its coders' selections on the study's excerpts and [`write`]
//! decides and writes the sheets and the codebook. The command
//! (`cmd::import`) reads the package and the index and wires these together.

pub(crate) mod place;
pub mod qdpx;
pub(crate) mod sources;
pub(crate) mod write;
