// Lab 05: an Explainable Boosting Machine against the network. Both on the same Adult split:
// their accuracy, what the EBM relies on (its terms are the model), and what removing its sex
// terms does to its predictions. Set CANDOR_LAB_QUICK=1 for a smaller EBM.
#include <algorithm>
#include <cstdlib>
#include <numeric>

#include <fmt/format.h>

#include "datasets/datasets.h"
#include "explain/ebm/ebm.h"
#include "fairness/fairness.h"
#include "nn/nn.h"
#include "engine/threads.h"

using namespace candor;
namespace ebm = candor::explain::ebm;

namespace {
// Test accuracy, ROC AUC and demographic parity difference for sex of probabilities on the test table.
void report(const char* what, const std::vector<double>& y, const std::vector<double>& p, const datasets::Table& test) {
  nn::Scores s{y, p, std::vector<double>(y.size(), 1.0)};
  std::vector<std::string> sex = test.column("sex").values;
  fairness::MetricFrame frame(y, nn::thresholded(p), {sex}, p);
  const auto m = nn::task_metrics(s);
  fmt::print("{:<26} test accuracy {:.4f}  ROC AUC {:.4f}  DPD (sex) {:.4f}\n", what, m.at("accuracy"), m.at("roc_auc"),
             fairness::demographic_parity_difference(frame));
}
}  // namespace

int main(int, char** argv) {
  passive_threads_by_default(argv);  // idle threads sleep instead of spinning: kind to a shared machine
  const bool quick = std::getenv("CANDOR_LAB_QUICK") != nullptr;
  datasets::Splits adult = datasets::load_splits({.name = "adult", .drop = {"fnlwgt"}}, /*seed=*/0);

  // Lab 02's network, retrained on the same columns as the EBM (no fnlwgt).
  datasets::Encoder encoder = datasets::Encoder::fit(adult.train, adult.schema);
  datasets::Encoded test_rows = encoder.transform(adult.test);
  auto mlp = nn::build_tabular_model({}, encoder, 0);
  nn::TrainOptions training;
  training.epochs = quick ? 3 : 20;
  training.progress = false;
  nn::train_classifier(*mlp, encoder.transform(adult.train), encoder.transform(adult.validation), training);
  const std::vector<double> y = test_rows.y.to_vector<double>();
  report("MLP 64, 64", y, nn::predict_proba(*mlp, test_rows.x), adult.test);

  // The EBM: one shape function per feature plus pairs, boosted a little at a time (InterpretML).
  ebm::FitOptions options;
  options.outer_bags = quick ? 2 : 4;
  options.max_rounds = quick ? 500 : 5000;
  ebm::Model model = ebm::fit(adult.train, adult.schema, options);
  report("EBM", y, model.predict_proba(adult.test), adult.test);

  // What it relies on: the mean absolute contribution of each term over the training rows.
  std::vector<double> importance = ebm::term_importances(model);
  std::vector<size_t> order(importance.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return importance[a] > importance[b]; });
  const double total = std::accumulate(importance.begin(), importance.end(), 0.0);
  fmt::print("{} terms; the eight largest (mean |score| on training rows):\n", model.terms.size());
  for (size_t k = 0; k < std::min<size_t>(8, order.size()); ++k) {
    fmt::print("  {:<32} {:.3f}\n", model.terms[order[k]].name, importance[order[k]]);
  }
  double sex_share = 0;
  for (size_t t = 0; t < model.terms.size(); ++t) {
    for (size_t f : model.terms[t].features) sex_share += model.features[f].name == "sex" ? importance[t] : 0;
  }
  fmt::print("terms that use sex carry {:.1f}% of the total importance\n", 100 * sex_share / total);

  // Edit the glass box: drop every term that uses sex, re-fit the intercept on the training rows.
  model.remove_feature_terms("sex");
  model.recalibrate_intercept(adult.train, ebm::labels(adult.train, adult.schema, model.objective));
  report("EBM without its sex terms", y, model.predict_proba(adult.test), adult.test);
  return 0;
}
