// Shapes and the index arithmetic on them, as pure functions tested on their own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace candor {

using Shape = std::vector<int64_t>;

// The number of elements; ShapeError when it does not fit in int64.
int64_t numel(const Shape& shape);
// numel(shape) * itemsize, with the same overflow check.
int64_t storage_bytes(const Shape& shape, int64_t itemsize);
// Row-major strides, in elements.
std::vector<int64_t> contiguous_strides(const Shape& shape);
// "[2, 3]"
std::string format_shape(const Shape& shape);
// Resolves a possibly negative axis against `ndim`; `op` names the caller in the error.
int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op);
// Axes sorted, deduplicated and made non-negative; an empty list means every axis.
std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t ndim, const char* op);
// NumPy broadcasting: align on the right, sizes must match or be 1.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// Strides of `in` seen from an index of `out` (0 where `in` is broadcast); in.size() <= out.size().
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

}  // namespace candor
