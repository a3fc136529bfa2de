// Results must not depend on the thread count (DESIGN.md section 3): the same seeded computation
// run with 1 and with 2 OpenMP threads gives bitwise identical outputs and gradients. The shapes
// are large enough that every parallel path really splits: tiled GEMM (forward and backward, and
// a thin matrix-vector product),
// block-wise long sums, row-parallel softmax, the fused layer_norm, attention_weights and gelu
// (tanh) forward and backward.
// Note: this machine class sets OPENBLAS_CORETYPE=Haswell, under which OpenBLAS's own threading
// is not deterministic, so this also checks that candor's own GEMM tiling is in charge.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "engine/engine.h"

using namespace candor;

namespace {

using Results = std::vector<std::pair<std::string, Tensor>>;

Tensor leaf(const Tensor& t) { return t.detach().requires_grad_(); }

// An MLP 104 -> 64 -> 64 -> 1 initialised from a seeded generator, a batch of 4096, the
// BCE-with-logits loss and its backward.
void mlp(Results& out) {
  Generator gen(2024);
  auto init = [&](int64_t fan_in, int64_t fan_out) {
    return leaf(randn({fan_in, fan_out}, kFloat32, &gen) *
                (1.0 / std::sqrt(static_cast<double>(fan_in))));
  };
  Tensor W1 = init(104, 64), b1 = leaf(randn({64}, kFloat32, &gen) * 0.1);
  Tensor W2 = init(64, 64), b2 = leaf(randn({64}, kFloat32, &gen) * 0.1);
  Tensor W3 = init(64, 1), b3 = leaf(randn({1}, kFloat32, &gen) * 0.1);
  Tensor x = leaf(randn({4096, 104}, kFloat32, &gen));  // its gradient is a 4096-row GEMM
  Tensor y = bernoulli({4096, 1}, 0.3, kFloat32, &gen);
  Tensor h1 = relu(matmul(x, W1) + b1);   // [4096, 64]
  Tensor h2 = relu(matmul(h1, W2) + b2);  // [4096, 64]
  Tensor logits = matmul(h2, W3) + b3;    // [4096, 1]
  Tensor loss = binary_cross_entropy_with_logits(logits, y);
  loss.backward();
  out.push_back({"mlp logits", logits.detach()});
  out.push_back({"mlp loss", loss.detach()});
  out.push_back({"mlp dW1", W1.grad()});
  out.push_back({"mlp db1", b1.grad()});
  out.push_back({"mlp dW2", W2.grad()});
  out.push_back({"mlp db2", b2.grad()});
  out.push_back({"mlp dW3", W3.grad()});
  out.push_back({"mlp db3", b3.grad()});
  out.push_back({"mlp dx", x.grad()});
}

void workload(Results& out) {
  mlp(out);
  Generator gen(7);
  // A large product, forward and backward: [1024, 512] @ [512, 768].
  Tensor a = leaf(randn({1024, 512}, kFloat32, &gen));
  Tensor b = leaf(randn({512, 768}, kFloat32, &gen));
  Tensor c = matmul(a, b);
  c.backward(randn({1024, 768}, kFloat32, &gen));
  out.push_back({"matmul 1024x512 @ 512x768", c.detach()});
  out.push_back({"matmul dA", a.grad()});
  out.push_back({"matmul dB", b.grad()});
  // A thin product, as one token's decoding step has: [1, 768] @ [768, 2304] (threaded though
  // under the 4M multiply-add threshold of square products).
  Tensor row = randn({1, 768}, kFloat32, &gen), wide = randn({768, 2304}, kFloat32, &gen);
  out.push_back({"thin matmul 1x768 @ 768x2304", matmul(row, wide)});
  // A long sum of 1 << 22 elements, and the same data summed along each axis of a matrix.
  Tensor big = randn({1 << 22}, kFloat32, &gen);
  out.push_back({"sum of 1<<22", sum(big)});
  out.push_back({"sum over axis 0 of [2048, 2048]", sum(reshape(big, {2048, 2048}), {0})});
  out.push_back({"sum over axis 1 of [2048, 2048]", sum(reshape(big, {2048, 2048}), {1})});
  out.push_back({"sum of 1<<22 float64", sum(big.to(kFloat64))});
  // softmax over [2048, 1000], forward and backward.
  Tensor logits = leaf(randn({2048, 1000}, kFloat32, &gen) * 3.0);
  Tensor p = softmax(logits, -1);
  p.backward(randn({2048, 1000}, kFloat32, &gen));
  out.push_back({"softmax [2048, 1000]", p.detach()});
  out.push_back({"softmax grad", logits.grad()});
  out.push_back({"log_softmax axis 0", log_softmax(logits.detach(), 0)});
  // layer_norm over [4096, 256] with weight and bias, forward and fused backward.
  Tensor x = leaf(randn({4096, 256}, kFloat32, &gen) * 2.0 + 0.5);
  Tensor w = leaf(randn({256}, kFloat32, &gen));
  Tensor bias = leaf(randn({256}, kFloat32, &gen));
  Tensor y = layer_norm(x, {256}, w, bias);
  y.backward(randn({4096, 256}, kFloat32, &gen));
  out.push_back({"layer_norm [4096, 256]", y.detach()});
  out.push_back({"layer_norm dx", x.grad()});
  out.push_back({"layer_norm dweight", w.grad()});
  out.push_back({"layer_norm dbias", bias.grad()});
  // Causal attention weights over [16, 4, 64, 64] with key padding, forward and fused backward
  // ((b, h) entries on several threads), and gelu (tanh) forward and fused backward.
  Tensor q = leaf(randn({16, 4, 64, 32}, kFloat32, &gen));
  Tensor k = leaf(randn({16, 4, 64, 32}, kFloat32, &gen));
  Tensor pad = bernoulli({16, 64}, 0.2, kFloat32, &gen);
  Tensor att = attention_weights(q, k, 0.125, true, pad);
  att.backward(randn({16, 4, 64, 64}, kFloat32, &gen));
  out.push_back({"attention_weights [16, 4, 64, 64]", att.detach()});
  out.push_back({"attention_weights dq", q.grad()});
  out.push_back({"attention_weights dk", k.grad()});
  Tensor h = leaf(randn({1024, 512}, kFloat32, &gen) * 2.0);
  Tensor act = gelu(h, "tanh");
  act.backward(randn({1024, 512}, kFloat32, &gen));
  out.push_back({"gelu tanh [1024, 512]", act.detach()});
  out.push_back({"gelu tanh dx", h.grad()});
}

// The number of threads a parallel region actually gets now.
int team_size() {
  int team = 0;
#pragma omp parallel
  {
#pragma omp single
    team = omp_get_num_threads();
  }
  return team;
}

Results run_with_threads(int threads) {
  omp_set_num_threads(threads);
  CHECK(team_size() == threads);  // else the comparison would prove nothing
  Results r;
  workload(r);
  return r;
}

// Bitwise comparison with a report of how far apart differing tensors are.
void check_identical(const Results& one, const Results& other, const std::string& between) {
  REQUIRE(one.size() == other.size());
  for (size_t i = 0; i < one.size(); ++i) {
    const auto& name = one[i].first;
    const Tensor& a = one[i].second;
    const Tensor& b = other[i].second;
    CAPTURE(name);
    REQUIRE(a.defined());
    REQUIRE(b.defined());
    REQUIRE(a.shape() == b.shape());
    REQUIRE(a.dtype() == b.dtype());
    size_t bytes = static_cast<size_t>(a.numel()) * dtype_size(a.dtype());
    bool same = std::memcmp(a.raw_data(), b.raw_data(), bytes) == 0;
    if (!same) {
      auto va = a.to_vector(), vb = b.to_vector();
      int64_t differing = 0;
      double max_diff = 0;
      for (size_t k = 0; k < va.size(); ++k) {
        if (va[k] != vb[k]) ++differing;
        max_diff = std::max(max_diff, std::abs(va[k] - vb[k]));
      }
      FAIL_CHECK(
          fmt::format("{} of shape {}: {} of {} elements differ between {} (max |diff| "
                      "{:.3g})",
                      name, format_shape(a.shape()), differing, va.size(), between, max_diff));
    }
    // The workload produced real numbers.
    bool finite = true;
    for (double v : a.to_vector()) finite = finite && std::isfinite(v);
    CHECK_MESSAGE(finite, name << " has non-finite values");
  }
}

struct RestoreThreads {
  int saved = omp_get_max_threads();
  ~RestoreThreads() { omp_set_num_threads(saved); }
};

}  // namespace

TEST_CASE("determinism: 1 and 2 threads give bitwise identical outputs and gradients") {
  RestoreThreads restore;
  Results one = run_with_threads(1);
  Results two = run_with_threads(2);
  check_identical(one, two, "1 and 2 threads");
  // An odd team splits every static loop differently again.
  Results three = run_with_threads(3);
  check_identical(one, three, "1 and 3 threads");
}

TEST_CASE("determinism: the same seed gives the same results run after run") {
  Results a, b;
  workload(a);
  workload(b);
  check_identical(a, b, "two runs");
  // And a different seed does change them (the comparison is not vacuous).
  Generator g1(1), g2(2);
  Tensor x = randn({1024, 512}, kFloat32, &g1), y = randn({1024, 512}, kFloat32, &g2);
  CHECK(std::memcmp(x.raw_data(), y.raw_data(), x.numel() * sizeof(float)) != 0);
}
