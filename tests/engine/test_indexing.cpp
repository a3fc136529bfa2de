// Index-driven ops: index_select, index_add, gather, scatter_add, embedding. Forward values are
// checked against loops written here; repeated indices must accumulate in the backward; bad
// indices raise IndexError (out of range) or DTypeError (not int64) naming the op.
#include <functional>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "tests/support/checks.h"
#include "tests/support/gradcheck.h"

using namespace candor;
using namespace candor::testing;

namespace {

Tensor iota(const Shape& shape, DType dtype = kFloat64) {
  return reshape(arange(0, static_cast<double>(numel(shape)), 1, dtype), shape);
}

Tensor ids(std::vector<int64_t> v, const Shape& shape) { return from_vector(v, shape); }
Tensor ids(std::vector<int64_t> v) {
  auto n = static_cast<int64_t>(v.size());
  return from_vector(v, {n});
}

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

Tensor square(const Tensor& t) { return t * t; }

// [outer, n, inner] view of a shape around `axis`.
struct Split {
  int64_t outer = 1, n = 1, inner = 1;
};
Split split(const Shape& s, int64_t axis) {
  Split v;
  for (int64_t d = 0; d < static_cast<int64_t>(s.size()); ++d) {
    if (d < axis) v.outer *= s[d];
    if (d == axis) v.n = s[d];
    if (d > axis) v.inner *= s[d];
  }
  return v;
}

// gather with a loop: out[o, i, r] = x[o, index[o, i, r], r].
std::vector<double> reference_gather(const Tensor& x, int64_t axis, const Tensor& index) {
  Split xs = split(x.shape(), axis), is = split(index.shape(), axis);
  std::vector<double> xv = values(x), out(index.numel());
  std::vector<int64_t> iv = index.to_vector<int64_t>();
  for (int64_t o = 0; o < is.outer; ++o)
    for (int64_t i = 0; i < is.n; ++i)
      for (int64_t r = 0; r < is.inner; ++r) {
        int64_t at = (o * is.n + i) * is.inner + r;
        out[at] = xv[(o * xs.n + iv[at]) * xs.inner + r];
      }
  return out;
}

// scatter_add with a loop: out = x; out[o, index[o, i, r], r] += source[o, i, r].
std::vector<double> reference_scatter_add(const Tensor& x, int64_t axis, const Tensor& index,
                                          const Tensor& source) {
  Split xs = split(x.shape(), axis), is = split(index.shape(), axis);
  std::vector<double> out = values(x), sv = values(source);
  std::vector<int64_t> iv = index.to_vector<int64_t>();
  for (int64_t o = 0; o < is.outer; ++o)
    for (int64_t i = 0; i < is.n; ++i)
      for (int64_t r = 0; r < is.inner; ++r) {
        int64_t at = (o * is.n + i) * is.inner + r;
        out[(o * xs.n + iv[at]) * xs.inner + r] += sv[at];
      }
  return out;
}

// index_select with a loop: out[o, i, r] = x[o, index[i], r].
std::vector<double> reference_index_select(const Tensor& x, int64_t axis, const Tensor& index) {
  Split xs = split(x.shape(), axis);
  std::vector<double> xv = values(x), out;
  std::vector<int64_t> iv = index.to_vector<int64_t>();
  for (int64_t o = 0; o < xs.outer; ++o)
    for (int64_t k : iv)
      for (int64_t r = 0; r < xs.inner; ++r) out.push_back(xv[(o * xs.n + k) * xs.inner + r]);
  return out;
}

// index_add with a loop: out = x; out[o, index[i], r] += source[o, i, r].
std::vector<double> reference_index_add(const Tensor& x, int64_t axis, const Tensor& index,
                                        const Tensor& source) {
  Split xs = split(x.shape(), axis);
  std::vector<double> out = values(x), sv = values(source);
  std::vector<int64_t> iv = index.to_vector<int64_t>();
  auto count = static_cast<int64_t>(iv.size());
  for (int64_t o = 0; o < xs.outer; ++o)
    for (int64_t i = 0; i < count; ++i)
      for (int64_t r = 0; r < xs.inner; ++r)
        out[(o * xs.n + iv[i]) * xs.inner + r] += sv[(o * count + i) * xs.inner + r];
  return out;
}

}  // namespace

TEST_CASE("indexing: index_select picks slices along an axis") {
  Tensor x = iota({4, 3});
  Tensor rows = index_select(x, 0, ids({2, 0, 2}));
  CHECK(rows.shape() == Shape{3, 3});
  CHECK(values(rows) == std::vector<double>{6, 7, 8, 0, 1, 2, 6, 7, 8});
  Tensor cols = index_select(x, 1, ids({1, 1}));
  CHECK(cols.shape() == Shape{4, 2});
  CHECK(values(cols) == std::vector<double>{1, 1, 4, 4, 7, 7, 10, 10});
  CHECK(values(index_select(x, -1, ids({2, 0}))) == std::vector<double>{2, 0, 5, 3, 8, 6, 11, 9});
  CHECK(index_select(x, 0, ids({})).shape() == Shape{0, 3});
  // Float32 and int64 data.
  CHECK(values(index_select(iota({3}, kFloat32), 0, ids({2, 1}))) == std::vector<double>{2, 1});
  CHECK(index_select(arange(5), 0, ids({4, 4})).to_vector<int64_t>() == std::vector<int64_t>{4, 4});
  // A middle axis of a 3-D tensor against a loop.
  Tensor y = random_input({2, 5, 3}, 1);
  Tensor index = ids({4, 0, 4, 2});
  Tensor picked = index_select(y, 1, index);
  CHECK(picked.shape() == Shape{2, 4, 3});
  CHECK(values(picked) == reference_index_select(y, 1, index));
}

TEST_CASE("indexing: index_select backward accumulates repeated indices") {
  Tensor x = random_input({4, 3}, 2);
  x.requires_grad_();
  Tensor upstream = random_input({3, 3}, 3);
  index_select(x, 0, ids({1, 1, 1})).backward(upstream);
  std::vector<double> g = values(x.grad()), u = values(upstream);
  for (int64_t c = 0; c < 3; ++c) {
    CHECK(g[0 * 3 + c] == 0);
    CHECK(g[1 * 3 + c] == doctest::Approx(u[c] + u[3 + c] + u[6 + c]));
    CHECK(g[2 * 3 + c] == 0);
    CHECK(g[3 * 3 + c] == 0);
  }
}

TEST_CASE("indexing: index_add adds source slices at the indices") {
  Tensor x = iota({4, 3});
  Tensor source = random_input({3, 3}, 4);
  Tensor index = ids({0, 2, 0});
  Tensor y = index_add(x, 0, index, source);
  CHECK(y.shape() == Shape{4, 3});
  std::vector<double> s = values(source), yv = values(y);
  for (int64_t c = 0; c < 3; ++c) {
    CHECK(yv[c] == doctest::Approx(c + s[c] + s[6 + c]));
    CHECK(yv[3 + c] == 3 + c);
    CHECK(yv[6 + c] == doctest::Approx(6 + c + s[3 + c]));
    CHECK(yv[9 + c] == 9 + c);
  }
  // x itself is untouched.
  CHECK(values(x) == values(iota({4, 3})));
  // Along the last axis, and a middle axis against a loop.
  Tensor cols = index_add(zeros({2, 3}, kFloat64), -1, ids({2, 2}), reshape(tensor({1, 2, 3, 4}, kFloat64), {2, 2}));
  CHECK(values(cols) == std::vector<double>{0, 0, 3, 0, 0, 7});
  Tensor z = random_input({2, 4, 3}, 5), src = random_input({2, 5, 3}, 6);
  Tensor idx = ids({3, 1, 3, 0, 3});
  std::vector<double> expected = reference_index_add(z, 1, idx, src);
  std::vector<double> got = values(index_add(z, 1, idx, src));
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]));

  check_throws<ShapeError>([&] { index_add(x, 0, index, random_input({2, 3}, 7)); },
                                {"index_add", "[2, 3]", "[4, 3]", "3 indices"});
  check_throws<ShapeError>([&] { index_add(x, 0, index, iota({3, 3}, kFloat32)); },
                                {"index_add", "float32", "float64"});
  check_throws<ShapeError>([&] { index_add(x, 0, ids({0, 1, 0, 1}, {2, 2}), random_input({4, 3}, 7)); },
                                {"index_add"});
}

TEST_CASE("indexing: gather picks one element per index position") {
  Tensor x = iota({3, 4});
  // Axis 0: out[i][j] = x[index[i][j]][j].
  Tensor i0 = ids({2, 0, 1, 2, 0, 0, 0, 1}, {2, 4});
  Tensor g0 = gather(x, 0, i0);
  CHECK(g0.shape() == Shape{2, 4});
  CHECK(values(g0) == std::vector<double>{8, 1, 6, 11, 0, 1, 2, 7});
  // Axis 1: out[i][j] = x[i][index[i][j]].
  Tensor i1 = ids({3, 3, 0, 1, 2, 2}, {3, 2});
  Tensor g1 = gather(x, 1, i1);
  CHECK(g1.shape() == Shape{3, 2});
  CHECK(values(g1) == std::vector<double>{3, 3, 4, 5, 10, 10});
  CHECK(values(gather(x, -1, i1)) == values(g1));
  // 3-D, middle axis, against a loop.
  Tensor y = random_input({2, 4, 3}, 8);
  std::vector<int64_t> raw;
  for (int64_t k = 0; k < 30; ++k) raw.push_back((k * 5 + k / 4) % 4);
  Tensor idx = ids(raw, {2, 5, 3});
  CHECK(values(gather(y, 1, idx)) == reference_gather(y, 1, idx));
}

TEST_CASE("indexing: scatter_add adds source elements at index positions") {
  Tensor x = zeros({3, 4}, kFloat64);
  Tensor index = ids({2, 0, 1, 2, 2, 0, 0, 1}, {2, 4});
  Tensor source = reshape(tensor({1, 2, 3, 4, 10, 20, 30, 40}, kFloat64), {2, 4});
  Tensor y = scatter_add(x, 0, index, source);
  // Column 0 gets 1 and 10 at row 2; column 1: 2 and 20 at row 0; column 2: 3 at row 1, 30 at
  // row 0; column 3: 4 at row 2, 40 at row 1.
  CHECK(values(y) == std::vector<double>{0, 22, 30, 0, 0, 0, 3, 40, 11, 0, 0, 4});
  // Axis 1 on a non-zero input, and a 3-D middle axis against a loop.
  Tensor base = iota({2, 3});
  Tensor s1 = scatter_add(base, 1, ids({1, 1, 0, 2}, {2, 2}), reshape(tensor({5, 6, 7, 8}, kFloat64), {2, 2}));
  CHECK(values(s1) == std::vector<double>{0, 12, 2, 10, 4, 13});
  Tensor z = random_input({2, 4, 3}, 9), src = random_input({2, 6, 3}, 10);
  std::vector<int64_t> raw;
  for (int64_t k = 0; k < 36; ++k) raw.push_back((k * 7 + k / 5) % 4);
  Tensor idx = ids(raw, {2, 6, 3});
  std::vector<double> expected = reference_scatter_add(z, 1, idx, src);
  std::vector<double> got = values(scatter_add(z, 1, idx, src));
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]));

  check_throws<ShapeError>([&] { scatter_add(x, 0, index, random_input({2, 3}, 11)); },
                                {"scatter_add", "[2, 3]", "[2, 4]"});
  check_throws<ShapeError>([&] { scatter_add(x, 0, ids({0, 1}, {1, 2}), random_input({1, 2}, 11)); },
                                {"scatter_add", "[1, 2]", "[3, 4]", "every axis but 0"});
  check_throws<ShapeError>([&] { scatter_add(x, 0, index, cast(source, kFloat32)); },
                                {"scatter_add", "float32", "float64"});
}

TEST_CASE("indexing: gather and scatter_add backward accumulate repeated indices") {
  Tensor x = random_input({3, 2}, 12);
  x.requires_grad_();
  // Every output row reads row 1: the gradient of row 1 is the column sums of the upstream.
  Tensor upstream = reshape(tensor({1, 2, 3, 4, 5, 6}, kFloat64), {3, 2});
  gather(x, 0, ids({1, 1, 1, 1, 1, 1}, {3, 2})).backward(upstream);
  CHECK(values(x.grad()) == std::vector<double>{0, 0, 9, 12, 0, 0});

  Tensor s = random_input({2, 2}, 13);
  s.requires_grad_();
  Tensor base = random_input({3, 2}, 14);
  base.requires_grad_();
  scatter_add(base, 0, ids({2, 0, 2, 0}, {2, 2}), s).backward(upstream);
  // d/dsource = upstream gathered at the indices; d/dbase = upstream.
  CHECK(values(s.grad()) == std::vector<double>{5, 2, 5, 2});
  CHECK(values(base.grad()) == values(upstream));
}

TEST_CASE("indexing: embedding looks up rows and accumulates repeated ids") {
  Tensor weight = random_input({5, 3}, 15);
  Tensor out = embedding(weight, ids({4, 0, 4, 2}, {2, 2}));
  CHECK(out.shape() == Shape{2, 2, 3});
  std::vector<double> w = values(weight), o = values(out);
  std::vector<int64_t> looked_up = {4, 0, 4, 2};
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t c = 0; c < 3; ++c) CHECK(o[k * 3 + c] == w[looked_up[k] * 3 + c]);
  CHECK(embedding(weight, ids({3})).shape() == Shape{1, 3});
  CHECK(embedding(weight, from_vector(std::vector<int64_t>{2}, {})).shape() == Shape{3});

  // ids {1, 1, 1}: the gradient of row 1 is three times the (equal) upstream rows.
  weight.requires_grad_();
  Tensor upstream_row = tensor({0.5, -2, 3}, kFloat64);
  Tensor upstream = expand(upstream_row, {3, 3});
  embedding(weight, ids({1, 1, 1})).backward(upstream);
  std::vector<double> g = values(weight.grad());
  for (int64_t r = 0; r < 5; ++r) {
    for (int64_t c = 0; c < 3; ++c) {
      double expected = r == 1 ? 3 * values(upstream_row)[c] : 0.0;
      CHECK(g[r * 3 + c] == doctest::Approx(expected));
    }
  }

  check_throws<ShapeError>([] { embedding(random_input({5}, 1), ids({0})); },
                                {"embedding: weight must be [V, C], got [5]"});
  check_throws<DTypeError>([&] { embedding(weight, tensor({1, 2})); },
                                {"embedding: ids must be int64, got float32"});
  check_throws<IndexError>([&] { embedding(weight, ids({0, 5, 1})); },
                                {"embedding", "index 5", "size 5"});
  check_throws<IndexError>([&] { embedding(weight, ids({-1})); }, {"embedding", "index -1"});
}

TEST_CASE("indexing: out-of-range indices raise IndexError naming the op and the index") {
  Tensor x = iota({4, 3});
  check_throws<IndexError>([&] { index_select(x, 0, ids({0, 4})); },
                                {"index_select: index 4 (at position 1) is out of range for axis 0 of size 4"});
  check_throws<IndexError>([&] { index_select(x, 1, ids({-1})); }, {"index_select", "index -1", "size 3"});
  check_throws<IndexError>([&] { index_add(x, 1, ids({0, 3}), zeros({4, 2}, kFloat64)); },
                                {"index_add", "index 3", "axis 1", "size 3"});
  check_throws<IndexError>([&] { gather(x, 0, ids({0, 9, 2}, {1, 3})); },
                                {"gather", "index 9", "position 1", "axis 0", "size 4"});
  check_throws<IndexError>([&] { scatter_add(x, 1, ids({0, 3, 1, 0, 0, 0, 0, 0}, {4, 2}), zeros({4, 2}, kFloat64)); },
                                {"scatter_add", "index 3", "axis 1", "size 3"});
  // Axes out of range too.
  check_throws<IndexError>([&] { index_select(x, 2, ids({0})); }, {"index_select", "axis 2"});
  check_throws<IndexError>([&] { gather(x, -3, ids({0}, {1, 1})); }, {"gather", "axis -3"});
}

TEST_CASE("indexing: non-int64 indices raise DTypeError naming the op") {
  Tensor x = iota({4, 3});
  Tensor float_index = tensor({0, 1});
  check_throws<DTypeError>([&] { index_select(x, 0, float_index); },
                                {"index_select: index must be int64, got float32"});
  check_throws<DTypeError>([&] { index_add(x, 0, tensor({0, 1}, kFloat64), zeros({2, 3}, kFloat64)); },
                                {"index_add", "int64", "float64"});
  check_throws<DTypeError>([&] { gather(x, 0, zeros({1, 3})); }, {"gather", "int64", "float32"});
  check_throws<DTypeError>([&] { scatter_add(x, 0, zeros({1, 3}), zeros({1, 3}, kFloat64)); },
                                {"scatter_add", "int64", "float32"});
  check_throws<ShapeError>([&] { index_select(x, 0, ids({0, 1, 2, 3}, {2, 2})); },
                                {"index_select: index must be 1-D, got shape [2, 2]"});
  check_throws<ShapeError>([&] { gather(x, 0, ids({0, 1}, {2})); },
                                {"gather: index of shape [2] must match the input's shape [4, 3] on every axis but 0"});
}

TEST_CASE("indexing: undefined inputs raise ValueError naming the op and the argument") {
  Tensor x = iota({4, 3}), u;
  check_throws<ValueError>([&] { index_select(u, 0, ids({0})); }, {"index_select: input is an undefined tensor"});
  check_throws<ValueError>([&] { index_select(x, 0, u); }, {"index_select: index is an undefined tensor"});
  check_throws<ValueError>([&] { index_add(u, 0, ids({0}), x); }, {"index_add", "undefined"});
  check_throws<ValueError>([&] { gather(x, 0, u); }, {"gather: index is an undefined tensor"});
  check_throws<ValueError>([&] { scatter_add(u, 0, ids({0}, {1, 1}), x); }, {"scatter_add", "undefined"});
  check_throws<ValueError>([&] { embedding(u, ids({0})); }, {"embedding: weight is an undefined tensor"});
  check_throws<ValueError>([&] { embedding(x, u); }, {"embedding: ids is an undefined tensor"});
}

TEST_CASE("indexing: gradcheck and gradgradcheck with repeated indices") {
  using V = const std::vector<Tensor>&;
  std::vector<Tensor> x = {random_input({4, 3}, 20)};
  Tensor rep = ids({2, 0, 2, 2});
  check_first_and_second_order("index_select axis 0", [&](V t) { return square(index_select(t[0], 0, rep)); }, x);
  check_first_and_second_order("index_select axis -1",
                               [](V t) { return square(index_select(t[0], -1, ids({1, 1, 0}))); }, x);
  std::vector<Tensor> x3 = {random_input({2, 4, 3}, 21)};
  check_first_and_second_order("index_select middle axis", [&](V t) { return square(index_select(t[0], 1, rep)); }, x3);

  // index_add: gradients to both the input and the source.
  std::vector<Tensor> xs = {random_input({4, 3}, 22), random_input({4, 3}, 23)};
  check_first_and_second_order("index_add axis 0", [&](V t) { return square(index_add(t[0], 0, rep, t[1])); }, xs);
  std::vector<Tensor> xs1 = {random_input({2, 4, 3}, 24), random_input({2, 4, 2}, 25)};
  check_first_and_second_order("index_add axis 2",
                               [](V t) { return square(index_add(t[0], 2, ids({1, 1}), t[1])); }, xs1);

  Tensor gi = ids({2, 0, 2, 1, 1, 1}, {2, 3});
  check_first_and_second_order("gather axis 0", [&](V t) { return square(gather(t[0], 0, gi)); }, x);
  Tensor gi1 = ids({2, 2, 0, 1, 1, 1, 0, 0}, {4, 2});
  check_first_and_second_order("gather axis 1", [&](V t) { return square(gather(t[0], 1, gi1)); }, x);
  std::vector<Tensor> ss = {random_input({4, 3}, 26), random_input({2, 3}, 27)};
  check_first_and_second_order("scatter_add axis 0", [&](V t) { return square(scatter_add(t[0], 0, gi, t[1])); }, ss);
  std::vector<Tensor> ss1 = {random_input({4, 3}, 28), random_input({4, 2}, 29)};
  check_first_and_second_order("scatter_add axis -1",
                               [&](V t) { return square(scatter_add(t[0], -1, gi1, t[1])); }, ss1);

  std::vector<Tensor> w = {random_input({5, 3}, 30)};
  check_first_and_second_order("embedding", [](V t) { return square(embedding(t[0], ids({1, 1, 4, 1}, {2, 2}))); }, w);
  // Broadcast: selected rows scaled by a broadcast row vector.
  std::vector<Tensor> bc = {random_input({4, 3}, 31), random_input({3}, 32)};
  check_first_and_second_order("index_select broadcast", [&](V t) { return index_select(t[0], 0, rep) * t[1] * t[0].sum({0}); }, bc);
  check_first_and_second_order("gather broadcast", [&](V t) { return square(gather(t[0] * t[1], 0, gi)); }, bc);
}
