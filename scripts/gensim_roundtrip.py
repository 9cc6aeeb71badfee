#!/usr/bin/env python3
"""Check our word2vec writer against gensim, and produce gensim copies.

    gensim_roundtrip.py OURS_TXT OURS_BIN OUTDIR

1. Loads our text and binary files with gensim and asserts they hold the same
   words in the same order and the same vectors (to 1e-6 relative; the text
   format is decimal, so exact equality is not required).
2. Prints vocab size, dim and the top-5 neighbours of 3 words.
3. Writes gensim's own OUTDIR/gensim.txt and OUTDIR/gensim.bin of the same
   vectors, so our loader can be tested on gensim-written files.

The two inputs must hold the same model: write both from one run, or from two
runs with the same --seed and --threads 1 (multi-threaded training is not
reproducible), e.g.
    train --input C --output v.txt --threads 1 --seed 1
    train --input C --output v.bin --binary --threads 1 --seed 1
"""
import os
import sys

import numpy as np
from gensim.models import KeyedVectors


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    ours_txt, ours_bin, outdir = sys.argv[1:]

    kt = KeyedVectors.load_word2vec_format(ours_txt, binary=False)
    kb = KeyedVectors.load_word2vec_format(ours_bin, binary=True)

    assert kt.index_to_key == kb.index_to_key, "text and binary vocabularies differ"
    assert kt.vectors.shape == kb.vectors.shape, (kt.vectors.shape, kb.vectors.shape)
    # 1e-6 relative, with a small absolute floor for values near zero.
    if not np.allclose(kt.vectors, kb.vectors, rtol=1e-6, atol=1e-7):
        i, j = np.unravel_index(np.argmax(np.abs(kt.vectors - kb.vectors)), kt.vectors.shape)
        sys.exit(f"vectors differ: {kt.index_to_key[i]}[{j}] text={kt.vectors[i, j]!r} "
                 f"bin={kb.vectors[i, j]!r}")
    print(f"ok: text and binary agree; vocab {len(kb.index_to_key)}, dim {kb.vector_size}")

    # Neighbours of 3 words: prefer familiar ones, else the 3 most frequent.
    probes = [w for w in ("king", "france", "computer") if w in kb.key_to_index]
    probes = probes or kb.index_to_key[:3]
    for w in probes[:3]:
        nn = ", ".join(f"{n} {s:.3f}" for n, s in kb.most_similar(w, topn=5))
        print(f"{w}: {nn}")

    os.makedirs(outdir, exist_ok=True)
    kb.save_word2vec_format(os.path.join(outdir, "gensim.txt"), binary=False)
    kb.save_word2vec_format(os.path.join(outdir, "gensim.bin"), binary=True)
    print(f"wrote {outdir}/gensim.txt and {outdir}/gensim.bin")


if __name__ == "__main__":
    main()
