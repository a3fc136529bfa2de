#!/usr/bin/env bash
# Packs what scripts/gpu_check.sh runs, from a CUDA build made on this machine, for a GPU machine
# that lacks the Debian packages: DEST/candor-gpu.tar.xz holds the test suites, candor and
# cuda_bench at their paths under BUILD, and in BUILD/lib the shared libraries they load that are
# not the C/C++ runtimes' or CUDA's own (OpenBLAS, fmt, gfortran, ...), all stripped. There:
#
#   tar -xJf DEST/candor-gpu.tar.xz
#   LD_LIBRARY_PATH=$PWD/BUILD/lib:<CUDA's lib64> GPU_CHECK_PREBUILT=1 scripts/gpu_check.sh BUILD
#
# The suites find their fixtures and candor by this checkout's absolute path, so the checkout must
# be reachable at the same path there (a symbolic link will do).
#
#   scripts/gpu_pack.sh [BUILD (default build-gpu)] [DEST (default .gpu)]
set -euo pipefail

build=${1:-build-gpu}
dest=${2:-.gpu}
binaries=(tests/engine/engine_tests tests/nn/nn_tests tests/fairness/fairness_tests tests/cli/cli_tests
          cli/candor bench/cuda_bench)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$build/lib"
for binary in "${binaries[@]}"; do
  mkdir -p "$stage/$build/$(dirname "$binary")"
  strip -o "$stage/$build/$binary" "$build/$binary"
done
# Every library a binary resolves, less the C and C++ runtimes (the GPU machine has its own, newer)
# and CUDA's libraries (its toolkit has them, matched to its driver).
for binary in "${binaries[@]}"; do ldd "$build/$binary"; done |
  awk '$3 ~ /^\// { print $3 }' | sort -u |
  grep -Ev '/(libc|libm|libdl|libpthread|librt|ld-linux[^/]*|libstdc\+\+|libgcc_s|libcuda|libcublas[^/]*|libcudart[^/]*)\.so' |
  while read -r library; do strip -o "$stage/$build/lib/$(basename "$library")" "$library"; done
mkdir -p "$dest"
tar -cJf "$dest/candor-gpu.tar.xz" -C "$stage" "$build"
du -h "$dest/candor-gpu.tar.xz"
