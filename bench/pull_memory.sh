#!/usr/bin/env bash
# Peak memory of `ocitree pull` on an image with one 1 GiB file in a gzip
# layer (issue 3: importing a layer of 1 GiB stays within ~100 MiB RSS).
# The input is made here with umoci; the file repeats a 1 MiB random block so
# gzip has real work but the image builds in seconds.
#   usage: bench/pull_memory.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
ocitree=${OCITREE:-${OCITREE_BUILD_DIR:-build}/ocitree}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/ocitree-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

umoci init --layout "$work/layout" >/dev/null
umoci new --image "$work/layout:big" >/dev/null
umoci unpack --image "$work/layout:big" "$work/bundle" >/dev/null
head -c 1048576 /dev/urandom > "$work/block"
for _ in $(seq "$size_mib"); do cat "$work/block"; done > "$work/bundle/rootfs/big.bin"
umoci repack --image "$work/layout:big" "$work/bundle" >/dev/null
rm -rf "$work/bundle"
layer_bytes=$(du -sb "$work/layout/blobs" | cut -f1)

for mode in bare archive; do
  rm -rf "$work/repo"
  "$ocitree" --repo "$work/repo" init --mode "$mode"
  /usr/bin/time -f '%e %M' -o "$work/time" "$ocitree" --repo "$work/repo" pull "oci:$work/layout:big" >/dev/null
  read -r secs rss_kib < "$work/time"
  printf 'pull %s MiB file into %-7s repo: %6.2f s, peak RSS %6.1f MiB (blobs %s bytes)\n' \
    "$size_mib" "$mode" "$secs" "$(echo "$rss_kib / 1024" | bc -l)" "$layer_bytes"
done
