#include "engine/backend.h"

#include "engine/cpu/cpu_backend.h"
#include "engine/cuda/runtime.h"

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
  if (device == Device::CUDA) return cuda::backend();
  return cpu_backend;
}

uint64_t random_blocks(RandomKind, int64_t count) { return static_cast<uint64_t>(count); }

}  // namespace candor
