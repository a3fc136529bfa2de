// Lab 03: auditing the Adult MLP. Per-group rates for sex, race and their intersection
// (a MetricFrame), Fairlearn's and AIF360's named metrics with bootstrap intervals, and the
// warnings where a group is too small for a rate. Set CANDOR_LAB_QUICK=1 for a shorter run.
#include <cstdlib>

#include <fmt/format.h>

#include "datasets/datasets.h"
#include "fairness/fairness.h"
#include "nn/nn.h"
#include "engine/threads.h"

using namespace candor;

int main(int, char** argv) {
  passive_threads_by_default(argv);  // idle threads sleep instead of spinning: kind to a shared machine
  const bool quick = std::getenv("CANDOR_LAB_QUICK") != nullptr;
  datasets::Splits adult = datasets::load_splits({.name = "adult"}, /*seed=*/0);
  datasets::Encoder encoder = datasets::Encoder::fit(adult.train, adult.schema);
  datasets::Encoded train = encoder.transform(adult.train), validation = encoder.transform(adult.validation);
  datasets::Encoded test = encoder.transform(adult.test);
  auto model = nn::build_tabular_model({}, encoder, /*seed=*/0);  // the MLP 64, 64 of lab 02
  nn::TrainOptions options;
  options.epochs = quick ? 3 : 20;
  options.progress = false;
  nn::train_classifier(*model, train, validation, options);
  nn::Scores scores = nn::score(*model, test);

  // 1. Selection rate and true positive rate per group of sex, from a MetricFrame.
  const datasets::SensitiveFeature& sex = datasets::find_feature(test.sensitive, "sex");
  fairness::MetricFrame frame = fairness::metric_frame(scores, {sex});
  for (size_t g = 0; g < frame.size(); ++g) {
    fmt::print("sex = {:<6}  rows {:5}  selection rate {:.4f}  true positive rate {:.4f}  false positive rate {:.4f}\n",
               frame.groups().labels[g], frame.groups().counts[g], frame.by_group(fairness::Metric::SelectionRate, g),
               frame.by_group(fairness::Metric::Tpr, g), frame.by_group(fairness::Metric::Fpr, g));
  }
  fmt::print("demographic parity difference {:.4f}, equalized odds difference {:.4f}\n\n",
             fairness::demographic_parity_difference(frame), fairness::equalized_odds_difference(frame));

  // 2. The full audit: sex, race and sex|race, bootstrap intervals, AIF360 against Male and White.
  fairness::AuditOptions audit;
  audit.privileged = {"sex=Male", "race=White"};
  audit.bootstrap.replicates = quick ? 50 : 500;
  nlohmann::json report = fairness::audit_json(fairness::audit_input(scores, test.sensitive), audit);
  fmt::print("{}", fairness::format_audit(report));
  return 0;
}
