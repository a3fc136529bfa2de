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

void SGD::step() {
  NoGradGuard no_grad;
  const SgdOptions& o = options_;
  const double lr = lr_;
  for_each_update([&]<typename T>(size_t k, T* p, const T* grad, int64_t n) {
    T* buf = nullptr;
    bool first = false;
    if (o.momentum != 0) {
      first = !momentum_[k].defined();
      if (first) momentum_[k] = zeros(params_[k].shape(), params_[k].dtype());
      buf = momentum_[k].data<T>();
    }
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) {
      double g = grad[i];
      if (o.weight_decay != 0) g += o.weight_decay * p[i];
      if (buf != nullptr) {
        double b = first ? g : o.momentum * buf[i] + (1 - o.dampening) * g;
        buf[i] = static_cast<T>(b);
        g = o.nesterov ? g + o.momentum * b : b;
      }
      p[i] = static_cast<T>(p[i] - lr * g);
    }
  });
}

}  // namespace candor::nn
