// Post-hoc explainers on UCI Adult (adult.data / adult.test, fnlwgt dropped, sex the sensitive
// feature and an input) with an MLP 64,64 trained for 2 epochs: KernelSHAP with 2048 coalitions and
// 100 background rows on 100 test rows, exact Shapley values (2^13 coalitions), integrated
// gradients (64 Gauss-Legendre steps), LIME (5000 samples) and permutation importance. Prints one
// JSON object per case: wall time (median of repeats after a warm-up), model rows evaluated, and
// the cost per model row, the figure to set beside SHAP's KernelExplainer, which evaluates the
// same rows through the model's predict.
//   explain_bench [--repeats R]
#include <omp.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/timing.h"
#include "datasets/builtin.h"
#include "datasets/data_dir.h"
#include "datasets/encoder.h"
#include "engine/threads.h"
#include "explain/posthoc/gradients.h"
#include "explain/posthoc/lime.h"
#include "explain/posthoc/permutation.h"
#include "explain/posthoc/shapley.h"
#include "nn/classifier.h"
#include "nn/metrics.h"
#include "nn/tabular.h"

using namespace candor;

int main(int argc, char** argv) {
  candor::passive_threads_by_default(argv);  // as the candor command does (engine/threads.h)
  int repeats = 3;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--repeats") repeats = std::stoi(argv[i + 1]);
  }
  datasets::Dataset d = datasets::load_adult(datasets::default_data_dir());
  d.schema.drop = {"fnlwgt"};
  d.schema.sensitive = {"sex"};
  datasets::EncoderOptions encoding;
  const datasets::Encoder encoder = datasets::Encoder::fit(d.train, d.schema, encoding);
  const datasets::Encoded train = encoder.transform(d.train), test = encoder.transform(*d.test);

  nn::TabularModelSpec spec;
  spec.kind = "mlp";
  spec.mlp.hidden = {64, 64};
  auto model = nn::build_tabular_model(spec, encoder, 0);
  nn::TrainOptions options;
  options.epochs = 2;
  options.progress = false;
  nn::train_classifier(*model, train, test, options);
  model->eval();
  const explain::TensorFunction network = [&](const Tensor& x) { return model->forward(x); };
  const explain::Predictor logit = explain::predictor_of(network, kFloat32);

  const explain::Matrix train_rows = explain::matrix_from_tensor(train.x);
  const explain::Matrix all_test = explain::matrix_from_tensor(test.x);
  std::vector<size_t> first(100);
  for (size_t i = 0; i < first.size(); ++i) first[i] = i;
  const explain::Matrix rows = all_test.take_rows(first);
  const auto players = explain::players_of(encoder);
  Generator gen(0);
  const explain::Background background = explain::sample_background(train_rows, 100, gen);

  auto report = [&](const std::string& name, double seconds, double model_rows, nlohmann::json extra) {
    nlohmann::json j = {{"case", name}, {"seconds", seconds}, {"model_rows", model_rows},
                        {"ns_per_model_row", model_rows > 0 ? seconds / model_rows * 1e9 : 0.0},
                        {"players", players.size()}, {"threads", omp_get_max_threads()},
                        {"peak_rss_mb", bench::peak_rss_mb()}};
    if (extra.is_object()) j.update(extra);
    fmt::print("{}\n", j.dump());
  };

  explain::ShapleyOptions kernel;
  kernel.coalitions = 2048;
  double kernel_coalitions = 0;
  const double t_kernel = bench::median_seconds(
      [&] { kernel_coalitions = explain::kernel_shap(rows, players, background, logit, kernel).coalitions; }, 1, repeats);
  report("kernel_shap_2048_coalitions_100_background_100_rows", t_kernel, 100.0 * kernel_coalitions * 100.0,
         {{"seconds_per_row", t_kernel / 100}});

  const explain::Matrix ten = all_test.take_rows({0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  double exact_coalitions = 0;
  const double t_exact = bench::median_seconds(
      [&] { exact_coalitions = explain::exact_shapley(ten, players, background, logit).coalitions; }, 0, 1);
  report("exact_shapley_100_background_10_rows", t_exact, 10.0 * exact_coalitions * 100.0,
         {{"seconds_per_row", t_exact / 10}});

  explain::IntegratedGradientsOptions ig;
  ig.steps = 64;
  const explain::Background zero{explain::Matrix(1, rows.cols), {1.0}};
  const double t_ig =
      bench::median_seconds([&] { explain::integrated_gradients(network, rows, zero, ig); }, 1, repeats);
  report("integrated_gradients_64_steps_100_rows", t_ig, 100.0 * 64, nlohmann::json::object());

  const explain::LimeTabular lime(train_rows, players);
  const double t_lime = bench::median_seconds([&] { lime.explain(rows, 0, logit); }, 1, repeats);
  report("lime_5000_samples_1_row", t_lime, 5000, nlohmann::json::object());

  const std::vector<double> y = test.y.to_vector<double>();
  const explain::Metric auc = [&](const std::vector<double>& p) { return nn::roc_auc(y, p); };
  const double t_perm = bench::median_seconds(
      [&] { explain::permutation_importance(all_test, players, logit, auc); }, 0, 1);
  report("permutation_importance_5_repeats_test_split", t_perm,
         static_cast<double>(all_test.rows) * (1.0 + 5.0 * static_cast<double>(players.size())), nlohmann::json::object());
  return 0;
}
