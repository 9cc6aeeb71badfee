#!/usr/bin/env bash
# What a sync costs in distributed training (feature `mpi`): bytes and seconds per periodic
# sync and per full-model sync, for several vocabulary sizes V and rank counts K, from the
# `sync` block of `skipgram train --report`. One epoch on the first 10 MB of the shared
# corpus, 1 thread per rank. On a 2-core machine, K > 2 is oversubscribed: its seconds
# include waiting for a descheduled rank.
#
#   cargo build --release --features cli,mpi
#   scripts/mpi_sync_cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/release/skipgram
CORPUS=${SKIPGRAM_DATA:-../shared/data}/corpora/enwiki-2015-text8style-100M.txt
DATA=/tmp/enwiki-10M.txt
OUT=${OUT:-/tmp/mpi_sync_cost}
mkdir -p "$OUT"
[ -s "$DATA" ] || head -c 10000000 "$CORPUS" > "$DATA"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
printf '%-4s %-8s %-6s %7s %6s %9s %9s %9s %9s %10s\n' K vocab rows V syncs "MB/sync" "ms/sync" "full MB" "full ms" "full MB/s"
for np in ${RANKS:-2 3 4}; do
  # max10000: the 10,000 most frequent words; minC: the words seen at least C times.
  for vocab in ${VOCABS:-max10000 min5 min1}; do
    case $vocab in
      max*) vargs=(--max-final-vocab "${vocab#max}") ;;
      min*) vargs=(--min-count "${vocab#min}") ;;
    esac
    for rows in ${ROWS:-1024}; do
      name="k$np-$vocab-r$rows"
      mpirun -np "$np" --oversubscribe "$BIN" train --input "$DATA" --iter 1 --size 100 \
        --window 5 --negative 5 --sample 1e-4 "${vargs[@]}" --threads 1 --sync-rows "$rows" -q \
        --probe two --output "$OUT/$name.txt" --report "$OUT/$name.json" >/dev/null 2>&1
      python3 - "$np" "$vocab" "$rows" "$OUT/$name.json" <<'PY'
import json, sys
np_, vocab, rows, path = sys.argv[1:]
r = json.load(open(path)); s = r["sync"]
n = max(s["syncs"], 1); f = max(s["full_syncs"], 1)
print(f"{np_:4s} {vocab:8s} {rows:6s} {r['vocab_size']:7d} {s['syncs']:6d} "
      f"{s['bytes']/n/1e6:9.2f} {1e3*s['seconds']/n:9.1f} {s['full_bytes']/f/1e6:9.1f} "
      f"{1e3*s['full_seconds']/f:9.0f} {s['full_bytes']/max(s['full_seconds'],1e-9)/1e6:10.0f}")
PY
    done
  done
done
