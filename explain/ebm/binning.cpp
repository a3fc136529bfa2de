#include "explain/ebm/binning.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <queue>

#include <fmt/format.h>

#include "datasets/errors.h"

namespace candor::explain::ebm {

size_t FeatureBins::bin_count(BinLevel level) const {
  if (kind == FeatureKind::Nominal) return categories.size() + 2;
  return cuts_at(level).size() + 3;
}

// The rules (InterpretML's CutQuantile, reproduced rather than ported; reference section 1.2):
//  1. Sort the values; n of them, k distinct values u_0 < ... < u_{k-1} with counts c_j.
//     At most C = min(max_bins - 3, n - 1) cuts.
//  2. A value whose run is at least L = ceil(n / (C + 1)) long (longer than an average bin) is
//     "uncuttable": it gets cuts on both of its edges and none inside.
//  3. The values between uncuttable runs form cutting ranges (m samples, d distinct values). The
//     remaining cuts go one at a time to the range whose average bin width after one more cut,
//     m / (r + 1), is largest (ties: the lower range), at most d bins per range: this maximises the
//     smallest average bin width.
//  4. Inside a range with r bins, cut j aims at the j/r quantile of the range (j * m / r samples in)
//     and snaps to the nearest boundary between two distinct values (ties: the lower one); cuts
//     that land on the same boundary, or on the range's ends, merge. So rare values in sparse
//     stretches share a bin, as in InterpretML (Adult's ages 82 and 83 share one at 1024 bins).
//  5. A cut's value is the midpoint of the two distinct values around it.
std::vector<double> cut_quantile(std::vector<double> values, size_t max_bins) {
  std::vector<double> vals;
  vals.reserve(values.size());
  for (double v : values) {
    if (std::isnan(v)) continue;
    vals.push_back(v == INFINITY ? DBL_MAX : v == -INFINITY ? -DBL_MAX : v);
  }
  std::sort(vals.begin(), vals.end());
  const size_t n = vals.size();
  if (n < 2 || max_bins <= 3) return {};
  const size_t max_cuts = std::min(max_bins - 3, n - 1);

  std::vector<double> u;       // distinct values
  std::vector<size_t> count;   // their run lengths
  for (double v : vals) {
    if (u.empty() || v != u.back()) {
      u.push_back(v);
      count.push_back(0);
    }
    ++count.back();
  }
  const size_t k = u.size();
  if (k < 2) return {};

  // Boundary j separates u[j-1] and u[j] (1 <= j < k).
  const size_t run_min = (n + max_cuts) / (max_cuts + 1);  // ceil(n / (C + 1))
  std::vector<bool> uncuttable(k);
  for (size_t j = 0; j < k; ++j) uncuttable[j] = count[j] >= run_min;
  std::vector<size_t> mandatory;
  for (size_t j = 1; j < k; ++j)
    if (uncuttable[j - 1] || uncuttable[j]) mandatory.push_back(j);
  if (mandatory.size() > max_cuts) {
    // Only with very few bins: keep the edges of the longest runs.
    auto weight = [&](size_t j) {
      return std::max(uncuttable[j - 1] ? count[j - 1] : 0, uncuttable[j] ? count[j] : 0);
    };
    std::stable_sort(mandatory.begin(), mandatory.end(),
                     [&](size_t a, size_t b) { return weight(a) > weight(b); });
    mandatory.resize(max_cuts);
  }
  std::vector<bool> is_cut(k, false);
  for (size_t j : mandatory) is_cut[j] = true;

  struct Range {
    size_t first, end;  // distinct values [first, end)
    size_t samples;
    size_t bins = 1;
  };
  std::vector<Range> ranges;
  for (size_t j = 0; j < k;) {
    if (uncuttable[j]) {
      ++j;
      continue;
    }
    Range r{j, j, 0};
    while (r.end < k && !uncuttable[r.end]) r.samples += count[r.end++];
    ranges.push_back(r);
    j = r.end;
  }

  // Step 3: hand out the remaining cuts, widest average bin first.
  size_t budget = max_cuts - mandatory.size();
  using Entry = std::pair<double, size_t>;  // (width after one more cut, -index as tiebreak)
  auto cmp = [](const Entry& a, const Entry& b) {
    return a.first < b.first || (a.first == b.first && a.second > b.second);
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(cmp)> queue(cmp);
  for (size_t i = 0; i < ranges.size(); ++i)
    if (ranges[i].end - ranges[i].first > 1)
      queue.push({static_cast<double>(ranges[i].samples) / 2.0, i});
  while (budget > 0 && !queue.empty()) {
    size_t i = queue.top().second;
    queue.pop();
    Range& r = ranges[i];
    ++r.bins;
    --budget;
    if (r.bins < r.end - r.first)
      queue.push({static_cast<double>(r.samples) / static_cast<double>(r.bins + 1), i});
  }

  // Step 4: equal-count aims, snapped to boundaries (exact integer comparisons).
  for (const Range& r : ranges) {
    if (r.bins < 2) continue;
    const size_t d = r.end - r.first;
    std::vector<size_t> acc(d + 1, 0);  // samples before local boundary t
    for (size_t t = 0; t < d; ++t) acc[t + 1] = acc[t] + count[r.first + t];
    for (size_t q = 1; q < r.bins; ++q) {
      // target = samples * q / bins; compare acc[t] * bins with samples * q.
      const __int128 target = static_cast<__int128>(r.samples) * q;
      auto it = std::lower_bound(acc.begin(), acc.end(), target, [&](size_t a, __int128 t) {
        return static_cast<__int128>(a) * r.bins < t;
      });
      size_t t = static_cast<size_t>(it - acc.begin());
      if (t == acc.size()) t = d;
      if (t > 0) {
        __int128 above = static_cast<__int128>(acc[t]) * r.bins - target;
        __int128 below = target - static_cast<__int128>(acc[t - 1]) * r.bins;
        if (below <= above) --t;
      }
      if (t > 0 && t < d) is_cut[r.first + t] = true;
    }
  }

  std::vector<double> cuts;
  for (size_t j = 1; j < k; ++j) {
    if (!is_cut[j]) continue;
    double mid = 0.5 * u[j - 1] + 0.5 * u[j];  // halving is exact, so one rounding: no overflow
    if (!(mid > u[j - 1])) mid = u[j];         // adjacent doubles: keep u[j-1] below the cut
    cuts.push_back(mid);
  }
  return cuts;
}

size_t discretize(double x, const std::vector<double>& cuts) {
  if (std::isnan(x)) return 0;
  return 1 + static_cast<size_t>(std::upper_bound(cuts.begin(), cuts.end(), x) - cuts.begin());
}

std::string category_key(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{}", value);
}

namespace {

// Categories in InterpretML's order: by numeric value when every one is a number, else as text.
void sort_categories(std::vector<std::string>& categories) {
  std::vector<std::pair<double, std::string>> numbers;
  for (const auto& c : categories) {
    double v;
    if (!datasets::parse_number(c, v) || std::isnan(v)) {
      std::sort(categories.begin(), categories.end());
      return;
    }
    numbers.emplace_back(v, c);
  }
  std::sort(numbers.begin(), numbers.end());
  for (size_t i = 0; i < numbers.size(); ++i) categories[i] = numbers[i].second;
}

}  // namespace

std::vector<FeatureBins> fit_bins(const datasets::Table& table,
                                  const std::vector<std::string>& features,
                                  const BinningOptions& options) {
  std::vector<FeatureBins> out;
  for (const auto& name : features) {
    const datasets::Column& col = table.column(name);
    FeatureBins f;
    f.name = name;
    bool nominal = !col.is_numeric() || std::find(options.nominal.begin(), options.nominal.end(),
                                                  name) != options.nominal.end();
    if (!nominal) {
      f.kind = FeatureKind::Continuous;
      f.cuts = cut_quantile(col.numbers, options.max_bins);
      f.interaction_cuts = cut_quantile(col.numbers, options.max_interaction_bins);
    } else {
      f.kind = FeatureKind::Nominal;
      std::unordered_map<std::string, bool> seen;
      for (size_t i = 0; i < col.size(); ++i) {
        if (col.missing[i]) continue;
        std::string key = col.is_numeric() ? category_key(col.numbers[i]) : col.values[i];
        if (seen.emplace(key, true).second) f.categories.push_back(key);
      }
      sort_categories(f.categories);
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<uint32_t> bin_column(const FeatureBins& feature, const datasets::Column& column,
                                 BinLevel level) {
  const size_t n = column.size();
  const auto unseen = static_cast<uint32_t>(feature.bin_count(level) - 1);
  std::vector<uint32_t> bins(n, 0);
  if (feature.kind == FeatureKind::Continuous) {
    const auto& cuts = feature.cuts_at(level);
    for (size_t i = 0; i < n; ++i) {
      if (column.missing[i]) continue;
      double x;
      if (column.is_numeric()) {
        x = column.numbers[i];
      } else if (!datasets::parse_number(column.values[i], x)) {
        bins[i] = unseen;  // a non-number in a continuous feature
        continue;
      }
      bins[i] = static_cast<uint32_t>(discretize(x, cuts));
    }
    return bins;
  }
  std::unordered_map<std::string, uint32_t> index;
  for (size_t k = 0; k < feature.categories.size(); ++k)
    index.emplace(feature.categories[k], static_cast<uint32_t>(k + 1));
  for (size_t i = 0; i < n; ++i) {
    if (column.missing[i]) continue;
    auto it = index.find(column.is_numeric() ? category_key(column.numbers[i]) : column.values[i]);
    bins[i] = it == index.end() ? unseen : it->second;
  }
  return bins;
}

}  // namespace candor::explain::ebm
