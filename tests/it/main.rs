//! Integration tests: the real binary on small studies, exact output.

mod util;

mod code;
mod matrix;
mod quote;
