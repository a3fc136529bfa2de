#include "fairness/mitigate.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "engine/engine.h"
#include "fairness/correlation_remover.h"
#include "fairness/mlp_learner.h"
#include "fairness/reweighing.h"
#include "nn/layers.h"
#include "nn/scoring.h"
#include "nn/tabular.h"

namespace candor::fairness {

namespace {

const std::vector<std::pair<MitigationMethod, const char*>>& method_names() {
  static const std::vector<std::pair<MitigationMethod, const char*>> names = {
      {MitigationMethod::Reweighing, "reweighing"}, {MitigationMethod::CorrelationRemover, "correlation-remover"},
      {MitigationMethod::ExponentiatedGradient, "expgrad"}, {MitigationMethod::GridSearch, "gridsearch"},
      {MitigationMethod::Threshold, "threshold"}, {MitigationMethod::Adversarial, "adversarial"}};
  return names;
}

bool takes_label_constraint(MitigationMethod m) {
  return m == MitigationMethod::ExponentiatedGradient || m == MitigationMethod::GridSearch ||
         m == MitigationMethod::Threshold || m == MitigationMethod::Adversarial;
}

std::vector<double> hard(std::vector<double> p) {
  for (double& v : p) v = v > 0.5 ? 1.0 : 0.0;
  return p;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The base learner fitted on `rows` with their weights: a network over the encoded features
// (logits [N, 1]) and its description for the run folder.
struct Base {
  std::shared_ptr<nn::Module> model;
  nlohmann::json state;
};

Base fit_base(const MitigationOptions& o, const datasets::Encoded& rows, const datasets::Encoded& validation) {
  const int64_t features = rows.x.size(1);
  Generator gen(o.seed);
  Base b;
  if (o.learner == "logistic") {
    nn::check_trainable(rows, validation);
    const nn::LogisticRegression fit =
        nn::fit_logistic(rows.x, rows.y.to_vector<double>(), rows.weight.to_vector<double>(), o.logistic);
    b.model = nn::make_mlp(features, 1, nn::MlpOptions{.hidden = {}}, gen);
    nn::set_logistic_weights(*b.model, fit);
  } else {
    b.model = nn::make_mlp(features, 1, o.mlp, gen);
    nn::TrainOptions training = o.training;
    training.seed = o.seed;
    training.progress = false;
    nn::train_classifier(*b.model, rows, validation, training);
  }
  b.model->eval();
  const bool mlp = o.learner == "mlp";
  b.state = {{"learner", o.learner},
             {"features", features},
             {"hidden", mlp ? o.mlp.hidden : std::vector<int64_t>{}},
             {"activation", mlp ? o.mlp.activation : std::string("relu")},
             {"parameters", parameters_to_json(*b.model)}};
  return b;
}

std::vector<double> probabilities(nn::Module& model, const datasets::Encoded& rows) { return nn::score(model, rows).score; }

// The learner the reductions refit at every step.
Learner reduction_learner(const MitigationOptions& o) {
  if (o.learner == "logistic") return logistic_learner(o.logistic);
  nn::TrainOptions training = o.training;
  training.seed = o.seed;
  return mlp_learner(o.mlp, training);
}

}  // namespace

const char* method_name(MitigationMethod m) {
  for (const auto& [method, name] : method_names()) {
    if (method == m) return name;
  }
  return "?";
}

MitigationMethod parse_method(const std::string& name) {
  std::vector<std::string> known;
  for (const auto& [method, text] : method_names()) {
    if (name == text) return method;
    known.push_back(text);
  }
  throw ValueError(fmt::format("unknown mitigation {} ({})", quote_value(name), fmt::join(known, ", ")));
}

void MitigationOptions::validate() const {
  if (learner != "logistic" && learner != "mlp") {
    throw ValueError(fmt::format("mitigate: unknown learner {} (logistic, mlp)", quote_value(learner)));
  }
  if (takes_label_constraint(method)) {
    const bool two_only = method == MitigationMethod::Threshold || method == MitigationMethod::Adversarial;
    if (constraint != "dp" && constraint != "eo" && (two_only || (constraint != "tpr" && constraint != "fpr"))) {
      throw ValueError(fmt::format("mitigate: {} takes the constraint {}, not {}", method_name(method),
                                   two_only ? "dp or eo" : "dp, eo, tpr or fpr", quote_value(constraint)));
    }
  }
  if (!(difference_bound >= 0) || !std::isfinite(difference_bound)) {
    throw ValueError(fmt::format("mitigate: difference_bound must be finite and >= 0, got {:g}", difference_bound));
  }
  if (!(alpha >= 0 && alpha <= 1)) throw ValueError(fmt::format("mitigate: alpha must be in [0, 1], got {:g}", alpha));
  logistic.validate();
  if (learner == "mlp") training.validate();
  switch (method) {
    case MitigationMethod::ExponentiatedGradient: expgrad.validate(); break;
    case MitigationMethod::GridSearch: grid.validate(); break;
    case MitigationMethod::Threshold: threshold.validate(); break;
    case MitigationMethod::Adversarial: adversarial.validate(); break;
    default: break;
  }
}

std::string MitigationOptions::summary() const {
  switch (method) {
    case MitigationMethod::Reweighing: return fmt::format("reweighing, {}", learner);
    case MitigationMethod::CorrelationRemover: return fmt::format("correlation-remover alpha={:g}, {}", alpha, learner);
    case MitigationMethod::ExponentiatedGradient:
      return fmt::format("expgrad {} eps={:g} bound={:g}, {}", constraint, expgrad.eps, difference_bound, learner);
    case MitigationMethod::GridSearch:
      return fmt::format("gridsearch {} bound={:g} grid={}, {}", constraint, difference_bound, grid.grid_size, learner);
    case MitigationMethod::Threshold: return fmt::format("threshold {}, {}", constraint, learner);
    case MitigationMethod::Adversarial: return fmt::format("adversarial {} alpha={:g}", constraint, adversarial.alpha);
  }
  return method_name(method);
}

nlohmann::json MitigationOptions::to_json() const {
  nlohmann::json j = {{"method", method_name(method)}, {"summary", summary()},   {"constraint", constraint},
                      {"sensitive", sensitive},        {"learner", learner},     {"C", logistic.C},
                      {"difference_bound", difference_bound}, {"alpha", alpha}, {"seed", seed}};
  if (learner == "mlp") j["hidden"] = mlp.hidden;
  if (method == MitigationMethod::ExponentiatedGradient) j["expgrad"] = expgrad.to_json();
  if (method == MitigationMethod::GridSearch) j["gridsearch"] = grid.to_json();
  if (method == MitigationMethod::Threshold) {
    j["threshold"] = {{"objective", objective_name(threshold.objective)}, {"grid_size", threshold.grid_size}};
  }
  if (method == MitigationMethod::Adversarial) {
    const AdversarialOptions& a = adversarial;
    j["adversarial"] = {{"alpha", a.alpha},   {"learning_rate", a.learning_rate}, {"epochs", a.epochs},
                        {"batch_size", a.batch_size}, {"predictor_hidden", a.predictor_hidden},
                        {"adversary_hidden", a.adversary_hidden}, {"shuffle", a.shuffle}};
  }
  return j;
}

MitigationResult mitigate(const datasets::Encoder& encoder, const datasets::Encoded& train,
                          const datasets::Encoded& validation, const datasets::Encoded& test,
                          const MitigationOptions& options) {
  options.validate();
  if (train.sensitive.empty()) throw ValueError("mitigate: the data has no sensitive column");
  MitigationResult r;
  r.feature = options.sensitive.empty() ? train.sensitive.front().name : options.sensitive;
  const datasets::SensitiveFeature& group = datasets::find_feature(train.sensitive, r.feature);
  const datasets::SensitiveFeature& test_group = datasets::find_feature(test.sensitive, r.feature);
  const std::vector<double> y = train.y.to_vector<double>();

  const std::vector<double> input_weights = train.weight.to_vector<double>();
  const bool weighted = std::any_of(input_weights.begin(), input_weights.end(), [](double w) { return w != 1; });
  const bool uses_weights = options.method == MitigationMethod::Reweighing ||
                            options.method == MitigationMethod::CorrelationRemover ||
                            options.method == MitigationMethod::Threshold;  // through the base learner
  if (weighted && !uses_weights) {
    r.warnings.push_back(fmt::format("{} does not use the data's sample weights (as Fairlearn's); the base learner "
                                     "\"before\" does",
                                     method_name(options.method)));
  }

  const Base base = fit_base(options, train, validation);
  r.before_test = hard(probabilities(*base.model, test));
  const auto started = std::chrono::steady_clock::now();
  switch (options.method) {
    case MitigationMethod::Reweighing: {
      const Reweighing weights = fit_reweighing(y, group, train.weight.to_vector<double>());
      datasets::Encoded reweighted = train;
      std::vector<float> w(weights.weights.begin(), weights.weights.end());
      reweighted.weight = from_vector(w, {train.x.size(0)});
      const Base refit = fit_base(options, reweighted, validation);
      r.module = refit.model;
      r.after_test = hard(probabilities(*refit.model, test));
      r.state = {{"reweighing", weights.to_json()}, {"model", refit.state}};
      break;
    }
    case MitigationMethod::CorrelationRemover: {
      CorrelationRemoverOptions co;
      co.sensitive_columns = encoded_columns(encoder, r.feature);
      co.alpha = options.alpha;
      const CorrelationRemover remover = fit_correlation_remover(train.x, co);
      datasets::Encoded rows = train, held = validation, scored = test;
      rows.x = remover.transform(train.x);
      held.x = remover.transform(validation.x);
      scored.x = remover.transform(test.x);
      const Base refit = fit_base(options, rows, held);
      r.after_test = hard(probabilities(*refit.model, scored));
      r.state = {{"correlation_remover", remover.to_json()}, {"model", refit.state}};
      break;
    }
    case MitigationMethod::ExponentiatedGradient: {
      ExponentiatedGradientOptions o = options.expgrad;
      o.constraints = {parse_parity(options.constraint), options.difference_bound};
      const ExponentiatedGradientResult fit =
          exponentiated_gradient(train.x, y, group, reduction_learner(options), o);
      r.after_test = fit.probability_of_one(test.x);
      r.randomised = true;
      r.state = fit.to_json();
      r.details = {{"converged", fit.converged}, {"bound_met", fit.bound_met}, {"best_gap", fit.best_gap},
                   {"nu", fit.nu}, {"iterations", fit.last_iter + 1}, {"oracle_calls", fit.oracle_calls},
                   {"predictors", fit.mixture.predictors.size()}, {"train_error", fit.train_error},
                   {"max_violation", fit.max_violation}};
      r.warnings.insert(r.warnings.end(), fit.warnings.begin(), fit.warnings.end());
      break;
    }
    case MitigationMethod::GridSearch: {
      GridSearchOptions o = options.grid;
      o.constraints = {parse_parity(options.constraint), options.difference_bound};
      const GridSearchResult fit = grid_search(train.x, y, group, reduction_learner(options), o);
      r.after_test = fit.predict(test.x);
      r.state = fit.to_json();
      r.details = {{"best_index", fit.best_idx}, {"grid_points", fit.predictors.size()},
                   {"oracle_calls", fit.oracle_calls}, {"lambda", fit.lambda_vecs.at(fit.best_idx)}};
      break;
    }
    case MitigationMethod::Threshold: {
      ThresholdOptions o = options.threshold;
      o.constraint = options.constraint == "dp" ? ThresholdConstraint::DemographicParity : ThresholdConstraint::EqualizedOdds;
      const ThresholdResult fit = fit_threshold_optimizer(probabilities(*base.model, train), y, group, o);
      r.after_test = fit.probability_of_one(probabilities(*base.model, test), test_group);
      r.randomised = true;
      r.state = {{"thresholds", fit.to_json()}, {"model", base.state}};
      r.details = {{"x", fit.x}, {"objective", fit.objective}};
      break;
    }
    case MitigationMethod::Adversarial: {
      AdversarialOptions o = options.adversarial;
      o.constraint = options.constraint == "dp" ? AdversaryConstraint::DemographicParity : AdversaryConstraint::EqualizedOdds;
      o.seed = options.seed;
      const AdversarialResult fit = fit_adversarial(train, group, o);
      r.module = fit.predictor;
      r.after_test = hard(probabilities(*fit.predictor, test));
      nlohmann::json history = nlohmann::json::array();
      for (const AdversarialEpoch& e : fit.history) {
        history.push_back({{"epoch", e.epoch}, {"predictor_loss", e.predictor_loss}, {"adversary_loss", e.adversary_loss}});
      }
      r.details = {{"history", history}};
      r.state = {{"model",
                  {{"learner", "mlp"}, {"features", train.x.size(1)}, {"hidden", o.predictor_hidden},
                   {"activation", "relu"}, {"parameters", parameters_to_json(*fit.predictor)}}}};
      break;
    }
  }
  r.fit_seconds = seconds_since(started);
  return r;
}

}  // namespace candor::fairness
