// The GPU: host<->device copy rates, the GEMM rate on the device (float32 with TF32 off and on,
// float64), and GPT-2 124M (random weights, dropout off) on the GPU: a training step on 8 x 1024
// tokens with AdamW, and forward tokens per second, each with the device's peak memory (bytes
// the caching allocator handed out, as torch.cuda.max_memory_allocated). One JSON object per
// line. Without a GPU it prints why, as one JSON line, and exits 0.
//
//   cuda_bench [transfer|gemm|gpt2_train_step|gpt2_forward]
#include <cstdint>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/timing.h"
#include "engine/engine.h"
#include "nn/gpt2.h"
#include "nn/optim.h"

using namespace candor;
using candor::bench::median_seconds;

namespace {

double peak_device_mib() { return static_cast<double>(cuda::memory_stats().peak_in_use) / (1 << 20); }

// Times `run` followed by a wait for the GPU, so the time covers the work and not its queueing.
double device_seconds(const std::function<void()>& run, int warmup, int repeats) {
  return median_seconds([&] {
    run();
    cuda::synchronize();
  }, warmup, repeats);
}

void transfer() {
  for (int64_t mib : {1, 64, 512}) {
    const int64_t n = mib * (1 << 20) / 4;
    Tensor host = zeros({n});
    Tensor device = Tensor::empty({n}, kFloat32, Device::CUDA);
    const auto bytes = static_cast<std::size_t>(n) * 4;
    const double up = device_seconds([&] {
      cuda::copy(device.raw_data(), Device::CUDA, host.raw_data(), Device::CPU, bytes);
    }, 2, 10);
    const double down = device_seconds([&] {
      cuda::copy(host.raw_data(), Device::CPU, device.raw_data(), Device::CUDA, bytes);
    }, 2, 10);
    fmt::print("{{\"name\": \"transfer\", \"mib\": {}, \"host_to_device_gb_s\": {:.2f}, "
               "\"device_to_host_gb_s\": {:.2f}}}\n",
               mib, static_cast<double>(bytes) / up / 1e9, static_cast<double>(bytes) / down / 1e9);
  }
}

void gemm() {
  struct Case {
    const char* name;
    DType dtype;
    int64_t n;
    bool tf32;
  };
  for (const Case& c : {Case{"float32", kFloat32, 4096, false}, Case{"float32_tf32", kFloat32, 4096, true},
                        Case{"float64", kFloat64, 2048, false}}) {
    Generator gen(0);
    Tensor a = randn({c.n, c.n}, c.dtype, &gen, Device::CUDA), b = randn({c.n, c.n}, c.dtype, &gen, Device::CUDA);
    cuda::set_allow_tf32(c.tf32);
    const double s = device_seconds([&] { matmul(a, b); }, 3, 20);
    cuda::set_allow_tf32(false);
    const double flops = 2.0 * static_cast<double>(c.n) * static_cast<double>(c.n) * static_cast<double>(c.n);
    fmt::print("{{\"name\": \"gemm\", \"dtype\": \"{}\", \"n\": {}, \"median_ms\": {:.3f}, \"tflop_s\": {:.2f}}}\n",
               c.name, c.n, s * 1e3, flops / s / 1e12);
  }
}

nn::Gpt2Config gpt2_124m() {
  nn::Gpt2Config config;
  config.embd_pdrop = config.attn_pdrop = config.resid_pdrop = 0;
  return config;
}

void gpt2_train_step() {
  const nn::Gpt2Config config = gpt2_124m();
  Generator gen(0);
  nn::Gpt2Model model(config, gen);
  model.to(Device::CUDA);
  nn::AdamW optimizer(model.parameters(), nn::AdamWOptions{});
  constexpr int64_t kBatch = 8, kTokens = 1024;
  Tensor ids = randint(0, config.vocab_size, {kBatch, kTokens + 1}, &gen, Device::CUDA);
  Tensor inputs = narrow(ids, 1, 0, kTokens), targets = reshape(narrow(ids, 1, 1, kTokens), {-1});
  cuda::reset_peak_memory_stats();
  const double s = device_seconds([&] {
    optimizer.zero_grad();
    Tensor logits = reshape(model(inputs), {kBatch * kTokens, config.vocab_size});
    cross_entropy(logits, targets).backward();
    optimizer.step();
  }, 1, 5);
  fmt::print("{{\"name\": \"gpt2_train_step\", \"device\": \"cuda\", \"shape\": \"124M, 8x1024 tokens, AdamW\", "
             "\"median_ms\": {:.1f}, \"tokens_per_s\": {:.0f}, \"peak_device_mib\": {:.0f}}}\n",
             s * 1e3, static_cast<double>(kBatch * kTokens) / s, peak_device_mib());
}

void gpt2_forward() {
  const nn::Gpt2Config config = gpt2_124m();
  Generator gen(0);
  nn::Gpt2Model model(config, gen);
  model.to(Device::CUDA);
  model.eval();
  constexpr int64_t kBatch = 8, kTokens = 1024;
  Tensor ids = randint(0, config.vocab_size, {kBatch, kTokens}, &gen, Device::CUDA);
  cuda::reset_peak_memory_stats();
  const double s = device_seconds([&] {
    NoGradGuard no_grad;
    model(ids);
  }, 2, 10);
  fmt::print("{{\"name\": \"gpt2_forward\", \"device\": \"cuda\", \"shape\": \"124M, 8x1024 tokens\", "
             "\"median_ms\": {:.1f}, \"tokens_per_s\": {:.0f}, \"peak_device_mib\": {:.0f}}}\n",
             s * 1e3, static_cast<double>(kBatch * kTokens) / s, peak_device_mib());
}

}  // namespace

int main(int argc, char** argv) {
  if (!cuda::is_available()) {
    std::string why;
    try {
      cuda::require();
    } catch (const DeviceError& e) {
      why = e.what();
    }
    fmt::print("{}\n", nlohmann::json{{"name", "cuda"}, {"available", false}, {"reason", why}}.dump());
    return 0;
  }
  auto wanted = [&](const char* name) { return argc < 2 || std::string(argv[1]) == name; };
  if (wanted("transfer")) transfer();
  if (wanted("gemm")) gemm();
  if (wanted("gpt2_forward")) gpt2_forward();
  if (wanted("gpt2_train_step")) gpt2_train_step();
  return 0;
}
