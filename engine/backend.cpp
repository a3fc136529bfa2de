#include "engine/backend.h"

#include "engine/cpu/cpu_backend.h"
#include "engine/cuda/runtime.h"
#include "engine/error.h"

namespace candor {

AxisView axis_view(const Shape& shape, int64_t axis) {
  AxisView v;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    if (i < axis) v.outer *= shape[i];
    if (i == axis) v.n = shape[i];
    if (i > axis) v.inner *= shape[i];
  }
  return v;
}

Backend& backend_for(Device device) {
  static cpu::CpuBackend cpu_backend;
  if (device == Device::CUDA) {
    cuda::require();
    // CUDA tensors exist (storage, .to(), .cpu()); the kernels are the CUDA issue's next step.
    throw DeviceError("cuda: no CUDA kernels yet (candor can store tensors on the GPU and copy "
                      "them with .to()/.cpu(), not compute on them); use .cpu()");
  }
  return cpu_backend;
}

uint64_t random_blocks(RandomKind, int64_t count) { return static_cast<uint64_t>(count); }

}  // namespace candor
