// Lab 06: LoRA on an FT-Transformer, with the fairness penalty. Train a small FT-Transformer on
// Adult, then fine-tune low-rank adapters on its attention projections (every base weight frozen)
// with loss = bce + lambda * DP gap. Set CANDOR_LAB_QUICK=1 for a shorter run.
#include <cstdlib>

#include <fmt/format.h>

#include "datasets/datasets.h"
#include "fairness/fairness.h"
#include "nn/nn.h"
#include "engine/threads.h"

using namespace candor;

namespace {
void report(const char* what, nn::Module& model, const datasets::Encoded& test) {
  nn::Scores s = nn::score(model, test);
  const double dpd = fairness::measured_gap(fairness::Gap::DemographicParity, s, datasets::find_feature(test.sensitive, "sex"));
  fmt::print("{:<28} test accuracy {:.4f}  DPD (sex) {:.4f}\n", what, nn::task_metrics(s).at("accuracy"), dpd);
}
}  // namespace

int main(int, char** argv) {
  passive_threads_by_default(argv);  // idle threads sleep instead of spinning: kind to a shared machine
  const bool quick = std::getenv("CANDOR_LAB_QUICK") != nullptr;
  datasets::Splits adult = datasets::load_splits({.name = "adult"}, /*seed=*/0);
  datasets::Encoder encoder = datasets::Encoder::fit(adult.train, adult.schema);
  datasets::Encoded train = encoder.transform(adult.train), validation = encoder.transform(adult.validation);
  datasets::Encoded test = encoder.transform(adult.test);

  // An FT-Transformer: one token per feature, a [CLS] token, 2 pre-norm blocks of width 32.
  nn::TabularModelSpec spec;
  spec.kind = "ft_transformer";
  spec.ft.d_token = quick ? 16 : 32;
  spec.ft.n_blocks = quick ? 1 : 2;
  auto model = nn::build_tabular_model(spec, encoder, /*seed=*/0);
  nn::TrainOptions training;
  training.epochs = quick ? 1 : 4;
  training.progress = false;
  nn::train_classifier(*model, train, validation, training);
  report("FT-Transformer", *model, test);

  // LoRA: W x + (alpha / r) B A x on every attention projection (c_attn); only A and B train.
  fairness::FinetuneOptions options;
  options.mode = fairness::TuneMode::Lora;
  options.lora.rank = 8;
  options.lora.targets = {"*c_attn"};
  options.sensitive = {"sex"};
  options.lambda = 0.7;
  options.epochs = quick ? 1 : 3;
  options.lr = 3e-3;
  fairness::FinetuneResult r = fairness::finetune(nn::tunable(model), train, validation, options);
  fmt::print("adapted layers:");
  for (const std::string& layer : r.adapted_layers) fmt::print(" {}", layer);
  fmt::print("\ntrained {} of {} parameters ({:.1f}%)\n", r.trainable_parameters, r.total_parameters,
             100.0 * static_cast<double>(r.trainable_parameters) / static_cast<double>(r.total_parameters));
  report("after LoRA with the penalty", *model, test);

  // The adapters fold into the weights: the merged model predicts the same, with no extra cost.
  nn::merge_lora(*model);
  report("adapters merged", *model, test);
  return 0;
}
