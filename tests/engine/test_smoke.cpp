#include <iostream>
#include <doctest/doctest.h>

#include "tests/support/gradcheck.h"

using namespace candor;
using namespace candor::testing;

TEST_CASE("smoke: mul/add broadcast gradcheck and second order") {
  auto f = [](const std::vector<Tensor>& x) { return tanh(x[0] * x[1] + x[0]); };
  CHECK(gradcheck("tanh(a*b+a)", f, {random_input({3, 4}, 1), random_input({4}, 2)}));
  CHECK(gradgradcheck("tanh(a*b+a)", f, {random_input({3, 4}, 1), random_input({4}, 2)}));
  auto m = [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); };
  CHECK(gradcheck("matmul", m, {random_input({2, 3, 4}, 1), random_input({4, 5}, 2)}));
  CHECK(gradgradcheck("matmul", m, {random_input({3, 4}, 1), random_input({2, 4, 5}, 2)}));
  auto ln = [](const std::vector<Tensor>& x) { return layer_norm(x[0], {4}, x[1], x[2]); };
  CHECK(gradcheck("layer_norm", ln, {random_input({3, 4}, 1), random_input({4}, 2), random_input({4}, 3)}));
  CHECK(gradgradcheck("layer_norm", ln, {random_input({3, 4}, 1), random_input({4}, 2), random_input({4}, 3)}));
  std::cout << randn({2, 3}) << "\n" << arange(5) << "\n";
}
