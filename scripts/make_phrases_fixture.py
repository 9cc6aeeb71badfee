#!/usr/bin/env python3
"""Writes tests/fixtures/phrases/: a small corpus and gensim 4.4.0's phrases on it.

Run from the repository root with gensim 4.4.0 installed, e.g.

    python3 -m venv venv && venv/bin/pip install gensim==4.4.0
    venv/bin/python scripts/make_phrases_fixture.py

corpus.txt: the first 240,000 bytes (cut back to the last whole word) of
examples/data/enwiki-2015-text8style-4M.txt (English Wikipedia 2015, text8-style,
CC BY-SA 3.0), split into lines of 10..40 tokens (length 10 + (7·i mod 31) for line i)
so that sentence boundaries matter.

For each configuration NAME, NAME.tsv holds, tab-separated:
    config      key=value ...            the Phrases(...) arguments
    len_vocab   len(phrases.vocab)
    words       phrases.corpus_word_count
    phrase      <joined phrase> <score>  phrases.export_phrases(), repr() of the float
    applied     <joined token> <count>   tokens containing the delimiter in
                                         phrases[sentences] (the whole corpus applied),
                                         with how often each occurs

word2phrase_tN.tsv: word2vec.c's word2phrase (as built by the `word2vec==0.11.1` package,
on PATH or next to this Python) run on corpus.txt joined into ONE line (word2phrase counts
bigrams across newlines, so one line avoids that quirk) with -min-count 3 -threshold N;
`applied` lines as above, from its output file.
"""

import collections
import os
import shutil
import subprocess
import sys
import tempfile

import gensim
from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "phrases")
SOURCE = os.path.join(ROOT, "examples", "data", "enwiki-2015-text8style-4M.txt")
BYTES = 240_000

CONFIGS = {
    "default": dict(min_count=3, threshold=10.0, scoring="default"),
    "npmi": dict(min_count=3, threshold=0.5, scoring="npmi"),
    "default_connectors": dict(
        min_count=3, threshold=10.0, scoring="default", connector_words=ENGLISH_CONNECTOR_WORDS
    ),
    "npmi_connectors": dict(
        min_count=3, threshold=0.3, scoring="npmi", connector_words=ENGLISH_CONNECTOR_WORDS
    ),
    # gensim's pruning: one round at an increasing min_reduce after each sentence.
    "pruned_connectors": dict(
        min_count=3, threshold=10.0, scoring="default", max_vocab_size=8000,
        connector_words=ENGLISH_CONNECTOR_WORDS,
    ),
}


def make_corpus():
    with open(SOURCE, encoding="ascii") as f:
        text = f.read(BYTES)
    text = text[: text.rfind(" ")]
    tokens = text.split()
    lines, i, pos = [], 0, 0
    while pos < len(tokens):
        n = 10 + (7 * i) % 31
        lines.append(tokens[pos : pos + n])
        pos += n
        i += 1
    with open(os.path.join(OUT, "corpus.txt"), "w", encoding="ascii") as f:
        for line in lines:
            f.write(" ".join(line) + "\n")
    return lines


def main():
    assert gensim.__version__ == "4.4.0", gensim.__version__
    os.makedirs(OUT, exist_ok=True)
    sentences = make_corpus()
    for name, kw in CONFIGS.items():
        p = Phrases(sentences, **kw)
        shown = {k: v for k, v in kw.items() if k != "connector_words"}
        shown["connectors"] = "english" if "connector_words" in kw else "none"
        applied = collections.Counter(
            t for s in p[sentences] for t in s if "_" in t
        )
        frozen = p.freeze()
        assert [frozen[s] for s in sentences] == list(p[sentences])
        with open(os.path.join(OUT, name + ".tsv"), "w", encoding="ascii") as f:
            f.write("config\t" + " ".join(f"{k}={v}" for k, v in sorted(shown.items())) + "\n")
            f.write(f"len_vocab\t{len(p.vocab)}\n")
            f.write(f"words\t{p.corpus_word_count}\n")
            for phrase, score in sorted(p.export_phrases().items()):
                f.write(f"phrase\t{phrase}\t{score!r}\n")
            for tok, n in sorted(applied.items()):
                f.write(f"applied\t{tok}\t{n}\n")
        print(name, len(p.vocab), len(p.export_phrases()), sum(applied.values()), file=sys.stderr)
    word2phrase(sentences)


def word2phrase(sentences):
    exe = shutil.which("word2phrase") or os.path.join(os.path.dirname(sys.executable), "word2phrase")
    if not os.path.exists(exe):
        print("word2phrase not found: pip install word2vec==0.11.1", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as d:
        src, out = os.path.join(d, "one.txt"), os.path.join(d, "out.txt")
        with open(src, "w", encoding="ascii") as f:
            f.write(" ".join(" ".join(s) for s in sentences) + "\n")
        for threshold in (100, 20):
            subprocess.run(
                [exe, "-train", src, "-output", out, "-min-count", "3",
                 "-threshold", str(threshold), "-debug", "0"],
                check=True, stdout=subprocess.DEVNULL,
            )
            with open(out, encoding="ascii") as f:
                applied = collections.Counter(t for t in f.read().split() if "_" in t)
            with open(os.path.join(OUT, f"word2phrase_t{threshold}.tsv"), "w", encoding="ascii") as f:
                f.write(f"config\tmin_count=3 threshold={threshold}\n")
                for tok, n in sorted(applied.items()):
                    f.write(f"applied\t{tok}\t{n}\n")
            print("word2phrase", threshold, sum(applied.values()), file=sys.stderr)


if __name__ == "__main__":
    main()
