#!/usr/bin/env bash
# ostree_shim.sh — the ocitree CLI contract implemented on top of the real
# `ostree` CLI.  NOT a test and not used by CTest: it exists to validate the
# integration tests themselves (every check except the checkout-escape ones,
# where ostree itself follows symlinks out of the destination, should pass):
#
#   OCITREE=$PWD/tests/integration/ostree_shim.sh bash tests/integration/test_x.sh
set -euo pipefail
repo=
if [ "${1:-}" = --repo ]; then repo=$2; shift 2; fi
case "${1:-}" in --repo=*) repo=${1#--repo=}; shift ;; esac
[ $# -ge 1 ] || { echo "usage: ocitree --repo R VERB ..." >&2; exit 2; }
verb=$1; shift
[ -n "$repo" ] || { echo "--repo is required" >&2; exit 2; }
case "$verb" in
  init|commit|refs|rev-parse|log|show|ls|cat|diff|checkout|fsck)
    exec ostree "$verb" --repo="$repo" "$@" ;;
  prune)
    args=()
    for a in "$@"; do
      case "$a" in --dry-run) args+=(--no-prune) ;; *) args+=("$a") ;; esac
    done
    exec ostree prune --repo="$repo" "${args[@]+"${args[@]}"}" ;;
  *) echo "unknown verb $verb" >&2; exit 2 ;;
esac
