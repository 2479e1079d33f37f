#!/usr/bin/env bash
# submit/bench-quickstart.sh [MINUTES] [OUTPUT]: what README's quick start gives after 3, 10, ... minutes. Trains
# with the quick start's own flags (read from README's quick-start block), for MINUTES (default 60) instead of its
# epochs, then prints for each checkpoint near 3, 10, 30 and 60 minutes the validation loss and a sample at the
# quick start's temperature with the share of its words that are words of the corpus. Run it from a frozen copy of
# the project (e.g. a git worktree): it builds and runs target/ as submit/charrnn does. The run is one cycle of
# the default schedule (wsd) over MINUTES, so its checkpoints at 3 and 10 minutes are at the held rate: they show
# the curve of a long run, not what a run of 3 minutes ends with (that is --max-minutes 3; the figures of
# 2026-12-02 in BENCHMARKS.md were taken with char-rnn's step schedule, which does not depend on the budget).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
minutes="${1:-60}"
out="${2:-${TMPDIR:-/tmp}/charrnn-bench-quickstart}"
# shellcheck source=submit/quickstart-checks.sh
. "$root/submit/quickstart-checks.sh"
block=$(readme_command "$root/README.md" quick-start)
train=${block%% && *}
sample=${block#* && }
corpus=$(grep -o -- '--corpus [^ ]*' <<<"$train" | cut -d' ' -f2)
temperature=$(grep -o -- '--temperature [^ ]*' <<<"$sample" | cut -d' ' -f2)
# The quick start's flags, with its --output, --epochs and --overwrite replaced.
flags=$(sed -e 's/^submit\/charrnn train //' -e 's/--output [^ ]*//' -e 's/--epochs [^ ]*//' -e 's/--overwrite//' <<<"$train")
cd "$root"
echo "bench-quickstart: submit/charrnn train $flags --output $out --epochs 1000 --max-minutes $minutes --overwrite" >&2
# shellcheck disable=SC2086
submit/charrnn train $flags --output "$out" --epochs 1000 --max-minutes "$minutes" --overwrite > "$out.log" 2>&1
for at in 3 10 30 60; do
  [ "$at" -le "$minutes" ] || continue
  # The last checkpoint written before $at minutes.
  line=$(awk -v limit=$((at * 60)) -F'"elapsed_seconds":' '/"checkpoint":"ckpt/ { split($2, a, ","); if (a[1] + 0 <= limit) last = $0 } END { print last }' "$out/metrics.jsonl")
  if [ -z "$line" ]; then echo "at ${at} min: no checkpoint yet"; continue; fi
  ckpt=$(grep -o '"checkpoint":"[^"]*"' <<<"$line" | cut -d'"' -f4)
  val=$(grep -o '"val_loss":[0-9.]*' <<<"$line" | cut -d: -f2)
  elapsed=$(grep -o '"elapsed_seconds":[0-9.]*' <<<"$line" | cut -d: -f2)
  submit/charrnn sample --checkpoint "$out/$ckpt" --length 600 --temperature "$temperature" --seed 1 > "$out/sample-$at.txt" 2>/dev/null
  read -r hit all <<<"$(known_words "$corpus" "$out/sample-$at.txt")"
  known="$hit of $all words ($(( all > 0 ? 100 * hit / all : 0 ))%) of the corpus"
  echo "at ${at} min: $ckpt after ${elapsed}s, validation $val nats/char; sample at temperature $temperature: $known"
  sed 's/^/  | /' "$out/sample-$at.txt" | head -n 12
done
