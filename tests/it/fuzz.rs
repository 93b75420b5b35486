//! Fuzzing every parser of user files, as ordinary tests: each test first
//! replays the files in `tests/fixtures/fuzz/<parser>/` (realistic seeds
//! and every input that once crashed), then mutates those seeds with a
//! seeded PRNG for a time budget and calls the library's parsing entry
//! point on each mutant. A parser must never panic nor hang, and every
//! error it returns must be bad input (exit 2) that names the file.
//!
//! Case `n` of a parser is always the same input, whatever the machine: the
//! budget only decides how many cases run. `THEMATIC_FUZZ_SECS` sets the
//! budget per parser (default 8 s); `THEMATIC_FUZZ_SEED=n` runs only case
//! `n` and prints it, to reproduce a failure.

use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use thematic::error::Error;
use thematic::ingest::{self, SplitOptions};
use thematic::study::{CsvSettings, TranscriptFile, Unit};

/// A case that takes longer than this is a hang.
const HANG: Duration = Duration::from_secs(60);
/// No input below [`MAX_INPUT`] should take this long, even in a debug
/// build on a busy machine: a case this slow is a failure too.
const SLOW: Duration = Duration::from_secs(10);
/// Corpus files larger than this are only replayed.
const MAX_BASE: usize = 32 * 1024;
/// Mutants are kept below this size, so that a case stays fast.
const MAX_INPUT: usize = 256 * 1024;

/// xorshift64*, seeded through splitmix64 so that nearby seeds diverge.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(z.max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One parser under test.
struct Target {
    /// Its folder under `tests/fixtures/fuzz/`.
    name: &'static str,
    /// Parses `bytes` as the file `shown` (whose extension matters);
    /// `choice` varies the settings (unit of coding).
    parse: fn(bytes: &[u8], shown: &str, choice: u64) -> thematic::Result<()>,
    /// Text this format gives meaning to: labels, timestamps, keys, tags.
    tokens: &'static [&'static str],
    /// What nests in this format, repeated to build deep structure.
    nest: &'static [&'static str],
    /// Whether the seeds are zip packages, whose parts are mutated.
    zip: bool,
}

/// Text that means something to several formats.
const COMMON: &[&str] = &[
    "\n",
    "\r\n",
    "\r",
    "\u{feff}",
    "\t",
    "\0",
    ":",
    ": ",
    ",",
    ";",
    "\"",
    "'",
    "#",
    "---\n",
    "\n\n",
    "99999999999999999999999999",
    "18446744073709551616",
    "-1",
    "0",
    "1e309",
    "NaN",
    "ñ",
    "é",
    "́",
    "🙂",
    "\u{202e}",
    "\u{2028}",
    "<",
    ">",
    "&amp;",
    "&#0;",
    "&#xFFFFFFFF;",
    "&unknown;",
    "]]>",
];

/// Bytes that are never valid UTF-8 where they land.
const INVALID_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xfe",
    b"\x80",
    b"\xc3",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xe2\x82",
    b"\xff\xfe",
    b"\xfe\xff",
];

/// Line ends a file may have instead of `\n`.
const NEWLINES: &[&[u8]] = &[b"\r\n", b"\r", b"\n\n", b"\x0b"];

/// Whitespace that shifts indentation or separates blocks.
const WHITESPACE: &[&[u8]] = &[b" ", b"  ", b"\t", b"\n", b"\n\n", b"    "];

const BOMS: &[&[u8]] = &[
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf\xef\xbb\xbf",
];

fn options(choice: u64, csv: bool) -> SplitOptions {
    SplitOptions {
        unit: [Unit::Paragraph, Unit::Turn, Unit::Sentence][(choice % 3) as usize],
        interviewer: [
            "Interviewer",
            "I",
            "Q",
            "Moderadora",
            "Entrevistadora",
            "E",
            "P",
        ]
        .map(String::from)
        .to_vec(),
        csv: csv.then(|| CsvSettings {
            id: "id".into(),
            answers: vec!["q1_apoyo".into(), "q2_familia".into()],
        }),
        encoding: None,
        speakers: Default::default(),
    }
}

/// Reads a transcript as `thematic code` does, by its extension.
fn transcript(bytes: &[u8], shown: &str, choice: u64, csv: bool) -> thematic::Result<()> {
    let file = TranscriptFile {
        rel: shown.to_string(),
        abs: PathBuf::from("/study").join(shown),
        stat: None,
    };
    ingest::read_transcript(&file, bytes, &options(choice, csv)).map(drop)
}

fn parse_codebook(bytes: &[u8], shown: &str, _: u64) -> thematic::Result<()> {
    // As `Codebook::load`, then `codebook fmt`.
    let text = ingest::decode::decode(bytes, shown)?.text;
    let cb = thematic::codebook::Codebook::parse(&text, shown, "fuzz".into())?;
    thematic::codebook::format::canonical_checked(&cb, &text).map(drop)
}

fn parse_yaml(bytes: &[u8], shown: &str, _: u64) -> thematic::Result<()> {
    let text = ingest::decode::decode(bytes, shown)?.text;
    thematic::input::check_yaml(&text, shown)
}

fn parse_plain(bytes: &[u8], shown: &str, choice: u64) -> thematic::Result<()> {
    transcript(bytes, shown, choice, false)
}

fn parse_survey(bytes: &[u8], shown: &str, choice: u64) -> thematic::Result<()> {
    transcript(bytes, shown, choice, true)
}

fn parse_respondents(bytes: &[u8], shown: &str, _: u64) -> thematic::Result<()> {
    // As the pipeline reads respondents.csv.
    let text = ingest::decode::decode(bytes, shown)?.text;
    ingest::respondents::parse(&text, shown).map(drop)
}

fn parse_sheet(bytes: &[u8], shown: &str, _: u64) -> thematic::Result<()> {
    ingest::sheet::read(bytes, shown).map(drop)
}

fn parse_qdc(bytes: &[u8], shown: &str, _: u64) -> thematic::Result<()> {
    // As `thematic codebook import`: the document it builds must read back.
    let text = ingest::decode::decode(bytes, shown)?.text;
    let (doc, _warnings) = thematic::codebook::qdc::import(&text, shown)?;
    let yaml = serde_yaml::to_string(&doc).map_err(|e| Error::failure(e.to_string()))?;
    let cb = thematic::codebook::Codebook::parse(&yaml, shown, String::new())?;
    thematic::codebook::format::canonical_checked(&cb, "").map(drop)
}

/// What one case did.
enum Outcome {
    Parsed,
    Refused(Error),
    Panicked(String),
}

/// Runs cases on a thread of its own, so that a hang is seen as one.
struct Worker {
    send: mpsc::Sender<(Vec<u8>, String, u64)>,
    done: mpsc::Receiver<Outcome>,
}

impl Worker {
    fn new(parse: fn(&[u8], &str, u64) -> thematic::Result<()>) -> Worker {
        let (send, cases) = mpsc::channel::<(Vec<u8>, String, u64)>();
        let (report, done) = mpsc::channel();
        std::thread::spawn(move || {
            for (bytes, shown, choice) in cases {
                let outcome = match catch_unwind(AssertUnwindSafe(|| parse(&bytes, &shown, choice)))
                {
                    Ok(Ok(())) => Outcome::Parsed,
                    Ok(Err(e)) => Outcome::Refused(e),
                    Err(payload) => Outcome::Panicked(
                        payload
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| payload.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "(no message)".into()),
                    ),
                };
                if report.send(outcome).is_err() {
                    break;
                }
            }
        });
        Worker { send, done }
    }

    /// The problem with one case, if any.
    fn check(&self, bytes: &[u8], shown: &str, choice: u64) -> Option<String> {
        self.send
            .send((bytes.to_vec(), shown.to_string(), choice))
            .expect("the worker is alive");
        let started = Instant::now();
        let outcome = self.done.recv_timeout(HANG);
        let took = started.elapsed();
        match outcome {
            Err(_) => Some(format!("no answer after {} s (a hang)", HANG.as_secs())),
            Ok(_) if took > SLOW => Some(format!(
                "took {:.1} s (more than {} s: too slow)",
                took.as_secs_f64(),
                SLOW.as_secs()
            )),
            Ok(Outcome::Parsed) => None,
            Ok(Outcome::Panicked(message)) => Some(format!("panicked: {message}")),
            Ok(Outcome::Refused(e)) => not_located(&e),
        }
    }
}

/// Every refusal must be bad input (exit 2) that names its file.
fn not_located(e: &Error) -> Option<String> {
    match e {
        Error::Input {
            location: Some(_), ..
        } => None,
        Error::Several { errors, .. } => errors.iter().find_map(not_located),
        _ => Some(format!(
            "refused without naming the file, or not as bad input (exit {}):\n{}",
            e.exit_code(),
            e.report()
        )),
    }
}

fn corpus_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(name)
}

/// The corpus: every file of the parser's folder, by name.
fn corpus(name: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(name);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no seeds", dir.display());
    files
}

/// The file a case is read as: the seed's extension decides the format.
fn shown_for(seed_name: &str) -> String {
    let ext = Path::new(seed_name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("txt");
    format!("transcripts/fuzz.{ext}")
}

fn budget() -> Duration {
    let secs = std::env::var("THEMATIC_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(8.0);
    Duration::from_secs_f64(secs)
}

/// Saves a failing input where it can be copied into the corpus.
fn save(target: &str, case: &str, shown: &str, bytes: &[u8]) -> PathBuf {
    let ext = Path::new(shown)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("bin");
    let path = std::env::temp_dir().join(format!("thematic-fuzz-{target}-{case}.{ext}"));
    let _ = std::fs::write(&path, bytes);
    path
}

fn shown_bytes(bytes: &[u8]) -> String {
    let text = bytes.escape_ascii().to_string();
    if text.len() > 4000 {
        format!("{}… ({} bytes in all)", &text[..4000], bytes.len())
    } else {
        text
    }
}

/// Replays the corpus, then fuzzes for the budget (or runs the one case
/// `THEMATIC_FUZZ_SEED` names).
fn fuzz(target: &Target) {
    let seeds = corpus(target.name);
    let worker = Worker::new(target.parse);
    let salt = target.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let only: Option<u64> = std::env::var("THEMATIC_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok());

    if only.is_none() {
        for (i, (name, bytes)) in seeds.iter().enumerate() {
            let shown = shown_for(name);
            if let Some(problem) = worker.check(bytes, &shown, i as u64) {
                panic!(
                    "fuzz {}: corpus file tests/fixtures/fuzz/{}/{name}: {problem}",
                    target.name, target.name
                );
            }
        }
    }

    // Large corpus files are replayed, not mutated: mutants of them would
    // take most of the budget.
    let small: Vec<(String, Vec<u8>)> = seeds
        .iter()
        .filter(|(_, bytes)| bytes.len() <= MAX_BASE)
        .cloned()
        .collect();
    let bases = if small.is_empty() { &seeds } else { &small };
    let start = Instant::now();
    let budget = budget();
    let mut case: u64 = only.unwrap_or(0);
    let mut slowest = (Duration::ZERO, 0u64);
    loop {
        if only.is_none() && start.elapsed() >= budget {
            break;
        }
        let mut rng = Rng::new(case ^ salt);
        let (seed_name, seed) = rng.pick(bases);
        let shown = shown_for(seed_name);
        let input = if target.zip {
            mutate_package(&mut rng, seed, target, bases)
        } else {
            mutate(&mut rng, seed, target, bases)
        };
        let began = Instant::now();
        let problem = worker.check(&input, &shown, case);
        slowest = slowest.max((began.elapsed(), case));
        if only.is_some() {
            let saved = save(target.name, &case.to_string(), &shown, &input);
            eprintln!(
                "fuzz {} case {case} ({shown}, from {seed_name}): {}\ninput saved to {}: {}",
                target.name,
                problem.as_deref().unwrap_or("no problem"),
                saved.display(),
                shown_bytes(&input)
            );
        }
        if let Some(problem) = problem {
            let saved = save(target.name, &case.to_string(), &shown, &input);
            panic!(
                "fuzz {}: case {case} (from {seed_name}; cases 0..={case} ran; rerun with THEMATIC_FUZZ_SEED={case}): {problem}\n\
                 input saved to {} ({} bytes): {}",
                target.name,
                saved.display(),
                input.len(),
                shown_bytes(&input)
            );
        }
        if only.is_some() {
            break;
        }
        case += 1;
    }
    eprintln!(
        "fuzz {}: cases 0..{case} in {:.1} s, no problem; slowest: case {} ({} ms)",
        target.name,
        start.elapsed().as_secs_f64(),
        slowest.1,
        slowest.0.as_millis()
    );
}

/// Byte positions just after each newline, and 0.
fn line_starts(data: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            data.iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}

/// The line at a random place: (start, end including its newline).
fn some_line(rng: &mut Rng, data: &[u8]) -> (usize, usize) {
    let starts = line_starts(data);
    let i = rng.below(starts.len());
    let start = starts[i].min(data.len());
    let end = starts.get(i + 1).copied().unwrap_or(data.len());
    (start, end)
}

fn token<'a>(rng: &mut Rng, target: &'a Target) -> &'a [u8] {
    if rng.below(3) == 0 {
        rng.pick(COMMON).as_bytes()
    } else {
        rng.pick(target.tokens).as_bytes()
    }
}

/// One to five of the mutations a damaged or hostile file shows.
fn mutate(rng: &mut Rng, seed: &[u8], target: &Target, seeds: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(5) {
        let at = rng.below(data.len() + 1);
        match rng.below(17) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = *rng.pick(b":\n\r\"'[]<>&-#*{}, \t\0\xff\x80.>0123456789");
            }
            2 => {
                let t = token(rng, target).to_vec();
                data.splice(at..at, t);
            }
            3 => {
                // A label, timestamp or key at the start of a line.
                let (start, _) = some_line(rng, &data);
                let mut t = token(rng, target).to_vec();
                if rng.below(2) == 0 {
                    t.push(b'\n');
                }
                data.splice(start..start, t);
            }
            4 => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                data.drain(at.min(end)..end);
            }
            5 => {
                // Duplicate structure: a slice copied elsewhere.
                let from = rng.below(data.len() + 1);
                let to = (from + 1 + rng.below(512)).min(data.len());
                let piece = data[from.min(to)..to].to_vec();
                let at = rng.below(data.len() + 1);
                data.splice(at..at, piece);
            }
            6 => {
                let (start, end) = some_line(rng, &data);
                let line = data[start..end].to_vec();
                let most = if rng.below(8) == 0 { 2000 } else { 8 };
                let times = 1 + rng.below(most);
                let mut copies = Vec::new();
                for _ in 0..times {
                    copies.extend_from_slice(&line);
                    if copies.len() > MAX_INPUT {
                        break;
                    }
                }
                data.splice(end..end, copies);
            }
            7 => {
                // A line from another seed.
                let (_, other) = rng.pick(seeds);
                let (s, e) = some_line(rng, other);
                let line = other[s..e].to_vec();
                let (start, _) = some_line(rng, &data);
                data.splice(start..start, line);
            }
            8 => data.truncate(at),
            9 => {
                let newline = *rng.pick(NEWLINES);
                let mut out = Vec::with_capacity(data.len());
                for &b in &data {
                    if b == b'\n' {
                        out.extend_from_slice(newline);
                    } else {
                        out.push(b);
                    }
                }
                data = out;
            }
            10 => {
                let bom = rng.pick(BOMS).to_vec();
                data.splice(0..0, bom);
            }
            11 => {
                let bad = rng.pick(INVALID_UTF8).to_vec();
                data.splice(at..at, bad);
            }
            12 => {
                // Deep nesting.
                let open = rng.pick(target.nest).as_bytes();
                let most = if rng.below(4) == 0 { 20_000 } else { 200 };
                let depth = 1 + rng.below(most);
                let mut deep = Vec::new();
                for _ in 0..depth {
                    deep.extend_from_slice(open);
                    if deep.len() > MAX_INPUT {
                        break;
                    }
                }
                data.splice(at..at, deep);
            }
            13 => {
                // A number made huge, negative or odd.
                let digits = data
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.is_ascii_digit())
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>();
                if !digits.is_empty() {
                    let start = *rng.pick(&digits);
                    let end = data[start..]
                        .iter()
                        .position(|b| !b.is_ascii_digit())
                        .map_or(data.len(), |n| start + n);
                    let number = *rng.pick(&[
                        "99999999999999999999999999",
                        "4294967296",
                        "18446744073709551616",
                        "-1",
                        "0",
                        "00",
                        "1e309",
                        "99",
                        "1048577",
                        "16385",
                    ]);
                    data.splice(start..end, number.bytes());
                }
            }
            14 => {
                let (a, b) = (some_line(rng, &data), some_line(rng, &data));
                let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
                if first.1 <= second.0 {
                    let mut out = data[..first.0].to_vec();
                    out.extend_from_slice(&data[second.0..second.1]);
                    out.extend_from_slice(&data[first.1..second.0]);
                    out.extend_from_slice(&data[first.0..first.1]);
                    out.extend_from_slice(&data[second.1..]);
                    data = out;
                }
            }
            15 => {
                let run: Vec<u8> = (0..1 + rng.below(16))
                    .map(|_| (rng.next() & 0xff) as u8)
                    .collect();
                data.splice(at..at, run);
            }
            _ => {
                // Whitespace that shifts indentation or separates blocks.
                let ws = *rng.pick(WHITESPACE);
                let (start, _) = some_line(rng, &data);
                data.splice(start..start, ws.iter().copied());
            }
        }
        data.truncate(MAX_INPUT);
    }
    data
}

/// The parts of a zip package, in order; `None` when it is not one.
fn unzip(bytes: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut parts = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).ok()?;
        let mut body = Vec::new();
        file.by_ref()
            .take(MAX_INPUT as u64)
            .read_to_end(&mut body)
            .ok()?;
        parts.push((file.name().to_string(), body));
    }
    Some(parts)
}

fn rezip(parts: &[(String, Vec<u8>)], stored: bool) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    let method = if stored {
        zip::CompressionMethod::Stored
    } else {
        zip::CompressionMethod::Deflated
    };
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, body) in parts {
        // The zip writer refuses a name twice; such a part is left out.
        if z.start_file(name.as_str(), opts).is_ok() {
            z.write_all(body).unwrap();
        }
    }
    z.finish().unwrap();
    out.into_inner()
}

/// Mutates a zip package: mostly the XML inside one of its parts (a
/// damaged byte in the zip itself only exercises the zip reader), else
/// its list of parts, else the raw bytes.
fn mutate_package(
    rng: &mut Rng,
    seed: &[u8],
    target: &Target,
    seeds: &[(String, Vec<u8>)],
) -> Vec<u8> {
    let parts = match unzip(seed) {
        Some(parts) if !parts.is_empty() && rng.below(10) != 0 => parts,
        _ => return mutate(rng, seed, target, seeds),
    };
    let mut parts = parts;
    for _ in 0..1 + rng.below(2) {
        match rng.below(10) {
            0 => {
                let i = rng.below(parts.len());
                parts.remove(i);
                if parts.is_empty() {
                    break;
                }
            }
            1 => {
                // The same part twice, or under a name that differs in case.
                let i = rng.below(parts.len());
                let (name, body) = parts[i].clone();
                let name = if rng.below(2) == 0 {
                    name.to_uppercase()
                } else {
                    format!("{name}x")
                };
                parts.push((name, body));
            }
            _ => {
                // One XML part, chosen among those that say something.
                let xml: Vec<usize> = (0..parts.len())
                    .filter(|&i| parts[i].0.ends_with(".xml") || parts[i].0.ends_with(".rels"))
                    .collect();
                let i = if xml.is_empty() {
                    rng.below(parts.len())
                } else {
                    *rng.pick(&xml)
                };
                let body = mutate(rng, &parts[i].1, target, seeds);
                parts[i].1 = body;
            }
        }
    }
    rezip(&parts, rng.below(2) == 0)
}

const YAML_TOKENS: &[&str] = &[
    "- id: ",
    "id: ",
    "label: ",
    "codes:\n",
    "themes:\n",
    "match:\n",
    "any: [",
    "all: ",
    "none: ",
    "regex: ['",
    "(?i)",
    "\\b(",
    "*",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!binary ",
    "!!str ",
    "? ",
    "{",
    "}",
    "[",
    "]",
    "|\n",
    ">-\n",
    "~",
    "null",
    "yes",
    "0x1F",
    ".inf",
    "%YAML 1.2\n",
    "...\n",
    "former: [",
    "description: ",
    "version: ",
    "\\",
    "\\u0000",
];

const TRANSCRIPT_TOKENS: &[&str] = &[
    "Interviewer: ",
    "I: ",
    "R07: ",
    "Entrevistadora: ",
    "**María:** ",
    "**Rosa**: ",
    "[00:00:05] ",
    "00:01:02 ",
    "[99:99] ",
    "\\[00:00:05\\] ",
    "[0:00:05.123] ",
    "---\n",
    "respondent: ",
    "speakers:\n  ",
    "  Rosa: FG1-02\n",
    "role: ",
    "respondent: [a, b]\n",
    "respondent: ../../etc/passwd\n",
    "respondent: \"\"\n",
    "speakers: {}\n",
    ". ",
    "? ",
    "¿",
    "...",
    "Dr. ",
    "e.g. ",
    "# ",
    "> ",
    "- ",
];

const CAPTION_TOKENS: &[&str] = &[
    "WEBVTT\n",
    "WEBVTT - title\n\n",
    "00:00:01.000 --> 00:00:04.500\n",
    "00:00:01,000 --> 00:00:04,500\n",
    "99:59:59.999 --> 00:00:00.000",
    "00:00:01.000 --> ",
    " --> ",
    "-->",
    "00:00.000 --> 00:01.000 align:start position:10%\n",
    "<v Interviewer>",
    "<v R12>",
    "<v>",
    "</v>",
    "<b>",
    "<c.yellow>",
    "<00:00:03.000>",
    "NOTE ",
    "STYLE\n",
    "REGION\n",
    "1\n",
    "99999999999999999999\n",
    "R14: ",
    "Entrevistadora: ",
    "&amp;",
    "&lt;",
];

const CSV_TOKENS: &[&str] = &[
    ",",
    ";",
    "\t",
    "\"",
    "\"\"",
    ",,,,",
    "id,",
    "id",
    "respondent,",
    "path,",
    "line,",
    "codes,",
    "q1_apoyo,",
    "q2_familia",
    "ORG01,",
    "R01,",
    "sep=;\n",
    "=HYPERLINK(\"x\")",
    "\"multi\nline\"",
];

const DOCX_TOKENS: &[&str] = &[
    "<w:p>",
    "</w:p>",
    "<w:p/>",
    "<w:r><w:t>R21: Fuimos a la policía.</w:t></w:r>",
    "<w:t>",
    "</w:t>",
    "<w:t xml:space=\"preserve\"> ",
    "<w:tab/>",
    "<w:br/>",
    "<w:cr/>",
    "<w:delText>borrado</w:delText>",
    "<w:del>",
    "<w:tbl><w:tr><w:tc>",
    "</w:tc></w:tr></w:tbl>",
    "<w:fldChar w:fldCharType=\"begin\"/>",
    "<w:instrText>PAGE</w:instrText>",
    "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">]>",
    "&a;",
    "<![CDATA[x]]>",
    "<?pi x?>",
    "<!-- c -->",
    "xmlns:w=\"urn:other\"",
    "w:",
    "Entrevistadora: ",
    "R21: ",
];

const SHEET_TOKENS: &[&str] = &[
    "<c r=\"A1\" t=\"s\"><v>0</v></c>",
    "<c r=\"1\"><v>1</v></c>",
    "<c r=\"ZZZZZZZZZZZZZZZZZZZZ1\"><v>1</v></c>",
    "<c r=\"A100000000\"><v>1</v></c>",
    "<c r=\"XFD1048576\"><v>1</v></c>",
    "<c><v>1</v></c>",
    "<c r=\"B2\" t=\"inlineStr\"><is><t>x</t></is></c>",
    "<c r=\"C2\" t=\"str\"><f>IF(1,\"\",\"x\")</f><v></v></c>",
    "<c r=\"D2\" t=\"b\"><v>1</v></c>",
    "<c r=\"E2\" t=\"e\"><v>#VALUE!</v></c>",
    "<c r=\"F2\" t=\"d\"><v>2023-03-01</v></c>",
    "<c r=\"G2\" s=\"99999\"><v>1e308</v></c>",
    "<c r=\"A2\" t=\"s\"><v>99999</v></c>",
    "<row r=\"1048577\">",
    "<row>",
    "</row>",
    "<row r=\"0\">",
    "<dimension ref=\"A1:XFD1048576\"/>",
    "<mergeCell ref=\"A1:B2\"/>",
    "<si><t>texto</t></si>",
    "<sheet name=\"Hoja\" sheetId=\"2\" r:id=\"rId9\"/>",
    "Target=\"/xl/worksheets/sheet1.xml\"",
    "Target=\"../../etc/passwd\"",
    "<table:table-row table:number-rows-repeated=\"1048576\">",
    "<table:table-cell table:number-columns-repeated=\"16384\" office:value-type=\"float\" office:value=\"1\"/>",
    "<table:table-cell office:value-type=\"string\"><text:p>x</text:p></table:table-cell>",
    "<table:covered-table-cell/>",
    "<text:s text:c=\"99999999\"/>",
    "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">]>",
    "&a;",
];

const QDC_TOKENS: &[&str] = &[
    "<Code name=\"Apoyo\" isCodable=\"true\">",
    "<Code name=\"x\" guid=\"b1a6a7d2-0c6e-5a43-9f61-6f1f8f3c0a01\"/>",
    "<Code>",
    "</Code>",
    "<Code name=\"\"/>",
    "<Code name=\"a/b\"/>",
    "<Code name=\"Dinero y deudas\" isCodable=\"false\"/>",
    "<Description>",
    "</Description>",
    "<Codes>",
    "</Codes>",
    "<Set name=\"s\"><MemberCode targetGUID=\"nope\"/></Set>",
    "color=\"#zzzzzz\"",
    "guid=\"\"",
    "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">]>",
    "&a;",
    "&#x0;",
    "<![CDATA[x]]>",
    "<?xml version=\"1.0\" encoding=\"utf-16\"?>",
];

#[test]
fn fuzz_codebook_yaml() {
    fuzz(&Target {
        name: "codebook",
        parse: parse_codebook,
        tokens: YAML_TOKENS,
        nest: &["[", "{", "- ", "  ", "- - ", "a: ", "&x [", "*x, "],
        zip: false,
    });
}

#[test]
fn fuzz_yaml_check() {
    fuzz(&Target {
        name: "yaml",
        parse: parse_yaml,
        tokens: YAML_TOKENS,
        nest: &["[", "{", "- ", "&a [*a, *a, ", "a: &b\n  - *b\n"],
        zip: false,
    });
}

#[test]
fn fuzz_transcript_splitter() {
    fuzz(&Target {
        name: "plain",
        parse: parse_plain,
        tokens: TRANSCRIPT_TOKENS,
        nest: &["**", "[", "> ", "- ", "Rosa: ", "[00:00:01] "],
        zip: false,
    });
}

#[test]
fn fuzz_captions() {
    fuzz(&Target {
        name: "captions",
        parse: parse_plain,
        tokens: CAPTION_TOKENS,
        nest: &["<v R12>", "<b>", "<", "00:00:01.000 --> 00:00:02.000\n"],
        zip: false,
    });
}

#[test]
fn fuzz_survey_csv() {
    fuzz(&Target {
        name: "survey",
        parse: parse_survey,
        tokens: CSV_TOKENS,
        nest: &["\"", ",", "q1_apoyo,"],
        zip: false,
    });
}

#[test]
fn fuzz_respondents_csv() {
    fuzz(&Target {
        name: "respondents",
        parse: parse_respondents,
        tokens: CSV_TOKENS,
        nest: &["\"", ",", "role,"],
        zip: false,
    });
}

#[test]
fn fuzz_docx() {
    fuzz(&Target {
        name: "docx",
        parse: parse_plain,
        tokens: DOCX_TOKENS,
        nest: &["<w:p>", "<w:tbl><w:tr><w:tc>", "<a>", "<w:r>"],
        zip: true,
    });
}

#[test]
fn fuzz_spreadsheets() {
    fuzz(&Target {
        name: "xlsx",
        parse: parse_sheet,
        tokens: SHEET_TOKENS,
        nest: &["<row>", "<c>", "<is>", "<table:table-row>"],
        zip: true,
    });
}

#[test]
fn fuzz_qdc() {
    fuzz(&Target {
        name: "qdc",
        parse: parse_qdc,
        tokens: QDC_TOKENS,
        nest: &["<Code name=\"x\">", "<Code>", "<a>"],
        zip: false,
    });
}
