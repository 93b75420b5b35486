//! The manifest: the study's state as the last commit saw it (hashes of
//! the codebook, settings and transcripts, rows, respondents and their
//! attributes, coders), stored beside the index and named by the commit's
//! payload; details per transcript are read on demand.

use super::*;
use crate::codebook::Named;

/// A coder as the manifest records it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoderInfo {
    /// Name (sheet file name or `coder` column).
    pub name: String,
    /// Codes (row ids) the coder applied directly.
    pub used: Vec<usize>,
    /// The distinct code scopes of the coder's sheets: each the code
    /// columns of a wide sheet (row ids), or `None` for a long sheet, which
    /// considers every code. The code table records, per excerpt, which of
    /// them covered it.
    #[serde(default)]
    pub scopes: Vec<Option<Vec<usize>>>,
}

/// One transcript in the manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Dense file id used in the index.
    pub id: u64,
    /// blake3 of the file's bytes.
    pub hash: String,
    /// Size in bytes when last read.
    pub size: u64,
    /// Modification time (ns since the epoch) when last read.
    pub mtime: u128,
    /// The search language its excerpts are stemmed in.
    #[serde(default)]
    pub language: Language,
    /// The respondents whose `respondents.csv` language decides
    /// [`FileEntry::language`] (empty when the front matter gives it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follows: Vec<String>,
    /// The search terms its excerpts put in the index (their bodies'
    /// tokens): the ranking's statistics count the study as it is, not
    /// what earlier runs left deleted in the index (see
    /// [`Manifest::tokens`]).
    #[serde(default)]
    pub tokens: u64,
    /// What ingest learned; kept in a separate details file and loaded
    /// only by the commands that need it ([`load_details`]). Shared: until
    /// then every entry points at one empty summary.
    #[serde(skip)]
    pub info: Arc<TranscriptInfo>,
}

/// A codebook row as recorded in the manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowInfo {
    /// Path `theme/code…`.
    pub path: String,
    /// Label.
    pub label: String,
    /// 0 for a theme.
    pub depth: usize,
    /// The codebook's rules can code it (an `any` term or a regex).
    pub auto: bool,
    /// The parent row (None for a theme).
    pub parent: Option<usize>,
    /// The code's earlier ids (its `formerly`; none for a theme), so that
    /// a name the codebook has since changed still finds the code.
    pub formerly: Vec<String>,
}

/// The commit payload: what the index was built from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifest {
    /// Always `thematic`.
    pub tool: String,
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema: u32,
    /// blake3 of the codebook file.
    pub codebook_hash: String,
    /// blake3 of thematic.yaml (empty when absent).
    pub settings_hash: String,
    /// blake3 of respondents.csv (empty when absent).
    pub respondents_hash: String,
    /// The analyzer's language.
    pub language: Language,
    /// Codebook rows by dense id.
    pub rows: Vec<RowInfo>,
    /// Respondent ids by dense id.
    pub respondents: Vec<String>,
    /// Merged attributes by respondent id.
    pub attributes: AttributeTable,
    /// Transcripts by path.
    pub files: FileTable,
    /// Study-level warnings from the last run.
    pub warnings: Vec<String>,
    /// blake3 over the coding sheets (empty when there are none).
    pub codings_hash: String,
    /// Human coders by dense id.
    pub coders: Vec<CoderInfo>,
    /// Coding rows re-anchored to an excerpt that moved (told once).
    pub moves: Vec<String>,
    /// Excerpt ids that an edit of their transcript moved: old id → the id
    /// of the excerpt with the same text in the same transcript now, so
    /// that a chart citing the old id can say where its text went.
    pub moved: BTreeMap<String, String>,
    /// Notes on the coding sheets already told (earlier code names).
    pub notes: Vec<String>,
    /// Respondents who withdrew consent (thematic.yaml's `withdrawn:` and
    /// respondents.csv's `withdrawn` column), sorted: none of their text
    /// is in the index.
    pub withdrawn: Vec<String>,
    /// Those of them the study has (transcripts or respondents.csv rows):
    /// the respondents withheld from every output.
    pub withheld: Vec<String>,
    /// The search terms in the index per language (the sum of its
    /// transcripts' [`FileEntry::tokens`]): what BM25 ranks by, as a
    /// fresh index of the same transcripts would count them.
    pub tokens: Vec<(Language, u64)>,
    /// The fingerprint of the transcripts as the commit saw them
    /// ([`listing_fingerprint`] of every file's path, size and mtime; set
    /// when opened).
    pub listing: String,
    /// The hash that names this manifest's files (set when opened).
    pub head: String,
    /// The details file of this commit, opened with the manifest (so that
    /// a commit made meanwhile cannot take it away) and read on demand.
    pub(super) details_file: HeldFile,
}

/// A map that an opened manifest keeps encoded (its encoding checked when
/// it was opened) and decodes on first use; one built in memory is decoded
/// from the start. Changing it drops the encoding.
pub struct LazyMap<V: Decode> {
    map: std::sync::OnceLock<BTreeMap<String, V>>,
    encoded: Option<Arc<[u8]>>,
}

/// How a [`LazyMap`]'s values are decoded from [`binary`]'s encoding.
pub trait Decode: Sized {
    /// The map encoded in `bytes`, or `None` when they are not one.
    fn decode(bytes: &[u8]) -> Option<BTreeMap<String, Self>>;
}

impl Decode for FileEntry {
    fn decode(bytes: &[u8]) -> Option<BTreeMap<String, FileEntry>> {
        binary::decode_files(bytes)
    }
}

impl Decode for Attributes {
    fn decode(bytes: &[u8]) -> Option<BTreeMap<String, Attributes>> {
        binary::decode_attributes(bytes)
    }
}

impl<V: Decode> LazyMap<V> {
    /// A map encoded by [`binary`], whose encoding was checked.
    pub(super) fn encoded(bytes: Arc<[u8]>) -> LazyMap<V> {
        LazyMap {
            map: std::sync::OnceLock::new(),
            encoded: Some(bytes),
        }
    }

    /// Whether the map was decoded (or built).
    #[cfg(test)]
    pub(super) fn is_decoded(&self) -> bool {
        self.map.get().is_some()
    }

    /// The encoding, while the map was not decoded (a lookup that reads
    /// it directly need not decode the rest).
    fn undecoded(&self) -> Option<&[u8]> {
        match self.map.get() {
            None => self.encoded.as_deref(),
            Some(_) => None,
        }
    }

    /// The map, decoded on first use.
    fn map(&self) -> &BTreeMap<String, V> {
        self.map.get_or_init(|| {
            self.encoded
                .as_deref()
                .and_then(V::decode)
                .unwrap_or_default()
        })
    }
}

impl<V: Decode> Default for LazyMap<V> {
    fn default() -> LazyMap<V> {
        BTreeMap::new().into()
    }
}

impl<V: Decode> From<BTreeMap<String, V>> for LazyMap<V> {
    fn from(map: BTreeMap<String, V>) -> LazyMap<V> {
        LazyMap {
            map: map.into(),
            encoded: None,
        }
    }
}

impl<V: Decode> std::ops::Deref for LazyMap<V> {
    type Target = BTreeMap<String, V>;

    fn deref(&self) -> &Self::Target {
        self.map()
    }
}

impl<V: Decode> std::ops::DerefMut for LazyMap<V> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.map();
        self.encoded = None;
        self.map.get_mut().expect("decoded just above")
    }
}

impl<V: Decode + Clone> Clone for LazyMap<V> {
    fn clone(&self) -> LazyMap<V> {
        match self.map.get() {
            Some(map) => map.clone().into(),
            None => LazyMap {
                map: std::sync::OnceLock::new(),
                encoded: self.encoded.clone(),
            },
        }
    }
}

impl<V: Decode + PartialEq> PartialEq for LazyMap<V> {
    fn eq(&self, other: &LazyMap<V>) -> bool {
        self.map() == other.map()
    }
}

impl<V: Decode + std::fmt::Debug> std::fmt::Debug for LazyMap<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.map().fmt(f)
    }
}

/// The transcripts as a manifest holds them: counting commands (`stats`,
/// `matrix`) never decode the table once the quick staleness check has
/// passed.
pub type FileTable = LazyMap<FileEntry>;

/// Respondents' attributes as a manifest holds them: on a study of tens of
/// thousands of respondents they are most of the manifest, and most
/// commands never look at them; a command that shows a few quotes looks up
/// a few respondents' without decoding the others ([`AttributeTable::of`]).
#[derive(Default, Clone, PartialEq)]
pub struct AttributeTable {
    table: LazyMap<Attributes>,
    /// Where each respondent's entry starts in the encoding, for
    /// [`AttributeTable::of`] (not copied by a clone, nor compared).
    offsets: Offsets,
}

impl AttributeTable {
    /// A table of attributes encoded by [`binary`], whose encoding was
    /// checked.
    pub(super) fn encoded(bytes: Arc<[u8]>) -> AttributeTable {
        AttributeTable {
            table: LazyMap::encoded(bytes),
            offsets: Offsets::default(),
        }
    }

    /// Whether the map was decoded (or built).
    #[cfg(test)]
    pub(super) fn is_decoded(&self) -> bool {
        self.table.is_decoded()
    }

    /// One respondent's attributes: looked up in the encoded table, when it
    /// was not decoded, without decoding the others.
    pub fn of(&self, resp: &str) -> Option<Attributes> {
        match self.table.undecoded() {
            Some(bytes) => {
                let offsets = self
                    .offsets
                    .0
                    .get_or_init(|| binary::attribute_offsets(bytes).unwrap_or_default());
                binary::find_attributes(bytes, offsets, resp)
            }
            None => self.table.get(resp).cloned(),
        }
    }

    /// Every respondent's value of `attr` (those without it left out), in
    /// respondent order: read from the encoding when the table was not
    /// decoded, without decoding it.
    pub fn column<'a>(&'a self, attr: &str) -> Vec<(&'a str, &'a str)> {
        if let Some(column) = self
            .table
            .undecoded()
            .and_then(|b| binary::attribute_column(b, attr))
        {
            return column;
        }
        self.table
            .iter()
            .filter_map(|(r, a)| a.get(attr).map(|v| (r.as_str(), v.as_str())))
            .collect()
    }
}

impl From<BTreeMap<String, Attributes>> for AttributeTable {
    fn from(map: BTreeMap<String, Attributes>) -> AttributeTable {
        AttributeTable {
            table: map.into(),
            offsets: Offsets::default(),
        }
    }
}

impl std::ops::Deref for AttributeTable {
    type Target = BTreeMap<String, Attributes>;

    fn deref(&self) -> &Self::Target {
        &self.table
    }
}

impl std::ops::DerefMut for AttributeTable {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.table
    }
}

impl std::fmt::Debug for AttributeTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.table.fmt(f)
    }
}

/// Offsets into an encoded attribute table, found on first use: a cache,
/// so a clone starts without them and tables compare by their maps.
#[derive(Default)]
struct Offsets(std::sync::OnceLock<Vec<usize>>);

impl Clone for Offsets {
    fn clone(&self) -> Offsets {
        Offsets::default()
    }
}

impl PartialEq for Offsets {
    fn eq(&self, _: &Offsets) -> bool {
        true
    }
}

/// A file held open from the moment a commit is opened.
#[derive(Debug, Clone, Default)]
pub(super) struct HeldFile(pub(super) Option<Arc<std::fs::File>>);

impl PartialEq for HeldFile {
    /// The file is where the data comes from, not data: manifests compare
    /// by what they say.
    fn eq(&self, _: &HeldFile) -> bool {
        true
    }
}

/// Reads the whole of a held file from its start.
pub(super) fn read_held(file: &std::fs::File) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek};
    let mut f = file;
    f.seek(std::io::SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

impl Manifest {
    /// All attribute names in the study, sorted.
    pub fn attribute_names(&self) -> Vec<String> {
        // The encoding starts with them: read without decoding the table.
        if let Some(names) = self
            .attributes
            .table
            .undecoded()
            .and_then(binary::attribute_names)
        {
            return names;
        }
        // Each name once, copied once: tens of thousands of respondents
        // share a handful of names.
        let names: std::collections::BTreeSet<&str> = self
            .attributes
            .values()
            .flat_map(|a| a.keys().map(String::as_str))
            .collect();
        names.into_iter().map(str::to_string).collect()
    }

    /// A fresh manifest for this writer.
    pub fn new() -> Manifest {
        Manifest {
            tool: TOOL.into(),
            schema: SCHEMA_VERSION,
            ..Default::default()
        }
    }

    /// A respondent's value of an attribute (`respondent` is the id unless
    /// an attribute has that name).
    pub fn attribute<'a>(&'a self, resp: &'a str, attr: &str) -> Option<&'a str> {
        match self.attributes.get(resp).and_then(|a| a.get(attr)) {
            Some(v) => Some(v.as_str()),
            None if attr == "respondent" => Some(resp),
            None => None,
        }
    }

    /// The languages the excerpts are stemmed in, each once, in
    /// [`Language::ALL`] order (the study's language when there is no
    /// transcript): the body fields a query searches.
    pub fn languages(&self) -> Vec<Language> {
        let mut seen = [false; Language::ALL.len()];
        for (_, _, language) in self.file_refs() {
            if let Some(i) = Language::ALL.iter().position(|&l| l == language) {
                seen[i] = true;
            }
        }
        let out: Vec<Language> = Language::ALL
            .into_iter()
            .zip(seen)
            .filter_map(|(l, s)| s.then_some(l))
            .collect();
        if out.is_empty() {
            vec![self.language]
        } else {
            out
        }
    }

    /// The codebook's parent links, to expand codes into rows.
    pub fn closure(&self) -> codes::Closure {
        codes::Closure::new(self.rows.iter().map(|r| r.parent))
    }

    /// Corpus order (path, then position in the file) over dense file ids.
    pub fn corpus_order(&self) -> CorpusOrder {
        let refs = self.file_refs();
        let max = refs.iter().map(|f| f.1).max().map_or(0, |m| m as usize + 1);
        let mut ranks = vec![u32::MAX; max];
        for (rank, &(_, id, _)) in refs.iter().enumerate() {
            ranks[id as usize] = rank as u32;
        }
        CorpusOrder(ranks)
    }

    /// Every transcript's path, dense id and language, in path order:
    /// straight from the encoding when the table was not decoded (a command
    /// that sorts or fetches hits by file needs nothing else of it).
    pub fn file_refs(&self) -> Vec<(&str, u64, Language)> {
        self.files
            .undecoded()
            .and_then(binary::file_refs)
            .unwrap_or_else(|| {
                self.files
                    .iter()
                    .map(|(p, f)| (p.as_str(), f.id, f.language))
                    .collect()
            })
    }
}

/// Sort keys in corpus order: each dense file id's rank in path order.
#[derive(Debug, Clone)]
pub struct CorpusOrder(Vec<u32>);

impl CorpusOrder {
    /// The key of the excerpt at `pos` in file `file`.
    pub fn key(&self, file: u64, pos: u64) -> (u32, u64) {
        (self.0.get(file as usize).copied().unwrap_or(u32::MAX), pos)
    }
}

/// The body of the details file committed with the manifest, its seal
/// checked.
fn details_body(data_dir: &Path, manifest: &Manifest) -> Result<(Vec<u8>, PathBuf)> {
    let path = data_dir.join(format!("details-{}.bin", manifest.head));
    let bytes = match &manifest.details_file.0 {
        Some(file) => read_held(file),
        None => std::fs::read(&path),
    }
    .map_err(|e| match e.kind() {
        // Derived data, not the user's: thematic.yaml has nothing to do
        // with it. Only a commit made while this one was read removes it.
        std::io::ErrorKind::NotFound => Error::failure(format!(
            "{} was removed while it was read (another thematic command updated the index)",
            path.display()
        ))
        .with_hint("run the command again"),
        _ => Error::io(&path, e),
    })?;
    let body = integrity::unseal_vec(bytes).ok_or_else(|| damaged(&path))?;
    Ok((body, path))
}

/// Fills in each file's [`TranscriptInfo`] from the details file committed
/// with the manifest.
pub fn load_details(data_dir: &Path, manifest: &mut Manifest) -> Result<()> {
    let (body, path) = details_body(data_dir, manifest)?;
    let details = binary::decode_details(&body).ok_or_else(|| damaged(&path))?;
    // Both are in path order: one walk pairs them.
    let mut details = details.into_iter().peekable();
    for (p, e) in manifest.files.iter_mut() {
        while details.next_if(|(d, _)| d < p).is_some() {}
        if let Some((_, info)) = details.next_if(|(d, _)| d == p) {
            e.info = Arc::new(info);
        }
    }
    Ok(())
}

/// What `thematic code` says of the transcripts, read from the head of the
/// details file without decoding the rest: every transcript's warnings in
/// path order, and whether any has a `speakers:` map (then the details
/// are loaded to check those ids).
pub fn details_summary(data_dir: &Path, manifest: &Manifest) -> Result<(Vec<String>, bool)> {
    let (body, path) = details_body(data_dir, manifest)?;
    binary::decode_details_head(&body).ok_or_else(|| damaged(&path))
}

/// The fingerprint of a list of transcripts: blake3 over each one's path,
/// size and modification time, in the order given (path order). Two
/// listings have the same fingerprint only when they name the same files
/// with the same sizes and mtimes, which is what the staleness check
/// compares file by file; so a reading command that finds the fingerprint
/// of the files it listed equal to the manifest's knows at once that no
/// transcript changed, without comparing them one by one.
pub fn listing_fingerprint<'a>(files: impl Iterator<Item = (&'a str, u64, u128)>) -> String {
    let mut h = blake3::Hasher::new();
    for (rel, size, mtime) in files {
        h.update(&(rel.len() as u64).to_le_bytes());
        h.update(rel.as_bytes());
        h.update(&size.to_le_bytes());
        h.update(&mtime.to_le_bytes());
    }
    h.finalize().to_hex().to_string()
}

/// The fingerprint of the transcripts a manifest lists.
pub fn listing_of(files: &BTreeMap<String, FileEntry>) -> String {
    listing_fingerprint(files.iter().map(|(p, e)| (p.as_str(), e.size, e.mtime)))
}

/// The commit payload: which writer made the commit and which manifest
/// file belongs to it.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct PayloadHead {
    pub(super) tool: String,
    pub(super) schema: u32,
    pub(super) manifest: String,
}

/// A path or unique suffix of one among the index's rows.
pub fn resolve_row(rows: &[&str], name: &str) -> Result<usize> {
    let name = name.trim().trim_matches('/');
    let hits = current_hits(rows, name);
    match hits.len() {
        1 => Ok(hits[0]),
        0 => Err(unknown_row(rows, name)),
        _ => Err(ambiguous_row(rows, name, &hits)),
    }
}

/// What a name denotes among the index's rows ([`look_up`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A current path or the unique suffix of one.
    Now(usize),
    /// An earlier name of one code, by its `formerly`.
    Formerly(usize),
    /// No row has or had the name.
    Unknown,
    /// A suffix of several current paths.
    Ambiguous(Vec<usize>),
    /// An earlier name that several codes had, each fitting as well.
    Several(Vec<usize>),
}

/// What a name a person gives a code denotes (on the command line, in a
/// memo): a current path or a unique suffix of one, as [`resolve_row`]
/// takes, else an earlier name of a code by the rows' `formerly` lists,
/// followed as a coding sheet's is ([`crate::codebook::earlier`]).
pub fn look_up(rows: &[RowInfo], name: &str) -> Lookup {
    let name = name.trim().trim_matches('/');
    let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
    let hits = current_hits(&paths, name);
    match hits.len() {
        1 => return Lookup::Now(hits[0]),
        0 => {}
        _ => return Lookup::Ambiguous(hits),
    }
    let nodes: Vec<crate::codebook::NameNode<'_>> = rows
        .iter()
        .map(|r| crate::codebook::NameNode {
            path: &r.path,
            parent: r.parent,
            formerly: &r.formerly,
        })
        .collect();
    let claims = crate::codebook::earlier(&nodes, name);
    match claims[..] {
        [] => Lookup::Unknown,
        [one] => Lookup::Formerly(one),
        _ => Lookup::Several(claims),
    }
}

/// [`look_up`], with an error for a name that denotes no single row: an
/// unknown name (with the closest), an ambiguous suffix, an earlier name
/// several codes had (naming them).
pub fn resolve_named(rows: &[RowInfo], name: &str) -> Result<Named> {
    let name = name.trim().trim_matches('/');
    let paths = || rows.iter().map(|r| r.path.as_str()).collect::<Vec<_>>();
    match look_up(rows, name) {
        Lookup::Now(i) => Ok(Named::Now(i)),
        Lookup::Formerly(i) => Ok(Named::Formerly(i)),
        Lookup::Unknown => {
            let paths = paths();
            // A misspelt earlier id: the closest one, with what it is now,
            // when no current name is closer.
            let earlier = rows.iter().flat_map(|r| {
                r.formerly
                    .iter()
                    .map(move |f| (f.as_str(), r.path.as_str()))
            });
            let current = unknown_candidates(&paths);
            match crate::error::closest(name, current.iter().copied()) {
                None => match crate::error::closest(name, earlier.clone().map(|(f, _)| f)) {
                    Some(f) => {
                        let now = earlier
                            .clone()
                            .find(|(g, _)| *g == f)
                            .map_or("", |(_, p)| p);
                        Err(Error::input(format!(
                            "unknown code or theme `{}`",
                            crate::input::quote_line(name, 120)
                        ))
                        .with_hint(format!("did you mean `{f}` (now `{now}`)?")))
                    }
                    None => Err(unknown_row(&paths, name)),
                },
                Some(_) => Err(unknown_row(&paths, name)),
            }
        }
        Lookup::Ambiguous(hits) => Err(ambiguous_row(&paths(), name, &hits)),
        Lookup::Several(claims) => Err(several_earlier(rows, name, &claims)),
    }
}

/// The names a hint may offer for a code: paths, then the ids that are
/// not paths themselves (a theme's id is its path), each once.
fn unknown_candidates<'a>(rows: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = rows.to_vec();
    for id in rows.iter().map(|r| r.rsplit('/').next().unwrap_or(r)) {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The error for an earlier name that several codes had.
pub fn several_earlier(rows: &[RowInfo], name: &str, claims: &[usize]) -> Error {
    Error::input(format!(
        "`{name}` is an earlier name of several codes: {}",
        crate::codebook::listed(claims.iter().map(|&i| rows[i].path.as_str()))
    ))
    .with_hint(crate::codebook::several_earlier_hint(name))
}

/// Rows a name denotes now: the one at that exact path, else those whose
/// path ends with `/name`.
fn current_hits(rows: &[&str], name: &str) -> Vec<usize> {
    if let Some(i) = rows.iter().position(|r| *r == name) {
        return vec![i];
    }
    let suffix = format!("/{name}");
    (0..rows.len())
        .filter(|&i| rows[i].ends_with(&suffix))
        .collect()
}

fn unknown_row(rows: &[&str], name: &str) -> Error {
    let names = unknown_candidates(rows);
    Error::input(format!(
        "unknown code or theme `{}`",
        crate::input::quote_line(name, 120)
    ))
    .with_hint(crate::error::suggest(name, names.iter().copied()))
}

fn ambiguous_row(rows: &[&str], name: &str, hits: &[usize]) -> Error {
    Error::input(format!("`{name}` is ambiguous")).with_hint(format!(
        "give more of the path: {}",
        hits.iter().map(|&i| rows[i]).collect::<Vec<_>>().join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_look_up_current_paths_first_then_earlier_ids() {
        let row = |path: &str, parent: Option<usize>, formerly: &[&str]| RowInfo {
            path: path.into(),
            parent,
            formerly: formerly.iter().map(|f| f.to_string()).collect(),
            ..Default::default()
        };
        let mut rows = vec![
            row("family", None, &[]),
            row("family/search", Some(0), &["family_search"]),
            row("police", None, &[]),
            row("police/search", Some(2), &[]),
        ];
        assert_eq!(look_up(&rows, "family/search"), Lookup::Now(1));
        assert_eq!(look_up(&rows, "search"), Lookup::Ambiguous(vec![1, 3]));
        assert_eq!(look_up(&rows, "family_search"), Lookup::Formerly(1));
        assert_eq!(
            look_up(&rows, "/family/family_search/"),
            Lookup::Formerly(1)
        );
        assert_eq!(look_up(&rows, "police/family_search"), Lookup::Formerly(1));
        assert_eq!(look_up(&rows, "family_serch"), Lookup::Unknown);
        rows[3].formerly = vec!["family_search".into()];
        assert_eq!(look_up(&rows, "police/family_search"), Lookup::Formerly(3));
        assert_eq!(look_up(&rows, "family_search"), Lookup::Several(vec![1, 3]));
        let e = resolve_named(&rows, "family_search").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.report(),
            "error: `family_search` is an earlier name of several codes: `family/search`, `police/search`
  = help: write the current path of the code meant instead, or keep `family_search` in the `formerly` of one code only"
        );
        assert!(resolve_named(&rows, "nothing")
            .unwrap_err()
            .report()
            .starts_with("error: unknown code or theme `nothing`"));
        // A misspelt earlier id is offered with what it is now; a hint
        // lists a theme's id once.
        rows[3].formerly = vec!["stigma".into()];
        assert_eq!(
            resolve_named(&rows, "stigm").unwrap_err().report(),
            "error: unknown code or theme `stigm`\n  = help: did you mean `stigma` (now `police/search`)?"
        );
        assert_eq!(
            resolve_named(&rows, "zzzzzzzzzz").unwrap_err().report(),
            "error: unknown code or theme `zzzzzzzzzz`\n  = help: valid names include: family, family/search, police, police/search, search"
        );
    }

    #[test]
    fn a_listing_fingerprint_changes_with_any_path_size_or_mtime() {
        let base = [
            ("transcripts/a/r01.txt", 100, 10),
            ("transcripts/b/r02.txt", 200, 20),
        ];
        let fp = |files: &[(&str, u64, u128)]| listing_fingerprint(files.iter().copied());
        let same = fp(&base);
        assert_eq!(same, fp(&base));
        let variants: [&[(&str, u64, u128)]; 7] = [
            // Edited: size, mtime.
            &[("transcripts/a/r01.txt", 101, 10), base[1]],
            &[("transcripts/a/r01.txt", 100, 11), base[1]],
            // Added in a subfolder.
            &[base[0], base[1], ("transcripts/b/c/r03.txt", 1, 1)],
            // Deleted.
            &[base[1]],
            // Renamed, moved to another folder.
            &[("transcripts/a/r01b.txt", 100, 10), base[1]],
            &[("transcripts/b/r01.txt", 100, 10), base[1]],
            // Bytes that move from the path to the size do not cancel out.
            &[("transcripts/a/r01.tx", 100, 10), base[1]],
        ];
        for v in variants {
            assert_ne!(fp(v), same, "{v:?}");
        }
        let mut files = BTreeMap::new();
        for (i, (p, size, mtime)) in base.iter().enumerate() {
            let e = FileEntry {
                id: i as u64,
                size: *size,
                mtime: *mtime,
                ..Default::default()
            };
            files.insert(p.to_string(), e);
        }
        assert_eq!(listing_of(&files), same);
    }
}
