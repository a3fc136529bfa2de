// The fine-tuning recipe as a library (fairness/finetune.h) and its constraint machinery
// (fairness/constraint.h): the dual ascent's arithmetic, the choice of the returned iterate, the
// modes, determinism and bad options, on the synthetic biased data (datasets/builtin.h).
#include <algorithm>
#include <cmath>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "datasets/builtin.h"
#include "datasets/encoder.h"
#include "datasets/errors.h"
#include "datasets/split.h"
#include "datasets/labels.h"
#include "fairness/evaluation.h"
#include "fairness/finetune.h"
#include "fairness/groups.h"
#include "nn/layers.h"
#include "nn/scoring.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

namespace {

// Train / validation rows of the synthetic data (group "b" is favoured), encoded.
struct Data {
  datasets::Encoded train, validation;
  int64_t features = 0;
};

const Data& biased_data() {
  static const Data data = [] {
    datasets::SyntheticOptions so;
    so.rows = 3000;
    so.label_bias = 2.0;
    so.seed = 3;
    datasets::Dataset ds = datasets::make_synthetic(so);
    datasets::Split split = datasets::stratified_split(datasets::binary_labels(ds.train, ds.schema), 0.3, 0.0, 1);
    datasets::Table train = ds.train.select_rows(split.train), validation = ds.train.select_rows(split.validation);
    datasets::Encoder encoder = datasets::Encoder::fit(train, ds.schema);
    return Data{encoder.transform(train), encoder.transform(validation), static_cast<int64_t>(encoder.num_features())};
  }();
  return data;
}

nn::Tunable fresh_mlp(uint64_t seed = 0) {
  Generator gen(seed);
  nn::MlpOptions o;
  o.hidden = {16};
  return nn::tunable(nn::make_mlp(biased_data().features, 1, o, gen));
}

double validation_dpd(const nn::Tunable& t) {
  const Data& d = biased_data();
  return measured_gap(Gap::DemographicParity, nn::score(*t.model, d.validation), d.validation.sensitive[0]);
}

FinetuneOptions quick(double lambda) {
  FinetuneOptions o;
  o.lambda = lambda;
  o.epochs = 4;
  o.batch_size = 128;
  o.lr = 1e-2;
  return o;
}

std::vector<float> weights_of(const nn::Tunable& t) {
  std::vector<float> all;
  for (const auto& [name, p] : t.model->named_parameters()) {
    std::vector<float> v = p.to_vector<float>();
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

}  // namespace

TEST_CASE("constraint: parsing names the gap and the bound, and rejects everything else") {
  Constraint c = parse_constraint("dp<=0.02");
  CHECK(c.gap == Gap::DemographicParity);
  CHECK(c.bound == 0.02);
  CHECK(parse_constraint(" eo <= 0.05 ").gap == Gap::EqualizedOdds);
  CHECK(parse_constraint("eopp<=0").bound == 0);
  CHECK(to_string(parse_constraint("eopp<=0.1")) == "eopp<=0.1");
  for (const char* bad : {"dp=0.02", "dp<=", "<=0.02", "parity<=0.1", "dp<=-0.1", "dp<=nan", "dp<=inf", "dp<=0.1x"}) {
    CAPTURE(bad);
    check_throws<ValueError>([&] { parse_constraint(bad); }, {bad, "expected GAP<=BOUND"});
  }
}

TEST_CASE("constraint: dual ascent raises lambda by step * violation, never below 0, and ignores NaN") {
  DualAscent dual({Gap::DemographicParity, 0.02}, 2.0, 1.0);
  CHECK(dual.update(0.12) == doctest::Approx(1.2));   // 1 + 2 * (0.12 - 0.02)
  CHECK(dual.update(0.02) == doctest::Approx(1.2));   // on the bound: unchanged
  CHECK(dual.update(NAN) == doctest::Approx(1.2));    // undefined gap: unchanged
  CHECK(dual.update(0.0) == doctest::Approx(1.16));   // slack lowers it
  DualAscent low({Gap::EqualizedOdds, 0.5}, 10.0, 0.1);
  CHECK(low.update(0.0) == 0.0);                      // projected onto lambda >= 0
  check_throws<ValueError>([] { DualAscent({Gap::DemographicParity, 0.1}, 0.0, 1.0); }, {"step"});
  check_throws<ValueError>([] { DualAscent({Gap::DemographicParity, 0.1}, 1.0, -1.0); }, {"initial multiplier"});
  check_throws<ValueError>([] { DualAscent({Gap::DemographicParity, 0.1}, NAN, 1.0); }, {"step"});
}

TEST_CASE("finetune: the penalty shrinks the measured gap that lambda 0 leaves, and the run repeats bit for bit") {
  const Data& d = biased_data();
  nn::Tunable plain = fresh_mlp(), fair = fresh_mlp(), again = fresh_mlp();
  FinetuneResult p = finetune(plain, d.train, d.validation, quick(0.0));
  FinetuneResult f = finetune(fair, d.train, d.validation, quick(3.0));
  finetune(again, d.train, d.validation, quick(3.0));
  CHECK(p.penalised == std::vector<std::string>{"group"});  // the data's only sensitive feature
  CHECK(validation_dpd(plain) > 0.2);
  CHECK(validation_dpd(fair) < 0.5 * validation_dpd(plain));
  CHECK(weights_of(fair) == weights_of(again));
  // Penalty mode: the last iterate is returned, lambda stays as given, one record per epoch.
  CHECK(f.chosen_step == f.steps);
  CHECK(f.final_lambda == 3.0);
  CHECK(f.iterates.empty());
  REQUIRE(f.history.size() == 4);
  CHECK(f.history[3].epoch == 4);
  CHECK(f.history[3].validation.at("gap") == doctest::Approx(validation_dpd(fair)));
  CHECK(f.history[3].lr < f.history[0].lr);  // the cosine decay
  CHECK(f.trainable_parameters == f.total_parameters);
}

TEST_CASE("finetune: constrained mode returns the most accurate iterate within the bound on both row sets (validation: to one standard error)") {
  const Data& d = biased_data();
  nn::Tunable t = fresh_mlp();
  FinetuneOptions o = quick(0.0);
  o.constraint = parse_constraint("dp<=0.1");
  o.dual_every = 5;
  FinetuneResult r = finetune(t, d.train, d.validation, o);
  REQUIRE(!r.iterates.empty());
  CHECK(r.iterates.front().step == 0);  // the starting model is a candidate
  CHECK(r.iterates.back().step == r.steps);
  CHECK(r.bound_met);
  CHECK(r.warnings.empty());  // among them, none saying the validation rows are too few for the bound
  CHECK(r.validation_gap_standard_error > 0);
  CHECK(r.validation_gap_standard_error < 0.1);
  const Iterate* chosen = nullptr;
  double best = -1;
  for (const Iterate& it : r.iterates) {
    CHECK(it.validation_gap_standard_error > 0);
    CHECK(it.feasible ==
          (it.train_gap <= 0.1 && it.validation_gap <= 0.1 + it.validation_gap_standard_error && !it.collapsed));
    if (it.step == r.chosen_step) chosen = &it;
    if (it.feasible) best = std::max(best, it.validation_accuracy);
  }
  REQUIRE(chosen != nullptr);
  CHECK(chosen->feasible);
  CHECK(chosen->validation_accuracy == best);
  // The model holds the chosen iterate's weights: its measured gap is the recorded one.
  CHECK(validation_dpd(t) == doctest::Approx(chosen->validation_gap).epsilon(1e-12));
  CHECK(r.validation_gap_standard_error == doctest::Approx(chosen->validation_gap_standard_error).epsilon(1e-12));
  // The multiplier moved by dual ascent on the training rows' gap, from 0 up while violated.
  CHECK(r.iterates[1].lambda == doctest::Approx(std::max(0.0, 2.0 * (r.iterates[0].train_gap - 0.1))));
}

TEST_CASE("finetune: the validation tolerance admits a candidate whose validation gap is above the bound by noise") {
  // The multiplier follows the training rows' gap only, so the runs below train the same iterates
  // and differ in which of them count as feasible. 150 validation rows measure the gap coarsely.
  const Data& d = biased_data();
  datasets::Encoded few = d.validation;
  const int64_t n = 150;
  few.x = narrow(d.validation.x, 0, 0, n);
  few.y = narrow(d.validation.y, 0, 0, n);
  few.weight = narrow(d.validation.weight, 0, 0, n);
  few.sensitive[0] = d.validation.sensitive[0].take(arange(n));
  FinetuneOptions o = quick(0.0);
  o.constraint = parse_constraint("dp<=0.1");
  o.dual_every = 5;
  std::vector<std::vector<Iterate>> runs;
  for (double tolerance : {0.0, 1.0, 3.0}) {
    CAPTURE(tolerance);
    o.validation_tolerance = tolerance;
    nn::Tunable t = fresh_mlp();
    runs.push_back(finetune(t, d.train, few, o).iterates);
    for (const Iterate& it : runs.back()) {
      const bool within = it.train_gap <= 0.1 && it.validation_gap <= 0.1 + tolerance * it.validation_gap_standard_error;
      CHECK(it.feasible == (within && !it.collapsed));
    }
  }
  REQUIRE(runs[0].size() == runs[2].size());
  size_t admitted = 0;  // feasible with 3 standard errors, not strictly
  for (size_t i = 0; i < runs[0].size(); ++i) {
    CHECK(runs[0][i].validation_gap == runs[2][i].validation_gap);
    CHECK(runs[0][i].train_gap == runs[2][i].train_gap);
    if (runs[2][i].feasible && !runs[0][i].feasible) ++admitted;
    CHECK(!(runs[0][i].feasible && !runs[2][i].feasible));
  }
  CHECK(admitted > 0);
}

TEST_CASE("finetune: an unreachable bound is reported, and the closest iterate returned") {
  const Data& d = biased_data();
  nn::Tunable t = fresh_mlp();
  FinetuneOptions o = quick(0.0);
  o.epochs = 1;
  o.lr = 1e-4;  // too little training to close the gap
  o.constraint = parse_constraint("dp<=0.001");
  FinetuneResult r = finetune(t, d.train, d.validation, o);
  CHECK(!r.bound_met);
  REQUIRE(r.warnings.size() >= 1);
  CHECK(r.warnings[0].find("constraint dp<=0.001 not met") != std::string::npos);
  // A bound of 0.001 is finer than the validation rows can measure, and the run says so.
  CHECK(r.validation_gap_standard_error > 0.001);
  CHECK(std::any_of(r.warnings.begin(), r.warnings.end(), [](const std::string& w) {
    return w.find("the validation rows measure this gap with a standard error of") != std::string::npos &&
           w.find("more than the bound 0.001") != std::string::npos;
  }));
  double smallest = INFINITY, chosen = NAN;
  for (const Iterate& it : r.iterates) {
    const double v = std::max(it.train_gap, it.validation_gap);
    smallest = std::min(smallest, v);
    if (it.step == r.chosen_step) chosen = v;
  }
  CHECK(chosen == smallest);
}

TEST_CASE("finetune: constrained head and LoRA modes also leave the chosen iterate's weights in the model") {
  const Data& d = biased_data();
  for (TuneMode mode : {TuneMode::Head, TuneMode::Lora}) {
    CAPTURE(mode_name(mode));
    nn::Tunable t = fresh_mlp(7);
    FinetuneOptions o = quick(0.0);
    o.mode = mode;
    o.cache_features = mode == TuneMode::Head;
    o.lora.rank = 2;
    o.lora.targets.clear();
    o.constraint = parse_constraint("dp<=0.1");
    o.dual_every = 7;
    FinetuneResult r = finetune(t, d.train, d.validation, o);
    const Iterate* chosen = nullptr;
    for (const Iterate& it : r.iterates) {
      if (it.step == r.chosen_step) chosen = &it;
    }
    REQUIRE(chosen != nullptr);
    CHECK(r.chosen_step != r.steps);  // the test means something only if an earlier iterate won
    CHECK(validation_dpd(t) == doctest::Approx(chosen->validation_gap).epsilon(1e-12));
  }
}

TEST_CASE("finetune: a gap undefined on the validation rows makes no iterate feasible") {
  // No positive validation row: every group's true positive rate, so the equal opportunity gap, is NaN.
  const Data& d = biased_data();
  datasets::Encoded validation = d.validation;
  validation.y = zeros({validation.y.size(0)});
  nn::Tunable t = fresh_mlp();
  FinetuneOptions o = quick(0.0);
  o.epochs = 1;
  o.constraint = parse_constraint("eopp<=0.5");
  FinetuneResult r = finetune(t, d.train, validation, o);
  for (const Iterate& it : r.iterates) CHECK(!it.feasible);
  CHECK(!r.bound_met);
}

TEST_CASE("finetune: options are checked before the model is changed") {
  const Data& d = biased_data();
  nn::Tunable t = fresh_mlp();
  std::vector<float> before = weights_of(t);
  FinetuneOptions o = quick(1);
  o.mode = TuneMode::Lora;
  o.lora.targets.clear();
  o.schedule = "cosin";
  check_throws<ValueError>([&] { finetune(t, d.train, d.validation, o); }, {"cosin"});
  o.schedule = "cosine";
  o.constraint = parse_constraint("dp<=0.1");
  o.dual_step = -1;
  check_throws<ValueError>([&] { finetune(t, d.train, d.validation, o); }, {"step"});
  CHECK(nn::lora_state_dict(*t.model).empty());  // no adapter was added
  CHECK(weights_of(t) == before);
}

TEST_CASE("finetune: training rows of one class are refused with the counts, before the model is changed") {
  const Data& d = biased_data();
  nn::Tunable t = fresh_mlp();
  std::vector<float> before = weights_of(t);
  datasets::Encoded one_class = d.train;
  one_class.y = ones({d.train.y.numel()});
  const std::string rows = std::to_string(d.train.y.numel());
  check_throws<datasets::DataError>([&] { finetune(t, one_class, d.validation, quick(1)); },
                                    {rows + " training rows (" + rows + " of class 1, 0 of class 0)", "both classes"});
  CHECK(weights_of(t) == before);
}

TEST_CASE("finetune: head mode trains only the head; lora mode only the adapters") {
  const Data& d = biased_data();
  nn::Tunable head = fresh_mlp();
  std::vector<float> before = weights_of(head);
  FinetuneOptions o = quick(1.0);
  o.mode = TuneMode::Head;
  o.cache_features = true;
  FinetuneResult r = finetune(head, d.train, d.validation, o);
  CHECK(r.trainable_parameters == 16 + 1);  // the last Linear
  std::vector<float> after = weights_of(head);
  const size_t backbone = after.size() - 17;  // named_parameters order: 0.weight, 0.bias, 2.weight, 2.bias
  CHECK(std::equal(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(backbone), after.begin()));
  CHECK(!std::equal(before.begin() + static_cast<std::ptrdiff_t>(backbone), before.end(),
                    after.begin() + static_cast<std::ptrdiff_t>(backbone)));

  nn::Tunable lora = fresh_mlp();
  std::map<std::string, Tensor> base;
  for (const auto& [name, p] : lora.model->named_parameters()) base[name] = p.detach().clone();
  o.mode = TuneMode::Lora;
  o.cache_features = false;
  o.lora.rank = 2;
  o.lora.targets.clear();  // the model's default: every Linear of an MLP
  FinetuneResult l = finetune(lora, d.train, d.validation, o);
  CHECK(l.adapted_layers == std::vector<std::string>{"0", "2"});
  CHECK(l.lora.targets == std::vector<std::string>{"*"});
  for (const auto& entry : lora.model->named_parameters()) {
    const auto& name = entry.first;
    const auto& p = entry.second;
    CAPTURE(name);
    if (base.count(name)) CHECK(p.to_vector<float>() == base[name].to_vector<float>());
  }
}

TEST_CASE("finetune: a model that collapses to one class is flagged, and never chosen as feasible") {
  // Trained on labels that are 1 but for every 100th row (one class alone is refused), it predicts
  // 1 everywhere; the validation labels hold 2% zeros.
  const Data& d = biased_data();
  datasets::Encoded train = d.train, validation = d.validation;
  std::vector<float> labels(static_cast<size_t>(train.y.size(0)), 1.0f);
  for (size_t i = 0; i < labels.size(); i += 100) labels[i] = 0;
  train.y = from_vector(labels, {train.y.size(0)});
  std::vector<float> y(static_cast<size_t>(validation.y.size(0)), 1.0f);
  for (size_t i = 0; i < y.size(); i += 50) y[i] = 0;
  validation.y = from_vector(y, {validation.y.size(0)});
  nn::Tunable t = fresh_mlp();
  FinetuneResult r = finetune(t, train, validation, quick(0.0));
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("predicts 1 for 100.00% of the validation rows (the labels: 98.") != std::string::npos);
  // Under a constraint its iterates are collapsed, so not feasible, however small their gaps.
  nn::Tunable c = fresh_mlp();
  FinetuneOptions o = quick(0.0);
  o.constraint = parse_constraint("dp<=0.5");
  FinetuneResult rc = finetune(c, train, validation, o);
  size_t collapsed = 0;
  for (const Iterate& it : rc.iterates) {
    if (it.collapsed) ++collapsed;
    CHECK(!(it.collapsed && it.feasible));
  }
  CHECK(collapsed > 0);
}

TEST_CASE("finetune: a penalised group with few rows per batch is named, with the batch size that gives it 20") {
  const Data& d = biased_data();
  const std::vector<int64_t> ids = d.train.sensitive[0].ids.to_vector<int64_t>();
  const std::vector<float> labels = d.train.y.to_vector<float>();
  const auto n = static_cast<double>(ids.size());
  // The rows of the smaller group, and of each group with label 1 (equal opportunity's set).
  std::vector<int64_t> rows(2, 0), positives(2, 0);
  for (size_t i = 0; i < ids.size(); ++i) {
    ++rows[static_cast<size_t>(ids[i])];
    if (labels[i] == 1) ++positives[static_cast<size_t>(ids[i])];
  }
  auto warning_of = [&](FinetuneOptions o) {
    o.epochs = 1;
    nn::Tunable t = fresh_mlp();
    const FinetuneResult r = finetune(t, d.train, d.validation, o);
    for (const std::string& w : r.warnings) {
      if (w.find("the penalised group") != std::string::npos) return w;
    }
    return std::string();
  };
  const size_t small = rows[0] < rows[1] ? 0 : 1;
  FinetuneOptions o = quick(1.0);
  o.batch_size = 16;  // about 8 rows of each group
  const std::string w = warning_of(o);
  CAPTURE(w);
  CHECK(w.find(fmt::format("the penalised group {} has {:.1f} rows in an average batch of 16 ({} of the {:.0f}",
                           d.train.sensitive[0].groups[small], static_cast<double>(rows[small]) * 16 / n, rows[small], n)) !=
        std::string::npos);
  CHECK(w.find(fmt::format("a batch_size of {:.0f} or more gives it 20", std::ceil(20 * n / static_cast<double>(rows[small])))) !=
        std::string::npos);
  o.batch_size = 128;  // about 60 rows of each group
  CHECK(warning_of(o).empty());
  // Equal opportunity reads the rows with label 1: fewer of them per batch.
  o.penalty.gap = Gap::EqualOpportunity;
  o.batch_size = 48;
  const size_t fewer = positives[0] < positives[1] ? 0 : 1;
  REQUIRE(static_cast<double>(positives[fewer]) * 48 / n < 20);
  CHECK(warning_of(o).find(fmt::format("{} has {:.1f} rows with label 1", d.train.sensitive[0].groups[fewer],
                                       static_cast<double>(positives[fewer]) * 48 / n)) != std::string::npos);
  // No penalty, no warning; a constraint penalises, so it warns.
  o.batch_size = 16;
  o.lambda = 0;
  CHECK(warning_of(o).empty());
  o.constraint = parse_constraint("dp<=0.1");
  CHECK(!warning_of(o).empty());
  // A group with 10 rows in all has fewer than 20 in any batch.
  datasets::Encoded few = d.train;
  std::vector<int64_t> tiny(ids.size(), 0);
  for (size_t i = 0; i < 10; ++i) tiny[i] = 1;
  few.sensitive[0].ids = from_vector(tiny, {static_cast<int64_t>(tiny.size())});
  nn::Tunable t = fresh_mlp();
  FinetuneOptions big = quick(1.0);
  big.epochs = 1;
  big.batch_size = 4096;
  const FinetuneResult r = finetune(t, few, d.validation, big);
  REQUIRE(!r.warnings.empty());
  CHECK(r.warnings[0].find("has 10.0 rows in an average batch of 2100 (10 of the 2100 training rows)") != std::string::npos);
  CHECK(r.warnings[0].find("the training rows hold too few of them for any batch size") != std::string::npos);
}

TEST_CASE("finetune: bad options are clear errors") {
  const Data& d = biased_data();
  nn::Tunable t = fresh_mlp();
  auto fails = [&](const FinetuneOptions& o, const std::vector<std::string>& parts) {
    check_throws<ValueError>([&] { finetune(t, d.train, d.validation, o); }, parts);
  };
  FinetuneOptions o = quick(NAN);
  fails(o, {"lambda must be finite"});
  o = quick(-1);
  fails(o, {"lambda must be finite and >= 0"});
  o = quick(1);
  o.epochs = 0;
  fails(o, {"epochs must be in [1, 1000000], got 0"});
  o = quick(1);
  o.cache_features = true;
  fails(o, {"cache_features applies to head mode only"});
  o = quick(1);
  o.schedule = "sawtooth";
  fails(o, {"sawtooth"});
  o = quick(1);
  o.sensitive = {"race"};
  check_throws<datasets::DataError>([&] { finetune(t, d.train, d.validation, o); },
                                    {"\"race\" is not a sensitive feature", "group"});
  datasets::Encoded none = d.train;
  none.sensitive.clear();
  check_throws<ValueError>([&] { finetune(t, none, d.validation, quick(1)); }, {"no sensitive feature"});
  datasets::Encoded two = d.train;
  two.sensitive.push_back(two.sensitive[0]);
  two.sensitive[1].name = "other";
  check_throws<ValueError>([&] { finetune(t, two, d.validation, quick(1)); }, {"say which sensitive feature", "group, other"});
}

TEST_CASE("groups_of: the groups of encoded features equal make_groups on their values, intersections included") {
  datasets::SensitiveFeature sex{"sex", {"F", "M"}, from_vector(std::vector<int64_t>{0, 1, 1, 0, 1}, {5})};
  datasets::SensitiveFeature race{"race", {"A", "B", "C"}, from_vector(std::vector<int64_t>{2, 0, 2, 2, 0}, {5})};
  for (bool all : {false, true}) {
    Groups a = groups_of({sex, race}, all), b = make_groups({sex.values(), race.values()}, {"sex", "race"}, all);
    CHECK(a.labels == b.labels);
    CHECK(a.levels == b.levels);
    CHECK(a.ids == b.ids);
    CHECK(a.counts == b.counts);
    CHECK(a.features == b.features);
  }
  Groups one = groups_of({sex});
  CHECK(one.labels == std::vector<std::string>{"F", "M"});
  CHECK(one.ids == std::vector<size_t>{0, 1, 1, 0, 1});
}

TEST_CASE("evaluation: metric_frame and measured_gap read the scores at the 0.5 threshold") {
  nn::Scores s{{1, 0, 1, 0, 1, 0}, {0.9, 0.6, 0.4, 0.2, 0.7, 0.5}, {1, 1, 1, 1, 1, 1}};
  datasets::SensitiveFeature g{"g", {"a", "b"}, from_vector(std::vector<int64_t>{0, 0, 0, 1, 1, 1}, {6})};
  MetricFrame frame = metric_frame(s, {g});
  // a: predictions 1, 1, 0 (selection 2/3); b: 0, 1, 1 (2/3, the 0.5 tie counts as 1).
  CHECK(frame.by_group(Metric::SelectionRate, 0) == doctest::Approx(2.0 / 3));
  CHECK(frame.by_group(Metric::SelectionRate, 1) == doctest::Approx(2.0 / 3));
  CHECK(measured_gap(Gap::DemographicParity, s, g) == doctest::Approx(0.0));
  // TPR: a 1/2, b 1/1; FPR: a 1/1, b 1/2: both differences 0.5.
  CHECK(measured_gap(Gap::EqualOpportunity, s, g) == doctest::Approx(0.5));
  CHECK(measured_gap(Gap::EqualizedOdds, s, g) == doctest::Approx(0.5));
}

TEST_CASE("evaluation: measured_gap_precision is the binomial error of the difference that sets the gap") {
  nn::Scores s{{1, 0, 1, 0, 1, 0}, {0.9, 0.6, 0.4, 0.2, 0.7, 0.5}, {1, 1, 1, 1, 1, 1}};
  datasets::SensitiveFeature g{"g", {"a", "b"}, from_vector(std::vector<int64_t>{0, 0, 0, 1, 1, 1}, {6})};
  // DP: both groups select 2/3 of 3 rows: sqrt(2 * (2/3)(1/3) / 3).
  GapPrecision dp = measured_gap_precision(Gap::DemographicParity, s, g);
  CHECK(dp.standard_error == doctest::Approx(std::sqrt(4.0 / 27)));
  CHECK(dp.smallest == "a (3 rows)");
  // TPR: a 1/2 of 2, b 1/1 of 1, taken as 1/2 (a rate of 1 from one row is not exact): sqrt(0.25/2 +
  // 0.25/1). FPR is as precise, so equalized odds keeps the TPR part.
  GapPrecision eo = measured_gap_precision(Gap::EqualizedOdds, s, g);
  CHECK(eo.standard_error == doctest::Approx(std::sqrt(0.375)));
  CHECK(eo.smallest == "b (1 row with label 1)");
  // Weights: Kish's effective size. Group a's rows weighed 1, 1, 4: n = 36 / 18 = 2, rate (1 + 1) / 6.
  s.weight = {1, 1, 4, 1, 1, 1};
  const double ra = 2.0 / 6, rb = 2.0 / 3;
  CHECK(measured_gap_precision(Gap::DemographicParity, s, g).standard_error ==
        doctest::Approx(std::sqrt(ra * (1 - ra) / 2 + rb * (1 - rb) / 3)));
}
