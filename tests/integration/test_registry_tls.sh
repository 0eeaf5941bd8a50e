#!/usr/bin/env bash
# TLS against the real CNCF registry (docker-registry) serving https with a
# certificate from a CA made here by openssl:
#   * verification is on by default: without the CA, exit 1 and the message
#     points at --cert-dir and --tls-verify=false
#   * --cert-dir DIR with DIR/ca.crt works (the digest skopeo sees), and so
#     does the default ~/.config/containers/certs.d/HOST:PORT/ (fake HOME)
#   * --tls-verify=false works over https without the CA
#   * a malformed *.crt, a missing --cert-dir, a NAME.cert without NAME.key:
#     exit 1 naming the file
#   * a registry that requires a client certificate (http.tls.clientcas):
#     refused without one, works with DIR/client.cert + DIR/client.key
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_root
require_registry_basics
require_tool umoci zstd openssl
build_images

T=$WORK/tls
mkdir -p "$T/certs" "$T/client-certs" "$T/bad-certs" "$T/half-certs"
ssl() { openssl "$@" >> "$T/openssl.log" 2>&1 || { tail -n 20 "$T/openssl.log"; die "openssl $1 failed"; }; }
ssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.crt" -days 2 -subj "/CN=ocitree-test-ca"
# sign NAME EXTENSIONS: NAME.key + NAME.crt signed by the CA
sign() {
  ssl req -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.csr" -subj "/CN=$1"
  printf '%s\n' "$2" > "$T/$1.ext"
  ssl x509 -req -in "$T/$1.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -out "$T/$1.crt" -days 2 \
    -extfile "$T/$1.ext"
}
sign server $'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth'
sign client $'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth'
cp "$T/ca.crt" "$T/certs/ca.crt"
cp "$T/ca.crt" "$T/client-certs/ca.crt"
cp "$T/client.crt" "$T/client-certs/client.cert"
cp "$T/client.key" "$T/client-certs/client.key"
echo "not a certificate" > "$T/bad-certs/ca.crt"
cp "$T/ca.crt" "$T/half-certs/ca.crt"
cp "$T/client.crt" "$T/half-certs/client.cert"

log "https registry, server certificate only"
REG_HTTP_EXTRA="  tls:
    certificate: $T/server.crt
    key: $T/server.key" start_registry tlsreg "" https
push "oci:$L:multi" test/multi:v1 --dest-cert-dir "$T/certs" --dest-tls-verify=true
REF=docker://$REG_HOST/test/multi:v1
want=$(skopeo inspect --cert-dir "$T/certs" "$REF" | "$PYTHON" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["Digest"]))')

rc=$(inspect_capture "$WORK/noca" "$REF")
expect_eq "no CA: exit 1" 1 "$rc"
check "no CA: the message points at --cert-dir" grep -q -- "--cert-dir DIR" "$WORK/noca.err"
show_output "$WORK/noca.err"
rc=$(inspect_capture "$WORK/certdir" --cert-dir "$T/certs" "$REF")
expect_eq "--cert-dir: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/certdir.err"
expect_eq "--cert-dir: the digest skopeo sees" "$want" "$(json_get "$WORK/certdir" Digest 2>&1)"
rc=$(inspect_capture "$WORK/insecure" --tls-verify=false "$REF")
expect_eq "--tls-verify=false over https: exit 0" 0 "$rc"
expect_eq "--tls-verify=false over https: the digest" "$want" "$(json_get "$WORK/insecure" Digest 2>&1)"
mkdir -p "$WORK/home/.config/containers/certs.d/$REG_HOST"
cp "$T/ca.crt" "$WORK/home/.config/containers/certs.d/$REG_HOST/ca.crt"
rc=0
HOME=$WORK/home "$OCITREE" inspect "$REF" > "$WORK/home.out" 2> "$WORK/home.err" || rc=$?
expect_eq "~/.config/containers/certs.d/HOST:PORT: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/home.err"
rc=$(inspect_capture "$WORK/badca" --cert-dir "$T/bad-certs" "$REF")
expect_eq "malformed ca.crt: exit 1" 1 "$rc"
check "malformed ca.crt: named" grep -q "bad-certs/ca.crt: no PEM certificate" "$WORK/badca.err"
rc=$(inspect_capture "$WORK/nodir" --cert-dir "$T/missing" "$REF")
expect_eq "missing --cert-dir: exit 1" 1 "$rc"
check "missing --cert-dir: named" grep -q "tls/missing" "$WORK/nodir.err"

log "https registry requiring a client certificate"
REG_HTTP_EXTRA="  tls:
    certificate: $T/server.crt
    key: $T/server.key
    clientcas:
      - $T/ca.crt" start_registry clientreg "" https
push "oci:$L:single" test/single:v1 --dest-cert-dir "$T/client-certs" --dest-tls-verify=true
REF=docker://$REG_HOST/test/single:v1
rc=$(inspect_capture "$WORK/noclient" --cert-dir "$T/certs" "$REF")
expect_eq "no client certificate: exit 1" 1 "$rc"
check "no client certificate: the message suggests one" grep -q "client certificate" "$WORK/noclient.err"
check "no client certificate: not retried" bash -c "! grep -q 'trying again' '$WORK/noclient.err'"
show_output "$WORK/noclient.err"
rc=$(inspect_capture "$WORK/client" --cert-dir "$T/client-certs" "$REF")
expect_eq "client certificate: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/client.err"
expect_eq "client certificate: the digest skopeo sees" \
  "$(skopeo inspect --cert-dir "$T/client-certs" "$REF" | "$PYTHON" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["Digest"]))')" \
  "$(json_get "$WORK/client" Digest 2>&1)"
rc=$(inspect_capture "$WORK/half" --cert-dir "$T/half-certs" "$REF")
expect_eq "client.cert without client.key: exit 1" 1 "$rc"
check "client.cert without client.key: named" grep -q "client.cert has no matching client.key" "$WORK/half.err"
