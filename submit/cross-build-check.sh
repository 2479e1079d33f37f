#!/usr/bin/env bash
# Checkpoints cross between the two builds: a run trained one epoch by the Spark 3.5 build, resumed for a second by
# the Spark 4 build and for a third by the 3.5 build again, ends with the same raw bits (parameters, Adam state,
# outer-step velocity) as three epochs in the Spark 4 build alone. Run by .ci/run; prints one line and exits 0 when
# they are equal, 1 otherwise.
#   submit/cross-build-check.sh [WORK_DIR]     (default: a new temporary directory, deleted afterwards)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work="${1:-}"
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
corpus="$work/corpus.txt"
head -c 300000 "$root/data-samples/debian-licenses.txt" > "$corpus"

train() { # train BUILD OUTPUT EPOCHS: BUILD is a CHARRNN_BUILD value ("" for the default, Spark 4)
  # char-rnn's step schedule: the crossed run goes on with a raised --epochs twice, where wsd (the default) and
  # cosine would start a cycle of their own each time, and so learn at other rates than the straight run.
  CHARRNN_BUILD="$1" "$root/submit/charrnn" train --corpus "$corpus" --output "$2" --epochs "$3" \
    --hidden 32 --window 100 --seq-length 25 --batch-size 8 --averaging-frequency 2 --checkpoint-every 4 \
    --workers 2 --val-fraction 0.2 --sample-chars 0 --conf spark.master=local[2] --conf spark.ui.enabled=false \
    --lr-schedule step \
    > "$work/train.log" 2>&1 || { tail -n 20 "$work/train.log" >&2; echo "cross-build-check: train failed" >&2; exit 1; }
}

# The raw state (Checkpoint.java): parameters, Adam's state, the outer step's velocity.
entries="coefficients.bin updaterState.bin charrnn-outer-velocity.bin"

state_of() { # state_of RUN: a digest of the raw state entries of the run's latest checkpoint
  # Called in $(...), where set -e does not hold: each check exits itself. A missing entry would digest as empty
  # in both runs, and so compare equal.
  local ckpt entry size
  [ -s "$1/latest" ] || { echo "cross-build-check: $1 has no latest checkpoint" >&2; exit 1; }
  ckpt="$1/$(cat "$1/latest")"
  for entry in $entries; do
    if ! size=$(unzip -p "$ckpt" "$entry" | wc -c) || [ "$size" -eq 0 ]; then
      echo "cross-build-check: $ckpt has no $entry, or an empty one: nothing to compare" >&2; exit 1
    fi
  done
  for entry in $entries; do
    unzip -p "$ckpt" "$entry" | sha256sum
  done | sha256sum | cut -c1-16
}

train spark-3.5 "$work/crossed" 1
train "" "$work/crossed" 2
train spark-3.5 "$work/crossed" 3
train "" "$work/straight" 3
crossed=$(state_of "$work/crossed")
straight=$(state_of "$work/straight")
if [ "$crossed" = "$straight" ]; then
  echo "cross-build-check: 3.5 -> 4 -> 3.5 resumes equal 3 epochs on Spark 4, bit for bit (state $crossed)"
else
  echo "cross-build-check: resumed across builds $crossed, straight on Spark 4 $straight: they differ" >&2
  exit 1
fi
