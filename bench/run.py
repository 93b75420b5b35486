#!/usr/bin/env python3
"""The thematic benchmark: generated studies, thematic against a Python
reference, in one run on one machine.

    python3 bench/run.py [--sizes 10,100] [--codes 50,500] [--work DIR] [--results bench/RESULTS.md]

For each size (MB) it generates a study (bench/gen.py, seeded), then
measures with the release binary: `code` from scratch (median of three
runs: MB/s, and the highest peak RSS),
a no-op re-run, a re-code after editing one code's rules (from the
index: no transcript re-read), `code` from scratch with the large codebook
against the small one, `matrix`, `quote` and `search`
latency (process wall time, median of 5), and the index size. The Python
reference (bench/reference.py, median of three runs) runs on the smallest
study, and thematic's
throughput is printed as a ratio of it.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd, **kw):
    """Runs a command; returns (wall seconds, peak RSS in MB, stdout)."""
    import tempfile
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, **kw)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
        out_f.seek(0)
        err_f.seek(0)
        out = out_f.read().decode()
        err = err_f.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024, out


def median(cmd, n=5):
    return statistics.median(run(cmd)[0] for _ in range(n))


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100")
    ap.add_argument("--codes", default="50,500")
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--results", default=None, help="append the Markdown report to this file")
    ap.add_argument("--respondents", type=int, default=0, help="transcripts per study (default: as many as the size gives)")
    a = ap.parse_args()
    sizes = [float(s) for s in a.sizes.split(",")]
    small, large = [int(c) for c in a.codes.split(",")]
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "thematic")
    os.makedirs(a.work, exist_ok=True)
    lines = []
    say = lambda s="": (print(s, flush=True), lines.append(s))
    say(f"## {datetime.date.today()} — {platform.node()}, {os.cpu_count()} cores, {platform.machine()}")
    say()
    say(f"`python3 bench/run.py --sizes {a.sizes} --codes {a.codes}" + (f" --respondents {a.respondents}`" if a.respondents else "`"))
    say()
    say("| study | respondents | excerpts | code (s) | MB/s | peak RSS (MB) | no-op (s, % of full) | one-code edit (s) | "
        f"{large} vs {small} codes | index (MB) | matrix (ms) | matrix --by (ms) | quote (ms) | search (ms) |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    reference = None
    first_mbps = None
    per_size = []
    for mb in sizes:
        study = os.path.join(a.work, f"study-{mb:g}mb" + (f"-{a.respondents}r" if a.respondents else ""))
        if not os.path.isdir(os.path.join(study, "transcripts")):
            extra = ["--respondents", str(a.respondents)] if a.respondents else []
            subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), study, "--mb", str(mb), "--codes", str(small), *extra], check=True)
        else:
            subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), study, "--codes", str(small), "--codebook-only"], check=True)
        shutil.rmtree(os.path.join(study, ".thematic"), ignore_errors=True)
        size = sum(os.path.getsize(os.path.join(study, "transcripts", f)) for f in os.listdir(os.path.join(study, "transcripts")))
        p = ["--project", study]
        # From scratch three times (this VM's timings wander): the median, and the highest RSS.
        fulls = []
        for _ in range(3):
            shutil.rmtree(os.path.join(study, ".thematic"), ignore_errors=True)
            fulls.append(run([exe, *p, "code"]))
        full = statistics.median(f[0] for f in fulls)
        rss = max(f[1] for f in fulls)
        out = fulls[-1][2]
        excerpts = int(out.split(" excerpts")[0].split(", ")[-1])
        noop, _, _ = run([exe, *p, "code"])
        cb = os.path.join(study, "codebooks", "main.yaml")
        text = open(cb, encoding="utf-8").read()
        edited = text.replace('any: [', 'any: ["benchmarkedit", ', 1)
        open(cb, "w", encoding="utf-8").write(edited)
        edit, _, _ = run([exe, *p, "code"])
        # Codebook size: both runs code the same transcripts from scratch
        # (a codebook change alone would re-code from the index instead).
        subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), study, "--codes", str(large), "--codebook-only"], check=True)
        shutil.rmtree(os.path.join(study, ".thematic"), ignore_errors=True)
        t_large, _, _ = run([exe, *p, "code"])
        subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), study, "--codes", str(small), "--codebook-only"], check=True)
        shutil.rmtree(os.path.join(study, ".thematic"), ignore_errors=True)
        t_small, _, _ = run([exe, *p, "code"])
        index_mb = du(os.path.join(study, ".thematic")) / 1e6
        m = median([exe, *p, "matrix", "--format", "csv", "--frozen"]) * 1000
        mby = median([exe, *p, "matrix", "--by", "profile", "--format", "csv", "--frozen"]) * 1000
        q = median([exe, *p, "quote", "theme_000", "--limit", "20", "--format", "json", "--frozen"]) * 1000
        s = median([exe, *p, "search", "family AND police", "--limit", "20", "--format", "json", "--frozen"]) * 1000
        mbps = size / 1e6 / full
        first_mbps = first_mbps or (mbps, study)
        per_size.append((size, mbps))
        respondents = len(os.listdir(os.path.join(study, "transcripts")))
        say(f"| {size / 1e6:.0f} MB | {respondents:,} | {excerpts:,} | {full:.2f} | {mbps:.1f} | {rss:.0f} | {noop:.3f} ({100 * noop / full:.1f}%) | "
            f"{edit:.2f} | {t_large / t_small:.2f}× | {index_mb:.0f} | {m:.0f} | {mby:.0f} | {q:.0f} | {s:.0f} |")
    ref_study = first_mbps[1]
    if sizes[0] > 20:
        # The reference is slow: it runs on a 10 MB study of the same shape.
        ref_study = os.path.join(a.work, f"study-10mb-{small}c")
        if not os.path.isdir(os.path.join(ref_study, "transcripts")):
            subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), ref_study, "--mb", "10", "--codes", str(small)], check=True)
        shutil.rmtree(os.path.join(ref_study, ".thematic"), ignore_errors=True)
        full, _, _ = run([exe, "--project", ref_study, "code"])
        size = sum(os.path.getsize(os.path.join(ref_study, "transcripts", f)) for f in os.listdir(os.path.join(ref_study, "transcripts")))
        first_mbps = (size / 1e6 / full, ref_study)
    # The machine's speed drifts: the reference's figure is the median of
    # three runs, as thematic's are.
    refs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, os.path.join(HERE, "reference.py"), ref_study], check=True, capture_output=True, text=True).stdout
        refs.append(json.loads(out))
    reference = sorted(refs, key=lambda r: r["mb_per_s"])[1]
    say()
    say(f"Python reference (`re`, one pattern per code over each respondent turn, {small} codes) on the "
        f"{reference['bytes'] / 1e6:.0f} MB study: {reference['mb_per_s']:.2f} MB/s; "
        f"thematic `code` end to end on the same study: {first_mbps[0]:.1f} MB/s = **{first_mbps[0] / reference['mb_per_s']:.0f}×**; "
        + "; ".join(f"on the {sz / 1e6:.0f} MB study: {v:.1f} MB/s = **{v / reference['mb_per_s']:.0f}×**" for sz, v in per_size)
        + ".")
    say()
    if a.results:
        with open(a.results, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main()
