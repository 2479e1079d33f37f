#!/usr/bin/env bash
# A scheduled (nightly) training job: runs `charrnn train` with the given flags and prints one summary line.
# The same command every night continues the run in --output (or starts it); a run that has done its --epochs
# reports "nothing to do". Keep --max-minutes below the scheduling window: the run ends with a checkpoint in time.
#
#   submit/nightly.sh --corpus URI --output URI [train flags]
#
# Exit codes: 0 trained and checkpointed, 3 nothing to do, 2 bad settings or input (fix the command), 1 failure
# (see the log; also for a job that was killed or crashed, whose own exit code the summary line gives). The whole
# output of the job is appended to $CHARRNN_NIGHTLY_LOG (default: ./charrnn-nightly.log).
# The job runs with $CHARRNN_RUNNER (default: submit/charrnn, embedded Spark or --conf spark.master=...); for a
# cluster, e.g. CHARRNN_RUNNER="submit/spark-submit --master yarn --class io.charrnn.cli.Main target/charrnn-spark-cluster.jar".
#
# cron, every night at 02:00, four hours at most:
#   0 2 * * * cd /opt/charrnn && submit/nightly.sh --corpus hdfs:///corpora/books --output hdfs:///runs/books --epochs 1000 --max-minutes 230 >> /var/log/charrnn-nightly.summary 2>&1
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log="${CHARRNN_NIGHTLY_LOG:-charrnn-nightly.log}"
runner="${CHARRNN_RUNNER:-$root/submit/charrnn}"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# The log keeps every night's command line: a --conf setting that Spark itself would redact (spark.redaction.regex,
# its default below, matched against key and value) is redacted here too, e.g. an S3 secret key.
redacted() { # redacted ARGS...: ARGS as one line, such --conf values replaced as Spark replaces them
  local arg setting key out=() conf=0 secret='secret|password|token|access[.]?key'
  for arg in "$@"; do
    if [ "$conf" = 1 ] || [[ $arg == --conf=* ]]; then
      setting=${arg#--conf=}
      if [[ ${setting,,} =~ $secret ]]; then
        key=""; [[ $setting == *=* ]] && key="${setting%%=*}="
        arg="${arg%"$setting"}$key*********(redacted)"
      fi
      conf=0
    elif [ "$arg" = --conf ]; then
      conf=1
    fi
    out+=("$arg")
  done
  printf '%s\n' "${out[*]}"
}
# A password in a URI (ftp://user:password@host/, s3a://key:secret@bucket/) is redacted in the command line and in
# the job's own output alike, as the run's files hold it (io.charrnn.common.Uris).
uri_secret='s|([A-Za-z][A-Za-z0-9+.-]*://[^/?#@: ]*):[^/?#@ ]*@|\1:*********(redacted)@|g'
{
  echo "=== charrnn nightly $started: train $(redacted "$@")"
} | sed -E "$uri_secret" >> "$log"
# Tonight's output goes to the log as it comes and to a file of its own, so that the summary line is tonight's: the
# cumulative log holds earlier nights' lines, which a job that dies before printing one would otherwise repeat.
tonight=$(mktemp "${TMPDIR:-/tmp}/charrnn-nightly.XXXXXX")
trap 'rm -f "$tonight"' EXIT
# shellcheck disable=SC2086
$runner train "$@" 2>&1 | sed -u -E "$uri_secret" | tee -a "$log" > "$tonight"
code=${PIPESTATUS[0]}
summary=$(grep -E '^charrnn: ' "$tonight" | tail -n 1)
case "$code" in
  0) status=ok ;;
  3) status=nothing-to-do ;;
  2) status=error ;;
  1) status=failed; [ -n "$summary" ] || summary="the job ended without a line; see $log" ;;
  # Killed (137), crashed (134), ...: a failure for the scheduler, with the job's own code in the summary.
  *) status=failed; summary="the job ended with exit code $code${summary:+ after: ${summary#charrnn: }}; see $log"
     code=1 ;;
esac
echo "charrnn-nightly $started status=$status exit=$code ${summary#charrnn: }"
exit "$code"
