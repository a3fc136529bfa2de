# Sourced by run_sanitized_tests.sh and run_fuzzers.sh: stack traces with function names and
# lines, from any llvm-symbolizer there is.
for symbolizer in /usr/lib/llvm-16/bin/llvm-symbolizer "$(command -v llvm-symbolizer || true)"; do
  if [ -x "$symbolizer" ]; then export ASAN_SYMBOLIZER_PATH="$symbolizer"; break; fi
done
