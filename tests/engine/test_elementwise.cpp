// Elementwise ops: arithmetic with broadcasting, pow, maximum/minimum, cast, comparisons and
// selection (arithmetic.cpp), and the unary math of unary.cpp. Forward values are checked against
// the math (std:: functions in double, or constants from tables); gradients against central
// differences (gradcheck) and, for the smooth ops, second order (gradgradcheck).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "tests/support/checks.h"
#include "tests/support/gradcheck.h"

using namespace candor;
using namespace candor::testing;

namespace {

using Inputs = std::vector<Tensor>;

Tensor f64(std::initializer_list<double> values) { return tensor(values, kFloat64); }

// `ref` applied to every element of `x`, as a float64 tensor of x's shape.
Tensor map_ref(const Tensor& x, const std::function<double(double)>& ref) {
  std::vector<double> v = x.to_vector<double>();
  for (double& e : v) e = ref(e);
  return from_vector(v, x.shape());
}

// Random float64 values with magnitude in [low, high) and random signs: kept away from a kink at 0.
Tensor away_from_zero(const Shape& shape, uint64_t seed, double low = 0.1, double high = 1.5) {
  std::vector<double> mag = random_input(shape, seed, low, high).to_vector<double>();
  std::vector<double> sgn = random_input(shape, seed + 1000).to_vector<double>();
  for (size_t i = 0; i < mag.size(); ++i) {
    if (sgn[i] < 0) mag[i] = -mag[i];
  }
  return from_vector(mag, shape);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Binary op shapes used for every binary gradcheck: same shape, [3,1,4] with [2,4] (both sides
// broadcast), a 0-d tensor with [3,4], [4] with [2,3,1] and a multi-axis [2,3,4] pair.
const std::vector<std::pair<Shape, Shape>> kBinaryShapes = {
    {{2, 3, 4}, {2, 3, 4}}, {{3, 1, 4}, {2, 4}}, {{}, {3, 4}}, {{3, 4}, {}}, {{4}, {2, 3, 1}},
};

std::string shapes_name(const std::string& op, const Shape& a, const Shape& b) {
  return op + " " + format_shape(a) + " with " + format_shape(b);
}

}  // namespace

// ---- arithmetic ----

TEST_CASE("elementwise: add/sub/mul/div forward values with broadcasting") {
  // a: [2, 3], b: [3]; the expected values are written out from the math.
  Tensor a = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = f64({10, -20, 0.5});
  CHECK(all_close("add", add(a, b),
                  from_vector(std::vector<double>{11, -18, 3.5, 14, -15, 6.5}, {2, 3})));
  CHECK(all_close("sub", sub(a, b),
                  from_vector(std::vector<double>{-9, 22, 2.5, -6, 25, 5.5}, {2, 3})));
  CHECK(all_close("mul", mul(a, b),
                  from_vector(std::vector<double>{10, -40, 1.5, 40, -100, 3}, {2, 3})));
  CHECK(all_close("div", div(a, b),
                  from_vector(std::vector<double>{0.1, -0.1, 6, 0.4, -0.25, 12}, {2, 3}), 1e-15,
                  1e-15));
  CHECK(all_close("neg", neg(b), f64({-10, 20, -0.5})));
  // The operators and scalar forms are the same ops.
  CHECK(all_close("a + 1", a + 1.0, from_vector(std::vector<double>{2, 3, 4, 5, 6, 7}, {2, 3})));
  CHECK(
      all_close("2 - a", 2.0 - a, from_vector(std::vector<double>{1, 0, -1, -2, -3, -4}, {2, 3})));
  CHECK(all_close("1 / b", 1.0 / b, f64({0.1, -0.05, 2})));
  CHECK(all_close("-a * 3", -a * 3.0,
                  from_vector(std::vector<double>{-3, -6, -9, -12, -15, -18}, {2, 3})));

  // [3, 1] with [1, 4]: an outer sum.
  Tensor col = from_vector(std::vector<double>{0, 10, 20}, {3, 1});
  Tensor row = from_vector(std::vector<double>{1, 2, 3, 4}, {1, 4});
  Tensor outer = add(col, row);
  CHECK(outer.shape() == Shape{3, 4});
  std::vector<double> expected;
  for (double c : {0.0, 10.0, 20.0}) {
    for (double r : {1.0, 2.0, 3.0, 4.0}) expected.push_back(c + r);
  }
  CHECK(all_close("outer add", outer, from_vector(expected, {3, 4})));

  // An empty dimension broadcasts to an empty result.
  Tensor empty = add(zeros({0, 3}, kFloat64), f64({1, 2, 3}));
  CHECK(empty.shape() == Shape{0, 3});
  CHECK(empty.numel() == 0);
}

TEST_CASE("elementwise: dtype promotion of arithmetic") {
  Tensor i = from_vector(std::vector<int64_t>{7, -7, 4}, {3});
  Tensor two = from_vector(std::vector<int64_t>{2, 2, 2}, {3});
  Tensor sum_int = add(i, two);
  CHECK(sum_int.dtype() == kInt64);
  CHECK(sum_int.to_vector<int64_t>() == std::vector<int64_t>{9, -5, 6});
  CHECK(mul(i, two).to_vector<int64_t>() == std::vector<int64_t>{14, -14, 8});
  // int64 / int64 is true division in float32, as PyTorch.
  Tensor q = div(i, two);
  CHECK(q.dtype() == kFloat32);
  CHECK(q.to_vector<double>() == std::vector<double>{3.5, -3.5, 2.0});
  // int64 with float32 -> float32; float32 with float64 -> float64.
  Tensor f = tensor({0.5, 0.25, 0.125}, kFloat32);
  CHECK(add(i, f).dtype() == kFloat32);
  CHECK(add(i, f).to_vector<double>() == std::vector<double>{7.5, -6.75, 4.125});
  CHECK(mul(f, f64({2, 4, 8})).dtype() == kFloat64);
  CHECK(mul(f, f64({2, 4, 8})).to_vector<double>() == std::vector<double>{1, 1, 1});
}

TEST_CASE("elementwise: add/sub/mul/div gradcheck and gradgradcheck with broadcasting") {
  auto fadd = [](const Inputs& x) { return add(x[0], x[1]); };
  auto fsub = [](const Inputs& x) { return sub(x[0], x[1]); };
  auto fmul = [](const Inputs& x) { return mul(x[0], x[1]); };
  auto fdiv = [](const Inputs& x) { return div(x[0], x[1]); };
  uint64_t seed = 10;
  for (const auto& [sa, sb] : kBinaryShapes) {
    Tensor a = random_input(sa, seed++, -2, 2);
    Tensor b = random_input(sb, seed++, -2, 2);
    Tensor b_pos = random_input(sb, seed++, 0.5, 2);  // a divisor away from 0
    CHECK(gradcheck(shapes_name("add", sa, sb), fadd, {a, b}));
    CHECK(gradcheck(shapes_name("sub", sa, sb), fsub, {a, b}));
    CHECK(gradcheck(shapes_name("mul", sa, sb), fmul, {a, b}));
    CHECK(gradcheck(shapes_name("div", sa, sb), fdiv, {a, b_pos}));
    CHECK(gradgradcheck(shapes_name("add", sa, sb), fadd, {a, b}));
    CHECK(gradgradcheck(shapes_name("sub", sa, sb), fsub, {a, b}));
    CHECK(gradgradcheck(shapes_name("mul", sa, sb), fmul, {a, b}));
    CHECK(gradgradcheck(shapes_name("div", sa, sb), fdiv, {a, b_pos}));
  }
  // The same tensor on both sides (gradients from both operands accumulate).
  auto square = [](const Inputs& x) { return mul(x[0], x[0]) - div(x[0], x[0] + 3.0); };
  CHECK(gradcheck("x*x - x/(x+3)", square, {random_input({2, 3}, 1)}));
  CHECK(gradgradcheck("x*x - x/(x+3)", square, {random_input({2, 3}, 1)}));
  auto fneg = [](const Inputs& x) { return neg(x[0]); };
  CHECK(gradcheck("neg", fneg, {random_input({2, 3, 4}, 2)}));
  CHECK(gradcheck("neg 0-d", fneg, {random_input({}, 3)}));
  CHECK(gradgradcheck("neg", [](const Inputs& x) { return neg(x[0] * x[0]); },
                      {random_input({3, 2}, 4)}));
}

TEST_CASE("elementwise: arithmetic gradients through the leaf API") {
  // L = sum(a * b + a / c - c) with a: [2, 2], b: [2] (broadcast over rows), c: 0-d.
  Tensor a = from_vector(std::vector<double>{1, 2, 3, 4}, {2, 2});
  Tensor b = f64({5, -1});
  Tensor c = scalar(2.0, kFloat64);
  a.requires_grad_();
  b.requires_grad_();
  c.requires_grad_();
  Tensor loss = sum(a * b + a / c - c);
  loss.backward();
  // dL/da = b + 1/c; dL/db = column sums of a; dL/dc = -sum(a)/c^2 - 4 (c broadcast to 4 elements).
  CHECK(
      all_close("dL/da", a.grad(), from_vector(std::vector<double>{5.5, -0.5, 5.5, -0.5}, {2, 2})));
  CHECK(all_close("dL/db", b.grad(), f64({4, 6})));
  REQUIRE(c.grad().defined());
  CHECK(c.grad().shape() == Shape{});
  CHECK(c.grad().item<double>() == doctest::Approx(-10.0 / 4.0 - 4.0));
}

TEST_CASE("elementwise: add broadcasting property on random shape pairs") {
  // Random broadcastable pairs: an output rank r in [0, 4] with sizes in [1, 4]; per axis either
  // both operands have the full size, or one of them has 1; one operand may drop leading axes.
  // add, sub and mul are checked against the elementwise expectation computed here with index
  // arithmetic, and add's gradient against the sum of the output weights each element feeds.
  Generator gen(20240611);
  auto draw = [&](int64_t low, int64_t high, int64_t n) {
    return randint(low, high, {n}, &gen).to_vector<int64_t>();
  };
  int broadcast_cases = 0;
  for (int trial = 0; trial < 80; ++trial) {
    int64_t rank = draw(0, 5, 1)[0];
    std::vector<int64_t> sizes = draw(1, 5, 4);
    std::vector<int64_t> mode = draw(0, 3, 4);  // 0: both full, 1: a has 1, 2: b has 1
    std::vector<int64_t> misc = draw(0, 5, 2);  // misc[0]: axes dropped; misc[1] % 2: from a or b
    Shape out(sizes.begin(), sizes.begin() + rank), sa = out, sb = out;
    for (int64_t d = 0; d < rank; ++d) {
      if (mode[d] == 1) sa[d] = 1;
      if (mode[d] == 2) sb[d] = 1;
    }
    int64_t drop = rank == 0 ? 0 : misc[0] % (rank + 1);
    Shape& shorter = misc[1] % 2 == 0 ? sa : sb;
    shorter.erase(shorter.begin(), shorter.begin() + drop);
    // The broadcast shape: per axis the larger size (every size here is 1 or the out size).
    for (int64_t d = 0; d < rank; ++d) {
      int64_t ia = d - (rank - static_cast<int64_t>(sa.size()));
      int64_t ib = d - (rank - static_cast<int64_t>(sb.size()));
      int64_t da = ia >= 0 ? sa[ia] : 1, db = ib >= 0 ? sb[ib] : 1;
      out[d] = std::max(da, db);
    }
    if (sa != sb) ++broadcast_cases;
    CAPTURE(format_shape(sa));
    CAPTURE(format_shape(sb));

    Tensor a = random_input(sa, 100 + trial, -3, 3);
    Tensor b = random_input(sb, 500 + trial, -3, 3);
    std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
    // Offsets of each output element in a and b: unravel, then drop broadcast axes.
    int64_t n = numel(out);
    std::vector<int64_t> off_a(n), off_b(n);
    for (int64_t i = 0; i < n; ++i) {
      int64_t rest = i, oa = 0, ob = 0, stride_a = 1, stride_b = 1;
      for (int64_t d = rank - 1; d >= 0; --d) {
        int64_t idx = rest % out[d];
        rest /= out[d];
        int64_t ia = d - (rank - static_cast<int64_t>(sa.size()));
        int64_t ib = d - (rank - static_cast<int64_t>(sb.size()));
        if (ia >= 0) {
          if (sa[ia] != 1) oa += idx * stride_a;
          stride_a *= sa[ia];
        }
        if (ib >= 0) {
          if (sb[ib] != 1) ob += idx * stride_b;
          stride_b *= sb[ib];
        }
      }
      off_a[i] = oa;
      off_b[i] = ob;
    }
    std::vector<double> e_add(n), e_sub(n), e_mul(n);
    for (int64_t i = 0; i < n; ++i) {
      e_add[i] = av[off_a[i]] + bv[off_b[i]];
      e_sub[i] = av[off_a[i]] - bv[off_b[i]];
      e_mul[i] = av[off_a[i]] * bv[off_b[i]];
    }
    Tensor sum_ab = add(a, b);
    REQUIRE(sum_ab.shape() == out);
    // The same double operation on the same operands: exact equality.
    CHECK(all_close("add", sum_ab, from_vector(e_add, out), 0, 0));
    CHECK(all_close("add swapped", add(b, a), from_vector(e_add, out), 0, 0));
    CHECK(all_close("sub", sub(a, b), from_vector(e_sub, out), 0, 0));
    CHECK(all_close("mul", mul(a, b), from_vector(e_mul, out), 0, 0));

    // d sum(add(a, b) * w) / da[j] = sum of w over the output elements that read a[j].
    Tensor w = random_input(out, 900 + trial);
    std::vector<double> wv = w.to_vector<double>();
    std::vector<double> ga(av.size(), 0.0), gb(bv.size(), 0.0);
    for (int64_t i = 0; i < n; ++i) {
      ga[off_a[i]] += wv[i];
      gb[off_b[i]] += wv[i];
    }
    Tensor la = a.detach().clone().requires_grad_();
    Tensor lb = b.detach().clone().requires_grad_();
    sum(add(la, lb) * w).backward();
    CHECK(all_close("add grad a", la.grad(), from_vector(ga, sa), 1e-12, 1e-12));
    CHECK(all_close("add grad b", lb.grad(), from_vector(gb, sb), 1e-12, 1e-12));
  }
  CHECK(broadcast_cases > 40);  // the draw really exercises broadcasting
}

// ---- pow ----

TEST_CASE("elementwise: pow with a scalar exponent") {
  Tensor x = f64({0.25, 1, 2, 4});
  CHECK(all_close("x^0", pow(x, 0.0), f64({1, 1, 1, 1})));
  CHECK(all_close("x^1", pow(x, 1.0), x));
  CHECK(all_close("x^2", pow(x, 2.0), f64({0.0625, 1, 4, 16})));
  CHECK(all_close("x^0.5", pow(x, 0.5), f64({0.5, 1, std::numbers::sqrt2, 2})));
  CHECK(all_close("x^-1", pow(x, -1.0), f64({4, 1, 0.5, 0.25})));
  CHECK(all_close("x^3 negative", pow(f64({-2, -0.5, 3}), 3.0), f64({-8, -0.125, 27})));
  CHECK(all_close("method", x.pow(2.0), f64({0.0625, 1, 4, 16})));

  // x^0 = 1 everywhere, 0^0 included, and its gradient is 0, also at x = 0 (not 0 * 0^-1 = nan).
  Tensor z = f64({0, -1, 3});
  z.requires_grad_();
  Tensor y0 = pow(z, 0.0);
  CHECK(all_close("0^0", y0, f64({1, 1, 1})));
  sum(y0).backward();
  REQUIRE(z.grad().defined());
  CHECK(all_close("d x^0 / dx", z.grad(), f64({0, 0, 0})));
  // x^1 has gradient 1 at 0 too; x^2 has gradient 2x.
  Tensor u = f64({0, -1.5, 3});
  u.requires_grad_();
  sum(pow(u, 1.0) + pow(u, 2.0)).backward();
  CHECK(all_close("d (x + x^2) / dx", u.grad(), f64({1, -2, 7})));

  uint64_t seed = 30;
  for (double p : {0.0, 1.0, 2.0, 3.0}) {  // defined for every real x
    auto f = [p](const Inputs& in) { return pow(in[0], p); };
    std::string name = "pow p=" + std::to_string(p);
    CHECK(gradcheck(name, f, {random_input({2, 3, 4}, seed++, -2, 2)}));
    CHECK(gradgradcheck(name, f, {random_input({3, 4}, seed++, -2, 2)}));
    CHECK(gradcheck(name + " 0-d", f, {random_input({}, seed++, -2, 2)}));
  }
  for (double p : {0.5, -1.0, -2.5, 1.5}) {  // positive bases only
    auto f = [p](const Inputs& in) { return pow(in[0], p); };
    std::string name = "pow p=" + std::to_string(p);
    CHECK(gradcheck(name, f, {random_input({2, 3, 4}, seed++, 0.3, 2)}));
    CHECK(gradgradcheck(name, f, {random_input({3, 4}, seed++, 0.3, 2)}));
  }
  CHECK_THROWS_AS(pow(from_vector(std::vector<int64_t>{1, 2}, {2}), 2.0), DTypeError);
}

// The public pow refuses int64 (above), but the backend table's Pow has an int64 kernel; it must be
// exact beyond a double's 53 bits and the same on every backend (engine/integer_pow.h).
TEST_CASE("elementwise: the backend's int64 power is exact, wraps on overflow, and follows PyTorch for negative exponents") {
  Tensor base = from_vector(std::vector<int64_t>{3, -3, 3, 7, 2, -2, 3, 5, 0, 0, 1, -1, -1, 2}, {14});
  Tensor exponent = from_vector(std::vector<int64_t>{1, 1, 39, 22, 62, 63, 41, 0, 0, -1, -5, -3, -4, -2}, {14});
  Tensor out = Tensor::empty({14}, kInt64);
  backend_for(Device::CPU).binary(BinaryOp::Pow, base, exponent, out);
  const std::vector<int64_t> expected = {3, -3, 4052555153018976267, 3909821048582988049, int64_t{1} << 62,
                                         std::numeric_limits<int64_t>::min(),
                                         -420491770248316829,  // 3^41 modulo 2^64, as a signed value
                                         1, 1, 0, 1, -1, 1, 0};
  CHECK(out.to_vector<int64_t>() == expected);
}

TEST_CASE("elementwise: pow with a tensor exponent") {
  Tensor a = f64({2, 9, 0.5, 10});
  Tensor b = f64({3, 0.5, -1, 0});
  std::vector<double> expected;
  for (auto [x, p] : {std::pair{2.0, 3.0}, {9.0, 0.5}, {0.5, -1.0}, {10.0, 0.0}})
    expected.push_back(std::pow(x, p));
  CHECK(all_close("a^b", pow(a, b), from_vector(expected, {4})));

  // Gradients by hand: d a^b / da = b a^(b-1), d a^b / db = a^b ln a.
  Tensor la = a.detach().clone().requires_grad_();
  Tensor lb = b.detach().clone().requires_grad_();
  sum(pow(la, lb)).backward();
  std::vector<double> ga, gb;
  for (auto [x, p] : {std::pair{2.0, 3.0}, {9.0, 0.5}, {0.5, -1.0}, {10.0, 0.0}}) {
    ga.push_back(p * std::pow(x, p - 1));
    gb.push_back(std::pow(x, p) * std::log(x));
  }
  CHECK(all_close("d/da", la.grad(), from_vector(ga, {4}), 1e-12, 1e-12));
  CHECK(all_close("d/db", lb.grad(), from_vector(gb, {4}), 1e-12, 1e-12));

  // At a = 0: d/db is taken as 0 (not 0 * ln 0 = nan), and with b = 0 (0^0 = 1) d/da is 0 as for
  // the scalar exponent 0, not 0 * 0^-1 = nan.
  Tensor za = f64({0, 0, 0}).requires_grad_();
  Tensor zb = f64({2, 1, 0}).requires_grad_();
  Tensor zy = pow(za, zb);
  CHECK(all_close("0^b", zy, f64({0, 0, 1})));
  sum(zy).backward();
  CHECK(all_close("d 0^b / da", za.grad(), f64({0, 1, 0})));
  CHECK(all_close("d 0^b / db", zb.grad(), f64({0, 0, 0})));

  auto f = [](const Inputs& in) { return pow(in[0], in[1]); };
  uint64_t seed = 50;
  for (const auto& [sa, sb] : kBinaryShapes) {
    Tensor base = random_input(sa, seed++, 0.3, 2);
    Tensor exponent = random_input(sb, seed++, -2, 2);
    CHECK(gradcheck(shapes_name("pow", sa, sb), f, {base, exponent}));
    CHECK(gradgradcheck(shapes_name("pow", sa, sb), f, {base, exponent}));
  }
}

// ---- maximum / minimum ----

TEST_CASE("elementwise: maximum and minimum") {
  Tensor a = from_vector(std::vector<double>{1, 5, -2, 0, 3, -7}, {2, 3});
  Tensor b = f64({2, 5, -3});  // broadcast over rows; 5 ties with 5
  CHECK(all_close("maximum", maximum(a, b),
                  from_vector(std::vector<double>{2, 5, -2, 2, 5, -3}, {2, 3})));
  CHECK(all_close("minimum", minimum(a, b),
                  from_vector(std::vector<double>{1, 5, -3, 0, 3, -7}, {2, 3})));

  // Gradients: to a where a >= b (maximum) / a <= b (minimum), so ties go to a; b's gradient is
  // summed over the broadcast rows.
  Tensor la = a.detach().clone().requires_grad_();
  Tensor lb = b.detach().clone().requires_grad_();
  sum(maximum(la, lb)).backward();
  CHECK(all_close("d max / da", la.grad(),
                  from_vector(std::vector<double>{0, 1, 1, 0, 0, 0}, {2, 3})));
  CHECK(all_close("d max / db", lb.grad(), f64({2, 1, 1})));
  la.zero_grad();
  lb.zero_grad();
  sum(minimum(la, lb)).backward();
  CHECK(all_close("d min / da", la.grad(),
                  from_vector(std::vector<double>{1, 1, 0, 1, 1, 1}, {2, 3})));
  CHECK(all_close("d min / db", lb.grad(), f64({0, 0, 1})));

  // Away from ties the ops are smooth: a is shifted so that no pair is within 0.05.
  auto fmax = [](const Inputs& x) { return maximum(x[0], x[1]); };
  auto fmin = [](const Inputs& x) { return minimum(x[0], x[1]); };
  uint64_t seed = 70;
  for (const auto& [sa, sb] : kBinaryShapes) {
    Tensor x = random_input(sa, seed++, -2, 2);
    Tensor y = random_input(sb, seed++, -2, 2);
    Tensor gap = abs(sub(expand(x, broadcast_shapes(sa, sb, "test")), y));
    REQUIRE(min(gap).item<double>() > 0.01);  // the fixed seeds keep the pairs apart
    CHECK(gradcheck(shapes_name("maximum", sa, sb), fmax, {x, y}));
    CHECK(gradcheck(shapes_name("minimum", sa, sb), fmin, {x, y}));
  }
}

// ---- cast ----

TEST_CASE("elementwise: cast between dtypes and its gradient") {
  // float32 -> float64: the gradient comes back as float32.
  Tensor x32 = tensor({1.5, -2.25, 3}, kFloat32).requires_grad_();
  Tensor y64 = cast(x32, kFloat64);
  CHECK(y64.dtype() == kFloat64);
  CHECK(y64.to_vector<double>() == std::vector<double>{1.5, -2.25, 3});
  sum(y64 * f64({1, 2, 3})).backward();
  REQUIRE(x32.grad().defined());
  CHECK(x32.grad().dtype() == kFloat32);
  CHECK(x32.grad().to_vector<double>() == std::vector<double>{1, 2, 3});

  // float64 -> float32, through Tensor::to: the gradient comes back as float64.
  Tensor x64 = f64({0.5, 4}).requires_grad_();
  Tensor y32 = x64.to(kFloat32);
  CHECK(y32.dtype() == kFloat32);
  sum(y32 * y32).backward();
  CHECK(x64.grad().dtype() == kFloat64);
  CHECK(x64.grad().to_vector<double>() == std::vector<double>{1, 8});

  // gradcheck through a float64 -> float64 cast (a differentiable copy), broadcast afterwards.
  auto f = [](const Inputs& in) { return cast(in[0], kFloat64) * in[1]; };
  CHECK(gradcheck("cast * b", f, {random_input({3, 1, 4}, 80), random_input({2, 4}, 81)}));
  CHECK(gradgradcheck("cast * b", f, {random_input({3, 1, 4}, 80), random_input({2, 4}, 81)}));

  // To int64 truncates toward zero (as C++ and PyTorch) and leaves the graph.
  Tensor r = f64({2.7, -2.7, 0.5, -0.5, 3}).requires_grad_();
  Tensor ri = cast(r, kInt64);
  CHECK(ri.dtype() == kInt64);
  CHECK(ri.to_vector<int64_t>() == std::vector<int64_t>{2, -2, 0, 0, 3});
  CHECK_FALSE(ri.requires_grad());
  // int64 -> floating: exact for small integers, and no graph (integers carry no gradient).
  Tensor back = cast(ri, kFloat32);
  CHECK(back.dtype() == kFloat32);
  CHECK(back.to_vector<double>() == std::vector<double>{2, -2, 0, 0, 3});
  CHECK_FALSE(back.requires_grad());
  CHECK(cast(from_vector(std::vector<int64_t>{-5, 9007199254740993}, {2}), kFloat64)
            .to_vector<double>() == std::vector<double>{-5, 9007199254740992.0});
}

// ---- comparisons and logic ----

TEST_CASE("elementwise: comparisons and logical ops") {
  Tensor a = from_vector(std::vector<double>{1, 2, 3, 3, 2, 1}, {2, 3});
  Tensor b = f64({2, 2, 2});
  auto expect = [&](const char* name, const Tensor& got,
                    const std::function<bool(double, double)>& rel) {
    std::vector<double> av = a.to_vector<double>(), e;
    for (size_t i = 0; i < av.size(); ++i) e.push_back(rel(av[i], 2.0) ? 1.0 : 0.0);
    CHECK(got.dtype() == kFloat64);
    CHECK(all_close(name, got, from_vector(e, {2, 3}), 0, 0));
  };
  expect("eq", eq(a, b), [](double x, double y) { return x == y; });
  expect("ne", ne(a, b), [](double x, double y) { return x != y; });
  expect("lt", lt(a, b), [](double x, double y) { return x < y; });
  expect("le", le(a, b), [](double x, double y) { return x <= y; });
  expect("gt", gt(a, b), [](double x, double y) { return x > y; });
  expect("ge", ge(a, b), [](double x, double y) { return x >= y; });

  // Broadcasting both ways, and the result is in the operands' common dtype.
  Tensor col = from_vector(std::vector<int64_t>{0, 1, 2}, {3, 1});
  Tensor row = tensor({0.5, 1, 1.5}, kFloat32);
  Tensor cmp = lt(col, row);
  CHECK(cmp.shape() == Shape{3, 3});
  CHECK(cmp.dtype() == kFloat32);
  CHECK(cmp.to_vector<double>() == std::vector<double>{1, 1, 1, 0, 0, 1, 0, 0, 0});
  Tensor ints = ge(col, from_vector(std::vector<int64_t>{1}, {1}));
  CHECK(ints.dtype() == kInt64);
  CHECK(ints.to_vector<int64_t>() == std::vector<int64_t>{0, 1, 1});

  // Comparisons never join the graph, even with inputs that require grad.
  Tensor x = random_input({4}, 90).requires_grad_();
  CHECK_FALSE(gt(x, zeros({}, kFloat64)).requires_grad());
  CHECK_FALSE(eq(x, x).requires_grad());
  CHECK(eq(x, x).to_vector<double>() == std::vector<double>{1, 1, 1, 1});

  // logical_and: nonzero is true; logical_not: 1 exactly where the input is 0.
  Tensor p = f64({0, 0, 1, 1, -2.5, 0});
  Tensor q = f64({0, 1, 0, 1, 3, 7});
  CHECK(all_close("logical_and", logical_and(p, q), f64({0, 0, 0, 1, 1, 0}), 0, 0));
  CHECK(all_close("logical_not", logical_not(p), f64({1, 1, 0, 0, 0, 1}), 0, 0));
  Tensor pi = from_vector(std::vector<int64_t>{0, 3, -1}, {3});
  CHECK(logical_not(pi).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0});
  CHECK(logical_and(pi, from_vector(std::vector<int64_t>{1}, {1})).to_vector<int64_t>() ==
        std::vector<int64_t>{0, 1, 1});
  CHECK_FALSE(logical_not(x).requires_grad());
}

// ---- where / masked_fill ----

TEST_CASE("elementwise: where values and gradients with broadcasting") {
  // cond: [3, 1], a: [1, 4], b: 0-d -> [3, 4].
  Tensor cond = from_vector(std::vector<double>{1, 0, 1}, {3, 1});
  Tensor a = from_vector(std::vector<double>{1, 2, 3, 4}, {1, 4});
  Tensor b = scalar(-1, kFloat64);
  Tensor y = where(cond, a, b);
  CHECK(y.shape() == Shape{3, 4});
  CHECK(all_close("where", y,
                  from_vector(std::vector<double>{1, 2, 3, 4, -1, -1, -1, -1, 1, 2, 3, 4}, {3, 4}),
                  0, 0));

  // Gradients: a gets the weights of the rows where cond holds (summed over the rows it is
  // broadcast to), b the sum of the rest, the condition nothing even if it requires grad.
  Tensor lc = cond.detach().clone().requires_grad_();
  Tensor la = a.detach().clone().requires_grad_();
  Tensor lb = b.detach().clone().requires_grad_();
  Tensor w = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 4});
  sum(where(lc, la, lb) * w).backward();
  CHECK(all_close("d where / da", la.grad(),
                  from_vector(std::vector<double>{10, 12, 14, 16}, {1, 4})));
  CHECK(all_close("d where / db", lb.grad(), scalar(5 + 6 + 7 + 8, kFloat64)));
  CHECK_FALSE(lc.grad().defined());
  auto unused = grad({sum(where(lc, la, lb))}, {lc, la}, {}, false, false, true);
  CHECK_FALSE(unused[0].defined());
  CHECK(unused[1].defined());

  // An int64 condition works the same.
  Tensor icond = from_vector(std::vector<int64_t>{0, 5, 0, -1}, {4});
  CHECK(all_close("where int cond", where(icond, f64({1, 2, 3, 4}), f64({9})), f64({9, 2, 9, 4}), 0,
                  0));

  uint64_t seed = 110;
  for (const auto& [sa, sb] : kBinaryShapes) {
    Shape out = broadcast_shapes(sa, sb, "test");
    Tensor c = gt(random_input(out, seed++), scalar(0, kFloat64));
    auto f = [c](const Inputs& x) { return where(c, x[0], x[1]); };
    // Curved branches, so that second order is not trivially zero.
    auto g = [c](const Inputs& x) { return where(c, x[0] * x[0], x[1] * x[1] * x[1]); };
    Tensor xa = random_input(sa, seed++), xb = random_input(sb, seed++);
    CHECK(gradcheck(shapes_name("where", sa, sb), f, {xa, xb}));
    CHECK(gradcheck(shapes_name("where(a^2, b^3)", sa, sb), g, {xa, xb}));
    CHECK(gradgradcheck(shapes_name("where(a^2, b^3)", sa, sb), g, {xa, xb}));
  }
}

TEST_CASE("elementwise: masked_fill") {
  Tensor x = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor mask = f64({1, 0, 1});  // broadcast over the rows
  CHECK(all_close("masked_fill", masked_fill(x, mask, -7.5),
                  from_vector(std::vector<double>{-7.5, 2, -7.5, -7.5, 5, -7.5}, {2, 3}), 0, 0));
  Tensor filled = masked_fill(x, f64({0, 1, 0}), -std::numeric_limits<double>::infinity());
  CHECK(std::isinf(filled.to_vector<double>()[1]));
  CHECK(filled.to_vector<double>()[1] < 0);
  CHECK(filled.to_vector<double>()[0] == 1);
  // A float32 input keeps its dtype (the fill value takes the input's dtype).
  CHECK(masked_fill(tensor({1, 2}, kFloat32), f64({1, 0}), 9).dtype() == kFloat32);

  // The gradient passes where the mask is 0 and is 0 where the value was filled in.
  Tensor lx = x.detach().clone().requires_grad_();
  Tensor w = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  sum(masked_fill(lx, mask, 100) * w).backward();
  CHECK(all_close("d masked_fill / dx", lx.grad(),
                  from_vector(std::vector<double>{0, 2, 0, 0, 5, 0}, {2, 3})));

  Tensor m = gt(random_input({3, 1, 4}, 120), scalar(0, kFloat64));
  auto f = [m](const Inputs& in) { return masked_fill(in[0] * in[0], m, 0.25); };
  CHECK(gradcheck("masked_fill(x^2)", f, {random_input({2, 3, 2, 4}, 121)}));
  CHECK(gradgradcheck("masked_fill(x^2)", f, {random_input({2, 3, 2, 4}, 121)}));
}

// ---- unary math ----

namespace {

// A smooth unary op with its reference value and derivative, computed in double from std::.
struct SmoothCase {
  std::string name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> value;
  std::function<double(double)> derivative;
  double low, high;  // the input range used (inside the domain)
};

double std_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double std_phi(double x) {
  return std::exp(-x * x / 2) / std::sqrt(2 * std::numbers::pi);
}  // N(0,1) density
double std_Phi(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }  // N(0,1) cdf
double std_softplus(double x, double beta) { return std::log1p(std::exp(beta * x)) / beta; }
double std_gelu_tanh(double x) {
  double k = std::sqrt(2 / std::numbers::pi);
  return 0.5 * x * (1 + std::tanh(k * (x + 0.044715 * x * x * x)));
}
double std_gelu_tanh_derivative(double x) {
  double k = std::sqrt(2 / std::numbers::pi);
  double t = std::tanh(k * (x + 0.044715 * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x);
}

std::vector<SmoothCase> smooth_cases() {
  return {
      {"exp", [](const Tensor& x) { return exp(x); }, [](double x) { return std::exp(x); },
       [](double x) { return std::exp(x); }, -2, 2},
      {"log", [](const Tensor& x) { return log(x); }, [](double x) { return std::log(x); },
       [](double x) { return 1 / x; }, 0.2, 3},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, [](double x) { return std::sqrt(x); },
       [](double x) { return 0.5 / std::sqrt(x); }, 0.2, 3},
      {"tanh", [](const Tensor& x) { return tanh(x); }, [](double x) { return std::tanh(x); },
       [](double x) { return 1 - std::tanh(x) * std::tanh(x); }, -3, 3},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, std_sigmoid,
       [](double x) { return std_sigmoid(x) * (1 - std_sigmoid(x)); }, -4, 4},
      {"erf", [](const Tensor& x) { return erf(x); }, [](double x) { return std::erf(x); },
       [](double x) { return 2 / std::sqrt(std::numbers::pi) * std::exp(-x * x); }, -2, 2},
      {"gelu none", [](const Tensor& x) { return gelu(x); },
       [](double x) { return x * std_Phi(x); },
       [](double x) { return std_Phi(x) + x * std_phi(x); }, -3, 3},
      {"gelu tanh", [](const Tensor& x) { return gelu(x, "tanh"); }, std_gelu_tanh,
       std_gelu_tanh_derivative, -3, 3},
      {"softplus beta=1", [](const Tensor& x) { return softplus(x); },
       [](double x) { return std_softplus(x, 1); }, [](double x) { return std_sigmoid(x); }, -3, 3},
      {"softplus beta=2", [](const Tensor& x) { return softplus(x, 2.0); },
       [](double x) { return std_softplus(x, 2); }, [](double x) { return std_sigmoid(2 * x); }, -3,
       3},
  };
}

}  // namespace

TEST_CASE("elementwise: unary forward values known from the math") {
  const double e = std::numbers::e;
  CHECK(exp(scalar(1, kFloat64)).item<double>() == doctest::Approx(e).epsilon(1e-15));
  CHECK(exp(scalar(0, kFloat64)).item<double>() == 1.0);
  CHECK(log(scalar(e, kFloat64)).item<double>() == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(log(scalar(1, kFloat64)).item<double>() == 0.0);
  CHECK(std::isinf(log(scalar(0, kFloat64)).item<double>()));
  CHECK(all_close("sqrt", sqrt(f64({0, 0.25, 2, 9})), f64({0, 0.5, std::numbers::sqrt2, 3}), 1e-15,
                  1e-15));
  CHECK(all_close("abs", abs(f64({-2.5, 0, 3})), f64({2.5, 0, 3}), 0, 0));
  CHECK(all_close("sign", sign(f64({-2.5, 0, 3, -1e-300})), f64({-1, 0, 1, -1}), 0, 0));
  CHECK(all_close("relu", relu(f64({-2, 0, 0.5, 3})), f64({0, 0, 0.5, 3}), 0, 0));
  CHECK(tanh(scalar(0, kFloat64)).item<double>() == 0.0);
  CHECK(sigmoid(scalar(0, kFloat64)).item<double>() == 0.5);
  CHECK(sigmoid(scalar(0, kFloat32)).item<double>() == 0.5);
  CHECK(erf(scalar(1, kFloat64)).item<double>() ==
        doctest::Approx(0.8427007929497149).epsilon(1e-15));
  CHECK(erf(scalar(-1, kFloat64)).item<double>() ==
        doctest::Approx(-0.8427007929497149).epsilon(1e-15));
  CHECK(erf(scalar(0, kFloat64)).item<double>() == 0.0);
  // gelu(1) = Phi(1) exactly; the tanh approximation gives a slightly smaller value.
  CHECK(gelu(scalar(1, kFloat64)).item<double>() ==
        doctest::Approx(0.8413447460685429).epsilon(1e-14));
  CHECK(gelu(scalar(1, kFloat64), "tanh").item<double>() ==
        doctest::Approx(0.8411919906082768).epsilon(1e-14));
  CHECK(gelu(scalar(-1, kFloat64)).item<double>() ==
        doctest::Approx(-(1 - 0.8413447460685429)).epsilon(1e-14));
  CHECK(gelu(scalar(0, kFloat64)).item<double>() == 0.0);
  CHECK(softplus(scalar(0, kFloat64)).item<double>() ==
        doctest::Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(softplus(scalar(0, kFloat64), 2.0).item<double>() ==
        doctest::Approx(std::log(2.0) / 2).epsilon(1e-15));
  // Integer inputs where the op makes sense for them.
  Tensor ints = from_vector(std::vector<int64_t>{-3, 0, 4}, {3});
  CHECK(abs(ints).to_vector<int64_t>() == std::vector<int64_t>{3, 0, 4});
  CHECK(sign(ints).to_vector<int64_t>() == std::vector<int64_t>{-1, 0, 1});
  CHECK(relu(ints).to_vector<int64_t>() == std::vector<int64_t>{0, 0, 4});
  CHECK(neg(ints).to_vector<int64_t>() == std::vector<int64_t>{3, 0, -4});
  CHECK(clamp(ints, -1, 2).to_vector<int64_t>() == std::vector<int64_t>{-1, 0, 2});
}

TEST_CASE("elementwise: smooth unary ops against the math, gradcheck and gradgradcheck") {
  uint64_t seed = 200;
  for (const SmoothCase& c : smooth_cases()) {
    CAPTURE(c.name);
    // Forward, float64 and float32, on a multi-axis shape.
    Tensor x = random_input({2, 3, 4}, seed++, c.low, c.high);
    CHECK(all_close(c.name + " float64", c.op(x), map_ref(x, c.value), 1e-14, 1e-12));
    Tensor x32 = cast(x, kFloat32);
    Tensor y32 = c.op(x32);
    CHECK(y32.dtype() == kFloat32);
    // Reference from the float32 inputs, so only the op's own rounding is measured.
    CHECK(all_close(c.name + " float32", y32, map_ref(x32, c.value), 2e-6, 2e-6));

    // The analytic derivative through the leaf API equals the math's derivative.
    Tensor leaf = x.detach().clone().requires_grad_();
    sum(c.op(leaf)).backward();
    REQUIRE(leaf.grad().defined());
    CHECK(all_close(c.name + " derivative", leaf.grad(), map_ref(x, c.derivative), 1e-12, 1e-10));

    // Finite differences: multi-axis, 0-d, and behind a broadcast (x0 + x1 with [3,1,4] + [2,4]).
    auto f = [op = c.op](const Inputs& in) { return op(in[0]); };
    auto fb = [op = c.op](const Inputs& in) { return op(in[0] + in[1]); };
    double mid_low = c.low / 2, mid_high = c.high / 2;  // x0 + x1 stays in [low, high)
    Tensor x0 = random_input({3, 1, 4}, seed++, mid_low, mid_high);
    Tensor x1 = random_input({2, 4}, seed++, mid_low, mid_high);
    CHECK(gradcheck(c.name, f, {x}));
    CHECK(gradcheck(c.name + " 0-d", f, {random_input({}, seed++, c.low, c.high)}));
    CHECK(gradcheck(c.name + " broadcast", fb, {x0, x1}));
    CHECK(gradgradcheck(c.name, f, {random_input({3, 4}, seed++, c.low, c.high)}));
    CHECK(gradgradcheck(c.name + " broadcast", fb, {x0, x1}));
  }
}

TEST_CASE("elementwise: gelu tanh fused backward equals the composite (create_graph) backward") {
  // 70000 elements: several parallel chunks; inputs reach |x| = 6, where tanh saturates.
  Tensor x0 = random_input({70, 1000}, 41, -6, 6), r = random_input({70, 1000}, 42);
  for (DType dtype : {kFloat64, kFloat32}) {
    CAPTURE(dtype_name(dtype));
    Tensor x1 = x0.to(dtype).requires_grad_();
    sum(gelu(x1, "tanh") * r.to(dtype)).backward();
    Tensor x2 = x0.to(dtype).requires_grad_();
    auto g = grad({sum(gelu(x2, "tanh") * r.to(dtype))}, {x2}, {}, false, true);
    CHECK(g[0].requires_grad());  // really the differentiable path
    double tol = dtype == kFloat64 ? 1e-13 : 1e-5;  // float32: (1 + t) cancels where t -> -1
    CHECK(all_close("gelu tanh dx", x1.grad(), g[0].detach(), tol, tol));
    double math_tol = dtype == kFloat64 ? 1e-12 : 1e-5;
    CHECK(all_close("gelu tanh dx vs math", x1.grad(),
                    map_ref(x0.to(dtype), std_gelu_tanh_derivative) * r.to(dtype).to(kFloat64),
                    math_tol, math_tol));
  }
}

TEST_CASE("elementwise: sigmoid and softplus are stable for large inputs in float32") {
  Tensor x = tensor({-100, -20, 0, 20, 100}, kFloat32);
  for (double beta : {1.0, 2.0}) {
    CAPTURE(beta);
    Tensor leaf = x.detach().clone().requires_grad_();
    Tensor y = softplus(leaf, beta);
    CHECK(y.dtype() == kFloat32);
    std::vector<double> v = y.to_vector<double>();
    for (double e : v) CHECK(std::isfinite(e));
    // softplus(x) -> x for large x and -> e^(beta x) / beta (tiny, not negative) for very negative
    // x.
    CHECK(v[4] == doctest::Approx(100.0).epsilon(1e-6));
    CHECK(v[3] == doctest::Approx(20.0).epsilon(1e-6));
    CHECK(v[2] == doctest::Approx(std::log(2.0) / beta).epsilon(1e-6));
    CHECK(v[0] >= 0.0);
    CHECK(v[0] < 1e-30);
    CHECK(v[1] == doctest::Approx(std_softplus(-20, beta)).epsilon(1e-5));
    // d softplus / dx = sigmoid(beta x): finite, 0 and 1 at the ends.
    sum(y).backward();
    std::vector<double> g = leaf.grad().to_vector<double>();
    std::vector<double> xs = x.to_vector<double>();
    for (size_t i = 0; i < g.size(); ++i) {
      CHECK(std::isfinite(g[i]));
      CHECK(g[i] == doctest::Approx(std_sigmoid(beta * xs[i])).epsilon(1e-6).scale(1e-6));
    }
  }
  // sigmoid saturates to exactly 0 and 1, with a finite (zero) gradient.
  Tensor leaf = x.detach().clone().requires_grad_();
  Tensor s = sigmoid(leaf);
  std::vector<double> sv = s.to_vector<double>();
  CHECK(sv[0] == doctest::Approx(0.0).scale(1e-30));
  CHECK(sv[4] == 1.0);
  sum(s).backward();
  for (double g : leaf.grad().to_vector<double>()) CHECK(std::isfinite(g));
  CHECK(leaf.grad().to_vector<double>()[2] == 0.25);
}

TEST_CASE("elementwise: abs, relu and sign away from the kink, and at it") {
  // At 0 the gradient of abs and relu is 0 (PyTorch's choice); sign never carries gradient.
  Tensor x = f64({-2, -0.5, 0, 0.5, 3}).requires_grad_();
  sum(abs(x) + relu(x) * 3.0).backward();
  CHECK(all_close("d (|x| + 3 relu x) / dx", x.grad(), f64({-1, -1, 0, 4, 4})));
  CHECK_FALSE(sign(x).requires_grad());

  uint64_t seed = 300;
  auto fabs = [](const Inputs& in) { return abs(in[0]); };
  auto frelu = [](const Inputs& in) { return relu(in[0]); };
  // sign(x) is locally constant, so d (sign(x) x^2) / dx = 2 |x| away from 0.
  auto fsign = [](const Inputs& in) { return sign(in[0]) * in[0] * in[0]; };
  auto fb = [](const Inputs& in) { return relu(in[0] * in[1]) + abs(in[0] * in[1]); };
  for (const Shape& shape : {Shape{2, 3, 4}, Shape{}, Shape{5}}) {
    Tensor v = away_from_zero(shape, seed++);
    CHECK(gradcheck("abs " + format_shape(shape), fabs, {v}));
    CHECK(gradcheck("relu " + format_shape(shape), frelu, {v}));
    CHECK(gradcheck("sign(x) x^2 " + format_shape(shape), fsign, {v}));
  }
  Tensor s = away_from_zero({2, 3, 4}, seed++);
  Tensor lsv = s.detach().clone().requires_grad_();
  sum(sign(lsv) * lsv * lsv).backward();
  CHECK(all_close("d sign(x) x^2 / dx", lsv.grad(),
                  map_ref(s, [](double t) { return 2 * std::abs(t); })));
  // Behind a broadcast: the products stay away from 0 since both factors do.
  CHECK(gradcheck("relu(a*b) + |a*b|", fb,
                  {away_from_zero({3, 1, 4}, seed++), away_from_zero({2, 4}, seed++)}));
}

TEST_CASE("elementwise: clamp with min only, max only and both") {
  Tensor x = f64({-2, -1, -0.5, 0, 0.5, 1, 2});
  CHECK(all_close("clamp both", clamp(x, -1.0, 1.0), f64({-1, -1, -0.5, 0, 0.5, 1, 1}), 0, 0));
  CHECK(all_close("clamp min", clamp(x, 0.0, std::nullopt), f64({0, 0, 0, 0, 0.5, 1, 2}), 0, 0));
  CHECK(all_close("clamp max", clamp(x, std::nullopt, -0.5),
                  f64({-2, -1, -0.5, -0.5, -0.5, -0.5, -0.5}), 0, 0));
  CHECK(all_close("clamp min == max", clamp(x, 0.25, 0.25), full({7}, 0.25, kFloat64), 0, 0));
  CHECK(clamp(tensor({-3, 3}, kFloat32), -1.0, 1.0).dtype() == kFloat32);

  // Gradient 1 inside [min, max] (bounds included, as PyTorch), 0 where the value was clamped.
  Tensor leaf = x.detach().clone().requires_grad_();
  sum(clamp(leaf, -1.0, 1.0)).backward();
  CHECK(all_close("d clamp both", leaf.grad(), f64({0, 1, 1, 1, 1, 1, 0})));
  leaf.zero_grad();
  sum(clamp(leaf, 0.0, std::nullopt)).backward();
  CHECK(all_close("d clamp min", leaf.grad(), f64({0, 0, 0, 1, 1, 1, 1})));
  leaf.zero_grad();
  sum(clamp(leaf, std::nullopt, -0.5)).backward();
  CHECK(all_close("d clamp max", leaf.grad(), f64({1, 1, 1, 0, 0, 0, 0})));

  // gradcheck with the inputs kept 0.05 away from the bounds -0.5 and 0.7.
  std::vector<double> v = random_input({2, 3, 4}, 400, -2, 2).to_vector<double>();
  for (double& e : v) {
    for (double bound : {-0.5, 0.7}) {
      if (std::abs(e - bound) < 0.05) e += 0.1;
    }
  }
  Tensor in = from_vector(v, {2, 3, 4});
  // The draw puts elements on both sides of each bound, so each case sees both gradient values.
  CHECK(min(in).item<double>() < -0.5);
  CHECK(max(in).item<double>() > 0.7);
  CHECK(gradcheck("clamp both", [](const Inputs& t) { return clamp(t[0], -0.5, 0.7); }, {in}));
  CHECK(gradcheck("clamp min", [](const Inputs& t) { return clamp(t[0], -0.5, std::nullopt); },
                  {in}));
  CHECK(
      gradcheck("clamp max", [](const Inputs& t) { return clamp(t[0], std::nullopt, 0.7); }, {in}));
  CHECK(gradcheck("clamp 0-d", [](const Inputs& t) { return clamp(t[0], -0.5, 0.7); },
                  {scalar(0.3, kFloat64)}));
}

// ---- errors ----

TEST_CASE("elementwise: errors name the op and the values") {
  Tensor a = zeros({3, 4}, kFloat64);
  Tensor b = zeros({5}, kFloat64);
  using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);
  std::vector<std::pair<std::string, BinaryFn>> binaries = {
      {"add", add},
      {"sub", sub},
      {"mul", mul},
      {"div", div},
      {"maximum", maximum},
      {"minimum", minimum},
      {"eq", eq},
      {"ne", ne},
      {"lt", lt},
      {"le", le},
      {"gt", gt},
      {"ge", ge},
      {"logical_and", logical_and},
  };
  for (const auto& entry : binaries) {
    const auto& name = entry.first;
    const auto& fn = entry.second;
    CAPTURE(name);
    CHECK_THROWS_AS(fn(a, b), ShapeError);
    std::string msg = message_of<ShapeError>([&, fn = fn] { fn(a, b); });
    CAPTURE(msg);
    CHECK(contains(msg, name + ":"));
    CHECK(contains(msg, "[3, 4]"));
    CHECK(contains(msg, "[5]"));
  }
  {
    Tensor (*tensor_pow)(const Tensor&, const Tensor&) = pow;
    CHECK_THROWS_AS(tensor_pow(a, b), ShapeError);
    std::string msg = message_of<ShapeError>([&] { tensor_pow(a, b); });
    CHECK(contains(msg, "pow"));
    CHECK(contains(msg, "[3, 4]"));
    CHECK(contains(msg, "[5]"));
  }
  CHECK_THROWS_AS(a + b, ShapeError);
  CHECK_THROWS_AS(where(ones({3, 4}, kFloat64), a, b), ShapeError);
  std::string where_msg = message_of<ShapeError>([&] {
    where(ones({2, 4}, kFloat64), a, zeros({4}, kFloat64));
  });
  CHECK(contains(where_msg, "where"));
  CHECK(contains(where_msg, "[2, 4]"));
  CHECK(contains(where_msg, "[3, 4]"));
  // masked_fill: the mask must broadcast to the input's shape, not the other way round.
  CHECK_THROWS_AS(masked_fill(zeros({4}, kFloat64), ones({3, 4}, kFloat64), 0), ShapeError);
  std::string mf_msg = message_of<ShapeError>([&] {
    masked_fill(zeros({4}, kFloat64), ones({3, 4}, kFloat64), 0);
  });
  CHECK(contains(mf_msg, "masked_fill"));
  CHECK(contains(mf_msg, "[3, 4]"));
  CHECK(contains(mf_msg, "[4]"));

  // Floating-only math on int64 is a DTypeError naming the op and the dtype.
  Tensor ints = from_vector(std::vector<int64_t>{1, 2, 3}, {3});
  std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> floating_only = {
      {"exp", [](const Tensor& t) { return exp(t); }},
      {"log", [](const Tensor& t) { return log(t); }},
      {"sqrt", [](const Tensor& t) { return sqrt(t); }},
      {"tanh", [](const Tensor& t) { return tanh(t); }},
      {"sigmoid", [](const Tensor& t) { return sigmoid(t); }},
      {"erf", [](const Tensor& t) { return erf(t); }},
      {"gelu", [](const Tensor& t) { return gelu(t); }},
      {"softplus", [](const Tensor& t) { return softplus(t); }},
      {"softplus", [](const Tensor& t) { return softplus(t, 2.0); }},
      {"pow", [](const Tensor& t) { return pow(t, 3.0); }},
  };
  for (const auto& entry : floating_only) {
    const auto& name = entry.first;
    const auto& fn = entry.second;
    CAPTURE(name);
    CHECK_THROWS_AS(fn(ints), DTypeError);
    std::string msg = message_of<DTypeError>([&, fn = fn] { fn(ints); });
    CAPTURE(msg);
    CHECK(contains(msg, name + ":"));
    CHECK(contains(msg, "int64"));
  }
  CHECK_THROWS_AS(ints.detach().requires_grad_(), DTypeError);

  // Bad values.
  CHECK_THROWS_AS(clamp(a, 2.0, 1.0), ValueError);
  std::string clamp_msg = message_of<ValueError>([&] { clamp(a, 2.0, 1.0); });
  CHECK(contains(clamp_msg, "clamp"));
  CHECK(contains(clamp_msg, "2"));
  CHECK(contains(clamp_msg, "1"));
  CHECK_NOTHROW(clamp(a, 1.0, 1.0));
  std::string no_bound_msg = message_of<ValueError>([&] { clamp(a, std::nullopt, std::nullopt); });
  CHECK(contains(no_bound_msg, "clamp: give at least one of min and max"));
  CHECK_THROWS_AS(gelu(a, "tanhh"), ValueError);
  std::string gelu_msg = message_of<ValueError>([&] { gelu(a, "tanhh"); });
  CHECK(contains(gelu_msg, "gelu"));
  CHECK(contains(gelu_msg, "\"tanhh\""));
  CHECK_THROWS_AS(softplus(a, 0.0), ValueError);
  CHECK(contains(message_of<ValueError>([&] { softplus(a, -1.0); }), "softplus"));
  // Undefined operands are reported, not dereferenced.
  CHECK_THROWS_AS(add(Tensor(), a), ValueError);
  CHECK(contains(message_of<ValueError>([&] { add(Tensor(), a); }), "add"));
  CHECK_THROWS_AS(exp(Tensor()), ValueError);
}

TEST_CASE("elementwise: exp is exact at the bottom of the range: subnormals, and 0 at -inf") {
  // Eigen's vectorised exp clamps its argument near -709 (double) on some instruction sets.
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> x = {-inf, -800, -745.0, -720, -708.5, 0};
  const std::vector<double> y = exp(from_vector(x, {6})).to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) CHECK_MESSAGE(y[i] == std::exp(x[i]), x[i]);
  // Inside the range the vectorised exp may differ from std::exp in the last bit (it does with
  // SSE2 alone, a build without CANDOR_NATIVE).
  CHECK(std::abs(exp(f64({-1})).item<double>() - std::exp(-1.0)) <= 0x1p-52 * std::exp(-1.0));
  const std::vector<float> xf = {-std::numeric_limits<float>::infinity(), -110.0f, -100.0f, -90.0f, -1.0f};
  const std::vector<float> yf = exp(from_vector(xf, {5})).to_vector<float>();
  CHECK(yf[0] == 0.0f);
  for (size_t i = 1; i < 4; ++i) CHECK_MESSAGE(yf[i] == std::exp(xf[i]), xf[i]);
}
