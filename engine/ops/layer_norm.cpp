// Layer normalisation (Ba et al., 2016) over the trailing dimensions. Rows R = all leading
// dimensions, columns D = the normalised ones. The forward and first-order backward are fused
// kernels; when the backward itself must be differentiable (create_graph), the same formula is
// evaluated with tensor ops instead.
#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  check_floating(x, "layer_norm");
  check_same_device({x, weight, bias}, "layer_norm");
  auto k = static_cast<int64_t>(normalized_shape.size());
  bool fits = k > 0 && k <= x.dim() &&
              Shape(x.shape().end() - k, x.shape().end()) == normalized_shape;
  if (!fits) {
    throw ShapeError(fmt::format("layer_norm: normalized shape {} is not the trailing part of the "
                                 "input shape {}", format_shape(normalized_shape), format_shape(x.shape())));
  }
  for (const Tensor* p : {&weight, &bias}) {
    if (p->defined() && (p->shape() != normalized_shape || p->dtype() != x.dtype())) {
      throw ShapeError(fmt::format("layer_norm: {} must be {} ({}), got {} ({})",
                                   p == &weight ? "weight" : "bias", format_shape(normalized_shape),
                                   dtype_name(x.dtype()), format_shape(p->shape()), dtype_name(p->dtype())));
    }
  }
  int64_t cols = numel(normalized_shape);
  int64_t rows = cols == 0 ? 0 : x.numel() / cols;
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  Tensor mean = Tensor::empty({rows}, x.dtype(), x.device());  // [R]
  Tensor rstd = Tensor::empty({rows}, x.dtype(), x.device());  // [R], 1 / sqrt(var + eps)
  backend(x).layer_norm(x, weight, bias, eps, out, mean, rstd);

  std::vector<int64_t> axes;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i) axes.push_back(i);
  record(out, "layer_norm", {x, weight, bias},
         [x, weight, has_bias = bias.defined(), mean, rstd, eps, axes, normalized_shape](
             const Tensor& g, const Tensor&) {
           if (!grad_mode_enabled()) {
             Tensor dx = Tensor::empty(x.shape(), x.dtype(), x.device());
             Tensor dw = weight.defined() ? Tensor::empty(normalized_shape, x.dtype(), x.device()) : Tensor();
             Tensor db = has_bias ? Tensor::empty(normalized_shape, x.dtype(), x.device()) : Tensor();
             backend(x).layer_norm_backward(g, x, weight, mean, rstd, dx, dw, db);
             return grads{dx, dw, db};
           }
           // xhat = (x - mean) * rstd;  gy = g * weight;
           // dx = rstd * (gy - mean(gy) - xhat * mean(gy * xhat)), means over the normalised axes.
           Tensor centred = x - candor::mean(x, axes, true);
           Tensor inv_std = 1.0 / sqrt(candor::mean(centred * centred, axes, true) + eps);
           Tensor xhat = centred * inv_std;
           Tensor gy = weight.defined() ? g * weight : g;
           Tensor dx = inv_std * (gy - candor::mean(gy, axes, true) - xhat * candor::mean(gy * xhat, axes, true));
           Tensor dw = weight.defined() ? sum_to(g * xhat, normalized_shape) : Tensor();
           Tensor db = has_bias ? sum_to(g, normalized_shape) : Tensor();
           return grads{dx, dw, db};
         });
  return out;
}

}  // namespace candor
