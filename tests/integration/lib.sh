# lib.sh — sourced by every tests/integration/test_*.sh.
#
# Environment (set by CTest, see CMakeLists.txt):
#   OCITREE             path to the built ocitree binary (required)
#   OCITREE_SOURCE_DIR  repository root (optional; helpers are found next to
#                       this file anyway)
#
# Conventions:
#   * set -euo pipefail: any unexpected failure in setup aborts the test (FAIL).
#   * check/expect_* record a failure and go on, so one run reports every broken
#     behaviour; `finish` (called from the EXIT trap) exits 1 if any failed.
#   * A missing oracle tool, a missing ocitree binary or not being root is a
#     FAILURE, never a skip.
#   * Everything is created under $WORK (mktemp under $TMPDIR), removed on exit
#     unless KEEP_WORK=1.
set -euo pipefail
export LC_ALL=C.UTF-8
umask 022

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Resolve the interpreter once: a pyenv shim costs ~150 ms per start.
PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo python3)
TREECMP=("$PYTHON" "$IT_DIR/treecmp.py")
MAKE_TREE=(bash "$IT_DIR/make_test_tree.sh")
TS='2024-01-01T00:00:00Z'
TEST_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
MODES=(bare bare-user bare-user-only archive)

_failures=0
_checks=0
_cleanup_hooks=()

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ocitree-it.${TEST_NAME}.XXXXXX")

add_cleanup() { _cleanup_hooks+=("$1"); }

_on_exit() {
  local rc=$?
  local h
  for h in "${_cleanup_hooks[@]+"${_cleanup_hooks[@]}"}"; do eval "$h" || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then
    echo "(KEEP_WORK=1: work dir kept at $WORK)"
  else
    # chattr/readonly dirs are never created; a plain rm is enough
    rm -rf "$WORK" || true
  fi
  if [ "$rc" -ne 0 ] && [ "${_finished:-0}" != 1 ]; then
    echo "FAIL: $TEST_NAME aborted (exit $rc) after $_checks checks, $_failures failed"
    exit 1
  fi
  if [ "${_finished:-0}" != 1 ]; then
    finish
  fi
}
trap _on_exit EXIT

log()  { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }

# fail MSG: record a failure (does not abort)
fail() { _failures=$((_failures + 1)); printf '    FAIL: %s\n' "$*"; }
pass() { printf '    ok:   %s\n' "$*"; }

# die MSG: abort the whole test now
die() { printf 'FATAL: %s\n' "$*"; _failures=$((_failures + 1)); exit 1; }

# check DESC CMD...: run CMD, PASS if it exits 0. Output of CMD is shown only on
# failure (indented).
check() {
  local desc=$1; shift
  _checks=$((_checks + 1))
  local out
  if out=$("$@" 2>&1); then
    pass "$desc"
  else
    fail "$desc"
    printf '%s\n' "$out" | head -n 60 | sed 's/^/        | /'
  fi
}

# check_fails DESC CMD...: PASS if CMD exits non-zero
check_fails() {
  local desc=$1; shift
  _checks=$((_checks + 1))
  local out
  if out=$("$@" 2>&1); then
    fail "$desc (command succeeded but should have failed)"
    printf '%s\n' "$out" | head -n 20 | sed 's/^/        | /'
  else
    pass "$desc"
  fi
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq() {
  _checks=$((_checks + 1))
  if [ "$2" == "$3" ]; then
    pass "$1"
  else
    fail "$1"
    printf '        expected: %s\n        actual:   %s\n' "$2" "$3"
  fi
}

# expect_files_eq DESC EXPECTED_FILE ACTUAL_FILE: byte comparison with a diff
expect_files_eq() {
  _checks=$((_checks + 1))
  if cmp -s "$2" "$3"; then
    pass "$1"
  else
    fail "$1"
    diff -u --label expected "$2" --label actual "$3" | head -n 40 | sed 's/^/        | /' || true
  fi
}

finish() {
  _finished=1
  echo
  if [ "$_failures" -ne 0 ]; then
    echo "FAIL: $TEST_NAME: $_failures of $_checks checks failed"
    exit 1
  fi
  if [ "$_checks" -eq 0 ]; then
    echo "FAIL: $TEST_NAME ran no checks"
    exit 1
  fi
  echo "PASS: $TEST_NAME: $_checks checks"
  exit 0
}

# require_tool NAME...: the test FAILS (not skips) when a tool is missing
require_tool() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || die "required tool '$t' not found in PATH"
  done
}

require_root() {
  [ "$(id -u)" = 0 ] || die "this test must run as root (chown, setuid bits, xattrs)"
}

require_ocitree() {
  [ -n "${OCITREE:-}" ] || die "OCITREE is not set (path to the ocitree binary)"
  [ -x "$OCITREE" ] || die "OCITREE=$OCITREE is not an executable file"
  case "$OCITREE" in /*) ;; *) OCITREE=$(cd "$(dirname "$OCITREE")" && pwd)/$(basename "$OCITREE") ;; esac
}

# Standard prologue: root, ostree, python3, setfattr/getfattr, tar, ocitree.
require_basics() {
  require_root
  require_tool ostree python3 setfattr getfattr tar cmp diff
  require_ocitree
  info "ocitree: $OCITREE"
  info "ostree:  $(ostree --version | sed -n "s/^ Version: //p")"
  info "work:    $WORK"
}

# oci ARGS...: run ocitree
oci() { "$OCITREE" "$@"; }

# many_files DIR NDIRS NFILES REPEAT: DIR/dirNN/fileNNN, NDIRS x NFILES small
# files of distinct content (line repeated 1 + f % REPEAT times)
many_files() {
  "$PYTHON" - "$@" <<'PYEOF'
import os, sys
root, ndirs, nfiles, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for d in range(ndirs):
    p = os.path.join(root, "dir%02d" % d)
    os.makedirs(p)
    for f in range(nfiles):
        with open(os.path.join(p, "file%03d" % f), "w") as fh:
            fh.write("content %d/%d\n" % (d, f) * (1 + f % repeat))
PYEOF
}

# mount_tmpfs DIR SIZE: a tmpfs of SIZE (mount's -o size=) at DIR, made if
# needed and unmounted when the test ends (needs root)
mount_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o size="$2" tmpfs "$1" || die "cannot mount a tmpfs at $1 (needs root)"
  add_cleanup "umount -l '$1' 2>/dev/null"
}

# run_capture OUTFILE CMD...: run CMD with stdout+stderr in OUTFILE; prints the
# exit status on stdout; never fails.
run_capture() {
  local out=$1; shift
  local rc=0
  "$@" >"$out" 2>&1 || rc=$?
  echo "$rc"
}

# last_line: last non-empty line of stdin
last_line() { awk 'NF { l = $0 } END { print l }'; }

is_hex64() { [[ "$1" =~ ^[0-9a-f]{64}$ ]]; }

# repo_mode_config MODE: the value ostree writes for core.mode
repo_mode_config() { if [ "$1" = archive ]; then echo archive-z2; else echo "$1"; fi; }

# ostree_init REPO MODE
ostree_init() { ostree init --repo="$1" --mode="$2"; }

# ostree_commit REPO BRANCH ARGS...: prints the checksum
ostree_commit() {
  local repo=$1 branch=$2; shift 2
  ostree commit --repo="$repo" -b "$branch" "$@"
}

# oci_commit REPO BRANCH ARGS...: prints the checksum (last stdout line) or
# nothing when ocitree failed (its output is shown).
oci_commit() {
  local repo=$1 branch=$2; shift 2
  local out rc=0
  out=$("$OCITREE" --repo "$repo" commit -b "$branch" "$@" 2>"$WORK/.oci_commit.err") || rc=$?
  if [ "$rc" -ne 0 ]; then
    printf '    ocitree commit failed (exit %s):\n' "$rc" >&2
    sed 's/^/        | /' "$WORK/.oci_commit.err" | head -n 30 >&2
    printf '%s\n' "$out" | sed 's/^/        | /' | head -n 10 >&2
    return 0
  fi
  printf '%s\n' "$out" | last_line
}

# object_path REPO CHECKSUM EXT
object_path() { echo "$1/objects/${2:0:2}/${2:2}.$3"; }

# content_ext MODE: file extension of content objects
content_ext() { if [ "$1" = archive ]; then echo filez; else echo file; fi; }

# flip_byte FILE [OFFSET|mid]: XOR one byte with 0x01, in place (same inode)
flip_byte() {
  local f=$1 off=${2:-mid} size b
  size=$(stat -c %s "$f")
  [ "$size" -gt 0 ] || { echo "flip_byte: $f is empty" >&2; return 1; }
  [ "$off" = mid ] && off=$((size / 2))
  b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
  printf "\\$(printf %03o $((b ^ 1)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# list_objects REPO: sorted relative paths of all loose objects
list_objects() { (cd "$1/objects" && find . -type f -o -type l | sort); }

# ostree_ls_csum REPO REF PATH: the checksum(s) `ostree ls -C -d` shows for PATH
#   file/symlink -> content checksum; dir -> "DIRTREE DIRMETA"
ostree_ls_csum() {
  ostree ls --repo="$1" -C -d "$2" "$3" | awk '{
    if (substr($1,1,1) == "d") print $5, $6; else print $5 }'
}

# Build the standard tree once per test into $WORK/tree (and return its path)
standard_tree() {
  local d=$WORK/tree
  if [ ! -d "$d" ]; then "${MAKE_TREE[@]}" "$d" "$@" >/dev/null; fi
  echo "$d"
}

# checkout_flags_for MODE: flags giving a full-fidelity `ostree checkout` as root
#   bare/bare-user/archive: none (root, non-user mode: owners, xattrs, setuid)
#   bare-user-only: -U (forced anyway by ostree)
checkout_flags_for() { if [ "$1" = bare-user-only ]; then echo -U; fi; }

# treecmp options comparing the input tree with a full checkout in MODE
treecmp_opts_for() { if [ "$1" = bare-user-only ]; then echo --canonical-bare-user-only; fi; }
