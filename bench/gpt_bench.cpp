// Transformer benchmarks (the transformers issue's cases), one JSON line each:
//   small_gpt_step: a training step (forward, cross-entropy, backward, AdamW) of a small GPT:
//                   4 layers, 4 heads, width 128, context 64, vocabulary 512, batch 16;
//   gpt2_forward:   a forward pass of the GPT-2 124M shape on 1 x 128 tokens (random weights);
//   gpt2_generate:  greedy generation of 100 tokens after a 10-token prompt on the same model,
//                   with the KV cache and without it (every step reruns the context): tokens/s
//                   and the cache's peak memory; then 4 such prompts as one cached batch;
//   gpt2_train_step: a fine-tuning step of GPT-2 124M (random weights) on 4 x 128 tokens: forward,
//                   next-token cross-entropy, backward, AdamW on every weight;
//   gpt2_lora_step: the same step with LoRA adapters (rank 8) on every c_attn and everything else
//                   frozen: AdamW on the adapters only, no weight gradients for frozen layers.
// peak_rss_mb is the process's peak: run gpt2_train_step and gpt2_lora_step in separate processes
// (`gpt_bench gpt2_lora_step`) to compare their memory.
// bench/gpt_bench_torch.py measures the same cases in PyTorch.

#include <omp.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/timing.h"
#include "engine/engine.h"
#include "nn/gpt2.h"
#include "nn/lora.h"
#include "nn/optim.h"
#include "engine/threads.h"

using namespace candor;
using candor::bench::median_seconds;
using candor::bench::peak_rss_mb;

namespace {

// One training step of GPT-2 124M (random weights, dropout off) on 4 x 128 tokens, with LoRA
// adapters on c_attn when `lora`; prints the median step time and the process's peak memory.
void gpt2_step(bool lora) {
  nn::Gpt2Config config;
  config.embd_pdrop = config.attn_pdrop = config.resid_pdrop = 0;
  Generator gen(0);
  nn::Gpt2Model model(config, gen);
  if (lora) nn::apply_lora(model, nn::LoraOptions{});
  const auto params = model.parameters();
  int64_t trainable = 0;
  for (const Tensor& p : params) trainable += p.numel();
  nn::AdamW optimizer(params, nn::AdamWOptions{});
  constexpr int64_t kBatch = 4, kTokens = 128;
  Tensor ids = randint(0, config.vocab_size, {kBatch, kTokens + 1}, &gen);
  Tensor inputs = narrow(ids, 1, 0, kTokens), targets = reshape(narrow(ids, 1, 1, kTokens), {-1});
  auto step = [&] {
    optimizer.zero_grad();
    Tensor logits = reshape(model(inputs), {kBatch * kTokens, config.vocab_size});
    cross_entropy(logits, targets).backward();
    optimizer.step();
  };
  const double s = median_seconds(step, 1, 5);
  fmt::print("{{\"name\": \"{}\", \"shape\": \"124M, 4x128 tokens, AdamW{}\", \"trainable_parameters\": {}, "
             "\"threads\": {}, \"median_ms\": {:.1f}, \"peak_rss_mb\": {:.1f}}}\n",
             lora ? "gpt2_lora_step" : "gpt2_train_step", lora ? ", LoRA r8 on c_attn" : "", trainable,
             omp_get_max_threads(), s * 1e3, peak_rss_mb());
}

}  // namespace

int main(int argc, char** argv) {
  candor::passive_threads_by_default(argv);  // as the candor command does (engine/threads.h)
  // An optional argument names the one case to run (for profiling): small_gpt_step, gpt2_forward,
  // gpt2_generate, gpt2_train_step or gpt2_lora_step.
  auto wanted = [&](const char* name) { return argc < 2 || std::string(argv[1]) == name; };
  if (wanted("small_gpt_step")) {
    nn::Gpt2Config config;
    config.vocab_size = 512;
    config.n_positions = 64;
    config.n_embd = 128;
    config.n_layer = 4;
    config.n_head = 4;
    config.embd_pdrop = config.attn_pdrop = config.resid_pdrop = 0;
    Generator gen(0);
    nn::Gpt2Model model(config, gen);
    nn::AdamW optimizer(model.parameters(), nn::AdamWOptions{});
    Tensor ids = randint(0, 512, {16, 65}, &gen);
    Tensor inputs = narrow(ids, 1, 0, 64), targets = reshape(narrow(ids, 1, 1, 64), {-1});
    auto step = [&] {
      optimizer.zero_grad();
      Tensor logits = reshape(model(inputs), {16 * 64, 512});
      Tensor loss = cross_entropy(logits, targets);
      loss.backward();
      optimizer.step();
    };
    double s = median_seconds(step, 3, 20);
    fmt::print("{{\"name\": \"small_gpt_step\", \"shape\": \"4L 4H 128w ctx64 V512 B16\", \"threads\": {}, "
               "\"median_ms\": {:.2f}, \"peak_rss_mb\": {:.1f}}}\n", omp_get_max_threads(), s * 1e3, peak_rss_mb());
  }
  if (wanted("gpt2_forward")) {
    nn::Gpt2Config config;  // GPT-2 124M
    config.embd_pdrop = config.attn_pdrop = config.resid_pdrop = 0;
    Generator gen(0);
    nn::Gpt2Model model(config, gen);
    model.eval();
    Tensor ids = randint(0, config.vocab_size, {1, 128}, &gen);
    double s = median_seconds([&] {
      NoGradGuard no_grad;
      model(ids);
    }, 2, 10);
    fmt::print("{{\"name\": \"gpt2_forward\", \"shape\": \"124M, 1x128 tokens\", \"threads\": {}, "
               "\"median_ms\": {:.2f}, \"peak_rss_mb\": {:.1f}}}\n", omp_get_max_threads(), s * 1e3, peak_rss_mb());
  }
  if (wanted("gpt2_generate")) {
    nn::Gpt2Config config;  // GPT-2 124M
    Generator gen(0);
    nn::Gpt2Model model(config, gen);
    const std::vector<int64_t> prompt = randint(0, config.vocab_size, {10}, &gen).to_vector<int64_t>();
    constexpr int64_t kNew = 100;
    for (bool cache : {true, false}) {
      nn::GenerateOptions options;
      options.use_cache = cache;
      nn::GenerateStats stats;
      // The uncached loop takes seconds: one timed run after a warm-up, three with the cache.
      double s = median_seconds([&] { nn::generate(model, prompt, kNew, options, &stats); }, 1, cache ? 3 : 1);
      fmt::print("{{\"name\": \"gpt2_generate\", \"shape\": \"124M, 10-token prompt + {} greedy tokens\", "
                 "\"kv_cache\": {}, \"threads\": {}, \"median_s\": {:.3f}, \"tokens_per_s\": {:.2f}, "
                 "\"peak_cache_bytes\": {}, \"peak_rss_mb\": {:.1f}}}\n", kNew, cache, omp_get_max_threads(), s,
                 static_cast<double>(kNew) / s, stats.peak_cache_bytes, peak_rss_mb());
    }
    std::vector<std::vector<int64_t>> prompts{prompt};
    for (int b = 1; b < 4; ++b) prompts.push_back(randint(0, config.vocab_size, {10}, &gen).to_vector<int64_t>());
    nn::GenerateStats stats;
    double s = median_seconds([&] { nn::generate_batch(model, prompts, kNew, {}, &stats); }, 1, 3);
    fmt::print("{{\"name\": \"gpt2_generate_batch\", \"shape\": \"124M, 4 x (10-token prompt + {} greedy tokens)\", "
               "\"kv_cache\": true, \"threads\": {}, \"median_s\": {:.3f}, \"tokens_per_s\": {:.2f}, "
               "\"peak_cache_bytes\": {}, \"peak_rss_mb\": {:.1f}}}\n", kNew, omp_get_max_threads(), s,
               4.0 * static_cast<double>(kNew) / s, stats.peak_cache_bytes, peak_rss_mb());
  }
  if (wanted("gpt2_train_step")) gpt2_step(false);
  if (wanted("gpt2_lora_step")) gpt2_step(true);
  return 0;
}
