// The optimizer updates on the GPU: one elementwise kernel per parameter, the same arithmetic in
// double as the CPU's (engine/cpu/optim.cpp), so each element's result differs from the CPU's at
// most by the GPU's fused multiply-adds and its sqrt and division rounding.
#include "engine/cuda/cuda_backend.h"
#include "engine/cuda/launch.h"

namespace candor::cuda {

namespace {

template <typename T>
__global__ void adam_kernel(T* p, const T* grad, T* m, T* v, int64_t n,
                            Backend::AdamCoefficients c, double step_size, double bc2_sqrt) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    double w = p[i];
    double g = grad[i] + c.l2 * w;
    w *= c.shrink;
    double mi = c.beta1 * m[i] + (1 - c.beta1) * g;
    double vi = c.beta2 * v[i] + (1 - c.beta2) * g * g;
    m[i] = static_cast<T>(mi);
    v[i] = static_cast<T>(vi);
    p[i] = static_cast<T>(w - step_size * mi / (sqrt(vi) / bc2_sqrt + c.eps));
  }
}

template <typename T>
__global__ void sgd_kernel(T* p, const T* grad, T* buf, int64_t n, bool first,
                           Backend::SgdCoefficients c) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    double g = grad[i];
    if (c.weight_decay != 0) g += c.weight_decay * p[i];
    if (buf != nullptr) {
      double b = first ? g : c.momentum * buf[i] + (1 - c.dampening) * g;
      buf[i] = static_cast<T>(b);
      g = c.nesterov ? g + c.momentum * b : b;
    }
    p[i] = static_cast<T>(p[i] - c.lr * g);
  }
}

}  // namespace

void CudaBackend::adam_update(const std::vector<AdamSlot>& slots, const AdamCoefficients& c) {
  for (const AdamSlot& s : slots) {
    const int64_t n = s.param.numel();
    if (n == 0) continue;
    dispatch_floating(s.param.dtype(), [&](auto tag) {
      using T = decltype(tag);
      Tensor param = s.param, m = s.m, v = s.v;
      adam_kernel<T><<<blocks_for(n), kThreads>>>(device_ptr<T>(param), device_ptr<T>(s.grad),
                                                  device_ptr<T>(m), device_ptr<T>(v), n, c,
                                                  s.step_size, s.bc2_sqrt);
      check_launch("adam_update");
    });
  }
}

void CudaBackend::sgd_update(const std::vector<SgdSlot>& slots, const SgdCoefficients& c) {
  for (const SgdSlot& s : slots) {
    const int64_t n = s.param.numel();
    if (n == 0) continue;
    dispatch_floating(s.param.dtype(), [&](auto tag) {
      using T = decltype(tag);
      Tensor param = s.param, buf = s.buf;
      sgd_kernel<T><<<blocks_for(n), kThreads>>>(device_ptr<T>(param), device_ptr<T>(s.grad),
                                                 buf.defined() ? device_ptr<T>(buf) : nullptr, n,
                                                 s.first, c);
      check_launch("sgd_update");
    });
  }
}

}  // namespace candor::cuda
