#!/usr/bin/env bash
# Builds the example OCI image from examples/rootfs with umoci, in two layers
# (the second deletes a file, so the pull has a whiteout to apply).
#   usage: scripts/make-example-image.sh LAYOUT_DIR   -> image LAYOUT_DIR:example
set -euo pipefail
src=$(cd "$(dirname "$0")/../examples/rootfs" && pwd)
layout=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/ocitree-example-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
umoci init --layout "$layout" >/dev/null
umoci new --image "$layout:example" >/dev/null
umoci config --image "$layout:example" --config.cmd /usr/bin/hello --created 2024-01-01T00:00:00Z >/dev/null
umoci unpack --image "$layout:example" "$work/bundle" >/dev/null
cp -a "$src/." "$work/bundle/rootfs/"
echo "removed in the second layer" > "$work/bundle/rootfs/etc/obsolete"
umoci repack --refresh-bundle --image "$layout:example" "$work/bundle" >/dev/null
rm "$work/bundle/rootfs/etc/obsolete"
umoci repack --refresh-bundle --image "$layout:example" "$work/bundle" >/dev/null
