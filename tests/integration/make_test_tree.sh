#!/usr/bin/env bash
# make_test_tree.sh DIR [--no-owners] [--no-xattrs]
#
# Builds the deterministic "foundation" test tree in DIR (DIR must not exist or
# be empty).  Every mode bit, owner and xattr is set explicitly, so the result
# does not depend on the umask.  Must run as root (chown, setuid bits).
#
# Contents (names chosen to exercise strcmp ordering, UTF-8 and long paths):
#   regular files: 0644, 0600, 0755 (executable), 04755 (setuid), 02755
#     (setgid), 0444, 0640, 0777, empty files, a 256 KiB compressible file,
#     a 96 KiB incompressible file, a file with content containing NULs
#   symlinks: relative, absolute, dangling, to a directory, a long target
#   hardlinks: 3 names for one inode (plus one in another directory)
#   directories: empty dir, 0700 dir, 01777 sticky dir, nested a/b/c/d/e,
#     a path of more than 255 bytes built from nested dirs
#   names: spaces, UTF-8 (Latin, Cyrillic, CJK), leading dot, dash/dot/underscore
#     mix and upper case (ordering), a 250-byte name
#   xattrs: user.* on files (several per file, one with binary value) and on
#     directories (incl. the root directory)            [skipped by --no-xattrs]
#   owners: files, a symlink and a dir owned by 1000:1000, 65534:65534 and
#     1000:65534                                        [skipped by --no-owners]
set -euo pipefail

usage() { echo "usage: $0 DIR [--no-owners] [--no-xattrs]" >&2; exit 2; }
[ $# -ge 1 ] || usage
D=$1; shift
owners=1
xattrs=1
for a in "$@"; do
  case "$a" in
    --no-owners) owners=0 ;;
    --no-xattrs) xattrs=0 ;;
    *) usage ;;
  esac
done

mkdir -p "$D"
if [ -n "$(ls -A "$D")" ]; then echo "make_test_tree: $D is not empty" >&2; exit 1; fi
cd "$D"
PYTHON=$(python3 -c 'import sys; print(sys.executable)')

# Deterministic pseudo-random bytes: sha256 counter mode.
prand() { # prand NBYTES SEED
  "$PYTHON" - "$1" "$2" <<'EOF'
import hashlib, sys
n, seed = int(sys.argv[1]), sys.argv[2].encode()
out = bytearray(); i = 0
while len(out) < n:
    out += hashlib.sha256(seed + i.to_bytes(8, 'big')).digest(); i += 1
sys.stdout.buffer.write(bytes(out[:n]))
EOF
}

wf() { # wf PATH MODE CONTENT
  printf '%s' "$3" > "$1"; chmod "$2" "$1"
}

# --- regular files, various modes -------------------------------------------
wf f0644 0644 $'hello world\n'
wf f0600 0600 $'secret\n'
wf f0444 0444 $'read only\n'
wf f0640 0640 $'group readable\n'
wf f0777 0777 $'#!/bin/sh\necho world-writable\n'
wf exec0755 0755 $'#!/bin/sh\necho hi\n'
wf setuid04755 04755 $'#!/bin/sh\necho setuid\n'
wf setgid02755 02755 $'#!/bin/sh\necho setgid\n'
: > empty; chmod 0644 empty
: > empty-exec; chmod 0755 empty-exec
printf 'a\0b\0\0c\n' > nuls; chmod 0644 nuls
"$PYTHON" -c 'import sys; sys.stdout.write("".join("line %06d of a compressible file\n" % i for i in range(7282)))' > big-compressible
chmod 0644 big-compressible
prand 98304 incompressible > big-random; chmod 0644 big-random

# --- names -------------------------------------------------------------------
wf 'name with spaces' 0644 $'spaces\n'
wf ' leading space' 0644 $'lead\n'
wf 'ünïcødé-файл-日本語.txt' 0644 $'utf8\n'
wf .hidden 0644 $'hidden\n'
wf A 0644 $'upper A\n'
wf a-b 0644 $'dash\n'
wf a.b 0644 $'dot\n'
wf a_b 0644 $'underscore\n'
wf Z 0644 $'upper Z\n'
wf '~tilde' 0644 $'tilde\n'
longname=$(printf 'n%.0s' $(seq 1 246)).txt   # 250 bytes
wf "$longname" 0644 $'long name\n'

# --- symlinks ------------------------------------------------------------------
ln -s f0644 link-relative
ln -s /etc/passwd link-absolute
ln -s does/not/exist link-dangling
ln -s nested/a link-to-dir
ln -s ../../up/../twice link-dotdot
ln -s "$(printf 't%.0s' $(seq 1 200))" link-long-target
ln -s 'ünïcødé target' 'link ünïcødé'

# --- hardlinks -----------------------------------------------------------------
wf hardlink-1 0644 $'shared inode content\n'
ln hardlink-1 hardlink-2
ln hardlink-1 hardlink-3

# --- directories ---------------------------------------------------------------
mkdir empty-dir; chmod 0755 empty-dir
mkdir private-dir; chmod 0700 private-dir
wf private-dir/inner 0600 $'inner\n'
mkdir sticky-dir; chmod 01777 sticky-dir
wf sticky-dir/file 0644 $'in sticky\n'
mkdir -p nested/a/b/c/d/e
wf nested/a/b/c/d/e/deep 0644 $'deep file\n'
wf nested/a/top 0644 $'top of nested\n'
ln nested/a/top nested/a/b/top-hardlink
mkdir nested/a/b/empty-in-nested
ln -s ../../f0644 nested/a/link-up
mkdir 'dir with spaces'
wf 'dir with spaces/file in spaced dir' 0644 $'x\n'
mkdir 'каталог'
wf 'каталог/файл' 0644 $'cyrillic\n'
# > 255 bytes total path via nested dirs (5 x 60-char components + file)
p=long
mkdir long
for i in 1 2 3 4 5; do
  p="$p/$(printf 'd%.0s' $(seq 1 58))$i$i"
  mkdir "$p"
done
wf "$p/long-path-file" 0644 $'long path\n'
ln -s ../../../../../../f0644 "$p/long-path-symlink"
chmod 0755 . nested nested/a nested/a/b nested/a/b/c nested/a/b/c/d nested/a/b/c/d/e \
  nested/a/b/empty-in-nested 'dir with spaces' 'каталог'
find long -type d -exec chmod 0755 {} +
chmod 0755 .

# --- xattrs (user.* only: the host has no SELinux labels) -----------------------
if [ "$xattrs" = 1 ]; then
  setfattr -n user.test -v 'file xattr' f0644
  # several names, set out of order: writers must sort them
  setfattr -n user.zeta -v z exec0755
  setfattr -n user.alpha -v a exec0755
  setfattr -n user.middle -v 0x00ff00fe exec0755   # binary value with NULs
  setfattr -n user.hl -v shared hardlink-1          # all three names share it
  setfattr -n user.dir -v 'dir xattr' nested/a
  setfattr -n user.root -v 'root dir xattr' .
  setfattr -n user.empty-dir -v e empty-dir
  setfattr -n 'user.ünï' -v 'utf8 value ✓' 'ünïcødé-файл-日本語.txt'
fi

# --- owners --------------------------------------------------------------------
if [ "$owners" = 1 ]; then
  mkdir owned; chmod 0755 owned
  wf owned/u1000 0644 $'owned by 1000\n'
  wf owned/u65534 0640 $'owned by nobody\n'
  wf owned/mixed 0600 $'1000:65534\n'
  wf owned/setuid-1000 04755 $'#!/bin/sh\n'
  ln -s u1000 owned/link-1000
  mkdir owned/dir-1000; chmod 0750 owned/dir-1000
  wf owned/dir-1000/inside 0644 $'inside\n'
  chown 1000:1000 owned/u1000 owned/dir-1000 owned/dir-1000/inside
  chown 65534:65534 owned/u65534
  chown 1000:65534 owned/mixed
  chown 1000:1000 owned/setuid-1000
  chmod 04755 owned/setuid-1000                      # chown clears setuid
  chown -h 1000:1000 owned/link-1000
fi
exit 0
