#!/usr/bin/env bash
# candor's CPU benchmarks beside PyTorch's scripts for the same work, in one run: each round runs a
# case in candor and in PyTorch at the same time, each process pinned to two physical cores of its
# own with 2 OpenMP threads, the two pairs swapped every round, so both see the same machine at the
# same moment. That needs idle cores to spare (at least 5 physical cores, such as the GPU machine's
# 16); with fewer, as on the 2-core build machines, the two run one after the other on every core
# with 2 threads, the one that goes first alternating by round. Cases:
# gpt2_train_step, gpt2_lora_step and gpt2_generate (bench/gpt_bench and gpt_bench_torch.py), mlp_step
# (engine_bench and engine_bench_torch.py). One JSON line per measurement on stdout, each with
# "engine" and "round" added. Needs a Release build in BUILD and a python3 with torch (PYTHON,
# default python3; Debian's python3-torch is /usr/bin/python3).
# OpenBLAS picks its kernels from the CPU's model, which a virtual machine may hide: both processes
# run with OPENBLAS_VERBOSE=2, so candor's stderr names the kernels chosen ("Core: ..."); set
# OPENBLAS_CORETYPE where they are not the machine's.
#
#   bench/versus_torch.sh [BUILD (default build)] [ROUNDS (default 2)] [CASE ...]
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-2}
shift $(($# < 2 ? $# : 2))
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(gpt2_train_step gpt2_lora_step gpt2_generate mlp_step)

# The first logical CPU of each physical core, skipping core 0 (the system's interrupts).
mapfile -t cpus < <(lscpu -p=CPU,CORE,SOCKET | grep -v '^#' | sort -t, -k3,3n -k2,2n -s |
                    awk -F, '!seen[$3 "," $2]++ { print $1 }' | tail -n +2)
concurrent=$([ ${#cpus[@]} -ge 4 ] && echo yes || echo no)
[ $concurrent = yes ] && pairs=("${cpus[0]},${cpus[1]}" "${cpus[2]},${cpus[3]}")
python=${PYTHON:-python3}

command_of() {  # engine case
  case $1/$2 in
    candor/mlp_step) echo "$build/bench/engine_bench --only mlp_step" ;;
    torch/mlp_step) echo "$python bench/engine_bench_torch.py --only mlp_step" ;;
    candor/*) echo "$build/bench/gpt_bench $2" ;;
    torch/*) echo "$python bench/gpt_bench_torch.py $2" ;;
  esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for round in $(seq "$rounds"); do
  for case in "${cases[@]}"; do
    swap=$((round % 2))
    if [ $concurrent = yes ]; then
      for engine in candor torch; do
        [ "$engine" = torch ] && pair=${pairs[$((1 - swap))]} || pair=${pairs[$swap]}
        # shellcheck disable=SC2046
        OPENBLAS_VERBOSE=2 OMP_NUM_THREADS=2 taskset -c "$pair" $(command_of "$engine" "$case") >"$tmp/$engine" 2>"$tmp/$engine.err" &
      done
      wait -n || status=1
      wait -n || status=1
    else
      order=(candor torch)
      [ $swap = 1 ] && order=(torch candor)
      for engine in "${order[@]}"; do
        # shellcheck disable=SC2046
        OPENBLAS_VERBOSE=2 OMP_NUM_THREADS=2 $(command_of "$engine" "$case") >"$tmp/$engine" 2>"$tmp/$engine.err" || status=1
      done
    fi
    for engine in candor torch; do
      sed "s/^{/{\"engine\": \"$engine\", \"round\": $round, /" "$tmp/$engine"
      [ -s "$tmp/$engine.err" ] && sed "s/^/$engine $case: /" "$tmp/$engine.err" >&2
    done
  done
done
exit $status
