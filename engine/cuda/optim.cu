// The optimizer updates on the GPU: one elementwise kernel per parameter, each element computed by
// the CPU's own formula (engine/optim_update.h), in double; results may differ from the CPU's in
// the last bit where nvcc fuses a multiply-add that g++ does not.
#include "engine/cuda/cuda_backend.h"
#include "engine/cuda/launch.h"
#include "engine/optim_update.h"

namespace candor::cuda {

namespace {

template <typename T>
__global__ void adam_kernel(T* p, const T* grad, T* m, T* v, int64_t n,
                            Backend::AdamCoefficients c, double step_size, double bc2_sqrt) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    double w = p[i], mi = m[i], vi = v[i];
    adam_element(w, grad[i], mi, vi, c.beta1, c.beta2, c.eps, c.l2, c.shrink, step_size, bc2_sqrt);
    m[i] = static_cast<T>(mi);
    v[i] = static_cast<T>(vi);
    p[i] = static_cast<T>(w);
  }
}

template <typename T>
__global__ void sgd_kernel(T* p, const T* grad, T* buf, int64_t n, bool first,
                           Backend::SgdCoefficients c) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    double b = buf != nullptr ? static_cast<double>(buf[i]) : 0.0;
    p[i] = static_cast<T>(sgd_element(p[i], grad[i], buf != nullptr, b, first, c.lr, c.momentum,
                                      c.dampening, c.weight_decay, c.nesterov));
    if (buf != nullptr) buf[i] = static_cast<T>(b);
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
