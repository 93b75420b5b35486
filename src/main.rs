//! The `thematic` binary: parse the command line, run, map errors to exit codes.

use clap::Parser;

// Coding allocates many short-lived strings across threads; mimalloc's
// thread-local free lists make that markedly cheaper than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = thematic::cli::Cli::parse();
    match thematic::run(cli, env()) {
        Ok(()) => exit_quietly(),
        Err(err) if err.is_broken_pipe() => {}
        Err(err) => {
            eprintln!("{}", err.report());
            std::process::exit(err.exit_code());
        }
    }
}

/// Ends a successful run once stdout is flushed, without the allocator's
/// own clean-up at exit: on a study of tens of thousands of transcripts,
/// handing freed pages back one range at a time was a tenth of a reading
/// command's time, and the exit hands them all back at once.
fn exit_quietly() {
    use std::io::Write;
    if std::io::stdout().flush().is_err() {
        return;
    }
    #[cfg(unix)]
    // SAFETY: every output is written and flushed, and every file the run
    // wrote is closed (each is dropped inside `run`); `_exit` only skips
    // the process's exit handlers.
    unsafe {
        libc::_exit(0)
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
