// The CUDA backend object and the error check its kernel files share.
#include "engine/cuda/cuda_backend.h"

#include <fmt/format.h>

#include "engine/cuda/launch.h"
#include "engine/cuda/runtime.h"
#include "engine/error.h"

namespace candor::cuda {

void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  cudaGetLastError();  // clear a launch error, so the next check does not report it again
  throw DeviceError(fmt::format("cuda: {} failed: {} ({})", what, cudaGetErrorString(status),
                                cudaGetErrorName(status)));
}

Backend& backend() {
  require();
  static CudaBackend instance;
  return instance;
}

}  // namespace candor::cuda
