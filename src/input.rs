//! Reading the user's own files safely: only regular files (a symbolic link
//! to one is fine), never more than a stated size, and YAML whose aliases
//! cannot blow it up. A FIFO, a device or `/dev/zero` is refused by its file
//! type before it is opened, so no command can hang on one or read without
//! end; a file over its limit is refused with the limit named. The limits
//! are listed in the README ("Limits"). Errors quote at most one short line
//! of a user's file ([`quote_line`]), so a wrong path never echoes a whole
//! transcript into a CI log.

use std::cell::Cell;
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Location, Result};

/// How much one kind of file may hold, and what to call it in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The most bytes a file of this kind may have.
    pub bytes: u64,
    /// What the file is, for messages (`a transcript`).
    pub what: &'static str,
}

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// A transcript file (`.txt`, `.md`, `.docx`, `.vtt`, `.srt`, `.csv`).
pub const TRANSCRIPT: Limit = Limit {
    bytes: GIB,
    what: "a transcript",
};
/// A coding sheet in `codings/`.
pub const SHEET: Limit = Limit {
    bytes: GIB,
    what: "a coding sheet",
};
/// `respondents.csv`.
pub const RESPONDENTS: Limit = Limit {
    bytes: 256 * MIB,
    what: "the respondents table",
};
/// A YAML file: the codebook or `thematic.yaml`.
pub const YAML: Limit = Limit {
    bytes: 16 * MIB,
    what: "a YAML file (codebook or settings)",
};
/// A REFI-QDA codebook given to `codebook import`.
pub const QDC: Limit = Limit {
    bytes: 64 * MIB,
    what: "a .qdc codebook",
};
/// One XML part of a `.docx` or `.xlsx` package, once inflated.
pub const PACKAGE_PART: Limit = Limit {
    bytes: 256 * MIB,
    what: "an XML part of a .docx or .xlsx file (inflated)",
};

/// Human size: `16 MiB`, `1 GiB`, `1.4 GiB`, `812 bytes`.
pub fn size(bytes: u64) -> String {
    let unit = |n: u64, u: u64, name: &str| {
        if n.is_multiple_of(u) {
            format!("{} {name}", n / u)
        } else {
            format!("{:.1} {name}", n as f64 / u as f64)
        }
    };
    if bytes >= GIB {
        unit(bytes, GIB, "GiB")
    } else if bytes >= MIB {
        unit(bytes, MIB, "MiB")
    } else if bytes >= 1024 {
        unit(bytes, 1024, "KiB")
    } else {
        format!("{bytes} bytes")
    }
}

/// The error for a file (or part) larger than its limit.
pub fn too_big(shown: &str, found: Option<u64>, limit: Limit) -> Error {
    let is = match found {
        Some(n) => format!("is {},", size(n)),
        None => "holds".to_string(),
    };
    Error::at(
        Location::file(shown),
        format!(
            "{shown} {is} more than the {} limit for {}",
            size(limit.bytes),
            limit.what
        ),
    )
    .with_hint("check that this is the file you meant; split a larger file into several (the limits are listed under Limits in the README)")
}

/// What kind of thing a non-regular path is, for messages.
fn kind_of(ft: std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
    }
    "not a regular file"
}

/// Checks, without opening it, that `path` (after symbolic links) is a
/// regular file within `limit`; returns its size.
pub fn check_file(path: &Path, shown: &str, limit: Limit) -> Result<u64> {
    check_meta(path, shown, limit).map(|m| m.len())
}

/// A file's size and modification time (nanoseconds since the epoch; 0
/// when the system does not say), as the index records them.
pub fn size_and_mtime(meta: &std::fs::Metadata) -> (u64, u128) {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    (meta.len(), mtime)
}

/// [`check_meta`]'s size and mtime (as [`size_and_mtime`] gives them) of
/// a file found in the folder `dir` holds open: stat'ed by its name in
/// that folder, which spares the kernel walking the whole path again for
/// each of tens of thousands of transcripts. Anything but a regular file
/// within the limit is checked again by path, for [`check_meta`]'s error.
pub fn check_stat_in(
    dir: Option<&std::fs::File>,
    path: &Path,
    shown: &str,
    limit: Limit,
) -> Result<(u64, u128)> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let (Some(dir), Some(name)) = (dir, path.file_name()) {
        if let Some(stat) = stat_in(dir, name).filter(|s| s.0 <= limit.bytes) {
            return Ok(stat);
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = dir;
    check_meta(path, shown, limit).map(|m| size_and_mtime(&m))
}

/// The size and mtime of the regular file `name` in the folder `dir` (links
/// followed, as [`std::fs::metadata`] does); `None` when it is anything
/// else or cannot be stat'ed.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn stat_in(dir: &std::fs::File, name: &std::ffi::OsStr) -> Option<(u64, u128)> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;
    let name = std::ffi::CString::new(name.as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `name` is a NUL-terminated string and `st` a buffer of the
    // size fstatat writes; the folder's descriptor is open while `dir` lives.
    let st = unsafe {
        if libc::fstatat(dir.as_raw_fd(), name.as_ptr(), st.as_mut_ptr(), 0) != 0 {
            return None;
        }
        st.assume_init()
    };
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return None;
    }
    // As `size_and_mtime`: nanoseconds since the epoch, 0 before it.
    let mtime = if st.st_mtime < 0 || st.st_mtime_nsec < 0 {
        0
    } else {
        st.st_mtime as u128 * 1_000_000_000 + st.st_mtime_nsec as u128
    };
    Some((u64::try_from(st.st_size).ok()?, mtime))
}

/// [`check_file`], giving the file's metadata.
pub fn check_meta(path: &Path, shown: &str, limit: Limit) -> Result<std::fs::Metadata> {
    let meta = std::fs::metadata(path).map_err(|e| not_read(path, shown, e))?;
    if !meta.file_type().is_file() {
        let kind = kind_of(meta.file_type());
        let message = if kind.starts_with("not ") {
            format!("{shown} is not a regular file")
        } else {
            format!("{shown} is {kind}, not a regular file")
        };
        return Err(Error::at(Location::file(shown), message).with_hint(
            "thematic reads only regular files (a symbolic link to one is fine); put the file itself there, or remove it",
        ));
    }
    if meta.len() > limit.bytes {
        return Err(too_big(shown, Some(meta.len()), limit));
    }
    Ok(meta)
}

/// The error for a file that cannot be stat'ed or opened: a symbolic link
/// whose target is missing is named as such (the link is there, so "not
/// found" would puzzle), by `shown`; anything else as [`Error::io`] says.
fn not_read(path: &Path, shown: &str, err: std::io::Error) -> Error {
    if err.kind() == std::io::ErrorKind::NotFound {
        let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if link {
            let target = std::fs::read_link(path)
                .map(|t| format!(" `{}`", t.display()))
                .unwrap_or_default();
            return Error::at(
                Location::file(shown),
                format!("{shown} is a symbolic link to a missing file{target}"),
            )
            .with_hint(
                "restore the file it points to, point the link at the file, or remove the link",
            );
        }
    }
    #[cfg(unix)]
    if err.raw_os_error() == Some(libc::ELOOP) {
        return Error::at(
            Location::file(shown),
            format!("{shown} is a symbolic link in a loop: links that lead to each other, never to a file"),
        )
        .with_hint("point the link at the file itself, or remove the link");
    }
    Error::io(path, err)
}

/// Reads a user's file: a regular file (or a link to one) of at most
/// `limit` bytes, else an error naming it (exit 2).
pub fn read_user_file(path: &Path, shown: &str, limit: Limit) -> Result<Vec<u8>> {
    let len = check_file(path, shown, limit)?;
    let file = std::fs::File::open(path).map_err(|e| not_read(path, shown, e))?;
    let mut bytes = Vec::with_capacity(len as usize);
    // The file may grow between the check and the read: never past the limit.
    file.take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit.bytes {
        return Err(too_big(shown, None, limit));
    }
    Ok(bytes)
}

/// Reads at most `limit` bytes from `reader` (a part inside a zip, say):
/// `Ok(None)` when there was more.
pub fn read_capped(reader: impl Read, limit: u64, hint: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::with_capacity(hint.min(limit).min(64 * MIB) as usize);
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// At most one line of a user's text, at most `max` characters, for an
/// error message: the first line, cut with `…` (and `…` when more lines
/// follow).
pub fn quote_line(text: &str, max: usize) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    let mut out: String = first.chars().take(max).collect();
    if first.chars().count() > max || lines.next().is_some() {
        out.push('…');
    }
    out
}

/// How big a YAML text may expand to, counting each value as one plus the
/// bytes of its text: twice its own size (text without aliases stays below
/// its size, since every value takes at least about a byte to write), plus
/// room for ordinary anchors and aliases.
fn yaml_expansion_limit(text: &str) -> usize {
    text.len().saturating_mul(2).saturating_add(100_000)
}

const TOO_MANY_NODES: &str = "thematic: YAML expands beyond its node limit";

/// Refuses YAML whose anchors and aliases expand it far beyond its own size
/// (a "billion laughs" alias bomb), before anything is built from it. Other
/// YAML errors are left to the real reading, which reports them in place.
pub fn check_yaml(text: &str, shown: &str) -> Result<()> {
    check_yaml_from(text, shown, 1)
}

/// How deep `[` and `{` may nest in YAML. The YAML reader refuses more
/// than 128 nested collections anyway, but only after scanning the whole
/// document, in time that grows with the nesting times the length (20,000
/// unclosed `[` took 20 s); the text is looked at first.
pub const MAX_YAML_FLOW_DEPTH: usize = 256;

/// [`check_yaml`] for YAML that starts at line `first_line` of `shown`
/// (front matter starts at line 2), so that places are the file's.
pub fn check_yaml_from(text: &str, shown: &str, first_line: usize) -> Result<()> {
    use serde::de::DeserializeSeed;
    if let Some((line, col)) = too_deep(text, MAX_YAML_FLOW_DEPTH) {
        return Err(Error::at(
            Location::at(shown, line + first_line - 1, col),
            format!(
                "lists or mappings nest more than {MAX_YAML_FLOW_DEPTH} deep here (`[` or `{{` inside one another)"
            ),
        )
        .with_hint("close the brackets, or write the nested parts as indented blocks"));
    }
    let count = Cell::new(0usize);
    let limit = yaml_expansion_limit(text);
    let seed = Count {
        seen: &count,
        limit,
    };
    match seed.deserialize(serde_yaml::Deserializer::from_str(text)) {
        Err(e) if e.to_string().contains(TOO_MANY_NODES) => Err(Error::at(
            Location::file(shown),
            format!(
                "{shown} expands to more than {} when read: its anchors and aliases (`&name`, `*name`) repeat parts of it too often",
                size(limit as u64)
            ),
        )
        .with_hint("write the repeated parts out, or use fewer aliases")),
        _ => Ok(()),
    }
}

/// The 1-based line and column of the first `[` or `{` that opens a flow
/// collection deeper than `max`. Brackets inside quotes, comments and plain
/// scalars (`label: a [b]`) are text; a plain scalar that goes on over
/// several lines is taken to end with its first line, so the count can
/// only be higher than the real depth, and real YAML stays far below `max`.
fn too_deep(text: &str, max: usize) -> Option<(usize, usize)> {
    // Lines inside block scalars (`|`, `>`, as `codebook fmt` writes long
    // text) and quoted scalars over several lines are text.
    let lines: Vec<&str> = text.lines().collect();
    let text_lines = crate::codebook::source::scalar_lines(&lines);
    let bytes = text.as_bytes();
    let (mut depth, mut line, mut col) = (0usize, 1usize, 0usize);
    let mut quote: Option<u8> = None;
    let (mut comment, mut plain) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        let ends = |n: Option<u8>| n.is_none_or(|n| n.is_ascii_whitespace());
        let prev_space = i == 0 || bytes[i - 1].is_ascii_whitespace();
        i += 1;
        // Columns count characters, not the bytes of one.
        if b & 0xC0 != 0x80 {
            col += 1;
        }
        if b == b'\n' {
            (line, col, comment, plain) = (line + 1, 0, false, false);
            if text_lines.get(line - 1) == Some(&true) {
                // Skip to the line's end; a quote open above ends in it.
                i += bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .unwrap_or(bytes.len() - i);
                quote = None;
            }
            continue;
        }
        if comment {
            continue;
        }
        if let Some(q) = quote {
            if q == b'"' && b == b'\\' {
                i += 1; // the escaped character (never a newline that matters)
                col += 1;
            } else if b == q {
                quote = None;
            }
            continue;
        }
        match b {
            b'#' if prev_space => comment = true,
            b'"' | b'\'' if !plain => quote = Some(b),
            b'[' | b'{' if !plain => {
                depth += 1;
                if depth > max {
                    return Some((line, col));
                }
            }
            b']' | b'}' if depth > 0 => (depth, plain) = (depth - 1, false),
            b',' if depth > 0 => plain = false,
            b':' if ends(next) || (depth > 0 && next.is_some_and(|n| b",[]{}".contains(&n))) => {
                plain = false
            }
            b'-' | b'?' if !plain && ends(next) => {}
            // An anchor, alias or tag (`&a`, `*a`, `!tag`) comes before a
            // node or is one: skip its name.
            b'&' | b'*' | b'!' if !plain => {
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !b",[]{}".contains(&bytes[i])
                {
                    if bytes[i] & 0xC0 != 0x80 {
                        col += 1;
                    }
                    i += 1;
                }
            }
            b' ' | b'\t' | b'\r' => {}
            _ => plain = true,
        }
    }
    None
}

/// Weighs the values of a YAML document (one per value plus the bytes of its
/// text) without keeping them, and stops at the limit.
#[derive(Clone, Copy)]
struct Count<'a> {
    seen: &'a Cell<usize>,
    limit: usize,
}

impl Count<'_> {
    fn tick<E: serde::de::Error>(&self) -> std::result::Result<(), E> {
        self.add(1)
    }
    fn add<E: serde::de::Error>(&self, weight: usize) -> std::result::Result<(), E> {
        let n = self.seen.get().saturating_add(weight);
        self.seen.set(n);
        if n > self.limit {
            Err(E::custom(TOO_MANY_NODES))
        } else {
            Ok(())
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Count<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Count<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> std::result::Result<(), E> {
        self.tick()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<(), E> {
        self.tick()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<(), E> {
        self.tick()
    }
    fn visit_i128<E: serde::de::Error>(self, _: i128) -> std::result::Result<(), E> {
        self.tick()
    }
    fn visit_u128<E: serde::de::Error>(self, _: u128) -> std::result::Result<(), E> {
        self.tick()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<(), E> {
        self.tick()
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<(), E> {
        self.add(1 + s.len())
    }
    fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> std::result::Result<(), E> {
        self.add(1 + b.len())
    }
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<(), E> {
        self.tick()
    }
    fn visit_none<E: serde::de::Error>(self) -> std::result::Result<(), E> {
        self.tick()
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        self.tick()?;
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<(), D::Error> {
        self.tick()?;
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        self.tick()?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        self.tick()?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(
        self,
        data: A,
    ) -> std::result::Result<(), A::Error> {
        use serde::de::VariantAccess;
        self.tick()?;
        let (_, variant) = data.variant::<serde::de::IgnoredAny>()?;
        variant.newtype_variant_seed(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_loop_of_links_is_named_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let e = read_user_file(&a, "transcripts/a.txt", TRANSCRIPT).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.report(),
            "error: transcripts/a.txt is a symbolic link in a loop: links that lead to each other, never to a file\n  --> transcripts/a.txt\n  = help: point the link at the file itself, or remove the link"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_missing_file_is_named_as_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("gone.txt");
        std::os::unix::fs::symlink(dir.path().join("nowhere.txt"), &link).unwrap();
        let r = read_user_file(&link, "transcripts/gone.txt", YAML)
            .unwrap_err()
            .report();
        assert!(
            r.starts_with("error: transcripts/gone.txt is a symbolic link to a missing file `")
                && r.contains("nowhere.txt`\n  --> transcripts/gone.txt\n  = help: restore the file it points to"),
            "{r}"
        );
        // A missing file that is no link is told as before.
        let r = read_user_file(&dir.path().join("none.txt"), "none.txt", YAML)
            .unwrap_err()
            .report();
        assert!(r.starts_with("error: file or folder not found\n"), "{r}");
    }

    /// A classic alias bomb: each level repeats the one below nine times.
    fn bomb() -> String {
        let lol = format!("\"{}\"", "lol".repeat(30));
        let mut s = format!("a: &a [{}]\n", vec![lol; 3].join(","));
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(",");
            s.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
        }
        s
    }

    #[test]
    fn alias_bombs_are_refused_fast_and_plain_yaml_passes() {
        let text = bomb();
        assert!(text.len() < 1400, "{}", text.len());
        let started = std::time::Instant::now();
        let e = check_yaml(&text, "codebooks/main.yaml").unwrap_err();
        assert!(started.elapsed().as_secs_f64() < 1.0);
        assert_eq!(e.exit_code(), 2);
        assert!(e.report().contains("codebooks/main.yaml"), "{}", e.report());
        assert!(e.report().contains("aliases"), "{}", e.report());
        // Ordinary anchors, tags and broken YAML are for the real reader.
        check_yaml("terms: &t [police, report*]\nagain: *t\n", "x.yaml").unwrap();
        check_yaml("a: !tag {b: [1, 2.5, true, ~]}\n", "x.yaml").unwrap();
        check_yaml("a: [unclosed\n", "x.yaml").unwrap();
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_the_yaml_reader_scans_it() {
        // Found by fuzzing: 20,000 unclosed `[` (240 KB) took the YAML
        // reader 20 s to scan before it refused the depth.
        let text = format!(
            "codebook: Servicios\nthemes: {}\n",
            "&a [*a, ".repeat(20_000)
        );
        let started = std::time::Instant::now();
        let e = check_yaml(&text, "codebooks/main.yaml").unwrap_err();
        assert!(started.elapsed().as_secs_f64() < 1.0);
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.location(),
            Some(&Location::at("codebooks/main.yaml", 2, 8 + 8 * 256 + 4))
        );
        assert!(e.report().contains("more than 256 deep"), "{}", e.report());
        // Front matter is placed in its file.
        let e = check_yaml_from(&"[".repeat(300), "t.txt", 2).unwrap_err();
        assert_eq!(e.location(), Some(&Location::at("t.txt", 2, 257)));
        // Brackets in quotes, comments and plain scalars are text.
        let many = "[".repeat(300);
        let text = format!(
            "a: '{many}'\nb: \"{many}\\\" {many}\"\n# {many}\nc: don't {many}'\nd: [x {many}, &b y]\n"
        );
        check_yaml(&text, "x.yaml").unwrap();
        let folded = format!("f: >-\n  {many}\n  {many}\ng: \"a\n  {many}\"\n");
        check_yaml(&format!("{text}{folded}"), "x.yaml").unwrap();
        let e = check_yaml(&format!("{text}e: !!seq {many}\n"), "x.yaml").unwrap_err();
        assert_eq!(e.location(), Some(&Location::at("x.yaml", 6, 266)));
        // Real nesting up to the limit is left to the reader.
        check_yaml(
            &format!("a: {}{}\n", "[".repeat(256), "]".repeat(256)),
            "x.yaml",
        )
        .unwrap();
    }

    #[test]
    fn sizes_and_quotes() {
        assert_eq!(size(16 * MIB), "16 MiB");
        assert_eq!(size(GIB), "1 GiB");
        assert_eq!(size(3 * GIB / 2), "1.5 GiB");
        assert_eq!(size(812), "812 bytes");
        assert_eq!(quote_line("R01: Hola\nsegunda", 120), "R01: Hola…");
        assert_eq!(quote_line("abc", 2), "ab…");
        assert_eq!(quote_line("abc", 3), "abc");
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read() {
        let e = read_user_file(Path::new("/dev/zero"), "t/zero.txt", TRANSCRIPT).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.report().contains("t/zero.txt is a character device"),
            "{}",
            e.report()
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.yaml");
        std::fs::write(&p, vec![b'#'; 2048]).unwrap();
        let small = Limit {
            bytes: 1024,
            what: "a test file",
        };
        let e = read_user_file(&p, "big.yaml", small).unwrap_err();
        assert!(
            e.report()
                .contains("big.yaml is 2 KiB, more than the 1 KiB limit for a test file"),
            "{}",
            e.report()
        );
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        assert_eq!(
            read_user_file(&link, "link.yaml", YAML).unwrap().len(),
            2048
        );
    }
}
