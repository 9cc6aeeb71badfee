#!/usr/bin/env bash
# The phrases issue's targets, measured with the `skipgram` program:
#  1. learning phrases on the whole corpus takes no longer than one training epoch on it,
#     both timed in this run (2 threads each);
#  2. on the first 30 MB, how often new_york, united_states, los_angeles, prime_minister,
#     world_war, of_the and in_the are joined (default settings);
#  3. after training on the phrased 30 MB, new_york's nearest neighbours.
#
#   scripts/phrases_targets.sh [CORPUS]
#
# Build first: cargo build --release --features cli
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPUS="${1:-$REPO/../shared/data/corpora/enwiki-2015-text8style-100M.txt}"
BIN="${BIN:-$REPO/target/release/skipgram}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

secs() { /usr/bin/time -f %e -o "$TMP/t" "$@" > /dev/null 2>&1; cat "$TMP/t"; }

echo "== 1. whole corpus: phrases vs one training epoch (2 threads)"
p=$(secs "$BIN" phrases --input "$CORPUS" --output "$TMP/phrased-all.txt" --threads 2)
t=$(secs "$BIN" train --input "$CORPUS" --output "$TMP/v.bin" --binary --iter 1 \
    --sample 1e-4 --threads 2 --quiet --probe "")
echo "phrases (learn + write): ${p} s; one training epoch (with vocabulary and output): ${t} s"

echo "== 2. first 30 MB, default settings: tokens joined"
head -c 30000000 "$CORPUS" > "$TMP/c30.txt"
"$BIN" phrases --input "$TMP/c30.txt" --output "$TMP/p30.txt" --threads 2 2>&1 | grep pass
for w in new_york united_states los_angeles prime_minister world_war of_the in_the; do
    printf '%-16s %s\n' "$w" "$(tr ' ' '\n' < "$TMP/p30.txt" | grep -cx "$w" || true)"
done

echo "== 3. trained on the phrased 30 MB (5 epochs): neighbours"
"$BIN" train --input "$TMP/p30.txt" --output "$TMP/p30.bin" --binary --iter 5 \
    --sample 1e-4 --threads 2 --quiet --probe new_york,los_angeles,united_states 2>/dev/null
