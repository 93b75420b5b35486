//! The `thematic` binary: parse the command line, run, map errors to exit codes.

use clap::Parser;

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
