#!/usr/bin/env bash
# The whole test suite: installs what is needed (build tools, libraries and the
# oracle tools), builds, then runs the unit and integration tests with CTest,
# then the sanitizer and fuzzing step.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
# The sanitizer build (clang, its own directory) compiles at the lowest
# priority while CTest runs, on the CPU time the tests leave idle (they wait
# on disks, child processes and servers a good part of the time).
log=$(mktemp)
# (setsid: its own process group, so that a failing test run stops the
# compilers too)
OCITREE_SANITIZE_BUILD_ONLY=1 setsid nice -n 19 bash scripts/sanitize-and-fuzz.sh >"$log" 2>&1 &
sanitize_build=$!
trap 'kill -- -"$sanitize_build" 2>/dev/null || true; rm -f "$log"' EXIT
(cd "${OCITREE_BUILD_DIR:-build}" && ctest --output-on-failure -j "$(nproc)" --timeout 900)
if ! wait "$sanitize_build"; then
  cat "$log" >&2
  echo "test.sh: the sanitizer build failed" >&2
  exit 1
fi
tail -n 1 "$log"
# The unit suite under ASan+UBSan and a short run of every fuzz target on its
# seed corpus (fuzz/README.md); the build above is up to date by now.
bash scripts/sanitize-and-fuzz.sh
