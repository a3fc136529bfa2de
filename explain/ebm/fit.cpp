#include "explain/ebm/fit.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "datasets/errors.h"
#include "datasets/labels.h"
#include "explain/ebm/bagging.h"
#include "explain/ebm/booster.h"
#include "explain/ebm/errors.h"
#include "explain/ebm/fast.h"
#include "explain/ebm/postprocess.h"

namespace candor::explain::ebm {

FitOptions FitOptions::regressor() {
  FitOptions o;
  o.objective = Objective::Rmse;
  o.interactions_factor = 5.0;
  o.learning_rate = 0.04;
  o.smoothing_rounds = 500;
  o.interaction_smoothing_rounds = 100;
  o.min_hessian = 0.0;
  return o;
}

namespace {

void check_options(const FitOptions& o) {
  auto fail = [](const std::string& what) { throw EbmError("ebm: " + what); };
  if (o.max_bins < 3) fail(fmt::format("max_bins must be at least 3, got {}", o.max_bins));
  if (o.max_interaction_bins < 3)
    fail(fmt::format("max_interaction_bins must be at least 3, got {}", o.max_interaction_bins));
  if (o.outer_bags < 1) fail("outer_bags must be at least 1");
  if (!(o.validation_size >= 0) || !std::isfinite(o.validation_size))
    fail(fmt::format("validation_size must be a fraction in [0, 1) or a row count, got {}",
                     o.validation_size));
  if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate))
    fail(fmt::format("learning_rate must be positive, got {}", o.learning_rate));
  if (o.max_leaves < 2) fail(fmt::format("max_leaves must be at least 2, got {}", o.max_leaves));
  if (!(o.min_hessian >= 0)) fail(fmt::format("min_hessian must be >= 0, got {}", o.min_hessian));
  if (!(o.greedy_ratio >= 0)) fail(fmt::format("greedy_ratio must be >= 0, got {}", o.greedy_ratio));
  if (!(o.cyclic_progress >= 0 && o.cyclic_progress <= 1))
    fail(fmt::format("cyclic_progress must be in [0, 1], got {}", o.cyclic_progress));
  if (!(o.interactions_factor >= 0))
    fail(fmt::format("interactions_factor must be >= 0, got {}", o.interactions_factor));
  if (o.max_rounds < 1) fail("max_rounds must be at least 1");
}

void check_data(const datasets::Table& table, const std::vector<double>& y,
                const std::vector<double>& w, Objective objective) {
  auto fail = [](const std::string& what) { throw EbmError("ebm: " + what); };
  if (table.rows() == 0 || table.columns().empty())
    fail(fmt::format("nothing to fit: {} rows, {} feature columns", table.rows(),
                     table.columns().size()));
  if (y.size() != table.rows())
    fail(fmt::format("{} labels for {} rows", y.size(), table.rows()));
  if (!w.empty() && w.size() != table.rows())
    fail(fmt::format("{} weights for {} rows", w.size(), table.rows()));
  size_t positives = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) fail(fmt::format("label of row {} is {}", i, y[i]));
    if (objective == Objective::LogLoss) {
      if (y[i] != 0 && y[i] != 1)
        fail(fmt::format("log_loss needs 0/1 labels; row {} has {}", i, y[i]));
      positives += y[i] == 1;
    }
  }
  if (objective == Objective::LogLoss && (positives == 0 || positives == y.size()))
    fail(fmt::format("the labels hold one class only ({} of {} rows are 1); a classifier needs "
                     "both",
                     positives, y.size()));
  double sum = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (!std::isfinite(w[i]) || w[i] < 0)
      fail(fmt::format("weight of row {} is {} (weights must be finite and >= 0)", i, w[i]));
    sum += w[i];
  }
  if (!w.empty() && !(sum > 0)) fail("the weights sum to 0");
}

// Runs f(bag) for every bag, in parallel when `parallel`; rethrows the first bag's exception.
template <class F>
void for_each_bag(size_t bags, bool parallel, int threads, F&& f) {
  std::vector<std::exception_ptr> errors(bags);
  auto run = [&](size_t b) {
    try {
      f(b);
    } catch (...) {
      errors[b] = std::current_exception();
    }
  };
  if (parallel) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::ptrdiff_t b = 0; b < static_cast<std::ptrdiff_t>(bags); ++b)
      run(static_cast<size_t>(b));
  } else {
    for (size_t b = 0; b < bags; ++b) run(b);
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

std::string term_name(const Model& m, const std::vector<size_t>& features) {
  std::string name = m.features[features[0]].name;
  for (size_t d = 1; d < features.size(); ++d) name += " & " + m.features[features[d]].name;
  return name;
}

}  // namespace

Model fit(const datasets::Table& table, const std::vector<double>& y, const FitOptions& options,
          const std::vector<double>& weights) {
  check_options(options);
  check_data(table, y, weights, options.objective);
  const size_t n = table.rows();

  Model model;
  model.objective = options.objective;
  model.features = fit_bins(table, table.column_names(),
                            {options.max_bins, options.max_interaction_bins, options.nominal});
  const size_t n_features = model.features.size();

  TrainingData data;
  data.objective = options.objective;
  data.y = y;
  data.w = weights;
  data.nominal.resize(n_features);
  data.monotone.assign(n_features, 0);
  for (size_t f = 0; f < n_features; ++f)
    data.nominal[f] = model.features[f].kind == FeatureKind::Nominal;
  for (const auto& [name, direction] : options.monotone) {
    size_t f = n_features;
    for (size_t k = 0; k < n_features; ++k)
      if (model.features[k].name == name) f = k;
    if (f == n_features)
      throw EbmError(fmt::format("ebm: monotone constraint on unknown feature \"{}\"", name));
    if (direction < -1 || direction > 1)
      throw EbmError(fmt::format("ebm: monotone constraint on \"{}\" must be -1, 0 or +1, got {}",
                                 name, direction));
    if (direction != 0 && data.nominal[f])
      throw EbmError(fmt::format(
          "ebm: monotone constraint on \"{}\", which is nominal (constraints need an order)", name));
    data.monotone[f] = direction;
  }
  for (int level = 0; level < 2; ++level)
    for (size_t f = 0; f < n_features; ++f) {
      const auto bl = static_cast<BinLevel>(level);
      data.bins[level].push_back(bin_column(model.features[f], table.column(model.features[f].name), bl));
      data.n_bins[level].push_back(model.features[f].bin_count(bl));
    }

  // Which pairs: explicit, or FAST's top k (k = 0: no pairs stage).
  std::vector<TermFeatures> pairs;
  for (const auto& pair : options.pairs) {
    // References, not a structured binding: clang with OpenMP cannot capture one in a lambda.
    const std::string& a = pair.first;
    const std::string& b = pair.second;
    auto index = [&](const std::string& name) {
      for (size_t k = 0; k < n_features; ++k)
        if (model.features[k].name == name) return k;
      throw EbmError(fmt::format("ebm: pair ({}, {}) names unknown feature \"{}\"", a, b, name));
    };
    size_t i = index(a), j = index(b);
    if (i == j) throw EbmError(fmt::format("ebm: pair ({}, {}) repeats a feature", a, b));
    pairs.push_back({std::min(i, j), std::max(i, j)});
  }
  const size_t n_fast = options.pairs.empty()
                            ? options.interactions.value_or(static_cast<size_t>(std::ceil(
                                  options.interactions_factor * static_cast<double>(n_features))))
                            : 0;
  std::vector<TermFeatures> candidates;
  if (n_fast > 0)
    for (size_t i = 0; i < n_features; ++i)
      for (size_t j = i + 1; j < n_features; ++j)
        if (data.monotone[i] == 0 && data.monotone[j] == 0) candidates.push_back({i, j});

  // Bags: seeds, splits, boosters.
  const size_t bags = options.outer_bags;
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  const bool parallel = threads > 1 && bags > 1;
  const auto seeds = bag_seeds(options.seed, bags);
  std::vector<std::unique_ptr<BagBooster>> boosters(bags);
  std::vector<TermFeatures> mains;
  for (size_t f = 0; f < n_features; ++f) mains.push_back({f});

  BoostParams bp;
  bp.learning_rate = options.learning_rate;
  bp.max_leaves = options.max_leaves;
  bp.rules = LeafRules{options.min_samples_leaf, options.min_hessian};
  bp.greedy_ratio = options.greedy_ratio;
  bp.cyclic_progress = options.cyclic_progress;
  bp.max_rounds = options.max_rounds;
  bp.early_stopping_rounds = options.early_stopping_rounds;
  bp.early_stopping_tolerance = options.early_stopping_tolerance;
  bp.gain_scale = options.gain_scale;
  bp.min_cat_samples = options.min_cat_samples;
  bp.cat_smooth = options.cat_smooth;

  std::vector<StageResult> main_results(bags), pair_results(bags);
  std::vector<std::vector<double>> strengths(bags);
  size_t done = 0;
  auto report = [&](const char* stage, size_t b) {
    if (!options.progress) return;
#pragma omp critical(candor_ebm_progress)
    options.progress(FitProgress{stage, b, ++done, bags});
  };

  for_each_bag(bags, parallel, threads, [&](size_t b) {
    Generator gen(seeds[b]);
    BagSplit split = draw_bag(y, options.objective == Objective::LogLoss,
                              options.validation_size, gen);
    boosters[b] = std::make_unique<BagBooster>(data, std::move(split.train),
                                               std::move(split.validation), gen);
    BoostParams mp = bp;
    mp.smoothing_rounds = options.smoothing_rounds;
    main_results[b] = boosters[b]->boost(mains, mp);
    if (!candidates.empty()) {
      boosters[b]->set_base(mains, main_results[b].tensors);
      strengths[b] = boosters[b]->pair_strengths(candidates, bp.rules, options.max_pair_cells);
    }
    report("mains", b);
  });
  if (!candidates.empty())
    for (size_t k : select_pairs_by_rank(strengths, n_fast)) pairs.push_back(candidates[k]);
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());

  if (!pairs.empty()) {
    done = 0;
    for_each_bag(bags, parallel, threads, [&](size_t b) {
      boosters[b]->set_base(mains, main_results[b].tensors);
      BoostParams pp = bp;
      pp.smoothing_rounds = options.interaction_smoothing_rounds;
      pair_results[b] = boosters[b]->boost(pairs, pp);
      report("pairs", b);
    });
  }

  // Post-processing: centre per bag, zero empty edges, average, calibrate the intercept.
  std::vector<TermFeatures> all_terms = mains;
  all_terms.insert(all_terms.end(), pairs.begin(), pairs.end());
  std::vector<size_t> all_rows(n);
  for (size_t i = 0; i < n; ++i) all_rows[i] = i;
  model.bag_weights.resize(bags);
  model.bagged_intercepts.resize(bags);
  for (size_t b = 0; b < bags; ++b) {
    model.bag_weights[b] = boosters[b]->train_weight();
    model.bagged_intercepts[b] = boosters[b]->intercept();
  }
  model.best_iterations.push_back({});
  for (size_t b = 0; b < bags; ++b) model.best_iterations[0].push_back(main_results[b].steps);
  if (!pairs.empty()) {
    model.best_iterations.push_back({});
    for (size_t b = 0; b < bags; ++b) model.best_iterations[1].push_back(pair_results[b].steps);
  }
  boosters.clear();

  for (size_t t = 0; t < all_terms.size(); ++t) {
    Term term;
    term.features = all_terms[t];
    term.name = term_name(model, term.features);
    term.shape = term_shape(data, term.features);
    const auto cells = term_cells(data, term.features, all_rows);
    size_t n_cells = 1;
    for (size_t s : term.shape) n_cells *= s;
    term.bin_weights.assign(n_cells, 0.0);
    for (size_t i = 0; i < n; ++i) term.bin_weights[cells[i]] += data.weight(i);
    const bool is_pair = t >= mains.size();
    for (size_t b = 0; b < bags; ++b) {
      std::vector<double> scores = is_pair ? std::move(pair_results[b].tensors[t - mains.size()])
                                           : std::move(main_results[b].tensors[t]);
      model.bagged_intercepts[b] += center_scores(scores, term.bin_weights);
      zero_empty_edges(scores, term.bin_weights, term.shape);
      term.bagged_scores.push_back(std::move(scores));
    }
    average_bags(term.bagged_scores, model.bag_weights, term.scores, term.standard_deviations);
    model.terms.push_back(std::move(term));
  }
  model.intercept = weighted_mean(model.bagged_intercepts, model.bag_weights);
  std::vector<double> scores(n, model.intercept);
  for (size_t t = 0; t < all_terms.size(); ++t) {
    const auto cells = term_cells(data, all_terms[t], all_rows);
    for (size_t i = 0; i < n; ++i) scores[i] += model.terms[t].scores[cells[i]];
  }
  const double shift = intercept_shift(options.objective, scores, y, weights,
                                       options.intercept_rounds, options.intercept_learning_rate);
  model.intercept += shift;
  for (double& b : model.bagged_intercepts) b += shift;
  return model;
}

datasets::Table feature_table(const datasets::Table& table, const datasets::Schema& schema) {
  std::vector<std::string> names;
  for (const auto& name : table.column_names()) {
    if (name == schema.label || name == schema.weight) continue;
    if (std::find(schema.drop.begin(), schema.drop.end(), name) != schema.drop.end()) continue;
    if (!schema.sensitive_as_features &&
        std::find(schema.sensitive.begin(), schema.sensitive.end(), name) != schema.sensitive.end())
      continue;
    names.push_back(name);
  }
  return table.select_columns(names);
}

std::vector<double> labels(const datasets::Table& table, const datasets::Schema& schema,
                           Objective objective) {
  std::vector<double> y;
  if (objective == Objective::LogLoss) {
    y = datasets::binary_labels(table, schema);
  } else {
    const auto& col = table.column(schema.label);
    if (!col.is_numeric())
      throw EbmError(fmt::format("ebm: rmse needs a numeric label; \"{}\" is categorical",
                                 schema.label));
    y = col.numbers;
  }
  for (size_t i = 0; i < y.size(); ++i)
    if (std::isnan(y[i]))
      throw EbmError(fmt::format("ebm: row {} has no label (\"{}\" is missing)", i, schema.label));
  return y;
}

std::vector<double> weights(const datasets::Table& table, const datasets::Schema& schema) {
  if (schema.weight.empty()) return {};
  const auto& col = table.column(schema.weight);
  if (!col.is_numeric())
    throw EbmError(fmt::format("ebm: weight column \"{}\" is not numeric", schema.weight));
  return col.numbers;
}

Model fit(const datasets::Table& table, const datasets::Schema& schema, const FitOptions& options) {
  return fit(feature_table(table, schema), labels(table, schema, options.objective), options,
             weights(table, schema));
}

}  // namespace candor::explain::ebm
