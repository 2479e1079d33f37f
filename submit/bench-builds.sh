#!/usr/bin/env bash
# bench-builds.sh [corpus]: BENCHMARKS.md's 10-minute reference run (`charrnn bench` with every default, local
# Spark) on the Spark 4 build and then on the Spark 3.5 build, one after the other, and the ratios. Prints one JSON
# line each (also to $CHARRNN_BUILDS_OUT, default bench-builds.jsonl). Minutes per run: CHARRNN_BUILDS_MINUTES (10).
# Both builds are built first (submit/charrnn builds what is missing), so that no build overlaps a measurement.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus="${1:-$root/../shared/corpora/tinyshakespeare.txt}"
minutes="${CHARRNN_BUILDS_MINUTES:-10}"
out="${CHARRNN_BUILDS_OUT:-bench-builds.jsonl}"
[ -f "$corpus" ] || { echo "bench-builds: no corpus at $corpus; give one as the argument" >&2; exit 2; }
for build in "" spark-3.5; do
  CHARRNN_BUILD="$build" "$root/submit/charrnn" inspect --help >/dev/null
done
: > "$out"
for build in "" spark-3.5; do
  CHARRNN_BUILD="$build" "$root/submit/charrnn" bench --corpus "$corpus" --max-minutes "$minutes" 2>/dev/null \
    | tail -1 | tee -a "$out"
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys
spark4, spark35 = (json.loads(line) for line in open(sys.argv[1]))
for name, r in (("Spark 4 build", spark4), ("Spark 3.5 build", spark35)):
    print(f"{name}: {r['chars_per_sec']:,} chars/s, peak RSS {r['peak_rss_mb']} MB, "
          f"validation {r['val_loss_nats']:.4f} nats/char")
print(f"Spark 4 / Spark 3.5: {spark4['chars_per_sec'] / spark35['chars_per_sec']:.3f}x chars/s, "
      f"{spark4['peak_rss_mb'] / spark35['peak_rss_mb']:.3f}x peak RSS")
PY
