// Creating tensors: constants, ranges, data, and random draws through candor::Generator.
#include <cmath>

#include <fmt/format.h>

#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/ops.h"

namespace candor {

Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = Tensor::empty(shape, dtype, device);
  backend(t).fill(t, value);
  return t;
}
Tensor zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0.0, dtype, device); }
Tensor ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype(), t.device()); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.dtype(), t.device()); }
Tensor scalar(double value, DType dtype, Device device) { return full({}, value, dtype, device); }

Tensor arange(double start, double end, double step, DType dtype, Device device) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step)) {
    throw ValueError(fmt::format("arange: needs finite bounds and a non-zero step, got start={}, "
                                 "end={}, step={}", start, end, step));
  }
  auto n = static_cast<int64_t>(std::max(0.0, std::ceil((end - start) / step)));
  Tensor t = Tensor::empty({n}, dtype);
  dispatch(dtype, [&]<typename T>(T) {
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return t.to(device);
}
Tensor arange(int64_t end, DType dtype, Device device) {
  return arange(0, static_cast<double>(end), 1, dtype, device);
}

Tensor eye(int64_t n, DType dtype, Device device) {
  Tensor t = zeros({n, n}, dtype);
  dispatch(dtype, [&]<typename T>(T) {
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i * n + i] = T(1);
  });
  return t.to(device);
}

namespace {
template <typename T>
Tensor from_values(const std::vector<T>& values, const Shape& shape, Device device) {
  if (static_cast<int64_t>(values.size()) != numel(shape)) {
    throw ShapeError(fmt::format("from_vector: {} values do not fill shape {} ({} elements)",
                                 values.size(), format_shape(shape), numel(shape)));
  }
  Tensor t = Tensor::empty(shape, dtype_of<T>());
  std::copy(values.begin(), values.end(), t.data<T>());
  return t.to(device);
}
}  // namespace

Tensor from_vector(const std::vector<float>& v, const Shape& s, Device d) { return from_values(v, s, d); }
Tensor from_vector(const std::vector<double>& v, const Shape& s, Device d) { return from_values(v, s, d); }
Tensor from_vector(const std::vector<int64_t>& v, const Shape& s, Device d) { return from_values(v, s, d); }

Tensor tensor(std::initializer_list<double> values, DType dtype) {
  std::vector<double> v(values);
  return cast(from_vector(v, {static_cast<int64_t>(v.size())}), dtype);
}

namespace {
Tensor draw(RandomKind kind, const Shape& shape, double a, double b, DType dtype, Generator* gen,
            Device device) {
  Generator& g = gen != nullptr ? *gen : default_generator();
  Tensor t = Tensor::empty(shape, dtype, device);
  uint64_t counter = g.reserve(random_blocks(kind, t.numel()));
  backend(t).random(kind, g, counter, a, b, t);
  return t;
}
void check_float_dtype(DType dtype, const char* op) {
  if (!is_floating(dtype)) {
    throw DTypeError(fmt::format("{}: samples need a floating dtype, got {}", op, dtype_name(dtype)));
  }
}
}  // namespace

Tensor uniform(const Shape& shape, double low, double high, DType dtype, Generator* gen,
               Device device) {
  check_float_dtype(dtype, "uniform");
  if (!(low <= high)) throw ValueError(fmt::format("uniform: low {} is above high {}", low, high));
  return draw(RandomKind::Uniform, shape, low, high, dtype, gen, device);
}
Tensor rand(const Shape& shape, DType dtype, Generator* gen, Device device) {
  return uniform(shape, 0, 1, dtype, gen, device);
}

Tensor normal(const Shape& shape, double mean, double std, DType dtype, Generator* gen,
              Device device) {
  check_float_dtype(dtype, "normal");
  if (!(std >= 0)) throw ValueError(fmt::format("normal: std must be >= 0, got {}", std));
  return draw(RandomKind::Normal, shape, mean, std, dtype, gen, device);
}
Tensor randn(const Shape& shape, DType dtype, Generator* gen, Device device) {
  return normal(shape, 0, 1, dtype, gen, device);
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator* gen, Device device) {
  if (low >= high) throw ValueError(fmt::format("randint: empty range [{}, {})", low, high));
  Generator& g = gen != nullptr ? *gen : default_generator();
  Tensor t = Tensor::empty(shape, kInt64, device);
  uint64_t counter = g.reserve(static_cast<uint64_t>(t.numel()));
  // high - low in uint64: exact for any low < high, up to 2^64 - 1 (all of int64).
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  backend(t).random_integers(g, counter, low, range, t);
  return t;
}

Tensor bernoulli(const Shape& shape, double p, DType dtype, Generator* gen, Device device) {
  if (!(p >= 0 && p <= 1)) throw ValueError(fmt::format("bernoulli: p must be in [0, 1], got {}", p));
  return draw(RandomKind::Bernoulli, shape, p, 0, dtype, gen, device);
}

Tensor permutation(int64_t n, Generator* gen, Device device) {
  if (n < 0) throw ValueError(fmt::format("permutation: n must be >= 0, got {}", n));
  // Fisher-Yates, swapping position i with a uniform position in [0, i], from one draw of n-1
  // integers (each in its own range, taken from the same Philox blocks as randint).
  Tensor perm = arange(n);
  int64_t* p = perm.data<int64_t>();
  Generator& g = gen != nullptr ? *gen : default_generator();
  uint64_t counter = g.reserve(static_cast<uint64_t>(std::max<int64_t>(n, 1)));
  for (int64_t i = n - 1; i > 0; --i) {
    int64_t j = random_below(g.block(counter + static_cast<uint64_t>(i)), i + 1);
    std::swap(p[i], p[j]);
  }
  return perm.to(device);
}

}  // namespace candor
