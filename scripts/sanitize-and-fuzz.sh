#!/usr/bin/env bash
# The sanitizer and fuzzing step of the test suite (docs/ARCHITECTURE.md,
# "Fuzzing and sanitizers"; fuzz/README.md):
#
#   1. builds the library, ocitree_unit_tests and the libFuzzer targets of
#      fuzz/ with clang, AddressSanitizer and UndefinedBehaviorSanitizer, in
#      one build directory so the library is compiled once;
#   2. runs the whole unit suite under the sanitizers (any report fails it);
#   3. runs each fuzz target over its checked-in seed corpus for a short time
#      and fails on any crash, leak, timeout or broken property.
#
# Environment:
#   OCITREE_SANITIZE_BUILD_DIR  build directory (default build-sanitize)
#   OCITREE_FUZZ_SECONDS        seconds per fuzz target (default 10; 0 = only
#                               replay the corpus)
#   OCITREE_FUZZ_TARGETS        space-separated subset of targets (default all)
#   OCITREE_JOBS                build jobs, unit shards and fuzzers run at
#                               once (default nproc)
#   OCITREE_SKIP_UNIT=1         skip step 2 (when only fuzzing)
#   OCITREE_SANITIZE_OPT        optimisation level (default -O0; -O1 fuzzes
#                               several times faster but builds slower)
# New inputs the fuzzers find go to a temporary directory, never into
# fuzz/corpus; crash inputs are kept in $build/fuzz-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${OCITREE_SANITIZE_BUILD_DIR:-build-sanitize}
seconds=${OCITREE_FUZZ_SECONDS:-10}
jobs=${OCITREE_JOBS:-$(nproc)}

if ! command -v clang++ >/dev/null; then
  echo "sanitize-and-fuzz: clang++ is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
fi

start=$(date +%s)
# Line tables only: the sanitizers need no more for file:line stacks. -O0
# builds in about two thirds of the time of -O1 (this step's cost is mostly
# the build); long fuzzing runs want OCITREE_SANITIZE_OPT=-O1 in their own
# build directory. assert() stays on (no NDEBUG).
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  "-DCMAKE_CXX_FLAGS_DEBUG=${OCITREE_SANITIZE_OPT:--O0} -gline-tables-only" \
  -DOCITREE_SANITIZE=address,undefined -DOCITREE_FUZZ=ON -DOCITREE_UNITY=ON >/dev/null
cmake --build "$build" -j "$jobs" --target ocitree_unit_tests ocitree_fuzzers
built=$(date +%s)
echo "sanitize-and-fuzz: build took $((built - start)) s"

symbolizer=$(command -v llvm-symbolizer || true)
[ -n "$symbolizer" ] || [ ! -x /usr/lib/llvm-14/bin/llvm-symbolizer ] || symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
if [ -n "$symbolizer" ]; then export ASAN_SYMBOLIZER_PATH=$symbolizer; fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "${OCITREE_SKIP_UNIT:-0}" != 1 ]; then
  # Sharded over the cores (the tests are independent processes under ctest
  # too); each shard's output is shown only if it fails.
  echo "sanitize-and-fuzz: unit suite under ASan+UBSan ($jobs shards)"
  pids=()
  for ((i = 0; i < jobs; i++)); do
    GTEST_TOTAL_SHARDS=$jobs GTEST_SHARD_INDEX=$i "$build/ocitree_unit_tests" --gtest_brief=1 \
      >"$work/unit-$i.log" 2>&1 &
    pids+=($!)
  done
  for ((i = 0; i < jobs; i++)); do
    if wait "${pids[$i]}"; then
      tail -n 1 "$work/unit-$i.log"
    else
      echo "sanitize-and-fuzz: unit shard $i FAILED:" >&2
      cat "$work/unit-$i.log" >&2
      failed+=("ocitree_unit_tests (shard $i)")
    fi
  done
  unit_done=$(date +%s)
  echo "sanitize-and-fuzz: unit suite took $((unit_done - built)) s"
fi

targets=${OCITREE_FUZZ_TARGETS:-$(cd fuzz && ls -- *_fuzz.cc | sed 's/\.cc$//')}
artifacts=$root/$build/fuzz-artifacts
mkdir -p "$artifacts"
# One target: replays every seed (crash inputs that were fixed included),
# then mutates for $seconds; -timeout and -rss_limit_mb turn hangs and memory
# blowups into failures too. Writes its exit status to $work/<target>.rc.
run_target() {
  local t=$1 corpus=fuzz/corpus/$1
  local log=$artifacts/$t.log
  local args=(-timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
              -artifact_prefix="$artifacts/$t-")
  [ -f "fuzz/dict/$t.dict" ] && args+=(-dict="fuzz/dict/$t.dict")
  if [ "$seconds" -gt 0 ]; then args+=(-max_total_time="$seconds"); else args+=(-runs=0); fi
  mkdir -p "$work/$t"
  local rc=0
  "$build/fuzz/$t" "${args[@]}" "$work/$t" "$corpus" >"$log" 2>&1 || rc=$?
  echo "$rc" >"$work/$t.rc"
}
echo "sanitize-and-fuzz: fuzzing ${seconds}s per target, $jobs at a time"
running=0
for t in $targets; do
  if [ ! -d "fuzz/corpus/$t" ] || [ ! -x "$build/fuzz/$t" ]; then
    echo "sanitize-and-fuzz: $t: no such target or no seed corpus fuzz/corpus/$t" >&2
    failed+=("$t")
    continue
  fi
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait
for t in $targets; do
  [ -f "$work/$t.rc" ] || continue
  log=$artifacts/$t.log
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ "$(cat "$work/$t.rc")" = 0 ]; then
    echo "sanitize-and-fuzz: $t: ok, ${runs:-?} runs, $(find "$work/$t" -type f | wc -l) new inputs"
  else
    echo "sanitize-and-fuzz: $t FAILED (log: $log); the end of its log:" >&2
    tail -n 60 "$log" >&2
    failed+=("$t")
  fi
done

echo "sanitize-and-fuzz: took $(($(date +%s) - start)) s in all"
if [ ${#failed[@]} -gt 0 ]; then
  echo "sanitize-and-fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "sanitize-and-fuzz: all passed"
