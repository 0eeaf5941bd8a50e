#!/usr/bin/env python3
"""token_server.py -- a Docker token server for the real registry's `auth: token`.

    token_server.py --port-file F --key KEY.pem --cert CERT.pem --issuer I
                    --service S --user U --password P [--log LOG]

GET /token?service=S&scope=repository:NAME:ACTIONS[&scope=...] answers
{"token": JWT, "access_token": JWT, "expires_in": 300}. With Basic U:P the
token grants every action asked for; without credentials it grants nothing
(the registry then refuses the request, as Docker Hub does for private
repositories); wrong credentials get 401. The JWT is RS256-signed by
`openssl dgst -sha256 -sign KEY` and carries CERT in its x5c header, which
the registry checks against its rootcertbundle (the same CERT). LOG gets one
JSON line per request: {"path", "user_agent", "authorized"}.
"""
import argparse
import base64
import http.server
import json
import os
import secrets
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cert_der(path):
    pem = open(path).read()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(body.split()))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        a = self.server.args
        url = urllib.parse.urlparse(self.path)
        given = self.headers.get("Authorization")
        want = "Basic " + base64.b64encode(f"{a.user}:{a.password}".encode()).decode()
        authorized = given == want
        if a.log:
            with self.server.lock, open(a.log, "a") as f:
                f.write(json.dumps({"path": self.path, "user_agent": self.headers.get("User-Agent", ""),
                                    "authorized": authorized}) + "\n")
        if url.path != "/token":
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such path"}]})
        if given is not None and not authorized:
            return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "wrong username or password"}]},
                              {"WWW-Authenticate": 'Basic realm="token"'})
        query = urllib.parse.parse_qs(url.query)
        access = []
        if authorized:
            for scope in query.get("scope", []):
                for one in scope.split(" "):
                    parts = one.split(":")
                    if len(parts) >= 3:
                        access.append({"type": parts[0], "name": ":".join(parts[1:-1]),
                                       "actions": parts[-1].split(",")})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(self.server.der).decode()]}
        claims = {"iss": a.issuer, "sub": a.user if authorized else "", "aud": query.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": secrets.token_hex(8), "access": access}
        signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", a.key], input=signing_input,
                             capture_output=True, check=True).stdout
        token = signing_input.decode() + "." + b64url(sig)
        self.reply(200, {"token": token, "access_token": token, "expires_in": 300})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    p = argparse.ArgumentParser()
    for name in ("--port-file", "--key", "--cert", "--issuer", "--service", "--user", "--password"):
        p.add_argument(name, required=True)
    p.add_argument("--log")
    args = p.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.args = args
    srv.lock = threading.Lock()
    srv.der = cert_der(args.cert)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(f"{srv.server_address[1]}\n")
    os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
