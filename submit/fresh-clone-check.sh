#!/usr/bin/env bash
# submit/fresh-clone-check.sh [REPOSITORY]: a newcomer's first steps, checked. Clones the project (default: this
# checkout's committed HEAD) into a new empty directory with nothing beside it, runs README's two set-up commands
# word for word (the quick start, then the tests; README marks them <!-- command: NAME -->), and checks that the
# quick start's sample reads as text of the corpus: at least CHARRNN_MIN_KNOWN_WORDS percent (default 60) of its
# words of two or more letters occur in the corpus; then the quick start's run scores a Parquet table of the
# corpus's lines with `score`. Prints the times and the share; exits non-zero on a failure.
set -euo pipefail
source_repo="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
min_known="${CHARRNN_MIN_KNOWN_WORDS:-60}"
work=$(mktemp -d "${TMPDIR:-/tmp}/charrnn-fresh-clone.XXXXXX")
# Kept when a step fails, for its logs and test reports.
trap 'code=$?; if [ $code -eq 0 ]; then rm -rf "$work"; else echo "fresh-clone-check: failed; the clone and logs are in $work" >&2; fi' EXIT
git clone -q "$source_repo" "$work/charrnn-spark"
cd "$work/charrnn-spark"

# shellcheck source=submit/quickstart-checks.sh
. submit/quickstart-checks.sh
quick_start=$(readme_command README.md quick-start)
tests=$(readme_command README.md tests)
if [ -z "$quick_start" ] || [ -z "$tests" ]; then
  echo "fresh-clone-check: README lacks its quick-start or tests command block" >&2
  exit 1
fi

echo "fresh-clone-check: in $PWD (nothing beside it), running README's quick start:" >&2
echo "  $quick_start" >&2
start=$SECONDS
bash -euo pipefail -c "$quick_start" > "$work/sample.txt" 2> "$work/quick-start.log" || {
  tail -n 30 "$work/quick-start.log" >&2; echo "fresh-clone-check: the quick start failed" >&2; exit 1; }
quick_seconds=$((SECONDS - start))
corpus=$(grep -o -- '--corpus [^ ]*' <<<"$quick_start" | head -n 1 | cut -d' ' -f2)
known=$(known_words "$corpus" "$work/sample.txt")
read -r hit all <<<"$known"
percent=$(( all > 0 ? 100 * hit / all : 0 ))
echo "fresh-clone-check: quick start took ${quick_seconds}s (build included); $(grep -o 'validation loss [0-9.]* nats/char' "$work/quick-start.log" | tail -n 1);" \
  "$hit of $all sampled words ($percent%) are words of $corpus. The sample:" >&2
sed 's/^/  | /' "$work/sample.txt" >&2
if [ "$all" -lt 20 ] || [ "$percent" -lt "$min_known" ]; then
  echo "fresh-clone-check: the sample does not read as the corpus's text (want at least 20 words, $min_known% known)" >&2
  exit 1
fi

# The quick start's run scores a Parquet table of the corpus's first lines with `score`: the runner's classpath has
# what Spark SQL needs at run time (the test JVMs' classpath is Maven's, which has more).
run=$(grep -o -- '--output [^ ]*' <<<"$quick_start" | head -n 1 | cut -d' ' -f2)
awk 'length > 0 && ++n <= 2000' "$corpus" > "$work/lines.txt"
root=$PWD
# shellcheck source=submit/build-line.sh
. submit/build-line.sh
# shellcheck source=submit/local-jvm.sh
. submit/local-jvm.sh
(exec_local_jvm -cp "$build_dir/charrnn-spark.jar:$(cat "$build_dir/classpath.txt")" submit/LinesToParquet.java \
  "$work/lines.txt" "$work/table") > "$work/table.log" 2>&1 || {
  tail -n 20 "$work/table.log" >&2; echo "fresh-clone-check: writing the table failed" >&2; exit 1; }
submit/charrnn score --checkpoint "$run" --input "$work/table" --text-column text --output "$work/scored" \
  > "$work/score.txt" 2> "$work/score.log" || {
  tail -n 20 "$work/score.log" >&2; echo "fresh-clone-check: score failed" >&2; exit 1; }
grep -q '^2,000 rows scored (2,000 with text)' "$work/score.txt" || {
  cat "$work/score.txt" >&2; echo "fresh-clone-check: score did not score the table's 2,000 rows" >&2; exit 1; }
echo "fresh-clone-check: $(cat "$work/score.txt")" >&2

echo "fresh-clone-check: running README's test command: $tests" >&2
start=$SECONDS
bash -euo pipefail -c "$tests"
echo "fresh-clone-check: tests passed in $((SECONDS - start))s; a fresh clone works" >&2
