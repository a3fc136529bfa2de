// Models on the GPU against the same models on the CPU: the GPT-2 test checkpoint's loss and
// gradients, a generation, training a classifier with options.device, and the same bits when
// GPT-2 training runs twice. Without a GPU these skip with the reason; what moving a model does
// there (nothing for the CPU, a clear error and an unchanged model for CUDA) is checked either way.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/encoder.h"
#include "engine/engine.h"
#include "nn/classifier.h"
#include "nn/gpt2.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "tests/support/checks.h"
#include "tests/support/gpu.h"

using namespace candor;
using namespace candor::nn;
using namespace candor::testing;
namespace fs = std::filesystem;

namespace {

const std::string kGpt2Fixture = (fs::path(__FILE__).parent_path() / "fixtures" / "gpt2").string();

// Loss of predicting each next token of `ids` and the gradient of every parameter, by name.
std::pair<double, std::map<std::string, Tensor>> loss_and_grads(Gpt2Model& model, const std::vector<int64_t>& ids) {
  const auto T = static_cast<int64_t>(ids.size());
  const Device device = model.device();
  model.zero_grad();
  Tensor logits = reshape(model.forward(from_vector(ids, {1, T}, device)), {T, model.config().vocab_size});
  std::vector<int64_t> targets(ids.begin() + 1, ids.end());
  Tensor loss = cross_entropy(slice(logits, 0, 0, T - 1), from_vector(targets, {T - 1}, device));
  loss.backward();
  std::map<std::string, Tensor> grads;
  for (auto& [name, p] : model.named_parameters()) grads[name] = p.grad();
  return {loss.item(), grads};
}

// Rows of 3 features whose label depends on them, with a little noise.
datasets::Encoded rows(int64_t n, uint64_t seed) {
  Generator gen(seed);
  Tensor x = randn({n, 3}, kFloat32, &gen);
  Tensor noise = randn({n}, kFloat32, &gen);
  Tensor score = squeeze(matmul(x, from_vector(std::vector<float>{1.5f, -1.0f, 0.5f}, {3, 1})), 1) + noise * 0.5;
  datasets::Encoded e;
  e.x = x;
  e.y = cast(gt(score, zeros({})), kFloat32);
  e.weight = ones({n});
  return e;
}

}  // namespace

TEST_CASE("cuda models: the GPT-2 test checkpoint's loss and gradients on the GPU match the CPU") {
  if (!have_gpu()) return;
  const std::vector<int64_t> ids = {5, 17, 42, 3, 88, 61, 9, 30, 71, 2};
  auto model = from_pretrained(kGpt2Fixture);
  const auto [cpu_loss, cpu_grads] = loss_and_grads(*model, ids);
  model->to(Device::CUDA);
  CHECK(model->device() == Device::CUDA);
  const auto [gpu_loss, gpu_grads] = loss_and_grads(*model, ids);
  CHECK(gpu_loss == doctest::Approx(cpu_loss).epsilon(1e-5));
  for (const auto& [name, g] : cpu_grads) {
    REQUIRE(gpu_grads.at(name).defined());
    check_matches_cpu(gpu_grads.at(name), g, 1e-5, name);
  }
}

TEST_CASE("cuda models: greedy generation on the GPU gives the CPU's tokens, with and without the cache") {
  if (!have_gpu()) return;
  auto model = from_pretrained(kGpt2Fixture);
  GenerateOptions o;  // greedy
  const std::vector<int64_t> cpu_tokens = generate(*model, {5, 17, 42}, 12, o);
  model->to(Device::CUDA);
  CHECK(generate(*model, {5, 17, 42}, 12, o) == cpu_tokens);
  o.use_cache = false;
  CHECK(generate(*model, {5, 17, 42}, 12, o) == cpu_tokens);
}

// Same seed, same bits: no float atomics, fixed-order reductions, Philox dropout. A model big
// enough that the reductions span several blocks (rows of 256, 8 x 64 tokens, a 1000-word
// vocabulary) and dropout on, trained twice from scratch for three AdamW steps.
TEST_CASE("cuda models: GPT-2 training on the GPU gives the same bits run to run") {
  if (!have_gpu()) return;
  Gpt2Config config;
  config.vocab_size = 1000;
  config.n_positions = 64;
  config.n_embd = 256;
  config.n_layer = 2;
  config.n_head = 4;
  std::map<std::string, Tensor> weights[2];
  double losses[2] = {0, 0};
  for (int run = 0; run < 2; ++run) {
    Generator gen(11);
    Gpt2Model model(config, gen);
    model.to(Device::CUDA);
    AdamW optimizer(model.parameters());
    Tensor ids = randint(0, config.vocab_size, {8, 65}, &gen, Device::CUDA);
    for (int step = 0; step < 3; ++step) {
      optimizer.zero_grad();
      Tensor logits = reshape(model.forward(narrow(ids, 1, 0, 64)), {8 * 64, config.vocab_size});
      Tensor loss = cross_entropy(logits, reshape(narrow(ids, 1, 1, 64), {-1}));
      loss.backward();
      optimizer.step();
      losses[run] += loss.item();
    }
    model.to(Device::CPU);
    weights[run] = model.state_dict();
  }
  CHECK(losses[0] == losses[1]);
  for (const auto& entry : weights[0]) {
    const auto& name = entry.first;
    const auto& w = entry.second;
    CAPTURE(name);
    CHECK(weights[1].at(name).to_vector<float>() == w.to_vector<float>());
  }
}

TEST_CASE("cuda models: training a classifier on the GPU gives the CPU's weights and metrics") {
  if (!have_gpu()) return;
  const datasets::Encoded train = rows(512, 1), validation = rows(128, 2);
  TrainOptions o;
  o.epochs = 5;
  o.batch_size = 64;
  o.progress = false;
  std::map<std::string, Tensor> weights[2];
  FitResult results[2];
  for (int on_gpu = 0; on_gpu < 2; ++on_gpu) {
    Generator gen(3);
    auto model = make_mlp(3, 1, {.hidden = {16, 16}}, gen);
    o.device = on_gpu ? Device::CUDA : Device::CPU;
    results[on_gpu] = train_classifier(*model, train, validation, o);
    CHECK(model->device() == Device::CPU);  // back on the host after training
    weights[on_gpu] = model->state_dict();
  }
  CHECK(results[1].best_epoch == results[0].best_epoch);
  for (const auto& [name, w] : weights[0]) {
    check_close_values(weights[1].at(name), w, 1e-4, name);
  }
  for (size_t e = 0; e < results[0].log.size(); ++e) {
    for (const char* key : {"log_loss", "accuracy", "roc_auc"}) {
      CAPTURE(key);
      CHECK(results[1].log[e]["validation"][key].get<double>() ==
            doctest::Approx(results[0].log[e]["validation"][key].get<double>()).epsilon(1e-4));
    }
  }
}

TEST_CASE("cuda models: moving a model to the CPU changes nothing; to CUDA without a GPU says why and leaves it") {
  Generator gen(0);
  auto model = make_mlp(3, 1, {.hidden = {4}}, gen);
  Tensor first = model->parameters().front();
  const std::vector<double> before = first.to_vector<double>();
  model->to(Device::CPU);
  CHECK(model->parameters().front().is_same(first));
  CHECK(model->device() == Device::CPU);
  if (cuda::is_available()) {
    model->to(Device::CUDA);
    CHECK(model->device() == Device::CUDA);
    CHECK(first.device() == Device::CUDA);  // the same handle, now on the GPU
    model->to(Device::CPU);
    CHECK(first.to_vector<double>() == before);
    return;
  }
  check_throws<DeviceError>([&] { model->to(Device::CUDA); }, {"cuda: "});
  CHECK(model->device() == Device::CPU);
  CHECK(first.to_vector<double>() == before);
  TrainOptions o;
  o.device = Device::CUDA;
  check_throws<DeviceError>([&] { train_classifier(*model, rows(32, 1), rows(8, 2), o); }, {"cuda: "});
}
