#!/usr/bin/env bash
# run.sh — the benchmarks of issue 7: ocitree and the peer tools (ostree,
# umoci, skopeo, tar) on the same inputs in the same run, several runs each,
# interleaved; prints a markdown table of medians, ratios ocitree/peer, the
# issue's targets with PASS/MISS, and peak RSS, with the machine on top, and
# saves it to $BENCH_DIR/results-<date>.md (raw runs: results-<date>.tsv).
# Builds missing inputs first (make-inputs.sh). Must run as root.
#
#   usage: bench/run.sh [--quick] [--runs N] [--keep] [ROW...]
#     --quick   the rows on the Debian minbase image and the three-layer image
#               (no big-tree, synthetic 100k/1M-file or 1 GiB-file rows): about
#               10 minutes with 3 runs once the inputs exist (--runs 1: 4)
#     --runs N  runs of every measurement (default 3); BENCH_HUGE_RUNS sets the
#               runs of the 1M-file and 1 GiB-file rows (default: N)
#     --keep    keep the scratch repos in $BENCH_DIR/work
#   ROWs (default: all; --quick: pull layers second checkout fsck push registry):
#     pull      pull oci: minbase -> archive, bare, bare-user-only repos vs
#               `ostree commit --tree=tar=` of the same layer (device nodes
#               left out, gzip) into the same mode, and vs `tar -xzf` (floor)
#     layers    pull the three-layer image, flattened and layered, -> bare vs
#               `umoci unpack`
#     second    pull an image sharing the minbase layer into a repo that has
#               it (layered) vs into an empty repo
#     checkout  `ocitree checkout -U -H` vs `ostree checkout -U -H` (one
#               bare-user-only repo made by ocitree); `-U` from archive (copies)
#     fsck      `ocitree fsck` vs `ostree fsck`, on an archive repo made by
#               ocitree and on one made by `ostree commit`
#     push      `ocitree push` to oci: vs `ostree export | gzip`
#     registry  `ocitree pull docker://` from a local docker-registry vs the
#               same pull from the oci: layout, and vs `skopeo copy`
#     big       the minbase rows on the bigger Debian tree (~450 MB)
#     synth     100k- and 1M-file images -> archive: time per file, memory
#     bigfiles  three 1 GiB files -> bare and archive: time, memory (<= 100 MiB)
#   Environment: OCITREE (binary), BENCH_DIR, OCITREE_REGISTRY_FLAGS (extra
#   `pull` flags for the plain-HTTP registry; default --tls-verify=false when
#   `pull --help` lists it), OCITREE_PUSH_FLAGS.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

RUNS=3
quick=0
keep=0
rows=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --runs) RUNS=$2; shift ;;
    --runs=*) RUNS=${1#--runs=} ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) rows+=("$1") ;;
  esac
  shift
done
HUGE_RUNS=${BENCH_HUGE_RUNS:-$RUNS}
ALL_ROWS=(pull layers second checkout fsck push registry big synth bigfiles)
QUICK_ROWS=(pull layers second checkout fsck push registry)
if [ ${#rows[@]} -eq 0 ]; then
  if [ $quick = 1 ]; then rows=("${QUICK_ROWS[@]}"); else rows=("${ALL_ROWS[@]}"); fi
fi
[ "$(id -u)" = 0 ] || die "run.sh must run as root (bare repos and umoci keep owners)"
need_tools ostree umoci skopeo tar gzip python3 /usr/bin/time
[ -x "$OCITREE" ] || command -v "$OCITREE" >/dev/null || die "no ocitree binary: set OCITREE"
OCITREE=$(command -v "$OCITREE")

t_start=$(date +%s)
stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BENCH_DIR"
if [ -e "$WORK" ]; then
  rm -rf "$WORK"
  sync
  deleted
fi
mkdir -p "$WORK"
LOGDIR=$BENCH_DIR/logs-$stamp
mkdir -p "$LOGDIR"
RESULTS=$LOGDIR/runs.tsv
TABLE=$LOGDIR/table.md
: >"$RESULTS"
: >"$TABLE"
W=$WORK
D=$INPUTS/debian
REGISTRY_PID=
cleanup() {
  if [ -n "$REGISTRY_PID" ]; then kill "$REGISTRY_PID" 2>/dev/null || true; fi
  if [ $keep = 0 ]; then
    rm -rf "$WORK"
    sync
    deleted
  fi
}
trap cleanup EXIT

# def NAME PREP CMD...: measurement NAME; PREP is shell code (expanded now),
# CMD the command to time
def() {
  local n=$1 p=$2
  shift 2
  eval "prep_$n() { $p
  }"
  eval "cmd_$n() { CMD=($(printf '%q ' "$@")); }"
}
oci() { "$OCITREE" "$@"; }
# setup CMD...: an untimed step; its output goes to $LOGDIR/setup.log
setup() { "$@" >>"$LOGDIR/setup.log" 2>&1 || die "setup step failed: $* (see $LOGDIR/setup.log)"; }
# init_repo DIR MODE: a fresh, empty ocitree repo
init_repo() { fresh "$1"; oci --repo "$1" init --mode "$2"; }
section() { printf '| **%s** | | | | | | | | |\n' "$1" >>"$TABLE"; }

# ------------------------------------------------------------------- inputs --
needed=()
for r in "${rows[@]}"; do
  case $r in
    pull|second|checkout|fsck|push|registry) needed+=(minbase second) ;;
    layers) needed+=(three) ;;
    big) needed+=(big) ;;
    synth) needed+=(synth100k synth1m) ;;
    bigfiles) needed+=(bigfiles) ;;
    *) die "unknown row $r (rows: ${ALL_ROWS[*]})" ;;
  esac
done
t_inputs=$(date +%s)
bash "$BENCH_LIB/make-inputs.sh" $(printf '%s\n' "${needed[@]}" | sort -u)
t_inputs=$(($(date +%s) - t_inputs))
wait_after_delete

# pull_rows TAG NODEV_TGZ LABEL PREFIX: ocitree pull into the three modes vs
# ostree commit into the same modes, and tar -xzf of the same layer
pull_rows() {
  local tag=$1 tgz=$2 label=$3 p=$4 blob mode m names=()
  blob=$(layer_blob "$D" "$tag" 0)
  warm "$blob" "$tgz"
  for mode in archive bare bare-user-only; do
    m=${mode//-/_}
    def "${p}_oci_$m" "init_repo $W/$p-r-$m $mode" \
      "$OCITREE" --repo "$W/$p-r-$m" pull -b bench "oci:$D:$tag"
    def "${p}_ostree_$m" "fresh $W/$p-o-$m; ostree init --repo=$W/$p-o-$m --mode=$mode" \
      ostree commit --repo="$W/$p-o-$m" -b bench --tree=tar="$tgz"
    names+=("${p}_oci_$m" "${p}_ostree_$m")
  done
  def "${p}_tar" "fresh $W/$p-x; mkdir $W/$p-x" tar -xzf "$blob" -C "$W/$p-x"
  names+=("${p}_tar")
  run_group "$RUNS" "${names[@]}"
  section "$label"
  compare "pull oci: → archive" "${p}_oci_archive" "ostree commit --tree=tar= (archive)" "${p}_ostree_archive" 0.33
  compare "pull oci: → bare" "${p}_oci_bare" "ostree commit --tree=tar= (bare)" "${p}_ostree_bare" 0.6
  compare "pull oci: → bare" "${p}_oci_bare" "tar -xzf (floor)" "${p}_tar" 1.0
  compare "pull oci: → bare-user-only" "${p}_oci_bare_user_only" "ostree commit --tree=tar= (bare-user-only)" "${p}_ostree_bare_user_only" 0.6
  compare "pull oci: → bare-user-only" "${p}_oci_bare_user_only" "tar -xzf (floor)" "${p}_tar" 1.0
  fresh "$W"/"$p"-*
}

# --------------------------------------------------------------------- rows --
row_pull() {
  pull_rows minbase "$INPUTS/minbase-nodev.tar.gz" \
    "Debian minbase: one gzip layer, $(du -m "$(layer_blob "$D" minbase 0)" | cut -f1) MB, $(tar -tzf "$(layer_blob "$D" minbase 0)" | wc -l) entries" pull
}

row_big() {
  pull_rows big "$INPUTS/big-nodev.tar.gz" \
    "bigger Debian tree: one gzip layer, $(du -m "$(layer_blob "$D" big 0)" | cut -f1) MB, $(tar -tzf "$(layer_blob "$D" big 0)" | wc -l) entries" big
}

row_layers() {
  local blobs
  blobs=$(for i in 0 1 2; do layer_blob "$D" three $i; done)
  # shellcheck disable=SC2086
  warm $blobs
  def layers_oci_flat "init_repo $W/l-r bare" \
    "$OCITREE" --repo "$W/l-r" pull -b bench --storage flattened "oci:$D:three"
  def layers_oci_layered "init_repo $W/l-r2 bare" \
    "$OCITREE" --repo "$W/l-r2" pull -b bench "oci:$D:three"
  def layers_umoci "fresh $W/l-u" umoci unpack --image "$D:three" "$W/l-u"
  run_group "$RUNS" layers_oci_flat layers_oci_layered layers_umoci
  section "three-layer image (minbase, packages, cleanup with whiteouts): $(($(image_bytes "$D" three) / 1000000)) MB of gzip layers"
  compare "pull, flattened → bare" layers_oci_flat "umoci unpack" layers_umoci 0.6
  compare "pull, layered → bare" layers_oci_layered "umoci unpack" layers_umoci -
  fresh "$W"/l-*
}

row_second() {
  log "second: a repo holding the minbase image (layered, archive)"
  init_repo "$W/s-base" archive
  setup oci --repo "$W/s-base" pull -b base "oci:$D:minbase"
  warm "$(layer_blob "$D" second)" "$(layer_blob "$D" second 0)"
  def second_shared "fresh $W/s-r; cp -a $W/s-base $W/s-r" \
    "$OCITREE" --repo "$W/s-r" pull -b second "oci:$D:second"
  def second_empty "init_repo $W/s-r2 archive" \
    "$OCITREE" --repo "$W/s-r2" pull -b second "oci:$D:second"
  run_group "$RUNS" second_shared second_empty
  section "second image: minbase + a $(($(du -k "$(layer_blob "$D" second)" | cut -f1))) KiB layer, archive repo"
  compare "pull, layered, base layer stored" second_shared "same pull into an empty repo" second_empty 0.2
  fresh "$W"/s-*
}

row_checkout() {
  log "checkout: a bare-user-only and an archive repo holding minbase"
  init_repo "$W/c-buo" bare-user-only
  setup oci --repo "$W/c-buo" pull -b bench "oci:$D:minbase"
  init_repo "$W/c-ar" archive
  setup oci --repo "$W/c-ar" pull -b bench "oci:$D:minbase"
  def co_oci_hard "fresh $W/c-d1" "$OCITREE" --repo "$W/c-buo" checkout -U -H bench "$W/c-d1"
  def co_ostree_hard "fresh $W/c-d2" ostree checkout --repo="$W/c-buo" -U -H bench "$W/c-d2"
  def co_oci_copy "fresh $W/c-d3" "$OCITREE" --repo "$W/c-ar" checkout -U bench "$W/c-d3"
  # ostree -U from an archive repo fills uncompressed-objects-cache/ and
  # hardlinks from it on the next checkout: drop the cache so every run copies
  def co_ostree_copy "fresh $W/c-d4 $W/c-ar/uncompressed-objects-cache" \
    ostree checkout --repo="$W/c-ar" -U bench "$W/c-d4"
  run_group "$RUNS" co_oci_hard co_ostree_hard co_oci_copy co_ostree_copy
  section "checkout of minbase (repos made by ocitree pull)"
  compare "checkout -U -H (bare-user-only repo)" co_oci_hard "ostree checkout -U -H" co_ostree_hard 0.7
  compare "checkout -U (archive repo: copies)" co_oci_copy "ostree checkout -U" co_ostree_copy -
  fresh "$W"/c-*
}

row_fsck() {
  log "fsck: archive repos of minbase made by ocitree pull and by ostree commit"
  init_repo "$W/f-oci" archive
  setup oci --repo "$W/f-oci" pull -b bench "oci:$D:minbase"
  fresh "$W/f-ost"
  ostree init --repo="$W/f-ost" --mode=archive
  setup ostree commit --repo="$W/f-ost" -b bench --tree=tar="$INPUTS/minbase-nodev.tar.gz"
  def fsck_oci_ocirepo ":" "$OCITREE" --repo "$W/f-oci" fsck
  def fsck_ostree_ocirepo ":" ostree fsck --repo="$W/f-oci"
  def fsck_oci_ostreerepo ":" "$OCITREE" --repo "$W/f-ost" fsck
  def fsck_ostree_ostreerepo ":" ostree fsck --repo="$W/f-ost"
  run_group "$RUNS" fsck_oci_ocirepo fsck_ostree_ocirepo fsck_oci_ostreerepo fsck_ostree_ostreerepo
  section "fsck of an archive repo holding minbase"
  compare "fsck, repo made by ocitree pull (layer, recipe, image commits)" fsck_oci_ocirepo "ostree fsck" fsck_ostree_ocirepo 0.5
  compare "fsck, repo made by ostree commit" fsck_oci_ostreerepo "ostree fsck" fsck_ostree_ostreerepo 0.5
  fresh "$W"/f-*
}

row_push() {
  log "push: an archive repo holding minbase (made by ocitree pull)"
  init_repo "$W/p-r" archive
  setup oci --repo "$W/p-r" pull -b bench "oci:$D:minbase"
  def push_ostree_export "fresh $W/p-export.tar.gz" \
    bash -c "ostree export --repo=$W/p-r bench | gzip -6 >$W/p-export.tar.gz"
  local names=(push_ostree_export) help
  help=$(oci push --help 2>&1 || true)
  if grep -q 'ocitree push' <<<"$help"; then
    # shellcheck disable=SC2086
    def push_oci "fresh $W/p-oci" "$OCITREE" --repo "$W/p-r" push ${OCITREE_PUSH_FLAGS:-} bench "oci:$W/p-oci:bench"
    names=(push_oci "${names[@]}")
  fi
  if grep -q -- '--reconstruct' <<<"$help"; then
    def push_oci_rec "fresh $W/p-rec" "$OCITREE" --repo "$W/p-r" push --reconstruct bench "oci:$W/p-rec:bench"
    names+=(push_oci_rec)
  fi
  run_group "$RUNS" "${names[@]}"
  section "push minbase from an archive repo to an oci: layout (gzip)"
  if [ -n "$(median_secs push_oci)" ]; then
    compare "push to oci: (gzip)" push_oci "ostree export + gzip" push_ostree_export 0.7
  elif declare -F cmd_push_oci >/dev/null; then
    na "push to oci: (gzip)" "ostree export + gzip: $(median_secs push_ostree_export) s" 0.7 \
      "ocitree push fails: $(first_error push_oci | sed 's/^ocitree: error: //')"
  else
    na "push to oci: (gzip)" "ostree export + gzip: $(median_secs push_ostree_export) s" 0.7 \
      "ocitree push not implemented yet"
  fi
  if declare -F cmd_push_oci_rec >/dev/null; then
    compare "push --reconstruct to oci: (original layer tar, gzip)" push_oci_rec "ostree export + gzip" push_ostree_export 0.7
  fi
  fresh "$W"/p-*
}

# start_registry: docker-registry on 127.0.0.1 with a free port, in $W/reg
start_registry() {
  local port i
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$W/reg/storage"
  cat >"$W/reg/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $W/reg/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
  docker-registry serve "$W/reg/config.yml" >"$LOGDIR/registry.log" 2>&1 &
  REGISTRY_PID=$!
  for i in $(seq 100); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/v2/', timeout=1)" 2>/dev/null; then
      REGISTRY=127.0.0.1:$port
      return
    fi
    sleep 0.1
  done
  die "docker-registry did not start (see $LOGDIR/registry.log)"
}

stop_registry() {
  kill "$REGISTRY_PID" 2>/dev/null || true
  wait "$REGISTRY_PID" 2>/dev/null || true
  REGISTRY_PID=
}

row_registry() {
  start_registry
  log "registry on $REGISTRY: pushing minbase with skopeo"
  setup skopeo copy -q --dest-tls-verify=false "oci:$D:minbase" "docker://$REGISTRY/bench/minbase:latest"
  local ref=docker://$REGISTRY/bench/minbase:latest flags err
  if [ -n "${OCITREE_REGISTRY_FLAGS+x}" ]; then
    flags=$OCITREE_REGISTRY_FLAGS
  elif oci pull --help 2>&1 | grep -q -- '--tls-verify'; then
    flags=--tls-verify=false
  else
    flags=
  fi
  warm "$(layer_blob "$D" minbase 0)"
  def reg_skopeo "fresh $W/r-sk" skopeo copy -q --src-tls-verify=false "$ref" "oci:$W/r-sk:minbase"
  def reg_oci_layout "init_repo $W/r-lay archive" "$OCITREE" --repo "$W/r-lay" pull -b bench "oci:$D:minbase"
  # shellcheck disable=SC2086
  def reg_oci_docker "init_repo $W/r-reg archive" "$OCITREE" --repo "$W/r-reg" pull $flags -b bench "$ref"
  init_repo "$W/r-probe" archive
  if err=$(oci --repo "$W/r-probe" pull $flags -b probe "$ref" 2>&1 >/dev/null); then
    run_group "$RUNS" reg_oci_docker reg_oci_layout reg_skopeo
    section "pull minbase from a local docker-registry (plain HTTP, loopback), archive repo"
    compare "pull docker://" reg_oci_docker "ocitree pull of the same image from oci:" reg_oci_layout 1.1
    compare "pull docker://" reg_oci_docker "skopeo copy docker:// → oci:" reg_skopeo -
  else
    run_group "$RUNS" reg_oci_layout reg_skopeo
    section "pull minbase from a local docker-registry (plain HTTP, loopback), archive repo"
    na "pull docker://" "ocitree pull of the same image from oci:: $(median_secs reg_oci_layout) s" 1.1 \
      "ocitree pull docker:// unsupported: $(echo "$err" | tail -n 1 | sed "s|^ocitree: error: ||; s|$ref: ||" | cut -c1-140)"
    na "pull docker://" "skopeo copy docker:// → oci:: $(median_secs reg_skopeo) s" - "see above"
  fi
  stop_registry
  fresh "$W"/r-* "$W/reg"
}

row_synth() {
  local b100 b1m
  # Both groups start a full RECENTCY window after the last delete (settle
  # in lib.sh): otherwise the 1M group skips over the 100k group's freed
  # inodes and the 100k group over the previous row's, by different
  # amounts. A 1M-file pull 2 minutes after deleting a 1M-file repo took
  # 189 s, one 6 minutes after took 106 s.
  local -x SETTLE_SECS
  SETTLE_SECS=${BENCH_SETTLE_LONG:-$((${BENCH_SETTLE:-65} == 0 ? 0 : 365))}
  b100=$(layer_blob "$INPUTS/synth" s100k 0)
  b1m=$(layer_blob "$INPUTS/synth" s1m 0)
  warm "$b100"
  def synth_oci_100k "init_repo $W/y-r100 archive" "$OCITREE" --repo "$W/y-r100" pull -b bench "oci:$INPUTS/synth:s100k"
  def synth_tar_100k "fresh $W/y-x100; mkdir $W/y-x100" tar -xzf "$b100" -C "$W/y-x100"
  run_group "$RUNS" synth_oci_100k synth_tar_100k
  fresh "$W"/y-*
  warm "$b1m"
  def synth_oci_1m "init_repo $W/y-r1m archive" "$OCITREE" --repo "$W/y-r1m" pull -b bench "oci:$INPUTS/synth:s1m"
  def synth_tar_1m "fresh $W/y-x1m; mkdir $W/y-x1m" tar -xzf "$b1m" -C "$W/y-x1m"
  run_group "$HUGE_RUNS" synth_oci_1m synth_tar_1m
  section "synthetic small files (0-2 KiB, 1000 a dir), archive repo"
  compare "pull 100k-file image → archive" synth_oci_100k "tar -xzf" synth_tar_100k -
  compare "pull 1M-file image → archive" synth_oci_1m "tar -xzf" synth_tar_1m -
  # time per file: 1M vs 100k (the peer column holds 10 x the 100k time)
  local t1 t100 r verdict ra tt1 tt100
  t1=$(median_secs synth_oci_1m); t100=$(median_secs synth_oci_100k)
  ra=$(max_rss_kib synth_oci_1m)
  if [ -n "$t1" ] && [ -n "$t100" ]; then
    r=$(awk -v a="$t1" -v b="$t100" 'BEGIN { printf "%.2f", a / (10 * b) }')
    verdict=$(awk -v r="$r" 'BEGIN { print (r <= 1.2) ? "PASS" : "MISS" }')
    [ -n "$ra" ] && [ "$(mib "$ra")" -gt 64 ] && verdict="MISS (RSS)"
    printf '| time per file, 1M vs 100k files | %s s = %s µs/file | the 100k-file pull | %s s = %s µs/file | %s | ≤ 1.2 | %s | %s | %s |\n' \
      "$t1" "$t1" "$t100" "$(awk -v t="$t100" 'BEGIN { printf "%.1f", 10 * t }')" "$r" "$verdict" \
      "$(rss_cell "$ra" 64)" "$(rss_cell "$(max_rss_kib synth_oci_100k)" 64) (100k)" >>"$TABLE"
    tt1=$(median_secs synth_tar_1m); tt100=$(median_secs synth_tar_100k)
    if [ -n "$tt1" ] && [ -n "$tt100" ]; then
      printf '| (floor) tar -xzf, time per file 1M vs 100k | %s s | tar -xzf of the 100k-file image | %s s | %s | - | - | - | - |\n' \
        "$tt1" "$tt100" "$(awk -v a="$tt1" -v b="$tt100" 'BEGIN { printf "%.2f", a / (10 * b) }')" >>"$TABLE"
    fi
  fi
  fresh "$W"/y-*
}

row_bigfiles() {
  local blob
  blob=$(layer_blob "$INPUTS/bigfiles" bigfiles 0)
  warm "$blob"
  def bigf_oci_bare "init_repo $W/b-r bare" "$OCITREE" --repo "$W/b-r" pull -b bench "oci:$INPUTS/bigfiles:bigfiles"
  def bigf_oci_archive "init_repo $W/b-a archive" "$OCITREE" --repo "$W/b-a" pull -b bench "oci:$INPUTS/bigfiles:bigfiles"
  def bigf_tar "fresh $W/b-x; mkdir $W/b-x" tar -xzf "$blob" -C "$W/b-x"
  run_group "$HUGE_RUNS" bigf_oci_bare bigf_oci_archive bigf_tar
  section "three 1 GiB files: one gzip layer, $(du -m "$blob" | cut -f1) MB"
  compare "pull → bare" bigf_oci_bare "tar -xzf (floor)" bigf_tar 1.0 100
  compare "pull → archive" bigf_oci_archive "tar -xzf (floor)" bigf_tar - 100
  fresh "$W"/b-*
}

# ---------------------------------------------------------------------- run --
t_rows=$(date +%s)
for r in "${rows[@]}"; do
  log "row $r (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  t0=$(date +%s)
  "row_$r"
  log "row $r done in $(($(date +%s) - t0)) s"
done
t_rows=$(($(date +%s) - t_rows))

out=$BENCH_DIR/results-$stamp.md
{
  echo "# ocitree benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  machine_info
  echo "- runs: $RUNS per measurement (1M-file and 1 GiB rows: $HUGE_RUNS), interleaved; medians of wall time; peak RSS is the largest of the runs (/usr/bin/time %M)"
  echo "- rows: ${rows[*]}; inputs built/checked in ${t_inputs} s, rows ran in ${t_rows} s"
  echo "- ratio = ocitree median / peer median; a line is MISS when the ratio is over the target or ocitree's peak RSS is over 64 MiB (100 MiB with 1 GiB files, bold)"
  echo
  table_header
  cat "$TABLE"
  echo
  echo "Raw runs (name, round, seconds, peak RSS KiB, exit status): $RESULTS; each run's output: $LOGDIR/NAME.ROUND.log"
} >"$out"
cp "$RESULTS" "$BENCH_DIR/results-$stamp.tsv"
rm -rf "$TRASH"
echo
cat "$out"
log "saved $out (total $(($(date +%s) - t_start)) s)"
