#!/usr/bin/env bash
# Installs the Debian packages candor builds with, when they are missing, and any packages named
# as arguments (scripts/sanitized_build.sh adds clang's). Needs root (or sudo).
set -euo pipefail

packages=(
  cmake ninja-build g++ make
  libeigen3-dev
  libopenblas-openmp-dev  # OpenBLAS built on OpenMP: shares candor's thread pool
  doctest-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "candor setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
