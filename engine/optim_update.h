// One element of each optimizer update, in double: the arithmetic the CPU (engine/cpu/optim.cpp)
// and CUDA (engine/cuda/optim.cu) kernels share, so both backends compute the same formula.
#pragma once

#include <cmath>

#include "engine/host_device.h"

namespace candor {

// Adam/AdamW (Kingma & Ba, 2015; Loshchilov & Hutter, 2019), as torch.optim.Adam(W):
// g = grad + l2 w;  w *= shrink;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
// w -= step_size m / (sqrt(v) / bc2_sqrt + eps). Updates w, m and v in place.
CANDOR_HOST_DEVICE inline void adam_element(double& w, double grad, double& m, double& v, double beta1,
                                            double beta2, double eps, double l2, double shrink,
                                            double step_size, double bc2_sqrt) {
  const double g = grad + l2 * w;
  w *= shrink;
  m = beta1 * m + (1 - beta1) * g;
  v = beta2 * v + (1 - beta2) * g * g;
  w -= step_size * m / (sqrt(v) / bc2_sqrt + eps);
}

// SGD with momentum, as torch.optim.SGD: g = grad + wd w;  buf = g (first step) or
// momentum buf + (1 - dampening) g;  g = g + momentum buf (Nesterov) or buf;  returns w - lr g.
// `buf` is read and updated only when has_buf (momentum > 0).
CANDOR_HOST_DEVICE inline double sgd_element(double w, double grad, bool has_buf, double& buf, bool first,
                                             double lr, double momentum, double dampening,
                                             double weight_decay, bool nesterov) {
  double g = grad;
  if (weight_decay != 0) g += weight_decay * w;
  if (has_buf) {
    buf = first ? g : momentum * buf + (1 - dampening) * g;
    g = nesterov ? g + momentum * buf : buf;
  }
  return w - lr * g;
}

}  // namespace candor
