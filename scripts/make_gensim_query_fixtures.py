#!/usr/bin/env python3
"""Write gensim 4.4.0's answers to embedding queries, for tests/embeddings_query.rs.

    python3 scripts/make_gensim_query_fixtures.py [OUTDIR]

(any Python with gensim==4.4.0 will do; scripts/setup_peers.sh makes one.)

OUTDIR defaults to tests/fixtures/gensim. Reads tiny.txt there (made by
make_gensim_fixtures.py) and writes:

  query.txt            a second word2vec text file, 40 words x dim 8, from
                       numpy's default_rng(20251129) rounded to 4 decimals
  tiny.queries.tsv     gensim's answers to queries on tiny.txt
  query.queries.tsv    gensim's answers to queries on query.txt
  eval.txt             vectors for the bundled evaluation sets: the WordSim-353
                       words (every 7th left out) and the words of the sections
                       capital-common-countries and family, then a few
                       lower-cased duplicates; dim 10, default_rng(20251130)
  pairs.tsv            a small word-pair file with a header line, a comment,
                       a malformed line and an unknown word
  eval.expected.tsv    gensim's evaluate_word_pairs and evaluate_word_analogies
                       on eval.txt with the bundled data/eval files (identical
                       to gensim's own test data) and pairs.tsv

Each .queries.tsv line is

  kind TAB positive TAB negative TAB topn TAB restrict_vocab TAB result

kind:      similarity | most_similar | most_similar_cosmul | doesnt_match
           | similar_by_vector
positive:  space-separated words (for similar_by_vector: the query vector,
           space-separated floats)
negative:  space-separated words, possibly empty
topn, restrict_vocab: integers, or "-" for none
result:    similarity: the score; doesnt_match: the word; otherwise
           space-separated word=score pairs, best first.
Scores are repr() of the float gensim returned.

Calls, with kv = KeyedVectors.load_word2vec_format(file):
  similarity           kv.similarity(a, b)
  most_similar         kv.most_similar(positive, negative, topn, restrict_vocab)
  most_similar_cosmul  kv.most_similar_cosmul(positive, negative, topn) -- gensim
                       4.4 accepts restrict_vocab there but ignores it, so with a
                       restriction the script takes kv.most_similar_cosmul(...,
                       topn=None) (all scores) and ranks only the first
                       restrict_vocab rows, leaving out the query words, as
                       most_similar does.
  doesnt_match         kv.doesnt_match(words)
  similar_by_vector    kv.similar_by_vector(vector, topn)

The script refuses to write a case whose ranking has a near tie (two scores
closer than 1e-4 within the first topn+1 ranks), so that float rounding
cannot reorder the answers between gensim (f32) and the Rust code (f64 where
it matters).
"""
import os
import sys

import gensim
import numpy as np
from gensim.models import KeyedVectors

assert gensim.__version__ == "4.4.0", gensim.__version__

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTDIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "tests", "fixtures", "gensim")
GAP = 1e-4

QUERY_WORDS = (
    "the of and king queen man woman prince princess boy girl paris france rome "
    "italy berlin germany apple banana cherry dog cat mouse horse red green blue "
    "one two three car bus train plane sun moon star river lake sea"
).split()
QUERY_DIM = 8


def write_query_fixture():
    vecs = np.round(
        np.random.default_rng(20251129).standard_normal((len(QUERY_WORDS), QUERY_DIM)), 4
    ).astype(np.float32)
    kv = KeyedVectors(QUERY_DIM, dtype=np.float32)
    kv.add_vectors(QUERY_WORDS, vecs)
    for i, w in enumerate(QUERY_WORDS):  # descending counts => the file keeps this order
        kv.set_vecattr(w, "count", 1000 - i)
    path = os.path.join(OUTDIR, "query.txt")
    kv.save_word2vec_format(path, binary=False)
    back = KeyedVectors.load_word2vec_format(path, binary=False)
    assert back.index_to_key == QUERY_WORDS
    assert np.array_equal(back.vectors, vecs)


def check_gaps(scores, what):
    scores = [float(s) for s in scores]
    for x, y in zip(scores, scores[1:]):
        if abs(x - y) < GAP:
            raise SystemExit(f"near tie in {what}: {scores}")


def ranked(kv, dists, exclude, topn, rows):
    """(word, score) of the best `topn` of dists[:rows], excluding indices."""
    order = [i for i in np.argsort(-dists[:rows], kind="stable") if i not in exclude]
    return [(kv.index_to_key[i], float(dists[i])) for i in order[:topn]], [
        dists[i] for i in order[: topn + 1]
    ]


def fmt_pairs(pairs):
    return " ".join(f"{w}={s!r}" for w, s in pairs)


def line(kind, pos, neg, topn, restrict, result):
    cols = [
        kind,
        " ".join(pos),
        " ".join(neg),
        "-" if topn is None else str(topn),
        "-" if restrict is None else str(restrict),
        result,
    ]
    assert all("\t" not in c for c in cols)
    return "\t".join(cols) + "\n"


def queries(kv, similarity, most_similar, cosmul, doesnt_match, by_vector):
    out = []
    for a, b in similarity:
        out.append(line("similarity", [a, b], [], None, None, repr(float(kv.similarity(a, b)))))
    for pos, neg, topn, restrict in most_similar:
        got = kv.most_similar(positive=pos, negative=neg, topn=topn, restrict_vocab=restrict)
        # The same ranking by hand, to check for near ties.
        dists = kv.most_similar(positive=pos, negative=neg, topn=None, restrict_vocab=restrict)
        exclude = {kv.get_index(w) for w in pos + neg}
        want, window = ranked(kv, dists, exclude, topn, len(dists))
        assert [w for w, _ in got] == [w for w, _ in want], (pos, neg, got, want)
        check_gaps(window, f"most_similar {pos} {neg} {restrict}")
        out.append(line("most_similar", pos, neg, topn, restrict, fmt_pairs(got)))
    for pos, neg, topn, restrict in cosmul:
        dists = kv.most_similar_cosmul(positive=pos, negative=neg, topn=None)
        exclude = {kv.get_index(w) for w in pos + neg}
        rows = len(dists) if restrict is None else restrict
        want, window = ranked(kv, dists, exclude, topn, rows)
        if restrict is None:
            got = kv.most_similar_cosmul(positive=pos, negative=neg, topn=topn)
            assert [w for w, _ in got] == [w for w, _ in want], (pos, neg, got, want)
        else:
            got = want
        check_gaps(window, f"most_similar_cosmul {pos} {neg} {restrict}")
        out.append(line("most_similar_cosmul", pos, neg, topn, restrict, fmt_pairs(got)))
    for words in doesnt_match:
        got = kv.doesnt_match(words)
        ranks = kv.rank_by_centrality(words)
        check_gaps([d for d, _ in ranks[-2:]], f"doesnt_match {words}")
        assert ranks[-1][1] == got
        out.append(line("doesnt_match", words, [], None, None, got))
    for vec, topn in by_vector:
        v = np.array(vec, dtype=np.float32)
        got = kv.similar_by_vector(v, topn=topn + 1)
        check_gaps([s for _, s in got], f"similar_by_vector {vec}")
        out.append(
            line("similar_by_vector", [repr(float(x)) for x in v], [], topn, None, fmt_pairs(got[:topn]))
        )
    return out


def write(name, lines):
    path = os.path.join(OUTDIR, name)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(
            f"# gensim {gensim.__version__} answers; made by scripts/make_gensim_query_fixtures.py\n"
            "# kind\tpositive\tnegative\ttopn\trestrict_vocab\tresult\n"
        )
        f.writelines(lines)
    print(f"wrote {path}: {len(lines)} queries")


def main():
    os.makedirs(OUTDIR, exist_ok=True)
    write_query_fixture()

    tiny = KeyedVectors.load_word2vec_format(os.path.join(OUTDIR, "tiny.txt"), binary=False)
    write(
        "tiny.queries.tsv",
        queries(
            tiny,
            similarity=[("king", "queen"), ("café", "naïve"), ("x", "edge"), ("日本", "🙂")],
            most_similar=[
                (["king"], [], 3, None),
                (["queen", "café"], ["the"], 4, None),
                (["über"], ["x", "日本"], 5, None),
                (["🙂"], [], 3, 5),
            ],
            cosmul=[
                (["queen", "café"], ["the"], 4, None),
                (["queen", "café"], ["the"], 3, 6),
            ],
            doesnt_match=[["the", "king", "queen", "x"], ["café", "naïve", "über", "🙂"]],
            by_vector=[([0.5, -0.3, 1.0, 0.1], 4)],
        ),
    )

    kv = KeyedVectors.load_word2vec_format(os.path.join(OUTDIR, "query.txt"), binary=False)
    write(
        "query.queries.tsv",
        queries(
            kv,
            similarity=[("king", "queen"), ("man", "woman"), ("paris", "france"), ("apple", "sea"), ("sun", "sun")],
            most_similar=[
                (["king"], [], 5, None),
                (["woman", "king"], ["man"], 5, None),
                (["paris", "italy"], ["france"], 4, None),
                ([], ["dog"], 3, None),
                (["cat", "dog", "mouse"], [], 6, None),
                (["king", "king"], ["queen"], 3, None),
                (["sun"], ["moon", "star"], 5, None),
                (["woman", "king"], ["man"], 5, 20),
                (["sea"], [], 5, 10),
                (["one", "two"], ["the"], 10, 15),
            ],
            cosmul=[
                (["woman", "king"], ["man"], 5, None),
                (["paris", "italy"], ["france"], 4, None),
                (["cat", "dog", "mouse"], [], 6, None),
                (["sun"], ["moon", "star"], 5, None),
                (["woman", "king"], ["man"], 5, 20),
                (["sea"], ["river"], 5, 10),
            ],
            doesnt_match=[
                ["apple", "banana", "cherry", "car"],
                ["dog", "cat", "mouse", "horse", "red"],
                ["one", "two", "three", "sun"],
                ["paris", "rome", "berlin", "king", "queen"],
            ],
            by_vector=[([0.3, -1.2, 0.5, 0.0, 2.0, -0.7, 0.1, 0.9], 5)],
        ),
    )


def write_eval_fixture():
    data = os.path.join(REPO, "data", "eval")
    wordsim = os.path.join(data, "wordsim353.tsv")
    questions = os.path.join(data, "questions-words.txt")
    words = []
    with open(wordsim, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                for w in line.split("\t")[:2]:
                    if w not in words:
                        words.append(w)
    words = [w for i, w in enumerate(words) if i % 7 != 3]
    section = None
    with open(questions, encoding="utf-8") as f:
        for line in f:
            if line.startswith(": "):
                section = line[2:].strip()
            elif section in ("capital-common-countries", "family"):
                for w in line.split():
                    if w not in words:
                        words.append(w)
    # Lower-cased duplicates: with case_insensitive the first (upper-case) form stands for
    # both; case-sensitively they are separate words.
    for w in ["athens", "greece", "Tiger", "KING"]:
        if w not in words:
            words.append(w)
    dim = 10
    vecs = np.round(np.random.default_rng(20251130).standard_normal((len(words), dim)), 4)
    kv = KeyedVectors(dim, dtype=np.float32)
    kv.add_vectors(words, vecs.astype(np.float32))
    for i, w in enumerate(words):
        kv.set_vecattr(w, "count", 100000 - i)
    path = os.path.join(OUTDIR, "eval.txt")
    kv.save_word2vec_format(path, binary=False)
    kv = KeyedVectors.load_word2vec_format(path, binary=False)
    assert kv.index_to_key == words

    pairs = os.path.join(OUTDIR, "pairs.tsv")
    with open(pairs, "w", encoding="utf-8", newline="\n") as f:
        f.write(
            "# a word-pair file like WordSim-353, with an uncommented header\n"
            "Word 1\tWord 2\tHuman (mean)\n"
            "tiger\tcat\t7.35\n"
            "money\tcash\t9.15\n"
            "king\tqueen\t8.58\n"
            "this line\tis\tnot a pair\n"
            "professor\tcucumber\t0.31\n"
            "zzzunknown\tcat\t5.0\n"
            "smart\tstudent\t4.62\n"
            "computer\tkeyboard\t7.62\n"
            "Tiger\tKING\t1.0\n"
        )

    out = []
    for path, name in ((wordsim, "wordsim353"), (pairs, "pairs.tsv")):
        for restrict, ci in ((300000, True), (100, True), (300000, False)):
            (pearson, _), spearman, oov = kv.evaluate_word_pairs(
                path, restrict_vocab=restrict, case_insensitive=ci
            )
            out.append(
                "\t".join(
                    ["pairs", name, str(restrict), str(int(ci)), repr(float(pearson)),
                     repr(float(spearman.statistic)), repr(float(oov))]
                ) + "\n"
            )
    for restrict, ci in ((300000, True), (420, True), (300000, False)):
        _, sections = kv.evaluate_word_analogies(
            questions, restrict_vocab=restrict, case_insensitive=ci
        )
        for sec in sections:
            out.append(
                "\t".join(
                    ["analogies", "google", str(restrict), str(int(ci)), sec["section"],
                     str(len(sec["correct"])), str(len(sec["incorrect"]))]
                ) + "\n"
            )
    path = os.path.join(OUTDIR, "eval.expected.tsv")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(
            f"# gensim {gensim.__version__} evaluations of eval.txt; "
            "made by scripts/make_gensim_query_fixtures.py\n"
            "# pairs\tfile\trestrict_vocab\tcase_insensitive\tpearson\tspearman\toov_ratio\n"
            "# analogies\tgoogle\trestrict_vocab\tcase_insensitive\tsection\tcorrect\tincorrect\n"
        )
        f.writelines(out)
    print(f"wrote {path}: {len(out)} lines, eval.txt has {len(words)} words")


if __name__ == "__main__":
    main()
    write_eval_fixture()
