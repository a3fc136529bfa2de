#include "explain/posthoc/lime.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "engine/error.h"
#include "explain/posthoc/percentile.h"
#include "explain/posthoc/predict_checked.h"
#include "explain/posthoc/ridge.h"

namespace candor::explain {

namespace {

// The bin of x among ascending edges e_0 < ... < e_{k-1}: 0 for x <= e_0, b for e_{b-1} < x <= e_b,
// k for x > e_{k-1} (numpy's searchsorted, as `lime`'s quartile discretizer bins).
size_t bin_of(const std::vector<double>& edges, double x) {
  return static_cast<size_t>(std::lower_bound(edges.begin(), edges.end(), x) - edges.begin());
}

// The 25th, 50th and 75th training percentiles of a column, duplicates removed.
std::vector<double> quartile_edges(const Matrix& training, size_t column) {
  std::vector<double> values(training.rows);
  for (size_t r = 0; r < training.rows; ++r) values[r] = training(r, column);
  std::sort(values.begin(), values.end());
  std::vector<double> edges;
  for (double q : {0.25, 0.5, 0.75}) edges.push_back(quantile_of_sorted(values, q));
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return edges;
}

void check_options(const LimeOptions& o) {
  if (o.num_samples < 2 || o.num_samples > kMaxLimeSamples) {
    throw ValueError(fmt::format("LIME: num_samples must be in [2, {}] (the instance and at least one perturbation), "
                                 "got {}",
                                 kMaxLimeSamples, o.num_samples));
  }
  if (!(o.kernel_width >= 0.0) || !std::isfinite(o.kernel_width)) {
    throw ValueError(fmt::format("LIME: kernel_width must be finite and >= 0 (0: the default), got {}",
                                 o.kernel_width));
  }
  if (!(o.ridge_alpha >= 0.0) || !std::isfinite(o.ridge_alpha)) {
    throw ValueError(fmt::format("LIME: ridge_alpha must be finite and >= 0, got {}", o.ridge_alpha));
  }
}

}  // namespace

std::vector<PlayerDisplay> displays_of(const datasets::Encoder& encoder) {
  std::vector<PlayerDisplay> displays;
  for (const auto& f : encoder.features()) {
    PlayerDisplay d;
    if (f.type == datasets::ColumnType::Categorical) {
      if (encoder.options().one_hot && f.categories.empty()) continue;  // no columns: players_of skips it
      d.categorical = true;
      d.categories = f.categories;
    } else if (encoder.options().standardize) {
      d.to_raw = [mean = f.mean, scale = f.scale](double x) { return x * scale + mean; };
    }
    displays.push_back(std::move(d));
  }
  return displays;
}

LimeTabular::LimeTabular(Matrix training, std::vector<Player> players, LimeOptions options,
                         std::vector<PlayerDisplay> displays)
    : training_(std::move(training)), players_(std::move(players)), options_(options),
      displays_(std::move(displays)) {
  check_columns(training_, training_.cols, "LIME training rows");
  check_players(players_, training_.cols);
  check_options(options_);
  if (displays_.empty()) displays_.resize(players_.size());
  if (displays_.size() != players_.size()) {
    throw ValueError(fmt::format("LIME: {} displays for {} players (give one per player, or none)", displays_.size(),
                                 players_.size()));
  }
  for (size_t p = 0; p < players_.size(); ++p) {
    const auto& names = displays_[p].categories;
    if (players_[p].columns.size() > 1 && !names.empty() && names.size() != players_[p].columns.size()) {
      throw ValueError(fmt::format("LIME: player \"{}\" has {} one-hot columns but its display names {} categories",
                                   players_[p].name, players_[p].columns.size(), names.size()));
    }
    edges_.push_back(categorical(p) ? std::vector<double>{} : quartile_edges(training_, players_[p].columns[0]));
  }
}

bool LimeTabular::categorical(size_t player) const {
  return players_[player].columns.size() > 1 || displays_[player].categorical;
}

bool LimeTabular::same_value(size_t player, const double* a, const double* b) const {
  if (!categorical(player)) {
    const size_t c = players_[player].columns[0];
    return bin_of(edges_[player], a[c]) == bin_of(edges_[player], b[c]);
  }
  for (size_t c : players_[player].columns) {
    if (a[c] != b[c]) return false;
  }
  return true;
}

std::string LimeTabular::describe(size_t player, const double* row) const {
  const Player& p = players_[player];
  const PlayerDisplay& d = displays_[player];
  if (!categorical(player)) {
    const auto& e = edges_[player];
    auto raw = [&](double x) { return d.to_raw ? d.to_raw(x) : x; };
    const size_t b = bin_of(e, row[p.columns[0]]);
    if (b == 0) return fmt::format("{} <= {:.2f}", p.name, raw(e[0]));
    if (b == e.size()) return fmt::format("{} > {:.2f}", p.name, raw(e.back()));
    return fmt::format("{:.2f} < {} <= {:.2f}", raw(e[b - 1]), p.name, raw(e[b]));
  }
  if (p.columns.size() == 1) {  // a category code
    const double code = row[p.columns[0]];
    const bool named = code >= 0 && code < static_cast<double>(d.categories.size()) && code == std::floor(code);
    return named ? fmt::format("{} = {}", p.name, d.categories[static_cast<size_t>(code)])
                 : fmt::format("{} = {}", p.name, code);
  }
  for (size_t k = 0; k < p.columns.size(); ++k) {
    if (row[p.columns[k]] == 1.0) {
      return d.categories.empty() ? fmt::format("{} = category {}", p.name, k)
                                  : fmt::format("{} = {}", p.name, d.categories[k]);
    }
  }
  return fmt::format("{} = none of its categories", p.name);  // an unseen category: all zeros
}

LimeExplanation LimeTabular::explain(const Matrix& rows, size_t row, const Predictor& predict) const {
  check_columns(rows, training_.cols, "LIME rows");
  if (row >= rows.rows) {
    throw ValueError(fmt::format("LIME: row {} is out of range: the rows have {} rows", row, rows.rows));
  }
  const size_t n = options_.num_samples, players = players_.size();
  const double* instance = rows.row(row);

  // Sample s > 0 takes player p's columns from training row `pick`, drawn from its own Philox
  // block, so the draws do not depend on the order they are made in.
  Matrix samples(n, training_.cols);
  for (size_t s = 0; s < n; ++s) std::copy(instance, instance + training_.cols, samples.row(s));
  Generator gen(options_.seed);
  const uint64_t base = gen.reserve((n - 1) * players);
  for (size_t s = 1; s < n; ++s) {
    for (size_t p = 0; p < players; ++p) {
      const auto pick = static_cast<size_t>(
          random_below(gen.block(base + (s - 1) * players + p), static_cast<int64_t>(training_.rows)));
      for (size_t c : players_[p].columns) samples(s, c) = training_(pick, c);
    }
  }

  LimeExplanation out;
  out.predictions = predict_checked(predict, samples, "LIME");
  out.interpretable = Matrix(n, players);
  out.weights.resize(n);
  const double width = options_.kernel_width > 0 ? options_.kernel_width
                                                  : 0.75 * std::sqrt(static_cast<double>(players));
  for (size_t s = 0; s < n; ++s) {
    double mismatches = 0;  // d^2: z differs from the all-ones instance by 1 in each such player
    for (size_t p = 0; p < players; ++p) {
      const bool same = same_value(p, samples.row(s), instance);
      out.interpretable(s, p) = same ? 1.0 : 0.0;
      mismatches += same ? 0.0 : 1.0;
    }
    out.weights[s] = std::sqrt(std::exp(-mismatches / (width * width)));
  }

  const RidgeFit fit = weighted_ridge(out.interpretable, out.predictions, out.weights, options_.ridge_alpha);
  out.coefficients = fit.coefficients;
  out.intercept = fit.intercept;
  out.score = fit.r2;
  out.local_prediction = fit.intercept;
  for (double c : fit.coefficients) out.local_prediction += c;
  out.model_prediction = out.predictions[0];
  for (size_t p = 0; p < players; ++p) out.descriptions.push_back(describe(p, instance));
  return out;
}

}  // namespace candor::explain
