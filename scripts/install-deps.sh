#!/usr/bin/env bash
# Installs every build and test dependency of ocitree from Debian's packages.
# Safe to re-run: apt-get skips what is already installed, and the package
# lists are refreshed only when they are missing or older than a day.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  # libraries (DESIGN.md: one well-kept library per job)
  libssl-dev libcurl4-openssl-dev libisal-dev libzstd-dev
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev
  # ASan+UBSan and libFuzzer builds (scripts/sanitize-and-fuzz.sh): clang and
  # its runtimes, which clang only recommends; llvm-14 for llvm-symbolizer
  clang libclang-rt-14-dev llvm-14
  # oracles the tests drive
  ostree skopeo umoci oci-image-tool docker-registry
  # test helpers
  attr tar gzip zstd python3 time bc openssl
)

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

stamp=/var/lib/apt/periodic/update-success-stamp
lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)
if [ -z "$lists" ]; then
  $SUDO apt-get update -q
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
