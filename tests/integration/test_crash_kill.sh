#!/usr/bin/env bash
# Crash consistency, short version (the long one: CRASH_ITERATIONS=200 or
# bench/hostile-long.sh): `ocitree pull` (oci: layout and docker:// registry),
# `commit`, `push --reconstruct` and `prune` are killed with SIGKILL at random
# moments. After every kill:
#   * the real `ostree fsck` and `ocitree fsck` pass (a commit being written
#     may only exist marked partial, which ostree fsck accepts)
#   * every ref resolves to a complete commit the real ostree can list
#   * the command, run again, completes; and the result is the one an
#     uninterrupted run gives (same commit tree / same image digest)
#   * tmp/ does not grow: after the re-run no staging directory is left
#   * a killed push leaves the destination layout valid (the previous tag
#     still inspects with skopeo)
# Kill moments are drawn uniformly over the command's normal duration
# (measured first), seeded so a failure can be replayed (CRASH_SEED).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_root
require_registry_basics
require_tool ostree umoci
ITER=${CRASH_ITERATIONS:-4}
SEED=${CRASH_SEED:-$RANDOM}
RANDOM=$SEED
info "iterations per command: $ITER, seed: $SEED (CRASH_SEED=$SEED replays it)"

# An image big enough that each command takes a while: 3 layers, ~1500 files.
"$PYTHON" - "$WORK/layout" <<'EOF'
import gzip, hashlib, io, json, os, random, sys, tarfile
out = sys.argv[1]
os.makedirs(out + "/blobs/sha256", exist_ok=True)
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{d}", "wb").write(data)
    return "sha256:" + d, len(data)
rng = random.Random(5)
layers, diff_ids = [], []
for n in range(3):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in range(15):
            info = tarfile.TarInfo(f"l{n}/d{d}"); info.type = tarfile.DIRTYPE; info.mode = 0o755; info.mtime = 1700000000
            tar.addfile(info)
            for f in range(33):
                data = rng.randbytes(rng.randrange(0, 20000))
                info = tarfile.TarInfo(f"l{n}/d{d}/f{f}"); info.size = len(data); info.mtime = 1700000000
                tar.addfile(info, io.BytesIO(data))
        if n == 2:
            info = tarfile.TarInfo("l0/d3/.wh.f7"); info.mtime = 1700000000
            tar.addfile(info, io.BytesIO(b""))
    raw = raw.getvalue()
    diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    digest, size = blob(gzip.compress(raw, compresslevel=1, mtime=0))
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size})
config = json.dumps({"architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
                     "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
cd, cs = blob(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
                       "layers": layers}).encode()
md, ms = blob(manifest)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": md, "size": ms, "annotations": {"org.opencontainers.image.ref.name": "big"}}]},
          open(out + "/index.json", "w"))
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
EOF
IMGREF=oci:$WORK/layout:big
start_registry reg
push "$IMGREF" crash/big:v1
REGREF=docker://$REG_HOST/crash/big:v1
mkdir -p "$WORK/tree"
cp -a "$WORK/layout" "$WORK/tree/copy"

# Reference results from uninterrupted runs.
REF_REPO=$WORK/ref
oci --repo "$REF_REPO" init --mode bare > /dev/null
t0=$(date +%s%N)
oci --repo "$REF_REPO" pull -b img "$IMGREF" > /dev/null
PULL_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
t0=$(date +%s%N)
oci --repo "$REF_REPO" commit -b tree --tree "dir=$WORK/tree" --timestamp @1700000000 > /dev/null
COMMIT_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
t0=$(date +%s%N)
oci --repo "$REF_REPO" push --reconstruct img "oci:$WORK/ref-out:big" > /dev/null
PUSH_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
REF_IMG_TREE=$(ostree ls --repo="$REF_REPO" -d -C img / 2>&1)
REF_COMMIT_TREE=$(ostree ls --repo="$REF_REPO" -d -C tree / 2>&1)
REF_PUSH_DIGEST=$(skopeo inspect "oci:$WORK/ref-out:big" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')
# prune, set up as the prune kills below are
P=$WORK/ref-prune
oci --repo "$P" init --mode bare > /dev/null
# These repeat the pull and the commit: each span is the faster of two runs, so
# one run slowed by a disk stall (seen in CI: 1678 ms for a 526 ms pull) does
# not put most kill moments after the command has finished.
t0=$(date +%s%N)
oci --repo "$P" pull -b img "$IMGREF" > /dev/null
ms=$(( ($(date +%s%N) - t0) / 1000000 )); [ "$ms" -lt "$PULL_MS" ] && PULL_MS=$ms
oci --repo "$P" pull -b img2 "$IMGREF" > /dev/null
t0=$(date +%s%N)
oci --repo "$P" commit -b tree --tree "dir=$WORK/tree" > /dev/null
ms=$(( ($(date +%s%N) - t0) / 1000000 )); [ "$ms" -lt "$COMMIT_MS" ] && COMMIT_MS=$ms
oci --repo "$P" refs --delete tree > /dev/null
oci --repo "$P" refs --delete img > /dev/null
t0=$(date +%s%N)
oci --repo "$P" prune > /dev/null
PRUNE_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
info "uninterrupted: pull ${PULL_MS} ms, commit ${COMMIT_MS} ms, push ${PUSH_MS} ms, prune ${PRUNE_MS} ms"

# consistent R WHAT: the checks every kill is followed by
consistent() {
  local r=$1 what=$2 ref c bad=0
  ostree fsck -q --repo="$r" > "$WORK/fsck.out" 2>&1 || { bad=1; show_output "$WORK/fsck.out"; }
  oci --repo "$r" fsck -q > "$WORK/ofsck.out" 2>&1 || { bad=1; show_output "$WORK/ofsck.out"; }
  for ref in $(ostree refs --repo="$r"); do
    c=$(ostree rev-parse --repo="$r" "$ref")
    ostree ls --repo="$r" "$ref" / > /dev/null 2>&1 || { bad=1; info "$what: ref $ref -> $c does not list"; }
    [ -e "$r/state/$c.commitpartial" ] && { bad=1; info "$what: ref $ref -> partial commit $c"; }
  done
  _checks=$((_checks + 1))
  if [ "$bad" = 0 ]; then KILL_OK=$((KILL_OK + 1)); else fail "$what: repository inconsistent after the kill"; fi
}

# kill_at MS CMD...: runs CMD, SIGKILLs it after MS milliseconds (if still running)
kill_at() {
  local ms=$1; shift
  "$@" > "$WORK/run.out" 2>&1 &
  local pid=$!
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then KILLED=$((KILLED + 1)); fi
  wait "$pid" 2>/dev/null || true
}

staging_left() { ls -d "$1"/tmp/staging-* 2>/dev/null | wc -l; }

KILLED=0
KILL_OK=0
for kind in pull-layout pull-registry commit push prune; do
  log "$kind: $ITER kills"
  R=$WORK/r-$kind
  rm -rf "$R"
  oci --repo "$R" init --mode bare > /dev/null
  case $kind in
    push|prune) oci --repo "$R" pull -b img "$IMGREF" > /dev/null ;;
  esac
  [ "$kind" = push ] && oci --repo "$R" push --reconstruct img "oci:$WORK/out-$kind:old" > /dev/null
  for ((i = 1; i <= ITER; i++)); do
    # a moment within the first 80% of the command's uninterrupted time
    # (each command its own: one span for all let most of the short ones
    # finish before the kill)
    case $kind in
      pull-*) span=$PULL_MS ;;
      commit) span=$COMMIT_MS ;;
      push) span=$PUSH_MS ;;
      prune) span=$PRUNE_MS ;;
    esac
    ms=$((RANDOM % (span * 8 / 10 + 1)))
    case $kind in
      pull-layout)
        kill_at "$ms" "$OCITREE" --repo "$R" pull -b img "$IMGREF"
        consistent "$R" "$kind #$i (${ms} ms)"
        oci --repo "$R" pull -b img "$IMGREF" > "$WORK/rerun.out" 2>&1 || { fail "$kind #$i: re-run failed"; show_output "$WORK/rerun.out"; }
        expect_eq "$kind #$i: re-run gives the uninterrupted tree" "$REF_IMG_TREE" "$(ostree ls --repo="$R" -d -C img / 2>&1)"
        oci --repo "$R" refs --delete img > /dev/null; oci --repo "$R" prune > /dev/null ;;
      pull-registry)
        kill_at "$ms" "$OCITREE" --repo "$R" pull --tls-verify=false -b img "$REGREF"
        consistent "$R" "$kind #$i (${ms} ms)"
        oci --repo "$R" pull --tls-verify=false -b img "$REGREF" > "$WORK/rerun.out" 2>&1 || { fail "$kind #$i: re-run failed"; show_output "$WORK/rerun.out"; }
        expect_eq "$kind #$i: re-run gives the uninterrupted tree" "$REF_IMG_TREE" "$(ostree ls --repo="$R" -d -C img / 2>&1)"
        expect_eq "$kind #$i: no partial download left" "" "$(ls -A "$R/tmp/ocitree-downloads" 2>&1)"
        oci --repo "$R" refs --delete img > /dev/null; oci --repo "$R" prune > /dev/null ;;
      commit)
        kill_at "$ms" "$OCITREE" --repo "$R" commit -b tree --tree "dir=$WORK/tree" --timestamp @1700000000
        consistent "$R" "$kind #$i (${ms} ms)"
        oci --repo "$R" commit -b tree --tree "dir=$WORK/tree" --timestamp @1700000000 > "$WORK/rerun.out" 2>&1 || { fail "$kind #$i: re-run failed"; show_output "$WORK/rerun.out"; }
        expect_eq "$kind #$i: re-run gives the uninterrupted tree" "$REF_COMMIT_TREE" "$(ostree ls --repo="$R" -d -C tree / 2>&1)" ;;
      push)
        kill_at "$ms" "$OCITREE" --repo "$R" push --reconstruct img "oci:$WORK/out-$kind:big"
        consistent "$R" "$kind #$i (${ms} ms)"
        check "$kind #$i: the destination's older tag still inspects" skopeo inspect "oci:$WORK/out-$kind:old"
        oci --repo "$R" push --reconstruct img "oci:$WORK/out-$kind:big" > "$WORK/rerun.out" 2>&1 || { fail "$kind #$i: re-run failed"; show_output "$WORK/rerun.out"; }
        expect_eq "$kind #$i: re-run gives the uninterrupted image" "$REF_PUSH_DIGEST" \
          "$(skopeo inspect "oci:$WORK/out-$kind:big" 2>&1 | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Digest"])' 2>&1)" ;;
      prune)
        oci --repo "$R" pull -b img2 "$IMGREF" > /dev/null
        oci --repo "$R" commit -b tree --tree "dir=$WORK/tree" > /dev/null
        oci --repo "$R" refs --delete tree > /dev/null
        oci --repo "$R" refs --delete img > /dev/null
        kill_at "$ms" "$OCITREE" --repo "$R" prune
        consistent "$R" "$kind #$i (${ms} ms)"
        check "$kind #$i: img2 still checks out" oci --repo "$R" checkout img2 "$WORK/co-prune-$i"
        rm -rf "$WORK/co-prune-$i"
        oci --repo "$R" prune > "$WORK/rerun.out" 2>&1 || { fail "$kind #$i: re-run failed"; show_output "$WORK/rerun.out"; }
        oci --repo "$R" refs --delete img2 > /dev/null; oci --repo "$R" pull -b img "$IMGREF" > /dev/null ;;
    esac
    expect_eq "$kind #$i: no staging directory left after the re-run" 0 "$(staging_left "$R")"
  done
done
info "$KILLED of $((5 * ITER)) runs were killed while running; $KILL_OK kills followed by a consistent repository"
check "most runs were really killed mid-way ($KILLED >= $((5 * ITER / 2)))" test "$KILLED" -ge $((5 * ITER / 2))
finish
