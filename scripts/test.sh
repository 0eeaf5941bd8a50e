#!/usr/bin/env bash
# The whole test suite: installs what is needed (build tools, libraries and the
# oracle tools), builds, then runs the unit and integration tests with CTest,
# then the sanitizer and fuzzing step.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# A clean build in CI: the library in unity batches is much faster to build.
OCITREE_UNITY=${OCITREE_UNITY:-ON} bash scripts/build.sh
(cd "${OCITREE_BUILD_DIR:-build}" && ctest --output-on-failure -j "$(nproc)" --timeout 900)
# The unit suite under ASan+UBSan and a short run of every fuzz target on its
# seed corpus (fuzz/README.md).
bash scripts/sanitize-and-fuzz.sh
