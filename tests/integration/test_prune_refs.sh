#!/usr/bin/env bash
# refs / rev-parse / refs --delete / prune on repos written by ocitree (modes
# bare and archive), with the real ostree as oracle: every ocitree prune is
# mirrored by the equivalent `ostree prune` on an identical copy of the repo
# and the surviving object sets must be equal.
#
#   * ocitree refs == ostree refs (main, other, gone, a ref with slashes)
#   * ocitree rev-parse == ostree rev-parse
#   * `ostree prune --refs-only` on the fresh ocitree repo deletes nothing
#     (every object ocitree wrote is reachable) and ostree fsck passes
#   * orphans: ref `gone` deleted with `ocitree refs --delete` (ostree refs no
#     longer lists it) and its commit object removed by hand, so its tree is
#     unreachable from any commit:
#       - `ocitree prune --dry-run` reports ostree's `--no-prune` count
#         ("Would delete: N objects" -> N must appear as "N object(s)") and
#         deletes nothing
#       - `ocitree prune` leaves the same objects as `ostree prune`
#   * `ocitree refs --delete other` then `ocitree prune --refs-only`
#     (dry run first, same checks) leaves the same objects as
#     `ostree prune --refs-only`; main's parent commit is kept
#   * afterwards ostree fsck and ocitree fsck pass, and `ostree checkout main`
#     still equals the input tree
source "$(dirname "$0")/lib.sh"
require_basics

mk_tree() { # mk_tree DIR SEED: small tree, content unique per SEED
  mkdir -p "$1/sub/deeper"
  printf 'common\n' > "$1/common"
  printf 'unique %s\n' "$2" > "$1/unique-$2"
  printf 'deep %s\n' "$2" > "$1/sub/deeper/f"
  ln -s "unique-$2" "$1/link-$2"
  chmod -R u=rwX,go=rX "$1"
}
mk_tree "$WORK/t1" one
mk_tree "$WORK/t2" two
mk_tree "$WORK/t3" three
mk_tree "$WORK/t4" four

# dry-run count check: ocitree output must mention N objects
expect_count() { # expect_count DESC N FILE
  _checks=$((_checks + 1))
  if grep -Eq "(^|[^0-9])$2 objects?([^a-z]|$)" "$3" || { [ "$2" = 0 ] && grep -qi 'no unreachable' "$3"; }; then
    pass "$1: reports $2 objects"
  else
    fail "$1: expected the count $2 (as '$2 objects')"; sed 's/^/        | /' "$3" | head -n 10
  fi
}
ostree_would_delete() { # ostree_would_delete REPO ARGS...: N from "Would delete: N objects"
  local r=$1; shift
  ostree prune --repo="$r" --no-prune "$@" | sed -n 's/^Would delete: \([0-9]*\) objects.*/\1/p; s/^No unreachable objects.*/0/p'
}

for mode in bare archive; do
  log "ocitree-written $mode repo"
  R=$WORK/repo-$mode
  check "ocitree init" oci --repo "$R" init --mode "$mode"
  m1=$(oci_commit "$R" main -s one --timestamp="$TS" --tree=dir="$WORK/t1")
  m2=$(oci_commit "$R" main -s two --timestamp=2024-01-02T00:00:00Z --tree=dir="$WORK/t2")
  o=$(oci_commit "$R" other -s other --timestamp="$TS" --tree=dir="$WORK/t3")
  g=$(oci_commit "$R" gone -s gone --timestamp="$TS" --tree=dir="$WORK/t4")
  s=$(oci_commit "$R" org/example/stable -s slash --timestamp="$TS" --tree=dir="$WORK/t1")
  for x in "$m1" "$m2" "$o" "$g" "$s"; do is_hex64 "$x" || die "ocitree commit failed; cannot test prune/refs"; done
  ostree fsck --repo="$R" >/dev/null 2>&1 || die "ostree fsck fails on the fresh ocitree repo"

  expect_eq "ocitree refs == ostree refs" "$(ostree refs --repo="$R" | sort)" "$( (oci --repo "$R" refs 2>&1 || true) | sort)"
  expect_eq "refs are exactly the 4 branches" $'gone\nmain\norg/example/stable\nother' "$(ostree refs --repo="$R" | sort)"
  expect_eq "ocitree rev-parse main" "$m2" "$(oci --repo "$R" rev-parse main 2>&1 || true)"
  expect_eq "ocitree rev-parse org/example/stable" "$s" "$(oci --repo "$R" rev-parse org/example/stable 2>&1 || true)"
  expect_eq "main's parent is the first commit" "$m1" "$(ostree rev-parse --repo="$R" 'main^' 2>&1 || true)"

  # ostree prune --refs-only on a fresh ocitree repo keeps everything
  rm -rf "$WORK/copy"; cp -a "$R" "$WORK/copy"
  list_objects "$WORK/copy" > "$WORK/objs-before"
  ostree prune --repo="$WORK/copy" --refs-only > "$WORK/prune.out"
  list_objects "$WORK/copy" > "$WORK/objs-after"
  expect_files_eq "ostree prune --refs-only on the fresh ocitree repo deletes nothing" "$WORK/objs-before" "$WORK/objs-after"
  check "ostree fsck after ostree prune --refs-only" ostree fsck --repo="$WORK/copy"

  # orphan the tree of `gone`
  check "ocitree refs --delete gone" oci --repo "$R" refs --delete gone
  expect_eq "ostree refs no longer lists gone" $'main\norg/example/stable\nother' "$(ostree refs --repo="$R" | sort)"
  expect_eq "ocitree refs no longer lists gone" $'main\norg/example/stable\nother' "$( (oci --repo "$R" refs 2>&1 || true) | sort)"
  rm -f "$(object_path "$R" "$g" commit)"
  rm -rf "$WORK/copy"; cp -a "$R" "$WORK/copy"
  n=$(ostree_would_delete "$WORK/copy")
  check "(oracle) ostree would delete some orphans (got '$n')" test "${n:-0}" -gt 0
  list_objects "$R" > "$WORK/objs-before"
  oci --repo "$R" prune --dry-run > "$WORK/dry.out" 2>&1 || fail "ocitree prune --dry-run exit status"
  expect_count "ocitree prune --dry-run" "$n" "$WORK/dry.out"
  list_objects "$R" > "$WORK/objs-after"
  expect_files_eq "ocitree prune --dry-run deletes nothing" "$WORK/objs-before" "$WORK/objs-after"
  check "ocitree prune" oci --repo "$R" prune
  ostree prune --repo="$WORK/copy" >/dev/null
  list_objects "$WORK/copy" > "$WORK/objs-ostree"
  list_objects "$R" > "$WORK/objs-oci"
  expect_files_eq "after prune: same objects as ostree prune" "$WORK/objs-ostree" "$WORK/objs-oci"
  expect_eq "prune removed $n objects" "$n" "$(( $(wc -l < "$WORK/objs-before") - $(wc -l < "$WORK/objs-oci") ))"

  # refs-only prune after deleting `other`
  check "ocitree refs --delete other" oci --repo "$R" refs --delete other
  rm -rf "$WORK/copy"; cp -a "$R" "$WORK/copy"
  n=$(ostree_would_delete "$WORK/copy" --refs-only)
  check "(oracle) ostree --refs-only would delete other's objects (got '$n')" test "${n:-0}" -gt 0
  oci --repo "$R" prune --dry-run --refs-only > "$WORK/dry.out" 2>&1 || fail "ocitree prune --dry-run --refs-only exit status"
  expect_count "ocitree prune --dry-run --refs-only" "$n" "$WORK/dry.out"
  check "ocitree prune --refs-only" oci --repo "$R" prune --refs-only
  ostree prune --repo="$WORK/copy" --refs-only >/dev/null
  list_objects "$WORK/copy" > "$WORK/objs-ostree"
  list_objects "$R" > "$WORK/objs-oci"
  expect_files_eq "after prune --refs-only: same objects as ostree prune --refs-only" "$WORK/objs-ostree" "$WORK/objs-oci"
  check "commit of other is gone" test ! -e "$(object_path "$R" "$o" commit)"
  check "main's parent commit is kept" test -e "$(object_path "$R" "$m1" commit)"

  check "ostree fsck after ocitree prunes" ostree fsck --repo="$R"
  check "ocitree fsck after ocitree prunes" oci --repo "$R" fsck
  rm -rf "$WORK/co"
  check "ostree checkout main == input" \
    bash -c "ostree checkout --repo='$R' main '$WORK/co' && ${TREECMP[*]} '$WORK/t2' '$WORK/co' --no-root"
  expect_eq "ocitree rev-parse of a deleted ref fails" "fail" "$(oci --repo "$R" rev-parse other >/dev/null 2>&1 && echo ok || echo fail)"
done

finish
