// GPT-2 against PyTorch: tests/nn/fixtures/gpt2/make_gpt2_fixture.py wrote a tiny random GPT-2 in
// the Hugging Face layout (F32 with the "transformer." prefix and attn.bias buffers; F16 without
// the prefix, with attn.masked_bias too) and its logits, loss and gradients computed by PyTorch in
// float64. Here: the loader, the logits, loss and gradients, causality, every load error, and
// generation.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops/ops.h"
#include "nn/gpt2.h"
#include "nn/safetensors.h"
#include "tests/support/checks.h"
#include "tests/support/temp_dir.h"

using namespace candor;
using namespace candor::nn;
using candor::testing::all_close;
using candor::testing::check_throws;
using candor::testing::TempDir;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(__FILE__).parent_path() / "fixtures" / "gpt2";

const nlohmann::json& expected() {
  static const nlohmann::json j = [] {
    std::ifstream in(kFixtures / "expected.json");
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
  }();
  return j;
}

// A nested JSON list of numbers as a float64 tensor of the given shape.
Tensor json_tensor(const nlohmann::json& j, const Shape& shape) {
  std::vector<double> values;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& x) {
    if (x.is_array()) {
      for (const auto& e : x) walk(e);
    } else {
      values.push_back(x.get<double>());
    }
  };
  walk(j);
  REQUIRE(static_cast<int64_t>(values.size()) == numel(shape));
  return from_vector(values, shape);
}

std::vector<int64_t> prompt(size_t i) { return expected()["prompts"][i].get<std::vector<int64_t>>(); }

Tensor ids_tensor(const std::vector<int64_t>& ids) {
  return from_vector(ids, {1, static_cast<int64_t>(ids.size())});
}

// logits [1, T, V] -> [T, V] float64
Tensor logits_of(Gpt2Model& model, const std::vector<int64_t>& ids) {
  Tensor l = model.forward(ids_tensor(ids));
  return reshape(l, {l.size(1), l.size(2)}).detach().to(kFloat64);
}

// A copy of the fixture's config.json and the given tensors as model.safetensors, in a temp dir.
void write_checkpoint(const fs::path& dir, const std::map<std::string, Tensor>& tensors,
                      StoredType stored = StoredType::Same) {
  fs::copy_file(kFixtures / "config.json", dir / "config.json", fs::copy_options::overwrite_existing);
  save_safetensors((dir / "model.safetensors").string(), tensors, {}, stored);
}

std::map<std::string, Tensor> fixture_tensors() {
  return load_safetensors((kFixtures / "model.safetensors").string()).tensors;
}

void write_config(const fs::path& dir, const std::string& text) {
  std::ofstream(dir / "config.json") << text;
}

}  // namespace

TEST_CASE("gpt2: parameter names and shapes are Hugging Face's") {
  Gpt2Config c;
  c.vocab_size = 11;
  c.n_positions = 6;
  c.n_embd = 8;
  c.n_head = 2;
  c.n_layer = 2;
  Generator gen(0);
  Gpt2Model model(c, gen);
  std::vector<std::string> names;
  std::map<std::string, Shape> shapes;
  for (auto& [n, t] : model.named_parameters()) {
    names.push_back(n);
    shapes[n] = t.shape();
  }
  std::vector<std::string> want = {"transformer.wte.weight", "transformer.wpe.weight"};
  for (int i = 0; i < 2; ++i) {
    for (const char* s : {"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
                          "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                          "mlp.c_proj.weight", "mlp.c_proj.bias"}) {
      want.push_back(fmt::format("transformer.h.{}.{}", i, s));
    }
  }
  want.push_back("transformer.ln_f.weight");
  want.push_back("transformer.ln_f.bias");
  CHECK(names == want);  // no lm_head: it is wte
  CHECK(shapes["transformer.wte.weight"] == Shape{11, 8});
  CHECK(shapes["transformer.wpe.weight"] == Shape{6, 8});
  CHECK(shapes["transformer.h.1.attn.c_attn.weight"] == Shape{8, 24});
  CHECK(shapes["transformer.h.1.mlp.c_fc.weight"] == Shape{8, 32});
  CHECK(shapes["transformer.h.1.mlp.c_proj.weight"] == Shape{32, 8});
  Tensor logits = model(from_vector(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {2, 3}));
  CHECK(logits.shape() == Shape{2, 3, 11});
}

TEST_CASE("gpt2: logits match PyTorch for the F32 prefixed checkpoint") {
  auto model = from_pretrained(kFixtures.string());
  CHECK_FALSE(model->is_training());
  CHECK(model->config().n_embd == 32);
  CHECK(model->config().n_layer == 2);
  for (size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    const auto ids = prompt(i);
    Tensor want = json_tensor(expected()["logits"][i], {static_cast<int64_t>(ids.size()), 96});
    CHECK(all_close(fmt::format("logits of prompt {}", i), logits_of(*model, ids), want, 1e-5, 1e-4));
  }
  // a batch gives each row the logits it has alone
  std::vector<int64_t> a = prompt(0), b = prompt(2);
  b.resize(a.size());
  std::vector<int64_t> both = a;
  both.insert(both.end(), b.begin(), b.end());
  Tensor batch = model->forward(from_vector(both, {2, static_cast<int64_t>(a.size())})).to(kFloat64);
  CHECK(all_close("batch row 0", slice(batch, 0, 0, 1).reshape({-1, 96}), logits_of(*model, a), 1e-5, 1e-4));
  CHECK(all_close("batch row 1", slice(batch, 0, 1, 2).reshape({-1, 96}), logits_of(*model, b), 1e-5, 1e-4));
}

TEST_CASE("gpt2: the F16 checkpoint without the prefix loads and matches PyTorch") {
  auto model = from_pretrained((kFixtures / "f16").string());
  const auto ids = prompt(0);
  Tensor want = json_tensor(expected()["f16_logits_prompt0"], {static_cast<int64_t>(ids.size()), 96});
  CHECK(all_close("f16 logits", logits_of(*model, ids), want, 1e-5, 1e-4));
  // and differ from the F32 model's (so the F16 file was really read)
  Tensor f32 = json_tensor(expected()["logits"][0], want.shape());
  double largest = 0;
  auto x = f32.to_vector<double>(), y = want.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) largest = std::max(largest, std::abs(x[i] - y[i]));
  CHECK(largest > 1e-3);
}

TEST_CASE("gpt2: loss and gradients match PyTorch") {
  auto model = from_pretrained(kFixtures.string());
  const auto ids = prompt(expected()["loss_prompt"].get<size_t>());
  const auto T = static_cast<int64_t>(ids.size());
  std::vector<int64_t> targets(ids.begin() + 1, ids.end());
  for (DType dtype : {kFloat32, kFloat64}) {
    CAPTURE(dtype_name(dtype));
    model->to(dtype);
    model->zero_grad();
    Tensor logits = reshape(model->forward(ids_tensor(ids)), {T, 96});
    Tensor loss = cross_entropy(slice(logits, 0, 0, T - 1), from_vector(targets, {T - 1}));
    const double want_loss = expected()["loss"].get<double>();
    CHECK(loss.item() == doctest::Approx(want_loss).epsilon(dtype == kFloat64 ? 1e-12 : 1e-5));
    loss.backward();
    std::map<std::string, Tensor> params;
    for (auto& [n, p] : model->named_parameters()) params[n] = p;
    for (const auto& entry : expected()["grads"].items()) {
      const auto& name = entry.key();
      const auto& g = entry.value();
      CAPTURE(name);
      REQUIRE(params.count(name));
      Tensor grad = params[name].grad();
      REQUIRE(grad.defined());
      Tensor want = json_tensor(g, grad.shape());
      if (dtype == kFloat64) {
        CHECK(all_close(name, grad, want, 1e-8, 1e-7));  // the fixture keeps 9 digits
      } else {
        CHECK(all_close(name, grad.to(kFloat64), want, 1e-5, 1e-4));
      }
    }
  }
}

TEST_CASE("gpt2: changing a future token leaves earlier logits unchanged") {
  auto model = from_pretrained(kFixtures.string());
  std::vector<int64_t> ids = prompt(2);
  Tensor before = logits_of(*model, ids);
  ids[6] = (ids[6] + 17) % 96;
  Tensor after = logits_of(*model, ids);
  auto a = before.to_vector<double>(), b = after.to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    if (i / 96 < 6) {
      REQUIRE(a[i] == b[i]);
    }
  }
  CHECK_FALSE(std::equal(a.begin() + 6 * 96, a.end(), b.begin() + 6 * 96));
}

TEST_CASE("gpt2: the loader accepts BF16, a tied lm_head and both naming styles") {
  std::map<std::string, Tensor> tensors = fixture_tensors();
  SUBCASE("BF16") {
    TempDir dir;
    write_checkpoint(dir.root(), tensors, StoredType::BF16);
    auto model = from_pretrained(dir.root().string());
    auto stored = load_safetensors((dir.root() / "model.safetensors").string());
    CHECK(stored.stored_dtype.at("transformer.wte.weight") == "BF16");
    auto state = model->state_dict();
    CHECK(all_close("bf16 wte", state.at("transformer.wte.weight"), stored.tensors.at("transformer.wte.weight"), 0, 0));
  }
  SUBCASE("lm_head equal to wte, mixed prefixes") {
    TempDir dir;
    tensors["lm_head.weight"] = tensors.at("transformer.wte.weight").clone();
    Tensor ln = tensors.at("transformer.ln_f.bias");
    tensors.erase("transformer.ln_f.bias");
    tensors["ln_f.bias"] = ln;
    write_checkpoint(dir.root(), tensors);
    auto model = from_pretrained(dir.root().string());
    const auto ids = prompt(0);
    Tensor want = json_tensor(expected()["logits"][0], {static_cast<int64_t>(ids.size()), 96});
    CHECK(all_close("logits with lm_head", logits_of(*model, ids), want, 1e-5, 1e-4));
  }
}

TEST_CASE("gpt2: every load error names the tensor") {
  static_assert(std::is_base_of_v<candor::Error, CheckpointError>);
  std::map<std::string, Tensor> tensors = fixture_tensors();
  TempDir dir;
  const std::string d = dir.root().string();
  SUBCASE("missing") {
    tensors.erase("transformer.h.1.mlp.c_fc.bias");
    write_checkpoint(dir.root(), tensors);
    check_throws<CheckpointError>([&] { from_pretrained(d); }, {"missing tensor", "\"transformer.h.1.mlp.c_fc.bias\""});
  }
  SUBCASE("unexpected") {
    tensors["h.0.attn.q_proj.weight"] = zeros({32, 32});
    write_checkpoint(dir.root(), tensors);
    check_throws<CheckpointError>([&] { from_pretrained(d); }, {"unexpected tensor", "\"h.0.attn.q_proj.weight\""});
  }
  SUBCASE("wrong shape") {
    tensors["transformer.h.0.attn.c_attn.weight"] = zeros({96, 32});  // Linear's [out, in], not Conv1D's
    write_checkpoint(dir.root(), tensors);
    check_throws<CheckpointError>([&] { from_pretrained(d); },
                                  {"\"transformer.h.0.attn.c_attn.weight\"", "shape [96, 32]", "needs [32, 96]"});
  }
  SUBCASE("wrong dtype") {
    tensors["transformer.ln_f.bias"] = zeros({32}, kInt64);
    write_checkpoint(dir.root(), tensors);
    check_throws<CheckpointError>([&] { from_pretrained(d); }, {"\"transformer.ln_f.bias\"", "stored as I64"});
  }
  SUBCASE("float64 is a wrong dtype too") {
    tensors["transformer.wpe.weight"] = tensors["transformer.wpe.weight"].to(kFloat64);
    write_checkpoint(dir.root(), tensors);
    check_throws<CheckpointError>([&] { from_pretrained(d); }, {"\"transformer.wpe.weight\"", "stored as F64"});
  }
  SUBCASE("lm_head differs from wte") {
    Tensor head = tensors.at("transformer.wte.weight").clone();
    head.data<float>()[5] += 1.0f;
    tensors["lm_head.weight"] = head;
    write_checkpoint(dir.root(), tensors);
    check_throws<CheckpointError>([&] { from_pretrained(d); }, {"\"lm_head.weight\"", "differs", "tied"});
  }
  SUBCASE("a tensor under both names") {
    tensors["wte.weight"] = tensors.at("transformer.wte.weight");
    write_checkpoint(dir.root(), tensors);
    check_throws<CheckpointError>([&] { from_pretrained(d); }, {"\"transformer.wte.weight\"", "appears twice"});
  }
  SUBCASE("no weights file") {
    fs::copy_file(kFixtures / "config.json", dir.root() / "config.json");
    check_throws<CheckpointError>([&] { from_pretrained(d); }, {d, "model.safetensors"});
  }
  SUBCASE("not a directory") {
    check_throws<CheckpointError>([&] { from_pretrained(d + "/nope"); }, {"nope", "not a directory"});
  }
}

TEST_CASE("gpt2: config.json is read and validated") {
  TempDir dir;
  const std::string path = (dir.root() / "config.json").string();
  Gpt2Config c = from_config_json((kFixtures / "config.json").string());
  CHECK(c.vocab_size == 96);
  CHECK(c.n_positions == 32);
  CHECK(c.n_embd == 32);
  CHECK(c.n_head == 4);
  CHECK(c.n_layer == 2);
  CHECK(c.layer_norm_epsilon == 1e-5);
  write_config(dir.root(), R"({"n_embd": 64, "n_head": 2})");
  c = from_config_json(path);
  CHECK(c.n_embd == 64);
  CHECK(c.vocab_size == 50257);  // defaults as transformers' GPT2Config
  struct Bad {
    const char* json;
    std::vector<std::string> parts;
  };
  for (const Bad& bad : std::vector<Bad>{
           {R"({"n_embd": 30, "n_head": 4})", {"n_embd (30)", "n_head (4)"}},
           {R"({"n_layer": 0})", {"n_layer", "positive", "0"}},
           {R"({"vocab_size": -5})", {"vocab_size", "-5"}},
           {R"({"n_head": "12"})", {"\"n_head\"", "integer", "\"12\""}},
           {R"({"n_embd": 768.5})", {"\"n_embd\"", "integer"}},
           // 2^64 - 1 used to wrap to -1.
           {R"({"n_layer": 18446744073709551615})", {"\"n_layer\"", "fits 64 bits", "18446744073709551615"}},
           {R"({"layer_norm_epsilon": 0})", {"layer_norm_epsilon", "positive"}},
           {R"({"attn_pdrop": 1.5})", {"attn_pdrop", "1.5"}},
           {R"({"activation_function": "relu"})", {"activation_function", "relu"}},
           {R"({"model_type": "llama"})", {"model_type", "llama"}},
           {R"({"n_inner": 100})", {"n_inner", "100"}},
           {R"({"n_embd": 32,)", {"not valid JSON"}},
           {R"([1, 2])", {"JSON object"}},
       }) {
    CAPTURE(bad.json);
    write_config(dir.root(), bad.json);
    auto parts = bad.parts;
    parts.push_back(path);
    check_throws<CheckpointError>([&] { from_config_json(path); }, parts);
  }
  check_throws<CheckpointError>([&] { from_config_json(path + ".missing"); }, {"config.json.missing", "cannot open"});
}

TEST_CASE("gpt2: forward rejects bad ids") {
  auto model = from_pretrained(kFixtures.string());
  check_throws<ValueError>([&] { model->forward(from_vector(std::vector<int64_t>{1, 96}, {1, 2})); },
                           {"token id 96", "[0, 96)"});
  check_throws<ValueError>([&] { model->forward(zeros({1, 33}, kInt64)); }, {"33", "n_positions = 32"});
  check_throws<ValueError>([&] { model->forward(zeros({1, 3})); }, {"int64", "float32"});
}

TEST_CASE("gpt2: greedy generation is the argmax at each step") {
  auto model = from_pretrained(kFixtures.string());
  const std::vector<int64_t> start = prompt(0);
  std::vector<int64_t> out = generate(*model, start, 6);
  REQUIRE(out.size() == start.size() + 6);
  CHECK(std::equal(start.begin(), start.end(), out.begin()));
  CHECK(generate(*model, start, 6) == out);
  std::vector<int64_t> ids = start;
  for (int step = 0; step < 6; ++step) {
    Tensor l = logits_of(*model, ids);
    ids.push_back(argmax(slice(l, 0, l.size(0) - 1, l.size(0)).reshape({96}), 0).item<int64_t>());
  }
  CHECK(ids == out);
  // the context is cut to the last n_positions tokens once the sequence is longer
  std::vector<int64_t> longp(30, 7);
  CHECK(generate(*model, longp, 5).size() == 35);
  // the training flag is restored
  model->train();
  generate(*model, start, 1);
  CHECK(model->is_training());
}

TEST_CASE("gpt2: sampling is reproducible by seed") {
  auto model = from_pretrained(kFixtures.string());
  const std::vector<int64_t> start = prompt(1);
  GenerateOptions o{false, 0, 1.0, 1.5, 42};
  std::vector<int64_t> a = generate(*model, start, 12, o);
  CHECK(generate(*model, start, 12, o) == a);
  bool differs = false;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    o.seed = seed;
    differs = differs || generate(*model, start, 12, o) != a;
  }
  CHECK(differs);
  // top_k = 1 and a tiny top_p leave only the most likely token: the greedy result
  const std::vector<int64_t> greedy = generate(*model, start, 8);
  CHECK(generate(*model, start, 8, GenerateOptions{false, 1, 1.0, 2.0, 3}) == greedy);
  CHECK(generate(*model, start, 8, GenerateOptions{false, 0, 1e-9, 2.0, 3}) == greedy);
  // top_k = 3: every sampled token is among the 3 most likely at its step
  std::vector<int64_t> s = generate(*model, start, 8, GenerateOptions{false, 3, 1.0, 5.0, 9});
  for (size_t t = start.size(); t < s.size(); ++t) {
    std::vector<int64_t> ctx(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(t));
    Tensor l = logits_of(*model, ctx);
    std::vector<double> row = slice(l, 0, l.size(0) - 1, l.size(0)).to_vector<double>();
    int64_t above = 0;
    for (double v : row) above += v > row[static_cast<size_t>(s[t])];
    CHECK(above < 3);
  }
}

TEST_CASE("gpt2: generation validates its arguments") {
  auto model = from_pretrained(kFixtures.string());
  check_throws<ValueError>([&] { generate(*model, {}, 3); }, {"at least one token"});
  check_throws<ValueError>([&] { generate(*model, {1, 200}, 3); }, {"200", "[0, 96)"});
  check_throws<ValueError>([&] { generate(*model, {1}, -1); }, {"max_new_tokens", "-1"});
  check_throws<ValueError>([&] { generate(*model, {1}, 1, GenerateOptions{false, 0, 1.0, 0.0, 0}); }, {"temperature"});
  check_throws<ValueError>([&] { generate(*model, {1}, 1, GenerateOptions{false, -2, 1.0, 1.0, 0}); }, {"top_k", "-2"});
  check_throws<ValueError>([&] { generate(*model, {1}, 1, GenerateOptions{false, 0, 0.0, 1.0, 0}); }, {"top_p"});
}
