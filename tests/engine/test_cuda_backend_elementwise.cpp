// The CUDA backend's elementwise kernels (engine/cuda/elementwise.cu) against the CPU backend's,
// table entry by table entry, on every dtype, broadcasting shapes, empty tensors and NaN; and
// the index arithmetic they share (engine/cuda/index.h), which runs on the CPU too and is checked
// here against a plain loop on every machine. GPU cases skip without a GPU (tests/support/gpu.h).
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "engine/backend.h"
#include "engine/cuda/index.h"
#include "engine/engine.h"
#include "tests/engine/cuda_backend_checks.h"
#include "tests/support/checks.h"
#include "tests/support/gpu.h"

using namespace candor;
using namespace candor::testing;

namespace {

// The offset of every flat index of `out`, by unravelling it and applying `strides` directly.
void check_index(const cuda::StridedIndex& index, const Shape& out,
                 const std::vector<int64_t>& strides) {
  for (int64_t j = 0; j < numel(out); ++j) {
    std::vector<int64_t> at = unravel(j, out);
    int64_t expected = 0;
    for (size_t d = 0; d < at.size(); ++d) expected += at[d] * strides[d];
    INFO("flat index " << j);
    CHECK(index.offset(j) == expected);
  }
}

// (out, a, b) shapes: same, scalar, row, column, middle axis, both broadcast, rank difference,
// and empty.
struct Broadcast {
  Shape out, a, b;
};
const std::vector<Broadcast> kBroadcasts = {
    {{3, 4}, {3, 4}, {3, 4}},          {{3, 4}, {3, 4}, {}},         {{3, 4}, {}, {3, 4}},
    {{3, 4}, {3, 4}, {4}},             {{3, 4}, {3, 1}, {3, 4}},     {{2, 3, 4}, {2, 3, 4}, {2, 1, 4}},
    {{3, 4}, {3, 1}, {1, 4}},          {{5, 4, 3}, {5, 1, 3}, {4, 1}}, {{0, 4}, {0, 4}, {4}}};

}  // namespace

TEST_CASE("cuda index: broadcast offsets drop size-1 axes and merge contiguous ones") {
  // [3, 1] read as [2, 3, 4]: only the middle digit moves the offset.
  cuda::StridedIndex column = cuda::broadcast_index({3, 1}, {2, 3, 4}, "test");
  CHECK(column.ndim == 3);
  check_index(column, {2, 3, 4}, {0, 1, 0});
  // A contiguous input is one axis of stride 1; a scalar one axis of stride 0.
  cuda::StridedIndex same = cuda::broadcast_index({2, 3, 4}, {2, 3, 4}, "test");
  CHECK(same.ndim == 1);
  CHECK(same.stride[0] == 1);
  check_index(same, {2, 3, 4}, {12, 4, 1});
  cuda::StridedIndex scalar = cuda::broadcast_index({}, {2, 3}, "test");
  CHECK(scalar.ndim == 1);
  check_index(scalar, {2, 3}, {0, 0});
  // Leading broadcast axes and a middle size-1 axis.
  check_index(cuda::broadcast_index({4, 1, 5}, {2, 4, 3, 5}, "test"), {2, 4, 3, 5}, {0, 5, 0, 1});
  check_index(cuda::broadcast_index({1, 1}, {1, 1}, "test"), {1, 1}, {0, 0});
}

TEST_CASE("cuda index: permute offsets, and too many axes is a DeviceError") {
  // [2, 3, 4] permuted by (2, 0, 1): out [4, 2, 3] reads strides (1, 12, 4); the last two merge.
  cuda::StridedIndex p = cuda::permute_index({2, 3, 4}, {2, 0, 1}, "test");
  CHECK(p.ndim == 2);
  check_index(p, {4, 2, 3}, {1, 12, 4});
  check_index(cuda::permute_index({2, 3, 4, 5}, {1, 3, 0, 2}, "test"), {3, 5, 2, 4},
              {20, 1, 60, 5});
  check_index(cuda::permute_index({2, 3}, {0, 1}, "test"), {2, 3}, {3, 1});
  // Nine axes of 2 reversed: no two neighbours merge.
  Shape nine(9, 2);
  check_throws<DeviceError>([&] { cuda::permute_index(nine, {8, 7, 6, 5, 4, 3, 2, 1, 0}, "permute"); },
                            {"permute", "8 axes"});
}

TEST_CASE("cuda backend: fill and cast match the CPU on every dtype") {
  if (!have_gpu()) return;
  for (DType dtype : kAllTypes) {
    for (const Shape& shape : std::vector<Shape>{{}, {0}, {7}, {3, 100000}}) {
      compare({}, shape, dtype, 0.0, [](Backend& b, const std::vector<Tensor>&, Tensor& out) {
        b.fill(out, -2.5);
      }, "fill " + dtype_name(dtype) + " " + format_shape(shape));
    }
  }
  for (DType from : kAllTypes) {
    for (DType to : kAllTypes) {
      Tensor x = sample({5, 7}, from, 1);
      compare({x}, x.shape(), to, 0.0, [](Backend& b, const std::vector<Tensor>& in, Tensor& out) {
        b.cast(in[0], out);
      }, "cast " + dtype_name(from) + " -> " + dtype_name(to));
    }
  }
  Tensor empty = sample({0, 3}, kFloat32, 2);
  compare({empty}, empty.shape(), kFloat64, 0.0, [](Backend& b, const std::vector<Tensor>& in, Tensor& out) {
    b.cast(in[0], out);
  }, "cast empty");
}

TEST_CASE("cuda backend: unary ops match the CPU, NaN and edge values included") {
  if (!have_gpu()) return;
  const std::vector<UnaryOp> floating = {UnaryOp::Neg, UnaryOp::Exp, UnaryOp::Log,
                                         UnaryOp::Sqrt, UnaryOp::Abs, UnaryOp::Sign,
                                         UnaryOp::Tanh, UnaryOp::Sigmoid, UnaryOp::Relu,
                                         UnaryOp::Erf, UnaryOp::Softplus, UnaryOp::Not};
  // NaN only where the CPU's (Eigen's) answer for NaN is certainly NaN.
  const std::vector<UnaryOp> nan_safe = {UnaryOp::Neg, UnaryOp::Log, UnaryOp::Sqrt, UnaryOp::Abs,
                                         UnaryOp::Sign, UnaryOp::Erf, UnaryOp::Not};
  for (DType dtype : kFloatTypes) {
    // Zeros (log 0 = -inf, sign 0, not 0) and negatives (log, sqrt: NaN) on both sides.
    Tensor x = with_value(sample({4, 1000}, dtype, 3), {0, 1, 17}, 0.0);
    Tensor x_nan = with_value(x, {5, 999, 2500}, std::nan(""));
    for (UnaryOp op : floating) {
      const auto run = [op](Backend& b, const std::vector<Tensor>& in, Tensor& out) {
        b.unary(op, in[0], out);
      };
      const std::string what = "unary " + std::to_string(static_cast<int>(op)) + " " + dtype_name(dtype);
      compare({x}, x.shape(), dtype, tolerance(dtype), run, what);
      bool with_nan = false;
      for (UnaryOp s : nan_safe) with_nan = with_nan || s == op;
      if (with_nan) compare({x_nan}, x.shape(), dtype, tolerance(dtype), run, what + " NaN");
      Tensor empty = sample({2, 0}, dtype, 4);
      compare({empty}, empty.shape(), dtype, 0.0, run, what + " empty");
    }
  }
  Tensor ids = sample({3, 50}, kInt64, 5);
  for (UnaryOp op : {UnaryOp::Neg, UnaryOp::Abs, UnaryOp::Sign, UnaryOp::Relu, UnaryOp::Not}) {
    compare({ids}, ids.shape(), kInt64, 0.0, [op](Backend& b, const std::vector<Tensor>& in, Tensor& out) {
      b.unary(op, in[0], out);
    }, "unary int64 " + std::to_string(static_cast<int>(op)));
  }
}

TEST_CASE("cuda backend: binary ops match the CPU on every broadcast shape") {
  if (!have_gpu()) return;
  const std::vector<BinaryOp> all = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div,
                                     BinaryOp::Pow, BinaryOp::Max, BinaryOp::Min, BinaryOp::Eq,
                                     BinaryOp::Ne,  BinaryOp::Lt,  BinaryOp::Le,  BinaryOp::Gt,
                                     BinaryOp::Ge,  BinaryOp::And};
  uint64_t seed = 10;
  for (DType dtype : kAllTypes) {
    for (const Broadcast& s : kBroadcasts) {
      Tensor a = sample(s.a, dtype, ++seed), b = sample(s.b, dtype, ++seed);
      if (dtype == kInt64) {
        // Nonzero divisors (integer division by 0 is undefined); int64 Pow is checked below.
        b = add(abs(b), scalar(1, kInt64));
        b = with_value(b, {0}, 3);
      } else {
        // Equal elements for the comparisons, NaN for max/min, 0 for And.
        b = with_value(b, {1}, a.numel() > 1 ? a.to_vector<double>()[1] : 0.0);
        a = with_value(a, {2}, std::nan(""));
        b = with_value(b, {3}, std::nan(""));
        a = with_value(a, {4}, 0.0);
      }
      for (BinaryOp op : all) {
        if (dtype == kInt64 && op == BinaryOp::Pow) continue;  // below, with chosen exponents
        const std::string what = "binary " + std::to_string(static_cast<int>(op)) + " " +
                                 dtype_name(dtype) + " " + format_shape(s.a) + " " + format_shape(s.b);
        compare({a, b}, s.out, dtype, tolerance(dtype), [op](Backend& be, const std::vector<Tensor>& in, Tensor& out) {
          be.binary(op, in[0], in[1], out);
        }, what);
      }
    }
  }
  // Small, negative and overflowing exponents (5^28 wraps modulo 2^64).
  Tensor base = sample({6, 8}, kInt64, 30);
  Tensor exponent = from_vector(std::vector<int64_t>{0, 1, 2, 3, 4, -1, -2, 28}, {8});
  compare({base, exponent}, {6, 8}, kInt64, 0.0, [](Backend& b, const std::vector<Tensor>& in, Tensor& out) {
    b.binary(BinaryOp::Pow, in[0], in[1], out);
  }, "pow int64");
}

TEST_CASE("cuda backend: where, clamp and expand match the CPU") {
  if (!have_gpu()) return;
  uint64_t seed = 40;
  for (DType cond_type : kAllTypes) {
    for (DType dtype : kAllTypes) {
      for (const Broadcast& s : kBroadcasts) {
        // A condition of zeros and nonzeros, broadcast against a's shape.
        Tensor cond = with_value(sample(s.a, cond_type, ++seed), {0, 2, 3}, 0.0);
        Tensor a = sample(s.out, dtype, ++seed), b = sample(s.b, dtype, ++seed);
        compare({cond, a, b}, s.out, dtype, 0.0, [](Backend& be, const std::vector<Tensor>& in, Tensor& out) {
          be.where(in[0], in[1], in[2], out);
        }, "where " + dtype_name(cond_type) + " " + dtype_name(dtype) + " " + format_shape(s.out));
      }
    }
  }
  for (DType dtype : kAllTypes) {
    Tensor x = sample({7, 300}, dtype, 50);
    if (dtype != kInt64) x = with_value(x, {3, 11}, std::nan(""));
    const std::vector<std::pair<std::optional<double>, std::optional<double>>> bounds = {
        {-1.0, 2.0}, {-1.5, std::nullopt}, {std::nullopt, 0.5}, {1.0, 1.0}};
    for (const auto& bound : bounds) {
      compare({x}, x.shape(), dtype, 0.0, [&bound](Backend& b, const std::vector<Tensor>& in, Tensor& out) {
        b.clamp(in[0], bound.first, bound.second, out);
      }, "clamp " + dtype_name(dtype));
    }
    Tensor empty = sample({0}, dtype, 51);
    compare({empty}, {0}, dtype, 0.0, [](Backend& b, const std::vector<Tensor>& in, Tensor& out) {
      b.clamp(in[0], 0.0, 1.0, out);
    }, "clamp empty");
    for (const Broadcast& s : kBroadcasts) {
      Tensor small = sample(s.b, dtype, ++seed);
      compare({small}, s.out, dtype, 0.0, [](Backend& b, const std::vector<Tensor>& in, Tensor& out) {
        b.expand(in[0], out);
      }, "expand " + dtype_name(dtype) + " " + format_shape(s.b) + " -> " + format_shape(s.out));
    }
  }
}

TEST_CASE("cuda backend: the grid-stride loop covers more elements than one grid") {
  if (!have_gpu()) return;
  // 65535 blocks of 256 threads cover 16.8M elements; 18M make every thread loop twice.
  Tensor a = sample({300, 60000}, kFloat32, 60), b = sample({60000}, kFloat32, 61);
  compare({a, b}, a.shape(), kFloat32, 0.0, [](Backend& be, const std::vector<Tensor>& in, Tensor& out) {
    be.binary(BinaryOp::Add, in[0], in[1], out);
  }, "add [300, 60000] + [60000]");
}
