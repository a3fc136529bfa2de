// Hostile numbers in fairness/: fine-tuning options that are NaN, infinite or out of range, a
// penalty weight that makes the loss overflow, and a bootstrap asked for a billion replicates,
// each refused with a message that names the option (and, for divergence, the epoch and step).
#include <cmath>
#include <limits>
#include <string>

#include <doctest/doctest.h>

#include "datasets/builtin.h"
#include "datasets/encoder.h"
#include "datasets/labels.h"
#include "datasets/split.h"
#include "fairness/bootstrap.h"
#include "fairness/finetune.h"
#include "fairness/report.h"
#include "nn/layers.h"
#include "nn/trainer.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void bad(void (*change)(FinetuneOptions&), const std::string& part) {
  FinetuneOptions o;
  change(o);
  check_throws<ValueError>([&] { o.validate(); }, {"finetune: ", part});
}

}  // namespace

TEST_CASE("finetune options: NaN, infinite and out-of-range values are a ValueError naming the option") {
  bad([](FinetuneOptions& o) { o.lambda = kNaN; }, "lambda must be finite and >= 0, got nan");
  bad([](FinetuneOptions& o) { o.lambda = -1; }, "lambda");
  bad([](FinetuneOptions& o) { o.lr = kInf; }, "lr must be finite and > 0, got inf");
  bad([](FinetuneOptions& o) { o.epochs = 0; }, "epochs must be in [1, 1000000]");
  bad([](FinetuneOptions& o) { o.surrogate.temperature = kNaN; }, "temperature");
  bad([](FinetuneOptions& o) { o.surrogate.quantiles = int64_t{1} << 40; }, "quantile levels must be in [1, 10000]");
  bad([](FinetuneOptions& o) { o.penalty.epsilon = kInf; }, "epsilon");
  bad([](FinetuneOptions& o) {
        o.mode = TuneMode::Lora;
        o.lora.alpha = kInf;
      },
      "LoRA alpha");
  bad([](FinetuneOptions& o) {
        o.mode = TuneMode::Lora;
        o.lora.rank = 0;
      },
      "LoRA rank");
  bad([](FinetuneOptions& o) { o.dual_every = 0; }, "dual_every");
  bad([](FinetuneOptions& o) { o.validation_tolerance = -1; }, "the validation tolerance must be finite and >= 0, got -1");
  bad([](FinetuneOptions& o) { o.validation_tolerance = kNaN; }, "the validation tolerance must be finite and >= 0");
  CHECK_NOTHROW(FinetuneOptions{}.validate());
}

TEST_CASE("finetune: a penalty weight that overflows the loss stops with the epoch and step") {
  datasets::SyntheticOptions so;
  so.rows = 400;
  so.label_bias = 2.0;
  datasets::Dataset ds = datasets::make_synthetic(so);
  datasets::Split split = datasets::stratified_split(datasets::binary_labels(ds.train, ds.schema), 0.3, 0.0, 1);
  datasets::Table train = ds.train.select_rows(split.train), validation = ds.train.select_rows(split.validation);
  datasets::Encoder encoder = datasets::Encoder::fit(train, ds.schema);
  Generator gen(0);
  nn::Tunable t = nn::tunable(nn::make_mlp(static_cast<int64_t>(encoder.num_features()), 1, {.hidden = {8}}, gen));
  FinetuneOptions o;
  o.lambda = 1e308;  // finite, but lambda * penalty is inf in float32
  o.epochs = 2;
  check_throws<nn::DivergedError>(
      [&] { finetune(t, encoder.transform(train), encoder.transform(validation), o); },
      {"training diverged", "epoch 1, step 1 of"});
}

TEST_CASE("bootstrap: the number of replicates has a documented cap") {
  BootstrapOptions b;
  b.replicates = 1'000'000'000;
  check_throws<ValueError>([&] { b.validate(); }, {"replicates must be in [0, 100000], got 1000000000"});
  b.replicates = BootstrapOptions::kMaxReplicates;
  CHECK_NOTHROW(b.validate());
  // audit_json refuses it before computing anything.
  AuditInput input{{0, 1}, {0, 1}, {}, {}, {"g"}, {{"a", "b"}}};
  AuditOptions options;
  options.bootstrap.replicates = 1'000'000'000;
  check_throws<ValueError>([&] { audit_json(input, options); }, {"replicates"});
}
