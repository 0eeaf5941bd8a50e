#!/usr/bin/env bash
# `ocitree pull docker://` from the real CNCF registry (docker-registry on
# 127.0.0.1, plain http, images put there by skopeo):
#   1. by tag and by digest, layered and flattened, bare and archive: the
#      checkout equals `umoci unpack` of the same image; ostree fsck passes;
#      the commit's tree equals that of a pull of the same image from oci:;
#      each blob is fetched once (the first layer is asked for early), and
#      pulling again fetches no layer
#      the same image with Docker v2 schema 2 media types (skopeo --format
#      v2s2): the checkout equals `umoci unpack` too
#   2. a multi-platform index, as OCI index and as Docker manifest list:
#      --platform picks the right manifest
#   3. a second image sharing the base: the registry's access log shows no
#      GET of any base blob; the pull says the layers were already stored;
#      the same layers zstd-compressed (other blob digests, same diff_ids):
#      only the config blob is fetched
#   4. a pull killed (SIGKILL) halfway through a 40 MiB layer, served through
#      slow_proxy.py: the next pull completes and says how much it kept, the
#      bytes the proxy delivered over both runs are at most the blobs plus
#      1 MiB, and tmp/ocitree-downloads is empty afterwards; on a terminal
#      (script(1)) the progress line shows bytes of the total, rate and ETA,
#      and the peak RSS of that pull stays below the 40 MiB layer's size
#   5. hostile answers through pull (hostile_registry.py, bad layer only):
#      wrong digest, wrong size, truncated, endless body, stalled transfer,
#      oversized manifest, redirect loop, 401 forever: exit 1 with the
#      reason, bounded time and memory, no ref moved, fsck passes
#   6. an image of 4 slow layers (hostile_registry.py --mode slow): the server
#      sends 2 to 4 layer bodies at once (parallel, within max_connections)
# (Token auth through pull: test_registry_auth.sh.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
source "$(dirname "$0")/registry_lib.sh"
require_root
require_registry_basics
require_tool umoci zstd ostree
build_images
start_registry reg

# A copy of the layout with a second image on multi's layers, and a large one.
L2=$WORK/layout2
cp -a "$L" "$L2"
printf '[{"path": "etc/plus", "type": "file", "content": "one more layer\\n"}]' > "$WORK/plus.json"
"${OCI_TOOL[@]}" layer "$WORK/plus.json" "$WORK/plus.tar"
"${OCI_TOOL[@]}" append "$L2" multi "$WORK/plus.tar" --compress gzip --tag multi-plus > /dev/null
"$PYTHON" - "$WORK/big.tar" <<'EOF'
import io, random, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as tar:
    info = tarfile.TarInfo("big/data")
    info.size, info.mtime = 40 << 20, 1700000000
    tar.addfile(info, io.BytesIO(random.Random(7).randbytes(info.size)))
EOF
"${OCI_TOOL[@]}" append "$L2" multi "$WORK/big.tar" --compress raw --tag big > /dev/null

push "oci:$L:multi" test/multi:v1
push "oci:$L:multiarch" test/multiarch:v1 --all
push "oci:$L:multi" test/docker:v1 --format v2s2
push "oci:$L:multiarch" test/dlist:v1 --all --format v2s2
push "oci:$L2:multi-plus" test/multi-plus:v1
push "oci:$L2:big" test/big:v1
push "oci:$IMG/zstd-layout:multi-zstd" test/multi-zstd:v1
MULTI_LAYERS=$("${OCI_TOOL[@]}" info "$L" multi | "$PYTHON" -c 'import json,sys; [print(l["digest"]) for l in json.load(sys.stdin)["layers"]]')
D_MULTI=$(skopeo inspect --tls-verify=false "docker://$REG_HOST/test/multi:v1" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')
oracle_unpack "$L:multi" "$WORK/umoci-multi"

# tree_of R BRANCH: the root dirtree and dirmeta checksums of BRANCH's commit
tree_of() { ostree ls --repo="$1" -d -C "$2" / 2>&1; }

# ---------------------------------------------------------------- 1. tag, digest
for mode in bare archive; do
  for storage in layered flattened; do
    for how in tag digest; do
      t="$how [$mode, $storage]"
      log "pull by $t"
      R=$WORK/r1-$mode-$storage-$how
      oci --repo "$R" init --mode "$mode" > /dev/null
      if [ "$how" = tag ]; then ref=docker://$REG_HOST/test/multi:v1; else ref=docker://$REG_HOST/test/multi@$D_MULTI; fi
      mark=$(wc -l < "$REG_LOG")
      rc=$(pull_image "$R" "$WORK/p1" --tls-verify=false --storage "$storage" -b img "$ref")
      expect_eq "$t: exit 0" 0 "$rc"
      [ "$rc" = 0 ] || { show_output "$WORK/p1" "$WORK/p1.err"; continue; }
      # The first layer is asked for beside the config (an empty repository
      # has nothing to share): still one GET per blob.
      tail -n +"$((mark + 1))" "$REG_LOG" > "$WORK/log1"
      for d in $MULTI_LAYERS; do
        expect_eq "$t: one GET of blob ${d:7:12}" 1 "$(access_gets "$WORK/log1" "$d")"
      done
      info "$(cat "$WORK/p1")"
      check "$t: the summary names the manifest digest" grep -q "$D_MULTI" "$WORK/p1"
      flags=$(checkout_flags_for "$mode")
      check "$t: ocitree checkout" oci --repo "$R" checkout $flags img "$WORK/co1-$mode-$storage-$how"
      check "$t: checkout == umoci unpack" "${TREECMP[@]}" "$WORK/umoci-multi/rootfs" "$WORK/co1-$mode-$storage-$how"
      check "$t: ostree fsck" ostree fsck -q --repo="$R"
      check "$t: ocitree fsck" oci --repo "$R" fsck -q
      expect_eq "$t: tmp/ocitree-downloads is empty after the pull" "" "$(ls -A "$R/tmp/ocitree-downloads" 2>&1)"
      if [ "$how" = tag ]; then
        # the same image from the layout: the same tree
        R0=$WORK/r0-$mode-$storage
        oci --repo "$R0" init --mode "$mode" > /dev/null
        rc=$(pull_image "$R0" "$WORK/p0" --storage "$storage" -b img "oci:$L:multi")
        expect_eq "$t: the tree is that of a pull from oci:" "$(tree_of "$R0" img)" "$(tree_of "$R" img)"
        mark=$(wc -l < "$REG_LOG")
        rc=$(pull_image "$R" "$WORK/p1b" --tls-verify=false --storage "$storage" -b img "$ref")
        check "$t: pulling again: up to date" grep -q "up to date" "$WORK/p1b"
        tail -n +"$((mark + 1))" "$REG_LOG" > "$WORK/log1b"
        for d in $MULTI_LAYERS; do
          expect_eq "$t: pulling again: no GET of blob ${d:7:12}" 0 "$(access_gets "$WORK/log1b" "$d")"
        done
      fi
    done
  done
done

log "pull a Docker v2 schema 2 image"
R=$WORK/r1-v2s2
oci --repo "$R" init --mode bare > /dev/null
rc=$(pull_image "$R" "$WORK/p1d" --tls-verify=false -b img "docker://$REG_HOST/test/docker:v1")
expect_eq "v2s2: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/p1d.err"
check "v2s2: the registry served a Docker v2 schema 2 manifest" test "$(skopeo inspect --raw --tls-verify=false "docker://$REG_HOST/test/docker:v1" |
  "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["mediaType"])')" = application/vnd.docker.distribution.manifest.v2+json
check "v2s2: ocitree checkout" oci --repo "$R" checkout img "$WORK/co1-v2s2"
check "v2s2: checkout == umoci unpack" "${TREECMP[@]}" "$WORK/umoci-multi/rootfs" "$WORK/co1-v2s2"
check "v2s2: ostree fsck" ostree fsck -q --repo="$R"

# ---------------------------------------------------------------- 2. platforms
log "multi-platform index"
R=$WORK/r2
oci --repo "$R" init --mode bare > /dev/null
for arch in amd64 arm64; do
  rc=$(pull_image "$R" "$WORK/p2-$arch" --tls-verify=false --platform "linux/$arch" -b "img-$arch" "docker://$REG_HOST/test/multiarch:v1")
  expect_eq "--platform linux/$arch: exit 0" 0 "$rc"
  [ "$rc" = 0 ] || show_output "$WORK/p2-$arch.err"
  want=$(skopeo inspect --raw --tls-verify=false "docker://$REG_HOST/test/multiarch:v1" |
    "$PYTHON" -c 'import json,sys; print([m["digest"] for m in json.load(sys.stdin)["manifests"] if m["platform"]["architecture"] == sys.argv[1]][0])' "$arch")
  check "--platform linux/$arch: pulled the manifest skopeo picks ($want)" grep -q "$want" "$WORK/p2-$arch"
  expect_eq "--platform linux/$arch: /arch in the image" "$arch" "$(oci --repo "$R" cat "img-$arch" /arch 2>&1 | tr -d '[:space:]')"
done
for arch in amd64 arm64; do
  rc=$(pull_image "$R" "$WORK/p2d-$arch" --tls-verify=false --platform "linux/$arch" -b "dimg-$arch" "docker://$REG_HOST/test/dlist:v1")
  expect_eq "Docker manifest list, --platform linux/$arch: exit 0" 0 "$rc"
  [ "$rc" = 0 ] || show_output "$WORK/p2d-$arch.err"
  expect_eq "Docker manifest list, --platform linux/$arch: /arch in the image" "$arch" \
    "$(oci --repo "$R" cat "dimg-$arch" /arch 2>&1 | tr -d '[:space:]')"
done
rc=$(pull_image "$R" "$WORK/p2-none" --tls-verify=false --platform linux/s390x -b img-s390x "docker://$REG_HOST/test/multiarch:v1")
expect_eq "--platform linux/s390x (not in the index): exit 1" 1 "$rc"
check "--platform linux/s390x: the message lists what is there" grep -q "linux/s390x.*linux/amd64" "$WORK/p2-none.err"
show_output "$WORK/p2-none.err"

# ---------------------------------------------------------------- 3. shared base
log "second image sharing the base"
R=$WORK/r3
oci --repo "$R" init --mode bare > /dev/null
rc=$(pull_image "$R" "$WORK/p3a" --tls-verify=false -b multi "docker://$REG_HOST/test/multi:v1")
expect_eq "first image: exit 0" 0 "$rc"
mark=$(wc -l < "$REG_LOG")
rc=$(pull_image "$R" "$WORK/p3b" --tls-verify=false -b plus "docker://$REG_HOST/test/multi-plus:v1")
expect_eq "second image: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/p3b.err"
info "$(cat "$WORK/p3b")"
check "second image: 3 of its 4 layers were already stored" grep -q "4 layers (3 already stored)" "$WORK/p3b"
tail -n +"$((mark + 1))" "$REG_LOG" > "$WORK/log3"
for d in $MULTI_LAYERS; do
  expect_eq "second image: no GET of base blob ${d:7:12}" 0 "$(access_gets "$WORK/log3" "$d")"
done
check "second image: the new layer was fetched" test "$(grep -c '"GET /v2/test/multi-plus/blobs/' "$WORK/log3")" -ge 1
check "second image: checkout has the new file" test "$(oci --repo "$R" cat plus /etc/plus 2>&1)" = "one more layer"
mark=$(wc -l < "$REG_LOG")
rc=$(pull_image "$R" "$WORK/p3c" --tls-verify=false -b zstd "docker://$REG_HOST/test/multi-zstd:v1")
expect_eq "zstd copy of the base: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/p3c.err"
check "zstd copy of the base: its 3 layers were already stored (by diff_id)" grep -q "3 layers (3 already stored)" "$WORK/p3c"
tail -n +"$((mark + 1))" "$REG_LOG" > "$WORK/log3c"
expect_eq "zstd copy of the base: one blob GET, the config's" 1 "$(grep -c '"GET /v2/test/multi-zstd/blobs/' "$WORK/log3c")"

# ---------------------------------------------------------------- 4. resume
log "kill -9 halfway through a 40 MiB layer, then pull again"
R=$WORK/r4
oci --repo "$R" init --mode bare > /dev/null
mkdir -p "$WORK/proxy"
"$PYTHON" "$IT_DIR/slow_proxy.py" --target "$REG_HOST" --port-file "$WORK/proxy/port" --log "$WORK/proxy/log" \
  --rate $((8 << 20)) > "$WORK/proxy/out" 2>&1 &
ppid=$!
add_cleanup "kill $ppid 2>/dev/null"
for ((i = 0; i < 100; i++)); do [ -s "$WORK/proxy/port" ] && break; sleep 0.1; done
PROXY=127.0.0.1:$(cat "$WORK/proxy/port")
BIGREF=docker://$PROXY/test/big:v1
# as the registry has it: skopeo compressed the raw layer on the way in
skopeo inspect --raw --tls-verify=false "docker://$REG_HOST/test/big:v1" > "$WORK/big-manifest.json"
big_size=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][-1]["size"])' "$WORK/big-manifest.json")
big_digest=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][-1]["digest"])' "$WORK/big-manifest.json")
big_file=$R/tmp/ocitree-downloads/sha256-${big_digest#sha256:}
"$OCITREE" --repo "$R" pull --tls-verify=false -b big "$BIGREF" > "$WORK/p4a" 2> "$WORK/p4a.err" &
pull_pid=$!
kept=0
for ((i = 0; i < 300; i++)); do
  kept=$(stat -c %s "$big_file" 2>/dev/null || echo 0)
  [ "$kept" -ge $((big_size * 2 / 5)) ] && break
  sleep 0.05
done
kill -9 "$pull_pid" 2>/dev/null || true; wait "$pull_pid" 2>/dev/null || true
info "killed with $kept of $big_size bytes kept"
check "killed halfway: between 40% and 90% of the layer was kept" test "$kept" -ge $((big_size * 2 / 5)) -a "$kept" -lt $((big_size * 9 / 10))
check "killed: the branch does not exist" bash -c "! ostree rev-parse --repo='$R' big"
check "killed: ostree fsck" ostree fsck -q --repo="$R"
sleep 0.3
before=$("$PYTHON" -c 'import json,sys; print(sum(json.loads(l)["down"] for l in open(sys.argv[1])))' "$WORK/proxy/log")
rc=$(pull_image "$R" "$WORK/p4b" --tls-verify=false -b big "$BIGREF")
expect_eq "pull again: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/p4b.err"
info "$(cat "$WORK/p4b")"
check "pull again: says what it kept from the interrupted pull" grep -q "kept from an interrupted pull" "$WORK/p4b"
sleep 0.3
total=$("$PYTHON" -c 'import json,sys; print(sum(json.loads(l)["down"] for l in open(sys.argv[1])))' "$WORK/proxy/log")
blobs=$("$PYTHON" -c 'import json,os,sys; m=json.load(open(sys.argv[1])); print(sum(l["size"] for l in m["layers"]) + m["config"]["size"] + os.path.getsize(sys.argv[1]))' "$WORK/big-manifest.json")
info "the proxy delivered $before bytes to the killed pull and $total in all; manifest, config and layers: $blobs bytes"
check "both runs together received at most manifest, config and layers + 1 MiB ($total <= $blobs + 1048576)" test "$total" -le $((blobs + (1 << 20)))
check "the second run did not start over ($((total - before)) < $big_size)" test $((total - before)) -lt "$big_size"
check "resumed: the image has the 40 MiB file" bash -c "'$OCITREE' --repo '$R' cat big /big/data | cmp - <(tar -xOf '$WORK/big.tar' big/data)"
expect_eq "resumed: tmp/ocitree-downloads is empty" "" "$(ls -A "$R/tmp/ocitree-downloads" 2>&1)"
check "resumed: ostree fsck" ostree fsck -q --repo="$R"

log "progress on a terminal (script(1)), the 40 MiB layer at 8 MiB/s"
R=$WORK/r4p
oci --repo "$R" init --mode bare > /dev/null
rc=0
timeout 120 script -qfec "/usr/bin/time -f %M -o '$WORK/p4p.rss' '$OCITREE' --repo '$R' pull --tls-verify=false -b big '$BIGREF'" \
  /dev/null > "$WORK/p4p.tty" 2>&1 < /dev/null || rc=$?
expect_eq "pull on a terminal: exit 0" 0 "$rc"
rss=$(tail -n 1 "$WORK/p4p.rss" 2>/dev/null || echo 0)
check "the 40 MiB layer streamed: peak RSS ${rss} KiB < the layer's $((big_size >> 10)) KiB" test "$rss" -gt 0 -a "$rss" -lt $((big_size >> 10))
tr '\r' '\n' < "$WORK/p4p.tty" | sed 's/\x1b\[K//g' > "$WORK/p4p.lines"
line=$(grep -E 'done: [0-9.]+ ([kMGT]B|bytes) of [0-9.]+ ([kMGT]B|bytes), [0-9.]+ ([kMGT]B|bytes)/s, ([0-9]+m)?[0-9]+s left' "$WORK/p4p.lines" | tail -n 1)
check "progress: bytes of the total, the rate and the time left (${line:-no such line})" test -n "$line"
[ -n "$line" ] || show_output "$WORK/p4p.lines"

# ---------------------------------------------------------------- 5. hostile
log "hostile registry answers, through pull"
R=$WORK/r5
oci --repo "$R" init --mode bare > /dev/null
rc=$(pull_image "$R" "$WORK/p5-base" -b keep "oci:$L:single")
keep=$(ostree rev-parse --repo="$R" keep)
# hostile_pull DESC PATTERN SERVER-ARGS...: exit 1, stderr matches PATTERN,
# under 60 s and 200 MiB, no ref moved, fsck passes
hostile_pull() {
  local desc=$1 pattern=$2; shift 2
  local name out rc t0
  name=hp-$(printf '%s' "$desc" | tr -c 'a-zA-Z0-9' _)
  start_hostile "$name" --tar-layer --only-layer --layer-size $((4 << 20)) "$@"
  out=$WORK/$name.out
  t0=$SECONDS
  rc=0
  /usr/bin/time -f '%M' -o "$out.rss" timeout 120 "$OCITREE" --repo "$R" pull --tls-verify=false -b victim \
    "docker://127.0.0.1:$HOST_PORT/test/img:v1" > "$out" 2> "$out.err" || rc=$?
  local secs=$((SECONDS - t0)) rss
  rss=$(tail -n 1 "$out.rss")
  expect_eq "$desc: exit 1" 1 "$rc"
  check "$desc: the message says /$pattern/" grep -Eq -- "$pattern" "$out.err"
  [ "$rc" = 1 ] && grep -Eq -- "$pattern" "$out.err" || show_output "$out.err"
  check "$desc: done in ${secs} s (<= 60)" test "$secs" -le 60
  check "$desc: peak RSS ${rss} KiB (<= 200 MiB)" test "$rss" -le $((200 << 10))
  check "$desc: no victim branch" bash -c "! ostree rev-parse --repo='$R' victim 2>/dev/null"
  expect_eq "$desc: the other branch did not move" "$keep" "$(ostree rev-parse --repo="$R" keep)"
  check "$desc: ostree fsck" ostree fsck -q --repo="$R"
  info "$(head -c 300 "$out.err")"
}
hostile_pull "wrong layer digest (valid gzip)" "digest mismatch" --mode wrong-digest
hostile_pull "wrong layer size" "sends [0-9]+ bytes, the descriptor gives" --mode wrong-size
hostile_pull "truncated layer" "broke off after [0-9]+ bytes" --mode truncated
hostile_pull "endless layer" "more than the [0-9]+ bytes the descriptor gives" --mode endless
hostile_pull "oversized manifest" "over the 4194304-byte limit" --mode big-manifest
hostile_pull "redirect loop" "too many redirects" --mode redirect-loop
hostile_pull "401 forever" "HTTP 401" --auth never
# a healthy hostile server: the pull works (the layer is a real tar)
start_hostile hp-ok --tar-layer --layer-size $((1 << 20))
rc=$(pull_image "$R" "$WORK/hp-ok.out" --tls-verify=false -b ok "docker://127.0.0.1:$HOST_PORT/test/img:v1")
expect_eq "well-behaved hostile server: the pull works" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/hp-ok.out.err"

# ---------------------------------------------------------------- 6. parallel
log "layers download in parallel, within a bound"
start_hostile hp-par --mode slow --only-layer --tar-layer --layers 4
R=$WORK/r6
oci --repo "$R" init --mode bare > /dev/null
rc=$(pull_image "$R" "$WORK/p6" --tls-verify=false -b par "docker://127.0.0.1:$HOST_PORT/test/img:v1")
expect_eq "4 slow layers: exit 0" 0 "$rc"
[ "$rc" = 0 ] || show_output "$WORK/p6.err"
expect_eq "4 slow layers: each layer body sent once" 4 "$(grep -c '"method": "SERVE"' "$HOST_LOG" || true)"
most=$("$PYTHON" -c 'import json,sys; print(max([json.loads(l).get("active", 0) for l in open(sys.argv[1])] + [0]))' "$HOST_LOG")
check "4 slow layers: $most bodies at once (2 to 4: in parallel, within the 4 connections)" test "$most" -ge 2 -a "$most" -le 4
check "4 slow layers: ostree fsck" ostree fsck -q --repo="$R"

finish
