#include "explain/ebm/model.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "datasets/errors.h"
#include "explain/ebm/errors.h"
#include "explain/ebm/postprocess.h"

namespace candor::explain::ebm {

double inverse_link(Objective objective, double score) {
  if (objective == Objective::Rmse) return score;
  return score >= 0 ? 1.0 / (1.0 + std::exp(-score)) : std::exp(score) / (1.0 + std::exp(score));
}

void Model::check_table(const datasets::Table& table) const {
  for (const auto& f : features)
    if (!table.has_column(f.name))
      throw EbmError(fmt::format(
          "ebm: the table has no column \"{}\", which the model uses (model features: {}; table "
          "columns: {})",
          f.name,
          datasets::join_names([&] {
            std::vector<std::string> names;
            for (const auto& g : features) names.push_back(g.name);
            return names;
          }()),
          datasets::join_names(table.column_names())));
}

std::vector<std::vector<uint32_t>> Model::cells(const datasets::Table& table) const {
  check_table(table);
  std::map<std::pair<size_t, int>, std::vector<uint32_t>> bins;  // (feature, level)
  auto bins_of = [&](size_t f, BinLevel level) -> const std::vector<uint32_t>& {
    auto key = std::make_pair(f, static_cast<int>(level));
    auto it = bins.find(key);
    if (it == bins.end())
      it = bins.emplace(key, bin_column(features[f], table.column(features[f].name), level)).first;
    return it->second;
  };
  std::vector<std::vector<uint32_t>> out;
  for (const Term& term : terms) {
    std::vector<uint32_t> cells(table.rows(), 0);
    for (size_t d = 0; d < term.features.size(); ++d) {
      const auto& b = bins_of(term.features[d], term.level());
      const auto n = static_cast<uint32_t>(term.shape[d]);
      for (size_t i = 0; i < cells.size(); ++i) cells[i] = cells[i] * n + b[i];
    }
    out.push_back(std::move(cells));
  }
  return out;
}

std::vector<double> Model::decision_function(const datasets::Table& table) const {
  const auto c = cells(table);
  std::vector<double> out(table.rows(), intercept);
  for (size_t t = 0; t < terms.size(); ++t)
    for (size_t i = 0; i < out.size(); ++i) out[i] += terms[t].scores[c[t][i]];
  return out;
}

std::vector<double> Model::predict_proba(const datasets::Table& table) const {
  if (objective != Objective::LogLoss)
    throw EbmError("ebm: predict_proba needs a classification (log_loss) model");
  auto out = decision_function(table);
  for (double& v : out) v = inverse_link(objective, v);
  return out;
}

std::vector<double> Model::predict(const datasets::Table& table) const {
  auto out = decision_function(table);
  if (objective == Objective::LogLoss)
    for (double& v : out) v = v > 0 ? 1.0 : 0.0;
  return out;
}

size_t Model::term_index(const std::string& name) const {
  for (size_t t = 0; t < terms.size(); ++t)
    if (terms[t].name == name) return t;
  std::vector<std::string> names;
  for (const auto& t : terms) names.push_back(t.name);
  throw EbmError(fmt::format("ebm: no term \"{}\" (terms: {})", name, datasets::join_names(names)));
}

void Model::remove_term(size_t index) {
  if (index >= terms.size())
    throw EbmError(fmt::format("ebm: term index {} out of range ({} terms)", index, terms.size()));
  terms.erase(terms.begin() + static_cast<std::ptrdiff_t>(index));
}

void Model::zero_term(size_t index) {
  if (index >= terms.size())
    throw EbmError(fmt::format("ebm: term index {} out of range ({} terms)", index, terms.size()));
  Term& t = terms[index];
  std::fill(t.scores.begin(), t.scores.end(), 0.0);
  std::fill(t.standard_deviations.begin(), t.standard_deviations.end(), 0.0);
  for (auto& b : t.bagged_scores) std::fill(b.begin(), b.end(), 0.0);
}

void Model::remove_feature_terms(const std::string& feature) {
  size_t f = features.size();
  for (size_t k = 0; k < features.size(); ++k)
    if (features[k].name == feature) f = k;
  if (f == features.size()) throw EbmError(fmt::format("ebm: no feature \"{}\"", feature));
  std::erase_if(terms, [&](const Term& t) {
    return std::find(t.features.begin(), t.features.end(), f) != t.features.end();
  });
}

void Model::recalibrate_intercept(const datasets::Table& table, const std::vector<double>& y,
                                  const std::vector<double>& weights, size_t rounds,
                                  double learning_rate) {
  if (y.size() != table.rows())
    throw EbmError(fmt::format("ebm: {} labels for {} rows", y.size(), table.rows()));
  const double shift = intercept_shift(objective, decision_function(table), y, weights, rounds,
                                       learning_rate);
  intercept += shift;
  for (double& b : bagged_intercepts) b += shift;
}

}  // namespace candor::explain::ebm
