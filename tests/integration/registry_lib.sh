# registry_lib.sh — sourced after lib.sh by the test_registry_*.sh tests:
# starts the real CNCF distribution registry (docker-registry) and the
# hostile test registry (hostile_registry.py) on 127.0.0.1, each on a free
# port, and stops them when the test exits.
HOSTILE=("$PYTHON" "$IT_DIR/hostile_registry.py")

require_registry_basics() {
  require_tool docker-registry skopeo python3
  require_ocitree
  info "ocitree: $OCITREE"
  info "skopeo:  $(skopeo --version)"
  info "work:    $WORK"
}

# free_port: a port nothing listens on now
free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT [SECONDS]: until something accepts connections on 127.0.0.1:PORT
wait_port() {
  "$PYTHON" - "$1" "${2:-20}" <<'EOF'
import socket, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
end = time.time() + seconds
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}

# start_registry NAME [EXTRA_YAML_FILE] [SCHEME]: docker-registry with
# filesystem storage in $WORK/NAME and the access log on; sets REG_PORT,
# REG_HOST (127.0.0.1:PORT) and REG_LOG (its output, one line per request).
# EXTRA_YAML_FILE is appended under the top level (auth:, or http.tls via
# REG_HTTP_EXTRA, indented lines added below http:). SCHEME (http or https)
# only labels the log line.
start_registry() {
  local name=$1 extra=${2:-} scheme=${3:-http}
  local dir=$WORK/$name
  mkdir -p "$dir/data"
  REG_PORT=$(free_port)
  REG_HOST=127.0.0.1:$REG_PORT
  REG_LOG=$dir/registry.log
  {
    echo "version: 0.1"
    echo "log:"
    echo "  level: info"
    echo "  accesslog:"
    echo "    disabled: false"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: $dir/data"
    echo "  delete:"
    echo "    enabled: true"
    echo "http:"
    echo "  addr: $REG_HOST"
    echo "  secret: ocitree-test-secret"
    [ -n "${REG_HTTP_EXTRA:-}" ] && printf '%s\n' "$REG_HTTP_EXTRA"
    [ -n "$extra" ] && cat "$extra"
  } > "$dir/config.yml"
  docker-registry serve "$dir/config.yml" > "$REG_LOG" 2>&1 &
  local pid=$!
  add_cleanup "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
  wait_port "$REG_PORT" ||
    { tail -n 20 "$REG_LOG" | sed 's/^/        | /'; die "docker-registry did not start on $REG_HOST"; }
  info "docker-registry $name on $scheme://$REG_HOST (pid $pid)"
}

# start_token_registry NAME USER PASSWORD: start_registry NAME with `auth:
# token`: an openssl key/cert in $WORK/keys and token_server.py signing
# RS256 JWTs for USER:PASSWORD only (anonymous tokens grant nothing); sets
# TOKEN_LOG (the token server's request log) besides REG_PORT, REG_HOST and
# REG_LOG. The caller requires openssl.
start_token_registry() {
  local name=$1 user=$2 password=$3
  local keys=$WORK/keys i
  mkdir -p "$keys"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$keys/signer.key" -out "$keys/signer.crt" -days 2 \
    -subj "/CN=ocitree-test-token-signer" > "$keys/openssl.log" 2>&1 ||
    { cat "$keys/openssl.log"; die "openssl req"; }
  TOKEN_LOG=$WORK/token.log
  "$PYTHON" "$IT_DIR/token_server.py" --port-file "$WORK/token.port" --key "$keys/signer.key" \
    --cert "$keys/signer.crt" --issuer ocitree-test-issuer --service ocitree-test --user "$user" \
    --password "$password" --log "$TOKEN_LOG" > "$WORK/token.out" 2>&1 &
  local pid=$!
  add_cleanup "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
  for ((i = 0; i < 100; i++)); do [ -s "$WORK/token.port" ] && break; sleep 0.1; done
  [ -s "$WORK/token.port" ] || { cat "$WORK/token.out"; die "token_server.py did not start"; }
  cat > "$WORK/token-auth.yml" <<EOF
auth:
  token:
    realm: http://127.0.0.1:$(cat "$WORK/token.port")/token
    service: ocitree-test
    issuer: ocitree-test-issuer
    rootcertbundle: $keys/signer.crt
EOF
  start_registry "$name" "$WORK/token-auth.yml"
}

# push SRC-REF NAME:TAG [SKOPEO-ARGS...]: skopeo copy into the last registry
push() {
  local src=$1 dest=$2; shift 2
  skopeo copy -q --dest-tls-verify=false "$@" "$src" "docker://$REG_HOST/$dest" > "$WORK/push.log" 2>&1 ||
    { sed 's/^/        | /' "$WORK/push.log"; die "skopeo copy $src -> $REG_HOST/$dest failed"; }
}

# start_hostile NAME ARGS...: hostile_registry.py in $WORK/NAME; sets
# HOST_PORT, HOST_OTHER_PORT and HOST_LOG (its JSON request log).
start_hostile() {
  local name=$1; shift
  local dir=$WORK/$name
  mkdir -p "$dir"
  HOST_LOG=$dir/requests.log
  "${HOSTILE[@]}" --port-file "$dir/port" --other-port-file "$dir/other-port" --log "$HOST_LOG" "$@" \
    > "$dir/server.out" 2>&1 &
  local pid=$! i
  add_cleanup "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
  for ((i = 0; i < 100; i++)); do [ -s "$dir/port" ] && break; sleep 0.1; done
  [ -s "$dir/port" ] || { cat "$dir/server.out"; die "hostile_registry.py $* did not start"; }
  HOST_PORT=$(cat "$dir/port")
  HOST_OTHER_PORT=$(cat "$dir/other-port")
}

# count_requests LOG SERVER PATH-PART: requests of the hostile log
count_requests() {
  "$PYTHON" - "$@" <<'EOF'
import json, sys
log, server, part = sys.argv[1:4]
print(sum(1 for l in open(log) if json.loads(l)["server"] == server and part in json.loads(l)["path"]))
EOF
}

# access_gets LOG PATH-PART: GETs of docker-registry's access log whose path has PATH-PART
access_gets() {
  grep -c "\"GET [^\"]*$2[^\"]*\" " "$1" || true
}

# json_get FILE KEY: a top-level value of a JSON file, compact JSON
json_get() {
  "$PYTHON" -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))[sys.argv[2]], sort_keys=True))' "$1" "$2"
}

# inspect_capture OUT ARGS...: `ocitree inspect ARGS` with stdout in OUT and
# stderr in OUT.err, at most 120 s; prints the exit status.
inspect_capture() {
  local out=$1; shift
  local rc=0
  timeout 120 "$OCITREE" inspect "$@" > "$out" 2> "$out.err" || rc=$?
  echo "$rc"
}
