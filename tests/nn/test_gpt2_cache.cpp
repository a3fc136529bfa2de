// GPT-2 generation with a KV cache, on the tiny random checkpoint of tests/nn/fixtures/gpt2 (V 96,
// n_positions 32, 2 layers, width 32): the cached path must choose the tokens the uncached path
// chooses, greedy and sampled, across the n_positions crop, for one prompt or a left-padded batch;
// its logits match a full forward's; its memory is 2 L S C floats per row; misuse is refused.
#include <doctest/doctest.h>
#include <omp.h>

#include <filesystem>
#include <utility>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops/ops.h"
#include "nn/gpt2.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::nn;
using candor::testing::all_close;
using candor::testing::check_throws;

namespace {

const std::string kFixture = (std::filesystem::path(__FILE__).parent_path() / "fixtures" / "gpt2").string();

GenerateOptions no_cache(GenerateOptions o) {
  o.use_cache = false;
  return o;
}

}  // namespace

TEST_CASE("gpt2 cache: cached generation picks the uncached tokens, greedy and sampled") {
  auto model = from_pretrained(kFixture);
  const std::vector<std::vector<int64_t>> prompts{{5, 17, 42, 3, 88, 60, 1}, {0}, {95, 94, 93, 10, 11, 12}};
  std::vector<GenerateOptions> options{GenerateOptions{}, GenerateOptions{false, 0, 1.0, 1.5, 42},
                                       GenerateOptions{false, 5, 1.0, 0.8, 7},
                                       GenerateOptions{false, 0, 0.9, 1.2, 3}};
  for (const auto& prompt : prompts) {
    for (const GenerateOptions& o : options) {
      CAPTURE(prompt.size());
      CAPTURE(o.seed);
      GenerateStats with, without;
      const std::vector<int64_t> cached = generate(*model, prompt, 20, o, &with);
      CHECK(cached == generate(*model, prompt, 20, no_cache(o), &without));
      CHECK(with.context_runs == 1);  // the prompt once; then one token per step
      CHECK(without.context_runs == 20);
      CHECK(without.peak_cache_bytes == 0);
    }
  }
}

TEST_CASE("gpt2 cache: past n_positions the cropped window is rerun, as without the cache") {
  auto model = from_pretrained(kFixture);
  const Gpt2Config& c = model->config();
  REQUIRE(c.n_positions == 32);
  std::vector<int64_t> prompt;
  for (int64_t i = 0; i < 30; ++i) prompt.push_back((i * 37 + 11) % c.vocab_size);
  for (const GenerateOptions& o : {GenerateOptions{}, GenerateOptions{false, 0, 1.0, 1.0, 5}}) {
    GenerateStats with, without;
    const std::vector<int64_t> cached = generate(*model, prompt, 10, o, &with);
    CHECK(cached.size() == 40);
    CHECK(cached == generate(*model, prompt, 10, no_cache(o), &without));
    // 30 prompt tokens fill the cache; tokens 31 and 32 are appended at positions 30 and 31; each
    // of the 7 later steps crops to the last 32 tokens, whose positions have all shifted.
    CHECK(with.context_runs == 1 + 7);
    CHECK(without.context_runs == 10);
    // keys and values of 32 positions, 2 layers, width 32, float32
    CHECK(with.peak_cache_bytes == 2 * c.n_layer * c.n_positions * c.n_embd * 4);
  }
}

TEST_CASE("gpt2 cache: a left-padded batch of prompts gives each prompt's own tokens") {
  auto model = from_pretrained(kFixture);
  const Gpt2Config& c = model->config();
  std::vector<int64_t> long_prompt;  // 30 tokens: with 10 new ones it crosses n_positions = 32
  for (int64_t i = 0; i < 30; ++i) long_prompt.push_back((i * 53 + 2) % c.vocab_size);
  const std::vector<std::vector<int64_t>> prompts{{5, 17, 42, 3, 88, 60, 1}, {0}, long_prompt, {95, 94, 93}};
  for (const GenerateOptions& o : {GenerateOptions{}, GenerateOptions{false, 0, 1.0, 1.5, 42},
                                   GenerateOptions{false, 4, 0.95, 0.9, 8}}) {
    CAPTURE(o.seed);
    GenerateStats with, without;
    const auto cached = generate_batch(*model, prompts, 10, o, &with);
    REQUIRE(cached.size() == prompts.size());
    CHECK(generate_batch(*model, prompts, 10, no_cache(o), &without) == cached);
    for (size_t b = 0; b < prompts.size(); ++b) {
      CAPTURE(b);
      CHECK(cached[b] == generate(*model, prompts[b], 10, no_cache(o)));
    }
    // one batched prompt run, 2 steps until the longest row holds 32 positions, then 7 reruns
    CHECK(with.context_runs == 1 + 7);
    CHECK(without.context_runs == 4 * 10);
    CHECK(with.peak_cache_bytes == 4 * 2 * c.n_layer * c.n_positions * c.n_embd * 4);
  }
}

TEST_CASE("gpt2 cache: step-by-step logits match a forward of the whole context") {
  auto model = from_pretrained(kFixture);
  model->eval();
  NoGradGuard no_grad;
  std::vector<int64_t> ids{5, 17, 42, 3, 88, 60, 1};
  KvCache cache(model->config().n_layer);
  Tensor step = model->next_token_logits(from_vector(ids, {1, 7}), cache);  // [1, V]
  for (int64_t next : {9, 90, 33, 0, 61}) {
    const auto T = static_cast<int64_t>(ids.size());
    CHECK(cache.length() == T);
    CHECK(cache.bytes() == 2 * 2 * T * 32 * 4);
    Tensor full = model->forward(from_vector(ids, {1, T}));  // [1, T, V]
    all_close("last-position logits", step, reshape(slice(full, 1, T - 1, T), {1, -1}), 1e-5, 1e-5);
    ids.push_back(next);
    step = model->next_token_logits(from_vector(std::vector<int64_t>{next}, {1, 1}), cache);
  }
  cache.clear();
  CHECK(cache.length() == 0);
  CHECK(cache.bytes() == 0);
}

TEST_CASE("gpt2 cache: cached sampling gives the same bits on 1 and 2 threads") {
  // Wide enough (width 128, V 4096) that the thin products of a decoding step run threaded.
  nn::Gpt2Config config;
  config.vocab_size = 4096;
  config.n_positions = 64;
  config.n_embd = 128;
  config.n_layer = 2;
  config.n_head = 4;
  Generator gen(11);
  Gpt2Model model(config, gen);
  const int saved = omp_get_max_threads();
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    NoGradGuard no_grad;
    KvCache cache(2);
    model.eval();
    Tensor first = model.next_token_logits(from_vector(std::vector<int64_t>{1, 2, 3, 4, 5}, {1, 5}), cache);
    Tensor step = model.next_token_logits(from_vector(std::vector<int64_t>{6}, {1, 1}), cache);
    return std::pair{concat({first, step}, 0).to_vector<float>(),
                     generate(model, {7, 8, 9}, 12, GenerateOptions{false, 0, 1.0, 1.0, 5})};
  };
  const auto one = run(1), two = run(2);
  omp_set_num_threads(saved);
  CHECK(one.first == two.first);
  CHECK(one.second == two.second);
}

TEST_CASE("gpt2 cache: misuse is refused with a clear error") {
  auto model = from_pretrained(kFixture);
  KvCache cache(model->config().n_layer);
  check_throws<ValueError>([&] { model->next_token_logits(from_vector(std::vector<int64_t>{1, 2}, {1, 2}), cache); },
                           {"KV cache", "NoGradGuard"});
  NoGradGuard no_grad;
  model->next_token_logits(zeros({1, 30}, kInt64), cache);
  check_throws<ShapeError>([&] { model->next_token_logits(zeros({1, 2}, kInt64), cache); }, {"one token"});
  model->next_token_logits(zeros({1, 1}, kInt64), cache);
  model->next_token_logits(zeros({1, 1}, kInt64), cache);
  check_throws<ValueError>([&] { model->next_token_logits(zeros({1, 1}, kInt64), cache); },
                           {"32 cached positions", "n_positions = 32"});
  cache.clear();
  check_throws<ValueError>([&] { model->next_token_logits(zeros({1, 2}, kInt64), cache, Tensor(),
                                                          from_vector(std::vector<int64_t>{0, 32}, {1, 2})); },
                           {"position 32", "n_positions = 32"});
  check_throws<ValueError>([&] { model->next_token_logits(zeros({1, 2}, kInt64), cache, Tensor(), zeros({1, 2})); },
                           {"position_ids", "int64"});
  check_throws<ValueError>([&] { generate_batch(*model, {}, 2); }, {"no prompts"});
  check_throws<ValueError>([&] { generate_batch(*model, {{1}, {}}, 2); }, {"prompt 1", "at least one token"});
  check_throws<ValueError>([&] { generate_batch(*model, {{1}, {4, 96}}, 2); }, {"prompt 1", "token 96"});
  KvCache wrong(3);
  check_throws<ValueError>([&] { model->next_token_logits(zeros({1, 1}, kInt64), wrong); }, {"3 layers"});
  check_throws<ValueError>([] { KvCache none(0); }, {"n_layer"});
  check_throws<IndexError>([&] { cache.layer(2); }, {"layer 2"});
}
