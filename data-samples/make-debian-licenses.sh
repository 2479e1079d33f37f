#!/usr/bin/env bash
# Builds data-samples/debian-licenses.txt (~1 MB of English legal prose), the corpus of the quick start, from text
# every Debian system carries: the license texts in /usr/share/common-licenses, then the license paragraphs of the
# installed packages' copyright files in name order until the file reaches 1 MB. Of a copyright file only its prose
# is kept: the machine-readable fields (Files:, Copyright:, ...), lines with e-mail addresses or years of
# copyright holders, and the indentation of the Debian format go, so a model learns sentences rather than lists
# of names. The committed file was made this way; run this to remake it, or to make another one from your own
# machine's packages. Every line is unindented and runs of spaces become one, the license texts' too: their
# centred titles and ruled boxes held runs of up to 70 spaces, which taught the quick start's model that spaces
# follow spaces, and at a low temperature some of its samples were nothing but spaces.
set -euo pipefail
out="${1:-$(dirname "$0")/debian-licenses.txt}"
limit=$((1024 * 1024))

prose() { # the license prose of one copyright file, unindented
  # A field line ("Files: *") goes, and so do its indented continuation lines, except those of License and
  # Comment (the license text, notes); a blank or unindented line ends a field.
  awk '/^[A-Za-z][A-Za-z-]*:/ { skip = ($1 != "License:" && $1 != "Comment:"); next }
       /^[[:space:]]*$/ || /^[^[:space:]]/ { skip = 0 }
       !skip' "$1" \
    | grep -Ev '@|©|\(C\)|\(c\)|^[[:space:]]*(19|20)[0-9][0-9]' \
    | sed -e 's/^[[:space:]]*//' -e 's/^\.$//' -e 's/[[:space:]]*$//'
}

# head stops reading at the limit, which ends the producer with SIGPIPE: not an error here.
set +o pipefail
{
  for f in $(find /usr/share/common-licenses -maxdepth 1 -type f | LC_ALL=C sort); do
    cat "$f"; echo
  done
  for f in $(find /usr/share/doc -mindepth 2 -maxdepth 2 -name copyright -type f | LC_ALL=C sort); do
    # Only valid UTF-8 text: a few old copyright files are Latin-1.
    if iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1; then prose "$f"; echo; fi
  done
} | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]\{2,\}/ /g' | cat -s | head -c "$limit" > "$out.tmp"
set -o pipefail
# Cut the last, partial line so the file ends on a line boundary.
sed -i '$ d' "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out: $(wc -c < "$out") bytes, $(wc -l < "$out") lines" >&2
