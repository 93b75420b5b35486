//! Integration tests: the real binary on small studies, exact output.

mod util;

mod code;
mod formats;
mod matrix;
mod quote;
