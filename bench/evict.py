#!/usr/bin/env python3
# evict.py PATH...: drops the page cache of every regular file at or below
# each PATH (posix_fadvise DONTNEED; dirty pages are only written back, so
# sync first). Symlinks are not followed.
#
# fresh (lib.sh) moves a run's output aside instead of deleting it; without
# this, its pages stay cached, and every run of a group takes its new page
# cache and heap from memory nobody has touched for a while. On the VM these
# figures come from that costs far more than reusing pages just freed: dd of
# 170 MB into a new file took 0.60-0.67 s of system time while the page
# cache grew, 0.04 s right after `echo 1 > /proc/sys/vm/drop_caches`. So the
# later runs of a group were slower than the first ones, by an amount that
# depended on how much earlier runs had written.
import os
import sys


def evict(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | os.O_NOATIME)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


# Regular files only: the trees unpacked by tar and umoci hold device nodes
# and fifos, which must not be opened.
def walk(top):
    try:
        entries = list(os.scandir(top))
    except OSError:
        return
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            walk(e.path)
        elif e.is_file(follow_symlinks=False):
            evict(e.path)


for top in sys.argv[1:]:
    if os.path.isdir(top) and not os.path.islink(top):
        walk(top)
    elif os.path.isfile(top) and not os.path.islink(top):
        evict(top)
