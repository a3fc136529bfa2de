// Lab 04: fair fine-tuning. First the trap of the widely copied recipe (a fairness metric of hard
// predictions wrapped in a new tensor has no gradient), then the penalty in the graph, then a
// sweep of its weight lambda and a constraint. Set CANDOR_LAB_QUICK=1 for a shorter run.
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "datasets/datasets.h"
#include "engine/engine.h"
#include "fairness/fairness.h"
#include "nn/nn.h"
#include "engine/threads.h"

using namespace candor;

namespace {
// Test accuracy and demographic parity difference for sex.
void report(const char* what, nn::Module& model, const datasets::Encoded& test) {
  nn::Scores s = nn::score(model, test);
  const double dpd = fairness::measured_gap(fairness::Gap::DemographicParity, s, datasets::find_feature(test.sensitive, "sex"));
  fmt::print("{:<34} test accuracy {:.4f}  DPD (sex) {:.4f}\n", what, nn::task_metrics(s).at("accuracy"), dpd);
}
}  // namespace

int main(int, char** argv) {
  passive_threads_by_default(argv);  // idle threads sleep instead of spinning: kind to a shared machine
  const bool quick = std::getenv("CANDOR_LAB_QUICK") != nullptr;
  datasets::Splits adult = datasets::load_splits({.name = "adult"}, /*seed=*/0);
  datasets::Encoder encoder = datasets::Encoder::fit(adult.train, adult.schema);
  datasets::Encoded train = encoder.transform(adult.train), validation = encoder.transform(adult.validation);
  datasets::Encoded test = encoder.transform(adult.test);
  auto base = nn::build_tabular_model({}, encoder, /*seed=*/0);
  nn::TrainOptions training;
  training.epochs = quick ? 3 : 20;
  training.progress = false;
  nn::train_classifier(*base, train, validation, training);
  report("the network of lab 02", *base, test);
  auto copy_of_base = [&] {
    auto model = nn::build_tabular_model({}, encoder, 0);
    model->load_state_dict(base->state_dict());
    return model;
  };

  // 1. The trap: DPD of hard predictions, computed outside the graph and added to the loss.
  datasets::Batch batch = datasets::DataLoader(train, 512, true, 0).batch(0);
  auto first_layer_gradient = [&](double recipe_weight) {
    base->zero_grad();
    Tensor logits = reshape((*base)(batch.x), {-1});
    nn::Scores hard{batch.y.to_vector<double>(), sigmoid(logits).detach().to_vector<double>(), batch.weight.to_vector<double>()};
    Tensor recipe = scalar(fairness::measured_gap(fairness::Gap::DemographicParity, hard, batch.sensitive[0]));  // a new tensor
    (binary_cross_entropy_with_logits(logits, batch.y) + recipe * recipe_weight).backward();
    return base->parameters()[0].grad().clone();
  };
  Tensor without = first_layer_gradient(0), with_recipe = first_layer_gradient(10);
  fmt::print("the recipe's term: batch DPD, requires_grad = false; largest change it makes to the gradient: {}\n",
             max(abs(with_recipe - without)).item());

  // 2. The penalty in the graph: loss = bce + lambda * |soft DP gap|, its gradient reaches every weight.
  fairness::FinetuneOptions options;
  options.sensitive = {"sex"};
  options.epochs = quick ? 2 : 10;
  for (double lambda : {0.0, 0.25, 0.5, 1.0, 2.0}) {
    auto model = copy_of_base();
    options.lambda = lambda;
    fairness::finetune(nn::tunable(model), train, validation, options);
    report(fmt::format("fine-tuned, lambda {}", lambda).c_str(), *model, test);
  }

  // 3. A constraint instead of a weight: DPD <= 0.02, lambda found by dual ascent from 0.
  auto model = copy_of_base();
  options.lambda = 0;
  options.constraint = fairness::parse_constraint("dp<=0.02");
  fairness::FinetuneResult r = fairness::finetune(nn::tunable(model), train, validation, options);
  report(fmt::format("constrained dp<=0.02 (bound {})", r.bound_met ? "met" : "NOT met").c_str(), *model, test);
  for (const fairness::Iterate& it : r.iterates) {
    if (it.step != r.chosen_step) continue;
    fmt::print("returned: the model after step {} of {}, trained under lambda {:.3f}; its DPD on the training rows {:.4f}, "
               "on validation {:.4f}\n", it.step, r.steps, it.lambda, it.train_gap, it.validation_gap);
  }
  fmt::print("the multiplier ended at lambda = {:.3f}\n", r.final_lambda);
  return 0;
}
