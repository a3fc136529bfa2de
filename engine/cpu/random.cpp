// Random fills from Philox blocks: element i uses block (counter + i) alone, so any element can be
// computed independently and the result does not depend on how the loop is split.
#include <cmath>
#include <numbers>

#include "engine/cpu/cpu_backend.h"
#include "engine/cpu/parallel.h"

namespace candor::cpu {

namespace {

double sample(RandomKind kind, const std::array<uint32_t, 4>& w, double a, double b) {
  switch (kind) {
    case RandomKind::Uniform: return a + (b - a) * uniform_double(w[0], w[1]);
    case RandomKind::Normal: {
      // Box-Muller: u1 in (0, 1] keeps the logarithm finite.
      double u1 = 1.0 - uniform_double(w[0], w[1]);
      double u2 = uniform_double(w[2], w[3]);
      return a + b * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }
    case RandomKind::Bernoulli: return uniform_double(w[0], w[1]) < a ? 1.0 : 0.0;
    case RandomKind::Integer:
      return a + static_cast<double>(random_below(w, static_cast<int64_t>(b - a)));
  }
  return 0;
}

}  // namespace

void CpuBackend::random(RandomKind kind, const Generator& gen, uint64_t counter, double a,
                        double b, Tensor& out) {
  dispatch(out.dtype(), [&]<typename T>(T) {
    T* p = out.data<T>();
    parallel_for(out.numel(), kElementwiseGrain / 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        auto words = gen.block(counter + static_cast<uint64_t>(i));
        if constexpr (std::is_same_v<T, int64_t>) {
          if (kind == RandomKind::Integer) {  // exact in int64, beyond double's 53 bits
            p[i] = static_cast<int64_t>(a) + random_below(words, static_cast<int64_t>(b - a));
            continue;
          }
        }
        p[i] = static_cast<T>(sample(kind, words, a, b));
      }
    });
  });
}

}  // namespace candor::cpu
