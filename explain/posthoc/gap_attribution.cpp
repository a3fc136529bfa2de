#include "explain/posthoc/gap_attribution.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::explain {

GapAttribution attribute_gap(const ShapleyResult& shapley, const datasets::SensitiveFeature& groups,
                             const std::vector<double>& weights) {
  const size_t rows = shapley.values.rows, players = shapley.players.size();
  if (static_cast<size_t>(groups.rows()) != rows) {
    throw ValueError(fmt::format("gap attribution: {} group ids for {} explained rows", groups.rows(), rows));
  }
  if (!weights.empty() && weights.size() != rows) {
    throw ValueError(fmt::format("gap attribution: {} weights for {} explained rows", weights.size(), rows));
  }
  const std::vector<int64_t> ids = groups.ids.to_vector<int64_t>();
  const size_t k = groups.size();
  std::vector<double> mass(k, 0.0), score(k, 0.0);
  std::vector<size_t> count(k, 0);
  Matrix phi_sum(k, players);
  for (size_t r = 0; r < rows; ++r) {
    if (ids[r] < 0 || static_cast<size_t>(ids[r]) >= k) {
      throw ValueError(fmt::format("gap attribution: row {} has group id {}, but \"{}\" has {} groups", r, ids[r],
                                   groups.name, k));
    }
    const auto g = static_cast<size_t>(ids[r]);
    const double w = weights.empty() ? 1.0 : weights[r];
    mass[g] += w;
    count[g] += 1;
    score[g] += w * shapley.prediction[r];
    for (size_t j = 0; j < players; ++j) phi_sum(g, j) += w * shapley.values(r, j);
  }
  std::vector<size_t> present;
  for (size_t g = 0; g < k; ++g) {
    if (mass[g] > 0) present.push_back(g);
  }
  if (present.size() < 2) {
    throw ValueError(fmt::format("gap attribution: the explained rows hold {} group(s) of \"{}\" with weight; "
                                 "a gap needs two (explain more rows)",
                                 present.size(), groups.name));
  }
  auto mean = [&](size_t g) { return score[g] / mass[g]; };
  // Ties keep the first group in id order on each side.
  size_t high = present.front(), low = present.front();
  for (size_t g : present) {
    if (mean(g) > mean(high)) high = g;
    if (mean(g) < mean(low)) low = g;
  }
  if (high == low) low = present.back();  // every group has the same mean: any pair, gap 0

  GapAttribution a;
  a.sensitive = groups.name;
  a.high_group = groups.groups[high];
  a.low_group = groups.groups[low];
  a.high_mean = mean(high);
  a.low_mean = mean(low);
  a.gap = a.high_mean - a.low_mean;
  a.high_rows = count[high];
  a.low_rows = count[low];
  double total = 0;
  for (size_t j = 0; j < players; ++j) {
    const double c = phi_sum(high, j) / mass[high] - phi_sum(low, j) / mass[low];
    a.contributions.push_back({shapley.players[j], c});
    total += c;
  }
  a.residual = total - a.gap;
  std::stable_sort(a.contributions.begin(), a.contributions.end(),
                   [](const FeatureContribution& x, const FeatureContribution& y) {
                     return std::abs(x.contribution) > std::abs(y.contribution);
                   });
  return a;
}

std::string describe(const GapAttribution& a, size_t top) {
  std::string text = fmt::format("the gap in mean score between {} ({:.3f}) and {} ({:.3f}), {:.3f}, comes from:",
                                 a.high_group, a.high_mean, a.low_group, a.low_mean, a.gap);
  for (size_t i = 0; i < std::min(top, a.contributions.size()); ++i) {
    text += fmt::format("{} {} {:+.3f}", i == 0 ? "" : ",", a.contributions[i].player, a.contributions[i].contribution);
  }
  if (a.contributions.size() > top) {
    double rest = 0;
    for (size_t i = top; i < a.contributions.size(); ++i) rest += a.contributions[i].contribution;
    text += fmt::format(", the other {} features {:+.3f}", a.contributions.size() - top, rest);
  }
  return text;
}

nlohmann::json to_json(const GapAttribution& a) {
  nlohmann::json contributions = nlohmann::json::array();
  for (const auto& c : a.contributions) contributions.push_back({{"feature", c.player}, {"contribution", c.contribution}});
  return {{"sensitive", a.sensitive},
          {"high_group", a.high_group},
          {"low_group", a.low_group},
          {"high_mean", a.high_mean},
          {"low_mean", a.low_mean},
          {"gap", a.gap},
          {"high_rows", a.high_rows},
          {"low_rows", a.low_rows},
          {"contributions", contributions},
          {"residual", a.residual}};
}

}  // namespace candor::explain
