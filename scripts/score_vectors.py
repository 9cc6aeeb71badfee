#!/usr/bin/env python3
"""Score a word2vec-format vectors file with gensim; print one JSON line.

    score_vectors.py VECTORS [--binary]

This is the single scorer used for every system in scripts/compare.sh, so
all systems are measured identically:
  * Google analogies: kv.evaluate_word_analogies(restrict_vocab=30000,
    case_insensitive=True); questions with a word outside the 30k most
    frequent words are skipped (gensim's standard protocol).
  * WordSim-353: kv.evaluate_word_pairs(restrict_vocab=300000,
    case_insensitive=True) -> Spearman rho and OOV ratio (%).
Data files come from $SHARED_DATA (default: <repo>/../shared/data).
"""
import argparse
import json
import logging
import os
import sys

from gensim.models import KeyedVectors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED_DATA", os.path.join(REPO, "..", "shared", "data"))
QUESTIONS = os.path.join(SHARED, "eval", "questions-words.txt")
WORDSIM = os.path.join(SHARED, "eval", "wordsim353.tsv")


def count_questions(path):
    """Number of analogy questions in the file (non-empty, non-':' lines)."""
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.startswith(":"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("vectors")
    ap.add_argument("--binary", action="store_true", help="word2vec binary format")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    kv = KeyedVectors.load_word2vec_format(args.vectors, binary=args.binary)

    # --- analogies ---------------------------------------------------------
    acc, sections = kv.evaluate_word_analogies(
        QUESTIONS, restrict_vocab=30000, case_insensitive=True)
    per_section = {}
    answered = 0
    for s in sections:
        n_ok, n_bad = len(s["correct"]), len(s["incorrect"])
        if s["section"] == "Total accuracy":
            answered = n_ok + n_bad
        else:
            per_section[s["section"]] = {"correct": n_ok, "total": n_ok + n_bad}
    total_q = count_questions(QUESTIONS)

    # --- word similarity ---------------------------------------------------
    _pearson, spearman, oov_pct = kv.evaluate_word_pairs(
        WORDSIM, restrict_vocab=300000, case_insensitive=True)

    print(json.dumps({
        "vectors": args.vectors,
        "vocab_size": len(kv.index_to_key),
        "dim": kv.vector_size,
        "analogy_accuracy": float(acc),          # correct / answered
        "analogy_answered": answered,
        "analogy_skipped": total_q - answered,  # OOV in the 30k restricted vocab
        "analogy_sections": per_section,
        "wordsim_spearman": float(spearman[0]),
        "wordsim_oov_ratio": float(oov_pct) / 100.0,  # gensim returns a percentage
    }))


if __name__ == "__main__":
    sys.exit(main())
