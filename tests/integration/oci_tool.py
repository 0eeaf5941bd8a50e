#!/usr/bin/env python3
"""oci_tool.py — hand-made OCI image pieces for the integration tests (stdlib only;
zstd through the `zstd` CLI).

  oci_tool.py layer SPEC.json OUT.tar
      Writes a tar with exactly the entries of SPEC, in SPEC order (see
      "Layer spec" below).  Deterministic: fixed mtimes, no user/group names.

  oci_tool.py append LAYOUT TAG LAYER.tar [--compress raw|gzip|zstd]
                     [--media-type TYPE] [--tag NEWTAG] [--comment TEXT]
                     [--created RFC3339]
      Appends LAYER.tar as a new top layer of image TAG: writes the (compressed)
      blob, appends its descriptor to the manifest (digest, size) and the
      uncompressed sha256 to the config's rootfs.diff_ids (plus a history
      entry), writes the new config and manifest blobs and points TAG (or
      NEWTAG, leaving TAG alone) at the new manifest in index.json.

  oci_tool.py recompress LAYOUT TAG NEWTAG raw|gzip|zstd
      A copy of TAG whose layers are all recompressed (diff_ids unchanged).

  oci_tool.py index LAYOUT NEWTAG TAG=OS/ARCH[/VARIANT] ...
      Writes an image index blob referencing the manifests of the TAGs with
      `platform` fields and tags it NEWTAG in index.json.

  oci_tool.py corrupt LAYOUT TAG KIND [ARG]
      Damages image TAG in place (run it on a copy of the layout).  KIND:
        truncate-layer [N]  the top layer blob cut to N bytes (default: half), stored
                            under its new digest; the descriptor's digest and
                            size match the cut blob, the diff_id is unchanged:
                            only decompression (or the tar reader) notices
        flip-layer [OFF]    one byte (default: the middle one) of the top layer
                            blob flipped in place: blob digest mismatch (offset
                            9 of a gzip blob is the OS byte of its header: the
                            stream stays valid, only the digest check notices)
        size-layer DELTA    the top layer descriptor's size changed by DELTA
        diff-id             one hex digit of the top diff_id changed
        missing-layer       the top layer blob deleted
        layer-media-type T  the top layer descriptor's mediaType set to T
        manifest-media-type T  the index.json descriptor's mediaType set to T
        config-missing      the config blob deleted
        suffix-layer HEX    bytes appended to the top layer blob (digest/size
                            follow; the diff_id is unchanged)
        layer-digest D      the top layer descriptor's digest set to D
        layer-size N        the top layer descriptor's size set to N
        config-media-type T / config-size N   the config descriptor's field
        config-bytes HOW / manifest-bytes HOW   the config / manifest blob
                            replaced by hostile JSON (descriptors follow):
                            invalid | pad:N (an N-byte annotation) | nest:N
                            (an extra field nested N arrays deep)
        index-json-bytes HOW  index.json itself replaced the same way
        diff-id-drop        the config lists one diff_id fewer than layers
        no-layers           a manifest with no layers (and no diff_ids)
        index-nest N        TAG points at N image indexes wrapped around
                            the manifest
        index-loop          TAG points at an index blob whose only entry is
                            its own (file) name: the blob does not hash to it

  oci_tool.py bomb LAYOUT TAG NEWTAG gzip|zstd BYTES
      A new top layer (tagged NEWTAG) whose tar stream is BYTES zero bytes,
      compressed from a stream; diff_id = sha256 of the zeros.

  oci_tool.py info LAYOUT TAG
      Prints JSON: {manifest_digest, manifest_size, config_digest,
      diff_ids, layers: [{digest, size, mediaType}], created, architecture}.

  oci_tool.py check-reconstruct ORIG_LAYOUT ORIG_TAG NEW_LAYOUT NEW_TAG
      Checks an image rebuilt from a repository (`ocitree push --reconstruct`)
      against the original: NEW_TAG in NEW_LAYOUT/index.json; every blob
      present with the digest and size its descriptor says; config blob
      digest and bytes = the original's; same number of layers, each with the
      original media type, compressed as that media type says (magic bytes),
      decompressed with `gzip -dc` / `zstd -dc` / as is, hashing to the
      original diff_id; an uncompressed layer keeps its digest. Prints
      ok:/FAIL: lines (and the compressed digests, which may differ); exit 1
      on a FAIL.

  oci_tool.py blob LAYOUT DIGEST       prints the blob's path

  oci_tool.py gvariant s|as < TEXT
      Decodes GVariant text (as printed by `ostree show --print-metadata-key`):
      s -> the exact string bytes on stdout; as -> a JSON list.

  oci_tool.py check-commit REPO BRANCH LAYOUT TAG REFERENCE [--digest D]
      Checks the image commit's metadata with the real `ostree show` against
      the image in LAYOUT: ocitree.image.manifest / .config are the exact blob
      bytes (and hash to their digests), .manifest-digest, .reference,
      .diff-ids, ostree.architecture, and the commit timestamp = config
      `created` (seconds, UTC). Prints ok:/FAIL: lines; exit 1 on a FAIL.

Layer spec (JSON list, one object per tar entry, written in that order):
  {"path": "a/b", "type": "file", "content": "text", "mode": 420}
  keys: path (str; or path_hex: raw bytes in hex for non-UTF-8 names)
        type: file | dir | symlink | hardlink | char | block | fifo
        mode (int, default 0644 / 0755 for dirs), uid, gid (default 0)
        content (str) | content_hex (str) | size_zeros (int)      [file]
        target (str; or target_hex)                  [symlink, hardlink]
        major, minor                                     [char, block]
        xattrs: {"user.name": "value"} (value str; "hex:..." for bytes)
        mtime (int, default 1700000000)
        pax: {"key": "value"} extra PAX records; pax_pad: N  a PAX comment
             record of N bytes
        raw: {"size": "hex:ff..." | "text"}  ustar fields of the entry's main
             header overwritten after writing (NUL padded; the checksum is
             recomputed); bad_checksum: true  a checksum one too high
  SPEC may also be {"entries": [...], "suffix_hex": H, "suffix_entries": [...],
  "no_end": true}: H (then a whole tar of suffix_entries) appended after the
  end-of-archive marker; no_end drops the marker.
  Paths are written byte for byte (no normalisation, no "./" added).
"""
import copy
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = {
    "raw": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}
REF_NAME = "org.opencontainers.image.ref.name"
MTIME = 1700000000


def die(msg):
    print("oci_tool: " + msg, file=sys.stderr)
    sys.exit(1)


# --------------------------------------------------------------------- tar --
def _bytes_or_str(entry, key):
    if key + "_hex" in entry:
        return bytes.fromhex(entry[key + "_hex"]).decode("utf-8", "surrogateescape")
    return entry.get(key)


# ustar header fields: name -> (offset, length)
TAR_FIELDS = {"name": (0, 100), "mode": (100, 8), "uid": (108, 8), "gid": (116, 8),
              "size": (124, 12), "mtime": (136, 12), "chksum": (148, 8), "typeflag": (156, 1),
              "linkname": (157, 100), "magic": (257, 6), "version": (263, 2),
              "uname": (265, 32), "gname": (297, 32), "devmajor": (329, 8),
              "devminor": (337, 8), "prefix": (345, 155)}


def _patch_header(out, off, e):
    """Applies an entry's "raw" field overrides and "bad_checksum" to the
    512-byte header at out[off:off+512] (the checksum is recomputed after the
    overrides unless "bad_checksum" asks for a wrong one)."""
    for field, val in (e.get("raw") or {}).items():
        fo, fl = TAR_FIELDS[field]
        b = bytes.fromhex(val[4:]) if val.startswith("hex:") else val.encode()
        if len(b) > fl:
            die("raw %s: %d bytes for a %d-byte field" % (field, len(b), fl))
        out[off + fo:off + fo + fl] = b + b"\0" * (fl - len(b))
    out[off + 148:off + 156] = b" " * 8
    chk = sum(out[off:off + 512])
    if e.get("bad_checksum"):
        chk += 1
    out[off + 148:off + 156] = b"%06o\0 " % chk


def build_layer(spec):
    """SPEC: a list of entries, or {"entries": [...], "suffix_hex": H,
    "no_end": true}: H appended after the end-of-archive marker; no_end drops
    the marker (and the record padding)."""
    opts = {}
    if isinstance(spec, dict):
        opts, spec = spec, spec["entries"]
    buf = io.BytesIO()
    # PAX so long names, UTF-8 names and xattrs all work; surrogateescape lets
    # non-UTF-8 names through (tarfile then writes hdrcharset=BINARY).
    tf = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT,
                      encoding="utf-8", errors="surrogateescape")
    hdrs = []  # (offset of the main header, entry) to patch
    for e in spec:
        name = _bytes_or_str(e, "path")
        if name is None:
            die("spec entry without path: %r" % e)
        ti = tarfile.TarInfo(name)
        t = e.get("type", "file")
        ti.mtime = e.get("mtime", MTIME)
        ti.uid = e.get("uid", 0)
        ti.gid = e.get("gid", 0)
        ti.uname = ti.gname = ""
        data = None
        if t == "file":
            ti.type = tarfile.REGTYPE
            ti.mode = e.get("mode", 0o644)
            if "content_hex" in e:
                data = bytes.fromhex(e["content_hex"])
            elif "size_zeros" in e:
                data = b"\0" * e["size_zeros"]
            else:
                data = e.get("content", "").encode()
            ti.size = len(data)
        elif t == "dir":
            ti.type = tarfile.DIRTYPE
            ti.mode = e.get("mode", 0o755)
        elif t == "symlink":
            ti.type = tarfile.SYMTYPE
            ti.mode = e.get("mode", 0o777)
            ti.linkname = _bytes_or_str(e, "target")
        elif t == "hardlink":
            ti.type = tarfile.LNKTYPE
            ti.mode = e.get("mode", 0o644)
            ti.linkname = _bytes_or_str(e, "target")
        elif t in ("char", "block"):
            ti.type = tarfile.CHRTYPE if t == "char" else tarfile.BLKTYPE
            ti.mode = e.get("mode", 0o666)
            ti.devmajor = e.get("major", 1)
            ti.devminor = e.get("minor", 3)
        elif t == "fifo":
            ti.type = tarfile.FIFOTYPE
            ti.mode = e.get("mode", 0o644)
        else:
            die("unknown entry type %r" % t)
        pax = {}
        for k, v in (e.get("xattrs") or {}).items():
            if v.startswith("hex:"):
                v = bytes.fromhex(v[4:]).decode("utf-8", "surrogateescape")
            pax["SCHILY.xattr." + k] = v
        pax.update(e.get("pax") or {})
        if e.get("pax_pad"):
            pax["comment"] = "x" * e["pax_pad"]
        ti.pax_headers = pax
        tf.addfile(ti, io.BytesIO(data) if data is not None else None)
        if e.get("raw") or e.get("bad_checksum"):
            end = buf.tell()
            hdrs.append((end - 512 - (-(-ti.size // 512) * 512 if data else 0), e))
    end_of_entries = buf.tell()
    tf.close()
    out = bytearray(buf.getvalue())
    for off, e in hdrs:
        _patch_header(out, off, e)
    if opts.get("no_end"):
        del out[end_of_entries:]
    if opts.get("suffix_hex"):
        out += bytes.fromhex(opts["suffix_hex"])
    if opts.get("suffix_entries"):
        out += build_layer(opts["suffix_entries"])
    return bytes(out)


# ------------------------------------------------------------- compression --
def compress(raw, how):
    if how == "raw":
        return raw
    if how == "gzip":
        out = io.BytesIO()
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=6) as g:
            g.write(raw)
        return out.getvalue()
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3", "--no-check"], input=raw,
                              stdout=subprocess.PIPE, check=True).stdout
    die("unknown compression %r" % how)


def decompress(blob):
    if blob[:2] == b"\x1f\x8b":
        return gzip.decompress(blob)
    if blob[:4] == b"\x28\xb5\x2f\xfd":
        return subprocess.run(["zstd", "-q", "-d", "-c"], input=blob,
                              stdout=subprocess.PIPE, check=True).stdout
    return blob


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


# ------------------------------------------------------------------ layout --
class Layout:
    def __init__(self, path):
        self.path = path
        with open(os.path.join(path, "index.json"), "rb") as f:
            self.index = json.loads(f.read())

    def blob_path(self, digest):
        alg, enc = digest.split(":", 1)
        return os.path.join(self.path, "blobs", alg, enc)

    def read_blob(self, digest):
        with open(self.blob_path(digest), "rb") as f:
            return f.read()

    def write_blob(self, data):
        d = sha(data)
        p = self.blob_path(d)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if not os.path.exists(p):
            with open(p, "wb") as f:
                f.write(data)
        return d, len(data)

    def find(self, tag):
        for i, m in enumerate(self.index.get("manifests", [])):
            if (m.get("annotations") or {}).get(REF_NAME) == tag:
                return i, m
        die("tag %r not in %s/index.json" % (tag, self.path))

    def load(self, tag):
        _, desc = self.find(tag)
        manifest = json.loads(self.read_blob(desc["digest"]))
        config = json.loads(self.read_blob(manifest["config"]["digest"]))
        return desc, manifest, config

    def save_index(self):
        data = json.dumps(self.index, separators=(",", ":")).encode()
        tmp = os.path.join(self.path, "index.json.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.path, "index.json"))

    def set_tag(self, tag, desc):
        """Points TAG at DESC (replacing an existing TAG entry, else appended)."""
        desc = copy.deepcopy(desc)
        desc.setdefault("annotations", {})[REF_NAME] = tag
        ms = self.index.setdefault("manifests", [])
        for i, m in enumerate(ms):
            if (m.get("annotations") or {}).get(REF_NAME) == tag:
                ms[i] = desc
                break
        else:
            ms.append(desc)
        self.save_index()

    def store(self, tag, desc, manifest, config=None):
        """Writes CONFIG (if given) and MANIFEST blobs, points TAG at them."""
        manifest = copy.deepcopy(manifest)
        if config is not None:
            cbytes = json.dumps(config, separators=(",", ":")).encode()
            cd, cs = self.write_blob(cbytes)
            manifest["config"]["digest"] = cd
            manifest["config"]["size"] = cs
        mbytes = json.dumps(manifest, separators=(",", ":")).encode()
        md, ms = self.write_blob(mbytes)
        nd = copy.deepcopy(desc)
        nd["digest"], nd["size"] = md, ms
        self.set_tag(tag, nd)
        return md


# ---------------------------------------------------------------- commands --
def cmd_layer(args):
    if len(args) != 2:
        die("usage: layer SPEC.json OUT.tar")
    with open(args[0]) as f:
        spec = json.load(f)
    data = build_layer(spec)
    with open(args[1], "wb") as f:
        f.write(data)


def parse_opts(args, names):
    pos, opts = [], {}
    it = iter(args)
    for a in it:
        if a in names:
            opts[a] = next(it)
        elif a.startswith("--"):
            die("unknown option " + a)
        else:
            pos.append(a)
    return pos, opts


def cmd_append(args):
    pos, o = parse_opts(args, {"--compress", "--media-type", "--tag", "--comment", "--created"})
    if len(pos) != 3:
        die("usage: append LAYOUT TAG LAYER.tar [--compress C] [--media-type T] [--tag NEW]")
    L = Layout(pos[0])
    tag = pos[1]
    with open(pos[2], "rb") as f:
        raw = f.read()
    how = o.get("--compress", "gzip")
    blob = compress(raw, how)
    bd, bs = L.write_blob(blob)
    desc, manifest, config = L.load(tag)
    manifest["layers"].append({"mediaType": o.get("--media-type", MT_LAYER[how]),
                               "digest": bd, "size": bs})
    config.setdefault("rootfs", {"type": "layers", "diff_ids": []})["diff_ids"].append(sha(raw))
    if "--created" in o:
        config["created"] = o["--created"]
    config.setdefault("history", []).append({
        "created": config.get("created", "2024-01-01T00:00:00Z"),
        "created_by": "oci_tool.py append",
        "comment": o.get("--comment", os.path.basename(pos[2]))})
    print(L.store(o.get("--tag", tag), desc, manifest, config))


def cmd_recompress(args):
    if len(args) != 4:
        die("usage: recompress LAYOUT TAG NEWTAG raw|gzip|zstd")
    L = Layout(args[0])
    desc, manifest, config = L.load(args[1])
    how = args[3]
    for layer in manifest["layers"]:
        raw = decompress(L.read_blob(layer["digest"]))
        blob = compress(raw, how)
        layer["digest"], layer["size"] = L.write_blob(blob)
        layer["mediaType"] = MT_LAYER[how]
    print(L.store(args[2], desc, manifest))


def cmd_index(args):
    if len(args) < 3:
        die("usage: index LAYOUT NEWTAG TAG=OS/ARCH[/VARIANT] ...")
    L = Layout(args[0])
    entries = []
    for a in args[2:]:
        tag, plat = a.split("=", 1)
        parts = plat.split("/")
        _, desc = L.find(tag)
        d = {"mediaType": desc.get("mediaType", MT_MANIFEST), "digest": desc["digest"],
             "size": desc["size"], "platform": {"architecture": parts[1], "os": parts[0]}}
        if len(parts) > 2:
            d["platform"]["variant"] = parts[2]
        entries.append(d)
    idx = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": entries}
    data = json.dumps(idx, separators=(",", ":")).encode()
    dg, sz = L.write_blob(data)
    L.set_tag(args[1], {"mediaType": MT_INDEX, "digest": dg, "size": sz})
    print(dg)


def _hostile_json(doc, how):
    """Bytes of DOC damaged as HOW says: invalid (a trailing comma, cut),
    pad:N (an annotation of N bytes: a huge document), nest:N (an extra
    field nested N arrays deep)."""
    data = json.dumps(doc, separators=(",", ":")).encode()
    if how == "invalid":
        return data[:-1] + b",}"
    kind, _, n = how.partition(":")
    doc = copy.deepcopy(doc)
    if kind == "pad":
        doc.setdefault("annotations", {})["pad"] = "x" * int(n)
    elif kind == "nest":
        return data[:-1] + b',"deep":' + b"[" * int(n) + b"]" * int(n) + b"}"
    else:
        die("unknown JSON damage " + how)
    return json.dumps(doc, separators=(",", ":")).encode()


# sha256 of N zero bytes (checked with `head -c N /dev/zero | sha256sum`)
ZEROS_SHA256 = {
    1 << 30: "49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14",
    1 << 28: "a6d72ac7690f53be6ae46ba88506bd97302a093f7108472bd9efc3cefda06484",
}


def cmd_bomb(args):
    """bomb LAYOUT TAG NEWTAG gzip|zstd BYTES: a top layer whose tar stream is
    BYTES zero bytes (an empty archive followed by an endless trailer),
    compressed from a stream (never held in memory); diff_id = its sha256."""
    if len(args) != 5:
        die("usage: bomb LAYOUT TAG NEWTAG gzip|zstd BYTES")
    import tempfile
    import zlib
    L = Layout(args[0])
    how, total = args[3], int(args[4])
    chunk = b"\0" * (1 << 20)
    h = hashlib.sha256()
    known = ZEROS_SHA256.get(total)
    if known:  # hashing a GiB costs seconds of a CPU the test suite shares
        h = None
    with tempfile.TemporaryFile() as out:
        if how == "gzip":
            z = zlib.compressobj(6, zlib.DEFLATED, 31)
            w = lambda b: out.write(z.compress(b))
        else:
            p = subprocess.Popen(["zstd", "-q", "-c", "-3"], stdin=subprocess.PIPE, stdout=out)
            w = p.stdin.write
        left = total
        while left:
            b = chunk[:min(left, len(chunk))]
            if h:
                h.update(b)
            w(b)
            left -= len(b)
        if how == "gzip":
            out.write(z.flush())
        else:
            p.stdin.close()
            if p.wait() != 0:
                die("zstd failed")
        out.seek(0)
        blob = out.read()
    bd, bs = L.write_blob(blob)
    desc, manifest, config = L.load(args[1])
    manifest["layers"].append({"mediaType": MT_LAYER[how], "digest": bd, "size": bs})
    config["rootfs"]["diff_ids"].append("sha256:" + (h.hexdigest() if h else known))
    config.setdefault("history", []).append({"created_by": "oci_tool.py bomb"})
    print(L.store(args[2], desc, manifest, config))


def cmd_corrupt(args):
    if len(args) < 3:
        die("usage: corrupt LAYOUT TAG KIND [ARG]")
    L = Layout(args[0])
    tag, kind = args[1], args[2]
    arg = args[3] if len(args) > 3 else None
    desc, manifest, config = L.load(tag)
    top = manifest["layers"][-1]
    if kind == "truncate-layer":
        blob = L.read_blob(top["digest"])
        cut = blob[: int(arg) if arg else len(blob) // 2]
        top["digest"], top["size"] = L.write_blob(cut)
        L.store(tag, desc, manifest)
    elif kind == "flip-layer":
        p = L.blob_path(top["digest"])
        with open(p, "r+b") as f:
            data = bytearray(f.read())
            data[int(arg) if arg else len(data) // 2] ^= 0x01
            f.seek(0)
            f.write(data)
    elif kind == "size-layer":
        top["size"] += int(arg)
        L.store(tag, desc, manifest)
    elif kind == "diff-id":
        d = config["rootfs"]["diff_ids"][-1]
        last = d[-1]
        config["rootfs"]["diff_ids"][-1] = d[:-1] + ("0" if last != "0" else "1")
        L.store(tag, desc, manifest, config)
    elif kind == "missing-layer":
        os.unlink(L.blob_path(top["digest"]))
    elif kind == "layer-media-type":
        top["mediaType"] = arg
        L.store(tag, desc, manifest)
    elif kind == "manifest-media-type":
        i, d = L.find(tag)
        L.index["manifests"][i]["mediaType"] = arg
        L.save_index()
    elif kind == "config-missing":
        os.unlink(L.blob_path(manifest["config"]["digest"]))
    elif kind == "suffix-layer":
        blob = L.read_blob(top["digest"]) + bytes.fromhex(arg)
        top["digest"], top["size"] = L.write_blob(blob)
        L.store(tag, desc, manifest)
    elif kind == "layer-digest":
        top["digest"] = arg
        L.store(tag, desc, manifest)
    elif kind == "layer-size":
        top["size"] = int(arg)
        L.store(tag, desc, manifest)
    elif kind == "config-media-type":
        manifest["config"]["mediaType"] = arg
        L.store(tag, desc, manifest)
    elif kind == "config-size":
        manifest["config"]["size"] = int(arg)
        L.store(tag, desc, manifest)
    elif kind == "config-bytes":
        cd, cs = L.write_blob(_hostile_json(config, arg))
        manifest["config"]["digest"], manifest["config"]["size"] = cd, cs
        L.store(tag, desc, manifest)
    elif kind == "manifest-bytes":
        md, ms = L.write_blob(_hostile_json(manifest, arg))
        nd = copy.deepcopy(desc)
        nd["digest"], nd["size"] = md, ms
        L.set_tag(tag, nd)
    elif kind == "diff-id-drop":
        config["rootfs"]["diff_ids"].pop()
        L.store(tag, desc, manifest, config)
    elif kind == "no-layers":
        manifest["layers"] = []
        config["rootfs"]["diff_ids"] = []
        config["history"] = []
        L.store(tag, desc, manifest, config)
    elif kind == "index-nest":
        plat = {"architecture": config.get("architecture", "amd64"), "os": config.get("os", "linux")}
        d = {"mediaType": desc.get("mediaType", MT_MANIFEST), "digest": desc["digest"], "size": desc["size"],
             "platform": plat}
        for _ in range(int(arg)):
            data = json.dumps({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [d]}).encode()
            dg, sz = L.write_blob(data)
            d = {"mediaType": MT_INDEX, "digest": dg, "size": sz, "platform": plat}
        L.set_tag(tag, d)
    elif kind == "index-loop":
        # an index stored under a digest that names itself: content addressing
        # makes a real loop impossible, so the blob cannot match its name
        fake = "sha256:" + hashlib.sha256(b"index-loop").hexdigest()
        size = 0
        for _ in range(4):  # the size of the blob that names itself: a fixpoint
            data = json.dumps({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [
                {"mediaType": MT_INDEX, "digest": fake, "size": size}]}).encode()
            size = len(data)
        with open(L.blob_path(fake), "wb") as f:
            f.write(data)
        L.set_tag(tag, {"mediaType": MT_INDEX, "digest": fake, "size": len(data)})
    elif kind == "index-json-bytes":
        with open(os.path.join(L.path, "index.json"), "wb") as f:
            f.write(_hostile_json(L.index, arg))
    else:
        die("unknown corruption " + kind)



# ---------------------------------------------------------- GVariant text --
_ESC = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def gv_parse_string(text, i):
    """Parses one GVariant text string literal at text[i] (g_variant_print
    form: '...' or "...", backslash escapes \\\\ \\' \\" \\a\\b\\f\\n\\r\\t\\v
    \\uXXXX \\UXXXXXXXX). Returns (str, next index)."""
    q = text[i]
    if q not in "'\"":
        raise ValueError("no string literal at %d: %r" % (i, text[i:i + 20]))
    out = []
    i += 1
    while True:
        c = text[i]
        if c == q:
            return "".join(out), i + 1
        if c == "\\":
            n = text[i + 1]
            if n in _ESC:
                out.append(_ESC[n]); i += 2
            elif n == "u":
                out.append(chr(int(text[i + 2:i + 6], 16))); i += 6
            elif n == "U":
                out.append(chr(int(text[i + 2:i + 10], 16))); i += 10
            else:
                out.append(n); i += 2
        else:
            out.append(c); i += 1


def gv_string(text):
    text = text.strip()
    s, j = gv_parse_string(text, 0)
    if text[j:].strip():
        raise ValueError("trailing text after string: %r" % text[j:j + 20])
    return s


def gv_strv(text):
    text = text.strip()
    if text.startswith("@as"):
        text = text[3:].strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError("not an array: %r" % text[:40])
    out, i = [], 1
    while True:
        while text[i] in " ,":
            i += 1
        if text[i] == "]":
            return out
        s, i = gv_parse_string(text, i)
        out.append(s)


def cmd_gvariant(args):
    """gvariant s|as < TEXT: decodes GVariant text; s -> the raw UTF-8 bytes on
    stdout, as -> a JSON list."""
    text = sys.stdin.read()
    if args == ["s"]:
        sys.stdout.buffer.write(gv_string(text).encode("utf-8", "surrogatepass"))
    elif args == ["as"]:
        print(json.dumps(gv_strv(text)))
    else:
        die("usage: gvariant s|as < TEXT")


def _rfc3339_seconds(s):
    """Seconds since the epoch of an RFC 3339 time, fraction dropped."""
    import calendar
    import re
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)", s)
    if not m:
        raise ValueError("not RFC 3339: %r" % s)
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    t = calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0))
    tz = m.group(8)
    if tz not in ("Z", "z"):
        off = int(tz[1:3]) * 3600 + int(tz[4:6]) * 60
        t -= off if tz[0] == "+" else -off
    return t


OCI_TO_OSTREE_ARCH = {"amd64": "x86_64", "arm64": "aarch64", "386": "i686", "arm": "armhfp",
                      "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def cmd_check_commit(args):
    """check-commit REPO BRANCH LAYOUT TAG REFERENCE
    Compares the commit's metadata (read with the real `ostree show`) with the
    image in LAYOUT (TAG "" = the only manifest; for an index tag, give the
    platform manifest's tag or use --digest): prints `ok: ...` / `FAIL: ...`
    lines, exit 1 if any failed."""
    pos, o = parse_opts(args, {"--digest"})
    if len(pos) != 5:
        die("usage: check-commit REPO BRANCH LAYOUT TAG REFERENCE [--digest sha256:...]")
    repo, branch, layout, tag, reference = pos
    L = Layout(layout)
    if "--digest" in o:
        mdigest = o["--digest"]
    elif tag == "":
        ms = L.index.get("manifests", [])
        if len(ms) != 1:
            die("layout has %d manifests: name a tag" % len(ms))
        mdigest = ms[0]["digest"]
    else:
        mdigest = L.find(tag)[1]["digest"]
    mbytes = L.read_blob(mdigest)
    manifest = json.loads(mbytes)
    cbytes = L.read_blob(manifest["config"]["digest"])
    config = json.loads(cbytes)
    results = []

    def res(ok, msg):
        results.append(ok)
        print(("ok: " if ok else "FAIL: ") + msg)

    def meta(key):
        p = subprocess.run(["ostree", "show", "--repo=" + repo, "--print-metadata-key=" + key, branch],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            res(False, "ostree show --print-metadata-key=%s: %s" % (key, p.stderr.decode(errors="replace").strip()))
            return None
        return p.stdout.decode("utf-8", "surrogateescape")

    t = meta("ocitree.image.manifest")
    if t is not None:
        got = gv_string(t).encode("utf-8", "surrogateescape")
        res(got == mbytes, "ocitree.image.manifest is the exact manifest blob (%d bytes, sha256 %s; got %d bytes, %s)"
            % (len(mbytes), sha(mbytes)[7:19], len(got), sha(got)[7:19]))
        res(sha(got) == mdigest, "sha256 of ocitree.image.manifest = manifest digest %s" % mdigest)
    t = meta("ocitree.image.config")
    if t is not None:
        got = gv_string(t).encode("utf-8", "surrogateescape")
        res(got == cbytes, "ocitree.image.config is the exact config blob (%d bytes; got %d)" % (len(cbytes), len(got)))
        res(sha(got) == manifest["config"]["digest"], "sha256 of ocitree.image.config = config digest")
    t = meta("ocitree.image.manifest-digest")
    if t is not None:
        got = gv_string(t)
        res(got == mdigest, "ocitree.image.manifest-digest = %s (got %s)" % (mdigest, got))
    t = meta("ocitree.image.reference")
    if t is not None:
        got = gv_string(t)
        res(got == reference, "ocitree.image.reference = %r (got %r)" % (reference, got))
    t = meta("ocitree.image.diff-ids")
    if t is not None:
        got = gv_strv(t)
        want = config["rootfs"]["diff_ids"]
        res(got == want, "ocitree.image.diff-ids = config rootfs.diff_ids (%d; got %d)" % (len(want), len(got)))
    t = meta("ostree.architecture")
    if t is not None:
        got = gv_string(t)
        want = OCI_TO_OSTREE_ARCH.get(config.get("architecture"), config.get("architecture"))
        res(got == want, "ostree.architecture = %r for config architecture %r (got %r)"
            % (want, config.get("architecture"), got))
    p = subprocess.run(["ostree", "show", "--repo=" + repo, branch], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    date = None
    for line in p.stdout.decode(errors="replace").splitlines():
        if line.startswith("Date:"):
            date = line.split(":", 1)[1].strip()
    import time
    want = _rfc3339_seconds(config["created"])
    want_txt = time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(want))
    res(date == want_txt, "commit timestamp = config created %s -> %s (ostree show: %s)"
        % (config["created"], want_txt, date))
    sys.exit(0 if all(results) else 1)


def cmd_info(args):
    if len(args) != 2:
        die("usage: info LAYOUT TAG")
    L = Layout(args[0])
    desc = L.find(args[1])[1]
    mb = L.read_blob(desc["digest"])
    out = {"manifest_digest": desc["digest"], "manifest_size": desc["size"],
           "media_type": desc.get("mediaType")}
    m = json.loads(mb)
    if "config" in m:
        cb = L.read_blob(m["config"]["digest"])
        c = json.loads(cb)
        out.update({"config_digest": m["config"]["digest"],
                    "diff_ids": c.get("rootfs", {}).get("diff_ids", []),
                    "layers": m.get("layers", []), "created": c.get("created"),
                    "architecture": c.get("architecture"), "os": c.get("os")})
    print(json.dumps(out, indent=1))


def _layer_compression(media_type):
    if media_type.endswith("+gzip") or media_type.endswith(".tar.gzip"):
        return "gzip"
    if media_type.endswith("+zstd") or media_type.endswith(".tar.zstd"):
        return "zstd"
    if media_type.endswith(".tar") or media_type.endswith(".tar.diff"):
        return "raw"
    return None


def cmd_check_reconstruct(args):
    """check-reconstruct ORIG_LAYOUT ORIG_TAG NEW_LAYOUT NEW_TAG"""
    if len(args) != 4:
        die("usage: check-reconstruct ORIG_LAYOUT ORIG_TAG NEW_LAYOUT NEW_TAG")
    O = Layout(args[0])
    results = []

    def res(problems, msg):
        results.append(not problems)
        print(("ok: " if not problems else "FAIL: ") + msg + ("" if not problems else ": " + "; ".join(problems)))

    def done():
        sys.exit(0 if results and all(results) else 1)

    odesc = O.find(args[1])[1]
    omanifest = json.loads(O.read_blob(odesc["digest"]))
    ocbytes = O.read_blob(omanifest["config"]["digest"])
    oconfig = json.loads(ocbytes)
    diff_ids = oconfig["rootfs"]["diff_ids"]
    new_path, tag = args[2], args[3]

    def blob(L, d, problems):
        """The blob of descriptor d, checked against its digest and size."""
        try:
            data = L.read_blob(d["digest"])
        except (OSError, KeyError, ValueError) as e:
            problems.append("blob %s: %s" % (d.get("digest"), e))
            return None
        if sha(data) != d["digest"] or len(data) != d.get("size"):
            problems.append("blob is %s, %d bytes; its descriptor says %s, %s bytes"
                            % (sha(data)[:19], len(data), d["digest"][:19], d.get("size")))
        return data

    # the layout, the tag, the manifest
    problems = []
    try:
        with open(os.path.join(new_path, "oci-layout"), "rb") as f:
            ver = json.loads(f.read()).get("imageLayoutVersion")
        if ver != "1.0.0":
            problems.append("oci-layout says imageLayoutVersion %r" % ver)
        N = Layout(new_path)
    except (OSError, ValueError) as e:
        res(["%s" % e], "layout")
        done()
    descs = [m for m in N.index.get("manifests", [])
             if (m.get("annotations") or {}).get(REF_NAME) == tag]
    if len(descs) != 1:
        problems.append("%d manifests tagged %r in index.json" % (len(descs), tag))
        res(problems, "layout")
        done()
    mbytes = blob(N, descs[0], problems)
    manifest = json.loads(mbytes) if mbytes is not None else {}
    if manifest.get("schemaVersion") != 2:
        problems.append("manifest schemaVersion %r" % manifest.get("schemaVersion"))
    res(problems, "layout: oci-layout 1.0.0, one manifest tagged %r, its blob matches its descriptor" % tag)
    if mbytes is None:
        done()

    problems = []
    cdesc = manifest.get("config", {})
    if cdesc.get("digest") != omanifest["config"]["digest"]:
        problems.append("config digest %s" % cdesc.get("digest"))
    cbytes = blob(N, cdesc, problems)
    if cbytes is not None and cbytes != ocbytes:
        problems.append("config bytes differ (%d bytes, original %d)" % (len(cbytes), len(ocbytes)))
    res(problems, "config: the original's digest %s and bytes" % omanifest["config"]["digest"][:19])

    layers = manifest.get("layers", [])
    res([] if len(layers) == len(omanifest["layers"]) else ["got %d" % len(layers)],
        "%d layers, as the original" % len(omanifest["layers"]))
    for i, (ol, nl) in enumerate(zip(omanifest["layers"], layers)):
        problems = []
        mt = nl.get("mediaType", "")
        if mt != ol.get("mediaType"):
            problems.append("media type %s, the original's is %s" % (mt, ol.get("mediaType")))
        how = _layer_compression(mt)
        want = diff_ids[i] if i < len(diff_ids) else None
        data = blob(N, nl, problems)
        tar = None
        if data is not None:
            magic = {"gzip": b"\x1f\x8b", "zstd": b"\x28\xb5\x2f\xfd"}
            if how in magic:
                if data[:len(magic[how])] != magic[how]:
                    problems.append("not %s data (magic bytes %s)" % (how, data[:4].hex()))
                p = subprocess.run([how, "-dc"], input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                if p.returncode != 0:
                    problems.append("%s -dc failed: %s" % (how, p.stderr.decode(errors="replace").strip()))
                else:
                    tar = p.stdout
            elif how == "raw":
                if data[:2] == b"\x1f\x8b" or data[:4] == b"\x28\xb5\x2f\xfd":
                    problems.append("compressed, but the media type says a plain tar")
                tar = data
                if nl["digest"] != ol["digest"]:
                    problems.append("an uncompressed layer must keep its digest %s (got %s)"
                                    % (ol["digest"][:19], nl["digest"][:19]))
            else:
                problems.append("unknown layer media type %r" % mt)
        if tar is not None and sha(tar) != want:
            problems.append("the uncompressed tar (%d bytes) hashes to %s" % (len(tar), sha(tar)[:19]))
        res(problems, "layer %d (%s): blob matches its descriptor, %s a tar%s hashing to the diff_id %s"
            % (i + 1, how, "is" if how == "raw" else how + "-decompresses to",
               " of %d bytes" % len(tar) if tar is not None else "", (want or "?")[:19]))
        if how in ("gzip", "zstd") and not problems:
            print("layer %d: compressed digest %s the original's" % (
                i + 1, "equals" if nl["digest"] == ol["digest"] else "differs from"))
    done()

def cmd_blob(args):
    print(Layout(args[0]).blob_path(args[1]))


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmds = {"layer": cmd_layer, "append": cmd_append, "recompress": cmd_recompress,
            "index": cmd_index, "corrupt": cmd_corrupt, "bomb": cmd_bomb, "info": cmd_info, "blob": cmd_blob,
            "gvariant": cmd_gvariant, "check-commit": cmd_check_commit,
            "check-reconstruct": cmd_check_reconstruct}
    c = cmds.get(sys.argv[1])
    if c is None:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    c(sys.argv[2:])


if __name__ == "__main__":
    main()
