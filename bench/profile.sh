#!/usr/bin/env bash
# profile.sh — where ocitree spends its time on one benchmark job: the
# user/sys/wall split and context switches (/usr/bin/time -v), the syscalls
# that take the time (strace -c -f), and the hottest functions, sampled by
# `perf record -e cpu-clock --call-graph dwarf` (a software clock, so it works
# on VMs without a PMU; `perf stat -e instructions true` says <not supported>
# there) or, with --callgrind (or when perf does not work), by
# `valgrind --tool=callgrind` (slow: use a small input such as `second`).
# Inputs come from make-inputs.sh. Writes $BENCH_DIR/profile-JOB-<date>.txt.
#
#   usage: bench/profile.sh [--callgrind] [--top N] JOB
#   JOBs:  pull-archive pull-bare pull-bare-user-only   (minbase image)
#          layers (three-layer image, flattened, bare)  second (layered, archive)
#          checkout (-U -H, bare-user-only)  fsck (archive)  synth100k (archive)
#          bigfiles (bare)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tool=perf
top=30
while [ $# -gt 0 ]; do
  case $1 in
    --callgrind) tool=callgrind ;;
    --top) top=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 1 ] || die "usage: bench/profile.sh [--callgrind] [--top N] JOB"
job=$1
OCITREE=$(command -v "$OCITREE")
D=$INPUTS/debian
P=$BENCH_DIR/profile-work
rm -rf "$P"
mkdir -p "$P"
trap 'rm -rf "$P"' EXIT
out=$BENCH_DIR/profile-$job-$(date +%Y%m%d-%H%M%S).txt

repo_with() { # repo_with MODE IMAGE: $P/base holding IMAGE on branch bench
  "$OCITREE" --repo "$P/base" init --mode "$1"
  "$OCITREE" --repo "$P/base" pull -b bench "$2" >/dev/null 2>&1
}
case $job in
  pull-archive|pull-bare|pull-bare-user-only)
    bash "$BENCH_LIB/make-inputs.sh" minbase >/dev/null
    "$OCITREE" --repo "$P/r" init --mode "${job#pull-}"
    CMD=("$OCITREE" --repo "$P/r" pull -b bench "oci:$D:minbase") ;;
  layers)
    bash "$BENCH_LIB/make-inputs.sh" three >/dev/null
    "$OCITREE" --repo "$P/r" init --mode bare
    CMD=("$OCITREE" --repo "$P/r" pull -b bench --storage flattened "oci:$D:three") ;;
  second)
    bash "$BENCH_LIB/make-inputs.sh" second >/dev/null
    "$OCITREE" --repo "$P/r" init --mode archive
    CMD=("$OCITREE" --repo "$P/r" pull -b bench "oci:$D:second") ;;
  checkout)
    bash "$BENCH_LIB/make-inputs.sh" minbase >/dev/null
    repo_with bare-user-only "oci:$D:minbase"
    CMD=("$OCITREE" --repo "$P/base" checkout -U -H bench "$P/co") ;;
  fsck)
    bash "$BENCH_LIB/make-inputs.sh" minbase >/dev/null
    repo_with archive "oci:$D:minbase"
    CMD=("$OCITREE" --repo "$P/base" fsck) ;;
  synth100k)
    bash "$BENCH_LIB/make-inputs.sh" synth100k >/dev/null
    "$OCITREE" --repo "$P/r" init --mode archive
    CMD=("$OCITREE" --repo "$P/r" pull -b bench "oci:$INPUTS/synth:s100k") ;;
  bigfiles)
    bash "$BENCH_LIB/make-inputs.sh" bigfiles >/dev/null
    "$OCITREE" --repo "$P/r" init --mode bare
    CMD=("$OCITREE" --repo "$P/r" pull -b bench "oci:$INPUTS/bigfiles:bigfiles") ;;
  *) die "unknown job $job" ;;
esac

# reset JOB's output between the passes
again() {
  case $job in
    checkout) rm -rf "$P/co" ;;
    fsck) ;;
    *) local m; m=$(sed -n 's/^mode=//p' "$P/r/config"); rm -rf "$P/r"; "$OCITREE" --repo "$P/r" init --mode "$m" ;;
  esac
  sync
}

# tidy: perf's report without comments, blank lines, padding and empty columns
tidy() { grep -v -e '^#' -e '^$' | sed 's/  */ /g; s/\( -\)* *$//' | cut -c1-200; }

{
  echo "# profile of: ${CMD[*]}"
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, ocitree $(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null)"
  echo
  echo "## /usr/bin/time -v"
  sync
  /usr/bin/time -v "${CMD[@]}" 2>&1 >/dev/null | grep -E 'Elapsed|User time|System time|Percent of CPU|Maximum resident|context switches|File system (inputs|outputs)'
  echo
  if command -v strace >/dev/null; then
    again
    echo "## strace -c -f (syscall time; the run is slower under strace)"
    strace -c -f -o "$P/strace.txt" "${CMD[@]}" >/dev/null 2>&1 || true
    head -n 25 "$P/strace.txt"
    echo
  fi
  again
  if [ $tool = perf ] && perf record -e cpu-clock -o "$P/probe.data" -- true >/dev/null 2>&1; then
    echo "## perf: self time by function (cpu-clock samples, all threads)"
    perf record -q -e cpu-clock -F 999 --call-graph dwarf,16384 -o "$P/perf.data" -- "${CMD[@]}" >/dev/null 2>&1 || true
    perf report -i "$P/perf.data" --stdio --no-children --sort dso,symbol --percent-limit 0.5 \
      -g none 2>/dev/null | tidy | head -n "$top"
    echo
    echo "## perf: by thread"
    perf report -i "$P/perf.data" --stdio --no-children --sort pid -g none 2>/dev/null | tidy | head -n 12
    echo
    echo "## perf: inclusive time (children) of ocitree's functions and of what they call"
    perf report -i "$P/perf.data" --stdio --children --sort symbol --percent-limit 2 -g none 2>/dev/null |
      tidy | grep -v -E '_start|__libc_start|CLI::|main$|_Function_handler' | head -n "$top"
  else
    echo "## callgrind: inclusive cost by function"
    valgrind --tool=callgrind --callgrind-out-file="$P/cg.out" "${CMD[@]}" >/dev/null 2>&1 || true
    callgrind_annotate --inclusive=yes "$P/cg.out" 2>/dev/null | head -n $((top + 20))
  fi
} | tee "$out"
log "saved $out"
