// The fair fine-tuning recipe from a program, as a lab writes it: an MLP on UCI Adult trained with
// loss = bce + 0.7 * (demographic-parity gap for sex) on its probabilities, then its test accuracy
// and demographic parity difference. Everything here is a library call (fairness/finetune.h).
#include <fmt/format.h>

#include "datasets/datasets.h"
#include "fairness/fairness.h"
#include "nn/nn.h"

using namespace candor;

int main() {
  datasets::Splits adult = datasets::load_splits({.name = "adult"}, /*seed=*/0);
  datasets::Encoder encoder = datasets::Encoder::fit(adult.train, adult.schema);
  datasets::Encoded train = encoder.transform(adult.train);
  datasets::Encoded validation = encoder.transform(adult.validation);
  datasets::Encoded test = encoder.transform(adult.test);

  Generator gen(0);
  auto mlp = nn::make_mlp(static_cast<int64_t>(encoder.num_features()), 1, {.hidden = {64, 64}}, gen);

  fairness::FinetuneOptions options;
  options.sensitive = {"sex"};
  options.penalty.gap = fairness::Gap::DemographicParity;
  options.lambda = 0.7;
  options.epochs = 10;
  fairness::finetune(nn::tunable(mlp), train, validation, options);

  nn::Scores scores = nn::score(*mlp, test);
  const datasets::SensitiveFeature& sex = datasets::find_feature(test.sensitive, "sex");
  fmt::print("test accuracy {:.4f}, demographic parity difference for sex {:.4f}\n",
             nn::task_metrics(scores).at("accuracy"), fairness::measured_gap(fairness::Gap::DemographicParity, scores, sex));
}
