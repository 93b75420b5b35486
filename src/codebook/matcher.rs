//! The compiled codebook: decides which codes apply to an excerpt in one pass
//! over its tokens, whatever the number of codes. Terms are looked up by
//! their first token in a hash map (prefix terms by each prefix length in
//! use), then verified; only codes whose `any` terms matched, or that have
//! regexes, are evaluated.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use regex::Regex;

use super::{parse_term, CodeDef, Codebook, Term};
use crate::study::Language;
use crate::text;
use crate::text::analysis::Stems;

#[derive(Debug, Clone)]
struct Rule {
    node: u32,
    any: Vec<u32>,
    all: Vec<u32>,
    none: Vec<u32>,
    regex: Vec<Regex>,
}

/// Marks a memoised candidate term that spans several tokens and must be
/// verified against the following tokens.
const VERIFY: u32 = 1 << 31;

/// Tokens remembered per scratch before the memo starts afresh.
const MEMO_LIMIT: usize = 1 << 18;

static NEXT_MATCHER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A codebook compiled for matching.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// Identifies this compilation, so a [`Scratch`] memo is never reused
    /// with another matcher.
    id: u64,
    terms: Vec<Term>,
    exact_first: FxHashMap<String, Vec<u32>>,
    prefix_first: FxHashMap<String, Vec<u32>>,
    prefix_lens: Vec<usize>,
    any_users: Vec<Vec<u32>>,
    regex_rules: Vec<u32>,
    rules: Vec<Rule>,
    closure: super::closure::Closure,
    term_index: HashMap<Term, u32>,
}

/// Reusable per-thread buffers for [`Matcher::apply`], with a memo of the
/// candidate terms of each token seen (most tokens start no term; a memo hit
/// replaces one hash lookup per prefix length in use).
#[derive(Debug, Default)]
pub struct Scratch {
    term_epoch: Vec<u32>,
    rule_epoch: Vec<u32>,
    epoch: u32,
    hit_terms: Vec<u32>,
    candidates: Vec<u32>,
    owner: u64,
    memo: TokenMemo,
    memo_terms: Vec<u32>,
    normalized: String,
    toks: Vec<(u32, u32)>,
    stems: Option<Stems>,
    /// The search body being built, as bytes: stems are appended from the
    /// memo without checking each again; [`Scratch::body`] checks the whole.
    body: Vec<u8>,
    /// The language `stems` and `memo` are for (with a body).
    lang: Option<Language>,
    /// The memos of the other languages this scratch has stemmed in, kept
    /// while it works in one (a mixed study switches at every file).
    parked: Vec<Parked>,
}

/// A language's memo, put aside while a [`Scratch`] works in another.
#[derive(Debug)]
struct Parked {
    lang: Language,
    stems: Option<Stems>,
    memo: TokenMemo,
}

/// What the memo knows about a token: its candidate terms (a range of
/// `memo_terms`) and its stem (empty without stemming): in the memo itself
/// when it is short (read with the key, no other memory), else a range of
/// [`TokenMemo::stems`].
#[derive(Debug, Clone, Copy)]
struct Memo {
    start: u32,
    len: u32,
    stem_at: u32,
    stem_len: u32,
    short_stem: [u8; SHORT_STEM],
}

/// Stems of at most this many bytes are kept in their [`Memo`].
const SHORT_STEM: usize = 12;

/// Tokens of at most this many bytes are keyed by their bytes packed into
/// two integers (zero-padded: a token never holds a zero byte), so that a
/// lookup reads one table slot and no key elsewhere; longer ones by their
/// text.
const PACKED: usize = 16;

/// [`PACKED`] spaces.
const PAD: &str = "                ";

/// The memo of the tokens seen: packed keys for short tokens, text for
/// long ones, and every stem in one string.
#[derive(Debug, Default)]
struct TokenMemo {
    short: FxHashMap<[u64; 2], Memo>,
    long: FxHashMap<Box<str>, Memo>,
    stems: String,
}

impl TokenMemo {
    fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    fn clear(&mut self) {
        self.short.clear();
        self.long.clear();
        self.stems.clear();
    }

    /// The packed key of the token at `text[from..to]`, when it is short;
    /// `text` goes on for at least [`PACKED`] bytes after the token.
    fn key(text: &[u8], from: usize, to: usize) -> Option<[u64; 2]> {
        let n = to - from;
        if n > PACKED {
            return None;
        }
        let word = |at: usize| {
            text.get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_le_bytes)
        };
        let keep = |bytes: usize| match bytes {
            0 => 0,
            8.. => u64::MAX,
            b => u64::MAX >> (64 - 8 * b),
        };
        Some([
            word(from) & keep(n),
            word(from + 8) & keep(n.saturating_sub(8)),
        ])
    }

    fn get(&self, key: Option<[u64; 2]>, tok: &str) -> Option<Memo> {
        match key {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(tok).copied(),
        }
    }

    fn insert(&mut self, key: Option<[u64; 2]>, tok: &str, memo: Memo) {
        match key {
            Some(k) => self.short.insert(k, memo),
            None => self.long.insert(tok.into(), memo),
        };
    }

    /// A memo of candidate terms `start..start + len` and stem `stem`.
    fn memo(&mut self, start: u32, len: u32, stem: &str) -> Memo {
        let mut memo = Memo {
            start,
            len,
            stem_at: 0,
            stem_len: stem.len() as u32,
            short_stem: [0; SHORT_STEM],
        };
        match memo.short_stem.get_mut(..stem.len()) {
            Some(short) => short.copy_from_slice(stem.as_bytes()),
            None => {
                memo.stem_at = self.stems.len() as u32;
                self.stems.push_str(stem);
            }
        }
        memo
    }

    /// A memo's stem, as bytes of valid text.
    fn stem<'a>(&'a self, memo: &'a Memo) -> &'a [u8] {
        let n = memo.stem_len as usize;
        if let Some(short) = memo.short_stem.get(..n) {
            return short;
        }
        let at = memo.stem_at as usize;
        self.stems.as_bytes().get(at..at + n).unwrap_or_default()
    }
}

impl Scratch {
    /// A scratch that also builds each scanned text's pre-analysed search
    /// body (see [`crate::text::analysis`]), stemmed for `lang`.
    pub fn with_body(lang: Language) -> Scratch {
        Scratch {
            stems: Some(Stems::new(lang)),
            lang: Some(lang),
            ..Scratch::default()
        }
    }

    /// Builds the search bodies of the next texts in `lang` (a scratch made
    /// [`Scratch::with_body`]; others build no body). The memo of the
    /// language left is kept for when it comes back.
    pub fn set_language(&mut self, lang: Language) {
        let Some(current) = self.lang else { return };
        if current == lang {
            return;
        }
        let mut next = match self.parked.iter().position(|p| p.lang == lang) {
            Some(i) => self.parked.swap_remove(i),
            None => Parked {
                lang,
                stems: Some(Stems::new(lang)),
                memo: TokenMemo::default(),
            },
        };
        std::mem::swap(&mut self.stems, &mut next.stems);
        std::mem::swap(&mut self.memo, &mut next.memo);
        next.lang = current;
        self.parked.push(next);
        self.lang = Some(lang);
    }

    /// The terms found in the last text scanned (ids, in order of discovery).
    pub fn terms(&self) -> &[u32] {
        &self.hit_terms
    }

    /// The search body of the last text scanned (empty without [`Scratch::with_body`]).
    pub fn body(&self) -> &str {
        // Whole stems of valid text, joined by spaces: always valid.
        std::str::from_utf8(&self.body).unwrap_or_default()
    }
}

impl Matcher {
    /// Compiles a validated codebook.
    pub fn new(cb: &Codebook) -> Matcher {
        let mut m = Matcher {
            id: NEXT_MATCHER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            terms: Vec::new(),
            exact_first: FxHashMap::default(),
            prefix_first: FxHashMap::default(),
            prefix_lens: Vec::new(),
            any_users: Vec::new(),
            regex_rules: Vec::new(),
            rules: Vec::new(),
            closure: super::closure::Closure::default(),
            term_index: HashMap::new(),
        };
        let mut term_ids: HashMap<Term, u32> = HashMap::new();
        let mut intern = |m: &mut Matcher, raw: &str| -> u32 {
            // Terms were validated on load.
            let term = parse_term(raw).unwrap_or(Term {
                tokens: vec![String::new()],
                prefix: false,
            });
            if let Some(&id) = term_ids.get(&term) {
                return id;
            }
            let id = m.terms.len() as u32;
            if term.prefix && term.tokens.len() == 1 {
                m.prefix_first
                    .entry(term.tokens[0].clone())
                    .or_default()
                    .push(id);
                m.prefix_lens.push(term.tokens[0].len());
            } else {
                m.exact_first
                    .entry(term.tokens[0].clone())
                    .or_default()
                    .push(id);
            }
            term_ids.insert(term.clone(), id);
            m.terms.push(term);
            m.any_users.push(Vec::new());
            id
        };
        for (node, def) in cb.code_defs().into_iter().enumerate() {
            let Some(rules) = def.and_then(CodeDef::auto_rules) else {
                continue; // a theme, or coded by hand only
            };
            let rule_id = m.rules.len() as u32;
            let any: Vec<u32> = rules.any.iter().map(|t| intern(&mut m, t)).collect();
            let all = rules.all.iter().map(|t| intern(&mut m, t)).collect();
            let none = rules.none.iter().map(|t| intern(&mut m, t)).collect();
            let regex: Vec<Regex> = rules
                .regex
                .iter()
                .filter_map(|r| {
                    regex::RegexBuilder::new(r)
                        .case_insensitive(true)
                        .build()
                        .ok()
                })
                .collect();
            for &t in &any {
                if !m.any_users[t as usize].contains(&rule_id) {
                    m.any_users[t as usize].push(rule_id);
                }
            }
            if !regex.is_empty() {
                m.regex_rules.push(rule_id);
            }
            m.rules.push(Rule {
                node: node as u32,
                any,
                all,
                none,
                regex,
            });
        }
        m.term_index = term_ids;
        m.prefix_lens.sort_unstable();
        m.prefix_lens.dedup();
        m.closure = super::closure::Closure::of(cb);
        m
    }

    /// The id of a term as written in the codebook, if the matcher has it.
    pub fn term_id(&self, raw: &str) -> Option<u32> {
        parse_term(raw)
            .ok()
            .and_then(|t| self.term_index.get(&t).copied())
    }

    /// The node ids (codes) whose rules apply to `text`, ascending. The
    /// terms found stay in `s` ([`Scratch::terms`]) until the next call.
    pub fn apply(&self, text_in: &str, s: &mut Scratch) -> Vec<u32> {
        let epoch = self.scan(text_in, s);
        for &t in &s.hit_terms {
            for &r in &self.any_users[t as usize] {
                if s.rule_epoch[r as usize] != epoch {
                    s.rule_epoch[r as usize] = epoch;
                    s.candidates.push(r);
                }
            }
        }
        for &r in &self.regex_rules {
            if s.rule_epoch[r as usize] != epoch {
                s.rule_epoch[r as usize] = epoch;
                s.candidates.push(r);
            }
        }
        let hit = |t: &u32| s.term_epoch[*t as usize] == epoch;
        let mut out: Vec<u32> = Vec::new();
        for &r in &s.candidates {
            let rule = &self.rules[r as usize];
            let any_hit =
                rule.any.iter().any(hit) || rule.regex.iter().any(|re| re.is_match(text_in));
            if any_hit && rule.all.iter().all(hit) && !rule.none.iter().any(hit) {
                out.push(rule.node);
            }
        }
        out.sort_unstable();
        out
    }

    /// Marks the terms found in `text` in one pass over its tokens; returns
    /// the scratch epoch that marks them.
    fn scan(&self, text_in: &str, s: &mut Scratch) -> u32 {
        if s.owner != self.id || s.memo.len() >= MEMO_LIMIT {
            s.owner = self.id;
            s.term_epoch = vec![0; self.terms.len()];
            s.rule_epoch = vec![0; self.rules.len()];
            s.epoch = 0;
            s.memo.clear();
            s.memo_terms.clear();
            // Parked memos point into `memo_terms` too.
            s.parked.clear();
        }
        s.epoch = s.epoch.wrapping_add(1);
        if s.epoch == 0 {
            s.term_epoch.fill(0);
            s.rule_epoch.fill(0);
            s.epoch = 1;
        }
        let epoch = s.epoch;
        s.hit_terms.clear();
        s.candidates.clear();
        s.body.clear();
        let mut normalized = std::mem::take(&mut s.normalized);
        text::normalize_into(text_in, &mut normalized);
        // Room to read a packed key past the last token (see `TokenMemo::key`).
        normalized.push_str(PAD);
        s.toks.clear();
        let base = normalized.as_ptr() as usize;
        s.toks.extend(text::tokens(&normalized).map(|t| {
            let start = (t.as_ptr() as usize - base) as u32;
            (start, start + t.len() as u32)
        }));
        let bytes = normalized.as_bytes();
        for i in 0..s.toks.len() {
            let (from, to) = (s.toks[i].0 as usize, s.toks[i].1 as usize);
            let tok = &normalized[from..to];
            let key = TokenMemo::key(bytes, from, to);
            let memo = match s.memo.get(key, tok) {
                Some(memo) => memo,
                None => {
                    let (start, len) = self.candidates_of(tok, &mut s.memo_terms);
                    let stem = s.stems.as_mut().map(|stems| stems.stem(tok));
                    let memo = s.memo.memo(start, len, stem.as_deref().unwrap_or(""));
                    s.memo.insert(key, tok, memo);
                    memo
                }
            };
            if s.stems.is_some() {
                Stems::body(s.memo.stem(&memo), &mut s.body);
            }
            for k in memo.start..memo.start + memo.len {
                let c = s.memo_terms[k as usize];
                let t = c & !VERIFY;
                if s.term_epoch[t as usize] != epoch
                    && (c & VERIFY == 0 || self.verify(t, &s.toks, &normalized, i))
                {
                    s.term_epoch[t as usize] = epoch;
                    s.hit_terms.push(t);
                }
            }
        }
        s.normalized = normalized;
        epoch
    }

    /// Appends the terms a token can start to `out` (multi-token ones
    /// flagged [`VERIFY`]); returns their range in `out`.
    fn candidates_of(&self, tok: &str, out: &mut Vec<u32>) -> (u32, u32) {
        let start = out.len();
        if let Some(ids) = self.exact_first.get(tok) {
            for &t in ids {
                let multi = self.terms[t as usize].tokens.len() > 1;
                out.push(if multi { t | VERIFY } else { t });
            }
        }
        for &len in &self.prefix_lens {
            if len > tok.len() {
                break;
            }
            if !tok.is_char_boundary(len) {
                continue;
            }
            if let Some(ids) = self.prefix_first.get(&tok[..len]) {
                out.extend(ids);
            }
        }
        (start as u32, (out.len() - start) as u32)
    }

    /// Whether multi-token term `t` matches the tokens from `i` on.
    fn verify(&self, t: u32, toks: &[(u32, u32)], normalized: &str, i: usize) -> bool {
        let term = &self.terms[t as usize];
        let k = term.tokens.len();
        if i + k > toks.len() {
            return false;
        }
        (1..k).all(|j| {
            let (a, b) = toks[i + j];
            let tok = &normalized[a as usize..b as usize];
            if j == k - 1 && term.prefix {
                tok.starts_with(term.tokens[j].as_str())
            } else {
                tok == term.tokens[j]
            }
        })
    }

    /// The codes plus all their ancestors (themes and parent codes), ascending
    /// and unique: the rows an excerpt counts in.
    pub fn closure(&self, codes: &[u32]) -> Vec<u32> {
        self.closure.of_codes(codes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(yaml: &str) -> (Codebook, Matcher) {
        let cb = Codebook::parse(yaml, "cb.yaml", String::new()).unwrap();
        let m = Matcher::new(&cb);
        (cb, m)
    }

    fn paths(cb: &Codebook, m: &Matcher, text: &str) -> Vec<String> {
        let mut s = Scratch::default();
        m.apply(text, &mut s)
            .into_iter()
            .map(|i| cb.nodes[i as usize].path.clone())
            .collect()
    }

    const CB: &str = r#"
themes:
  - id: family
    codes:
      - id: search
        match:
          any: [report*, police, looked for, "job offer*"]
          none: [no police]
      - id: money
        match:
          any: [dinero, money]
          all: [famil*]
      - id: hand
        match:
          all: [police]
      - id: dates
        match:
          regex: ['\b\d{4}\b']
"#;

    #[test]
    fn terms_prefixes_phrases_and_accents() {
        let (cb, m) = matcher(CB);
        assert_eq!(paths(&cb, &m, "She REPORTED it."), ["family/search"]);
        assert_eq!(paths(&cb, &m, "They looked   for her"), ["family/search"]);
        assert_eq!(paths(&cb, &m, "They looked at her"), Vec::<String>::new());
        assert_eq!(paths(&cb, &m, "a job-offering agency"), ["family/search"]);
        assert_eq!(paths(&cb, &m, "a job agency offer"), Vec::<String>::new());
        assert_eq!(paths(&cb, &m, "policeman"), Vec::<String>::new());
        assert_eq!(paths(&cb, &m, "La FAMILIA pidió dinero"), ["family/money"]);
        assert_eq!(paths(&cb, &m, "pidió dinero"), Vec::<String>::new());
        assert_eq!(paths(&cb, &m, "In 2019 we went"), ["family/dates"]);
    }

    #[test]
    fn none_vetoes() {
        let (cb, m) = matcher(CB);
        assert_eq!(paths(&cb, &m, "we called the police"), ["family/search"]);
        assert_eq!(
            paths(&cb, &m, "there was no police, we reported nothing"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn accents_in_terms_and_text() {
        let (cb, m) = matcher("themes:\n  - id: t\n    codes:\n      - id: c\n        match:\n          any: [niña, Ashánin*]\n");
        assert_eq!(paths(&cb, &m, "la NINA"), ["t/c"]);
        assert_eq!(paths(&cb, &m, "los asháninkas"), ["t/c"]);
        assert_eq!(paths(&cb, &m, "ninas"), Vec::<String>::new());
    }

    #[test]
    fn bodies_are_stemmed_in_the_language_set_and_codes_do_not_change() {
        let (cb, m) = matcher(CB);
        let mut s = Scratch::with_body(Language::English);
        let text = "Las familias reported it to the police";
        let en = m.apply(text, &mut s);
        assert_eq!(s.body(), "las familia report it to the polic");
        s.set_language(Language::Spanish);
        assert_eq!(m.apply(text, &mut s), en);
        assert_eq!(s.body(), "las famili report it to the polic");
        assert_eq!(
            {
                m.apply("Las niñas denunciaron", &mut s);
                s.body().to_string()
            },
            "las nin denunci"
        );
        // Back to English: its memo is taken up again.
        s.set_language(Language::English);
        m.apply("Las niñas denunciaron", &mut s);
        assert_eq!(s.body(), "las nina denunciaron");
        s.set_language(Language::None);
        m.apply("Las niñas denunciaron", &mut s);
        assert_eq!(s.body(), "las ninas denunciaron");
        assert_eq!(
            en.iter()
                .map(|&i| cb.nodes[i as usize].path.as_str())
                .collect::<Vec<_>>(),
            ["family/search"]
        );
    }

    #[test]
    fn packed_keys_tell_tokens_apart_wherever_they_are() {
        let text =
            format!("abcdefgh abcdefghi abcdefg ab a ñu abcdefghijklmnop abcdefghijklmnopq{PAD}");
        let b = text.as_bytes();
        let key = |tok: &str| {
            let from = text.find(&format!("{tok} ")).unwrap();
            TokenMemo::key(b, from, from + tok.len())
        };
        let toks = [
            "abcdefgh",
            "abcdefghi",
            "abcdefg",
            "ab",
            "a",
            "ñu",
            "abcdefghijklmnop",
        ];
        let keys: Vec<[u64; 2]> = toks.iter().map(|t| key(t).unwrap()).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(keys[..i].iter().all(|o| o != k), "{}", toks[i]);
        }
        // The same token elsewhere (here inside a longer one) has the same key.
        assert_eq!(TokenMemo::key(b, 9, 17), keys[0].into());
        assert_eq!(key("abcdefghijklmnopq"), None);
    }

    #[test]
    fn memoised_tokens_give_the_bodies_of_a_fresh_scratch() {
        let (_, m) = matcher(CB);
        let texts = [
            "a ab abc abcd abcde abcdef abcdefg abcdefgh abcdefghi families reported",
            "abcdefghijklmnopqrstuvwxyz abcdefghijklmnop niñas NIÑAS reported police",
            "police reported abcdefgh a ab families abcdefghijklmnopqrstuvwxyz niñas",
        ];
        let mut kept = Scratch::with_body(Language::English);
        for _ in 0..2 {
            for t in texts {
                let mut fresh = Scratch::with_body(Language::English);
                assert_eq!(m.apply(t, &mut kept), m.apply(t, &mut fresh));
                assert_eq!(kept.body(), fresh.body(), "{t}");
            }
        }
        assert_eq!(
            {
                m.apply(texts[2], &mut kept);
                kept.body().to_string()
            },
            "polic report abcdefgh a ab famili abcdefghijklmnopqrstuvwxyz nina"
        );
        // Terms over the index's limit are left out of the body.
        let long = "x".repeat(crate::text::analysis::MAX_TOKEN + 1);
        for _ in 0..2 {
            m.apply(&format!("before {long} after"), &mut kept);
            assert_eq!(kept.body(), "befor after");
        }
    }

    #[test]
    fn closure_adds_ancestors() {
        let (cb, m) = matcher("themes:\n  - id: t\n    codes:\n      - id: c\n        codes:\n          - id: d\n            match: {any: [x]}\n");
        let mut s = Scratch::default();
        let codes = m.apply("x", &mut s);
        assert_eq!(codes, [2]);
        assert_eq!(m.closure(&codes), [0, 1, 2]);
        assert_eq!(cb.nodes.len(), 3);
    }
}
