#!/usr/bin/env python3
"""Writes a word2vec binary file of V random words × N random values, for load benchmarks.

    python3 scripts/make_big_word2vec.py OUT [V] [N] [--newline]

Prints three of its words (first, middle, last) to use as queries. Defaults: V = 3 000 000, N = 300 (the shape of the GoogleNews vectors: 3.6 GB). Words are
2–10 random lower-case letters or underscores followed by the word's number (so all are
distinct, about 13 bytes on average, as GoogleNews' phrases); values are standard normal
f32. As gensim and the GoogleNews file, no `\n` after each vector unless --newline
(word2vec.c's layout). Needs numpy. Write it outside the repository (it is large).
"""
import sys

import numpy as np


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    newline = "--newline" in sys.argv
    if not args:
        sys.exit(__doc__)
    out = args[0]
    v = int(args[1]) if len(args) > 1 else 3_000_000
    n = int(args[2]) if len(args) > 2 else 300
    rng = np.random.default_rng(22)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz_", dtype=np.uint8)
    chunk = 20_000
    queries = {0: None, v // 2: None, v - 1: None}
    with open(out, "wb") as f:
        f.write(f"{v} {n}\n".encode())
        for start in range(0, v, chunk):
            rows = min(chunk, v - start)
            vecs = rng.standard_normal((rows, n), dtype=np.float32).astype("<f4")
            lens = rng.integers(2, 11, size=rows)
            chars = letters[rng.integers(0, len(letters), size=(rows, 10))]
            parts = []
            for i in range(rows):
                word = chars[i, : lens[i]].tobytes() + str(start + i).encode()
                if start + i in queries:
                    queries[start + i] = word.decode()
                parts.append(word + b" " + vecs[i].tobytes() + (b"\n" if newline else b""))
            f.write(b"".join(parts))
    print(" ".join(queries[k] for k in sorted(queries)))


if __name__ == "__main__":
    main()
