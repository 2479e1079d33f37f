#!/usr/bin/env bash
# bench-vs-reference.sh [corpus]: this project's training speed against the PyTorch CPU reference trainer
# (../shared/peer/charlstm_torch.py, one-hot char-rnn LSTM, Adam, clipping 5) on this machine, one run after the
# other, for LSTMs of LAYERS x HIDDEN on one thread and on two:
#   one thread:  charrnn bench --single-process, batch 32      vs  reference --threads 1 --batch 32
#   two threads: charrnn bench on Spark local[2], 2 x 32 windows  vs  reference --threads 2 --batch 64
# Sequence length 50 for both; the project averages after every minibatch (--averaging-frequency 1) so that rounds
# finish within the time, and writes no checkpoints. On a CPU with bf16 products (avx512_bf16 or amx_bf16 in its
# flags) the reference runs a second time with --autocast bf16, its faster path there, and the ratio is taken against
# the better of its two. Before each model, `charrnn bench --products` times its matrix products alone on one thread:
# the ceiling both programs are measured against (fraction = chars/s / ceiling, per thread for the two-thread rows; a
# column gives the fraction that 1.5x the reference would take, above 1.0 where no saving around the products can
# reach it, and the next the GFLOP/s per thread it would take against the products' best rate, a 1024 x 1024 sgemm's).
# Prints one JSON line per pair (also to $CHARRNN_VS_OUT, default bench-vs-reference.jsonl), then the CPU's model and
# vector flags and the ratio table. Seconds per run: CHARRNN_VS_SECONDS (default 75); models: CHARRNN_VS_MODELS
# (default "2x128 2x256 2x512 3x512"); the reference: CHARRNN_PEER. The reference needs Debian's python3-torch,
# python3-numpy and libopenblas0-openmp: installed here when missing, if run as root.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=submit/cpu-line.sh
. "$root/submit/cpu-line.sh"
corpus="${1:-$root/../shared/corpora/tinyshakespeare.txt}"
peer="${CHARRNN_PEER:-$root/../shared/peer/charlstm_torch.py}"
seconds="${CHARRNN_VS_SECONDS:-75}"
out="${CHARRNN_VS_OUT:-bench-vs-reference.jsonl}"
python=/usr/bin/python3
[ -f "$corpus" ] || { echo "bench-vs-reference: no corpus at $corpus; give one as the argument" >&2; exit 2; }
[ -f "$peer" ] || { echo "bench-vs-reference: no reference trainer at $peer; set CHARRNN_PEER" >&2; exit 2; }
if ! "$python" -c 'import torch' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y --no-install-recommends python3-torch python3-numpy libopenblas0-openmp >&2
  else
    echo "bench-vs-reference: $python has no torch; install python3-torch python3-numpy libopenblas0-openmp" >&2
    exit 2
  fi
fi
minutes=$(awk -v s="$seconds" 'BEGIN { print s / 60 }')
: > "$out"
reference() { # reference AUTOCAST: the reference's JSON line for the model ($shape), $threads and $batch
  OMP_NUM_THREADS="$threads" "$python" "$peer" --data "$corpus" "${shape[@]}" --batch "$batch" --seq 50 \
    --threads "$threads" --autocast "$1" --time-budget-seconds "$seconds" --no-eval 2>/dev/null | tail -1
}
bf16=off
cpu_has_bf16 && bf16=on
for model in ${CHARRNN_VS_MODELS:-2x128 2x256 2x512 3x512}; do
  layers=${model%x*} hidden=${model#*x}
  [[ "$layers" =~ ^[1-9]$ && "$hidden" =~ ^[1-9][0-9]*$ ]] \
    || { echo "bench-vs-reference: CHARRNN_VS_MODELS takes LAYERSxHIDDEN words, e.g. 3x512; got $model" >&2; exit 2; }
  shape=(--layers "$layers" --hidden "$hidden")
  ceiling=$("$root/submit/charrnn" bench --corpus "$corpus" "${shape[@]}" --batch-size 32 --seq-length 50 \
    --products 65 2>/dev/null | tail -1)
  for threads in 1 2; do
    if [ "$threads" = 1 ]; then
      mode=(--single-process) batch=32
    else
      mode=(--conf spark.master='local[2]' --workers 2) batch=64
    fi
    project=$("$root/submit/charrnn" bench --corpus "$corpus" "${shape[@]}" --batch-size 32 --seq-length 50 \
      --averaging-frequency 1 --checkpoint-every 100000 --sample-chars 0 --max-minutes "$minutes" "${mode[@]}" \
      2>/dev/null | tail -1)
    fp32=$(reference off)
    reference_bf16=null
    [ "$bf16" = on ] && reference_bf16=$(reference bf16)
    echo "{\"layers\": $layers, \"hidden\": $hidden, \"threads\": $threads," \
      "\"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"ceiling\": $ceiling, \"project\": $project," \
      "\"reference\": $fp32, \"reference_bf16\": $reference_bf16}" | tee -a "$out"
  done
done
echo "CPU: $(cpu_line)"
"$python" - "$out" <<'PY'
import json, sys
print("| model | threads | this project, chars/s | PyTorch fp32, chars/s | PyTorch bf16, chars/s "
      "| ratio to PyTorch's best | products' ceiling per thread | project / ceiling | PyTorch's best / ceiling "
      "| 1.5x PyTorch's best / ceiling | 1.5x PyTorch's best, GFLOP/s per thread (sgemm 1024) "
      "| project peak RSS MB | PyTorch peak RSS MB |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for line in open(sys.argv[1]):
    r = json.loads(line)
    p, c = r["project"], r["ceiling"]["chars_per_sec_ceiling"]
    runs = [t for t in (r["reference"], r.get("reference_bf16")) if t]
    best = max(runs, key=lambda t: t["train_chars_per_sec"])
    bf16 = r.get("reference_bf16")
    ratio = p["chars_per_sec"] / best["train_chars_per_sec"]
    per = c * r["threads"]
    goal = 1.5 * best["train_chars_per_sec"]
    goal_gflops = goal * r["ceiling"]["flop_per_char"] / r["threads"] / 1e9
    print(f"| {r.get('layers', 2)} x {r['hidden']} | {r['threads']} | {p['chars_per_sec']:,} "
          f"| {round(r['reference']['train_chars_per_sec']):,} "
          f"| {'-' if not bf16 else format(round(bf16['train_chars_per_sec']), ',')} "
          f"| {ratio:.2f} | {c:,} | {p['chars_per_sec'] / per:.2f} | {best['train_chars_per_sec'] / per:.2f} "
          f"| {goal / per:.2f} | {goal_gflops:.0f} ({r['ceiling']['gflops']['sgemm_1024']:.0f}) "
          f"| {p['peak_rss_mb']:,} | {round(best.get('peak_rss_mb', 0)):,} |")
PY
