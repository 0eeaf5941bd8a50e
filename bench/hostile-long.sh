#!/usr/bin/env bash
# hostile-long.sh — the long versions of the crash and concurrency harnesses
# (issue 8). The test suite runs them short (4 kills per command, 3 rounds);
# this runs them long and prints what was done:
#
#   N=200 ROUNDS=20 bash bench/hostile-long.sh      # the defaults (hours on 2 cores)
#   N=8 ROUNDS=2 bash bench/hostile-long.sh         # a quick proof that it works
#
#   N        SIGKILLs per command for tests/integration/test_crash_kill.sh
#            (CRASH_ITERATIONS; 5 commands: two pulls, commit, push, prune)
#   ROUNDS   rounds of tests/integration/test_concurrent_writers.sh
#            (CONCURRENCY_ROUNDS; each: 4 pulls, 2 commits, 2 prunes, ostree readers)
#   SEED     CRASH_SEED for the crash harness (default: random; printed for replay)
#   ONLY     crash | concurrent: run one harness only
#   OCITREE  the binary (default: build-bench/ocitree, then build/ocitree)
#
# Logs go to $BENCH_DIR/hostile-<date>/ (BENCH_DIR as in lib.sh); the summary
# (iterations, kills, checks, pass/fail, time) is printed and saved beside
# them. Exit status: 0 when every harness passed.
set -u
source "$(dirname "$0")/lib.sh"
N=${N:-200}
ROUNDS=${ROUNDS:-20}
SEED=${SEED:-$RANDOM}
ONLY=${ONLY:-}
IT=$BENCH_ROOT/tests/integration
OCITREE=$(command -v "$OCITREE") || die "no ocitree binary (build one or set OCITREE)"
OUT=$BENCH_DIR/hostile-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
SUMMARY=$OUT/summary.md
status=0

# run NAME ENV... -- SCRIPT: one harness; its log in $OUT/NAME.log
run() {
  local name=$1; shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  local t0=$SECONDS rc=0
  log "$name: ${envs[*]} bash $1 (log: $OUT/$name.log)"
  env "${envs[@]}" OCITREE="$OCITREE" OCITREE_SOURCE_DIR="$BENCH_ROOT" bash "$1" > "$OUT/$name.log" 2>&1 || rc=$?
  SECS=$((SECONDS - t0))
  RESULT=$(grep -E '^(PASS|FAIL|SKIP)' "$OUT/$name.log" | tail -n 1)
  [ -n "$RESULT" ] || RESULT="FAIL: exit $rc, no result line"
  [ "$rc" -eq 0 ] || status=1
}

{
  echo "# hostile-long $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "ocitree: $OCITREE ($("$OCITREE" --version 2>&1 | head -n 1)); $(nproc) CPUs; $(uname -r)"
  echo
  echo "| harness | asked | done | result | time |"
  echo "|---|---|---|---|---|"
} > "$SUMMARY"

if [ -z "$ONLY" ] || [ "$ONLY" = crash ]; then
  run crash CRASH_ITERATIONS="$N" CRASH_SEED="$SEED" -- "$IT/test_crash_kill.sh"
  # test_crash_kill.sh: "K of M runs were killed while running; J kills followed by a consistent repository"
  done_line=$(grep -Eo '[0-9]+ of [0-9]+ runs were killed while running; [0-9]+ kills followed by a consistent repository' "$OUT/crash.log" | tail -n 1)
  echo "| test_crash_kill.sh (CRASH_SEED=$SEED) | $N kills per command | ${done_line:-no summary line} | $RESULT | ${SECS} s |" >> "$SUMMARY"
fi
if [ -z "$ONLY" ] || [ "$ONLY" = concurrent ]; then
  run concurrent CONCURRENCY_ROUNDS="$ROUNDS" -- "$IT/test_concurrent_writers.sh"
  rounds_done=$(grep -c '^==> round [0-9]*:' "$OUT/concurrent.log")
  echo "| test_concurrent_writers.sh | $ROUNDS rounds | $rounds_done rounds | $RESULT | ${SECS} s |" >> "$SUMMARY"
fi

echo >> "$SUMMARY"
[ "$status" -eq 0 ] && echo "all harnesses passed" >> "$SUMMARY" || echo "FAILED: see the logs in $OUT" >> "$SUMMARY"
cat "$SUMMARY"
exit "$status"
