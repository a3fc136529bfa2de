// Hostile numbers in nn/: a NaN score, options out of range, training that diverges, data too
// small to train on and a vocab.json whose ids ask for gigabytes each end in a clear error, never
// in a loop, a crash or a silently broken model.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/errors.h"
#include "engine/engine.h"
#include "nn/classifier.h"
#include "nn/layers.h"
#include "nn/metrics.h"
#include "nn/tokenizer.h"
#include "tests/support/checks.h"
#include "tests/support/temp_dir.h"

using namespace candor;
using namespace candor::nn;
using candor::testing::check_throws;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// n rows of 2 features, labels alternating 0/1 (or all `only` when only >= 0).
datasets::Encoded rows(int64_t n, int only = -1) {
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    x.push_back(static_cast<float>(i % 7) - 3.0f);
    x.push_back(static_cast<float>(i % 3));
    y.push_back(only >= 0 ? static_cast<float>(only) : static_cast<float>(i % 2));
  }
  datasets::Encoded e;
  e.x = from_vector(x, {n, 2});
  e.y = from_vector(y, {n});
  e.weight = ones({n});
  return e;
}

}  // namespace

TEST_CASE("metrics: roc_auc refuses a NaN score instead of looping; infinite scores are ordered") {
  check_throws<ValueError>([] { roc_auc({0, 1, 1}, {0.2, kNaN, 0.7}); }, {"roc_auc", "row 1", "NaN"});
  check_throws<ValueError>([] { roc_auc({0, 1}, {kNaN, kNaN}); }, {"row 0"});
  CHECK(roc_auc({0, 1, 0, 1}, {-kInf, kInf, 0.3, 0.9}) == doctest::Approx(1.0));
  CHECK(roc_auc({1, 0}, {-1e308, 1e308}) == doctest::Approx(0.0));
}

TEST_CASE("training options: out-of-range values are a ValueError naming the option") {
  auto bad = [](auto change, const std::string& part) {
    TrainOptions o;
    change(o);
    check_throws<ValueError>([&] { o.validate(); }, {part});
  };
  bad([](TrainOptions& o) { o.lr = kNaN; }, "lr must be finite and > 0, got nan");
  bad([](TrainOptions& o) { o.lr = kInf; }, "lr must be finite");
  bad([](TrainOptions& o) { o.lr = 0; }, "lr");
  bad([](TrainOptions& o) { o.epochs = 0; }, "epochs must be in [1, 1000000], got 0");
  bad([](TrainOptions& o) { o.epochs = TrainOptions::kMaxEpochs + 1; }, "epochs");
  bad([](TrainOptions& o) { o.batch_size = 0; }, "batch_size");
  bad([](TrainOptions& o) { o.weight_decay = kNaN; }, "weight_decay");
  bad([](TrainOptions& o) { o.momentum = 1; }, "momentum");
  bad([](TrainOptions& o) { o.patience = -1; }, "patience");
  bad([](TrainOptions& o) { o.optimizer = "lion"; }, "unknown optimizer \"lion\"");
  bad([](TrainOptions& o) { o.monitor = "f1"; }, "unknown monitor");
  // Large but finite values print in %g form, not as hundreds of digits.
  bad([](TrainOptions& o) { o.weight_decay = -1e308; }, "got -1e+308");
  CHECK_NOTHROW(TrainOptions{}.validate());
}

TEST_CASE("training: a loss that stops being finite stops training, naming the epoch and step") {
  Generator gen(0);
  auto model = make_mlp(2, 1, {.hidden = {8}}, gen);
  TrainOptions o;
  o.epochs = 3;
  o.batch_size = 8;
  o.progress = false;
  o.optimizer = "sgd";
  o.lr = 1e30;  // the first step sends the weights to ±inf (float32)
  check_throws<DivergedError>([&] { train_classifier(*model, rows(64), rows(16), o); },
                              {"training diverged", "epoch 1, step 2 of 8", "learning rate"});
  CHECK_THROWS_AS(check_finite_loss(kInf, 3, 0, 5), DivergedError);
  CHECK_NOTHROW(check_finite_loss(0.5, 3, 0, 5));
}

TEST_CASE("training: weights that stop being finite on an epoch's last step are caught") {
  Generator gen(0);
  auto model = make_mlp(2, 1, {.hidden = {4}}, gen);
  CHECK_NOTHROW(check_finite_parameters(*model, 1));
  Tensor w = model->named_parameters().begin()->second;
  w.data<float>()[1] = std::numeric_limits<float>::quiet_NaN();
  check_throws<DivergedError>([&] { check_finite_parameters(*model, 4); },
                              {"parameter " + model->named_parameters().begin()->first, "epoch 4"});
}

TEST_CASE("training: too little data or a single class is refused up front with the counts") {
  Generator gen(0);
  auto model = make_mlp(2, 1, {.hidden = {4}}, gen);
  TrainOptions o;
  o.progress = false;
  // A single-class label used to train and "succeed".
  check_throws<datasets::DataError>([&] { train_classifier(*model, rows(20, 1), rows(5), o); },
                                    {"20 training rows (20 of class 1, 0 of class 0)", "both classes"});
  // One- and two-row files left no validation row and failed in load_state_dict.
  check_throws<datasets::DataError>([&] { train_classifier(*model, rows(2), rows(0), o); },
                                    {"2 training rows (1 of class 1, 1 of class 0) and 0 validation rows"});
}

TEST_CASE("tokenizer: ids far beyond the number of tokens are refused before anything is allocated") {
  candor::testing::TempDir dir;
  const std::string merges = dir.write("merges.txt", "#version: 0.2\n");
  // 27 bytes that asked for 2^31 slots (about 80 GB).
  const std::string vocab = dir.write("vocab.json", R"({"a": 2147483647, "b": 0})");
  check_throws<TokenizerError>([&] { Gpt2Tokenizer::from_files(vocab, merges); },
                               {"vocab.json: token \"a\" has id 2147483647", "holds 2 tokens", "below 65538"});
  // Gaps stay allowed within the bound.
  CHECK(Gpt2Tokenizer::from_files(dir.write("vocab.json", R"({"a": 0, "b": 65537})"), merges).vocab_size() == 65538);
}
