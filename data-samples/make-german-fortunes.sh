#!/usr/bin/env bash
# Builds a 3 MB German corpus from Debian's fortunes-de package: its fortune files (quotations, jokes, poems,
# recipes, anecdotes; UTF-8, 142 symbols with the umlauts and ß) concatenated in name order, each fortune ending in
# a line with a single %. A text in another language than the English of the other samples, for benchmarks.
#   data-samples/make-german-fortunes.sh [OUTPUT]
# Downloads the package with apt-get (no root needed) unless it is installed; the default output is
# data-samples/german-fortunes.txt.
set -euo pipefail
out="${1:-$(dirname "$0")/german-fortunes.txt}"
dir=/usr/share/games/fortunes/de
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ ! -d "$dir" ]; then
  (cd "$work" && apt-get download -qq fortunes-de 2>/dev/null) || {
    apt-get update -qq && (cd "$work" && apt-get download -qq fortunes-de)
  }
  deb=$(ls "$work"/fortunes-de_*.deb)
  echo "reading $(basename "$deb")" >&2
  dpkg-deb -x "$deb" "$work/root"
  dir="$work/root$dir"
fi
# Regular files only: the .u8 names are links to the same files, the .dat files are fortune's binary indexes.
find "$dir" -type f ! -name '*.dat' -print0 | LC_ALL=C sort -z | xargs -0 cat -- > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out: $(wc -c < "$out") bytes" >&2
