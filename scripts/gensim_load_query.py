#!/usr/bin/env python3
"""gensim's side of the load benchmark: load a word2vec binary file and answer top-10
most_similar queries, timing both.

    python3 scripts/gensim_load_query.py FILE WORD [WORD ...]

Run it under `/usr/bin/time -v` for the peak RSS. Needs gensim (4.4.0 was measured).
"""
import sys
import time

from gensim.models import KeyedVectors


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, words = sys.argv[1], sys.argv[2:]
    t0 = time.perf_counter()
    kv = KeyedVectors.load_word2vec_format(path, binary=True)
    t1 = time.perf_counter()
    for w in words:
        print(w, kv.most_similar(w, topn=10)[:3])
    t2 = time.perf_counter()
    print(f"load {t1 - t0:.2f} s, {len(words)} queries {t2 - t1:.2f} s, total {t2 - t0:.2f} s")


if __name__ == "__main__":
    main()
