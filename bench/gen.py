#!/usr/bin/env python3
"""Deterministic generator of realistic interview studies for the benchmark.

    python3 bench/gen.py OUT_DIR --mb 100 --codes 50 [--seed 7]

Writes OUT_DIR/thematic.yaml, respondents.csv, codebooks/main.yaml and
transcripts/*.txt: front matter with attributes, interviewer/respondent turns
of 20-200 words over a Zipf-distributed vocabulary mixed with domain terms
(English and Spanish), some timestamps and typographic apostrophes. The
same arguments always give the same bytes. Nothing here is real data.
"""
import argparse
import itertools
import os
import random

DOMAIN = (
    "family mother father sister brother aunt uncle cousin daughter son police station "
    "report complaint prosecutor judge lawyer shelter psychologist therapy school course "
    "training job offer work restaurant mine bar debt money loan payment transport bus "
    "recruiter neighbour boyfriend trafficker exploitation return community stigma shame "
    "blame gossip support help care threat fear violence document passport identity "
    "familia madre padre hermana hermano tía tío prima primo hija hijo policía comisaría "
    "denuncia fiscal juez abogado albergue psicóloga terapia colegio curso capacitación "
    "trabajo oferta restaurante mina bar deuda dinero préstamo pago transporte bus "
    "captador vecina enamorado tratante explotación retorno comunidad estigma vergüenza "
    "culpa chisme apoyo ayuda cuidado amenaza miedo violencia documento pasaporte"
).split()

FILLER = (
    "the a and to of in that it was she he they we i you my her his our for on with at "
    "but not so then when there what about had have would could because just very "
    "really know think said went came told after before again always never some all "
    "el la los las y de en que se no por con para una un su lo pero cuando ya muy "
    "entonces después antes siempre nunca todo algo dijo fue vino estaba había"
).split()


SYLLABLES = (
    "ca ma ra ta na la sa pa da ga co mo ro to no lo so po do go ci mi ri ti ni li si pi "
    "cu mu ru tu nu lu su pu qui que gui cha che chi cho lla lle llo ña ño ción dad tra "
    "pre con des ter men ble ste ing er on an en in ly ous ful ness ment"
).split()


def vocabulary(rng, size=6000):
    words = set(FILLER) | set(DOMAIN)
    while len(words) < size:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if rng.random() < 0.1:
            w = w.replace("a", "á", 1)
        words.add(w)
    words = sorted(words)
    rng.shuffle(words)
    # Fillers first (most frequent), then domain terms, then the long tail.
    ordered = FILLER + [w for w in DOMAIN if w not in FILLER] + [w for w in words if w not in FILLER and w not in DOMAIN]
    weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(ordered))]
    return ordered, list(itertools.accumulate(weights))


def sentence(rng, vocab, cum, n):
    words = rng.choices(vocab, cum_weights=cum, k=n)
    out = []
    for i, w in enumerate(words):
        if i == 0:
            w = w.capitalize()
        elif rng.random() < 0.01:
            w = w + "’s"
        elif rng.random() < 0.03:
            w = w + ","
        out.append(w)
    return " ".join(out) + rng.choice([".", ".", ".", "?", "!"])


def turn_text(rng, vocab, cum, words):
    out, left = [], words
    paragraph = []
    while left > 0:
        n = min(left, rng.randint(6, 22))
        paragraph.append(sentence(rng, vocab, cum, n))
        left -= n
        if len(" ".join(paragraph).split()) > 40 and left > 0:
            out.append(" ".join(paragraph))
            paragraph = []
    if paragraph:
        out.append(" ".join(paragraph))
    return out


def wrap(text, width=90):
    lines, line = [], ""
    for w in text.split():
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    if line:
        lines.append(line)
    return "\n".join(lines)


def codebook(rng, vocab, codes):
    themes = max(1, codes // 10)
    terms = [w for w in vocab[len(FILLER):] if len(w) > 3][: max(400, codes * 6)]
    out = ["# Generated benchmark codebook", "codebook: Benchmark", 'version: "1"', "themes:"]
    c = 0
    for t in range(themes):
        out.append(f"  - id: theme_{t:03d}")
        out.append(f"    label: Theme {t}")
        out.append("    codes:")
        for _ in range(codes // themes + (1 if t < codes % themes else 0)):
            any_terms = []
            for _ in range(rng.randint(2, 6)):
                w = rng.choice(terms)
                r = rng.random()
                if r < 0.25:
                    any_terms.append(w[: max(3, len(w) - 2)] + "*")
                elif r < 0.45:
                    any_terms.append(f"{w} {rng.choice(terms)}")
                else:
                    any_terms.append(w)
            out.append(f"      - id: code_{c:04d}")
            out.append(f"        label: Code {c}")
            out.append("        match:")
            out.append("          any: [" + ", ".join(f'"{x}"' for x in any_terms) + "]")
            if rng.random() < 0.1:
                out.append(f'          none: ["{rng.choice(terms)}"]')
            if rng.random() < 0.1:
                out.append(f'          all: ["{rng.choice(FILLER[:20])}"]')
            c += 1
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=10)
    ap.add_argument("--codes", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--respondents", type=int, default=0, help="spread the size over about this many transcripts")
    ap.add_argument("--turns", type=int, default=0, help="turns per transcript (default: 20 to 60): few make many short transcripts")
    ap.add_argument("--codebook-only", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    vocab, cum = vocabulary(rng)
    os.makedirs(os.path.join(a.out, "codebooks"), exist_ok=True)
    with open(os.path.join(a.out, "codebooks", "main.yaml"), "w", encoding="utf-8") as f:
        f.write(codebook(random.Random(a.seed + a.codes), vocab, a.codes))
    if a.codebook_only:
        return
    os.makedirs(os.path.join(a.out, "transcripts"), exist_ok=True)
    with open(os.path.join(a.out, "thematic.yaml"), "w", encoding="utf-8") as f:
        f.write("language: english\n")
    target = int(a.mb * 1_000_000)
    written, i = 0, 0
    profiles = ["survivor", "relative", "provider", "official"]
    regions = ["Cusco", "Lima", "Puno", "Loreto", "Madre de Dios", "Junín"]
    rows = ["respondent,profile,region,gender"]
    while written < target:
        rid = f"R{i:05d}"
        rows.append(f"{rid},{rng.choice(profiles)},{rng.choice(regions)},{rng.choice(['female', 'male'])}")
        parts = [f"---\nrespondent: {rid}\ninterview: {2020 + i % 5}\n---\nInterview {rid}, fictional benchmark text.\n"]
        t = 0
        turns = a.turns or rng.randint(20, 60)
        if a.respondents:
            # About 330 bytes of respondent and interviewer text per turn.
            turns = max(turns, int(target / a.respondents / 430))
        for _ in range(turns):
            stamp = f"[{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}] " if rng.random() < 0.3 else ""
            q = sentence(rng, vocab, cum, rng.randint(6, 20))
            parts.append(f"{stamp}Interviewer: {wrap(q)}\n")
            paras = turn_text(rng, vocab, cum, rng.randint(20, 200))
            parts.append(f"{stamp}{rid}: " + "\n\n".join(wrap(p) for p in paras) + "\n\n")
            t += rng.randint(20, 240)
        text = "".join(parts)
        with open(os.path.join(a.out, "transcripts", f"{rid}.txt"), "w", encoding="utf-8") as f:
            f.write(text)
        written += len(text.encode("utf-8"))
        i += 1
    with open(os.path.join(a.out, "respondents.csv"), "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
