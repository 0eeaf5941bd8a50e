#!/usr/bin/env bash
# Commit metadata must serialise exactly like `ostree commit` so that checksums
# match (FORMATS.md §0.10, §2.7).  Observed with ostree 2022.7: the a{sv} keeps
# --add-metadata-string keys in COMMAND-LINE order (not sorted), and
# `ostree.ref-binding` (['BRANCH']) is appended LAST.  Also checks commits
# without -s/--body (empty strings) and a UTF-8 subject, and that the
# metadata is readable by ostree (`ostree show --print-metadata-key`).
source "$(dirname "$0")/lib.sh"
require_basics

D=$WORK/small
mkdir -p "$D/sub"
printf 'x\n' > "$D/sub/file"
chmod -R u=rwX,go=rX "$D"

mode=archive
RO=$WORK/ostree-repo
RC=$WORK/oci-repo
ostree_init "$RO" "$mode"
check "ocitree init" oci --repo "$RC" init --mode "$mode"

case_commit() { # case_commit DESC BRANCH ARGS...
  local desc=$1 branch=$2; shift 2
  local a b
  a=$(ostree_commit "$RO" "$branch" "$@")
  b=$(oci_commit "$RC" "$branch" "$@")
  _checks=$((_checks + 1))
  if [ "$a" = "$b" ]; then pass "$desc: same checksum $a"; else
    fail "$desc: ostree $a, ocitree ${b:-<none>}"
    info "ostree:  $(ostree show --repo="$RO" --raw "$a" 2>&1 | sed -n 2p | cut -c1-300)"
    is_hex64 "$b" && info "ocitree: $(ostree show --repo="$RC" --raw "$b" 2>&1 | sed -n 2p | cut -c1-300)"
  fi
}

log "metadata key order and subjects"
case_commit "one --add-metadata-string (version=1.0, binding after it)" m1 \
  -s subj --timestamp="$TS" --add-metadata-string version=1.0 --tree=dir="$D"
case_commit "unsorted keys k5 k1 k9 a3 z2 keep command-line order" m2 \
  -s subj --timestamp="$TS" --add-metadata-string k5=1 --add-metadata-string k1=one \
  --add-metadata-string k9=nine --add-metadata-string a3=x --add-metadata-string z2=y --tree=dir="$D"
case_commit "value with '=' and spaces" m3 \
  -s subj --timestamp="$TS" --add-metadata-string 'ostree.source-title=a = b c' --tree=dir="$D"
case_commit "no -s and no --body (empty strings)" m4 --timestamp="$TS" --tree=dir="$D"
case_commit "UTF-8 subject and multi-line body" m5 \
  -s 'Sübjeçt ✓ 日本' --body $'line 1\n\nline 3 ✓' --timestamp="$TS" --tree=dir="$D"
case_commit "branch with slashes (binding is the full ref)" org/example/x86_64/stable \
  -s subj --timestamp="$TS" --tree=dir="$D"

log "metadata readable by ostree"
expect_eq "ostree.ref-binding" "['m2']" \
  "$(ostree show --repo="$RC" --print-metadata-key=ostree.ref-binding m2 2>&1 || true)"
expect_eq "k1 value" "'one'" "$(ostree show --repo="$RC" --print-metadata-key=k1 m2 2>&1 || true)"
check "ostree fsck" ostree fsck --repo="$RC"

finish
