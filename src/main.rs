//! The `thematic` binary: parse the command line, run, map errors to exit codes.

use clap::Parser;

// Coding allocates many short-lived strings across threads; mimalloc's
// thread-local free lists make that markedly cheaper than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = thematic::cli::Cli::parse();
    match thematic::run(cli, env()) {
        Ok(()) => {}
        Err(err) if err.is_broken_pipe() => {}
        Err(err) => {
            eprintln!("{}", err.report());
            std::process::exit(err.exit_code());
        }
    }
}

/// The environment the library is told about (it reads none itself).
fn env() -> thematic::Env {
    let var = |name: &str| std::env::var(name).ok();
    thematic::Env {
        terminal: thematic::render::Terminal::from_env(
            var("COLUMNS").as_deref(),
            std::env::var_os("NO_COLOR").is_some(),
        ),
        index_threads: var("THEMATIC_INDEX_THREADS").and_then(|t| t.parse().ok()),
        timing: std::env::var_os("THEMATIC_TIMING").is_some(),
        source_date_epoch: var("SOURCE_DATE_EPOCH"),
    }
}
