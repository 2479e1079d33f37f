#!/usr/bin/env bash
# Builds data-samples/debian-licenses.txt (~1 MB of English legal prose), the corpus of the quick start, from text
# every Debian system carries: the license texts in /usr/share/common-licenses, then the copyright files of the
# installed packages in name order until the file reaches 1 MB. The committed file was made this way; run this
# to remake it, or to make another one from your own machine's packages.
set -euo pipefail
out="${1:-$(dirname "$0")/debian-licenses.txt}"
limit=$((1024 * 1024))
# head stops reading at the limit, which ends the producer with SIGPIPE: not an error here.
set +o pipefail
{
  for f in $(find /usr/share/common-licenses -maxdepth 1 -type f | LC_ALL=C sort); do
    cat "$f"; echo
  done
  for f in $(find /usr/share/doc -mindepth 2 -maxdepth 2 -name copyright -type f | LC_ALL=C sort); do
    # Only valid UTF-8 text: a few old copyright files are Latin-1.
    if iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1; then cat "$f"; echo; fi
  done
} | head -c "$limit" > "$out.tmp"
set -o pipefail
# Cut the last, partial line so the file ends on a line boundary.
sed -i '$ d' "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out: $(wc -c < "$out") bytes, $(wc -l < "$out") lines" >&2
