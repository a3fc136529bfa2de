// Neural-network ops: softmax, log_softmax, the losses, layer_norm, attention_weights and dropout. Reference values
// come from the math, computed here in plain double loops independent of the engine.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "tests/support/checks.h"
#include "tests/support/gradcheck.h"

using namespace candor;
using namespace candor::testing;

namespace {

Tensor f64(const std::vector<double>& values, const Shape& shape) {
  return from_vector(values, shape);
}
Tensor i64(const std::vector<int64_t>& values) {
  return from_vector(values, {static_cast<int64_t>(values.size())});
}

// Calls line(at, n) for every line along `axis` of a contiguous `shape`, where at(k) is the
// position of the line's k-th element.
template <class F>
void for_each_line(const Shape& shape, int64_t axis, F&& line) {
  int64_t outer = 1, inner = 1, n = shape[axis];
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d) inner *= shape[d];
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      line([&](int64_t k) { return (o * n + k) * inner + i; }, n);
    }
  }
}

// Softmax (or log-softmax) of x (contiguous, `shape`) along `axis`, in double, by definition.
std::vector<double> reference_softmax(const std::vector<double>& x, const Shape& shape,
                                      int64_t axis, bool log) {
  std::vector<double> y(x.size());
  for_each_line(shape, axis, [&](auto at, int64_t n) {
    double m = x[at(0)];
    for (int64_t k = 1; k < n; ++k) m = std::max(m, x[at(k)]);
    double total = 0;
    for (int64_t k = 0; k < n; ++k) total += std::exp(x[at(k)] - m);
    for (int64_t k = 0; k < n; ++k) {
      y[at(k)] = log ? x[at(k)] - m - std::log(total) : std::exp(x[at(k)] - m) / total;
    }
  });
  return y;
}

// Its backward from the output y and the gradient g, by definition: softmax y (g - sum g y),
// log-softmax g - e^y sum g.
std::vector<double> reference_softmax_backward(const std::vector<double>& g,
                                               const std::vector<double>& y, const Shape& shape,
                                               int64_t axis, bool log) {
  std::vector<double> dx(y.size());
  for_each_line(shape, axis, [&](auto at, int64_t n) {
    double s = 0;
    for (int64_t k = 0; k < n; ++k) s += log ? g[at(k)] : g[at(k)] * y[at(k)];
    for (int64_t k = 0; k < n; ++k) {
      dx[at(k)] = log ? g[at(k)] - std::exp(y[at(k)]) * s : y[at(k)] * (g[at(k)] - s);
    }
  });
  return dx;
}

// |actual - expected| <= tol, reporting both values on failure.
#define CHECK_NEAR(actual, expected, tol)                                                  \
  do {                                                                                     \
    double a_ = (actual), e_ = (expected);                                                 \
    CHECK_MESSAGE(std::abs(a_ - e_) <= (tol), #actual " = " << a_ << ", expected " << e_); \
  } while (0)

double sigmoid_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// softmax / log_softmax

TEST_CASE("nn_ops: softmax and log_softmax match the definition on every axis") {
  Shape shape{2, 3, 4};
  Tensor x = random_input(shape, 21, -3, 3);
  std::vector<double> xs = x.to_vector<double>();
  for (int64_t axis : {0, 1, 2, -1, -3}) {
    CAPTURE(axis);
    int64_t a = axis < 0 ? axis + 3 : axis;
    all_close("softmax", softmax(x, axis), f64(reference_softmax(xs, shape, a, false), shape),
              1e-12);
    all_close("log_softmax", log_softmax(x, axis),
              f64(reference_softmax(xs, shape, a, true), shape), 1e-12);
    // Slices along the axis sum to 1.
    all_close("softmax sums", sum(softmax(x, axis), {axis}), ones(sum(x, {axis}).shape(), kFloat64),
              1e-12);
  }
  // Known values: softmax([1, 2, 3]) = e^k / (e + e^2 + e^3).
  double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  all_close("softmax([1,2,3])", softmax(tensor({1, 2, 3}, kFloat64)),
            tensor({std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z}, kFloat64), 1e-15);
  // float32 rows sum to 1 as well.
  Tensor s32 = softmax(randn({64, 100}), 1);
  all_close("float32 rows sum to 1", sum(s32, {1}), ones({64}), 1e-5);
}

TEST_CASE("nn_ops: softmax and log_softmax are stable for large logits") {
  // In float32, exp(1000) overflows: the kernel must shift by the maximum.
  Tensor x = tensor({1000, 1001, 1002});
  double z = 1 + std::exp(1.0) + std::exp(2.0);
  Tensor expected = tensor({1 / z, std::exp(1.0) / z, std::exp(2.0) / z});
  all_close("softmax(1000 + [0,1,2])", softmax(x), expected, 1e-6);
  all_close("log_softmax(1000 + [0,1,2])", log_softmax(x),
            tensor({-std::log(z), 1 - std::log(z), 2 - std::log(z)}), 1e-5);
  // Along axis 0 of a 2-D tensor (the strided kernel), with huge negative logits too.
  Tensor y = from_vector(std::vector<float>{1000, -1000, 1000, 0}, {2, 2});
  all_close("softmax axis 0", softmax(y, 0),
            from_vector(std::vector<float>{0.5f, 0, 0.5f, 1}, {2, 2}), 1e-7);
  // log_softmax keeps the tiny probability as a finite log: log(e^-1000 / (e^-1000 + 1)) ~ -1000.
  all_close("log_softmax axis 0", log_softmax(y, 0),
            from_vector(std::vector<float>{-std::log(2.0f), -1000, -std::log(2.0f), 0}, {2, 2}),
            1e-5);
  for (double v : log_softmax(y, 0).to_vector()) CHECK(std::isfinite(v));
  // Gradient through large logits stays finite: d sum(w * softmax) is softmax * (w - <w, softmax>).
  Tensor xl = tensor({1000, 1001, 1002}).requires_grad_();
  Tensor w = tensor({1, 2, 3});
  sum(softmax(xl) * w).backward();
  std::vector<double> p = expected.to_vector();
  double mean_w = p[0] * 1 + p[1] * 2 + p[2] * 3;
  all_close("softmax grad at 1000", xl.grad(),
            tensor({p[0] * (1 - mean_w), p[1] * (2 - mean_w), p[2] * (3 - mean_w)}), 1e-6);
}

TEST_CASE("nn_ops: float32 log_softmax and cross_entropy of a dominant class match float64") {
  // GPT-2's vocabulary with one logit far above the rest, as a confident language model gives:
  // the loss is log of a sum of 50257 exponentials, which must be accumulated in double.
  const int64_t N = 4, V = 50257;
  Generator gen(7);
  Tensor x = randn({N, V}, kFloat32, &gen);
  std::vector<int64_t> targets{3, 50256, 12345, 0};
  for (int64_t r = 0; r < N; ++r) x.data<float>()[r * V + targets[static_cast<size_t>(r)]] = 12.0f + r;
  const std::vector<double> xs = x.to_vector<double>();  // the float32 values, exactly
  const std::vector<double> ref = reference_softmax(xs, {N, V}, 1, true);
  // |a - e| <= 1e-6 * max(1, |e|): float32 cannot hold -20.123456 closer than ~1e-6.
  auto close = [](const std::vector<double>& a, const std::vector<double>& e) {
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - e[i]) / std::max(1.0, std::abs(e[i])));
    CHECK_MESSAGE(worst <= 1e-6, "worst relative error " << worst);
  };
  close(log_softmax(x, 1).to_vector<double>(), ref);
  // The strided kernel: the same rows along axis 0 of the transpose.
  close(transpose(log_softmax(transpose(x, 0, 1), 0), 0, 1).to_vector<double>(), ref);
  std::vector<double> losses;
  for (int64_t r = 0; r < N; ++r) losses.push_back(-ref[static_cast<size_t>(r * V + targets[static_cast<size_t>(r)])]);
  CHECK(losses[0] > 0.1);  // the dominant class has most, not all, of the mass
  const Tensor t = from_vector(targets, {N});
  close(cross_entropy(x, t, {}, -100, Reduction::None).to_vector<double>(), losses);
  const double total = std::accumulate(losses.begin(), losses.end(), 0.0);
  CHECK_NEAR(cross_entropy(x, t, {}, -100, Reduction::Sum).item(), total, 1e-6);
  CHECK_NEAR(cross_entropy(x, t).item(), total / N, 1e-6);
  // softmax of the dominant entry: the same sum in the denominator.
  std::vector<double> p = softmax(x, 1).to_vector<double>();
  for (int64_t r = 0; r < N; ++r) {
    CHECK_NEAR(p[static_cast<size_t>(r * V + targets[static_cast<size_t>(r)])], std::exp(-losses[static_cast<size_t>(r)]), 1e-6);
  }
}

TEST_CASE("nn_ops: softmax and log_softmax gradcheck and gradgradcheck") {
  for (int64_t axis : {0, 1, -1}) {
    CAPTURE(axis);
    auto sm = [axis](const std::vector<Tensor>& x) { return softmax(x[0], axis); };
    auto lsm = [axis](const std::vector<Tensor>& x) { return log_softmax(x[0], axis); };
    CHECK(gradcheck("softmax", sm, {random_input({3, 4, 2}, 1, -2, 2)}));
    CHECK(gradgradcheck("softmax", sm, {random_input({3, 4, 2}, 1, -2, 2)}));
    CHECK(gradcheck("log_softmax", lsm, {random_input({3, 4, 2}, 2, -2, 2)}));
    CHECK(gradgradcheck("log_softmax", lsm, {random_input({3, 4, 2}, 2, -2, 2)}));
  }
}

TEST_CASE("nn_ops: softmax and log_softmax fused backward matches the definition and the composite") {
  // dx from the definition in double (softmax: y (g - sum g y); log-softmax: g - e^y sum g), and
  // from the differentiable rule evaluated under create_graph, along the first, middle and last
  // axis (strided lines and contiguous rows), with rows of 1000 (vectorised) and of 1.
  for (Shape shape : {Shape{3, 5, 4}, Shape{2, 3, 1000}, Shape{4, 1}}) {
    for (int64_t axis = 0; axis < static_cast<int64_t>(shape.size()); ++axis) {
      for (bool log : {false, true}) {
        for (DType dtype : {kFloat64, kFloat32}) {
          CAPTURE(format_shape(shape));
          CAPTURE(axis);
          CAPTURE(log);
          CAPTURE(dtype_name(dtype));
          Tensor x0 = random_input(shape, 31, -3, 3).to(dtype);
          Tensor r = random_input(shape, 32).to(dtype);
          auto forward = [&](const Tensor& x) { return log ? log_softmax(x, axis) : softmax(x, axis); };
          Tensor fused = x0.clone().requires_grad_();
          sum(forward(fused) * r).backward();
          Tensor comp = x0.clone().requires_grad_();
          Tensor g = grad({sum(forward(comp) * r)}, {comp}, {}, false, true)[0];
          CHECK(g.requires_grad());  // really the differentiable path
          const double tol = dtype == kFloat64 ? 1e-12 : 2e-5;
          CHECK(all_close("fused against composite", fused.grad(), g.detach(), tol, tol));
          // The definition, in double, from the same inputs.
          const std::vector<double> yv = reference_softmax(x0.to_vector<double>(), shape, axis, log);
          const std::vector<double> dx =
              reference_softmax_backward(r.to_vector<double>(), yv, shape, axis, log);
          CHECK(all_close("fused against the definition", fused.grad(), from_vector(dx, shape), tol, tol));
        }
      }
    }
  }
}

TEST_CASE("nn_ops: softmax and log_softmax fused backward with -inf logits") {
  // Masked entries (-inf logits) have probability 0: their dx is 0 for softmax and g for
  // log-softmax, and no NaN appears elsewhere; rows of 9 take the vectorised path, columns of 4
  // the strided one.
  std::vector<double> values = random_input({4, 9}, 41, -3, 3).to_vector<double>();
  for (int64_t i : {0, 5, 10, 11, 30}) values[i] = -std::numeric_limits<double>::infinity();
  for (int64_t axis : {0, 1}) {
    for (bool log : {false, true}) {
      for (DType dtype : {kFloat64, kFloat32}) {
        CAPTURE(axis);
        CAPTURE(log);
        CAPTURE(dtype_name(dtype));
        Tensor x = from_vector(values, {4, 9}).to(dtype).requires_grad_();
        Tensor r = random_input({4, 9}, 42).to(dtype);
        sum((log ? log_softmax(x, axis) : softmax(x, axis)) * r).backward();
        const std::vector<double> yv = reference_softmax(values, {4, 9}, axis, log);
        const std::vector<double> dx =
            reference_softmax_backward(r.to_vector<double>(), yv, {4, 9}, axis, log);
        const double tol = dtype == kFloat64 ? 1e-12 : 2e-5;
        CHECK(all_close("dx", x.grad(), from_vector(dx, {4, 9}), tol, tol));
      }
    }
  }
}

TEST_CASE("nn_ops: softmax rejects integer input and a bad axis") {
  check_throws<DTypeError>([] { softmax(arange(4)); }, {"softmax", "int64"});
  check_throws<IndexError>([] { log_softmax(zeros({2, 3}), 2); }, {"log_softmax"});
}

// ---------------------------------------------------------------------------------------------
// cross_entropy

namespace {
// Logits [3, 3] and targets for the hand-computed cases.
const std::vector<double> kLogits{1, 2, 3, 1, 0, -1, 0.5, 0.5, 0.5};
// -log softmax(row)[t] = logsumexp(row) - row[t]
double ce_ref(int64_t row, int64_t t) {
  double z = 0;
  for (int k = 0; k < 3; ++k) z += std::exp(kLogits[row * 3 + k]);
  return std::log(z) - kLogits[row * 3 + t];
}
}  // namespace

TEST_CASE("nn_ops: cross_entropy values for every reduction, with weights and ignore_index") {
  Tensor logits = f64(kLogits, {3, 3});
  Tensor target = i64({2, 0, 1});
  double l0 = ce_ref(0, 2), l1 = ce_ref(1, 0), l2 = ce_ref(2, 1);
  CHECK_NEAR(l2, std::log(3.0), 1e-14);  // equal logits: log C

  SUBCASE("plain") {
    all_close("none", cross_entropy(logits, target, {}, -100, Reduction::None),
              f64({l0, l1, l2}, {3}), 1e-14);
    CHECK_NEAR(cross_entropy(logits, target, {}, -100, Reduction::Sum).item(), l0 + l1 + l2, 1e-12);
    CHECK_NEAR(cross_entropy(logits, target).item(), (l0 + l1 + l2) / 3, 1e-12);
  }
  SUBCASE("class weights: mean divides by the summed weights of the targets") {
    Tensor w = tensor({0.2, 0.3, 0.5}, kFloat64);
    // weights of the targets 2, 0, 1: 0.5, 0.2, 0.3
    all_close("none", cross_entropy(logits, target, w, -100, Reduction::None),
              f64({0.5 * l0, 0.2 * l1, 0.3 * l2}, {3}), 1e-14);
    CHECK_NEAR(cross_entropy(logits, target, w, -100, Reduction::Sum).item(),
               0.5 * l0 + 0.2 * l1 + 0.3 * l2, 1e-12);
    CHECK_NEAR(cross_entropy(logits, target, w).item(),
               (0.5 * l0 + 0.2 * l1 + 0.3 * l2) / (0.5 + 0.2 + 0.3), 1e-12);
    // Weights of a float32 dtype apply to float64 logits too.
    CHECK_NEAR(cross_entropy(logits, target, tensor({0.2, 0.3, 0.5})).item(),
               (0.5 * l0 + 0.2 * l1 + 0.3 * l2) / 1.0, 1e-6);
  }
  SUBCASE("ignore_index") {
    Tensor t = i64({2, -100, 1});
    all_close("none", cross_entropy(logits, t, {}, -100, Reduction::None), f64({l0, 0, l2}, {3}),
              1e-14);
    CHECK_NEAR(cross_entropy(logits, t, {}, -100, Reduction::Sum).item(), l0 + l2, 1e-12);
    CHECK_NEAR(cross_entropy(logits, t).item(), (l0 + l2) / 2, 1e-12);
    // A custom ignore_index that is a valid class, with weights: row 1 (target 0) is dropped
    // from both the numerator and the denominator.
    Tensor w = tensor({0.2, 0.3, 0.5}, kFloat64);
    CHECK_NEAR(cross_entropy(logits, target, w, 0).item(), (0.5 * l0 + 0.3 * l2) / 0.8, 1e-12);
    // Every target ignored: 0 / 0 as PyTorch (nan).
    CHECK(std::isnan(cross_entropy(logits, i64({-100, -100, -100})).item()));
    CHECK(cross_entropy(logits, i64({-100, -100, -100}), {}, -100, Reduction::Sum).item() == 0.0);
  }
}

TEST_CASE("nn_ops: cross_entropy gradient is w_t (softmax - onehot) / sum of counted weights") {
  Tensor logits = f64(kLogits, {3, 3}).requires_grad_();
  Tensor target = i64({2, -100, 1});
  Tensor w = tensor({0.2, 0.3, 0.5}, kFloat64);
  cross_entropy(logits, target, w).backward();
  std::vector<double> p = reference_softmax(kLogits, {3, 3}, 1, false);
  std::vector<int64_t> t{2, -100, 1};
  std::vector<double> cw{0.2, 0.3, 0.5};
  double total = cw[2] + cw[1];
  std::vector<double> expected(9, 0.0);
  for (int r = 0; r < 3; ++r) {
    if (t[r] == -100) continue;
    for (int k = 0; k < 3; ++k)
      expected[r * 3 + k] = cw[t[r]] * (p[r * 3 + k] - (k == t[r])) / total;
  }
  all_close("d ce / d logits", logits.grad(), f64(expected, {3, 3}), 1e-14);
}

TEST_CASE("nn_ops: cross_entropy gradcheck and gradgradcheck") {
  Tensor target = i64({0, 3, -100, 2, 3});
  Tensor w = random_input({4}, 5, 0.5, 1.5);
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    auto ce = [&](const std::vector<Tensor>& x) {
      return cross_entropy(x[0], target, x[1], -100, r);
    };
    auto ce_plain = [&](const std::vector<Tensor>& x) {
      return cross_entropy(x[0], target, {}, -100, r);
    };
    CHECK(gradcheck("cross_entropy weighted", ce, {random_input({5, 4}, 3, -2, 2), w}));
    CHECK(gradgradcheck("cross_entropy weighted", ce, {random_input({5, 4}, 3, -2, 2), w}));
    CHECK(gradcheck("cross_entropy", ce_plain, {random_input({5, 4}, 4, -2, 2)}));
    CHECK(gradgradcheck("cross_entropy", ce_plain, {random_input({5, 4}, 4, -2, 2)}));
  }
}

TEST_CASE("nn_ops: cross_entropy errors name the problem") {
  Tensor logits = zeros({3, 4});
  check_throws<IndexError>(
      [&] {
        cross_entropy(logits, i64({0, 4, 1}));
      },
      {"cross_entropy", "target 4", "position 1", "[0, 4)"});
  check_throws<IndexError>([&] { cross_entropy(logits, i64({0, -1, 1})); }, {"target -1"});
  check_throws<DTypeError>(
      [&] {
        cross_entropy(logits, tensor({0, 1, 2}));
      },
      {"cross_entropy", "target must be int64", "float32"});
  check_throws<ShapeError>([&] { cross_entropy(logits, i64({0, 1})); }, {"[3, 4]", "[2]"});
  check_throws<ShapeError>(
      [&] {
        cross_entropy(logits, i64({0, 1, 2}), ones({3}));
      },
      {"class weight must be [4]", "[3]"});
}

// ---------------------------------------------------------------------------------------------
// binary_cross_entropy_with_logits

TEST_CASE("nn_ops: binary_cross_entropy_with_logits values with weights, pos_weight, reductions") {
  std::vector<double> x{0.5, -1.2, 2.0, 0.0, -0.3, 1.7};
  std::vector<double> y{1.0, 0.0, 0.3, 1.0, 0.0, 1.0};   // soft targets allowed
  std::vector<double> sw{1.0, 2.0, 0.5, 1.5, 0.0, 3.0};  // sample weights [2, 3]
  std::vector<double> pw{2.0, 0.5, 1.0};                 // per class (last axis)
  Tensor logits = f64(x, {2, 3}), target = f64(y, {2, 3});
  // By definition: -w [pw y log s(x) + (1 - y) log(1 - s(x))].
  auto loss_at = [&](size_t i, bool use_w, bool use_pw) {
    double s = sigmoid_ref(x[i]);
    double p = use_pw ? pw[i % 3] : 1.0;
    return -(use_w ? sw[i] : 1.0) * (p * y[i] * std::log(s) + (1 - y[i]) * std::log(1 - s));
  };
  for (bool use_w : {false, true}) {
    for (bool use_pw : {false, true}) {
      CAPTURE(use_w);
      CAPTURE(use_pw);
      Tensor w = use_w ? f64(sw, {2, 3}) : Tensor();
      Tensor p = use_pw ? f64(pw, {3}) : Tensor();
      std::vector<double> expected;
      for (size_t i = 0; i < x.size(); ++i) expected.push_back(loss_at(i, use_w, use_pw));
      double total = std::accumulate(expected.begin(), expected.end(), 0.0);
      all_close("none", binary_cross_entropy_with_logits(logits, target, w, p, Reduction::None),
                f64(expected, {2, 3}), 1e-14);
      CHECK_NEAR(binary_cross_entropy_with_logits(logits, target, w, p, Reduction::Sum).item(),
                 total, 1e-13);
      CHECK_NEAR(binary_cross_entropy_with_logits(logits, target, w, p).item(), total / 6, 1e-13);
    }
  }
  // Known value: at x = 0 the loss is log 2 whatever the target.
  CHECK_NEAR(binary_cross_entropy_with_logits(zeros({4}), tensor({0, 1, 0.5, 1})).item(),
             std::log(2.0), 1e-6);
}

TEST_CASE("nn_ops: binary_cross_entropy_with_logits is stable at logits +-100 in float32") {
  Tensor x = tensor({100, -100, 100, -100, 30}).requires_grad_();
  Tensor y = tensor({0, 1, 1, 0, 0});
  Tensor loss = binary_cross_entropy_with_logits(x, y, {}, {}, Reduction::None);
  // Wrong-side logits cost |x|; right-side ones cost log(1 + e^-100) ~ 3.7e-44 (0 in float32).
  all_close("loss", loss, tensor({100, 100, 0, 0, 30}), 1e-5, 1e-6);
  for (double v : loss.to_vector()) CHECK(std::isfinite(v));
  sum(loss).backward();
  // d/dx = sigmoid(x) - y.
  std::vector<double> xs{100, -100, 100, -100, 30}, ys{0, 1, 1, 0, 0}, expected;
  for (size_t i = 0; i < xs.size(); ++i) expected.push_back(sigmoid_ref(xs[i]) - ys[i]);
  all_close("grad", x.grad(),
            tensor({expected[0], expected[1], expected[2], expected[3], expected[4]}), 1e-7);
  for (double v : x.grad().to_vector()) CHECK(std::isfinite(v));
  // With the mean and a pos_weight the gradient is (((1 + (pw - 1) y) s(x) - pw y) / N.
  Tensor x2 = tensor({100, -100, -100}).requires_grad_();
  Tensor y2 = tensor({1, 1, 0});
  binary_cross_entropy_with_logits(x2, y2, {}, tensor({3, 3, 3})).backward();
  all_close("grad with pos_weight", x2.grad(), tensor({(3 * 1.0 - 3) / 3, (3 * 0.0 - 3) / 3, 0.0}),
            1e-7);
}

TEST_CASE("nn_ops: binary_cross_entropy_with_logits gradient matches the closed form") {
  std::vector<double> x{0.5, -1.2, 2.0, 0.0}, y{1.0, 0.0, 0.3, 1.0}, w{1.0, 2.0, 0.5, 1.5};
  double pw = 2.5;
  Tensor logits = f64(x, {4}).requires_grad_();
  binary_cross_entropy_with_logits(logits, f64(y, {4}), f64(w, {4}), scalar(pw, kFloat64),
                                   Reduction::Sum)
      .backward();
  // d/dx of -w [pw y log s + (1 - y) log(1 - s)] = w [(1 + (pw - 1) y) s - pw y].
  std::vector<double> expected;
  for (size_t i = 0; i < x.size(); ++i) {
    double s = sigmoid_ref(x[i]);
    expected.push_back(w[i] * ((1 + (pw - 1) * y[i]) * s - pw * y[i]));
  }
  all_close("d bce / dx", logits.grad(), f64(expected, {4}), 1e-14);
}

TEST_CASE("nn_ops: binary_cross_entropy_with_logits gradcheck, gradgradcheck and errors") {
  Tensor target = random_input({3, 4}, 9, 0, 1);
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    // Gradients with respect to logits, target, sample weights and pos_weight.
    auto bce = [r](const std::vector<Tensor>& x) {
      return binary_cross_entropy_with_logits(x[0], x[1], x[2], x[3], r);
    };
    std::vector<Tensor> inputs{random_input({3, 4}, 1, -3, 3), target,
                               random_input({3, 4}, 2, 0.5, 2), random_input({4}, 3, 0.5, 3)};
    CHECK(gradcheck("bce_with_logits", bce, inputs));
    CHECK(gradgradcheck("bce_with_logits", bce, inputs));
    auto plain = [r](const std::vector<Tensor>& x) {
      return binary_cross_entropy_with_logits(x[0], x[1], {}, {}, r);
    };
    CHECK(gradcheck("bce_with_logits plain", plain, {inputs[0], target}));
    CHECK(gradgradcheck("bce_with_logits plain", plain, {inputs[0], target}));
  }
  check_throws<ShapeError>(
      [] {
        binary_cross_entropy_with_logits(zeros({2, 3}), zeros({3, 2}));
      },
      {"binary_cross_entropy_with_logits", "[3, 2]", "[2, 3]"});
  check_throws<ShapeError>(
      [] {
        binary_cross_entropy_with_logits(zeros({3}), zeros({3}), ones({2, 3}));
      },
      {"binary_cross_entropy_with_logits", "[2, 3]"});
}

// ---------------------------------------------------------------------------------------------
// mse_loss

TEST_CASE("nn_ops: mse_loss values, gradient, gradcheck and errors") {
  std::vector<double> a{1.0, -2.0, 0.5, 3.0}, b{0.0, 1.0, 0.5, -1.0};
  // squared differences 1, 9, 0, 16
  Tensor input = f64(a, {2, 2}).requires_grad_();
  Tensor target = f64(b, {2, 2});
  all_close("none", mse_loss(input, target, Reduction::None), f64({1, 9, 0, 16}, {2, 2}), 0);
  CHECK(mse_loss(input, target, Reduction::Sum).item() == 26.0);
  Tensor loss = mse_loss(input, target);
  CHECK(loss.item() == 6.5);
  loss.backward();
  // d/da mean((a - b)^2) = 2 (a - b) / N
  all_close("grad", input.grad(), f64({0.5, -1.5, 0.0, 2.0}, {2, 2}), 1e-15);
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    auto mse = [r](const std::vector<Tensor>& x) { return mse_loss(x[0], x[1], r); };
    CHECK(gradcheck("mse_loss", mse, {random_input({3, 5}, 1), random_input({3, 5}, 2)}));
    CHECK(gradgradcheck("mse_loss", mse, {random_input({3, 5}, 1), random_input({3, 5}, 2)}));
  }
  check_throws<ShapeError>(
      [] {
        mse_loss(zeros({2, 3}), zeros({3}));
      },
      {"mse_loss", "[2, 3]", "[3]"});
}

// ---------------------------------------------------------------------------------------------
// layer_norm

namespace {
// layer_norm by definition, in double: rows of `cols` elements.
std::vector<double> reference_layer_norm(const std::vector<double>& x, int64_t cols,
                                         const std::vector<double>& w, const std::vector<double>& b,
                                         double eps) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / cols; ++r) {
    double m = 0, v = 0;
    for (int64_t c = 0; c < cols; ++c) m += x[r * cols + c];
    m /= cols;
    for (int64_t c = 0; c < cols; ++c) v += (x[r * cols + c] - m) * (x[r * cols + c] - m);
    v /= cols;  // biased, as layer norm
    for (int64_t c = 0; c < cols; ++c) {
      double yy = (x[r * cols + c] - m) / std::sqrt(v + eps);
      if (!w.empty()) yy *= w[c];
      if (!b.empty()) yy += b[c];
      y[r * cols + c] = yy;
    }
  }
  return y;
}
}  // namespace

TEST_CASE("nn_ops: layer_norm forward matches the definition") {
  for (Shape normalized : {Shape{4}, Shape{3, 4}}) {
    CAPTURE(format_shape(normalized));
    Shape shape{2, 3, 4};
    int64_t cols = numel(normalized);
    Tensor x = random_input(shape, 4, -2, 3);
    Tensor w = random_input(normalized, 5, 0.5, 1.5);
    Tensor b = random_input(normalized, 6);
    auto xs = x.to_vector(), ws = w.to_vector(), bs = b.to_vector();
    all_close("plain", layer_norm(x, normalized),
              f64(reference_layer_norm(xs, cols, {}, {}, 1e-5), shape), 1e-12);
    all_close("weight", layer_norm(x, normalized, w),
              f64(reference_layer_norm(xs, cols, ws, {}, 1e-5), shape), 1e-12);
    all_close("bias", layer_norm(x, normalized, {}, b),
              f64(reference_layer_norm(xs, cols, {}, bs, 1e-5), shape), 1e-12);
    all_close("weight and bias", layer_norm(x, normalized, w, b, 1e-3),
              f64(reference_layer_norm(xs, cols, ws, bs, 1e-3), shape), 1e-12);
    // float32 agrees with the double reference to float precision.
    all_close("float32", layer_norm(x.to(kFloat32), normalized, w.to(kFloat32), b.to(kFloat32)),
              f64(reference_layer_norm(xs, cols, ws, bs, 1e-5), shape), 1e-5);
  }
  // Normalised rows have mean 0 and (biased) variance 1 / (1 + eps / var).
  Tensor y = layer_norm(random_input({5, 64}, 8, -4, 4), {64}, {}, {}, 0.0);
  all_close("row means", mean(y, {1}), zeros({5}, kFloat64), 1e-12);
  all_close("row variances", var(y, {1}, 0), ones({5}, kFloat64), 1e-12);
}

TEST_CASE("nn_ops: layer_norm fused backward equals the composite (create_graph) backward") {
  for (Shape normalized : {Shape{8}, Shape{3, 8}}) {
    for (int with : {0, 1, 2, 3}) {  // bit 0: weight, bit 1: bias
      for (DType dtype : {kFloat64, kFloat32}) {
        CAPTURE(format_shape(normalized));
        CAPTURE(with);
        CAPTURE(dtype_name(dtype));
        Shape shape{70, 3, 8};  // 70 rows (x3 with one normalised dim): more than one 64-row block
        Tensor x0 = random_input(shape, 11, -2, 2).to(dtype);
        Tensor w0 = random_input(normalized, 12, 0.5, 1.5).to(dtype);
        Tensor b0 = random_input(normalized, 13).to(dtype);
        Tensor r = random_input(shape, 14).to(dtype);
        auto leaves = [&] {
          std::vector<Tensor> l{x0.clone().requires_grad_(),
                                (with & 1) ? w0.clone().requires_grad_() : Tensor(),
                                (with & 2) ? b0.clone().requires_grad_() : Tensor()};
          return l;
        };
        // Fused: backward() without create_graph.
        auto fused = leaves();
        sum(layer_norm(fused[0], normalized, fused[1], fused[2]) * r).backward();
        // Composite: the backward rule evaluated with tensor ops under create_graph.
        auto comp = leaves();
        std::vector<Tensor> wrt{comp[0]};
        if (with & 1) wrt.push_back(comp[1]);
        if (with & 2) wrt.push_back(comp[2]);
        auto g = grad({sum(layer_norm(comp[0], normalized, comp[1], comp[2]) * r)}, wrt, {}, false,
                      true);
        CHECK(g[0].requires_grad());  // really the differentiable path
        double tol = dtype == kFloat64 ? 1e-12 : 2e-5;
        all_close("dx", fused[0].grad(), g[0].detach(), tol, tol);
        size_t j = 1;
        if (with & 1) all_close("dweight", fused[1].grad(), g[j++].detach(), tol, tol);
        if (with & 2) all_close("dbias", fused[2].grad(), g[j++].detach(), tol, tol);
      }
    }
  }
}

TEST_CASE("nn_ops: layer_norm gradcheck and gradgradcheck") {
  auto full_ln = [](const std::vector<Tensor>& x) { return layer_norm(x[0], {4}, x[1], x[2]); };
  CHECK(gradcheck("layer_norm [4]", full_ln,
                  {random_input({3, 4}, 1), random_input({4}, 2), random_input({4}, 3)}));
  CHECK(gradgradcheck("layer_norm [4]", full_ln,
                      {random_input({3, 4}, 1), random_input({4}, 2), random_input({4}, 3)}));
  auto ln2 = [](const std::vector<Tensor>& x) { return layer_norm(x[0], {2, 3}, x[1], x[2]); };
  std::vector<Tensor> in2{random_input({2, 2, 3}, 4), random_input({2, 3}, 5),
                          random_input({2, 3}, 6)};
  CHECK(gradcheck("layer_norm [2, 3]", ln2, in2));
  CHECK(gradgradcheck("layer_norm [2, 3]", ln2, in2));
  auto plain = [](const std::vector<Tensor>& x) { return layer_norm(x[0], {5}); };
  CHECK(gradcheck("layer_norm plain", plain, {random_input({3, 5}, 7)}));
  CHECK(gradgradcheck("layer_norm plain", plain, {random_input({3, 5}, 7)}));
  auto weight_only = [](const std::vector<Tensor>& x) { return layer_norm(x[0], {5}, x[1]); };
  CHECK(
      gradcheck("layer_norm weight", weight_only, {random_input({3, 5}, 8), random_input({5}, 9)}));
  CHECK(gradgradcheck("layer_norm weight", weight_only,
                      {random_input({3, 5}, 8), random_input({5}, 9)}));
  auto bias_only = [](const std::vector<Tensor>& x) { return layer_norm(x[0], {5}, {}, x[1]); };
  CHECK(gradcheck("layer_norm bias", bias_only, {random_input({3, 5}, 8), random_input({5}, 9)}));
  CHECK(
      gradgradcheck("layer_norm bias", bias_only, {random_input({3, 5}, 8), random_input({5}, 9)}));
}

TEST_CASE("nn_ops: layer_norm errors name the shapes") {
  check_throws<ShapeError>(
      [] {
        layer_norm(zeros({2, 3}), {2});
      },
      {"layer_norm", "normalized shape [2]", "[2, 3]"});
  check_throws<ShapeError>([] { layer_norm(zeros({2, 3}), {}); }, {"layer_norm"});
  check_throws<ShapeError>(
      [] {
        layer_norm(zeros({2, 3}), {3}, ones({2}));
      },
      {"layer_norm", "weight must be [3]", "[2]"});
  check_throws<ShapeError>(
      [] {
        layer_norm(zeros({2, 3}), {3}, {}, ones({3}, kFloat64));
      },
      {"bias must be [3] (float32)", "float64"});
}

// ---------------------------------------------------------------------------------------------
// attention_weights

namespace {

// softmax(scale * q k^T) with masked scores at float64's lowest value, by definition, for
// q [B, H, T, D], k [B, H, S, D]; pad is [B * S] (nonzero: padding key) or empty.
std::vector<double> reference_attention_weights(const Tensor& q, const Tensor& k, double scale,
                                                bool causal, const std::vector<double>& pad) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), S = k.size(2), D = q.size(3);
  auto Q = q.to_vector<double>(), K = k.to_vector<double>();
  std::vector<double> out;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < T; ++i) {
        std::vector<double> row(static_cast<size_t>(S));
        for (int64_t j = 0; j < S; ++j) {
          double s = 0;
          for (int64_t d = 0; d < D; ++d) s += Q[((b * H + h) * T + i) * D + d] * K[((b * H + h) * S + j) * D + d];
          bool masked = (causal && j > i) || (!pad.empty() && pad[b * S + j] != 0);
          row[j] = masked ? std::numeric_limits<double>::lowest() : s * scale;
        }
        double m = *std::max_element(row.begin(), row.end()), total = 0;
        for (double& e : row) total += (e = std::exp(e - m));
        for (double e : row) out.push_back(e / total);
      }
  return out;
}

}  // namespace

TEST_CASE("nn_ops: attention_weights match the definition, with and without masks") {
  Tensor q = random_input({2, 3, 5, 4}, 1, -2, 2), k = random_input({2, 3, 5, 4}, 2, -2, 2);
  // batch 0 pads key 4; batch 1 pads keys 0 and 1 (with causal, its queries 0 and 1 see nothing)
  std::vector<double> pad{0, 0, 0, 0, 1, 1, 2.5, 0, 0, 0};
  for (bool causal : {false, true}) {
    for (bool padded : {false, true}) {
      for (DType dtype : {kFloat64, kFloat32}) {
        CAPTURE(causal);
        CAPTURE(padded);
        CAPTURE(dtype_name(dtype));
        Tensor mask = padded ? from_vector(pad, {2, 5}) : Tensor();
        Tensor p = attention_weights(q.to(dtype), k.to(dtype), 0.5, causal, mask);
        CHECK(p.shape() == Shape{2, 3, 5, 5});
        CHECK(p.dtype() == dtype);
        double tol = dtype == kFloat64 ? 1e-14 : 2e-6;
        all_close("weights", p, from_vector(reference_attention_weights(q, k, 0.5, causal, padded ? pad : std::vector<double>{}),
                                            p.shape()), tol, tol);
      }
    }
  }
  // A fully masked row is uniform, and an int64 mask works as well as a float one.
  Tensor all_padded = from_vector(std::vector<int64_t>{1, 1, 1, 1, 1, 0, 0, 0, 0, 7}, {2, 5});
  Tensor p = attention_weights(q, k, 1.0, false, all_padded);
  std::vector<double> v = p.to_vector<double>();
  for (int64_t i = 0; i < 3 * 5 * 5; ++i) CHECK(v[i] == doctest::Approx(0.2).epsilon(1e-15));
  for (int64_t i = 3 * 5 * 5; i < 6 * 5 * 5; ++i) CHECK(((i % 5 == 4) ? v[i] == 0.0 : v[i] > 0.0));
}

TEST_CASE("nn_ops: attention_weights fused backward equals the composite (create_graph) backward") {
  // Enough heads that the fused kernels run their (b, h) entries on several threads.
  Tensor q0 = random_input({3, 8, 40, 16}, 21, -2, 2), k0 = random_input({3, 8, 40, 16}, 22, -2, 2);
  Tensor r = random_input({3, 8, 40, 40}, 23);
  Tensor pad = from_vector(std::vector<double>(120, 0.0), {3, 40});
  pad = where(gt(random_input({3, 40}, 24), scalar(0.5, kFloat64)), ones({}, kFloat64), pad);
  for (bool causal : {false, true}) {
    for (bool padded : {false, true}) {
      for (DType dtype : {kFloat64, kFloat32}) {
        CAPTURE(causal);
        CAPTURE(padded);
        CAPTURE(dtype_name(dtype));
        Tensor mask = padded ? pad : Tensor();
        Tensor q1 = q0.to(dtype).requires_grad_(), k1 = k0.to(dtype).requires_grad_();
        sum(attention_weights(q1, k1, 0.25, causal, mask) * r.to(dtype)).backward();
        Tensor q2 = q0.to(dtype).requires_grad_(), k2 = k0.to(dtype).requires_grad_();
        auto g = grad({sum(attention_weights(q2, k2, 0.25, causal, mask) * r.to(dtype))}, {q2, k2}, {},
                      false, true);
        CHECK(g[0].requires_grad());  // really the differentiable path
        double tol = dtype == kFloat64 ? 1e-12 : 2e-5;
        all_close("dq", q1.grad(), g[0].detach(), tol, tol);
        all_close("dk", k1.grad(), g[1].detach(), tol, tol);
      }
    }
  }
}

TEST_CASE("nn_ops: attention_weights gradcheck and gradgradcheck") {
  Tensor pad = from_vector(std::vector<double>{0, 0, 1, 1, 0, 0}, {2, 3});
  for (bool causal : {false, true}) {
    for (bool padded : {false, true}) {
      CAPTURE(causal);
      CAPTURE(padded);
      auto f = [causal, padded, pad](const std::vector<Tensor>& x) {
        return attention_weights(x[0], x[1], 0.7, causal, padded ? pad : Tensor());
      };
      std::vector<Tensor> in{random_input({2, 2, 3, 2}, 31, -2, 2), random_input({2, 2, 3, 2}, 32, -2, 2)};
      CHECK(gradcheck("attention_weights", f, in));
      CHECK(gradgradcheck("attention_weights", f, in));
    }
  }
  // More keys than queries (cross-attention shape), no mask.
  auto cross = [](const std::vector<Tensor>& x) { return attention_weights(x[0], x[1], 1.0); };
  std::vector<Tensor> in{random_input({1, 2, 2, 3}, 33), random_input({1, 2, 4, 3}, 34)};
  CHECK(gradcheck("attention_weights cross", cross, in));
  CHECK(gradgradcheck("attention_weights cross", cross, in));
}

TEST_CASE("nn_ops: attention_weights errors name the problem") {
  check_throws<ShapeError>([] { attention_weights(zeros({2, 3, 4}), zeros({2, 3, 4}), 1.0); },
                           {"attention_weights", "q [B, H, T, D]", "[2, 3, 4]"});
  check_throws<ShapeError>([] { attention_weights(zeros({1, 2, 4, 8}), zeros({1, 2, 4, 6}), 1.0); },
                           {"attention_weights", "[1, 2, 4, 8]", "[1, 2, 4, 6]"});
  check_throws<DTypeError>([] { attention_weights(zeros({1, 2, 4, 8}), zeros({1, 2, 4, 8}, kFloat64), 1.0); },
                           {"attention_weights", "float32", "float64"});
  check_throws<ShapeError>([] { attention_weights(zeros({1, 2, 4, 8}), zeros({1, 2, 5, 8}), 1.0, true); },
                           {"attention_weights", "causal", "T = 4", "S = 5"});
  check_throws<ShapeError>([] { attention_weights(zeros({1, 2, 4, 8}), zeros({1, 2, 5, 8}), 1.0, false, zeros({1, 4})); },
                           {"attention_weights", "key_padding_mask must be [B, S] = [1, 5]", "[1, 4]"});
  check_throws<DTypeError>([] {
    attention_weights(zeros({1, 1, 2, 2}, kInt64), zeros({1, 1, 2, 2}, kInt64), 1.0);
  }, {"attention_weights"});
}

// ---------------------------------------------------------------------------------------------
// dropout

TEST_CASE("nn_ops: dropout is the identity in eval mode and for p = 0") {
  Tensor x = randn({4, 5}).requires_grad_();
  Tensor y = dropout(x, 0.5, false);
  all_close("eval", y, x, 0, 0);
  sum(y * 3.0).backward();
  all_close("eval grad", x.grad(), full({4, 5}, 3.0), 0, 0);
  all_close("p = 0", dropout(x, 0.0, true), x, 0, 0);
  all_close("p = 1", dropout(x, 1.0, true), zeros({4, 5}), 0, 0);
}

TEST_CASE("nn_ops: dropout in training is seeded, drops about p, and scales by 1/(1-p)") {
  const double p = 0.3;
  const int64_t n = 1 << 20;
  Tensor x = ones({n});
  Generator g1(1234), g2(1234), g3(4321);
  Tensor a = dropout(x, p, true, &g1), b = dropout(x, p, true, &g2), c = dropout(x, p, true, &g3);
  std::vector<float> va = a.to_vector<float>(), vb = b.to_vector<float>(),
                     vc = c.to_vector<float>();
  CHECK(va == vb);  // same seed, same mask
  CHECK(va != vc);  // another seed, another mask
  // A second draw from the same generator gives a different mask.
  CHECK(dropout(x, p, true, &g1).to_vector<float>() != va);
  int64_t zeros_count = 0, bad = 0;
  const float kept = static_cast<float>(1.0 / (1.0 - p));
  for (float v : va) {
    if (v == 0) {
      ++zeros_count;
    } else if (std::abs(v - 1.0 / (1.0 - p)) > 1e-6) {
      ++bad;
    }
  }
  CHECK(bad == 0);
  CHECK_NEAR(kept, 1 / 0.7, 1e-6);
  // The fraction of zeros has standard deviation sqrt(p (1 - p) / n) ~ 4.5e-4: allow ~10 sigma.
  double fraction = static_cast<double>(zeros_count) / n;
  CHECK_NEAR(fraction, p, 0.005);
  // The expectation is preserved: the mean stays near 1.
  CHECK_NEAR(mean(a).item(), 1.0, 0.01);
  // The default generator is reproducible after manual_seed.
  manual_seed(99);
  std::vector<float> d1 = dropout(x, p, true).to_vector<float>();
  manual_seed(99);
  CHECK(dropout(x, p, true).to_vector<float>() == d1);
  check_throws<ValueError>([&] { dropout(x, 1.5, true); },
                           {"dropout", "p must be in [0, 1]", "1.5"});
  check_throws<ValueError>([&] { dropout(x, -0.1, false); }, {"dropout", "-0.1"});
}

TEST_CASE("nn_ops: dropout gradient is the mask / (1 - p)") {
  const double p = 0.4;
  Tensor x = random_input({50, 40}, 3, 0.5, 1.5).requires_grad_();  // no zeros in x
  Generator gen(77);
  Tensor y = dropout(x, p, true, &gen);
  Tensor up = random_input({50, 40}, 4);
  y.backward(up);
  // Recover the mask from the output: y = x m / (1 - p).
  auto xs = x.to_vector(), ys = y.to_vector(), gs = x.grad().to_vector(), us = up.to_vector();
  int64_t dropped = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double m = ys[i] == 0 ? 0.0 : 1.0;
    dropped += ys[i] == 0;
    if (m == 1.0) CHECK_NEAR(ys[i], xs[i] / (1 - p), 1e-13);
    CHECK_NEAR(gs[i], us[i] * m / (1 - p), 1e-13);
  }
  CHECK(dropped > 0);
  CHECK(dropped < static_cast<int64_t>(xs.size()));
  // gradcheck with a fixed mask (a fresh generator of the same seed on every call).
  auto f = [](const std::vector<Tensor>& in) {
    Generator g(5);
    return dropout(in[0], 0.4, true, &g);
  };
  CHECK(gradcheck("dropout", f, {random_input({6, 7}, 1)}));
}

TEST_CASE("nn_ops: layer_norm of an empty batch gives zero weight and bias gradients") {
  Tensor x = zeros({0, 4}).requires_grad_();
  Tensor w = ones({4}).requires_grad_(), b = zeros({4}).requires_grad_();
  Tensor y = layer_norm(x, {4}, w, b);
  CHECK(y.shape() == Shape{0, 4});
  sum(y).backward();
  REQUIRE(w.grad().defined());
  REQUIRE(b.grad().defined());
  CHECK(w.grad().to_vector<double>() == std::vector<double>(4, 0.0));
  CHECK(b.grad().to_vector<double>() == std::vector<double>(4, 0.0));
}
