// Ops that move elements: permute/transpose, strided slices, concat and stack. Each backward
// moves the gradient back to where the element came from.
#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

// y = x with axes reordered: y[i_axes[0], i_axes[1], ...] = x[i_0, i_1, ...];
// dy/dx: permute the gradient by the inverse order.
Tensor permute(const Tensor& x, const std::vector<int64_t>& axes_in) {
  check_defined(x, "permute");
  if (static_cast<int64_t>(axes_in.size()) != x.dim()) {
    throw ShapeError(fmt::format("permute: {} axes given for a tensor of {} dimensions",
                                 axes_in.size(), x.dim()));
  }
  std::vector<int64_t> axes = axes_in;
  for (int64_t& a : axes) a = normalize_axis(a, x.dim(), "permute");
  std::vector<int64_t> inverse(axes.size(), -1);
  for (size_t i = 0; i < axes.size(); ++i) {
    if (inverse[axes[i]] != -1) {
      throw IndexError(fmt::format("permute: axis {} appears twice in {}", axes[i], format_shape(axes_in)));
    }
    inverse[axes[i]] = static_cast<int64_t>(i);
  }
  Shape shape(axes.size());
  for (size_t i = 0; i < axes.size(); ++i) shape[i] = x.shape()[axes[i]];
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  backend(x).permute(x, axes, out);
  record(out, "permute", {x}, [inverse](const Tensor& g, const Tensor&) {
    return grads{permute(g, inverse)};
  });
  return out;
}

Tensor transpose(const Tensor& x, int64_t a, int64_t b) {
  check_defined(x, "transpose");
  std::vector<int64_t> axes(x.dim());
  for (int64_t i = 0; i < x.dim(); ++i) axes[i] = i;
  std::swap(axes[normalize_axis(a, x.dim(), "transpose")], axes[normalize_axis(b, x.dim(), "transpose")]);
  return permute(x, axes);
}

namespace {
// The gradient of a slice: zeros of the input's shape with g written at the sliced positions.
// It is linear in g, and its own gradient is the slice again.
Tensor unslice(const Tensor& g, const Shape& in_shape, int64_t axis, int64_t start, int64_t step) {
  Tensor out = zeros(in_shape, g.dtype(), g.device());
  backend(g).write_slice(g, axis, start, step, out);
  record(out, "unslice", {g}, [axis, start, step, length = g.shape()[axis]](const Tensor& gg, const Tensor&) {
    return grads{slice(gg, axis, start, start + length * step, step)};
  });
  return out;
}
}  // namespace

Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t end, int64_t step) {
  check_defined(x, "slice");
  int64_t a = normalize_axis(axis, x.dim(), "slice");
  if (step <= 0) throw ValueError(fmt::format("slice: step must be positive, got {}", step));
  int64_t size = x.shape()[a];
  // Python semantics: negative bounds count from the end, out-of-range bounds are clipped.
  auto clip = [size](int64_t i) { return std::clamp(i < 0 ? i + size : i, int64_t{0}, size); };
  int64_t s = clip(start), e = clip(end);
  int64_t length = e > s ? (e - s + step - 1) / step : 0;
  Shape shape = x.shape();
  shape[a] = length;
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  backend(x).read_slice(x, a, s, step, out);
  record(out, "slice", {x}, [in_shape = x.shape(), a, s, step](const Tensor& g, const Tensor&) {
    return grads{unslice(g, in_shape, a, s, step)};
  });
  return out;
}

// Joins tensors along an existing axis; the gradient of each is its slice of the output gradient.
Tensor concat(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty()) throw ValueError("concat: needs at least one tensor");
  for (const Tensor& t : xs) {
    check_defined(t, "concat");
    check_same_device({xs[0], t}, "concat");
  }
  const Tensor& first = xs[0];
  int64_t a = normalize_axis(axis, first.dim(), "concat");
  Shape shape = first.shape();
  shape[a] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Shape& s = xs[i].shape();
    bool fits = s.size() == first.shape().size() && xs[i].dtype() == first.dtype();
    for (size_t d = 0; fits && d < s.size(); ++d) fits = static_cast<int64_t>(d) == a || s[d] == first.shape()[d];
    if (!fits) {
      throw ShapeError(fmt::format("concat: tensor {} has shape {} ({}), which does not match {} ({}) "
                                   "outside axis {}", i, format_shape(s), dtype_name(xs[i].dtype()),
                                   format_shape(first.shape()), dtype_name(first.dtype()), a));
    }
    shape[a] += s[a];
  }
  Tensor out = Tensor::empty(shape, first.dtype(), first.device());
  std::vector<int64_t> starts, lengths;
  int64_t offset = 0;
  for (const Tensor& t : xs) {
    backend(t).write_slice(t, a, offset, 1, out);
    starts.push_back(offset);
    lengths.push_back(t.shape()[a]);
    offset += t.shape()[a];
  }
  record(out, "concat", xs, [a, starts, lengths](const Tensor& g, const Tensor&) {
    grads result;
    for (size_t i = 0; i < starts.size(); ++i) result.push_back(slice(g, a, starts[i], starts[i] + lengths[i]));
    return result;
  });
  return out;
}

Tensor stack(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty()) throw ValueError("stack: needs at least one tensor");
  check_defined(xs[0], "stack");
  int64_t a = normalize_axis(axis, xs[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (const Tensor& t : xs) {
    check_defined(t, "stack");
    check_same_device({xs[0], t}, "stack");
    if (t.shape() != xs[0].shape()) {
      throw ShapeError(fmt::format("stack: tensors must have one shape, got {} and {}",
                                   format_shape(xs[0].shape()), format_shape(t.shape())));
    }
    expanded.push_back(unsqueeze(t, a));
  }
  return concat(expanded, a);
}

}  // namespace candor
