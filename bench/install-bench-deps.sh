#!/usr/bin/env bash
# install-bench-deps.sh — installs what the benchmark harness (bench/run.sh)
# needs from Debian's packages with apt-get, on top of scripts/install-deps.sh
# (which brings the build dependencies and the peer tools: ostree, umoci,
# skopeo, docker-registry). Safe to re-run: installed packages are skipped and
# the package lists are refreshed only when missing or older than a day.
#   usage: bash bench/install-bench-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

packages=(
  # input makers: a Debian tree from Debian's packages, OCI images from it
  mmdebstrap umoci skopeo python3 gzip tar zstd rsync
  # peers
  ostree docker-registry
  # timing and reporting
  hyperfine time bc coreutils procps util-linux
  # profiling where ocitree loses (perf needs a PMU or falls back to cpu-clock)
  linux-perf valgrind strace
)

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-bench-deps: all ${#packages[@]} packages present"
  exit 0
fi
lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)
if [ -z "$lists" ]; then
  $SUDO apt-get update -q
fi
echo "install-bench-deps: installing ${missing[*]}"
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
