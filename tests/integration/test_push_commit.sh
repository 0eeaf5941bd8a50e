#!/usr/bin/env bash
# Push of any commit as an OCI image, and back to the identical commit
# (issue 6, acceptance 1-4 for oci: and oci-archive: destinations).
#
# 1. For each repo mode (bare, bare-user, bare-user-only, archive), a commit of
#    the standard test tree made by ocitree, and one made by the REAL
#    `ostree commit` with --add-detached-metadata-string (ocitree must read
#    what ostree wrote): `ocitree push` to oci:, `ocitree pull` into a fresh
#    repo of the same mode gives the SAME commit checksum, the detached
#    metadata file is byte-identical, `ostree fsck` passes, `ostree show`
#    gives the original subject, `ocitree images` lists the branch, a second
#    pull is up to date.
# 2. `oci-image-tool validate` accepts the layout and the config;
#    `umoci unpack` of it equals `ostree checkout` of the commit (bare: owners,
#    modes, xattrs); `skopeo copy` to another oci: layout and back, then pull:
#    same checksum. oci-archive: pushes pull back identically too.
# 3. The same commit pushed twice (oci: and oci-archive:, gzip/zstd/none)
#    gives byte-identical files.
# 4. --max-layers 8 on a tree of 4000 files: one file changed, committed,
#    pushed: exactly one layer digest changes (plus config and manifest).
# 5. An image changed after push (a layer appended) falls back to a new image
#    commit with a warning; prune drops the record of a restored commit only
#    once its branch is gone.
source "$(dirname "$0")/lib.sh"
require_basics
require_tool umoci skopeo oci-image-tool sha256sum
OCI_TOOL=("$PYTHON" "$IT_DIR/oci_tool.py")

T=$(standard_tree)
info "test tree: $T ($(find "$T" | wc -l) entries)"

# pushpull SRC_REPO REV MODE NAME: push REV to oci:$WORK/img-NAME:v1, pull it
# into a fresh MODE repo $WORK/dst-NAME on branch back; prints the pulled commit.
pushpull() {
  local src=$1 rev=$2 mode=$3 name=$4
  rm -rf "$WORK/img-$name" "$WORK/dst-$name"
  oci --repo "$src" push "$rev" "oci:$WORK/img-$name:v1" > "$WORK/push-$name.log" 2>&1 ||
    { sed 's/^/        | /' "$WORK/push-$name.log" >&2; return 0; }
  oci --repo "$WORK/dst-$name" init --mode "$mode" >/dev/null
  oci --repo "$WORK/dst-$name" pull -b back "oci:$WORK/img-$name:v1" > "$WORK/pull-$name.log" 2>&1 ||
    { sed 's/^/        | /' "$WORK/pull-$name.log" >&2; return 0; }
  ostree rev-parse --repo="$WORK/dst-$name" back
}

commitmeta() { echo "$1/objects/${2:0:2}/${2:2}.commitmeta"; }

# ------------------------------------------------------------------ 1. modes --
for mode in "${MODES[@]}"; do
  log "mode $mode [at ${SECONDS}s]"
  R=$WORK/src-$mode
  oci --repo "$R" init --mode "$mode" >/dev/null
  c=$(oci_commit "$R" main -s "push $mode" --body "body of $mode" --timestamp="$TS" \
        --add-metadata-string version=1.$mode --tree=dir="$T")
  is_hex64 "$c" || die "ocitree commit failed in $mode"
  got=$(pushpull "$R" main "$mode" "oci-$mode")
  expect_eq "$mode: ocitree commit -> push -> pull: same checksum" "$c" "$got"
  check "$mode: pull said it restored the commit" grep -q "restored as it was pushed" "$WORK/pull-oci-$mode.log"
  check "$mode: ostree fsck of the pulled repo" ostree fsck --repo="$WORK/dst-oci-$mode"
  check "$mode: ostree log: original subject" \
    bash -c "ostree log --repo='$WORK/dst-oci-$mode' back | grep -qx '    push $mode'"

  # A commit written by the real ostree, with detached metadata.
  cs=$(ostree commit --repo="$R" -b os/ostree -s "by ostree $mode" --timestamp="$TS" \
        --add-metadata-string=ostree.architecture=x86_64 \
        --add-detached-metadata-string=sig.test="detached $mode" --tree=dir="$T")
  got=$(pushpull "$R" os/ostree "$mode" "ost-$mode")
  expect_eq "$mode: ostree commit -> push -> pull: same checksum" "$cs" "$got"
  expect_files_eq "$mode: detached metadata survives byte for byte" \
    "$(commitmeta "$R" "$cs")" "$(commitmeta "$WORK/dst-ost-$mode" "$cs")"
  expect_eq "$mode: ostree reads the detached metadata" "'detached $mode'" \
    "$(ostree show --repo="$WORK/dst-ost-$mode" --print-detached-metadata-key=sig.test back 2>&1)"
  check "$mode: ostree fsck (ostree-made commit)" ostree fsck --repo="$WORK/dst-ost-$mode"
  check "$mode: ocitree fsck" oci --repo "$WORK/dst-ost-$mode" fsck
  check "$mode: config os/architecture from ostree.architecture" \
    bash -c "skopeo inspect --config oci:$WORK/img-ost-$mode:v1 | grep -q '\"architecture\": \"amd64\"'"
  check "$mode: ocitree images lists the branch with the commit" \
    bash -c "'$OCITREE' --repo '$WORK/dst-ost-$mode' images --json | grep -q '\"$cs\"'"
  out=$(oci --repo "$WORK/dst-ost-$mode" pull -b back "oci:$WORK/img-ost-$mode:v1" 2>&1 || true)
  check "$mode: a second pull is up to date" grep -q "up to date" <<<"$out"
done

# ------------------------------------------------ 2. validators and oracles --
log "oracles [at ${SECONDS}s]"
B=$WORK/src-bare
C=$(ostree rev-parse --repo="$B" main)
IMG=$WORK/img-oci-bare
# (this oci-image-tool validates a layout as --type image; --type imageLayout is "unimplemented")
check "oci-image-tool validate: the layout (manifest, config, layers) of tag v1" \
  oci-image-tool validate --type image --ref name=v1 "$IMG"
cfg=$(skopeo inspect --raw "oci:$IMG:v1" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"][7:])')
check "oci-image-tool validate --type config: the config blob" oci-image-tool validate --type config "$IMG/blobs/sha256/$cfg"
rm -rf "$WORK/bundle" "$WORK/co-bare"
umoci unpack --image "$IMG:v1" "$WORK/bundle" > "$WORK/umoci.log" 2>&1 || { cat "$WORK/umoci.log"; fail "umoci unpack"; }
ostree checkout --repo="$B" main "$WORK/co-bare"
check "umoci unpack of the pushed image == ostree checkout of the commit" \
  "${TREECMP[@]}" "$WORK/co-bare" "$WORK/bundle/rootfs"
check "skopeo inspect accepts it" skopeo inspect "oci:$IMG:v1"
rm -rf "$WORK/copy1" "$WORK/copy2"
check "skopeo copy to another oci: layout" skopeo copy -q "oci:$IMG:v1" "oci:$WORK/copy1:x"
check "skopeo copy back" skopeo copy -q "oci:$WORK/copy1:x" "oci:$WORK/copy2:y"
oci --repo "$WORK/dst-copy" init --mode bare >/dev/null
oci --repo "$WORK/dst-copy" pull -b back "oci:$WORK/copy2:y" > "$WORK/pull-copy.log" 2>&1 || cat "$WORK/pull-copy.log"
expect_eq "pull of the skopeo copy: same checksum" "$C" "$(ostree rev-parse --repo="$WORK/dst-copy" back 2>&1)"
# oci-archive
oci --repo "$B" push main "oci-archive:$WORK/a1.tar:v1" >/dev/null
oci --repo "$WORK/dst-arch" init --mode archive >/dev/null
oci --repo "$WORK/dst-arch" pull -b back "oci-archive:$WORK/a1.tar:v1" >/dev/null 2>&1 || true
expect_eq "oci-archive: push -> pull into an archive repo: same checksum" "$C" \
  "$(ostree rev-parse --repo="$WORK/dst-arch" back 2>&1)"
check "skopeo inspect accepts the oci-archive" skopeo inspect "oci-archive:$WORK/a1.tar:v1"

# ----------------------------------------------------------- 3. determinism --
log "determinism [at ${SECONDS}s]"
# The same tree committed alike into a bare and an archive repo: one commit.
cb=$(oci_commit "$B" same -s same --timestamp="$TS" --tree=dir="$T")
ca=$(oci_commit "$WORK/src-archive" same -s same --timestamp="$TS" --tree=dir="$T")
expect_eq "bare and archive repos: the same commit" "$cb" "$ca"
for comp in gzip zstd none; do
  rm -rf "$WORK/d1" "$WORK/d2"
  oci --repo "$B" push --compression "$comp" --max-layers 3 same "oci:$WORK/d1:v1" >/dev/null
  oci --repo "$WORK/src-archive" push --compression "$comp" --max-layers 3 same "oci:$WORK/d2:v1" >/dev/null
  check "$comp: bare repo and archive repo push the same commit byte-identically (diff -r)" \
    diff -r "$WORK/d1" "$WORK/d2"
done
rm -rf "$WORK/d1" "$WORK/d2"
oci --repo "$B" push main "oci:$WORK/d1:v1" >/dev/null
oci --repo "$B" push main "oci:$WORK/d2:v1" >/dev/null
check "same commit pushed twice: byte-identical layouts" diff -r "$WORK/d1" "$WORK/d2"
oci --repo "$B" push main "oci-archive:$WORK/a2.tar:v1" >/dev/null
expect_files_eq "same commit pushed twice to oci-archive: identical tar" "$WORK/a1.tar" "$WORK/a2.tar"

# ------------------------------------------------------- 4. --max-layers 8 --
log "--max-layers 8 [at ${SECONDS}s]"
BIG=$WORK/big
many_files "$BIG" 40 100 7
M=$WORK/src-big
oci --repo "$M" init --mode bare >/dev/null
c1=$(oci_commit "$M" big -s one --timestamp="$TS" --tree=dir="$BIG")
oci --repo "$M" push --max-layers 8 big "oci:$WORK/big1:v1" > "$WORK/big1.log"
echo changed > "$BIG/dir17/file042"
c2=$(oci_commit "$M" big -s two --timestamp=2024-02-01T00:00:00Z --tree=dir="$BIG")
oci --repo "$M" push --max-layers 8 big "oci:$WORK/big2:v1" > "$WORK/big2.log"
layers() { "${OCI_TOOL[@]}" info "$1" v1 | "$PYTHON" -c 'import json,sys; print("\n".join(l["digest"] for l in json.load(sys.stdin)["layers"]))'; }
layers "$WORK/big1" > "$WORK/big1.layers"
layers "$WORK/big2" > "$WORK/big2.layers"
expect_eq "4041-entry tree: 8 layers" 8 "$(wc -l < "$WORK/big1.layers")"
expect_eq "one file changed: exactly one layer digest differs" 1 \
  "$(paste "$WORK/big1.layers" "$WORK/big2.layers" | awk '$1 != $2' | wc -l)"
oci --repo "$WORK/dst-big" init --mode bare >/dev/null
oci --repo "$WORK/dst-big" pull -b big "oci:$WORK/big1:v1" >/dev/null 2>&1 || true
out=$(oci --repo "$WORK/dst-big" pull -b big "oci:$WORK/big2:v1" 2>&1 || true)
expect_eq "update pull: the child commit restored" "$c2" "$(ostree rev-parse --repo="$WORK/dst-big" big 2>&1)"
check "update pull: 7 of 8 layers already stored" grep -q "8 layers (7 already stored)" <<<"$out"
check "8-layer image: oci-image-tool validate" oci-image-tool validate --type image --ref name=v1 "$WORK/big2"

# ------------------------------------------- 5. modified image, prune, errors --
log "modified image, prune [at ${SECONDS}s]"
cp -a "$IMG" "$WORK/mod"
printf '[{"path": "etc-extra", "type": "file", "content": "added after push\\n"}]' > "$WORK/extra.json"
"${OCI_TOOL[@]}" layer "$WORK/extra.json" "$WORK/extra.tar"
"${OCI_TOOL[@]}" append "$WORK/mod" v1 "$WORK/extra.tar" --compress gzip --tag modified >/dev/null
oci --repo "$WORK/dst-mod" init --mode bare >/dev/null
oci --repo "$WORK/dst-mod" pull -b mod "oci:$WORK/mod:modified" > "$WORK/pull-mod.log" 2>&1 || cat "$WORK/pull-mod.log"
cm=$(ostree rev-parse --repo="$WORK/dst-mod" mod 2>&1)
check "modified image: pull succeeds with a new commit" bash -c "[ '$cm' != '$C' ] && [ ${#cm} = 64 ]"
check "modified image: a warning says why" grep -q "warning:.*changed after it was pushed" "$WORK/pull-mod.log"
check "modified image: ostree fsck" ostree fsck --repo="$WORK/dst-mod"
check "modified image: no record ref" bash -c "! ostree refs --repo='$WORK/dst-mod' | grep -q '^ocitree/record/'"

D=$WORK/dst-ost-bare
check "restored commit: record ref beside the branch" bash -c "ostree refs --repo='$D' | grep -qx 'ocitree/record/back'"
oci --repo "$D" prune > "$WORK/prune1.log" 2>&1
check "prune keeps the layers of a restored commit" bash -c "ostree refs --repo='$D' | grep -q '^ocitree/layer/'"
check "ocitree push --reconstruct of a restored branch" oci --repo "$D" push --reconstruct back "oci:$WORK/recon:v1"
check "reconstruct == the pushed image (config digest)" bash -c \
  "[ \"\$(skopeo inspect --raw oci:$WORK/recon:v1 | sha256sum)\" = \"\$(skopeo inspect --raw oci:$WORK/img-ost-bare:v1 | sha256sum)\" ]"
oci --repo "$D" refs --delete back >/dev/null
oci --repo "$D" prune > "$WORK/prune2.log" 2>&1
expect_eq "refs --delete + prune: no refs left (record, layer, recipe gone)" "" "$(ostree refs --repo="$D")"
check "ostree fsck after prune" ostree fsck --repo="$D"

rc=$(run_capture "$WORK/bad1.log" oci --repo "$B" push --max-layers 0 main "oci:$WORK/bad:v1")
expect_eq "--max-layers 0 is refused" 1 "$rc"
rc=$(run_capture "$WORK/bad2.log" oci --repo "$B" push --compression lz4 main "oci:$WORK/bad:v1")
expect_eq "--compression lz4 is refused" 1 "$rc"
rc=$(run_capture "$WORK/bad3.log" oci --repo "$B" push no-such-branch "oci:$WORK/bad:v1")
expect_eq "unknown branch is refused" 1 "$rc"
check "nothing tagged by the failed pushes" bash -c "[ ! -e '$WORK/bad/index.json' ] || ! grep -q '\"v1\"' '$WORK/bad/index.json'"
info "total: ${SECONDS}s"
finish
