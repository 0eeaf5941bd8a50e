#!/usr/bin/env bash
# `ocitree inspect` against the real CNCF registry (docker-registry on
# 127.0.0.1, plain http, filled by skopeo) with `skopeo inspect` as the oracle:
#   * by tag and by digest, OCI and Docker v2s2 images and a multi-platform
#     index: Name, Digest, RepoTags, Created, Labels, Architecture, Os, Layers
#     and Env equal skopeo's; LayersData matches the manifest's layers
#   * --raw prints the manifest (the index for multiarch) byte for byte as
#     skopeo inspect --raw; --config --raw the config blob as skopeo's
#   * --platform linux/arm64 picks the arm64 manifest (skopeo --override-arch)
#   * the same index as a Docker manifest list (skopeo copy --all --format
#     v2s2): as skopeo, and --platform picks from it
#   * inspect never GETs a layer blob (registry access log)
#   * oci: and oci-archive: references inspect like skopeo's
#   * errors: unknown tag / repository (exit 1, the reference and
#     MANIFEST_UNKNOWN named), https required unless --tls-verify=false
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_root
require_registry_basics
require_tool umoci zstd
build_images
start_registry reg

push "oci:$L:multi" test/multi:v1
push "oci:$L:multi" test/multi:v2
push "oci:$L:multi" test/docker:v1 --format v2s2
push "oci:$L:multiarch" test/multiarch:v1 --all
push "oci:$L:multiarch" test/dlist:v1 --all --format v2s2
push "oci:$L:single" library/single:latest

# same_as_skopeo DESC OCITREE-JSON SKOPEO-JSON: the fields both print agree
same_as_skopeo() {
  report_lines "$1" "$PYTHON" - "$2" "$3" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
for k in ["Name", "Digest", "RepoTags", "Created", "DockerVersion", "Labels", "Architecture", "Os", "Layers", "Env"]:
    a, b = o.get(k), s.get(k)
    if k == "RepoTags":
        a, b = sorted(a or []), sorted(b or [])
    print(("ok: " if a == b else "FAIL: ") + f"{k} {json.dumps(a)[:100]}" + ("" if a == b else f" != skopeo {json.dumps(b)[:100]}"))
data = o.get("LayersData") or []
ok = [d["Digest"] for d in data] == o.get("Layers") and all(d["Size"] > 0 and d["MIMEType"] for d in data)
print(("ok: " if ok else "FAIL: ") + "LayersData lists the layers with media types and sizes")
EOF
}

# check_ref DESC REF [FLAGS...]: ocitree inspect vs skopeo inspect on REF
check_ref() {
  local desc=$1 ref=$2; shift 2
  local out=$WORK/inspect-$(printf '%s' "$desc" | tr -c 'a-zA-Z0-9' _)
  local rc
  rc=$(inspect_capture "$out" "$@" "$ref")
  expect_eq "$desc: exit 0" 0 "$rc"
  [ "$rc" = 0 ] || { show_output "$out.err"; return 0; }
  skopeo inspect "$@" "$ref" > "$out.skopeo" 2> "$out.skopeo.err" || { show_output "$out.skopeo.err"; die "skopeo inspect $ref"; }
  same_as_skopeo "$desc" "$out" "$out.skopeo"
  rc=$(inspect_capture "$out.raw" --raw "$@" "$ref")
  skopeo inspect --raw "$@" "$ref" > "$out.raw.skopeo"
  expect_files_eq "$desc: --raw is the manifest as skopeo gets it" "$out.raw.skopeo" "$out.raw"
  rc=$(inspect_capture "$out.config" --config --raw "$@" "$ref")
  skopeo inspect --config --raw "$@" "$ref" > "$out.config.skopeo"
  expect_files_eq "$desc: --config --raw is the config blob" "$out.config.skopeo" "$out.config"
  LAST_DIGEST=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["Digest"])' "$out")
  LAST_OUT=$out
}

TLS=(--tls-verify=false)
log "OCI image by tag and by digest"
check_ref "multi:v1" "docker://$REG_HOST/test/multi:v1" "${TLS[@]}"
expect_eq "RepoTags lists both tags" '["v1", "v2"]' "$(json_get "$LAST_OUT" RepoTags)"
check_ref "multi@digest" "docker://$REG_HOST/test/multi@$LAST_DIGEST" "${TLS[@]}"

log "Docker v2s2 image"
check_ref "docker:v1" "docker://$REG_HOST/test/docker:v1" "${TLS[@]}"
expect_eq "docker:v1: Docker layer media type" '"application/vnd.docker.image.rootfs.diff.tar.gzip"' \
  "$("$PYTHON" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["LayersData"][0]["MIMEType"]))' "$LAST_OUT")"

log "Multi-platform index"
check_ref "multiarch:v1" "docker://$REG_HOST/test/multiarch:v1" "${TLS[@]}"
index_digest=$LAST_DIGEST
expect_eq "multiarch: Digest is the index's" "sha256:$(skopeo inspect --raw "${TLS[@]}" "docker://$REG_HOST/test/multiarch:v1" | sha256sum | cut -d' ' -f1)" "$index_digest"
rc=$(inspect_capture "$WORK/arm" "${TLS[@]}" --platform linux/arm64 "docker://$REG_HOST/test/multiarch:v1")
expect_eq "multiarch --platform linux/arm64: exit 0" 0 "$rc"
skopeo inspect "${TLS[@]}" --override-arch arm64 --override-variant v8 "docker://$REG_HOST/test/multiarch:v1" > "$WORK/arm.skopeo"
expect_eq "multiarch --platform linux/arm64: the arm64 image's layers" "$(json_get "$WORK/arm.skopeo" Layers)" "$(json_get "$WORK/arm" Layers)"
expect_eq "multiarch --platform linux/arm64: Architecture" '"arm64"' "$(json_get "$WORK/arm" Architecture)"
check_ref "multiarch by index digest" "docker://$REG_HOST/test/multiarch@$index_digest" "${TLS[@]}"

log "Docker manifest list"
expect_eq "dlist: the registry holds a Docker manifest list" '"application/vnd.docker.distribution.manifest.list.v2+json"' \
  "$(skopeo inspect --raw "${TLS[@]}" "docker://$REG_HOST/test/dlist:v1" | "$PYTHON" -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("mediaType")))')"
check_ref "dlist:v1" "docker://$REG_HOST/test/dlist:v1" "${TLS[@]}"
rc=$(inspect_capture "$WORK/dlist-arm" "${TLS[@]}" --platform linux/arm64 "docker://$REG_HOST/test/dlist:v1")
expect_eq "dlist --platform linux/arm64: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/dlist-arm.err"
skopeo inspect "${TLS[@]}" --override-arch arm64 --override-variant v8 "docker://$REG_HOST/test/dlist:v1" > "$WORK/dlist-arm.skopeo"
expect_eq "dlist --platform linux/arm64: the arm64 image's layers" "$(json_get "$WORK/dlist-arm.skopeo" Layers)" "$(json_get "$WORK/dlist-arm" Layers 2>&1)"
expect_eq "dlist --platform linux/arm64: Architecture" '"arm64"' "$(json_get "$WORK/dlist-arm" Architecture 2>&1)"

log "Docker Hub style name (library/)"
check_ref "library/single" "docker://$REG_HOST/library/single" "${TLS[@]}"

log "No layer blob is fetched"
layers=$("$PYTHON" -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["Layers"]))' "$WORK/inspect-multi_v1")
n=0
for d in $layers; do
  c=$(grep -c "\"GET /v2/test/multi/blobs/$d HTTP/1.1\" [0-9]* [0-9]* \"\" \"ocitree/" "$REG_LOG" || true)
  n=$((n + c))
done
expect_eq "no GET of test/multi's layer blobs by ocitree" 0 "$n"
c=$(grep -c "\"GET /v2/test/multi/manifests/v1 HTTP/1.1\" 200 [0-9]* \"\" \"ocitree/" "$REG_LOG" || true)
_checks=$((_checks + 1))
if [ "$c" -ge 1 ]; then pass "the access log shows ocitree's manifest GETs ($c)"; else fail "no manifest GET by ocitree in the access log"; fi

log "oci: and oci-archive: references"
check_ref "oci:multi" "oci:$L:multi"
check_ref "oci-archive:multi" "oci-archive:$IMG/multi.tar:multi"

log "Errors"
rc=$(inspect_capture "$WORK/nope" "${TLS[@]}" "docker://$REG_HOST/test/multi:nope")
expect_eq "unknown tag: exit 1" 1 "$rc"
check "unknown tag: the message names the reference and MANIFEST_UNKNOWN" \
  grep -q "test/multi:nope.*HTTP 404.*MANIFEST_UNKNOWN" "$WORK/nope.err"
rc=$(inspect_capture "$WORK/norepo" "${TLS[@]}" "docker://$REG_HOST/no/such:v1")
expect_eq "unknown repository: exit 1" 1 "$rc"
check "unknown repository: the message says 404" grep -q "no/such:v1.*HTTP 404" "$WORK/norepo.err"
rc=$(inspect_capture "$WORK/https" "docker://$REG_HOST/test/multi:v1")
expect_eq "plain-http registry with TLS verification on: exit 1" 1 "$rc"
check "the message says --tls-verify=false is needed" grep -q -- "--tls-verify=false" "$WORK/https.err"
show_output "$WORK/nope.err" "$WORK/https.err"
rc=$(inspect_capture "$WORK/bad" "${TLS[@]}" "docker://$REG_HOST/test/multi:v1@sha256:$(printf '%064d' 0)")
expect_eq "tag and digest together: exit 1" 1 "$rc"
