#!/usr/bin/env python3
"""treecmp.py EXPECTED ACTUAL [options]

Walks both directory trees (never following symlinks) and compares, for every
path: file type, permission bits (07777; not for symlinks), size and sha256 of
regular files, symlink targets, xattrs (all namespaces, via llistxattr) and
owners (uid/gid).  The root directories' own metadata is compared too.
Hardlink structure, nlink, mtimes and directory sizes are NOT compared (ostree
does not record them).

EXPECTED is the input tree; canonicalisation options transform only the
EXPECTED side, so a non-canonical ACTUAL is still reported:

  --no-owner                 do not compare uid/gid
  --no-xattrs                do not compare xattrs
  --canonical-bare-user-only expected = what a bare-user-only repo keeps:
                             regular files mode & 0755, directories mode & 0755,
                             uid = gid = 0, no xattrs
  --user-mode                expected = an `ostree checkout -U` result: regular
                             files lose setuid/setgid, no xattrs, owner is the
                             current user (uid/gid of this process)
  --bare-user-physical       expected = the physical mode of a bare-user object
                             (hardlinked by `checkout -U -H`): regular files
                             (mode & 0775) | 0400
  --no-root                  do not compare the root directories' metadata
  --ignore-xattr NAME        ignore this xattr name (repeatable)

Prints every difference; exit 0 when identical, 1 when different, 2 on usage.
"""
import hashlib
import os
import stat
import sys


def usage(msg=None):
    if msg:
        print("treecmp: " + msg, file=sys.stderr)
    print(__doc__, file=sys.stderr)
    sys.exit(2)


def parse(argv):
    opts = {"owner": True, "xattrs": True, "buo": False, "user": False,
            "root": True, "ignore_xattrs": set(), "bup": False}
    pos = []
    it = iter(argv)
    for a in it:
        if a == "--no-owner":
            opts["owner"] = False
        elif a == "--no-xattrs":
            opts["xattrs"] = False
        elif a == "--canonical-bare-user-only":
            opts["buo"] = True
        elif a == "--user-mode":
            opts["user"] = True
        elif a == "--bare-user-physical":
            opts["bup"] = True
        elif a == "--no-root":
            opts["root"] = False
        elif a == "--ignore-xattr":
            try:
                opts["ignore_xattrs"].add(next(it).encode())
            except StopIteration:
                usage("--ignore-xattr needs a name")
        elif a.startswith("--"):
            usage("unknown option " + a)
        else:
            pos.append(a)
    if len(pos) != 2:
        usage("need EXPECTED and ACTUAL")
    return pos[0], pos[1], opts


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_xattrs(path):
    out = {}
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return out
    for n in names:
        nb = os.fsencode(n)
        out[nb] = os.getxattr(path, n, follow_symlinks=False)
    return out


def describe(path):
    st = os.lstat(path)
    m = st.st_mode
    d = {"uid": st.st_uid, "gid": st.st_gid}
    if stat.S_ISDIR(m):
        d["type"] = "dir"
    elif stat.S_ISREG(m):
        d["type"] = "file"
        d["size"] = st.st_size
        d["sha256"] = sha256_file(path)
    elif stat.S_ISLNK(m):
        d["type"] = "symlink"
        d["target"] = os.readlink(os.fsencode(path))
    else:
        d["type"] = "other(%o)" % stat.S_IFMT(m)
    if d["type"] != "symlink":
        d["perm"] = stat.S_IMODE(m)
    d["xattrs"] = read_xattrs(path)
    return d


def walk(root):
    """Returns {relative path bytes: description}; b'.' is the root."""
    result = {}
    rootb = os.fsencode(root)
    result[b"."] = describe(rootb)
    for dirpath, dirnames, filenames in os.walk(rootb, followlinks=False):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, rootb)
            result[rel] = describe(full)
    return result


def canonicalize(d, opts):
    d = dict(d)
    if opts["buo"]:
        if "perm" in d:
            d["perm"] &= 0o755
        d["uid"] = d["gid"] = 0
        d["xattrs"] = {}
    if opts["bup"] and d["type"] == "file":
        d["perm"] = (d["perm"] & 0o775) | 0o400
    if opts["user"]:
        if d["type"] == "file":
            d["perm"] &= ~(stat.S_ISUID | stat.S_ISGID)
        d["xattrs"] = {}
        d["uid"] = os.getuid()
        d["gid"] = os.getgid()
    return d


def fmt(v):
    if isinstance(v, int):
        return oct(v) if v > 7 else str(v)
    if isinstance(v, dict):
        return "{" + ", ".join("%r: %r" % (k, v[k]) for k in sorted(v)) + "}"
    return repr(v)


def main():
    a, b, opts = parse(sys.argv[1:])
    for p in (a, b):
        if not os.path.isdir(p):
            print("treecmp: not a directory: %s" % p)
            return 1
    ta, tb = walk(a), walk(b)
    diffs = []
    for rel in sorted(set(ta) | set(tb)):
        name = rel.decode("utf-8", "backslashreplace")
        if rel not in tb:
            diffs.append("only in expected: %s (%s)" % (name, ta[rel]["type"]))
            continue
        if rel not in ta:
            diffs.append("only in actual:   %s (%s)" % (name, tb[rel]["type"]))
            continue
        if rel == b"." and not opts["root"]:
            continue
        ea, eb = canonicalize(ta[rel], opts), tb[rel]
        keys = ["type", "perm", "size", "sha256", "target"]
        if opts["owner"]:
            keys += ["uid", "gid"]
        if opts["xattrs"]:
            keys.append("xattrs")  # {} on the expected side after canonicalisation
        for k in keys:
            va, vb = ea.get(k), eb.get(k)
            if k == "xattrs":
                va = {n: v for n, v in (va or {}).items() if n not in opts["ignore_xattrs"]}
                vb = {n: v for n, v in (vb or {}).items() if n not in opts["ignore_xattrs"]}
            if va != vb:
                diffs.append("%s: %s differs: expected %s, actual %s" % (name, k, fmt(va), fmt(vb)))
                if k == "type":
                    break
    for d in diffs:
        print("treecmp: " + d)
    if diffs:
        print("treecmp: %d difference(s) between %s and %s" % (len(diffs), a, b))
        return 1
    print("treecmp: %d entries identical (%s vs %s)" % (len(ta), a, b))
    return 0


if __name__ == "__main__":
    sys.exit(main())
