#!/usr/bin/env python3
"""hostile_registry.py -- a distribution-spec registry that misbehaves on purpose.

It serves one built-in image (any repository name, any tag) -- an OCI manifest,
a config and one layer (--layers N: N) of pseudo-random bytes (not a tar: only its digest and
size matter) -- and breaks the rules the way --mode says. A second server on
another port ("other", for redirects to blob storage elsewhere) records every
request it gets, so a test can prove that no Authorization header reached it.

    hostile_registry.py --port-file F [--other-port-file F2] [--log LOG]
                        [--mode MODE] [--auth none|basic|token|never]
                        [--user U --password P] [--layer-size N] [--layers N]

The port files are written once the servers listen. LOG gets one JSON line per
request: {"server": "registry"|"other", "method", "path", "headers": {...}}
(header names lowercased). --print-image prints the image's digests as JSON.

Modes (blob modes hit every blob GET: the config and the layers; with
--only-layer just the layers, which --tar-layer makes real gzip'd tars):
  ok                 behave (Range requests answered 206)
  no-range           blobs ignore Range and send 200 with the whole blob
  wrong-digest       blobs have one byte flipped (same size)
  wrong-size         blobs come with 10 extra bytes (Content-Length says so)
  short-no-length    blobs lose their last 10 bytes, no Content-Length
  truncated          Content-Length is right, the connection closes halfway
  endless            no Content-Length, bytes until the client hangs up
  stall              headers (Content-Length right), then silence for 120 s
  redirect-other     blobs answer 307 to the other server, which serves them
  redirect-loop      manifests answer 302 to themselves
  big-manifest       the manifest never ends (no Content-Length)
  big-manifest-cl    the manifest announces and sends 5 MiB
  schema1            the manifest is Docker schema 1
  bad-content-digest Docker-Content-Digest names other bytes
  tags-denied        the tag list answers 403 DENIED (as ECR without
                     ecr:ListImages)
  tags-missing       the tag list answers 404 "404 page not found" (as
                     public.ecr.aws)
  tags-paged         the tag list comes in two pages (a relative Link)
  429                the first request for each manifest/blob path: 429 with
                     Retry-After: 1, then behave
  429-date           the same with Retry-After as an HTTP-date 2 s ahead
  slow               blobs trickle out in 32 KiB pieces over about 0.5 s; each
                     one adds a log entry {"method": "SERVE", "active": N}, N
                     the blob bodies being sent at that moment (itself too)
  pause              blobs: headers, 0.2 s, the first 40 KiB, 3 s of silence,
                     then the rest
  503                the first two requests for each manifest/blob path: 503
Auth:
  none    anonymous
  basic   every /v2/ request needs Basic USER:PASSWORD
  token   Bearer tokens from /token on this server, which needs Basic
          USER:PASSWORD when --user is given (anonymous tokens otherwise)
  never   Bearer challenge, /token hands out tokens, none is ever accepted
  expire  as token, but each token is accepted for 2 requests only; the
          third gets 401 with error="invalid_token" (a token that expired)
  scope   as token, but a token is accepted only if it was also issued for
          repository:shared/base:pull, which the first challenge does not
          name; the 401 then says error="insufficient_scope" with both scopes
--refresh-token T: POST /token with grant_type=refresh_token&refresh_token=T
(an identity token) gets a token too (access_token only).

Pushes (any --mode; auth as for pulls) are kept in memory per repository:
POST /v2/NAME/blobs/uploads/ opens a session (?mount=D&from=R mounts a blob R
holds: 201; else 202 with a session), PATCH appends a chunk (its
Content-Range must start where the upload ends, else 416; the session's
Location carries _state=N, which must be the latest one given), PUT ?digest=
closes it (400 DIGEST_INVALID when the bytes hash otherwise), DELETE cancels
it; PUT /v2/NAME/manifests/REF stores a manifest (its blobs must be in NAME:
400 MANIFEST_BLOB_UNKNOWN). Pushed blobs and manifests are then served by
GET/HEAD of that repository (the built-in image stays served for any name).
--push-mode changes that:
  ok                 behave (session Locations relative, with a query)
  absolute-location  session Locations are absolute URLs
  no-mount           mounts always fall back to a session (202)
  corrupt            one byte of every PATCH chunk is flipped on arrival
  deny               opening an upload: 403 DENIED (JSON error)
  patch-503          the first PATCH of each session: 503
"""
import argparse
import base64
import email.utils
import hashlib
import http.server
import json
import os
import random
import re
import socket
import socketserver
import sys
import threading
import time
import urllib.parse

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+prettyjws"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_layer(layer_size, index=0):
    """A gzip'd tar holding /data (/dataN for layer N > 0) of layer_size
    pseudo-random bytes, deterministic."""
    import gzip, io, tarfile
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("data" if index == 0 else f"data{index}")
        info.size, info.mtime, info.mode = layer_size, 1700000000, 0o644
        tar.addfile(info, io.BytesIO(random.Random(42 + index).randbytes(layer_size)))
    return raw.getvalue(), gzip.compress(raw.getvalue(), compresslevel=1, mtime=0)


def make_image(layer_size, real_tar=False, count=1):
    blobs, descs, diff_ids = {}, [], []
    for i in range(count):
        layer = random.Random(42 + i).randbytes(layer_size)
        diff_id = sha256(layer)
        if real_tar:
            plain, layer = tar_layer(layer_size, i)
            diff_id = sha256(plain)
        blobs[sha256(layer)] = layer
        descs.append({"mediaType": OCI_LAYER, "digest": sha256(layer), "size": len(layer)})
        diff_ids.append(diff_id)
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/bin", "HOSTILE=1"], "Labels": {"test": "hostile"}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }, sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha256(config), "size": len(config)},
        "layers": descs,
    }, sort_keys=True).encode()
    blobs[sha256(config)] = config
    return manifest, blobs


class State:
    def __init__(self, args):
        self.args = args
        self.manifest, self.blobs = make_image(args.layer_size, args.tar_layer, args.layers)
        self.layer_digests = {d["digest"] for d in json.loads(self.manifest)["layers"]}
        self.lock = threading.Lock()
        self.hits = {}
        self.tokens = {}  # token -> the scopes it was issued for
        self.token_uses = {}  # token -> requests it was accepted for (--auth expire)
        self.active = 0  # blob bodies being sent (--mode slow)
        self.token_count = 0
        self.port = 0
        self.other_port = 0
        # pushes: repository -> digests it holds / digest -> (type, body) / tag -> digest
        self.pushed_blobs = {}
        self.blob_data = {}
        self.pushed_manifests = {}
        self.pushed_tags = {}
        self.uploads = {}  # uuid -> {"repo", "data", "state", "patches"}
        self.upload_count = 0

    def issue(self, scopes):
        with self.lock:
            self.token_count += 1
            tok = f"tok-{self.token_count}"
            self.tokens[tok] = set(scopes)
            return tok

    def hit(self, key):
        with self.lock:
            self.hits[key] = self.hits.get(key, 0) + 1
            return self.hits[key]

    def log(self, server, handler, **extra):
        if not self.args.log:
            return
        entry = {"server": server, "method": handler.command, "path": handler.path,
                 "headers": {k.lower(): v for k, v in handler.headers.items()}}
        entry.update(extra)
        with self.lock, open(self.args.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


def error_body(code, message):
    return json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_name = "registry"

    def log_message(self, *args):
        pass

    @property
    def st(self):
        return self.server.state

    def send(self, status, body=b"", headers=None, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def hang_up(self):
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        if self.path.startswith("/v2/"):
            return self.push_request()
        self.st.log(self.server_name, self)
        length = int(self.headers.get("Content-Length", "0"))
        form = {}
        for pair in self.rfile.read(length).decode().split("&"):
            k, _, v = pair.partition("=")
            form[k] = urllib.parse.unquote_plus(v)
        a = self.st.args
        if self.path != "/token" or a.auth not in ("token", "scope", "expire"):
            return self.send(404, error_body("UNSUPPORTED", "POST is not served here"))
        if form.get("grant_type") != "refresh_token" or not a.refresh_token or \
                form.get("refresh_token") != a.refresh_token or form.get("service") != "hostile":
            return self.send(401, error_body("UNAUTHORIZED", "bad refresh token"))
        tok = self.st.issue(form.get("scope", "").split(" "))
        self.send(200, json.dumps({"access_token": tok, "expires_in": 300}).encode())

    def do_GET(self):
        self.st.log(self.server_name, self)
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_PUT(self):
        self.push_request()

    def do_PATCH(self):
        self.push_request()

    def do_DELETE(self):
        self.push_request()

    # -- pushes ---------------------------------------------------------------
    def push_request(self):
        self.st.log(self.server_name, self)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            self.push_route(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def session_location(self, name, uid, state):
        loc = f"/v2/{name}/blobs/uploads/{uid}?_state={state}"
        if self.st.args.push_mode == "absolute-location":
            loc = f"http://127.0.0.1:{self.st.port}{loc}"
        return loc

    def new_session(self, name):
        with self.st.lock:
            self.st.upload_count += 1
            uid = f"u{self.st.upload_count}"
            self.st.uploads[uid] = {"repo": name, "data": bytearray(), "state": 0, "patches": 0}
        self.send(202, b"", {"Location": self.session_location(name, uid, 0), "Range": "0-0",
                             "Docker-Upload-UUID": uid})

    def has_blob(self, name, digest):
        return digest in self.st.blobs or digest in self.st.pushed_blobs.get(name, set())

    def push_route(self, body):
        path, _, query = self.path.partition("?")
        q = urllib.parse.parse_qs(query)
        mode = self.st.args.push_mode
        up = re.match(r"^/v2/(.+)/blobs/uploads/([^/]*)$", path)
        man = re.match(r"^/v2/(.+)/manifests/([^/]+)$", path)
        name = (up or man).group(1) if (up or man) else ""
        if not self.authorized(name):
            return
        if up and self.command == "POST" and not up.group(2):
            if mode == "deny":
                return self.send(403, error_body("DENIED", "requested access to the resource is denied"))
            mount, src = q.get("mount", [""])[0], q.get("from", [""])[0]
            if mount and src and mode != "no-mount" and mount in self.st.pushed_blobs.get(src, set()):
                with self.st.lock:
                    self.st.pushed_blobs.setdefault(name, set()).add(mount)
                return self.send(201, b"", {"Location": f"/v2/{name}/blobs/{mount}", "Docker-Content-Digest": mount})
            return self.new_session(name)
        if up and up.group(2):
            u = self.st.uploads.get(up.group(2))
            if u is None or u["repo"] != name:
                return self.send(404, error_body("BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry"))
            if self.command == "DELETE":
                self.st.uploads.pop(up.group(2), None)
                return self.send(204)
            if q.get("_state", [""])[0] != str(u["state"]):
                return self.send(400, error_body("BLOB_UPLOAD_INVALID", "stale upload state"))
            if self.command == "PATCH":
                u["patches"] += 1
                if mode == "patch-503" and u["patches"] == 1:
                    return self.send(503, b"chunk store is napping", content_type="text/plain")
                m = re.match(r"^(\d+)-(\d+)$", self.headers.get("Content-Range", ""))
                if not m or int(m.group(1)) != len(u["data"]) or int(m.group(2)) - int(m.group(1)) + 1 != len(body):
                    return self.send(416, error_body("BLOB_UPLOAD_INVALID", "bad Content-Range"),
                                     {"Range": f"0-{max(len(u['data']) - 1, 0)}"})
                chunk = bytearray(body)
                if mode == "corrupt" and chunk:
                    chunk[0] ^= 1
                u["data"] += chunk
                u["state"] += 1
                return self.send(202, b"", {"Location": self.session_location(name, up.group(2), u["state"]),
                                            "Range": f"0-{len(u['data']) - 1}"})
            if self.command == "PUT":
                u["data"] += body
                digest = q.get("digest", [""])[0]
                data = bytes(u["data"])
                if sha256(data) != digest:
                    return self.send(400, error_body("DIGEST_INVALID", "provided digest did not match uploaded content"))
                with self.st.lock:
                    self.st.uploads.pop(up.group(2), None)
                    self.st.blob_data[digest] = data
                    self.st.pushed_blobs.setdefault(name, set()).add(digest)
                return self.send(201, b"", {"Location": f"/v2/{name}/blobs/{digest}", "Docker-Content-Digest": digest})
        if man and self.command == "PUT":
            ctype = self.headers.get("Content-Type", "")
            try:
                doc = json.loads(body)
            except ValueError:
                return self.send(400, error_body("MANIFEST_INVALID", "manifest invalid"))
            if doc.get("mediaType", ctype) != ctype:
                return self.send(400, error_body("MANIFEST_INVALID", "media type does not match Content-Type"))
            wanted = [d["digest"] for d in [doc.get("config", {})] + doc.get("layers", []) if "digest" in d]
            for d in wanted:
                if not self.has_blob(name, d):
                    return self.send(400, error_body("MANIFEST_BLOB_UNKNOWN", f"blob unknown to registry: {d}"))
            digest = sha256(body)
            ref = man.group(2)
            if ref.startswith("sha256:") and ref != digest:
                return self.send(400, error_body("DIGEST_INVALID", "manifest digest did not match"))
            with self.st.lock:
                self.st.pushed_manifests.setdefault(name, {})[digest] = (ctype, body)
                if not ref.startswith("sha256:"):
                    self.st.pushed_tags.setdefault(name, {})[ref] = digest
            return self.send(201, b"", {"Location": f"/v2/{name}/manifests/{digest}", "Docker-Content-Digest": digest})
        return self.send(405, error_body("UNSUPPORTED", "not served here"))

    def pushed(self, name, kind, ref):
        """A pushed blob's bytes, a pushed manifest's (type, body), or None."""
        with self.st.lock:
            if kind == "blobs":
                if ref in self.st.pushed_blobs.get(name, set()) and ref in self.st.blob_data:
                    return self.st.blob_data[ref]
                return None
            digest = self.st.pushed_tags.get(name, {}).get(ref, ref)
            return self.st.pushed_manifests.get(name, {}).get(digest)

    # -- auth ---------------------------------------------------------------
    def basic_ok(self):
        a = self.st.args
        want = "Basic " + base64.b64encode(f"{a.user}:{a.password}".encode()).decode()
        return self.headers.get("Authorization") == want

    def challenge(self, name):
        realm = f"http://127.0.0.1:{self.st.port}/token"
        scope = f"repository:{name}:pull" if name else ""
        value = f'Bearer realm="{realm}",service="hostile"'
        if scope:
            value += f',scope="{scope}"'
        return value

    def authorized(self, name):
        auth = self.st.args.auth
        if auth == "none":
            return True
        if auth == "basic":
            if self.basic_ok():
                return True
            self.send(401, error_body("UNAUTHORIZED", "authentication required"),
                      {"WWW-Authenticate": 'Basic realm="hostile"'})
            return False
        given = self.headers.get("Authorization", "")
        with self.st.lock:
            scopes = self.st.tokens.get(given[7:]) if given.startswith("Bearer ") else None
        if scopes is not None and auth == "token":
            return True
        if scopes is not None and auth == "expire":
            with self.st.lock:
                uses = self.st.token_uses[given[7:]] = self.st.token_uses.get(given[7:], 0) + 1
            if uses <= 2:
                return True
            self.send(401, error_body("UNAUTHORIZED", "authentication required"),
                      {"WWW-Authenticate": self.challenge(name) + ',error="invalid_token"'})
            return False
        if scopes is not None and auth == "scope":
            if "repository:shared/base:pull" in scopes or not name:
                return True
            value = (f'Bearer realm="http://127.0.0.1:{self.st.port}/token",service="hostile",'
                     f'scope="repository:{name}:pull repository:shared/base:pull",error="insufficient_scope"')
            self.send(401, error_body("DENIED", "insufficient scope"), {"WWW-Authenticate": value})
            return False
        self.send(401, error_body("UNAUTHORIZED", "authentication required"),
                  {"WWW-Authenticate": self.challenge(name)})
        return False

    def token(self):
        a = self.st.args
        if a.auth in ("token", "scope", "expire") and a.user and not self.basic_ok():
            self.send(401, error_body("UNAUTHORIZED", "bad credentials"),
                      {"WWW-Authenticate": 'Basic realm="hostile-token"'})
            return
        query = self.path.partition("?")[2]
        if "service=hostile" not in query or "scope=repository" not in query:
            self.send(400, error_body("UNSUPPORTED", "service and scope required"))
            return
        tok = self.st.issue(urllib.parse.parse_qs(query).get("scope", []))
        self.send(200, json.dumps({"token": tok, "expires_in": 300}).encode())

    # -- routes ---------------------------------------------------------------
    def route(self):
        path = self.path.partition("?")[0]
        if path == "/token":
            return self.token()
        if path in ("/v2/", "/v2"):
            if self.authorized(""):
                self.send(200, b"{}")
            return
        m = re.match(r"^/v2/(.+)/(manifests|blobs)/([^/]+)$", path)
        t = re.match(r"^/v2/(.+)/tags/list$", path)
        name = (m or t).group(1) if (m or t) else ""
        if not self.authorized(name):
            return
        if t and self.st.args.mode == "tags-denied":
            return self.send(403, error_body("DENIED", "requested access to the resource is denied"))
        if t and self.st.args.mode == "tags-missing":
            return self.send(404, b"404 page not found\n", content_type="text/plain")
        if t and self.st.args.mode == "tags-paged":
            if "last=latest" in self.path:
                return self.send(200, json.dumps({"name": name, "tags": ["v1"]}).encode())
            return self.send(200, json.dumps({"name": name, "tags": ["latest"]}).encode(),
                             {"Link": f'</v2/{name}/tags/list?n=1&last=latest>; rel="next"'})
        if t:
            return self.send(200, json.dumps({"name": name, "tags": ["latest", "v1"]}).encode())
        if not m:
            return self.send(404, error_body("NAME_UNKNOWN", "no such path"))
        kind, ref = m.group(2), m.group(3)
        got = self.pushed(name, kind, ref)
        if got is not None and kind == "blobs":
            return serve_blob(self, got, "ok")
        if got is not None:
            return self.send(200, got[1], {"Docker-Content-Digest": sha256(got[1])}, got[0])
        mode = self.st.args.mode
        if mode in ("429", "429-date", "503"):
            n = self.st.hit(path)
            if mode == "429" and n == 1:
                return self.send(429, error_body("TOOMANYREQUESTS", "slow down"), {"Retry-After": "1"})
            if mode == "429-date" and n == 1:
                when = email.utils.formatdate(time.time() + 2, usegmt=True)
                return self.send(429, error_body("TOOMANYREQUESTS", "slow down"), {"Retry-After": when})
            if mode == "503" and n <= 2:
                return self.send(503, b"backend is napping", content_type="text/plain")
        if kind == "manifests":
            return self.manifest(ref, path)
        return self.blob(ref, path)

    def manifest(self, ref, path):
        mode = self.st.args.mode
        body = self.st.manifest
        digest = sha256(body)
        if ref.startswith("sha256:") and ref != digest:
            return self.send(404, error_body("MANIFEST_UNKNOWN", "manifest unknown"))
        if mode == "redirect-loop":
            return self.send(302, b"", {"Location": path})
        if mode == "big-manifest":
            self.send_response(200)
            self.send_header("Content-Type", OCI_MANIFEST)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b'{"schemaVersion":2,"padding":"')
            chunk = b"x" * 65536
            for _ in range(100000):  # 6.5 GB: a client without a cap gives up first
                self.wfile.write(chunk)
            self.hang_up()
            return
        if mode == "big-manifest-cl":
            size = 5 << 20
            self.send_response(200)
            self.send_header("Content-Type", OCI_MANIFEST)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            self.wfile.write(b" " * size)
            return
        headers = {"Docker-Content-Digest": digest}
        content_type = OCI_MANIFEST
        if mode == "schema1":
            body = json.dumps({"schemaVersion": 1, "name": "x", "tag": "latest", "fsLayers": []}).encode()
            headers = {"Docker-Content-Digest": sha256(body)}
            content_type = SCHEMA1
        if mode == "bad-content-digest":
            headers["Docker-Content-Digest"] = "sha256:" + "0" * 64
        self.send(200, body, headers, content_type)

    def blob(self, digest, path):
        data = self.st.blobs.get(digest)
        if data is None:
            return self.send(404, error_body("BLOB_UNKNOWN", "blob unknown to registry"))
        mode = self.st.args.mode
        if mode == "redirect-other":
            where = f"http://127.0.0.1:{self.st.other_port}/storage/{digest}?signature=abc"
            return self.send(307, b"", {"Location": where})
        if self.st.args.only_layer and digest not in self.st.layer_digests:
            mode = "ok"
        serve_blob(self, data, mode)


def serve_blob(h, data, mode):
    if mode == "wrong-digest":
        # A gzip blob keeps a valid stream with its header's OS byte changed:
        # only the digest check can notice.
        mid = 9 if data[:2] == b"\x1f\x8b" else len(data) // 2
        data = data[:mid] + bytes([data[mid] ^ 1]) + data[mid + 1:]
    elif mode == "wrong-size":
        data = data + b"0123456789"
    start = 0
    rng = h.headers.get("Range", "")
    m = re.match(r"^bytes=(\d+)-$", rng)
    if m and mode != "no-range" and int(m.group(1)) < len(data):
        start = int(m.group(1))
    if mode in ("short-no-length", "endless", "truncated", "stall"):
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        if mode in ("truncated", "stall"):
            h.send_header("Content-Length", str(len(data)))
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        if mode == "short-no-length":
            h.wfile.write(data[:-10])
        elif mode == "truncated":
            h.wfile.write(data[: len(data) // 2])
        elif mode == "stall":
            h.wfile.flush()
            time.sleep(120)
        else:
            chunk = b"z" * 65536
            for _ in range(100000):
                h.wfile.write(chunk)
        h.hang_up()
        return
    body = data[start:]
    headers = {"Docker-Content-Digest": sha256(data)}
    status = 200
    if start:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
    if mode == "slow":
        return serve_slowly(h, status, body, headers)
    if mode == "pause":
        return serve_with_pause(h, status, body, headers)
    h.send(status, body, headers, "application/octet-stream")


def send_blob_headers(h, status, length, headers):
    """The status line and headers of a blob body that is written piece by piece."""
    h.send_response(status)
    h.send_header("Content-Type", "application/octet-stream")
    h.send_header("Content-Length", str(length))
    for k, v in headers.items():
        h.send_header(k, v)
    h.end_headers()


def serve_with_pause(h, status, body, headers):
    """Headers, 0.2 s, the first 40 KiB, 3 s of silence, the rest: bytes that
    arrive while the client waits in a read, and then nothing for a while."""
    send_blob_headers(h, status, len(body), headers)
    h.wfile.flush()
    time.sleep(0.2)
    h.wfile.write(body[:40960])
    h.wfile.flush()
    time.sleep(3)
    h.wfile.write(body[40960:])


def serve_slowly(h, status, body, headers):
    """32 KiB at a time over about 0.5 s, counting the bodies in flight."""
    st = h.st
    with st.lock:
        st.active += 1
        active = st.active
    st.log(h.server_name, h, method="SERVE", active=active)
    pieces = [body[i:i + 32768] for i in range(0, len(body), 32768)] or [b""]
    try:
        send_blob_headers(h, status, len(body), headers)
        for piece in pieces[:-1]:
            h.wfile.write(piece)
            h.wfile.flush()
            time.sleep(0.5 / len(pieces))
    finally:
        # Before the last piece: once the client has it, it may start the
        # next download, which must not find this one still counted.
        with st.lock:
            st.active -= 1
    h.wfile.write(pieces[-1])


class OtherHandler(Handler):
    """Blob storage elsewhere: serves any blob by digest, logs every request."""
    server_name = "other"

    def route(self):
        m = re.match(r"^/storage/(sha256:[0-9a-f]{64})$", self.path.partition("?")[0])
        data = self.st.blobs.get(m.group(1)) if m else None
        if data is None:
            return self.send(404, b"no such object", content_type="text/plain")
        serve_blob(self, data, "ok")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def write_port(port_file, port):
    """Atomically, so a waiting test never reads half a number."""
    if port_file:
        with open(port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.rename(port_file + ".tmp", port_file)


def start(handler, state):
    srv = Server(("127.0.0.1", 0), handler)
    srv.state = state
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file")
    p.add_argument("--other-port-file")
    p.add_argument("--log")
    p.add_argument("--mode", default="ok")
    p.add_argument("--auth", default="none", choices=["none", "basic", "token", "never", "scope", "expire"])
    p.add_argument("--refresh-token", default="")
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--layer-size", type=int, default=1 << 20)
    p.add_argument("--layers", type=int, default=1, help="how many layers the image has (each --layer-size)")
    p.add_argument("--push-mode", default="ok",
                   choices=["ok", "absolute-location", "no-mount", "corrupt", "deny", "patch-503"])
    p.add_argument("--print-image", action="store_true")
    p.add_argument("--tar-layer", action="store_true",
                   help="the layer is a real gzip'd tar (one file, /data, of --layer-size bytes), so a pull gets to it")
    p.add_argument("--only-layer", action="store_true", help="blob modes spare the config: only the layer misbehaves")
    args = p.parse_args()
    state = State(args)
    if args.print_image:
        config_digest = json.loads(state.manifest)["config"]["digest"]
        layer_digest = json.loads(state.manifest)["layers"][0]["digest"]
        print(json.dumps({"manifest": sha256(state.manifest), "config": config_digest, "layer": layer_digest,
                          "layer_size": args.layer_size}))
        return
    # The other server first: the registry's redirects need its port.
    state.other_port = start(OtherHandler, state)
    write_port(args.other_port_file, state.other_port)
    # The registry's challenges name its own port: set before a request can come.
    srv = Server(("127.0.0.1", 0), Handler)
    srv.state = state
    state.port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    write_port(args.port_file, state.port)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
