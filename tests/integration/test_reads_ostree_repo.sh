#!/usr/bin/env bash
# Acceptance 3: repos written by the real `ostree commit` (all four modes) are
# read by ocitree:
#   * `ocitree fsck` passes
#   * `ocitree checkout` (as root, non-user mode; bare-user-only: -U) == `ostree
#     checkout` with the same flags, compared with treecmp (types, modes, sizes,
#     sha256, link targets, xattrs, owners);  also `-U` (bare-user and
#     bare-user-only: `-U -H`, which hardlinks the same physical objects)
#   * `ocitree ls` == `ostree ls`: -R of the whole commit, the root, a
#     subdirectory, -R of a subdirectory, a file and a symlink path (byte-exact)
#   * `ocitree cat` == `ostree cat` for several files (byte-exact)
#   * `ocitree rev-parse` == `ostree rev-parse` (branch, and the full checksum)
#   * `ocitree refs` == `ostree refs` (as sorted sets)
#   * `ocitree log BRANCH` vs `ostree log BRANCH` over a 3-commit history and
#     `ocitree show` vs `ostree show` (commit 2 carries version=2.0).  Compared:
#     the sequence of `commit <hex>`, `Parent:`, `ContentChecksum:`, `Date:`
#     and `Version:` lines and the subject/body text lines (ostree indents
#     them by 4 spaces), whitespace-normalised (runs of blanks collapsed,
#     trailing blanks dropped, blank lines dropped).  Not compared: exact
#     spacing, blank lines, any other line (so an extra section such as a
#     2-space-indented metadata dump after the body is tolerated).
source "$(dirname "$0")/lib.sh"
require_basics

T=$(standard_tree)
T2=$WORK/tree2
cp -a "$T" "$T2"
printf 'second version\n' > "$T2/f0644.new" && mv "$T2/f0644.new" "$T2/f0644"
rm -rf "$T2/nested/a/b/c"

# log/show normaliser (see header)
norm_log() {
  sed -n -E \
    -e 's/^    (.*[^[:space:]].*)$/@\1/' \
    -e 's/[[:space:]]+/ /g; s/ $//' \
    -e '/^commit [0-9a-f]{64}$/p' \
    -e '/^(Parent|ContentChecksum|Date|Version): /p' \
    -e '/^@/p'
}

for mode in "${MODES[@]}"; do
  log "ostree-written $mode repo"
  R=$WORK/repo-$mode
  ostree_init "$R" "$mode"
  c1=$(ostree_commit "$R" main -s "first commit" --body $'first body\nsecond line' --timestamp="$TS" --tree=dir="$T")
  c2=$(ostree_commit "$R" main -s "second commit" --add-metadata-string version=2.0 --timestamp=2024-03-01T10:00:00Z --tree=dir="$T2")
  c3=$(ostree_commit "$R" main -s "third: same tree" --body "b3" --timestamp=2024-03-02T10:00:00Z --tree=dir="$T2")
  ostree_commit "$R" other/branch -s other --timestamp="$TS" --tree=dir="$T2" >/dev/null
  ostree fsck --repo="$R" >/dev/null 2>&1 || die "oracle: ostree fsck failed on its own repo"

  check "ocitree fsck" oci --repo "$R" fsck

  # rev-parse / refs
  expect_eq "ocitree rev-parse main" "$c3" "$(oci --repo "$R" rev-parse main 2>&1 || true)"
  expect_eq "ocitree rev-parse of a full checksum" "$c1" "$(oci --repo "$R" rev-parse "$c1" 2>&1 || true)"
  expect_eq "ocitree refs (sorted)" "$(ostree refs --repo="$R" | sort)" "$( (oci --repo "$R" refs 2>&1 || true) | sort)"

  # checkouts
  flags=$(checkout_flags_for "$mode")
  ostree checkout --repo="$R" $flags main "$WORK/ostree-co-$mode"
  rm -rf "$WORK/oci-co-$mode"
  check "ocitree checkout ${flags:-(non-user)} == ostree checkout" \
    bash -c "'$OCITREE' --repo '$R' checkout $flags main '$WORK/oci-co-$mode' && ${TREECMP[*]} '$WORK/ostree-co-$mode' '$WORK/oci-co-$mode'"
  check "ocitree checkout of commit 1 by checksum == input tree" \
    bash -c "'$OCITREE' --repo '$R' checkout $flags $c1 '$WORK/oci-co1-$mode' && ${TREECMP[*]} '$T' '$WORK/oci-co1-$mode' $(treecmp_opts_for "$mode")"
  uflags=-U
  case "$mode" in bare-user|bare-user-only) uflags="-U -H" ;; esac
  ostree checkout --repo="$R" $uflags main "$WORK/ostree-cu-$mode"
  check "ocitree checkout $uflags == ostree checkout $uflags" \
    bash -c "'$OCITREE' --repo '$R' checkout $uflags main '$WORK/oci-cu-$mode' && ${TREECMP[*]} '$WORK/ostree-cu-$mode' '$WORK/oci-cu-$mode'"

  # ls
  ls_case() { # ls_case DESC ARGS...
    local desc=$1; shift
    ostree ls --repo="$R" "$@" > "$WORK/ls-a" 2>&1 || true
    oci --repo "$R" ls "$@" > "$WORK/ls-b" 2>&1 || true
    expect_files_eq "ls $desc" "$WORK/ls-a" "$WORK/ls-b"
  }
  ls_case "-R main" -R main
  ls_case "-R of commit 1 by checksum" -R "$c1"
  ls_case "main (root)" main
  ls_case "main /nested/a" main /nested/a
  ls_case "-R main /owned" -R main /owned
  ls_case "main /owned/u65534 (a file)" main /owned/u65534
  ls_case "main /link-relative (a symlink)" main /link-relative
  ls_case "main of a UTF-8 path" main '/ünïcødé-файл-日本語.txt'

  # cat
  for p in /big-random /big-compressible /nuls /empty '/name with spaces' '/ünïcødé-файл-日本語.txt' \
           /hardlink-2 /owned/u65534 /setuid04755 "/$(cd "$T" && ls -d long/*/*/*/*/*)/long-path-file"; do
    ostree cat --repo="$R" main "$p" > "$WORK/cat-a"
    oci --repo "$R" cat main "$p" > "$WORK/cat-b" 2>"$WORK/cat-err" || cat "$WORK/cat-err" >> "$WORK/cat-b"
    expect_files_eq "cat $(printf %s "$p" | cut -c1-60)" "$WORK/cat-a" "$WORK/cat-b"
  done

  # log / show
  ostree log --repo="$R" main | norm_log > "$WORK/log-a"
  (oci --repo "$R" log main 2>&1 || true) | norm_log > "$WORK/log-b"
  check "(oracle) normalised ostree log has 3 commits" test "$(grep -c '^commit ' "$WORK/log-a")" = 3
  expect_files_eq "log main (commit/Parent/ContentChecksum/Date/Version/subject/body lines)" "$WORK/log-a" "$WORK/log-b"
  ostree show --repo="$R" "$c2" | norm_log > "$WORK/show-a"
  (oci --repo "$R" show "$c2" 2>&1 || true) | norm_log > "$WORK/show-b"
  expect_files_eq "show <commit 2> (same fields as log)" "$WORK/show-a" "$WORK/show-b"
done

finish
