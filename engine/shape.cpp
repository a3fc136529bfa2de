#include "engine/shape.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/error.h"

namespace candor {

namespace {
// a * b, or ShapeError when the product leaves int64 (a user can ask for --hidden 2^62).
int64_t checked_mul(int64_t a, int64_t b, const Shape& shape) {
  int64_t out;
  if (__builtin_mul_overflow(a, b, &out)) {
    throw ShapeError(fmt::format("shape {}: the number of elements overflows a 64-bit integer", format_shape(shape)));
  }
  return out;
}
}  // namespace

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n = checked_mul(n, s, shape);
  return n;
}

int64_t storage_bytes(const Shape& shape, int64_t itemsize) { return checked_mul(numel(shape), itemsize, shape); }

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride = checked_mul(stride, shape[i], shape);
  }
  return strides;
}

std::string format_shape(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op) {
  if (axis < -ndim || axis >= ndim) {
    throw IndexError(fmt::format("{}: axis {} is out of range for a tensor of {} dimensions", op,
                                 axis, ndim));
  }
  return axis < 0 ? axis + ndim : axis;
}

std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t ndim,
                                    const char* op) {
  std::vector<int64_t> out;
  if (axes.empty()) {
    for (int64_t i = 0; i < ndim; ++i) out.push_back(i);
    return out;
  }
  for (int64_t a : axes) out.push_back(normalize_axis(a, ndim, op));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    throw IndexError(fmt::format("{}: axis list {} repeats an axis", op, format_shape(axes)));
  }
  return out;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1) {
      throw ShapeError(fmt::format("{}: shapes {} and {} cannot be broadcast (dimension {}: {} vs {})",
                                   op, format_shape(a), format_shape(b), i, da, db));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> strides(out.size(), 0);
  std::vector<int64_t> in_strides = contiguous_strides(in);
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) {
    strides[lead + i] = in[i] == 1 ? 0 : in_strides[i];
  }
  return strides;
}

}  // namespace candor
