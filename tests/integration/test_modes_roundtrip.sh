#!/usr/bin/env bash
# Acceptance 1: for each repo mode, ocitree commits the standard test tree
# (make_test_tree.sh: file modes incl. setuid/setgid, empty files, symlinks
# relative/absolute/dangling, hardlinks, empty and nested dirs, spaces/UTF-8
# names, a >255-byte path, user.* xattrs on files and dirs, owners 1000/65534),
# and the REAL ostree reads it back:
#   * ostree's config has the right core.mode (archive -> archive-z2)
#   * `ostree fsck` passes (and `ocitree fsck` too)
#   * `ostree ls -R` lists it and equals `ocitree ls -R`
#   * `ostree checkout` (as root; -U only for bare-user-only, where ostree forces
#     user mode) gives back the input tree: types, permission bits, sizes,
#     sha256, link targets, xattrs, owners.  bare-user-only is compared against
#     its canonical form (observed with ostree 2022.7: regular files and dirs
#     mode & 0755 -- setuid/setgid/sticky/o+w dropped --, uid=gid=0, no xattrs).
#   * `ostree checkout -U` of the ocitree repo equals `ostree checkout -U` of a
#     repo written by `ostree commit` from the same tree.  In bare-user and
#     bare-user-only this hardlinks the physical objects, so it also checks the
#     physical object layout (bare-user: file mode (m & 0775)|0400 and the
#     user.ostreemeta xattr).
#   * `ocitree checkout` of its own repo gives back the input tree the same way.
source "$(dirname "$0")/lib.sh"
require_basics

T=$(standard_tree)
info "test tree: $T ($(find "$T" | wc -l) entries)"

for mode in "${MODES[@]}"; do
  log "mode $mode"
  R=$WORK/oci-$mode
  REF=$WORK/ref-$mode
  flags=$(checkout_flags_for "$mode")
  cmpopts=$(treecmp_opts_for "$mode")

  check "ocitree init --mode $mode" oci --repo "$R" init --mode "$mode"
  if [ ! -d "$R/objects" ]; then fail "no $R/objects after init: skipping the rest of mode $mode"; continue; fi
  expect_eq "core.mode in config" "$(repo_mode_config "$mode")" \
    "$(ostree config --repo="$R" get core.mode 2>&1 || true)"

  c=$(oci_commit "$R" main -s "roundtrip $mode" --body "body text" --timestamp="$TS" --tree=dir="$T")
  _checks=$((_checks + 1))
  if is_hex64 "$c"; then pass "ocitree commit printed checksum $c"; else
    fail "ocitree commit did not print a checksum as its last line (got '$c')"; continue; fi
  expect_eq "ostree rev-parse main = printed checksum" "$c" "$(ostree rev-parse --repo="$R" main 2>&1 || true)"

  check "ostree fsck on the ocitree $mode repo" ostree fsck --repo="$R"
  check "ocitree fsck on its own $mode repo" oci --repo "$R" fsck

  ostree ls --repo="$R" -R main > "$WORK/ls-ostree-$mode.txt" 2>&1 || true
  check "ostree ls -R lists the commit" test -s "$WORK/ls-ostree-$mode.txt"
  n_entries=$(find "$T" | wc -l)
  expect_eq "ostree ls -R shows every entry of the tree" "$n_entries" "$(wc -l < "$WORK/ls-ostree-$mode.txt")"
  oci --repo "$R" ls -R main > "$WORK/ls-oci-$mode.txt" 2>&1 || true
  expect_files_eq "ocitree ls -R == ostree ls -R" "$WORK/ls-ostree-$mode.txt" "$WORK/ls-oci-$mode.txt"

  # Full-fidelity checkout by the real ostree.
  rm -rf "$WORK/co-$mode"
  check "ostree checkout ${flags:-(non-user mode)}" ostree checkout --repo="$R" $flags main "$WORK/co-$mode"
  check "ostree checkout equals the input tree ${cmpopts}" "${TREECMP[@]}" "$T" "$WORK/co-$mode" $cmpopts

  # User-mode checkout vs the same from a repo written by ostree itself.
  ostree_init "$REF" "$mode"
  rc=$(ostree_commit "$REF" main -s "roundtrip $mode" --body "body text" --timestamp="$TS" --tree=dir="$T")
  uflags=-U
  case "$mode" in bare-user|bare-user-only) uflags="-U -H" ;; esac
  ostree checkout --repo="$REF" $uflags main "$WORK/cu-ref-$mode"
  check "ostree checkout $uflags of ocitree repo == of ostree-written repo" \
    bash -c "ostree checkout --repo='$R' $uflags main '$WORK/cu-$mode' && ${TREECMP[*]} '$WORK/cu-ref-$mode' '$WORK/cu-$mode'"
  physopt=
  [ "$mode" = bare-user ] && physopt=--bare-user-physical
  check "(oracle) ostree's $uflags checkout is the input in user mode $physopt" \
    "${TREECMP[@]}" "$T" "$WORK/cu-ref-$mode" --user-mode --ignore-xattr user.ostreemeta $cmpopts $physopt
  info "(ostree-written reference commit: $rc)"

  # ocitree's own checkout of its own repo.
  rm -rf "$WORK/oco-$mode"
  check "ocitree checkout ${flags:-(non-user mode)} of its own repo equals the input tree" \
    bash -c "'$OCITREE' --repo '$R' checkout $flags main '$WORK/oco-$mode' && ${TREECMP[*]} '$T' '$WORK/oco-$mode' $cmpopts"
done

finish
