#!/usr/bin/env bash
# Bad and hostile images: `ocitree pull` must fail cleanly. Each case is a copy
# of a good make_images.sh image damaged with oci_tool.py:
#   blobs:   truncated gzip / zstd / uncompressed layer (descriptor digest and
#            size match the cut blob: only the decompressor or tar reader can
#            notice), a flipped byte in the middle of a gzip blob, the gzip
#            header OS byte flipped (valid gzip, same tar: only the blob digest
#            check notices), descriptor size -1 and
#            +1, a wrong diff_id in the config, a missing layer blob, a missing
#            config blob, a gzip layer that is not a tar, a truncated
#            oci-archive
#   JSON:    index.json cut in the middle, an unknown layer media type, an
#            unknown manifest media type in index.json
#   tar:     a non-UTF-8 file name, ../etc/passwd, sub/../../NAME, a hardlink
#            to ../../etc/passwd and to a path that does not exist, whiteouts
#            .wh... at the root and in a dir, the empty whiteout .wh.
# For each: exit status 1 (not a crash), an error on stderr (shown in the
# log), no ref created or moved (the repo holds a good image first), the repo's
# tmp/ has no leftovers, nothing new in the repo's parent dir, in $TMPDIR (a
# watched dir) or in the working directory, /etc/passwd unchanged, and both
# `ocitree fsck` and `ostree fsck` pass.
# Plus symlink escapes (evil -> / then evil/NAME; evil -> an outside dir then
# evil/NAME; etc2 -> /etc then etc2/passwd; evil -> / in one layer and
# evil/NAME, evil/etc/passwd in the next): either an error (then as above) or a commit that does not touch
# the host; the checkout of such a commit must not write outside its
# destination either.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
require_pull_basics
require_tool iconv sha256sum comm head
build_images
read -r -a STORAGES <<< "$(pull_storages)"

MARK=ocitree-escape-$$-$RANDOM
OUTSIDE=$WORK/outside
mkdir -p "$OUTSIDE"
PASSWD_SUM=$(sha256sum /etc/passwd | cut -d' ' -f1)
# paths that an escaping pull or checkout would create
MARKERS=("/$MARK" "/etc/$MARK" "/tmp/$MARK" "$WORK/$MARK" "$OUTSIDE/$MARK" "$WORK/repos/$MARK")
add_cleanup 'for m in "${MARKERS[@]}"; do [ -e "$m" ] && rm -rf "$m"; done'

# --- the bad images ----------------------------------------------------------
C=$WORK/cases
mkdir -p "$C"
CASES=()     # NAME|IMAGE-REF|DESCRIPTION|ERE the error message must match (-i)
copy_layout() { mkdir -p "$C/$1"; cp -a "$2" "$C/$1/layout"; echo "$C/$1/layout"; }
corrupt_case() { # corrupt_case NAME BASE-LAYOUT TAG DESC ERE KIND [ARG]
  local name=$1 base=$2 tag=$3 desc=$4 ere=$5; shift 5
  local d
  d=$(copy_layout "$name" "$base")
  "${OCI_TOOL[@]}" corrupt "$d" "$tag" "$@"
  CASES+=("$name|oci:$d:$tag|$desc|$ere")
}
# tar_case NAME DESC ERE SPEC-JSON: SPEC as the top layer on top of amd64
tar_case() {
  local name=$1 desc=$2 ere=$3 spec=$4
  local d
  d=$(copy_layout "$name" "$L")
  printf '%s\n' "$spec" > "$C/$name/spec.json"
  "${OCI_TOOL[@]}" layer "$C/$name/spec.json" "$C/$name/layer.tar"
  "${OCI_TOOL[@]}" append "$d" amd64 "$C/$name/layer.tar" --compress gzip --tag evil >/dev/null
  CASES+=("$name|oci:$d:evil|$desc|$ere")
}

raw_top=$("${OCI_TOOL[@]}" info "$L" multi-raw | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["layers"][-1]["size"])')
corrupt_case truncated-gzip "$L" multi "gzip layer cut in half (digest/size match the cut blob)" 'truncat|unexpected end' truncate-layer
corrupt_case truncated-zstd "$IMG/zstd-layout" multi-zstd "zstd layer cut in half (digest/size match the cut blob)" 'truncat|unexpected end' truncate-layer
corrupt_case truncated-raw "$L" multi-raw "uncompressed layer cut inside a tar header" 'truncat|unexpected end' \
  truncate-layer $(( (raw_top / 2) / 512 * 512 + 100 ))
corrupt_case digest-mismatch "$L" multi "one byte in the middle of a gzip layer blob flipped" 'digest|crc|gzip' flip-layer
corrupt_case digest-mismatch-header "$L" multi "the OS byte of a gzip layer header flipped (still valid gzip, same tar)" 'digest' flip-layer 9
corrupt_case size-smaller "$L" multi "layer descriptor size one byte too small" 'size|bytes' size-layer -1
corrupt_case size-larger "$L" multi "layer descriptor size one byte too large" 'size|bytes' size-layer 1
corrupt_case diffid-mismatch "$L" multi "config diff_id of the top layer wrong" 'diff.?id' diff-id
corrupt_case missing-blob "$L" multi "manifest references a missing layer blob" 'missing|no such|not found' missing-layer
corrupt_case missing-config "$L" multi "config blob missing" 'missing|no such|not found' config-missing
corrupt_case unknown-layer-type "$L" multi "layer media type application/vnd.example.unknown" 'media.?type' \
  layer-media-type application/vnd.example.unknown
corrupt_case unknown-manifest-type "$L" multi "index.json descriptor media type application/vnd.example.unknown" 'media.?type|unknown|not found|no (image|manifest|descriptor)' \
  manifest-media-type application/vnd.example.unknown
d=$(copy_layout bad-index-json "$L")
head -c 60 "$L/index.json" > "$d/index.json"
CASES+=("bad-index-json|oci:$d:multi|index.json cut after 60 bytes|json")
d=$(copy_layout not-a-tar "$L")
"$PYTHON" -c 'import hashlib,sys; sys.stdout.buffer.write(b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(64)))' > "$C/not-a-tar/junk"
"${OCI_TOOL[@]}" append "$d" amd64 "$C/not-a-tar/junk" --compress gzip --tag evil >/dev/null
CASES+=("not-a-tar|oci:$d:evil|a gzip layer holding 2 KiB of random bytes|tar")
mkdir -p "$C/truncated-archive"
head -c $(( $(stat -c %s "$IMG/multi.tar") * 2 / 3 )) "$IMG/multi.tar" > "$C/truncated-archive/multi.tar"
CASES+=("truncated-archive|oci-archive:$C/truncated-archive/multi.tar:multi|oci-archive cut at 2/3|truncat|unexpected end")

tar_case non-utf8-name "file name bad_\\xff\\xfe.txt (not UTF-8)" 'utf-?8' \
  '[{"path": "ok-file", "content": "x\n"}, {"path_hex": "6261645ffffe2e747874", "content": "bad name\n"}]'
tar_case dotdot-passwd "file ../etc/passwd" 'climb|outside|\.\.' \
  '[{"path": "ok-file", "content": "x\n"}, {"path": "../etc/passwd", "content": "pwned::0:0::/:/bin/sh\n"}]'
tar_case dotdot-inner "file sub/../../$MARK" 'climb|outside|\.\.' \
  "[{\"path\": \"sub/\", \"type\": \"dir\"}, {\"path\": \"sub/../../$MARK\", \"content\": \"escaped\\n\"}]"
tar_case hardlink-climb "hardlink x -> ../../etc/passwd" 'climb|outside|\.\.' \
  '[{"path": "x", "type": "hardlink", "target": "../../etc/passwd"}]'
tar_case hardlink-missing "hardlink x -> does/not/exist" 'hard.?link|not a file|exist|missing' \
  '[{"path": "ok-file", "content": "x\n"}, {"path": "x", "type": "hardlink", "target": "does/not/exist"}]'
tar_case wh-dotdot-root "whiteout .wh... (names ..) at the root" whiteout \
  '[{"path": "ok-file", "content": "x\n"}, {"path": ".wh...", "mode": 0}]'
tar_case wh-dotdot-dir "whiteout etc/.wh... (names etc/..)" whiteout \
  '[{"path": "etc/", "type": "dir"}, {"path": "etc/.wh...", "mode": 0}]'
tar_case wh-empty "whiteout .wh. (empty name)" whiteout \
  '[{"path": "ok-file", "content": "x\n"}, {"path": ".wh.", "mode": 0}]'

# symlink escapes: an error or a harmless commit
ESCAPES=()
tar_case evil-root "symlink evil -> / then evil/$MARK" . \
  "[{\"path\": \"evil\", \"type\": \"symlink\", \"target\": \"/\"}, {\"path\": \"evil/$MARK\", \"content\": \"escaped\\n\"}]"
ESCAPES+=("${CASES[-1]}"); unset 'CASES[-1]'
tar_case evil-outside "symlink evil -> $OUTSIDE then evil/$MARK" . \
  "[{\"path\": \"evil\", \"type\": \"symlink\", \"target\": \"$OUTSIDE\"}, {\"path\": \"evil/$MARK\", \"content\": \"escaped\\n\"}]"
ESCAPES+=("${CASES[-1]}"); unset 'CASES[-1]'
tar_case evil-etc "symlink etc2 -> /etc then etc2/$MARK and etc2/passwd" . \
  "[{\"path\": \"etc2\", \"type\": \"symlink\", \"target\": \"/etc\"}, {\"path\": \"etc2/$MARK\", \"content\": \"escaped\\n\"}, {\"path\": \"etc2/passwd\", \"content\": \"pwned\\n\"}]"
ESCAPES+=("${CASES[-1]}"); unset 'CASES[-1]'
# the symlink in a lower layer, the file through it in the next one
d=$(copy_layout evil-lower "$L")
printf '%s\n' '[{"path": "evil", "type": "symlink", "target": "/"}]' > "$C/evil-lower/spec1.json"
printf '[{"path": "evil/%s", "content": "escaped\\n"}, {"path": "evil/etc/passwd", "content": "pwned\\n"}]\n' "$MARK" > "$C/evil-lower/spec2.json"
"${OCI_TOOL[@]}" layer "$C/evil-lower/spec1.json" "$C/evil-lower/layer1.tar"
"${OCI_TOOL[@]}" layer "$C/evil-lower/spec2.json" "$C/evil-lower/layer2.tar"
"${OCI_TOOL[@]}" append "$d" amd64 "$C/evil-lower/layer1.tar" --tag evil >/dev/null
"${OCI_TOOL[@]}" append "$d" evil "$C/evil-lower/layer2.tar" >/dev/null
ESCAPES+=("evil-lower|oci:$d:evil|layer 2: symlink evil -> /, layer 3: evil/$MARK and evil/etc/passwd|.")
info "${#CASES[@]} bad images, ${#ESCAPES[@]} symlink escapes, built in $C ($(du -sk "$C" | cut -f1) KiB)"

# --- helpers -----------------------------------------------------------------
# printable: stdin with bytes that are not UTF-8 dropped (error messages may
# quote a hostile file name; the log stays text)
printable() { iconv -f UTF-8 -t UTF-8 -c 2>/dev/null || true; }

host_untouched() { # host_untouched DESC: markers absent, /etc/passwd unchanged
  local m bad=
  for m in "${MARKERS[@]}"; do [ -e "$m" ] || [ -L "$m" ] && bad="$bad $m"; done
  _checks=$((_checks + 1))
  if [ -z "$bad" ]; then pass "$1: no file written outside (markers absent)"; else fail "$1: written outside:$bad"; fi
  expect_eq "$1: /etc/passwd unchanged" "$PASSWD_SUM" "$(sha256sum /etc/passwd | cut -d' ' -f1)"
}

# run_pull R NAME REF: the pull with TMPDIR and the working directory watched
run_pull() {
  local repo=$1 name=$2 ref=$3
  rm -rf "$WORK/watch-tmp" "$WORK/watch-cwd"
  mkdir -p "$WORK/watch-tmp" "$WORK/watch-cwd"
  local rc=0
  (cd "$WORK/watch-cwd" && TMPDIR=$WORK/watch-tmp exec "$OCITREE" --repo "$repo" pull -b "bad/$name" $SF "$ref") \
    > "$WORK/out" 2> "$WORK/err" || rc=$?
  echo "$rc"
}

repo_clean() { # repo_clean DESC R: the checks that follow any pull
  local desc=$1 repo=$2
  expect_eq "$desc: repo tmp/ has no leftovers" "$TMP_BEFORE" "$(ls -A "$repo/tmp" 2>&1)"
  expect_eq "$desc: nothing new next to the repo" "$PARENT_BEFORE" "$(ls -A "$WORK/repos")"
  expect_eq "$desc: nothing left in \$TMPDIR" "" "$(ls -A "$WORK/watch-tmp")"
  expect_eq "$desc: nothing written in the working directory" "" "$(ls -A "$WORK/watch-cwd")"
  host_untouched "$desc"
  check "$desc: ocitree fsck" oci --repo "$repo" fsck -q
  check "$desc: ostree fsck" ostree fsck --repo="$repo"
}

# forget_new_refs R: deletes the refs a (wrongly) successful pull added, so
# that one failure does not spill into the next cases
forget_new_refs() {
  refs_state "$1" > "$WORK/refs-now"
  comm -13 <(cut -d' ' -f1 "$WORK/refs-before") <(cut -d' ' -f1 "$WORK/refs-now") |
    while read -r r; do ostree refs --repo="$1" --delete "$r"; done
}

for storage in "${STORAGES[@]}"; do
  SF=$(storage_flag "$storage")
  mkdir -p "$WORK/repos"
  R=$WORK/repos/repo-$storage
  log "[$storage] a repo with a good image"
  oci --repo "$R" init --mode bare >/dev/null
  check "[$storage] good pull of single" oci --repo "$R" pull -b good/base $SF "oci:$L:single"
  GOOD=$(ostree rev-parse --repo="$R" good/base)
  refs_state "$R" > "$WORK/refs-before"
  TMP_BEFORE=$(ls -A "$R/tmp" 2>&1)
  PARENT_BEFORE=$(ls -A "$WORK/repos")
  info "refs: $(tr '\n' ';' < "$WORK/refs-before")"

  for c in "${CASES[@]}"; do
    IFS='|' read -r name ref desc ere <<< "$c"
    log "[$storage] $name: $desc"
    rc=$(run_pull "$R" "$name" "$ref")
    expect_eq "[$storage] $name: exit 1" 1 "$rc"
    info "stderr: $(head -c 600 "$WORK/err" | printable)"
    [ -s "$WORK/out" ] && info "stdout: $(head -c 300 "$WORK/out")"
    check "[$storage] $name: an error message on stderr" grep -qi 'error' "$WORK/err"
    check "[$storage] $name: the error says what is wrong (/$ere/i)" grep -aEqi "$ere" "$WORK/err"
    check "[$storage] $name: no crash report (abort, sanitizer, exception)" \
      bash -c "! grep -Eqi 'terminate called|Aborted|AddressSanitizer|runtime error|Segmentation' '$WORK/err'"
    refs_state "$R" > "$WORK/refs-after"
    expect_files_eq "[$storage] $name: no ref created or moved" "$WORK/refs-before" "$WORK/refs-after"
    expect_eq "[$storage] $name: good/base unchanged" "$GOOD" "$(oci --repo "$R" rev-parse good/base 2>&1)"
    repo_clean "[$storage] $name" "$R"
    forget_new_refs "$R"
  done

  for c in "${ESCAPES[@]}"; do
    IFS='|' read -r name ref desc _ <<< "$c"
    log "[$storage] $name: $desc (an error, or a commit that stays inside)"
    rc=$(run_pull "$R" "$name" "$ref")
    info "exit $rc; stderr: $(head -c 600 "$WORK/err" | printable)"
    refs_state "$R" > "$WORK/refs-after"
    if [ "$rc" = 1 ]; then
      pass "[$storage] $name: refused (exit 1)"; _checks=$((_checks + 1))
      expect_files_eq "[$storage] $name: no ref created or moved" "$WORK/refs-before" "$WORK/refs-after"
    elif [ "$rc" = 0 ]; then
      pass "[$storage] $name: stored (exit 0)"; _checks=$((_checks + 1))
      info "stored: $(oci --repo "$R" ls -R "bad/$name" 2>&1 | grep -E 'evil|etc2' | tr '\n' ';')"
      expect_eq "[$storage] $name: good/base unchanged" "$GOOD" "$(oci --repo "$R" rev-parse good/base 2>&1)"
      rm -rf "$WORK/co-escape"
      oci --repo "$R" checkout "bad/$name" "$WORK/co-escape" > "$WORK/co.out" 2>&1 || info "checkout: $(cat "$WORK/co.out")"
      host_untouched "[$storage] $name: after ocitree checkout"
      rm -rf "$WORK/co-escape"
      # the new refs: bad/NAME and, in layered storage, layer and recipe refs; delete
      # them so the next case starts from the same state
      added=$(comm -13 <(cut -d' ' -f1 "$WORK/refs-before") <(cut -d' ' -f1 "$WORK/refs-after") | grep -v -e '^ocitree/layer/' -e '^ocitree/recipe/' | tr '\n' ' ')
      expect_eq "[$storage] $name: the only new branch is bad/$name" "bad/$name " "$added"
      forget_new_refs "$R"
      refs_state "$R" > "$WORK/refs-after"
      expect_files_eq "[$storage] $name: no other ref moved" "$WORK/refs-before" "$WORK/refs-after"
    else
      fail "[$storage] $name: exit $rc (want 0 or 1)"
    fi
    repo_clean "[$storage] $name" "$R"
  done
done

finish
