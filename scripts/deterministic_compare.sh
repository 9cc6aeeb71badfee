#!/usr/bin/env bash
# The cost of `--deterministic`: the default (Hogwild) mode against the deterministic mode,
# alternating, at 2 threads on the 100 MB shared corpus, 1 epoch, default settings; both
# models scored by `skipgram evaluate --json` (bundled analogies, restrict 30,000, and
# WordSim-353). The deterministic runs must write byte-identical vectors (checked with cmp).
#
#   cargo build --release --features cli
#   scripts/deterministic_compare.sh        # REPS=2 by default
#
# Needs the shared data folder ($SKIPGRAM_DATA, default ../shared/data; not in the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-2}
THREADS=${THREADS:-2}
BIN=target/release/skipgram
CORPUS=${SKIPGRAM_DATA:-../shared/data}/corpora/enwiki-2015-text8style-100M.txt
OUT=${OUT:-/tmp/deterministic_compare}
mkdir -p "$OUT"
SETTINGS=(--input "$CORPUS" --iter 1 --threads "$THREADS" -q --probe two)

run() { # name, extra options...
  local name=$1; shift
  local t0 t1 ev
  t0=$(date +%s.%N)
  "$BIN" train "${SETTINGS[@]}" "$@" --output "$OUT/$name.txt" --report "$OUT/$name.json" \
    >/dev/null 2>"$OUT/$name.log"
  t1=$(date +%s.%N)
  ev=$($BIN evaluate "$OUT/$name.txt" --json 2>/dev/null)
  python3 - "$name" "$t0" "$t1" "$OUT/$name.json" "$ev" <<'PY'
import json, sys
name, t0, t1, rep, ev = sys.argv[1:]
r = json.load(open(rep)); e = json.loads(ev)
print(f"{name:16s} wall {float(t1)-float(t0):6.1f} s  train {r['phases']['training']:6.1f} s  "
      f"analogy {100*e['analogy_accuracy']:5.2f} %  WS353 rho {e['spearman']:.3f}  "
      f"loss {r['epochs'][-1]['loss']:.4f}")
PY
}

for i in $(seq 1 "$REPS"); do
  run "default-$i"
  run "deterministic-$i" --deterministic
done
for i in $(seq 2 "$REPS"); do
  if cmp -s "$OUT/deterministic-1.txt" "$OUT/deterministic-$i.txt"; then
    echo "deterministic-1 and deterministic-$i: byte-identical"
  else
    echo "deterministic-1 and deterministic-$i: DIFFER"
  fi
done
