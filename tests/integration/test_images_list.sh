#!/usr/bin/env bash
# `ocitree images` after pulls of two images (multi onto img/multi with -b,
# single onto its derived ocitree/image/... branch) and one plain commit:
#   * the text listing names both branches with their reference, manifest
#     digest and layer count, and not the plain branch
#   * --json parses (python json): exactly the two images, each with branch,
#     reference, manifest_digest, layers (= the manifest's layer count), size
#     (= the sum of the manifest's layer sizes) and the right commit
#   * a third image onto img/multi (handmade) replaces that entry; deleting a
#     branch removes its image from the listing
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pull_lib.sh"
require_pull_basics
build_images
read -r -a STORAGES <<< "$(pull_storages)"

# expect_json DESC FILE PYTHON-EXPR: the expression, with `imgs` the parsed
# JSON, must be true; it is printed with the JSON when it is not
expect_json() {
  local desc=$1 file=$2 expr=$3
  check "$desc" "$PYTHON" -c '
import json, sys
imgs = json.load(open(sys.argv[1]))
by = {i.get("branch"): i for i in imgs} if isinstance(imgs, list) else {}
ok = eval(sys.argv[2])
if not ok:
    print("expression:", sys.argv[2]); print(json.dumps(imgs, indent=1)[:3000])
sys.exit(0 if ok else 1)' "$file" "$expr"
}

# layer_count_shown FILE BRANCH N: the text listing's entry for BRANCH (from
# its line to the next line naming another branch) gives N layers, as
# "layers: N" or "N layers"
layer_count_shown() {
  awk -v b="$2" '$0 ~ /^[^ ]/ { on = ($1 == b || index($0, b) == 1) } on' "$1" |
    grep -Eqi "layers?[: =]+$3([^0-9]|\$)|(^|[^0-9.])$3 layers?"
}

# info_of TAG FIELD: from oci_tool.py info
info_of() { "${OCI_TOOL[@]}" info "$L" "$1" | "$PYTHON" -c "import json,sys; d=json.load(sys.stdin); print($2)"; }

for storage in "${STORAGES[@]}"; do
  sf=$(storage_flag "$storage")
  log "[$storage] two images and a plain commit"
  R=$WORK/repo-$storage
  oci --repo "$R" init --mode bare >/dev/null
  check "[$storage] pull multi -b img/multi" oci --repo "$R" pull -b img/multi $sf "oci:$L:multi"
  check "[$storage] pull single (derived branch)" oci --repo "$R" pull $sf "oci:$L:single"
  mkdir -p "$WORK/plain"; echo plain > "$WORK/plain/f"
  check "[$storage] a plain commit on plain/main" oci --repo "$R" commit -b plain/main --tree=dir="$WORK/plain" -s plain
  single_br=$(image_branches "$R" | grep '^ocitree/image/' | head -n1)
  info "derived branch of single: $single_br"

  m_digest=$(info_of multi 'd["manifest_digest"]')
  s_digest=$(info_of single 'd["manifest_digest"]')
  m_layers=$(info_of multi 'len(d["layers"])')
  s_layers=$(info_of single 'len(d["layers"])')
  m_size=$(info_of multi 'sum(l["size"] for l in d["layers"])')
  s_size=$(info_of single 'sum(l["size"] for l in d["layers"])')
  m_commit=$(ostree rev-parse --repo="$R" img/multi)
  s_commit=$(ostree rev-parse --repo="$R" "$single_br" 2>&1 || true)
  info "multi: $m_digest, $m_layers layers, $m_size bytes; single: $s_digest, $s_layers layer(s), $s_size bytes"

  out=$WORK/images-$storage.txt
  rc=$(run_capture "$out" oci --repo "$R" images)
  expect_eq "[$storage] ocitree images exits 0" 0 "$rc"
  sed 's/^/        | /' "$out"
  for x in img/multi "$single_br" "oci:$L:multi" "oci:$L:single" "$m_digest" "$s_digest"; do
    check "[$storage] the listing shows $x" grep -qF -- "$x" "$out"
  done
  check "[$storage] the listing shows multi's $m_layers layers" layer_count_shown "$out" img/multi "$m_layers"
  check "[$storage] the listing shows single's $s_layers layer" layer_count_shown "$out" "$single_br" "$s_layers"
  check "[$storage] the plain commit is not listed" bash -c "! grep -q plain/main '$out'"

  js=$WORK/images-$storage.json
  rc=$(run_capture "$js" oci --repo "$R" images --json)
  expect_eq "[$storage] ocitree images --json exits 0" 0 "$rc"
  check "[$storage] --json parses" "$PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$js"
  expect_json "[$storage] --json: a list of exactly the two images" "$js" \
    "isinstance(imgs, list) and sorted(by) == sorted(['img/multi', '$single_br'])"
  for f in branch reference manifest_digest layers size; do
    expect_json "[$storage] --json: every image has '$f'" "$js" "all('$f' in i for i in imgs)"
  done
  expect_json "[$storage] --json: multi's reference, digest, layers, size" "$js" \
    "by['img/multi']['reference'] == 'oci:$L:multi' and by['img/multi']['manifest_digest'] == '$m_digest' and by['img/multi']['layers'] == $m_layers and by['img/multi']['size'] == $m_size"
  expect_json "[$storage] --json: single's reference, digest, layers, size" "$js" \
    "by['$single_br']['reference'] == 'oci:$L:single' and by['$single_br']['manifest_digest'] == '$s_digest' and by['$single_br']['layers'] == $s_layers and by['$single_br']['size'] == $s_size"
  expect_json "[$storage] --json: commits (if given) are the branch heads" "$js" \
    "by['img/multi'].get('commit', '$m_commit') == '$m_commit' and by['$single_br'].get('commit', '$s_commit') == '$s_commit'"

  log "[$storage] a newer image on img/multi, a deleted branch"
  check "[$storage] pull handmade onto img/multi" oci --repo "$R" pull -b img/multi $sf "oci:$L:handmade"
  h_digest=$(info_of handmade 'd["manifest_digest"]')
  h_layers=$(info_of handmade 'len(d["layers"])')
  rc=$(run_capture "$js" oci --repo "$R" images --json)
  expect_json "[$storage] --json: img/multi now lists handmade ($h_layers layers)" "$js" \
    "len(imgs) == 2 and by['img/multi']['manifest_digest'] == '$h_digest' and by['img/multi']['reference'] == 'oci:$L:handmade' and by['img/multi']['layers'] == $h_layers"
  check "[$storage] delete the single branch" oci --repo "$R" refs --delete "$single_br"
  rc=$(run_capture "$js" oci --repo "$R" images --json)
  expect_json "[$storage] --json: only img/multi is left" "$js" "sorted(by) == ['img/multi']"
  rc=$(run_capture "$out" oci --repo "$R" images)
  check "[$storage] the text listing no longer shows the deleted branch" bash -c "! grep -qF -- '$single_br' '$out'"
done

finish
