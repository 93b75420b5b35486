//! Placing coding-sheet rows on the current excerpts: by id while the
//! excerpt is where the sheet says, else by the text hash within the same
//! transcript (and respondent), choosing among repeated texts by aligning
//! the sheet's rows with the excerpts (a longest common subsequence of
//! their texts), then by the neighbouring excerpts and then by position;
//! what cannot be placed is a warning that says why.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{sheet_hash_of, CodeScope, Codings, Cover, SheetRow};
use crate::error::{Error, Location, Result};

/// A hash cell as read from a sheet.
#[derive(Debug, Clone, PartialEq)]
enum HashCell {
    /// A text hash (with or without its letter).
    Exact(String),
    /// A hash a spreadsheet program turned into a number (`066089670000`
    /// saved as `66089670000`, `4980714206e0` as `4980714206`, or
    /// `1.1283421E+129`): the number, and how many significant digits the
    /// sheet still has.
    Number(f64, usize),
    /// Anything else: the hash cannot be used.
    Unreadable,
}

impl HashCell {
    fn read(s: &str) -> HashCell {
        let s = s.trim();
        let bare = s.strip_prefix(['h', 'H']).unwrap_or(s);
        if bare.len() == 12 && bare.bytes().all(|b| b.is_ascii_hexdigit()) {
            return HashCell::Exact(bare.to_ascii_lowercase());
        }
        let s = s.replace(',', ".");
        let mantissa = s.split(['e', 'E']).next().unwrap_or("");
        let digits = mantissa
            .bytes()
            .filter(u8::is_ascii_digit)
            .skip_while(|&b| b == b'0')
            .count();
        match s.parse::<f64>() {
            // Fewer digits than that could match by chance (Excel shows
            // a long number as `4.0768E+14`).
            Ok(x) if x.is_finite() && x > 0.0 && digits >= 5 => HashCell::Number(x, digits),
            _ => HashCell::Unreadable,
        }
    }

    /// Whether an excerpt whose text hash is `hex` has this hash.
    fn matches(&self, hex: &str) -> bool {
        match self {
            HashCell::Exact(h) => h == hex,
            HashCell::Number(x, digits) => {
                // Only hashes made of digits (and one `e`) can have been
                // read as numbers; they match to the digits the sheet kept.
                let p = digits.saturating_sub(1);
                hex.bytes().all(|b| b.is_ascii_digit() || b == b'e')
                    && hex
                        .parse::<f64>()
                        .is_ok_and(|y| y.is_finite() && format!("{y:.p$e}") == format!("{x:.p$e}"))
            }
            HashCell::Unreadable => false,
        }
    }
}

/// An excerpt as the resolver sees it.
#[derive(Debug, Clone)]
pub struct Target {
    /// Excerpt id.
    pub id: String,
    /// Its transcript.
    pub path: String,
    /// Its text hash ([`super::text_hash`]).
    pub hash: String,
    /// Its respondent.
    pub respondent: String,
    /// The interviewer's question before it ([`super::question_key`]).
    pub question: u64,
}

/// A sheet row whose id or hash no longer says where its codings are:
/// what `thematic reanchor --write` writes into the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// Sheet (relative path) and its line or row.
    pub sheet: String,
    /// The row's line or row number.
    pub row: usize,
    /// The id as written, and where the row's codings now are.
    pub from: String,
    /// The excerpt the codings are placed on.
    pub to: String,
    /// The hash as written (when the sheet has a hash column).
    pub old_hash: Option<String>,
    /// The excerpt's hash as `thematic sheet` writes it.
    pub hash: String,
    /// The respondent the row names and the excerpt's, when they differ
    /// (the row's has no excerpt in the transcript any more).
    pub respondent: Option<(String, String)>,
}

/// A sheet row whose excerpt moved: its codings follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// Sheet (relative path).
    pub sheet: String,
    /// The row's line or row number.
    pub row: usize,
    /// The transcript.
    pub path: String,
    /// The id written on the row.
    pub from: String,
    /// Where the excerpt is now.
    pub to: String,
    /// The respondent the row names and the excerpt's now, when they
    /// differ (the row's has no excerpt in the transcript any more).
    pub respondent: Option<(String, String)>,
}

impl Move {
    /// The move as one line.
    pub fn line(&self) -> String {
        let Some((was, now)) = &self.respondent else {
            return format!(
                "{}:{}: excerpt `{}` moved to `{}` (re-anchored by its text)",
                self.sheet, self.row, self.from, self.to
            );
        };
        let how = if self.from == self.to {
            format!("excerpt `{}` is now", self.from)
        } else {
            format!(
                "excerpt `{}` moved to `{}` (re-anchored by its text) and is now",
                self.from, self.to
            )
        };
        format!(
            "{}:{}: {how} respondent `{now}`'s: the row says `{was}`, who has no excerpt in `{}` any more, and the coding follows the text",
            self.sheet, self.row, self.path
        )
    }
}

/// What to tell of `moves` (those whose [`Move::line`] is not in `told`):
/// each row when a sheet has a few on one transcript, else one line for
/// them; then where to go next. Empty when there is nothing new.
pub fn tell_moves(moves: &[Move], told: &BTreeSet<String>) -> Vec<String> {
    const EACH: usize = 5;
    let mut groups: BTreeMap<(&str, &str), Vec<&Move>> = BTreeMap::new();
    for m in moves.iter().filter(|m| !told.contains(&m.line())) {
        groups.entry((&m.sheet, &m.path)).or_default().push(m);
    }
    let mut out = Vec::new();
    for ((sheet, path), ms) in &groups {
        let now: BTreeSet<&str> = ms
            .iter()
            .filter_map(|m| m.respondent.as_ref().map(|r| r.1.as_str()))
            .collect();
        if ms.len() <= EACH {
            out.extend(ms.iter().map(|m| m.line()));
        } else if let Some((was, _)) = ms.iter().find_map(|m| m.respondent.as_ref()) {
            out.push(format!(
                "{sheet}: {} rows on `{path}` were re-anchored by their text (the first: row {}, `{}` to `{}`); {} of them name respondent `{was}`, who has no excerpt in `{path}` any more: their codings follow the texts to the respondents who speak them now (`{}`)",
                ms.len(),
                ms[0].row,
                ms[0].from,
                ms[0].to,
                ms.iter().filter(|m| m.respondent.is_some()).count(),
                now.into_iter().collect::<Vec<_>>().join("`, `")
            ));
        } else {
            out.push(format!(
                "{sheet}: {} rows on `{path}` moved with their excerpts (re-anchored by their text; the first: row {}, `{}` to `{}`)",
                ms.len(),
                ms[0].row,
                ms[0].from,
                ms[0].to
            ));
        }
    }
    if !out.is_empty() {
        out.push(format!(
            "{} re-anchored; `thematic reanchor` lists {}, `thematic reanchor --write` writes the new ids into the sheets",
            if moves.len() == 1 {
                "1 sheet row is".to_string()
            } else {
                format!("{} sheet rows are", moves.len())
            },
            if moves.len() == 1 { "it" } else { "them" }
        ));
    }
    out
}

/// Codings placed on excerpts.
#[derive(Debug, Clone, Default)]
pub struct Placed {
    /// excerpt id → (coder → codes).
    pub codes: HashMap<String, BTreeMap<String, BTreeSet<usize>>>,
    /// excerpt id → the coders who covered it, each with the scope (an
    /// index into the coder's [`Placed::scopes`]) of a sheet that did.
    pub covered: HashMap<String, BTreeSet<(String, usize)>>,
    /// Coder names, sorted: their index is the coder's dense id.
    pub coders: Vec<String>,
    /// Codes each coder applied directly (node indexes).
    pub used: BTreeMap<String, BTreeSet<usize>>,
    /// Per coder, the distinct code scopes of their sheets.
    pub scopes: BTreeMap<String, Vec<CodeScope>>,
    /// Rows re-anchored to an excerpt that moved.
    pub moves: Vec<Move>,
    /// Warnings for rows that cannot be placed.
    pub warnings: Vec<String>,
    /// Rows whose id or hash should be rewritten.
    pub fixes: Vec<Fix>,
}

/// The numbers of an id after its path (`12`, `12.2`, `5:3`), for order
/// and distance; the first is the line (or row).
fn id_key(id: &str, path: &str) -> Vec<u64> {
    id.get(path.len() + 1..)
        .unwrap_or("")
        .split([':', '.'])
        .map(|n| n.parse().unwrap_or(u64::MAX))
        .collect()
}

/// How one row was placed, or why it was not.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Placed(usize),
    /// No excerpt has the row's id (and it has no hash to follow).
    NoSuchId,
    /// No excerpt of the transcript has the row's text.
    TextGone,
    /// The row's respondent has no excerpt in the transcript any more; its
    /// text is there, as other respondents' excerpts.
    RespondentGone(String),
    /// The row's text is in the transcript only as the excerpts of other
    /// respondents (named, sorted) than the row's.
    OtherRespondent(Vec<String>),
    /// The excerpt with the row's text carries another row of the sheet.
    Taken(String),
    /// The text occurs several times and nothing tells which.
    Ambiguous(Vec<String>),
    /// Placed at its own id, one of the excerpts the alignment left it
    /// (the texts around it do not tell which is its); with how many
    /// excerpts have its text.
    Guessed(usize, usize),
    /// The hash cannot be read, and the transcript changed (`true`) or no
    /// excerpt has the row's id (`false`).
    HashUnreadable(bool),
}

/// The rows of one sheet that name one transcript, being placed on its
/// excerpts.
struct Group<'a> {
    rows: &'a [&'a SheetRow],
    ts: &'a [Target],
    /// The transcript's excerpts (indexes into `ts`) in file order.
    tg: &'a [usize],
    path: &'a str,
    by_id: HashMap<&'a str, usize>,
    /// Each excerpt's place in `tg`.
    place_of: HashMap<usize, usize>,
    cells: Vec<Option<HashCell>>,
    /// The numbers of each row's id (its line first).
    keys: Vec<Vec<u64>>,
    /// Rows in the order of the ids written on them.
    order: Vec<usize>,
    /// Per row, the excerpts with its text (and its question, when the
    /// sheet tells it and some of them have it).
    candidates: Vec<Vec<usize>>,
    /// Per row, whether its candidates are those with its question too.
    asked: Vec<bool>,
    /// Per row whose question (on the sheet) is before none of the
    /// excerpts with its text, those excerpts: it is placed by its text
    /// alone, after every other row ([`Group::follow_texts_alone`]).
    later: Vec<Vec<usize>>,
    /// Per row, the excerpts the alignment of the sheet's rows with the
    /// transcript's excerpts leaves it (see [`Group::place_aligned`]);
    /// empty when the alignment did not tell.
    options: Vec<Vec<usize>>,
    out: Vec<Option<Outcome>>,
    /// Excerpt → the id written on the row of this sheet placed on it.
    claimed: HashMap<usize, &'a str>,
    /// The excerpts rows were placed on by a guess.
    guessed: std::collections::HashSet<usize>,
    /// Whether the transcript changed since the sheet was written.
    changed: bool,
}

impl<'a> Group<'a> {
    fn new(rows: &'a [&'a SheetRow], ts: &'a [Target], tg: &'a [usize]) -> Group<'a> {
        let path = ts[tg[0]].path.as_str();
        let keys: Vec<Vec<u64>> = rows.iter().map(|r| id_key(&r.excerpt, path)).collect();
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
        Group {
            rows,
            ts,
            tg,
            path,
            by_id: tg.iter().map(|&t| (ts[t].id.as_str(), t)).collect(),
            place_of: tg.iter().enumerate().map(|(p, &t)| (t, p)).collect(),
            cells: rows
                .iter()
                .map(|r| r.hash.as_deref().map(HashCell::read))
                .collect(),
            keys,
            order,
            candidates: vec![Vec::new(); rows.len()],
            asked: vec![false; rows.len()],
            later: vec![Vec::new(); rows.len()],
            options: vec![Vec::new(); rows.len()],
            out: vec![None; rows.len()],
            claimed: HashMap::new(),
            guessed: std::collections::HashSet::new(),
            changed: false,
        }
    }

    fn line_of(&self, t: usize) -> u64 {
        id_key(&self.ts[t].id, self.path)
            .first()
            .copied()
            .unwrap_or(0)
    }

    /// Rows without a hash stay by id; rows with one get the excerpts that
    /// have their text (in the same respondent when the sheet says), and of
    /// those the ones after the row's question when the sheet has a
    /// `question` column and some of them do (a question edited since
    /// leaves the text alone to go by). When every row of the sheet names
    /// the respondent a file without `speakers:` has (its name without the
    /// extension) and no excerpt has that respondent any more (the file was
    /// given `speakers:`), the rows follow their texts whoever speaks them
    /// now.
    fn find_candidates(&mut self) {
        let ts = self.ts;
        let mut by_hash: HashMap<&str, Vec<usize>> = HashMap::new();
        for &t in self.tg {
            by_hash.entry(ts[t].hash.as_str()).or_default().push(t);
        }
        let here: std::collections::HashSet<&str> =
            self.tg.iter().map(|&t| ts[t].respondent.as_str()).collect();
        let named: BTreeSet<&str> = self
            .rows
            .iter()
            .filter_map(|r| r.respondent.as_deref())
            .collect();
        let stem = crate::ingest::plain::file_stem(self.path);
        let orphaned =
            named.len() == 1 && named.contains(stem.as_str()) && !here.contains(stem.as_str());
        for (i, r) in self.rows.iter().enumerate() {
            let at = self.by_id.get(r.excerpt.as_str()).copied();
            let cell = match self.cells[i].clone() {
                None => {
                    self.out[i] = Some(at.map_or(Outcome::NoSuchId, Outcome::Placed));
                    continue;
                }
                Some(HashCell::Unreadable) => continue,
                Some(cell) => cell,
            };
            let same_respondent = |t: &usize| {
                orphaned
                    || r.respondent
                        .as_ref()
                        .is_none_or(|p| *p == ts[*t].respondent)
            };
            let text: Vec<usize> = match &cell {
                HashCell::Exact(h) => by_hash.get(h.as_str()).cloned().unwrap_or_default(),
                _ => self
                    .tg
                    .iter()
                    .copied()
                    .filter(|t| cell.matches(&ts[*t].hash))
                    .collect(),
            };
            let mut own: Vec<usize> = text.iter().copied().filter(same_respondent).collect();
            // A number that matches no excerpt may be a cell a spreadsheet
            // changed beyond recognition: it tells nothing.
            if matches!(cell, HashCell::Number(..)) && own.is_empty() {
                self.cells[i] = Some(HashCell::Unreadable);
                continue;
            }
            if let Some(q) = r.question {
                let asked: Vec<usize> = own
                    .iter()
                    .copied()
                    .filter(|&t| ts[t].question == q)
                    .collect();
                if !asked.is_empty() {
                    own = asked;
                    self.asked[i] = true;
                }
            }
            let elsewhere = self.asked[i] && at.is_some_and(|t| Some(ts[t].question) != r.question);
            if elsewhere || at.is_none_or(|t| !cell.matches(&ts[t].hash)) {
                self.changed = true;
            }
            if own.is_empty() {
                self.out[i] = Some(match r.respondent.as_deref() {
                    _ if text.is_empty() => Outcome::TextGone,
                    Some(p) if !here.contains(p) => Outcome::RespondentGone(p.to_string()),
                    _ => {
                        let who: BTreeSet<&str> =
                            text.iter().map(|&t| ts[t].respondent.as_str()).collect();
                        Outcome::OtherRespondent(who.into_iter().map(str::to_string).collect())
                    }
                });
            }
            if r.question.is_some() && !self.asked[i] && !own.is_empty() {
                self.later[i] = own;
            } else {
                self.candidates[i] = own;
            }
        }
        for (i, o) in self.out.iter().enumerate() {
            if let Some(Outcome::Placed(t)) = o {
                self.claimed.insert(*t, self.rows[i].excerpt.as_str());
            }
        }
    }

    /// Gives the rows whose question is before none of the excerpts with
    /// their text those excerpts, once every other row is placed: whether
    /// there are any.
    fn follow_texts_alone(&mut self) -> bool {
        let mut any = false;
        for (i, later) in self.later.iter_mut().enumerate() {
            if !later.is_empty() {
                self.candidates[i] = std::mem::take(later);
                any = true;
            }
        }
        any
    }

    /// Places row `i` on `t` unless another row of the sheet holds it. A
    /// row whose question (on the sheet) is before none of the excerpts
    /// with its text is placed by its text alone: the question was edited,
    /// or the question and its answer deleted (and the text is another
    /// question's answer), which the text cannot tell. In an edited
    /// transcript, or when its text occurs several times, that is a guess.
    fn settle(&mut self, i: usize, o: Outcome) {
        let unsure = self.rows[i].question.is_some()
            && !self.asked[i]
            && (self.changed || self.candidates[i].len() > 1);
        let o = match o {
            Outcome::Placed(t) if unsure => Outcome::Guessed(t, self.candidates[i].len()),
            o => o,
        };
        let o = match o {
            Outcome::Placed(t) | Outcome::Guessed(t, _) => match self.claimed.get(&t) {
                Some(other) if *other != self.rows[i].excerpt => {
                    Outcome::Taken(self.ts[t].id.clone())
                }
                _ => {
                    self.claimed.insert(t, self.rows[i].excerpt.as_str());
                    if matches!(o, Outcome::Guessed(..)) {
                        self.guessed.insert(t);
                    }
                    o
                }
            },
            o => o,
        };
        self.out[i] = Some(o);
    }

    /// Rows whose id still names an excerpt with their text stay there
    /// (rows the alignment left several excerpts are placed by
    /// [`Group::place_repeated`]).
    fn place_staying(&mut self) {
        for n in 0..self.order.len() {
            let i = self.order[n];
            if self.out[i].is_some() || !self.options[i].is_empty() {
                continue;
            }
            let Some(&t) = self.by_id.get(self.rows[i].excerpt.as_str()) else {
                continue;
            };
            if self.candidates[i].contains(&t) {
                self.settle(i, Outcome::Placed(t));
            }
        }
    }

    /// The excerpts with row `i`'s text that no other row of the sheet holds.
    fn free(&self, i: usize) -> Vec<usize> {
        self.candidates[i]
            .iter()
            .copied()
            .filter(|t| {
                self.claimed
                    .get(t)
                    .is_none_or(|o| *o == self.rows[i].excerpt)
            })
            .collect()
    }

    /// Texts found once in the transcript among the excerpts still free,
    /// and wanted by one row only: they show how the edit shifted the
    /// lines. (Two rows after one excerpt, as when one of two equal answers
    /// was deleted, are left to the alignment.)
    fn place_unique(&mut self) {
        let open: Vec<(usize, Vec<usize>)> = self
            .order
            .iter()
            .filter(|&&i| self.out[i].is_none())
            .map(|&i| (i, self.free(i)))
            .collect();
        let mut wanted: HashMap<usize, usize> = HashMap::new();
        for t in open.iter().flat_map(|(_, free)| free) {
            *wanted.entry(*t).or_default() += 1;
        }
        for (i, free) in open {
            if let [t] = free[..] {
                if wanted.get(&t) == Some(&1) {
                    self.settle(i, Outcome::Placed(t));
                }
            }
        }
    }

    /// Rows whose text occurs several times (or is wanted by several rows)
    /// are aligned with the excerpts, between the rows already placed: the
    /// rows in the order of their ids against the free excerpts in file
    /// order, matched by text, as many as possible (a longest common
    /// subsequence, as `diff` aligns lines). A row matched to the same
    /// excerpt in every such alignment is placed there; a row matched to
    /// several in different ones keeps those as its options for
    /// [`Group::place_repeated`].
    fn place_aligned(&mut self) {
        // The placed rows, as (place in `order`, place in the transcript),
        // kept while both increase (a block of text moved across others
        // breaks the chain; the rows around it are aligned as one span).
        let mut chain: Vec<(usize, usize)> = Vec::new();
        for (n, &i) in self.order.iter().enumerate() {
            let Some(Outcome::Placed(t)) = self.out[i] else {
                continue;
            };
            if !matches!(
                self.cells[i],
                Some(HashCell::Exact(_) | HashCell::Number(..))
            ) {
                continue;
            }
            let Some(&p) = self.place_of.get(&t) else {
                continue;
            };
            if chain.last().is_none_or(|&(_, q)| p > q) {
                chain.push((n, p));
            }
        }
        let ends = std::iter::once(None)
            .chain(chain.iter().copied().map(Some))
            .zip(chain.iter().copied().map(Some).chain(std::iter::once(None)));
        let spans: Vec<_> = ends
            .map(|(a, b)| {
                let rows = a.map_or(0, |(n, _)| n + 1)..b.map_or(self.order.len(), |(n, _)| n);
                let places = a.map_or(0, |(_, p)| p + 1)..b.map_or(self.tg.len(), |(_, p)| p);
                (rows, places)
            })
            .collect();
        for (rows, places) in spans {
            self.align_span(rows, places);
        }
    }

    /// [`Group::place_aligned`] on the rows at `rows` of `order` and the
    /// excerpts at `places` of the transcript.
    fn align_span(&mut self, rows: std::ops::Range<usize>, places: std::ops::Range<usize>) {
        let rs: Vec<usize> = rows
            .map(|n| self.order[n])
            .filter(|&i| self.out[i].is_none() && !self.candidates[i].is_empty())
            .collect();
        let es: Vec<usize> = places
            .map(|p| self.tg[p])
            .filter(|t| !self.claimed.contains_key(t))
            .collect();
        let (k, n) = (rs.len(), es.len());
        // Beyond a few million pairs the alignment is left out: the rows
        // are placed by their neighbours and position alone.
        if k == 0 || n == 0 || k.saturating_mul(n) > 4_000_000 {
            return;
        }
        let sets: Vec<std::collections::HashSet<usize>> = rs
            .iter()
            .map(|&i| self.candidates[i].iter().copied().collect())
            .collect();
        let same = |a: usize, b: usize| sets[a].contains(&es[b]);
        let w = n + 1;
        // fwd[a*w+b]: the longest alignment of the first a rows and b
        // excerpts; bwd[a*w+b]: of the rows from a and excerpts from b.
        let mut fwd = vec![0u32; (k + 1) * w];
        for a in 1..=k {
            for b in 1..=n {
                fwd[a * w + b] = if same(a - 1, b - 1) {
                    fwd[(a - 1) * w + b - 1] + 1
                } else {
                    fwd[(a - 1) * w + b].max(fwd[a * w + b - 1])
                };
            }
        }
        let mut bwd = vec![0u32; (k + 1) * w];
        for a in (0..k).rev() {
            for b in (0..n).rev() {
                bwd[a * w + b] = if same(a, b) {
                    bwd[(a + 1) * w + b + 1] + 1
                } else {
                    bwd[(a + 1) * w + b].max(bwd[a * w + b + 1])
                };
            }
        }
        let best = fwd[k * w + n];
        let options: Vec<Vec<usize>> = (0..k)
            .map(|a| {
                (0..n)
                    .filter(|&b| {
                        same(a, b) && fwd[a * w + b] + 1 + bwd[(a + 1) * w + b + 1] == best
                    })
                    .map(|b| es[b])
                    .collect()
            })
            .collect();
        // Rows with one choice first; then, among several, the excerpt a
        // row's id still names, if it is one of them and still free.
        for (a, opts) in options.iter().enumerate() {
            if let [t] = opts[..] {
                self.settle(rs[a], Outcome::Placed(t));
            }
        }
        for (a, opts) in options.into_iter().enumerate() {
            let i = rs[a];
            if opts.len() < 2 {
                continue;
            }
            let own = self
                .by_id
                .get(self.rows[i].excerpt.as_str())
                .copied()
                .filter(|t| opts.contains(t) && !self.claimed.contains_key(t));
            match own {
                Some(t) => self.settle(i, Outcome::Guessed(t, self.candidates[i].len())),
                None => self.options[i] = opts,
            }
        }
    }

    /// Where the rows placed by their text are: (line on the sheet, line now).
    fn anchors(&self) -> Vec<(u64, u64)> {
        self.order
            .iter()
            .filter_map(|&i| match (&self.out[i], &self.cells[i]) {
                (Some(Outcome::Placed(t)), Some(HashCell::Exact(_) | HashCell::Number(..))) => {
                    Some((self.keys[i][0], self.line_of(*t)))
                }
                _ => None,
            })
            .collect()
    }

    /// Rows whose text occurs several times: each takes the free
    /// occurrence whose neighbours match its neighbours on the sheet best,
    /// then the one nearest where the rows around it moved; a tie is not
    /// guessed.
    fn place_repeated(&mut self) {
        let anchors = self.anchors();
        for n in 0..self.order.len() {
            let i = self.order[n];
            if self.out[i].is_some() || self.candidates[i].is_empty() {
                continue;
            }
            let mut free = self.free(i);
            // The alignment's options, when it left the row several and
            // they are still free.
            let options: Vec<usize> = free
                .iter()
                .copied()
                .filter(|t| self.options[i].contains(t))
                .collect();
            if !options.is_empty() {
                free = options;
            }
            // An excerpt it could have had that a guess took: what is left
            // to it is no surer than that guess.
            let leans = self.changed
                && self.candidates[i].iter().any(|t| {
                    self.guessed.contains(t)
                        && !free.contains(t)
                        && (self.options[i].is_empty() || self.options[i].contains(t))
                });
            let o = match free.len() {
                0 => Outcome::Taken(self.ts[self.candidates[i][0]].id.clone()),
                1 => Outcome::Placed(free[0]),
                _ => self.choose(n, &free, &anchors),
            };
            let o = match o {
                Outcome::Placed(t) if leans => Outcome::Guessed(t, self.candidates[i].len()),
                o => o,
            };
            self.settle(i, o);
        }
    }

    /// The best of several excerpts `free` for the row at `n` in `order`.
    fn choose(&self, n: usize, free: &[usize], anchors: &[(u64, u64)]) -> Outcome {
        let i = self.order[n];
        // Position: where the nearest rows on either side moved.
        let line = self.keys[i][0];
        let before = anchors[..anchors.partition_point(|a| a.0 <= line)].last();
        let after = anchors.get(anchors.partition_point(|a| a.0 < line));
        let ends: Vec<u64> = before
            .iter()
            .chain(after.iter())
            .map(|a| (line + a.1).saturating_sub(a.0))
            .collect();
        let (lo, hi) = match ends.as_slice() {
            [] => (line, line),
            [a] => (*a, *a),
            [a, b, ..] => ((*a).min(*b), (*a).max(*b)),
        };
        let distance = |t: usize| {
            let l = self.line_of(t);
            if l < lo {
                lo - l
            } else {
                l.saturating_sub(hi)
            }
        };
        // Neighbourhood: the rows before and after it on the sheet, where
        // they were placed, against the excerpts just before and after a
        // candidate. (Their texts alone would mislead on a sheet that lists
        // only some excerpts: the row before may be far away.)
        let prev = n.checked_sub(1).map(|k| self.order[k]);
        let next = self.order.get(n + 1).copied();
        let placed_at = |row: Option<usize>| match row.and_then(|r| self.out[r].as_ref()) {
            Some(Outcome::Placed(t)) => self.place_of.get(t).copied(),
            _ => None,
        };
        let (before, after) = (placed_at(prev), placed_at(next));
        let neighbours = |t: usize| {
            let Some(&p) = self.place_of.get(&t) else {
                return 0;
            };
            usize::from(before.is_some() && before == p.checked_sub(1))
                + usize::from(after.is_some() && after == Some(p + 1))
        };
        let mut scored: Vec<(std::cmp::Reverse<usize>, u64, usize)> = free
            .iter()
            .map(|&t| (std::cmp::Reverse(neighbours(t)), distance(t), t))
            .collect();
        scored.sort();
        if (scored[0].0, scored[0].1) == (scored[1].0, scored[1].1) {
            Outcome::Ambiguous(free.iter().map(|&t| self.ts[t].id.clone()).collect())
        } else if self.changed && scored[0].0 == scored[1].0 {
            // By position (the neighbouring excerpts tie), in an edited
            // transcript: a guess, told. (Rows around it whose ids were
            // rewritten while its own was not make its old line say
            // little.)
            Outcome::Guessed(scored[0].2, self.candidates[i].len())
        } else {
            Outcome::Placed(scored[0].2)
        }
    }

    /// Unreadable hashes: the id holds when nothing shows the transcript
    /// changed since the sheet was written. With each row's outcome, whether
    /// its question counted.
    fn finish(self) -> (Vec<Outcome>, Vec<bool>) {
        let Group {
            rows,
            by_id,
            out,
            changed,
            asked,
            ..
        } = self;
        let out = out
            .into_iter()
            .enumerate()
            .map(|(i, o)| {
                o.unwrap_or_else(|| match by_id.get(rows[i].excerpt.as_str()) {
                    Some(&t) if !changed => Outcome::Placed(t),
                    at => Outcome::HashUnreadable(at.is_some()),
                })
            })
            .collect();
        (out, asked)
    }
}

/// Places the rows of one sheet that name one transcript. `tg` are the
/// transcript's excerpts (indexes into `ts`) in file order. With each
/// row's outcome, whether its question counted ([`Group::find_candidates`]).
fn place_group(rows: &[&SheetRow], ts: &[Target], tg: &[usize]) -> (Vec<Outcome>, Vec<bool>) {
    let mut g = Group::new(rows, ts, tg);
    g.find_candidates();
    // The rows that go by their text alone come second, on what is left.
    for round in 0..2 {
        if round == 1 && !g.follow_texts_alone() {
            break;
        }
        if g.changed {
            g.place_unique();
            g.place_aligned();
        }
        // Unedited, every row is at its id; edited, a row the alignment
        // could not tell about (a span too large to align) stays where its
        // id still names its text.
        g.place_staying();
        g.place_repeated();
    }
    g.finish()
}

/// Places codings on the current excerpts (`excerpts` in corpus order).
/// `edited` names the transcripts that changed in this run, to say so
/// when a coding cannot be placed.
pub fn place(c: &Codings, excerpts: &[Target], edited: &BTreeSet<String>) -> Result<Placed> {
    let mut by_path: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, t) in excerpts.iter().enumerate() {
        by_path.entry(t.path.as_str()).or_default().push(i);
    }
    let path_of = |id: &str| -> Option<&str> {
        let mut end = id.len();
        while let Some(i) = id[..end].rfind(':') {
            if let Some((p, _)) = by_path.get_key_value(&id[..i]) {
                return Some(*p);
            }
            end = i;
        }
        None
    };
    // Rows grouped by sheet and transcript.
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, r) in c.rows.iter().enumerate() {
        let Some(path) = path_of(&r.excerpt) else {
            return Err(Error::at(Location::line(&r.sheet, r.row), format!("unknown excerpt id `{}`", r.excerpt))
                .with_hint("ids are `path:line` as `thematic sheet` writes them; check the transcript is in the study"));
        };
        groups.entry((r.sheet.as_str(), path)).or_default().push(i);
    }
    let mut at: Vec<Option<usize>> = vec![None; c.rows.len()];
    let mut placed = Placed::default();
    let mut reported: BTreeSet<(&str, usize)> = BTreeSet::new();
    // Rows kept at their ids because the texts around them did not tell
    // which of several equal excerpts is theirs: (row, transcript, how many).
    let mut guessed: Vec<Guess> = Vec::new();
    for ((_, path), idxs) in &groups {
        let rows: Vec<&SheetRow> = idxs.iter().map(|&i| &c.rows[i]).collect();
        let (outcomes, asked) = place_group(&rows, excerpts, &by_path[path]);
        for ((&i, o), asked) in idxs.iter().zip(outcomes).zip(asked) {
            let r = &c.rows[i];
            if !reported.insert((r.sheet.as_str(), r.row)) {
                if let Outcome::Placed(t) | Outcome::Guessed(t, _) = o {
                    at[i] = Some(t);
                }
                continue;
            }
            match o {
                Outcome::Placed(t) => {
                    at[i] = Some(t);
                    record_place(&mut placed, r, path, &excerpts[t]);
                }
                Outcome::Guessed(t, n) => {
                    at[i] = Some(t);
                    record_place(&mut placed, r, path, &excerpts[t]);
                    guessed.push((i, *path, n, asked, excerpts[t].id.as_str()));
                }
                o => placed.warnings.push(format!(
                    "{}:{}: coding for `{}` cannot be placed: {}",
                    r.sheet,
                    r.row,
                    r.excerpt,
                    why_not(&o, r, path, edited, asked)
                )),
            }
        }
    }
    placed.warnings.extend(kept_by_line(c, &guessed));
    placed.warnings.extend(shared_rows(c, excerpts, &at));
    cover(c, excerpts, &at, &by_path, &path_of, &mut placed);
    for coding in &c.codings {
        let Some(t) = at[coding.row] else { continue };
        let coder = &c.rows[coding.row].coder;
        placed
            .codes
            .entry(excerpts[t].id.clone())
            .or_default()
            .entry(coder.clone())
            .or_default()
            .insert(coding.code);
        placed
            .used
            .entry(coder.clone())
            .or_default()
            .insert(coding.code);
    }
    placed.coders = c.scopes.keys().cloned().collect();
    placed.scopes = c.scopes.clone();
    Ok(placed)
}

/// A row placed by a guess: its index, transcript, how many excerpts have
/// its text (and question, when it counted), whether its question counted,
/// and the id it is on now.
type Guess<'a> = (usize, &'a str, usize, bool, &'a str);

/// The rows with codings that an edit left placed by a guess, at their
/// lines or by position: each when a sheet has a few on one transcript,
/// else one line for them.
fn kept_by_line(c: &Codings, guessed: &[Guess]) -> Vec<String> {
    const EACH: usize = 5;
    let coded: std::collections::HashSet<usize> = c.codings.iter().map(|k| k.row).collect();
    let mut groups: BTreeMap<(&str, &str), Vec<Guess>> = BTreeMap::new();
    for &g in guessed.iter().filter(|g| coded.contains(&g.0)) {
        groups.entry((&c.rows[g.0].sheet, g.1)).or_default().push(g);
    }
    let mut out = Vec::new();
    for ((sheet, path), rows) in groups {
        if rows.len() <= EACH {
            out.extend(rows.iter().map(|&(i, _, n, asked, to)| {
                let r = &c.rows[i];
                if r.question.is_some() && !asked {
                    return format!(
                        "{sheet}:{}: `{}` {} after an edit of `{path}`, by its text alone: its question on the sheet is before none of the excerpts with its text (the question was edited, or the question and its answer deleted); check the coding: if it is right, write the question the excerpt answers now into the row's `question` cell (the warning goes); else correct the id on the sheet",
                        r.row,
                        r.excerpt,
                        if to == r.excerpt { "kept its line".to_string() } else { format!("was placed on `{to}`") }
                    );
                }
                let how = if to == r.excerpt {
                    "kept its line".to_string()
                } else {
                    format!("was placed on `{to}` by its position")
                };
                format!(
                    "{sheet}:{}: `{}` {how} after an edit of `{path}`: {} {n} times there and the texts around it do not tell which is its excerpt; check the coding, or correct the id on the sheet",
                    r.row,
                    r.excerpt,
                    if asked { "its question and text occur" } else { "its text occurs" }
                )
            }));
        } else {
            let r = &c.rows[rows[0].0];
            out.push(format!(
                "{sheet}: {} rows on `{path}` were placed by their lines after an edit: their texts occur several times there and the texts around them do not tell which excerpts are theirs (the first: row {}, `{}`); check the codings, or correct the ids on the sheet",
                rows.len(),
                r.row,
                r.excerpt
            ));
        }
    }
    out
}

/// Rows without a hash (a long sheet's `excerpt,code`) stay at their ids;
/// after an edit of their transcript an id may name other text than the
/// row was written for (lines inserted above it), or the same short answer
/// to another question. `was` and `is` are the hashes of text and question
/// by id of the transcripts read again, before and after the edit: each
/// such row is a warning. So is a row whose id named no excerpt before the
/// edit and names one now (lines inserted above a turn that was withheld
/// or gone): the row was not written for that text.
pub fn rows_on_changed_text(
    c: &Codings,
    was: &HashMap<&str, &str>,
    is: &HashMap<&str, &str>,
    someone_withheld: bool,
) -> Vec<String> {
    let mut told = BTreeSet::new();
    c.rows
        .iter()
        .filter(|r| r.hash.is_none())
        .filter(|r| {
            let id = r.excerpt.as_str();
            // Only the excerpts of transcripts read again are in `is`. An id
            // new since the edit matters where a turn was withheld (someone
            // withdrew) or inside the text as it was (a line that held no
            // excerpt then), not in text added after it (a new answer
            // coded before `code` ran).
            match (was.get(id), is.get(id)) {
                (Some(a), Some(b)) => a != b,
                (None, Some(_)) => {
                    someone_withheld
                        || line_of(id).is_some_and(|(path, line)| {
                            was.keys()
                                .filter_map(|k| line_of(k))
                                .any(|(p, l)| p == path && l > line)
                        })
                }
                _ => false,
            }
        })
        .filter(|r| told.insert((r.sheet.as_str(), r.row)))
        .map(|r| {
            let what = if was.contains_key(r.excerpt.as_str()) {
                "names other text than before an edit of its transcript (or the same words answering another question)"
            } else {
                "names an excerpt only since an edit of its transcript (no excerpt had that id before: a turn there was withheld or gone)"
            };
            format!(
                "{}:{}: `{}` {what}, and the sheet has no `hash` column to follow the text it was written for: check this coding (a sheet with hashes, as `thematic sheet` writes it, follows its excerpts)",
                r.sheet, r.row, r.excerpt
            )
        })
        .collect()
}

/// The transcript path and line (a survey's row) of excerpt id `id`:
/// `path:LINE`, `path:LINE.N`, `path.csv:ROW:COLUMN`.
fn line_of(id: &str) -> Option<(&str, u64)> {
    let (head, tail) = id.rsplit_once(':')?;
    let number = |s: &str| s.parse::<u64>().ok();
    if let Some((path, row)) = head.rsplit_once(':') {
        if let Some(row) = number(row) {
            return Some((path, row));
        }
    }
    Some((head, number(tail.split('.').next()?)?))
}

/// One coder's rows in two sheets that land on the same excerpt: their
/// codes are merged into one coding, which is right for a coder's work
/// split over two files but silently wrong for a copy of a sheet left in
/// `codings/` (a backup, an older version). Told once per pair of sheets,
/// with how many rows and the first.
fn shared_rows(c: &Codings, excerpts: &[Target], at: &[Option<usize>]) -> Vec<String> {
    let mut first: HashMap<(&str, usize), usize> = HashMap::new();
    // (coder, earlier sheet, later sheet) → (rows, the first later row).
    let mut shared: BTreeMap<(&str, &str, &str), (usize, usize)> = BTreeMap::new();
    for (i, r) in c.rows.iter().enumerate() {
        let Some(t) = at[i] else { continue };
        match first.entry((r.coder.as_str(), t)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let earlier = &c.rows[*o.get()];
                if earlier.sheet != r.sheet && scopes_overlap(c, &r.coder, earlier.scope, r.scope) {
                    let e = shared
                        .entry((&r.coder, &earlier.sheet, &r.sheet))
                        .or_insert((0, i));
                    e.0 += 1;
                }
            }
        }
    }
    shared
        .into_iter()
        .map(|((coder, earlier, later), (n, i))| {
            let r = &c.rows[i];
            let id = at[i].map_or(r.excerpt.as_str(), |t| excerpts[t].id.as_str());
            format!(
                "{later}:{}: coder `{coder}`'s rows in {later} and {earlier} both cover `{id}`{}; their codes are merged into one coding. If one sheet is a copy of the other (a backup, an older version), move it out of codings/; if it is another person's, give it a `coder` column with their name",
                r.row,
                if n > 1 { format!(" ({n} excerpts in all)") } else { String::new() }
            )
        })
        .collect()
}

/// Whether two of a coder's sheet scopes share a code: sheets of rounds of
/// coding with different code columns (a code added for the second) are
/// no copies of each other.
fn scopes_overlap(c: &Codings, coder: &str, a: usize, b: usize) -> bool {
    let scopes = c.scopes.get(coder);
    let get = |i: usize| scopes.and_then(|s| s.get(i));
    match (get(a), get(b)) {
        (Some(CodeScope::Columns(x)), Some(CodeScope::Columns(y))) => !x.is_disjoint(y),
        _ => true,
    }
}

/// Records that row `r` sits on `target`: a move when the excerpt moved, a
/// fix when its id or hash should be rewritten.
fn record_place(placed: &mut Placed, r: &SheetRow, path: &str, target: &Target) {
    let hash = sheet_hash_of(&target.hash);
    let moved = target.id != r.excerpt;
    // A row is placed on another respondent's excerpt only when it names
    // the file's own (a file without `speakers:`), who has none in it any
    // more ([`Group::find_candidates`]).
    let respondent = r
        .respondent
        .as_ref()
        .filter(|p| {
            r.hash.is_some()
                && **p != target.respondent
                && **p == crate::ingest::plain::file_stem(path)
        })
        .map(|p| (p.clone(), target.respondent.clone()));
    if moved || respondent.is_some() {
        placed.moves.push(Move {
            sheet: r.sheet.clone(),
            row: r.row,
            path: path.to_string(),
            from: r.excerpt.clone(),
            to: target.id.clone(),
            respondent: respondent.clone(),
        });
    }
    if moved || respondent.is_some() || r.hash.as_ref().is_some_and(|h| h.trim() != hash) {
        placed.fixes.push(Fix {
            sheet: r.sheet.clone(),
            row: r.row,
            from: r.excerpt.clone(),
            to: target.id.clone(),
            old_hash: r.hash.clone(),
            hash,
            respondent,
        });
    }
}

/// Why row `r` (naming an excerpt of `path`) cannot be placed, and what to
/// do.
fn why_not(
    o: &Outcome,
    r: &SheetRow,
    path: &str,
    edited: &BTreeSet<String>,
    asked: bool,
) -> String {
    match o {
        Outcome::Placed(_) | Outcome::Guessed(..) => String::new(),
        Outcome::NoSuchId => {
            let key = r.excerpt.get(path.len() + 1..).unwrap_or("");
            let mut why = if key.bytes().all(|b| b.is_ascii_digit()) {
                format!("no excerpt of `{path}` starts at line {key}")
            } else {
                format!("`{path}` has no excerpt `{}`", r.excerpt)
            };
            if edited.contains(path) {
                why.push_str(&format!(
                    "; `{path}` was edited since the last run, so the excerpt may have moved (this sheet has no text hash to follow it)"
                ));
            }
            why.push_str("; correct the id on the sheet (`thematic search` finds the text)");
            why
        }
        Outcome::TextGone => format!(
            "no excerpt of `{path}` has its text any more (it was edited or deleted); code the new text again"
        ),
        Outcome::Taken(id) if r.question.is_some() && !asked => format!(
            "no excerpt of `{path}` has its question and text any more (the question and its answer were deleted, or the question edited), and the excerpt with its text, `{id}`, carries another row of this sheet"
        ),
        Outcome::Taken(id) => format!(
            "the excerpt with its text, `{id}`, already carries another row of this sheet"
        ),
        Outcome::RespondentGone(p) => format!(
            "respondent `{p}` has no excerpt in `{path}` any more; its text is still there, but only as other respondents' excerpts, and a coding never moves to another respondent (if the respondent's id changed, correct the row's `respondent`)"
        ),
        Outcome::OtherRespondent(who) => format!(
            "its text is still in `{path}`, but only as {} `{}`'s now (the row says `{}`), and a coding never moves to another respondent; correct the row's `respondent` if the excerpt was given to {} on purpose, or code it again",
            if who.len() == 1 { "respondent" } else { "respondents" },
            who.join("`'s or `"),
            r.respondent.as_deref().unwrap_or(""),
            if who.len() == 1 { "them" } else { "one of them" }
        ),
        Outcome::Ambiguous(ids) => format!(
            "{} {} times in `{path}` (`{}`) and neither the position nor the neighbouring excerpts tell which; correct the id on the sheet",
            if asked { "its question and text occur" } else { "its text occurs" },
            ids.len(),
            ids.join("`, `")
        ),
        Outcome::HashUnreadable(id_exists) => format!(
            "its hash `{}` cannot be read (a spreadsheet program may have changed it) and {}; check the row and correct the id",
            r.hash.as_deref().unwrap_or(""),
            if *id_exists {
                format!("`{path}` changed since the sheet was written")
            } else {
                format!("no excerpt of `{path}` has the id `{}` any more", r.excerpt)
            }
        ),
    }
}

/// What each row covers: its excerpt (when placed), or its whole
/// transcript (long sheets).
fn cover<'a>(
    c: &'a Codings,
    excerpts: &[Target],
    at: &[Option<usize>],
    by_path: &HashMap<&str, Vec<usize>>,
    path_of: &dyn Fn(&str) -> Option<&'a str>,
    placed: &mut Placed,
) {
    let mut transcripts: BTreeSet<(&str, usize, &str)> = BTreeSet::new();
    for (i, r) in c.rows.iter().enumerate() {
        match r.cover {
            Cover::Excerpt => {
                if let Some(t) = at[i] {
                    placed
                        .covered
                        .entry(excerpts[t].id.clone())
                        .or_default()
                        .insert((r.coder.clone(), r.scope));
                }
            }
            Cover::Transcript => {
                if let Some(p) = path_of(&r.excerpt) {
                    transcripts.insert((r.coder.as_str(), r.scope, p));
                }
            }
        }
    }
    for (coder, scope, path) in transcripts {
        for &t in by_path.get(path).into_iter().flatten() {
            placed
                .covered
                .entry(excerpts[t].id.clone())
                .or_default()
                .insert((coder.to_string(), scope));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::Codebook;
    use crate::codings::*;

    fn cb() -> Codebook {
        Codebook::parse(
            "themes:\n  - id: t\n    codes:\n      - id: a\n      - id: b\n",
            "cb.yaml",
            String::new(),
        )
        .unwrap()
    }

    fn sheet(text: &str, name: &str) -> Codings {
        let mut out = Codings::default();
        let stem = name.trim_end_matches(".csv");
        read_sheet(text, &format!("codings/{name}"), stem, &cb(), &mut out).unwrap();
        out
    }

    fn target(id: &str, hash: &str, resp: &str) -> Target {
        Target {
            id: id.into(),
            path: id.rsplit_once(':').unwrap().0.into(),
            hash: hash.into(),
            respondent: resp.into(),
            question: 0,
        }
    }

    fn none() -> BTreeSet<String> {
        BTreeSet::new()
    }

    fn covered(p: &Placed) -> Vec<(String, Vec<String>)> {
        let mut v: Vec<_> = p
            .covered
            .iter()
            .map(|(k, c)| {
                let mut names: Vec<String> = c.iter().map(|(n, _)| n.clone()).collect();
                names.dedup();
                (k.clone(), names)
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn wide_and_long_sheets() {
        let mut out = sheet(
            "id,respondent,text,hash,t/a,t/b\nx.txt:1,R1,hi,0000000000a1,x,\nx.txt:3,R1,yo,0000000000a2,,1\n",
            "ana.csv",
        );
        read_sheet(
            "excerpt,code,note\nx.txt:1,b,why\n",
            "codings/ben.csv",
            "ben",
            &cb(),
            &mut out,
        )
        .unwrap();
        let got: Vec<(&str, &str, usize)> = out
            .codings
            .iter()
            .map(|c| {
                let r = &out.rows[c.row];
                (r.coder.as_str(), r.excerpt.as_str(), c.code)
            })
            .collect();
        assert_eq!(
            got,
            [
                ("ana", "x.txt:1", 1),
                ("ana", "x.txt:3", 2),
                ("ben", "x.txt:1", 2)
            ]
        );
        assert_eq!(out.scopes["ana"], [CodeScope::Columns([1, 2].into())]);
        assert_eq!(out.scopes["ben"], [CodeScope::All]);
        let targets = vec![
            target("x.txt:1", "0000000000a1", "R1"),
            target("x.txt:3", "0000000000a2", "R1"),
            target("x.txt:5", "0000000000a5", "R2"),
            target("y.txt:1", "0000000000a3", "R3"),
        ];
        let p = place(&out, &targets, &none()).unwrap();
        assert_eq!(p.coders, ["ana", "ben"]);
        // A wide sheet covers its rows; a long sheet its transcripts.
        assert_eq!(
            covered(&p),
            [
                ("x.txt:1".into(), vec!["ana".into(), "ben".into()]),
                ("x.txt:3".into(), vec!["ana".into(), "ben".into()]),
                ("x.txt:5".into(), vec!["ben".into()]),
            ]
        );
        assert!(p.warnings.is_empty() && p.moves.is_empty());
    }

    #[test]
    fn each_excerpt_keeps_the_scope_of_the_sheets_that_cover_it() {
        // Ana codes in rounds: x.txt with columns a and b, y.txt with a
        // only, z.txt again with a and b (the first sheet's scope); a long
        // sheet of hers also covers x.txt.
        let mut out = sheet("id,t/a,t/b\nx.txt:1,x,\n", "ana.csv");
        for (text, name) in [
            ("id,coder,t/a\ny.txt:1,ana,x\n", "ana2.csv"),
            ("id,coder,t/b,t/a\nz.txt:1,ana,,\n", "ana3.csv"),
            ("excerpt,coder,code\nx.txt:1,ana,b\n", "ana4.csv"),
        ] {
            let stem = name.trim_end_matches(".csv");
            read_sheet(text, &format!("codings/{name}"), stem, &cb(), &mut out).unwrap();
        }
        assert_eq!(
            out.scopes["ana"],
            [
                CodeScope::Columns([1, 2].into()),
                CodeScope::Columns([1].into()),
                CodeScope::All
            ]
        );
        let targets = vec![
            target("x.txt:1", "0000000000a1", "R1"),
            target("y.txt:1", "0000000000a2", "R2"),
            target("z.txt:1", "0000000000a3", "R3"),
        ];
        let p = place(&out, &targets, &none()).unwrap();
        let scopes = |id: &str| p.covered[id].iter().cloned().collect::<Vec<_>>();
        assert_eq!(scopes("x.txt:1"), [("ana".into(), 0), ("ana".into(), 2)]);
        assert_eq!(scopes("y.txt:1"), [("ana".to_string(), 1)]);
        assert_eq!(scopes("z.txt:1"), [("ana".to_string(), 0)]);
    }

    #[test]
    fn a_wide_sheet_covers_only_its_rows_in_a_shared_file() {
        // A focus group: the sheet was made for R1 only.
        let out = sheet(
            "id,respondent,hash,t/a\nf.txt:3,R1,h0000000000a1,x\n",
            "ana.csv",
        );
        let targets = vec![
            target("f.txt:3", "0000000000a1", "R1"),
            target("f.txt:5", "0000000000a2", "R2"),
        ];
        let p = place(&out, &targets, &none()).unwrap();
        assert_eq!(covered(&p), [("f.txt:3".into(), vec!["ana".into()])]);
    }

    #[test]
    fn a_long_sheet_with_blank_codes_covers_what_it_lists() {
        let out = sheet("excerpt,code\nx.txt:1,a\nx.txt:3,\n", "ben.csv");
        let targets = vec![
            target("x.txt:1", "0000000000a1", "R1"),
            target("x.txt:3", "0000000000a2", "R1"),
            target("x.txt:5", "0000000000a3", "R1"),
        ];
        let p = place(&out, &targets, &none()).unwrap();
        assert_eq!(
            covered(&p),
            [
                ("x.txt:1".into(), vec!["ben".into()]),
                ("x.txt:3".into(), vec!["ben".into()]),
            ]
        );
        assert_eq!(p.codes.len(), 1);
    }

    #[test]
    fn unknown_codes_and_columns_name_the_place() {
        let mut out = Codings::default();
        let e = read_sheet(
            "excerpt,code\nx.txt:1,zz\n",
            "codings/a.csv",
            "a",
            &cb(),
            &mut out,
        )
        .unwrap_err();
        assert!(
            e.report().contains("codings/a.csv:2:2") && e.report().contains("unknown code `zz`"),
            "{}",
            e.report()
        );
        let e = read_sheet(
            "id,t/a,t/c\nx.txt:1,x,\n",
            "codings/a.csv",
            "a",
            &cb(),
            &mut out,
        )
        .unwrap_err();
        assert!(e.report().contains("codings/a.csv:1:3"), "{}", e.report());
    }

    #[test]
    fn moved_excerpts_are_reanchored_by_hash() {
        let out = sheet(
            "id,hash,t/a\nx.txt:1,0000000000a1,x\nx.txt:9,h0000000000a9,x\n",
            "ana.csv",
        );
        let targets = vec![target("x.txt:2", "0000000000a1", "x")];
        let p = place(&out, &targets, &none()).unwrap();
        assert!(p.codes.contains_key("x.txt:2"));
        assert_eq!(
            tell_moves(&p.moves, &BTreeSet::new()),
            [
                "codings/ana.csv:2: excerpt `x.txt:1` moved to `x.txt:2` (re-anchored by its text)",
                "1 sheet row is re-anchored; `thematic reanchor` lists it, `thematic reanchor --write` writes the new ids into the sheets"
            ]
        );
        let told = p.moves.iter().map(Move::line).collect();
        assert!(tell_moves(&p.moves, &told).is_empty());
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:3: coding for `x.txt:9` cannot be placed: no excerpt of `x.txt` has its text any more (it was edited or deleted); code the new text again"]
        );
        assert_eq!(p.fixes.len(), 1);
        assert_eq!(
            (p.fixes[0].to.as_str(), p.fixes[0].hash.as_str()),
            ("x.txt:2", "h0000000000a1")
        );
        let bad = sheet("id,t/a\nnope.txt:1,x\n", "ana.csv");
        assert!(place(&bad, &targets, &none())
            .unwrap_err()
            .report()
            .contains("unknown excerpt id `nope.txt:1`"));
    }

    /// Two identical answers; the coder marked the second; two lines were
    /// inserted at the top.
    #[test]
    fn duplicate_texts_follow_the_shift_of_their_neighbours() {
        let out = sheet(
            "id,hash,t/a\nx.txt:10,0000000000b1,\nx.txt:12,0000000000cc,\nx.txt:20,0000000000b2,\nx.txt:22,0000000000cc,x\nx.txt:24,0000000000b3,\n",
            "ana.csv",
        );
        let targets = vec![
            target("x.txt:12", "0000000000b1", "R"),
            target("x.txt:14", "0000000000cc", "R"),
            target("x.txt:22", "0000000000b2", "R"),
            target("x.txt:24", "0000000000cc", "R"),
            target("x.txt:26", "0000000000b3", "R"),
        ];
        let p = place(&out, &targets, &none()).unwrap();
        assert_eq!(p.codes.keys().collect::<Vec<_>>(), ["x.txt:24"]);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        // The same with only the marked row on the sheet: the nearest
        // occurrence to its old line wins.
        let out = sheet("id,hash,t/a\nx.txt:22,0000000000cc,x\n", "ana.csv");
        let p = place(&out, &targets, &none()).unwrap();
        assert_eq!(p.codes.keys().collect::<Vec<_>>(), ["x.txt:24"]);
    }

    /// Five questions answered Sí, No, Sí, No, Sí; the second pair (a
    /// "No.") was deleted. The first row stays at its id; the two "No."
    /// rows compete for the one left, which the alignment gives to the
    /// later row (the deleted one is the earlier); the "Sí." rows after it
    /// move up with their neighbours.
    #[test]
    fn repeated_short_answers_follow_a_deletion_by_alignment() {
        let (si, no) = ("00000000005a", "00000000004e");
        let (codes, p) = placed_after_edit(
            &[
                ("x.txt:2", si, "a"),
                ("x.txt:5", no, ""),
                ("x.txt:8", si, "b"),
                ("x.txt:11", no, "a"),
                ("x.txt:14", si, ""),
            ],
            &[
                ("x.txt:2", si),
                ("x.txt:5", si),
                ("x.txt:8", no),
                ("x.txt:11", si),
            ],
        );
        assert_eq!(
            codes,
            [
                ("x.txt:2".into(), 1),
                ("x.txt:5".into(), 2),
                ("x.txt:8".into(), 1)
            ]
        );
        let moved: Vec<(&str, &str)> = p
            .moves
            .iter()
            .map(|m| (m.from.as_str(), m.to.as_str()))
            .collect();
        assert_eq!(
            moved,
            [
                ("x.txt:8", "x.txt:5"),
                ("x.txt:11", "x.txt:8"),
                ("x.txt:14", "x.txt:11")
            ]
        );
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:3: coding for `x.txt:5` cannot be placed: the excerpt with its text, `x.txt:8`, already carries another row of this sheet"]
        );
    }

    /// Sí, No, Sí, No; a question answered "No." was inserted after the
    /// second: the marked "Sí." rows, one before it and one after, stay and
    /// move down. (Which of the two "No." rows is the old one cannot be
    /// told from the text: that row has no marks here.)
    #[test]
    fn repeated_short_answers_follow_an_insertion_by_alignment() {
        let (si, no) = ("00000000005a", "00000000004e");
        let (codes, p) = placed_after_edit(
            &[
                ("x.txt:2", si, "a"),
                ("x.txt:5", no, ""),
                ("x.txt:8", si, "a"),
                ("x.txt:11", no, ""),
            ],
            &[
                ("x.txt:2", si),
                ("x.txt:5", no),
                ("x.txt:8", no),
                ("x.txt:11", si),
                ("x.txt:14", no),
            ],
        );
        assert_eq!(codes, [("x.txt:11".into(), 1), ("x.txt:2".into(), 1)]);
        assert_eq!(p.warnings, Vec::<String>::new());
    }

    /// Codes `(excerpt, code)` of ana after placing `sheet_rows` (id,
    /// hash, mark on t/a or t/b) on `now` (id, hash), and the placing.
    fn placed_after_edit(
        sheet_rows: &[(&str, &str, &str)],
        now: &[(&str, &str)],
    ) -> (Vec<(String, usize)>, Placed) {
        let mut text = "id,hash,t/a,t/b\n".to_string();
        for (id, hash, mark) in sheet_rows {
            let cells = match *mark {
                "a" => "x,",
                "b" => ",x",
                _ => ",",
            };
            text.push_str(&format!("{id},{hash},{cells}\n"));
        }
        let out = sheet(&text, "ana.csv");
        let targets: Vec<Target> = now.iter().map(|(id, h)| target(id, h, "R")).collect();
        let p = place(&out, &targets, &none()).unwrap();
        let mut codes: Vec<(String, usize)> = p
            .codes
            .iter()
            .flat_map(|(id, by)| by["ana"].iter().map(move |&c| (id.clone(), c)))
            .collect();
        codes.sort();
        (codes, p)
    }

    /// Codes `(excerpt, code)` of ana after placing `sheet_rows` (id,
    /// question, hash, mark on t/a) of a sheet with a `question` column on
    /// `now` (id, question, hash), and the placing.
    fn placed_with_questions(
        sheet_rows: &[(&str, &str, &str, &str)],
        now: &[(&str, &str, &str)],
    ) -> (Vec<(String, usize)>, Placed) {
        let mut text = "id,respondent,question,hash,t/a\n".to_string();
        for (id, q, hash, mark) in sheet_rows {
            text.push_str(&format!("{id},R,\"{q}\",{hash},{mark}\n"));
        }
        let out = sheet(&text, "ana.csv");
        let targets: Vec<Target> = now
            .iter()
            .map(|(id, q, h)| Target {
                question: question_key(q),
                ..target(id, h, "R")
            })
            .collect();
        let p = place(&out, &targets, &none()).unwrap();
        let mut codes: Vec<(String, usize)> = p
            .codes
            .iter()
            .flat_map(|(id, by)| by["ana"].iter().map(move |&c| (id.clone(), c)))
            .collect();
        codes.sort();
        (codes, p)
    }

    /// Every answer "Sí."; a question and its answer inserted at the top.
    /// Every row's id still names a "Sí.", but the questions show the file
    /// changed, and each row follows its own question.
    #[test]
    fn equal_answers_follow_their_questions() {
        let si = "00000000005a";
        let (codes, p) = placed_with_questions(
            &[
                ("x.txt:2", "¿Uno?", si, ""),
                ("x.txt:4", "¿Dos?", si, ""),
                ("x.txt:6", "¿Tres?", si, "x"),
                ("x.txt:8", "¿Cuatro?", si, ""),
            ],
            &[
                ("x.txt:2", "¿Cero?", si),
                ("x.txt:4", "¿Uno?", si),
                ("x.txt:6", "¿Dos?", si),
                ("x.txt:8", "¿Tres?", si),
                ("x.txt:10", "¿Cuatro?", si),
            ],
        );
        assert_eq!(codes, [("x.txt:8".into(), 1)]);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.moves.len(), 4);
        // Spaces a spreadsheet changed do not count.
        let (codes, p) = placed_with_questions(
            &[("x.txt:6", " ¿Tres? ", si, "x")],
            &[("x.txt:6", "¿Dos?", si), ("x.txt:8", "¿Tres?", si)],
        );
        assert_eq!(codes, [("x.txt:8".into(), 1)]);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    /// A new "Sí." inserted above the coded one, and lines at the top: the
    /// question tells the old answer from the new.
    #[test]
    fn a_new_equal_answer_above_is_told_apart_by_its_question() {
        let (a, si, c) = ("0000000000a1", "00000000005a", "0000000000c3");
        let now = [
            ("x.txt:4", "¿Uno?", a),
            ("x.txt:7", "¿Nueva?", si),
            ("x.txt:10", "¿Dos?", si),
            ("x.txt:13", "¿Tres?", c),
        ];
        // As written, and after `reanchor --write` rewrote the other rows.
        for ids in [
            ["x.txt:2", "x.txt:5", "x.txt:8"],
            ["x.txt:4", "x.txt:5", "x.txt:13"],
        ] {
            let (codes, p) = placed_with_questions(
                &[
                    (ids[0], "¿Uno?", a, ""),
                    (ids[1], "¿Dos?", si, "x"),
                    (ids[2], "¿Tres?", c, ""),
                ],
                &now,
            );
            assert_eq!(codes, [("x.txt:10".into(), 1)]);
            assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        }
    }

    /// The same on a sheet without a `question` column, after `reanchor
    /// --write` rewrote the rows around the coded one (which it could not
    /// place): the neighbours tie, and the old line picks the nearer
    /// "Sí." — a guess, told.
    #[test]
    fn an_equal_answer_chosen_by_position_between_placed_rows_is_told() {
        let (a, si, c) = ("0000000000a1", "00000000005a", "0000000000c3");
        let now = [
            ("x.txt:4", a),
            ("x.txt:7", si),
            ("x.txt:10", si),
            ("x.txt:13", c),
        ];
        let (codes, p) = placed_after_edit(
            &[("x.txt:2", a, ""), ("x.txt:5", si, "a"), ("x.txt:8", c, "")],
            &now,
        );
        assert!(codes.is_empty());
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:3: coding for `x.txt:5` cannot be placed: its text occurs 2 times in `x.txt` (`x.txt:7`, `x.txt:10`) and neither the position nor the neighbouring excerpts tell which; correct the id on the sheet"]
        );
        let (codes, p) = placed_after_edit(
            &[
                ("x.txt:4", a, ""),
                ("x.txt:5", si, "a"),
                ("x.txt:13", c, ""),
            ],
            &now,
        );
        assert_eq!(codes, [("x.txt:7".into(), 1)]);
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:3: `x.txt:5` was placed on `x.txt:7` by its position after an edit of `x.txt`: its text occurs 2 times there and the texts around it do not tell which is its excerpt; check the coding, or correct the id on the sheet"]
        );
    }

    /// A question edited since the sheet was written, or a question and
    /// its answer deleted: which, the text cannot tell. A row whose
    /// question is before none of the excerpts with its text goes by its
    /// text alone, and in an edited transcript that is a guess, told.
    #[test]
    fn a_row_whose_question_is_gone_goes_by_its_text_and_is_told() {
        let (a, si, no) = ("0000000000a1", "00000000005a", "00000000004e");
        let (codes, p) = placed_with_questions(
            &[("x.txt:2", "¿Uno?", a, "x"), ("x.txt:4", "¿Dos?", si, "")],
            &[("x.txt:4", "¿Uno, dígame?", a), ("x.txt:6", "¿Dos?", si)],
        );
        assert_eq!(codes, [("x.txt:4".into(), 1)]);
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:2: `x.txt:2` was placed on `x.txt:4` after an edit of `x.txt`, by its text alone: its question on the sheet is before none of the excerpts with its text (the question was edited, or the question and its answer deleted); check the coding: if it is right, write the question the excerpt answers now into the row's `question` cell (the warning goes); else correct the id on the sheet"]
        );
        // Only a question edited, its text found once: nothing to tell.
        let (codes, p) = placed_with_questions(
            &[
                ("x.txt:4", "¿Uno, dígame?", a, "x"),
                ("x.txt:6", "¿Dos?", si, ""),
            ],
            &[("x.txt:4", "¿Uno?", a), ("x.txt:6", "¿Dos?", si)],
        );
        assert_eq!(codes, [("x.txt:4".into(), 1)]);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        // "¿Dos?" and its "No." deleted, a new "No." inserted after: the
        // deleted row's coding is not moved onto the new answer in silence.
        let (codes, p) = placed_with_questions(
            &[
                ("x.txt:2", "¿Uno?", si, ""),
                ("x.txt:4", "¿Dos?", no, "x"),
                ("x.txt:6", "¿Tres?", si, ""),
            ],
            &[
                ("x.txt:2", "¿Uno?", si),
                ("x.txt:4", "¿Tres?", si),
                ("x.txt:6", "¿Nueva?", no),
            ],
        );
        assert_eq!(codes, [("x.txt:6".into(), 1)]);
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:3: `x.txt:4` was placed on `x.txt:6` after an edit of `x.txt`, by its text alone: its question on the sheet is before none of the excerpts with its text (the question was edited, or the question and its answer deleted); check the coding: if it is right, write the question the excerpt answers now into the row's `question` cell (the warning goes); else correct the id on the sheet"]
        );
        // A sheet of the deleted answer only, its id naming another
        // question's equal answer now: nothing else shows the edit, but the
        // question does.
        let (codes, p) = placed_with_questions(
            &[("x.txt:4", "¿Dos?", si, "x")],
            &[("x.txt:2", "¿Uno?", si), ("x.txt:4", "¿Tres?", si)],
        );
        assert_eq!(codes, [("x.txt:4".into(), 1)]);
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:2: `x.txt:4` kept its line after an edit of `x.txt`, by its text alone: its question on the sheet is before none of the excerpts with its text (the question was edited, or the question and its answer deleted); check the coding: if it is right, write the question the excerpt answers now into the row's `question` cell (the warning goes); else correct the id on the sheet"]
        );
        // Its text held by the row whose question it is: not placed.
        let (codes, p) = placed_with_questions(
            &[("x.txt:2", "¿Uno?", no, "x"), ("x.txt:4", "¿Dos?", no, "")],
            &[("x.txt:2", "¿Dos?", no)],
        );
        assert!(codes.is_empty());
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:2: coding for `x.txt:2` cannot be placed: no excerpt of `x.txt` has its question and text any more (the question and its answer were deleted, or the question edited), and the excerpt with its text, `x.txt:2`, carries another row of this sheet"]
        );
    }

    /// A file given `speakers:` (its one respondent split in two): the rows
    /// follow their texts, told as moves that name the new respondent;
    /// `reanchor --write` rewrites the row's respondent.
    #[test]
    fn rows_of_a_respondent_the_file_no_longer_has_follow_their_texts() {
        let out = sheet(
            "id,respondent,hash,t/a\nep.md:3,ep,h0000000000a1,x\nep.md:5,ep,h0000000000a2,x\nep.md:7,ep,h0000000000a3,\n",
            "ana.csv",
        );
        let targets = vec![
            target("ep.md:6", "0000000000a1", "A1"),
            target("ep.md:8", "0000000000a2", "L1"),
        ];
        let p = place(&out, &targets, &none()).unwrap();
        let mut at: Vec<&String> = p.codes.keys().collect();
        at.sort();
        assert_eq!(at, ["ep.md:6", "ep.md:8"]);
        assert_eq!(
            p.moves.iter().map(Move::line).collect::<Vec<_>>(),
            [
                "codings/ana.csv:2: excerpt `ep.md:3` moved to `ep.md:6` (re-anchored by its text) and is now respondent `A1`'s: the row says `ep`, who has no excerpt in `ep.md` any more, and the coding follows the text",
                "codings/ana.csv:3: excerpt `ep.md:5` moved to `ep.md:8` (re-anchored by its text) and is now respondent `L1`'s: the row says `ep`, who has no excerpt in `ep.md` any more, and the coding follows the text",
            ]
        );
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:4: coding for `ep.md:7` cannot be placed: no excerpt of `ep.md` has its text any more (it was edited or deleted); code the new text again"]
        );
        assert_eq!(
            p.fixes[0].respondent,
            Some(("ep".to_string(), "A1".to_string()))
        );
        // The id unchanged: the respondent alone is told.
        let out = sheet(
            "id,respondent,hash,t/a\nep.md:3,ep,h0000000000a1,x\n",
            "ana.csv",
        );
        let p = place(&out, &[target("ep.md:3", "0000000000a1", "A1")], &none()).unwrap();
        assert_eq!(
            p.moves.iter().map(Move::line).collect::<Vec<_>>(),
            ["codings/ana.csv:2: excerpt `ep.md:3` is now respondent `A1`'s: the row says `ep`, who has no excerpt in `ep.md` any more, and the coding follows the text"]
        );
    }

    /// Rows of several respondents never move to another: the warning says
    /// the text is still there, and whose it is now.
    #[test]
    fn a_text_now_another_respondents_says_so() {
        let out = sheet(
            "id,respondent,hash,t/a\ns.csv:2:2,E01,h0000000000a1,\ns.csv:3:2,E02,h00000000004e,x\ns.csv:4:2,E03,h00000000004e,x\n",
            "ana.csv",
        );
        // E02's row deleted; "No." is still E01's and E03's.
        let row = |id: &str, resp: &str| Target {
            path: "s.csv".into(),
            ..target(id, "00000000004e", resp)
        };
        let targets = vec![row("s.csv:2:2", "E01"), row("s.csv:3:2", "E03")];
        let p = place(&out, &targets, &none()).unwrap();
        assert_eq!(p.codes.keys().collect::<Vec<_>>(), ["s.csv:3:2"]);
        assert_eq!(
            p.warnings,
            [
                "codings/ana.csv:2: coding for `s.csv:2:2` cannot be placed: no excerpt of `s.csv` has its text any more (it was edited or deleted); code the new text again",
                "codings/ana.csv:3: coding for `s.csv:3:2` cannot be placed: respondent `E02` has no excerpt in `s.csv` any more; its text is still there, but only as other respondents' excerpts, and a coding never moves to another respondent (if the respondent's id changed, correct the row's `respondent`)"
            ]
        );
        // A line given to another speaker who is in the file too.
        let out = sheet(
            "id,respondent,hash,t/a\nf.md:3,R1,h0000000000a1,x\nf.md:5,R2,h0000000000a2,\n",
            "ana.csv",
        );
        let targets = vec![
            target("f.md:3", "0000000000a1", "R2"),
            target("f.md:5", "0000000000a2", "R2"),
            target("f.md:7", "0000000000a3", "R1"),
        ];
        let p = place(&out, &targets, &none()).unwrap();
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:2: coding for `f.md:3` cannot be placed: its text is still in `f.md`, but only as respondent `R2`'s now (the row says `R1`), and a coding never moves to another respondent; correct the row's `respondent` if the excerpt was given to them on purpose, or code it again"]
        );
    }

    /// Three equal answers, one deleted: the rows with one choice in every
    /// alignment take it; the middle row, kept at its line by a guess, is
    /// told when it carries a coding.
    #[test]
    fn a_row_kept_at_its_line_by_a_guess_is_told() {
        let si = "00000000005a";
        let (codes, p) = placed_after_edit(
            &[
                ("x.txt:2", si, "a"),
                ("x.txt:5", si, ""),
                ("x.txt:8", si, "b"),
            ],
            &[("x.txt:2", si), ("x.txt:5", si)],
        );
        assert_eq!(codes, [("x.txt:2".into(), 1), ("x.txt:5".into(), 2)]);
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:3: coding for `x.txt:5` cannot be placed: the excerpt with its text, `x.txt:2`, already carries another row of this sheet"]
        );
        let (codes, p) = placed_after_edit(
            &[
                ("x.txt:2", si, ""),
                ("x.txt:5", si, "a"),
                ("x.txt:8", si, ""),
            ],
            &[
                ("x.txt:2", si),
                ("x.txt:5", si),
                ("x.txt:11", si),
                ("x.txt:14", si),
            ],
        );
        assert_eq!(codes, [("x.txt:5".into(), 1)]);
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:3: `x.txt:5` kept its line after an edit of `x.txt`: its text occurs 4 times there and the texts around it do not tell which is its excerpt; check the coding, or correct the id on the sheet"]
        );
    }

    /// The rows a deletion or insertion shifts onto answers with the same
    /// text at their old lines do not stay there: the alignment says where
    /// they went.
    #[test]
    fn rows_shifted_onto_an_equal_answer_follow_the_alignment_not_their_line() {
        let (si, no, claro) = ("00000000005a", "00000000004e", "0000000000c1");
        // Sí, No, Sí, Sí; the No pair deleted: a (deuda) and b (miedo)
        // move up by one answer each, not swap.
        let (codes, placed) = placed_after_edit(
            &[
                ("x.txt:2", si, ""),
                ("x.txt:5", no, ""),
                ("x.txt:8", si, "a"),
                ("x.txt:11", si, "b"),
            ],
            &[("x.txt:2", si), ("x.txt:5", si), ("x.txt:8", si)],
        );
        assert_eq!(codes, [("x.txt:5".into(), 1), ("x.txt:8".into(), 2)]);
        assert_eq!(placed.warnings.len(), 1, "{:?}", placed.warnings);
        // No, Sí, Sí, No, No; a unique answer inserted after the first.
        let (codes, placed) = placed_after_edit(
            &[
                ("x.txt:2", no, ""),
                ("x.txt:5", si, ""),
                ("x.txt:8", si, ""),
                ("x.txt:11", no, "b"),
                ("x.txt:14", no, ""),
            ],
            &[
                ("x.txt:2", no),
                ("x.txt:5", claro),
                ("x.txt:8", si),
                ("x.txt:11", si),
                ("x.txt:14", no),
                ("x.txt:17", no),
            ],
        );
        assert_eq!(codes, [("x.txt:14".into(), 2)]);
        assert!(placed.warnings.is_empty(), "{:?}", placed.warnings);
        // No, Sí, Sí; a No pair inserted at the top: the two Sí move down.
        let (codes, _) = placed_after_edit(
            &[
                ("x.txt:2", no, ""),
                ("x.txt:5", si, "a"),
                ("x.txt:8", si, "b"),
            ],
            &[
                ("x.txt:2", no),
                ("x.txt:5", no),
                ("x.txt:8", si),
                ("x.txt:11", si),
            ],
        );
        assert_eq!(codes, [("x.txt:11".into(), 2), ("x.txt:8".into(), 1)]);
        // The same on a sheet that lists only the marked row: the text
        // occurs three times, and position (no rows placed around it: its
        // old line) picks the nearest, which is told as a guess.
        let (codes, p) = placed_after_edit(
            &[("x.txt:11", no, "b")],
            &[
                ("x.txt:2", no),
                ("x.txt:5", claro),
                ("x.txt:8", si),
                ("x.txt:11", si),
                ("x.txt:14", no),
                ("x.txt:17", no),
            ],
        );
        assert_eq!(codes, [("x.txt:14".into(), 2)]);
        assert_eq!(
            p.warnings,
            ["codings/ana.csv:2: `x.txt:11` was placed on `x.txt:14` by its position after an edit of `x.txt`: its text occurs 3 times there and the texts around it do not tell which is its excerpt; check the coding, or correct the id on the sheet"]
        );
    }

    #[test]
    fn one_coders_two_sheets_on_the_same_excerpts_are_told() {
        let mut out = sheet(
            "id,hash,t/a,t/b\nx.txt:1,0000000000a1,x,\nx.txt:3,0000000000a2,,x\n",
            "ana.csv",
        );
        // A copy kept as a backup, one mark changed; and a sheet of
        // another file only, which is the coder's work split over files.
        for (text, name) in [
            (
                "id,coder,hash,t/a,t/b\nx.txt:1,ana,0000000000a1,,x\nx.txt:3,ana,0000000000a2,,x\n",
                "ana-old.csv",
            ),
            (
                "id,coder,hash,t/a\ny.txt:1,ana,0000000000a3,x\n",
                "ana-y.csv",
            ),
        ] {
            read_sheet(text, &format!("codings/{name}"), "x", &cb(), &mut out).unwrap();
        }
        let targets = vec![
            target("x.txt:1", "0000000000a1", "R1"),
            target("x.txt:3", "0000000000a2", "R1"),
            target("y.txt:1", "0000000000a3", "R2"),
        ];
        let p = place(&out, &targets, &none()).unwrap();
        assert_eq!(
            p.warnings,
            ["codings/ana-old.csv:2: coder `ana`'s rows in codings/ana-old.csv and codings/ana.csv both cover `x.txt:1` (2 excerpts in all); their codes are merged into one coding. If one sheet is a copy of the other (a backup, an older version), move it out of codings/; if it is another person's, give it a `coder` column with their name"]
        );
        assert_eq!(p.codes["x.txt:1"]["ana"].len(), 2);
    }

    #[test]
    fn many_rows_following_their_texts_to_new_respondents_are_told_in_one_line() {
        let moves: Vec<Move> = (1..=7)
            .map(|i| Move {
                sheet: "codings/ana.csv".into(),
                row: i + 1,
                path: "ep.md".into(),
                from: format!("ep.md:{i}"),
                to: format!("ep.md:{}", i + 3),
                respondent: Some(("ep".into(), if i % 2 == 0 { "A1" } else { "L1" }.into())),
            })
            .collect();
        assert_eq!(
            tell_moves(&moves, &BTreeSet::new()),
            [
                "codings/ana.csv: 7 rows on `ep.md` were re-anchored by their text (the first: row 2, `ep.md:1` to `ep.md:4`); 7 of them name respondent `ep`, who has no excerpt in `ep.md` any more: their codings follow the texts to the respondents who speak them now (`A1`, `L1`)",
                "7 sheet rows are re-anchored; `thematic reanchor` lists them, `thematic reanchor --write` writes the new ids into the sheets"
            ]
        );
    }

    #[test]
    fn many_moves_on_one_transcript_are_told_in_one_line() {
        let moves: Vec<Move> = (1..=7)
            .map(|i| Move {
                sheet: "codings/ana.csv".into(),
                row: i + 1,
                path: "x.txt".into(),
                from: format!("x.txt:{i}"),
                to: format!("x.txt:{}", i + 2),
                respondent: None,
            })
            .collect();
        assert_eq!(
            tell_moves(&moves, &BTreeSet::new()),
            [
                "codings/ana.csv: 7 rows on `x.txt` moved with their excerpts (re-anchored by their text; the first: row 2, `x.txt:1` to `x.txt:3`)",
                "7 sheet rows are re-anchored; `thematic reanchor` lists them, `thematic reanchor --write` writes the new ids into the sheets"
            ]
        );
    }

    #[test]
    fn an_excerpt_another_row_holds_is_never_taken() {
        // Both rows had the same text; one copy was deleted.
        let out = sheet(
            "id,hash,t/a\nx.txt:1,0000000000cc,x\nx.txt:3,0000000000cc,x\n",
            "ana.csv",
        );
        let targets = vec![target("x.txt:1", "0000000000cc", "R")];
        let p = place(&out, &targets, &none()).unwrap();
        assert_eq!(p.codes.len(), 1);
        assert!(
            p.warnings[0].contains("already carries another row of this sheet"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn ties_are_warned_about_not_guessed() {
        let out = sheet("id,hash,t/a\nx.txt:5,0000000000cc,x\n", "ana.csv");
        let targets = vec![
            target("x.txt:3", "0000000000cc", "R"),
            target("x.txt:7", "0000000000cc", "R"),
        ];
        let p = place(&out, &targets, &none()).unwrap();
        assert!(p.codes.is_empty());
        assert!(
            p.warnings[0].contains("occurs 2 times in `x.txt` (`x.txt:3`, `x.txt:7`)"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn codings_never_move_to_another_transcript_or_respondent() {
        let out = sheet(
            "id,respondent,hash,t/a\nshort3.txt:1,R3,0000000000cc,x\nfg.txt:4,R4,0000000000dd,x\n",
            "ana.csv",
        );
        let targets = vec![
            target("fg.txt:2", "0000000000dd", "R5"),
            target("short3.txt:3", "0000000000ee", "R3"),
            target("short5.txt:1", "0000000000cc", "R5"),
        ];
        let p = place(&out, &targets, &none()).unwrap();
        assert!(p.codes.is_empty(), "{:?}", p.codes);
        assert_eq!(p.warnings.len(), 2);
    }

    #[test]
    fn hashes_a_spreadsheet_turned_into_numbers_still_match() {
        for (written, hash) in [
            ("66089670000", "066089670000"),
            ("4980714206", "4980714206e0"),
            ("1.1283421E+129", "11283421e122"),
            ("4.0768E+14", "4076801289e5"),
            ("h0a1b2c3d4e5f", "0a1b2c3d4e5f"),
            ("0A1B2C3D4E5F", "0a1b2c3d4e5f"),
        ] {
            assert!(HashCell::read(written).matches(hash), "{written} {hash}");
        }
        assert!(!HashCell::read("66089670001").matches("066089670000"));
        assert!(!HashCell::read("1.1283422E+129").matches("11283421e122"));
        assert!(!HashCell::read("1E+12").matches("000001000000"));
        assert!(!HashCell::read("66089670000").matches("0660896700ab"));
        assert_eq!(HashCell::read("12/03/2024"), HashCell::Unreadable);
    }

    #[test]
    fn an_unreadable_hash_keeps_its_id_while_the_transcript_is_unchanged() {
        let targets = vec![
            target("x.txt:1", "0000000000a1", "R"),
            target("x.txt:3", "0000000000a2", "R"),
        ];
        let out = sheet(
            "id,hash,t/a\nx.txt:1,0000000000a1,\nx.txt:3,#VALUE!,x\n",
            "ana.csv",
        );
        let p = place(&out, &targets, &none()).unwrap();
        assert_eq!(p.codes.keys().collect::<Vec<_>>(), ["x.txt:3"]);
        // Both hashes are rewritten in the form no spreadsheet changes.
        assert_eq!(p.fixes.len(), 2, "{:?}", p.fixes);
        // Once another row shows the file changed, the id is not trusted.
        let out = sheet(
            "id,hash,t/a\nx.txt:1,0000000000ff,\nx.txt:3,#VALUE!,x\n",
            "ana.csv",
        );
        let p = place(&out, &targets, &none()).unwrap();
        assert!(p.codes.is_empty());
        assert!(p.warnings.iter().any(|w| w.contains("cannot be read")));
    }

    #[test]
    fn a_long_sheet_id_that_never_existed_says_so() {
        let out = sheet("excerpt,code\nx.txt:2,a\n", "ben.csv");
        let targets = vec![target("x.txt:1", "0000000000a1", "R")];
        let p = place(&out, &targets, &none()).unwrap();
        assert_eq!(
            p.warnings,
            ["codings/ben.csv:2: coding for `x.txt:2` cannot be placed: no excerpt of `x.txt` starts at line 2; correct the id on the sheet (`thematic search` finds the text)"]
        );
        let p = place(&out, &targets, &["x.txt".to_string()].into()).unwrap();
        assert!(p.warnings[0].contains("`x.txt` was edited since the last run"));
    }
}
