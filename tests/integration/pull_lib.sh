# pull_lib.sh — sourced after lib.sh by the test_pull_*.sh / test_images_*.sh
# tests: builds the OCI test images (make_images.sh) and wraps `ocitree pull`.
OCI_TOOL=("$PYTHON" "$IT_DIR/oci_tool.py")

# Standard prologue for the pull tests: lib.sh's basics plus the image tools.
require_pull_basics() {
  require_basics
  require_tool umoci skopeo zstd gzip find cp
  info "umoci:   $(umoci --version)"
  info "skopeo:  $(skopeo --version)"
}

# build_images: make_images.sh into $IMG ($WORK/img); $L = its main layout.
build_images() {
  IMG=$WORK/img
  L=$IMG/layout
  local t0=$SECONDS
  "${MAKE_IMAGES[@]}" "$IMG" > "$WORK/make_images.log" 2>&1 ||
    { sed 's/^/        | /' "$WORK/make_images.log" | tail -n 30; die "make_images.sh failed"; }
  info "$(tail -n 1 "$WORK/make_images.log") in $((SECONDS - t0)) s"
}
MAKE_IMAGES=(bash "$IT_DIR/make_images.sh")

# storages: the --storage values `ocitree pull` offers ("" = the default, no
# flag) -- the flattened pull is the contract; when the binary also has
# --storage, both values are tested.
pull_storages() {
  if "$OCITREE" pull --help 2>/dev/null | grep -q -- '--storage'; then
    echo "layered flattened"
  else
    echo "default"
  fi
}
storage_flag() { case "$1" in default|"") ;; *) echo "--storage=$1" ;; esac; }

# oracle_unpack LAYOUT:TAG DEST: `umoci unpack` of the image into DEST/rootfs,
# then device nodes, fifos and sockets removed (ocitree skips them). Cached:
# a second call with the same DEST does nothing.
oracle_unpack() {
  local src=$1 dest=$2
  [ -d "$dest/rootfs" ] && return 0
  umoci unpack --image "$src" "$dest" > "$dest.log" 2>&1 ||
    { sed 's/^/        | /' "$dest.log" | tail -n 20; die "umoci unpack $src failed"; }
  find "$dest/rootfs" \( -type b -o -type c -o -type p -o -type s \) -delete
}

# pull_image R OUTFILE ARGS...: `ocitree --repo R pull ARGS`, stdout in
# OUTFILE, stderr in OUTFILE.err; prints the exit status; never fails.
pull_image() {
  local repo=$1 out=$2; shift 2
  local rc=0
  "$OCITREE" --repo "$repo" pull "$@" > "$out" 2> "$out.err" || rc=$?
  echo "$rc"
}

# show_output FILE...: indented, for the log
show_output() {
  local f
  for f in "$@"; do [ -s "$f" ] && sed 's/^/        | /' "$f" | head -n 20; done
  return 0
}

# report_lines DESC CMD...: runs CMD, whose stdout has `ok: X` / `FAIL: X`
# lines (oci_tool.py check-commit); each becomes a check.
report_lines() {
  local desc=$1; shift
  local out rc=0 line n=0
  out=$("$@" 2>&1) || rc=$?
  while IFS= read -r line; do
    case "$line" in
      "ok: "*) _checks=$((_checks + 1)); n=$((n + 1)); pass "$desc: ${line#ok: }" ;;
      "FAIL: "*) _checks=$((_checks + 1)); n=$((n + 1)); fail "$desc: ${line#FAIL: }" ;;
      *) [ -n "$line" ] && info "$line" ;;
    esac
  done <<< "$out"
  if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
    fail "$desc: checker failed (exit $rc)"
  fi
}

# refs_state R: every ref the real ostree lists, with its commit. The commit
# is read from the ref's file, as ostree does: an `ostree rev-parse` per ref
# (45 ms each) was a quarter of test_pull_bad_input's time, with layer refs.
# The `ostree fsck` after each case still loads the commit of every ref.
refs_state() {
  local r f c
  ostree refs --repo="$1" 2>&1 | sort | while IFS= read -r r; do
    case $r in
      *:*) f=$1/refs/remotes/${r%%:*}/${r#*:} ;;
      *) f=$1/refs/heads/$r ;;
    esac
    if [ -f "$f" ] && IFS= read -r c < "$f"; then
      printf '%s %s\n' "$r" "$c"
    else
      printf '%s %s\n' "$r" "$(ostree rev-parse --repo="$1" "$r" 2>&1)"
    fi
  done
}

# image_branches R: the refs of `ocitree refs` that are images (not layer refs)
image_branches() { "$OCITREE" --repo "$1" refs | grep -v -e '^ocitree/layer/' -e '^ocitree/recipe/' || true; }

# commit_count R REF: number of commits in `ostree log`
commit_count() { ostree log --repo="$1" "$2" 2>/dev/null | grep -c '^commit ' || true; }

# split_ref IMAGE-REF: sets LAYOUT and TAG for oci:DIR[:TAG] and
# oci-archive:FILE[:TAG] (an archive is extracted once into $WORK/archives)
split_ref() {
  local ref=$1 rest
  case "$ref" in
    oci:*) rest=${ref#oci:} ;;
    oci-archive:*) rest=${ref#oci-archive:} ;;
    *) die "split_ref: $ref" ;;
  esac
  local path=$rest
  TAG=
  if [[ "$rest" == *:* ]]; then path=${rest%:*}; TAG=${rest##*:}; fi
  if [[ "$ref" == oci-archive:* ]]; then
    LAYOUT=$WORK/archives/$(basename "$path")
    if [ ! -d "$LAYOUT" ]; then mkdir -p "$LAYOUT"; tar -xf "$path" -C "$LAYOUT"; fi
  else
    LAYOUT=$path
  fi
}
