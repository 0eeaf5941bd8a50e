#!/usr/bin/env bash
# `ocitree diff A B` vs `ostree diff A B`, and `ocitree checkout --subpath`
# vs `ostree checkout --subpath`, on a repo written by ostree and on one
# written by ocitree (modes bare and archive).
#
# diff: two commits differing by a modified file, a mode change (chmod), a
# retargeted symlink, a file replaced by a directory, a deleted file, a deleted
# directory (ostree prints only `D /dir`), an added file in an existing dir,
# added files and an added directory with a child (ostree prints both), an
# owner change and an xattr change. Lines are compared as SETS (ostree's order
# follows its tree walk: all M, then D, then A); each line must match
# exactly ("M    /path").  Both directions (A B and B A) and A A (empty).
#
# --subpath: a directory (/nested/a: its dirmeta becomes the destination's),
# a nested one without leading slash (nested/a/b), and a single file
# (/f0644: ostree creates DEST as a plain 0700 dir holding the file; the
# root is therefore not compared for this case).
source "$(dirname "$0")/lib.sh"
require_basics

A=$WORK/a
"${MAKE_TREE[@]}" "$A" >/dev/null
B=$WORK/b
cp -a "$A" "$B"
( cd "$B"
  printf 'modified\n' > f0600.new && chmod 0600 f0600.new && mv f0600.new f0600
  chmod 0700 f0640
  ln -sfn /etc/shadow link-absolute
  rm A && mkdir A && printf 'in new dir\n' > A/child
  rm a.b
  rm -rf private-dir
  printf 'added\n' > nested/a/b/added-in-existing
  printf 'top-level add\n' > zz-added
  mkdir -p new-dir/sub && printf 'x\n' > new-dir/sub/file
  chown 1000:1000 f0444
  setfattr -n user.test -v 'changed value' f0644
)

for origin in ostree ocitree; do
  for mode in bare archive; do
    log "$origin-written $mode repo"
    R=$WORK/repo-$origin-$mode
    if [ "$origin" = ostree ]; then
      ostree_init "$R" "$mode"
      ca=$(ostree_commit "$R" a -s a --timestamp="$TS" --tree=dir="$A")
      cb=$(ostree_commit "$R" b -s b --timestamp="$TS" --tree=dir="$B")
    else
      oci --repo "$R" init --mode "$mode" || true
      ca=$(oci_commit "$R" a -s a --timestamp="$TS" --tree=dir="$A")
      cb=$(oci_commit "$R" b -s b --timestamp="$TS" --tree=dir="$B")
      if ! is_hex64 "$ca" || ! is_hex64 "$cb"; then fail "ocitree commit failed: skipping $mode"; continue; fi
    fi

    for pair in "a b" "b a" "a a" "$ca $cb"; do
      set -- $pair
      ostree diff --repo="$R" "$1" "$2" | sort > "$WORK/diff-ostree"
      (oci --repo "$R" diff "$1" "$2" 2>&1 || echo "<exit status $?>") | sort > "$WORK/diff-oci"
      expect_files_eq "diff ${1:0:12} ${2:0:12} ($(wc -l < "$WORK/diff-ostree") lines)" "$WORK/diff-ostree" "$WORK/diff-oci"
    done
    check "(oracle) ostree diff a b reports M, D and A lines" \
      bash -c "ostree diff --repo='$R' a b | grep -q '^M ' && ostree diff --repo='$R' a b | grep -q '^D ' && ostree diff --repo='$R' a b | grep -q '^A '"

    flags=
    for sp in /nested/a nested/a/b /owned /f0644; do
      tag=$(echo "$sp" | tr -c 'a-z0-9\n' _)
      ostree checkout --repo="$R" $flags --subpath="$sp" b "$WORK/sp-ostree-$origin-$mode-$tag"
      rootopt=
      [ "$sp" = /f0644 ] && rootopt=--no-root
      check "checkout --subpath $sp == ostree's" bash -c \
        "'$OCITREE' --repo '$R' checkout $flags --subpath '$sp' b '$WORK/sp-oci-$origin-$mode-$tag' && ${TREECMP[*]} '$WORK/sp-ostree-$origin-$mode-$tag' '$WORK/sp-oci-$origin-$mode-$tag' $rootopt"
    done
    check "(oracle) --subpath /nested/a gives nested/a's content" \
      "${TREECMP[@]}" "$B/nested/a" "$WORK/sp-ostree-$origin-$mode-_nested_a"
  done
done

finish
