#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (scripts/sanitized_build.sh: clang-16, with the
# sanitizers) and runs each for SECONDS (default 60) over a scratch copy of its seed corpus, so
# new corpus entries never land in the repository. Exits non-zero if any harness finds something;
# the inputs that failed are left in build-sanitize/findings/ (copy each into
# tests/fuzz/regressions/HARNESS/ once it is fixed).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"

bash scripts/sanitized_build.sh fuzzers

source scripts/sanitizer_env.sh

findings=build-sanitize/findings
mkdir -p "$findings"
failed=()
for harness in $(ls tests/fuzz/corpus); do
  corpus=$(mktemp -d)
  cp tests/fuzz/corpus/"$harness"/* "$corpus"/
  echo "fuzzing $harness for ${seconds}s" >&2
  # Single-threaded OpenMP: each input runs quickly, and alike every time.
  OMP_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    build-sanitize/tests/fuzz/fuzz_"$harness" "$corpus" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$findings/$harness-" -print_final_stats=1 ||
    failed+=("$harness")
  rm -rf "$corpus"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzers with findings: ${failed[*]} (inputs in $findings/)" >&2
  exit 1
fi
