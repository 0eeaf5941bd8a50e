#!/usr/bin/env bash
# Layered storage (issue 4, acceptance lines 1-4; line 5 is the unit test
# src/bridge/merge_scaling_test.cc). Images: make_images.sh (multi,
# symlink-wh, handmade, handmade-mixed, multi-zstd) and make_layered_images.sh
# (app1 and app2 on the same base layer blob, gnutar: a layer written by GNU
# tar with its 10240-byte record padding + a raw layer, gnutar-zstd: the same
# layers with the GNU tar layer zstd-compressed).
#
# 1. app1 then app2 pulled (default storage) into one bare repo: exactly one
#    ocitree/layer/sha256/<hex> ref for the shared base (ostree refs and
#    ocitree refs), one layer ref (and one recipe ref) per distinct diff_id;
#    the second pull succeeds from a copy of the layout whose base blob is
#    garbage of the same size (a fresh repo refuses that copy: the garbage
#    would be noticed if read) and says the layer was already stored; the
#    same with the base blob deleted (other order); `images --json` counts
#    the base as used by two images; both images check out equal to
#    `umoci unpack` and to the trees umoci packed.
# 2. The real `ostree checkout --union --whiteouts` of the layer refs, in
#    manifest order, equals `ocitree checkout` of the image (app1, app2,
#    multi, symlink-wh, handmade, gnutar, gnutar-zstd). Two things ostree's
#    --union cannot do are declared per image (see union_layers):
#      - replace a non-directory by a directory (file -> dir: it fails with
#        "opendir(P): Not a directory"; symlink -> dir: it follows the symlink
#        and writes the layer's files into its target): the non-directory is
#        removed before that layer, as the layer's own entry would replace it;
#      - change the metadata of a directory that already exists (it keeps the
#        lower one): such directories are compared directly against the layer
#        ref that last lists them instead.
#    Anything else that differs is a failure. The same for ocitree's own
#    `checkout --union --whiteouts` of the layer refs (no help needed for
#    non-directory -> directory), and for an archive-mode repo.
# 3. `ocitree push --reconstruct BRANCH oci:DIR:TAG` and
#    `oci-archive:FILE:TAG` of every test image: layer blobs decompress
#    (gzip -dc / zstd -dc / none, per media type) to tars hashing to the
#    original diff_ids, config blob digest and bytes = the original's,
#    `skopeo inspect` accepts it, `umoci unpack` of it equals the original's
#    (not for images with zstd layers: umoci 0.4.7 cannot read zstd). Run
#    after the REAL `ostree prune --refs-only` of the repo (which must delete
#    nothing), on a bare repo and an archive repo.
# 4. app2's branch deleted, `ocitree prune`: the shared base layer ref (and
#    recipe) stays, app2's own layer and recipe refs go, the objects left are
#    exactly what `ostree prune --refs-only` leaves on a copy whose refs were
#    deleted the same way, the dry run predicts it and deletes nothing;
#    ostree fsck and ocitree fsck pass; app1 checks out equal to umoci and
#    reconstructs. Then the REAL `ostree prune --refs-only` (deletes nothing,
#    app1 still reconstructs), and `--refs-only --depth=0` on a repo where
#    img/app1 holds app2 over app1's commit: the parent image commit goes,
#    app2 still checks out and reconstructs, and ocitree prune then drops the
#    layer refs only that deleted commit listed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
require_pull_basics
require_tool sha256sum stat head

build_images
LI=$WORK/limg
LL=$LI/layout
t0=$SECONDS
bash "$IT_DIR/make_layered_images.sh" "$LI" > "$WORK/make_layered_images.log" 2>&1 ||
  { sed 's/^/        | /' "$WORK/make_layered_images.log" | tail -n 30; die "make_layered_images.sh failed"; }
info "$(tail -n 1 "$WORK/make_layered_images.log") in $((SECONDS - t0)) s"

# ---------------------------------------------------------------- helpers --
# section TITLE: a log header with the seconds spent so far
section() { log "$* [at ${SECONDS}s]"; }
# info_field LAYOUT TAG PYTHON-EXPR (d = oci_tool.py info)
info_field() { "${OCI_TOOL[@]}" info "$1" "$2" | "$PYTHON" -c "import json,sys; d=json.load(sys.stdin); print($3)"; }
diff_ids() { info_field "$1" "$2" '" ".join(x[7:] for x in d["diff_ids"])'; }
layer_blobs() { info_field "$1" "$2" '" ".join(x["digest"][7:] for x in d["layers"])'; }
has_zstd() { info_field "$1" "$2" 'any(l["mediaType"].endswith("zstd") for l in d["layers"])'; }
layer_refs() { ostree refs --repo="$1" | grep '^ocitree/layer/' | sort || true; }
recipe_refs() { ostree refs --repo="$1" | grep '^ocitree/recipe/' | sort || true; }
# refs_for PREFIX HEX...: sorted ref names
refs_for() { local p=$1; shift; local h; for h in "$@"; do echo "$p$h"; done | sort -u; }
# (bare repos store symlinks as symlink objects: count them too)
count_objects() { find "$1/objects" \( -type f -o -type l \) | wc -l; }

# ostree_frees R REF...: on a copy of R (already unreachable objects pruned
# first), the REFs deleted and the real `ostree prune --refs-only` run: prints
# "N BYTES", the objects it deleted and the sum of their file sizes (st_size)
FREES_PRE=()
ostree_frees() {
  local r=$1 c=$WORK/frees; shift
  local ref
  rm -rf "$c"; cp -a "$r" "$c"
  # refs the prune being predicted drops anyway (FREES_PRE): gone first
  for ref in "${FREES_PRE[@]}"; do ostree refs --repo="$c" --delete "$ref" >/dev/null 2>&1 || true; done
  ostree prune --repo="$c" --refs-only >/dev/null
  for ref in "$@"; do ostree refs --repo="$c" --delete "$ref" >/dev/null 2>&1 || true; done
  list_objects "$c" > "$c.before"
  ostree prune --repo="$c" --refs-only >/dev/null
  list_objects "$c" > "$c.after"
  comm -23 "$c.before" "$c.after" > "$c.gone"
  printf '%s %s\n' "$(wc -l < "$c.gone")" \
    "$(cd "$r/objects" && tr '\n' '\0' < "$c.gone" | xargs -0 -r stat -c %s | awk '{ s += $1 } END { print s + 0 }')"
}

# checkout_vs R BRANCH ORACLE-DIR DESC [SRC-DIR]
checkout_vs() {
  local r=$1 br=$2 oracle=$3 desc=$4 src=${5:-}
  local co
  co=$WORK/co-$(printf '%s' "$desc-$br" | tr -c 'A-Za-z0-9_.-' _)
  rm -rf "$co"
  check "$desc: ocitree checkout $br" oci --repo "$r" checkout "$br" "$co"
  check "$desc: checkout of $br == ${oracle#"$WORK"/}" "${TREECMP[@]}" "$oracle" "$co"
  [ -z "$src" ] || check "$desc: checkout of $br == the tree umoci packed" "${TREECMP[@]}" "$src" "$co"
  CO=$co
}

# meta_eq A B: same type, mode, owner and xattrs (not contents)
meta_eq() {
  "$PYTHON" - "$1" "$2" <<'EOF'
import os, sys
def m(p):
    st = os.lstat(p)
    x = {n: os.getxattr(p, n, follow_symlinks=False) for n in os.listxattr(p, follow_symlinks=False)}
    return (oct(st.st_mode), st.st_uid, st.st_gid, sorted(x.items()))
a, b = m(sys.argv[1]), m(sys.argv[2])
if a != b:
    print("expected", a); print("actual  ", b)
sys.exit(a != b)
EOF
}

oracle_unpack "$L:multi" "$WORK/umoci-multi"
oracle_unpack "$L:symlink-wh" "$WORK/umoci-symlink-wh"
oracle_unpack "$L:handmade" "$WORK/umoci-handmade"
for t in app1 app2 gnutar; do oracle_unpack "$LL:$t" "$WORK/umoci-$t"; done
check "(oracle) umoci unpack of app1 == the tree it packed" "${TREECMP[@]}" "$LI/src/app1" "$WORK/umoci-app1/rootfs"
check "(oracle) umoci unpack of app2 == the tree it packed" "${TREECMP[@]}" "$LI/src/app2" "$WORK/umoci-app2/rootfs"

read -r -a BASE_IDS <<< "$(diff_ids "$LL" base)"
read -r -a APP1_IDS <<< "$(diff_ids "$LL" app1)"
read -r -a APP2_IDS <<< "$(diff_ids "$LL" app2)"
BASE=${BASE_IDS[0]}
BASE_BLOB=$(layer_blobs "$LL" base)
expect_eq "(images) app1 and app2 have the base layer blob as their first layer" \
  "$BASE_BLOB $BASE_BLOB" "$(layer_blobs "$LL" app1 | cut -d' ' -f1) $(layer_blobs "$LL" app2 | cut -d' ' -f1)"
expect_eq "(images) and its diff_id" "$BASE $BASE" "${APP1_IDS[0]} ${APP2_IDS[0]}"
expect_eq "(images) the GNU tar layer keeps its 10240-byte record padding" 0 "$(( $(stat -c %s "$LI/gnu.tar") % 10240 ))"
check "(images) the GNU tar layer has a ././@LongLink entry" grep -q '././@LongLink' "$LI/gnu.tar"
check "(images) the GNU tar layer is the second layer of gnutar (its sha256 is the diff_id)" \
  test "sha256:$(sha256sum < "$LI/gnu.tar" | cut -d' ' -f1)" = "$(info_field "$LL" gnutar 'd["diff_ids"][1]')"

# ============================================================== line 1 ====
section "1. two images on one base layer: one layer ref, the base blob never read again"
R1=$WORK/repo-shared
oci --repo "$R1" init --mode bare >/dev/null
rc=$(pull_image "$R1" "$WORK/pull-app1" -b img/app1 "oci:$LL:app1")
expect_eq "pull app1 exits 0" 0 "$rc"; [ "$rc" = 0 ] || show_output "$WORK/pull-app1" "$WORK/pull-app1.err"
info "$(cat "$WORK/pull-app1")"

# A copy of the layout whose base blob is garbage of the same size.
GL=$WORK/layout-garbage
cp -a "$LL" "$GL"
bsize=$(stat -c %s "$GL/blobs/sha256/$BASE_BLOB")
rm -f "$GL/blobs/sha256/$BASE_BLOB"
"$PYTHON" -c 'import sys; sys.stdout.buffer.write((b"not the base layer " * (1 + int(sys.argv[1]) // 19))[:int(sys.argv[1])])' "$bsize" > "$GL/blobs/sha256/$BASE_BLOB"
expect_eq "(oracle) the garbage blob has the base blob's size" "$bsize" "$(stat -c %s "$GL/blobs/sha256/$BASE_BLOB")"
oci --repo "$WORK/repo-garbage-check" init --mode bare >/dev/null
rc=$(pull_image "$WORK/repo-garbage-check" "$WORK/pull-garbage-check" -b x "oci:$GL:app2")
check "(oracle) a repo without the base layer refuses the garbage copy (pull exit $rc)" test "$rc" != 0

rc=$(pull_image "$R1" "$WORK/pull-app2" -b img/app2 "oci:$GL:app2")
expect_eq "pull app2 from the copy with a garbage base blob exits 0 (the blob is not read)" 0 "$rc"
show_output "$WORK/pull-app2.err"
info "$(cat "$WORK/pull-app2")"
check "pull app2 says 1 of its 3 layers was already stored" grep -Eq '3 layers \(1 already stored\)' "$WORK/pull-app2"
check "pull app1 said no layer was already stored" grep -Eq '2 layers \(0 already stored\)' "$WORK/pull-app1"

expect_eq "ostree refs: exactly one layer ref for the base" "ocitree/layer/sha256/$BASE" \
  "$(ostree refs --repo="$R1" | grep -x "ocitree/layer/sha256/$BASE" || true)"
expect_eq "ocitree refs: exactly one layer ref for the base" "ocitree/layer/sha256/$BASE" \
  "$( (oci --repo "$R1" refs || true) | grep -x "ocitree/layer/sha256/$BASE")"
ALL_IDS=$(printf '%s\n' "${APP1_IDS[@]}" "${APP2_IDS[@]}" | sort -u)
# shellcheck disable=SC2086
expect_eq "layer refs: one per distinct diff_id of app1 and app2 ($(wc -w <<< "$ALL_IDS"))" \
  "$(refs_for ocitree/layer/sha256/ $ALL_IDS)" "$(layer_refs "$R1")"
# shellcheck disable=SC2086
expect_eq "recipe refs: one per layer (ocitree/recipe/sha256/<diff_id>)" \
  "$(refs_for ocitree/recipe/sha256/ $ALL_IDS)" "$(recipe_refs "$R1")"
expect_eq "ocitree refs == ostree refs" "$(ostree refs --repo="$R1" | sort)" "$( (oci --repo "$R1" refs || true) | sort)"
oci --repo "$R1" images --json > "$WORK/images-r1.json" 2>&1 || true
check "images --json: the base is used by both images, each top layer by one" "$PYTHON" -c '
import json, sys
imgs = {i["branch"]: i for i in json.load(open(sys.argv[1]))}
base = "sha256:" + sys.argv[2]
ok = True
for b in ("img/app1", "img/app2"):
    for l in imgs[b]["layer_list"]:
        want = 2 if l["diff_id"] == base else 1
        if l["images"] != want:
            ok = False; print(b, l, "want", want)
sys.exit(0 if ok else 1)' "$WORK/images-r1.json" "$BASE"
checkout_vs "$R1" img/app1 "$WORK/umoci-app1/rootfs" "line 1" "$LI/src/app1"
checkout_vs "$R1" img/app2 "$WORK/umoci-app2/rootfs" "line 1" "$LI/src/app2"
check "line 1: ostree fsck" ostree fsck --repo="$R1"
check "line 1: ocitree fsck" oci --repo "$R1" fsck -q

# The other order, with the base blob deleted from the copy.
DL=$WORK/layout-deleted
cp -a "$LL" "$DL"
rm -f "$DL/blobs/sha256/$BASE_BLOB"
R1b=$WORK/repo-shared-b
oci --repo "$R1b" init --mode bare >/dev/null
rc=$(pull_image "$R1b" "$WORK/pull-b-app2" -b img/app2 "oci:$LL:app2")
expect_eq "pull app2 (into a second repo) exits 0" 0 "$rc"
rc=$(pull_image "$R1b" "$WORK/pull-b-app1" -b img/app1 "oci:$DL:app1")
expect_eq "pull app1 from a copy without the base blob exits 0" 0 "$rc"
show_output "$WORK/pull-b-app1.err"
check "pull app1 says 1 of its 2 layers was already stored" grep -Eq '2 layers \(1 already stored\)' "$WORK/pull-b-app1"
expect_eq "second repo: one layer ref for the base" 1 "$(layer_refs "$R1b" | grep -c "/$BASE\$" || true)"
checkout_vs "$R1b" img/app1 "$WORK/umoci-app1/rootfs" "line 1 (blob deleted)"

# ============================================================== line 2 ====
# The main repo: every test image, default (layered) storage, bare.
RA=$WORK/repo-all
oci --repo "$RA" init --mode bare >/dev/null
# NAME LAYOUT TAG UMOCI-UNPACK-OF-THE-ORIGINAL EXPECTED-TREE
# (symlink-wh: umoci 0.4.7 lets the whiteout d/.wh.c go through the new
# symlink d -> keep and deletes keep/c; the image holds the tree umoci packed,
# as test_pull_matches_umoci checks. umoci's own unpack stays the oracle for
# umoci's unpack of the rebuilt image.)
IMAGES=(
  "app1 $LL app1 $WORK/umoci-app1/rootfs $WORK/umoci-app1/rootfs"
  "app2 $LL app2 $WORK/umoci-app2/rootfs $WORK/umoci-app2/rootfs"
  "multi $L multi $WORK/umoci-multi/rootfs $WORK/umoci-multi/rootfs"
  "symlink-wh $L symlink-wh $WORK/umoci-symlink-wh/rootfs $IMG/src/symlink-wh"
  "handmade $L handmade $WORK/umoci-handmade/rootfs $WORK/umoci-handmade/rootfs"
  "handmade-mixed $L handmade-mixed $WORK/umoci-handmade/rootfs $WORK/umoci-handmade/rootfs"
  "gnutar $LL gnutar $WORK/umoci-gnutar/rootfs $WORK/umoci-gnutar/rootfs"
  "gnutar-zstd $LL gnutar-zstd $WORK/umoci-gnutar/rootfs $WORK/umoci-gnutar/rootfs"
  "multi-zstd $IMG/zstd-layout multi-zstd $WORK/umoci-multi/rootfs $WORK/umoci-multi/rootfs"
)
section "the test images, pulled into one bare repo"
for spec in "${IMAGES[@]}"; do
  read -r name lay tag oracle expected <<< "$spec"
  rc=$(pull_image "$RA" "$WORK/pull-all-$name" -b "img/$name" "oci:$lay:$tag")
  expect_eq "pull $name exits 0" 0 "$rc"
  [ "$rc" = 0 ] || { show_output "$WORK/pull-all-$name" "$WORK/pull-all-$name.err"; continue; }
  info "$(cat "$WORK/pull-all-$name")"
  checkout_vs "$RA" "img/$name" "$expected" "$name"
done
check "repo-all: ostree fsck" ostree fsck --repo="$RA"

# expect_tree_except_dirmeta DESC EXPECTED ACTUAL [DIR...]: treecmp, where
# only the mode/owner/xattrs of the DIRs may differ
expect_tree_except_dirmeta() {
  local desc=$1 expected=$2 actual=$3; shift 3
  local out rest
  out=$("${TREECMP[@]}" "$expected" "$actual" 2>&1 || true)
  rest=$(printf '%s\n' "$out" | "$PYTHON" -c '
import re, sys
exempt = set(sys.argv[1:])
for line in sys.stdin:
    line = line.rstrip("\n")
    m = re.match(r"treecmp: (.*?): (perm|uid|gid|xattrs) differs: ", line)
    if m and m.group(1) in exempt:
        continue
    if re.match(r"treecmp: \d+ difference", line):
        continue
    if line.startswith("treecmp: ") and ("differ" in line or "only in" in line or "not a directory" in line):
        print(line)' "$@")
  _checks=$((_checks + 1))
  if [ -z "$rest" ]; then
    pass "$desc${1:+ (except the metadata of $*)}"
  else
    fail "$desc"
    printf '%s\n' "$rest" | head -n 40 | sed 's/^/        | /'
  fi
}

# union_layers R DEST NAME DIFF_ID...: the real `ostree checkout --union
# --whiteouts` of each layer ref into DEST, in order. Before each layer, every
# directory of the layer's tree (ostree ls -R) that is a non-directory in DEST
# (and that the layer does not white out itself) is removed and listed in
# UNION_FIXES as "K:PATH": ostree 2022.7's --union cannot do it (a file:
# "opendir(P): Not a directory"; a symlink: it follows it and writes the
# layer's files into the symlink's target), while OCI says the layer's entry
# replaces what is below. Returns 1 (UNION_ERROR set) if ostree fails anyway.
union_layers() {
  local r=$1 dest=$2 name=$3; shift 3
  local k=0 d ref p base parent
  rm -rf "$dest"
  UNION_FIXES=()
  UNION_ERROR=
  for d in "$@"; do
    k=$((k + 1))
    ref=ocitree/layer/sha256/$d
    if [ "$k" -gt 1 ]; then
      while IFS= read -r p; do
        p=${p#/}
        [ -n "$p" ] || continue
        if [ -L "$dest/$p" ] || { [ -e "$dest/$p" ] && [ ! -d "$dest/$p" ]; }; then
          base=${p##*/}; parent=${p%"$base"}
          ostree ls --repo="$r" "$ref" "/$parent.wh.$base" >/dev/null 2>&1 && continue
          UNION_FIXES+=("$k:$p")
          rm -f "$dest/$p"
        fi
      done < <(ostree ls --repo="$r" -R "$ref" | awk '$1 ~ /^d/ { print $NF }')
    fi
    if ! ostree checkout --repo="$r" --union --whiteouts "$ref" "$dest" > "$WORK/union-$name.err" 2>&1; then
      UNION_ERROR="layer $k ($d): $(head -c 300 "$WORK/union-$name.err")"
      return 1
    fi
  done
}

# NAME: declared ostree --union limitations for the image
#   FIXES: K:PATH non-directories replaced by a directory in layer K
#   DIRMETA: PATH@K directories whose metadata layer K (the last layer listing
#            them) changes while they exist below
declare -A UNION_DECLARED_FIXES=(
  [multi]="2:f2d 3:d2f 3:d2l"
  [handmade]="2:f2d 3:d2f 3:d2l"
  [handmade-mixed]="2:f2d 3:d2f 3:d2l"
)
declare -A UNION_DIRMETA=(
  [app2]="var/empty@2"
  [multi]="dmod@3 dxattr@2"
  [handmade]="dmod@3 dxattr@2"
  [handmade-mixed]="dmod@3 dxattr@2"
)

# union_check R DESC NAME LAYOUT: line 2 for image NAME (branch img/NAME,
# tag NAME in LAYOUT) in repo R
union_check() {
  local r=$1 desc=$2 name=$3 lay=$4
  local br=img/$name ids co u uo err declared bad f e d p k
  local exempt=() label=$name
  [ "$desc" = bare ] || label=$desc/$name
  # diff_ids in manifest order, as ocitree lists them
  ids=$("$PYTHON" -c '
import json, sys
for i in json.load(open(sys.argv[1])):
    if i["branch"] == sys.argv[2]:
        print(" ".join(l["diff_id"][7:] for l in i["layer_list"]))' <(oci --repo "$r" images --json) "$br" 2>&1 || true)
  expect_eq "$label: ocitree images lists the config's diff_ids in order" "$(diff_ids "$lay" "$name")" "$ids"
  co=$WORK/co2-$desc-$name u=$WORK/union-$desc-$name
  rm -rf "$co"
  oci --repo "$r" checkout "$br" "$co" >/dev/null 2>&1 || { _checks=$((_checks + 1)); fail "$label: ocitree checkout $br"; return 0; }
  # shellcheck disable=SC2086
  if ! union_layers "$r" "$u" "$name" $ids; then
    _checks=$((_checks + 1))
    fail "$label: ostree checkout --union --whiteouts failed: $UNION_ERROR"
    return 0
  fi
  _checks=$((_checks + 1))
  declared=" ${UNION_DECLARED_FIXES[$name]:-} "
  bad=
  for f in "${UNION_FIXES[@]+"${UNION_FIXES[@]}"}"; do
    case "$declared" in *" $f "*) ;; *) bad="$bad $f" ;; esac
  done
  if [ -z "$bad" ]; then
    pass "$label: non-directories replaced by directories are only the declared ones (${UNION_FIXES[*]:-none})"
  else
    fail "$label: undeclared non-directory -> directory replacements (removed before the layer):$bad"
  fi
  for f in ${UNION_DECLARED_FIXES[$name]:-}; do
    case " ${UNION_FIXES[*]:-} " in *" $f "*) info "ostree --union limitation worked around: layer ${f%%:*} replaces the non-directory ${f#*:} with a directory" ;;
      *) info "declared replacement $f did not happen (no longer needed?)" ;; esac
  done
  for e in ${UNION_DIRMETA[$name]:-}; do exempt+=("${e%@*}"); done
  expect_tree_except_dirmeta "$label: ostree union of $(wc -w <<< "$ids") layer refs == ocitree checkout" \
    "$co" "$u" "${exempt[@]+"${exempt[@]}"}"
  # ocitree's own checkout --union --whiteouts of the same refs (it needs no
  # help with non-directory -> directory; directories keep their metadata as
  # with ostree)
  uo=$WORK/ocitree-union-$desc-$name
  rm -rf "$uo"
  err=
  for d in $ids; do
    if ! oci --repo "$r" checkout --union --whiteouts "ocitree/layer/sha256/$d" "$uo" > "$uo.err" 2>&1; then
      err="layer ${d:0:12}: $(head -c 300 "$uo.err")"; break
    fi
  done
  if [ -n "$err" ]; then
    _checks=$((_checks + 1))
    fail "$label: ocitree checkout --union --whiteouts of the layer refs: $err"
  else
    expect_tree_except_dirmeta "$label: ocitree checkout --union --whiteouts of the layer refs == ocitree checkout" \
      "$co" "$uo" "${exempt[@]+"${exempt[@]}"}"
  fi
  # each declared directory: the layer that last lists it holds the image's metadata
  for e in ${UNION_DIRMETA[$name]:-}; do
    p=${e%@*} k=${e#*@}
    d=$(cut -d' ' -f"$k" <<< "$ids")
    rm -rf "$WORK/sub-$desc-$name"
    if ostree checkout --repo="$r" --subpath="/$p" "ocitree/layer/sha256/$d" "$WORK/sub-$desc-$name" >/dev/null 2>&1; then
      check "$label: layer $k's tree has $p with the image's mode, owner and xattrs (ostree --union keeps the lower dir's)" \
        meta_eq "$co/$p" "$WORK/sub-$desc-$name"
    else
      _checks=$((_checks + 1))
      fail "$label: ostree checkout --subpath=/$p of layer $k"
    fi
    if meta_eq "$co/$p" "$u/$p" >/dev/null 2>&1; then info "$label: $p came out right in the union anyway"; fi
  done
}

section "2. the real ostree checkout --union --whiteouts of the layer refs == the image (bare repo)"
for name in app1 app2 multi symlink-wh handmade gnutar gnutar-zstd; do
  case "$name" in app*|gnutar*) lay=$LL ;; *) lay=$L ;; esac
  union_check "$RA" bare "$name" "$lay"
done

# ============================================================== line 3 ====
HAVE_PUSH=0
if "$OCITREE" push --help 2>/dev/null | grep -q -- '--reconstruct'; then HAVE_PUSH=1; fi

# reconstruct_checks R BRANCH LAYOUT TAG ORACLE-DIR DESC [oci-only]
reconstruct_checks() {
  local r=$1 br=$2 lay=$3 tag=$4 oracle=$5 desc=$6 only=${7:-}
  local slug dest rc zs
  slug=$(printf '%s' "$desc-$br" | tr -c 'A-Za-z0-9_.-' _)
  if [ "$HAVE_PUSH" != 1 ]; then
    _checks=$((_checks + 1))
    local also=" / oci-archive:FILE:TAG"
    [ "$only" = oci-only ] && also=
    fail "$desc: ocitree push --reconstruct $br oci:DIR:TAG$also: 'ocitree push --help' offers no --reconstruct (not implemented yet?)"
    return 0
  fi
  zs=$(has_zstd "$lay" "$tag")
  dest=$WORK/rebuilt-$slug
  rm -rf "$dest"
  rc=$(run_capture "$WORK/push-$slug" oci --repo "$r" push --reconstruct "$br" "oci:$dest:rebuilt")
  expect_eq "$desc: push --reconstruct $br oci:DIR:rebuilt exits 0" 0 "$rc"
  if [ "$rc" = 0 ]; then
    report_lines "$desc: oci" "${OCI_TOOL[@]}" check-reconstruct "$lay" "$tag" "$dest" rebuilt
    check "$desc: skopeo inspect oci:DIR:rebuilt" skopeo inspect "oci:$dest:rebuilt"
    if [ "$zs" = True ]; then
      info "$desc: umoci unpack not run: umoci 0.4.7 cannot read zstd layers"
    else
      rm -rf "$dest.unpack"
      if umoci unpack --image "$dest:rebuilt" "$dest.unpack" > "$dest.unpack.log" 2>&1; then
        pass "$desc: umoci unpack of the rebuilt image"; _checks=$((_checks + 1))
        find "$dest.unpack/rootfs" \( -type b -o -type c -o -type p -o -type s \) -delete
        check "$desc: umoci unpack of the rebuilt image == of the original" "${TREECMP[@]}" "$oracle" "$dest.unpack/rootfs"
      else
        fail "$desc: umoci unpack of the rebuilt image"; _checks=$((_checks + 1))
        sed 's/^/        | /' "$dest.unpack.log" | tail -n 10
      fi
    fi
  else
    show_output "$WORK/push-$slug"
  fi
  [ "$only" = oci-only ] && return 0
  rm -f "$dest.tar"
  rc=$(run_capture "$WORK/push-$slug.archive" oci --repo "$r" push --reconstruct "$br" "oci-archive:$dest.tar:rebuilt")
  expect_eq "$desc: push --reconstruct $br oci-archive:FILE:rebuilt exits 0" 0 "$rc"
  if [ "$rc" = 0 ]; then
    mkdir -p "$dest.archive"
    if tar -xf "$dest.tar" -C "$dest.archive"; then
      report_lines "$desc: oci-archive" "${OCI_TOOL[@]}" check-reconstruct "$lay" "$tag" "$dest.archive" rebuilt
    else
      fail "$desc: the oci-archive is not a tar"
    fi
    check "$desc: skopeo inspect oci-archive:FILE:rebuilt" skopeo inspect "oci-archive:$dest.tar:rebuilt"
  else
    show_output "$WORK/push-$slug.archive"
  fi
}

section "3. the real ostree prune --refs-only on the repo of every image deletes nothing"
list_objects "$RA" > "$WORK/objs-ra-before"
ostree prune --repo="$RA" --refs-only > "$WORK/ostree-prune-ra.out" 2>&1 || fail "ostree prune --refs-only (exit status)"
info "ostree prune: $(tr '\n' ' ' < "$WORK/ostree-prune-ra.out")"
list_objects "$RA" > "$WORK/objs-ra-after"
expect_files_eq "ostree prune --refs-only deleted nothing" "$WORK/objs-ra-before" "$WORK/objs-ra-after"
check "ocitree fsck after ostree prune --refs-only" oci --repo "$RA" fsck -q

section "3. push --reconstruct of every test image (bare repo)"
[ "$HAVE_PUSH" = 1 ] || info "ocitree push --help: $("$OCITREE" push --help 2>&1 | head -n 1)"
for spec in "${IMAGES[@]}"; do
  read -r name lay tag oracle expected <<< "$spec"
  reconstruct_checks "$RA" "img/$name" "$lay" "$tag" "$oracle" "$name"
done

section "3. push --reconstruct refuses what it cannot rebuild exactly"
# no_image_tagged DIR: DIR has no index.json entry tagged "rebuilt"
# shellcheck disable=SC2317
no_image_tagged() { [ ! -e "$1/index.json" ] || ! grep -q '"rebuilt"' "$1/index.json"; }
if [ "$HAVE_PUSH" = 1 ]; then
  # a content object a layer recipe needs, damaged (same size): the rebuilt
  # tar no longer hashes to the diff_id
  RD=$WORK/repo-damaged
  cp -a "$RA" "$RD"
  c=$(ostree_ls_csum "$RD" img/app1 /app1/config)
  check "(setup) app1/config's content object is in the repo" test -f "$(object_path "$RD" "$c" file)"
  flip_byte "$(object_path "$RD" "$c" file)" 0
  rm -rf "$WORK/rebuilt-damaged"
  rc=$(run_capture "$WORK/push-damaged" oci --repo "$RD" push --reconstruct img/app1 "oci:$WORK/rebuilt-damaged:rebuilt")
  check "a damaged content object: push --reconstruct fails (exit $rc)" test "$rc" != 0
  info "$(tail -n 1 "$WORK/push-damaged")"
  check "a damaged content object: no image tagged in the destination" no_image_tagged "$WORK/rebuilt-damaged"
  # a flattened pull keeps no layers
  RF=$WORK/repo-flattened
  oci --repo "$RF" init --mode bare >/dev/null
  rc=$(pull_image "$RF" "$WORK/pull-flat" -b img/flat --storage flattened "oci:$LL:app2")
  expect_eq "pull --storage flattened app2 exits 0" 0 "$rc"
  rc=$(run_capture "$WORK/push-flat" oci --repo "$RF" push --reconstruct img/flat "oci:$WORK/rebuilt-flat:rebuilt")
  check "a flattened image: push --reconstruct fails (exit $rc)" test "$rc" != 0
  info "$(tail -n 1 "$WORK/push-flat")"
  check "a flattened image: no image tagged in the destination" no_image_tagged "$WORK/rebuilt-flat"
else
  _checks=$((_checks + 1))
  fail "push --reconstruct of a damaged repo / a flattened image: 'ocitree push --help' offers no --reconstruct"
fi

section "2. and 3. union of the layer refs and push --reconstruct from an archive-mode repo"
RZ=$WORK/repo-archive
oci --repo "$RZ" init --mode archive >/dev/null
for spec in "${IMAGES[@]}"; do
  read -r name lay tag oracle expected <<< "$spec"
  case "$name" in app2|handmade-mixed|gnutar-zstd) ;; *) continue ;; esac
  rc=$(pull_image "$RZ" "$WORK/pull-z-$name" -b "img/$name" "oci:$lay:$tag")
  expect_eq "archive repo: pull $name exits 0" 0 "$rc"
  [ "$rc" = 0 ] || { show_output "$WORK/pull-z-$name.err"; continue; }
  union_check "$RZ" archive "$name" "$lay"
  reconstruct_checks "$RZ" "img/$name" "$lay" "$tag" "$oracle" "archive/$name" oci-only
done

# ============================================================== line 4 ====
section "4. remove app2, prune: the shared base stays, app2's own layers and objects go"
# app2's own layers: not app1's
APP2_ONLY=()
for d in "${APP2_IDS[@]}"; do
  case " ${APP1_IDS[*]} " in *" $d "*) ;; *) APP2_ONLY+=("$d") ;; esac
done
info "app2's own layers: ${APP2_ONLY[*]}"
app2_commit=$(ostree rev-parse --repo="$R1" img/app2)
app2_y=$(ostree_ls_csum "$R1" img/app2 /app2/data/y)
app1_run=$(ostree_ls_csum "$R1" img/app1 /app1/bin/run)
refs_before=$(ostree refs --repo="$R1" | sort)
n_before=$(count_objects "$R1")
check "ocitree refs --delete img/app2" oci --repo "$R1" refs --delete img/app2

# The oracle: the same refs deleted on a copy, then the real ostree prune.
rm -rf "$WORK/r1-oracle"; cp -a "$R1" "$WORK/r1-oracle"
for d in "${APP2_ONLY[@]}"; do
  ostree refs --repo="$WORK/r1-oracle" --delete "ocitree/layer/sha256/$d" >/dev/null
  ostree refs --repo="$WORK/r1-oracle" --delete "ocitree/recipe/sha256/$d" >/dev/null 2>&1 || true
done
ostree prune --repo="$WORK/r1-oracle" --refs-only >/dev/null
list_objects "$WORK/r1-oracle" > "$WORK/objs-r1-oracle"
expect_refs=$(ostree refs --repo="$WORK/r1-oracle" | sort)
# shellcheck disable=SC2086
n_oracle_deleted=$(( n_before - $(wc -l < "$WORK/objs-r1-oracle") ))

list_objects "$R1" > "$WORK/objs-r1-before"
rc=$(run_capture "$WORK/prune-dry" oci --repo "$R1" prune --dry-run)
expect_eq "ocitree prune --dry-run exits 0" 0 "$rc"
sed 's/^/        | /' "$WORK/prune-dry" | head -n 30
list_objects "$R1" > "$WORK/objs-r1-dry"
expect_files_eq "the dry run deletes no object" "$WORK/objs-r1-before" "$WORK/objs-r1-dry"
expect_eq "the dry run deletes no ref" "$refs_before" "$( (ostree refs --repo="$R1"; echo img/app2) | sort)"
for d in "${APP2_ONLY[@]}"; do
  check "the dry run names app2's layer ref ${d:0:12}" grep -q "ocitree/layer/sha256/$d" "$WORK/prune-dry"
done
check "the dry run does not name the base layer for removal" \
  bash -c "! grep -Ei 'remove.*ocitree/layer/sha256/$BASE' '$WORK/prune-dry'"
check "the dry run predicts $n_oracle_deleted objects (ostree's count)" \
  grep -Eiq "would delete:? $n_oracle_deleted objects" "$WORK/prune-dry"
# Per layer: "frees B bytes ... in N objects" = what the real ostree prune
# deletes on a copy without that layer's refs (its objects no other ref reaches).
for d in "${APP2_ONLY[@]}"; do
  want=$(ostree_frees "$R1" "ocitree/layer/sha256/$d" "ocitree/recipe/sha256/$d")
  got=$(grep "ocitree/layer/sha256/$d" "$WORK/prune-dry" |
    sed -n 's/.*[^0-9]\([0-9][0-9]*\) bytes.* in \([0-9][0-9]*\) objects.*/\2 \1/p' | head -n 1)
  expect_eq "the dry run's objects and bytes for app2's layer ${d:0:12} (ostree on a copy: N BYTES)" "$want" "$got"
done
# Per branch: what deleting img/app1 (and the layer refs only it lists) frees
# once this prune has dropped app2's layers (the other refs stay).
mapfile -t app1_refs < <(refs_for ocitree/layer/sha256/ "${APP1_IDS[@]}"; refs_for ocitree/recipe/sha256/ "${APP1_IDS[@]}")
mapfile -t FREES_PRE < <(refs_for ocitree/layer/sha256/ "${APP2_ONLY[@]}"; refs_for ocitree/recipe/sha256/ "${APP2_ONLY[@]}")
want=$(ostree_frees "$R1" img/app1 "${app1_refs[@]}")
FREES_PRE=()
got=$(grep -E '^ +img/app1:' "$WORK/prune-dry" |
  sed -n 's/.*[^0-9]\([0-9][0-9]*\) bytes.* in \([0-9][0-9]*\) objects.*/\2 \1/p' | head -n 1)
expect_eq "the dry run's objects and bytes held by img/app1 only (ostree on a copy: N BYTES)" "$want" "$got"

rc=$(run_capture "$WORK/prune" oci --repo "$R1" prune)
expect_eq "ocitree prune exits 0" 0 "$rc"
sed 's/^/        | /' "$WORK/prune" | head -n 20
check "the base layer ref stays" test -n "$(ostree refs --repo="$R1" | grep -x "ocitree/layer/sha256/$BASE" || true)"
check "the base recipe ref stays" test -n "$(ostree refs --repo="$R1" | grep -x "ocitree/recipe/sha256/$BASE" || true)"
for d in "${APP2_ONLY[@]}"; do
  check "app2's layer ref ${d:0:12} is gone" test -z "$(ostree refs --repo="$R1" | grep -x "ocitree/layer/sha256/$d" || true)"
  check "app2's recipe ref ${d:0:12} is gone" test -z "$(ostree refs --repo="$R1" | grep -x "ocitree/recipe/sha256/$d" || true)"
done
expect_eq "refs after prune: those of ostree's prune on the copy" "$expect_refs" "$(ostree refs --repo="$R1" | sort)"
list_objects "$R1" > "$WORK/objs-r1-after"
expect_files_eq "objects after prune == ostree prune --refs-only on the copy" "$WORK/objs-r1-oracle" "$WORK/objs-r1-after"
n_after=$(count_objects "$R1")
info "objects: $n_before before, $n_after after ($((n_before - n_after)) deleted, ostree's prune: $n_oracle_deleted)"
check "prune deleted objects ($n_before -> $n_after)" test "$n_after" -lt "$n_before"
check "app2's commit object is gone" test ! -e "$(object_path "$R1" "$app2_commit" commit)"
check "content only app2 had (app2/data/y) is gone" test ! -e "$(object_path "$R1" "$app2_y" file)"
check "content of app1 (app1/bin/run) is kept" test -e "$(object_path "$R1" "$app1_run" file)"
check "ostree fsck after prune" ostree fsck --repo="$R1"
check "ocitree fsck after prune" oci --repo "$R1" fsck -q
checkout_vs "$R1" img/app1 "$WORK/umoci-app1/rootfs" "after prune"
reconstruct_checks "$R1" img/app1 "$LL" app1 "$WORK/umoci-app1/rootfs" "after prune" oci-only

section "4. the real ostree prune --refs-only, then --refs-only --depth=0"
list_objects "$R1" > "$WORK/objs-r1-a"
ostree prune --repo="$R1" --refs-only > "$WORK/ostree-prune-r1.out" 2>&1 || fail "ostree prune --refs-only (exit status)"
info "ostree prune: $(tr '\n' ' ' < "$WORK/ostree-prune-r1.out")"
list_objects "$R1" > "$WORK/objs-r1-b"
expect_files_eq "ostree prune --refs-only after ocitree prune deletes nothing" "$WORK/objs-r1-a" "$WORK/objs-r1-b"
check "ocitree fsck after ostree prune --refs-only" oci --repo "$R1" fsck -q
checkout_vs "$R1" img/app1 "$WORK/umoci-app1/rootfs" "after ostree prune"
reconstruct_checks "$R1" img/app1 "$LL" app1 "$WORK/umoci-app1/rootfs" "after ostree prune" oci-only

# --depth=0 keeps only the commits refs point at: an image branch with history
# loses its older image commits. img/app1 gets app2 on top of app1.
rc=$(pull_image "$R1" "$WORK/pull-hist" -b img/app1 "oci:$LL:app2")
expect_eq "pull app2 onto img/app1 (history: app2 over app1) exits 0" 0 "$rc"
parent=$(ostree rev-parse --repo="$R1" 'img/app1^' 2>&1 || true)
check "img/app1 has app1's image commit as parent" is_hex64 "$parent"
refs_before=$(ostree refs --repo="$R1" | sort)
ostree prune --repo="$R1" --refs-only --depth=0 > "$WORK/ostree-prune-d0.out" 2>&1 || fail "ostree prune --refs-only --depth=0 (exit status)"
info "ostree prune --depth=0: $(tr '\n' ' ' < "$WORK/ostree-prune-d0.out")"
check "--depth=0 deleted the parent image commit" test ! -e "$(object_path "$R1" "$parent" commit)"
expect_eq "--depth=0 leaves the refs alone" "$refs_before" "$(ostree refs --repo="$R1" | sort)"
check "ostree fsck after --depth=0" ostree fsck --repo="$R1"
check "ocitree fsck after --depth=0" oci --repo "$R1" fsck -q
checkout_vs "$R1" img/app1 "$WORK/umoci-app2/rootfs" "after --depth=0"
reconstruct_checks "$R1" img/app1 "$LL" app2 "$WORK/umoci-app2/rootfs" "after --depth=0" oci-only
APP1_ONLY=()
for d in "${APP1_IDS[@]}"; do
  case " ${APP2_IDS[*]} " in *" $d "*) ;; *) APP1_ONLY+=("$d") ;; esac
done
rc=$(run_capture "$WORK/prune-d0" oci --repo "$R1" prune)
expect_eq "ocitree prune after --depth=0 exits 0" 0 "$rc"
sed 's/^/        | /' "$WORK/prune-d0" | head -n 20
for d in "${APP1_ONLY[@]}"; do
  check "the layer ref ${d:0:12} only the deleted app1 commit listed is gone" \
    test -z "$(ostree refs --repo="$R1" | grep -x "ocitree/layer/sha256/$d" || true)"
done
# shellcheck disable=SC2086
expect_eq "app2's layer refs (and the base) are there" "$(refs_for ocitree/layer/sha256/ "${APP2_IDS[@]}")" "$(layer_refs "$R1")"
# shellcheck disable=SC2086
expect_eq "and their recipe refs" "$(refs_for ocitree/recipe/sha256/ "${APP2_IDS[@]}")" "$(recipe_refs "$R1")"
check "ostree fsck after the last prune" ostree fsck --repo="$R1"
reconstruct_checks "$R1" img/app1 "$LL" app2 "$WORK/umoci-app2/rootfs" "after the last prune" oci-only

info "total: ${SECONDS}s"
finish
