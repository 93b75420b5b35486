#!/usr/bin/env python3
"""Reading commands on a study of very many short transcripts, against a
baseline binary, in one run on one machine.

    python3 bench/many.py --base /tmp/thematic-base [--new target/release/thematic]
        [--study DIR] [--runs 9] [--folders] [--results bench/RESULTS.md]

The study (default bench/work/study-many: generated with
`bench/gen.py STUDY --mb 75 --codes 50 --turns 3`, about 32,000
transcripts, when absent) is copied once for the baseline (two versions
may keep their indexes in different formats: each binary gets its own
copy, coded by itself). Then each command runs with the index up to date,
the two binaries interleaved run by run, and the medians of process wall
time and of CPU time (user + system, which moves less with the machine's
load) are compared. Every command's stdout must be byte-identical between
the two binaries; the script stops otherwise. The machine's load average
is printed before and after, since other work on the machine moves the
figures.

`--folders` also times the new binary on a third copy whose thematic.yaml
says `check: folders` (reading commands trust the transcripts folders'
recorded mtimes instead of a stat per transcript; `code` still compares
every file), its outputs checked against the same baseline.
"""
import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

COMMANDS = [
    ("matrix", ["matrix", "--format", "csv"]),
    ("matrix --by", ["matrix", "--by", "profile", "--format", "csv"]),
    ("quote", ["quote", "theme_001", "--limit", "20", "--format", "json"]),
    ("search", ["search", "family", "--limit", "20", "--format", "json"]),
    ("stats", ["stats", "--format", "csv"]),
    ("code (no-op)", ["code", "--format", "csv"]),
]


def run(exe, study, args):
    """Runs thematic; returns (wall seconds, CPU seconds, stdout bytes)."""
    import tempfile
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        start = time.perf_counter()
        p = subprocess.Popen([exe, "--project", study, *args], stdout=out_f, stderr=err_f)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {exe} {' '.join(args)}\n{err.decode()}")
    if b"index out of date" in err:
        # The index was updated: not the case measured.
        sys.exit(f"{exe} {' '.join(args)} said: {err.decode()}")
    return wall, usage.ru_utime + usage.ru_stime, out


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="the baseline binary")
    ap.add_argument("--new", default=os.path.join(ROOT, "target", "release", "thematic"))
    ap.add_argument("--study", default=os.path.join(HERE, "work", "study-many"))
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--results", default=None, help="append the Markdown report to this file")
    ap.add_argument("--folders", action="store_true", help="also time a copy with `check: folders`")
    a = ap.parse_args()
    study = os.path.abspath(a.study)
    if not os.path.isdir(os.path.join(study, "transcripts")):
        subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), study,
                        "--mb", "75", "--codes", "50", "--turns", "3"], check=True)
    base_study = study.rstrip("/") + "-base"
    if not os.path.isdir(os.path.join(base_study, "transcripts")):
        shutil.copytree(study, base_study, ignore=shutil.ignore_patterns(".thematic"))
    folders_study = study.rstrip("/") + "-folders"
    if a.folders and not os.path.isdir(os.path.join(folders_study, "transcripts")):
        shutil.copytree(study, folders_study, ignore=shutil.ignore_patterns(".thematic"))
        with open(os.path.join(folders_study, "thematic.yaml"), "a", encoding="utf-8") as f:
            f.write("check: folders\n")
    transcripts = sum(len(f) for _, _, f in os.walk(os.path.join(study, "transcripts")))
    # Each binary brings its copy up to date (a no-op when it already is).
    copies = [(a.base, base_study), (a.new, study)] + ([(a.new, folders_study)] if a.folders else [])
    for exe, s in copies:
        subprocess.run([exe, "--project", s, "code"], check=True, capture_output=True)
    if a.folders:
        # The folders' mtimes are recorded only when they are over two
        # seconds old; a reading command records them.
        time.sleep(2.5)
        subprocess.run([a.new, "--project", folders_study, "stats"], check=True, capture_output=True)
        if not os.path.exists(os.path.join(folders_study, ".thematic", "folders.bin")):
            sys.exit("the folder record was not written")

    lines = []
    say = lambda s="": (print(s, flush=True), lines.append(s))
    say(f"## {datetime.date.today()} — {platform.node()}, {os.cpu_count()} cores, {platform.machine()}: many short transcripts")
    say()
    say(f"`python3 bench/many.py --runs {a.runs}{' --folders' if a.folders else ''}` on `{os.path.basename(study)}` ({transcripts:,} transcripts); "
        f"baseline `{a.base}`, new `{os.path.relpath(a.new, ROOT)}`; "
        f"process wall time and CPU time (user + system, all threads), median of {a.runs}, "
        f"the two binaries interleaved; load average before: {load()}")
    say()
    extra = " folders wall (ms) | folders / baseline | folders CPU (ms) | folders / baseline |" if a.folders else ""
    say("| command | baseline wall (ms) | new wall (ms) | new / baseline | baseline CPU (ms) | new CPU (ms) | new / baseline |" + extra)
    say("|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|---:|" if a.folders else ""))
    for name, args in COMMANDS:
        base_t, new_t, base_c, new_c, fold_t, fold_c = [], [], [], [], [], []
        base_out = new_out = fold_out = None
        for _ in range(a.runs):
            t, c, base_out = run(a.base, base_study, args)
            base_t.append(t)
            base_c.append(c)
            t, c, new_out = run(a.new, study, args)
            new_t.append(t)
            new_c.append(c)
            if a.folders:
                t, c, fold_out = run(a.new, folders_study, args)
                fold_t.append(t)
                fold_c.append(c)
        if base_out != new_out or (a.folders and fold_out != base_out):
            sys.exit(f"`{' '.join(args)}`: the outputs differ")
        med = lambda v: statistics.median(v) * 1000
        b, n, bc, nc = med(base_t), med(new_t), med(base_c), med(new_c)
        row = f"| `{' '.join(args)}` | {b:.0f} | {n:.0f} | {n / b:.2f} | {bc:.0f} | {nc:.0f} | {nc / bc:.2f} |"
        if a.folders:
            f, fc = med(fold_t), med(fold_c)
            row += f" {f:.0f} | {f / b:.2f} | {fc:.0f} | {fc / bc:.2f} |"
        say(row)
    say()
    say(f"Outputs byte-identical between the two binaries. Load average after: {load()}.")
    say()
    if a.results:
        with open(a.results, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main()
