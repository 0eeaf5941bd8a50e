#!/usr/bin/env bash
# Auth against the real CNCF registry (docker-registry), filled by skopeo:
#   * token auth: the registry runs `auth: token` with a key/cert made here by
#     openssl and a small token server (token_server.py) signing RS256 JWTs:
#     `ocitree inspect` works with --creds and with an auth file, gets one
#     token for the whole inspect (manifest, config, tag list), and is refused
#     without credentials (anonymous tokens grant nothing) or with wrong ones
#   * htpasswd (Basic) auth: works with --creds, refused without or wrong
# The digests agree with `skopeo inspect` with the same credentials.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_root
require_registry_basics
require_tool umoci zstd openssl
build_images

# ---------------------------------------------------------------- token auth
log "Token auth"
start_token_registry tokenreg alice s3cret
push "oci:$L:multi" test/multi:v1 --dest-creds alice:s3cret
REF=docker://$REG_HOST/test/multi:v1
skopeo inspect --tls-verify=false --creds alice:s3cret "$REF" > "$WORK/skopeo.json" 2> "$WORK/skopeo.err" ||
  { cat "$WORK/skopeo.err"; die "skopeo inspect with token auth"; }
want_digest=$(json_get "$WORK/skopeo.json" Digest)

: > "$TOKEN_LOG"
rc=$(inspect_capture "$WORK/tok" --tls-verify=false --creds alice:s3cret "$REF")
expect_eq "token auth, --creds: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/tok.err"
expect_eq "token auth, --creds: the digest skopeo sees" "$want_digest" "$(json_get "$WORK/tok" Digest 2>&1)"
expect_eq "token auth, --creds: Layers as skopeo's" "$(json_get "$WORK/skopeo.json" Layers)" "$(json_get "$WORK/tok" Layers 2>&1)"
n=$(grep -c '"ocitree/' "$TOKEN_LOG" || true)
expect_eq "token auth: one token request for the whole inspect" 1 "$n"
check "token auth: the token request carried the credentials" grep -q '"authorized": true' "$TOKEN_LOG"

b64=$(printf 'alice:s3cret' | base64)
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_HOST" "$b64" > "$WORK/auth.json"
rc=$(inspect_capture "$WORK/tok-file" --tls-verify=false --authfile "$WORK/auth.json" "$REF")
expect_eq "token auth, --authfile: exit 0" 0 "$rc"
expect_eq "token auth, --authfile: the digest" "$want_digest" "$(json_get "$WORK/tok-file" Digest 2>&1)"

rc=$(inspect_capture "$WORK/tok-none" --tls-verify=false "$REF")
expect_eq "token auth, no credentials: exit 1" 1 "$rc"
check "token auth, no credentials: HTTP 401 said" grep -q "HTTP 401" "$WORK/tok-none.err"
show_output "$WORK/tok-none.err"
rc=$(inspect_capture "$WORK/tok-wrong" --tls-verify=false --creds alice:wrong "$REF")
expect_eq "token auth, wrong password: exit 1" 1 "$rc"
check "token auth, wrong password: the token server's refusal said" \
  grep -q "refused the credentials from --creds.*wrong username or password" "$WORK/tok-wrong.err"
show_output "$WORK/tok-wrong.err"

log "token auth, through pull"
TR=$WORK/token-repo
"$OCITREE" --repo "$TR" init --mode bare > /dev/null
rc=0; "$OCITREE" --repo "$TR" pull --tls-verify=false -b img "$REF" > "$WORK/pull-none" 2> "$WORK/pull-none.err" || rc=$?
expect_eq "pull without credentials: exit 1" 1 "$rc"
check "pull without credentials: HTTP 401 said" grep -q "HTTP 401" "$WORK/pull-none.err"
check "pull without credentials: no branch" bash -c "! ostree rev-parse --repo='$TR' img 2>/dev/null"
: > "$TOKEN_LOG"
rc=0; "$OCITREE" --repo "$TR" pull --tls-verify=false --creds alice:s3cret -b img "$REF" > "$WORK/pull-tok" 2> "$WORK/pull-tok.err" || rc=$?
expect_eq "pull with --creds: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/pull-tok.err"
check "pull with --creds: the manifest skopeo sees" grep -q "${want_digest//\"/}" "$WORK/pull-tok"
n=$(grep -c '"ocitree/' "$TOKEN_LOG" || true)
check "pull with --creds: one token shared by parallel layer downloads (got $n)" test "$n" -eq 1
check "pull with --creds: ostree fsck" ostree fsck -q --repo="$TR"

# ------------------------------------------------------------- htpasswd auth
log "htpasswd (Basic) auth"
hash=$("$PYTHON" -W ignore -c 'import crypt; print(crypt.crypt("b4sic", crypt.mksalt(crypt.METHOD_BLOWFISH)))')
printf 'bob:%s\n' "$hash" > "$WORK/htpasswd"
cat > "$WORK/basic-auth.yml" <<EOF
auth:
  htpasswd:
    realm: ocitree-test-basic
    path: $WORK/htpasswd
EOF
start_registry basicreg "$WORK/basic-auth.yml"
push "oci:$L:single" test/single:v1 --dest-creds bob:b4sic
REF=docker://$REG_HOST/test/single:v1
want_digest=$(skopeo inspect --tls-verify=false --creds bob:b4sic "$REF" | "$PYTHON" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["Digest"]))')
rc=$(inspect_capture "$WORK/basic" --tls-verify=false --creds bob:b4sic "$REF")
expect_eq "Basic auth, --creds: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/basic.err"
expect_eq "Basic auth: the digest skopeo sees" "$want_digest" "$(json_get "$WORK/basic" Digest 2>&1)"
rc=$(inspect_capture "$WORK/basic-none" --tls-verify=false "$REF")
expect_eq "Basic auth, no credentials: exit 1" 1 "$rc"
check "Basic auth, no credentials: says so" grep -q "no credentials for $REG_HOST" "$WORK/basic-none.err"
rc=$(inspect_capture "$WORK/basic-wrong" --tls-verify=false --creds bob:nope "$REF")
expect_eq "Basic auth, wrong password: exit 1" 1 "$rc"
check "Basic auth, wrong password: says the credentials were refused" \
  grep -q "refused the credentials from --creds" "$WORK/basic-wrong.err"
show_output "$WORK/basic-none.err" "$WORK/basic-wrong.err"
