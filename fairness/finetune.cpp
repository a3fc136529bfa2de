#include "fairness/finetune.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include <fmt/format.h>

#include "datasets/errors.h"
#include "datasets/loader.h"
#include "engine/engine.h"
#include "fairness/evaluation.h"
#include "nn/classifier.h"
#include "nn/optim.h"
#include "nn/progress.h"
#include "nn/schedule.h"
#include "nn/scoring.h"

namespace candor::fairness {

TuneMode parse_mode(const std::string& name) {
  if (name == "full") return TuneMode::Full;
  if (name == "head") return TuneMode::Head;
  if (name == "lora") return TuneMode::Lora;
  throw ValueError(fmt::format("unknown fine-tuning mode \"{}\" (full, head, lora)", name));
}

const char* mode_name(TuneMode mode) {
  switch (mode) {
    case TuneMode::Full: return "full";
    case TuneMode::Head: return "head";
    case TuneMode::Lora: return "lora";
  }
  return "?";
}

namespace {

// A model has collapsed when it predicts a class for less than this share of the rows the labels
// give that class (on Adult, fewer than 2.4% positives against the labels' 24%).
constexpr double kCollapse = 0.1;

// The penalty reads each group's rate off the rows a batch holds of it: with k of them the batch's
// rate has a standard error up to 0.5 / sqrt(k) (0.11 at 20 rows), and the gradient the multiplier
// weighs is as noisy. Fewer rows than this per batch get a warning (finetune.h: bank marketing).
constexpr double kMinGroupRowsPerBatch = 20;

// A warning when the penalised group with the fewest rows in the penalty's sets (all rows for
// demographic parity; label 1 for equal opportunity; each label for equalized odds) has fewer than
// kMinGroupRowsPerBatch of them in an average batch; none otherwise.
std::optional<std::string> small_group_warning(const datasets::SensitiveFeature& group, const Tensor& y, Gap gap,
                                               int64_t batch_size) {
  const std::vector<int64_t> ids = group.ids.to_vector<int64_t>();
  const std::vector<float> labels = y.to_vector<float>();
  std::vector<int> sets = {-1};  // -1: every row; 0 or 1: the rows with that label
  if (gap == Gap::EqualOpportunity) sets = {1};
  if (gap == Gap::EqualizedOdds) sets = {1, 0};
  int64_t fewest = std::numeric_limits<int64_t>::max();  // rows of the smallest (group, set) with any
  size_t fewest_group = 0;
  int fewest_set = -1;
  for (int label : sets) {
    std::vector<int64_t> count(group.size(), 0);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (label < 0 || labels[i] == static_cast<float>(label)) ++count[static_cast<size_t>(ids[i])];
    }
    for (size_t g = 0; g < count.size(); ++g) {
      if (count[g] > 0 && count[g] < fewest) std::tie(fewest, fewest_group, fewest_set) = std::tuple(count[g], g, label);
    }
  }
  const auto n = static_cast<double>(ids.size());
  const double batch = std::min(static_cast<double>(batch_size), n);
  const double per_batch = static_cast<double>(fewest) * batch / n;
  if (fewest == std::numeric_limits<int64_t>::max() || per_batch >= kMinGroupRowsPerBatch) return std::nullopt;
  const std::string rows = fewest_set < 0 ? "rows" : fmt::format("rows with label {}", fewest_set);
  const double needed = std::ceil(kMinGroupRowsPerBatch * n / static_cast<double>(fewest));
  const std::string advice = needed <= n
                                 ? fmt::format("a batch_size of {:.0f} or more gives it {:.0f}", needed, kMinGroupRowsPerBatch)
                                 : std::string("the training rows hold too few of them for any batch size");
  return fmt::format("the penalised group {} has {:.1f} {} in an average batch of {:.0f} ({} of the {:.0f} training "
                     "rows): the penalty reads its rate off that few rows, so the gradient that should close the gap "
                     "is noisy; {}",
                     group.groups[fewest_group], per_batch, rows, batch, fewest, n, advice);
}

// The learning rate of every step: from o.lr down to 0 over the run, as o.schedule says.
nn::Schedule make_schedule(const FinetuneOptions& o, int64_t batches_per_epoch) {
  nn::Schedule schedule;
  schedule.kind = o.schedule;
  schedule.base_lr = o.lr;
  schedule.total_steps = o.epochs * batches_per_epoch;
  schedule.validate();
  return schedule;
}

// The penalised features: the ones named, or the data's only sensitive feature.
std::vector<std::string> penalised_names(const FinetuneOptions& o, const datasets::Encoded& train) {
  if (!o.sensitive.empty()) return o.sensitive;
  std::vector<std::string> names;
  for (const datasets::SensitiveFeature& f : train.sensitive) names.push_back(f.name);
  if (names.size() == 1) return names;
  if (names.empty()) throw ValueError("finetune: the data has no sensitive feature to penalise");
  throw ValueError(fmt::format("finetune: say which sensitive feature to penalise ({})", datasets::join_names(names)));
}

// Sets what trains; returns the adapted layers in lora mode.
std::vector<std::string> set_mode(const nn::Tunable& t, const FinetuneOptions& o, nn::LoraOptions& lora) {
  nn::Module& model = *t.model;
  if (o.mode == TuneMode::Head) {
    model.freeze("*");
    model.unfreeze(t.head);
  } else if (o.mode == TuneMode::Lora) {
    lora = o.lora;
    if (lora.targets.empty()) lora.targets = t.lora_targets;
    if (t.fresh_head) lora.also_train.push_back(t.head);
    lora.seed = o.seed;
    return nn::apply_lora(model, lora);
  }
  return {};
}

// The head's inputs for every row of x, from the frozen backbone in eval mode.
Tensor cached_features(const nn::Tunable& t, const Tensor& x) {
  NoGradGuard no_grad;
  t.model->eval();
  std::vector<Tensor> parts;
  constexpr int64_t kChunk = 1024;
  for (int64_t start = 0; start < x.size(0); start += kChunk) {
    parts.push_back(t.features(narrow(x, 0, start, std::min(kChunk, x.size(0) - start))));
  }
  return concat(parts, 0);
}

// The trainable parameters' values (the frozen ones never change), to come back to an iterate.
std::map<std::string, Tensor> trainable_state(const nn::Module& model) {
  std::map<std::string, Tensor> state;
  for (const auto& [name, p] : model.named_parameters()) {
    if (p.requires_grad()) state[name] = p.detach().clone();
  }
  return state;
}

// How far an iterate is from feasible: the larger of its training gap beyond the bound and its
// validation gap beyond the bound plus the tolerance (+inf when either gap is undefined, e.g. a
// group without positives for equal opportunity).
double violation(const Iterate& it, double bound, double tolerance) {
  if (std::isnan(it.train_gap) || std::isnan(it.validation_gap)) return std::numeric_limits<double>::infinity();
  return std::max(it.train_gap - bound, it.validation_gap - bound - tolerance * it.validation_gap_standard_error);
}

// The shares of rows predicted positive and labelled positive.
std::pair<double, double> positive_shares(const nn::Scores& s) {
  double predicted = 0, actual = 0;
  for (size_t i = 0; i < s.score.size(); ++i) {
    predicted += s.score[i] >= 0.5 ? 1 : 0;
    actual += s.y[i];
  }
  const auto n = static_cast<double>(std::max<size_t>(s.score.size(), 1));
  return {predicted / n, actual / n};
}

// A model that (nearly) stops predicting one of the classes has not become fair, it has stopped
// classifying: its gaps are small for that reason, and mean little.
bool collapsed(const nn::Scores& s) {
  if (s.score.empty()) return false;
  const auto [predicted, actual] = positive_shares(s);
  return (actual > 0 && predicted < kCollapse * actual) || (actual < 1 && 1 - predicted < kCollapse * (1 - actual));
}

void warn_collapse(const nn::Scores& s, std::vector<std::string>& warnings) {
  if (!collapsed(s)) return;
  const auto [predicted, actual] = positive_shares(s);
  const bool ones = predicted > 0.5;
  warnings.push_back(fmt::format("the fine-tuned model predicts {} for {:.2f}% of the validation rows (the labels: {:.2f}%): "
                                 "it has collapsed towards one class, so its fairness gaps mean little (try a smaller "
                                 "lambda or learning rate)",
                                 ones ? 1 : 0, 100 * (ones ? predicted : 1 - predicted), 100 * (ones ? actual : 1 - actual)));
}

}  // namespace

void FinetuneOptions::validate() const {
  auto finite_at_least = [](double v, double lo) { return std::isfinite(v) && v >= lo; };
  auto fail = [](const std::string& what) { throw ValueError("finetune: " + what); };
  if (!finite_at_least(lambda, 0)) fail(fmt::format("lambda must be finite and >= 0, got {:g}", lambda));
  if (!(lr > 0) || !std::isfinite(lr)) fail(fmt::format("lr must be finite and > 0, got {:g}", lr));
  if (epochs < 1 || epochs > nn::TrainOptions::kMaxEpochs) {
    fail(fmt::format("epochs must be in [1, {}], got {}", nn::TrainOptions::kMaxEpochs, epochs));
  }
  if (batch_size < 1 || dual_every < 1) {
    fail(fmt::format("batch_size ({}) and dual_every ({}) must be >= 1", batch_size, dual_every));
  }
  if (!finite_at_least(penalty.epsilon, 0)) fail(fmt::format("the hinge's epsilon must be finite and >= 0, got {:g}", penalty.epsilon));
  if (!finite_at_least(validation_tolerance, 0)) {
    fail(fmt::format("the validation tolerance must be finite and >= 0, got {:g}", validation_tolerance));
  }
  if (constraint && !finite_at_least(constraint->bound, 0)) {
    fail(fmt::format("the constraint's bound must be finite and >= 0, got {:g}", constraint->bound));
  }
  if (!(surrogate.temperature > 0) || !std::isfinite(surrogate.temperature)) {
    fail(fmt::format("the temperature must be finite and > 0, got {:g}", surrogate.temperature));
  }
  if (surrogate.quantiles < 1 || surrogate.quantiles > kMaxQuantiles) {
    fail(fmt::format("quantile levels must be in [1, {}], got {}", kMaxQuantiles, surrogate.quantiles));
  }
  if (mode == TuneMode::Lora) {
    if (lora.rank < 1) fail(fmt::format("the LoRA rank must be >= 1, got {}", lora.rank));
    if (!(lora.alpha > 0) || !std::isfinite(lora.alpha)) fail(fmt::format("LoRA alpha must be finite and > 0, got {:g}", lora.alpha));
    if (!(lora.dropout >= 0 && lora.dropout < 1)) fail(fmt::format("LoRA dropout must be in [0, 1), got {:g}", lora.dropout));
  }
  if (cache_features && mode != TuneMode::Head) fail("cache_features applies to head mode only");
  if (constraint) DualAscent(*constraint, dual_step, lambda);  // throws for a bad step
}

FinetuneResult finetune(const nn::Tunable& t, const datasets::Encoded& train, const datasets::Encoded& validation,
                        const FinetuneOptions& o) {
  o.validate();
  nn::check_trainable(train, validation);
  // Everything that can refuse the options or the data does so before the model is touched.
  const nn::Schedule schedule = make_schedule(o, (train.x.size(0) + o.batch_size - 1) / o.batch_size);
  nn::Module& model = *t.model;
  FinetuneResult r;
  r.penalised = penalised_names(o, train);
  // The penalised groups: one per combination of the features' values (datasets/sensitive.h).
  const datasets::SensitiveFeature group = datasets::intersection(datasets::select_features(train.sensitive, r.penalised));
  const datasets::SensitiveFeature validation_group =
      datasets::intersection(datasets::select_features(validation.sensitive, r.penalised));
  const auto groups = static_cast<int64_t>(group.size());

  if (o.constraint || o.lambda > 0) {
    const Gap penalised_gap = o.constraint ? o.constraint->gap : o.penalty.gap;
    if (auto warning = small_group_warning(group, train.y, penalised_gap, o.batch_size)) r.warnings.push_back(*warning);
  }

  r.adapted_layers = set_mode(t, o, r.lora);
  std::vector<Tensor> trainable = model.parameters();
  for (const Tensor& p : trainable) r.trainable_parameters += p.numel();
  for (const auto& [name, p] : model.named_parameters()) r.total_parameters += p.numel();

  // Head mode with cached features: the head reads the backbone's outputs, computed once.
  datasets::Encoded rows = train;
  rows.sensitive = {group};
  Tensor validation_x = validation.x;
  if (o.cache_features) {
    rows.x = cached_features(t, train.x);
    validation_x = cached_features(t, validation.x);
  }
  // Training runs on o.device: the model moves there (after the features were cached on the
  // host), and each batch or chunk of rows moves there as it is used.
  model.to(o.device);
  auto forward = [&](const Tensor& x) {
    const Tensor on_device = x.to(o.device);
    return o.cache_features ? t.head_forward(on_device) : model(on_device);
  };
  auto scores_of = [&](const Tensor& x, const datasets::Encoded& data) {
    model.eval();
    nn::Scores s{data.y.to_vector<double>(), nn::predict_proba(forward, x), data.weight.to_vector<double>()};
    model.train();
    return s;
  };

  PenaltyOptions penalty = o.penalty;
  if (o.constraint) penalty.gap = o.constraint->gap;
  double lambda = o.lambda;
  std::optional<DualAscent> dual;
  if (o.constraint) dual.emplace(*o.constraint, o.dual_step, o.lambda);

  nn::Adam optimizer(trainable, nn::AdamOptions{o.lr, 0.9, 0.999, 1e-8, 0});
  datasets::DataLoader loader(rows, o.batch_size, true, o.seed);

  // Constrained mode: each candidate is measured, may become the one returned, then moves lambda.
  std::optional<size_t> chosen;  // index into r.iterates
  std::map<std::string, Tensor> chosen_state;
  auto consider = [&](int64_t step, int64_t epoch) {
    nn::Scores train_scores = scores_of(rows.x, train), validation_scores = scores_of(validation_x, validation);
    const double bound = o.constraint->bound;
    Iterate it;
    it.step = step;
    it.epoch = epoch;
    it.lambda = lambda;
    it.train_gap = measured_gap(penalty.gap, train_scores, group);
    it.validation_gap = measured_gap(penalty.gap, validation_scores, validation_group);
    it.validation_gap_standard_error =
        measured_gap_precision(penalty.gap, validation_scores, validation_group).standard_error;
    it.validation_accuracy = nn::task_metrics(validation_scores).at("accuracy");
    it.collapsed = collapsed(validation_scores);
    it.feasible = violation(it, bound, o.validation_tolerance) <= 0 && !it.collapsed;
    bool better = !chosen;
    if (chosen) {
      // Feasible beats infeasible, then accuracy; among infeasible ones a model that still
      // classifies beats a collapsed one, then the smaller violation.
      const Iterate& best = r.iterates[*chosen];
      if (it.feasible || best.feasible) {
        better = it.feasible && (!best.feasible || it.validation_accuracy > best.validation_accuracy);
      } else if (it.collapsed != best.collapsed) {
        better = !it.collapsed;
      } else {
        better = violation(it, bound, o.validation_tolerance) < violation(best, bound, o.validation_tolerance);
      }
    }
    r.iterates.push_back(it);
    if (better) {
      chosen = r.iterates.size() - 1;
      chosen_state = trainable_state(model);
    }
    lambda = dual->update(it.train_gap);
  };

  model.train();
  if (dual) consider(0, 0);
  int64_t step = 0;
  for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
    loader.set_epoch(epoch - 1);
    model.train();
    nn::ProgressBar bar(fmt::format("epoch {}/{}", epoch, o.epochs), loader.batches(), o.progress);
    double loss_sum = 0;
    for (int64_t b = 0; b < loader.batches(); ++b) {
      optimizer.set_lr(schedule.lr_at(step));
      optimizer.zero_grad();
      datasets::Batch batch = loader.batch(b);
      Tensor logits = reshape(forward(batch.x), {-1});  // [B]
      const Tensor y = batch.y.to(o.device), weight = batch.weight.to(o.device);
      // The loss line: the task loss plus lambda times the penalty, both differentiable in the weights.
      Tensor task = binary_cross_entropy_with_logits(logits, y, weight);
      Tensor fair = surrogate_penalty(logits, y, batch.sensitive[0].ids.to(o.device), groups, weight, penalty, o.surrogate);
      Tensor loss = task + fair * lambda;
      const double value = loss.item();
      nn::check_finite_loss(value, epoch, b, loader.batches());  // before the step can spread it
      loss.backward();
      optimizer.step();
      ++step;
      loss_sum += value;
      bar.set_suffix(fmt::format("loss {:.4f}", value));
      bar.advance();
      const bool last = epoch == o.epochs && b + 1 == loader.batches();
      if (dual && (step % o.dual_every == 0 || last)) consider(step, epoch);
    }
    bar.finish();
    nn::check_finite_parameters(model, epoch);  // the last step's update is not seen by any loss
    EpochRecord record;
    record.epoch = epoch;
    record.train_loss = loss_sum / static_cast<double>(loader.batches());
    record.lr = optimizer.lr();
    record.lambda = lambda;
    nn::Scores s = scores_of(validation_x, validation);
    record.validation = nn::task_metrics(s);
    record.validation["gap"] = measured_gap(penalty.gap, s, validation_group);
    r.history.push_back(record);
    if (o.on_epoch) o.on_epoch(record);
  }
  r.steps = step;
  r.final_lambda = lambda;
  r.chosen_step = step;
  if (dual) {
    const Iterate& best = r.iterates[*chosen];
    model.load_state_dict(chosen_state, false);
    r.chosen_step = best.step;
    r.bound_met = best.feasible;
    if (!best.feasible) {
      r.warnings.push_back(fmt::format(
          "constraint {} not met: no iterate has the gap within the bound on the training rows and within the bound "
          "plus {} of its standard errors on the validation rows; returned the closest (step {}: gap {:.4f} on "
          "training rows, {:.4f} on validation)",
          to_string(*o.constraint), o.validation_tolerance, best.step, best.train_gap, best.validation_gap));
    }
  }
  const nn::Scores final_validation = scores_of(validation_x, validation);
  if (dual) {
    // A bound finer than the validation rows can measure is met or missed there by chance.
    const GapPrecision precision = measured_gap_precision(penalty.gap, final_validation, validation_group);
    r.validation_gap_standard_error = precision.standard_error;
    if (precision.standard_error > o.constraint->bound) {
      r.warnings.push_back(fmt::format(
          "the validation rows measure this gap with a standard error of {:.4f} (smaller group: {}), more than the "
          "bound {}: whether it holds cannot be seen on them; hold out more rows or ask for a looser bound",
          precision.standard_error, precision.smallest, o.constraint->bound));
    }
  }
  warn_collapse(final_validation, r.warnings);
  model.eval();
  model.to(Device::CPU);
  return r;
}

}  // namespace candor::fairness
