#!/usr/bin/env bash
# Acceptance 6: a checkout never writes (or deletes) outside its destination
# through symlinks, whether they pre-exist in DEST or come from an earlier
# commit checked out with --union.  ocitree may refuse (non-zero exit) or
# replace the symlink; what is checked is that nothing outside DEST changed.
# NOTE: the real ostree 2022.7 DOES escape in every case below (verified by
# hand: it follows DEST/etc -> OUTSIDE and writes OUTSIDE/passwd, writes
# through `a -> ..` and `b -> /`, and `--whiteouts` deletes OUTSIDE/passwd via
# etc/.wh.passwd), so ostree cannot be the oracle here; the commits are made
# with `ostree commit` (repo modes bare and archive) and only ocitree checks out.
#
# Cases (each with a fresh DEST inside a private sandbox dir, and a fresh
# OUTSIDE dir holding passwd="original" and a subdir):
#   0 control: union over a real etc/ dir works (refusing everything fails)
#   1 DEST/etc -> OUTSIDE (absolute symlink); commit has etc/passwd, etc/new,
#     etc/sub/deep: `checkout --union`, then `checkout -U --union`
#   2 same, DEST/etc -> ../../outside-rel (relative symlink leaving DEST)
#   3 commit A has a -> .., b -> /, c -> OUTSIDE (absolute), d -> ../../OUTSIDE2;
#     commit B has a/MARK, b/MARK, c/passwd, d/passwd: union checkout A then B
#     (MARK is a unique name; / and the sandbox must not receive it)
#   4 --whiteouts: DEST/etc -> OUTSIDE; commit has etc/.wh.passwd
#     (must not delete OUTSIDE/passwd); commit with .wh.etc (may remove the
#     symlink DEST/etc only)
#   5 DEST itself is fine but DEST/etc/passwd is a symlink to OUTSIDE/passwd:
#     union checkout of etc/passwd must replace the link, not write through it
source "$(dirname "$0")/lib.sh"
require_basics

MARK="ocitree-escape-test-$$-$RANDOM"
add_cleanup "rm -f '/$MARK'"
[ ! -e "/$MARK" ] || die "/$MARK exists already"

SRC=$WORK/src
mkdir -p "$SRC"

# build trees
mk() { rm -rf "$SRC/$1"; mkdir -p "$SRC/$1"; }
mk etc;   mkdir -p "$SRC/etc/etc/sub"; printf 'from commit\n' > "$SRC/etc/etc/passwd"
          printf 'new\n' > "$SRC/etc/etc/new"; printf 'deep\n' > "$SRC/etc/etc/sub/deep"
mk A;     ln -s .. "$SRC/A/a"; ln -s / "$SRC/A/b"; ln -s "$WORK/outside-abs" "$SRC/A/c"; ln -s ../../outside-rel "$SRC/A/d"
mk B;     mkdir "$SRC/B/a" "$SRC/B/b" "$SRC/B/c" "$SRC/B/d"
          printf 'x\n' > "$SRC/B/a/$MARK"; printf 'x\n' > "$SRC/B/b/$MARK"
          printf 'from commit\n' > "$SRC/B/c/passwd"; printf 'from commit\n' > "$SRC/B/d/passwd"
mk wh1;   mkdir "$SRC/wh1/etc"; : > "$SRC/wh1/etc/.wh.passwd"
mk wh2;   : > "$SRC/wh2/.wh.etc"
chmod -R u=rwX,go=rX "$SRC"

# fresh_outside NAME: (re)create $WORK/NAME with known content and a snapshot
fresh_outside() {
  local o=$WORK/$1
  rm -rf "$o" "$o.snap"
  mkdir -p "$o/subdir"
  printf 'original\n' > "$o/passwd"
  printf 'keep\n' > "$o/subdir/keep"
  cp -a "$o" "$o.snap"
}

outside_untouched() { # outside_untouched DESC NAME
  check "$1: $2 unchanged" "${TREECMP[@]}" "$WORK/$2.snap" "$WORK/$2"
}

sandbox_clean() { # sandbox_clean DESC: only DEST (and nothing else) in the sandbox
  check "$1: nothing written next to DEST" test "$(ls -A "$WORK/sandbox")" = dest
  check "$1: nothing written at /$MARK" test ! -e "/$MARK"
  rm -f "/$MARK" "$WORK/sandbox/$MARK"   # keep later cases independent
}

fresh_dest() { rm -rf "$WORK/sandbox"; mkdir -p "$WORK/sandbox/dest"; }

# run_co DESC ARGS...: run an ocitree checkout, report (not judge) its status
run_co() {
  local desc=$1; shift
  local rc
  rc=$(run_capture "$WORK/co.out" "$OCITREE" "$@")
  info "$desc: ocitree exit $rc$( [ "$rc" != 0 ] && printf ' (%s)' "$(head -c 160 "$WORK/co.out" | tr '\n' ' ')")"
  if [ "$rc" -ge 128 ]; then fail "$desc: ocitree crashed (exit $rc)"; fi
}

for mode in bare archive; do
  log "repo mode $mode"
  R=$WORK/repo-$mode
  ostree_init "$R" "$mode"
  for b in etc A B wh1 wh2; do
    ostree_commit "$R" "$b" --timestamp="$TS" --tree=dir="$SRC/$b" >/dev/null
  done
  D=$WORK/sandbox/dest

  # 0: control case, so that refusing every union checkout does not pass:
  # a union checkout over an existing real directory works.
  fresh_dest
  mkdir "$D/etc"; printf 'old\n' > "$D/etc/passwd"; printf 'unrelated\n' > "$D/etc/other"
  check "0 (control) --union over a real etc/ directory succeeds" oci --repo "$R" checkout --union etc "$D"
  check "0 (control) etc/passwd replaced, etc/other kept" \
    bash -c "[ \"\$(cat '$D/etc/passwd')\" = 'from commit' ] && [ -f '$D/etc/sub/deep' ] && [ \"\$(cat '$D/etc/other')\" = unrelated ]"

  for uflag in "" -U; do
    fresh_dest; fresh_outside outside-abs
    ln -s "$WORK/outside-abs" "$D/etc"
    run_co "1 ${uflag:+$uflag }--union, DEST/etc -> OUTSIDE" --repo "$R" checkout $uflag --union etc "$D"
    outside_untouched "1 ${uflag:+$uflag }absolute link" outside-abs
    sandbox_clean "1${uflag:+ $uflag}"
  done

  fresh_dest; fresh_outside outside-rel
  ln -s ../../outside-rel "$D/etc"
  # ../../outside-rel from sandbox/dest/ resolves to $WORK/outside-rel
  run_co "2 --union, DEST/etc -> ../../outside-rel" --repo "$R" checkout --union etc "$D"
  outside_untouched "2 relative link" outside-rel
  sandbox_clean "2"

  fresh_dest; fresh_outside outside-abs; fresh_outside outside-rel
  # d -> ../../outside-rel from sandbox/dest resolves to $WORK/outside-rel
  run_co "3a checkout A (symlinks a->.., b->/, c->OUTSIDE, d->../../outside-rel)" --repo "$R" checkout --union A "$D"
  run_co "3b union checkout B (a/MARK, b/MARK, c/passwd, d/passwd)" --repo "$R" checkout --union B "$D"
  outside_untouched "3 absolute link from commit" outside-abs
  outside_untouched "3 relative link from commit" outside-rel
  sandbox_clean "3"
  fresh_outside outside-abs; fresh_outside outside-rel
  run_co "3c union checkout B with -U" --repo "$R" checkout -U --union B "$D"
  outside_untouched "3 -U absolute link from commit" outside-abs
  outside_untouched "3 -U relative link from commit" outside-rel
  sandbox_clean "3 -U"

  fresh_dest; fresh_outside outside-abs
  ln -s "$WORK/outside-abs" "$D/etc"
  run_co "4a --union --whiteouts with etc/.wh.passwd" --repo "$R" checkout --union --whiteouts wh1 "$D"
  outside_untouched "4a whiteout through symlink" outside-abs
  fresh_outside outside-abs
  run_co "4b --union --whiteouts with .wh.etc" --repo "$R" checkout --union --whiteouts wh2 "$D"
  outside_untouched "4b whiteout of the symlink itself" outside-abs
  sandbox_clean "4"

  fresh_dest; fresh_outside outside-abs
  mkdir "$D/etc"; ln -s "$WORK/outside-abs/passwd" "$D/etc/passwd"
  run_co "5 --union over DEST/etc/passwd -> OUTSIDE/passwd" --repo "$R" checkout --union etc "$D"
  outside_untouched "5 file symlink" outside-abs
  sandbox_clean "5"
done

finish
