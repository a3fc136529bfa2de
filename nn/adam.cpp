// Adam (Kingma & Ba, 2015) with L2 weight decay, and AdamW with decoupled weight decay
// (Loshchilov & Hutter, 2019), as torch.optim.Adam and torch.optim.AdamW.
#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops/ops.h"
#include "nn/optim.h"

namespace candor::nn {

namespace {
AdamOptions as_adam(const AdamWOptions& o) { return {o.lr, o.beta1, o.beta2, o.eps, o.weight_decay}; }

// One parameter's update, in double. The restrict pointers and plain-value constants let the
// compiler vectorise the loop (through a struct reference it would not: a third of an Adult
// epoch went here before).
template <typename T>
void adam_update(T* __restrict p, const T* __restrict grad, T* __restrict m, T* __restrict v,
                 int64_t n, double beta1, double beta2, double eps, double l2, double shrink,
                 double step_size, double bc2_sqrt) {
  for (int64_t i = 0; i < n; ++i) {
    double w = p[i];
    double g = grad[i] + l2 * w;
    w *= shrink;
    double mi = beta1 * m[i] + (1 - beta1) * g;
    double vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = static_cast<T>(mi);
    v[i] = static_cast<T>(vi);
    p[i] = static_cast<T>(w - step_size * mi / (std::sqrt(vi) / bc2_sqrt + eps));
  }
}
}  // namespace

Adam::Adam(std::vector<Tensor> params, AdamOptions options) : Adam(std::move(params), options, false) {}

Adam::Adam(std::vector<Tensor> params, AdamOptions options, bool decoupled)
    : Optimizer(std::move(params), options.lr),
      options_(options),
      decoupled_(decoupled),
      steps_(params_.size(), 0),
      m_(params_.size()),
      v_(params_.size()) {
  const char* name = decoupled ? "AdamW" : "Adam";
  for (double beta : {options.beta1, options.beta2}) {
    if (!(beta >= 0 && beta < 1)) {
      throw ValueError(fmt::format("{}: betas must be in [0, 1), got {} and {}", name, options.beta1, options.beta2));
    }
  }
  if (!(options.eps >= 0) || !(options.weight_decay >= 0) || !std::isfinite(options.eps + options.weight_decay)) {
    throw ValueError(fmt::format("{}: eps and weight_decay must be finite and >= 0, got {} and {}", name,
                                 options.eps, options.weight_decay));
  }
}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions options) : Adam(std::move(params), as_adam(options), true) {}
AdamW::AdamW(std::vector<Tensor> params, const AdamOptions& options) : Adam(std::move(params), options, true) {}

// Elements per task of the update: every parameter is cut into chunks of this size and all the
// chunks of all parameters run in one parallel loop (one OpenMP region per step instead of one
// per large parameter, and small parameters no longer run alone). Each element's update is the
// same arithmetic whichever thread does it, so a dynamic schedule (chunks differ in size) is safe.
namespace {
constexpr int64_t kUpdateChunk = 32768;
}  // namespace

void Adam::step() {
  NoGradGuard no_grad;
  const AdamOptions& o = options_;
  const double lr = lr_;
  std::vector<std::function<void()>> chunks;
  int64_t total = 0;
  for_each_update([&]<typename T>(size_t k, T* p, const T* grad, int64_t n) {
    if (!m_[k].defined()) {
      m_[k] = zeros(params_[k].shape(), params_[k].dtype());
      v_[k] = zeros(params_[k].shape(), params_[k].dtype());
    }
    T* m = m_[k].data<T>();
    T* v = v_[k].data<T>();
    const auto t = static_cast<double>(++steps_[k]);
    const double step_size = lr / (1 - std::pow(o.beta1, t));       // lr / bias correction 1
    const double bc2_sqrt = std::sqrt(1 - std::pow(o.beta2, t));     // sqrt(bias correction 2)
    const double l2 = decoupled_ ? 0.0 : o.weight_decay;
    const double shrink = decoupled_ ? 1 - lr * o.weight_decay : 1.0;
    for (int64_t begin = 0; begin < n; begin += kUpdateChunk) {
      int64_t len = std::min(kUpdateChunk, n - begin);
      chunks.push_back([=, &o] {
        adam_update(p + begin, grad + begin, m + begin, v + begin, len, o.beta1, o.beta2, o.eps, l2,
                    shrink, step_size, bc2_sqrt);
      });
    }
    total += n;
  });
  const auto count = static_cast<int64_t>(chunks.size());
#pragma omp parallel for schedule(dynamic, 1) if (total > kUpdateChunk)
  for (int64_t c = 0; c < count; ++c) chunks[c]();
}

}  // namespace candor::nn
