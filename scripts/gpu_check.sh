#!/usr/bin/env bash
# The GPU checks, as one script for a machine with a GPU: builds what needs CUDA (CUDA required),
# runs every GPU test case and the CUDA benchmark, and writes their outputs to OUT (default
# build-gpu/check): tests.txt (doctest's report per suite), cuda_bench.jsonl and, where PyTorch
# sees the GPU, cuda_bench_torch.jsonl. Exit status:
# nonzero when a build step or a test fails, or when there is no GPU (the cases would only skip).
#
#   OUT=/some/dir scripts/gpu_check.sh [BUILD_DIR]
#
# A GPU machine without the Debian packages (Eigen, OpenBLAS, fmt, ...) cannot build candor: build
# here instead (cmake -DCANDOR_CUDA=ON), pack the binaries with scripts/gpu_pack.sh, and run this
# there with GPU_CHECK_PREBUILT=1, which skips the build and runs what BUILD_DIR holds.
set -uo pipefail

build=${1:-build-gpu}
out=${OUT:-$build/check}
mkdir -p "$out"
if [[ ${GPU_CHECK_PREBUILT:-0} != 1 ]]; then
  cmake -S . -B "$build" -DCANDOR_CUDA=ON -DCANDOR_NATIVE=ON -DCMAKE_BUILD_TYPE=Release >"$out/configure.txt" 2>&1 ||
    { tail -20 "$out/configure.txt"; exit 1; }
  cmake --build "$build" -j "$(nproc)" --target engine_tests nn_tests fairness_tests cli_tests cuda_bench candor \
    >"$out/build.txt" 2>&1 || { grep -m 20 -A 5 "error" "$out/build.txt"; exit 1; }
fi

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
# PyTorch on the same GPU, for comparison, where the machine has it (not a check: it never fails the run).
if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  (cd bench && python3 cuda_bench_torch.py) >"$out/cuda_bench_torch.jsonl" 2>&1
  cat "$out/cuda_bench_torch.jsonl"
fi
exit $status
