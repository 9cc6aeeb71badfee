#!/usr/bin/env python3
"""Write the fastText fixtures under tests/fixtures/fasttext/ with the `fasttext`
package from the registry (pip install fasttext-numpy2).

    scripts/make_fasttext_fixtures.py [CORPUS]

CORPUS defaults to examples/data/enwiki-2015-text8style-4M.txt; its first 200 KB are
the training text. Writes:
  tiny.bin        a skip-gram model: dim 4, minCount 1, minn 3, maxn 6, bucket 500,
                  epoch 1, thread 1 (small enough to commit)
  subwords.tsv    word <TAB> n-gram <TAB> id   (get_subwords; ids are rows of the
                  input matrix: V + bucket id, the word's own row first if in vocabulary)
  vectors.tsv     word <TAB> in|oov <TAB> space-separated get_word_vector
  tiny-hs.bin     a skip-gram model with hierarchical softmax (loss hs): dim 8, ws 3,
                  minCount 1, minn 3, maxn 4, bucket 500, epoch 5, lr 0.1, thread 1, on
                  3,000 generated sentences, each of 10 words of one of two topics (12
                  animal words, 12 vehicle words), so that its output rows (the Huffman
                  tree's inner nodes) predict a word's own topic
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import fasttext

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "fasttext")
corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    HERE, "..", "examples", "data", "enwiki-2015-text8style-4M.txt")

with open(corpus, "rb") as f:
    text = f.read(200_000)
text = text[: text.rfind(b" ")]
# Some multi-byte words in the training text, so they are in the vocabulary.
text += " café straße 日本語 😀 café straße".encode()

WORDS = ["the", "of", "a", "anarchism", "café", "straße", "日本語", "😀", "é", "ß",
         "x", "ab", "zz", "unseenwordxyz", "walking", "kingdoms",
         "pneumonoultramicroscopicsilicovolcanoconiosis" + "abcdefghijklmno",
         "naïveté", "北京大学", "🙂👍", "</s>"]

os.makedirs(OUT, exist_ok=True)


def train(path, out, **args):
    """fasttext.train_unsupervised on `path`, saved to `out` and loaded back. Each try runs
    in a new interpreter: fasttext-numpy2 here often stops with "Encountered NaN." at once,
    far more often in a process that has used fastText before (nearly every try of the
    topic text's model failed after another model was trained, few in a new process)."""
    code = ("import fasttext, sys, json; "
            "fasttext.train_unsupervised(sys.argv[1], **json.loads(sys.argv[3]))"
            ".save_model(sys.argv[2])")
    for _ in range(50):
        run = subprocess.run([sys.executable, "-c", code, path, out, json.dumps(args)],
                             capture_output=True)
        if run.returncode == 0:
            return fasttext.load_model(out)
    sys.exit(f"fastText training failed 50 times on {path}")


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "train.txt")
    with open(path, "wb") as f:
        f.write(text)
    model = train(
        path, os.path.join(OUT, "tiny.bin"), model="skipgram", dim=4, minCount=1, minn=3,
        maxn=6, bucket=500,
        epoch=1, thread=1, lr=0.05, verbose=0)

vocab = set(model.words)
with open(os.path.join(OUT, "subwords.tsv"), "w", encoding="utf-8") as f:
    for w in WORDS:
        grams, ids = model.get_subwords(w)
        for g, i in zip(grams, ids):
            f.write(f"{w}\t{g}\t{i}\n")
with open(os.path.join(OUT, "vectors.tsv"), "w", encoding="utf-8") as f:
    for w in WORDS:
        v = model.get_word_vector(w)
        kind = "in" if w in vocab else "oov"
        f.write(f"{w}\t{kind}\t{' '.join(repr(float(x)) for x in v)}\n")
print("words", len(model.words), "bucket", model.f.getArgs().bucket if hasattr(model.f, "getArgs") else "?")

# The hierarchical-softmax model: the tests read its inner nodes with this crate's tree.
ANIMALS = ["cat", "dog", "horse", "cow", "sheep", "goat", "mouse", "tiger", "lion", "bear",
           "wolf", "fox"]
VEHICLES = ["car", "bus", "truck", "train", "plane", "boat", "bike", "tram", "ship", "van",
            "taxi", "jeep"]
rng = random.Random(7)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "topics.txt")
    with open(path, "w") as f:
        for _ in range(3000):
            topic = ANIMALS if rng.random() < 0.5 else VEHICLES
            f.write(" ".join(rng.choice(topic) for _ in range(10)) + "\n")
    hs = train(
        path, os.path.join(OUT, "tiny-hs.bin"), model="skipgram", loss="hs", dim=8, ws=3,
        minCount=1, minn=3, maxn=4,
        bucket=500, epoch=5, thread=1, lr=0.1, verbose=0)

# Optional cross-check with gensim (pip install gensim): load_facebook_model on the same
# file gives fastText's vectors. The Rust tests assert that our writer reproduces tiny.bin
# byte for byte, so this also checks that gensim reads the files we write. gensim differs
# from fastText on "</s>" (it gives the end-of-sentence token n-grams), so that is skipped.
try:
    import numpy as np
    from gensim.models.fasttext import load_facebook_model
except ImportError:
    sys.exit(0)
g = load_facebook_model(os.path.join(OUT, "tiny.bin"))
worst = max(float(np.abs(g.wv[w] - model.get_word_vector(w)).max()) for w in WORDS if w != "</s>")
print("gensim vs fasttext, max abs difference:", worst)
assert worst < 1e-6
