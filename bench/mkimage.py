#!/usr/bin/env python3
"""mkimage.py — fast, deterministic benchmark inputs (stdlib only; gzip through
the `gzip` CLI so compression runs beside the generator on another core).

  mkimage.py synth LAYOUT TAG --files N [--per-dir 1000] [--max-size 2048]
      One gzip layer of N small regular files (sizes 0..max-size-1, text that
      starts with the file's number, so only files under ~8 bytes can have the
      same content) in directories
      of --per-dir files: d0000/f000000 ... The tar is written straight from
      Python (ustar headers by hand, no files on disk), so a million files take
      a few tens of seconds.

  mkimage.py bigfiles LAYOUT TAG --count K [--size-mib 1024]
      One gzip layer of K regular files of --size-mib MiB each. Each file
      repeats its own 1 MiB block (half random bytes, half base64 text), so
      gzip has real work and the image builds in a minute.

  mkimage.py nodev < IN.tar > OUT.tar
      Copies a tar stream, leaving out character/block devices and fifos
      (what `ostree commit --tree=tar=` refuses). Everything else, xattrs
      (PAX SCHILY.xattr.*) included, is kept.

LAYOUT is created if missing (oci-layout, index.json); TAG is added to (or
replaced in) its index.json. The config says linux/amd64 and a fixed
`created`, so the same arguments give the same digests.
"""
import argparse
import base64
import hashlib
import json
import os
import random
import subprocess
import sys
import tarfile

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"
MTIME = 1700000000
CREATED = "2024-01-01T00:00:00Z"


# ------------------------------------------------------------------ layout --
def write_blob(layout, data):
    d = hashlib.sha256(data).hexdigest()
    p = os.path.join(layout, "blobs", "sha256", d)
    if not os.path.exists(p):
        with open(p + ".tmp", "wb") as f:
            f.write(data)
        os.rename(p + ".tmp", p)
    return "sha256:" + d, len(data)


def init_layout(layout):
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    p = os.path.join(layout, "oci-layout")
    if not os.path.exists(p):
        with open(p, "w") as f:
            f.write('{"imageLayoutVersion":"1.0.0"}')
    p = os.path.join(layout, "index.json")
    if not os.path.exists(p):
        with open(p, "w") as f:
            f.write('{"schemaVersion":2,"manifests":[]}')


def tag_image(layout, tag, layers):
    """layers: [(blob_digest, blob_size, diff_id)]; writes config, manifest, index."""
    config = {
        "created": CREATED, "architecture": "amd64", "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [l[2] for l in layers]},
        "history": [{"created": CREATED, "created_by": "bench/mkimage.py"} for _ in layers],
    }
    cd, cs = write_blob(layout, json.dumps(config, separators=(",", ":")).encode())
    manifest = {
        "schemaVersion": 2, "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "digest": cd, "size": cs},
        "layers": [{"mediaType": MT_LAYER_GZIP, "digest": l[0], "size": l[1]} for l in layers],
    }
    md, ms = write_blob(layout, json.dumps(manifest, separators=(",", ":")).encode())
    p = os.path.join(layout, "index.json")
    with open(p) as f:
        index = json.load(f)
    ms_list = [m for m in index.get("manifests", [])
               if (m.get("annotations") or {}).get(REF_NAME) != tag]
    ms_list.append({"mediaType": MT_MANIFEST, "digest": md, "size": ms,
                    "annotations": {REF_NAME: tag}})
    index["manifests"] = ms_list
    with open(p + ".tmp", "w") as f:
        json.dump(index, f, separators=(",", ":"))
    os.rename(p + ".tmp", p)
    return md


class GzipLayerWriter:
    """Tar bytes in -> `gzip -n -6` -> blob file; diff_id computed on the way."""

    def __init__(self, layout):
        self.layout = layout
        self.tmp = os.path.join(layout, "blobs", "sha256", ".layer-%d.tmp" % os.getpid())
        self.out = open(self.tmp, "wb")
        self.proc = subprocess.Popen(["gzip", "-n", "-6", "-c"], stdin=subprocess.PIPE,
                                     stdout=self.out, bufsize=1 << 20)
        self.diff = hashlib.sha256()
        self.buf = []
        self.buffered = 0

    def write(self, b):
        self.buf.append(b)
        self.buffered += len(b)
        if self.buffered >= 1 << 20:
            self.flush()

    def flush(self):
        if self.buf:
            chunk = b"".join(self.buf)
            self.diff.update(chunk)
            self.proc.stdin.write(chunk)
            self.buf, self.buffered = [], 0

    def close(self):
        self.flush()
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            sys.exit("mkimage: gzip failed")
        self.out.close()
        h = hashlib.sha256()
        size = 0
        with open(self.tmp, "rb") as f:
            while True:
                b = f.read(1 << 22)
                if not b:
                    break
                h.update(b)
                size += len(b)
        digest = h.hexdigest()
        os.rename(self.tmp, os.path.join(self.layout, "blobs", "sha256", digest))
        return "sha256:" + digest, size, "sha256:" + self.diff.hexdigest()


# --------------------------------------------------------------------- tar --
def ustar_header(name, size, typeflag, mode):
    """A ustar header for names up to 100 bytes (all ours are)."""
    nb = name.encode()
    assert len(nb) <= 100, name
    h = bytearray(512)
    h[0:len(nb)] = nb
    h[100:108] = b"%07o\0" % mode
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"%011o\0" % MTIME
    h[148:156] = b" " * 8
    h[156:157] = typeflag
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def pad(n):
    return b"\0" * ((512 - n % 512) % 512)


def cmd_synth(a):
    init_layout(a.layout)
    w = GzipLayerWriter(a.layout)
    rnd = random.Random(20240101)
    words = [base64.b32encode(rnd.randbytes(rnd.randrange(2, 9))).decode().lower().rstrip("=")
             for _ in range(4096)]
    pool = " ".join(rnd.choice(words) for _ in range(800000)).encode()
    pool_len = len(pool) - a.max_size - 1
    for i in range(a.files):
        if i % a.per_dir == 0:
            w.write(ustar_header("d%04d/" % (i // a.per_dir), 0, b"5", 0o755))
        size = rnd.randrange(a.max_size)
        head = b"%d synthetic file\n" % i
        off = (i * 7919) % pool_len
        data = (head + pool[off:off + size])[:size] if size else b""
        w.write(ustar_header("d%04d/f%06d" % (i // a.per_dir, i), len(data), b"0", 0o644))
        if data:
            w.write(data)
            w.write(pad(len(data)))
    w.write(b"\0" * 1024)
    blob = w.close()
    print(tag_image(a.layout, a.tag, [blob]))


def cmd_bigfiles(a):
    init_layout(a.layout)
    w = GzipLayerWriter(a.layout)
    rnd = random.Random(20240102)
    size = a.size_mib << 20
    w.write(ustar_header("big/", 0, b"5", 0o755))
    for k in range(a.count):
        block = rnd.randbytes(1 << 19)
        block += base64.b64encode(rnd.randbytes(3 << 17))[: 1 << 19]
        w.write(ustar_header("big/file%d.bin" % k, size, b"0", 0o644))
        for _ in range(a.size_mib):
            w.write(block)
    w.write(b"\0" * 1024)
    blob = w.close()
    print(tag_image(a.layout, a.tag, [blob]))


def cmd_nodev(a):
    src = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
    dst = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.PAX_FORMAT)
    dropped = 0
    for m in src:
        if m.ischr() or m.isblk() or m.isfifo():
            dropped += 1
            continue
        dst.addfile(m, src.extractfile(m) if m.isreg() else None)
    dst.close()
    print("mkimage nodev: left out %d device nodes/fifos" % dropped, file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("synth")
    s.add_argument("layout")
    s.add_argument("tag")
    s.add_argument("--files", type=int, required=True)
    s.add_argument("--per-dir", type=int, default=1000)
    s.add_argument("--max-size", type=int, default=2048)
    s = sub.add_parser("bigfiles")
    s.add_argument("layout")
    s.add_argument("tag")
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--size-mib", type=int, default=1024)
    sub.add_parser("nodev")
    a = p.parse_args()
    {"synth": cmd_synth, "bigfiles": cmd_bigfiles, "nodev": cmd_nodev}[a.cmd](a)


if __name__ == "__main__":
    main()
