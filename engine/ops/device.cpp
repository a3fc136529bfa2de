// Moving tensors between devices: the one op that copies across the host/GPU boundary. Every
// other op refuses tensors on different devices (check_same_device), so each copy is visible.
#include "engine/autograd.h"
#include "engine/cuda/runtime.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

// y = x on `device`;  dx = g back on x's device
Tensor to_device(const Tensor& x, Device device) {
  check_defined(x, "to");
  if (x.device() == device) return x;
  Tensor out = Tensor::empty(x.shape(), x.dtype(), device);
  cuda::copy(out.raw_data(), device, x.raw_data(), x.device(),
             static_cast<std::size_t>(x.numel()) * dtype_size(x.dtype()));
  record(out, "to", {x}, [from = x.device()](const Tensor& g, const Tensor&) {
    return grads{to_device(g, from)};
  });
  return out;
}

}  // namespace candor
