#!/usr/bin/env bash
# Threads on a shared machine: three workloads with 1 and 2 OpenMP threads, on a quiet machine and
# beside two busy-loop processes, under the runtime's spinning wait (GOMP_SPINCOUNT=300000, GCC's
# default) and under candor's default (passive waiting, engine/threads.h). Interleaved rounds;
# one JSON object per measurement on stdout:
#   {"case": ..., "threads": T, "wait": "spinning"|"candor default", "machine": "quiet"|"busy", "seconds": s}
# Workloads: the small GPT training step (bench/gpt_bench, its median), an Adult MLP epoch
# (bench/train_bench, its median) and an FT-Transformer epoch on Adult (candor pretrain, wall time).
# Usage: bench/shared_machine.sh [ROUNDS] (default 3), with a Release build in build/.
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
bin=build

busy_start() {
  (while :; do :; done) & busy1=$!
  (while :; do :; done) & busy2=$!
  sleep 0.5
}
busy_stop() { kill "$busy1" "$busy2" 2>/dev/null; wait "$busy1" "$busy2" 2>/dev/null; }

measure() {  # case threads
  case $1 in
    gpt_step) "$bin/bench/gpt_bench" small_gpt_step 2>/dev/null | grep -o '"median_ms": [0-9.]*' | awk '{print $2 / 1000}' ;;
    mlp_epoch) "$bin/bench/train_bench" 2>/dev/null | grep -o '"median_s": [0-9.]*' | awk '{print $2}' ;;
    ft_epoch)
      local start end
      start=$(date +%s.%N)
      timeout 600 "$bin/cli/candor" pretrain --data adult --d-token 32 --blocks 2 --epochs 1 --quiet --out "$tmp/ft" > /dev/null 2>&1
      end=$(date +%s.%N)
      awk -v a="$start" -v b="$end" 'BEGIN {print b - a}' ;;
  esac
}

tmp=$(mktemp -d)
trap 'busy_stop 2>/dev/null; rm -rf "$tmp"' EXIT
for round in $(seq "$rounds"); do
  for machine in quiet busy; do
    [ "$machine" = busy ] && busy_start
    for case in gpt_step mlp_epoch ft_epoch; do
      for threads in 1 2; do
        for wait in spinning "candor default"; do
          if [ "$wait" = spinning ]; then
            s=$(env GOMP_SPINCOUNT=300000 OMP_NUM_THREADS=$threads bash -c "$(declare -f measure); bin=$bin tmp=$tmp measure $case")
          else
            s=$(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT OMP_NUM_THREADS=$threads bash -c "$(declare -f measure); bin=$bin tmp=$tmp measure $case")
          fi
          printf '{"round": %d, "case": "%s", "threads": %d, "wait": "%s", "machine": "%s", "seconds": %s}\n' \
            "$round" "$case" "$threads" "$wait" "$machine" "${s:-null}"
        done
      done
    done
    [ "$machine" = busy ] && busy_stop
  done
done
