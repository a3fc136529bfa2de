// Inverted dropout (Srivastava et al., 2014): y = x * m / (1 - p), m ~ Bernoulli(1 - p), drawn
// from the seeded generator. The gradient is the same mask, through mul.
#include <fmt/format.h>

#include "engine/error.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  check_floating(x, "dropout");
  if (!(p >= 0 && p <= 1)) throw ValueError(fmt::format("dropout: p must be in [0, 1], got {}", p));
  if (!training || p == 0) return x;
  if (p == 1) return x * zeros({}, x.dtype(), x.device());
  Tensor keep = bernoulli(x.shape(), 1.0 - p, x.dtype(), gen, x.device());
  return x * (keep * (1.0 / (1.0 - p)));
}

}  // namespace candor
