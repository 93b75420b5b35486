#!/usr/bin/env python3
"""Charting on a large study: `chart check`, `matrix --cell summary` and
`report` with every respondent charted, beside `matrix` (counts) and a
`chart` that adds nothing, in the same run.

    python3 bench/chart.py [--mb 100] [--respondents 860] [--codes 50] [--work DIR] [--baseline BIN] [--results bench/RESULTS.md]

It generates the study (bench/gen.py, seeded) unless it exists, codes it,
runs `thematic chart` for every respondent, writes a summary under every
section (citing the first excerpt listed, as a researcher's script would),
then times each reading command (process wall time, median of 5, --frozen).
With --baseline, another build of thematic (e.g. the previous release) is
timed on a copy of the study (same transcripts and chart files, an index
of its own) in the same run, each command's runs of the two binaries
interleaved, and the table gives both with their ratio.
"""
import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys

from run import HERE, ROOT, median, run


def fill(text):
    """A summary under every listing `chart` wrote, citing its first excerpt."""
    out, first, listing = [], None, False
    for line in text.split("\n"):
        out.append(line)
        if line.startswith("<!-- to summarise"):
            listing, first = True, None
        elif listing and line == "-->":
            listing = False
            out.append(f"Resumen de prueba [{first or ''}].")
        elif listing and first is None and line.startswith("[") and "]" in line:
            first = line[1:line.index("]")]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100)
    # gen.py spreads the size over about this many transcripts; 860 gives 499
    # respondents at 100 MB (turns run longer than it assumes).
    ap.add_argument("--respondents", type=int, default=860)
    ap.add_argument("--codes", type=int, default=50)
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--results", default=None, help="append the Markdown report to this file")
    ap.add_argument("--baseline", default=None, help="another thematic binary to time beside this one")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "thematic")
    study = os.path.join(a.work, f"study-{a.mb:g}mb-{a.respondents}r")
    if not os.path.isdir(os.path.join(study, "transcripts")):
        subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), study, "--mb", str(a.mb),
                        "--codes", str(a.codes), "--respondents", str(a.respondents)], check=True)
    p = ["--project", study]
    shutil.rmtree(os.path.join(study, "charts"), ignore_errors=True)
    run([exe, *p, "code"])
    run([exe, *p, "chart"])
    charts = os.path.join(study, "charts")
    files = sorted(f for f in os.listdir(charts) if f.endswith(".md"))
    sections = 0
    for f in files:
        path = os.path.join(charts, f)
        text = open(path, encoding="utf-8").read()
        sections += text.count("\n## ")
        open(path, "w", encoding="utf-8").write(fill(text))
    chart = median([exe, *p, "chart"], n=3)
    out = run([exe, *p, "chart", "check", "--frozen"])[2]
    if not out.endswith("no findings\n"):
        sys.exit(f"chart check found something:\n{out[-2000:]}")
    # The baseline reads a copy of the study with an index of its own (the
    # two builds' index formats may differ), chart files and all.
    pb, chart_base = p, None
    if a.baseline:
        copy = study + "-baseline"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(study, copy, ignore=shutil.ignore_patterns(".thematic"))
        pb = ["--project", copy]
        run([a.baseline, *pb, "code"])
        out = run([a.baseline, *pb, "chart", "check", "--frozen"])[2]
        if not out.endswith("no findings\n"):
            sys.exit(f"chart check (baseline) found something:\n{out[-2000:]}")
        chart_base = median([a.baseline, *pb, "chart", "--frozen"], n=3)
    size = sum(os.path.getsize(os.path.join(study, "transcripts", f)) for f in os.listdir(os.path.join(study, "transcripts")))
    timed = [
        ("matrix (counts)", ["matrix", "--format", "csv"]),
        ("chart check", ["chart", "check"]),
        ("matrix --cell summary --format json", ["matrix", "--cell", "summary", "--format", "json"]),
        ("matrix --cell summary --format csv", ["matrix", "--cell", "summary", "--format", "csv"]),
        ("report (HTML, --by profile)", ["report", "--date", "2026-01-01"]),
        ("report (HTML, --by respondent)", ["report", "--by", "respondent", "--date", "2026-01-01"]),
        ("report --format markdown", ["report", "--format", "markdown", "--date", "2026-01-01"]),
    ]
    ms, base_ms = {}, {}
    for name, args in timed:
        now, then = [], []
        for _ in range(5):
            now.append(run([exe, *p, *args, "--frozen"])[0])
            if a.baseline:
                then.append(run([a.baseline, *pb, *args, "--frozen"])[0])
        ms[name] = statistics.median(now) * 1000
        if then:
            base_ms[name] = statistics.median(then) * 1000
    lines = [
        f"### {datetime.date.today()} — charting, {platform.node()}, {os.cpu_count()} cores",
        "",
        f"`python3 bench/chart.py --mb {a.mb:g} --respondents {a.respondents} --codes {a.codes}`: "
        f"{size / 1e6:.0f} MB, {len(files)} chart files, {sections:,} sections, every one written.",
        "",
    ]
    if base_ms:
        lines += [f"Baseline: `{a.baseline}`, timed in the same run (runs interleaved).", ""]
        lines += ["| command | ms | × matrix (counts) | baseline ms | now / baseline |", "|---|---:|---:|---:|---:|"]
    else:
        lines += ["| command | ms | × matrix (counts) |", "|---|---:|---:|"]
    sizes = {name: len(run([exe, *p, *args, "--frozen"])[2].encode()) for name, args in timed if args[0] == "report"}
    base = ms["matrix (counts)"]
    for name, v in ms.items():
        size = f" ({sizes[name] / 1e6:.2f} MB)" if name in sizes else ""
        row = f"| {name}{size} | {v:.0f} | {v / base:.2f}× |"
        if name in base_ms:
            row += f" {base_ms[name]:.0f} | {v / base_ms[name]:.2f}× |"
        lines.append(row)
    row = f"| chart (adds nothing) | {chart * 1000:.0f} | {chart * 1000 / base:.2f}× |"
    if chart_base:
        row += f" {chart_base * 1000:.0f} | {chart / chart_base:.2f}× |"
    lines.append(row)
    lines.append("")
    print("\n".join(lines))
    if a.results:
        with open(a.results, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main()
