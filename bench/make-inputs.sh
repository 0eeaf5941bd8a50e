#!/usr/bin/env bash
# make-inputs.sh — builds the benchmark inputs from Debian's packages and a
# generator, caching them under $BENCH_DIR/inputs (default
# /var/tmp/ocitree-bench/inputs). An input already built is not built again
# (delete its .done-NAME stamp, or the whole directory, to rebuild it).
# Must run as root: umoci keeps owners, mmdebstrap --mode=root.
#
#   usage: bench/make-inputs.sh [--quick] [INPUT...]
#   INPUTs (default: all; --quick: minbase second three; three needs the big tree):
#     minbase    mmdebstrap --variant=minbase bookworm, one gzip layer by umoci
#                (owners kept, the 8 device nodes in /dev included): tag
#                `minbase` of the layout debian/; minbase-nodev.tar(.gz): that
#                layer with the device nodes left out, for `ostree commit`
#     second     minbase + one small layer (~300 files under /opt/second, a
#                deleted doc dir, a changed file): tag `second`, sharing the
#                minbase layer blob
#     big        minbase + python3, perl, git, gcc, libc6-dev (~450 MB): a
#                tree tar from mmdebstrap, tag `big` (one layer), big-nodev.tar(.gz)
#     three      three layers: minbase; the packages of `big` installed over
#                it (what `big` adds and changes, as umoci diffs it); a cleanup
#                layer (docs, man pages, locales, apt lists deleted: whiteouts,
#                one per former child where a dir was replaced; /etc/apt
#                replaced; perl's modules deleted; ~2000 new files): tag `three`
#     synth100k  100 000 small files (0-2 KiB) in dirs of 1000: synth/ `s100k`
#     synth1m    1 000 000 such files: synth/ `s1m`
#     bigfiles   three 1 GiB files: bigfiles/ `bigfiles`
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=0
want=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) want+=("$1") ;;
  esac
  shift
done
if [ ${#want[@]} -eq 0 ]; then
  if [ $quick = 1 ]; then want=(minbase second three); else
    want=(minbase second big three synth100k synth1m bigfiles); fi
fi
[ "$(id -u)" = 0 ] || die "make-inputs.sh must run as root (umoci keeps owners, mmdebstrap --mode=root)"
need_tools mmdebstrap umoci python3 gzip tar rsync
umask 022
mkdir -p "$INPUTS/trees"
D=$INPUTS/debian
MKIMAGE=(python3 "$BENCH_LIB/mkimage.py")
SUITE=${BENCH_SUITE:-bookworm}
BIG_PACKAGES=${BENCH_BIG_PACKAGES:-python3,perl,git,gcc,libc6-dev}

done_stamp() { [ -e "$INPUTS/.done-$1" ]; }
mark_done() { touch "$INPUTS/.done-$1"; }
scratch() { local d="$INPUTS/tmp-$1"; rm -rf "$d"; mkdir -p "$d"; echo "$d"; }

# tree NAME [MMDEBSTRAP ARGS...]: trees/NAME.tar from mmdebstrap (cached)
tree() {
  local name=$1
  shift
  [ -s "$INPUTS/trees/$name.tar" ] && return
  log "mmdebstrap $SUITE -> trees/$name.tar $*"
  mmdebstrap --quiet --mode=root --format=tar --variant=minbase "$@" "$SUITE" "$INPUTS/trees/$name.tar.tmp"
  mv "$INPUTS/trees/$name.tar.tmp" "$INPUTS/trees/$name.tar"
}

# nodev NAME TAG: NAME-nodev.tar and .tar.gz from the only layer of TAG
nodev() {
  local blob
  blob=$(layer_blob "$D" "$2" 0)
  gzip -dc "$blob" | "${MKIMAGE[@]}" nodev >"$INPUTS/$1-nodev.tar.tmp"
  gzip -n -6 -c "$INPUTS/$1-nodev.tar.tmp" >"$INPUTS/$1-nodev.tar.gz"
  mv "$INPUTS/$1-nodev.tar.tmp" "$INPUTS/$1-nodev.tar"
}

# one_layer_image NAME TAG: tag TAG in debian/ = trees/NAME.tar as one layer
one_layer_image() {
  local name=$1 tag=$2 s
  s=$(scratch "$tag")
  [ -e "$D/index.json" ] || umoci init --layout "$D"
  umoci new --image "$D:$tag"
  umoci unpack --image "$D:$tag" "$s/bundle" >/dev/null
  tar --xattrs --xattrs-include='*' --numeric-owner -xpf "$INPUTS/trees/$name.tar" -C "$s/bundle/rootfs"
  fixtimes "$s/bundle/rootfs"
  umoci repack --history.created_by "bench/make-inputs.sh $name" --image "$D:$tag" "$s/bundle"
  umoci config --image "$D:$tag" --no-history --created 2024-01-01T00:00:00Z --config.cmd /bin/bash
  rm -rf "$s"
}

make_minbase() {
  tree minbase
  log "image debian:minbase"
  one_layer_image minbase minbase
  nodev minbase minbase
}

make_big() {
  tree big --include="$BIG_PACKAGES"
  log "image debian:big"
  one_layer_image big big
  nodev big big
}

# write_files DIR COUNT MAXSIZE SEED: COUNT files of random text
write_files() {
  python3 - "$@" <<'EOF'
import base64, os, random, sys
d, n, mx, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
r = random.Random(seed)
for i in range(n):
    sub = os.path.join(d, "g%02d" % (i % 20))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "file%05d.txt" % i), "wb") as f:
        f.write(base64.b64encode(r.randbytes(r.randrange(mx) * 3 // 4 + 1)))
EOF
}

make_second() {
  local s r
  s=$(scratch second)
  log "image debian:second (minbase + a small layer)"
  umoci unpack --image "$D:minbase" "$s/bundle" >/dev/null
  r=$s/bundle/rootfs
  write_files "$r/opt/second" 300 8192 2
  rm -rf "$r/usr/share/doc/apt"
  echo second >"$r/etc/hostname"
  fixtimes "$r"
  umoci repack --history.created_by "bench/make-inputs.sh second" --image "$D:second" "$s/bundle"
  rm -rf "$s"
}

make_three() {
  local s r
  [ -s "$INPUTS/trees/big.tar" ] || tree big --include="$BIG_PACKAGES"
  s=$(scratch three)
  log "image debian:three (minbase, packages, cleanup)"
  umoci unpack --image "$D:minbase" "$s/bundle" >/dev/null
  r=$s/bundle/rootfs
  # layer 2: the packages of `big` over minbase (added files, changed files)
  mkdir "$s/big"
  tar --xattrs --xattrs-include='*' --numeric-owner -xpf "$INPUTS/trees/big.tar" -C "$s/big"
  fixtimes "$s/big"
  rsync -aHAX --delete "$s/big/" "$r/"
  rm -rf "$s/big"
  fixtimes "$r"
  umoci repack --refresh-bundle --history.created_by "bench/make-inputs.sh three: packages" \
    --image "$D:three" "$s/bundle"
  # layer 3: cleanup, as image builds do
  rm -rf "$r/usr/share/doc"; mkdir "$r/usr/share/doc"       # one .wh. per former child
  rm -rf "$r/usr/share/man" "$r/usr/share/locale" "$r/usr/share/info"
  rm -rf "$r/var/lib/apt/lists" "$r/var/cache/apt" "$r/var/cache/debconf"/*-old
  rm -rf "$r/etc/apt"; mkdir -p "$r/etc/apt/sources.list.d"
  echo 'deb http://deb.debian.org/debian bookworm main' >"$r/etc/apt/sources.list"
  rm -rf "$r/usr/share/perl"                                # deletes layer-2 content
  write_files "$r/opt/app" 2000 16384 3
  chmod 0700 "$r/root"
  echo 'export APP=1' >>"$r/etc/bash.bashrc"
  fixtimes "$r"
  umoci repack --history.created_by "bench/make-inputs.sh three: cleanup" --image "$D:three" "$s/bundle"
  umoci config --image "$D:three" --no-history --created 2024-01-01T00:00:00Z --config.cmd /bin/bash
  rm -rf "$s"
}

make_synth100k() { log "image synth:s100k"; "${MKIMAGE[@]}" synth "$INPUTS/synth" s100k --files 100000 >/dev/null; }
make_synth1m() { log "image synth:s1m"; "${MKIMAGE[@]}" synth "$INPUTS/synth" s1m --files 1000000 >/dev/null; }
make_bigfiles() { log "image bigfiles:bigfiles"; "${MKIMAGE[@]}" bigfiles "$INPUTS/bigfiles" bigfiles --count 3 >/dev/null; }

deps() { # the inputs an input is made from
  case $1 in
    second|three) echo minbase ;;
  esac
}

build() {
  local name=$1 d t0
  done_stamp "$name" && return
  for d in $(deps "$name"); do build "$d"; done
  t0=$(date +%s)
  "make_$name"
  chmod -R go+rX "$INPUTS"   # umoci writes 0600 blobs
  mark_done "$name"
  log "input $name built in $(($(date +%s) - t0)) s"
}

t_all=$(date +%s)
for w in "${want[@]}"; do
  declare -F "make_$w" >/dev/null || die "unknown input $w"
  build "$w"
done
log "inputs ready in $(($(date +%s) - t_all)) s: $INPUTS ($(du -sh "$INPUTS" | cut -f1))"
