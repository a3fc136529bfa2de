// softmax and log_softmax along one axis: fused, max-shifted kernels that sum in double. Backward
// rules use the saved output: one fused pass (Backend::softmax_backward) when no graph is built,
// else tensor ops so they can be differentiated again (their row sums accumulate in double too,
// as every float32 sum does).
#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

namespace {
// The fused kernel serves backward passes that build no graph, with g in y's dtype.
bool fused(const Tensor& g, const Tensor& y) { return !grad_mode_enabled() && g.dtype() == y.dtype(); }

Tensor fused_backward(const Tensor& g, const Tensor& y, int64_t axis, bool log) {
  Tensor dx = Tensor::empty(y.shape(), y.dtype(), y.device());
  backend(y).softmax_backward(g, y, axis, log, dx);
  return dx;
}
}  // namespace

// y = e^x / sum(e^x);  dx = y * (g - sum(g * y))
Tensor softmax(const Tensor& x, int64_t axis) {
  check_floating(x, "softmax");
  int64_t a = normalize_axis(axis, x.dim() == 0 ? 1 : x.dim(), "softmax");
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend(x).softmax(x, x.dim() == 0 ? 0 : a, false, out);
  record(out, "softmax", {x}, [a, scalar_input = x.dim() == 0](const Tensor& g, const Tensor& y) {
    if (scalar_input) return grads{zeros_like(g)};
    if (fused(g, y)) return grads{fused_backward(g, y, a, false)};
    return grads{y * (g - sum(g * y, {a}, true))};
  }, true);
  return out;
}

// y = x - log(sum(e^x));  dx = g - e^y * sum(g)
Tensor log_softmax(const Tensor& x, int64_t axis) {
  check_floating(x, "log_softmax");
  int64_t a = normalize_axis(axis, x.dim() == 0 ? 1 : x.dim(), "log_softmax");
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend(x).softmax(x, x.dim() == 0 ? 0 : a, true, out);
  record(out, "log_softmax", {x}, [a, scalar_input = x.dim() == 0](const Tensor& g, const Tensor& y) {
    if (scalar_input) return grads{zeros_like(g)};
    if (fused(g, y)) return grads{fused_backward(g, y, a, true)};
    return grads{g - exp(y) * sum(g, {a}, true)};
  }, true);
  return out;
}

}  // namespace candor
