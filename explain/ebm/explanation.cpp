#include "explain/ebm/explanation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "explain/ebm/errors.h"

namespace candor::explain::ebm {

std::vector<LocalExplanation> explain_local(const Model& model, const datasets::Table& table) {
  const auto cells = model.cells(table);
  std::vector<LocalExplanation> out(table.rows());
  for (size_t i = 0; i < out.size(); ++i) {
    LocalExplanation& e = out[i];
    e.intercept = model.intercept;
    e.score = model.intercept;
    e.contributions.resize(model.terms.size());
    for (size_t t = 0; t < model.terms.size(); ++t) {
      e.contributions[t] = model.terms[t].scores[cells[t][i]];
      e.score += e.contributions[t];
    }
    e.probability = inverse_link(model.objective, e.score);
  }
  return out;
}

std::vector<double> term_importances(const Model& model) {
  std::vector<double> out;
  for (const Term& t : model.terms) {
    double sw = 0, swa = 0;
    for (size_t c = 0; c < t.scores.size(); ++c) {
      sw += t.bin_weights[c];
      swa += t.bin_weights[c] * std::fabs(t.scores[c]);
    }
    out.push_back(sw > 0 ? swa / sw : 0.0);
  }
  return out;
}

namespace {

// The bins of one axis shown in a global explanation: ordinary bins, plus unseen when it has
// weight. Returns their indexes and labels.
void axis_bins(const FeatureBins& f, BinLevel level, const std::vector<double>& axis_weight,
               std::vector<size_t>& index, nlohmann::json& labels, nlohmann::json& edges) {
  const size_t n = f.bin_count(level);
  labels = nlohmann::json::array();
  edges = nlohmann::json::array();
  if (f.kind == FeatureKind::Continuous) {
    const auto& cuts = f.cuts_at(level);
    for (double c : cuts) edges.push_back(c);
    for (size_t b = 1; b + 1 < n; ++b) {
      index.push_back(b);
      const std::string lo = b == 1 ? "-inf" : fmt::format("{}", cuts[b - 2]);
      const std::string hi = b + 2 == n ? "+inf" : fmt::format("{}", cuts[b - 1]);
      labels.push_back("[" + lo + ", " + hi + ")");
    }
  } else {
    for (size_t b = 1; b + 1 < n; ++b) {
      index.push_back(b);
      labels.push_back(f.categories[b - 1]);
    }
  }
  if (axis_weight[n - 1] > 0) {
    index.push_back(n - 1);
    labels.push_back("(unseen)");
  }
}

}  // namespace

nlohmann::json explain_global(const Model& model) {
  const auto importance = term_importances(model);
  std::vector<size_t> order(model.terms.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return importance[a] > importance[b]; });
  nlohmann::json terms = nlohmann::json::array();
  for (size_t t : order) {
    const Term& term = model.terms[t];
    nlohmann::json j;
    j["name"] = term.name;
    j["type"] = term.features.size() == 1 ? "main" : "pair";
    j["importance"] = importance[t];
    j["features"] = nlohmann::json::array();
    // Per axis: weight of each bin (marginal), shown bins and labels.
    std::vector<std::vector<size_t>> shown(term.features.size());
    nlohmann::json axes = nlohmann::json::array();
    for (size_t d = 0; d < term.features.size(); ++d) {
      const FeatureBins& f = model.features[term.features[d]];
      std::vector<double> axis_weight(term.shape[d], 0.0);
      size_t stride = 1;
      for (size_t e = d + 1; e < term.shape.size(); ++e) stride *= term.shape[e];
      for (size_t c = 0; c < term.bin_weights.size(); ++c)
        axis_weight[(c / stride) % term.shape[d]] += term.bin_weights[c];
      nlohmann::json labels, edges;
      axis_bins(f, term.level(), axis_weight, shown[d], labels, edges);
      nlohmann::json axis;
      axis["feature"] = f.name;
      axis["kind"] = f.kind == FeatureKind::Continuous ? "continuous" : "nominal";
      axis["bins"] = labels;
      if (f.kind == FeatureKind::Continuous) axis["bin_edges"] = edges;
      axes.push_back(axis);
      j["features"].push_back(f.name);
    }
    j["axes"] = axes;
    auto at = [&](const std::vector<double>& v, size_t a, size_t b) {
      return term.features.size() == 1 ? v[a] : v[a * term.shape[1] + b];
    };
    if (term.features.size() == 1) {
      nlohmann::json scores = nlohmann::json::array(), lower = scores, upper = scores,
                     weights = scores;
      for (size_t b : shown[0]) {
        scores.push_back(term.scores[b]);
        lower.push_back(term.scores[b] - term.standard_deviations[b]);
        upper.push_back(term.scores[b] + term.standard_deviations[b]);
        weights.push_back(term.bin_weights[b]);
      }
      j["scores"] = scores;
      j["lower_bounds"] = lower;
      j["upper_bounds"] = upper;
      j["weights"] = weights;
      j["missing"] = {{"score", term.scores[0]}, {"weight", term.bin_weights[0]}};
    } else {
      nlohmann::json scores = nlohmann::json::array(), sd = scores, weights = scores;
      for (size_t a : shown[0]) {
        nlohmann::json row = nlohmann::json::array(), srow = row, wrow = row;
        for (size_t b : shown[1]) {
          row.push_back(at(term.scores, a, b));
          srow.push_back(at(term.standard_deviations, a, b));
          wrow.push_back(at(term.bin_weights, a, b));
        }
        scores.push_back(row);
        sd.push_back(srow);
        weights.push_back(wrow);
      }
      j["scores"] = scores;
      j["standard_deviations"] = sd;
      j["weights"] = weights;
    }
    terms.push_back(j);
  }
  return {{"objective", objective_name(model.objective)},
          {"intercept", model.intercept},
          {"terms", terms}};
}

nlohmann::json explain_local_json(const Model& model, const datasets::Table& table,
                                  const std::vector<size_t>& rows) {
  for (size_t r : rows)
    if (r >= table.rows())
      throw EbmError(fmt::format("ebm: row {} out of range ({} rows)", r, table.rows()));
  const auto all = explain_local(model, table);
  std::vector<size_t> pick = rows;
  if (pick.empty()) {
    pick.resize(table.rows());
    std::iota(pick.begin(), pick.end(), size_t{0});
  }
  nlohmann::json out = nlohmann::json::array();
  for (size_t r : pick) {
    const LocalExplanation& e = all[r];
    nlohmann::json terms = nlohmann::json::array();
    for (size_t t = 0; t < model.terms.size(); ++t)
      terms.push_back({{"name", model.terms[t].name}, {"contribution", e.contributions[t]}});
    nlohmann::json j = {{"row", r}, {"intercept", e.intercept}, {"score", e.score}, {"terms", terms}};
    if (model.objective == Objective::LogLoss) j["probability"] = e.probability;
    out.push_back(j);
  }
  return {{"objective", objective_name(model.objective)}, {"rows", out}};
}

}  // namespace candor::explain::ebm
