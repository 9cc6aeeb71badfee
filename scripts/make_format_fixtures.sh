#!/usr/bin/env bash
# Regenerates tests/fixtures/formats/: small word2vec files written by the reference tools,
# for the format-detection tests in tests/formats.rs.
#
#   scripts/make_format_fixtures.sh [VENV]
#
# VENV (default target/peers-venv, from scripts/setup_peers.sh) must hold
# word2vec==0.11.1 (which builds Mikolov's word2vec.c into VENV/bin/word2vec) and
# fasttext-numpy2. Training input: the first 200 kB of examples/data/enwiki-2015-text8style-4M.txt
# (cut at a space). Both tools run with one thread, so the runs are deterministic.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$REPO/target/peers-venv}"
OUT="$REPO/tests/fixtures/formats"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# 100 words a line (fastText reads line by line; the source is one 4 MB line).
head -c 200000 "$REPO/examples/data/enwiki-2015-text8style-4M.txt" | sed 's/ [^ ]*$//' \
    | xargs -n 100 > "$TMP/small.txt"

# word2vec.c: skip-gram, negative sampling, dimension 8, words seen at least 40 times.
for binary in 0 1; do
    ext=$([[ $binary == 1 ]] && echo bin || echo txt)
    "$VENV/bin/word2vec" -train "$TMP/small.txt" -output "$OUT/word2vec-c.$ext" \
        -cbow 0 -size 8 -window 5 -negative 5 -hs 0 -sample 1e-3 -min-count 40 \
        -iter 1 -threads 1 -binary "$binary" > /dev/null
done

# fastText: skip-gram with its default character n-grams (3-6; without them, fastText 0.10.4
# stops with "Encountered NaN" on so little data), dimension 8, written as fastText writes
# .vec files (FastText::saveVectors): "V N", then "word v1 … vN " per line, 5 significant
# digits.
"$VENV/bin/python" - "$TMP/small.txt" "$OUT/fasttext.vec" <<'PYEOF'
import sys

import fasttext

model = fasttext.train_unsupervised(sys.argv[1], model="skipgram", dim=8, minCount=40,
                                    epoch=1, thread=1, verbose=0)
words = model.get_words()
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write(f"{len(words)} {model.get_dimension()}\n")
    for w in words:
        f.write(w + " " + "".join(f"{x:.5g} " for x in model.get_word_vector(w)) + "\n")
PYEOF

"$VENV/bin/python" - <<'PYEOF' > "$OUT/versions.txt"
import importlib.metadata as m, platform
print("python", platform.python_version())
for p in ["word2vec", "fasttext-numpy2", "numpy"]:
    print(p, m.version(p))
PYEOF
ls -l "$OUT"
