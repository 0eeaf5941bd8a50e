#!/usr/bin/env bash
# make_layered_images.sh OUTDIR — the OCI images of test_layered_storage.sh:
# images that share a base layer, and layers written by GNU tar. Built with
# umoci (plus GNU tar and oci_tool.py), deterministically (fixed mtimes and
# `created`: the same digests on every run), in about a second. Must run as
# root (owners, xattrs).
#
# OUTDIR/layout   OCI image layout, tags:
#   base         one umoci layer (gzip): a small tree with dirs, files, a
#                symlink, a hardlink, an xattr, owners 1000 and 65534, an
#                empty dir
#   app1         base + one umoci layer: new files under app1/, a changed
#                file, whiteouts (.wh.doc for a deleted tree, .wh.b for a file,
#                a file replaced by a symlink)
#   app2         base + two umoci layers: new app2/data, a deleted tool, a
#                directory replaced wholesale (one .wh. per former child), a
#                mode/owner change; then a deleted and a re-created file
#                app1 and app2 were unpacked from the tag base, so their first
#                layer is the very same blob (same digest, same diff_id)
#   gnutar       base + a layer written by GNU tar (`tar --format=gnu`, gzip):
#                 keeps GNU tar's 10240-byte record padding, a ././@LongLink
#                 name over 100 bytes, a hardlink, a symlink, a whiteout
#                 (etc/.wh.os-release) + an uncompressed hand-made layer (PAX)
#   gnutar-zstd  the same layers (same diff_ids) with the GNU tar layer
#                zstd-compressed: shares every layer with gnutar but under
#                another media type (umoci cannot read zstd: its oracle is
#                gnutar's)
# OUTDIR/gnu.tar  the GNU tar layer as written by tar
# OUTDIR/src/NAME the bundle rootfs umoci packed last (app1, app2)
# OUTDIR/images.list  NAME \t LAYOUT-TAG \t UMOCI-ORACLE-TAG \t SRC-OR-- \t note
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[ -z "$(ls -A "$OUT")" ] || { echo "make_layered_images: $OUT is not empty" >&2; exit 1; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
OCI_TOOL=("$PYTHON" "$HERE/oci_tool.py")
for t in umoci setfattr zstd tar; do
  command -v "$t" >/dev/null || { echo "make_layered_images: $t not found" >&2; exit 1; }
done
tar --version | head -n1 | grep -q 'GNU tar' || { echo "make_layered_images: tar is not GNU tar" >&2; exit 1; }
umask 022
export LC_ALL=C.UTF-8

L=$OUT/layout
B=$OUT/bundles
MTIME=@1700000000
HIST=(--history.created 2024-01-01T00:00:00Z --history.created_by make_layered_images.sh)
umoci init --layout "$L"
mkdir -p "$B" "$OUT/src" "$OUT/spec"

fixtimes() { find "$1" -exec touch -h -d "$MTIME" {} +; }
wf() { printf '%s' "$3" > "$1"; chmod "$2" "$1"; }
# repack TAG BUNDLE: the bundle's changes as a new layer of TAG
repack() {
  fixtimes "$2/rootfs"
  umoci repack --refresh-bundle "${HIST[@]}" --image "$L:$1" "$2"
}

# --- base ------------------------------------------------------------------
umoci new --image "$L:base"
umoci unpack --image "$L:base" "$B/base" >/dev/null
r=$B/base/rootfs
mkdir -p "$r/etc/conf.d" "$r/usr/bin" "$r/usr/lib" "$r/usr/share/doc/pkg/sub" "$r/var/empty" "$r/home/user"
wf "$r/etc/os-release" 0644 $'ID=layered-test\n'
wf "$r/etc/conf.d/a" 0644 $'a=1\n'; wf "$r/etc/conf.d/b" 0644 $'b=1\n'; wf "$r/etc/conf.d/c" 0600 $'c=1\n'
wf "$r/usr/bin/tool1" 0755 $'#!/bin/sh\necho tool1\n'; wf "$r/usr/bin/tool2" 0755 $'#!/bin/sh\necho tool2\n'
ln "$r/usr/bin/tool1" "$r/usr/bin/tool1-alias"
wf "$r/usr/lib/libx.so.1" 0644 "$(head -c 3000 /dev/zero | tr '\0' 'x')"
ln -s libx.so.1 "$r/usr/lib/libx.so"
wf "$r/usr/share/doc/pkg/README" 0644 $'readme\n'; wf "$r/usr/share/doc/pkg/sub/COPYING" 0644 $'copying\n'
wf "$r/home/user/.profile" 0644 $'export A=1\n'; chown -R 1000:1000 "$r/home/user"
wf "$r/nobody-file" 0640 $'nobody\n'; chown 65534:65534 "$r/nobody-file"
setfattr -n user.base -v base-value "$r/etc/os-release"
setfattr -n user.dir -v on-a-dir "$r/usr/share"
repack base "$B/base"
umoci config --image "$L:base" --no-history --created 2024-06-01T00:00:00Z

# --- app1, app2: unpacked from the tag base, repacked under their own tags --
umoci unpack --image "$L:base" "$B/app1" >/dev/null
r=$B/app1/rootfs
mkdir -p "$r/app1/bin"
wf "$r/app1/bin/run" 0755 $'#!/bin/sh\necho app1\n'
wf "$r/app1/config" 0644 $'mode=one\n'
wf "$r/etc/conf.d/a" 0644 $'a=app1\n'
rm -rf "$r/usr/share/doc"              # -> usr/share/.wh.doc
rm "$r/etc/conf.d/b"                   # -> etc/conf.d/.wh.b
rm "$r/nobody-file"; ln -s etc/os-release "$r/nobody-file"   # file -> symlink
repack app1 "$B/app1"
umoci config --image "$L:app1" --no-history --created 2024-06-02T00:00:00Z --config.cmd /app1/bin/run
cp -a "$r" "$OUT/src/app1"

umoci unpack --image "$L:base" "$B/app2" >/dev/null
r=$B/app2/rootfs
mkdir -p "$r/app2/data"
wf "$r/app2/data/x" 0644 $'x\n'; wf "$r/app2/data/y" 0644 $'y\n'
rm "$r/usr/bin/tool2"                  # -> usr/bin/.wh.tool2
rm -rf "$r/etc/conf.d"; mkdir "$r/etc/conf.d"; wf "$r/etc/conf.d/z" 0644 $'z=2\n'  # .wh.a .wh.b .wh.c
chmod 0700 "$r/var/empty"; chown 65534:65534 "$r/var/empty"
repack app2 "$B/app2"
rm "$r/app2/data/x"                    # layer 3: a whiteout of a layer-2 file
wf "$r/usr/bin/tool2" 0755 $'#!/bin/sh\necho tool2 again\n'   # re-created
repack app2 "$B/app2"
umoci config --image "$L:app2" --no-history --created 2024-06-03T00:00:00Z --config.cmd /bin/sh
cp -a "$r" "$OUT/src/app2"

# --- gnutar: base + a GNU tar layer (gzip) + a hand-made raw layer ----------
g=$OUT/gnutree
mkdir -p "$g/opt/gnu/sub" "$g/etc"
wf "$g/opt/gnu/file" 0644 $'written by GNU tar\n'
wf "$g/opt/gnu/odd-size" 0644 "$(head -c 777 /dev/zero | tr '\0' 'g')"
wf "$g/opt/gnu/empty" 0644 ''
long=opt/gnu/sub/$(printf 'n%.0s' $(seq 1 120))
wf "$g/$long" 0644 $'a name over 100 bytes: a GNU ././@LongLink entry\n'
ln "$g/opt/gnu/file" "$g/opt/gnu/hardlink"
ln -s ../../etc/hostname "$g/opt/gnu/symlink"
wf "$g/etc/hostname" 0644 $'gnutar\n'
wf "$g/etc/.wh.os-release" 0644 ''     # a whiteout, as GNU tar writes any file
chown 1000:1000 "$g/opt/gnu/sub"
fixtimes "$g"
# GNU format, sorted, fixed owners and mtimes; default blocking factor 20:
# the archive is padded with zeros to a multiple of 10240 bytes.
tar --format=gnu --sort=name --numeric-owner --mtime="$MTIME" -C "$g" -cf "$OUT/gnu.tar" .
size=$(stat -c %s "$OUT/gnu.tar")
[ $((size % 10240)) = 0 ] || { echo "make_layered_images: gnu.tar is $size bytes, not a multiple of 10240" >&2; exit 1; }
cat > "$OUT/spec/raw-layer.json" <<'EOF'
[
 {"path": "opt/", "type": "dir"},
 {"path": "opt/raw", "content": "from an uncompressed layer\n", "mode": 384},
 {"path": "opt/gnu/.wh.empty", "mode": 0}
]
EOF
"${OCI_TOOL[@]}" layer "$OUT/spec/raw-layer.json" "$OUT/spec/raw-layer.tar"
"${OCI_TOOL[@]}" append "$L" base "$OUT/gnu.tar" --compress gzip --tag gnutar \
  --created 2024-06-04T00:00:00Z >/dev/null
"${OCI_TOOL[@]}" append "$L" gnutar "$OUT/spec/raw-layer.tar" --compress raw >/dev/null
"${OCI_TOOL[@]}" append "$L" base "$OUT/gnu.tar" --compress zstd --tag gnutar-zstd \
  --created 2024-06-04T00:00:00Z >/dev/null
"${OCI_TOOL[@]}" append "$L" gnutar-zstd "$OUT/spec/raw-layer.tar" --compress raw >/dev/null

rm -rf "$B" "$g"
chmod -R u+rwX,go+rX "$L"   # umoci writes 0600 blobs

{
  printf 'app1\t%s:app1\t%s:app1\tapp1\tbase + one umoci layer\n' "$L" "$L"
  printf 'app2\t%s:app2\t%s:app2\tapp2\tbase + two umoci layers\n' "$L" "$L"
  printf 'gnutar\t%s:gnutar\t%s:gnutar\t-\tbase + GNU tar layer (gzip) + raw layer\n' "$L" "$L"
  printf 'gnutar-zstd\t%s:gnutar-zstd\t%s:gnutar\t-\tbase + GNU tar layer (zstd) + raw layer\n' "$L" "$L"
} > "$OUT/images.list"
echo "make_layered_images: images in $OUT ($(du -sk "$OUT" | cut -f1) KiB)"
