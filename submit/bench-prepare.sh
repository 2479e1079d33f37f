#!/usr/bin/env bash
# The data-path benchmark of BENCHMARKS.md: prepare a large corpus on local[2] with a 512 MB driver heap, prepare it
# again (up to date: nothing read), prepare it with --max-vocab 256 (1-byte ids), then train from that dataset for a
# few minutes with the raw text moved out of reach. Prints each step's JSON or summary line and its peak RSS.
#
#   submit/bench-prepare.sh [CORPUS]        (default: data-samples/linux-source.txt, built by make-linux-source.sh)
#
# Environment: CHARRNN_BENCH_OUT (work directory, default /tmp/charrnn-bench-prepare), CHARRNN_BENCH_HEAP (default
# -Xmx512m), CHARRNN_BENCH_TRAIN_MINUTES (default 4; 0 skips training). In local mode the driver and the executors are one JVM, so
# its peak RSS is both.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus="${1:-$root/data-samples/linux-source.txt}"
work="${CHARRNN_BENCH_OUT:-/tmp/charrnn-bench-prepare}"
heap="${CHARRNN_BENCH_HEAP:--Xmx512m}"
minutes="${CHARRNN_BENCH_TRAIN_MINUTES:-4}"
[ -f "$corpus" ] || "$root/data-samples/make-linux-source.sh" "$corpus"
rm -rf "$work"
mkdir -p "$work"
memory="$heap -Dorg.bytedeco.javacpp.maxbytes=1g -Dorg.bytedeco.javacpp.maxphysicalbytes=3g"

step() {
  local name=$1
  shift
  echo "== $name: submit/charrnn $* --conf spark.master=local[2]   (CHARRNN_MEMORY=\"$memory\")"
  CHARRNN_MEMORY="$memory" /usr/bin/time -f '%M' -o "$work/$name.rss" \
    "$root/submit/charrnn" "$@" --conf spark.master=local[2] > "$work/$name.out" 2> "$work/$name.log" || {
      echo "failed; see $work/$name.log"; tail -n 3 "$work/$name.log"; exit 1; }
  cat "$work/$name.out"
  grep -E '^charrnn: ' "$work/$name.log" || true
  echo "peak RSS of the JVM (driver and executors): $(( $(tail -n 1 "$work/$name.rss") / 1024 )) MB"
}

echo "corpus: $corpus ($(stat -c %s "$corpus") bytes); machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
step prepare prepare --corpus "$corpus" --output "$work/dataset" --json
step prepare-again prepare --corpus "$corpus" --output "$work/dataset" --json
step prepare-256 prepare --corpus "$corpus" --output "$work/dataset-256" --max-vocab 256 --json

[ "$minutes" != "0" ] || exit 0
# Training must not read the raw text again: move it out of reach while it runs.
mv "$corpus" "$corpus.out-of-reach"
trap 'mv "$corpus.out-of-reach" "$corpus"' EXIT
step train train --corpus "$work/dataset-256" --output "$work/run" --max-minutes "$minutes" --checkpoint-every 10 \
  --sample-chars 0
first=$(grep -m1 -oE 'round [0-9]+ \| train .*elapsed [0-9:]+' "$work/train.log" || true)
echo "first round: $first"
grep -E 'training and [0-9]+ validation windows' "$work/train.log" | sed 's/^.*corpus:/corpus:/' || true
