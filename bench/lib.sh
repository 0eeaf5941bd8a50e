# lib.sh — shared functions of the benchmark scripts (sourced, not run).
#
# Paths (all overridable from the environment):
#   BENCH_DIR   where inputs, scratch repos and results live (/var/tmp/ocitree-bench)
#   INPUTS      $BENCH_DIR/inputs: the cached input images and tars (make-inputs.sh)
#   WORK        $BENCH_DIR/work: scratch repos and checkouts of one run (wiped per row)
#   OCITREE     the ocitree binary (default: build-bench/ocitree, then build/ocitree)
#
# Measuring: a "measurement" NAME is two shell functions, prep_NAME (untimed:
# clean up, create an empty repo, ...) and cmd_NAME, which sets the array CMD to
# the command to time. run_group runs a list of measurements RUNS times,
# interleaved (odd rounds in the given order, even rounds reversed, so drift of
# this machine's disk hits every tool alike), each under
# `/usr/bin/time -f '%e %M'`, and appends one line per run to $RESULTS:
#   NAME <tab> ROUND <tab> SECONDS <tab> PEAK_RSS_KIB <tab> EXIT_STATUS
# The row scripts then read medians (median_secs) and peaks (max_rss_kib).

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_LIB=$BENCH_ROOT/bench
BENCH_DIR=${BENCH_DIR:-/var/tmp/ocitree-bench}
INPUTS=${INPUTS:-$BENCH_DIR/inputs}
WORK=${WORK:-$BENCH_DIR/work}
export LC_ALL=C.UTF-8

if [ -z "${OCITREE:-}" ]; then
  for c in "$BENCH_ROOT/build-bench/ocitree" "$BENCH_ROOT/build/ocitree"; do
    if [ -x "$c" ]; then OCITREE=$c; break; fi
  done
fi
OCITREE=${OCITREE:-ocitree}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

need_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || die "$t not found (run: bash bench/install-bench-deps.sh)"
  done
}

# fixtimes DIR: one mtime for everything, so that umoci's layer diffs see
# content and metadata changes only, never the time a tree was made.
fixtimes() { find "$1" -exec touch -h -d @1700000000 {} +; }

# layer_blob LAYOUT TAG [INDEX]: path of the INDEX-th layer blob (default: the
# last) of image TAG in LAYOUT.
layer_blob() {
  python3 - "$1" "$2" "${3:--1}" <<'EOF'
import json, os, sys
layout, tag, i = sys.argv[1], sys.argv[2], int(sys.argv[3])
def blob(d):
    a, h = d.split(":", 1)
    return os.path.join(layout, "blobs", a, h)
idx = json.load(open(os.path.join(layout, "index.json")))
for m in idx["manifests"]:
    if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == tag:
        man = json.load(open(blob(m["digest"])))
        print(blob(man["layers"][i]["digest"]))
        break
else:
    sys.exit("layer_blob: no tag %s in %s" % (tag, layout))
EOF
}

# image_bytes LAYOUT TAG: total size of the image's layer blobs
image_bytes() {
  python3 - "$1" "$2" <<'EOF'
import json, os, sys
layout, tag = sys.argv[1], sys.argv[2]
def blob(d):
    a, h = d.split(":", 1)
    return os.path.join(layout, "blobs", a, h)
idx = json.load(open(os.path.join(layout, "index.json")))
for m in idx["manifests"]:
    if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == tag:
        man = json.load(open(blob(m["digest"])))
        print(sum(l["size"] for l in man["layers"]))
EOF
}

# warm FILE...: read inputs once so every tool starts from the page cache
warm() { cat "$@" >/dev/null; }

# fresh DIR...: move scratch directories (or files) out of the way, into
# $TRASH; settle deletes them between groups. Deleting here would charge the
# next timed command for it: ext4 without a journal (the root filesystem of
# the VM these figures come from) passes over inodes freed in the last 60 s
# (360 s while their inode table block is dirty) when it allocates new ones,
# looking each one up (recently_deleted() in fs/ext4/ialloc.c); in a perf
# profile of a slow 100k-file pull that and its buffer lookups took a third
# of the samples. The sync flushes the setup's writeback, so that it does not
# land in the next run's time. Then the page cache of what was moved is
# dropped (evict.py says why), so every run of a group starts with the same
# memory: the inputs cached, the old outputs not.
TRASH=$WORK/.trash
fresh() {
  local d moved=()
  mkdir -p "$TRASH"
  for d in "$@"; do
    if [ -e "$d" ] || [ -L "$d" ]; then
      moved+=("$TRASH/$(date +%s%N)-$RANDOM")
      mv "$d" "${moved[-1]}"
    fi
  done
  sync
  if [ ${#moved[@]} -gt 0 ]; then python3 "$BENCH_LIB/evict.py" "${moved[@]}"; fi
}

# settle: delete what fresh set aside, then wait until ext4 no longer treats
# the freed inodes as recent (BENCH_SETTLE seconds, 65 by default; 0 skips
# the wait, e.g. on tmpfs). 65 s covers the 60 s window of a clean inode
# table block only: the next run's own writes dirty those blocks, and a
# dirty block's freed inodes stay recent for 360 s (RECENTCY_MIN +
# RECENTCY_DIRTY in ialloc.c). The synth row, which compares one pull with
# another across two groups, waits that long (SETTLE_SECS, set by the row).
settle() {
  local wait=${SETTLE_SECS:-${BENCH_SETTLE:-65}}
  if [ -d "$TRASH" ] && [ -n "$(ls -A "$TRASH")" ]; then
    log "settle: deleting old scratch data, then waiting $wait s (see fresh)"
    rm -rf "$TRASH"
    sync
    deleted
    sleep "$wait"
  fi
}

# deleted: notes when scratch data was last deleted, for wait_after_delete.
deleted() { date +%s >"$BENCH_DIR/.last-delete"; }

# wait_after_delete: a run started within BENCH_SETTLE seconds of a delete
# (the last run's exit deletes its scratch data) waits out the rest first;
# its first group would run slow otherwise, and the group after it not.
wait_after_delete() {
  local wait=${BENCH_SETTLE:-65} last now left
  wait=${wait%.*}
  last=$(cat "$BENCH_DIR/.last-delete" 2>/dev/null || echo 0)
  now=$(date +%s)
  left=$((last + ${wait:-0} - now))
  [ "$left" -le "${wait:-0}" ] || left=${wait:-0}  # a clock that stepped back
  if [ "$left" -gt 0 ]; then
    log "scratch data was deleted $((now - last)) s ago: waiting $left s first (see fresh)"
    sleep "$left"
  fi
}

# --------------------------------------------------------------- measuring --
RESULTS=${RESULTS:-$WORK/results.tsv}

# time_one NAME ROUND: prep_NAME, then cmd_NAME under /usr/bin/time
time_one() {
  local name=$1 round=$2 tf logf status secs rss
  tf=$(mktemp)
  logf=$LOGDIR/$name.$round.log
  "prep_$name" >"$logf.prep" 2>&1 || { cat "$logf.prep" >&2; die "prep_$name failed"; }
  sync
  CMD=()
  "cmd_$name"
  status=0
  /usr/bin/time -f '%e %M' -o "$tf" "${CMD[@]}" >"$logf" 2>&1 || status=$?
  # /usr/bin/time appends "Command exited with non-zero status N" first
  read -r secs rss < <(tail -n 1 "$tf")
  rm -f "$tf"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$secs" "$rss" "$status" >>"$RESULTS"
  if [ "$status" -ne 0 ]; then
    log "  $name round $round: exit $status: $(grep -v '^$' "$logf" | tail -n 1)"
  else
    log "  $name round $round: ${secs} s, $((rss / 1024)) MiB"
  fi
}

# run_group RUNS NAME...: every measurement RUNS times, interleaved
run_group() {
  local runs=$1 r n
  shift
  settle
  local names=("$@") rev=()
  for ((n = ${#names[@]} - 1; n >= 0; n--)); do rev+=("${names[n]}"); done
  for ((r = 1; r <= runs; r++)); do
    if ((r % 2)); then
      for n in "${names[@]}"; do time_one "$n" "$r"; done
    else
      for n in "${rev[@]}"; do time_one "$n" "$r"; done
    fi
  done
}

# median_secs NAME: median wall time of NAME's successful runs ("" if none)
median_secs() {
  awk -F'\t' -v n="$1" '$1 == n && $5 == 0 { print $3 }' "$RESULTS" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) printf "%.2f", v[(NR + 1) / 2];
                              else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# max_rss_kib NAME: peak RSS over NAME's successful runs
max_rss_kib() {
  awk -F'\t' -v n="$1" '$1 == n && $5 == 0 { if ($4 > m) m = $4; f = 1 } END { if (f) print m }' "$RESULTS"
}

# failed_runs NAME: number of runs that exited non-zero
failed_runs() {
  awk -F'\t' -v n="$1" '$1 == n && $5 != 0 { c++ } END { print c + 0 }' "$RESULTS"
}

# first_error NAME: the last line of the first failed run's output
first_error() {
  local r
  r=$(awk -F'\t' -v n="$1" '$1 == n && $5 != 0 { print $2; exit }' "$RESULTS")
  [ -n "$r" ] && grep -v '^$' "$LOGDIR/$1.$r.log" | tail -n 1 | cut -c1-160
}

# ------------------------------------------------------------------ report --
# Table rows are collected in $TABLE (markdown), one per comparison.
TABLE=${TABLE:-$WORK/table.md}

mib() { [ -n "$1" ] && awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

# rss_cell KIB LIMIT_MIB: "57" or "57 (> 64)"
rss_cell() {
  local m
  m=$(mib "$1")
  if [ -z "$m" ]; then echo "-"; elif [ -n "${2:-}" ] && [ "$m" -gt "$2" ]; then echo "**$m** (> $2)"; else echo "$m"; fi
}

# compare WORK OCI_NAME PEER_LABEL PEER_NAME TARGET [RSS_LIMIT_MIB]
#   one table line: medians, ratio OCI/PEER, target "<= TARGET", PASS/MISS.
#   TARGET "-" means informational (no target).
compare() {
  local work=$1 a=$2 plabel=$3 b=$4 target=$5 rlimit=${6:-64}
  local ta tb ratio verdict ra rb fa fb
  ta=$(median_secs "$a"); tb=$(median_secs "$b")
  fa=$(failed_runs "$a"); fb=$(failed_runs "$b")
  ra=$(max_rss_kib "$a"); rb=$(max_rss_kib "$b")
  if [ -z "$ta" ]; then
    printf '| %s | error: %s | %s | %s | - | %s | MISS | - | %s |\n' "$work" "$(first_error "$a")" \
      "$plabel" "${tb:--}" "$([ "$target" = - ] && echo - || echo "≤ $target")" "$(rss_cell "$rb")" >>"$TABLE"
    return
  fi
  if [ -z "$tb" ]; then
    printf '| %s | %s | %s | error: %s | - | %s | - | %s | - |\n' "$work" "$ta" "$plabel" \
      "$(first_error "$b")" "$([ "$target" = - ] && echo - || echo "≤ $target")" "$(rss_cell "$ra" "$rlimit")" >>"$TABLE"
    return
  fi
  ratio=$(awk -v a="$ta" -v b="$tb" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }')
  if [ "$target" = - ]; then
    verdict=-
  elif awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r != "inf" && r <= t) }'; then
    verdict=PASS
  else
    verdict=MISS
  fi
  # an RSS over the limit fails the line too
  if [ -n "$ra" ] && [ "$(mib "$ra")" -gt "$rlimit" ] && [ "$verdict" = PASS ]; then verdict="MISS (RSS)"; fi
  [ "$fa" -gt 0 ] && ta="$ta ($fa failed)"
  [ "$fb" -gt 0 ] && tb="$tb ($fb failed)"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$work" "$ta" "$plabel" "$tb" "$ratio" \
    "$([ "$target" = - ] && echo - || echo "≤ $target")" "$verdict" "$(rss_cell "$ra" "$rlimit")" \
    "$(rss_cell "$rb")" >>"$TABLE"
}

# na WORK PEER_LABEL TARGET WHY: a line for work that cannot be measured yet
na() {
  printf '| %s | n/a (%s) | %s | - | - | %s | - | - | - |\n' "$1" "$4" "$2" \
    "$([ "$3" = - ] && echo - || echo "≤ $3")" >>"$TABLE"
}

table_header() {
  cat <<'EOF'
| work | ocitree s (median) | peer | peer s (median) | ratio ocitree/peer | target | result | ocitree peak RSS MiB | peer peak RSS MiB |
|---|---|---|---|---|---|---|---|---|
EOF
}

# machine_info: markdown lines describing this machine and the tools
machine_info() {
  local cpu ram fs dirty rev
  cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
  ram=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  fs=$(df -PT "$BENCH_DIR" | awk 'NR == 2 { print $2 " on " $1 " (" $7 ")" }')
  rev=$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
  dirty=$(git -C "$BENCH_ROOT" status --porcelain -- src include CMakeLists.txt 2>/dev/null | wc -l)
  [ "$dirty" -gt 0 ] && rev="$rev + $dirty uncommitted changes in src/include"
  echo "- machine: $(nproc) CPUs ($cpu), $ram RAM, Linux $(uname -r), $BENCH_DIR on $fs"
  echo "- ocitree: $OCITREE ($rev)"
  echo "- load average when the table was written: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the times)"
  echo "- peers: $(ostree --version | sed -n "s/^ *Version: *'\?\([^']*\)'\?/ostree \1/p"), $(umoci --version | sed 's/ version//'), $(skopeo --version | sed 's/ version//'), $(tar --version | head -n 1), $(gzip --version | head -n 1)"
}
