#!/usr/bin/env bash
# Several writers at once on one repository, with the real ostree beside
# them (the shared/exclusive lock protocol OSTree uses on the repo's .lock):
#   * 4 `ocitree pull`s of different images (sharing base layers) and 2
#     `ocitree commit`s run together with `ocitree prune`, `ostree prune
#     --refs-only` and `ostree fsck`/`ostree ls` in loops beside them
#   * every command either succeeds or fails cleanly (exit 1, a message)
#   * at the end every branch a writer reported is there and points at a
#     commit whose every object exists (`ostree fsck`), checks out, and
#     equals what the same command gives alone in a fresh repository:
#     no object a finished commit needs was deleted by a prune running beside
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
require_root
require_pull_basics
build_images
ROUNDS=${CONCURRENCY_ROUNDS:-3}

R=$WORK/repo
FRESH=$WORK/fresh
oci --repo "$R" init --mode bare > /dev/null
oci --repo "$FRESH" init --mode bare > /dev/null
mkdir -p "$WORK/treeA" "$WORK/treeB"
standard_tree "$WORK/treeA" > /dev/null 2>&1 || bash "$IT_DIR/make_test_tree.sh" "$WORK/treeA" > /dev/null
cp -a "$WORK/treeA" "$WORK/treeB/inner"
echo changed > "$WORK/treeB/marker"

IMAGES=(multi single handmade symlink-wh)
# expected trees, one command at a time
for t in "${IMAGES[@]}"; do oci --repo "$FRESH" pull -b "img/$t" "oci:$L:$t" > /dev/null; done
oci --repo "$FRESH" commit -b c/A --tree "dir=$WORK/treeA" --timestamp @1700000000 > /dev/null
oci --repo "$FRESH" commit -b c/B --tree "dir=$WORK/treeB" --timestamp @1700000000 > /dev/null
tree_of() { ostree ls --repo="$1" -d -C "$2" / 2>&1; }

for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round: 4 pulls, 2 commits, ocitree prune, ostree prune and ostree readers at once"
  pids=() names=() outs=()
  for t in "${IMAGES[@]}"; do
    "$OCITREE" --repo "$R" pull -b "img/$t" "oci:$L:$t" > "$WORK/out-$t" 2>&1 & pids+=($!); names+=("pull $t"); outs+=("$WORK/out-$t")
  done
  for c in A B; do
    "$OCITREE" --repo "$R" commit -b "c/$c" --tree "dir=$WORK/tree$c" --timestamp @1700000000 > "$WORK/out-c$c" 2>&1 &
    pids+=($!); names+=("commit $c"); outs+=("$WORK/out-c$c")
  done
  ( for i in 1 2 3; do "$OCITREE" --repo "$R" prune > /dev/null 2>> "$WORK/prune.err" || echo "ocitree prune failed" >> "$WORK/prune.err"; done ) &
  pids+=($!); names+=("ocitree prune loop"); outs+=("$WORK/prune.err")
  ( for i in 1 2 3; do ostree prune --repo="$R" --refs-only > /dev/null 2>> "$WORK/oprune.err" || echo "ostree prune failed" >> "$WORK/oprune.err"; done ) &
  pids+=($!); names+=("ostree prune loop"); outs+=("$WORK/oprune.err")
  ( for i in 1 2 3; do for ref in $(ostree refs --repo="$R" 2>/dev/null); do ostree ls --repo="$R" -R "$ref" > /dev/null 2>&1 || true; done; done ) &
  pids+=($!); names+=("ostree readers"); outs+=(/dev/null)
  for k in "${!pids[@]}"; do
    rc=0; wait "${pids[$k]}" || rc=$?
    expect_eq "round $round: ${names[$k]} exits 0" 0 "$rc"
    [ "$rc" = 0 ] || show_output "${outs[$k]}"
  done
  [ -s "$WORK/prune.err" ] && { info "ocitree prune said:"; show_output "$WORK/prune.err"; }
  [ -s "$WORK/oprune.err" ] && { info "ostree prune said:"; show_output "$WORK/oprune.err"; }
  check "round $round: ostree fsck" ostree fsck -q --repo="$R"
  check "round $round: ocitree fsck" oci --repo "$R" fsck -q
  for t in "${IMAGES[@]}"; do
    expect_eq "round $round: img/$t is the tree a lone pull gives" "$(tree_of "$FRESH" "img/$t")" "$(tree_of "$R" "img/$t")"
  done
  for c in A B; do
    expect_eq "round $round: c/$c is the tree a lone commit gives" "$(tree_of "$FRESH" "c/$c")" "$(tree_of "$R" "c/$c")"
  done
  rm -rf "$WORK/co"; mkdir -p "$WORK/co"
  check "round $round: ostree checkout of every branch" bash -c "for b in \$(ostree refs --repo='$R'); do ostree checkout --repo='$R' \"\$b\" '$WORK/co'/\"\$(echo \$b | tr / _)\" || exit 1; done"
  # the next round starts with some images gone, so prune has work to do
  oci --repo "$R" refs --delete img/multi img/handmade c/B > /dev/null 2>&1 ||
    for b in img/multi img/handmade c/B; do oci --repo "$R" refs --delete "$b" > /dev/null; done
  : > "$WORK/prune.err"; : > "$WORK/oprune.err"
done
finish
