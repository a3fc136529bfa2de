// Views and layout: reshape, flatten, squeeze, unsqueeze, narrow, expand, transpose, permute,
// slice, concat, stack. Forward values are checked element by element against index arithmetic
// written in the test; views are checked to share storage; every op is gradchecked in float64.
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

// 0, 1, 2, ... in float32 with the given shape: element values name their flat position.
Tensor iota(const Shape& shape, DType dtype = kFloat32) {
  return reshape(arange(0, static_cast<double>(numel(shape)), 1, dtype), shape);
}

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// Squared after the op, so the second order passes through the op's backward rule.
Tensor square(const Tensor& t) { return t * t; }

}  // namespace

TEST_CASE("layout: reshape infers -1, keeps element order and shares storage") {
  Tensor x = iota({24});
  Tensor y = reshape(x, {2, -1, 4});
  CHECK(y.shape() == Shape{2, 3, 4});
  CHECK(values(y) == values(x));
  CHECK(reshape(x, {-1}).shape() == Shape{24});
  CHECK(reshape(x, {4, 6}).shape() == Shape{4, 6});
  CHECK(x.view({-1, 2}).shape() == Shape{12, 2});
  CHECK(reshape(scalar(3.0), {1, 1}).shape() == Shape{1, 1});
  CHECK(reshape(zeros({0, 3}), {-1, 3}).shape() == Shape{0, 3});
  // Storage is shared both ways, also through a view of a view.
  Tensor z = reshape(y, {6, 4});
  x.data<float>()[5] = -7;
  CHECK(y.data<float>()[5] == -7);
  CHECK(z.data<float>()[5] == -7);
  z.data<float>()[23] = 99;
  CHECK(x.data<float>()[23] == 99);

  check_throws<ShapeError>([&] { reshape(x, {-1, -1}); }, {"reshape", "more than one -1", "[-1, -1]"});
  check_throws<ShapeError>([&] { reshape(x, {5, -1}); },
                                {"reshape: cannot view shape [24] (24 elements) as [5, -1]"});
  check_throws<ShapeError>([&] { reshape(x, {5, 5}); }, {"reshape", "[24]", "[5, 5]"});
  check_throws<ShapeError>([&] { reshape(x, {0, -1}); }, {"reshape", "[0, -1]"});
  check_throws<ShapeError>([&] { reshape(x, {-2, 12}); }, {"reshape", "invalid dimension -2"});
}

TEST_CASE("layout: flatten merges a range of axes as a view") {
  Tensor x = iota({2, 3, 4});
  CHECK(flatten(x).shape() == Shape{24});
  CHECK(flatten(x, 1).shape() == Shape{2, 12});
  CHECK(flatten(x, 0, 1).shape() == Shape{6, 4});
  CHECK(flatten(x, -2, -1).shape() == Shape{2, 12});
  CHECK(flatten(x, 1, 1).shape() == Shape{2, 3, 4});
  CHECK(x.flatten(0, -2).shape() == Shape{6, 4});
  CHECK(flatten(scalar(1.0)).shape() == Shape{1});
  Tensor f = flatten(x, 1);
  CHECK(values(f) == values(x));
  x.data<float>()[13] = -1;
  CHECK(f.data<float>()[13] == -1);
  check_throws<IndexError>([&] { flatten(x, 2, 1); }, {"flatten: start axis 2 comes after end axis 1"});
  check_throws<IndexError>([&] { flatten(x, 0, 3); }, {"flatten", "axis 3", "3 dimensions"});
}

TEST_CASE("layout: squeeze and unsqueeze") {
  Tensor x = iota({2, 1, 3});
  CHECK(squeeze(x, 1).shape() == Shape{2, 3});
  CHECK(squeeze(x, -2).shape() == Shape{2, 3});
  CHECK(squeeze(x, 0).shape() == Shape{2, 1, 3});  // size 2: unchanged, as PyTorch
  CHECK(x.squeeze(1).shape() == Shape{2, 3});
  CHECK(values(squeeze(x, 1)) == values(x));
  Tensor y = iota({2, 3});
  CHECK(unsqueeze(y, 0).shape() == Shape{1, 2, 3});
  CHECK(unsqueeze(y, 1).shape() == Shape{2, 1, 3});
  CHECK(unsqueeze(y, 2).shape() == Shape{2, 3, 1});
  CHECK(unsqueeze(y, -1).shape() == Shape{2, 3, 1});
  CHECK(unsqueeze(y, -3).shape() == Shape{1, 2, 3});
  CHECK(y.unsqueeze(0).shape() == Shape{1, 2, 3});
  CHECK(unsqueeze(scalar(2.0), 0).shape() == Shape{1});
  // Both are views.
  Tensor u = unsqueeze(y, 1), s = squeeze(x, 1);
  y.data<float>()[4] = 40;
  x.data<float>()[2] = 20;
  CHECK(u.data<float>()[4] == 40);
  CHECK(s.data<float>()[2] == 20);
  check_throws<IndexError>([&] { squeeze(x, 3); },
                                {"squeeze: axis 3 is out of range for a tensor of 3 dimensions"});
  check_throws<IndexError>([&] { unsqueeze(y, 3); }, {"unsqueeze", "axis 3", "3 dimensions"});
  check_throws<IndexError>([&] { unsqueeze(y, -4); }, {"unsqueeze", "axis -4"});
}

TEST_CASE("layout: narrow is a view on axis 0 and a copy on other axes") {
  Tensor x = iota({4, 3});
  Tensor rows = narrow(x, 0, 1, 2);
  CHECK(rows.shape() == Shape{2, 3});
  CHECK(values(rows) == std::vector<double>{3, 4, 5, 6, 7, 8});
  // Shares storage with x: a write through x shows in the view and the other way round.
  x.data<float>()[3] = -3;
  CHECK(rows.data<float>()[0] == -3);
  rows.data<float>()[5] = 80;
  CHECK(x.data<float>()[8] == 80);
  CHECK(values(narrow(x, 0, -2, 2)) == std::vector<double>{6, 7, 80, 9, 10, 11});
  CHECK(narrow(x, 0, 4, 0).shape() == Shape{0, 3});
  CHECK(x.narrow(0, 3, 1).shape() == Shape{1, 3});

  Tensor y = iota({4, 3});
  Tensor cols = narrow(y, 1, 1, 2);
  CHECK(cols.shape() == Shape{4, 2});
  CHECK(values(cols) == std::vector<double>{1, 2, 4, 5, 7, 8, 10, 11});
  CHECK(values(narrow(y, -1, 2, 1)) == std::vector<double>{2, 5, 8, 11});
  // A copy: later writes to y do not show.
  y.data<float>()[1] = 100;
  CHECK(cols.data<float>()[0] == 1);
  // A narrow of a narrow adds the offsets, still sharing x's storage.
  Tensor inner = narrow(narrow(x, 0, 1, 3), 0, 1, 2);
  CHECK(values(inner) == std::vector<double>{6, 7, 80, 9, 10, 11});
  x.data<float>()[9] = 90;
  CHECK(inner.data<float>()[3] == 90);
  CHECK(values(reshape(inner, {-1})) == std::vector<double>{6, 7, 80, 90, 10, 11});
  // Axis 0 of a 3-D tensor moves the offset by whole [3, 2] blocks.
  Tensor z = iota({3, 3, 2});
  CHECK(values(narrow(z, 0, 2, 1)) == std::vector<double>{12, 13, 14, 15, 16, 17});

  check_throws<IndexError>([&] { narrow(x, 0, 3, 2); },
                                {"narrow: range [3, 5) is outside axis 0 of size 4"});
  check_throws<IndexError>([&] { narrow(x, 1, 0, 4); }, {"narrow", "axis 1", "size 3"});
  check_throws<IndexError>([&] { narrow(x, 0, -5, 1); }, {"narrow", "size 4"});
  check_throws<IndexError>([&] { narrow(x, 0, 0, -1); }, {"narrow", "size 4"});
  check_throws<IndexError>([&] { narrow(x, 2, 0, 1); }, {"narrow", "axis 2"});
}

TEST_CASE("layout: expand broadcasts by copying") {
  Tensor x = iota({3, 1});
  Tensor y = expand(x, {2, 3, 4});
  CHECK(y.shape() == Shape{2, 3, 4});
  std::vector<double> v = values(y);
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t i = 0; i < 3; ++i) {
      for (int64_t j = 0; j < 4; ++j) CHECK(v[(b * 3 + i) * 4 + j] == static_cast<double>(i));
    }
  }
  CHECK(values(expand(tensor({1, 2}), {3, 2})) == std::vector<double>{1, 2, 1, 2, 1, 2});
  CHECK(values(expand(iota({2, 1}), {2, 2})) == std::vector<double>{0, 0, 1, 1});
  CHECK(values(expand(scalar(5.0), {2})) == std::vector<double>{5, 5});
  // A copy, not a view.
  x.data<float>()[0] = 50;
  CHECK(y.data<float>()[0] == 0);

  check_throws<ShapeError>([] { expand(tensor({1, 2, 3}), {4}); }, {"expand", "[3]", "[4]"});
  check_throws<ShapeError>([] { expand(zeros({2, 3}), {3}); }, {"expand: shape [2, 3] cannot be broadcast to [3]"});
  check_throws<ShapeError>([] { expand(zeros({1, 4}), {3, 1}); }, {"expand: shape [1, 4] cannot be broadcast to [3, 1]"});
}

TEST_CASE("layout: transpose and permute move elements to their new positions") {
  Tensor x = iota({2, 3, 4});
  std::vector<double> xv = values(x);
  auto at = [&](int64_t i, int64_t j, int64_t k) { return xv[(i * 3 + j) * 4 + k]; };

  Tensor t = transpose(x, 0, 2);
  CHECK(t.shape() == Shape{4, 3, 2});
  std::vector<double> tv = values(t);
  Tensor t2 = x.transpose(-1, -2);
  CHECK(t2.shape() == Shape{2, 4, 3});
  std::vector<double> t2v = values(t2);
  Tensor p = permute(x, {2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  std::vector<double> pv = values(p);
  Tensor q = x.permute({-2, -1, 0});
  CHECK(q.shape() == Shape{3, 4, 2});
  std::vector<double> qv = values(q);
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      for (int64_t k = 0; k < 4; ++k) {
        CHECK(tv[(k * 3 + j) * 2 + i] == at(i, j, k));
        CHECK(t2v[(i * 4 + k) * 3 + j] == at(i, j, k));
        CHECK(pv[(k * 2 + i) * 3 + j] == at(i, j, k));
        CHECK(qv[(j * 4 + k) * 2 + i] == at(i, j, k));
      }
    }
  }
  // Identity permutation, 1-D transpose with itself, and a 2-D transpose of known values.
  CHECK(values(permute(x, {0, 1, 2})) == xv);
  CHECK(values(transpose(tensor({1, 2, 3}), 0, 0)) == std::vector<double>{1, 2, 3});
  CHECK(values(transpose(iota({2, 3}), 0, 1)) == std::vector<double>{0, 3, 1, 4, 2, 5});
  // A 4-D permutation checked with strides.
  Tensor w = iota({2, 3, 4, 5}, kFloat64);
  Tensor pw = permute(w, {3, 1, 0, 2});
  CHECK(pw.shape() == Shape{5, 3, 2, 4});
  std::vector<double> wv = values(w), pwv = values(pw);
  bool all_match = true;
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c)
        for (int64_t d = 0; d < 5; ++d)
          all_match = all_match && pwv[((d * 3 + b) * 2 + a) * 4 + c] == wv[((a * 3 + b) * 4 + c) * 5 + d];
  CHECK(all_match);
  // permute copies: writes to x do not show.
  x.data<float>()[0] = 42;
  CHECK(p.data<float>()[0] == 0);

  check_throws<ShapeError>([&] { permute(x, {1, 0}); }, {"permute: 2 axes given for a tensor of 3 dimensions"});
  check_throws<IndexError>([&] { permute(x, {0, 0, 1}); }, {"permute: axis 0 appears twice in [0, 0, 1]"});
  check_throws<IndexError>([&] { permute(x, {0, 1, 3}); }, {"permute", "axis 3"});
  check_throws<IndexError>([&] { transpose(x, 0, 3); }, {"transpose", "axis 3", "3 dimensions"});
}

TEST_CASE("layout: slice follows Python slicing") {
  Tensor x = iota({10});
  CHECK(values(slice(x, 0, 2, 8, 3)) == std::vector<double>{2, 5});
  CHECK(values(slice(x, 0, 1, 10, 4)) == std::vector<double>{1, 5, 9});
  CHECK(values(slice(x, 0, -3, 100)) == std::vector<double>{7, 8, 9});
  CHECK(values(slice(x, 0, -100, 3)) == std::vector<double>{0, 1, 2});
  CHECK(values(slice(x, 0, 2, -5)) == std::vector<double>{2, 3, 4});
  CHECK(values(slice(x, 0, -4, -1, 2)) == std::vector<double>{6, 8});
  CHECK(values(slice(x, 0, 0, 10, 20)) == std::vector<double>{0});
  CHECK(slice(x, 0, 5, 2).shape() == Shape{0});
  CHECK(slice(x, 0, 12, 20).shape() == Shape{0});
  // Along the last axis of a 2-D tensor, with a step.
  Tensor m = iota({3, 5});
  Tensor s = slice(m, 1, 0, 5, 2);
  CHECK(s.shape() == Shape{3, 3});
  CHECK(values(s) == std::vector<double>{0, 2, 4, 5, 7, 9, 10, 12, 14});
  CHECK(values(slice(m, -1, -2, 5)) == std::vector<double>{3, 4, 8, 9, 13, 14});
  CHECK(values(slice(m, 0, 1, 3, 2)) == std::vector<double>{5, 6, 7, 8, 9});
  // Middle axis of a 3-D tensor against index arithmetic: x[:, 1::2, :].
  Tensor c = iota({2, 5, 3});
  Tensor cs = slice(c, 1, 1, 5, 2);
  CHECK(cs.shape() == Shape{2, 2, 3});
  std::vector<double> csv = values(cs);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t k = 0; k < 3; ++k) CHECK(csv[(i * 2 + j) * 3 + k] == static_cast<double>((i * 5 + 1 + 2 * j) * 3 + k));

  check_throws<ValueError>([&] { slice(x, 0, 0, 5, 0); }, {"slice: step must be positive, got 0"});
  check_throws<ValueError>([&] { slice(x, 0, 5, 0, -1); }, {"slice", "got -1"});
  check_throws<IndexError>([&] { slice(x, 1, 0, 5); }, {"slice", "axis 1", "1 dimensions"});
}

TEST_CASE("layout: concat joins along an axis") {
  Tensor a = iota({2, 3}), b = iota({1, 3}) + 100.0, c = iota({2, 2}) + 50.0;
  Tensor rows = concat({a, b}, 0);
  CHECK(rows.shape() == Shape{3, 3});
  CHECK(values(rows) == std::vector<double>{0, 1, 2, 3, 4, 5, 100, 101, 102});
  Tensor cols = concat({a, c}, 1);
  CHECK(cols.shape() == Shape{2, 5});
  CHECK(values(cols) == std::vector<double>{0, 1, 2, 50, 51, 3, 4, 5, 52, 53});
  CHECK(values(concat({a, c, a}, -1)) ==
        std::vector<double>{0, 1, 2, 50, 51, 0, 1, 2, 3, 4, 5, 52, 53, 3, 4, 5});
  CHECK(values(concat({a}, 0)) == values(a));
  CHECK(values(concat({tensor({1}), zeros({0}), tensor({2, 3})})) == std::vector<double>{1, 2, 3});
  // Middle axis of 3-D inputs.
  Tensor p = iota({2, 1, 2}), q = iota({2, 2, 2}) + 10.0;
  CHECK(values(concat({p, q}, 1)) == std::vector<double>{0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17});

  check_throws<ValueError>([] { concat({}, 0); }, {"concat: needs at least one tensor"});
  check_throws<ShapeError>([&] { concat({a, iota({2, 4})}, 0); },
                                {"concat: tensor 1 has shape [2, 4] (float32), which does not match [2, 3] "
                                 "(float32) outside axis 0"});
  check_throws<ShapeError>([&] { concat({a, iota({2, 3}, kFloat64)}, 0); }, {"concat", "float64", "float32"});
  check_throws<ShapeError>([&] { concat({a, iota({6})}, 0); }, {"concat", "[6]"});
  check_throws<IndexError>([&] { concat({a, a}, 2); }, {"concat", "axis 2"});
}

TEST_CASE("layout: stack adds a new axis") {
  Tensor a = iota({2, 3}), b = iota({2, 3}) + 10.0;
  Tensor s0 = stack({a, b});
  CHECK(s0.shape() == Shape{2, 2, 3});
  CHECK(values(s0) == std::vector<double>{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15});
  Tensor s1 = stack({a, b}, 1);
  CHECK(s1.shape() == Shape{2, 2, 3});
  CHECK(values(s1) == std::vector<double>{0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15});
  Tensor s2 = stack({a, b}, -1);
  CHECK(s2.shape() == Shape{2, 3, 2});
  CHECK(values(s2) == std::vector<double>{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15});
  CHECK(values(stack({a, b}, 2)) == values(s2));
  CHECK(stack({scalar(1.0), scalar(2.0), scalar(3.0)}).shape() == Shape{3});

  check_throws<ValueError>([] { stack({}); }, {"stack: needs at least one tensor"});
  check_throws<ShapeError>([&] { stack({a, iota({3, 2})}); },
                                {"stack: tensors must have one shape, got [2, 3] and [3, 2]"});
  check_throws<IndexError>([&] { stack({a, b}, 3); }, {"stack", "axis 3"});
}

TEST_CASE("layout: undefined inputs raise ValueError naming the op") {
  Tensor u;
  check_throws<ValueError>([&] { reshape(u, {1}); }, {"reshape: input is an undefined tensor"});
  check_throws<ValueError>([&] { flatten(u); }, {"flatten", "undefined"});
  check_throws<ValueError>([&] { squeeze(u, 0); }, {"squeeze", "undefined"});
  check_throws<ValueError>([&] { unsqueeze(u, 0); }, {"unsqueeze", "undefined"});
  check_throws<ValueError>([&] { narrow(u, 0, 0, 1); }, {"narrow", "undefined"});
  check_throws<ValueError>([&] { expand(u, {2}); }, {"expand", "undefined"});
  check_throws<ValueError>([&] { transpose(u, 0, 1); }, {"transpose", "undefined"});
  check_throws<ValueError>([&] { permute(u, {0}); }, {"permute", "undefined"});
  check_throws<ValueError>([&] { slice(u, 0, 0, 1); }, {"slice", "undefined"});
  check_throws<ValueError>([&] { concat({iota({2}), u}); }, {"concat", "undefined"});
  check_throws<ValueError>([&] { stack({iota({2}), u}); }, {"stack", "undefined"});
}

TEST_CASE("layout: views keep the graph: gradients flow through them") {
  Tensor x = random_input({2, 3}, 1);
  x.requires_grad_();
  Tensor y = sum(reshape(x, {3, 2}) * reshape(tensor({1, 2, 3, 4, 5, 6}, kFloat64), {3, 2}));
  y.backward();
  CHECK(values(x.grad()) == std::vector<double>{1, 2, 3, 4, 5, 6});
  Tensor z = random_input({4, 2}, 2);
  z.requires_grad_();
  sum(narrow(z, 0, 1, 2)).backward();
  CHECK(values(z.grad()) == std::vector<double>{0, 0, 1, 1, 1, 1, 0, 0});
  Tensor w = random_input({6}, 3);
  w.requires_grad_();
  sum(slice(w, 0, 1, 6, 2) * 2.0).backward();
  CHECK(values(w.grad()) == std::vector<double>{0, 2, 0, 2, 0, 2});
}

TEST_CASE("layout: gradcheck and gradgradcheck of the view ops") {
  std::vector<Tensor> x = {random_input({2, 3, 4}, 10)};
  using V = const std::vector<Tensor>&;
  check_first_and_second_order("reshape", [](V t) { return square(reshape(t[0], {4, -1})); }, x);
  check_first_and_second_order("flatten", [](V t) { return square(flatten(t[0], 1)); }, x);
  check_first_and_second_order("unsqueeze", [](V t) { return square(unsqueeze(t[0], -2)); }, x);
  check_first_and_second_order("squeeze", [](V t) { return square(squeeze(unsqueeze(t[0], 1), 1)); }, x);
  check_first_and_second_order("narrow axis 0", [](V t) { return square(narrow(t[0], 0, 1, 1)); }, x);
  check_first_and_second_order("narrow axis 0 middle",
                               [](V t) { return square(narrow(t[0].reshape({6, 4}), 0, 2, 3)); }, x);
  check_first_and_second_order("narrow axis 1", [](V t) { return square(narrow(t[0], 1, 1, 2)); }, x);
  check_first_and_second_order("narrow axis -1", [](V t) { return square(narrow(t[0], -1, 0, 3)); }, x);
  // Broadcast: a reshaped operand broadcast against another.
  std::vector<Tensor> pair = {random_input({2, 3, 4}, 11), random_input({12}, 12)};
  check_first_and_second_order("reshape broadcast", [](V t) { return square(t[0] * reshape(t[1], {3, 4})); }, pair);
}

TEST_CASE("layout: gradcheck and gradgradcheck of expand, transpose and permute") {
  using V = const std::vector<Tensor>&;
  std::vector<Tensor> col = {random_input({3, 1}, 20)};
  check_first_and_second_order("expand [3,1]->[2,3,4]", [](V t) { return square(expand(t[0], {2, 3, 4})); }, col);
  check_first_and_second_order("expand [3,1]->[3,5]", [](V t) { return square(expand(t[0], {3, 5})); }, col);
  std::vector<Tensor> mid = {random_input({2, 1, 4}, 21)};
  check_first_and_second_order("expand [2,1,4]->[3,2,3,4]", [](V t) { return square(expand(t[0], {3, 2, 3, 4})); }, mid);

  std::vector<Tensor> x = {random_input({2, 3, 4}, 22)};
  check_first_and_second_order("transpose 0 2", [](V t) { return square(transpose(t[0], 0, 2)); }, x);
  check_first_and_second_order("transpose -1 -2", [](V t) { return square(transpose(t[0], -1, -2)); }, x);
  check_first_and_second_order("permute 2 0 1", [](V t) { return square(permute(t[0], {2, 0, 1})); }, x);
  std::vector<Tensor> x4 = {random_input({2, 3, 2, 4}, 23)};
  check_first_and_second_order("permute 4-D", [](V t) { return square(permute(t[0], {3, 1, 0, -2})); }, x4);
  // Broadcast after a transpose.
  std::vector<Tensor> pair = {random_input({4, 3}, 24), random_input({2, 3, 4}, 25)};
  check_first_and_second_order("transpose broadcast", [](V t) { return t[1] * transpose(t[0], 0, 1) * t[1]; }, pair);
}

TEST_CASE("layout: gradcheck and gradgradcheck of slice, concat and stack") {
  using V = const std::vector<Tensor>&;
  std::vector<Tensor> x = {random_input({4, 7}, 30)};
  check_first_and_second_order("slice axis 1 step 2", [](V t) { return square(slice(t[0], 1, 1, 7, 2)); }, x);
  check_first_and_second_order("slice negative bounds", [](V t) { return square(slice(t[0], -1, -5, -1)); }, x);
  check_first_and_second_order("slice axis 0 step 3", [](V t) { return square(slice(t[0], 0, 0, 100, 3)); }, x);
  std::vector<Tensor> x3 = {random_input({2, 5, 3}, 31)};
  check_first_and_second_order("slice middle axis", [](V t) { return square(slice(t[0], 1, 1, 5, 2)); }, x3);
  // The same element reached by two slices: gradients add.
  check_first_and_second_order("overlapping slices",
                               [](V t) { return slice(t[0], 1, 0, 3) * slice(t[0], 1, 2, 5); }, x3);

  std::vector<Tensor> three = {random_input({2, 3}, 32), random_input({2, 1}, 33), random_input({2, 2}, 34)};
  check_first_and_second_order("concat axis 1", [](V t) { return square(concat({t[0], t[1], t[2]}, 1)); }, three);
  std::vector<Tensor> rows = {random_input({1, 3}, 35), random_input({2, 3}, 36)};
  check_first_and_second_order("concat axis 0", [](V t) { return square(concat({t[0], t[1]}, 0)); }, rows);
  check_first_and_second_order("concat same tensor twice",
                               [](V t) { return square(concat({t[0], t[1], t[0]}, -2)); }, rows);
  std::vector<Tensor> same = {random_input({2, 3}, 37), random_input({2, 3}, 38)};
  for (int64_t axis : {0, 1, 2, -1}) {
    check_first_and_second_order(fmt::format("stack axis {}", axis),
                                 [axis](V t) { return square(stack({t[0], t[1]}, axis)); }, same);
  }
  // Broadcast: stacked rows scaled by a broadcast column.
  std::vector<Tensor> bc = {random_input({3}, 39), random_input({3}, 40), random_input({2, 1}, 41)};
  check_first_and_second_order("stack broadcast", [](V t) { return square(stack({t[0], t[1]}) * t[2]); }, bc);
}
