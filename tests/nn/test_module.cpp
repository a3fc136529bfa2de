// Module: dotted names, train/eval, freezing, state_dict and load_state_dict, dtype conversion.
#include <memory>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::nn;

namespace {

// x [B, in] -> layer_norm(x W^T + b) [B, out]
class Block : public Module {
 public:
  Block(int64_t in, int64_t out, Generator& gen) {
    fc = register_module("fc", std::make_shared<Linear>(in, out, gen));
    norm = register_module("norm", std::make_shared<LayerNorm>(Shape{out}));
  }
  Tensor forward(const Tensor& x) override { return (*norm)((*fc)(x)); }
  std::shared_ptr<Linear> fc;
  std::shared_ptr<LayerNorm> norm;
};

// layers = [Block(4, 3), ReLU, Block(3, 3)], head = Linear(3, 1), one own parameter and a buffer,
// the parameter registered after the children (PyTorch lists a module's own first anyway).
class Net : public Module {
 public:
  explicit Net(Generator& gen) {
    layers = register_module("layers", std::make_shared<Sequential>());
    layers->append(std::make_shared<Block>(4, 3, gen));
    layers->append(std::make_shared<ReLU>());
    layers->append(std::make_shared<Block>(3, 3, gen));
    head = register_module("head", std::make_shared<Linear>(3, 1, gen));
    scale = register_parameter("scale", ones({1}));
    count = register_buffer("count", zeros({2}));
  }
  Tensor forward(const Tensor& x) override { return (*head)((*layers)(x)) * scale; }
  std::shared_ptr<Sequential> layers;
  std::shared_ptr<Linear> head;
  Tensor scale, count;
};

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<std::string> names;
  for (const auto& [name, t] : named) names.push_back(name);
  return names;
}

}  // namespace

TEST_CASE("module: nested dotted names in registration order, own parameters first") {
  Generator gen(0);
  Net net(gen);
  std::vector<std::string> expected = {
      "scale",
      "layers.0.fc.weight", "layers.0.fc.bias", "layers.0.norm.weight", "layers.0.norm.bias",
      "layers.2.fc.weight", "layers.2.fc.bias", "layers.2.norm.weight", "layers.2.norm.bias",
      "head.weight", "head.bias"};
  CHECK(names_of(net.named_parameters()) == expected);
  CHECK(names_of(net.named_buffers()) == std::vector<std::string>{"count"});
  CHECK(net.parameters().size() == expected.size());
  // The registry and the members are the same tensors.
  CHECK(net.named_parameters()[1].second.is_same(net.layers->named_children()[0].second->named_parameters()[0].second));
  CHECK(net.named_parameters()[9].second.is_same(net.head->weight));
  CHECK(net.head->weight.shape() == Shape{1, 3});
  CHECK(net.head->weight.requires_grad());
  CHECK(net(zeros({5, 4})).shape() == Shape{5, 1});
}

TEST_CASE("module: named_modules lists every descendant depth first, parents before children") {
  Generator gen(0);
  Net net(gen);
  std::vector<std::string> names;
  std::vector<const Module*> modules;
  for (const auto& [name, m] : net.named_modules()) {
    names.push_back(name);
    modules.push_back(m.get());
  }
  CHECK(names == std::vector<std::string>{"layers", "layers.0", "layers.0.fc", "layers.0.norm",
                                          "layers.1", "layers.2", "layers.2.fc", "layers.2.norm",
                                          "head"});
  REQUIRE(modules.size() == 9);
  CHECK(modules[0] == net.layers.get());
  CHECK(modules[8] == net.head.get());
  Linear leaf(2, 2, gen);
  CHECK(leaf.named_modules().empty());  // the root itself is not listed
}

TEST_CASE("module: a tensor registered twice (tied weights) is listed once") {
  class Tied : public Module {
   public:
    explicit Tied(Generator& gen) {
      a = register_module("a", std::make_shared<Linear>(2, 2, gen, false));
      b = register_module("b", std::make_shared<Linear>(2, 2, gen, false));
      tied = register_parameter("tied", a->weight);
    }
    Tensor forward(const Tensor& x) override { return (*b)((*a)(x)); }
    std::shared_ptr<Linear> a, b;
    Tensor tied;
  };
  Generator gen(1);
  Tied m(gen);
  CHECK(names_of(m.named_parameters()) == std::vector<std::string>{"tied", "b.weight"});
  CHECK(m.state_dict().size() == 3);  // every name, as PyTorch's state_dict
}

TEST_CASE("module: bad registrations are errors naming the name") {
  class Bad : public Module {
   public:
    Tensor forward(const Tensor& x) override { return x; }
    void add(const std::string& name, const Tensor& t) { register_parameter(name, t); }
  };
  Bad m;
  m.add("w", zeros({2}));
  testing::check_throws<ValueError>([&] { m.add("w", zeros({2})); }, {"\"w\"", "already used"});
  testing::check_throws<ValueError>([&] { m.add("a.b", zeros({2})); }, {"\"a.b\"", "'.'"});
  testing::check_throws<DTypeError>([&] { m.add("i", zeros({2}, kInt64)); }, {"\"i\"", "int64"});
  Generator gen(0);
  Sequential seq;
  testing::check_throws<ValueError>([&] { seq.append(nullptr); }, {"null"});
  testing::check_throws<IndexError>([&] { seq[0]; }, {"index 0", "0 modules"});
}

TEST_CASE("module: train and eval reach every descendant") {
  Generator gen(0);
  Net net(gen);
  auto block = std::dynamic_pointer_cast<Block>((*net.layers)[2]);
  REQUIRE(block);
  CHECK(net.is_training());
  CHECK(block->fc->is_training());
  net.eval();
  CHECK_FALSE(net.is_training());
  CHECK_FALSE(net.layers->is_training());
  CHECK_FALSE(block->norm->is_training());
  CHECK_FALSE(net.head->is_training());
  net.train();
  CHECK(block->norm->is_training());
  net.train(false);
  CHECK_FALSE(block->fc->is_training());
}

TEST_CASE("module: freeze and unfreeze by pattern") {
  Generator gen(0);
  Net net(gen);
  CHECK(glob_match("*.bias", "layers.0.fc.bias"));
  CHECK(glob_match("layers.*.weight", "layers.0.norm.weight"));
  CHECK(glob_match("*", "scale"));
  CHECK(glob_match("a*b*c", "axxbyyc"));
  CHECK_FALSE(glob_match("a*b*c", "axxbyy"));
  CHECK_FALSE(glob_match("head.weight", "head.weight2"));
  CHECK_FALSE(glob_match("layers.0", "layers.0.fc.weight"));

  // A gradient that freezing must drop.
  net(ones({2, 4})).sum().backward();
  REQUIRE(net.layers->named_parameters()[0].second.grad().defined());

  CHECK(net.freeze("layers.0.*") == 4);
  for (const auto& entry : net.named_parameters()) {
    const auto& name = entry.first;
    const auto& t = entry.second;
    INFO(name);
    bool frozen = name.rfind("layers.0.", 0) == 0;
    CHECK(t.requires_grad() == !frozen);
    if (frozen) CHECK_FALSE(t.grad().defined());
  }
  CHECK(net.parameters().size() == 7);
  CHECK(net.freeze("*.bias") == 5);  // already-frozen names still count as matches
  CHECK(net.parameters().size() == 4);
  CHECK(net.unfreeze("*") == 11);
  CHECK(net.parameters().size() == 11);
  CHECK(net.freeze("head.weight") == 1);
  CHECK_FALSE(net.head->weight.requires_grad());  // the member sees it

  // A frozen parameter gets no gradient from backward.
  net.zero_grad();
  net(ones({2, 4})).sum().backward();
  CHECK_FALSE(net.head->weight.grad().defined());
  CHECK(net.head->bias.grad().defined());

  testing::check_throws<ValueError>([&] { net.freeze("layers.9.*"); },
                                    {"freeze", "\"layers.9.*\"", "matches no parameter", "layers.0.fc.weight"});
  testing::check_throws<ValueError>([&] { net.unfreeze("decoder*"); }, {"unfreeze", "\"decoder*\""});
}

TEST_CASE("module: state_dict shares data and round-trips through load_state_dict") {
  Generator gen_a(1), gen_b(2);
  Net a(gen_a), b(gen_b);
  Tensor x = randn({6, 4}, kFloat32, &gen_a);
  std::map<std::string, Tensor> state = a.state_dict();
  CHECK(state.size() == 12);  // 11 parameters and the buffer
  CHECK(state.count("count") == 1);
  CHECK_FALSE(state.at("head.weight").requires_grad());
  // Writing through the state writes the module.
  state.at("count").data<float>()[1] = 3;
  CHECK(a.count.to_vector<float>()[1] == 3);

  std::map<std::string, Tensor> copy;
  for (const auto& [name, t] : state) copy[name] = t.clone();
  CHECK(b(x).to_vector<double>() != a(x).to_vector<double>());  // different seeds
  Tensor head_before = b.head->weight;
  Module::LoadReport report = b.load_state_dict(copy);
  CHECK(report.missing.empty());
  CHECK(report.unexpected.empty());
  CHECK(report.mismatched.empty());
  CHECK(b.head->weight.is_same(head_before));  // values copied in, handles unchanged
  CHECK(b.head->weight.requires_grad());
  CHECK(b.head->weight.to_vector<double>() == a.head->weight.to_vector<double>());
  CHECK(b.count.to_vector<double>() == std::vector<double>{0, 3});
  CHECK(b(x).to_vector<double>() == a(x).to_vector<double>());
  // Loading a module's own state onto itself is harmless.
  std::vector<double> before = a(x).to_vector<double>();
  a.load_state_dict(a.state_dict());
  CHECK(a(x).to_vector<double>() == before);
}

TEST_CASE("module: load_state_dict reports each kind of mismatch") {
  Generator gen(3);
  auto target = make_mlp(4, 2, {.hidden = {3}}, gen);  // 0.weight [3, 4], 0.bias, 2.weight [2, 3], 2.bias
  auto wider = make_mlp(5, 2, {.hidden = {3}}, gen);   // 0.weight [3, 5]
  std::map<std::string, Tensor> state = wider->state_dict();
  state.erase("2.bias");
  state["head.weight"] = zeros({1});
  std::vector<float> original = target->named_parameters()[2].second.to_vector<float>();

  std::string msg = testing::message_of<StateDictError>([&] { target->load_state_dict(state); });
  INFO(msg);
  CHECK(msg.find("load_state_dict: ") == 0);
  CHECK(msg.find("missing: 2.bias") != std::string::npos);
  CHECK(msg.find("unexpected: head.weight") != std::string::npos);
  CHECK(msg.find("shape mismatch: 0.weight expects [3, 4], got [3, 5]") != std::string::npos);
  // Nothing is loaded when it throws, not even the names that matched.
  CHECK(target->named_parameters()[2].second.to_vector<float>() == original);

  // The error carries the names.
  try {
    target->load_state_dict(state);
  } catch (const StateDictError& e) {
    CHECK(e.report().missing == std::vector<std::string>{"2.bias"});
    CHECK(e.report().unexpected == std::vector<std::string>{"head.weight"});
    CHECK(e.report().mismatched == std::vector<std::string>{"0.weight"});
  }

  // Not strict: a shape mismatch still throws ...
  testing::check_throws<StateDictError>([&] { target->load_state_dict(state, false); },
                                        {"shape mismatch: 0.weight expects [3, 4], got [3, 5]"});
  // ... but missing and unexpected names are reported and the rest loaded.
  state.erase("0.weight");
  Module::LoadReport report = target->load_state_dict(state, false);
  CHECK(report.missing == std::vector<std::string>{"0.weight", "2.bias"});
  CHECK(report.unexpected == std::vector<std::string>{"head.weight"});
  CHECK(report.mismatched.empty());
  CHECK(target->named_parameters()[2].second.to_vector<float>() == state.at("2.weight").to_vector<float>());
  // Strict fails on missing alone and on unexpected alone.
  testing::check_throws<StateDictError>([&] { target->load_state_dict(state); },
                                        {"missing: 0.weight, 2.bias", "unexpected: head.weight"});
  std::map<std::string, Tensor> extra = target->state_dict();
  extra["2.running_mean"] = zeros({2});
  testing::check_throws<StateDictError>([&] { target->load_state_dict(extra); },
                                        {"unexpected: 2.running_mean"});
  // A dtype mismatch is named as such.
  std::map<std::string, Tensor> wrong_type = target->state_dict();
  wrong_type["0.bias"] = zeros({3}, kFloat64);
  std::string dmsg = testing::message_of<StateDictError>([&] { target->load_state_dict(wrong_type, false); });
  CHECK(dmsg.find("dtype mismatch: 0.bias expects float32, got float64") != std::string::npos);
}

TEST_CASE("module: to(float64) converts in place and keeps the handles") {
  Generator gen(4);
  Net net(gen);
  Tensor w = net.head->weight;
  std::vector<double> values = w.to_vector<double>();
  net.to(kFloat64);
  CHECK(w.dtype() == kFloat64);
  CHECK(net.head->weight.dtype() == kFloat64);
  CHECK(net.count.dtype() == kFloat64);
  CHECK(w.to_vector<double>() == values);  // float32 -> float64 is exact
  CHECK(w.requires_grad());
  Tensor y = net(ones({2, 4}, kFloat64));
  CHECK(y.dtype() == kFloat64);
  y.sum().backward();
  CHECK(w.grad().dtype() == kFloat64);
  testing::check_throws<DTypeError>([&] { net.to(kInt64); }, {"int64"});
}
