// matmul: torch.matmul's rules (1-D operands promoted and the added dimension removed, batch
// dimensions broadcast). Forward values are checked against a naive triple loop in double written
// here, in float64 and float32 (including products large enough for the tiled parallel path);
// gradients with gradcheck and gradgradcheck in float64; mismatches with their exact message.
#include <algorithm>
#include <functional>
#include <string>
#include <tuple>
#include <vector>


#include <doctest/doctest.h>
#include <fmt/format.h>

#include "tests/support/checks.h"
#include "tests/support/gradcheck.h"

using namespace candor;
using namespace candor::testing;

namespace {

// Row-major position of `index` in `shape`, reading size-1 dimensions at 0 (broadcast).
int64_t broadcast_ravel(const std::vector<int64_t>& index, const Shape& shape) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[d]);
  return flat;
}

// The product with a triple loop in double, following torch.matmul's shape rules.
Tensor reference_matmul(const Tensor& a, const Tensor& b) {
  Shape sa = a.shape(), sb = b.shape();
  bool a_vector = sa.size() == 1, b_vector = sb.size() == 1;
  if (a_vector) sa.insert(sa.begin(), 1);
  if (b_vector) sb.push_back(1);
  int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  REQUIRE(sb[sb.size() - 2] == k);
  Shape ba(sa.begin(), sa.end() - 2), bb(sb.begin(), sb.end() - 2);
  size_t nd = std::max(ba.size(), bb.size());
  ba.insert(ba.begin(), nd - ba.size(), 1);
  bb.insert(bb.begin(), nd - bb.size(), 1);
  Shape batch(nd);
  for (size_t d = 0; d < nd; ++d) {
    REQUIRE((ba[d] == bb[d] || ba[d] == 1 || bb[d] == 1));
    batch[d] = ba[d] == 1 ? bb[d] : ba[d];
  }
  std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
  int64_t batches = numel(batch);
  std::vector<double> out(batches * m * n);
  for (int64_t p = 0; p < batches; ++p) {
    std::vector<int64_t> index = unravel(p, batch);
    int64_t ia = broadcast_ravel(index, ba), ib = broadcast_ravel(index, bb);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t q = 0; q < k; ++q) s += av[(ia * m + i) * k + q] * bv[(ib * k + q) * n + j];
        out[(p * m + i) * n + j] = s;
      }
    }
  }
  Shape out_shape = batch;
  if (!a_vector) out_shape.push_back(m);
  if (!b_vector) out_shape.push_back(n);
  return from_vector(out, out_shape);
}

struct Case {
  Shape a, b, out;
};

// Every shape combination the tests run, with the result shape torch.matmul gives.
const std::vector<Case> kCases = {
    {{4}, {4}, {}},                         // dot
    {{3, 4}, {4}, {3}},                     // matrix-vector
    {{4}, {4, 5}, {5}},                     // vector-matrix
    {{3, 4}, {4, 5}, {3, 5}},               // matrix-matrix
    {{2, 3, 4, 5}, {5, 6}, {2, 3, 4, 6}},   // batched left, shared right
    {{3, 4}, {2, 4, 5}, {2, 3, 5}},         // shared left, batched right
    {{2, 1, 3, 4}, {1, 5, 4, 6}, {2, 5, 3, 6}},  // both batches broadcast
    {{2, 3, 4}, {2, 4, 5}, {2, 3, 5}},      // equal batches
    {{1, 3, 4}, {2, 4, 5}, {2, 3, 5}},      // size-1 batch
    {{2, 3, 4}, {4}, {2, 3}},               // batched matrix-vector
    {{4}, {2, 4, 5}, {2, 5}},               // vector-batched matrix
};

std::string case_name(const Case& c) {
  return fmt::format("{} x {}", format_shape(c.a), format_shape(c.b));
}

}  // namespace

TEST_CASE("matmul: known small products") {
  Tensor a = reshape(tensor({1, 2, 3, 4}), {2, 2});
  Tensor b = reshape(tensor({5, 6, 7, 8}), {2, 2});
  CHECK(matmul(a, b).to_vector<double>() == std::vector<double>{19, 22, 43, 50});
  CHECK(a.matmul(b).shape() == Shape{2, 2});
  CHECK(matmul(tensor({1, 2, 3}), tensor({4, 5, 6})).item<double>() == 32);
  CHECK(matmul(tensor({1, 2, 3}), tensor({4, 5, 6})).shape() == Shape{});
  // Integers stay exact integers.
  Tensor ai = from_vector(std::vector<int64_t>{1, 2, 3, 4}, {2, 2});
  Tensor bi = from_vector(std::vector<int64_t>{5, 6, 7, 8}, {2, 2});
  Tensor ci = matmul(ai, bi);
  CHECK(ci.dtype() == kInt64);
  CHECK(ci.to_vector<int64_t>() == std::vector<int64_t>{19, 22, 43, 50});
  // Mixed dtypes promote: float32 x float64 -> float64.
  Tensor mixed = matmul(a, cast(b, kFloat64));
  CHECK(mixed.dtype() == kFloat64);
  CHECK(mixed.to_vector<double>() == std::vector<double>{19, 22, 43, 50});
  // The identity leaves a matrix unchanged.
  Tensor x = random_input({3, 3}, 1);
  CHECK(all_close("x @ I", matmul(x, eye(3, kFloat64)), x, 0, 0));
  // Empty inner dimension: a sum of no terms, zeros. Empty outer dimension: an empty result.
  Tensor e = matmul(zeros({2, 0}), zeros({0, 3}));
  CHECK(e.shape() == Shape{2, 3});
  CHECK(e.to_vector<double>() == std::vector<double>(6, 0.0));
  CHECK(matmul(zeros({0, 4}), zeros({4, 3})).shape() == Shape{0, 3});
}

TEST_CASE("matmul: float64 forward matches a naive triple loop for every shape rule") {
  uint64_t seed = 10;
  for (const Case& c : kCases) {
    CAPTURE(case_name(c));
    Tensor a = random_input(c.a, seed++), b = random_input(c.b, seed++);
    Tensor y = matmul(a, b);
    CHECK(y.dtype() == kFloat64);
    CHECK(y.shape() == c.out);
    CHECK(all_close("matmul " + case_name(c), y, reference_matmul(a, b), 1e-12, 1e-12));
  }
}

TEST_CASE("matmul: float32 forward matches the double loop") {
  uint64_t seed = 40;
  for (const Case& c : kCases) {
    CAPTURE(case_name(c));
    Tensor a = random_input(c.a, seed++).to(kFloat32), b = random_input(c.b, seed++).to(kFloat32);
    Tensor y = matmul(a, b);
    CHECK(y.dtype() == kFloat32);
    CHECK(all_close("matmul float32 " + case_name(c), y, reference_matmul(a, b), 1e-5, 1e-5));
  }
  // Products large enough to be cut into row tiles and run in parallel (several tiles, a ragged
  // last tile), and the batched [..., M, K] x [K, N] path that folds the batch into M.
  std::vector<Case> large = {{{600, 64}, {64, 130}, {600, 130}},
                             {{4, 300, 64}, {64, 80}, {4, 300, 80}},
                             {{3, 300, 40}, {3, 40, 120}, {3, 300, 120}},
                             {{2, 1, 270, 50}, {1, 3, 50, 70}, {2, 3, 270, 70}}};
  for (const Case& c : large) {
    CAPTURE(case_name(c));
    Tensor a = random_input(c.a, seed++).to(kFloat32), b = random_input(c.b, seed++).to(kFloat32);
    Tensor y = matmul(a, b);
    CHECK(y.shape() == c.out);
    CHECK(all_close("matmul float32 " + case_name(c), y, reference_matmul(a, b), 1e-4, 1e-4));
  }
}

TEST_CASE("matmul: results and gradients do not depend on the thread count") {
  // Large enough for the tiled parallel path (more than one 256-row tile, > 4M multiply-adds).
  Tensor a = random_input({2, 600, 64}, 60).to(kFloat32), b = random_input({64, 130}, 61).to(kFloat32);
  Tensor c = random_input({600, 64}, 62).to(kFloat32), d = random_input({2, 64, 130}, 63).to(kFloat32);
  auto run = [&] {
    Tensor x = a.detach().requires_grad_(), y = b.detach().requires_grad_();
    Tensor out = matmul(x, y);
    sum(out * out).backward();
    return std::vector<std::vector<float>>{out.to_vector<float>(), x.grad().to_vector<float>(),
                                           y.grad().to_vector<float>(), matmul(c, d).to_vector<float>()};
  };
  auto one = with_threads(1, run);
  auto three = with_threads(3, run);
  for (size_t i = 0; i < one.size(); ++i) {
    CAPTURE(i);
    CHECK(one[i] == three[i]);  // bitwise
  }
}

TEST_CASE("matmul: long inner dimensions and one-row or one-column products, forward and backward") {
  // [2050, 100]^T-shaped weight gradients (few output tiles, a long k: cut along k, a ragged last
  // chunk) and products with one output row or column (matrix-vector): forward and both gradients
  // against the double loop, and bitwise the same for 1 and 3 threads.
  std::vector<std::pair<Shape, Shape>> shapes = {{{2050, 100}, {100, 60}},  // dW = x^T g: [100, 2050] x [2050, 60]
                                                 {{100, 2050}, {2050, 60}},  // forward cut along k
                                                 {{1, 3000}, {3000, 700}},   // one row
                                                 {{5000, 300}, {300, 1}},    // one column
                                                 {{3000}, {3000, 500}}};     // vector-matrix
  uint64_t seed = 70;
  for (const auto& operands : shapes) {
    const Shape &sa = operands.first, &sb = operands.second;
    CAPTURE(format_shape(sa) + " x " + format_shape(sb));
    Tensor a = random_input(sa, seed++).to(kFloat32), b = random_input(sb, seed++).to(kFloat32);
    Tensor weights = random_input(matmul(a, b).shape(), seed++).to(kFloat32);
    auto run = [&] {
      Tensor x = a.detach().requires_grad_(), y = b.detach().requires_grad_();
      Tensor out = matmul(x, y);
      sum(out * weights).backward();
      return std::vector<Tensor>{out, x.grad(), y.grad()};
    };
    std::vector<Tensor> one = with_threads(1, run);
    std::vector<Tensor> three = with_threads(3, run);
    for (size_t i = 0; i < one.size(); ++i) CHECK(one[i].to_vector<float>() == three[i].to_vector<float>());
    // d/da sum(w * (a b)) = w b^T and d/db = a^T w, with vectors as rows or columns.
    Tensor a2 = sa.size() == 1 ? reshape(a, {1, -1}) : a, w2 = sa.size() == 1 ? reshape(weights, {1, -1}) : weights;
    Tensor b2 = sb.size() == 1 ? reshape(b, {-1, 1}) : b;
    CHECK(all_close("forward", one[0], reference_matmul(a, b), 1e-4, 1e-4));
    CHECK(all_close("grad a", reshape(one[1], a2.shape()), reference_matmul(w2, transpose(b2, 0, 1)), 1e-4, 1e-4));
    CHECK(all_close("grad b", reshape(one[2], b2.shape()), reference_matmul(transpose(a2, 0, 1), w2), 1e-4, 1e-4));
  }
}

TEST_CASE("matmul: shape mismatches throw ShapeError with the shapes and inner dimensions") {
  bool thrown = false;
  try {
    matmul(zeros({3, 4}), zeros({5, 6}));
  } catch (const ShapeError& e) {
    thrown = true;
    CHECK(std::string(e.what()) == "matmul: shapes [3, 4] and [5, 6] do not match (inner dimensions 4 != 5)");
  }
  CHECK(thrown);
  check_throws<ShapeError>([] { matmul(zeros({3}), zeros({4})); },
                                {"matmul: shapes [3] and [4] do not match (inner dimensions 3 != 4)"});
  check_throws<ShapeError>([] { matmul(zeros({3, 4}), zeros({5})); },
                                {"matmul: shapes [3, 4] and [5] do not match (inner dimensions 4 != 5)"});
  check_throws<ShapeError>([] { matmul(zeros({5}), zeros({3, 4})); },
                                {"matmul: shapes [5] and [3, 4] do not match (inner dimensions 5 != 3)"});
  check_throws<ShapeError>([] { matmul(zeros({2, 3, 4}), zeros({2, 5, 6})); },
                                {"matmul: shapes [2, 3, 4] and [2, 5, 6] do not match (inner dimensions 4 != 5)"});
  check_throws<ShapeError>([] { matmul(zeros({2, 3, 4, 5}), zeros({6, 7})); },
                                {"matmul", "[2, 3, 4, 5]", "[6, 7]", "5 != 6"});
  check_throws<ShapeError>([] { matmul(zeros({2, 3, 4}), zeros({3, 4, 5})); },
                                {"matmul", "cannot be broadcast", "2 vs 3"});
  check_throws<ShapeError>([] { matmul(scalar(1.0), zeros({3})); },
                                {"matmul: both operands need at least one dimension, got [] and [3]"});
  check_throws<ValueError>([] { matmul(Tensor(), zeros({3})); }, {"matmul", "undefined"});
}

TEST_CASE("matmul: gradcheck and gradgradcheck for every shape rule") {
  uint64_t seed = 70;
  for (const Case& c : kCases) {
    CAPTURE(case_name(c));
    std::vector<Tensor> in = {random_input(c.a, seed), random_input(c.b, seed + 1)};
    seed += 2;
    auto f = [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); };
    CHECK(gradcheck("matmul " + case_name(c), f, in));
    CHECK(gradgradcheck("matmul " + case_name(c), f, in));
  }
}

TEST_CASE("matmul: gradients when only one operand requires grad, and in chains") {
  // A constant right operand (int64, promoted inside matmul), then a constant left operand.
  Tensor w_int = from_vector(std::vector<int64_t>{1, -2, 3, 0, 2, -1, 4, 1}, {4, 2});
  auto right_const = [&](const std::vector<Tensor>& x) { return matmul(x[0], w_int); };
  CHECK(gradcheck("matmul int64 right", right_const, {random_input({2, 3, 4}, 100)}));
  CHECK(gradgradcheck("matmul int64 right", [&](const std::vector<Tensor>& x) {
    Tensor y = matmul(x[0], w_int);
    return y * y;
  }, {random_input({2, 3, 4}, 100)}));
  Tensor left = random_input({2, 3}, 101);
  auto left_const = [&](const std::vector<Tensor>& x) { return matmul(left, x[0]); };
  CHECK(gradcheck("matmul constant left", left_const, {random_input({2, 3, 5}, 102)}));

  // The gradient of sum(A @ B) with respect to A is ones @ B^T: each row of dA holds B's row sums.
  Tensor a = random_input({2, 3}, 103), b = random_input({3, 4}, 104);
  a.requires_grad_();
  sum(matmul(a, b)).backward();
  std::vector<double> bv = b.to_vector<double>(), ga = a.grad().to_vector<double>();
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t k = 0; k < 3; ++k) {
      double row_sum = bv[k * 4] + bv[k * 4 + 1] + bv[k * 4 + 2] + bv[k * 4 + 3];
      CHECK(ga[i * 3 + k] == doctest::Approx(row_sum));
    }
  }

  // Chains and shared operands: x @ x, (a @ b) @ c with a broadcast bias in between.
  CHECK(gradcheck("x @ x", [](const std::vector<Tensor>& x) { return matmul(x[0], x[0]); },
                  {random_input({3, 3}, 105)}));
  CHECK(gradgradcheck("x @ x", [](const std::vector<Tensor>& x) { return matmul(x[0], x[0]); },
                      {random_input({3, 3}, 105)}));
  auto chain = [](const std::vector<Tensor>& x) { return matmul(tanh(matmul(x[0], x[1]) + x[3]), x[2]); };
  std::vector<Tensor> in = {random_input({2, 3, 4}, 106), random_input({4, 5}, 107),
                            random_input({5, 2}, 108), random_input({5}, 109)};
  CHECK(gradcheck("mlp chain", chain, in));
  CHECK(gradgradcheck("mlp chain", chain, in));
  // Transposed operands come through permute: A^T B^T.
  auto transposed = [](const std::vector<Tensor>& x) {
    return matmul(transpose(x[0], -1, -2), transpose(x[1], -1, -2));
  };
  std::vector<Tensor> tin = {random_input({2, 4, 3}, 110), random_input({5, 4}, 111)};
  CHECK(gradcheck("A^T B^T", transposed, tin));
  CHECK(gradgradcheck("A^T B^T", transposed, tin));
}

TEST_CASE("matmul: linear equals x @ W^T + b, with gradients of first and second order") {
  Tensor x = random_input({5, 3}, 21), w = random_input({4, 3}, 22), b = random_input({4}, 23);
  CHECK(all_close("linear 2-D", linear(x, w, b), matmul(x, transpose(w, 0, 1)) + b, 1e-12, 1e-12));
  Tensor x3 = random_input({2, 5, 3}, 24);
  CHECK(all_close("linear 3-D", linear(x3, w), matmul(x3, transpose(w, 0, 1)), 1e-12, 1e-12));
  auto f = [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); };
  check_first_and_second_order("linear", f, {x3, w, b});
  auto no_bias = [](const std::vector<Tensor>& in) { return linear(in[0], in[1]); };
  check_first_and_second_order("linear without bias", no_bias, {x, w});
  check_throws<ShapeError>([&] { linear(random_input({5, 2}, 1), w); },
                           {"linear: input [5, 2] does not fit weight [4, 3]"});
  check_throws<ShapeError>([&] { linear(x, w, random_input({3}, 1)); },
                           {"linear: bias [3] does not fit weight [4, 3]"});
}

TEST_CASE("matmul: addmm is input + a @ b, the product added to the input's values") {
  // Against the double loop plus the input, for an input broadcast from a row, a column and a
  // scalar, and a full one; float32 products large enough for the tiled parallel path, cut along
  // k (few output tiles, a long k), one output row or column (matrix-vector) and k = 0.
  struct AddmmCase {
    Shape a, b, input;
  };
  const std::vector<AddmmCase> cases = {
      {{3, 4}, {4, 5}, {5}},        {{3, 4}, {4, 5}, {3, 1}},        {{3, 4}, {4, 5}, {}},
      {{3, 4}, {4, 5}, {3, 5}},     {{600, 64}, {64, 130}, {130}},   {{100, 2050}, {2050, 60}, {60}},
      {{1, 3000}, {3000, 700}, {700}}, {{5000, 300}, {300, 1}, {5000, 1}}, {{3, 0}, {0, 4}, {4}}};
  uint64_t seed = 200;
  for (const AddmmCase& c : cases) {
    CAPTURE(format_shape(c.a) + " x " + format_shape(c.b) + " + " + format_shape(c.input));
    Tensor a = random_input(c.a, seed++), b = random_input(c.b, seed++);
    Tensor input = random_input(c.input, seed++);
    Tensor expected = reference_matmul(a, b) + input;
    CHECK(all_close("float64", addmm(input, a, b), expected, 1e-12, 1e-12));
    Tensor a32 = a.to(kFloat32), b32 = b.to(kFloat32), input32 = input.to(kFloat32);
    auto run = [&] { return addmm(input32, a32, b32).to_vector<float>(); };
    std::vector<float> one = with_threads(1, run);
    CHECK(one == with_threads(3, run));  // bitwise, whatever the thread count
    CHECK(all_close("float32", from_vector(one, expected.shape()).to(kFloat64), expected, 1e-4, 1e-4));
  }
  // int64 goes through the same flag (Eigen's path).
  Tensor ai = from_vector(std::vector<int64_t>{1, 2, 3, 4}, {2, 2});
  Tensor bi = from_vector(std::vector<int64_t>{5, 6, 7, 8}, {2, 2});
  CHECK(addmm(from_vector(std::vector<int64_t>{100, -100}, {2}), ai, bi).to_vector<int64_t>() ==
        std::vector<int64_t>{119, -78, 143, -50});
  // An input of another dtype promotes the result, as matmul(a, b) + input does.
  Tensor a64 = random_input({3, 4}, 233), b64 = random_input({4, 5}, 234);
  Tensor row32 = random_input({5}, 235).to(kFloat32);
  Tensor promoted = addmm(row32, a64, b64);
  CHECK(promoted.dtype() == kFloat64);
  CHECK(all_close("promoted", promoted, reference_matmul(a64, b64) + row32.to(kFloat64), 1e-12, 1e-12));
  Tensor widened = addmm(random_input({5}, 236), a64.to(kFloat32), b64.to(kFloat32));
  CHECK(widened.dtype() == kFloat64);
  // linear starts from its bias too, with B transposed: a long k (cut along k) and a wide product.
  for (const auto& shape : {std::tuple<int64_t, int64_t, int64_t>{100, 2050, 60}, {600, 64, 130}}) {
    const int64_t rows = std::get<0>(shape), in = std::get<1>(shape), out = std::get<2>(shape);
    CAPTURE(rows);
    Tensor x = random_input({rows, in}, seed++), w = random_input({out, in}, seed++);
    Tensor bias = random_input({out}, seed++);
    Tensor expected = reference_matmul(x, transpose(w, 0, 1)) + bias;
    CHECK(all_close("linear float64", linear(x, w, bias), expected, 1e-12, 1e-12));
    CHECK(all_close("linear float32",
                    linear(x.to(kFloat32), w.to(kFloat32), bias.to(kFloat32)).to(kFloat64), expected,
                    1e-4, 1e-4));
    CHECK(linear(x.to(kFloat32), w.to(kFloat32), bias).dtype() == kFloat64);  // promoted by the bias
  }
}

TEST_CASE("matmul: addmm's gradients of first and second order, and its bad inputs") {
  auto f = [](const std::vector<Tensor>& in) { return addmm(in[0], in[1], in[2]); };
  check_first_and_second_order("addmm, row input", f,
                               {random_input({4}, 240), random_input({3, 2}, 241), random_input({2, 4}, 242)});
  check_first_and_second_order("addmm, full input", f,
                               {random_input({3, 4}, 243), random_input({3, 2}, 244), random_input({2, 4}, 245)});
  // Only the input, then only the operands, requiring grad.
  Tensor a = random_input({3, 2}, 246), b = random_input({2, 4}, 247);
  CHECK(gradcheck("addmm input only", [&](const std::vector<Tensor>& in) { return addmm(in[0], a, b); },
                  {random_input({3, 1}, 248)}));
  Tensor input = random_input({4}, 249);
  CHECK(gradcheck("addmm operands only",
                  [&](const std::vector<Tensor>& in) { return addmm(input, in[0], in[1]); },
                  {random_input({3, 2}, 250), random_input({2, 4}, 251)}));
  check_throws<ShapeError>([] { addmm(zeros({4}), zeros({2, 3, 2}), zeros({2, 4})); },
                           {"addmm: expects two matrices, got [2, 3, 2] and [2, 4]"});
  check_throws<ShapeError>([] { addmm(zeros({4}), zeros({3, 2}), zeros({3, 4})); },
                           {"addmm: shapes [3, 2] and [3, 4] do not match (inner dimensions 2 != 3)"});
  check_throws<ShapeError>([] { addmm(zeros({2, 3, 4}), zeros({3, 2}), zeros({2, 4})); },
                           {"addmm: input [2, 3, 4] does not broadcast to the product's [3, 4]"});
  check_throws<ShapeError>([] { addmm(zeros({5}), zeros({3, 2}), zeros({2, 4})); },
                           {"addmm", "[5]", "cannot be broadcast"});
  check_throws<ValueError>([] { addmm(Tensor(), zeros({3, 2}), zeros({2, 4})); }, {"addmm", "undefined"});
}
