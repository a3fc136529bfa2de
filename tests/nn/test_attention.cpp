// Multi-head attention: first- and second-order gradient checks in float64, masks (causal and
// key padding) checked against their definitions, Conv1D against linear, shape errors.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "engine/ops/ops.h"
#include "nn/attention.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::nn;
using candor::testing::check_first_and_second_order;
using candor::testing::check_throws;
using candor::testing::random_input;

namespace {

// softmax(q k^T / sqrt(D) + mask) v computed with plain loops, for [B, H, T, D] float64 inputs.
std::vector<double> reference_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                        const std::vector<int>& pad /* [B * S] */) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), S = k.size(2), D = q.size(3);
  auto Q = q.to_vector<double>(), K = k.to_vector<double>(), Vv = v.to_vector<double>();
  std::vector<double> out(static_cast<size_t>(B * H * T * D), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < T; ++i) {
        std::vector<double> w(static_cast<size_t>(S));
        std::vector<bool> allowed(static_cast<size_t>(S));
        bool any = false;
        for (int64_t j = 0; j < S; ++j) {
          allowed[j] = !(causal && j > i) && !(pad.size() && pad[b * S + j]);
          any = any || allowed[j];
        }
        double top = -1e300;
        for (int64_t j = 0; j < S; ++j) {
          double s = 0;
          for (int64_t d = 0; d < D; ++d) s += Q[((b * H + h) * T + i) * D + d] * K[((b * H + h) * S + j) * D + d];
          w[j] = s / std::sqrt(static_cast<double>(D));
          if (allowed[j]) top = std::max(top, w[j]);
        }
        double total = 0;
        for (int64_t j = 0; j < S; ++j) {
          // a row with every key masked gets uniform weights (masked scores all equal lowest)
          w[j] = any ? (allowed[j] ? std::exp(w[j] - top) : 0.0) : 1.0;
          total += w[j];
        }
        for (int64_t j = 0; j < S; ++j)
          for (int64_t d = 0; d < D; ++d)
            out[((b * H + h) * T + i) * D + d] += w[j] / total * Vv[((b * H + h) * S + j) * D + d];
      }
  return out;
}

}  // namespace

TEST_CASE("attention: scaled dot-product attention equals its definition") {
  Tensor q = random_input({2, 2, 4, 3}, 1), k = random_input({2, 2, 4, 3}, 2), v = random_input({2, 2, 4, 3}, 3);
  for (bool causal : {false, true}) {
    CAPTURE(causal);
    Tensor y = scaled_dot_product_attention(q, k, v, causal);
    CHECK(y.shape() == Shape{2, 2, 4, 3});
    CHECK(candor::testing::all_close("sdpa", y, from_vector(reference_attention(q, k, v, causal, {}), y.shape()),
                                     1e-12, 1e-12));
  }
  // key padding: batch 0 pads its last key, batch 1 its first (with causal, query 0 of batch 1
  // then has no key left: uniform weights, not NaN)
  std::vector<int> pad = {0, 0, 0, 1, 1, 0, 0, 0};
  Tensor mask = from_vector(std::vector<int64_t>(pad.begin(), pad.end()), {2, 4});
  for (bool causal : {false, true}) {
    CAPTURE(causal);
    Tensor y = scaled_dot_product_attention(q, k, v, causal, mask);
    CHECK(candor::testing::all_close("sdpa padded", y, from_vector(reference_attention(q, k, v, causal, pad), y.shape()),
                                     1e-12, 1e-12));
    for (double e : y.to_vector<double>()) CHECK(std::isfinite(e));
  }
}

TEST_CASE("attention: masked keys do not influence the output") {
  Tensor q = random_input({1, 2, 5, 4}, 4), k = random_input({1, 2, 5, 4}, 5), v = random_input({1, 2, 5, 4}, 6);
  Tensor mask = from_vector(std::vector<int64_t>{0, 0, 1, 0, 0}, {1, 5});
  Tensor y = scaled_dot_product_attention(q, k, v, true, mask);
  // change key and value 2 (padding) and key/value 4 (future for queries 0..3)
  std::vector<double> kk = k.to_vector<double>(), vv = v.to_vector<double>();
  for (int64_t h = 0; h < 2; ++h)
    for (int64_t d = 0; d < 4; ++d)
      for (int64_t j : {2, 4}) {
        kk[(h * 5 + j) * 4 + d] += 3.0;
        vv[(h * 5 + j) * 4 + d] -= 2.0;
      }
  Tensor y2 = scaled_dot_product_attention(q, from_vector(kk, k.shape()), from_vector(vv, v.shape()), true, mask);
  auto a = y.to_vector<double>(), b = y2.to_vector<double>();
  for (int64_t h = 0; h < 2; ++h)
    for (int64_t i = 0; i < 5; ++i)
      for (int64_t d = 0; d < 4; ++d) {
        size_t at = static_cast<size_t>((h * 5 + i) * 4 + d);
        if (i < 4) {
          CHECK(a[at] == b[at]);
        } else {
          CHECK(a[at] != b[at]);  // query 4 sees key 4
        }
      }
}

TEST_CASE("attention: gradcheck and gradgradcheck in float64") {
  Tensor q = random_input({2, 2, 3, 2}, 7), k = random_input({2, 2, 3, 2}, 8), v = random_input({2, 2, 3, 2}, 9);
  for (bool causal : {false, true}) {
    CAPTURE(causal);
    check_first_and_second_order(causal ? "sdpa causal" : "sdpa", [causal](const std::vector<Tensor>& x) {
      return scaled_dot_product_attention(x[0], x[1], x[2], causal);
    }, {q, k, v});
  }
  Tensor mask = from_vector(std::vector<int64_t>{0, 0, 1, 1, 0, 0}, {2, 3});
  for (bool causal : {false, true}) {
    CAPTURE(causal);
    check_first_and_second_order(causal ? "sdpa causal padded" : "sdpa padded", [causal, mask](const std::vector<Tensor>& x) {
      return scaled_dot_product_attention(x[0], x[1], x[2], causal, mask);
    }, {q, k, v});
  }
}

TEST_CASE("attention: MultiHeadAttention parameters, gradients and causality") {
  Generator gen(3);
  MultiHeadAttention attn(8, 2, true, 0.0, 0.0, gen);
  auto params = attn.named_parameters();
  REQUIRE(params.size() == 4);
  CHECK(params[0].first == "c_attn.weight");
  CHECK(params[0].second.shape() == Shape{8, 24});
  CHECK(params[1].first == "c_attn.bias");
  CHECK(params[2].first == "c_proj.weight");
  CHECK(params[2].second.shape() == Shape{8, 8});
  CHECK(params[3].first == "c_proj.bias");
  attn.to(kFloat64);
  // larger weights than the 0.02 init, so the softmax is far from uniform
  for (auto& [name, p] : attn.named_parameters()) {
    NoGradGuard g;
    Tensor r = random_input(p.shape(), 100 + p.numel(), -0.8, 0.8);
    std::copy_n(r.data<double>(), p.numel(), p.data<double>());
  }
  Tensor x = random_input({2, 3, 8}, 11);
  check_first_and_second_order("MultiHeadAttention", [&](const std::vector<Tensor>& in) { return attn(in[0]); }, {x});
  // gradients w.r.t. the fused projection weight as well
  Tensor w = attn.c_attn->weight;
  CHECK(candor::testing::gradcheck("MultiHeadAttention c_attn.weight", [&](const std::vector<Tensor>& in) {
    Tensor saved = attn.c_attn->weight;
    attn.c_attn->weight = in[0];
    Tensor y = attn(x);
    attn.c_attn->weight = saved;
    return y;
  }, {w.detach()}));

  // causal: changing token 2 leaves outputs 0 and 1 unchanged, and changes output 2
  Tensor y = attn(x);
  std::vector<double> xs = x.to_vector<double>();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t c = 0; c < 8; ++c) xs[(b * 3 + 2) * 8 + c] += 0.5;
  Tensor y2 = attn(from_vector(xs, x.shape()));
  auto a = y.to_vector<double>(), bb = y2.to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    if ((i / 8) % 3 < 2) {
      CHECK(a[i] == bb[i]);
    } else {
      CHECK(a[i] != bb[i]);
    }
  }
}

TEST_CASE("attention: Conv1D is x @ W + b with W [in, out]") {
  Generator gen(5);
  Conv1D conv(3, 4, gen, 0.5);
  CHECK(conv.weight.shape() == Shape{3, 4});
  CHECK(conv.bias.shape() == Shape{4});
  Tensor x = randn({2, 5, 3}, kFloat32, &gen);
  Tensor expected = matmul(x, conv.weight.detach()) + conv.bias.detach();
  CHECK(candor::testing::all_close("Conv1D", conv(x), expected, 1e-6, 1e-6));
  Tensor one = randn({3}, kFloat32, &gen);  // a single vector, as matmul takes it
  CHECK(candor::testing::all_close("Conv1D of a vector", conv(one),
                                   matmul(one, conv.weight.detach()) + conv.bias.detach(), 1e-6, 1e-6));
  // A float64 input promotes the layer's float32 product, as matmul + bias did.
  Tensor x64 = randn({2, 3}, kFloat64, &gen);
  Tensor promoted = conv(x64);
  CHECK(promoted.dtype() == kFloat64);
  CHECK(candor::testing::all_close("Conv1D promoted", promoted,
                                   matmul(x64, conv.weight.detach()) + conv.bias.detach(), 1e-12, 1e-12));
  // The bias starts the GEMM (addmm): the input's gradient to second order (the weight's and the
  // bias's are addmm's own, tested with the engine's ops).
  Conv1D conv64(3, 4, gen, 0.5);
  conv64.to(kFloat64);
  candor::testing::check_first_and_second_order(
      "Conv1D", [&](const std::vector<Tensor>& in) { return conv64(in[0]); }, {random_input({2, 5, 3}, 9)});
  check_throws<ShapeError>([&] { conv(randn({2, 6}, kFloat32, &gen)); },
                           {"Conv1D: input [2, 6] does not end in the layer's 3 inputs"});
  check_throws<ShapeError>([&] { conv(scalar(1.0)); }, {"Conv1D: input [] does not end"});
}

TEST_CASE("attention: shape errors name the shapes") {
  Tensor q = random_input({1, 2, 3, 4}, 1), k = random_input({1, 2, 5, 4}, 2);
  check_throws<ShapeError>([&] { scaled_dot_product_attention(q, k, k, true); }, {"causal", "T = 3", "S = 5"});
  check_throws<ShapeError>([&] { scaled_dot_product_attention(q, random_input({1, 2, 3}, 1), k, false); },
                           {"q [B, H, T, D]", "[1, 2, 3]"});
  check_throws<ShapeError>([&] {
    scaled_dot_product_attention(q, k, k, false, zeros({1, 3}, kInt64));
  }, {"key_padding_mask", "[1, 5]", "[1, 3]"});
  Generator gen(0);
  check_throws<ValueError>([&] { MultiHeadAttention(10, 3, true, 0, 0, gen); }, {"n_embd (10)", "n_head (3)"});
  MultiHeadAttention attn(8, 2, true, 0, 0, gen);
  check_throws<ShapeError>([&] { attn(zeros({2, 3, 7})); }, {"[B, T, 8]", "[2, 3, 7]"});
}
