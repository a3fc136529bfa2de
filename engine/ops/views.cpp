// Shape views. reshape, flatten, squeeze, unsqueeze and narrow on axis 0 share the input's
// storage (no copy); expand materialises a broadcast. Each gradient is the inverse reshaping.
#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

namespace {
// A new tensor over x's storage with another shape and an extra element offset.
Tensor alias(const Tensor& x, const Shape& shape, int64_t extra_offset = 0) {
  Tensor view = x.detach();
  view.impl()->shape = shape;
  view.impl()->offset += extra_offset;
  return view;
}

// The reshape every view shares: y has x's elements in order; dy/dx reshapes back.
Tensor view_as_shape(const Tensor& x, const Shape& shape, const char* name) {
  Tensor out = alias(x, shape);
  record(out, name, {x}, [in_shape = x.shape()](const Tensor& g, const Tensor&) {
    return grads{reshape(g, in_shape)};
  });
  return out;
}
}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  check_defined(x, "reshape");
  Shape resolved = shape;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer_at >= 0) throw ShapeError(fmt::format("reshape: shape {} has more than one -1", format_shape(shape)));
      infer_at = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      throw ShapeError(fmt::format("reshape: invalid dimension {} in shape {}", shape[i], format_shape(shape)));
    } else {
      known *= shape[i];
    }
  }
  if (infer_at >= 0 && known != 0 && x.numel() % known == 0) resolved[infer_at] = x.numel() / known;
  if (numel(resolved) != x.numel() || (infer_at >= 0 && known == 0)) {
    throw ShapeError(fmt::format("reshape: cannot view shape {} ({} elements) as {}",
                                 format_shape(x.shape()), x.numel(), format_shape(shape)));
  }
  return view_as_shape(x, resolved, "reshape");
}

Tensor flatten(const Tensor& x, int64_t start_axis, int64_t end_axis) {
  check_defined(x, "flatten");
  if (x.dim() == 0) return reshape(x, {1});
  int64_t s = normalize_axis(start_axis, x.dim(), "flatten");
  int64_t e = normalize_axis(end_axis, x.dim(), "flatten");
  if (s > e) throw IndexError(fmt::format("flatten: start axis {} comes after end axis {}", start_axis, end_axis));
  Shape shape(x.shape().begin(), x.shape().begin() + s);
  int64_t merged = 1;
  for (int64_t i = s; i <= e; ++i) merged *= x.shape()[i];
  shape.push_back(merged);
  shape.insert(shape.end(), x.shape().begin() + e + 1, x.shape().end());
  return view_as_shape(x, shape, "flatten");
}

// Removes `axis` if its size is 1 (otherwise returns a view of the same shape, as PyTorch).
Tensor squeeze(const Tensor& x, int64_t axis) {
  check_defined(x, "squeeze");
  int64_t a = normalize_axis(axis, x.dim(), "squeeze");
  Shape shape = x.shape();
  if (shape[a] == 1) shape.erase(shape.begin() + a);
  return view_as_shape(x, shape, "squeeze");
}

Tensor unsqueeze(const Tensor& x, int64_t axis) {
  check_defined(x, "unsqueeze");
  int64_t a = normalize_axis(axis, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(shape.begin() + a, 1);
  return view_as_shape(x, shape, "unsqueeze");
}

// Rows start .. start+length-1 along `axis`: a view for axis 0, a copy (slice) otherwise.
Tensor narrow(const Tensor& x, int64_t axis, int64_t start, int64_t length) {
  check_defined(x, "narrow");
  int64_t a = normalize_axis(axis, x.dim(), "narrow");
  int64_t size = x.shape()[a];
  if (start < 0) start += size;
  if (start < 0 || length < 0 || start + length > size) {
    throw IndexError(fmt::format("narrow: range [{}, {}) is outside axis {} of size {}", start,
                                 start + length, axis, size));
  }
  if (a != 0) return slice(x, a, start, start + length);
  Shape shape = x.shape();
  shape[0] = length;
  Tensor out = alias(x, shape, start * (x.numel() / std::max<int64_t>(size, 1)));
  record(out, "narrow", {x}, [in_shape = x.shape(), start, length](const Tensor& g, const Tensor&) {
    // Pad the gradient back to the full axis: zeros before and after the narrowed rows.
    std::vector<Tensor> parts;
    Shape before = in_shape, after = in_shape;
    before[0] = start;
    after[0] = in_shape[0] - start - length;
    if (before[0] > 0) parts.push_back(zeros(before, g.dtype(), g.device()));
    parts.push_back(g);
    if (after[0] > 0) parts.push_back(zeros(after, g.dtype(), g.device()));
    return grads{parts.size() == 1 ? g : concat(parts, 0)};
  });
  return out;
}

// Broadcast copy; the gradient sums back over the broadcast dimensions.
Tensor expand(const Tensor& x, const Shape& shape) {
  check_defined(x, "expand");
  if (shape.size() < x.shape().size() || broadcast_shapes(x.shape(), shape, "expand") != shape) {
    throw ShapeError(fmt::format("expand: shape {} cannot be broadcast to {}",
                                 format_shape(x.shape()), format_shape(shape)));
  }
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  backend(x).expand(x, out);
  record(out, "expand", {x}, [in_shape = x.shape()](const Tensor& g, const Tensor&) {
    return grads{sum_to(g, in_shape)};
  });
  return out;
}

}  // namespace candor
