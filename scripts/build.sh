#!/usr/bin/env bash
# Configures and builds ocitree into ./build (or $OCITREE_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${OCITREE_BUILD_DIR:-build}
# OCITREE_UNITY=ON|OFF sets the CMake option of that name (unity batches for
# the library; CMakeLists.txt); unset leaves the build directory's setting.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} \
  ${OCITREE_UNITY:+-DOCITREE_UNITY=$OCITREE_UNITY} >/dev/null
cmake --build "$build" -j "$(nproc)"
