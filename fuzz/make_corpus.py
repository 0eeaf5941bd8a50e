#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/.

Deterministic and stdlib-only: tar seeds come from Python's tarfile plus a few
hand-edited headers, GVariant seeds from the small normal-form serialiser
below (the layouts OSTree writes, FORMATS.md 2), JSON and text seeds are
literal. Each seed is tiny; the corpus is checked in so the suite needs no
generator. Crash inputs found by fuzzing (and fixed) are kept beside them as
crash-<what>.<ext> and are never overwritten by this script.

Usage: python3 fuzz/make_corpus.py [CORPUS_DIR]   (default: fuzz/corpus)
"""

import hashlib
import io
import os
import struct
import sys
import tarfile

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- GVariant
# A normal-form serialiser for the types used below (glib's rules: members
# aligned, offsets of non-fixed members stored at the end, offset width the
# smallest that fits the whole value).

def complete_type(t, i=0):
    """Length of the complete type starting at t[i]."""
    c = t[i]
    if c in "bynqiuxthdsogv":
        return 1
    if c in "am":
        return 1 + complete_type(t, i + 1)
    if c in "({":
        close = ")" if c == "(" else "}"
        j = i + 1
        while t[j] != close:
            j += complete_type(t, j)
        return j + 1 - i
    raise ValueError(t)


def members(t):
    out, j = [], 1
    while t[j] not in ")}":
        n = complete_type(t, j)
        out.append(t[j:j + n])
        j += n
    return out


FIXED = {"b": 1, "y": 1, "n": 2, "q": 2, "i": 4, "u": 4, "h": 4, "x": 8, "t": 8, "d": 8}


def align_up(x, a):
    return (x + a - 1) // a * a


def info(t):
    """(alignment, fixed size or 0)."""
    c = t[0]
    if c in FIXED:
        return FIXED[c], FIXED[c]
    if c in "sog":
        return 1, 0
    if c == "v":
        return 8, 0
    if c in "am":
        return info(t[1:])[0], 0
    align, off, fixed = 1, 0, True
    for m in members(t):
        a, s = info(m)
        align = max(align, a)
        if s and fixed:
            off = align_up(off, a) + s
        else:
            fixed = False
    return align, (max(align_up(off, align), 1) if fixed else 0)


def offset_width(body, n):
    for w in (1, 2, 4, 8):
        if body + n * w < (1 << (8 * w)):
            return w
    raise ValueError


def pack_offsets(offsets, w):
    return b"".join(o.to_bytes(w, "little") for o in offsets)


def ser(t, v):
    """Serialises v as type t; bytes given for a container are taken as
    already serialised."""
    c = t[0]
    if isinstance(v, bytes) and c in "am({":
        return v
    if c in FIXED:
        fmt = {"b": "<B", "y": "<B", "n": "<h", "q": "<H", "i": "<i", "u": "<I", "h": "<i",
               "x": "<q", "t": "<Q", "d": "<d"}[c]
        return struct.pack(fmt, v)
    if c in "sog":
        return (v.encode() if isinstance(v, str) else v) + b"\0"
    if c == "v":
        vt, vv = v
        return ser(vt, vv) + b"\0" + vt.encode()
    if c == "m":
        if v is None:
            return b""
        child = ser(t[1:], v)
        return child if info(t[1:])[1] else child + b"\0"
    if c == "a":
        et = t[1:]
        if et == "y":
            return bytes(v)
        a, s = info(et)
        if s:
            return b"".join(ser(et, e) for e in v)
        body, ends = b"", []
        for e in v:
            body += b"\0" * (align_up(len(body), a) - len(body))
            body += ser(et, e)
            ends.append(len(body))
        if not ends:
            return b""
        return body + pack_offsets(ends, offset_width(len(body), len(ends)))
    # tuple / dict entry
    ms = members(t)
    body, ends = b"", []
    for k, (mt, mv) in enumerate(zip(ms, v)):
        a, s = info(mt)
        body += b"\0" * (align_up(len(body), a) - len(body))
        body += ser(mt, mv)
        if not s and k != len(ms) - 1:
            ends.append(len(body))
    ta, ts = info(t)
    if ts:
        return body + b"\0" * (ts - len(body))
    if not ends:
        return body
    return body + pack_offsets(reversed(ends), offset_width(len(body), len(ends)))


def be32(v):
    return int.from_bytes(struct.pack(">I", v), "little")


def be64(v):
    return int.from_bytes(struct.pack(">Q", v), "little")


def sha(s):
    return list(hashlib.sha256(s.encode()).digest())


def gvariant_seeds():
    xattrs = [(list(b"security.selinux\0"), list(b"system_u:object_r:usr_t:s0\0")),
              (list(b"user.note\0"), list(b"hello"))]
    dirtree = ser("(a(say)a(sayay))",
                  [[("a.txt", sha("a")), ("b", sha("b")), ("\u00e9t\u00e9", sha("c"))],
                   [("etc", sha("t1"), sha("m1")), ("usr", sha("t2"), sha("m2"))]])
    empty_tree = ser("(a(say)a(sayay))", [[], []])
    dirmeta = ser("(uuua(ayay))", [be32(0), be32(0), be32(0o40755), xattrs])
    dirmeta_plain = ser("(uuua(ayay))", [be32(1000), be32(1000), be32(0o40700), []])
    meta = ser("a{sv}", [("ostree.ref-binding", ("as", ["main"])),
                         ("version", ("s", "1.0")),
                         ("ocitree.image.layers", ("aay", [sha("l1"), sha("l2")])),
                         ("n", ("t", be64(5))),
                         ("maybe", ("ms", "x")),
                         ("nested", ("v", ("(iu)", [-1, 7])))])
    commit = ser("(a{sv}aya(say)sstayay)",
                 [meta, sha("parent"), [], "subject", "body", be64(1700000000), sha("tree"), sha("meta")])
    root_commit = ser("(a{sv}aya(say)sstayay)",
                      [[], [], [], "", "", be64(0), sha("tree"), sha("meta")])
    file_header = ser("(uuuusa(ayay))", [be32(0), be32(0), be32(0o100644), 0, "", []])
    link_header = ser("(uuuusa(ayay))", [be32(1000), be32(100), be32(0o120777), 0, "../target", xattrs])
    archive_header = ser("(tuuuusa(ayay))", [be64(12), be32(0), be32(0), be32(0o104755), 0, "", xattrs])
    archive_link = ser("(tuuuusa(ayay))", [be64(0), be32(0), be32(0), be32(0o120777), 0, "usr/lib", []])

    # repo_object_fuzz: the first byte picks the parser (0 dirtree, 1 dirmeta,
    # 2 commit, 3 file header, 4 archive header).
    objs = [
        ("dirtree", 0, dirtree), ("dirtree-empty", 0, empty_tree),
        ("dirmeta-xattrs", 1, dirmeta), ("dirmeta", 1, dirmeta_plain),
        ("commit", 2, commit), ("commit-root", 2, root_commit),
        ("fileheader", 3, file_header), ("fileheader-symlink", 3, link_header),
        ("archiveheader", 4, archive_header), ("archiveheader-symlink", 4, archive_link),
        # invalid: unsorted names, "..", short checksum, file mode in dirmeta,
        # truncated commit, nonzero rdev
        ("bad-dirtree-unsorted", 0, ser("(a(say)a(sayay))", [[("b", sha("b")), ("a", sha("a"))], []])),
        ("bad-dirtree-dotdot", 0, ser("(a(say)a(sayay))", [[], [("..", sha("t"), sha("m"))]])),
        ("bad-dirtree-shortsum", 0, ser("(a(say)a(sayay))", [[("a", [1, 2, 3])], []])),
        ("bad-dirmeta-mode", 1, ser("(uuua(ayay))", [be32(0), be32(0), be32(0o100644), []])),
        ("bad-commit-truncated", 2, commit[:-3]),
        ("bad-fileheader-rdev", 3, ser("(uuuusa(ayay))", [be32(0), be32(0), be32(0o100644), 5, "", []])),
    ]
    for name, selector, data in objs:
        write("repo_object_fuzz", name, bytes([selector]) + data)

    # gvariant_fuzz: the first byte indexes kTypes in fuzz/gvariant_fuzz.cc.
    types = ["v", "av", "a{sv}", "(a(say)a(sayay))", "(uuua(ayay))", "(uuuusa(ayay))",
             "(tuuuusa(ayay))", "(a{sv}aya(say)sstayay)", "a(ayay)", "as", "ay", "aay", "s", "o",
             "g", "(ssa{sv})", "ma{sv}", "mv", "my", "a(yt)", "(bynqiuxtdh)", "{sv}", "aaas",
             "(a{sv}v)", "m(uay)", "a()", "(y(t)ay)", "a{ss}"]

    def gv(name, t, data):
        write("gvariant_fuzz", name, bytes([types.index(t)]) + data)

    gv("dirtree", "(a(say)a(sayay))", dirtree)
    gv("dirmeta", "(uuua(ayay))", dirmeta)
    gv("commit", "(a{sv}aya(say)sstayay)", commit)
    gv("metadata", "a{sv}", meta)
    gv("fileheader", "(tuuuusa(ayay))", archive_header)
    gv("variant-nested", "v", ser("v", ("av", [("s", "a"), ("(yt)", [1, 2]), ("v", ("mv", ("u", 3)))])))
    gv("strings", "as", ser("as", ["", "x", "\u00fcber", "a" * 300]))
    gv("object-path", "o", ser("o", "/org/example/a_b"))
    gv("signature", "g", ser("g", "a{sv}(ii)"))
    gv("maybe-just", "ma{sv}", ser("ma{sv}", [("k", ("y", 1))]))
    gv("maybe-nothing", "mv", b"")
    gv("fixed-array", "a(yt)", ser("a(yt)", [[1, 2], [3, 4]]))
    gv("fixed-tuple", "(bynqiuxtdh)", ser("(bynqiuxtdh)", [1, 2, -3, 4, -5, 6, -7, 8, 1.5, 0]))
    gv("dict", "a{ss}", ser("a{ss}", [("a", "1"), ("b", "2")]))
    gv("units", "a()", ser("a()", [[], [], []]))
    gv("deep", "aaas", ser("aaas", [[["a"], []], [["b", "c"]]]))
    gv("wide-offsets", "as", ser("as", ["x" * 200, "y" * 100]))
    gv("bad-offset", "as", b"ab\0\x09")
    gv("bad-string-nul", "s", b"a\0b\0")
    gv("bad-variant-type", "v", b"\x01\0(u")
    gv("bad-padding", "a(yt)", bytes([1, 1, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]))
    # A variant holding a variant... 130 deep: over the nesting bound.
    deep = ("u", 1)
    for _ in range(130):
        deep = ("v", deep)
    gv("bad-too-deep", "v", ser("v", deep))


# ---------------------------------------------------------------- tar

def tar_bytes(fmt, members, keep_record_padding=False, pax_headers=None):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, pax_headers=pax_headers) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
        end = tf.offset
    data = buf.getvalue()
    return data if keep_record_padding else data[:end + 1024]


def ti(name, type=tarfile.REGTYPE, data=b"", mode=0o644, uid=1000, gid=1000, linkname="", pax=None):
    info = tarfile.TarInfo(name)
    info.type = type
    info.mode = mode
    info.uid, info.gid = uid, gid
    info.uname, info.gname = "user", "group"
    info.mtime = 1700000000
    info.linkname = linkname
    if pax:
        info.pax_headers = pax
    info.size = len(data) if type in (tarfile.REGTYPE, tarfile.AREGTYPE) else 0
    return info, (data if info.size else None)


def fix_checksum(block):
    block = bytearray(block)
    block[148:156] = b" " * 8
    s = sum(block)
    block[148:156] = b"%06o\0 " % s
    return bytes(block)


def tar_seeds():
    basic = [ti("etc/", tarfile.DIRTYPE, mode=0o755), ti("etc/hosts", data=b"127.0.0.1 localhost\n"),
             ti("etc/empty"), ti("etc/link", tarfile.SYMTYPE, linkname="hosts"),
             ti("etc/hard", tarfile.LNKTYPE, linkname="etc/hosts"),
             ti("usr/bin/tool", data=b"#!/bin/sh\nexit 0\n", mode=0o4755, uid=0, gid=0)]
    write("tar_reader_fuzz", "ustar.tar", tar_bytes(tarfile.USTAR_FORMAT, basic))
    write("tar_reader_fuzz", "gnu-record-padding.tar", tar_bytes(tarfile.GNU_FORMAT, basic[:2], keep_record_padding=True))
    long = "d/" + "n" * 120 + "/file-with-a-long-name"
    write("tar_reader_fuzz", "gnu-longname.tar",
          tar_bytes(tarfile.GNU_FORMAT, [ti(long, data=b"x"), ti("l", tarfile.SYMTYPE, linkname="t" * 150),
                                         ti("big-ids", uid=0o7777777 + 10, gid=3, data=b"ids")]))
    write("tar_reader_fuzz", "pax.tar",
          tar_bytes(tarfile.PAX_FORMAT,
                    [ti(long, data=b"pax content"),
                     ti("x", data=b"1", pax={"SCHILY.xattr.user.a": "v", "SCHILY.xattr.security.capability": "\x01\x02",
                                             "mtime": "1700000000.123456789", "uname": "\u00e9"}),
                     ti("lx", data=b"", pax={"LIBARCHIVE.xattr.user.b%20c": "aGVsbG8"})],
                    pax_headers={"comment": "global"}))
    write("tar_reader_fuzz", "devices.tar",
          tar_bytes(tarfile.USTAR_FORMAT, [ti("dev/null", tarfile.CHRTYPE, mode=0o666), ti("dev/sda", tarfile.BLKTYPE),
                                           ti("run/fifo", tarfile.FIFOTYPE), ti(".wh..wh..opq"), ti("a/.wh.b")]))
    write("tar_reader_fuzz", "empty.tar", b"\0" * 1024)
    one = tar_bytes(tarfile.USTAR_FORMAT, [ti("a", data=b"abc")])
    write("tar_reader_fuzz", "one-zero-block.tar", one[:-512])
    write("tar_reader_fuzz", "no-end-marker.tar", one[:-1024])
    write("tar_reader_fuzz", "bad-truncated-content.tar", one[:600])
    write("tar_reader_fuzz", "bad-truncated-header.tar", one[:300])
    bad = bytearray(one)
    bad[148] = ord("7")
    write("tar_reader_fuzz", "bad-checksum.tar", bytes(bad))
    bad = bytearray(one)
    bad[124:136] = b"99999999999\0"  # size with a non-octal digit
    write("tar_reader_fuzz", "bad-octal-size.tar", fix_checksum(bad[:512]) + bytes(bad[512:]))
    v7 = bytearray(one[:512])
    v7[257:265] = b"\0" * 8  # no magic: a V7 header
    write("tar_reader_fuzz", "v7.tar", fix_checksum(v7) + one[512:])
    sparse = bytearray(one[:512])
    sparse[156] = ord("S")
    write("tar_reader_fuzz", "bad-sparse.tar", fix_checksum(sparse) + one[512:])
    write("tar_reader_fuzz", "bad-garbage-after-zero.tar", one[:-512] + b"\1" * 512)
    write("tar_reader_fuzz", "trailing-garbage.tar", one + b"garbage after the end")


# ---------------------------------------------------------------- OCI JSON

HEX = "a" * 64
HEX2 = "b" * 64


def oci_seeds():
    d = lambda mt, h=HEX, size=10, extra="": (
        '{"mediaType":"%s","digest":"sha256:%s","size":%d%s}' % (mt, h, size, extra))
    seeds = {
        "manifest-oci.json": '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
                             '"config":%s,"layers":[%s,%s],"annotations":{"a":"b"}}' % (
                                 d("application/vnd.oci.image.config.v1+json"),
                                 d("application/vnd.oci.image.layer.v1.tar+gzip", HEX2, 32),
                                 d("application/vnd.oci.image.layer.v1.tar+zstd", HEX, 7)),
        "manifest-no-mediatype.json": '{"schemaVersion":2,"config":%s,"layers":[]}' % d(
            "application/vnd.oci.image.config.v1+json"),
        "manifest-docker.json": '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",'
                                '"config":%s,"layers":[%s]}' % (
                                    d("application/vnd.docker.container.image.v1+json"),
                                    d("application/vnd.docker.image.rootfs.diff.tar.gzip", HEX2, 5,
                                      ',"urls":["https://example.com/x"]')),
        "manifest-subject.json": '{"schemaVersion":2,"artifactType":"application/x","config":%s,"layers":[],'
                                 '"subject":%s}' % (d("application/vnd.oci.empty.v1+json", size=2),
                                                    d("application/vnd.oci.image.manifest.v1+json")),
        "index-oci.json": '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s,%s]}' % (
            d("application/vnd.oci.image.manifest.v1+json", extra=',"platform":{"architecture":"amd64","os":"linux"}'),
            d("application/vnd.oci.image.manifest.v1+json", HEX2,
              extra=',"platform":{"architecture":"arm64","os":"linux","variant":"v8","os.version":"1"}')),
        "index-json-layout.json": '{"schemaVersion":2,"manifests":[%s]}' % d(
            "application/vnd.oci.image.manifest.v1+json",
            extra=',"annotations":{"org.opencontainers.image.ref.name":"latest"}'),
        "index-empty.json": '{"schemaVersion":2,"manifests":[]}',
        "manifest-list-docker.json": '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",'
                                     '"manifests":[%s]}' % d("application/vnd.docker.distribution.manifest.v2+json",
                                                             extra=',"platform":{"architecture":"arm","os":"linux","variant":"v7"}'),
        "config.json": '{"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05.123456789Z","author":"me",'
                       '"config":{"Labels":{"k":"v"},"Env":["A=1"]},'
                       '"rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s"]},'
                       '"history":[{"created":"2024-01-01T00:00:00Z","created_by":"x"},{"empty_layer":true,"comment":"c"}]}' % (HEX, HEX2),
        "config-docker-nulls.json": '{"architecture":"arm64","variant":"v8","os":"linux","config":{"Labels":null},'
                                    '"rootfs":{"type":"layers","diff_ids":[]},"history":null}',
        "descriptor.json": d("application/vnd.oci.image.manifest.v1+json", extra=',"annotations":{"x":"y"}'),
        "oci-layout.json": '{"imageLayoutVersion":"1.0.0"}',
        "bad-schema1.json": '{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}',
        "bad-negative-size.json": '{"schemaVersion":2,"config":%s,"layers":[]}' % d(
            "application/vnd.oci.image.config.v1+json", size=-1),
        "bad-digest.json": '{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:XYZ","size":1},"layers":[]}',
        "bad-sha512.json": '{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha512:%s","size":1},"layers":[]}' % (HEX * 2),
        "bad-both-kinds.json": '{"schemaVersion":2,"manifests":[],"layers":[]}',
        "bad-truncated.json": '{"schemaVersion":2,"manifests":[{"mediaType":"a',
        "bad-deep.json": "[" * 70 + "]" * 70,
        "bad-not-object.json": '["schemaVersion", 2]',
        "bad-utf8.json": b'{"architecture":"\xff\xfe","os":"linux"}',
        "bad-float-size.json": d("a/b", size=0, extra="").replace('"size":0', '"size":1.5e3'),
    }
    for name, text in seeds.items():
        write("oci_json_fuzz", name, text)


def text_seeds():
    refs = ["oci:dir", "oci:dir:v1", "oci:/srv/a:b/c", "oci:./x:1.0+build@a", "oci-archive:img.tar:latest",
            "oci-archive:/tmp/a.tar", "docker://alpine", "docker://alpine:3.19",
            "docker://quay.io/org/name:tag", "docker://localhost:5000/a/b@sha256:" + HEX,
            "docker://[::1]:5000/x/y__z", "docker://index.docker.io/library/busybox",
            "docker://Host.Example/ns/x", "linux/arm64/v8", "linux/aarch64", "linux/armhf",
            "bad:x", "docker://a:b@sha256:" + HEX, "docker://UPPER", "oci:", "docker://x:" + "t" * 200,
            "ocitree/image/oci_3Adir_3Av1",
            "ocitree/image/docker_3A_2F_2Fdocker.io_2Flibrary_2Falpine_3A3.19",
            "ocitree/image/oci_3a", "ocitree/image/_2"]
    for i, r in enumerate(refs):
        write("image_reference_fuzz", "ref-%02d" % i, r)
    headers = [
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
        'Basic realm="Registry Realm"',
        'Basic realm="x", Bearer realm="y",service="z"',
        'Bearer realm="a\\"b,c", error="invalid_token", error_description="expired"',
        'Negotiate dG9rZW42OA==',
        'Bearer realm=unquoted-token, scope="a b"',
        'Basic realm="one"\nBearer realm="two",service="s"',
        'Bearer realm="unterminated',
        '=,,, ,=x, Bearer',
        'BEARER REALM="Upper"',
    ]
    for i, h in enumerate(headers):
        write("auth_challenge_fuzz", "header-%02d" % i, h)


gvariant_seeds()
tar_seeds()
oci_seeds()
text_seeds()
