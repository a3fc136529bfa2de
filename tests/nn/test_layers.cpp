// Layers: Linear against x W^T + b and gradcheck, initialisation statistics and seeding,
// Embedding, LayerNorm, Dropout, activations and make_mlp.
#include <algorithm>
#include <cmath>
#include <memory>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "nn/init.h"
#include "nn/layers.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::nn;

namespace {

struct Stats {
  double mean = 0, var = 0, max_abs = 0;
};
Stats stats_of(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  Stats s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) {
    s.var += (x - s.mean) * (x - s.mean);
    s.max_abs = std::max(s.max_abs, std::abs(x));
  }
  s.var /= static_cast<double>(v.size());
  return s;
}

// Values of U(-bound, bound): all inside, some near the edge, mean ~0, variance ~bound^2 / 3.
void check_uniform(const Tensor& t, double bound) {
  Stats s = stats_of(t);
  INFO("bound " << bound << " max |x| " << s.max_abs << " mean " << s.mean << " var " << s.var);
  CHECK(s.max_abs <= bound);
  CHECK(s.max_abs > 0.95 * bound);
  double sd = bound / std::sqrt(3.0);
  CHECK(std::abs(s.mean) < 5 * sd / std::sqrt(static_cast<double>(t.numel())));
  CHECK(s.var == doctest::Approx(bound * bound / 3).epsilon(0.05));
}

}  // namespace

TEST_CASE("Linear: forward is x W^T + b, float64 after conversion, and passes gradcheck") {
  Generator gen(0);
  Linear lin(4, 3, gen);
  lin.to(kFloat64);
  Tensor x = testing::random_input({5, 4}, 11);
  Tensor y = lin(x);
  REQUIRE(y.shape() == Shape{5, 3});
  std::vector<double> w = lin.weight.to_vector<double>(), b = lin.bias.to_vector<double>();
  std::vector<double> xv = x.to_vector<double>(), yv = y.to_vector<double>();
  for (int64_t i = 0; i < 5; ++i) {
    for (int64_t o = 0; o < 3; ++o) {
      double expected = b[o];
      for (int64_t k = 0; k < 4; ++k) expected += xv[i * 4 + k] * w[o * 4 + k];  // W is [out, in]
      CHECK(yv[i * 3 + o] == doctest::Approx(expected).epsilon(1e-12));
    }
  }
  // Gradients with respect to the input, the weight and the bias: forward reads the members.
  Linear probe(4, 3, gen);
  CHECK(testing::gradcheck("Linear", [&](const std::vector<Tensor>& in) {
    probe.weight = in[1];
    probe.bias = in[2];
    return probe(in[0]);
  }, {x, lin.weight.detach(), lin.bias.detach()}));
  // Without a bias, and with a batch of batches.
  Linear no_bias(4, 2, gen, false);
  CHECK_FALSE(no_bias.bias.defined());
  CHECK(no_bias.named_parameters().size() == 1);
  CHECK(no_bias(zeros({2, 3, 4})).shape() == Shape{2, 3, 2});
  testing::check_throws<ValueError>([&] { Linear(0, 3, gen); }, {"Linear", "in_features", "0"});
}

TEST_CASE("Linear: initialisation bounds as PyTorch, Kaiming and Xavier") {
  Generator gen(1);
  Linear torch_default(100, 400, gen);  // fan_in 100: weight and bias U(+-0.1)
  check_uniform(torch_default.weight, 1.0 / std::sqrt(100.0));
  {
    Stats s = stats_of(torch_default.bias);
    CHECK(s.max_abs <= 0.1);
    CHECK(s.max_abs > 0.8 * 0.1);
  }
  Linear kaiming(100, 400, gen, true, Init::KaimingUniform);  // He: sqrt(6 / fan_in)
  check_uniform(kaiming.weight, std::sqrt(6.0 / 100));
  CHECK(stats_of(kaiming.bias).max_abs == 0);
  Linear xavier(100, 400, gen, true, Init::XavierUniform);  // sqrt(6 / (fan_in + fan_out))
  check_uniform(xavier.weight, std::sqrt(6.0 / 500));
  CHECK(stats_of(xavier.bias).max_abs == 0);
  // The free functions, with their gain.
  Tensor t = zeros({200, 200});
  xavier_uniform_(t, 200, 200, gen, 2.0);
  check_uniform(t, 2.0 * std::sqrt(6.0 / 400));
  kaiming_uniform_(t, 50, gen, 0.0);
  check_uniform(t, std::sqrt(6.0 / 50));
  normal_(t, 1.0, 0.5, gen);
  Stats n = stats_of(t);
  CHECK(n.mean == doctest::Approx(1.0).epsilon(0.01));
  CHECK(std::sqrt(n.var) == doctest::Approx(0.5).epsilon(0.02));
  testing::check_throws<ValueError>([&] { kaiming_uniform_(t, 0, gen); }, {"kaiming_uniform_", "fan_in"});
}

TEST_CASE("Linear: the same seed gives the same weights, another seed others") {
  Generator g1(42), g2(42), g3(43);
  Linear a(8, 5, g1), b(8, 5, g2), c(8, 5, g3);
  CHECK(a.weight.to_vector<float>() == b.weight.to_vector<float>());
  CHECK(a.bias.to_vector<float>() == b.bias.to_vector<float>());
  CHECK(a.weight.to_vector<float>() != c.weight.to_vector<float>());
  // Successive layers from one generator differ from each other.
  Linear d(8, 5, g1);
  CHECK(a.weight.to_vector<float>() != d.weight.to_vector<float>());
  Generator g4(9), g5(9);
  auto m1 = make_mlp(6, 1, {}, g4);
  auto m2 = make_mlp(6, 1, {}, g5);
  for (size_t i = 0; i < m1->named_parameters().size(); ++i) {
    CHECK(m1->named_parameters()[i].second.to_vector<float>() == m2->named_parameters()[i].second.to_vector<float>());
  }
}

TEST_CASE("Embedding: rows by id, N(0, 1) init, gradient to the rows used") {
  Generator gen(2);
  Embedding emb(100, 50, gen);
  CHECK(emb.weight.shape() == Shape{100, 50});
  Stats s = stats_of(emb.weight);
  CHECK(std::abs(s.mean) < 5.0 / std::sqrt(5000.0));
  CHECK(s.var == doctest::Approx(1.0).epsilon(0.06));
  Tensor ids = from_vector(std::vector<int64_t>{3, 7, 3}, {3});
  Tensor y = emb(ids);
  CHECK(y.shape() == Shape{3, 50});
  std::vector<float> w = emb.weight.to_vector<float>(), yv = y.to_vector<float>();
  CHECK(std::equal(yv.begin() + 50, yv.begin() + 100, w.begin() + 7 * 50));
  y.sum().backward();
  std::vector<float> g = emb.weight.grad().to_vector<float>();
  CHECK(g[3 * 50] == 2);
  CHECK(g[7 * 50] == 1);
  CHECK(g[0] == 0);
}

TEST_CASE("LayerNorm: ones and zeros, normalises the trailing dimensions") {
  LayerNorm ln({4});
  CHECK(ln.weight.to_vector<float>() == std::vector<float>(4, 1));
  CHECK(ln.bias.to_vector<float>() == std::vector<float>(4, 0));
  Tensor x = from_vector(std::vector<float>{1, 2, 3, 4, -2, 0, 2, 4}, {2, 4});
  std::vector<float> y = ln(x).to_vector<float>();
  // Row one: mean 2.5, population variance 1.25.
  CHECK(y[0] == doctest::Approx((1 - 2.5) / std::sqrt(1.25 + 1e-5)));
  CHECK(y[3] == doctest::Approx((4 - 2.5) / std::sqrt(1.25 + 1e-5)));
  LayerNorm plain({4}, 1e-5, false);
  CHECK(plain.named_parameters().empty());
  CHECK(plain(x).to_vector<float>() == y);
}

TEST_CASE("Dropout: masks and rescales while training, the identity in eval mode") {
  Generator gen(3);
  Dropout drop(0.25, gen);
  Tensor x = ones({4000});
  std::vector<float> y = drop(x).to_vector<float>();
  size_t zeros_seen = 0;
  for (float v : y) {
    CHECK((v == 0.0f || v == doctest::Approx(1 / 0.75)));
    zeros_seen += v == 0.0f;
  }
  // Binomial(4000, 0.25): mean 1000, sd ~27.
  CHECK(zeros_seen > 850);
  CHECK(zeros_seen < 1150);
  CHECK(drop(x).to_vector<float>() != y);  // a fresh mask each call
  drop.eval();
  CHECK(drop(x).to_vector<float>() == x.to_vector<float>());
  // Same seed, same masks.
  Generator ga(5), gb(5);
  Dropout da(0.5, ga), db(0.5, gb);
  CHECK(da(x).to_vector<float>() == db(x).to_vector<float>());
  testing::check_throws<ValueError>([&] { Dropout(1.5, gen); }, {"Dropout", "1.5"});
}

TEST_CASE("activations apply their engine op") {
  Tensor x = from_vector(std::vector<float>{-2, -0.5, 0, 0.5, 2}, {5});
  CHECK(ReLU()(x).to_vector<float>() == relu(x).to_vector<float>());
  CHECK(Tanh()(x).to_vector<float>() == tanh(x).to_vector<float>());
  CHECK(Sigmoid()(x).to_vector<float>() == sigmoid(x).to_vector<float>());
  CHECK(GELU()(x).to_vector<float>() == gelu(x).to_vector<float>());
  CHECK(GELU("tanh")(x).to_vector<float>() == gelu(x, "tanh").to_vector<float>());
  CHECK(ReLU()(x).to_vector<float>()[0] == 0);
  testing::check_throws<ValueError>([&] { GELU("fast"); }, {"GELU", "\"fast\""});
}

TEST_CASE("make_mlp: shapes, PyTorch Sequential names, activations and dropout") {
  Generator gen(6);
  auto mlp = make_mlp(10, 1, {.hidden = {8, 4}}, gen);
  std::vector<std::pair<std::string, Shape>> expected = {
      {"0.weight", {8, 10}}, {"0.bias", {8}}, {"2.weight", {4, 8}}, {"2.bias", {4}},
      {"4.weight", {1, 4}}, {"4.bias", {1}}};
  auto named = mlp->named_parameters();
  REQUIRE(named.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(named[i].first == expected[i].first);
    CHECK(named[i].second.shape() == expected[i].second);
  }
  CHECK(mlp->size() == 5);
  CHECK(std::dynamic_pointer_cast<ReLU>((*mlp)[1]));
  CHECK((*mlp)(zeros({7, 10})).shape() == Shape{7, 1});

  auto gelu_mlp = make_mlp(3, 2, {.hidden = {5}, .activation = "gelu", .dropout = 0.5}, gen);
  CHECK(gelu_mlp->size() == 4);  // Linear, GELU, Dropout, Linear
  CHECK(std::dynamic_pointer_cast<GELU>((*gelu_mlp)[1]));
  CHECK(std::dynamic_pointer_cast<Dropout>((*gelu_mlp)[2]));
  std::vector<std::string> names;
  for (const auto& [name, t] : gelu_mlp->named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias"});
  // eval() reaches the dropout inside: the output is deterministic.
  Tensor x = ones({4, 3});
  gelu_mlp->eval();
  CHECK((*gelu_mlp)(x).to_vector<float>() == (*gelu_mlp)(x).to_vector<float>());
  auto tanh_mlp = make_mlp(3, 2, {.hidden = {}, .activation = "tanh"}, gen);  // a single Linear
  CHECK(tanh_mlp->size() == 1);

  testing::check_throws<ValueError>([&] { make_mlp(3, 1, {.activation = "swish"}, gen); },
                                    {"make_mlp", "\"swish\"", "relu, gelu, tanh"});
  testing::check_throws<ValueError>([&] { make_mlp(3, 1, {.hidden = {4, 0}}, gen); }, {"make_mlp", "4,0"});
  testing::check_throws<ValueError>([&] { make_mlp(3, 1, {.dropout = 1.0}, gen); }, {"make_mlp", "dropout"});
}
