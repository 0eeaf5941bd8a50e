#!/usr/bin/env bash
# `ocitree pull` flattens OCI images exactly like `umoci unpack` (the oracle for
# flattened images, see PEERS.md). Images from make_images.sh: single (the
# standard test tree in one layer), multi (three umoci layers: whiteouts, dirs
# replaced wholesale, dir<->file<->symlink, hardlinks, mode/owner/xattr
# changes), handmade (+ opaque marker after new entries, whiteout then
# re-created dir and the reverse, whiteouts of never-existing paths, hardlink
# to a lower-layer file, "./" names, device nodes and a fifo in a raw layer),
# handmade-mixed (gzip + zstd + raw layers), multi-zstd (skopeo), multi-v2s2
# (Docker media types), multi-archive (oci-archive), single-notag (an
# oci-archive without a tag), symlink-dir (a hand-made layer writes lib/b and
# sbin/t below the lower-layer symlinks lib -> usr/lib, sbin -> /usr/sbin:
# umoci, like Docker and containers/storage, resolves them through the
# symlinks).
#
# For each image (bare repo; multi and handmade-mixed also archive and
# bare-user-only; each --storage value when the binary has the option):
#   * pull exits 0 and prints a one-line summary on stdout
#   * `ocitree checkout` equals `umoci unpack` (types, modes, owners, sizes,
#     sha256, link targets, xattrs; device nodes/fifos removed from umoci's
#     side; bare-user-only against the canonical form) and, for umoci-built
#     images, the tree umoci packed
#   * `ostree checkout` of the branch equals ocitree's checkout
#   * `ostree fsck` and `ocitree fsck` pass
#   * metadata (read by ostree): ocitree.image.manifest / .config are the exact
#     blob bytes, .manifest-digest, .reference, .diff-ids, ostree.architecture;
#     the commit timestamp is the config's `created` (nanoseconds dropped,
#     +02:00 offset applied)
#   * a second pull says "up to date" and makes no commit
# Also: the default branch (no -b) is one new ocitree/image/ ref; pulling
# another image onto a branch makes a child commit; --prefix; device
# nodes/fifos are reported; explicit probes of the hand-made layer semantics;
# a whiteout under a directory replaced by a symlink never reaches the
# symlink's target (symlink-wh; umoci gets this one wrong).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
require_pull_basics
build_images
read -r -a STORAGES <<< "$(pull_storages)"
info "storages: ${STORAGES[*]}"

# The oracles: umoci unpack of every image it can read, and a sanity check
# that umoci reproduces the trees it packed (else the oracle is suspect).
for t in single multi handmade symlink-wh; do oracle_unpack "$L:$t" "$WORK/umoci-$t"; done
check "(oracle) umoci unpack of single == the tree it packed" "${TREECMP[@]}" "$IMG/src/single" "$WORK/umoci-single/rootfs"
check "(oracle) umoci unpack of multi == the tree it packed" "${TREECMP[@]}" "$IMG/src/multi" "$WORK/umoci-multi/rootfs"

# pull_and_compare NAME REF ORACLE_DIR SRC_DIR|- MODE STORAGE: sets R, BR, CO
pull_and_compare() {
  local name=$1 ref=$2 oracle=$3 src=$4 mode=$5 storage=$6
  local tagline="$name [$mode${storage:+, $storage}]"
  log "$tagline: $ref"
  R=$WORK/repo-$name-$mode-$storage
  BR=img/$name
  CO=$WORK/co-$name-$mode-$storage
  oci --repo "$R" init --mode "$mode" >/dev/null
  local out=$WORK/pull-$name-$mode-$storage rc
  rc=$(pull_image "$R" "$out" -b "$BR" $(storage_flag "$storage") "$ref")
  expect_eq "$tagline: pull exits 0" 0 "$rc"
  if [ "$rc" != 0 ]; then show_output "$out" "$out.err"; return 1; fi
  info "summary: $(cat "$out")"
  [ -s "$out.err" ] && info "stderr: $(head -c 300 "$out.err")"
  expect_eq "$tagline: one-line summary on stdout" 1 "$(grep -c . "$out")"
  local c
  c=$(ostree rev-parse --repo="$R" "$BR" 2>&1 || true)
  check "$tagline: ostree rev-parse $BR is a commit" is_hex64 "$c"
  check "$tagline: summary names the commit" grep -q "$c" "$out"

  local flags cmpopts
  flags=$(checkout_flags_for "$mode")
  cmpopts=$(treecmp_opts_for "$mode")
  check "$tagline: ocitree checkout" oci --repo "$R" checkout $flags "$BR" "$CO"
  check "$tagline: ocitree checkout == umoci unpack${cmpopts:+ ($cmpopts)}" "${TREECMP[@]}" "$oracle" "$CO" $cmpopts
  if [ "$src" != - ]; then
    check "$tagline: ocitree checkout == the tree umoci packed" "${TREECMP[@]}" "$src" "$CO" $cmpopts
  fi
  check "$tagline: ostree checkout${flags:+ $flags} == ocitree checkout" \
    bash -c "ostree checkout --repo='$R' $flags '$BR' '$CO.ostree' && ${TREECMP[*]} '$CO' '$CO.ostree'"
  check "$tagline: ostree fsck" ostree fsck --repo="$R"
  check "$tagline: ocitree fsck" oci --repo "$R" fsck -q

  split_ref "$ref"
  report_lines "$tagline: metadata" "${OCI_TOOL[@]}" check-commit "$R" "$BR" "$LAYOUT" "$TAG" "$ref"

  # a second pull of the same image: up to date, no new commit
  local n1 rc2
  n1=$(commit_count "$R" "$BR")
  rc2=$(pull_image "$R" "$out.2" -b "$BR" $(storage_flag "$storage") "$ref")
  expect_eq "$tagline: second pull exits 0" 0 "$rc2"
  check "$tagline: second pull says it is up to date" grep -qi 'up to date' "$out.2"
  expect_eq "$tagline: second pull leaves the branch alone" "$c" "$(ostree rev-parse --repo="$R" "$BR" 2>&1)"
  expect_eq "$tagline: second pull makes no commit" "$n1" "$(commit_count "$R" "$BR")"
  [ "$rc2" = 0 ] || show_output "$out.2" "$out.2.err"
  return 0
}

while IFS=$'\t' read -r name ref oracle_ref src note; do
  oracle_unpack "$oracle_ref" "$WORK/umoci-${oracle_ref##*:}"
  [ "$src" = - ] || src=$IMG/src/$src
  modes=(bare)
  case "$name" in multi|handmade-mixed) modes=(bare archive bare-user-only) ;; esac
  for mode in "${modes[@]}"; do
    for storage in "${STORAGES[@]}"; do
      pull_and_compare "$name" "$ref" "$WORK/umoci-${oracle_ref##*:}/rootfs" "$src" "$mode" "$storage" || continue
      if [ "$name" = handmade ] && [ "$mode" = bare ]; then
        # device nodes and the fifo: skipped with a warning, the rest is there
        check "handmade: the pull reports the skipped device nodes/fifos" \
          grep -Eqi 'device|fifo' "$WORK/pull-$name-$mode-$storage" "$WORK/pull-$name-$mode-$storage.err"
        for p in dev/null dev/sda run/fifo; do
          check "handmade: $p is not in the commit" test ! -e "$CO/$p" -a ! -L "$CO/$p"
        done
        check "handmade: dev/ run/ l5file are" test -d "$CO/dev" -a -d "$CO/run" -a -f "$CO/l5file"
        # explicit probes of the hand-made layer (independent of umoci)
        expect_eq "handmade: opaque dir holds only this layer's entries" "b new1 sub2" \
          "$(cd "$CO/opq" && ls -A | tr '\n' ' ' | sed 's/ $//')"
        expect_eq "handmade: opq/b is the new b (written before the opaque marker)" \
          "new b, written before the opaque marker" "$(cat "$CO/opq/b" 2>&1)"
        expect_eq "handmade: opaque dir's own attributes from the new entry" "700" "$(stat -c %a "$CO/opq")"
        expect_eq "handmade: gone/ = re-created content only" "new" "$(ls -A "$CO/gone" | tr '\n' ' ' | sed 's/ $//')"
        expect_eq "handmade: gone2/ (whiteout after re-creation) = new only" "new" "$(ls -A "$CO/gone2" | tr '\n' ' ' | sed 's/ $//')"
        expect_eq "handmade: no .wh. entries in the checkout" "" "$(cd "$CO" && find . -name '.wh.*')"
        expect_eq "handmade: hardlink to a lower-layer file has its content" \
          "$(cat "$CO/keep/lower")" "$(cat "$CO/hard-to-lower" 2>&1)"
        expect_eq "handmade: ./dot-prefixed stored as dot-prefixed, owner 65534" "65534:65534" \
          "$(stat -c %u:%g "$CO/dot-prefixed" 2>&1)"
        expect_eq "handmade: dir->file->dir, dir->symlink->dir, file->dir->file" "d d f" \
          "$(for p in d2f d2l f2d; do if [ -L "$CO/$p" ]; then echo -n 'l '; elif [ -d "$CO/$p" ]; then echo -n 'd '; else echo -n 'f '; fi; done | sed 's/ $//')"
      fi
    done
  done
done < "$IMG/images.list"

storage=${STORAGES[0]}
sf=$(storage_flag "$storage")

log "default branch (no -b)"
R=$WORK/repo-default
oci --repo "$R" init --mode bare >/dev/null
rc=$(pull_image "$R" "$WORK/pull-default" $sf "oci:$L:single")
expect_eq "pull without -b exits 0" 0 "$rc"
show_output "$WORK/pull-default" "$WORK/pull-default.err"
mapfile -t brs < <(image_branches "$R")
expect_eq "exactly one image branch" 1 "${#brs[@]}"
_checks=$((_checks + 1))
case "${brs[0]:-}" in ocitree/image/*) pass "derived branch ${brs[0]} is under ocitree/image/" ;;
  *) fail "derived branch '${brs[0]:-}' is not under ocitree/image/" ;; esac
check "summary names the derived branch" grep -qF "${brs[0]:-no-branch}" "$WORK/pull-default"
report_lines "default branch: metadata" "${OCI_TOOL[@]}" check-commit "$R" "${brs[0]:-none}" "$L" single "oci:$L:single"

log "another image onto the same branch: a child commit"
R=$WORK/repo-child
oci --repo "$R" init --mode bare >/dev/null
pull_image "$R" "$WORK/pull-child1" -b app $sf "oci:$L:multi" >/dev/null
c1=$(ostree rev-parse --repo="$R" app 2>&1 || true)
rc=$(pull_image "$R" "$WORK/pull-child2" -b app $sf "oci:$L:handmade")
expect_eq "second image onto the branch: exit 0" 0 "$rc"
show_output "$WORK/pull-child2.err"
c2=$(ostree rev-parse --repo="$R" app 2>&1 || true)
check "the branch moved to a new commit" test "$c1" != "$c2"
expect_eq "ostree: parent of the new commit is the previous one" "$c1" "$(ostree rev-parse --repo="$R" 'app^' 2>&1 || true)"
expect_eq "ocitree rev-parse app^ is the previous commit" "$c1" "$(oci --repo "$R" rev-parse 'app^' 2>&1 || true)"
check "ocitree log shows the parent commit" bash -c "'$OCITREE' --repo '$R' log app | grep -q '$c1'"
check "the child commit holds the handmade tree" \
  bash -c "'$OCITREE' --repo '$R' checkout app '$WORK/co-child' && ${TREECMP[*]} '$WORK/umoci-handmade/rootfs' '$WORK/co-child'"
report_lines "child commit: metadata" "${OCI_TOOL[@]}" check-commit "$R" app "$L" handmade "oci:$L:handmade"
check "ostree fsck after two images on one branch" ostree fsck --repo="$R"

log "--prefix"
R=$WORK/repo-prefix
oci --repo "$R" init --mode bare >/dev/null
rc=$(pull_image "$R" "$WORK/pull-prefix" -b pfx --prefix opt/img $sf "oci:$L:multi")
expect_eq "pull --prefix opt/img exits 0" 0 "$rc"
show_output "$WORK/pull-prefix.err"
rm -rf "$WORK/co-prefix"
oci --repo "$R" checkout pfx "$WORK/co-prefix" >/dev/null 2>&1 || true
expect_eq "--prefix: only opt/ at the top" "opt" "$(ls -A "$WORK/co-prefix" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
check "--prefix: opt/img holds the image (root dir metadata not compared)" \
  "${TREECMP[@]}" --no-root "$WORK/umoci-multi/rootfs" "$WORK/co-prefix/opt/img"
check "--prefix: ostree fsck" ostree fsck --repo="$R"

log "symlink-wh: d/ replaced by d -> keep, then d/.wh.c (keep/c exists)"
R=$WORK/repo-symlink-wh
oci --repo "$R" init --mode bare >/dev/null
rc=$(pull_image "$R" "$WORK/pull-swh" -b swh $sf "oci:$L:symlink-wh")
expect_eq "pull symlink-wh exits 0" 0 "$rc"
show_output "$WORK/pull-swh.err"
oci --repo "$R" checkout swh "$WORK/co-swh" >/dev/null 2>&1 || true
check "the whiteout d/.wh.c did not go through the new symlink: == the packed tree (keep/c kept)" \
  "${TREECMP[@]}" "$IMG/src/symlink-wh" "$WORK/co-swh"
if [ -e "$WORK/umoci-symlink-wh/rootfs/keep/c" ]; then
  info "(oracle note) umoci unpack kept keep/c"
else
  info "(oracle note) umoci 0.4.7 deletes keep/c here: its whiteout follows the new symlink d -> keep"
fi

finish
