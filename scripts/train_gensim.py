#!/usr/bin/env python3
"""Train gensim skip-gram with the compare.sh settings.

    train_gensim.py CORPUS OUT.bin EPOCHS THREADS

corpus_file mode is gensim's fast multi-threaded path (Cython, no GIL).
CORPUS must have many lines: on a one-line file gensim 4.4's corpus_file
workers train a single 10000-word batch and stop at EOF. compare.sh passes a
copy cut into 10000-word lines (gensim's max_sentence_length; word2vec.c
uses 1000-word sentences).
"""
import logging
import sys

from gensim.models import Word2Vec

corpus, out, epochs, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s", level=logging.INFO)
model = Word2Vec(corpus_file=corpus, sg=1, vector_size=100, window=5, negative=5, hs=0,
                 sample=1e-4, min_count=5, alpha=0.025, workers=threads, epochs=epochs)
model.wv.save_word2vec_format(out, binary=True)
