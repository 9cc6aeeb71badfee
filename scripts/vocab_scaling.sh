#!/usr/bin/env bash
# Measures the vocabulary pass (examples/count_vocab.rs, release build):
#   1. counting time on 1 and 2 threads over the 100 MB Wikipedia corpus, 3 runs each;
#   2. peak RSS (/usr/bin/time -v) of unbounded and bounded (max_vocab_size) counting on a
#      corpus with 3 million one-off types, generated in /tmp: the first 30 MB of the
#      Wikipedia corpus with a unique 10-letter token after about every other word;
#      and whether the 1,000 most frequent words (and their counts) are the same;
#   3. the memory per held type: peak RSS at several bounds, less a run on a tiny file.
#
# Usage: scripts/vocab_scaling.sh [CORPUS] (default: the shared 100 MB corpus).
# Reads the shared data folder ($SKIPGRAM_DATA, default ../shared/data); writes only under /tmp. Takes about a minute on 2 cores.
set -euo pipefail

CORPUS=${1:-${SKIPGRAM_DATA:-$(dirname "$0")/../../shared/data}/corpora/enwiki-2015-text8style-100M.txt}
TMP=${TMPDIR:-/tmp}/skipgram-vocab-scaling
mkdir -p "$TMP"
cd "$(dirname "$0")/.."

cargo build --release --example count_vocab 2>&1 | tail -1
BIN=target/release/examples/count_vocab

echo "== 1. counting time, $(basename "$CORPUS") ($(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg))"
for run in 1 2 3; do
    for t in 1 2; do
        /usr/bin/time -f "   wall %e s, user %U s, sys %S s" "$BIN" "$CORPUS" --threads "$t" --top 0
    done
done

GEN="$TMP/wiki30M-plus-3M-unique.txt"
if [ ! -s "$GEN" ]; then
    echo "== generating $GEN"
    python3 - "$CORPUS" "$GEN" <<'EOF'
import sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, "rb") as f:
    head = f.read(30_000_000)
head = head[: head.rfind(b" ")]
words = head.split()
n, unique = len(words), 3_000_000
out = []
k = 0
for j, w in enumerate(words):
    out.append(w)
    # Spread the unique tokens evenly: after word j if floor((j+1)U/n) > floor(jU/n).
    while k < (j + 1) * unique // n:
        # i -> i * odd mod 2^32 is a bijection: unique, random-looking 8 hex digits.
        out.append(b"zq%08x" % (k * 2654435761 % 2**32))
        k += 1
with open(dst, "wb") as f:
    f.write(b" ".join(out))
print(f"   {n} words of text, {k} unique tokens interleaved")
EOF
fi
ls -l "$GEN" | awk '{print "   " $5 " bytes"}'

peak() { # peak RSS in KB of the command
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident/ {print $6}; /tokens,/ {print "   " $0 > "/dev/stderr"}'
}

echo "== 2. peak RSS, 3M one-off types"
for mc in 1 5; do
    for t in 1 2; do
        "$BIN" "$GEN" --threads "$t" --min-count "$mc" --top 1000 >"$TMP/top-unbounded-$t-$mc.tsv" 2>/dev/null
        "$BIN" "$GEN" --threads "$t" --min-count "$mc" --top 1000 --max-vocab-size 500000 \
            >"$TMP/top-bounded-$t-$mc.tsv" 2>/dev/null
        u=$(peak "$BIN" "$GEN" --threads "$t" --min-count "$mc" --top 0)
        b=$(peak "$BIN" "$GEN" --threads "$t" --min-count "$mc" --top 0 --max-vocab-size 500000)
        same_words=$(cmp -s <(cut -f1 "$TMP/top-unbounded-$t-$mc.tsv" | sort) \
            <(cut -f1 "$TMP/top-bounded-$t-$mc.tsv" | sort) && echo yes || echo NO)
        # Words of the top 1000 whose bounded count differs from the exact one.
        differ=$(join -t $'\t' <(sort "$TMP/top-unbounded-$t-$mc.tsv") <(sort "$TMP/top-bounded-$t-$mc.tsv") |
            awk -F'\t' '$2 != $3 {printf " %s %s->%s", $1, $2, $3}')
        echo "   min_count $mc, $t thread(s): unbounded $u KB, max_vocab_size 500000: $b KB" \
             "(ratio $(awk -v a="$b" -v b="$u" 'BEGIN {printf "%.2f", a / b}'));" \
             "same top 1000 words: $same_words; counts that differ:${differ:- none}"
    done
done

echo "== 3. bytes per held type (1 thread, min_count 1000 so the final vocabulary is tiny)"
printf 'a b c\n' >"$TMP/tiny.txt"
base=$(peak "$BIN" "$TMP/tiny.txt" --top 0)
echo "   baseline (tiny file): $base KB"
for bound in 250000 500000 1000000 2000000; do
    kb=$(peak "$BIN" "$GEN" --min-count 1000 --top 0 --max-vocab-size "$bound")
    echo "   max_vocab_size $bound: peak $kb KB, $(awk -v k="$kb" -v b="$base" -v n="$bound" 'BEGIN {printf "%.0f", (k - b) * 1024 / n}') bytes per held type"
done
kb=$(peak "$BIN" "$GEN" --min-count 1000 --top 0)
echo "   unbounded: peak $kb KB"
