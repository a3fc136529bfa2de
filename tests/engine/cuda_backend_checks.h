// Helpers for the tests that run one backend table entry on the CPU and on the GPU and compare
// (test_cuda_backend_*.cpp): random inputs of each dtype, planted special values, and the
// comparison itself (tests/support/gpu.h's check_matches_cpu).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/engine.h"
#include "tests/support/gpu.h"

namespace candor::testing {

inline const std::vector<DType> kAllTypes = {kFloat32, kFloat64, kInt64};
inline const std::vector<DType> kFloatTypes = {kFloat32, kFloat64};

// Rounding allowed between the two backends: float math differs by an ulp or two; int64 is exact.
inline double tolerance(DType dtype) {
  return dtype == kFloat32 ? 1e-5 : dtype == kFloat64 ? 1e-12 : 0.0;
}

// Random values of `dtype`: N(0, 3) for floating types, integers in [-5, 5] for int64.
inline Tensor sample(const Shape& shape, DType dtype, uint64_t seed) {
  Generator gen(seed);
  if (dtype == kInt64) return randint(-5, 6, shape, &gen);
  return normal(shape, 0.0, 3.0, dtype, &gen);
}

// A copy of `t` (CPU) with each flat element `at` in [0, numel) set to `value` (others ignored,
// so callers may name positions such as n - 1 without checking that the tensor is non-empty).
inline Tensor with_value(const Tensor& t, const std::vector<int64_t>& at, double value) {
  Tensor out = t.clone();
  dispatch(out.dtype(), [&]<typename T>(T) {
    for (int64_t i : at) {
      if (i >= 0 && i < out.numel()) out.data<T>()[i] = static_cast<T>(value);
    }
  });
  return out;
}

using Kernel = std::function<void(Backend&, const std::vector<Tensor>&, Tensor&)>;

// Runs `kernel` on the CPU and on the GPU (copies of `inputs`) and compares the outputs. The
// output has `shape` and `dtype` and starts uninitialised, or as a copy of `initial` when that is
// defined (for kernels that write into an existing tensor).
inline void compare(const std::vector<Tensor>& inputs, const Shape& shape, DType dtype, double rel,
                    const Kernel& kernel, const std::string& what,
                    const Tensor& initial = Tensor()) {
  Tensor cpu_out = initial.defined() ? initial.clone() : Tensor::empty(shape, dtype);
  kernel(backend_for(Device::CPU), inputs, cpu_out);
  std::vector<Tensor> gpu_inputs;
  for (const Tensor& t : inputs) gpu_inputs.push_back(t.to(Device::CUDA));
  Tensor gpu_out = initial.defined() ? initial.to(Device::CUDA)
                                     : Tensor::empty(shape, dtype, Device::CUDA);
  kernel(backend_for(Device::CUDA), gpu_inputs, gpu_out);
  check_matches_cpu(gpu_out, cpu_out, rel, what);
}

}  // namespace candor::testing
