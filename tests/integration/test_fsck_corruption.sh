#!/usr/bin/env bash
# Acceptance 4: corrupting one object makes BOTH `ocitree fsck` and the real
# `ostree fsck` fail, and ocitree's output names the object's checksum (and
# its type: commit / dirtree / dirmeta / file|content).  ocitree must exit 1
# (an error, not a crash).
#
# For each mode, on repos written by ostree AND by ocitree (the object names
# are taken with ostree's own `rev-parse` / `ls -C`), each case on fresh
# copies (one per fsck, since ostree fsck writes .commitpartial markers):
#   commit    one byte flipped in the middle of the .commit
#   dirtree   one byte flipped in the root .dirtree
#   dirmeta   one byte flipped in the root .dirmeta
#   content   one byte flipped in the middle of the payload of big-random
#             (bare*: the file itself; archive: the compressed .filez)
#   small     first payload byte of f0644 (bare*) / archive: the mode byte in
#             the .filez header (offset 27)
#   missing   the content object of f0644 deleted
#   extra:    bare: chmod 0600 of a content object; bare-user: one byte of the
#             user.ostreemeta xattr flipped (the recorded mode)
# Also: a pristine copy passes both fscks.
source "$(dirname "$0")/lib.sh"
require_basics

# A small tree keeps the many repo copies cheap.
T=$WORK/tree
mkdir -p "$T/sub/deeper"
"$PYTHON" -c 'import hashlib,sys; sys.stdout.buffer.write(b"".join(hashlib.sha256(b"r%d" % i).digest() for i in range(3072)))' > "$T/big-random"
printf 'hello world\n' > "$T/f0644"
printf '#!/bin/sh\n' > "$T/sub/exec"; chmod 0755 "$T/sub/exec"
printf 'deep\n' > "$T/sub/deeper/file"
ln -s ../f0644 "$T/sub/link"
chown 1000:1000 "$T/sub/deeper/file"
setfattr -n user.root -v 'root dir xattr' "$T"
setfattr -n user.test -v 'file xattr' "$T/sub/exec"

# corrupt_case DESC REPO KIND CSUM TYPEWORD ACTION...
#   ACTION is run with the copy's path substituted for @R
corrupt_case() {
  local desc=$1 repo=$2 csum=$3 typeword=$4; shift 4
  local a=$WORK/case-a b=$WORK/case-b
  rm -rf "$a" "$b"
  cp -a "$repo" "$a"
  local act
  act=("${@//@R/$a}"); "${act[@]}"
  cp -a "$a" "$b"
  local rc_o rc_c
  rc_o=$(run_capture "$WORK/fsck-ostree.out" ostree fsck --repo="$b")
  rc_c=$(run_capture "$WORK/fsck-oci.out" "$OCITREE" --repo "$a" fsck)
  _checks=$((_checks + 1))
  if [ "$rc_o" -ne 0 ]; then pass "$desc: ostree fsck fails (exit $rc_o)"; else
    fail "$desc: ostree fsck passed on a corrupted repo (test bug?)"; fi
  _checks=$((_checks + 1))
  if [ "$rc_c" -eq 1 ]; then pass "$desc: ocitree fsck fails (exit 1)"; else
    fail "$desc: ocitree fsck exit $rc_c (want 1)"; sed 's/^/        | /' "$WORK/fsck-oci.out" | head -n 15; fi
  _checks=$((_checks + 1))
  if grep -q "$csum" "$WORK/fsck-oci.out"; then pass "$desc: ocitree names ${csum:0:16}…"; else
    fail "$desc: ocitree fsck output does not name $csum"; sed 's/^/        | /' "$WORK/fsck-oci.out" | head -n 15; fi
  _checks=$((_checks + 1))
  if grep -Eqi "$typeword" "$WORK/fsck-oci.out"; then pass "$desc: ocitree names the type ($typeword)"; else
    fail "$desc: ocitree fsck output does not name the object type ($typeword)"; sed 's/^/        | /' "$WORK/fsck-oci.out" | head -n 15; fi
}

flip_ostreemeta() { # flip_ostreemeta FILE: flip the low byte of the mode in user.ostreemeta
  "$PYTHON" - "$1" <<'EOF'
import os, sys
p = sys.argv[1]
v = bytearray(os.getxattr(p, 'user.ostreemeta', follow_symlinks=False))
v[11] ^= 0x01          # (uuua(ayay)): uid 0-3, gid 4-7, mode 8-11 (BE)
os.setxattr(p, 'user.ostreemeta', bytes(v), follow_symlinks=False)
EOF
}

for origin in ostree ocitree; do
  for mode in "${MODES[@]}"; do
    log "$origin-written $mode repo"
    R=$WORK/repo-$origin-$mode
    if [ "$origin" = ostree ]; then
      ostree_init "$R" "$mode"
      ostree_commit "$R" main -s corrupt --timestamp="$TS" --tree=dir="$T" >/dev/null
    else
      c=$(oci --repo "$R" init --mode "$mode" >/dev/null 2>&1 && oci_commit "$R" main -s corrupt --timestamp="$TS" --tree=dir="$T")
      if ! is_hex64 "$c" || ! ostree fsck --repo="$R" >/dev/null 2>&1; then
        fail "could not build a valid $mode repo with ocitree commit: skipping its corruption cases"
        continue
      fi
    fi
    ext=$(content_ext "$mode")
    commit=$(ostree rev-parse --repo="$R" main)
    read -r dirtree dirmeta < <(ostree_ls_csum "$R" main /)
    big=$(ostree_ls_csum "$R" main /big-random)
    small=$(ostree_ls_csum "$R" main /f0644)
    for x in "$commit" "$dirtree" "$dirmeta" "$big" "$small"; do is_hex64 "$x" || die "bad checksum '$x'"; done

    rm -rf "$WORK/pristine"; cp -a "$R" "$WORK/pristine"
    check "pristine copy: ostree fsck passes" ostree fsck --repo="$WORK/pristine"
    check "pristine copy: ocitree fsck passes" oci --repo "$WORK/pristine" fsck

    rel() { echo "@R/objects/${1:0:2}/${1:2}.$2"; }
    corrupt_case "commit"  "$R" "$commit"  commit  flip_byte "$(rel "$commit" commit)"
    corrupt_case "dirtree" "$R" "$dirtree" dirtree flip_byte "$(rel "$dirtree" dirtree)"
    corrupt_case "dirmeta" "$R" "$dirmeta" dirmeta flip_byte "$(rel "$dirmeta" dirmeta)"
    corrupt_case "content (big payload)" "$R" "$big" 'file|content' flip_byte "$(rel "$big" "$ext")"
    if [ "$mode" = archive ]; then
      corrupt_case "content (.filez header mode byte)" "$R" "$small" 'file|content' flip_byte "$(rel "$small" "$ext")" 27
    else
      corrupt_case "content (first byte)" "$R" "$small" 'file|content' flip_byte "$(rel "$small" "$ext")" 0
    fi
    corrupt_case "content object missing" "$R" "$small" 'file|content' rm -f "$(rel "$small" "$ext")"
    case "$mode" in
      bare) corrupt_case "content object chmod 0600" "$R" "$big" 'file|content' chmod 0600 "$(rel "$big" "$ext")" ;;
      bare-user) corrupt_case "user.ostreemeta mode flipped" "$R" "$big" 'file|content' flip_ostreemeta "$(rel "$big" "$ext")" ;;
    esac
  done
done

finish
