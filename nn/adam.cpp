// Adam (Kingma & Ba, 2015) with L2 weight decay, and AdamW with decoupled weight decay
// (Loshchilov & Hutter, 2019), as torch.optim.Adam and torch.optim.AdamW.
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops/ops.h"
#include "nn/optim.h"

namespace candor::nn {

namespace {
AdamOptions as_adam(const AdamWOptions& o) { return {o.lr, o.beta1, o.beta2, o.eps, o.weight_decay}; }
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

// The update itself is a backend kernel (engine/cpu/optim.cpp, engine/cuda/optim.cu), given every
// parameter of one device at once.
void Adam::step() {
  NoGradGuard no_grad;
  const AdamOptions& o = options_;
  const double lr = lr_;
  const Backend::AdamCoefficients c{o.beta1, o.beta2, o.eps, decoupled_ ? 0.0 : o.weight_decay,
                                    decoupled_ ? 1 - lr * o.weight_decay : 1.0};
  std::vector<Backend::AdamSlot> on_cpu, on_cuda;
  for_each_update([&](size_t k, const Tensor& grad) {
    const Tensor& p = params_[k];
    if (!m_[k].defined()) {
      m_[k] = zeros(p.shape(), p.dtype(), p.device());
      v_[k] = zeros(p.shape(), p.dtype(), p.device());
    }
    const auto t = static_cast<double>(++steps_[k]);
    const double step_size = lr / (1 - std::pow(o.beta1, t));    // lr / bias correction 1
    const double bc2_sqrt = std::sqrt(1 - std::pow(o.beta2, t));  // sqrt(bias correction 2)
    (p.device() == Device::CPU ? on_cpu : on_cuda).push_back({p, grad, m_[k], v_[k], step_size, bc2_sqrt});
  });
  if (!on_cpu.empty()) backend_for(Device::CPU).adam_update(on_cpu, c);
  if (!on_cuda.empty()) backend_for(Device::CUDA).adam_update(on_cuda, c);
}

}  // namespace candor::nn
