#!/usr/bin/env python3
"""Train fastText skip-gram with the compare.sh settings.

    train_fasttext.py CORPUS OUT.txt EPOCHS THREADS [MINN MAXN BUCKET [LOSS]]

By default minn=maxn=0 turns off character n-grams, so this is plain word2vec
skip-gram with negative sampling; MAXN > 0 trains subword vectors; LOSS hs trains
hierarchical softmax instead of negative sampling (ns, the default). Vectors of
the vocabulary's words are written in word2vec text format.
"""
import sys

import fasttext

corpus, out, epochs, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
minn, maxn, bucket = (int(a) for a in (sys.argv[5:8] if len(sys.argv) > 7 else (0, 0, 2000000)))
loss = sys.argv[8] if len(sys.argv) > 8 else "ns"
model = fasttext.train_unsupervised(corpus, model="skipgram", loss=loss, dim=100, ws=5, neg=5,
                                    t=1e-4,
                                    minCount=5, lr=0.025, thread=threads, epoch=epochs,
                                    minn=minn, maxn=maxn, bucket=bucket)
words = model.get_words()
with open(out, "w", encoding="utf-8") as f:
    f.write(f"{len(words)} {model.get_dimension()}\n")
    for w in words:
        vec = model.get_word_vector(w)
        f.write(w + " " + " ".join(f"{x:.6g}" for x in vec) + "\n")
