//! The count cache: the matrix's counts per source, computed once per
//! commit and kept beside it.

use super::*;

/// Row × respondent counts for a source, cached in `counts-<head>-<source>.bin`
/// beside the manifest (counted from the code table when absent). A
/// damaged cache is told through `notify` and counted again.
pub fn counts(
    idx: &StudyIndex,
    source: collect::Source,
    notify: &dyn Fn(&str),
) -> Result<collect::Counts> {
    let tag = match source {
        collect::Source::All => "all".to_string(),
        collect::Source::Rules => "rules".to_string(),
        collect::Source::Human => "human".to_string(),
        collect::Source::Coder(c) => format!("coder{c}"),
    };
    let (n_rows, n_resp) = (idx.manifest.rows.len(), idx.manifest.respondents.len());
    let path = idx
        .data_dir
        .join(format!("counts-{}-{tag}.bin", idx.manifest.head));
    if let Ok(bytes) = std::fs::read(&path) {
        match decode_counts(&bytes, &idx.manifest.head, n_rows, n_resp) {
            Some(c) => return Ok(c),
            // A cache of another version is only replaced; a damaged one
            // (or one of another commit, copied over it) is said, and
            // never read.
            None if !bytes.starts_with(b"THMCNT01") && !bytes.starts_with(b"THMCNT02") => {
                notify(&format!(
                    ".thematic/{} is damaged; counting again from the code table",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ))
            }
            None => {}
        }
    }
    let rows = collect::RowReader::new(source, idx.manifest.closure());
    let counts = collect::Counts::from_table(&*idx.codes()?, n_rows, n_resp, rows);
    keep_cache(&path, &encode_counts(&counts, &idx.manifest.head));
    Ok(counts)
}

/// Writes a cache file (to a temporary name, then renamed, owner only). A
/// cache that cannot be written is only slower next time: nothing is said.
pub(crate) fn keep_cache(path: &std::path::Path, bytes: &[u8]) {
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    if std::fs::write(&tmp, bytes).is_ok() {
        restrict_file(&tmp);
        if std::fs::rename(&tmp, path).is_ok() {
            return;
        }
    }
    let _ = std::fs::remove_file(&tmp);
}

pub(super) const COUNTS_MAGIC: &[u8; 8] = b"THMCNT03";

/// The counts as a cache file's bytes; `head` is the commit they are of,
/// so that a cache copied over another commit's is refused.
pub(super) fn encode_counts(c: &collect::Counts, head: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + head.len() + 4 * (c.cells.len() + 2 * c.n_resp));
    out.extend_from_slice(COUNTS_MAGIC);
    out.extend_from_slice(&(head.len() as u32).to_le_bytes());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(&(c.n_rows as u32).to_le_bytes());
    out.extend_from_slice(&(c.n_resp as u32).to_le_bytes());
    for v in c.cells.iter().chain(&c.excerpts).chain(&c.coded) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    integrity::seal(&mut out);
    out
}

pub(super) fn decode_counts(
    bytes: &[u8],
    head: &str,
    n_rows: usize,
    n_resp: usize,
) -> Option<collect::Counts> {
    let body = integrity::unseal(bytes)?.strip_prefix(COUNTS_MAGIC.as_slice())?;
    let body = body
        .strip_prefix((head.len() as u32).to_le_bytes().as_slice())?
        .strip_prefix(head.as_bytes())?;
    let word = |i: usize| {
        body.get(4 * i..4 * i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if word(0)? as usize != n_rows
        || word(1)? as usize != n_resp
        || body.len() != 4 * (2 + n_rows * n_resp + 2 * n_resp)
    {
        return None;
    }
    // Each part straight from the bytes into a vector of its size: the
    // cells of a study of tens of thousands of respondents are megabytes.
    let words = |from: usize, n: usize| -> Vec<u32> {
        body[4 * from..4 * (from + n)]
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    };
    let cells = n_rows * n_resp;
    Some(collect::Counts {
        n_rows,
        n_resp,
        cells: words(2, cells),
        excerpts: words(2 + cells, n_resp),
        coded: words(2 + cells + n_resp, n_resp),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_back_as_written_and_only_for_their_shape() {
        let counts = collect::Counts {
            n_rows: 2,
            n_resp: 3,
            cells: vec![1, 0, 7, 0, 2, 70_000],
            excerpts: vec![4, 2, 70_001],
            coded: vec![1, 2, 70_000],
        };
        let bytes = encode_counts(&counts, "c1");
        assert_eq!(decode_counts(&bytes, "c1", 2, 3), Some(counts));
        assert_eq!(decode_counts(&bytes, "c1", 3, 2), None);
        assert_eq!(decode_counts(&bytes[..bytes.len() - 1], "c1", 2, 3), None);
        // Another commit's counts, copied over this one's: refused.
        assert_eq!(decode_counts(&bytes, "c2", 2, 3), None);
    }
}
