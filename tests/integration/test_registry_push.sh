#!/usr/bin/env bash
# `ocitree push` to a registry (docker://), against the real CNCF registry
# (docker-registry) and its access log:
#   1. push --reconstruct of layered pulls (app2: three gzip layers; gnutar:
#      a gzip GNU tar layer and an uncompressed one) to docker://: exit 0,
#      `skopeo inspect` sees the digest ocitree printed, `skopeo copy` back to
#      an oci: layout gives the original config (digest and bytes) and
#      layers that decompress to the original diff_ids
#      a 12 MiB layer goes in PATCH chunks (the real registry's chunked upload)
#   2. pushing again uploads no blob: only HEADs and the manifest tag PUT
#   3. the same image to another repository of the registry mounts every
#      blob (POST ?mount=...&from=...), uploads nothing
#   4. `ocitree pull docker://` of the pushed image gives the same tree
#   4b. an ordinary commit (--max-layers 8) pushed and pulled back from the
#      registry is the identical commit; its child (made by ostree, one file
#      changed, detached metadata) uploads the changed layer and the config
#      only, and pulling it fetches only that layer
#   5. token auth: accepted with credentials (the token asks for pull,push),
#      refused without, and then nothing is tagged
#   6. refusals are clear and exit 1: a read-only registry (405), a registry
#      that denies pushes (hostile_registry.py --push-mode deny: 403 DENIED),
#      one that never accepts a token (401 forever)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_root
require_registry_basics
require_tool umoci zstd gzip openssl tar setfattr
# Where ocitree remembers blob locations (for mounts): inside the test.

LI=$WORK/limg
bash "$IT_DIR/make_layered_images.sh" "$LI" > "$WORK/make_layered.log" 2>&1 ||
  { tail -n 20 "$WORK/make_layered.log"; die "make_layered_images.sh failed"; }
LL=$LI/layout

R=$WORK/repo
"$OCITREE" --repo "$R" init --mode bare > /dev/null
for name in app2 gnutar; do
  rc=$(pull_image "$R" "$WORK/pull-$name" -b "img/$name" --storage layered "oci:$LL:$name")
  [ "$rc" = 0 ] || { show_output "$WORK/pull-$name.err"; die "pull of $name failed"; }
done

# ocitree_push OUT ARGS...: `ocitree --repo $R push ARGS`, output in OUT, at most 120 s; prints the exit status
ocitree_push() {
  local out=$1; shift
  local rc=0
  timeout 120 "$OCITREE" --repo "$R" push "$@" > "$out" 2>&1 || rc=$?
  echo "$rc"
}
# log_since N: the access log's request lines after line N
log_since() { tail -n +"$(($1 + 1))" "$REG_LOG" | grep -o '"[A-Z]* /v2/[^"]*"' || true; }
count() { grep -c "$1" <<< "$2" || true; }
manifest_digest() { grep -o 'manifest sha256:[0-9a-f]*' "$1" | head -n1 | cut -d' ' -f2; }

start_registry plain
NET=(--tls-verify=false)

# ------------------------------------------------------------------ 1. push
log "1. push --reconstruct to docker://"
for name in app2 gnutar; do
  REF=docker://$REG_HOST/test/$name:v1
  before=$(wc -l < "$REG_LOG")
  rc=$(ocitree_push "$WORK/push-$name" --reconstruct "img/$name" "$REF" "${NET[@]}")
  expect_eq "$name: push --reconstruct to $REF exits 0" 0 "$rc"
  show_output "$WORK/push-$name"
  digest=$(manifest_digest "$WORK/push-$name")
  reqs=$(log_since "$before")
  check "$name: blobs were uploaded (PUT ...?digest= in the access log)" grep -q 'PUT /v2/test/[a-z0-9]*/blobs/uploads/.*digest=' <<< "$reqs"
  check "$name: the manifest was tagged v1" grep -q "PUT /v2/test/$name/manifests/v1 " <<< "$reqs"
  skopeo inspect --tls-verify=false "$REF" > "$WORK/inspect-$name.json" 2> "$WORK/inspect-$name.err" ||
    show_output "$WORK/inspect-$name.err"
  expect_eq "$name: skopeo inspect sees the manifest digest ocitree printed" "\"$digest\"" \
    "$(json_get "$WORK/inspect-$name.json" Digest 2>&1)"
  # (skopeo would gzip the uncompressed layer of gnutar on the way without
  # --dest-oci-accept-uncompressed-layers)
  check "$name: skopeo copy back to oci:" skopeo copy -q --src-tls-verify=false \
    --dest-oci-accept-uncompressed-layers "$REF" "oci:$WORK/back-$name:v1"
  report_lines "$name: copied back" "${OCI_TOOL[@]}" check-reconstruct "$LL" "$name" "$WORK/back-$name" v1
done

# A layer over the 8 MiB upload chunk: sent by PATCH, then PUT ?digest=.
log "1b. a 12 MiB layer: streamed in chunks"
BL=$WORK/big/layout
mkdir -p "$WORK/big"
{ umoci init --layout "$BL" && umoci new --image "$BL:big" &&
  umoci unpack --image "$BL:big" "$WORK/big/bundle" &&
  head -c $((12 << 20)) /dev/urandom > "$WORK/big/bundle/rootfs/random.bin" &&
  umoci repack --image "$BL:big" "$WORK/big/bundle"; } > "$WORK/big/umoci.log" 2>&1 ||
  { tail -n 20 "$WORK/big/umoci.log"; die "umoci could not build the big image"; }
rc=$(pull_image "$R" "$WORK/pull-big" -b img/big --storage layered "oci:$BL:big")
[ "$rc" = 0 ] || { show_output "$WORK/pull-big.err"; die "pull of the big image failed"; }
before=$(wc -l < "$REG_LOG")
rc=$(ocitree_push "$WORK/push-big" --reconstruct img/big "docker://$REG_HOST/test/big:v1" "${NET[@]}")
expect_eq "big: push exits 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/push-big"
reqs=$(log_since "$before")
n=$(count '"PATCH /v2/test/big/blobs/uploads/' "$reqs")
check "big: the layer went in PATCH chunks (got $n)" test "$n" -ge 1
check "big: skopeo copy back to oci:" skopeo copy -q --src-tls-verify=false "docker://$REG_HOST/test/big:v1" \
  "oci:$WORK/back-big:v1"
report_lines "big: copied back" "${OCI_TOOL[@]}" check-reconstruct "$BL" big "$WORK/back-big" v1

# ----------------------------------------------------------- 2. push again
log "2. pushing again uploads nothing"
REF=docker://$REG_HOST/test/app2:v1
before=$(wc -l < "$REG_LOG")
rc=$(ocitree_push "$WORK/push-again" --reconstruct img/app2 "$REF" "${NET[@]}")
expect_eq "second push exits 0" 0 "$rc"
reqs=$(log_since "$before")
info "requests: $(tr '\n' ';' <<< "$reqs")"
expect_eq "second push: no blob upload (POST/PATCH/PUT of blobs)" 0 "$(count '"\(POST\|PATCH\|PUT\) /v2/[^ ]*/blobs/' "$reqs")"
n=$(count '"HEAD /v2/test/app2/blobs/' "$reqs")
check "second push: blobs checked with HEAD (at least one per blob: 3 layers + config; got $n)" test "$n" -ge 4
expect_eq "second push: the manifest is only tagged (one PUT, by tag)" \
  "PUT /v2/test/app2/manifests/v1" "$(grep -o 'PUT /v2/test/app2/manifests/[^ ]*' <<< "$reqs" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "second push: the same manifest digest" "$(manifest_digest "$WORK/push-app2")" "$(manifest_digest "$WORK/push-again")"

# ------------------------------------------------------------------ 3. mount
log "3. the same image to another repository: mounted, not uploaded"
REF2=docker://$REG_HOST/test/copy:v7
before=$(wc -l < "$REG_LOG")
rc=$(ocitree_push "$WORK/push-copy" --reconstruct img/app2 "$REF2" "${NET[@]}")
expect_eq "push to test/copy exits 0" 0 "$rc"
show_output "$WORK/push-copy"
reqs=$(log_since "$before")
info "requests: $(tr '\n' ';' <<< "$reqs")"
expect_eq "every blob (3 layers + config) mounted from a repository it was pushed to" 4 \
  "$(count '"POST /v2/test/copy/blobs/uploads/?mount=sha256%3A[0-9a-f]*&from=test%2F[a-z0-9]* ' "$reqs")"
expect_eq "no PATCH, no blob PUT" 0 "$(count '"\(PATCH\|PUT\) /v2/test/copy/blobs/' "$reqs")"
skopeo inspect --tls-verify=false "$REF2" > "$WORK/inspect-copy.json" 2>&1 || show_output "$WORK/inspect-copy.json"
expect_eq "skopeo inspect of the mounted copy: the same digest" "\"$(manifest_digest "$WORK/push-app2")\"" \
  "$(json_get "$WORK/inspect-copy.json" Digest 2>&1)"

# -------------------------------------------------------------- 4. pull back
log "4. ocitree pull docker:// of the pushed image"
R2=$WORK/repo-back
"$OCITREE" --repo "$R2" init --mode bare > /dev/null
rc=$(pull_image "$R2" "$WORK/pull-back" -b img/back "${NET[@]}" "docker://$REG_HOST/test/app2:v1")
expect_eq "pull docker://$REG_HOST/test/app2:v1 exits 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/pull-back.err"
"$OCITREE" --repo "$R" checkout img/app2 "$WORK/co-orig" > /dev/null 2>&1 || fail "checkout of img/app2"
"$OCITREE" --repo "$R2" checkout img/back "$WORK/co-back" > /dev/null 2>&1 || fail "checkout of img/back"
check "the pulled-back tree equals the original's" "${TREECMP[@]}" "$WORK/co-orig" "$WORK/co-back"

# ------------------------------------------------- 4b. a commit, and its child
# (issue 6, acceptance 5) an ordinary commit pushed with --max-layers 8 and
# pulled back from the registry into a fresh repo is the identical commit
# (subject and detached metadata included); its child, made by the real
# ostree with one file changed, uploads one layer and the config only
log "4b. a commit to the registry and back; its child uploads only the changed layer"
TREE=$WORK/ctree
many_files "$TREE" 30 60 5
CR=$WORK/repo-commit
"$OCITREE" --repo "$CR" init --mode bare > /dev/null
c1=$(oci_commit "$CR" dist -s "first release" --timestamp=2024-01-01T00:00:00Z --tree=dir="$TREE")
CREF=docker://$REG_HOST/dist/os
before=$(wc -l < "$REG_LOG")
rc=$(R=$CR ocitree_push "$WORK/push-c1" --max-layers 8 dist "$CREF:v1" "${NET[@]}")
expect_eq "commit push to $CREF:v1 exits 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/push-c1"
reqs=$(log_since "$before")
expect_eq "first push: 8 layers + config uploaded" 9 "$(count '"PUT /v2/dist/os/blobs/uploads/[^ ]*digest=' "$reqs")"
CB=$WORK/repo-commit-back
"$OCITREE" --repo "$CB" init --mode bare > /dev/null
rc=$(pull_image "$CB" "$WORK/pull-c1" -b dist "${NET[@]}" "$CREF:v1")
expect_eq "pull $CREF:v1 into a fresh repo exits 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/pull-c1.err"
expect_eq "pulled back: the identical commit checksum" "$c1" "$(ostree rev-parse --repo="$CB" dist 2>&1)"
expect_eq "pulled back: the subject" "first release" \
  "$(ostree log --repo="$CB" dist 2>&1 | sed -n 's/^    //p' | head -n1)"
check "pulled back: ostree fsck" ostree fsck -q --repo="$CB"

# the child: one file changed, committed by ostree with a detached signature-like string
echo "changed in the child" > "$TREE/dir11/file007"
ostree commit --repo="$CR" -b dist -s "second release" --timestamp=2024-02-01T00:00:00Z \
  --add-detached-metadata-string=ocitree.test-signature=abc123 --tree=dir="$TREE" > "$WORK/c2.out" 2>&1 ||
  { cat "$WORK/c2.out"; die "ostree commit of the child failed"; }
c2=$(ostree rev-parse --repo="$CR" dist)
check "the child's parent is the first commit" bash -c "ostree show --repo='$CR' dist | grep -q '^Parent: *$c1'"
before=$(wc -l < "$REG_LOG")
rc=$(R=$CR ocitree_push "$WORK/push-c2" --max-layers 8 dist "$CREF:v2" "${NET[@]}")
expect_eq "child push to $CREF:v2 exits 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/push-c2"
reqs=$(log_since "$before")
info "child push requests: $(tr '\n' ';' <<< "$reqs")"
mlayers() { skopeo inspect --raw --tls-verify=false "$1" | "$PYTHON" -c 'import json,sys; print("\n".join(l["digest"] for l in json.load(sys.stdin)["layers"]))'; }
mlayers "$CREF:v1" > "$WORK/c1.layers"
mlayers "$CREF:v2" > "$WORK/c2.layers"
changed=$(paste "$WORK/c1.layers" "$WORK/c2.layers" | awk '$1 != $2 {print $2}')
expect_eq "child image: exactly one layer digest differs" 1 "$(grep -c . <<< "$changed")"
uploaded=$(grep -o '"PUT /v2/dist/os/blobs/uploads/[^ ]*digest=sha256%3A[0-9a-f]*' <<< "$reqs" | sed 's/.*sha256%3A/sha256:/' | sort)
config2=$(skopeo inspect --raw --tls-verify=false "$CREF:v2" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')
expect_eq "child push: the access log shows uploads of the changed layer and the config only" \
  "$(printf '%s\n' "$changed" "$config2" | sort)" "$uploaded"
expect_eq "child push: no single-request (POST ?digest=) upload either" 0 \
  "$(grep -c '"POST /v2/dist/os/blobs/uploads/?digest=' <<< "$reqs" || true)"
before=$(wc -l < "$REG_LOG")
rc=$(pull_image "$CB" "$WORK/pull-c2" -b dist "${NET[@]}" "$CREF:v2")
expect_eq "pull $CREF:v2 into the repo holding v1 exits 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/pull-c2.err"
expect_eq "pulled back: the child's identical checksum" "$c2" "$(ostree rev-parse --repo="$CB" dist 2>&1)"
expect_eq "pulled back: the detached metadata" "'abc123'" \
  "$(ostree show --repo="$CB" --print-detached-metadata-key=ocitree.test-signature dist 2>&1)"
reqs=$(log_since "$before")
expect_eq "update pull: one layer blob fetched (the changed one)" \
  "GET /v2/dist/os/blobs/$changed" "$(grep -o 'GET /v2/dist/os/blobs/sha256:[0-9a-f]*' <<< "$reqs" | grep -v "$config2" | tr '\n' ' ' | sed 's/ $//')"
check "pulled back child: ostree fsck" ostree fsck -q --repo="$CB"

# -------------------------------------------------------------- 5. token auth
log "5. token auth"
start_token_registry tokenreg alice s3cret
TREF=docker://$REG_HOST/secure/app2:v1
rc=$(ocitree_push "$WORK/push-noauth" --reconstruct img/app2 "$TREF" "${NET[@]}")
expect_eq "token auth, no credentials: exit 1" 1 "$rc"
check "token auth, no credentials: says HTTP 401 and that there are none" \
  grep -q "HTTP 401.*no credentials for $REG_HOST" "$WORK/push-noauth"
show_output "$WORK/push-noauth"
check_fails "token auth, no credentials: nothing tagged" \
  skopeo inspect --tls-verify=false --creds alice:s3cret "$TREF"
rc=$(ocitree_push "$WORK/push-auth" --reconstruct img/app2 "$TREF" "${NET[@]}" --creds alice:s3cret)
expect_eq "token auth, --creds: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/push-auth"
check "token auth: the token was asked for pull,push on secure/app2" \
  grep -q 'scope=repository%3Asecure%2Fapp2%3Apull%2Cpush' "$TOKEN_LOG"
skopeo inspect --tls-verify=false --creds alice:s3cret "$TREF" > "$WORK/inspect-tok.json" 2>&1 ||
  show_output "$WORK/inspect-tok.json"
expect_eq "token auth: skopeo inspect sees the pushed digest" "\"$(manifest_digest "$WORK/push-auth")\"" \
  "$(json_get "$WORK/inspect-tok.json" Digest 2>&1)"

# ----------------------------------------------------------------- 6. errors
log "6. registries that refuse"
REGISTRY_STORAGE_MAINTENANCE_READONLY='{"enabled": true}' start_registry readonly
rc=$(ocitree_push "$WORK/push-ro" --reconstruct img/app2 "docker://$REG_HOST/test/app2:v1" "${NET[@]}")
expect_eq "read-only registry: exit 1" 1 "$rc"
check "read-only registry: says HTTP 405 and why" grep -q "HTTP 405 (method not allowed).*takes no uploads" "$WORK/push-ro"
show_output "$WORK/push-ro"

start_hostile deny --push-mode deny
rc=$(ocitree_push "$WORK/push-deny" --reconstruct img/app2 "docker://127.0.0.1:$HOST_PORT/test/app2:v1" "${NET[@]}")
expect_eq "denying registry: exit 1" 1 "$rc"
check "denying registry: the registry's JSON error is shown" \
  grep -q "HTTP 403 (access denied): DENIED: requested access to the resource is denied" "$WORK/push-deny"
show_output "$WORK/push-deny"
expect_eq "denying registry: no manifest PUT" 0 "$(count_requests "$HOST_LOG" registry /manifests/)"

start_hostile never --auth never
t0=$SECONDS
rc=$(ocitree_push "$WORK/push-never" --reconstruct img/app2 "docker://127.0.0.1:$HOST_PORT/test/app2:v1" "${NET[@]}")
expect_eq "401 forever: exit 1" 1 "$rc"
check "401 forever: says HTTP 401" grep -q "HTTP 401" "$WORK/push-never"
check "401 forever: gives up within 20 s" test $((SECONDS - t0)) -le 20
show_output "$WORK/push-never"
