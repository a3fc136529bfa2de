// EBM on UCI Adult, InterpretML's benchmark protocol: train adult.data, test adult.test, rows with
// a missing ('?') cell dropped, fnlwgt dropped, the other 13 columns raw. Or on a user's CSV file
// (--csv), split as `candor ebm fit` splits it (datasets::load_splits with the same seed), e.g.
// bank marketing: --csv bank-full.csv --delimiter ';' --label y --positive yes. Prints one JSON
// object: fit wall time, test ROC AUC and log loss, steps, terms.
//   ebm_bench [--bags N] [--interactions K] [--threads T] [--seed S] [--save model.json]
//             [--csv FILE --label COLUMN [--positive VALUE] [--delimiter C]]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/builtin.h"
#include "datasets/data_dir.h"
#include "datasets/source.h"
#include "explain/ebm/ebm.h"
#include "engine/threads.h"

using namespace candor;

namespace {

// ROC AUC by the rank-sum formula, ties given their average rank.
double roc_auc(const std::vector<double>& score, const std::vector<double>& y) {
  std::vector<size_t> order(score.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  double rank_sum = 0, pos = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && score[order[j]] == score[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j + 1);  // ranks i+1..j averaged
    for (size_t k = i; k < j; ++k)
      if (y[order[k]] == 1) {
        rank_sum += rank;
        ++pos;
      }
    i = j;
  }
  const double neg = static_cast<double>(score.size()) - pos;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

int run(int argc, char** argv) {
  explain::ebm::FitOptions options;
  std::string save;
  datasets::DataSource csv;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--csv") csv.file = argv[i + 1];
    else if (a == "--label") csv.label = argv[i + 1];
    else if (a == "--positive") csv.positive.push_back(argv[i + 1]);
    else if (a == "--delimiter") csv.delimiter = argv[i + 1];
    else if (a == "--bags") options.outer_bags = std::stoul(argv[i + 1]);
    else if (a == "--interactions") options.interactions = std::stoul(argv[i + 1]);
    else if (a == "--threads") options.threads = std::stoi(argv[i + 1]);
    else if (a == "--seed") options.seed = std::stoull(argv[i + 1]);
    else if (a == "--save") save = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  datasets::Table train, test;
  datasets::Schema schema;
  if (csv.file.empty()) {
    datasets::Dataset adult = datasets::load_adult(datasets::default_data_dir());
    train = adult.train.drop_missing_rows();
    test = adult.test->drop_missing_rows();
    train.remove_column("fnlwgt");
    test.remove_column("fnlwgt");
    schema = adult.schema;
  } else {
    datasets::Splits splits = datasets::load_splits(csv, options.seed);
    train = std::move(splits.train);
    test = std::move(splits.test);
    schema = splits.schema;
  }
  const auto y_train = explain::ebm::labels(train, schema, options.objective);
  const auto y_test = explain::ebm::labels(test, schema, options.objective);
  const auto x_train = explain::ebm::feature_table(train, schema);
  const auto x_test = explain::ebm::feature_table(test, schema);

  const auto start = std::chrono::steady_clock::now();
  explain::ebm::Model model = explain::ebm::fit(x_train, y_train, options);
  const double fit_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const auto p = model.predict_proba(x_test);
  double logloss = 0;
  for (size_t i = 0; i < p.size(); ++i)
    logloss -= y_test[i] == 1 ? std::log(p[i]) : std::log1p(-p[i]);
  logloss /= static_cast<double>(p.size());
  size_t pairs = 0;
  for (const auto& t : model.terms) pairs += t.features.size() == 2;
  nlohmann::json steps = model.best_iterations;
  nlohmann::json out = {
      {"name", csv.file.empty() ? "ebm_adult" : "ebm_csv"},
      {"data", csv.file.empty() ? "adult" : csv.file},
      {"rows", {{"train", x_train.rows()}, {"test", x_test.rows()}}},
      {"features", x_train.columns().size()},
      {"outer_bags", options.outer_bags},
      {"pairs", pairs},
      {"threads", options.threads > 0 ? options.threads : omp_get_max_threads()},
      {"fit_seconds", fit_s},
      {"test_auc", roc_auc(p, y_test)},
      {"test_log_loss", logloss},
      {"steps", steps}};
  std::printf("%s\n", out.dump().c_str());
  if (!save.empty()) explain::ebm::save_model(model, save);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  candor::passive_threads_by_default(argv);  // as the candor command does (engine/threads.h)
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a missing file, an unknown column, a malformed number
    std::fprintf(stderr, "ebm_bench: %s\n", e.what());
    return 1;
  }
}
