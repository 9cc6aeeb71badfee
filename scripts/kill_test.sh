#!/usr/bin/env bash
# Kills `skipgram phrases` and `skipgram train --phrases` with SIGKILL at random moments,
# then checks that one successful run in the same directory leaves no temporary file or
# directory of skipgram behind; then checks that SIGTERM and SIGINT leave nothing even
# without such a run.
#
#   scripts/kill_test.sh [CORPUS]
#
# CORPUS defaults to the bundled examples/data corpus; it is concatenated COPIES times
# (default 3) so that runs last long enough to be killed in every phase. Environment:
# SKIPGRAM (the binary; default: target/release/skipgram, built if missing), KILLS (default
# 20), COPIES, SEED (for the random moments). Exit status 0 when nothing was left.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=${1:-examples/data/enwiki-2015-text8style-4M.txt}
kills=${KILLS:-20}
copies=${COPIES:-3}
RANDOM=${SEED:-18}
bin=${SKIPGRAM:-target/release/skipgram}
if [ ! -x "$bin" ]; then
  cargo build --release --features cli --bin skipgram
fi
bin=$(realpath "$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/skipgram-kill-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/tmp" # TMPDIR of the runs: where the encoded-corpus spill goes
export TMPDIR="$work/tmp"
for _ in $(seq "$copies"); do cat "$corpus"; done >"$work/corpus.txt"
cd "$work"
echo "corpus: $(du -h corpus.txt | cut -f1) ($copies × $corpus); binary: $bin"

# Leftovers: our pattern (.NAME.skipgram-tmp-PID-XXXXXX), the 0.2 command line's
# .skipgram-tmp-XXXXXX files and tempfile's .tmpXXXXXX directories, here and in TMPDIR.
leftovers() {
  find "$work" "$work/tmp" -maxdepth 1 -mindepth 1 \
    \( -name '*.skipgram-tmp-*' -o -name '.skipgram-tmp-*' -o -name '.tmp*' \) -print
}

phrases=(phrases -i corpus.txt -o phrased.txt --passes 2 --save-table table.tbl --threads 2)
train=(train -i corpus.txt --phrases table.tbl -o vectors.txt --size 20 --iter 1
  --threads 2 --encoded-corpus-mb 1 --save-checkpoint model.ckpt -q --probe "")

# One timed run of each, to spread the kills over a whole run.
millis() { date +%s%3N; }
t0=$(millis); "$bin" "${phrases[@]}" 2>/dev/null; t1=$(millis)
"$bin" "${train[@]}" >/dev/null 2>&1; t2=$(millis)
phrases_ms=$((t1 - t0)); train_ms=$((t2 - t1))
echo "one run: phrases ${phrases_ms} ms, train --phrases ${train_ms} ms"

# $1: signal; $2: the run's length in ms; the rest: the command.
kill_at_random() {
  local sig=$1 ms=$2; shift 2
  local delay=$((RANDOM * 32768 + RANDOM))
  delay=$((delay % (ms + 1)))
  "$bin" "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill "-$sig" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$delay"
}

left_after_kills=0
for i in $(seq "$kills"); do
  if [ $((i % 2)) -eq 1 ]; then
    at=$(kill_at_random KILL "$phrases_ms" "${phrases[@]}"); what=phrases
  else
    at=$(kill_at_random KILL "$train_ms" "${train[@]}"); what="train --phrases"
  fi
  n=$(leftovers | wc -l)
  left_after_kills=$((left_after_kills + (n > 0)))
  printf 'kill -9 %2d: %-15s at %5d ms; temporary entries now: %d\n' "$i" "$what" "$at" "$n"
done
echo "before the clean-up run: $(leftovers | wc -l) temporary entries:"
leftovers | sed 's/^/  /'

# One successful run that writes into the directory (and spills into TMPDIR).
"$bin" "${train[@]}" >/dev/null 2>&1
status=0
if [ -n "$(leftovers)" ]; then
  echo "FAIL: after a successful run these are left:"
  leftovers | sed 's/^/  /'
  status=1
else
  echo "ok: after $kills kill -9s ($left_after_kills left something for a while) and one" \
    "successful run, no temporary file or directory is left"
fi

# SIGTERM and SIGINT: nothing may be left at all, with no clean-up run after.
for sig in TERM INT TERM INT TERM INT; do
  kill_at_random "$sig" "$phrases_ms" "${phrases[@]}" >/dev/null
  kill_at_random "$sig" "$train_ms" "${train[@]}" >/dev/null
  if [ -n "$(leftovers)" ]; then
    echo "FAIL: SIG$sig left:"
    leftovers | sed 's/^/  /'
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "ok: 12 SIGTERM/SIGINT kills left nothing"
exit "$status"
