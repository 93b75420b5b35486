#!/usr/bin/env python3
"""What a researcher would write instead of thematic: Python `re`, one
compiled pattern per code (case-insensitive, word boundaries, `*` as a
word prefix) over each respondent turn. Prints MB/s on stdout as JSON.

    python3 bench/reference.py STUDY_DIR
"""
import json
import os
import re
import sys
import time

LABEL = re.compile(r"^(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*)?([^:\n]{1,40}):\s")


def load_codebook(path):
    # The generated codebooks are regular enough to read without a YAML library.
    codes, cur = [], None
    for line in open(path, encoding="utf-8"):
        s = line.strip()
        if s.startswith("- id: code_"):
            cur = {"id": s.split(": ", 1)[1], "any": [], "all": [], "none": []}
            codes.append(cur)
        elif cur is not None and s.split(":", 1)[0] in ("any", "all", "none"):
            key, rest = s.split(":", 1)
            cur[key] = [t.strip().strip('"') for t in rest.strip()[1:-1].split(",") if t.strip()]
    return codes


def pattern(terms):
    alts = []
    for t in terms:
        if t.endswith("*"):
            alts.append(r"\b" + re.escape(t[:-1]).replace(r"\ ", r"\W+") + r"\w*")
        else:
            alts.append(r"\b" + re.escape(t).replace(r"\ ", r"\W+") + r"\b")
    return re.compile("|".join(alts), re.IGNORECASE) if alts else None


def main():
    study = sys.argv[1]
    codes = load_codebook(os.path.join(study, "codebooks", "main.yaml"))
    start = time.perf_counter()
    compiled = [(c["id"], pattern(c["any"]), [pattern([t]) for t in c["all"]], pattern(c["none"])) for c in codes]
    counts = {c["id"]: 0 for c in codes}
    total = 0
    tdir = os.path.join(study, "transcripts")
    for name in sorted(os.listdir(tdir)):
        with open(os.path.join(tdir, name), encoding="utf-8") as f:
            text = f.read()
        total += len(text.encode("utf-8"))
        turns, speaker, buf = [], None, []
        for line in text.split("\n"):
            m = LABEL.match(line)
            if m:
                if speaker and speaker != "Interviewer":
                    turns.append("\n".join(buf))
                speaker, buf = m.group(1), [line[m.end():]]
            else:
                buf.append(line)
        if speaker and speaker != "Interviewer":
            turns.append("\n".join(buf))
        for turn in turns:
            for cid, anyp, allp, nonep in compiled:
                if anyp and anyp.search(turn) and all(p.search(turn) for p in allp) and not (nonep and nonep.search(turn)):
                    counts[cid] += 1
    secs = time.perf_counter() - start
    print(json.dumps({"bytes": total, "seconds": secs, "mb_per_s": total / 1e6 / secs, "coded_turns": sum(counts.values())}))


if __name__ == "__main__":
    main()
