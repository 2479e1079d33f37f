#!/usr/bin/env bash
# submit/bench-packed-products.sh [STEPS]: whether a matrix-product path other than OpenBLAS pays on this CPU for the
# LSTM's per-step recurrent products (issue 35): OpenBLAS, MKL's sgemm, MKL's packed sgemm and MKL's bf16 products
# with fp32 sums, one thread each, at 2 x {128, 256, 512} and 4 to 64 rows (submit/PackedProducts.java says how each
# is timed). Fetches MKL from Maven Central on its first run (submit/mkl/pom.xml, ~210 MB); the project never needs it.
# Prints the CPU and its vector flags, then one Markdown table row per shape, GFLOP/s.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
submit/charrnn --version >/dev/null  # builds target/ when the sources changed
# shellcheck source=submit/build-line.sh
. "$root/submit/build-line.sh"
# shellcheck source=submit/local-jvm.sh
. "$root/submit/local-jvm.sh"
# shellcheck source=submit/cpu-line.sh
. "$root/submit/cpu-line.sh"
mkl_classpath=$(versions_classpath mkl)
echo "# $(cpu_line)"
exec_local_jvm -cp "$build_dir/charrnn-spark.jar:$(cat "$build_dir/classpath.txt"):$mkl_classpath" \
  "$root/submit/PackedProducts.java" "$@"
