// The fair fine-tuning recipe on the GPU: an MLP on UCI Adult fine-tuned with the demographic-
// parity penalty gives the CPU's metrics to 1e-4. Without a GPU that case skips with the reason,
// and asking for CUDA fails before the model is touched.
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/builtin.h"
#include "datasets/data_dir.h"
#include "datasets/encoder.h"
#include "datasets/labels.h"
#include "datasets/split.h"
#include "engine/engine.h"
#include "fairness/evaluation.h"
#include "fairness/finetune.h"
#include "nn/layers.h"
#include "nn/scoring.h"
#include "tests/support/checks.h"
#include "tests/support/gpu.h"

using namespace candor;
using namespace candor::fairness;
using namespace candor::testing;

namespace {

struct AdultRows {
  datasets::Encoded train, validation;
  int64_t features = 0;
};

AdultRows adult_rows() {
  datasets::Dataset d = datasets::load_adult(datasets::default_data_dir());
  d.schema.drop = {"fnlwgt"};
  d.schema.sensitive = {"sex"};
  const datasets::Split split = datasets::stratified_split(datasets::binary_labels(d.train, d.schema), 0.2, 0.0, 0);
  const datasets::Table train = d.train.select_rows(split.train), validation = d.train.select_rows(split.validation);
  const datasets::Encoder encoder = datasets::Encoder::fit(train, d.schema);
  return {encoder.transform(train), encoder.transform(validation), static_cast<int64_t>(encoder.num_features())};
}

nn::Tunable adult_mlp(int64_t features) {
  Generator gen(0);
  nn::MlpOptions o;
  o.hidden = {64, 64};
  return nn::tunable(nn::make_mlp(features, 1, o, gen));
}

FinetuneOptions dp_penalty(Device device) {
  FinetuneOptions o;
  o.lambda = 0.7;
  o.epochs = 2;
  o.device = device;
  return o;
}

}  // namespace

TEST_CASE("finetune cuda: Adult's MLP with the DP penalty gives the CPU's metrics on the GPU") {
  if (!have_gpu()) return;
  const AdultRows rows = adult_rows();
  std::map<std::string, double> metrics[2];
  for (int on_gpu = 0; on_gpu < 2; ++on_gpu) {
    nn::Tunable t = adult_mlp(rows.features);
    const FinetuneResult r = finetune(t, rows.train, rows.validation, dp_penalty(on_gpu ? Device::CUDA : Device::CPU));
    CHECK(t.model->device() == Device::CPU);  // back on the host after training
    metrics[on_gpu] = r.history.back().validation;
    metrics[on_gpu]["dpd"] =
        measured_gap(Gap::DemographicParity, nn::score(*t.model, rows.validation), rows.validation.sensitive[0]);
  }
  for (const auto& entry : metrics[0]) {
    const auto& name = entry.first;
    const auto& value = entry.second;
    CAPTURE(name);
    CHECK(metrics[1].at(name) == doctest::Approx(value).epsilon(1e-4));
  }
}

TEST_CASE("finetune cuda: without a GPU, device CUDA fails saying why and leaves the model as it was") {
  if (cuda::is_available()) {
    MESSAGE("skipped: a GPU is present (the case above runs)");
    return;
  }
  const AdultRows rows = adult_rows();
  nn::Tunable t = adult_mlp(rows.features);
  const std::vector<double> before = t.model->parameters().front().to_vector<double>();
  check_throws<DeviceError>([&] { finetune(t, rows.train, rows.validation, dp_penalty(Device::CUDA)); }, {"cuda: "});
  CHECK(t.model->device() == Device::CPU);
  CHECK(t.model->parameters().front().to_vector<double>() == before);
}
