#!/usr/bin/env bash
# submit/bench-tables.sh [corpus]: a table against the text file of the same lines, one run after the other.
# Training: `charrnn bench` for CHARRNN_TABLES_MINUTES (default 1.5) on local[2] from the text file of the corpus's
# non-empty lines and from a Parquet table of them (--text-column text), CHARRNN_TABLES_REPEATS times each (default
# 2), alternating; chars/s and validation loss of each. Scoring: the last table run's checkpoint scores the table's
# rows with `charrnn score` and the text file with `charrnn eval`; rows/s and chars/s of each, wall clock of the whole
# command (Spark's start included) and of the work alone. Prints one JSON line per run, then a summary.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus="${1:-$root/../shared/corpora/tinyshakespeare.txt}"
minutes="${CHARRNN_TABLES_MINUTES:-1.5}"
repeats="${CHARRNN_TABLES_REPEATS:-2}"
[ -f "$corpus" ] || { echo "bench-tables: no corpus at $corpus; give one as the argument" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/charrnn-bench-tables.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$root"
submit/charrnn --version >/dev/null  # builds target/ when the sources changed
# shellcheck source=submit/build-line.sh
. "$root/submit/build-line.sh"
# shellcheck source=submit/local-jvm.sh
. "$root/submit/local-jvm.sh"
mkdir -p "$work/file"
grep -v '^$' "$corpus" > "$work/file/lines.txt"
(exec_local_jvm -cp "$build_dir/charrnn-spark.jar:$(cat "$build_dir/classpath.txt")" \
  "$root/submit/LinesToParquet.java" "$work/file/lines.txt" "$work/table") 2>/dev/null
chars=$(wc -m < "$work/file/lines.txt")
rows=$(wc -l < "$work/file/lines.txt")
echo "bench-tables: $rows lines, $chars characters; $minutes min per training run; $(lscpu | sed -n 's/^Model name: *//p')" >&2
common=(--max-minutes "$minutes" --epochs 1000 --conf spark.master=local[2] --conf spark.ui.enabled=false)
for r in $(seq 1 "$repeats"); do
  for source in file table; do
    if [ "$source" = file ]; then args=(--corpus "$work/file/lines.txt"); else args=(--corpus "$work/table" --text-column text); fi
    line=$(submit/charrnn bench "${args[@]}" "${common[@]}" --output "$work/run-$source" --overwrite 2>/dev/null | tail -n 1)
    echo "{\"source\":\"$source\",\"repeat\":$r,\"bench\":$line}"
  done
done
time_of() { local start end; start=$(date +%s.%N); "$@" > "$work/out.txt" 2>/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
score_s=$(time_of submit/charrnn score --checkpoint "$work/run-table" --input "$work/table" --text-column text \
  --output "$work/scored" --conf spark.master=local[2] --conf spark.ui.enabled=false)
score_work=$(grep -o 'in [0-9.]* s' "$work/out.txt" | cut -d' ' -f2)
eval_s=$(time_of submit/charrnn eval --checkpoint "$work/run-table" --corpus "$work/file/lines.txt" --json \
  --conf spark.master=local[2] --conf spark.ui.enabled=false)
echo "{\"scoring\":\"score\",\"rows\":$rows,\"chars\":$chars,\"wall_seconds\":$score_s,\"work_seconds\":$score_work}"
echo "{\"scoring\":\"eval\",\"chars\":$chars,\"wall_seconds\":$eval_s,\"result\":$(cat "$work/out.txt")}"
