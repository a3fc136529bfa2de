#include "explain/ebm/fast.h"

#include <algorithm>
#include <numeric>

namespace candor::explain::ebm {

double fast_strength(const double* hist, const uint32_t* counts, size_t n0, size_t n1,
                     const LeafRules& rules, double total_weight) {
  // Inclusive 2-D prefix sums P[(a+1)(n1+1) + (b+1)] = sum over cells <= (a, b).
  const size_t w = n1 + 1;
  static thread_local std::vector<Stats> prefix;
  prefix.assign((n0 + 1) * w, Stats{});
  for (size_t a = 0; a < n0; ++a) {
    Stats row;
    for (size_t b = 0; b < n1; ++b) {
      const size_t c = a * n1 + b;
      row += Stats{hist[2 * c], hist[2 * c + 1], counts[c]};
      Stats s = prefix[a * w + b + 1];
      s += row;
      prefix[(a + 1) * w + b + 1] = s;
    }
  }
  const Stats total = prefix[n0 * w + n1];
  double best = -1;
  for (size_t i = 0; i + 1 < n0; ++i) {
    const Stats low_rows = prefix[(i + 1) * w + n1];
    for (size_t j = 0; j + 1 < n1; ++j) {
      const Stats ll = prefix[(i + 1) * w + j + 1];
      const Stats lh = low_rows - ll;
      const Stats hl = prefix[n0 * w + j + 1] - ll;
      const Stats hh = total - low_rows - hl;
      if (!rules.legal(ll) || !rules.legal(lh) || !rules.legal(hl) || !rules.legal(hh)) continue;
      const double score = partial_gain(ll) + partial_gain(lh) + partial_gain(hl) + partial_gain(hh);
      if (score > best) best = score;
    }
  }
  if (best < 0 || !(total_weight > 0)) return 0.0;
  const double strength = (best - partial_gain(total)) / total_weight;
  return strength > 0 ? strength : 0.0;
}

std::vector<size_t> select_pairs_by_rank(const std::vector<std::vector<double>>& strengths,
                                         size_t count) {
  if (strengths.empty()) return {};
  const size_t n_pairs = strengths[0].size();
  std::vector<double> rank_sum(n_pairs, 0.0);
  std::vector<size_t> order(n_pairs);
  for (const auto& bag : strengths) {
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return bag[a] > bag[b]; });
    for (size_t r = 0; r < n_pairs; ++r) rank_sum[order[r]] += static_cast<double>(r);
  }
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rank_sum[a] < rank_sum[b]; });
  order.resize(std::min(count, n_pairs));
  return order;
}

}  // namespace candor::explain::ebm
