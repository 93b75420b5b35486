//! The binary encoding of the manifest and its details: a compact,
//! field-by-field layout (LEB128 integers, length-prefixed UTF-8 strings)
//! that a reading command decodes in a few milliseconds where JSON took
//! tens on a study of tens of thousands of transcripts. The layout has no
//! version of its own: [`SCHEMA_VERSION`] is bumped whenever it changes,
//! and a manifest of another schema is never decoded (its commit payload
//! already says so). Every file carries the seal of [`integrity`]; a body
//! that passes it but does not decode to the end is damaged all the same.

use super::*;
use crate::model::{AttrValue, SpeakerId};

/// Writes values one after the other.
#[derive(Default)]
pub(super) struct Enc(Vec<u8>);

impl Enc {
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    fn u64(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }

    fn u128(&mut self, v: u128) {
        self.u64(v as u64);
        self.u64((v >> 64) as u64);
    }

    fn bool(&mut self, v: bool) {
        self.0.push(u8::from(v));
    }

    fn str(&mut self, s: &str) {
        self.usize(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    fn strs(&mut self, v: &[String]) {
        self.usize(v.len());
        for s in v {
            self.str(s);
        }
    }

    fn language(&mut self, l: Language) {
        let i = Language::ALL.iter().position(|&x| x == l).unwrap_or(0);
        self.0.push(i as u8);
    }

    fn opt_usizes(&mut self, v: &Option<Vec<usize>>) {
        match v {
            None => self.bool(false),
            Some(v) => {
                self.bool(true);
                self.usize(v.len());
                for &x in v {
                    self.usize(x);
                }
            }
        }
    }

    fn bytes(&mut self, b: &[u8]) {
        self.usize(b.len());
        self.0.extend_from_slice(b);
    }

    fn str_map(&mut self, m: &BTreeMap<String, String>) {
        self.usize(m.len());
        for (k, v) in m {
            self.str(k);
            self.str(v);
        }
    }
}

/// Reads values in the order [`Enc`] wrote them; `None` when the bytes end
/// early or hold what no writer wrote.
pub(super) struct Dec<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Dec<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Dec<'a> {
        Dec { bytes, at: 0 }
    }

    /// Whether every byte was read.
    pub(super) fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn u64(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.bytes.get(self.at)?;
            self.at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    /// A count of items that each take at least one byte: never more than
    /// the bytes left, so that a damaged count cannot reserve memory.
    fn len(&mut self) -> Option<usize> {
        let n = self.usize()?;
        (n <= self.bytes.len() - self.at).then_some(n)
    }

    fn u128(&mut self) -> Option<u128> {
        let lo = self.u64()?;
        let hi = self.u64()?;
        Some(u128::from(lo) | (u128::from(hi) << 64))
    }

    fn bool(&mut self) -> Option<bool> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        match b {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn str_ref(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        let s = std::str::from_utf8(&self.bytes[self.at..self.at + n]).ok()?;
        self.at += n;
        Some(s)
    }

    fn str(&mut self) -> Option<String> {
        self.str_ref().map(str::to_string)
    }

    /// Steps over a string without checking it (a section checked when it
    /// was opened, read for something else).
    fn skip_str(&mut self) -> Option<()> {
        let n = self.len()?;
        self.at += n;
        Some(())
    }

    /// The next `n` bytes.
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(b)
    }

    fn strs(&mut self) -> Option<Vec<String>> {
        let n = self.len()?;
        (0..n).map(|_| self.str()).collect()
    }

    fn language(&mut self) -> Option<Language> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Language::ALL.get(usize::from(b)).copied()
    }

    fn opt_usizes(&mut self) -> Option<Option<Vec<usize>>> {
        if !self.bool()? {
            return Some(None);
        }
        let n = self.len()?;
        Some(Some((0..n).map(|_| self.usize()).collect::<Option<_>>()?))
    }

    fn str_map(&mut self) -> Option<BTreeMap<String, String>> {
        let n = self.len()?;
        (0..n).map(|_| Some((self.str()?, self.str()?))).collect()
    }
}

/// The manifest's bytes (without its details, see [`encode_details`]).
pub(super) fn encode_manifest(m: &Manifest) -> Vec<u8> {
    let mut e = Enc::default();
    e.str(&m.tool);
    e.u64(u64::from(m.schema));
    e.str(&m.codebook_hash);
    e.str(&m.settings_hash);
    e.str(&m.respondents_hash);
    e.language(m.language);
    e.usize(m.rows.len());
    for r in &m.rows {
        e.str(&r.path);
        e.str(&r.label);
        e.usize(r.depth);
        e.bool(r.auto);
        e.bool(r.parent.is_some());
        e.usize(r.parent.unwrap_or(0));
        e.strs(&r.formerly);
    }
    e.strs(&m.respondents);
    // The attributes, with their length first: a reader skips them, and
    // decodes them only when asked ([`decode_attributes`]).
    e.bytes(&encode_attributes(m));
    e.str(&listing_of(&m.files));
    // The transcripts, with their length first: decoded only when asked
    // ([`decode_files`]).
    let mut f = Enc::default();
    f.usize(m.files.len());
    for (path, entry) in m.files.iter() {
        f.str(path);
        f.u64(entry.id);
        f.str(&entry.hash);
        f.u64(entry.size);
        f.u128(entry.mtime);
        f.language(entry.language);
        f.strs(&entry.follows);
        f.u64(entry.tokens);
    }
    e.bytes(&f.into_bytes());
    e.strs(&m.warnings);
    e.str(&m.codings_hash);
    e.usize(m.coders.len());
    for c in &m.coders {
        e.str(&c.name);
        e.usize(c.used.len());
        for &u in &c.used {
            e.usize(u);
        }
        e.usize(c.scopes.len());
        for scope in &c.scopes {
            e.opt_usizes(scope);
        }
    }
    e.strs(&m.moves);
    e.str_map(&m.moved);
    e.strs(&m.notes);
    e.strs(&m.withdrawn);
    e.strs(&m.withheld);
    e.usize(m.tokens.len());
    for &(lang, n) in &m.tokens {
        e.language(lang);
        e.u64(n);
    }
    e.into_bytes()
}

/// The attributes section: attribute names repeat for every respondent,
/// so each is written once and then named by its place in that list.
fn encode_attributes(m: &Manifest) -> Vec<u8> {
    let mut e = Enc::default();
    let names = m.attribute_names();
    e.strs(&names);
    e.usize(m.attributes.len());
    for (resp, attrs) in m.attributes.iter() {
        e.str(resp);
        e.usize(attrs.len());
        for (k, v) in attrs {
            e.usize(names.binary_search(k).unwrap_or(0));
            e.str(v);
        }
    }
    e.into_bytes()
}

/// Walks the attributes section as [`decode_attributes`] reads it, without
/// building anything: whether it decodes.
fn check_attributes(bytes: &[u8]) -> bool {
    let walk = || -> Option<()> {
        let mut d = Dec::new(bytes);
        let names = d.len()?;
        for _ in 0..names {
            d.str_ref()?;
        }
        for _ in 0..d.len()? {
            d.str_ref()?;
            for _ in 0..d.len()? {
                if d.usize()? >= names {
                    return None;
                }
                d.str_ref()?;
            }
        }
        d.done().then_some(())
    };
    walk().is_some()
}

/// Decodes the attributes section (see [`encode_attributes`]).
pub(super) fn decode_attributes(bytes: &[u8]) -> Option<BTreeMap<String, Attributes>> {
    let mut d = Dec::new(bytes);
    let names = d.strs()?;
    let n = d.len()?;
    let mut attributes = Vec::with_capacity(n);
    for _ in 0..n {
        let resp = d.str()?;
        let k = d.len()?;
        let attrs = (0..k)
            .map(|_| Some((names.get(d.usize()?)?.clone(), d.str()?)))
            .collect::<Option<Attributes>>()?;
        attributes.push((resp, attrs));
    }
    // Written in key order: collected into the map in bulk.
    d.done().then(|| attributes.into_iter().collect())
}

/// Where each respondent's entry starts in the attributes section, in
/// respondent order (the section written by [`encode_attributes`]).
pub(super) fn attribute_offsets(bytes: &[u8]) -> Option<Vec<usize>> {
    let mut d = Dec::new(bytes);
    for _ in 0..d.len()? {
        d.skip_str()?;
    }
    let n = d.len()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(d.at);
        d.skip_str()?;
        for _ in 0..d.len()? {
            d.usize()?;
            d.skip_str()?;
        }
    }
    Some(out)
}

/// One respondent's attributes in the attributes section, found by binary
/// search over its entries' `offsets` ([`attribute_offsets`]) without
/// decoding the others (`None` when the respondent has none).
pub(super) fn find_attributes(bytes: &[u8], offsets: &[usize], resp: &str) -> Option<Attributes> {
    let mut d = Dec::new(bytes);
    let n = d.len()?;
    let names: Vec<&str> = (0..n).map(|_| d.str_ref()).collect::<Option<_>>()?;
    let id_at = |at: usize| Dec { bytes, at }.str_ref().unwrap_or_default();
    let i = offsets.binary_search_by(|&at| id_at(at).cmp(resp)).ok()?;
    let mut d = Dec {
        bytes,
        at: offsets[i],
    };
    d.str_ref()?;
    let k = d.len()?;
    (0..k)
        .map(|_| Some((names.get(d.usize()?)?.to_string(), d.str()?)))
        .collect()
}

/// The attribute names at the head of the attributes section: every name
/// any respondent has, sorted (as [`encode_attributes`] wrote them).
pub(super) fn attribute_names(bytes: &[u8]) -> Option<Vec<String>> {
    Dec::new(bytes).strs()
}

/// Every respondent's value of the attribute `attr`, in respondent order,
/// read from the attributes section without building its maps (a
/// respondent without that attribute is left out).
pub(super) fn attribute_column<'a>(bytes: &'a [u8], attr: &str) -> Option<Vec<(&'a str, &'a str)>> {
    let mut d = Dec::new(bytes);
    let n = d.len()?;
    let mut wanted = None;
    for k in 0..n {
        if d.str_ref()? == attr {
            wanted = Some(k);
        }
    }
    let resps = d.len()?;
    let mut out = Vec::with_capacity(if wanted.is_some() { resps } else { 0 });
    for _ in 0..resps {
        let resp = d.str_ref()?;
        for _ in 0..d.len()? {
            let k = d.usize()?;
            let v = d.str_ref()?;
            if Some(k) == wanted {
                out.push((resp, v));
            }
        }
    }
    Some(out)
}

/// The writer and schema a manifest's bytes start with, read without
/// decoding the rest.
pub(super) fn manifest_writer(bytes: &[u8]) -> Option<(String, u32)> {
    let mut d = Dec::new(bytes);
    let tool = d.str()?;
    let schema = u32::try_from(d.u64()?).ok()?;
    Some((tool, schema))
}

/// Decodes what [`encode_manifest`] wrote.
pub(super) fn decode_manifest(bytes: &[u8]) -> Option<Manifest> {
    let mut d = Dec::new(bytes);
    let mut m = Manifest {
        tool: d.str()?,
        schema: u32::try_from(d.u64()?).ok()?,
        codebook_hash: d.str()?,
        settings_hash: d.str()?,
        respondents_hash: d.str()?,
        language: d.language()?,
        ..Default::default()
    };
    let n = d.len()?;
    m.rows = (0..n)
        .map(|_| {
            let path = d.str()?;
            let label = d.str()?;
            let depth = d.usize()?;
            let auto = d.bool()?;
            let has_parent = d.bool()?;
            let parent = d.usize()?;
            let formerly = d.strs()?;
            Some(RowInfo {
                path,
                label,
                depth,
                auto,
                parent: has_parent.then_some(parent),
                formerly,
            })
        })
        .collect::<Option<_>>()?;
    m.respondents = d.strs()?;
    let n = d.len()?;
    let attributes = d.bytes(n)?;
    if !check_attributes(attributes) {
        return None;
    }
    m.attributes = AttributeTable::encoded(attributes.into());
    m.listing = d.str()?;
    let n = d.len()?;
    let files = d.bytes(n)?;
    if !check_files(files) {
        return None;
    }
    m.files = FileTable::encoded(files.into());
    m.warnings = d.strs()?;
    m.codings_hash = d.str()?;
    let n = d.len()?;
    m.coders = (0..n)
        .map(|_| {
            let name = d.str()?;
            let k = d.len()?;
            let used = (0..k).map(|_| d.usize()).collect::<Option<_>>()?;
            let k = d.len()?;
            let scopes = (0..k).map(|_| d.opt_usizes()).collect::<Option<_>>()?;
            Some(CoderInfo { name, used, scopes })
        })
        .collect::<Option<_>>()?;
    m.moves = d.strs()?;
    m.moved = d.str_map()?;
    m.notes = d.strs()?;
    m.withdrawn = d.strs()?;
    m.withheld = d.strs()?;
    let n = d.len()?;
    m.tokens = (0..n)
        .map(|_| Some((d.language()?, d.u64()?)))
        .collect::<Option<_>>()?;
    d.done().then_some(m)
}

/// The head of the details ([`encode_details`]): every transcript's
/// warnings in path order, and whether any has a `speakers:` map.
pub(super) fn decode_details_head(bytes: &[u8]) -> Option<(Vec<String>, bool)> {
    let mut d = Dec::new(bytes);
    let n = d.len()?;
    let mut h = Dec::new(d.bytes(n)?);
    let out = (h.strs()?, h.bool()?);
    h.done().then_some(out)
}

/// Walks the transcripts section as [`decode_files`] reads it, without
/// building anything: whether it decodes.
fn check_files(bytes: &[u8]) -> bool {
    let walk = || -> Option<()> {
        let mut d = Dec::new(bytes);
        for _ in 0..d.len()? {
            d.str_ref()?;
            d.u64()?;
            d.str_ref()?;
            d.u64()?;
            d.u128()?;
            d.language()?;
            for _ in 0..d.len()? {
                d.str_ref()?;
            }
            d.u64()?;
        }
        d.done().then_some(())
    };
    walk().is_some()
}

/// Each transcript's path, dense id and language, in path order, read
/// from the transcripts section without decoding its entries.
pub(super) fn file_refs(bytes: &[u8]) -> Option<Vec<(&str, u64, Language)>> {
    let mut d = Dec::new(bytes);
    let n = d.len()?;
    let mut refs = Vec::with_capacity(n);
    for _ in 0..n {
        let path = d.str_ref()?;
        let id = d.u64()?;
        d.skip_str()?;
        d.u64()?;
        d.u128()?;
        refs.push((path, id, d.language()?));
        for _ in 0..d.len()? {
            d.skip_str()?;
        }
        d.u64()?;
    }
    d.done().then_some(refs)
}

/// Decodes the transcripts section of a manifest.
pub(super) fn decode_files(bytes: &[u8]) -> Option<BTreeMap<String, FileEntry>> {
    let mut d = Dec::new(bytes);
    let n = d.len()?;
    let mut files = Vec::with_capacity(n);
    // Every summary is the same empty one until the details are loaded.
    let no_details = Arc::new(TranscriptInfo::default());
    for _ in 0..n {
        let path = d.str()?;
        let entry = FileEntry {
            id: d.u64()?,
            hash: d.str()?,
            size: d.u64()?,
            mtime: d.u128()?,
            language: d.language()?,
            follows: d.strs()?,
            tokens: d.u64()?,
            info: no_details.clone(),
        };
        files.push((path, entry));
    }
    // Written in path order: collected into the map in bulk.
    d.done().then(|| files.into_iter().collect())
}

/// The details of each transcript (what ingest learned), in path order.
pub(super) fn encode_details(files: &BTreeMap<String, FileEntry>) -> Vec<u8> {
    let mut e = Enc::default();
    // First what `code` says of them, with its length: every transcript's
    // warnings in path order, and whether any has a `speakers:` map, so
    // that its summary does not decode the rest ([`decode_details_head`]).
    let mut head = Enc::default();
    let warnings: Vec<String> = files
        .values()
        .flat_map(|f| f.info.warnings.iter().cloned())
        .collect();
    head.strs(&warnings);
    head.bool(files.values().any(|f| !f.info.speakers.is_empty()));
    e.bytes(&head.into_bytes());
    e.usize(files.len());
    for (path, f) in files {
        let i = &f.info;
        e.str(path);
        e.str(&i.path);
        e.str(&i.respondent);
        e.strs(&i.respondents);
        e.usize(i.attributes.len());
        for a in &i.attributes {
            e.str(&a.respondent);
            e.str(&a.key);
            e.str(&a.value);
            e.usize(a.line);
        }
        e.usize(i.turns);
        e.usize(i.excerpts);
        e.usize(i.words);
        e.str(&i.encoding);
        e.strs(&i.warnings);
        e.usize(i.preamble_words);
        e.usize(i.footer_lines);
        e.usize(i.speakers.len());
        for s in &i.speakers {
            e.str(&s.label);
            e.str(&s.respondent);
            e.usize(s.line);
        }
        e.language(i.language);
        e.strs(&i.withheld);
    }
    e.into_bytes()
}

/// Decodes what [`encode_details`] wrote.
pub(super) fn decode_details(bytes: &[u8]) -> Option<Vec<(String, TranscriptInfo)>> {
    let mut d = Dec::new(bytes);
    let head = d.len()?;
    d.bytes(head)?;
    let n = d.len()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let key = d.str()?;
        let mut i = TranscriptInfo {
            path: d.str()?,
            respondent: d.str()?,
            respondents: d.strs()?,
            ..Default::default()
        };
        let k = d.len()?;
        i.attributes = (0..k)
            .map(|_| {
                Some(AttrValue {
                    respondent: d.str()?,
                    key: d.str()?,
                    value: d.str()?,
                    line: d.usize()?,
                })
            })
            .collect::<Option<_>>()?;
        i.turns = d.usize()?;
        i.excerpts = d.usize()?;
        i.words = d.usize()?;
        i.encoding = d.str()?;
        i.warnings = d.strs()?;
        i.preamble_words = d.usize()?;
        i.footer_lines = d.usize()?;
        let k = d.len()?;
        i.speakers = (0..k)
            .map(|_| {
                Some(SpeakerId {
                    label: d.str()?,
                    respondent: d.str()?,
                    line: d.usize()?,
                })
            })
            .collect::<Option<_>>()?;
        i.language = d.language()?;
        i.withheld = d.strs()?;
        out.push((key, i));
    }
    d.done().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let mut m = Manifest::new();
        m.codebook_hash = "cb".into();
        m.settings_hash = "set".into();
        m.respondents_hash = String::new();
        m.language = Language::Spanish;
        m.rows = vec![
            RowInfo {
                path: "familia".into(),
                label: "Familia".into(),
                depth: 0,
                auto: false,
                parent: None,
                formerly: Vec::new(),
            },
            RowInfo {
                path: "familia/madre".into(),
                label: "Madre — rol".into(),
                depth: 1,
                auto: true,
                parent: Some(0),
                formerly: vec!["madre_rol".into()],
            },
        ];
        m.respondents = vec!["R01".into(), "R02".into()];
        m.attributes.insert(
            "R01".into(),
            [("perfil", "docente"), ("región", "Cusco")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .into(),
        );
        m.attributes.insert("R02".into(), Attributes::new());
        let info = TranscriptInfo {
            path: "t/r01.txt".into(),
            respondent: "R01".into(),
            respondents: vec!["R01".into()],
            attributes: vec![AttrValue {
                respondent: "R01".into(),
                key: "perfil".into(),
                value: "docente".into(),
                line: 2,
            }],
            turns: 4,
            excerpts: 3,
            words: 120,
            encoding: "UTF-8".into(),
            warnings: vec!["t/r01.txt: aviso".into()],
            preamble_words: 5,
            footer_lines: 1,
            speakers: vec![SpeakerId {
                label: "Ana".into(),
                respondent: "R01".into(),
                line: 3,
            }],
            language: Language::Spanish,
            front_language: None,
            withheld: vec!["R09".into()],
        };
        m.files.insert(
            "t/r01.txt".into(),
            FileEntry {
                id: 7,
                hash: "ab".repeat(32),
                size: 1234,
                mtime: 1_796_272_102_813_025_304_000_000_000,
                language: Language::Spanish,
                follows: vec!["R01".into()],
                tokens: 4321,
                info: Arc::new(info),
            },
        );
        m.files.insert("t/r02.txt".into(), FileEntry::default());
        m.warnings = vec!["w".into()];
        m.tokens = vec![(Language::Spanish, 4321), (Language::English, 9)];
        m.codings_hash = "cod".into();
        m.coders = vec![
            CoderInfo {
                name: "ana".into(),
                used: vec![1, 0],
                scopes: vec![Some(vec![1]), None, Some(vec![0, 1])],
            },
            CoderInfo {
                name: "luis".into(),
                used: vec![],
                scopes: vec![None],
            },
        ];
        m.moves = vec!["moved".into()];
        m.moved.insert("t/r01.txt:3".into(), "t/r01.txt:4".into());
        m.notes = vec!["note".into()];
        m.withdrawn = vec!["R09".into()];
        m.withheld = vec!["R09".into()];
        m
    }

    #[test]
    fn a_manifest_and_its_details_read_back_as_written() {
        let m = sample();
        let mut back = decode_manifest(&encode_manifest(&m)).unwrap();
        assert_eq!(back.listing, listing_of(&m.files));
        let details = decode_details(&encode_details(&m.files)).unwrap();
        assert_eq!(
            decode_details_head(&encode_details(&m.files)),
            Some((vec!["t/r01.txt: aviso".to_string()], true))
        );
        for (p, info) in details {
            back.files.get_mut(&p).unwrap().info = Arc::new(info);
        }
        back.listing.clear();
        assert_eq!(back, m);
        assert_eq!(
            manifest_writer(&encode_manifest(&m)),
            Some((TOOL.to_string(), SCHEMA_VERSION))
        );
    }

    #[test]
    fn bytes_cut_short_or_with_more_after_them_do_not_decode() {
        let m = sample();
        let bytes = encode_manifest(&m);
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode_manifest(&bytes[..cut]).is_none(), "{cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_manifest(&longer).is_none());
        let details = encode_details(&m.files);
        assert!(decode_details(&details[..details.len() - 1]).is_none());
        // A count larger than the bytes left is refused before anything
        // is reserved for it.
        assert!(decode_details(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_none());
    }

    #[test]
    fn attributes_are_checked_when_opened_and_decoded_when_asked() {
        let m = sample();
        let section = encode_attributes(&m);
        assert!(check_attributes(&section));
        assert_eq!(decode_attributes(&section).as_ref(), Some(&*m.attributes));
        // One respondent naming the third of two attribute names.
        let mut e = Enc::default();
        e.strs(&["perfil".to_string(), "región".to_string()]);
        e.usize(1);
        e.str("R01");
        e.usize(1);
        e.usize(2);
        e.str("docente");
        let bad = e.into_bytes();
        assert!(!check_attributes(&bad));
        assert!(decode_attributes(&bad).is_none());
        let mut longer = section.clone();
        longer.push(0);
        assert!(!check_attributes(&longer));
        // An opened manifest holds them encoded until they are looked at;
        // one respondent's are found without decoding the rest.
        let opened = decode_manifest(&encode_manifest(&m)).unwrap();
        assert!(!opened.files.is_decoded());
        // The corpus order is read from the encoding as well.
        let (encoded, decoded) = (opened.corpus_order(), m.corpus_order());
        for id in 0..4 {
            assert_eq!(encoded.key(id, 7), decoded.key(id, 7), "{id}");
        }
        assert_eq!(opened.languages(), m.languages());
        assert_eq!(opened.file_refs(), m.file_refs());
        assert!(!opened.files.is_decoded());
        for resp in ["R00", "R01", "R02", "R03"] {
            assert_eq!(opened.attributes.of(resp), m.attributes.get(resp).cloned());
        }
        // A column of every respondent's value, read from the encoding,
        // is the decoded table's.
        for attr in ["perfil", "región", "none"] {
            let decoded: Vec<(&str, &str)> = m
                .attributes
                .iter()
                .filter_map(|(r, a)| a.get(attr).map(|v| (r.as_str(), v.as_str())))
                .collect();
            assert_eq!(opened.attributes.column(attr), decoded, "{attr}");
            assert_eq!(m.attributes.column(attr), decoded, "{attr}");
        }
        assert_eq!(opened.attribute_names(), m.attribute_names());
        assert!(!opened.attributes.is_decoded());
        assert_eq!(opened.attribute("R01", "perfil"), Some("docente"));
        assert!(opened.attributes.is_decoded());
    }
}
