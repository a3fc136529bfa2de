// Lab 07: mitigations side by side. One logistic regression on Adult, and four ways to make its
// decisions depend less on sex: reweighing (before training), exponentiated gradient (during), the
// threshold optimizer (after) and lab 04's penalty; one table on the same test rows, and what "fair
// in expectation" means for a randomised classifier. Set CANDOR_LAB_QUICK=1 for a shorter run.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "datasets/datasets.h"
#include "fairness/compare.h"
#include "fairness/fairness.h"
#include "fairness/mitigate.h"
#include "fairness/randomized.h"
#include "nn/nn.h"
#include "engine/threads.h"

using namespace candor;
using Clock = std::chrono::steady_clock;

int main(int, char** argv) {
  passive_threads_by_default(argv);  // idle threads sleep instead of spinning: kind to a shared machine
  const bool quick = std::getenv("CANDOR_LAB_QUICK") != nullptr;
  datasets::Splits adult = datasets::load_splits({.name = "adult"}, /*seed=*/0);
  datasets::Encoder encoder = datasets::Encoder::fit(adult.train, adult.schema);
  datasets::Encoded train = encoder.transform(adult.train), validation = encoder.transform(adult.validation);
  datasets::Encoded test = encoder.transform(adult.test);
  const std::vector<double> y = test.y.to_vector<double>();
  const datasets::SensitiveFeature& sex = datasets::find_feature(test.sensitive, "sex");
  // A method as the table reads it: P(y_hat = 1) on every test row (0 or 1 unless randomised).
  std::vector<fairness::MethodOutcome> outcomes;
  auto outcome = [&](const std::string& name, const std::string& method, const std::vector<double>& p, double seconds) {
    return fairness::MethodOutcome{name, method, y, p, fairness::groups_of({sex}), seconds};
  };
  auto since = [](Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); };

  // 1. The base learner: L2-regularised logistic regression, fitted to its optimum (Newton's method).
  auto start = Clock::now();
  nn::TabularModelSpec spec;
  spec.kind = "logistic";
  auto model = nn::build_tabular_model(spec, encoder, /*seed=*/0);
  nn::set_logistic_weights(*model, nn::fit_logistic(train.x, train.y.to_vector<double>()));
  const std::vector<double> base = nn::thresholded(nn::score(*model, test).score);
  outcomes.push_back(outcome("base", "logistic regression", base, since(start)));
  fairness::MetricFrame frame(y, base, {sex.values()});
  const std::vector<double> rate = frame.by_group(fairness::Metric::SelectionRate);
  const std::vector<std::string>& group = frame.groups().labels;
  fmt::print("base logistic regression: test accuracy {:.4f}; selection rate {} {:.3f}, {} {:.3f}; DPD (sex) {:.4f}\n",
             frame.overall(fairness::Metric::Accuracy), group[0], rate[0], group[1], rate[1],
             fairness::demographic_parity_difference(frame));

  // 2. Three mitigations behind one call, around the same base learner; r.state holds what predicts.
  fairness::MitigationOptions options;
  options.sensitive = "sex";
  options.constraint = "dp";  // the reductions: DPD <= difference_bound = 0.01 on the training rows
  auto mitigate = [&](fairness::MitigationMethod method) {
    options.method = method;
    fairness::MitigationResult r = fairness::mitigate(encoder, train, validation, test, options);
    for (const std::string& warning : r.warnings) fmt::print("  ({})\n", warning);
    outcomes.push_back(outcome(fairness::method_name(method), options.summary(), r.after_test, r.fit_seconds));
    return r;
  };

  // 2a. Reweighing: the rows of cell (a, y) weigh f = P(a) P(y) / P(a, y), then the same fit.
  const fairness::MitigationResult reweighed = mitigate(fairness::MitigationMethod::Reweighing);
  const auto factors = fairness::Reweighing::from_json(reweighed.state["reweighing"]);
  fmt::print("\nreweighing, on the training rows:\n");
  for (size_t c = 0; c < factors.cells.size(); c += 2) {  // per group: label 0, then label 1
    const fairness::ReweighingCell &no = factors.cells[c], &yes = factors.cells[c + 1];
    fmt::print("  sex = {:<6} P(y=1 | sex) {:.3f}; factor y=0 {:.3f} ({}-weighted), y=1 {:.3f} ({}-weighted)\n",
               no.group, yes.weight / (no.weight + yes.weight), no.factor, no.factor > 1 ? "up" : "down", yes.factor,
               yes.factor > 1 ? "up" : "down");
  }

  // 2b. The threshold optimizer: per group, a coin chooses between two thresholds on the base scores.
  const fairness::MitigationResult thresholded = mitigate(fairness::MitigationMethod::Threshold);
  const auto thresholds = fairness::ThresholdResult::from_json(thresholded.state["thresholds"]);
  fmt::print("\nthreshold optimizer: both groups select {:.3f} of their training rows\n", thresholds.x);
  for (const fairness::GroupThreshold& g : thresholds.groups) {
    fmt::print("  sex = {:<6} P(y_hat = 1 | score s) = {:.3f} [s {} {:.4f}] + {:.3f} [s {} {:.4f}]\n", g.group, g.p0,
               g.operation0.op, g.operation0.threshold, g.p1, g.operation1.op, g.operation1.threshold);
  }

  // 2c. Exponentiated gradient: a mixture of logistic regressions, each fitted to reweighted rows.
  const fairness::MitigationResult reduced = mitigate(fairness::MitigationMethod::ExponentiatedGradient);
  const auto mixture = fairness::Mixture::from_json(reduced.state["mixture"]);
  std::vector<double> used;
  for (double w : mixture.weights) {
    if (w > 0) used.push_back(w);  // most classifiers found on the way end with weight 0
  }
  fmt::print("\nexponentiated gradient: {} iterations found {} classifiers; the mixture uses {}, weights {:.3f}\n",
             reduced.details["iterations"].get<int>(), mixture.predictors.size(), used.size(), fmt::join(used, ", "));

  // 2d. Lab 04's penalty, fine-tuning the base model under the same bound: bce + lambda * |r_F - r_M|.
  fairness::FinetuneOptions tune;
  tune.sensitive = {"sex"};
  tune.constraint = fairness::parse_constraint("dp<=0.01");  // lambda by dual ascent
  tune.lr = 1e-2;  // one linear layer: a larger step than lab 04's network takes
  tune.epochs = quick ? 2 : 10;
  start = Clock::now();
  fairness::finetune(nn::tunable(model), train, validation, tune);
  const std::vector<double> tuned = nn::thresholded(nn::score(*model, test).score);
  outcomes.push_back(outcome("penalty", "finetune dp<=0.01, logistic", tuned, since(start)));

  // 3. One table; a randomised method's figures are expected values over its coins.
  fairness::BootstrapOptions bootstrap;
  bootstrap.replicates = quick ? 20 : 200;
  fmt::print("\n{}\n", fairness::format_table(fairness::compare_methods(outcomes, bootstrap)));

  // 4. Fair in expectation: deployed, a randomised classifier is one seeded draw of its coins.
  bootstrap.replicates = 0;
  for (const auto& [name, p] : {std::pair{"threshold", thresholded.after_test}, std::pair{"expgrad", reduced.after_test}}) {
    std::vector<fairness::MethodOutcome> draws = {outcome(name, "expected", p, NAN)};
    for (uint64_t seed : {1, 2}) draws.push_back(outcome(name, "one draw", fairness::sample_predictions(p, seed), NAN));
    const auto rows = fairness::compare_methods(draws, bootstrap);
    const auto coins = std::count_if(p.begin(), p.end(), [](double v) { return v > 0 && v < 1; });
    fmt::print("{:<9} {} of {} test rows flip a coin; DPD expected {:.4f}, one draw with seed 1 {:.4f}, seed 2 {:.4f}\n",
               name, coins, p.size(), rows[0].dpd.value, rows[1].dpd.value, rows[2].dpd.value);
  }
  return 0;
}
