#include "explain/ebm/bagging.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "explain/ebm/random.h"

namespace candor::explain::ebm {

namespace {

// Marks `k` of `rows` (chosen uniformly by a partial Fisher-Yates shuffle) in `is_train`.
void choose(std::vector<size_t> rows, size_t k, Generator& gen, std::vector<bool>& is_train) {
  for (size_t i = 0; i < k; ++i) {
    std::swap(rows[i], rows[i + draw_below(gen, rows.size() - i)]);
    is_train[rows[i]] = true;
  }
}

}  // namespace

BagSplit draw_bag(const std::vector<double>& y, bool stratified, double validation_size,
                  Generator& gen) {
  const size_t n = y.size();
  const auto n_val = static_cast<size_t>(
      validation_size >= 1 ? std::min<double>(validation_size, static_cast<double>(n))
                           : std::floor(static_cast<double>(n) * validation_size));
  const size_t n_train = n - n_val;
  std::vector<bool> is_train(n, false);
  if (n_val == 0) {
    is_train.assign(n, true);  // no draws: the generator is left as it was
  } else if (!stratified) {
    std::vector<size_t> all(n);
    for (size_t i = 0; i < n; ++i) all[i] = i;
    choose(std::move(all), n_train, gen, is_train);
  } else {
    std::map<double, std::vector<size_t>> classes;
    for (size_t i = 0; i < n; ++i) classes[y[i]].push_back(i);
    std::vector<const std::vector<size_t>*> rows;
    std::vector<double> ideal;
    std::vector<size_t> take;
    size_t assigned = 0;
    for (const auto& [label, members] : classes) {
      rows.push_back(&members);
      const double target = static_cast<double>(n_train) * static_cast<double>(members.size()) /
                            static_cast<double>(n);
      ideal.push_back(target);
      const double first = std::floor(target) - 1;
      take.push_back(first > 0 ? std::min(static_cast<size_t>(first), members.size()) : 0);
      assigned += take.back();
    }
    std::vector<size_t> tied;
    while (assigned < n_train) {
      double most = -std::numeric_limits<double>::infinity();
      tied.clear();
      for (size_t c = 0; c < take.size(); ++c) {
        if (take[c] >= rows[c]->size()) continue;
        const double below = ideal[c] - static_cast<double>(take[c]);
        if (below > most) {
          most = below;
          tied.clear();
        }
        if (below == most) tied.push_back(c);
      }
      const size_t c = tied.size() > 1 ? tied[draw_below(gen, tied.size())] : tied[0];
      ++take[c];
      ++assigned;
    }
    for (size_t c = 0; c < take.size(); ++c) choose(*rows[c], take[c], gen, is_train);
  }
  BagSplit split;
  for (size_t i = 0; i < n; ++i) (is_train[i] ? split.train : split.validation).push_back(i);
  return split;
}

std::vector<uint64_t> bag_seeds(uint64_t seed, size_t bags) {
  Generator gen(seed);
  std::set<uint64_t> used;
  std::vector<uint64_t> seeds;
  while (seeds.size() < bags) {
    const uint64_t s = gen.next_u64();
    if (used.insert(s).second) seeds.push_back(s);
  }
  return seeds;
}

}  // namespace candor::explain::ebm
