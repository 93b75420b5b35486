//! `thematic quote` and `thematic search`: excerpts with attribution, from
//! the index, in corpus order or best-first when a text query is given.

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::snippet::SnippetGenerator;

use crate::cli::{ColorChoice, ListOpts, QuoteArgs, SearchArgs, TextFormat as Format};
use crate::error::{Error, Result};
use crate::index::collect::{Hit, HitFilter, Source};
use crate::index::StudyIndex;
use crate::render::{self, Table};
use crate::study::{Study, StudyAt};

/// One quote as `quote --format json` prints it (the report builds its
/// numbered quotes from the same values).
#[derive(Serialize)]
pub(crate) struct Quote {
    pub(crate) id: String,
    pub(crate) path: String,
    pub(crate) line: u64,
    pub(crate) respondent: String,
    pub(crate) attributes: BTreeMap<String, String>,
    pub(crate) codes: Vec<String>,
    pub(crate) question: String,
    pub(crate) text: String,
    pub(crate) time: String,
    score: f32,
    /// With `--memos`: the memos about the excerpt, its respondent or its codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    memos: Option<Vec<crate::memo::MemoRef>>,
    #[serde(skip)]
    highlights: Vec<std::ops::Range<usize>>,
}

/// Runs `thematic quote`.
pub fn run_quote(project: &StudyAt, args: &QuoteArgs) -> Result<()> {
    let (study, idx) = super::open(project, &args.list.read)?;
    let cb_rows: Vec<&str> = idx.manifest.rows.iter().map(|r| r.path.as_str()).collect();
    let mut rows_all = Vec::new();
    for name in &args.codes {
        rows_all.push(vec![super::code_arg(&idx.manifest.rows, name)? as u64]);
    }
    if args.charted {
        let paths: Vec<&str> = rows_all.iter().map(|r| cb_rows[r[0] as usize]).collect();
        let cited = cited(&study, &idx, &paths)?;
        return list_charted(&study, &idx, rows_all, &cited, &args.list);
    }
    list(
        &study,
        &idx,
        args.query.as_deref(),
        rows_all,
        false,
        &args.list,
    )
}

/// The ids the summaries at `paths` cite, in the order cited.
fn cited(study: &crate::study::Study, idx: &StudyIndex, paths: &[&str]) -> Result<Vec<String>> {
    let rel = study.settings.charts.trim_end_matches('/');
    let dir = study.resolve(rel);
    let sources = crate::chart::read_dir(&dir, &study.shown(&dir))?;
    // The excerpts of the study are only needed to tell what may hold the
    // words of someone who withdrew, and which citations an edit moved.
    let m = &idx.manifest;
    let table = match m.withheld.is_empty() && m.moved.is_empty() {
        true => crate::chart::table::CellTable::default(),
        false => crate::chart::table::CellTable::load(idx, &super::note)?,
    };
    let groups = super::group_withdrawals(study, m)?;
    super::chart::warn_withdrawn(study, m, &sources, &|id| table.contains(id), &groups)?;
    let (files, problems) = crate::chart::load(&sources, m, &groups);
    for p in problems {
        eprintln!("warning: {}", p.report().trim_start_matches("error: "));
    }
    // A citation whose line holds other text since an edit is quoted as it
    // is now: said, as `chart check` says it.
    if !m.moved.is_empty() {
        let report = crate::chart::check::check(m, &table, &files, false);
        for f in report
            .findings
            .iter()
            .filter(|f| f.kind == crate::chart::check::Kind::Moved)
        {
            eprintln!(
                "warning: {}",
                render::safe::terminal(&format!("{}: {}", f.at, f.message))
            );
        }
    }
    Ok(crate::chart::cited(&files, paths))
}

/// Each `--show` attribute exists and, without `--identified`, is not
/// declared identifying.
fn check_show(
    study: &crate::study::Study,
    m: &crate::index::Manifest,
    opts: &ListOpts,
) -> Result<()> {
    for a in &opts.show {
        super::check_attribute(m, a, "--show")?;
        super::refuse_identifying(study, a, "--show", opts.privacy)?;
    }
    Ok(())
}

/// `quote --charted`: the cited excerpts that are at every code and pass
/// the filters, in the order cited, cut to `--limit`.
fn list_charted(
    study: &crate::study::Study,
    idx: &StudyIndex,
    rows_all: Vec<Vec<u64>>,
    cited: &[String],
    opts: &ListOpts,
) -> Result<()> {
    let m = &idx.manifest;
    check_show(study, m, opts)?;
    let keep = HitFilter {
        filter: super::filter(m, &opts.read)?,
        rows_all,
        uncoded: false,
    };
    let source = keep.filter.source;
    let searcher = idx.reader.searcher();
    let wanted: std::collections::HashSet<&str> = cited.iter().map(String::as_str).collect();
    let mut by_id = std::collections::HashMap::new();
    for h in idx.corpus(keep)? {
        let id = idx.stored(&searcher, h.addr)?.id;
        if wanted.contains(id.as_str()) {
            by_id.insert(id, h);
        }
    }
    let mut per: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let hits: Vec<&Hit> = cited
        .iter()
        .filter_map(|id| by_id.get(id))
        .filter(|h| {
            let n = per.entry(h.resp).or_default();
            *n += 1;
            opts.per_respondent.is_none_or(|cap| *n <= cap)
        })
        .collect();
    let more = hits.len().saturating_sub(opts.limit);
    let mut quotes = Vec::new();
    for h in hits.into_iter().take(opts.limit) {
        quotes.push(quote(idx, &searcher, h, None, false, &opts.show, source)?);
    }
    let none = quotes.is_empty();
    let out = finish(study, idx, quotes, opts, false)?;
    render::emit(&out)?;
    if more > 0 {
        eprintln!("{more} more not shown (raise --limit to see them)");
    } else if none {
        eprintln!(
            "no cited excerpts found (`thematic chart check` lists citations that went astray)"
        );
    }
    Ok(())
}

/// Runs `thematic search`.
pub fn run_search(project: &StudyAt, args: &SearchArgs) -> Result<()> {
    if args.query.is_none() && !args.uncoded {
        return Err(Error::input(
            "search needs a QUERY (or --uncoded to list what no code reached)",
        )
        .with_hint("e.g. thematic search 'police AND family'"));
    }
    let (study, idx) = super::open(project, &args.list.read)?;
    list(
        &study,
        &idx,
        args.query.as_deref(),
        Vec::new(),
        args.uncoded,
        &args.list,
    )
}

fn list(
    study: &crate::study::Study,
    idx: &StudyIndex,
    query: Option<&str>,
    rows_all: Vec<Vec<u64>>,
    uncoded: bool,
    opts: &ListOpts,
) -> Result<()> {
    let m = &idx.manifest;
    check_show(study, m, opts)?;
    let filter = super::filter(m, &opts.read)?;
    let searcher = idx.reader.searcher();
    let parsed: Option<Box<dyn Query>> = match query.map(str::trim).filter(|q| !q.is_empty()) {
        None => None,
        Some(q) => {
            let parser = crate::index::query::parser(&idx.index, &idx.fields, &m.languages());
            // Special forms of tantivy's parser inside a word are text.
            let escaped = crate::index::query::escape(q);
            // A query of exclusions alone means "everything but".
            let parsed = match parser.parse_query(&escaped) {
                Err(tantivy::query::QueryParserError::AllButQueryForbidden) => {
                    parser.parse_query(&format!("* AND ({escaped})"))
                }
                other => other,
            };
            let parsed = parsed.map_err(|e| {
                // The parser's message quotes the rewritten query: not what was typed.
                let why = match e {
                    tantivy::query::QueryParserError::SyntaxError(_) => "syntax error".to_string(),
                    e => e.to_string(),
                };
                Error::input(format!(
                    "invalid query `{}`: {why}",
                    crate::input::quote_line(q, 120)
                ))
                .with_hint("words, \"a phrase\", AND, OR, NOT, -word, (groups)")
            })?;
            Some(fix_negations(parsed))
        }
    };
    let source = filter.source;
    let keep = HitFilter {
        filter,
        rows_all,
        uncoded,
    };
    let (chosen, more) = if parsed.is_none()
        && !uncoded
        && keep.rows_all.len() == 1
        && opts.per_respondent.is_none()
    {
        first_in_corpus_order(idx, &searcher, &keep, opts.limit)?
    } else {
        select(idx, &searcher, parsed.as_deref(), keep, opts)?
    };
    let snippets = snippet_generator(idx, &searcher, parsed.as_deref(), opts, study.terminal)?;
    let mut quotes = Vec::new();
    for h in &chosen {
        quotes.push(quote(
            idx,
            &searcher,
            h,
            snippets.as_ref(),
            parsed.is_some(),
            &opts.show,
            source,
        )?);
    }
    let none = quotes.is_empty();
    let out = finish(study, idx, quotes, opts, snippets.is_some())?;
    render::emit(&out)?;
    if more > 0 {
        eprintln!("{more} more not shown (raise --limit to see them)");
    } else if none {
        eprintln!("no excerpts found");
    }
    Ok(())
}

/// The first `limit` excerpts at one row, in corpus order, reading files in
/// path order (in growing batches) until enough are found; the total comes
/// from the count cache. Cheap however large the study.
fn first_in_corpus_order(
    idx: &StudyIndex,
    searcher: &tantivy::Searcher,
    keep: &HitFilter,
    limit: usize,
) -> Result<(Vec<Hit>, usize)> {
    let row = keep.rows_all[0].first().copied().unwrap_or(0) as usize;
    let counts = crate::index::counts(idx, keep.filter.source, &super::note)?;
    let allowed = |p: usize| {
        keep.filter
            .respondents
            .as_ref()
            .is_none_or(|m| m.get(p).copied().unwrap_or(false))
    };
    let total: usize = (0..counts.n_resp)
        .filter(|&p| allowed(p))
        .map(|p| counts.cell(row, p) as usize)
        .sum();
    let paths: Vec<&str> = idx.manifest.file_refs().into_iter().map(|f| f.0).collect();
    let order = idx.manifest.corpus_order();
    let mut got: Vec<Hit> = Vec::new();
    let collector = idx.hits(keep.clone(), false)?;
    let (mut i, mut batch) = (0, 1);
    while i < paths.len() && got.len() < limit {
        let end = (i + batch).min(paths.len());
        let clauses: Vec<(Occur, Box<dyn Query>)> = paths[i..end]
            .iter()
            .map(|p| {
                let term = tantivy::Term::from_field_text(idx.fields.path, p);
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect();
        got.extend(searcher.search(&BooleanQuery::new(clauses), &collector)?);
        i = end;
        batch *= 2;
    }
    got.sort_by_key(|h| order.key(h.file, h.pos));
    got.truncate(limit);
    let more = total.saturating_sub(got.len());
    Ok((got, more))
}

/// Every matching excerpt, ordered (best first with a query, else corpus
/// order), capped per respondent and cut to the limit.
fn select(
    idx: &StudyIndex,
    searcher: &tantivy::Searcher,
    parsed: Option<&dyn Query>,
    keep: HitFilter,
    opts: &ListOpts,
) -> Result<(Vec<Hit>, usize)> {
    let m = &idx.manifest;
    let collector = idx.hits(keep, parsed.is_some())?;
    let mut hits: Vec<Hit> = match parsed {
        Some(q) => idx.search(searcher, q, &collector)?,
        None => searcher.search(&AllQuery, &collector)?,
    };
    let corpus = m.corpus_order();
    let order = |h: &Hit| corpus.key(h.file, h.pos);
    let scored = parsed.is_some();
    let cmp = |a: &Hit, b: &Hit| {
        let by_order = order(a).cmp(&order(b));
        if scored {
            b.score.total_cmp(&a.score).then(by_order)
        } else {
            by_order
        }
    };
    // Without a per-respondent cap only the first `limit` matter: select
    // them in linear time, then sort just those.
    let mut skipped = 0;
    if opts.per_respondent.is_none() && hits.len() > opts.limit {
        skipped = hits.len() - opts.limit;
        if opts.limit > 0 {
            hits.select_nth_unstable_by(opts.limit - 1, cmp);
        }
        hits.truncate(opts.limit);
    }
    hits.sort_by(cmp);
    let (chosen, more) = cap(hits, opts.limit, opts.per_respondent);
    Ok((chosen, more + skipped))
}

/// The quotes chosen from ordered hits: each in turn unless its respondent
/// already has `per_respondent`, until `limit`; and how many more passed
/// the per-respondent cap but not the limit. `quote` and `report` both
/// choose this way, so a report's quotes are `quote`'s.
pub(crate) fn cap(
    hits: impl IntoIterator<Item = Hit>,
    limit: usize,
    per_respondent: Option<usize>,
) -> (Vec<Hit>, usize) {
    let mut per: BTreeMap<u64, usize> = BTreeMap::new();
    let mut chosen = Vec::new();
    let mut more = 0;
    for h in hits {
        let n = per.entry(h.resp).or_default();
        if per_respondent.is_some_and(|cap| *n >= cap) {
            continue;
        }
        // Counted past the limit too, so that `more` is what a higher
        // limit would show, the per-respondent cap included.
        *n += 1;
        if chosen.len() >= limit {
            more += 1;
            continue;
        }
        chosen.push(h);
    }
    (chosen, more)
}

/// A snippet generator when query terms are to be highlighted.
fn snippet_generator(
    idx: &StudyIndex,
    searcher: &tantivy::Searcher,
    parsed: Option<&dyn Query>,
    opts: &ListOpts,
    terminal: render::Terminal,
) -> Result<Option<Snippets>> {
    let colour = match opts.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal.colour,
    };
    match parsed {
        Some(q) if opts.format == Format::Table && colour => {
            let mut by_language = BTreeMap::new();
            for l in idx.manifest.languages() {
                let mut g = SnippetGenerator::create(searcher, q, idx.fields.body(l))?;
                g.set_max_num_chars(1 << 20);
                by_language.insert(l, g);
            }
            Ok(Some(Snippets(by_language)))
        }
        _ => Ok(None),
    }
}

/// A snippet generator per language present: an excerpt's highlights are
/// its own language's terms of the query.
pub(crate) struct Snippets(BTreeMap<crate::study::Language, SnippetGenerator>);

/// Gives each quote the memos about its excerpt, its respondent or its
/// codes (and their ancestors), then the coding sheets' notes on it. A memo with an entry that names nothing is
/// a warning here (`chart check` refuses it).
fn attach_memos(study: &Study, idx: &StudyIndex, quotes: &mut [Quote]) -> Result<()> {
    let m = &idx.manifest;
    let dir = study.resolve(study.settings.memos.trim_end_matches('/'));
    let withheld = crate::memo::withheld_excerpts(idx)?;
    // An excerpt id is looked up in its transcript's excerpts (read once
    // per transcript a memo names), so that one that names none is told.
    let known: std::cell::RefCell<BTreeMap<String, std::collections::HashSet<String>>> =
        Default::default();
    let refs = m.file_refs();
    let is_excerpt = |id: &str| -> bool {
        let Some(path) = refs
            .iter()
            .map(|f| f.0)
            .filter(|p| id.strip_prefix(*p).is_some_and(|r| r.starts_with(':')))
            .max_by_key(|p| p.len())
        else {
            return false;
        };
        let mut known = known.borrow_mut();
        if !known.contains_key(path) {
            let ids = idx
                .excerpts_of(&[path])
                .map(|es| es.into_iter().map(|e| e.id).collect())
                .unwrap_or_default();
            known.insert(path.to_string(), ids);
        }
        known[path].contains(id)
    };
    let read = crate::memo::read(&dir, &study.shown(&dir), m, &is_excerpt, &*withheld)?;
    for n in &read.notes {
        super::note(n);
    }
    for p in read.problems {
        eprintln!("warning: {}", p.report().trim_start_matches("error: "));
    }
    let mut memos = read.memos;
    memos.extend(crate::memo::sheet_notes(&study.root));
    for q in quotes.iter_mut() {
        let mut rows = Vec::new();
        for code in &q.codes {
            let mut r = m.rows.iter().position(|row| row.path == *code);
            while let Some(i) = r {
                if !rows.contains(&i) {
                    rows.push(i);
                }
                r = m.rows[i].parent;
            }
        }
        let resp = m.respondents.iter().position(|r| *r == q.respondent);
        q.memos = Some(
            crate::memo::on(&memos, &q.id, resp, &rows)
                .into_iter()
                .cloned()
                .collect(),
        );
    }
    Ok(())
}

/// One hit with its attribution (`show`: the attributes to keep; empty
/// keeps all).
pub(crate) fn quote(
    idx: &StudyIndex,
    searcher: &tantivy::Searcher,
    h: &Hit,
    snippets: Option<&Snippets>,
    scored: bool,
    show: &[String],
    source: Source,
) -> Result<Quote> {
    let m = &idx.manifest;
    let e = idx.stored(searcher, h.addr)?;
    // The codes shown are those of the source the quotes were chosen by.
    let codes = idx.code_paths(h.file, h.pos, source)?;
    let all = m.attributes.of(&e.respondent).unwrap_or_default();
    let attributes = if show.is_empty() {
        all
    } else {
        show.iter()
            .filter_map(|a| all.get(a).map(|v| (a.clone(), v.clone())))
            .collect()
    };
    let language = idx.file_language(h.file);
    let generator = snippets.and_then(|g| g.0.get(&language.unwrap_or(m.language)));
    let highlights = generator.map_or(Vec::new(), |g| {
        let s = g.snippet(&e.text);
        let base = s.fragment_range().start;
        s.highlighted()
            .iter()
            .map(|r| r.start + base..r.end + base)
            .collect()
    });
    Ok(Quote {
        id: e.id,
        path: e.path,
        line: e.line,
        respondent: e.respondent,
        attributes,
        codes,
        question: e.question,
        text: e.text,
        time: e.time,
        score: if scored { h.score } else { 0.0 },
        memos: None,
        highlights,
    })
}

/// tantivy matches nothing for a group made only of negations (`a AND NOT b`
/// parses as `+a +(-b)`); a reader means "a, but not b". Fold such groups
/// into their parent, and give a query of negations alone all excerpts to
/// subtract from.
fn fix_negations(query: Box<dyn Query>) -> Box<dyn Query> {
    let Some(b) = query.downcast_ref::<BooleanQuery>() else {
        return query;
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (occur, sub) in b.clauses() {
        let sub = fix_negations(sub.box_clone());
        let only_negations = sub
            .downcast_ref::<BooleanQuery>()
            .map(|sb| sb.clauses().iter().all(|(o, _)| *o == Occur::MustNot))
            .unwrap_or(false);
        match (occur, only_negations) {
            (Occur::Must, true) => {
                if let Some(sb) = sub.downcast_ref::<BooleanQuery>() {
                    clauses.extend(sb.clauses().iter().map(|(o, q)| (*o, q.box_clone())));
                }
            }
            _ => clauses.push((*occur, sub)),
        }
    }
    if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    Box::new(BooleanQuery::new(clauses))
}

fn attribution(q: &Quote) -> String {
    let attrs: Vec<String> = q
        .attributes
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if attrs.is_empty() {
        q.respondent.clone()
    } else {
        format!("{} ({})", q.respondent, attrs.join(", "))
    }
}

fn to_text(quotes: &[Quote], context: bool, colour: bool) -> String {
    let mut out = String::new();
    for (i, q) in quotes.iter().enumerate() {
        // A transcript's escape sequences are removed before the
        // highlighting adds its own.
        let q = &clean(q);
        if i > 0 {
            out.push('\n');
        }
        let time = if q.time.is_empty() {
            String::new()
        } else {
            format!(" [{}]", q.time)
        };
        out.push_str(&format!("{}{time} — {}\n", q.id, attribution(q)));
        if !q.codes.is_empty() {
            out.push_str(&format!("  codes: {}\n", q.codes.join(", ")));
        }
        if context && !q.question.is_empty() {
            out.push_str(&format!("  Q: {}\n", q.question));
        }
        let text = if colour {
            highlight(&q.text, &q.highlights)
        } else {
            q.text.clone()
        };
        for line in text.lines() {
            out.push_str(&format!("  {line}\n"));
        }
        for memo in q.memos.iter().flatten() {
            out.push_str(&format!("  memo: {} ({})\n", memo.title, memo.path));
        }
    }
    out
}

/// A quote for people: its text fields without control characters or
/// escape sequences. A highlight range that no longer fits the cleaned text
/// is dropped (only text carrying control characters changes).
fn clean(q: &Quote) -> Quote {
    let t = |s: &str| render::safe::terminal(s).into_owned();
    let text = t(&q.text);
    Quote {
        id: t(&q.id),
        path: t(&q.path),
        respondent: t(&q.respondent),
        attributes: q.attributes.iter().map(|(k, v)| (t(k), t(v))).collect(),
        codes: q.codes.clone(),
        question: t(&q.question),
        time: t(&q.time),
        highlights: if text == q.text {
            q.highlights.clone()
        } else {
            Vec::new()
        },
        text,
        memos: q.memos.clone(),
        ..*q
    }
}

/// A quote with the key file's terms replaced in its text, question,
/// respondent id, attribute values and memo titles, and identifying values the key file
/// misses masked. Highlights move with the text around them; one on a
/// replaced word is dropped (highlighting a pseudonym would tell that the
/// query named the person).
fn pseudonymise(q: &mut Quote, p: &crate::privacy::Pseudonyms) {
    let (text, spans) = p.apply_masked_spans(&q.text);
    if !spans.is_empty() {
        q.highlights = moved(&q.highlights, &spans);
        q.text = text.into_owned();
    }
    q.question = p.apply_masked(&q.question).into_owned();
    q.respondent = p.apply_masked(&q.respondent).into_owned();
    // Memo titles and sheet notes are written by the team and may name
    // people as freely as the transcripts do.
    for memo in q.memos.iter_mut().flatten() {
        memo.title = p.apply_masked(&memo.title).into_owned();
    }
    for v in q.attributes.values_mut() {
        *v = p.apply_masked(v).into_owned();
    }
}

/// Ranges of a text moved to where they are after the replacements
/// `spans` (each a replaced range and its replacement's length, in order);
/// a range overlapping a replaced one is dropped.
fn moved(
    ranges: &[std::ops::Range<usize>],
    spans: &[(std::ops::Range<usize>, usize)],
) -> Vec<std::ops::Range<usize>> {
    ranges
        .iter()
        .filter(|r| {
            !spans
                .iter()
                .any(|(s, _)| r.start < s.end && s.start < r.end)
        })
        .map(|r| {
            let shift: isize = spans
                .iter()
                .filter(|(s, _)| s.end <= r.start)
                .map(|(s, len)| *len as isize - s.len() as isize)
                .sum();
            (r.start as isize + shift) as usize..(r.end as isize + shift) as usize
        })
        .collect()
}

fn highlight(text: &str, ranges: &[std::ops::Range<usize>]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for r in ranges {
        if r.start < at
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        out.push_str(&text[at..r.start]);
        out.push_str("\x1b[1;33m");
        out.push_str(&text[r.clone()]);
        out.push_str("\x1b[0m");
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

fn to_markdown(quotes: &[Quote], context: bool) -> String {
    // Study text as Markdown (and pandoc) shows it literally, as the
    // report writes it: a `<script>` or `*word*` in a transcript stays
    // words; ids in code spans.
    use crate::report::markdown::{code, text};
    let mut out = String::new();
    for q in quotes {
        let q = &clean(q);
        if context && !q.question.is_empty() {
            out.push_str(&format!("**Q:** {}\n\n", text(&q.question)));
        }
        for (i, para) in q.text.split("\n\n").enumerate() {
            if i > 0 {
                out.push_str(">\n");
            }
            out.push_str(&format!("> {}\n", text(para)));
        }
        out.push_str(">\n");
        let attrs: Vec<&str> = q.attributes.values().map(String::as_str).collect();
        let who = if attrs.is_empty() {
            q.respondent.clone()
        } else {
            format!("{}, {}", q.respondent, attrs.join(", "))
        };
        // A caption's quote carries its start time, as in the table.
        let time = if q.time.is_empty() {
            String::new()
        } else {
            format!(" [{}]", text(&q.time))
        };
        out.push_str(&format!("> — {} (`{}`{time})\n\n", text(&who), code(&q.id)));
        for memo in q.memos.iter().flatten() {
            out.push_str(&format!(
                "*Memo:* {} (`{}`)\n\n",
                text(&memo.title),
                code(&memo.path)
            ));
        }
    }
    out
}

/// The quotes in the asked format, with their memos when asked for
/// (`highlighted`: the text table marks the query's words).
fn finish(
    study: &Study,
    idx: &StudyIndex,
    mut quotes: Vec<Quote>,
    opts: &ListOpts,
    highlighted: bool,
) -> Result<String> {
    if opts.memos {
        attach_memos(study, idx, &mut quotes)?;
    }
    // Without --identified, the columns declared identifying (a name, a
    // phone number) are no attributes to show: left out, as in exports.
    let hidden: &[String] = if opts.privacy.identified {
        &[]
    } else {
        &study.settings.identifying
    };
    if let Some(p) = super::pseudonyms(study, &idx.manifest, opts.privacy)? {
        for q in &mut quotes {
            q.attributes.retain(|k, _| !hidden.contains(k));
            pseudonymise(q, &p);
        }
    }
    Ok(match opts.format {
        Format::Json => render::json(&quotes)?,
        Format::Csv => to_csv(idx, &quotes, opts, hidden)?,
        Format::Markdown => to_markdown(&quotes, opts.context),
        Format::Table => to_text(&quotes, opts.context, highlighted),
    })
}

/// The quotes as CSV, with a column per attribute (`--show`'s, else all but
/// the `hidden` ones).
fn to_csv(
    idx: &StudyIndex,
    quotes: &[Quote],
    opts: &ListOpts,
    hidden: &[String],
) -> Result<String> {
    let mut attrs: Vec<String> = if opts.show.is_empty() {
        super::attribute_names(&idx.manifest)
    } else {
        opts.show.clone()
    };
    attrs.retain(|a| !hidden.contains(a));
    let mut header: Vec<String> = vec![
        "id".into(),
        "path".into(),
        "line".into(),
        "respondent".into(),
    ];
    header.extend(attrs.iter().cloned());
    header.extend(["codes", "question", "text"].map(String::from));
    if opts.memos {
        header.push("memos".into());
    }
    let mut t = Table::new(header);
    for q in quotes {
        let mut row = vec![
            q.id.clone(),
            q.path.clone(),
            q.line.to_string(),
            q.respondent.clone(),
        ];
        row.extend(
            attrs
                .iter()
                .map(|a| q.attributes.get(a).cloned().unwrap_or_default()),
        );
        row.extend([q.codes.join("; "), q.question.clone(), q.text.clone()]);
        if opts.memos {
            let paths: Vec<&str> = q.memos.iter().flatten().map(|m| m.path.as_str()).collect();
            row.push(paths.join("; "));
        }
        t.rows.push(row);
    }
    t.to_csv()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(pos: u64, resp: u64) -> Hit {
        Hit {
            file: resp,
            pos,
            resp,
            score: 0.0,
            addr: tantivy::DocAddress::new(0, pos as u32),
        }
    }

    #[test]
    fn highlights_move_with_replacements_and_drop_on_them() {
        // "Rosa dijo que la policía no vino al barrio."
        //  0..4 replaced by "[A]" (3 bytes); `barrio` at 37..43.
        let spans = [(0..4, 3)];
        assert_eq!(moved(&[37..43, 1..3, 0..4], &spans), vec![(36..42)]);
        // A longer replacement moves later ranges right; earlier stay.
        let spans = [(10..14, 9)];
        assert_eq!(moved(&[0..3, 20..25], &spans), [0..3, 25..30]);
    }

    #[test]
    fn more_counts_what_a_higher_limit_would_show() {
        // Respondents 0 and 1 have one hit each, respondent 2 has four.
        let hits = || {
            let mut v = vec![hit(0, 0), hit(0, 1)];
            v.extend((0..4).map(|p| hit(p, 2)));
            v
        };
        for (limit, shown, more) in [(1, 1, 2), (2, 2, 1), (3, 3, 0), (9, 3, 0)] {
            let (chosen, m) = cap(hits(), limit, Some(1));
            assert_eq!((chosen.len(), m), (shown, more), "limit {limit}");
            // Raising the limit by `more` shows exactly that many more.
            assert_eq!(cap(hits(), limit + m, Some(1)).0.len(), shown + m);
        }
        // Without a cap every hit counts.
        assert_eq!(cap(hits(), 2, None).1, 4);
        // A cap of two: 1 + 1 + 2 quotes in all.
        assert_eq!(cap(hits(), 1, Some(2)).1, 3);
    }
}
