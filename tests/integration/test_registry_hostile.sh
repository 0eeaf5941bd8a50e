#!/usr/bin/env bash
# `ocitree inspect` against hostile_registry.py, a registry that breaks the
# rules on purpose (manifest-level cases, and blob-level ones through the
# config blob inspect reads): every case ends with a clear error (exit 1 and
# the reason in the message) in bounded time, or succeeds where the
# distribution spec says a client should (429 with Retry-After, 503 twice,
# a tag list refused with 403 or 404, as skopeo inspect tolerates,
# redirects to blob storage elsewhere, Basic and Bearer auth). Also: no
# Authorization header reaches another host through a redirect; a Bearer
# token is fetched once and reused; credentials come from --creds,
# --authfile, $REGISTRY_AUTH_FILE and ~/.docker/config.json.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_registry_basics

# hostile DESC EXPECTED-RC PATTERN SERVER-ARGS -- INSPECT-ARGS: one case
# (PATTERN: an extended regex stderr must match when the exit is not 0;
# "" for none). Sets OUT to the output file and SECS to the time taken.
hostile() {
  local desc=$1 want=$2 pattern=$3; shift 3
  local server=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do server+=("$1"); shift; done
  shift
  local name
  name=h-$(printf '%s' "$desc" | tr -c 'a-zA-Z0-9' _)
  start_hostile "$name" "${server[@]}"
  OUT=$WORK/$name.out
  local t0=$SECONDS rc
  rc=$(inspect_capture "$OUT" --tls-verify=false "$@" "docker://127.0.0.1:$HOST_PORT/test/img:v1")
  SECS=$((SECONDS - t0))
  expect_eq "$desc: exit $want" "$want" "$rc"
  if [ -n "$pattern" ]; then
    check "$desc: the message says /$pattern/" grep -Eq -- "$pattern" "$OUT.err"
  fi
  _checks=$((_checks + 1))
  if [ "$SECS" -le 60 ]; then pass "$desc: done in ${SECS} s"; else fail "$desc: took ${SECS} s"; fi
  [ "$rc" = "$want" ] || show_output "$OUT.err"
  [ "$rc" = 0 ] || info "$(head -c 400 "$OUT.err")"
}

log "A well-behaved run"
hostile "ok" 0 "" --mode ok --
expect_eq "ok: Env from the config" '["HOSTILE=1", "PATH=/usr/bin"]' \
  "$("$PYTHON" -c 'import json,sys; print(json.dumps(sorted(json.load(open(sys.argv[1]))["Env"])))' "$OUT")"
expect_eq "ok: Labels from the config" '{"test": "hostile"}' "$(json_get "$OUT" Labels)"

log "Broken blobs (the config blob)"
hostile "wrong digest" 1 "digest mismatch" --mode wrong-digest --
hostile "wrong size" 1 "sends [0-9]+ bytes, the descriptor gives" --mode wrong-size --
hostile "short body, no length" 1 "blob has [0-9]+ bytes, its descriptor gives" --mode short-no-length --
hostile "truncated body" 1 "broke off after [0-9]+ bytes" --mode truncated --
hostile "endless body" 1 "more than the [0-9]+ bytes the descriptor gives" --mode endless --

log "Broken manifests"
hostile "endless manifest" 1 "over the 4194304-byte limit" --mode big-manifest --
hostile "5 MiB manifest announced" 1 "over the 4194304-byte limit.*announced" --mode big-manifest-cl --
hostile "redirect loop" 1 "too many redirects" --mode redirect-loop --
hostile "schema 1" 1 "schema 1" --mode schema1 --
hostile "Docker-Content-Digest mismatch" 1 "Docker-Content-Digest says" --mode bad-content-digest --

log "Tag list refused (skopeo inspect goes on with no tags, and so does ocitree)"
for mode in tags-denied tags-missing; do
  hostile "$mode" 0 "" --mode "$mode" --
  expect_eq "$mode: RepoTags empty" '[]' "$(json_get "$OUT" RepoTags 2>&1)"
  check "$mode: a warning says why" grep -q "does not list this repository's tags" "$OUT.err"
done

log "Retries"
hostile "429 with Retry-After: 1" 0 "" --mode 429 --
expect_eq "429: the manifest was asked for twice" 2 "$(count_requests "$HOST_LOG" registry /manifests/v1)"
_checks=$((_checks + 1))
if [ "$SECS" -ge 1 ]; then pass "429: Retry-After was waited for"; else fail "429: no wait (${SECS} s)"; fi
hostile "503 twice" 0 "" --mode 503 --
expect_eq "503: the manifest was asked for three times" 3 "$(count_requests "$HOST_LOG" registry /manifests/v1)"
check "503: the retries were reported" grep -q "HTTP 503 (service unavailable).*trying again" "$OUT.err"

log "Auth"
hostile "401 forever" 1 "HTTP 401" --auth never --
_checks=$((_checks + 1))
t=$(count_requests "$HOST_LOG" registry /token)
if [ "$t" -le 4 ]; then pass "401 forever: $t token requests"; else fail "401 forever: $t token requests"; fi
hostile "Basic, right credentials" 0 "" --auth basic --user alice --password s3cret -- --creds alice:s3cret
hostile "Basic, wrong credentials" 1 "refused the credentials from --creds" --auth basic --user alice --password s3cret -- --creds alice:nope
hostile "Basic, no credentials" 1 "no credentials for 127.0.0.1" --auth basic --user alice --password s3cret --
hostile "Bearer, right credentials" 0 "" --auth token --user alice --password s3cret -- --creds alice:s3cret
expect_eq "Bearer: one token for the manifest, config and tag list" 1 "$(count_requests "$HOST_LOG" registry /token)"
hostile "Bearer, wrong credentials" 1 "token server .* refused the credentials from --creds" --auth token --user alice --password s3cret -- --creds alice:nope
hostile "Bearer, no credentials" 1 "refused an anonymous token; no credentials" --auth token --user alice --password s3cret --
hostile "Bearer, anonymous tokens" 0 "" --auth token --

log "Redirect to another host"
hostile "redirect to blob storage elsewhere" 0 "" --mode redirect-other --auth basic --user alice --password s3cret -- --creds alice:s3cret
expect_eq "the other host served the config blob" 1 "$(count_requests "$HOST_LOG" other /storage/)"
report_lines "Authorization" "$PYTHON" - "$HOST_LOG" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["server"] == "other":
        print(("FAIL: " if "authorization" in e["headers"] else "ok: ") + "none sent to the other host: " + e["path"][:60])
    elif "/blobs/" in e["path"]:
        print(("ok: " if e["headers"].get("authorization", "").startswith("Basic ") else "FAIL: ") + "sent to the registry: " + e["path"][:60])
EOF

log "Credentials from auth files"
b64=$(printf 'alice:s3cret' | base64)
mkdir -p "$WORK/auth"
start_hostile auth-files --auth token --user alice --password s3cret
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$HOST_PORT" "$b64" > "$WORK/auth/auth.json"
REF=docker://127.0.0.1:$HOST_PORT/test/img:v1
rc=$(inspect_capture "$WORK/af1" --tls-verify=false --authfile "$WORK/auth/auth.json" "$REF")
expect_eq "--authfile: exit 0" 0 "$rc"
rc=0; REGISTRY_AUTH_FILE=$WORK/auth/auth.json "$OCITREE" inspect --tls-verify=false "$REF" > /dev/null 2> "$WORK/af2.err" || rc=$?
expect_eq "\$REGISTRY_AUTH_FILE: exit 0" 0 "$rc"
mkdir -p "$WORK/home/.docker"
printf '{"auths":{"http://127.0.0.1:%s/v2/":{"auth":"%s"}}}\n' "$HOST_PORT" "$b64" > "$WORK/home/.docker/config.json"
rc=0; env -u REGISTRY_AUTH_FILE -u XDG_RUNTIME_DIR -u XDG_CONFIG_HOME -u DOCKER_CONFIG HOME=$WORK/home \
  "$OCITREE" inspect --tls-verify=false "$REF" > /dev/null 2> "$WORK/af3.err" || rc=$?
expect_eq "~/.docker/config.json (URL-form key): exit 0" 0 "$rc"
show_output "$WORK/af3.err"
printf '{"credHelpers":{"127.0.0.1:%s":"secretservice"}}\n' "$HOST_PORT" > "$WORK/auth/helpers.json"
rc=$(inspect_capture "$WORK/af4" --tls-verify=false --authfile "$WORK/auth/helpers.json" "$REF")
expect_eq "credential helper: exit 1" 1 "$rc"
check "credential helper: the message names it" grep -q "docker-credential-secretservice" "$WORK/af4.err"
rc=$(inspect_capture "$WORK/af5" --tls-verify=false --authfile "$WORK/auth/missing.json" "$REF")
expect_eq "missing --authfile: exit 1" 1 "$rc"
check "missing --authfile: the message names it" grep -q "missing.json does not exist" "$WORK/af5.err"
