#!/usr/bin/env bash
# Builds a 3 MB German corpus from Debian's fortunes-de package: its fortune files (quotations, jokes, poems,
# recipes, anecdotes; UTF-8, 142 symbols with the umlauts and ß) concatenated in name order, each fortune ending in
# a line with a single %. A text in another language than the English of the other samples, for benchmarks.
#   data-samples/make-german-fortunes.sh [OUTPUT]
# Reads the installed package, or else downloads it with apt-get (no root needed where apt's package lists are
# present); the default output is data-samples/german-fortunes.txt.
set -euo pipefail
out="${1:-$(dirname "$0")/german-fortunes.txt}"
dir=/usr/share/games/fortunes/de
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -d "$dir" ]; then
  echo "reading installed fortunes-de $(dpkg-query -W -f='${Version}' fortunes-de 2>/dev/null || true)" >&2
else
  if ! (cd "$work" && apt-get download -qq fortunes-de 2>/dev/null); then
    if [ "$(id -u)" -ne 0 ]; then
      echo "make-german-fortunes: apt cannot find fortunes-de: run 'sudo apt-get update' once, then again" >&2
      exit 1
    fi
    apt-get update -qq && (cd "$work" && apt-get download -qq fortunes-de)
  fi
  deb=$(ls "$work"/fortunes-de_*.deb)
  echo "reading $(basename "$deb")" >&2
  dpkg-deb -x "$deb" "$work/root"
  dir="$work/root$dir"
fi
# Regular files only: the .u8 names and the .dat entries (links to fortune's indexes) are symbolic links.
find "$dir" -type f ! -name '*.dat' -print0 | LC_ALL=C sort -z | xargs -0r cat -- > "$out.tmp"
if [ ! -s "$out.tmp" ]; then
  rm -f "$out.tmp"
  echo "make-german-fortunes: no fortune files in $dir" >&2
  exit 1
fi
mv "$out.tmp" "$out"
echo "wrote $out: $(wc -c < "$out") bytes" >&2
