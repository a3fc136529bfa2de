#!/usr/bin/env bash
# Configures build-sanitize with clang-16 (-O1 with line tables, for file:line in the sanitizers'
# stack traces at a quarter less compile time than -g; AddressSanitizer, UndefinedBehaviorSanitizer
# and libFuzzer's coverage; this machine's instruction set) and builds TARGETs (default: all).
# One build serves both the sanitized test suites (scripts/run_sanitized_tests.sh) and the fuzzers
# (scripts/run_fuzzers.sh), so CI compiles candor twice, not three times.
set -euo pipefail
cd "$(dirname "$0")/.."

# libFuzzer and its sanitizer runtimes, and clang's OpenMP (clang 14 cannot build candor: it
# rejects lambdas that capture structured bindings).
bash scripts/setup.sh clang-16 libclang-rt-16-dev libomp-16-dev

CC=clang-16 CXX=clang++-16 cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DCANDOR_FUZZ=ON -DCANDOR_NATIVE=ON -DCANDOR_BUILD_BENCH=OFF
if [ $# -eq 0 ]; then
  cmake --build build-sanitize -j 2
else
  cmake --build build-sanitize -j 2 --target "$@"
fi
