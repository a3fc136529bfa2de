// Reductions: sum, mean, max, min, var, argmax/argmin, logsumexp and sum_to. Forward values are
// checked against plain loops in double written here (independently of the engine's kernels) or
// against values known from the math; every differentiable reduction is gradchecked in float64.
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>


#include <doctest/doctest.h>
#include <fmt/format.h>

#include "tests/support/checks.h"
#include "tests/support/gradcheck.h"

using namespace candor;
using namespace candor::testing;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

enum class Kind { Sum, Max, Min };

int64_t ravel(const std::vector<int64_t>& index, const Shape& shape) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}

// The axes as a membership mask (negative axes counted from the end; empty means all axes).
std::vector<bool> reduced_mask(const std::vector<int64_t>& axes, int64_t ndim) {
  std::vector<bool> mask(ndim, axes.empty());
  for (int64_t a : axes) mask[a < 0 ? a + ndim : a] = true;
  return mask;
}

// Where each input element lands in the reduced (keepdim) output, and that output's shapes.
struct Grouping {
  Shape kept, dropped;
  std::vector<int64_t> group;  // per input element
  int64_t groups = 1, count = 1;
};

Grouping group_by(const Shape& shape, const std::vector<int64_t>& axes) {
  Grouping g;
  std::vector<bool> mask = reduced_mask(axes, static_cast<int64_t>(shape.size()));
  g.kept = shape;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (mask[d]) {
      g.kept[d] = 1;
      g.count *= shape[d];
    } else {
      g.dropped.push_back(shape[d]);
    }
  }
  g.groups = numel(g.kept);
  int64_t n = numel(shape);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> index = unravel(i, shape);
    for (size_t d = 0; d < shape.size(); ++d) {
      if (mask[d]) index[d] = 0;
    }
    g.group.push_back(ravel(index, g.kept));
  }
  return g;
}

// Sum, max or min over `axes` with a plain loop in double.
Tensor reference_reduce(Kind kind, const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  Grouping g = group_by(x.shape(), axes);
  std::vector<double> v = x.to_vector<double>();
  double init = kind == Kind::Sum ? 0.0 : (kind == Kind::Max ? -kInf : kInf);
  std::vector<double> out(g.groups, init);
  for (size_t i = 0; i < v.size(); ++i) {
    double& o = out[g.group[i]];
    if (kind == Kind::Sum) o += v[i];
    if (kind == Kind::Max) o = std::max(o, v[i]);
    if (kind == Kind::Min) o = std::min(o, v[i]);
  }
  return from_vector(out, keepdim ? g.kept : g.dropped);
}

// Two-pass variance in double: mean per group, then squared deviations / (n - correction).
Tensor reference_var(const Tensor& x, const std::vector<int64_t>& axes, int64_t correction, bool keepdim) {
  Grouping g = group_by(x.shape(), axes);
  std::vector<double> v = x.to_vector<double>();
  std::vector<double> mean(g.groups, 0.0), out(g.groups, 0.0);
  for (size_t i = 0; i < v.size(); ++i) mean[g.group[i]] += v[i] / static_cast<double>(g.count);
  for (size_t i = 0; i < v.size(); ++i) {
    double d = v[i] - mean[g.group[i]];
    out[g.group[i]] += d * d;
  }
  for (double& o : out) o /= static_cast<double>(g.count - correction);
  return from_vector(out, keepdim ? g.kept : g.dropped);
}

// log(sum(exp(x))) directly in double: fine for the moderate values it is used with.
Tensor reference_logsumexp(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  Grouping g = group_by(x.shape(), axes);
  std::vector<double> v = x.to_vector<double>();
  std::vector<double> out(g.groups, 0.0);
  for (size_t i = 0; i < v.size(); ++i) out[g.group[i]] += std::exp(v[i]);
  for (double& o : out) o = std::log(o);
  return from_vector(out, keepdim ? g.kept : g.dropped);
}

std::string axes_name(const std::vector<int64_t>& axes, bool keepdim) {
  return fmt::format("axes {} keepdim {}", format_shape(axes), keepdim);
}

// The axis sets every reduction is checked over on a [2, 3, 4] input.
const std::vector<std::vector<int64_t>> kAxisSets = {
    {0}, {1}, {2}, {-1}, {-2}, {0, 2}, {2, 0}, {-3, -1}, {1, 2}, {0, 1, 2}, {}};

Tensor square(const Tensor& t) { return t * t; }

}  // namespace

TEST_CASE("reductions: sum over single, multiple, negative and all axes matches a loop") {
  Tensor x = random_input({2, 3, 4}, 1);
  for (const auto& axes : kAxisSets) {
    for (bool keepdim : {false, true}) {
      CAPTURE(axes_name(axes, keepdim));
      Tensor y = sum(x, axes, keepdim);
      CHECK(y.dtype() == kFloat64);
      CHECK(all_close("sum " + axes_name(axes, keepdim), y, reference_reduce(Kind::Sum, x, axes, keepdim), 1e-12));
    }
  }
  // Shapes spelled out, so the reference's shape logic is itself checked.
  CHECK(sum(x, {1}).shape() == Shape{2, 4});
  CHECK(sum(x, {1}, true).shape() == Shape{2, 1, 4});
  CHECK(sum(x, {0, -1}).shape() == Shape{3});
  CHECK(sum(x).shape() == Shape{});
  CHECK(sum(x, {}, true).shape() == Shape{1, 1, 1});
  // Known values: 0 + 1 + ... + 5 = 15; row sums of [[0,1,2],[3,4,5]] are 3 and 12.
  Tensor a = reshape(arange(0, 6, 1, kFloat32), {2, 3});
  CHECK(sum(a).item<double>() == 15.0);
  CHECK(sum(a, {1}).to_vector<double>() == std::vector<double>{3, 12});
  CHECK(sum(a, {0}).to_vector<double>() == std::vector<double>{3, 5, 7});
  CHECK(a.sum({-1}, true).shape() == Shape{2, 1});
  // Integer sums stay integer and exact.
  Tensor i = arange(5);
  CHECK(sum(i).dtype() == kInt64);
  CHECK(sum(i).item<int64_t>() == 10);
  // A 0-dimensional tensor sums to itself.
  CHECK(sum(scalar(2.5, kFloat64)).item<double>() == 2.5);
}

TEST_CASE("reductions: sum of a float32 input is a fresh tensor, not an alias") {
  Tensor x = from_vector(std::vector<float>{1, 2, 3}, {3});
  Tensor all = sum(x, {0}, true);
  Tensor none = sum(scalar(4.0));
  x.data<float>()[0] = 100;
  CHECK(all.item<double>() == 6.0);
  CHECK(none.item<double>() == 4.0);
}

TEST_CASE("reductions: large sums are exact where float32 can represent the result") {
  // 2^20 ones: the blocked parallel path.
  Tensor ones_1m = ones({1 << 20});
  CHECK(sum(ones_1m).item<double>() == 1048576.0);
  // The same count through the middle-axis and last-axis kernels.
  Tensor square_ones = ones({1 << 10, 1 << 10});
  CHECK(sum(square_ones).item<double>() == 1048576.0);
  std::vector<double> columns = sum(square_ones, {0}).to_vector<double>();
  CHECK(columns == std::vector<double>(1 << 10, 1024.0));
  // 2^25 ones: one running float32 sum would stop at 2^24 = 16777216 (2^24 + 1 rounds back
  // down); partial sums in fixed blocks stay exact.
  CHECK(sum(ones({1 << 25})).item<double>() == 33554432.0);
  // float64: 0 + 1 + ... + (n-1) = n (n-1) / 2 exactly (below 2^53).
  int64_t n = 1 << 20;
  double expected = static_cast<double>(n) * static_cast<double>(n - 1) / 2;
  CHECK(sum(arange(0, static_cast<double>(n), 1, kFloat64)).item<double>() == expected);
}

TEST_CASE("reductions: float32 sums accumulate in double and round once") {
  // 2^20 copies of 0.1f: a float32 running sum (even in 16 lanes) drifts by ~1e-5 relative; a
  // double accumulator gives the exact sum of the float values, rounded once to float32.
  const float tenth = 0.1f;
  const double exact = static_cast<double>(tenth) * (1 << 20);
  auto once = [](double v) { return static_cast<double>(static_cast<float>(v)); };
  Tensor x = full({1 << 20}, tenth);
  CHECK(sum(x).item<double>() == once(exact));                              // blocked path
  CHECK(sum(reshape(x, {1 << 10, 1 << 10})).item<double>() == once(exact));  // every axis
  std::vector<double> rows = sum(reshape(x, {1 << 4, 1 << 16}), {1}).to_vector<double>();  // last axis
  CHECK(rows == std::vector<double>(1 << 4, once(exact / (1 << 4))));
  std::vector<double> cols = sum(reshape(x, {1 << 16, 1 << 4}), {0}).to_vector<double>();  // middle axis
  CHECK(cols == std::vector<double>(1 << 4, once(exact / (1 << 4))));
}

TEST_CASE("reductions: reducing an empty axis") {
  // A sum of no terms is 0; a mean of none is 0/0 = NaN, as in PyTorch.
  Tensor e = zeros({2, 0, 3});
  CHECK(sum(e, {1}).shape() == Shape{2, 3});
  CHECK(sum(e, {1}).to_vector<double>() == std::vector<double>(6, 0.0));
  CHECK(sum(e).item<double>() == 0.0);
  CHECK(sum(e, {0}).shape() == Shape{0, 3});
  std::vector<double> m = mean(e, {1}).to_vector<double>();
  REQUIRE(m.size() == 6);
  for (double v : m) CHECK(std::isnan(v));
}

TEST_CASE("reductions: results do not depend on the thread count") {
  Generator gen(5);
  Tensor big = uniform({1 << 20}, -1, 1, kFloat32, &gen);
  Tensor wide = reshape(big, {512, 2048});
  auto run = [&] {
    return std::vector<std::vector<float>>{
        sum(big).to_vector<float>(), sum(wide, {0}).to_vector<float>(), sum(wide, {1}).to_vector<float>(),
        var(wide, {0}).to_vector<float>(), max(wide, {0}).to_vector<float>(),
        logsumexp(wide, {1}).to_vector<float>()};
  };
  auto one = with_threads(1, run);
  auto three = with_threads(3, run);
  REQUIRE(one.size() == three.size());
  for (size_t i = 0; i < one.size(); ++i) {
    CAPTURE(i);
    CHECK(one[i] == three[i]);  // bitwise: the same partition and combination order
  }
  // And the blocked float32 sum is close to the double sum of the same values.
  double exact = 0;
  for (float v : big.to_vector<float>()) exact += v;
  CHECK(one[0][0] == doctest::Approx(exact).epsilon(1e-4));
}

TEST_CASE("reductions: mean matches sum / count and known values") {
  Tensor x = random_input({2, 3, 4}, 2);
  for (const auto& axes : kAxisSets) {
    for (bool keepdim : {false, true}) {
      CAPTURE(axes_name(axes, keepdim));
      Grouping g = group_by(x.shape(), axes);
      Tensor expected = reference_reduce(Kind::Sum, x, axes, keepdim) / static_cast<double>(g.count);
      CHECK(all_close("mean " + axes_name(axes, keepdim), mean(x, axes, keepdim), expected, 1e-12));
    }
  }
  Tensor a = reshape(tensor({1, 2, 3, 4, 5, 6}), {2, 3});
  CHECK(mean(a).item<double>() == doctest::Approx(3.5));
  CHECK(all_close("mean rows", mean(a, {1}), tensor({2, 5})));
  CHECK(all_close("mean columns", a.mean({0}, true), reshape(tensor({2.5, 3.5, 4.5}), {1, 3})));
  check_throws<DTypeError>([] { mean(arange(4)); },
                                {"mean", "floating-point", "int64", "[4]"});
}

TEST_CASE("reductions: max and min match a loop") {
  Tensor x = random_input({2, 3, 4}, 3);
  for (const auto& axes : kAxisSets) {
    for (bool keepdim : {false, true}) {
      CAPTURE(axes_name(axes, keepdim));
      CHECK(all_close("max " + axes_name(axes, keepdim), max(x, axes, keepdim),
                      reference_reduce(Kind::Max, x, axes, keepdim), 0, 0));
      CHECK(all_close("min " + axes_name(axes, keepdim), min(x, axes, keepdim),
                      reference_reduce(Kind::Min, x, axes, keepdim), 0, 0));
    }
  }
  Tensor a = reshape(tensor({3, -1, 7, 2, 9, -4}), {2, 3});
  CHECK(max(a).item<double>() == 9);
  CHECK(min(a).item<double>() == -4);
  CHECK(max(a, {1}).to_vector<double>() == std::vector<double>{7, 9});
  CHECK(min(a, {0}).to_vector<double>() == std::vector<double>{2, -1, -4});
  // Integer extremes.
  Tensor i = from_vector(std::vector<int64_t>{4, -9, 12, 0}, {2, 2});
  CHECK(max(i, {0}).to_vector<int64_t>() == std::vector<int64_t>{12, 0});
  CHECK(min(i).item<int64_t>() == -9);
  // All -inf reduces to -inf, a single +inf wins.
  CHECK(max(tensor({-kInf, -kInf})).item<double>() == -kInf);
  CHECK(max(tensor({1, kInf, 3})).item<double>() == kInf);
}

TEST_CASE("reductions: max/min gradient is shared equally among ties") {
  // Row 0 has its maximum twice, row 1 three times: each tie gets upstream / count.
  Tensor x = reshape(tensor({1, 5, 5, 2, 2, 2}, kFloat64), {2, 3});
  x.requires_grad_();
  Tensor y = max(x, {1});
  y.backward(tensor({2, 3}, kFloat64));
  CHECK(all_close("max ties grad", x.grad(), reshape(tensor({0, 1, 1, 1, 1, 1}, kFloat64), {2, 3}), 1e-15));

  Tensor z = reshape(tensor({1, 5, 5, 1, 2, 1}, kFloat64), {2, 3});
  z.requires_grad_();
  min(z, {-1}, true).backward(reshape(tensor({4, 6}, kFloat64), {2, 1}));
  CHECK(all_close("min ties grad", z.grad(), reshape(tensor({4, 0, 0, 3, 0, 3}, kFloat64), {2, 3}), 1e-15));

  // Over all axes: three maxima of 3 share the single upstream 1.
  Tensor w = tensor({3, 1, 3, 3}, kFloat64);
  w.requires_grad_();
  max(w).backward();
  CHECK(all_close("max all ties", w.grad(), tensor({1.0 / 3, 0, 1.0 / 3, 1.0 / 3}, kFloat64), 1e-15));

  // Over two axes of [2, 2, 2]: the maximum 8 appears at two positions of slice 1.
  Tensor v = reshape(tensor({1, 2, 3, 4, 8, 0, 8, 5}, kFloat64), {2, 2, 2});
  v.requires_grad_();
  max(v, {1, 2}).backward(tensor({1, 1}, kFloat64));
  CHECK(all_close("max two axes", v.grad(),
                  reshape(tensor({0, 0, 0, 1, 0.5, 0, 0.5, 0}, kFloat64), {2, 2, 2}), 1e-15));
}

TEST_CASE("reductions: var with correction 0 and 1") {
  // Known values: {1, 2, 3, 4} has mean 2.5 and squared deviations summing to 5.
  Tensor a = tensor({1, 2, 3, 4}, kFloat64);
  CHECK(var(a).item<double>() == doctest::Approx(5.0 / 3));
  CHECK(var(a, {}, 0).item<double>() == doctest::Approx(1.25));
  CHECK(var(a, {0}, 1, true).shape() == Shape{1});
  // A constant has zero variance; one element with correction 1 is 0/0, NaN as in PyTorch.
  CHECK(var(full({5}, 3.0, kFloat64)).item<double>() == 0.0);
  CHECK(std::isnan(var(tensor({3}, kFloat64)).item<double>()));

  Tensor x = random_input({2, 3, 4}, 4, -2, 3);
  for (const auto& axes : kAxisSets) {
    for (bool keepdim : {false, true}) {
      for (int64_t correction : {0, 1}) {
        CAPTURE(axes_name(axes, keepdim));
        CAPTURE(correction);
        CHECK(all_close(fmt::format("var {} correction {}", axes_name(axes, keepdim), correction),
                        var(x, axes, correction, keepdim), reference_var(x, axes, correction, keepdim), 1e-12));
      }
    }
  }
  // float32 forward agrees with the float64 reference.
  Tensor xf = x.to(kFloat32);
  CHECK(all_close("var float32", var(xf, {1}), reference_var(xf, {1}, 1, false), 1e-5, 1e-5));
  check_throws<DTypeError>([] { var(arange(4)); }, {"var", "floating-point", "int64"});
}

TEST_CASE("reductions: argmax and argmin return the first extreme, with keepdim") {
  Tensor a = reshape(tensor({1, 3, 3, 2, 2, 0}), {2, 3});
  Tensor am = argmax(a, 1);
  CHECK(am.dtype() == kInt64);
  CHECK(am.shape() == Shape{2});
  CHECK(am.to_vector<int64_t>() == std::vector<int64_t>{1, 0});
  CHECK(argmin(a, 1).to_vector<int64_t>() == std::vector<int64_t>{0, 2});
  CHECK(argmax(a, -1).to_vector<int64_t>() == std::vector<int64_t>{1, 0});
  CHECK(argmax(a, 0).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0});
  CHECK(argmin(a, 0).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 1});
  Tensor kept = argmax(a, 1, true);
  CHECK(kept.shape() == Shape{2, 1});
  CHECK(kept.to_vector<int64_t>() == std::vector<int64_t>{1, 0});
  CHECK(argmin(a, 0, true).shape() == Shape{1, 3});
  // All equal: index 0 wins.
  CHECK(argmax(full({5}, 7.0), 0).item<int64_t>() == 0);
  CHECK(argmin(full({5}, 7.0), 0).item<int64_t>() == 0);
  // NaN counts as the extreme (NumPy, PyTorch).
  CHECK(argmax(tensor({1, NAN, 3}), 0).item<int64_t>() == 1);

  // A middle axis of a 3-D input against a loop.
  Tensor x = random_input({3, 5, 4}, 5);
  std::vector<double> v = x.to_vector<double>();
  std::vector<int64_t> expected_max, expected_min;
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t k = 0; k < 4; ++k) {
      int64_t best_max = 0, best_min = 0;
      for (int64_t j = 1; j < 5; ++j) {
        if (v[(i * 5 + j) * 4 + k] > v[(i * 5 + best_max) * 4 + k]) best_max = j;
        if (v[(i * 5 + j) * 4 + k] < v[(i * 5 + best_min) * 4 + k]) best_min = j;
      }
      expected_max.push_back(best_max);
      expected_min.push_back(best_min);
    }
  }
  CHECK(argmax(x, 1).to_vector<int64_t>() == expected_max);
  CHECK(argmin(x, -2, true).to_vector<int64_t>() == expected_min);
  CHECK(argmin(x, -2, true).shape() == Shape{3, 1, 4});
  // Integer input.
  CHECK(argmax(from_vector(std::vector<int64_t>{2, 9, 9, 1}, {4}), 0).item<int64_t>() == 1);

  check_throws<IndexError>([&] { argmax(a, 2); }, {"argmax", "axis 2", "2 dimensions"});
  check_throws<IndexError>([&] { argmin(a, -3); }, {"argmin", "axis -3"});
  check_throws<ValueError>([] { argmax(zeros({2, 0}), 1); }, {"argmax", "empty", "[2, 0]"});
}

TEST_CASE("reductions: logsumexp is stable for large values and -inf entries") {
  // log(2 e^1000) = 1000 + log 2, where exp(1000) alone overflows.
  CHECK(logsumexp(tensor({1000, 1000}, kFloat64), {0}).item<double>() == doctest::Approx(1000 + std::log(2.0)));
  CHECK(logsumexp(tensor({1000, 1000}), {0}).item<double>() ==
        doctest::Approx(1000 + std::log(2.0)).epsilon(1e-6));
  CHECK(logsumexp(tensor({-1000, -1000}, kFloat64), {0}).item<double>() ==
        doctest::Approx(-1000 + std::log(2.0)));
  CHECK(logsumexp(tensor({1000, 0}, kFloat64), {0}).item<double>() == 1000.0);
  // -inf entries contribute exp(-inf) = 0; all -inf gives -inf (not NaN); +inf gives +inf.
  CHECK(logsumexp(tensor({-kInf, 0, 0}, kFloat64), {0}).item<double>() == doctest::Approx(std::log(2.0)));
  CHECK(logsumexp(tensor({-kInf, -kInf}, kFloat64), {0}).item<double>() == -kInf);
  CHECK(logsumexp(tensor({kInf, 1}, kFloat64), {0}).item<double>() == kInf);
  // Per row: one row of huge values, one of -inf entries.
  Tensor rows = reshape(tensor({1000, 999, -kInf, -kInf, 2, -kInf}, kFloat64), {2, 3});
  Tensor r = logsumexp(rows, {1});
  CHECK(r.shape() == Shape{2});
  std::vector<double> rv = r.to_vector<double>();
  CHECK(rv[0] == doctest::Approx(1000 + std::log1p(std::exp(-1.0))));
  CHECK(rv[1] == doctest::Approx(2.0));

  // The gradient is softmax: 1/2 each for two equal huge values, 0 at -inf entries, no NaN.
  Tensor big = tensor({1000, 1000}, kFloat64);
  big.requires_grad_();
  logsumexp(big, {0}).backward();
  CHECK(all_close("logsumexp grad at 1000", big.grad(), tensor({0.5, 0.5}, kFloat64), 1e-12));
  Tensor with_inf = tensor({-kInf, 0, 0}, kFloat64);
  with_inf.requires_grad_();
  logsumexp(with_inf, {0}).backward();
  CHECK(all_close("logsumexp grad at -inf", with_inf.grad(), tensor({0, 0.5, 0.5}, kFloat64), 1e-12));

  // Moderate values against log(sum(exp)) in double, over axis sets and keepdim.
  Tensor x = random_input({2, 3, 4}, 6, -3, 3);
  for (const auto& axes : kAxisSets) {
    for (bool keepdim : {false, true}) {
      CAPTURE(axes_name(axes, keepdim));
      CHECK(all_close("logsumexp " + axes_name(axes, keepdim), logsumexp(x, axes, keepdim),
                      reference_logsumexp(x, axes, keepdim), 1e-12));
    }
  }
  check_throws<DTypeError>([] { logsumexp(arange(3), {0}); }, {"logsumexp", "floating-point"});
}

TEST_CASE("reductions: sum_to reverses broadcasting") {
  Tensor x = random_input({2, 3, 4}, 7);
  CHECK(all_close("sum_to [3, 1]", sum_to(x, {3, 1}), reference_reduce(Kind::Sum, x, {0, 2}, true).reshape({3, 1}), 1e-12));
  CHECK(all_close("sum_to [1, 3, 4]", sum_to(x, {1, 3, 4}), reference_reduce(Kind::Sum, x, {0}, true), 1e-12));
  CHECK(all_close("sum_to [4]", sum_to(x, {4}), reference_reduce(Kind::Sum, x, {0, 1}, false), 1e-12));
  CHECK(all_close("sum_to [2, 1, 1]", sum_to(x, {2, 1, 1}), reference_reduce(Kind::Sum, x, {1, 2}, true), 1e-12));
  CHECK(all_close("sum_to []", sum_to(x, {}), reference_reduce(Kind::Sum, x, {}, false), 1e-12));
  CHECK(all_close("sum_to same", sum_to(x, {2, 3, 4}), x, 0, 0));
  // Size-1 dimensions that are 1 in the input too stay as they are.
  Tensor y = random_input({3, 1, 2}, 8);
  CHECK(all_close("sum_to keeps 1", sum_to(y, {1, 1}), reference_reduce(Kind::Sum, y, {0, 2}, true).reshape({1, 1}), 1e-12));

  check_throws<ShapeError>([&] { sum_to(x, {3}); }, {"sum_to", "cannot reduce shape [2, 3, 4] to [3]"});
  check_throws<ShapeError>([&] { sum_to(x, {1, 2, 3, 4}); }, {"sum_to", "[2, 3, 4]", "[1, 2, 3, 4]"});
  check_throws<ShapeError>([&] { sum_to(x, {2, 1, 5}); }, {"sum_to", "[2, 1, 5]"});
}

TEST_CASE("reductions: axis errors name the op, the axis and the rank") {
  Tensor x = random_input({2, 3, 4}, 9);
  check_throws<IndexError>([&] { sum(x, {3}); },
                                {"sum: axis 3 is out of range for a tensor of 3 dimensions"});
  check_throws<IndexError>([&] { mean(x, {-4}); }, {"mean", "axis -4", "3 dimensions"});
  check_throws<IndexError>([&] { max(x, {5}); }, {"max", "axis 5"});
  check_throws<IndexError>([&] { var(x, {0, 7}); }, {"var", "axis 7"});
  check_throws<IndexError>([&] { logsumexp(x, {-5}); }, {"logsumexp", "axis -5"});
  check_throws<IndexError>([&] { sum(x, {0, -3}); }, {"sum", "repeats an axis", "[0, -3]"});
  check_throws<ValueError>([] { max(zeros({2, 0}), {1}); }, {"max", "axis 1", "size 0", "[2, 0]"});
  check_throws<ValueError>([] { min(zeros({0, 3})); }, {"min", "size 0", "[0, 3]"});
  check_throws<ValueError>([] { sum(Tensor()); }, {"sum", "undefined"});
}

TEST_CASE("reductions: gradcheck and gradgradcheck of sum, mean and var") {
  std::vector<Tensor> in = {random_input({2, 3, 4}, 10)};
  for (const auto& axes : kAxisSets) {
    for (bool keepdim : {false, true}) {
      CAPTURE(axes_name(axes, keepdim));
      std::string n = axes_name(axes, keepdim);
      // Squared after the reduction, so the second order passes through the reduction's backward.
      auto s = [&](const std::vector<Tensor>& x) { return square(sum(x[0], axes, keepdim)); };
      auto m = [&](const std::vector<Tensor>& x) { return square(mean(x[0], axes, keepdim)); };
      auto v0 = [&](const std::vector<Tensor>& x) { return var(x[0], axes, 0, keepdim); };
      auto v1 = [&](const std::vector<Tensor>& x) { return square(var(x[0], axes, 1, keepdim)); };
      CHECK(gradcheck("sum " + n, s, in));
      CHECK(gradgradcheck("sum " + n, s, in));
      CHECK(gradcheck("mean " + n, m, in));
      CHECK(gradgradcheck("mean " + n, m, in));
      CHECK(gradcheck("var0 " + n, v0, in));
      CHECK(gradgradcheck("var0 " + n, v0, in));
      CHECK(gradcheck("var1 " + n, v1, in));
      CHECK(gradgradcheck("var1 " + n, v1, in));
    }
  }
  // Broadcast inside the reduced expression: gradients reach both operands.
  std::vector<Tensor> pair = {random_input({2, 3, 4}, 11), random_input({3, 1}, 12)};
  auto bs = [](const std::vector<Tensor>& x) { return square(sum(x[0] * x[1], {0, 2})); };
  auto bm = [](const std::vector<Tensor>& x) { return mean(x[0] * x[1] + x[1], {-1, 0}, true); };
  auto bv = [](const std::vector<Tensor>& x) { return var(x[0] * x[1], {0, 2}); };
  CHECK(gradcheck("sum broadcast", bs, pair));
  CHECK(gradgradcheck("sum broadcast", bs, pair));
  CHECK(gradcheck("mean broadcast", bm, pair));
  CHECK(gradgradcheck("mean broadcast", bm, pair));
  CHECK(gradcheck("var broadcast", bv, pair));
  CHECK(gradgradcheck("var broadcast", bv, pair));
}

TEST_CASE("reductions: the gradients of sum and mean are known constants") {
  Tensor x = random_input({2, 3, 4}, 13);
  x.requires_grad_();
  mean(x, {0, 2}).backward(tensor({1, 2, 3}, kFloat64));
  std::vector<double> g = x.grad().to_vector<double>();
  for (int64_t i = 0; i < 24; ++i) {
    int64_t j = (i / 4) % 3;
    CHECK(g[i] == doctest::Approx(static_cast<double>(j + 1) / 8));
  }
}

TEST_CASE("reductions: gradcheck of max and min with distinct values") {
  std::vector<Tensor> in = {random_input({2, 3, 4}, 14)};
  for (const auto& axes : kAxisSets) {
    for (bool keepdim : {false, true}) {
      CAPTURE(axes_name(axes, keepdim));
      auto mx = [&](const std::vector<Tensor>& x) { return max(x[0], axes, keepdim); };
      auto mn = [&](const std::vector<Tensor>& x) { return min(x[0], axes, keepdim); };
      CHECK(gradcheck("max " + axes_name(axes, keepdim), mx, in));
      CHECK(gradcheck("min " + axes_name(axes, keepdim), mn, in));
    }
  }
  std::vector<Tensor> pair = {random_input({2, 3, 4}, 15), random_input({4}, 16)};
  auto bmax = [](const std::vector<Tensor>& x) { return max(x[0] * x[1], {0, 1}); };
  auto bmin = [](const std::vector<Tensor>& x) { return min(x[0] + x[1], {-1}, true); };
  CHECK(gradcheck("max broadcast", bmax, pair));
  CHECK(gradcheck("min broadcast", bmin, pair));
}

TEST_CASE("reductions: gradcheck and gradgradcheck of logsumexp and sum_to") {
  std::vector<Tensor> in = {random_input({2, 3, 4}, 17, -2, 2)};
  for (const auto& axes : kAxisSets) {
    for (bool keepdim : {false, true}) {
      CAPTURE(axes_name(axes, keepdim));
      auto l = [&](const std::vector<Tensor>& x) { return logsumexp(x[0], axes, keepdim); };
      CHECK(gradcheck("logsumexp " + axes_name(axes, keepdim), l, in));
      CHECK(gradgradcheck("logsumexp " + axes_name(axes, keepdim), l, in));
    }
  }
  std::vector<Tensor> pair = {random_input({2, 3, 4}, 18), random_input({3, 1}, 19)};
  auto lb = [](const std::vector<Tensor>& x) { return logsumexp(x[0] * x[1], {0, 2}); };
  CHECK(gradcheck("logsumexp broadcast", lb, pair));
  CHECK(gradgradcheck("logsumexp broadcast", lb, pair));
  // Values far from 0, where the shift by the maximum matters.
  std::vector<Tensor> far = {random_input({3, 4}, 20, 500, 501)};
  auto lf = [](const std::vector<Tensor>& x) { return logsumexp(x[0], {1}); };
  CHECK(gradcheck("logsumexp near 500", lf, far));

  for (const Shape& target : std::vector<Shape>{{3, 1}, {1, 3, 4}, {4}, {2, 1, 1}, {}, {2, 3, 4}}) {
    CAPTURE(format_shape(target));
    auto st = [target](const std::vector<Tensor>& x) { return square(sum_to(x[0], target)); };
    CHECK(gradcheck("sum_to " + format_shape(target), st, in));
    CHECK(gradgradcheck("sum_to " + format_shape(target), st, in));
  }
}
