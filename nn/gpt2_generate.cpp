// GPT-2 token generation: greedy or sampled (temperature, top-k, top-p), with or without a KV
// cache; declared in nn/gpt2.h.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops/ops.h"
#include "nn/gpt2.h"

namespace candor::nn {

namespace {

// Restores the model's training flag when generation ends (also by an exception).
struct TrainingRestore {
  Module& m;
  bool was;
  ~TrainingRestore() { m.train(was); }
};

int64_t argmax_of(const std::vector<double>& row) {
  return static_cast<int64_t>(std::max_element(row.begin(), row.end()) - row.begin());  // first maximum
}

int64_t sample_from(std::vector<double> logits, const GenerateOptions& o, Generator& gen) {
  const double neg_inf = -std::numeric_limits<double>::infinity();
  const auto V = static_cast<int64_t>(logits.size());
  for (double& l : logits) l /= o.temperature;
  if (o.top_k > 0 && o.top_k < V) {  // keep values >= the k-th largest
    std::vector<double> sorted = logits;
    std::nth_element(sorted.begin(), sorted.begin() + (o.top_k - 1), sorted.end(), std::greater<double>());
    const double kth = sorted[static_cast<size_t>(o.top_k - 1)];
    for (double& l : logits) if (l < kth) l = neg_inf;
  }
  // probabilities over the kept tokens
  const double top = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double total = 0;
  for (size_t i = 0; i < p.size(); ++i) total += p[i] = std::exp(logits[i] - top);
  for (double& x : p) x /= total;
  if (o.top_p < 1.0) {  // keep a token while the mass of the more likely ones is below top_p
    std::vector<int64_t> order(p.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[a] > p[b]; });
    double before = 0, kept = 0;
    for (int64_t i : order) {
      if (before >= o.top_p) {
        before += p[i];
        p[i] = 0;
      } else {
        before += p[i];
        kept += p[i];
      }
    }
    for (double& x : p) x /= kept;
  }
  const double u = static_cast<double>(gen.next_u64() >> 11) * 0x1.0p-53;  // [0, 1)
  double cumulative = 0;
  int64_t last = 0;
  for (int64_t i = 0; i < V; ++i) {
    if (p[i] <= 0) continue;
    last = i;
    cumulative += p[i];
    if (u < cumulative) return i;
  }
  return last;  // rounding left u above the final sum
}

// The last position's logits [V] for the sequence `ids`. Without a cache: a forward of the last
// n_positions tokens. With one: the newest token alone while it fits after the cached positions,
// else (the first step, or a sequence past n_positions, whose window has shifted) the cache is
// refilled from the context the uncached path would run.
std::vector<double> next_logits(Gpt2Model& model, const std::vector<int64_t>& ids, KvCache* cache,
                                GenerateStats& stats) {
  const int64_t n_positions = model.config().n_positions;
  const bool one_token = cache != nullptr && cache->length() > 0 && cache->length() < n_positions;
  const auto T = one_token ? 1 : std::min<int64_t>(static_cast<int64_t>(ids.size()), n_positions);
  Tensor context = from_vector(std::vector<int64_t>(ids.end() - T, ids.end()), {1, T});  // [1, T]
  if (!one_token) ++stats.context_runs;
  if (cache == nullptr) {
    Tensor logits = model.forward(context);                 // [1, T, V]
    return slice(logits, 1, T - 1, T).to_vector<double>();  // [V]
  }
  if (!one_token) cache->clear();
  std::vector<double> last = model.next_token_logits(context, *cache).to_vector<double>();  // [V]
  stats.peak_cache_bytes = std::max(stats.peak_cache_bytes, cache->bytes());
  return last;
}

}  // namespace

std::vector<int64_t> generate(Gpt2Model& model, const std::vector<int64_t>& prompt_ids, int64_t max_new_tokens,
                              const GenerateOptions& o, GenerateStats* stats) {
  const Gpt2Config& c = model.config();
  if (prompt_ids.empty()) throw ValueError("generate: the prompt must have at least one token");
  for (int64_t id : prompt_ids) {
    if (id < 0 || id >= c.vocab_size) {
      throw ValueError(fmt::format("generate: prompt token {} is outside the vocabulary [0, {})", id, c.vocab_size));
    }
  }
  if (max_new_tokens < 0) throw ValueError(fmt::format("generate: max_new_tokens must be >= 0, got {}", max_new_tokens));
  if (!o.greedy) {
    if (!(o.temperature > 0) || !std::isfinite(o.temperature)) {
      throw ValueError(fmt::format("generate: temperature must be positive, got {}", o.temperature));
    }
    if (o.top_k < 0) throw ValueError(fmt::format("generate: top_k must be >= 0 (0: off), got {}", o.top_k));
    if (!(o.top_p > 0 && o.top_p <= 1)) throw ValueError(fmt::format("generate: top_p must be in (0, 1], got {}", o.top_p));
  }
  TrainingRestore restore{model, model.is_training()};
  model.eval();
  NoGradGuard no_grad;
  Generator gen(o.seed);
  std::optional<KvCache> cache;
  if (o.use_cache) cache.emplace(c.n_layer);
  GenerateStats counted;
  std::vector<int64_t> ids = prompt_ids;
  for (int64_t step = 0; step < max_new_tokens; ++step) {
    std::vector<double> last = next_logits(model, ids, cache ? &*cache : nullptr, counted);
    ids.push_back(o.greedy ? argmax_of(last) : sample_from(std::move(last), o, gen));
  }
  if (stats != nullptr) *stats = counted;
  return ids;
}

}  // namespace candor::nn
