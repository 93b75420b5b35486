//! The `thematic` binary: parse the command line, run, map errors to exit codes.

use clap::Parser;

// Coding allocates many short-lived strings across threads; mimalloc's
// thread-local free lists make that markedly cheaper than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = thematic::cli::Cli::parse();
    match thematic::run(cli) {
        Ok(()) => {}
        Err(err) if err.is_broken_pipe() => {}
        Err(err) => {
            eprintln!("{}", err.report());
            std::process::exit(err.exit_code());
        }
    }
}
