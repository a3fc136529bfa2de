#include "tests/support/gradcheck.h"

#include <cmath>

#include <doctest/doctest.h>
#include <fmt/format.h>

namespace candor::testing {

namespace {

// Fixed random weights for the outputs, so the scalar L = sum(f(x) * w) depends on every output.
Tensor output_weights(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return uniform(shape, 0.5, 1.5, kFloat64, &gen);
}

double weighted_sum(const Tensor& y, const Tensor& w) {
  NoGradGuard no_grad;
  return sum(y * w).item<double>();
}

std::vector<Tensor> fresh_leaves(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> leaves;
  for (const Tensor& t : inputs) {
    Tensor leaf = t.detach().clone();
    if (leaf.is_floating_point()) leaf.requires_grad_(true);
    leaves.push_back(leaf);
  }
  return leaves;
}

// Central differences of `scalar_of(inputs)` with respect to every element of every floating
// input, compared with `analytic` (one tensor per input; undefined means zero).
bool compare_with_differences(const std::string& name, const std::vector<Tensor>& inputs,
                              const std::vector<Tensor>& analytic,
                              const std::function<double(const std::vector<Tensor>&)>& scalar_of,
                              const Tolerance& tol, const char* order) {
  bool ok = true;
  int reported = 0;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].is_floating_point()) continue;
    std::vector<Tensor> probe;
    for (const Tensor& t : inputs) probe.push_back(t.detach().clone());
    double* x = probe[k].data<double>();
    std::vector<double> expected = analytic[k].defined() ? analytic[k].to_vector<double>()
                                                         : std::vector<double>(inputs[k].numel(), 0.0);
    for (int64_t i = 0; i < probe[k].numel(); ++i) {
      double saved = x[i];
      x[i] = saved + tol.eps;
      double plus = scalar_of(probe);
      x[i] = saved - tol.eps;
      double minus = scalar_of(probe);
      x[i] = saved;
      double numeric = (plus - minus) / (2 * tol.eps);
      double diff = std::abs(numeric - expected[i]);
      if (!(diff <= tol.atol + tol.rtol * std::abs(numeric))) {
        ok = false;
        if (reported++ < 5) {
          FAIL_CHECK(fmt::format("{} ({}): input {} of shape {}, element {} (value {}): analytic {} "
                                 "vs finite difference {} (|diff| {:.3g})", name, order, k,
                                 format_shape(inputs[k].shape()), i, saved, expected[i], numeric, diff));
        }
      }
    }
  }
  return ok;
}

}  // namespace

bool gradcheck(const std::string& name, const Fn& f, std::vector<Tensor> inputs, Tolerance tol) {
  for (const Tensor& t : inputs) REQUIRE(t.dtype() != kFloat32);
  std::vector<Tensor> leaves = fresh_leaves(inputs);
  Tensor y = f(leaves);
  Tensor w = output_weights(y.shape(), 7);
  std::vector<Tensor> wrt;
  for (const Tensor& t : leaves) {
    if (t.is_floating_point()) wrt.push_back(t);
  }
  std::vector<Tensor> g = grad({sum(y * w)}, wrt, {}, false, false, true);
  std::vector<Tensor> analytic;
  size_t j = 0;
  for (const Tensor& t : leaves) analytic.push_back(t.is_floating_point() ? g[j++] : Tensor());
  return compare_with_differences(
      name, inputs, analytic,
      [&](const std::vector<Tensor>& xs) { return weighted_sum(f(xs), w); }, tol, "first order");
}

bool gradgradcheck(const std::string& name, const Fn& f, std::vector<Tensor> inputs, Tolerance tol) {
  std::vector<Tensor> leaves = fresh_leaves(inputs);
  Tensor y = f(leaves);
  Tensor w = output_weights(y.shape(), 7);
  std::vector<Tensor> wrt;
  for (const Tensor& t : leaves) {
    if (t.is_floating_point()) wrt.push_back(t);
  }
  // S(x) = sum_k sum(grad_k(x) * v_k): its gradient is a Hessian-vector product.
  auto first = [&](const std::vector<Tensor>& xs, bool create) {
    std::vector<Tensor> ls = create ? xs : fresh_leaves(xs);
    std::vector<Tensor> ws;
    for (const Tensor& t : ls) {
      if (t.is_floating_point()) ws.push_back(t);
    }
    return std::make_pair(ls, grad({sum(f(ls) * w)}, ws, {}, create, create, true));
  };
  auto [ls, g1] = first(leaves, true);
  std::vector<Tensor> vs;
  Tensor s = zeros({}, kFloat64);
  for (size_t k = 0; k < g1.size(); ++k) {
    vs.push_back(output_weights(wrt[k].shape(), 11 + k));
    if (g1[k].defined() && g1[k].requires_grad()) s = s + sum(g1[k] * vs.back());
  }
  std::vector<Tensor> analytic_wrt =
      s.requires_grad() ? grad({s}, wrt, {}, false, false, true) : std::vector<Tensor>(wrt.size());
  std::vector<Tensor> analytic;
  size_t j = 0;
  for (const Tensor& t : leaves) analytic.push_back(t.is_floating_point() ? analytic_wrt[j++] : Tensor());
  return compare_with_differences(
      name, inputs, analytic,
      [&](const std::vector<Tensor>& xs) {
        auto [unused, g] = first(xs, false);
        double total = 0;
        for (size_t k = 0; k < g.size(); ++k) {
          if (g[k].defined()) total += weighted_sum(g[k], vs[k]);
        }
        return total;
      },
      tol, "second order");
}

bool all_close(const std::string& what, const Tensor& actual, const Tensor& expected, double atol,
               double rtol) {
  if (actual.shape() != expected.shape()) {
    FAIL_CHECK(fmt::format("{}: shape {} vs expected {}", what, format_shape(actual.shape()),
                           format_shape(expected.shape())));
    return false;
  }
  auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  bool ok = true;
  int reported = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    bool same = (std::isnan(a[i]) && std::isnan(e[i])) || a[i] == e[i] ||
                std::abs(a[i] - e[i]) <= atol + rtol * std::abs(e[i]);
    if (!same) {
      ok = false;
      if (reported++ < 5) FAIL_CHECK(fmt::format("{}: element {} is {} but expected {}", what, i, a[i], e[i]));
    }
  }
  return ok;
}

Tensor random_input(const Shape& shape, uint64_t seed, double low, double high) {
  Generator gen(seed);
  return uniform(shape, low, high, kFloat64, &gen);
}

}  // namespace candor::testing
