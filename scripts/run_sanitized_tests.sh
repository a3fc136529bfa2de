#!/usr/bin/env bash
# Builds every suite with the sanitizers (scripts/sanitized_build.sh) and runs them all. A failed
# huge allocation returns null under ASan, as malloc does, so the "too large for memory" errors
# are tested here too. Run by .ci/run after `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/sanitized_build.sh

source scripts/sanitizer_env.sh
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-sanitize --output-on-failure -j 2
