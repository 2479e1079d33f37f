#!/usr/bin/env bash
# Builds a large real corpus (well over 1 GB with all of it) from Debian's linux-source package: the kernel's
# C sources, headers and documentation concatenated into one file, for benchmarks and the cluster path. The bytes
# are kept as they are: a few old files are Latin-1, which prepare counts as malformed UTF-8 and replaces.
#   data-samples/make-linux-source.sh [OUTPUT] [MAX_BYTES]
# Needs root (or sudo) once to install the package; the default output is data-samples/linux-source.txt.
set -euo pipefail
out="${1:-$(dirname "$0")/linux-source.txt}"
max="${2:-0}"
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$tarball" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-source >/dev/null
  tarball=$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1)
fi
echo "reading $tarball" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xJf "$tarball" -C "$work"
find "$work" -type f \( -name '*.c' -o -name '*.h' -o -name '*.rst' -o -name '*.txt' -o -name 'Kconfig*' \) \
  -print0 | LC_ALL=C sort -z | xargs -0 cat -- > "$out.tmp"
if [ "$max" -gt 0 ]; then head -c "$max" "$out.tmp" > "$out"; rm "$out.tmp"; else mv "$out.tmp" "$out"; fi
echo "wrote $out: $(wc -c < "$out") bytes" >&2
