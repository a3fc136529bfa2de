// What every kernel file of the CUDA backend shares: error checks that name the kernel, the launch
// geometry, and typed device pointers. Included by .cu files only.
#pragma once

#include <cstdint>
#include <string>

#include <cuda_runtime_api.h>

#include "engine/tensor.h"

namespace candor::cuda {

// Throws a DeviceError naming `what` when `status` is an error.
void check(cudaError_t status, const char* what);
// After a kernel launch: reports a bad launch configuration (or an earlier asynchronous fault).
inline void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

inline constexpr int kThreads = 256;
// Blocks for a grid-stride loop over n elements: enough to fill the GPU, never more than needed.
inline unsigned blocks_for(int64_t n) {
  const int64_t wanted = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(wanted < 1 ? 1 : (wanted > 65535 ? 65535 : wanted));
}

// A GPU tensor's elements as T (the caller has checked the dtype).
template <typename T>
T* device_ptr(Tensor& t) { return static_cast<T*>(t.raw_data()); }
template <typename T>
const T* device_ptr(const Tensor& t) { return static_cast<const T*>(t.raw_data()); }

}  // namespace candor::cuda
