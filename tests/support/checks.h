// Assertion helpers shared by the engine tests (header-only, doctest-based).
#pragma once

#include <string>
#include <vector>

#include <omp.h>

#include <doctest/doctest.h>

#include "tests/support/gradcheck.h"

namespace candor::testing {

// The multi-index of row-major position `flat` in `shape` (for reference loops in tests).
inline std::vector<int64_t> unravel(int64_t flat, const Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

// f() run with `threads` OpenMP threads, the previous count restored afterwards (for the checks
// that results are bitwise the same for any thread count).
template <typename F>
auto with_threads(int threads, F&& f) {
  const int previous = omp_get_max_threads();
  omp_set_num_threads(threads);
  auto result = f();
  omp_set_num_threads(previous);
  return result;
}

// Checks that calling `f` throws exactly E with a message containing every one of `parts`.
template <typename E, typename F>
void check_throws(F&& f, const std::vector<std::string>& parts) {
  bool thrown = false;
  try {
    f();
  } catch (const E& e) {
    thrown = true;
    std::string msg = e.what();
    for (const std::string& part : parts) {
      INFO("message: " << msg);
      CHECK_MESSAGE(msg.find(part) != std::string::npos, "missing '" << part << "'");
    }
  }
  CHECK_MESSAGE(thrown, "expected exception was not thrown (" << (parts.empty() ? "" : parts[0]) << ")");
}

// Returns the message of the exception of type E that `f` throws ("" if it throws none).
template <typename E, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// Checks `f` at `inputs` with both gradcheck (first order) and gradgradcheck (second order).
inline void check_first_and_second_order(const std::string& name, const Fn& f,
                                         const std::vector<Tensor>& inputs) {
  CHECK(gradcheck(name, f, inputs));
  CHECK(gradgradcheck(name, f, inputs));
}

}  // namespace candor::testing
