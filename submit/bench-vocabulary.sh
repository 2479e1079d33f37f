#!/usr/bin/env bash
# bench-vocabulary.sh [corpus]: training speed and peak memory against the size of the vocabulary. Makes a
# 6,000-symbol corpus of the same length from the given one (make-wide-vocabulary.py: its most frequent words become
# ideographs, the text repeated to the length), then runs `charrnn bench` with every default (model, batch, memory,
# master) on both, one after the other, and prints one JSON line each (also to $CHARRNN_VOCAB_OUT, default
# bench-vocabulary.jsonl) and the ratios.
# Minutes per run: CHARRNN_VOCAB_MINUTES (default 2); symbols: CHARRNN_VOCAB_SYMBOLS (default 6000).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus="${1:-$root/../shared/corpora/tinyshakespeare.txt}"
minutes="${CHARRNN_VOCAB_MINUTES:-2}"
out="${CHARRNN_VOCAB_OUT:-bench-vocabulary.jsonl}"
[ -f "$corpus" ] || { echo "bench-vocabulary: no corpus at $corpus; give one as the argument" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$root/submit/make-wide-vocabulary.py" "$corpus" "$work/wide.txt" "${CHARRNN_VOCAB_SYMBOLS:-6000}" >&2
: > "$out"
for c in "$corpus" "$work/wide.txt"; do
  "$root/submit/charrnn" bench --corpus "$c" --sample-chars 0 --max-minutes "$minutes" 2>/dev/null | tail -1 \
    | tee -a "$out"
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys
narrow, wide = (json.loads(line) for line in open(sys.argv[1]))
for name, r in (("narrow", narrow), ("wide", wide)):
    print(f"{name}: {r['chars_per_sec']:,} chars/s, peak RSS {r['peak_rss_mb']} MB, validation {r['val_loss_nats']:.4f} nats/char")
print(f"wide / narrow: {wide['chars_per_sec'] / narrow['chars_per_sec']:.2f}x chars/s, "
      f"{wide['peak_rss_mb'] / narrow['peak_rss_mb']:.2f}x peak RSS")
PY
