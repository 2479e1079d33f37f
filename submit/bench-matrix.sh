#!/usr/bin/env bash
# bench-matrix.sh [corpus]: the LSTM speed table of BENCHMARKS-LOG.md ("LSTM layer speed"). Runs `charrnn bench` for 2 x {128,256,512} LSTMs,
# minibatch {32,64}, fused and stock layer, single-process (one thread, no Spark) and on Spark local[2]; prints one
# JSON line per run (to stdout and to $CHARRNN_BENCH_OUT, default bench-matrix.jsonl).
# Spark runs average parameters after every minibatch (--averaging-frequency 1) so that even the slowest
# configuration completes rounds within its time; single-process runs have no averaging at all.
# Time per run: CHARRNN_BENCH_SINGLE_MINUTES (default 0.75) and CHARRNN_BENCH_SPARK_MINUTES (default 1.5); the
# sizes: CHARRNN_BENCH_HIDDEN (default "128 256 512").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus="${1:-$root/../shared/corpora/tinyshakespeare.txt}"
out="${CHARRNN_BENCH_OUT:-bench-matrix.jsonl}"
single="${CHARRNN_BENCH_SINGLE_MINUTES:-0.75}"
spark="${CHARRNN_BENCH_SPARK_MINUTES:-1.5}"
for hidden in ${CHARRNN_BENCH_HIDDEN:-128 256 512}; do
  # Larger models need more off-heap memory than the runner's default.
  if [ "$hidden" -ge 512 ]; then
    export CHARRNN_MEMORY="-Xmx2g -Dorg.bytedeco.javacpp.maxbytes=4g -Dorg.bytedeco.javacpp.maxphysicalbytes=7g"
  else
    unset CHARRNN_MEMORY
  fi
  for batch in 32 64; do
    for lstm in fused stock; do
      common=(--corpus "$corpus" --hidden "$hidden" --batch-size "$batch" --lstm "$lstm" --sample-chars 0)
      "$root/submit/charrnn" bench "${common[@]}" --single-process --max-minutes "$single" 2>/dev/null \
        | tail -1 | tee -a "$out"
      "$root/submit/charrnn" bench "${common[@]}" --conf spark.master='local[2]' --averaging-frequency 1 \
        --checkpoint-every 1000 --max-minutes "$spark" 2>/dev/null | tail -1 | tee -a "$out"
    done
  done
done
