#!/usr/bin/env bash
# The GPU checks, as one script for a machine with a GPU: builds what needs CUDA (CUDA required),
# runs every GPU test case and the CUDA benchmark, and writes their outputs to OUT (default
# build-gpu/check): tests.txt (doctest's report per suite) and cuda_bench.jsonl. Exit status:
# nonzero when a build step or a test fails, or when there is no GPU (the cases would only skip).
#
#   OUT=/some/dir scripts/gpu_check.sh [BUILD_DIR]
set -uo pipefail

build=${1:-build-gpu}
out=${OUT:-$build/check}
mkdir -p "$out"
cmake -S . -B "$build" -DCANDOR_CUDA=ON -DCANDOR_NATIVE=ON -DCMAKE_BUILD_TYPE=Release >"$out/configure.txt" 2>&1 ||
  { tail -20 "$out/configure.txt"; exit 1; }
cmake --build "$build" -j "$(nproc)" --target engine_tests nn_tests fairness_tests cli_tests cuda_bench candor \
  >"$out/build.txt" 2>&1 || { grep -m 20 -A 5 "error" "$out/build.txt"; exit 1; }

status=0
run_suite() {  # suite binary, doctest filter
  echo "== $1 -tc=$2" >>"$out/tests.txt"
  "$build/tests/$1" -tc="$2" >>"$out/tests.txt" 2>&1 || status=1
}
run_suite engine/engine_tests "cuda*"
run_suite engine/engine_tests "devices*"
run_suite nn/nn_tests "cuda*"
run_suite fairness/fairness_tests "finetune cuda*"
run_suite cli/cli_tests "*--device*"
grep -E "^\[doctest\] (test cases|Status)|^== " "$out/tests.txt"

"$build/bench/cuda_bench" >"$out/cuda_bench.jsonl" 2>&1 || status=1
cat "$out/cuda_bench.jsonl"
if grep -q '"available":false' "$out/cuda_bench.jsonl"; then
  echo "gpu_check: no GPU here, so the GPU cases skipped: nothing was checked" >&2
  status=1
fi
exit $status
