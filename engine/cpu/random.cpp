// Random fills from Philox blocks: element i uses block (counter + i) alone, so any element can be
// computed independently and the result does not depend on how the loop is split. The samples
// are engine/philox.h's, which the GPU's random fill shares.
#include "engine/cpu/cpu_backend.h"
#include "engine/cpu/parallel.h"
#include "engine/philox.h"

namespace candor::cpu {

namespace {

double sample(RandomKind kind, const philox::Words& w, double a, double b) {
  switch (kind) {
    case RandomKind::Uniform: return philox::uniform_in(a, b, w);
    case RandomKind::Normal: return philox::normal(a, b, w);
    case RandomKind::Bernoulli: return philox::uniform_double(w.w[0], w.w[1]) < a ? 1.0 : 0.0;
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
        const philox::Words words = philox::block(gen.seed(), counter + static_cast<uint64_t>(i));
        p[i] = static_cast<T>(sample(kind, words, a, b));
      }
    });
  });
}

void CpuBackend::random_integers(const Generator& gen, uint64_t counter, int64_t low,
                                 uint64_t range, Tensor& out) {
  int64_t* p = out.data<int64_t>();
  parallel_for(out.numel(), kElementwiseGrain / 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const philox::Words words = philox::block(gen.seed(), counter + static_cast<uint64_t>(i));
      p[i] = philox::random_integer(low, range, words);
    }
  });
}

}  // namespace candor::cpu
