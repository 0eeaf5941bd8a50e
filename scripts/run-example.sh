#!/usr/bin/env bash
# The main job on the example shipped in the repo: installs what is needed,
# builds, makes an OCI image of examples/rootfs with umoci, pulls it into a
# fresh OSTree repository, checks the repository with ocitree fsck and the
# real ostree fsck, and checks the tree out again. It also commits the same
# tree directly, as `ostree commit` would.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
ocitree=${OCITREE_BUILD_DIR:-build}/ocitree
work=$(mktemp -d "${TMPDIR:-/tmp}/ocitree-example.XXXXXX")
trap 'rm -rf "$work"' EXIT

bash scripts/make-example-image.sh "$work/layout"
set -x
"$ocitree" --repo "$work/repo" init --mode archive
"$ocitree" --repo "$work/repo" pull -b example/image "oci:$work/layout:example"
"$ocitree" --repo "$work/repo" images
"$ocitree" --repo "$work/repo" commit -b example/main --tree=dir=examples/rootfs \
  -s "Example tree" --timestamp 2024-01-01T00:00:00Z
"$ocitree" --repo "$work/repo" ls -R example/image
"$ocitree" --repo "$work/repo" fsck
ostree fsck --repo="$work/repo"
"$ocitree" --repo "$work/repo" checkout example/image "$work/checkout"
"$work/checkout/usr/bin/hello"
diff -r examples/rootfs "$work/checkout"
"$ocitree" --repo "$work/repo" push --reconstruct example/image "oci:$work/rebuilt:example"
set +x
# The rebuilt image has the original config (same digest), hence the same diff_ids, and its
# layers decompress to tars with exactly those digests (ocitree checked them while writing).
config_digest() { skopeo inspect --raw "oci:$1:example" | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])'; }
[ "$(config_digest "$work/layout")" = "$(config_digest "$work/rebuilt")" ] ||
  { echo "example: the rebuilt image has another config" >&2; exit 1; }
echo "example: pulled and committed, verified by ocitree and ostree fsck, checked out identically, rebuilt with the original diff_ids"
