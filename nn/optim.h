// Optimizers and gradient clipping, following PyTorch's update rules exactly (torch.optim.SGD,
// Adam, AdamW as documented). An update runs without recording a graph and writes the parameters'
// storage in place, element by element (the same result for any thread count). Parameters whose
// grad is undefined, and frozen ones (requires_grad off), are skipped and their state untouched.
//
//   Adam opt(model.parameters(), {.lr = 1e-3});
//   opt.zero_grad(); loss.backward(); clip_grad_norm(opt.params(), 1.0); opt.step();
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/backend.h"
#include "engine/tensor.h"

namespace candor::nn {

class Optimizer {
 public:
  // params: floating-point tensors, each at most once, at least one; lr >= 0.
  Optimizer(std::vector<Tensor> params, double lr);
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  void zero_grad();  // drops every parameter's gradient
  double lr() const { return lr_; }
  void set_lr(double lr);
  const std::vector<Tensor>& params() const { return params_; }

 protected:
  // Calls update(i, g) for each parameter i that is trainable and has a gradient g.
  template <typename Update>
  void for_each_update(Update&& update) {
    for (size_t i = 0; i < params_.size(); ++i) {
      Tensor g = trainable_grad(i);
      if (g.defined()) update(i, g);
    }
  }
  // Parameter i's gradient when it is trainable and has one (else undefined); a gradient whose
  // shape or dtype differs from the parameter's is an error.
  Tensor trainable_grad(size_t i) const;

  std::vector<Tensor> params_;
  double lr_;
};

struct SgdOptions {
  double lr = 0.01, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening 0
};

// g = grad + wd p;  b = g (first step) or momentum b + (1 - dampening) g;
// g = g + momentum b (Nesterov) or b;  p = p - lr g.
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SgdOptions options = {});
  void step() override;
  const SgdOptions& options() const { return options_; }

 private:
  SgdOptions options_;
  std::vector<Tensor> momentum_;  // per parameter, undefined until its first step
};

struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
};
// AdamW's defaults differ from Adam's only in weight_decay (0.01), as torch.optim.AdamW.
struct AdamWOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.01;
};

// t = t + 1;  g = grad + wd p (L2 decay: Adam only);  p = p (1 - lr wd) (decoupled: AdamW only)
// m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
// p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = {});
  void step() override;
  const AdamOptions& options() const { return options_; }
  int64_t step_count(size_t param) const { return steps_.at(param); }

 protected:
  Adam(std::vector<Tensor> params, AdamOptions options, bool decoupled);

 private:
  AdamOptions options_;
  bool decoupled_;
  std::vector<int64_t> steps_;  // per parameter: how many updates it has had
  std::vector<Tensor> m_, v_;   // first and second moments, undefined until the first update
};

// Adam with decoupled weight decay (Loshchilov & Hutter, 2019).
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions options = {});
  // Every value as given (an AdamOptions says weight_decay explicitly).
  AdamW(std::vector<Tensor> params, const AdamOptions& options);
};

// Scales all gradients together so that their total L2 norm (over every element of every defined
// grad) is at most max_norm: by max_norm / (norm + 1e-6) when that is below 1, as
// torch.nn.utils.clip_grad_norm_. Returns the norm before clipping. Each clipped gradient is
// replaced by a scaled copy (gradients may share storage with other tensors).
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

}  // namespace candor::nn
