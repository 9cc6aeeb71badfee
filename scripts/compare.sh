#!/usr/bin/env bash
# Train our skip-gram and peer implementations on the same corpus with the
# same settings, then score them all with scripts/score_vectors.py.
#
#   scripts/compare.sh [EPOCHS]          # default 1 epoch
#
# Env overrides:
#   SHARED_DATA  default <repo>/../shared/data
#   CORPUS       default $SHARED_DATA/corpora/enwiki-2015-text8style-100M.txt
#   THREADS      default 2
#   SYSTEMS      default "ours w2v gensim" (also available: fasttext, before)
#   BEFORE_BIN   for "before": an older build's `skipgram` program (0.2.0 or later)
#   QUIET_WAIT   max seconds to wait for idle CPUs before each run (600)
#   MAXN         > 0: subword (fastText) vectors for ours, before and fasttext, with
#                MINN (default 3) and BUCKET (default 2000000); default 0 (word level).
#                Results then go to target/compare/<EPOCHS>-epochs-subword.
#   LOSS         ns (default) or hs: hierarchical softmax instead of negative sampling
#                (negative 0, hs 1) for ours, before, w2v and fasttext, not gensim;
#                results go to a directory ending in -hs.
#
# Settings for every system: skip-gram, dim 100, window 5, negative 5, hs 0 (LOSS),
# sample 1e-4, min-count 5, alpha 0.025, THREADS threads, EPOCHS epochs.
# Each run is wrapped in /usr/bin/time -v (wall seconds, peak RSS).
# Results: target/compare/<EPOCHS>-epochs/{table.txt,results.json,*.log,...}
set -euo pipefail

EPOCHS="${1:-1}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED_DATA="${SHARED_DATA:-${SKIPGRAM_DATA:-$REPO/../shared/data}}"
CORPUS="${CORPUS:-$SHARED_DATA/corpora/enwiki-2015-text8style-100M.txt}"
THREADS="${THREADS:-2}"
MAXN="${MAXN:-0}"
MINN="${MINN:-3}"
BUCKET="${BUCKET:-2000000}"
SUBWORD_FLAGS=()
SUFFIX=""
if (( MAXN > 0 )); then
    SUBWORD_FLAGS=(--minn "$MINN" --maxn "$MAXN" --bucket "$BUCKET")
    SUFFIX="-subword"
fi
SYSTEMS="${SYSTEMS:-ours w2v gensim}"
LOSS="${LOSS:-ns}"
# Our flags and word2vec.c's for the loss.
OBJECTIVE=(--negative 5)
W2V_OBJECTIVE=(-negative 5 -hs 0)
case "$LOSS" in
    ns) ;;
    hs)
        OBJECTIVE=(--hs 1 --negative 0)
        W2V_OBJECTIVE=(-negative 0 -hs 1)
        SUFFIX="$SUFFIX-hs"
        if [[ " $SYSTEMS " == *" gensim "* ]]; then
            echo "LOSS=hs: scripts/train_gensim.py trains negative sampling only" >&2
            exit 2
        fi
        ;;
    *) echo "LOSS must be ns or hs, not '$LOSS'" >&2; exit 2 ;;
esac

# word2vec.c copies -train/-output into char[100] buffers with strcpy:
# use short canonical paths and refuse anything that would overflow.
CORPUS="$(realpath "$CORPUS")"
OUT="$(realpath -m "$REPO/target/compare/${EPOCHS}-epochs${SUFFIX}")"
mkdir -p "$OUT"
for p in "$CORPUS" "$OUT/w2v.bin"; do
    (( ${#p} < 100 )) || { echo "path too long for word2vec.c (>=100 chars): $p" >&2; exit 1; }
done

VENV="$("$REPO/scripts/setup_peers.sh" | tail -n 1)"
PY="$VENV/bin/python"

# Corpus token count (whitespace-separated words), computed once and cached
# per corpus path/size/mtime.
KEY="$(printf '%s' "$CORPUS" | md5sum | cut -c1-12)-$(stat -c '%s-%Y' "$CORPUS")"
TOKCACHE="$REPO/target/compare/tokens-$KEY"
if [[ ! -s "$TOKCACHE" ]]; then
    echo "counting tokens in $CORPUS ..." >&2
    wc -w < "$CORPUS" | tr -d ' ' > "$TOKCACHE"
fi
TOKENS="$(cat "$TOKCACHE")"
echo "corpus: $CORPUS ($TOKENS tokens), epochs: $EPOCHS, threads: $THREADS"
echo "$TOKENS" > "$OUT/tokens"
: > "$OUT/systems"

# gensim 4.4's corpus_file mode breaks on a one-line corpus: each worker
# reads the whole line, trains one ~10000-word batch, sees EOF and stops
# (40000 of 17M words trained). So gensim gets a cached copy with the same
# tokens cut into 10000-word lines (= gensim's max_sentence_length), made
# outside the timed run.
GENSIM_CORPUS="$CORPUS"
if [[ " $SYSTEMS " == *" gensim "* ]]; then
    GENSIM_CORPUS="$REPO/target/compare/lines-$KEY.txt"
    if [[ ! -s "$GENSIM_CORPUS" ]]; then
        echo "writing $GENSIM_CORPUS (10000 words per line) ..." >&2
        "$PY" - "$CORPUS" "$GENSIM_CORPUS.tmp" "$TOKENS" <<'PYEOF'
import sys
src, dst, tokens = sys.argv[1], sys.argv[2], int(sys.argv[3])
words = open(src, encoding="utf-8").read().split()
assert len(words) == tokens, (len(words), tokens)
with open(dst, "w", encoding="utf-8") as f:
    for i in range(0, len(words), 10000):
        f.write(" ".join(words[i:i + 10000]) + "\n")
PYEOF
        mv "$GENSIM_CORPUS.tmp" "$GENSIM_CORPUS"
    fi
fi

# Percent of CPU time idle over the next 3 seconds (from /proc/stat).
cpu_idle_pct() {
    local -a a b; local i total=0
    read -ra a < /proc/stat; sleep 3; read -ra b < /proc/stat
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    echo $(( 100 * (b[4] - a[4]) / (total > 0 ? total : 1) ))
}

# Other work on the machine (e.g. cargo builds) skews timings: wait up to
# QUIET_WAIT seconds (default 600; 0 = don't wait) for >= 90% idle CPUs.
wait_idle() {
    local deadline=$((SECONDS + ${QUIET_WAIT:-600})) idle
    while idle="$(cpu_idle_pct)"; (( idle < 90 )); do
        if (( SECONDS >= deadline )); then
            echo "[$1] WARNING: machine busy (${idle}% idle), timing anyway" >&2; return
        fi
        echo "[$1] waiting for idle CPUs (${idle}% idle) ..." >&2; sleep 7
    done
}

# run NAME VECTORS FMT CMD... : time one training run, remember how to score it.
run() {
    local name="$1" vectors="$2" fmt="$3"; shift 3
    rm -f "$vectors" "$OUT/$name.time" "$OUT/$name.score.json"
    printf '%q ' "$@" | sed 's/ $//' > "$OUT/$name.cmd"
    echo "[$name] $(cat "$OUT/$name.cmd")"
    wait_idle "$name"
    if /usr/bin/time -v -o "$OUT/$name.time" "$@" > "$OUT/$name.log" 2>&1; then
        echo "$name $vectors $fmt" >> "$OUT/systems"
    else
        echo "[$name] FAILED (exit $?), last lines of $OUT/$name.log:" >&2
        tail -n 5 "$OUT/$name.log" | tr '\r' '\n' | tail -n 5 >&2
    fi
}

for sys in $SYSTEMS; do
    case "$sys" in
    ours)
        BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/skipgram"
        (cd "$REPO" && cargo build --release --features cli --bin skipgram) \
            || echo "[ours] cargo build failed" >&2
        if [[ ! -x "$BIN" ]]; then
            echo "[ours] skipped: $BIN not built (yet)" >&2
            continue
        fi
        run ours "$OUT/ours.bin" binary "$BIN" train --input "$CORPUS" \
            --output "$OUT/ours.bin" --report "$OUT/ours.report.json" \
            --binary --size 100 --window 5 "${OBJECTIVE[@]}" --sample 1e-4 --min-count 5 \
            --alpha 0.025 --threads "$THREADS" --iter "$EPOCHS" --seed 1 --quiet \
            "${SUBWORD_FLAGS[@]}" ;;
    before)
        # An earlier build to compare against in the same run: BEFORE_BIN is the
        # `skipgram` program of an older commit (built from a git worktree of it).
        if [[ ! -x "${BEFORE_BIN:-}" ]]; then
            echo "[before] skipped: set BEFORE_BIN to an executable" >&2
            continue
        fi
        run before "$OUT/before.bin" binary "$BEFORE_BIN" train --input "$CORPUS" \
            --output "$OUT/before.bin" \
            --binary --size 100 --window 5 "${OBJECTIVE[@]}" --sample 1e-4 --min-count 5 \
            --alpha 0.025 --threads "$THREADS" --iter "$EPOCHS" --seed 1 --quiet \
            "${SUBWORD_FLAGS[@]}" ;;
    w2v)
        # Flags must be spelled exactly: word2vec.c silently ignores unknown ones.
        run w2v "$OUT/w2v.bin" binary "$VENV/bin/word2vec" -train "$CORPUS" \
            -output "$OUT/w2v.bin" -cbow 0 -size 100 -window 5 "${W2V_OBJECTIVE[@]}" \
            -sample 1e-4 -threads "$THREADS" -iter "$EPOCHS" -min-count 5 \
            -alpha 0.025 -binary 1 ;;
    gensim)
        run gensim "$OUT/gensim.bin" binary "$PY" "$REPO/scripts/train_gensim.py" \
            "$GENSIM_CORPUS" "$OUT/gensim.bin" "$EPOCHS" "$THREADS" ;;
    fasttext)
        run fasttext "$OUT/fasttext.txt" text "$PY" "$REPO/scripts/train_fasttext.py" \
            "$CORPUS" "$OUT/fasttext.txt" "$EPOCHS" "$THREADS" "$MINN" "$MAXN" "$BUCKET" \
            "$LOSS" ;;
    *)
        echo "unknown system '$sys' (known: ours before w2v gensim fasttext)" >&2; exit 2 ;;
    esac
done

# Score every output with the one shared scorer.
while read -r name vectors fmt; do
    flag=(); [[ "$fmt" == binary ]] && flag=(--binary)
    echo "[score] $name" >&2
    SHARED_DATA="$SHARED_DATA" "$PY" "$REPO/scripts/score_vectors.py" "$vectors" "${flag[@]}" \
        > "$OUT/$name.score.json"
done < "$OUT/systems"

# Build the table + JSON from the *.time / *.score.json / *.cmd files.
"$PY" - "$OUT" "$EPOCHS" <<'PYEOF'
import json, os, sys
out, epochs = sys.argv[1], int(sys.argv[2])
tokens = int(open(os.path.join(out, "tokens")).read())

def parse_time(path):
    """wall seconds and peak RSS (KiB) from GNU time -v output."""
    wall = rss = cpu = None
    for line in open(path):
        k, _, v = line.strip().rpartition(": ")
        if k.startswith("Elapsed (wall clock) time"):
            secs = 0.0
            for part in v.split(":"):  # h:mm:ss or m:ss.ss
                secs = secs * 60 + float(part)
            wall = secs
        elif k == "Maximum resident set size (kbytes)":
            rss = int(v)
        elif k == "Percent of CPU this job got":
            cpu = int(v.rstrip("%"))
    return wall, rss, cpu

rows = []
for line in open(os.path.join(out, "systems")):
    name, vectors, fmt = line.split()
    wall, rss_kb, cpu = parse_time(os.path.join(out, name + ".time"))
    score = json.load(open(os.path.join(out, name + ".score.json")))
    rows.append({"system": name, "command": open(os.path.join(out, name + ".cmd")).read(),
                 "epochs": epochs, "tokens": tokens, "wall_s": wall,
                 "words_per_s": tokens * epochs / wall, "peak_rss_mb": rss_kb / 1024, "cpu_pct": cpu,
                 **score})
ref = next((r["words_per_s"] for r in rows if r["system"] == "w2v"), None)
for r in rows:
    r["speed_vs_w2v"] = r["words_per_s"] / ref if ref else None

hdr = f"{'system':<9} {'wall s':>8} {'words/s':>10} {'vs w2v':>7} {'CPU %':>6} {'RSS MB':>8} {'analogy %':>9} {'answered':>8} {'WS353 rho':>9} {'vocab':>8}"
lines = [f"corpus tokens: {tokens}, epochs: {epochs}", hdr, "-" * len(hdr)]
for r in rows:
    vs = f"{r['speed_vs_w2v']:.2f}x" if r["speed_vs_w2v"] else "-"
    lines.append(f"{r['system']:<9} {r['wall_s']:>8.1f} {r['words_per_s']:>10.0f} {vs:>7} {r['cpu_pct']:>6} "
                 f"{r['peak_rss_mb']:>8.0f} {100 * r['analogy_accuracy']:>9.2f} "
                 f"{r['analogy_answered']:>8} {r['wordsim_spearman']:>9.4f} {r['vocab_size']:>8}")
table = "\n".join(lines)
print(table)
open(os.path.join(out, "table.txt"), "w").write(table + "\n")
json.dump(rows, open(os.path.join(out, "results.json"), "w"), indent=1)
PYEOF
echo "saved: $OUT/table.txt $OUT/results.json"
