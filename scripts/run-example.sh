#!/usr/bin/env bash
# The main job on the example shipped in the repo: installs what is needed,
# builds, then commits examples/rootfs into a fresh repository, checks it with
# ocitree fsck and the real ostree fsck, and checks it out again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
ocitree=${OCITREE_BUILD_DIR:-build}/ocitree
work=$(mktemp -d "${TMPDIR:-/tmp}/ocitree-example.XXXXXX")
trap 'rm -rf "$work"' EXIT

set -x
"$ocitree" --repo "$work/repo" init --mode archive
"$ocitree" --repo "$work/repo" commit -b example/main --tree=dir=examples/rootfs \
  -s "Example tree" --timestamp 2024-01-01T00:00:00Z
"$ocitree" --repo "$work/repo" ls -R example/main
"$ocitree" --repo "$work/repo" fsck
ostree fsck --repo="$work/repo"
"$ocitree" --repo "$work/repo" checkout example/main "$work/checkout"
"$work/checkout/usr/bin/hello"
diff -r examples/rootfs "$work/checkout"
set +x
echo "example: committed, verified by ocitree and ostree fsck, and checked out identically"
