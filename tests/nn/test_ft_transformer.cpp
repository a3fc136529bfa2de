// FT-Transformer: shapes and modes, the feature tokenizer against a hand computation, first-order
// gradients of the whole model in float64 (w.r.t. the input and every parameter), the parameter
// names (no attention LayerNorm in block 0), the head reading the [CLS] token, learning an
// interaction of a numeric and a categorical feature, and the errors.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops/ops.h"
#include "nn/ft_transformer.h"
#include "nn/optim.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::nn;
using candor::testing::all_close;
using candor::testing::check_throws;
using candor::testing::random_input;

namespace {

using Kind = TabularToken::Kind;

// Columns: 0 numeric "age", 1..3 categorical "colour" (3 categories), 4 numeric "income",
// 5..6 categorical "city" (2 categories). F = 7.
std::vector<TabularToken> example_tokens() {
  return {{Kind::Numeric, 0, 1, "age"},
          {Kind::Categorical, 1, 3, "colour"},
          {Kind::Numeric, 4, 1, "income"},
          {Kind::Categorical, 5, 2, "city"}};
}

FtTransformerConfig small_config() {
  FtTransformerConfig c;
  c.d_token = 8;
  c.n_blocks = 2;
  c.n_heads = 2;
  c.outputs = 3;
  return c;
}

// An encoded batch of 4 rows: standardised numerics and one-hot categoricals; row 3 has an unseen
// colour (all zeros).
Tensor example_x() {
  return from_vector(std::vector<float>{0.5f, 1, 0, 0, -1.2f, 0, 1,    //
                                        -0.3f, 0, 1, 0, 0.7f, 1, 0,    //
                                        1.1f, 0, 0, 1, 0.1f, 1, 0,     //
                                        -2.0f, 0, 0, 0, 2.3f, 0, 1},   // unseen colour
                     {4, 7});
}

std::vector<std::string> names_of(const Module& m) {
  std::vector<std::string> names;
  for (const auto& [name, t] : m.named_parameters()) names.push_back(name);
  return names;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  for (const auto& n : names) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("ft: output shapes, token names, eval determinism and seeded dropout") {
  Generator gen(1);
  FtTransformer model(example_tokens(), 7, small_config(), gen);
  Tensor x = example_x();
  model.eval();  // no dropout draws before the seeded comparison below
  CHECK(model.forward(x).shape() == Shape{4, 3});
  CHECK(model.cls_features(x).shape() == Shape{4, 8});
  CHECK(model.tokenizer->forward(x).shape() == Shape{4, 4, 8});
  CHECK(model.config().d_ffn() == 11);  // round(8 * 4/3)
  CHECK(model.token_names() == std::vector<std::string>{"age", "income", "colour", "city", "[CLS]"});

  auto a = model.forward(x).to_vector<float>();
  auto b = model.forward(x).to_vector<float>();
  CHECK(a == b);

  // Training mode: dropout (0.1 on attention weights and on the ReGLU output) changes the output
  // from call to call, and a seed fixes the masks: a second model built from the same seed gives
  // the same sequence of outputs.
  model.train();
  auto t1 = model.forward(x).to_vector<float>();
  auto t2 = model.forward(x).to_vector<float>();
  CHECK(t1 != t2);
  CHECK(t1 != a);
  Generator gen2(1);
  FtTransformer twin(example_tokens(), 7, small_config(), gen2);
  CHECK(twin.forward(x).to_vector<float>() == t1);
  CHECK(twin.forward(x).to_vector<float>() == t2);
  // No dropout at all: training mode equals eval mode.
  FtTransformerConfig plain = small_config();
  plain.attention_dropout = plain.ffn_dropout = plain.residual_dropout = 0;
  Generator gen3(2);
  FtTransformer no_drop(example_tokens(), 7, plain, gen3);
  auto tr = no_drop.forward(x).to_vector<float>();
  no_drop.eval();
  CHECK(no_drop.forward(x).to_vector<float>() == tr);
}

TEST_CASE("ft: tokenizer tokens equal x_j W_j + b_j, E_j[k] + b_j, and b_j for an unseen category") {
  Generator gen(3);
  FeatureTokenizer tok(example_tokens(), 7, 8, gen);
  tok.to(kFloat64);
  Tensor x = example_x().to(kFloat64);
  Tensor t = tok(x);
  REQUIRE(t.shape() == Shape{4, 4, 8});
  auto T = t.to_vector<double>(), X = x.to_vector<double>();
  auto W = tok.numeric_weight.to_vector<double>(), Bn = tok.numeric_bias.to_vector<double>();
  REQUIRE(tok.numeric_weight.shape() == Shape{2, 8});
  REQUIRE(tok.categorical.size() == 2);
  auto E0 = tok.categorical[0]->weight.to_vector<double>(), b0 = tok.categorical[0]->bias.to_vector<double>();
  auto E1 = tok.categorical[1]->weight.to_vector<double>(), b1 = tok.categorical[1]->bias.to_vector<double>();
  CHECK(tok.categorical[0]->weight.shape() == Shape{3, 8});
  CHECK(tok.categorical[1]->weight.shape() == Shape{2, 8});
  const int colour[4] = {0, 1, 2, -1}, city[4] = {1, 0, 0, 1};  // -1: unseen
  auto at = [&](int64_t b, int64_t n, int64_t c) { return T[static_cast<size_t>((b * 4 + n) * 8 + c)]; };
  for (int64_t b = 0; b < 4; ++b) {
    for (int64_t c = 0; c < 8; ++c) {
      CAPTURE(b);
      CAPTURE(c);
      CHECK(at(b, 0, c) == doctest::Approx(X[b * 7 + 0] * W[c] + Bn[c]).epsilon(1e-14));          // age
      CHECK(at(b, 1, c) == doctest::Approx(X[b * 7 + 4] * W[8 + c] + Bn[8 + c]).epsilon(1e-14));  // income
      double want_colour = b0[c] + (colour[b] >= 0 ? E0[colour[b] * 8 + c] : 0.0);
      CHECK(at(b, 2, c) == doctest::Approx(want_colour).epsilon(1e-14));
      CHECK(at(b, 3, c) == doctest::Approx(b1[c] + E1[city[b] * 8 + c]).epsilon(1e-14));
    }
  }
  // Initialisation: U(-1/sqrt(d), 1/sqrt(d)) for the tokenizer's weights and biases.
  const double bound = 1 / std::sqrt(8.0);
  for (const auto& entry : tok.named_parameters()) {
    const auto& name = entry.first;
    const auto& p = entry.second;
    CAPTURE(name);
    double top = 0;
    for (double v : p.to_vector<double>()) top = std::max(top, std::abs(v));
    CHECK(top <= bound);
    if (p.numel() >= 16) CHECK(top > 0.5 * bound);  // 8 draws may all fall short
  }
}

TEST_CASE("ft: parameter names; block 0 has no attention LayerNorm; PyTorch-default projections") {
  Generator gen(4);
  FtTransformer model(example_tokens(), 7, small_config(), gen);
  auto names = names_of(model);
  // A module's own parameters come before its children's (as PyTorch), so cls leads.
  std::vector<std::string> want = {
      "cls", "tokenizer.numeric_weight", "tokenizer.numeric_bias",
      "tokenizer.categorical.0.weight", "tokenizer.categorical.0.bias",
      "tokenizer.categorical.1.weight", "tokenizer.categorical.1.bias"};
  for (int b = 0; b < 2; ++b) {
    std::string p = "blocks." + std::to_string(b) + ".";
    if (b > 0) {
      want.push_back(p + "attention_norm.weight");
      want.push_back(p + "attention_norm.bias");
    }
    for (const char* s : {"attention.c_attn.weight", "attention.c_attn.bias", "attention.c_proj.weight",
                          "attention.c_proj.bias", "ffn_norm.weight", "ffn_norm.bias",
                          "ffn.linear_first.weight", "ffn.linear_first.bias", "ffn.linear_second.weight",
                          "ffn.linear_second.bias"}) {
      want.push_back(p + s);
    }
  }
  for (const char* s : {"head.norm.weight", "head.norm.bias", "head.linear.weight", "head.linear.bias"}) {
    want.push_back(s);
  }
  CHECK(names == want);
  CHECK_FALSE(contains(names, "blocks.0.attention_norm.weight"));
  CHECK(model.blocks[0]->attention_norm == nullptr);
  CHECK(model.blocks[1]->attention_norm != nullptr);

  auto shape_of = [&](const std::string& name) {
    for (const auto& [n, t] : model.named_parameters()) {
      if (n == name) return t.shape();
    }
    return Shape{};
  };
  CHECK(shape_of("cls") == Shape{8});
  CHECK(shape_of("blocks.1.attention.c_attn.weight") == Shape{8, 24});
  CHECK(shape_of("blocks.1.ffn.linear_first.weight") == Shape{22, 8});  // 2 * d_ffn = 22
  CHECK(shape_of("blocks.1.ffn.linear_second.weight") == Shape{8, 11});
  CHECK(shape_of("head.linear.weight") == Shape{3, 8});
  // The attention projections are re-drawn as nn.Linear's default, U(+-1/sqrt(d)), far wider
  // than GPT-2's N(0, 0.02^2).
  double top = 0;
  for (double v : model.blocks[0]->attention->c_attn->weight.to_vector<float>()) top = std::max(top, std::abs(v));
  CHECK(top <= 1 / std::sqrt(8.0));
  CHECK(top > 0.25);
  // "*c_attn*" reaches exactly the attention projections (what LoRA targets).
  CHECK(model.freeze("*c_attn*") == 4);
}

TEST_CASE("ft: the head reads the [CLS] token after the last block") {
  Generator gen(5);
  FtTransformer model(example_tokens(), 7, small_config(), gen);
  model.eval();
  Tensor x = example_x();
  Tensor features = model.cls_features(x);
  CHECK(all_close("forward == head_forward(cls_features)", model.forward(x), model.head_forward(features), 0, 0));

  // By hand: tokens, [CLS] appended last, every block, then the last position.
  Tensor h = concat({model.tokenizer->forward(x), expand(reshape(model.cls, {1, 1, 8}), {4, 1, 8})}, 1);
  for (auto& block : model.blocks) h = block->forward(h);
  CHECK(all_close("cls_features is the last token", features, reshape(slice(h, 1, 4, 5), {4, 8}), 0, 0));
  // And the head is LayerNorm -> ReLU -> Linear.
  Tensor z = relu(layer_norm(features, {8}, model.head->norm->weight, model.head->norm->bias));
  CHECK(all_close("head", model.head_forward(features), linear(z, model.head->linear->weight, model.head->linear->bias),
                  1e-6, 1e-6));

  // The blocks by hand (eval: no dropout). FFN: ReGLU gates the second half of linear_first's
  // output through relu and multiplies the first half by it.
  Tensor t = random_input({4, 5, 8}, 30).to(kFloat32);
  auto& ffn = *model.blocks[0]->ffn;
  Tensor u = linear(t, ffn.linear_first->weight, ffn.linear_first->bias);  // [4, 5, 22]
  Tensor reglu = slice(u, -1, 0, 11) * relu(slice(u, -1, 11, 22));         // [4, 5, 11]
  CHECK(all_close("ffn", ffn(t), linear(reglu, ffn.linear_second->weight, ffn.linear_second->bias), 1e-6, 1e-5));
  // Block 0 attends over its input itself; block 1 over LayerNorm(input).
  for (int b = 0; b < 2; ++b) {
    auto& block = *model.blocks[static_cast<size_t>(b)];
    Tensor a = b == 0 ? t : layer_norm(t, {8}, block.attention_norm->weight, block.attention_norm->bias);
    Tensor mid = t + block.attention->forward(a);
    Tensor want = mid + block.ffn->forward(layer_norm(mid, {8}, block.ffn_norm->weight, block.ffn_norm->bias));
    CHECK(all_close("block " + std::to_string(b), block.forward(t), want, 1e-6, 1e-5));
  }
}

TEST_CASE("ft: gradients in float64 w.r.t. the input and every parameter") {
  Generator gen(6);
  FtTransformer model(example_tokens(), 7, small_config(), gen);
  model.eval();
  model.to(kFloat64);
  Tensor x = random_input({3, 7}, 21);

  CHECK(testing::gradcheck("FtTransformer w.r.t. x", [&](const std::vector<Tensor>& in) { return model(in[0]); }, {x}));
  CHECK(testing::gradcheck("FtTransformer cls_features w.r.t. x",
                           [&](const std::vector<Tensor>& in) { return model.cls_features(in[0]); }, {x}));
  // The tokenizer's own parameters and [CLS], through gradcheck (forward reads the members).
  CHECK(testing::gradcheck("FtTransformer w.r.t. tokenizer and cls", [&](const std::vector<Tensor>& in) {
    Tensor w = model.tokenizer->numeric_weight, b = model.tokenizer->numeric_bias;
    Tensor e = model.tokenizer->categorical[0]->weight, c = model.cls;
    model.tokenizer->numeric_weight = in[0];
    model.tokenizer->numeric_bias = in[1];
    model.tokenizer->categorical[0]->weight = in[2];
    model.cls = in[3];
    Tensor y = model(x);
    model.tokenizer->numeric_weight = w;
    model.tokenizer->numeric_bias = b;
    model.tokenizer->categorical[0]->weight = e;
    model.cls = c;
    return y;
  }, {model.tokenizer->numeric_weight.detach(), model.tokenizer->numeric_bias.detach(),
      model.tokenizer->categorical[0]->weight.detach(), model.cls.detach()}));

  // Every parameter: backward's gradient of L = sum(forward(x) * w) against central differences,
  // perturbing each element of each parameter in place.
  Tensor weights = random_input({3, 3}, 22);
  model.zero_grad();
  (model(x) * weights).sum().backward();
  auto loss_value = [&] {
    NoGradGuard guard;
    return (model(x) * weights).sum().item<double>();
  };
  const double h = 1e-6;
  int64_t checked = 0, bad = 0;
  for (auto& entry : model.named_parameters()) {
    auto& name = entry.first;
    auto& p = entry.second;
    REQUIRE_MESSAGE(p.grad().defined(), name);
    auto g = p.grad().to_vector<double>();
    double* data = p.data<double>();
    for (int64_t i = 0; i < p.numel(); ++i) {
      const double saved = data[i];
      data[i] = saved + h;
      const double up = loss_value();
      data[i] = saved - h;
      const double down = loss_value();
      data[i] = saved;
      const double fd = (up - down) / (2 * h);
      ++checked;
      if (std::abs(fd - g[static_cast<size_t>(i)]) > 1e-6 + 1e-4 * std::abs(fd)) {
        ++bad;
        if (bad <= 5) FAIL_CHECK(name << "[" << i << "]: backward " << g[static_cast<size_t>(i)] << ", finite differences " << fd);
      }
    }
  }
  CHECK(bad == 0);
  CHECK(checked > 1000);
}

TEST_CASE("ft: learns an interaction of a numeric and a categorical feature") {
  // Columns: 0 numeric u, 1..3 one-hot category c, 4 numeric noise z. The label is
  // [u > 0] for c in {0, 2} and [u < 0] for c = 1: neither feature alone predicts it (each has
  // accuracy about 1/2), only their interaction does.
  Generator gen(7);
  const int64_t n = 256;
  auto u = randn({n}, kFloat64, &gen).to_vector<double>();
  auto z = randn({n}, kFloat64, &gen).to_vector<double>();
  auto c = randint(0, 3, {n}, &gen).to_vector<int64_t>();
  std::vector<float> xs(static_cast<size_t>(n * 5), 0.0f), ys(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double ui = u[i] + (u[i] >= 0 ? 0.2 : -0.2);  // a margin around the boundary
    bool positive = (ui > 0) != (c[i] == 1);
    xs[i * 5 + 0] = static_cast<float>(ui);
    xs[i * 5 + 1 + c[i]] = 1.0f;
    xs[i * 5 + 4] = static_cast<float>(z[i]);
    ys[i] = positive ? 1.0f : 0.0f;
  }
  Tensor x = from_vector(xs, {n, 5}), y = from_vector(ys, {n, 1});
  std::vector<TabularToken> tokens = {{Kind::Numeric, 0, 1, "u"}, {Kind::Categorical, 1, 3, "c"},
                                      {Kind::Numeric, 4, 1, "z"}};
  FtTransformerConfig config;
  config.d_token = 16;
  config.n_heads = 2;
  config.n_blocks = 2;
  FtTransformer model(tokens, 5, config, gen);
  AdamW opt(model.parameters(), AdamWOptions{.lr = 3e-3, .weight_decay = 1e-4});
  std::vector<double> losses;
  for (int step = 0; step < 300; ++step) {
    opt.zero_grad();
    Tensor loss = binary_cross_entropy_with_logits(model(x), y);
    loss.backward();
    opt.step();
    losses.push_back(loss.item<double>());
  }
  auto mean_of = [&](size_t from, size_t to) {
    double s = 0;
    for (size_t i = from; i < to; ++i) s += losses[i];
    return s / static_cast<double>(to - from);
  };
  INFO("loss first 10 " << mean_of(0, 10) << ", steps 100-110 " << mean_of(100, 110) << ", last 10 "
                        << mean_of(290, 300));
  CHECK(losses[0] > 0.6);  // about log 2 at the start
  CHECK(mean_of(100, 110) < mean_of(0, 10));
  CHECK(mean_of(290, 300) < mean_of(100, 110));
  CHECK(mean_of(290, 300) < 0.3);
  model.eval();
  auto logits = model(x).to_vector<float>();
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) correct += (logits[i] > 0) == (ys[i] > 0.5f);
  const double accuracy = static_cast<double>(correct) / static_cast<double>(n);
  INFO("training accuracy " << accuracy);
  CHECK(accuracy >= 0.9);
}

TEST_CASE("ft: errors name the field, the token and the shapes") {
  Generator gen(8);
  auto build = [&](std::vector<TabularToken> tokens, int64_t F, FtTransformerConfig c = small_config()) {
    FtTransformer m(std::move(tokens), F, c, gen);
  };
  check_throws<ValueError>([&] { build({}, 7); }, {"token list is empty"});
  check_throws<ValueError>([&] { build({{Kind::Categorical, 0, 0, "colour"}}, 7); },
                           {"categorical token 0 \"colour\"", "count 0"});
  check_throws<ValueError>([&] { build({{Kind::Numeric, 0, 1, "age"}, {Kind::Numeric, 1, 2, "income"}}, 7); },
                           {"numeric token 1 \"income\"", "count 2", "one column"});
  check_throws<ValueError>([&] { build({{Kind::Numeric, 0, 1, "age"}, {Kind::Categorical, 5, 3, "city"}}, 7); },
                           {"categorical token 1 \"city\"", "[5, 8)", "[0, 7)"});
  check_throws<ValueError>([&] { build({{Kind::Numeric, -1, 1, "age"}}, 7); }, {"\"age\"", "[-1, 0)"});
  check_throws<ValueError>(
      [&] { build({{Kind::Categorical, 0, 3, "colour"}, {Kind::Numeric, 4, 1, "x"}, {Kind::Numeric, 2, 1, "age"}}, 7); },
      {"categorical token 0 \"colour\"", "numeric token 2 \"age\"", "share column 2"});
  check_throws<ValueError>([&] { build({{Kind::Numeric, 0, 1, "age"}}, 0); }, {"num_columns", "0"});

  auto with = [](auto set) {
    FtTransformerConfig c = small_config();
    set(c);
    return c;
  };
  check_throws<ValueError>([&] { build(example_tokens(), 7, with([](auto& c) { c.n_heads = 3; })); },
                           {"d_token (8)", "n_heads (3)"});
  check_throws<ValueError>([&] { build(example_tokens(), 7, with([](auto& c) { c.d_token = 0; })); }, {"d_token", "positive"});
  check_throws<ValueError>([&] { build(example_tokens(), 7, with([](auto& c) { c.n_blocks = 0; })); }, {"n_blocks"});
  check_throws<ValueError>([&] { build(example_tokens(), 7, with([](auto& c) { c.outputs = -1; })); }, {"outputs", "-1"});
  check_throws<ValueError>([&] { build(example_tokens(), 7, with([](auto& c) { c.ffn_factor = 0.01; })); },
                           {"ffn_factor", "d_ffn"});
  check_throws<ValueError>([&] { build(example_tokens(), 7, with([](auto& c) { c.attention_dropout = 1.0; })); },
                           {"attention_dropout", "[0, 1)"});
  check_throws<ValueError>([&] { build(example_tokens(), 7, with([](auto& c) { c.ffn_dropout = -0.1; })); }, {"ffn_dropout"});
  check_throws<ValueError>([&] { build(example_tokens(), 7, with([](auto& c) { c.residual_dropout = 2; })); },
                           {"residual_dropout"});

  FtTransformer model(example_tokens(), 7, small_config(), gen);
  check_throws<ShapeError>([&] { model(zeros({4, 6})); }, {"FtTransformer", "[B, 7]", "[4, 6]"});
  check_throws<ShapeError>([&] { model(zeros({7})); }, {"[B, 7]", "[7]"});
  check_throws<ShapeError>([&] { model.head_forward(zeros({4, 7})); }, {"head_forward", "d_token = 8", "[4, 7]"});
  check_throws<DTypeError>([&] { model(zeros({2, 7}, kInt64)); }, {"floating point"});
}
