#!/usr/bin/env bash
# Acceptance 2: the same input committed by `ostree commit` and by
# `ocitree commit` with the same branch, subject, body and timestamp gives the
# SAME commit checksum, in every mode:
#   * --tree=dir= of the standard tree (plus an xattr with an EMPTY value, which
#     ostree's directory import silently drops),
#   * a second commit on the same branch (parent = previous commit),
#   * a "wide" directory of 1000 entries (dirtree > 64 KiB: 4-byte GVariant
#     framing offsets),
#   * --tree=tar= of the tree without xattrs, as GNU and as PAX tar, compared
#     tar-vs-tar (PEERS.md: ostree's tar and dir imports may differ).
# On a mismatch the `ostree ls -R -X -C` listings of both commits are diffed
# to show where they differ.
source "$(dirname "$0")/lib.sh"
require_basics

T=$(standard_tree)
# An xattr with an empty value: libglnx skips it when reading from disk.
setfattr -n user.empty-value "$T/f0644"

# Second tree: the first one with a few changes.
T2=$WORK/tree2
cp -a "$T" "$T2"
printf 'changed\n' > "$T2/f0644.new" && mv "$T2/f0644.new" "$T2/f0644"
rm "$T2/empty" "$T2/link-dangling"
chmod 0700 "$T2/exec0755"
mkdir "$T2/new-dir" && printf 'new\n' > "$T2/new-dir/new-file"

# Wide directory.
W=$WORK/wide
mkdir -p "$W/many"
"$PYTHON" - "$W/many" <<'EOF'
import os, sys
d = sys.argv[1]
for i in range(1000):
    with open(os.path.join(d, "entry-with-a-rather-long-name-to-make-the-dirtree-big-%05d" % i), "w") as f:
        f.write("%d\n" % (i % 7))
EOF
chmod -R u=rwX,go=rX "$W"

# Tars (no xattrs in the tree; GNU tar does not store xattrs without --xattrs)
TX=$WORK/tree-noxattrs
"${MAKE_TREE[@]}" "$TX" --no-xattrs >/dev/null
tar --format=gnu --numeric-owner -cf "$WORK/tree-gnu.tar" -C "$TX" .
tar --format=pax --numeric-owner -cf "$WORK/tree-pax.tar" -C "$TX" .

explain_mismatch() { # explain_mismatch REPO_OSTREE REPO_OCI BRANCH
  ostree ls --repo="$1" -R -X -C "$3" > "$WORK/why-ostree.txt" 2>&1 || true
  ostree ls --repo="$2" -R -X -C "$3" > "$WORK/why-oci.txt" 2>&1 || true
  info "diff of ostree ls -R -X -C (ostree-written vs ocitree-written):"
  diff "$WORK/why-ostree.txt" "$WORK/why-oci.txt" | head -n 30 | sed 's/^/        | /' || true
  info "commit objects (ostree show --raw):"
  ostree show --repo="$1" --raw "$3" 2>&1 | head -c 600 | sed 's/^/        | /' || true
  echo
  ostree show --repo="$2" --raw "$3" 2>&1 | head -c 600 | sed 's/^/        | /' || true
  echo
}

# same_commit DESC MODE BRANCH REPO_OSTREE REPO_OCI ARGS...
same_commit() {
  local desc=$1 mode=$2 branch=$3 ro=$4 rc=$5; shift 5
  local a b
  a=$(ostree_commit "$ro" "$branch" "$@")
  b=$(oci_commit "$rc" "$branch" "$@")
  _checks=$((_checks + 1))
  if [ "$a" = "$b" ] && is_hex64 "$a"; then
    pass "$mode: $desc: same checksum $a"
  else
    fail "$mode: $desc: ostree $a, ocitree ${b:-<none>}"
    is_hex64 "$b" && explain_mismatch "$ro" "$rc" "$branch"
  fi
}

for mode in "${MODES[@]}"; do
  log "mode $mode"
  RO=$WORK/ostree-$mode
  RC=$WORK/oci-$mode
  ostree_init "$RO" "$mode"
  check "ocitree init --mode $mode" oci --repo "$RC" init --mode "$mode"

  same_commit "dir commit" "$mode" main "$RO" "$RC" \
    -s "Subject line" --body $'Body line 1\nBody line 2' --timestamp="$TS" --tree=dir="$T"
  same_commit "second dir commit on the branch (parent)" "$mode" main "$RO" "$RC" \
    -s "Second" --body "second body" --timestamp=2024-02-29T12:34:56Z --tree=dir="$T2"
  same_commit "wide directory (1000 entries)" "$mode" wide "$RO" "$RC" \
    -s "wide" --body "" --timestamp="$TS" --tree=dir="$W"
  same_commit "GNU tar import" "$mode" tar-gnu "$RO" "$RC" \
    -s "tar" --body "from tar" --timestamp="$TS" --tree=tar="$WORK/tree-gnu.tar"
  same_commit "PAX tar import" "$mode" tar-pax "$RO" "$RC" \
    -s "tar" --body "from tar" --timestamp="$TS" --tree=tar="$WORK/tree-pax.tar"
  check "ostree fsck of the ocitree repo after all commits" ostree fsck --repo="$RC"
done

finish
