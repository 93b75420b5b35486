//! The report as one self-contained HTML page: inline CSS (with print
//! rules: a page break before each theme), no script, no external URL of
//! any kind. Heat map cells are shaded by an inline `background` and show
//! their figures and first quote id on hover through `title`.
//!
//! A small builder rather than a template engine: markup is written only
//! from `&'static str` literals ([`Html::tag`]), and every other text, in
//! content or attribute values, goes through the one escaping function
//! [`escape`], so a transcript's `<script>` shows as text.

use super::{ByRespondent, CellKind, CodeSection, Cooccur, HeatMap, Report};

/// The page's style sheet.
const CSS: &str = "\
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1b1f24;max-width:70rem;margin:0 auto;padding:1.5rem 2rem 3rem}
h1{font-size:1.8rem;margin:0 0 .3rem}h2{font-size:1.35rem;margin:2.2rem 0 .6rem;border-bottom:2px solid #d0d7de;padding-bottom:.2rem}
h3{font-size:1.1rem;margin:1.6rem 0 .4rem}h4,h5,h6{font-size:1rem;margin:1.2rem 0 .3rem}
.description{font-size:1.05rem;color:#333;margin:.2rem 0 .6rem}
ul.front{list-style:none;padding:0;margin:.4rem 0 1rem;color:#444}ul.front li{margin:.1rem 0}
.caption{color:#444;font-size:.9rem;margin:.2rem 0 .6rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0 1rem}
th,td{border:1px solid #d0d7de;padding:.25rem .45rem;vertical-align:top}
thead th{background:#f3f4f6;font-weight:600;text-align:center}
thead th small{display:block;font-weight:400;color:#555}
tbody th{text-align:left;font-weight:400;white-space:nowrap;background:#fff}
tr.theme th{font-weight:700}
tr.d1 th{padding-left:1.2rem}tr.d2 th{padding-left:2rem}tr.d3 th{padding-left:2.8rem}tr.d4 th{padding-left:3.6rem}
td.cell,td.total,td.co{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.total{background:#f3f4f6;font-weight:600}
td.diag{background:#eceff3;color:#555}
.definition{margin:.2rem 0 .6rem}
.summary{margin:.3rem 0;padding:.3rem .6rem;border-left:3px solid #8c959f;background:#f6f8fa}
figure.quote{margin:.8rem 0 1rem;padding:0}
figure.quote blockquote{margin:0;padding:.4rem .9rem;border-left:4px solid #2f6fb0;background:#f5f9fd;white-space:normal}
figure.quote blockquote p{margin:.3rem 0}
figure.quote figcaption{margin:.25rem 0 0 1rem;font-size:.9rem;color:#333}
figure.quote code,td code,li code,h3 code,h4 code,h5 code{font-size:.8rem;color:#555}
.more{font-size:.88rem;color:#555;font-style:italic}
dl.entry{margin:.2rem 0 .8rem}dl.entry dt{font-weight:600;float:left;clear:left;width:7rem}dl.entry dd{margin:0 0 .2rem 7.5rem}
.method p{margin:.3rem 0}
@media print{body{max-width:none;padding:0;font-size:11pt}section.theme{break-before:page}
.scroll{overflow:visible}td,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
figure.quote{break-inside:avoid}tr{break-inside:avoid}}
";

/// Escapes text for HTML content and attribute values; control characters
/// and bidi overrides go first (see [`crate::render::safe::terminal`]):
/// HTML does not allow the one, and the other would show a quote's words
/// reversed.
pub(crate) fn escape(s: &str) -> String {
    let s = crate::render::safe::terminal(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes markup: tags from literals, everything else escaped.
struct Html(String);

impl Html {
    /// Markup written as is: a literal only, never data.
    fn tag(&mut self, markup: &'static str) -> &mut Self {
        self.0.push_str(markup);
        self
    }

    /// An opening tag with attributes; each value is escaped.
    fn open(&mut self, name: &'static str, attrs: &[(&'static str, &str)]) -> &mut Self {
        self.0.push('<');
        self.0.push_str(name);
        for (k, v) in attrs {
            self.0.push(' ');
            self.0.push_str(k);
            self.0.push_str("=\"");
            self.0.push_str(&escape(v));
            self.0.push('"');
        }
        self.0.push('>');
        self
    }

    /// A closing tag.
    fn close(&mut self, name: &'static str) -> &mut Self {
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push('>');
        self
    }

    /// Text, escaped.
    fn text(&mut self, s: &str) -> &mut Self {
        self.0.push_str(&escape(s));
        self
    }

    /// An element holding escaped text.
    fn elem(&mut self, name: &'static str, attrs: &[(&'static str, &str)], s: &str) -> &mut Self {
        self.open(name, attrs).text(s).close(name)
    }

    /// The report's own sentences: `backticked` parts in `<code>`.
    fn prose(&mut self, s: &str) -> &mut Self {
        for (i, part) in s.split('`').enumerate() {
            if i % 2 == 1 {
                self.elem("code", &[], part);
            } else {
                self.text(part);
            }
        }
        self
    }

    /// Text with its line breaks kept (`<br>` between lines).
    fn lines(&mut self, s: &str) -> &mut Self {
        for (i, line) in s.lines().enumerate() {
            if i > 0 {
                self.tag("<br>");
            }
            self.text(line);
        }
        self
    }
}

/// The report as HTML.
pub(crate) fn render(r: &Report) -> String {
    let mut h = Html(String::with_capacity(64 * 1024));
    h.tag("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .tag("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .elem("title", &[], &r.title)
        .tag("\n<style>\n")
        .tag(CSS)
        .tag("</style>\n</head>\n<body>\n<header>\n")
        .elem("h1", &[], &r.title)
        .tag("\n");
    if let Some(d) = &r.description {
        h.elem("p", &[("class", "description")], d).tag("\n");
    }
    h.tag("<ul class=\"front\">\n");
    for line in super::front_lines(r) {
        h.elem("li", &[], &line).tag("\n");
    }
    h.tag("</ul>\n</header>\n");

    h.tag("<section id=\"matrix\">\n<h2>Themes by respondent group</h2>\n")
        .open("p", &[("class", "caption")])
        .prose(&super::groups_caption(r))
        .close("p")
        .tag("\n");
    heat_map(
        &mut h,
        &r.groups,
        "groups",
        r.by.as_deref().unwrap_or("respondent"),
    );
    h.tag("</section>\n");
    match &r.respondents {
        ByRespondent::Shown(map) => {
            h.tag("<section id=\"by-respondent\">\n<h2>Themes by respondent</h2>\n")
                .tag("<p class=\"caption\">Cells: excerpts per respondent; shaded by the count.</p>\n");
            heat_map(&mut h, map, "respondents", "respondent");
            h.tag("</section>\n");
        }
        ByRespondent::TooMany(n) => {
            h.open("p", &[("class", "caption")])
                .prose(&super::too_many_respondents(*n))
                .close("p")
                .tag("\n");
        }
        ByRespondent::SameAsGroups => {}
    }

    for t in &r.themes {
        let id = format!("theme-{}", t.path);
        h.open("section", &[("class", "theme"), ("id", &id)])
            .tag("\n")
            .elem("h2", &[], &t.label)
            .tag("\n");
        if let Some(d) = &t.description {
            h.elem("p", &[("class", "description")], d).tag("\n");
        }
        summaries(&mut h, &t.summaries, t.more_summaries, &t.path);
        for c in &t.codes {
            code_section(&mut h, c);
        }
        h.tag("</section>\n");
    }

    if let Some(c) = &r.cooccur {
        cooccur_section(&mut h, c);
    }

    if let Some(a) = &r.agreement {
        h.tag("<section id=\"agreement\">\n<h2>Agreement between coders</h2>\n")
            .open("p", &[("class", "caption")]).prose(&super::agreement_caption(a)).close("p")
            .tag("\n<table class=\"agreement\">\n<thead><tr><th>code</th><th>units</th><th>agreement</th><th>κ</th><th>α</th></tr></thead>\n<tbody>\n");
        for l in &a.lines {
            h.tag("<tr>")
                .open("th", &[("scope", "row")])
                .elem("code", &[], &l.code)
                .close("th");
            for v in [&l.units.to_string(), &l.agreement, &l.kappa, &l.alpha] {
                h.elem("td", &[("class", "co")], v);
            }
            h.tag("</tr>\n");
        }
        h.tag("</tbody></table>\n</section>\n");
    }

    h.tag("<section id=\"appendix\" class=\"theme\">\n<h2>Appendix: the codebook</h2>\n");
    for e in &r.appendix {
        let heading: &'static str = match e.depth {
            0 => "h3",
            1 => "h4",
            2 => "h5",
            _ => "h6",
        };
        h.open(heading, &[])
            .text(&e.label)
            .tag(" ")
            .elem("code", &[], &e.path)
            .close(heading)
            .tag("\n");
        if !e.fields.is_empty() {
            h.tag("<dl class=\"entry\">\n");
            for (name, value) in &e.fields {
                h.elem("dt", &[], name)
                    .open("dd", &[])
                    .lines(value)
                    .close("dd")
                    .tag("\n");
            }
            h.tag("</dl>\n");
        }
    }
    h.tag("</section>\n<section id=\"method\" class=\"method\">\n<h2>Method</h2>\n");
    for line in &r.method {
        h.open("p", &[]).prose(line).close("p").tag("\n");
    }
    h.tag("</section>\n</body>\n</html>\n");
    h.0
}

/// The co-occurrence table (or why it is left out).
fn cooccur_section(h: &mut Html, c: &Cooccur) {
    h.tag("<section id=\"cooccur\">\n<h2>Co-occurrence of codes</h2>\n");
    match c {
        Cooccur::Shown { codes, cells, max } => {
            h.tag("<p class=\"caption\">Excerpts at both codes; the diagonal (grey) is a code's own count; shaded by the count.</p>\n")
                .tag("<div class=\"scroll\"><table class=\"cooccur\">\n<thead><tr><th>code</th>");
            for (j, (path, _)) in codes.iter().enumerate() {
                h.elem("th", &[("title", path)], &(j + 1).to_string());
            }
            h.tag("</tr></thead>\n<tbody>\n");
            for (i, (path, label)) in codes.iter().enumerate() {
                h.tag("<tr>")
                    .open("th", &[("scope", "row"), ("title", path)])
                    .text(&format!("{}. {label}", i + 1))
                    .close("th");
                for (j, &n) in cells[i].iter().enumerate() {
                    let title = format!(
                        "{} × {}: {}",
                        path,
                        codes[j].0,
                        crate::render::plural(n as usize, "excerpt", "excerpts")
                    );
                    if i == j {
                        h.elem(
                            "td",
                            &[("class", "co diag"), ("title", &title)],
                            &n.to_string(),
                        );
                    } else {
                        let style = shade(crate::render::percent(n, *max));
                        h.elem(
                            "td",
                            &[("class", "co"), ("style", &style), ("title", &title)],
                            &n.to_string(),
                        );
                    }
                }
                h.tag("</tr>\n");
            }
            h.tag("</tbody></table></div>\n");
        }
        Cooccur::TooMany(n) => {
            h.open("p", &[("class", "caption")])
                .prose(&super::too_many_codes(*n))
                .close("p")
                .tag("\n");
        }
    }
    h.tag("</section>\n");
}

/// One code: definition, summaries, numbered quotes.
fn code_section(h: &mut Html, c: &CodeSection) {
    if c.depth > 0 {
        let heading: &'static str = match c.depth {
            1 => "h3",
            2 => "h4",
            _ => "h5",
        };
        h.open(heading, &[("id", &format!("code-{}", c.path))])
            .text(&c.label)
            .close(heading)
            .tag("\n");
    }
    if let Some(d) = &c.definition {
        h.tag("<p class=\"definition\"><em>Definition:</em> ")
            .text(d)
            .tag("</p>\n");
    }
    summaries(h, &c.summaries, c.more_summaries, &c.path);
    for q in &c.quotes {
        let number = q.number.to_string();
        h.open(
            "figure",
            &[
                ("class", "quote"),
                ("id", &format!("quote-{number}")),
                ("data-number", &number),
                ("data-id", &q.id),
                ("data-code", &c.path),
            ],
        )
        .tag("<blockquote>");
        for para in q.text.split("\n\n") {
            h.tag("<p>").lines(para).tag("</p>");
        }
        h.tag("</blockquote>\n<figcaption><strong>")
            .text(&format!("Quote {number}:"))
            .tag("</strong> ")
            .text(&q.attribution)
            .tag(" ")
            .elem("code", &[("class", "id")], &q.id);
        if !q.time.is_empty() {
            h.text(&format!(" [{}]", q.time));
        }
        h.tag("</figcaption></figure>\n");
    }
    if let Some(note) = super::more_line(c) {
        h.open("p", &[("class", "more")])
            .prose(&note)
            .close("p")
            .tag("\n");
    }
}

/// Charted summaries, one paragraph each, led by their group, and how
/// many more there are (`more`, at `path`).
fn summaries(h: &mut Html, list: &[super::Summary], more: usize, path: &str) {
    for s in list {
        h.tag("<p class=\"summary\"><strong>")
            .text(&s.case)
            .tag("</strong>");
        if s.stale {
            h.tag(" <em>(stale)</em>");
        }
        h.tag(": ").lines(&s.text).tag("</p>\n");
    }
    if more > 0 {
        h.open("p", &[("class", "caption")])
            .prose(&super::more_summaries(more, path))
            .close("p")
            .tag("\n");
    }
}

/// A heat map table; `name` tells the browser check which one it is.
fn heat_map(h: &mut Html, map: &HeatMap, name: &str, corner: &str) {
    h.tag("<div class=\"scroll\">")
        .open("table", &[("class", "heat"), ("data-map", name)])
        .tag("\n<thead><tr>")
        .elem("th", &[], &format!("code \\ {corner}"));
    for c in &map.columns {
        h.open("th", &[("scope", "col")]).text(&c.name);
        if map.kind == CellKind::Share {
            h.elem("small", &[], &format!("n={}", c.respondents));
        }
        h.close("th");
    }
    h.open("th", &[("scope", "col")]).text("total");
    if map.kind == CellKind::Share {
        let n = map.rows.first().map_or(0, |r| r.total.of);
        h.elem("small", &[], &format!("n={n}"));
    }
    h.close("th").tag("</tr></thead>\n<tbody>\n");
    for r in &map.rows {
        let class = match r.depth {
            0 => "theme",
            1 => "d1",
            2 => "d2",
            3 => "d3",
            _ => "d4",
        };
        h.open("tr", &[("class", class), ("data-code", &r.path)])
            .open("th", &[("scope", "row"), ("title", &r.path)])
            .text(&r.label)
            .close("th");
        for (j, c) in r.cells.iter().enumerate() {
            let style = shade(c.shade(map.kind, map.max_count));
            h.elem(
                "td",
                &[
                    ("class", "cell"),
                    ("data-column", &map.columns[j].name),
                    ("style", &style),
                    ("title", &c.hover()),
                ],
                &c.text(map.kind),
            );
        }
        h.elem(
            "td",
            &[("class", "total"), ("title", &r.total.hover())],
            &r.total.text(map.kind),
        );
        h.tag("</tr>\n");
    }
    h.tag("</tbody></table></div>\n");
}

/// An inline style shading from white-blue (0) through mid blue (50) to
/// deep blue (100), with white text where the dark shades begin. Two
/// segments rather than one keep the middle blue, not grey.
fn shade(p: u32) -> String {
    const STOPS: [(u32, u32, u32); 3] = [(247, 251, 255), (107, 174, 214), (8, 48, 107)];
    let p = p.min(100);
    let (from, to, t) = if p <= 50 {
        (STOPS[0], STOPS[1], p * 2)
    } else {
        (STOPS[1], STOPS[2], (p - 50) * 2)
    };
    let mix = |a: u32, b: u32| (a * (100 - t) + b * t + 50) / 100;
    let (r, g, b) = (mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2));
    let ink = if p >= 60 { "#fff" } else { "#1b1f24" };
    format!("background:#{r:02x}{g:02x}{b:02x};color:{ink}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        let mut h = Html(String::new());
        h.elem("td", &[("title", "a\"><script>")], "<b>");
        assert_eq!(
            h.0,
            "<td title=\"a&quot;&gt;&lt;script&gt;\">&lt;b&gt;</td>"
        );
    }

    #[test]
    fn no_text_from_the_study_becomes_markup() {
        let page = render(&super::super::sample());
        assert!(!page.contains("<i>"), "{page}");
        assert!(page.contains("<th scope=\"col\">&lt;i&gt;x&lt;/i&gt;<small>n=2</small></th>"));
        assert!(page.contains("data-id=\"transcripts/&lt;i&gt;x&lt;/i&gt;.txt:3\""));
        assert!(page.contains(
            "<blockquote><p>&lt;i&gt;x&lt;/i&gt;</p><p>&lt;i&gt;x&lt;/i&gt;</p></blockquote>"
        ));
        assert!(page.contains(
            "<p class=\"summary\"><strong>&lt;i&gt;x&lt;/i&gt;</strong> <em>(stale)</em>: &lt;i&gt;x&lt;/i&gt;<br>- line</p>"
        ));
        assert!(
            page.contains("title=\"2 excerpts; first: transcripts/&lt;i&gt;x&lt;/i&gt;.txt:3\"")
        );
        assert!(page.contains("<p>As <code>thematic matrix</code>.</p>"));
        assert!(page.contains("The co-occurrence table is left out: 61 codes"));
    }

    #[test]
    fn shades_run_from_light_to_dark() {
        assert_eq!(shade(0), "background:#f7fbff;color:#1b1f24");
        assert_eq!(shade(50), "background:#6baed6;color:#1b1f24");
        assert_eq!(shade(100), "background:#08306b;color:#fff");
        assert_eq!(shade(250), shade(100));
    }
}

#[cfg(test)]
mod capped_tests {
    #[test]
    fn summaries_past_the_cap_are_counted_and_pointed_to() {
        let mut r = super::super::sample();
        r.themes[0].codes[0].more_summaries = 140;
        let html = super::render(&r);
        assert!(
            html.contains("140 more written summaries (the first 60 are shown; <code>thematic matrix --cell summary --theme t</code> shows them all)."),
            "{html}"
        );
        let md = super::super::markdown::render(&r);
        assert!(
            md.contains("140 more written summaries (the first 60 are shown; `thematic matrix --cell summary --theme t` shows them all)."),
            "{md}"
        );
    }
}
