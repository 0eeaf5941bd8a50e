#!/usr/bin/env bash
# make_images.sh OUTDIR — builds the OCI test images for the pull tests with the
# third-party tools (umoci, skopeo) plus oci_tool.py for what they never write.
# Deterministic (fixed mtimes and `created` values: the digests are the same on
# every run) and fast (~2 s). Must run as root (owners, setuid, device nodes).
#
# OUTDIR/layout          OCI image layout, tags:
#   single        one umoci layer: the standard test tree (make_test_tree.sh):
#                 modes incl. 04755/02755/01777, empty files and dirs, symlinks
#                 (relative, absolute, dangling, long target), hardlinks, user.*
#                 xattrs (also on the root dir and dirs), a 250-byte name, a path
#                 over 255 bytes, UTF-8 names, owners 1000:1000, 65534, 1000:65534.
#                 created has nanoseconds: 2024-05-06T07:08:09.123456789Z
#   multi         three umoci layers (see build_multi below): deletions
#                 (.wh.NAME), a deleted tree, a dir replaced wholesale (one
#                 .wh. per former child), dir -> file -> dir, dir -> symlink ->
#                 dir, file -> dir -> file, file <-> symlink, hardlinks in a layer
#                 and a new hardlink to a lower file (umoci re-adds the target),
#                 mode/owner/xattr changes of files and dirs, a same-size content
#                 change, a deleted file re-created. created 2024-01-02T03:04:05Z
#   handmade      multi + layer 4 (gzip, hand-made: whiteout then re-created dir,
#                 re-created dir then its whiteout, opaque marker AFTER new
#                 entries of that dir, whiteouts of never-existing paths, a
#                 hardlink to a file only in a lower layer, an entry with "./"
#                 prefix) + layer 5 (uncompressed tar: char and block device,
#                 fifo, a regular file). created 2024-03-04T05:06:07+02:00
#   handmade-mixed  the same layers, layer 4 zstd-compressed (gzip + zstd + raw)
#   multi-v2s2    multi copied by `skopeo copy --format v2s2` (Docker media types)
#   symlink-wh    two umoci layers: d/ (with d/c) replaced by the symlink d -> keep
#                 while keep/c exists; umoci writes `d -> keep` and then
#                 `d/.wh.c`. The whiteout names the lower d/c, never keep/c.
#   symlink-dir   lib -> usr/lib and sbin -> /usr/sbin (umoci layer), then a
#                 hand-made layer with lib/b, lib/sub/c, sbin/t: umoci (and
#                 Docker, containers/storage) write them through the symlinks
#   amd64, arm64  small one-layer images (umoci config --architecture), /arch
#                 holds the architecture name
#   multiarch     an image index: amd64 -> linux/amd64, arm64 -> linux/arm64/v8
# OUTDIR/zstd-layout     tag multi-zstd: multi with zstd layers (skopeo
#                        --dest-compress-format zstd, from an uncompressed copy)
# OUTDIR/multi.tar       oci-archive of multi (tag multi)
# OUTDIR/single-notag.tar  oci-archive of single without any tag
# OUTDIR/src/NAME        the bundle rootfs umoci packed last, for single, multi,
#                        symlink-wh: the tree each image is meant to hold
# OUTDIR/images.list     NAME \t OCITREE-IMAGE-REF \t UMOCI-ORACLE-REF \t SRC-TREE-OR-- \t note
#                        (the oracle is what `umoci unpack --image` reads: umoci
#                        cannot read zstd layers or Docker manifests)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[ -z "$(ls -A "$OUT")" ] || { echo "make_images: $OUT is not empty" >&2; exit 1; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
OCI_TOOL=("$PYTHON" "$HERE/oci_tool.py")
for t in umoci skopeo setfattr zstd; do
  command -v "$t" >/dev/null || { echo "make_images: $t not found" >&2; exit 1; }
done
umask 022
export LC_ALL=C.UTF-8

L=$OUT/layout
B=$OUT/bundles
MTIME=@1700000000
HIST=(--history.created 2024-01-01T00:00:00Z --history.created_by make_images.sh)
umoci init --layout "$L"
mkdir -p "$B" "$OUT/src" "$OUT/spec"

# fixtimes DIR: every mtime the same, so umoci's layers do not depend on when
# this runs (umoci diffs with sha256digest, so content changes are still seen)
fixtimes() { find "$1" -exec touch -h -d "$MTIME" {} +; }
repack() { # repack TAG BUNDLE
  fixtimes "$2/rootfs"
  umoci repack --refresh-bundle "${HIST[@]}" --image "$L:$1" "$2"
}
start() { # start TAG: new image + unpacked bundle; prints the rootfs path
  umoci new --image "$L:$1"
  umoci unpack --image "$L:$1" "$B/$1" >/dev/null
  echo "$B/$1/rootfs"
}
keep_src() { cp -a "$B/$1/rootfs" "$OUT/src/$1"; }
wf() { printf '%s' "$3" > "$1"; chmod "$2" "$1"; }

# --- single -----------------------------------------------------------------
r=$(start single)
bash "$HERE/make_test_tree.sh" "$r" >/dev/null
repack single "$B/single"
keep_src single
umoci config --image "$L:single" --no-history --created 2024-05-06T07:08:09.123456789Z \
  --author make_images.sh --config.cmd /bin/sh

# --- multi ------------------------------------------------------------------
build_multi() {
  local r
  r=$(start multi)
  # layer 1: the base
  mkdir -p "$r/etc/apt/sub" "$r/doc/x/y" "$r/d2f" "$r/d2l" "$r/f2dparent" "$r/keep" \
    "$r/dmod" "$r/dxattr" "$r/opq/sub" "$r/gone" "$r/gone2" "$r/tree/a/b"
  wf "$r/etc/apt/a" 0644 $'a\n'; wf "$r/etc/apt/b" 0644 $'b\n'; wf "$r/etc/apt/sub/x" 0644 $'x\n'
  wf "$r/etc/hostname" 0644 $'multi\n'
  wf "$r/doc/r" 0644 $'doc\n'; wf "$r/doc/x/y/z" 0644 $'z\n'
  wf "$r/del1" 0644 $'del1\n'; wf "$r/del2" 0644 $'del2\n'
  wf "$r/d2f/c" 0644 $'c\n'; wf "$r/d2l/c" 0644 $'c\n'
  wf "$r/f2d" 0644 $'f2d\n'
  wf "$r/f2l" 0644 $'file that becomes a symlink\n'
  ln -s keep/lower "$r/l2f"
  wf "$r/keep/lower" 0644 $'lower content\n'; wf "$r/keep/other" 0640 $'other\n'
  wf "$r/modme" 0644 $'mode me\n'; wf "$r/chownme" 0644 $'chown me\n'
  wf "$r/xattrme" 0644 $'xattr me\n'; setfattr -n user.a -v A "$r/xattrme"
  setfattr -n user.keep -v K "$r/xattrme"
  chmod 0755 "$r/dmod"; setfattr -n user.d -v one "$r/dxattr"
  wf "$r/hl-a" 0644 $'hardlinked in one layer\n'; ln "$r/hl-a" "$r/hl-b"; ln "$r/hl-a" "$r/tree/a/hl-c"
  wf "$r/samesize" 0644 $'same1\n'
  wf "$r/opq/a" 0644 $'a\n'; wf "$r/opq/b" 0644 $'old b\n'; wf "$r/opq/sub/c" 0644 $'c\n'
  wf "$r/gone/x" 0644 $'x\n'; wf "$r/gone2/x" 0644 $'x\n'; wf "$r/gone2/y" 0644 $'y\n'
  wf "$r/tree/a/b/leaf" 0644 $'leaf\n'
  wf "$r/owned" 04755 $'#!/bin/sh\n'; chown 1000:1000 "$r/owned"; chmod 04755 "$r/owned"
  repack multi "$B/multi"
  # layer 2
  rm "$r/del1"
  rm -rf "$r/doc"                                       # -> one .wh.doc
  rm -rf "$r/etc/apt"; mkdir "$r/etc/apt"; wf "$r/etc/apt/new" 0644 $'new\n'   # -> .wh.a .wh.b .wh.sub
  rm -rf "$r/d2f"; wf "$r/d2f" 0644 $'now a file\n'     # -> d2f, d2f/.wh.c
  rm -rf "$r/d2l"; ln -s keep "$r/d2l"                  # -> d2l -> keep, d2l/.wh.c (keep has no c)
  rm "$r/f2d"; mkdir "$r/f2d"; wf "$r/f2d/in" 0644 $'in\n'
  rm "$r/f2l"; ln -s keep/other "$r/f2l"
  rm "$r/l2f"; wf "$r/l2f" 0600 $'was a symlink\n'
  ln "$r/keep/lower" "$r/upper-hl"                      # umoci re-adds keep/lower (nlink)
  chmod 0600 "$r/modme"
  chown 1000:1000 "$r/chownme"
  setfattr -n user.b -v B "$r/xattrme"; setfattr -x user.a "$r/xattrme"
  chmod 0700 "$r/dmod"; chown 65534:65534 "$r/dmod"
  setfattr -n user.d -v two "$r/dxattr"; setfattr -n user.e -v new "$r/dxattr"
  wf "$r/samesize" 0644 $'same2\n'
  rm "$r/hl-b"
  repack multi "$B/multi"
  # layer 3
  rm "$r/d2f"; mkdir "$r/d2f"; wf "$r/d2f/back" 0644 $'dir again\n'
  rm "$r/d2l"; mkdir "$r/d2l"; wf "$r/d2l/back" 0644 $'dir again\n'
  rm -rf "$r/f2d"; wf "$r/f2d" 0755 $'file again\n'
  rm "$r/del2"
  wf "$r/del1" 0644 $'del1 re-created\n'
  mkdir "$r/etc/apt/sub"; wf "$r/etc/apt/sub/x2" 0644 $'x2\n'
  chmod 04755 "$r/modme"; chown 0:65534 "$r/modme"; chmod 04755 "$r/modme"
  setfattr -n user.b -v 'B changed' "$r/xattrme"
  chmod 02755 "$r/dmod"; chown 0:0 "$r/dmod"; chmod 02755 "$r/dmod"
  rm -rf "$r/tree/a/b"
  repack multi "$B/multi"
  keep_src multi
  umoci config --image "$L:multi" --no-history --created 2024-01-02T03:04:05Z --config.cmd /bin/true
}
build_multi

# --- symlink-wh -------------------------------------------------------------
r=$(start symlink-wh)
mkdir -p "$r/d" "$r/keep"
wf "$r/d/c" 0644 $'d/c\n'; wf "$r/keep/c" 0644 $'keep/c must survive\n'
repack symlink-wh "$B/symlink-wh"
rm -rf "$r/d"; ln -s keep "$r/d"
repack symlink-wh "$B/symlink-wh"
keep_src symlink-wh
umoci config --image "$L:symlink-wh" --no-history --created 2024-01-03T00:00:00Z

# --- symlink-dir ------------------------------------------------------------
# layer 1 (umoci): merged-/usr style symlinks lib -> usr/lib (relative) and
# sbin -> /usr/sbin (absolute); layer 2 (hand-made, no parent entries):
# lib/b, lib/sub/c, sbin/t. umoci, like Docker and containers/storage, resolves
# the parents through the in-image symlinks (chroot semantics): usr/lib/b,
# usr/lib/sub/c, usr/sbin/t, the symlinks stay.
r=$(start symlink-dir)
mkdir -p "$r/usr/lib" "$r/usr/sbin"
wf "$r/usr/lib/a" 0644 $'a\n'; wf "$r/usr/sbin/s" 0755 $'s\n'
ln -s usr/lib "$r/lib"; ln -s /usr/sbin "$r/sbin"
repack symlink-dir "$B/symlink-dir"
umoci config --image "$L:symlink-dir" --no-history --created 2024-01-04T00:00:00Z
cat > "$OUT/spec/symlink-dir.json" <<'EOF2'
[
 {"path": "lib/b", "content": "b, written through lib -> usr/lib\n"},
 {"path": "lib/sub/c", "content": "c\n"},
 {"path": "sbin/t", "content": "t, written through sbin -> /usr/sbin\n", "mode": 493}
]
EOF2
"${OCI_TOOL[@]}" layer "$OUT/spec/symlink-dir.json" "$OUT/spec/symlink-dir.tar"
"${OCI_TOOL[@]}" append "$L" symlink-dir "$OUT/spec/symlink-dir.tar" >/dev/null

# --- handmade (layers 4 and 5 on top of multi) ------------------------------
cat > "$OUT/spec/layer4.json" <<'EOF'
[
 {"path": ".wh.gone", "mode": 0},
 {"path": "gone/", "type": "dir", "mode": 488},
 {"path": "gone/new", "content": "re-created under a whited-out dir\n"},
 {"path": "gone2/", "type": "dir", "mode": 488},
 {"path": "gone2/new", "content": "re-created before its dir's whiteout\n"},
 {"path": ".wh.gone2", "mode": 0},
 {"path": "opq/", "type": "dir", "mode": 448, "xattrs": {"user.opq": "yes"}},
 {"path": "opq/new1", "content": "new1\n"},
 {"path": "opq/b", "content": "new b, written before the opaque marker\n"},
 {"path": "opq/.wh..wh..opq", "mode": 0},
 {"path": "opq/sub2/", "type": "dir"},
 {"path": "opq/sub2/f", "content": "f\n"},
 {"path": ".wh.never-existed", "mode": 0},
 {"path": "keep/.wh.nothing-here", "mode": 0},
 {"path": "hard-to-lower", "type": "hardlink", "target": "keep/lower"},
 {"path": "./dot-prefixed", "content": "tar name with ./ prefix\n", "uid": 65534, "gid": 65534},
 {"path": "newdir/", "type": "dir", "mode": 493, "uid": 1000, "gid": 1000, "xattrs": {"user.bin": "hex:00ff7f"}},
 {"path": "newdir/f", "content": "f\n", "mode": 1517}
]
EOF
cat > "$OUT/spec/layer5.json" <<'EOF'
[
 {"path": "dev/", "type": "dir"},
 {"path": "dev/null", "type": "char", "major": 1, "minor": 3},
 {"path": "dev/sda", "type": "block", "major": 8, "minor": 0, "mode": 432},
 {"path": "run/", "type": "dir"},
 {"path": "run/fifo", "type": "fifo"},
 {"path": "l5file", "content": "next to the device nodes\n"}
]
EOF
"${OCI_TOOL[@]}" layer "$OUT/spec/layer4.json" "$OUT/spec/layer4.tar"
"${OCI_TOOL[@]}" layer "$OUT/spec/layer5.json" "$OUT/spec/layer5.tar"
"${OCI_TOOL[@]}" append "$L" multi "$OUT/spec/layer4.tar" --compress gzip --tag handmade \
  --created 2024-03-04T05:06:07+02:00 >/dev/null
"${OCI_TOOL[@]}" append "$L" handmade "$OUT/spec/layer5.tar" --compress raw >/dev/null
"${OCI_TOOL[@]}" append "$L" multi "$OUT/spec/layer4.tar" --compress zstd --tag handmade-mixed \
  --created 2024-03-04T05:06:07+02:00 >/dev/null
"${OCI_TOOL[@]}" append "$L" handmade-mixed "$OUT/spec/layer5.tar" --compress raw >/dev/null

# --- skopeo variants ------------------------------------------------------------
# skopeo 1.9.3 keeps already-compressed gzip blobs as they are even with
# --dest-compress-format zstd: go through an uncompressed copy.
"${OCI_TOOL[@]}" recompress "$L" multi multi-raw raw >/dev/null
skopeo copy -q --dest-compress-format zstd "oci:$L:multi-raw" "oci:$OUT/zstd-layout:multi-zstd"
skopeo copy -q --format v2s2 "oci:$L:multi" "oci:$L:multi-v2s2"
skopeo copy -q "oci:$L:multi" "oci-archive:$OUT/multi.tar:multi"
skopeo copy -q "oci:$L:single" "oci-archive:$OUT/single-notag.tar"

# --- multi-platform ---------------------------------------------------------------
for arch in amd64 arm64; do
  r=$(start "$arch")
  mkdir -p "$r/etc"
  wf "$r/arch" 0644 "$arch"$'\n'
  wf "$r/etc/os-release" 0644 $'ID=test\n'
  repack "$arch" "$B/$arch"
  umoci config --image "$L:$arch" --no-history --architecture "$arch" --os linux \
    --created 2024-02-0${arch: -1}T00:00:00Z
done
"${OCI_TOOL[@]}" index "$L" multiarch amd64=linux/amd64 arm64=linux/arm64/v8 >/dev/null

rm -rf "$B"
chmod -R u+rwX,go+rX "$L" "$OUT/zstd-layout"   # umoci writes 0600 blobs

{
  printf 'single\toci:%s:single\t%s:single\tsingle\tone umoci layer, the standard test tree\n' "$L" "$L"
  printf 'multi\toci:%s:multi\t%s:multi\tmulti\tthree umoci layers\n' "$L" "$L"
  printf 'handmade\toci:%s:handmade\t%s:handmade\t-\tmulti + hand-made opaque/whiteout layer (gzip) + devices (raw)\n' "$L" "$L"
  printf 'handmade-mixed\toci:%s:handmade-mixed\t%s:handmade\t-\thandmade with layer 4 zstd: gzip, zstd and raw layers\n' "$L" "$L"
  printf 'symlink-dir\toci:%s:symlink-dir\t%s:symlink-dir\t-\tfiles below lower-layer symlinks to dirs (lib -> usr/lib, sbin -> /usr/sbin)\n' "$L" "$L"
  printf 'multi-zstd\toci:%s/zstd-layout:multi-zstd\t%s:multi\tmulti\tskopeo zstd layers\n' "$OUT" "$L"
  printf 'multi-v2s2\toci:%s:multi-v2s2\t%s:multi\tmulti\tDocker v2 schema 2 media types\n' "$L" "$L"
  printf 'multi-archive\toci-archive:%s/multi.tar:multi\t%s:multi\tmulti\toci-archive\n' "$OUT" "$L"
  printf 'single-notag\toci-archive:%s/single-notag.tar\t%s:single\tsingle\toci-archive without a tag\n' "$OUT" "$L"
} > "$OUT/images.list"
echo "make_images: images in $OUT ($(du -sk "$OUT" | cut -f1) KiB)"
