#!/usr/bin/env bash
# bench-vocabulary.sh [corpus]: training speed and peak memory against the size of the vocabulary. Makes a
# 6,000-symbol corpus of the same length from the given one (make-wide-vocabulary.py: its most frequent words become
# ideographs, the text repeated to the length), then runs `charrnn bench` with every default (model, batch, memory,
# master) on both in the order narrow, wide, wide, narrow, and prints one JSON line each (also to
# $CHARRNN_VOCAB_OUT, default bench-vocabulary.jsonl) and the ratios of their means. Why that order: on the shared
# 2-vCPU machines the speed drifts within minutes, and the corpus run second lost (one pair each, same commit: wide /
# narrow 0.77 narrow first, 0.81 wide first); a drift steady over the four runs cancels out.
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
for c in "$corpus" "$work/wide.txt" "$work/wide.txt" "$corpus"; do
  "$root/submit/charrnn" bench --corpus "$c" --sample-chars 0 --max-minutes "$minutes" 2>/dev/null | tail -1 \
    | tee -a "$out"
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
n1, w1, w2, n2 = (json.loads(line) for line in open(sys.argv[1]))
for name, r in (("narrow", n1), ("wide", w1), ("wide", w2), ("narrow", n2)):
    print(f"{name}: {r['chars_per_sec']:,} chars/s, peak RSS {r['peak_rss_mb']} MB, validation {r['val_loss_nats']:.4f} nats/char")
mean = lambda rs, key: statistics.mean(r[key] for r in rs)
print(f"wide / narrow: {mean((w1, w2), 'chars_per_sec') / mean((n1, n2), 'chars_per_sec'):.2f}x chars/s "
      f"(pairs {w1['chars_per_sec'] / n1['chars_per_sec']:.2f}, {w2['chars_per_sec'] / n2['chars_per_sec']:.2f}), "
      f"{mean((w1, w2), 'peak_rss_mb') / mean((n1, n2), 'peak_rss_mb'):.2f}x peak RSS")
PY
