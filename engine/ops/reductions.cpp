// Reductions over any set of axes, with keepdim. The kernel reduces one axis at a time; the op
// records a single node. Gradients broadcast the output gradient back over the reduced axes.
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

namespace {

Shape kept_shape(const Shape& shape, const std::vector<int64_t>& axes) {
  Shape kept = shape;
  for (int64_t a : axes) kept[a] = 1;
  return kept;
}

Shape dropped_shape(const Shape& shape, const std::vector<int64_t>& axes) {
  Shape out;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) out.push_back(shape[i]);
  }
  return out;
}

// Reduces x over `axes` (normalised), returning the keepdim-shaped result outside the graph.
Tensor reduce_axes(ReduceOp op, const Tensor& x, const std::vector<int64_t>& axes) {
  if (axes.empty()) return cast(x.detach(), x.dtype());  // a copy, never an alias of x
  Tensor r = x.detach();
  for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
    Shape shape = r.shape();
    shape[*it] = 1;
    Tensor next = Tensor::empty(shape, r.dtype(), r.device());
    backend(r).reduce(op, r, *it, next);
    r = next;
  }
  return r;
}

// Gives `r` (keepdim-shaped) the requested shape as a fresh tensor over the same data.
Tensor finish_shape(const Tensor& r, const Shape& x_shape, const std::vector<int64_t>& axes,
                    bool keepdim) {
  Tensor out = r.detach();
  if (!keepdim) out.impl()->shape = dropped_shape(x_shape, axes);
  return out;
}

Tensor extreme(ReduceOp op, const Tensor& x, const std::vector<int64_t>& axes_in, bool keepdim,
               const char* name) {
  check_defined(x, name);
  auto axes = normalize_axes(axes_in, x.dim(), name);
  for (int64_t a : axes) {
    if (x.shape()[a] == 0) {
      throw ValueError(fmt::format("{}: cannot reduce over axis {} of size 0 in shape {}", name, a,
                                   format_shape(x.shape())));
    }
  }
  Tensor kept = reduce_axes(op, x, axes);
  Tensor out = finish_shape(kept, x.shape(), axes, keepdim);
  // d max / dx: the gradient goes to the elements equal to the maximum, split evenly among ties.
  record(out, name, {x}, [x, kept, axes](const Tensor& g, const Tensor&) {
    Tensor mask = eq(x, kept);
    Tensor share = mask / sum(mask, axes, true);
    return grads{reshape(g, kept.shape()) * share};
  });
  return out;
}

}  // namespace

// y = sum over axes of x;  dy/dx = 1 (the gradient is broadcast back over the reduced axes)
Tensor sum(const Tensor& x, const std::vector<int64_t>& axes_in, bool keepdim) {
  check_defined(x, "sum");
  auto axes = normalize_axes(axes_in, x.dim(), "sum");
  Tensor out = finish_shape(reduce_axes(ReduceOp::Sum, x, axes), x.shape(), axes, keepdim);
  record(out, "sum", {x}, [in_shape = x.shape(), kept = kept_shape(x.shape(), axes)](
                              const Tensor& g, const Tensor&) {
    return grads{expand(reshape(g, kept), in_shape)};
  });
  return out;
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& axes_in, bool keepdim) {
  check_floating(x, "mean");
  auto axes = normalize_axes(axes_in, x.dim(), "mean");
  int64_t count = 1;
  for (int64_t a : axes) count *= x.shape()[a];
  return sum(x, axes, keepdim) / static_cast<double>(count);
}

Tensor max(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return extreme(ReduceOp::Max, x, axes, keepdim, "max");
}
Tensor min(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return extreme(ReduceOp::Min, x, axes, keepdim, "min");
}

// var = sum((x - mean)^2) / (n - correction)
Tensor var(const Tensor& x, const std::vector<int64_t>& axes_in, int64_t correction, bool keepdim) {
  check_floating(x, "var");
  auto axes = normalize_axes(axes_in, x.dim(), "var");
  int64_t count = 1;
  for (int64_t a : axes) count *= x.shape()[a];
  Tensor centred = x - mean(x, axes, true);
  return sum(centred * centred, axes, keepdim) / static_cast<double>(count - correction);
}

namespace {
Tensor arg_extreme(bool is_max, const Tensor& x, int64_t axis, bool keepdim, const char* name) {
  check_defined(x, name);
  int64_t a = normalize_axis(axis, x.dim(), name);
  if (x.shape()[a] == 0) {
    throw ValueError(fmt::format("{}: axis {} of shape {} is empty", name, axis, format_shape(x.shape())));
  }
  Shape shape = x.shape();
  shape[a] = 1;
  Tensor out = Tensor::empty(shape, kInt64, x.device());
  backend(x).arg_reduce(is_max, x, a, out);
  return keepdim ? out : finish_shape(out, x.shape(), {a}, false);
}
}  // namespace

Tensor argmax(const Tensor& x, int64_t axis, bool keepdim) {
  return arg_extreme(true, x, axis, keepdim, "argmax");
}
Tensor argmin(const Tensor& x, int64_t axis, bool keepdim) {
  return arg_extreme(false, x, axis, keepdim, "argmin");
}

// log sum exp x = m + log sum exp(x - m) with m = max x held constant: exact, and no overflow.
// Where m is infinite (all entries -inf, or some +inf) shifting by it would give NaN: use 0.
Tensor logsumexp(const Tensor& x, const std::vector<int64_t>& axes_in, bool keepdim) {
  check_floating(x, "logsumexp");
  auto axes = normalize_axes(axes_in, x.dim(), "logsumexp");
  Tensor m = max(x.detach(), axes, true);
  m = where(eq(abs(m), scalar(std::numeric_limits<double>::infinity(), m.dtype(), m.device())), zeros_like(m), m);
  Tensor out = log(sum(exp(x - m), axes, true)) + m;
  return keepdim ? out : reshape(out, dropped_shape(x.shape(), axes));
}

// The reverse of broadcasting: sums leading dimensions away and size-1 dimensions back to 1.
Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  if (lead < 0) {
    throw ShapeError(fmt::format("sum_to: cannot reduce shape {} to {}", format_shape(x.shape()),
                                 format_shape(shape)));
  }
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (i < lead || (shape[i - lead] == 1 && x.shape()[i] != 1)) {
      axes.push_back(i);
    } else if (shape[i - lead] != x.shape()[i]) {
      throw ShapeError(fmt::format("sum_to: cannot reduce shape {} to {}", format_shape(x.shape()),
                                   format_shape(shape)));
    }
  }
  return reshape(sum(x, axes, false), shape);
}

}  // namespace candor
