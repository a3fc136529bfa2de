// Legend: B batch rows, F features, G groups.
#include "fairness/adversarial.h"

#include <cmath>

#include <fmt/format.h>

#include "datasets/loader.h"
#include "engine/engine.h"
#include "nn/layers.h"
#include "nn/optim.h"

namespace candor::fairness {

namespace {

std::shared_ptr<nn::Module> network(int64_t in, int64_t out, const std::vector<int64_t>& hidden, Generator& gen) {
  nn::MlpOptions o;
  o.hidden = hidden;
  o.activation = "relu";
  o.init = nn::Init::XavierUniform;
  return nn::make_mlp(in, out, o, gen);
}

// The adversary's loss: one logit against the 0/1 group for two groups, a softmax over G otherwise.
Tensor adversary_loss(const Tensor& logits, const Tensor& ids, int64_t groups) {
  if (groups == 2) return binary_cross_entropy_with_logits(reshape(logits, {-1}), ids.to(kFloat32));  // [B]
  return cross_entropy(logits, ids);  // [B, G] against [B]
}

}  // namespace

void AdversarialOptions::validate() const {
  auto fail = [](const std::string& why) { throw ValueError("adversarial debiasing: " + why); };
  if (!(alpha >= 0) || !std::isfinite(alpha)) fail(fmt::format("alpha must be finite and >= 0, got {:g}", alpha));
  if (!(learning_rate > 0) || !std::isfinite(learning_rate)) {
    fail(fmt::format("learning_rate must be finite and > 0, got {:g}", learning_rate));
  }
  if (epochs < 1) fail(fmt::format("epochs must be >= 1, got {}", epochs));
  if (batch_size < 1) fail(fmt::format("batch_size must be >= 1, got {}", batch_size));
  for (const auto* widths : {&predictor_hidden, &adversary_hidden}) {
    for (int64_t h : *widths) {
      if (h < 1) fail(fmt::format("hidden widths must be >= 1, got {}", h));
    }
  }
}

Tensor adversarial_direction(const Tensor& predictor_grad, const Tensor& adversary_grad, double alpha) {
  if (predictor_grad.shape() != adversary_grad.shape()) {
    throw ValueError(fmt::format("adversarial_direction: gradients of shapes {} and {}", format_shape(predictor_grad.shape()),
                                 format_shape(adversary_grad.shape())));
  }
  NoGradGuard no_grad;
  const double norm = std::sqrt(sum(adversary_grad * adversary_grad).item<double>());
  if (norm == 0) return predictor_grad;  // nothing to project out, nothing to push against
  const Tensor unit = adversary_grad / norm;
  const double along = sum(unit * predictor_grad).item<double>();  // u·g_P
  return predictor_grad - unit * along - adversary_grad * alpha;
}

AdversarialResult fit_adversarial(const datasets::Encoded& train, const datasets::SensitiveFeature& group,
                                  const AdversarialOptions& options) {
  options.validate();
  const int64_t rows = train.x.size(0), groups = static_cast<int64_t>(group.size());
  if (group.rows() != rows) {
    throw ValueError(fmt::format("adversarial debiasing: {} rows but the group \"{}\" has {}", rows, group.name, group.rows()));
  }
  if (groups < 2) {
    throw ValueError(fmt::format("adversarial debiasing: the sensitive feature \"{}\" has {} group; the adversary "
                                 "needs at least two to tell apart",
                                 group.name, groups));
  }
  double positives = 0;
  for (double y : train.y.to_vector<double>()) positives += y;
  if (positives == 0 || positives == static_cast<double>(rows)) {
    throw ValueError(fmt::format("adversarial debiasing: the labels hold one class only ({} of {} rows are 1)",
                                 positives, rows));
  }

  Generator gen(options.seed);
  const bool with_label = options.constraint == AdversaryConstraint::EqualizedOdds;
  AdversarialResult r;
  r.predictor = network(train.x.size(1), 1, options.predictor_hidden, gen);
  r.adversary = network(with_label ? 2 : 1, groups == 2 ? 1 : groups, options.adversary_hidden, gen);
  std::vector<Tensor> w = r.predictor->parameters(), u = r.adversary->parameters();
  nn::Adam predictor_step(w, nn::AdamOptions{options.learning_rate});
  nn::Adam adversary_step(u, nn::AdamOptions{options.learning_rate});

  datasets::Encoded rows_with_group = train;
  rows_with_group.sensitive = {group};
  datasets::DataLoader loader(rows_with_group, options.batch_size, options.shuffle, options.seed);
  r.predictor->train();
  r.adversary->train();
  for (int64_t epoch = 1; epoch <= options.epochs; ++epoch) {
    loader.set_epoch(epoch - 1);
    AdversarialEpoch e{epoch, 0, 0};
    for (int64_t b = 0; b < loader.batches(); ++b) {
      const datasets::Batch batch = loader.batch(b);
      const Tensor logit = (*r.predictor)(batch.x);                      // [B, 1]
      const Tensor y = reshape(batch.y, {-1, 1});                        // [B, 1]
      const Tensor predictor_loss = binary_cross_entropy_with_logits(logit, y);
      Tensor seen = sigmoid(logit);                                      // [B, 1]: p, what the adversary reads
      if (with_label) seen = concat({seen, y}, 1);                      // [B, 2]: p and y
      const Tensor loss_a = adversary_loss((*r.adversary)(seen), batch.sensitive[0].ids, groups);

      // ∇_W L_P, then ∇_W L_A and ∇_U L_A in one backward pass.
      const std::vector<Tensor> task = grad({predictor_loss}, w, {}, true);
      std::vector<Tensor> inputs = w;
      inputs.insert(inputs.end(), u.begin(), u.end());
      const std::vector<Tensor> against = grad({loss_a}, inputs);
      for (size_t i = 0; i < w.size(); ++i) w[i].set_grad(adversarial_direction(task[i], against[i], options.alpha));
      for (size_t i = 0; i < u.size(); ++i) u[i].set_grad(against[w.size() + i]);
      predictor_step.step();
      adversary_step.step();
      e.predictor_loss += predictor_loss.item<double>();
      e.adversary_loss += loss_a.item<double>();
    }
    e.predictor_loss /= static_cast<double>(loader.batches());
    e.adversary_loss /= static_cast<double>(loader.batches());
    r.history.push_back(e);
  }
  r.predictor->eval();
  r.adversary->eval();
  return r;
}

}  // namespace candor::fairness
