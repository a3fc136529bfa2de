// Loss functions, composed from primitives so that their gradients (and second derivatives)
// come from the ops they are built of. Shapes: N samples, C classes.
#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

namespace {
Tensor reduce(const Tensor& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return losses;
    case Reduction::Sum: return sum(losses);
    case Reduction::Mean: return mean(losses);
  }
  return losses;
}
}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight,
                     int64_t ignore_index, Reduction reduction) {
  check_floating(logits, "cross_entropy");
  check_int64(target, "cross_entropy", "target");
  check_same_device({logits, target, weight}, "cross_entropy");
  if (logits.dim() != 2 || target.dim() != 1 || target.shape()[0] != logits.shape()[0]) {
    throw ShapeError(fmt::format("cross_entropy: expects logits [N, C] and target [N], got {} and {}",
                                 format_shape(logits.shape()), format_shape(target.shape())));
  }
  int64_t classes = logits.shape()[1];
  if (weight.defined() && weight.shape() != Shape{classes}) {
    throw ShapeError(fmt::format("cross_entropy: class weight must be [{}], got {}", classes,
                                 format_shape(weight.shape())));
  }
  const Tensor host_target = target.cpu();  // checked on the host, as index ranges are
  const int64_t* t = host_target.data<int64_t>();
  for (int64_t i = 0; i < target.numel(); ++i) {
    if (t[i] != ignore_index && (t[i] < 0 || t[i] >= classes)) {
      throw IndexError(fmt::format("cross_entropy: target {} at position {} is not a class in [0, {})",
                                   t[i], i, classes));
    }
  }
  Tensor counted = ne(target, scalar(static_cast<double>(ignore_index), kInt64, target.device()));  // [N], 0/1
  Tensor safe_target = where(counted, target, zeros({}, kInt64, target.device()));                   // [N]
  // float32 stays accurate for a 50257-way vocabulary: the log-softmax sums its exponentials in
  // double (cpu/nn.cpp), and the sums over samples below accumulate in double (cpu/reduce.cpp).
  Tensor log_probs = log_softmax(logits, 1);                                         // [N, C]
  Tensor picked = squeeze(gather(log_probs, 1, unsqueeze(safe_target, 1)), 1);       // [N]
  Tensor w = cast(counted, logits.dtype());                                          // [N]
  if (weight.defined()) w = w * index_select(cast(weight, logits.dtype()), 0, safe_target);
  Tensor losses = neg(picked * w);
  // PyTorch's mean divides by the total weight of the counted targets, not by N.
  if (reduction == Reduction::Mean) return sum(losses) / sum(w);
  return reduce(losses, reduction);
}

// -[pw y log s(x) + (1 - y) log(1 - s(x))] = (1 - y) x + (1 + (pw - 1) y) softplus(-x),
// using log s(x) = -softplus(-x) and log(1 - s(x)) = -x - softplus(-x).
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const Tensor& weight, const Tensor& pos_weight,
                                        Reduction reduction) {
  check_floating(logits, "binary_cross_entropy_with_logits");
  check_floating(target, "binary_cross_entropy_with_logits");
  check_same_device({logits, target, weight, pos_weight}, "binary_cross_entropy_with_logits");
  if (target.shape() != logits.shape()) {
    throw ShapeError(fmt::format("binary_cross_entropy_with_logits: target shape {} differs from "
                                 "logits shape {}", format_shape(target.shape()),
                                 format_shape(logits.shape())));
  }
  Tensor y = cast(target, logits.dtype());
  Tensor loss = (1.0 - y) * logits;
  Tensor sp = softplus(neg(logits));
  loss = pos_weight.defined() ? loss + (1.0 + (pos_weight - 1.0) * y) * sp : loss + sp;
  if (weight.defined()) loss = loss * weight;
  if (loss.shape() != logits.shape()) {
    throw ShapeError(fmt::format("binary_cross_entropy_with_logits: weights broadcast the loss to {}, "
                                 "not the logits' shape {}", format_shape(loss.shape()),
                                 format_shape(logits.shape())));
  }
  return reduce(loss, reduction);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_floating(input, "mse_loss");
  check_defined(target, "mse_loss", "target");
  check_same_device({input, target}, "mse_loss");
  if (input.shape() != target.shape()) {
    throw ShapeError(fmt::format("mse_loss: input shape {} differs from target shape {}",
                                 format_shape(input.shape()), format_shape(target.shape())));
  }
  Tensor diff = input - target;
  return reduce(diff * diff, reduction);
}

}  // namespace candor
