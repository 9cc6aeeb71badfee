#!/usr/bin/env bash
# Idempotently create $REPO/target/peers-venv with the peer word2vec
# implementations used by scripts/compare.sh:
#   gensim==4.4.0, word2vec==0.11.1 (builds Mikolov's word2vec.c into the
#   venv's bin/), fasttext-numpy2, scipy.
# Prints the venv path on the last line of stdout.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/target/peers-venv"
PY="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "creating venv $VENV" >&2
    mkdir -p "$REPO/target"
    "$PY" -m venv "$VENV"
fi

# Skip pip entirely if everything is already there (fast re-runs).
if ! "$VENV/bin/python" - <<'PYEOF' 2>/dev/null || [[ ! -x "$VENV/bin/word2vec" ]]; then
import importlib.metadata as m
assert m.version("gensim") == "4.4.0"
assert m.version("word2vec") == "0.11.1"
m.version("fasttext-numpy2"); m.version("scipy")
PYEOF
    echo "installing peers into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip wheel setuptools >&2
    "$VENV/bin/python" -m pip install --quiet gensim==4.4.0 fasttext-numpy2 scipy >&2
    # word2vec 0.11.1 is an sdist whose setup.py compiles Mikolov's word2vec.c
    # (gcc -Ofast -march=native -funroll-loops) and installs the binaries as
    # data files into $VENV/bin: word2vec, word2phrase, word2vec-distance,
    # word2vec-word-analogy, word2vec-compute-accuracy, word2vec-doc2vec.
    # --no-cache-dir: a -march=native build must not be reused from pip's
    # wheel cache on a machine with another CPU.
    "$VENV/bin/python" -m pip install --quiet --no-cache-dir word2vec==0.11.1 >&2
fi

# Verify the word2vec.c binary really landed in the venv and runs.
if [[ ! -x "$VENV/bin/word2vec" ]]; then
    echo "error: $VENV/bin/word2vec missing after install" >&2
    exit 1
fi
# (With no arguments it prints its usage and exits 0.)
usage="$("$VENV/bin/word2vec" 2>&1 || true)"
[[ "$usage" == *"-train <file>"* ]] \
    || { echo "error: $VENV/bin/word2vec does not run" >&2; exit 1; }

echo "$VENV"
