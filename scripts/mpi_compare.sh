#!/usr/bin/env bash
# Distributed (MPI) training against one process, on the same cores: the targets of the
# `mpi` feature. 2 ranks × 1 thread (`mpirun -np 2 … --threads 1`) against 1 process ×
# 2 threads, on the first 30 MB of the shared corpus, 3 epochs, standard settings; both
# models evaluated with `skipgram evaluate --json` (bundled analogies, restrict 30,000, and
# WordSim-353). Repeats REPS times, alternating, since the machine is shared.
#
#   cargo build --release --features cli,mpi
#   scripts/mpi_compare.sh            # REPS=3 by default
#
# Needs the shared data folder ($SKIPGRAM_DATA, default ../shared/data; not in the repository) and OpenMPI's mpirun.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
NP=${NP:-2}
BIN=target/release/skipgram
CORPUS=${SKIPGRAM_DATA:-../shared/data}/corpora/enwiki-2015-text8style-100M.txt
DATA=/tmp/enwiki-30M.txt
OUT=${OUT:-/tmp/mpi_compare}
mkdir -p "$OUT"
[ -s "$DATA" ] || head -c 30000000 "$CORPUS" > "$DATA"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
SETTINGS=(--input "$DATA" --iter 3 --size 100 --window 5 --negative 5 --sample 1e-4
  --min-count 5 -q --probe two)

run() { # name, command...
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" --output "$OUT/$name.txt" --report "$OUT/$name.json" >/dev/null 2>"$OUT/$name.log"
  t1=$(date +%s.%N)
  local ev
  ev=$($BIN evaluate "$OUT/$name.txt" --json 2>/dev/null)
  python3 - "$name" "$t0" "$t1" "$OUT/$name.json" "$ev" <<'PY'
import json, sys
name, t0, t1, rep, ev = sys.argv[1:]
r = json.load(open(rep)); e = json.loads(ev)
s = r.get("sync") or {}
syncs = s.get("syncs", 0)
print(f"{name:10s} wall {float(t1)-float(t0):6.1f} s  train {r['phases']['training']:6.1f} s  "
      f"analogy {100*e['analogy_accuracy']:5.2f} %  WS353 rho {e['spearman']:.3f}  "
      f"loss {r['epochs'][-1]['loss']:.4f}  "
      + (f"syncs {syncs}  {s['bytes']/max(syncs,1)/1e6:.2f} MB/sync  "
         f"{1e3*s['seconds']/max(syncs,1):.1f} ms/sync  full {s['full_syncs']}× "
         f"{s['full_bytes']/max(s['full_syncs'],1)/1e6:.1f} MB in "
         f"{1e3*s['full_seconds']/max(s['full_syncs'],1):.0f} ms" if syncs else ""))
PY
}

for i in $(seq 1 "$REPS"); do
  [ -n "${SKIP_SINGLE:-}" ] || run "single-$i" "$BIN" train "${SETTINGS[@]}" --threads "$NP"
  # MPI_ARGS: extra options for the distributed run only, e.g. "--sync-period 0.3".
  # shellcheck disable=SC2086
  run "mpi$NP-$i" mpirun -np "$NP" --oversubscribe "$BIN" train "${SETTINGS[@]}" --threads 1 \
    ${MPI_ARGS:-}
done
