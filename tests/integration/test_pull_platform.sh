#!/usr/bin/env bash
# Platform selection from a multi-platform image index (make_images.sh tag
# `multiarch`: amd64 -> linux/amd64, arm64 -> linux/arm64/v8; each image's
# /arch file holds its architecture):
#   * --platform linux/arm64/v8 and linux/amd64 pick the matching manifest: the
#     content (/arch), ostree.architecture (aarch64 / x86_64), the recorded
#     manifest digest and bytes are the platform manifest's (not the index's)
#   * --platform linux/arm64 (no variant) accepts the arm64/v8 entry
#     (containers/image rules, FORMATS.md 5.5)
#   * no --platform picks this machine's platform
#   * linux/s390x and linux/arm/v7 (not in the index): exit 1, the error lists
#     the available platforms, no ref is created
#   * a malformed --platform (linux, linux/amd64/v1/extra, /amd64, linux/) is an
#     error (exit 1 or 2), no ref is created
#   * a single-manifest image whose config names another platform: a named
#     --platform that does not match is exit 1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
require_pull_basics
build_images
read -r -a STORAGES <<< "$(pull_storages)"
REF="oci:$L:multiarch"
amd_digest=$("${OCI_TOOL[@]}" info "$L" amd64 | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["manifest_digest"])')
arm_digest=$("${OCI_TOOL[@]}" info "$L" arm64 | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["manifest_digest"])')
idx_digest=$("${OCI_TOOL[@]}" info "$L" multiarch | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["manifest_digest"])')
info "index $idx_digest: amd64 $amd_digest, arm64/v8 $arm_digest"

case "$(uname -m)" in
  x86_64) host=amd64 ;;
  aarch64) host=arm64 ;;
  *) host= ;;
esac

for storage in "${STORAGES[@]}"; do
  sf=$(storage_flag "$storage")
  R=$WORK/repo-$storage
  oci --repo "$R" init --mode bare >/dev/null

  # pick PLATFORM_ARG BRANCH EXPECTED_ARCH(oci) EXPECTED_DIGEST OSTREE_ARCH
  pick() {
    local parg=$1 br=$2 arch=$3 digest=$4 oarch=$5 desc out rc
    desc="[$storage] ${parg:-no --platform}"
    out=$WORK/pull-$storage-$br
    if [ -n "$parg" ]; then
      rc=$(pull_image "$R" "$out" -b "$br" $sf --platform "$parg" "$REF")
    else
      rc=$(pull_image "$R" "$out" -b "$br" $sf "$REF")
    fi
    expect_eq "$desc: exit 0" 0 "$rc"
    [ "$rc" = 0 ] || { show_output "$out" "$out.err"; return 0; }
    info "summary: $(cat "$out")"
    rm -rf "$WORK/co-$storage-$br"
    oci --repo "$R" checkout "$br" "$WORK/co-$storage-$br" >/dev/null 2>&1 || true
    expect_eq "$desc: /arch of the picked image" "$arch" "$(cat "$WORK/co-$storage-$br/arch" 2>&1)"
    check "$desc: the tree is that image's (== umoci unpack of $arch)" \
      "${TREECMP[@]}" "$WORK/umoci-$arch/rootfs" "$WORK/co-$storage-$br"
    report_lines "$desc: metadata" "${OCI_TOOL[@]}" check-commit "$R" "$br" "$L" "" "$REF" --digest "$digest"
    expect_eq "$desc: ostree.architecture" "'$oarch'" \
      "$(ostree show --repo="$R" --print-metadata-key=ostree.architecture "$br" 2>&1)"
  }
  oracle_unpack "$L:amd64" "$WORK/umoci-amd64"
  oracle_unpack "$L:arm64" "$WORK/umoci-arm64"

  log "[$storage] picking a platform from the index"
  pick linux/arm64/v8 arm arm64 "$arm_digest" aarch64
  pick linux/amd64 amd amd64 "$amd_digest" x86_64
  pick linux/arm64 arm-novariant arm64 "$arm_digest" aarch64
  if [ -n "$host" ]; then
    if [ "$host" = amd64 ]; then pick "" host amd64 "$amd_digest" x86_64; else pick "" host arm64 "$arm_digest" aarch64; fi
  else
    fail "unknown host architecture $(uname -m): cannot check the default platform"
  fi
  check "[$storage] ostree fsck" ostree fsck --repo="$R"
  check "[$storage] the arm64 and amd64 commits differ" \
    test "$(ostree rev-parse --repo="$R" arm 2>&1)" != "$(ostree rev-parse --repo="$R" amd 2>&1)"

  log "[$storage] platforms the index does not have"
  refs_state "$R" > "$WORK/refs-before"
  for p in linux/s390x linux/arm/v7 windows/amd64; do
    out=$WORK/pull-$storage-missing
    rc=$(pull_image "$R" "$out" -b missing $sf --platform "$p" "$REF")
    expect_eq "[$storage] --platform $p: exit 1" 1 "$rc"
    info "stderr: $(cat "$out.err")"
    check "[$storage] --platform $p: the error names $p" grep -qF "$p" "$out.err"
    check "[$storage] --platform $p: the error lists linux/amd64" grep -qF linux/amd64 "$out.err"
    check "[$storage] --platform $p: the error lists linux/arm64/v8" grep -qF linux/arm64/v8 "$out.err"
    refs_state "$R" > "$WORK/refs-after"
    expect_files_eq "[$storage] --platform $p: no ref created or moved" "$WORK/refs-before" "$WORK/refs-after"
  done
  for p in linux linux/amd64/v1/extra /amd64 linux/; do
    out=$WORK/pull-$storage-bad
    rc=$(pull_image "$R" "$out" -b bad $sf --platform "$p" "$REF")
    _checks=$((_checks + 1))
    if [ "$rc" = 1 ] || [ "$rc" = 2 ]; then pass "[$storage] malformed --platform '$p': exit $rc"; else
      fail "[$storage] malformed --platform '$p': exit $rc (want 1 or 2)"; show_output "$out" "$out.err"; fi
    refs_state "$R" > "$WORK/refs-after"
    expect_files_eq "[$storage] malformed --platform '$p': no ref created or moved" "$WORK/refs-before" "$WORK/refs-after"
  done

  log "[$storage] a single-manifest image and a named platform"
  out=$WORK/pull-$storage-single-arm
  rc=$(pull_image "$R" "$out" -b single-arm $sf --platform linux/arm64 "oci:$L:amd64")
  expect_eq "[$storage] amd64-only image with --platform linux/arm64: exit 1" 1 "$rc"
  info "stderr: $(cat "$out.err")"
  check "[$storage] the error names the image's platform" grep -q 'amd64' "$out.err"
  rc=$(pull_image "$R" "$out" -b single-amd $sf --platform linux/amd64 "oci:$L:amd64")
  expect_eq "[$storage] amd64-only image with --platform linux/amd64: exit 0" 0 "$rc"
  refs_state "$R" | grep -v ' single-amd ' | grep -v '^single-amd ' > "$WORK/refs-after" || true
  expect_files_eq "[$storage] no other ref created" "$WORK/refs-before" "$WORK/refs-after"
done

finish
