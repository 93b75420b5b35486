//! tantivy alone on the excerpts `thematic code` indexes.
//!
//! `cargo bench --bench tantivy_alone -- STUDY SCRATCH [THREADS]` reads and
//! codes STUDY as `code` does from scratch, keeping every excerpt's document
//! in memory, then times only what tantivy does with them: opening the
//! writer `code` uses (same schema, analyzers, memory budget, merge policy),
//! adding every document and committing, into SCRATCH (emptied first). Prints
//! one JSON line: transcript bytes, excerpts, the preparation's wall time
//! and the indexing's. `bench/throughput.py` runs it beside `thematic code`.

use std::path::PathBuf;

// The allocator `thematic` uses (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [study, scratch, rest @ ..] = args.as_slice() else {
        // A plain `cargo bench` runs this without a study: nothing to time.
        eprintln!("usage: tantivy_alone STUDY SCRATCH [THREADS] (see bench/throughput.py)");
        return;
    };
    let threads = rest.first().and_then(|t| t.parse().ok());
    let scratch = PathBuf::from(scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let fail = |e: thematic::Error| -> ! {
        eprintln!("tantivy_alone: {e}");
        std::process::exit(1);
    };
    let cpu0 = cpu_seconds();
    let prepared =
        thematic::bench::prepare(&PathBuf::from(study), &scratch).unwrap_or_else(|e| fail(e));
    let cpu1 = cpu_seconds();
    let (bytes, excerpts, prepare) = (prepared.bytes, prepared.len(), prepared.took);
    let index = thematic::bench::index(prepared, &scratch, threads).unwrap_or_else(|e| fail(e));
    let cpu2 = cpu_seconds();
    println!(
        "{{\"bytes\": {bytes}, \"excerpts\": {excerpts}, \"prepare_s\": {:.3}, \"index_s\": {:.3}, \"prepare_cpu_s\": {:.2}, \"index_cpu_s\": {:.2}}}",
        prepare.as_secs_f64(),
        index.as_secs_f64(),
        cpu1 - cpu0,
        cpu2 - cpu1,
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

/// CPU time (user + system) of this process so far, in seconds, from
/// `/proc/self/stat` (0 where there is none). Clock ticks of 1/100 s.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and
    // stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}
