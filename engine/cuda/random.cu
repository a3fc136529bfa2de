// Random fills on the GPU from the same Philox blocks as the CPU: element i uses block
// (counter + i) under the generator's seed, through engine/philox.h, the code the CPU runs. So
// Uniform, Bernoulli and integer fills equal the CPU's bit for bit; Normal ones may differ in the
// last bit of a double, where CUDA's log and cos round differently from glibc's.
#include "engine/cuda/cuda_backend.h"
#include "engine/cuda/launch.h"
#include "engine/philox.h"

namespace candor::cuda {

namespace {

template <typename T>
__global__ void random_kernel(RandomKind kind, uint64_t seed, uint64_t counter, double a, double b,
                              T* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const philox::Words w = philox::block(seed, counter + static_cast<uint64_t>(i));
    double value = 0;
    switch (kind) {
      case RandomKind::Uniform: value = philox::uniform_in(a, b, w); break;
      case RandomKind::Normal: value = philox::normal(a, b, w); break;
      case RandomKind::Bernoulli:
        value = philox::uniform_double(w.w[0], w.w[1]) < a ? 1.0 : 0.0;
        break;
    }
    out[i] = static_cast<T>(value);
  }
}

__global__ void random_integers_kernel(uint64_t seed, uint64_t counter, int64_t low, uint64_t range,
                                       int64_t* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const philox::Words w = philox::block(seed, counter + static_cast<uint64_t>(i));
    out[i] = philox::random_integer(low, range, w);
  }
}

}  // namespace

void CudaBackend::random(RandomKind kind, const Generator& gen, uint64_t counter, double a,
                         double b, Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    random_kernel<T><<<blocks_for(n), kThreads>>>(kind, gen.seed(), counter, a, b,
                                                  device_ptr<T>(out), n);
    check_launch("random");
  });
}

void CudaBackend::random_integers(const Generator& gen, uint64_t counter, int64_t low,
                                  uint64_t range, Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  random_integers_kernel<<<blocks_for(n), kThreads>>>(gen.seed(), counter, low, range,
                                                     device_ptr<int64_t>(out), n);
  check_launch("random_integers");
}

}  // namespace candor::cuda
