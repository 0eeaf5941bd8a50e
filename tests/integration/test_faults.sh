#!/usr/bin/env bash
# Faults the repository must survive with a clear error and nothing
# half-visible:
#   * a full filesystem: the repo on a small tmpfs (mounted by the test),
#     a pull and a commit that do not fit: exit 1 naming the lack of space,
#     no ref created or moved, tmp/ cleaned by the next command, ostree fsck
#     passes; after freeing space the same pull succeeds
#   * a read-only repository (the tmpfs remounted read-only): pull, commit
#     and prune fail with exit 1 saying so; reads (refs, ls, checkout, fsck)
#     still work
#   * an unreadable object (replaced by a directory): checkout and fsck fail
#     naming the object; a pull that needs the object as a lower layer fails
#     cleanly; nothing else changes
#   * signals: a pull interrupted by a storm of harmless signals (SIGCHLD,
#     SIGWINCH, SIGURG: EINTR for every syscall they hit) still completes
#     with the same tree
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
require_root
require_pull_basics
require_tool mount umount
build_images

MNT=$WORK/mnt
mount_tmpfs "$MNT" 3m
R=$MNT/repo
oci --repo "$R" init --mode bare > /dev/null
oci --repo "$R" pull -b small "oci:$L:single" > /dev/null || die "the small image does not fit in 3 MiB"
small=$(ostree rev-parse --repo="$R" small)
tree_of() { ostree ls --repo="$1" -d -C "$2" / 2>&1; }

log "full filesystem"
# an image that needs more than the space left: multi plus a 4 MiB random layer
L2=$WORK/layout2
cp -a "$L" "$L2"
head -c $((4 << 20)) /dev/urandom > "$WORK/blob.bin"
"$PYTHON" - "$WORK/blob.bin" "$WORK/big.tar" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[2], "w") as t:
    t.add(sys.argv[1], arcname="big.bin")
EOF
"${OCI_TOOL[@]}" append "$L2" multi "$WORK/big.tar" --compress gzip --tag big > /dev/null
rc=0; "$OCITREE" --repo "$R" pull -b big "oci:$L2:big" > "$WORK/full.out" 2> "$WORK/full.err" || rc=$?
expect_eq "pull that does not fit: exit 1" 1 "$rc"
check "pull that does not fit: says there is no space" grep -qi "no space" "$WORK/full.err"
show_output "$WORK/full.err"
check "pull that does not fit: no branch" bash -c "! ostree rev-parse --repo='$R' big 2>/dev/null"
expect_eq "pull that does not fit: the other branch did not move" "$small" "$(ostree rev-parse --repo="$R" small)"
check "pull that does not fit: ostree fsck" ostree fsck -q --repo="$R"
rc=0; "$OCITREE" --repo "$R" commit -b big-commit --tree "dir=$L2" > "$WORK/fullc.out" 2> "$WORK/fullc.err" || rc=$?
expect_eq "commit that does not fit: exit 1" 1 "$rc"
check "commit that does not fit: says there is no space" grep -qi "no space" "$WORK/fullc.err"
check "commit that does not fit: no branch" bash -c "! ostree rev-parse --repo='$R' big-commit 2>/dev/null"
# the next transaction cleans what the failed ones staged
oci --repo "$R" refs > /dev/null
oci --repo "$R" pull -b small2 "oci:$L:single" > /dev/null 2>&1 || true
expect_eq "the failed writes left no staging directory" 0 "$(ls -d "$R"/tmp/staging-* 2>/dev/null | wc -l)"
used=$(du -sk "$R" | cut -f1)
info "repo uses ${used} KiB of the 3 MiB after the failures"
mount -o remount,size=16m "$MNT"
rc=0; "$OCITREE" --repo "$R" pull -b big "oci:$L2:big" > "$WORK/full2.out" 2> "$WORK/full2.err" || rc=$?
expect_eq "with space again, the same pull succeeds" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/full2.err"
check "with space again: ostree fsck" ostree fsck -q --repo="$R"

log "read-only repository"
mount -o remount,ro "$MNT"
for cmd in "pull -b ro oci:$L:multi" "commit -b ro --tree dir=$WORK/layout2"; do
  rc=0; "$OCITREE" --repo "$R" $cmd > "$WORK/ro.out" 2> "$WORK/ro.err" || rc=$?
  expect_eq "read-only: ${cmd%% *}: exit 1" 1 "$rc"
  check "read-only: ${cmd%% *}: says the file system is read-only" grep -qi "read-only" "$WORK/ro.err"
  info "$(head -c 200 "$WORK/ro.err")"
done
rc=0; "$OCITREE" --repo "$R" prune > "$WORK/ro.out" 2> "$WORK/ro.err" || rc=$?
info "read-only: prune: exit $rc: $(cat "$WORK/ro.out" "$WORK/ro.err" | head -c 200)"
check "read-only: prune with nothing to delete succeeds, or says read-only" \
  bash -c "[ $rc = 0 ] && grep -Eqi 'no unreachable objects' '$WORK/ro.out' || grep -qi read-only '$WORK/ro.err'"
check "read-only: refs still lists" oci --repo "$R" refs
check "read-only: ls still works" oci --repo "$R" ls small /
check "read-only: checkout to elsewhere still works" oci --repo "$R" checkout small "$WORK/ro-co"
check "read-only: ocitree fsck still works" oci --repo "$R" fsck -q
check "read-only: ostree fsck agrees" ostree fsck -q --repo="$R"
mount -o remount,rw "$MNT"

log "unreadable object"
R2=$WORK/repo2
oci --repo "$R2" init --mode bare > /dev/null
oci --repo "$R2" pull -b img "oci:$L:multi" > /dev/null
before=$(ostree refs --repo="$R2" | sort | xargs -n1 ostree rev-parse --repo="$R2" 2>&1 | md5sum)
csum=$(ostree ls --repo="$R2" -R -C img / | awk '$1 ~ /^-/ && $4 > 0 { print $5; exit }')
obj=$R2/objects/${csum:0:2}/${csum:2}.file
mv "$obj" "$obj.saved"; mkdir "$obj"
rc=0; "$OCITREE" --repo "$R2" checkout img "$WORK/co-bad" > "$WORK/u1.out" 2> "$WORK/u1.err" || rc=$?
expect_eq "unreadable object: checkout exits 1" 1 "$rc"
name=$(basename "$(dirname "$obj")")$(basename "$obj" .file)
check "unreadable object: checkout names the object" grep -q "${name:0:12}" "$WORK/u1.err"
info "$(head -c 300 "$WORK/u1.err")"
rc=0; "$OCITREE" --repo "$R2" fsck > "$WORK/u2.out" 2> "$WORK/u2.err" || rc=$?
expect_eq "unreadable object: fsck exits 1" 1 "$rc"
check "unreadable object: fsck names the object" grep -q "${name:0:12}" "$WORK/u2.out" "$WORK/u2.err"
rc=0; "$OCITREE" --repo "$R2" pull --storage flattened -b other "oci:$L:handmade" > "$WORK/u3.out" 2> "$WORK/u3.err" || rc=$?
info "a pull on top of the unreadable lower object: exit $rc: $(head -c 200 "$WORK/u3.err")"
check "unreadable object: the pull exits 0 or 1, never crashes" test "$rc" -le 1
expect_eq "unreadable object: existing refs did not move" "$before" "$(ostree refs --repo="$R2" | grep -v '^other$' | sort | xargs -n1 ostree rev-parse --repo="$R2" 2>&1 | md5sum)"
rmdir "$obj"; mv "$obj.saved" "$obj"
check "object restored: ostree fsck" ostree fsck -q --repo="$R2"

log "a storm of harmless signals during a pull"
R3=$WORK/repo3
oci --repo "$R3" init --mode archive > /dev/null
"$OCITREE" --repo "$R3" pull -b big "oci:$L2:big" > "$WORK/sig.out" 2> "$WORK/sig.err" &
pid=$!
n=0
while kill -0 "$pid" 2>/dev/null; do
  kill -CHLD "$pid" 2>/dev/null || true; kill -WINCH "$pid" 2>/dev/null || true; kill -URG "$pid" 2>/dev/null || true
  n=$((n + 3))
done
rc=0; wait "$pid" || rc=$?
info "$n signals sent"
expect_eq "signal storm: the pull exits 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/sig.err"
R4=$WORK/repo4
oci --repo "$R4" init --mode archive > /dev/null
oci --repo "$R4" pull -b big "oci:$L2:big" > /dev/null
expect_eq "signal storm: the same tree as a quiet pull" "$(tree_of "$R4" big)" "$(tree_of "$R3" big)"
check "signal storm: ostree fsck" ostree fsck -q --repo="$R3"
finish
