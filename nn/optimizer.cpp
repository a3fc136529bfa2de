// The optimizer base (parameter checks, zero_grad, learning rate) and gradient-norm clipping.
#include <cmath>
#include <unordered_set>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops/ops.h"
#include "nn/optim.h"

namespace candor::nn {

namespace {
void check_lr(double lr, const char* op) {
  if (!(lr >= 0) || !std::isfinite(lr)) throw ValueError(fmt::format("{}: lr must be finite and >= 0, got {}", op, lr));
}
}  // namespace

Optimizer::Optimizer(std::vector<Tensor> params, double lr) : params_(std::move(params)), lr_(lr) {
  check_lr(lr, "optimizer");
  if (params_.empty()) {
    throw ValueError("optimizer: got an empty parameter list (is every parameter frozen?)");
  }
  std::unordered_set<const TensorImpl*> seen;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    if (!p.defined()) throw ValueError(fmt::format("optimizer: parameter {} is undefined", i));
    if (!p.is_floating_point()) {
      throw DTypeError(fmt::format("optimizer: parameter {} of shape {} is {}, not floating point", i,
                                   format_shape(p.shape()), dtype_name(p.dtype())));
    }
    if (!seen.insert(p.impl().get()).second) {
      throw ValueError(fmt::format("optimizer: parameter {} of shape {} appears twice in the list", i,
                                   format_shape(p.shape())));
    }
  }
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

void Optimizer::set_lr(double lr) {
  check_lr(lr, "set_lr");
  lr_ = lr;
}

Tensor Optimizer::trainable_grad(size_t i) const {
  const Tensor& p = params_[i];
  if (!p.requires_grad()) return Tensor();
  Tensor g = p.grad();
  if (!g.defined()) return g;
  if (g.shape() != p.shape() || g.dtype() != p.dtype()) {
    throw ValueError(fmt::format("optimizer: parameter {} is {} {} but its gradient is {} {}", i,
                                 dtype_name(p.dtype()), format_shape(p.shape()), dtype_name(g.dtype()),
                                 format_shape(g.shape())));
  }
  if (g.device() != p.device()) {
    throw DeviceError(fmt::format("optimizer: parameter {} is on {} but its gradient is on {}", i,
                                  device_name(p.device()), device_name(g.device())));
  }
  return g;
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  if (!(max_norm >= 0)) throw ValueError(fmt::format("clip_grad_norm: max_norm must be >= 0, got {}", max_norm));
  // Sum of squares over every element of every grad, in order, in double.
  double sum_sq = 0;
  for (const Tensor& p : params) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = p.grad();
    if (g.device() != Device::CPU) {  // on the device, in double, then one number back
      Tensor g64 = cast(g, kFloat64);
      sum_sq += sum(g64 * g64).item<double>();
      continue;
    }
    dispatch_floating(g.dtype(), [&]<typename T>(T) {
      const T* d = g.data<T>();
      for (int64_t i = 0; i < g.numel(); ++i) sum_sq += static_cast<double>(d[i]) * static_cast<double>(d[i]);
    });
  }
  double norm = std::sqrt(sum_sq);
  double coef = max_norm / (norm + 1e-6);
  if (!(coef < 1.0)) return norm;
  NoGradGuard no_grad;
  for (const Tensor& p : params) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = p.grad();
    Tensor handle = p;  // set_grad is not const; the handle shares the parameter
    if (g.device() != Device::CPU) {  // the same arithmetic: scaled in double, stored in g's dtype
      handle.set_grad(cast(cast(g, kFloat64) * coef, g.dtype()));
      continue;
    }
    Tensor scaled = Tensor::empty(g.shape(), g.dtype());
    dispatch_floating(g.dtype(), [&]<typename T>(T) {
      const T* src = g.data<T>();
      T* dst = scaled.data<T>();
      for (int64_t i = 0; i < g.numel(); ++i) dst[i] = static_cast<T>(static_cast<double>(src[i]) * coef);
    });
    handle.set_grad(scaled);
  }
  return norm;
}

}  // namespace candor::nn
