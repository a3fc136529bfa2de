// GPT-2 token generation: greedy or sampled (temperature, top-k, top-p), with or without a KV
// cache; declared in nn/gpt2.h.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <string>

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

// The last position's logits [V] for one sequence without a cache: a forward of its last
// n_positions tokens.
std::vector<double> uncached_logits(Gpt2Model& model, const std::vector<int64_t>& ids, GenerateStats& stats) {
  const auto T = std::min<int64_t>(static_cast<int64_t>(ids.size()), model.config().n_positions);
  ++stats.context_runs;
  const Device device = model.transformer->wte->weight.device();
  Tensor logits = model.forward(from_vector(std::vector<int64_t>(ids.end() - T, ids.end()), {1, T}, device));  // [1, T, V]
  return slice(logits, 1, T - 1, T).to_vector<double>();  // [V]
}

// The cached path's state between steps: the cache, which of its keys are left padding [B, S]
// (1 there), and how many pads lead each row.
struct CachedRows {
  KvCache cache;
  Tensor padding;
  std::vector<int64_t> pads;
};

// The logits after each row's last token [B, V], with the cache. While one more position fits,
// the rows' newest tokens run alone (row b's at position S - pads[b]). Otherwise (the first step,
// or the longest row past n_positions, whose window has shifted) the cache is refilled from the
// windows the uncached path would run, left-padded to the longest.
Tensor cached_logits(Gpt2Model& model, const std::vector<std::vector<int64_t>>& rows, CachedRows& state,
                     GenerateStats& stats) {
  const int64_t n_positions = model.config().n_positions, B = static_cast<int64_t>(rows.size());
  const int64_t S = state.cache.length();
  const Device device = model.transformer->wte->weight.device();  // the inputs go where the model is
  Tensor logits;
  if (S > 0 && S < n_positions) {
    std::vector<int64_t> last, position;
    for (int64_t b = 0; b < B; ++b) {
      last.push_back(rows[static_cast<size_t>(b)].back());
      position.push_back(S - state.pads[static_cast<size_t>(b)]);
    }
    state.padding = concat({state.padding, zeros({B, 1}, kFloat32, device)}, 1);  // [B, S + 1]
    logits = model.next_token_logits(from_vector(last, {B, 1}, device), state.cache, state.padding,
                                     from_vector(position, {B, 1}, device));
  } else {
    int64_t P = 0;  // the longest window
    for (const auto& row : rows) P = std::max<int64_t>(P, std::min<int64_t>(static_cast<int64_t>(row.size()), n_positions));
    std::vector<int64_t> ids(static_cast<size_t>(B * P), 0), positions(static_cast<size_t>(B * P), 0);
    std::vector<float> padding(static_cast<size_t>(B * P), 1.0f);
    for (int64_t b = 0; b < B; ++b) {
      const auto& row = rows[static_cast<size_t>(b)];
      const auto size = static_cast<int64_t>(row.size());
      const int64_t len = std::min(size, n_positions), pad = P - len;
      state.pads[static_cast<size_t>(b)] = pad;
      for (int64_t t = pad; t < P; ++t) {
        const auto at = static_cast<size_t>(b * P + t);
        ids[at] = row[static_cast<size_t>(size - len + t - pad)];
        positions[at] = t - pad;
        padding[at] = 0.0f;
      }
    }
    state.cache.clear();
    state.padding = from_vector(padding, {B, P}, device);
    ++stats.context_runs;
    logits = model.next_token_logits(from_vector(ids, {B, P}, device), state.cache, state.padding,
                                     from_vector(positions, {B, P}, device));
  }
  stats.peak_cache_bytes = std::max(stats.peak_cache_bytes, state.cache.bytes());
  return logits;  // [B, V]
}

void check_prompt(const std::vector<int64_t>& prompt, const std::string& name, int64_t vocab_size) {
  if (prompt.empty()) throw ValueError(fmt::format("generate: {} must have at least one token", name));
  for (int64_t id : prompt) {
    if (id < 0 || id >= vocab_size) {
      throw ValueError(fmt::format("generate: {} has token {}, outside the vocabulary [0, {})", name, id, vocab_size));
    }
  }
}

}  // namespace

std::vector<int64_t> generate(Gpt2Model& model, const std::vector<int64_t>& prompt_ids, int64_t max_new_tokens,
                              const GenerateOptions& o, GenerateStats* stats) {
  return generate_batch(model, {prompt_ids}, max_new_tokens, o, stats).front();
}

std::vector<std::vector<int64_t>> generate_batch(Gpt2Model& model, const std::vector<std::vector<int64_t>>& prompts,
                                                 int64_t max_new_tokens, const GenerateOptions& o,
                                                 GenerateStats* stats) {
  const Gpt2Config& c = model.config();
  if (prompts.empty()) throw ValueError("generate: no prompts given");
  for (size_t b = 0; b < prompts.size(); ++b) {
    check_prompt(prompts[b], prompts.size() == 1 ? std::string("the prompt") : fmt::format("prompt {}", b), c.vocab_size);
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
  const size_t B = prompts.size();
  std::vector<Generator> gens(B, Generator(o.seed));
  std::optional<CachedRows> cached;
  if (o.use_cache) cached.emplace(CachedRows{KvCache(c.n_layer), Tensor(), std::vector<int64_t>(B, 0)});
  GenerateStats counted;
  std::vector<std::vector<int64_t>> rows = prompts;
  for (int64_t step = 0; step < max_new_tokens; ++step) {
    std::vector<double> batch_logits;  // [B, V] when cached
    if (cached) batch_logits = cached_logits(model, rows, *cached, counted).to_vector<double>();
    for (size_t b = 0; b < B; ++b) {
      std::vector<double> last;
      if (cached) {
        const auto begin = batch_logits.begin() + static_cast<std::ptrdiff_t>(b) * c.vocab_size;
        last.assign(begin, begin + c.vocab_size);
      } else {
        last = uncached_logits(model, rows[b], counted);
      }
      rows[b].push_back(o.greedy ? argmax_of(last) : sample_from(std::move(last), o, gens[b]));
    }
  }
  if (stats != nullptr) *stats = counted;
  return rows;
}

}  // namespace candor::nn
