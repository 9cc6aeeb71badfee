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
"""
import os
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

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "train.txt")
    with open(path, "wb") as f:
        f.write(text)
    model = fasttext.train_unsupervised(
        path, model="skipgram", dim=4, minCount=1, minn=3, maxn=6, bucket=500,
        epoch=1, thread=1, lr=0.05, verbose=0)

os.makedirs(OUT, exist_ok=True)
model.save_model(os.path.join(OUT, "tiny.bin"))
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
