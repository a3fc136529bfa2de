// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
// as torch.optim.SGD.
#include <cmath>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops/ops.h"
#include "nn/optim.h"

namespace candor::nn {

SGD::SGD(std::vector<Tensor> params, SgdOptions options)
    : Optimizer(std::move(params), options.lr), options_(options), momentum_(params_.size()) {
  const SgdOptions& o = options_;
  if (!(o.momentum >= 0) || !(o.weight_decay >= 0) || !std::isfinite(o.momentum + o.dampening + o.weight_decay)) {
    throw ValueError(fmt::format("SGD: momentum and weight_decay must be finite and >= 0, got {} and {}",
                                 o.momentum, o.weight_decay));
  }
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0)) {
    throw ValueError(fmt::format("SGD: Nesterov momentum needs momentum > 0 and dampening 0, got {} and {}",
                                 o.momentum, o.dampening));
  }
}

// The update itself is a backend kernel (engine/cpu/optim.cpp, engine/cuda/optim.cu), given every
// parameter of one device at once.
void SGD::step() {
  NoGradGuard no_grad;
  const SgdOptions& o = options_;
  const Backend::SgdCoefficients c{lr_, o.momentum, o.dampening, o.weight_decay, o.nesterov};
  std::vector<Backend::SgdSlot> on_cpu, on_cuda;
  for_each_update([&](size_t k, const Tensor& grad) {
    const Tensor& p = params_[k];
    bool first = false;
    if (o.momentum != 0 && !momentum_[k].defined()) {
      momentum_[k] = zeros(p.shape(), p.dtype(), p.device());
      first = true;
    }
    (p.device() == Device::CPU ? on_cpu : on_cuda).push_back({p, grad, momentum_[k], first});
  });
  if (!on_cpu.empty()) backend_for(Device::CPU).sgd_update(on_cpu, c);
  if (!on_cuda.empty()) backend_for(Device::CUDA).sgd_update(on_cuda, c);
}

}  // namespace candor::nn
