#!/usr/bin/env python3
"""The HTML report, checked in a real browser (headless Chromium).

Builds the report of the example study, and of a copy with a transcript
that holds HTML and script tags, renders each in headless Chromium, and
checks the DOM Chromium built:

- the heat map has one cell per row x column, each `n/N (p%)` with n as
  `thematic matrix --by ATTR --format csv` gives it, N the column's size and
  p = n/N rounded;
- quotes are numbered 1..N without gaps, and each code's quotes (id and text)
  are those of the `thematic quote` command the report names under them;
- no element loads anything: no src/href/URL but `#…` or `data:`, and the file
  holds no `http:`, `https:` or `//` at all;
- the transcript's `<script>` and `<img>` show as text (no such element).

It also saves a screenshot of the first screen (1280 x 1600).

Usage: tests/browser/report.py [--bin target/debug/thematic]
           [--chromium /usr/bin/chromium] [--screenshot docs/report.png]
Python 3 standard library only. Exit 0 when every check passes, 1 otherwise.
"""

import argparse
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "peru-family-study")
BY = "profile"
DATE = "2026-03-31"

HOSTILE = """---
respondent: R10
profile: survivor
region: Lima
---
[00:00:04] Entrevistadora: ¿Qué decía el mensaje?
[00:00:09] R10: Decía <script>alert('xss')</script> y <img src=x onerror=alert(2)>, una oferta de trabajo en un restaurante & nada más.

Mi mamá me buscó, fue a la comisaría <b>todos</b> los días.
"""
HOSTILE_TEXT = "Decía <script>alert('xss')</script> y <img src=x onerror=alert(2)>, una oferta de trabajo en un restaurante & nada más."


class Dom(html.parser.HTMLParser):
    """The parts of the DOM the checks need."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, attrs) of every start tag
        self.maps = {}  # data-map -> {"columns": [(name, n)], "rows": [(code, [cells])]}
        self.quotes = []  # (number, id, code, text)
        self.notes = []  # text of p.more
        self._stack = []
        self._map = None
        self._in = None  # what text is being collected
        self._buf = []
        self._cell = None
        self._quote = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in ("br",):
            if self._in:
                self._buf.append("\n")
            return
        self._stack.append(tag)
        cls = a.get("class", "") or ""
        if tag == "table" and "heat" in cls.split():
            self._map = {"columns": [], "rows": []}
            self.maps[a.get("data-map")] = self._map
        elif self._map is not None and tag == "th" and a.get("scope") == "col":
            self._start("col")
        elif self._map is not None and tag == "tr" and a.get("data-code"):
            self._map["rows"].append((a["data-code"], []))
        elif self._map is not None and tag == "td" and "cell" in cls.split():
            self._cell = a
            self._start("cell")
        elif tag == "figure" and "quote" in cls.split():
            self._quote = (int(a["data-number"]), a["data-id"], a["data-code"])
            self._paras = []
        elif self._quote is not None and tag == "p" and "blockquote" in self._stack:
            self._start("para")
        elif tag == "p" and "more" in cls.split():
            self._start("more")

    def _start(self, what):
        self._in = what
        self._buf = []
        self._depth = len(self._stack)

    def handle_endtag(self, tag):
        if tag == "br":
            return
        if self._in and len(self._stack) == self._depth:
            text = "".join(self._buf)
            if self._in == "col":
                m = re.fullmatch(r"(.*?)(?:n=(\d+))?", text, re.S)
                self._map["columns"].append((m.group(1), m.group(2)))
            elif self._in == "cell":
                self._map["rows"][-1][1].append((self._cell.get("data-column"), text, self._cell.get("title", "")))
            elif self._in == "para":
                self._paras.append(text)
            elif self._in == "more":
                self.notes.append(text)
            self._in = None
        if tag == "figure" and self._quote is not None:
            self.quotes.append(self._quote + ("\n\n".join(self._paras),))
            self._quote = None
        if tag == "table":
            self._map = None
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data):
        if self._in:
            self._buf.append(data)


def run(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return out.stdout


def chromium(browser, args, profile):
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
    ] + args
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    if out.returncode != 0:
        sys.exit(f"chromium failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr}")
    return out.stdout


class Checks:
    def __init__(self):
        self.failures = []

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok


def check_report(c, thematic, study, page, dom_text, raw, label):
    dom = Dom()
    dom.feed(dom_text)

    # The heat map against `matrix --by ATTR --format csv`.
    csv = run([thematic, "--project", study, "matrix", "--by", BY, "--format", "csv"]).splitlines()
    header = csv[0].split(",")
    want = {}
    for line in csv[1:]:
        f = line.split(",")
        for j, v in enumerate(f[1:-1]):
            want[(f[0], header[j + 1])] = int(v)
    groups = dom.maps.get("groups")
    if not c.check(groups is not None, f"{label}: no heat map"):
        return dom
    columns = [name for name, _ in groups["columns"][:-1]]
    sizes = {name: int(n) for name, n in groups["columns"][:-1]}
    c.check(columns == header[1:-1], f"{label}: heat map columns {columns} != {header[1:-1]}")
    c.check(len(groups["rows"]) == len(csv) - 1, f"{label}: {len(groups['rows'])} heat map rows, {len(csv) - 1} in the matrix")
    cells = 0
    for code, row in groups["rows"]:
        c.check(len(row) == len(columns), f"{label}: row {code} has {len(row)} cells, not {len(columns)}")
        for column, text, title in row:
            cells += 1
            m = re.fullmatch(r"(\d+)/(\d+) \((\d+)%\)", text)
            if not c.check(m is not None, f"{label}: cell {code} x {column} reads {text!r}"):
                continue
            n, of, p = (int(g) for g in m.groups())
            c.check(n == want.get((code, column)), f"{label}: cell {code} x {column}: n={n}, matrix says {want.get((code, column))}")
            c.check(of == sizes[column], f"{label}: cell {code} x {column}: N={of}, column n={sizes[column]}")
            c.check(p == (n * 200 + of) // (of * 2), f"{label}: cell {code} x {column}: p={p}")
            c.check(re.match(r"\d+ excerpts?(; first: \S+)?$", title) is not None, f"{label}: cell {code} x {column} hover {title!r}")
    c.check(cells == len(want), f"{label}: {cells} cells, the matrix has {len(want)}")

    # Quotes numbered 1..N, each code's those of its `thematic quote` command.
    numbers = [q[0] for q in dom.quotes]
    c.check(numbers == list(range(1, len(numbers) + 1)), f"{label}: quote numbers {numbers}")
    c.check(len(numbers) > 0, f"{label}: no quotes")
    commands = {}
    for note in dom.notes:
        m = re.search(r"thematic quote (\S+) --limit (\d+) --per-respondent (\d+)", note)
        if m:
            commands[m.group(1)] = (m.group(2), m.group(3))
    for code in dict.fromkeys(q[2] for q in dom.quotes):
        if not c.check(code in commands, f"{label}: no quote command under {code}"):
            continue
        limit, per = commands[code]
        got = [(q[1], q[3]) for q in dom.quotes if q[2] == code]
        out = run([thematic, "--project", study, "quote", code, "--limit", limit, "--per-respondent", per, "--format", "json"])
        expected = [(q["id"], q["text"]) for q in json.loads(out)]
        c.check(got == expected, f"{label}: quotes at {code}:\n  report {got}\n  quote  {expected}")

    # Nothing is fetched.
    for bad in ("http:", "https:", "//", "url(", "@import"):
        c.check(bad not in raw, f"{label}: the file holds {bad!r}")
    for tag, attrs in dom.tags:
        c.check(tag not in ("script", "link", "img", "iframe", "object", "embed", "video", "audio", "source"), f"{label}: a <{tag}> element")
        for k in ("src", "href", "action", "poster", "srcset"):
            v = attrs.get(k)
            if v is not None:
                c.check(v.startswith("#") or v.startswith("data:"), f"{label}: {tag} {k}={v!r}")
    return dom


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "thematic"))
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--screenshot", help="where to save the example report's first screen (PNG)")
    args = ap.parse_args()
    thematic = os.path.abspath(args.bin)
    if not os.path.exists(args.chromium):
        sys.exit(f"{args.chromium} not found: install Debian's chromium (apt-get install chromium)")
    c = Checks()
    with tempfile.TemporaryDirectory() as tmp:
        profile = os.path.join(tmp, "profile")
        example = os.path.join(tmp, "example")
        hostile = os.path.join(tmp, "hostile")
        for dst in (example, hostile):
            shutil.copytree(EXAMPLE, dst, ignore=shutil.ignore_patterns(".thematic"))
        with open(os.path.join(hostile, "transcripts", "entrevista-r10.txt"), "w", encoding="utf-8") as f:
            f.write(HOSTILE)
        for label, study in (("example", example), ("hostile", hostile)):
            page = os.path.join(tmp, f"{label}.html")
            run([thematic, "--project", study, "report", "--date", DATE, "--by", BY, "--output", page])
            with open(page, encoding="utf-8") as f:
                raw = f.read()
            c.check(len(raw) < 5_000_000, f"{label}: {len(raw)} bytes")
            dom_text = chromium(args.chromium, ["--dump-dom", "file://" + page], profile)
            dom = check_report(c, thematic, study, page, dom_text, raw, label)
            if label == "hostile":
                texts = [q[3] for q in dom.quotes]
                c.check(HOSTILE_TEXT in texts, f"hostile: the script excerpt is not shown as text: {texts}")
                c.check("<b>todos</b>" in "".join(texts), "hostile: <b> was not shown as text")
            shot = os.path.join(tmp, f"{label}.png")
            chromium(args.chromium, [f"--screenshot={shot}", "--window-size=1280,1600", "--hide-scrollbars", "file://" + page], profile)
            with open(shot, "rb") as f:
                c.check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{label}: no PNG screenshot")
            if label == "example" and args.screenshot:
                shutil.copyfile(shot, args.screenshot)
            print(f"{label}: {len(dom.quotes)} quotes, {sum(len(r) for _, r in dom.maps['groups']['rows'])} heat map cells checked")
    if c.failures:
        for f in c.failures:
            print("FAIL:", f, file=sys.stderr)
        sys.exit(1)
    print("browser check: ok")


if __name__ == "__main__":
    main()
