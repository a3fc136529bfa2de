// LoRA (nn/lora.h): the adapter's math and gradients, apply/merge/unmerge on a small GPT-2, that
// fine-tuning moves only the adapters, adapter-only files and their errors, and dropout.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops/ops.h"
#include "nn/attention.h"
#include "nn/gpt2.h"
#include "nn/init.h"
#include "nn/layers.h"
#include "nn/lora.h"
#include "nn/optim.h"
#include "nn/safetensors.h"
#include "tests/nn/tiny_gpt2.h"
#include "tests/support/checks.h"
#include "tests/support/temp_dir.h"

using namespace candor;
using namespace candor::nn;
using candor::testing::all_close;
using candor::testing::check_throws;
using candor::testing::TempDir;
namespace fs = std::filesystem;

namespace {

Gpt2Config small_config() { return candor::testing::tiny_gpt2_config(50, 16); }

std::shared_ptr<Gpt2Model> small_gpt2(uint64_t seed = 1) {
  Generator gen(seed);
  return std::make_shared<Gpt2Model>(small_config(), gen);
}

Tensor sample_ids() {  // [2, 8]
  Generator gen(3);
  return randint(0, 50, {2, 8}, &gen);
}

// Next-token cross-entropy of ids [B, T] under the model.
Tensor lm_loss(Gpt2Model& model, const Tensor& ids) {
  int64_t T = ids.size(1);
  Tensor logits = model(ids);                                   // [B, T, V]
  Tensor pred = reshape(slice(logits, 1, 0, T - 1), {-1, logits.size(2)});  // [B (T-1), V]
  Tensor next = reshape(slice(ids, 1, 1, T), {-1});              // [B (T-1)]
  return cross_entropy(pred, next);
}

std::vector<float> values(const Tensor& t) { return t.detach().to_vector<float>(); }

std::vector<std::shared_ptr<LoraAdapter>> adapters_of(const Module& m) {
  std::vector<std::shared_ptr<LoraAdapter>> out;
  for (const auto& [name, child] : m.named_modules()) {
    if (auto a = std::dynamic_pointer_cast<LoraAdapter>(child)) out.push_back(a);
  }
  return out;
}

// Gives every adapter a random B, so the adapters change the outputs.
void randomize_b(const Module& m, uint64_t seed, double std = 0.2) {
  Generator gen(seed);
  for (auto& a : adapters_of(m)) normal_(a->B, 0.0, std, gen);
}

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<std::string> names;
  for (const auto& [name, t] : named) names.push_back(name);
  return names;
}

const LoraOptions kAttn = [] {
  LoraOptions o;
  o.rank = 4;
  o.alpha = 8;
  o.targets = {"*c_attn", "*c_proj"};
  o.seed = 11;
  return o;
}();

}  // namespace

TEST_CASE("lora: a fresh adapter is a no-op and only the adapters stay trainable") {
  auto model = small_gpt2();
  Tensor ids = sample_ids();
  std::vector<std::string> base_names = names_of(model->named_parameters());
  for (const auto& n : base_names) CHECK(n.find("lora") == std::string::npos);
  std::vector<float> before = values((*model)(ids));

  std::vector<std::string> adapted = apply_lora(*model, kAttn);
  CHECK(adapted == std::vector<std::string>{"transformer.h.0.attn.c_attn", "transformer.h.0.attn.c_proj",
                                            "transformer.h.0.mlp.c_proj", "transformer.h.1.attn.c_attn",
                                            "transformer.h.1.attn.c_proj", "transformer.h.1.mlp.c_proj"});
  CHECK(values((*model)(ids)) == before);  // B = 0: bitwise the base model

  // The base names are unchanged; each adapted layer gains lora.A [r, in] and lora.B [out, r].
  std::vector<std::string> names = names_of(model->named_parameters());
  CHECK(names.size() == base_names.size() + 2 * adapted.size());
  auto named = model->named_parameters();
  std::map<std::string, Tensor> params(named.begin(), named.end());
  for (const auto& n : base_names) CHECK(params.count(n) == 1);
  CHECK(params.at("transformer.h.0.attn.c_attn.lora.A").shape() == Shape{4, 16});
  CHECK(params.at("transformer.h.0.attn.c_attn.lora.B").shape() == Shape{48, 4});
  CHECK(params.at("transformer.h.1.mlp.c_proj.lora.A").shape() == Shape{4, 64});
  CHECK(params.at("transformer.h.1.mlp.c_proj.lora.B").shape() == Shape{16, 4});

  // A ~ U(+-1/sqrt(in)) and not all equal; B zeros; scale alpha / r.
  for (const auto& a : adapters_of(*model)) {
    CHECK(a->scale == doctest::Approx(2.0));
    double bound = 1.0 / std::sqrt(static_cast<double>(a->in_features));
    std::vector<float> av = values(a->A);
    CHECK(*std::max_element(av.begin(), av.end()) <= bound);
    CHECK(*std::min_element(av.begin(), av.end()) >= -bound);
    CHECK(*std::max_element(av.begin(), av.end()) > *std::min_element(av.begin(), av.end()));
    for (float b : values(a->B)) CHECK(b == 0.0f);
  }
  // Trainable: exactly the adapters.
  size_t trainable = 0;
  for (const auto& entry : model->named_parameters()) {
    const auto& name = entry.first;
    const auto& t = entry.second;
    bool is_adapter = name.find(".lora.") != std::string::npos;
    CHECK_MESSAGE(t.requires_grad() == is_adapter, name);
    trainable += t.requires_grad();
  }
  CHECK(trainable == 2 * adapted.size());
  CHECK(model->parameters().size() == trainable);
  CHECK(lora_state_dict(*model).size() == trainable);
  CHECK(lora_state_dict(*model).count("transformer.h.0.attn.c_attn.lora.A") == 1);

  // The same seed draws the same adapters.
  auto twin = small_gpt2();
  apply_lora(*twin, kAttn);
  auto sa = lora_state_dict(*model), sb = lora_state_dict(*twin);
  for (const auto& [name, t] : sa) CHECK(values(t) == values(sb.at(name)));
}

TEST_CASE("lora: Linear and Conv1D with an adapter compute W0 x + (alpha/r) B A x, with exact gradients") {
  Generator gen(4);
  Linear lin(3, 5, gen);
  lin.add_lora(std::make_shared<LoraAdapter>(3, 5, 2, 3.0, 0.0, gen));
  Conv1D conv(3, 5, gen);
  conv.add_lora(std::make_shared<LoraAdapter>(3, 5, 2, 3.0, 0.0, gen));
  lin.to(kFloat64);
  conv.to(kFloat64);
  REQUIRE(lin.lora->A.dtype() == kFloat64);
  CHECK(names_of(lin.named_parameters()) == std::vector<std::string>{"weight", "bias", "lora.A", "lora.B"});
  CHECK(names_of(conv.named_parameters()) == std::vector<std::string>{"weight", "bias", "lora.A", "lora.B"});
  Generator draw(5);
  normal_(lin.lora->B, 0.0, 0.5, draw);
  normal_(conv.lora->B, 0.0, 0.5, draw);
  normal_(conv.bias, 0.0, 0.5, draw);
  Tensor x = candor::testing::random_input({2, 4, 3}, 6);  // [..., in] with two leading dims

  // The forward against the formula, written out.
  {
    NoGradGuard no_grad;
    const double s = 3.0 / 2.0;
    Tensor want_lin = matmul(x, transpose(lin.weight, 0, 1)) + lin.bias +
                      matmul(matmul(x, transpose(lin.lora->A, 0, 1)), transpose(lin.lora->B, 0, 1)) * s;
    CHECK(all_close("Linear + LoRA", lin(x), want_lin, 1e-12, 1e-12));
    Tensor want_conv = matmul(x, conv.weight) + conv.bias +
                       matmul(matmul(x, transpose(conv.lora->A, 0, 1)), transpose(conv.lora->B, 0, 1)) * s;
    CHECK(all_close("Conv1D + LoRA", conv(x), want_conv, 1e-12, 1e-12));
  }

  // Gradients w.r.t. x, A and B through the layers' own forward: the adapter's members are pointed
  // at gradcheck's leaves for the call.
  auto through = [](auto& layer) {
    return [&layer](const std::vector<Tensor>& in) {
      Tensor A = layer.lora->A, B = layer.lora->B;
      layer.lora->A = in[1];
      layer.lora->B = in[2];
      Tensor y = layer(in[0]);
      layer.lora->A = A;
      layer.lora->B = B;
      return y;
    };
  };
  CHECK(candor::testing::gradcheck("Linear + LoRA", through(lin), {x, lin.lora->A.detach(), lin.lora->B.detach()}));
  CHECK(candor::testing::gradcheck("Conv1D + LoRA", through(conv), {x, conv.lora->A.detach(), conv.lora->B.detach()}));

  // backward reaches the registered A and B (and the frozen-or-not weight as usual).
  Tensor loss = sum(lin(x) * lin(x));
  loss.backward();
  CHECK(lin.lora->A.grad().defined());
  CHECK(lin.lora->B.grad().defined());

  // add_lora's checks.
  check_throws<ValueError>([&] { lin.add_lora(std::make_shared<LoraAdapter>(3, 5, 2, 3.0, 0.0, gen)); },
                           {"Linear", "already has"});
  Linear other(3, 5, gen);
  check_throws<ValueError>([&] { other.add_lora(std::make_shared<LoraAdapter>(5, 3, 2, 3.0, 0.0, gen)); },
                           {"Linear", "5 -> 3", "3 -> 5"});
  check_throws<ValueError>([&] { other.add_lora(nullptr); }, {"null"});
  check_throws<ValueError>([&] { LoraAdapter(3, 5, 0, 1.0, 0.0, gen); }, {"rank", "0"});
}

TEST_CASE("lora: merged and unmerged outputs agree; unmerge restores the weights") {
  auto model = small_gpt2();
  apply_lora(*model, kAttn);
  randomize_b(*model, 21);
  model->eval();
  Tensor ids = sample_ids();
  Tensor base_w = model->transformer->h[0]->attn->c_attn->weight.detach().clone();
  Tensor base_proj = model->transformer->h[1]->mlp->c_proj->weight.detach().clone();
  Tensor unmerged = (*model)(ids).detach().clone();

  // The adapters change the output (so the comparison below is not vacuous).
  {
    auto plain = small_gpt2();
    plain->eval();
    std::vector<float> a = values((*plain)(ids)), b = values(unmerged);
    float most = 0;
    for (size_t i = 0; i < a.size(); ++i) most = std::max(most, std::abs(a[i] - b[i]));
    CHECK(most > 1e-2f);
  }

  Tensor handle = model->transformer->h[0]->attn->c_attn->weight;
  merge_lora(*model);
  for (const auto& a : adapters_of(*model)) CHECK(a->merged);
  CHECK(handle.is_same(model->transformer->h[0]->attn->c_attn->weight));  // merged in place
  // Conv1D's W [in, out] gained (s B A)^T.
  {
    auto& c = *model->transformer->h[0]->attn->c_attn;
    Tensor want = base_w + transpose(matmul(c.lora->B, c.lora->A), 0, 1).detach() * c.lora->scale;
    CHECK(all_close("merged c_attn.weight", c.weight, want, 1e-6, 1e-6));
  }
  CHECK(all_close("merged logits", (*model)(ids), unmerged, 1e-5, 1e-5));
  merge_lora(*model);  // already merged: nothing changes
  CHECK(all_close("merged twice", (*model)(ids), unmerged, 1e-5, 1e-5));

  unmerge_lora(*model);
  for (const auto& a : adapters_of(*model)) CHECK_FALSE(a->merged);
  CHECK(all_close("unmerged c_attn.weight", model->transformer->h[0]->attn->c_attn->weight, base_w, 1e-6, 0));
  CHECK(all_close("unmerged mlp.c_proj.weight", model->transformer->h[1]->mlp->c_proj->weight, base_proj, 1e-6, 0));
  CHECK(all_close("unmerged logits", (*model)(ids), unmerged, 1e-5, 1e-5));
  unmerge_lora(*model);  // nothing merged: a no-op
  CHECK(all_close("unmerged twice", model->transformer->h[0]->attn->c_attn->weight, base_w, 1e-6, 0));

  // Linear's W [out, in] gains s B A.
  Generator gen(2);
  Sequential net({std::make_shared<Linear>(4, 3, gen)});
  auto lin = std::dynamic_pointer_cast<Linear>(net[0]);
  LoraOptions o;
  o.rank = 2;
  o.targets = {"0"};
  CHECK(apply_lora(net, o) == std::vector<std::string>{"0"});
  randomize_b(net, 3);
  Tensor w0 = lin->weight.detach().clone();
  Tensor x = randn({5, 4}, kFloat32, &gen);
  Tensor y = net(x).detach().clone();
  merge_lora(net);
  CHECK(all_close("merged Linear.weight", lin->weight, w0 + matmul(lin->lora->B, lin->lora->A).detach() * 8.0, 1e-6, 1e-6));
  CHECK(all_close("merged Linear", net(x), y, 1e-5, 1e-5));

  // A model without adapters: merge and unmerge do nothing.
  auto plain = small_gpt2();
  std::vector<float> w = values(plain->transformer->h[0]->attn->c_attn->weight);
  merge_lora(*plain);
  unmerge_lora(*plain);
  CHECK(values(plain->transformer->h[0]->attn->c_attn->weight) == w);
}

TEST_CASE("lora: fine-tuning moves only the adapters (and also_train)") {
  auto model = small_gpt2();
  LoraOptions o = kAttn;
  o.also_train = {"transformer.ln_f.*"};
  apply_lora(*model, o);
  std::map<std::string, std::vector<float>> before;
  std::vector<Tensor> all;
  for (const auto& [name, t] : model->named_parameters()) {
    before[name] = values(t);
    all.push_back(t);
  }
  CHECK(model->parameters().size() == 2 * 6 + 2);
  // Every parameter goes to the optimizer (weight decay on): frozen ones must still not move.
  AdamW opt(all, AdamWOptions{.lr = 1e-2});
  Tensor ids = sample_ids();
  double first = 0, last = 0;
  for (int step = 0; step < 5; ++step) {
    opt.zero_grad();
    Tensor loss = lm_loss(*model, ids);
    (step == 0 ? first : last) = loss.item<double>();
    loss.backward();
    opt.step();
  }
  CHECK(last < first);
  size_t changed_b = 0;
  for (const auto& entry : model->named_parameters()) {
    const auto& name = entry.first;
    const auto& t = entry.second;
    bool adapter = name.find(".lora.") != std::string::npos;
    bool also = name.rfind("transformer.ln_f.", 0) == 0;
    bool same = values(t) == before.at(name);
    if (adapter || also) {
      CHECK_MESSAGE(!same, name << " did not change");
      changed_b += adapter && name.ends_with(".B") && !same;
    } else {
      CHECK_MESSAGE(same, name << " changed");
      CHECK_MESSAGE(!t.grad().defined(), name << " got a gradient");
    }
  }
  CHECK(changed_b == 6);
}

TEST_CASE("lora: save_lora / load_lora round trip onto a fresh base model") {
  TempDir dir;
  auto model = small_gpt2();
  LoraOptions o = kAttn;
  o.dropout = 0.1;
  apply_lora(*model, o);
  randomize_b(*model, 8);
  model->eval();
  Tensor ids = sample_ids();
  std::vector<float> want = values((*model)(ids));

  const std::string path = dir.file("adapter.safetensors");
  save_lora(path, *model, o);
  SafetensorsFile f = load_safetensors(path);
  CHECK(f.tensors.size() == 12);
  CHECK(nlohmann::json::parse(f.metadata.at("candor.lora")) == to_json(o));

  auto fresh = small_gpt2();  // the same base weights
  LoraOptions got = load_lora(path, *fresh);
  CHECK(to_json(got) == to_json(o));
  fresh->eval();
  CHECK(values((*fresh)(ids)) == want);
  CHECK(fresh->parameters().size() == 12);
  auto sa = lora_state_dict(*model), sb = lora_state_dict(*fresh);
  REQUIRE(sa.size() == sb.size());
  for (const auto& [name, t] : sa) CHECK(values(t) == values(sb.at(name)));

  // A float64 model saves F64; it loads into a float32 model, cast.
  auto wide = small_gpt2();
  apply_lora(*wide, o);
  randomize_b(*wide, 8);
  wide->to(kFloat64);
  save_lora(dir.file("wide.safetensors"), *wide, o);
  auto narrow = small_gpt2();
  load_lora(dir.file("wide.safetensors"), *narrow);
  CHECK(narrow->transformer->h[0]->attn->c_attn->lora->B.dtype() == kFloat32);
}

TEST_CASE("lora: the file carries the also_train parameters, so a new head comes back with the adapters") {
  TempDir dir;
  auto model = small_gpt2();
  LoraOptions o = kAttn;
  o.also_train = {"transformer.ln_f.*"};
  apply_lora(*model, o);
  randomize_b(*model, 3);
  Tensor gain = model->transformer->ln_f->weight;  // as if trained: 1.5 instead of 1
  for (int64_t i = 0; i < gain.numel(); ++i) gain.data<float>()[i] = 1.5f;
  model->eval();
  Tensor ids = sample_ids();
  std::vector<float> want = values((*model)(ids));
  save_lora(dir.file("adapter.safetensors"), *model, o);
  SafetensorsFile f = load_safetensors(dir.file("adapter.safetensors"));
  CHECK(f.tensors.count("transformer.ln_f.weight") == 1);
  CHECK(f.tensors.count("transformer.ln_f.bias") == 1);

  auto fresh = small_gpt2();
  load_lora(dir.file("adapter.safetensors"), *fresh);
  fresh->eval();
  CHECK(values(fresh->transformer->ln_f->weight) == std::vector<float>(16, 1.5f));
  CHECK(values((*fresh)(ids)) == want);
}

TEST_CASE("lora: bad options, targets and files are errors naming the problem") {
  TempDir dir;
  auto model = small_gpt2();
  auto bad = [](auto change) {
    LoraOptions o = kAttn;
    change(o);
    return o;
  };
  check_throws<ValueError>([&] { apply_lora(*model, bad([](LoraOptions& o) { o.rank = 0; })); }, {"rank", "0"});
  check_throws<ValueError>([&] { apply_lora(*model, bad([](LoraOptions& o) { o.alpha = -1; })); }, {"alpha", "-1"});
  check_throws<ValueError>([&] { apply_lora(*model, bad([](LoraOptions& o) { o.dropout = 1; })); }, {"dropout", "[0, 1)"});
  check_throws<ValueError>([&] { apply_lora(*model, bad([](LoraOptions& o) { o.targets = {}; })); }, {"targets"});
  check_throws<ValueError>([&] { apply_lora(*model, bad([](LoraOptions& o) { o.targets = {"*c_attn", "*q_proj"}; })); },
                           {"\"*q_proj\"", "transformer.h.0.attn.c_attn", "transformer.h.1.mlp.c_fc"});
  check_throws<ValueError>([&] { apply_lora(*model, bad([](LoraOptions& o) { o.also_train = {"score.*"}; })); },
                           {"also_train", "\"score.*\""});
  // A failed apply leaves the model as it was.
  CHECK(adapters_of(*model).empty());
  for (const auto& [name, t] : model->named_parameters()) CHECK(t.requires_grad());

  apply_lora(*model, kAttn);
  LoraOptions fc;
  fc.targets = {"*c_fc", "*.0.attn.c_attn"};
  check_throws<ValueError>([&] { apply_lora(*model, fc); }, {"transformer.h.0.attn.c_attn", "already has"});
  CHECK(adapters_of(*model).size() == 6);
  fc.targets = {"*c_fc"};
  CHECK(apply_lora(*model, fc).size() == 2);  // other layers may be adapted later
  CHECK(adapters_of(*model).size() == 8);
  check_throws<ValueError>([&] { save_lora(dir.file("x.safetensors"), *model, kAttn); },
                           {"do not describe", "transformer.h.0.mlp.c_fc"});
  LoraOptions both = kAttn;
  both.targets = {"*c_attn", "*c_proj", "*c_fc"};
  both.rank = 8;
  check_throws<ValueError>([&] { save_lora(dir.file("x.safetensors"), *model, both); }, {"rank 8", "rank 4"});

  // Saving while merged; saving a model without adapters.
  auto m2 = small_gpt2();
  check_throws<ValueError>([&] { save_lora(dir.file("x.safetensors"), *m2, kAttn); }, {"no LoRA adapter"});
  apply_lora(*m2, kAttn);
  merge_lora(*m2);
  check_throws<ValueError>([&] { save_lora(dir.file("x.safetensors"), *m2, kAttn); },
                           {"merged", "unmerge_lora", "transformer.h.0.attn.c_attn"});
  CHECK_FALSE(fs::exists(dir.file("x.safetensors")));
  unmerge_lora(*m2);
  const std::string good = dir.file("good.safetensors");
  save_lora(good, *m2, kAttn);

  // Files: each error leaves the target model without adapters.
  auto check_load_fails = [&](const std::string& path, const std::vector<std::string>& parts) {
    auto target = small_gpt2();
    check_throws<CheckpointError>([&] { load_lora(path, *target); }, parts);
    CHECK(adapters_of(*target).empty());
  };
  {
    std::ofstream out(dir.file("garbage.safetensors"), std::ios::binary);
    out << "this is not a safetensors file at all";
  }
  check_load_fails(dir.file("garbage.safetensors"), {"garbage.safetensors"});
  check_load_fails(dir.file("missing.safetensors"), {"missing.safetensors"});
  save_safetensors(dir.file("plain.safetensors"), model->state_dict());
  check_load_fails(dir.file("plain.safetensors"), {"plain.safetensors", "not a LoRA file"});

  std::map<std::string, Tensor> tensors = lora_state_dict(*m2);
  const std::string meta = to_json(kAttn).dump();
  save_safetensors(dir.file("json.safetensors"), tensors, {{"candor.lora", "{\"rank\": 4,"}});
  check_load_fails(dir.file("json.safetensors"), {"json.safetensors", "not valid JSON"});
  save_safetensors(dir.file("key.safetensors"), tensors, {{"candor.lora", "{\"rnak\": 4}"}});
  check_load_fails(dir.file("key.safetensors"), {"key.safetensors", "unknown key \"rnak\""});
  save_safetensors(dir.file("type.safetensors"), tensors, {{"candor.lora", "{\"rank\": \"4\"}"}});
  check_load_fails(dir.file("type.safetensors"), {"type.safetensors", "\"rank\" must be an integer"});
  // 2^64 - 1 used to wrap to a rank of -1.
  save_safetensors(dir.file("huge.safetensors"), tensors, {{"candor.lora", "{\"rank\": 18446744073709551615}"}});
  check_load_fails(dir.file("huge.safetensors"), {"\"rank\" must be an integer from", "18446744073709551615"});

  auto shape = tensors;
  shape["transformer.h.1.attn.c_proj.lora.B"] = zeros({16, 3});
  save_safetensors(dir.file("shape.safetensors"), shape, {{"candor.lora", meta}});
  check_load_fails(dir.file("shape.safetensors"), {"wrong shape", "transformer.h.1.attn.c_proj.lora.B", "[16, 3]", "[16, 4]"});
  auto missing = tensors;
  missing.erase("transformer.h.0.attn.c_attn.lora.A");
  missing["transformer.h.0.attn.c_attn.lora.C"] = zeros({4, 16});
  save_safetensors(dir.file("names.safetensors"), missing, {{"candor.lora", meta}});
  check_load_fails(dir.file("names.safetensors"), {"missing tensors: transformer.h.0.attn.c_attn.lora.A",
                                                   "unexpected tensors: transformer.h.0.attn.c_attn.lora.C"});
  // A model of another size: every adapter has the wrong shape.
  {
    Gpt2Config c = small_config();
    c.n_embd = 32;
    Generator gen(0);
    Gpt2Model other(c, gen);
    check_throws<CheckpointError>([&] { load_lora(good, other); }, {"wrong shape", "[4, 32]"});
  }
  // Targets that match nothing in this model.
  {
    Generator gen(0);
    Sequential mlp({std::make_shared<Linear>(4, 4, gen)});
    check_throws<CheckpointError>([&] { load_lora(good, mlp); }, {"good.safetensors", "\"*c_attn\"", "do not fit"});
  }
  // Loading onto a model that already has the adapters.
  auto twice = small_gpt2();
  load_lora(good, *twice);
  check_throws<ValueError>([&] { load_lora(good, *twice); }, {"already"});
}

TEST_CASE("lora: options JSON round trip and malformed JSON") {
  LoraOptions o;
  o.rank = 3;
  o.alpha = 1.5;
  o.dropout = 0.25;
  o.targets = {"a*", "b"};
  o.also_train = {"score.*"};
  o.seed = 1234567890123ull;
  LoraOptions back = lora_options_from_json(to_json(o));
  CHECK(back.rank == 3);
  CHECK(back.alpha == 1.5);
  CHECK(back.dropout == 0.25);
  CHECK(back.targets == o.targets);
  CHECK(back.also_train == o.also_train);
  CHECK(back.seed == o.seed);
  CHECK(lora_options_from_json(nlohmann::json::object()).rank == 8);  // missing keys keep defaults

  using nlohmann::json;
  check_throws<ValueError>([] { lora_options_from_json(json::array()); }, {"object"});
  check_throws<ValueError>([] { lora_options_from_json(json{{"rank", 2.5}}); }, {"\"rank\"", "integer"});
  check_throws<ValueError>([] { lora_options_from_json(json{{"rank", -2}}); }, {"rank", "-2"});
  check_throws<ValueError>([] { lora_options_from_json(json{{"alpha", "big"}}); }, {"\"alpha\"", "number"});
  check_throws<ValueError>([] { lora_options_from_json(json{{"dropout", 1.0}}); }, {"dropout"});
  check_throws<ValueError>([] { lora_options_from_json(json{{"targets", "c_attn"}}); }, {"\"targets\"", "list"});
  check_throws<ValueError>([] { lora_options_from_json(json{{"also_train", {1, 2}}}); }, {"\"also_train\"", "list"});
  check_throws<ValueError>([] { lora_options_from_json(json{{"seed", -1}}); }, {"\"seed\""});
  check_throws<ValueError>([] { lora_options_from_json(json{{"rnak", 4}}); }, {"unknown key \"rnak\""});
}

TEST_CASE("lora: adapter dropout is seeded in training mode and off in eval mode") {
  LoraOptions with = kAttn;
  with.dropout = 0.5;
  LoraOptions without = kAttn;  // same seed: the same A
  auto a = small_gpt2(), b = small_gpt2(), c = small_gpt2();
  apply_lora(*a, with);
  apply_lora(*b, with);
  apply_lora(*c, without);
  for (auto* m : {a.get(), b.get(), c.get()}) randomize_b(*m, 9);
  Tensor ids = sample_ids();

  // Training mode: the same seed gives the same masks; the masks change the output.
  std::vector<float> ta = values((*a)(ids)), tb = values((*b)(ids));
  CHECK(ta == tb);
  CHECK(values((*a)(ids)) == values((*b)(ids)));  // second draw, still equal
  std::vector<float> tc = values((*c)(ids));
  CHECK(ta != tc);
  CHECK(values((*c)(ids)) == tc);  // dropout 0: no randomness

  // Eval mode: dropout is the identity, so the output equals the dropout-free model's exactly.
  a->eval();
  c->eval();
  CHECK(values((*a)(ids)) == values((*c)(ids)));

  // An adapter added to a model in eval mode starts in eval mode.
  auto d = small_gpt2();
  d->eval();
  apply_lora(*d, with);
  for (const auto& ad : adapters_of(*d)) CHECK_FALSE(ad->dropout->is_training());
}
