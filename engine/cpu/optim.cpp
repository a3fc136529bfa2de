// The optimizer updates on the CPU. Every parameter is cut into chunks of kUpdateChunk elements and
// all the chunks of all parameters run in one parallel loop: one OpenMP region per step, and small
// parameters do not run alone. Each element's update is the same arithmetic whichever thread does
// it, so a dynamic schedule (chunks differ in size) keeps results independent of the thread count.
#include <algorithm>
#include <functional>

#include "engine/cpu/cpu_backend.h"
#include "engine/optim_update.h"

namespace candor::cpu {

namespace {

constexpr int64_t kUpdateChunk = 32768;

// The restrict pointers and plain-value constants let the compiler vectorise the loop (through a
// struct reference it would not: a third of an Adult epoch went here before).
template <typename T>
void adam_chunk(T* __restrict p, const T* __restrict grad, T* __restrict m, T* __restrict v,
                int64_t n, double beta1, double beta2, double eps, double l2, double shrink,
                double step_size, double bc2_sqrt) {
  for (int64_t i = 0; i < n; ++i) {
    double w = p[i], mi = m[i], vi = v[i];
    adam_element(w, grad[i], mi, vi, beta1, beta2, eps, l2, shrink, step_size, bc2_sqrt);
    m[i] = static_cast<T>(mi);
    v[i] = static_cast<T>(vi);
    p[i] = static_cast<T>(w);
  }
}

template <typename T>
void sgd_chunk(T* p, const T* grad, T* buf, int64_t n, bool first,
               const Backend::SgdCoefficients& c) {
  for (int64_t i = 0; i < n; ++i) {
    double b = buf != nullptr ? static_cast<double>(buf[i]) : 0.0;
    p[i] = static_cast<T>(sgd_element(p[i], grad[i], buf != nullptr, b, first, c.lr, c.momentum,
                                      c.dampening, c.weight_decay, c.nesterov));
    if (buf != nullptr) buf[i] = static_cast<T>(b);
  }
}

// Runs make_chunk(slot, begin, length) for every chunk of every slot in one parallel loop.
template <typename Slot, typename MakeChunk>
void run_chunked(const std::vector<Slot>& slots, MakeChunk&& make_chunk) {
  std::vector<std::function<void()>> chunks;
  int64_t total = 0;
  for (const Slot& s : slots) {
    const int64_t n = s.param.numel();
    for (int64_t begin = 0; begin < n; begin += kUpdateChunk) {
      chunks.push_back(make_chunk(s, begin, std::min(kUpdateChunk, n - begin)));
    }
    total += n;
  }
  const auto count = static_cast<int64_t>(chunks.size());
#pragma omp parallel for schedule(dynamic, 1) if (total > kUpdateChunk)
  for (int64_t k = 0; k < count; ++k) chunks[k]();
}

}  // namespace

void CpuBackend::adam_update(const std::vector<AdamSlot>& slots, const AdamCoefficients& c) {
  run_chunked(slots, [&](const AdamSlot& s, int64_t begin, int64_t len) {
    return dispatch_floating(s.param.dtype(), [&]<typename T>(T) -> std::function<void()> {
      Tensor param = s.param, m = s.m, v = s.v;
      T* p = param.data<T>() + begin;
      const T* g = s.grad.data<T>() + begin;
      T* mp = m.data<T>() + begin;
      T* vp = v.data<T>() + begin;
      return [=, step_size = s.step_size, bc2_sqrt = s.bc2_sqrt] {
        adam_chunk(p, g, mp, vp, len, c.beta1, c.beta2, c.eps, c.l2, c.shrink, step_size, bc2_sqrt);
      };
    });
  });
}

void CpuBackend::sgd_update(const std::vector<SgdSlot>& slots, const SgdCoefficients& c) {
  run_chunked(slots, [&](const SgdSlot& s, int64_t begin, int64_t len) {
    return dispatch_floating(s.param.dtype(), [&]<typename T>(T) -> std::function<void()> {
      Tensor param = s.param, buf = s.buf;
      T* p = param.data<T>() + begin;
      const T* g = s.grad.data<T>() + begin;
      T* b = buf.defined() ? buf.data<T>() + begin : nullptr;
      return [=, first = s.first, &c] { sgd_chunk(p, g, b, len, first, c); };
    });
  });
}

}  // namespace candor::cpu
