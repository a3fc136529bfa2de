// Thread-count-independent parallel loops. The work is cut into fixed chunks whose boundaries
// depend only on the problem size, never on the number of threads, and every chunk is computed
// the same way whichever thread runs it: results are bitwise identical for any OMP_NUM_THREADS.
#pragma once

#include <algorithm>
#include <cstdint>

namespace candor::cpu {

// Elements per chunk for cheap elementwise work: below this a loop runs on one thread.
inline constexpr int64_t kElementwiseGrain = 32768;

// Calls f(begin, end) for consecutive chunks [begin, end) of [0, n), each at most `grain` long.
template <typename F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = (n + grain - 1) / grain;
  if (chunks == 1) {
    f(int64_t{0}, n);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    f(c * grain, std::min(n, (c + 1) * grain));
  }
}

// A grain that gives each chunk about `target_work` units when one item costs `item_cost`.
inline int64_t grain_for(int64_t item_cost, int64_t target_work = kElementwiseGrain) {
  return std::max<int64_t>(1, target_work / std::max<int64_t>(item_cost, 1));
}

}  // namespace candor::cpu
