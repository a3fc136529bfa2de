// The CUDA backend's reductions (engine/cuda/reduce.cu) and layout kernels (engine/cuda/layout.cu)
// against the CPU backend's, table entry by table entry: every dtype, shapes that take each
// kernel variant (one block or one thread per output, more outputs than a grid), empty axes and
// outputs, NaN for max/min/argmax, ties for argmax, repeated indices for index_add and
// scatter_add. Layout, int64, max/min and the accumulating kernels must match exactly (they add
// in the CPU's order); sums to rounding. GPU cases skip without a GPU (tests/support/gpu.h).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "tests/engine/cuda_backend_checks.h"
#include "tests/support/gpu.h"

using namespace candor;
using namespace candor::testing;

namespace {

struct AxisCase {
  Shape shape;
  int64_t axis;
};
// reduce.cu's variants: one block per output for a contiguous axis longer than a warp, or for a
// middle axis with few outputs, in chunks of 2^16 when the axis is longer than that and there are
// few outputs; one thread per output otherwise.
const std::vector<AxisCase> kAxisCases = {
    {{6, 1000}, 1},    // contiguous, long: blocks
    {{50, 7}, 1},      // contiguous, short: threads
    {{3, 100, 4}, 1},  // middle axis, 12 outputs: blocks
    {{40, 20000}, 0},  // first axis, 20000 outputs: threads
    {{100000}, 0},     // one long reduction: two chunks, then a second pass
    {{3, 300000}, 1},  // long contiguous rows, few outputs: five chunks each
    {{140000, 3}, 0},  // a long strided axis, few outputs: three chunks each
    {{70000, 33}, 1},  // more outputs than blocks in a grid: the block-stride loop
    {{4, 0}, 1},       // empty axis: the identity (0, -inf, +inf)
    {{0, 5}, 1},       // no outputs
};

Shape without_axis(const Shape& shape, int64_t axis) {
  Shape out = shape;
  out.erase(out.begin() + axis);
  return out;
}

std::string describe(const std::string& op, DType dtype, const Shape& shape, int64_t axis) {
  return op + " " + dtype_name(dtype) + " " + format_shape(shape) + " axis " + std::to_string(axis);
}

}  // namespace

TEST_CASE("cuda backend: sum, max and min along an axis match the CPU") {
  if (!have_gpu()) return;
  uint64_t seed = 100;
  for (DType dtype : kAllTypes) {
    for (const AxisCase& c : kAxisCases) {
      Tensor x = sample(c.shape, dtype, ++seed);
      const Shape out = without_axis(c.shape, c.axis);
      for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min}) {
        // Sums differ from the CPU's by rounding (another grouping); float32 sums go through
        // double on both, so they differ at most in the last float bit.
        const double rel = op != ReduceOp::Sum ? 0.0 : dtype == kFloat64 ? 1e-10 : dtype == kFloat32 ? 1e-6 : 0.0;
        const int64_t axis = c.axis;
        compare({x}, out, dtype, rel, [op, axis](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
          b.reduce(op, in[0], axis, y);
        }, describe("reduce " + std::to_string(static_cast<int>(op)), dtype, c.shape, c.axis));
      }
    }
  }
}

TEST_CASE("cuda backend: max and min propagate NaN as the CPU does") {
  if (!have_gpu()) return;
  uint64_t seed = 200;
  for (DType dtype : kFloatTypes) {
    for (const AxisCase& c : kAxisCases) {
      // NaN in the first, a middle and the last position, infinities elsewhere.
      const int64_t n = numel(c.shape);
      Tensor x = with_value(sample(c.shape, dtype, ++seed), {0, n / 2, n - 1}, std::nan(""));
      x = with_value(x, {1, n / 3}, INFINITY);
      x = with_value(x, {2, n / 5}, -INFINITY);
      const Shape out = without_axis(c.shape, c.axis);
      for (ReduceOp op : {ReduceOp::Max, ReduceOp::Min}) {
        const int64_t axis = c.axis;
        compare({x}, out, dtype, 0.0, [op, axis](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
          b.reduce(op, in[0], axis, y);
        }, describe("reduce NaN " + std::to_string(static_cast<int>(op)), dtype, c.shape, c.axis));
      }
    }
  }
}

TEST_CASE("cuda backend: argmax and argmin pick the first extreme, or the first NaN") {
  if (!have_gpu()) return;
  uint64_t seed = 300;
  for (DType dtype : kAllTypes) {
    for (const AxisCase& c : kAxisCases) {
      if (c.shape[c.axis] == 0) continue;  // the ops reject an empty axis
      // Values in {0, 1, 2}: every extreme is tied many times over.
      Generator gen(++seed);
      Tensor x = cast(randint(0, 3, c.shape, &gen), dtype);
      const int64_t n = numel(c.shape);
      if (dtype != kInt64) x = with_value(x, {5, 6, n / 2, n - 1}, std::nan(""));
      const Shape out = without_axis(c.shape, c.axis);
      for (bool max : {true, false}) {
        const int64_t axis = c.axis;
        compare({x}, out, kInt64, 0.0, [max, axis](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
          b.arg_reduce(max, in[0], axis, y);
        }, describe(max ? "argmax" : "argmin", dtype, c.shape, c.axis));
      }
    }
  }
}

TEST_CASE("cuda backend: permute matches the CPU exactly") {
  if (!have_gpu()) return;
  struct Case {
    Shape shape;
    std::vector<int64_t> axes;
  };
  const std::vector<Case> cases = {{{2, 3, 4}, {2, 0, 1}}, {{2, 3, 4}, {1, 0, 2}},
                                   {{2, 3, 4}, {0, 1, 2}}, {{3, 1, 4, 5}, {3, 1, 0, 2}},
                                   {{5, 4}, {1, 0}},       {{0, 3}, {1, 0}},
                                   {{}, {}},               {{64, 33, 70}, {2, 1, 0}}};
  uint64_t seed = 400;
  for (DType dtype : kAllTypes) {
    for (const Case& c : cases) {
      Tensor x = sample(c.shape, dtype, ++seed);
      Shape out;
      for (int64_t a : c.axes) out.push_back(c.shape[a]);
      const std::vector<int64_t> axes = c.axes;
      compare({x}, out, dtype, 0.0, [axes](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
        b.permute(in[0], axes, y);
      }, "permute " + dtype_name(dtype) + " " + format_shape(c.shape));
    }
  }
}

TEST_CASE("cuda backend: read_slice and write_slice match the CPU exactly") {
  if (!have_gpu()) return;
  struct Case {
    Shape whole;  // x for read_slice, out for write_slice
    int64_t axis, start, step, length;
  };
  const std::vector<Case> cases = {{{4, 10, 3}, 1, 2, 3, 3}, {{10, 3}, 0, 1, 2, 5},
                                   {{3, 10}, 1, 0, 1, 4},    {{3, 10}, 1, 6, 1, 4},
                                   {{4, 10, 3}, 1, 5, 1, 0}, {{2, 5, 7, 3}, 2, 1, 3, 2}};
  uint64_t seed = 500;
  for (DType dtype : kAllTypes) {
    for (const Case& c : cases) {
      Shape part = c.whole;
      part[c.axis] = c.length;
      const int64_t axis = c.axis, start = c.start, step = c.step;
      const std::string what = dtype_name(dtype) + " " + format_shape(c.whole) + " axis " +
                               std::to_string(c.axis) + " start " + std::to_string(c.start) +
                               " step " + std::to_string(c.step);
      Tensor whole = sample(c.whole, dtype, ++seed);
      compare({whole}, part, dtype, 0.0, [=](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
        b.read_slice(in[0], axis, start, step, y);
      }, "read_slice " + what);
      // Writing into a random tensor: the rows the slice skips must keep their values.
      Tensor piece = sample(part, dtype, ++seed);
      compare({piece}, c.whole, dtype, 0.0, [=](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
        b.write_slice(in[0], axis, start, step, y);
      }, "write_slice " + what, sample(c.whole, dtype, ++seed));
    }
  }
}

TEST_CASE("cuda backend: index_select and index_add match the CPU exactly, repeats included") {
  if (!have_gpu()) return;
  const Shape shape = {5, 4, 3};
  // Per axis: an index with repeats (not in order), and an empty one.
  const std::vector<std::vector<std::vector<int64_t>>> indices = {
      {{1, 3, 1, 1, 0, 4}, {}}, {{2, 2, 0, 3, 2}, {}}, {{0, 0, 2, 0, 1}, {}}};
  uint64_t seed = 600;
  for (DType dtype : kAllTypes) {
    for (int64_t axis = 0; axis < 3; ++axis) {
      for (const std::vector<int64_t>& ids : indices[axis]) {
        const auto count = static_cast<int64_t>(ids.size());
        Tensor index = from_vector(ids, {count});
        Shape part = shape;
        part[axis] = count;
        const std::string what = dtype_name(dtype) + " axis " + std::to_string(axis) + " " +
                                 std::to_string(count) + " indices";
        Tensor x = sample(shape, dtype, ++seed);
        compare({x, index}, part, dtype, 0.0, [axis](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
          b.index_select(in[0], axis, in[1], y);
        }, "index_select " + what);
        // Repeated rows add in index order on both: the same float additions, the same bits.
        Tensor source = sample(part, dtype, ++seed);
        compare({index, source}, shape, dtype, 0.0, [axis](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
          b.index_add(y, axis, in[0], in[1]);
        }, "index_add " + what, sample(shape, dtype, ++seed));
      }
    }
  }
  // An embedding's backward: many repeats of few rows, wide rows.
  Generator gen(650);
  Tensor ids = randint(0, 7, {3000}, &gen);
  Tensor grad = sample({3000, 300}, kFloat32, 651);
  compare({ids, grad}, {7, 300}, kFloat32, 0.0, [](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
    b.index_add(y, 0, in[0], in[1]);
  }, "index_add embedding-like", zeros({7, 300}));
}

TEST_CASE("cuda backend: gather and scatter_add match the CPU exactly, repeats included") {
  if (!have_gpu()) return;
  const Shape shape = {3, 4, 5};
  uint64_t seed = 700;
  for (DType dtype : kAllTypes) {
    for (int64_t axis = 0; axis < 3; ++axis) {
      // Along the axis the index may be longer (repeats certain) or shorter than x, or empty.
      for (int64_t length : {shape[axis] + 3, int64_t{1}, int64_t{0}}) {
        Shape index_shape = shape;
        index_shape[axis] = length;
        Generator gen(++seed);
        Tensor index = randint(0, shape[axis], index_shape, &gen);
        const std::string what = dtype_name(dtype) + " axis " + std::to_string(axis) +
                                 " index " + format_shape(index_shape);
        Tensor x = sample(shape, dtype, ++seed);
        compare({x, index}, index_shape, dtype, 0.0, [axis](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
          b.gather(in[0], axis, in[1], y);
        }, "gather " + what);
        Tensor source = sample(index_shape, dtype, ++seed);
        compare({index, source}, shape, dtype, 0.0, [axis](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
          b.scatter_add(y, axis, in[0], in[1]);
        }, "scatter_add " + what, sample(shape, dtype, ++seed));
      }
    }
  }
  // Cross-entropy's backward: one index per row of a wide [rows, classes] gradient.
  Generator gen(750);
  Tensor target = randint(0, 1000, {512, 1}, &gen);
  Tensor ones_column = ones({512, 1});
  compare({target, ones_column}, {512, 1000}, kFloat32, 0.0, [](Backend& b, const std::vector<Tensor>& in, Tensor& y) {
    b.scatter_add(y, 1, in[0], in[1]);
  }, "scatter_add one per row", zeros({512, 1000}));
}
