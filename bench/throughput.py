#!/usr/bin/env python3
"""`thematic code` beside tantivy alone, and its scaling, in one run.

    python3 bench/throughput.py side STUDY [--base BIN] [--runs 5]
    python3 bench/throughput.py scaling [--sizes 10,100,300,1000] [--work DIR] [--base BIN]

`side`: in each round, interleaved, `thematic code` from scratch (this
build, and the baseline binary BIN when given) and the tantivy-alone bench
(benches/tantivy_alone.rs, built by `cargo bench --bench tantivy_alone
--no-run`): the same study read and coded into the very documents `code`
indexes, then only the index writer `code` uses timed on them (open, add
every document, commit). Prints medians: MB/s of each, `code` as a ratio
of tantivy alone, and of the floor for "read, code and index everything"
(transcript bytes over tantivy-alone time plus the preparation's time, both
on every core).

`scaling`: for each size (MB) a study from bench/gen.py (50 codes; made
when missing), `code` from scratch (wall time, CPU time and peak RSS, one
run per binary, interleaved), then `matrix`, `quote` and `search` on the index it
made (process wall time, median of 5).

Timings are process wall time of release binaries; peak RSS from wait4.
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd):
    """Runs a command; returns (wall seconds, peak RSS in MB, stdout); the
    CPU seconds (user + system) of the last run are kept in `run.cpu`."""
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out_f, stderr=err_f)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read().decode(), err_f.read().decode()
    run.cpu = usage.ru_utime + usage.ru_stime
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024, out


def code(exe, study):
    shutil.rmtree(os.path.join(study, ".thematic"), ignore_errors=True)
    wall, rss, _ = run([exe, "--project", study, "code"])
    return wall, rss


def alone_exe():
    found = [p for p in glob.glob(os.path.join(ROOT, "target/release/deps/tantivy_alone-*"))
             if os.access(p, os.X_OK) and not p.endswith(".d")]
    if not found:
        sys.exit("build the bench first: cargo bench --bench tantivy_alone --no-run")
    return max(found, key=os.path.getmtime)


def study_bytes(study):
    total = 0
    for d, _, files in os.walk(os.path.join(study, "transcripts")):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    return total


def side(args):
    exe = os.path.join(ROOT, "target/release/thematic")
    alone = alone_exe()
    mb = study_bytes(args.study) / 1e6
    rows = {"code": [], "base": [], "alone": [], "prepare": []}
    cpu = {k: [] for k in rows}
    rss = {"code": [], "base": []}
    scratch = os.path.join(tempfile.gettempdir(), f"tantivy-alone-{os.getpid()}")
    for _ in range(args.runs):
        w, r = code(exe, args.study)
        rows["code"].append(w)
        cpu["code"].append(run.cpu)
        rss["code"].append(r)
        if args.base:
            w, r = code(args.base, args.study)
            rows["base"].append(w)
            cpu["base"].append(run.cpu)
            rss["base"].append(r)
        _, _, out = run([alone, args.study, scratch])
        got = json.loads(out.strip().splitlines()[-1])
        rows["alone"].append(got["index_s"])
        rows["prepare"].append(got["prepare_s"])
        cpu["alone"].append(got["index_cpu_s"])
        cpu["prepare"].append(got["prepare_cpu_s"])
    med = {k: statistics.median(v) for k, v in rows.items() if v}
    mcpu = {k: statistics.median(v) for k, v in cpu.items() if v}
    floor = med["alone"] + med["prepare"]
    print(f"study: {args.study} ({mb:.1f} MB, {got['excerpts']:,} excerpts), "
          f"{args.runs} interleaved rounds, medians; load before: {os.getloadavg()[0]:.2f}")
    print()
    print("| | time (s) | MB/s | CPU (s) | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|")
    print(f"| `code`, this build | {med['code']:.2f} | {mb / med['code']:.1f} | {mcpu['code']:.2f} | {max(rss['code']):.0f} |")
    if "base" in med:
        print(f"| `code`, baseline | {med['base']:.2f} | {mb / med['base']:.1f} | {mcpu['base']:.2f} | {max(rss['base']):.0f} |")
    print(f"| tantivy alone (open, add, commit) | {med['alone']:.2f} | {mb / med['alone']:.1f} | {mcpu['alone']:.2f} | |")
    print(f"| reading + coding + making documents | {med['prepare']:.2f} | {mb / med['prepare']:.1f} | {mcpu['prepare']:.2f} | |")
    print(f"| floor: tantivy alone + preparation | {floor:.2f} | {mb / floor:.1f} | {mcpu['alone'] + mcpu['prepare']:.2f} | |")
    print()
    print(f"`code` / tantivy alone: {med['alone'] / med['code']:.2f}; "
          f"`code` / floor: {floor / med['code']:.2f}"
          + (f"; this build / baseline: {med['base'] / med['code']:.2f}× faster" if "base" in med else ""))
    print("all runs (s):", json.dumps({k: [round(x, 2) for x in v] for k, v in rows.items()}))
    print("CPU (s):", json.dumps({k: [round(x, 2) for x in v] for k, v in cpu.items()}))


def latency(exe, study, cmd, n=5):
    return statistics.median(run([exe, "--project", study, *cmd, "--frozen"])[0] for _ in range(n)) * 1000


def scaling(args):
    exe = os.path.join(ROOT, "target/release/thematic")
    builds = [("this build", exe)] + ([("baseline", args.base)] if args.base else [])
    print(f"load before: {os.getloadavg()[0]:.2f}")
    print()
    print("| corpus | build | code (s) | MB/s | CPU (s) | peak RSS (MB) | matrix (ms) | quote (ms) | search (ms) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for size in [int(s) for s in args.sizes.split(",")]:
        study = os.path.join(args.work, f"study-{size}mb")
        if not os.path.isdir(os.path.join(study, "transcripts")):
            subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), study,
                            "--mb", str(size), "--codes", "50"], check=True)
        mb = study_bytes(study) / 1e6
        for name, b in builds:
            wall, rss = code(b, study)
            cpu = run.cpu
            m = latency(b, study, ["matrix", "--format", "csv"])
            q = latency(b, study, ["quote", "theme_000", "--limit", "20", "--format", "json"])
            s = latency(b, study, ["search", "family AND police", "--limit", "20", "--format", "json"])
            print(f"| {size} MB | {name} | {wall:.2f} | {mb / wall:.1f} | {cpu:.1f} | {rss:.0f} | {m:.0f} | {q:.0f} | {s:.0f} |",
                  flush=True)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    a = sub.add_parser("side")
    a.add_argument("study")
    a.add_argument("--base", help="a baseline thematic binary, run interleaved")
    a.add_argument("--runs", type=int, default=5)
    b = sub.add_parser("scaling")
    b.add_argument("--sizes", default="10,100,300,1000")
    b.add_argument("--work", default=os.path.join(HERE, "work"))
    b.add_argument("--base", help="a baseline thematic binary, run after this build")
    args = ap.parse_args()
    side(args) if args.what == "side" else scaling(args)


if __name__ == "__main__":
    main()
