#!/usr/bin/env bash
# bench-averaging.sh [corpus]: learning per character against the number of averaging workers (BENCHMARKS-LOG.md,
# "Averaging"). Each run trains the reference model in this one process with `bench --single-process --workers N`,
# which computes exactly what N parallel workers averaging every round would (one after another, so more workers
# than cores is fine: this table measures characters, not speed), evaluates about every 128,000 characters (every
# round once a round is that large), and reports the
# characters it took to reach each validation loss in CHARRNN_AVG_TARGETS (nats/char, default "2.0 1.7"; linear
# between evaluations). One JSON line per run on stdout and appended to $CHARRNN_BENCH_OUT
# (default bench-averaging.jsonl).
# Runs: CHARRNN_AVG_RUNS, a list of workers:outer-lr:outer-momentum[:averaging-frequency[:batch]] (momentum
# "auto" = 1 - 1/workers; lr 1 with momentum 0 is plain averaging; frequency 1 and batch 32 unless given). The batch
# is windows per worker (--batch-size N), or gN for --global-batch N (each worker ceil(N / workers)), or auto /
# autoN for --global-batch auto / auto:N. Each line also gives the one thread's chars/s and the batch and noise
# scale of the last round. CHARRNN_AVG_FLAGS: more train flags for every run (e.g. --learning-rate 3e-3). Each run stops at CHARRNN_AVG_EPOCHS epochs (default 7)
# or CHARRNN_AVG_MINUTES minutes (default 15), whichever comes first.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus="${1:-$root/../shared/corpora/tinyshakespeare.txt}"
out="${CHARRNN_BENCH_OUT:-bench-averaging.jsonl}"
runs="${CHARRNN_AVG_RUNS:-1:1:0 2:1:0 2:1:auto 4:1:0 4:1:auto 8:1:0 8:1:auto}"
targets="${CHARRNN_AVG_TARGETS:-2.0 1.7}"
work=$(mktemp -d "${TMPDIR:-/tmp}/charrnn-avg.XXXXXX")
trap 'rm -rf "$work"' EXIT
for spec in $runs; do
  IFS=: read -r workers lr momentum frequency batch <<<"$spec"
  frequency="${frequency:-1}"
  batch="${batch:-32}"
  run="$work/w$workers-lr$lr-m$momentum-f$frequency-b$batch"
  case "$batch" in
    auto) batch_flags=(--global-batch auto); start=32 ;;
    auto*) batch_flags=(--global-batch "auto:${batch#auto}"); start="${batch#auto}" ;;
    g*) batch_flags=(--global-batch "${batch#g}"); start="${batch#g}" ;;
    *) batch_flags=(--batch-size "$batch"); start=$(( workers * batch )) ;;
  esac
  every=$(( 131072 / (start * frequency * 1000) )); every=$(( every < 1 ? 1 : every ))
  bench=$("$root/submit/charrnn" bench --corpus "$corpus" --single-process --workers "$workers" \
      --outer-lr "$lr" --outer-momentum "$momentum" --averaging-frequency "$frequency" "${batch_flags[@]}" ${CHARRNN_AVG_FLAGS:-} \
      --checkpoint-every "$every" --keep 1 --sample-chars 0 --epochs "${CHARRNN_AVG_EPOCHS:-7}" \
      --max-minutes "${CHARRNN_AVG_MINUTES:-15}" --output "file://$run" --overwrite 2>"$run.log" | tail -1)
  python3 - "$run/metrics.jsonl" "$spec" "$targets" "$bench" <<'PY' | tee -a "$out"
import json, sys
metrics, spec, targets, bench = sys.argv[1], sys.argv[2], [float(t) for t in sys.argv[3].split()], json.loads(sys.argv[4])
points = [(0, None)]
rows = [json.loads(l) for l in open(metrics) if l.strip()]
evals = [(r["chars"], r["val_loss"]) for r in rows if r.get("val_loss") is not None]
reached = {}
for t in targets:
    prev = None
    for chars, loss in evals:
        if loss <= t:
            if prev is None or prev[1] <= t:
                reached[str(t)] = chars
            else:  # linear between the evaluation above the target and this one
                c0, l0 = prev
                reached[str(t)] = round(c0 + (l0 - t) / (l0 - loss) * (chars - c0))
            break
        prev = (chars, loss)
    else:
        reached[str(t)] = None
workers, lr, momentum, *rest = spec.split(":")
print(json.dumps({"workers": int(workers), "outer_lr": float(lr), "outer_momentum": momentum,
                  "averaging_frequency": int(rest[0]) if rest else 1,
                  "batch": rest[1] if len(rest) > 1 else "32", "chars_to_reach": reached,
                  "chars_per_sec": bench.get("chars_per_sec"), "worker_batch_at_end": bench.get("worker_batch"),
                  "noise_scale_at_end": bench.get("noise_scale"),
                  "final_val_loss": evals[-1][1] if evals else None, "chars": rows[-1]["chars"] if rows else 0,
                  "rounds": rows[-1]["round"] if rows else 0, "train_seconds": bench.get("train_seconds"),
                  "curve": [[c, round(l, 4)] for c, l in evals]}))
PY
done
