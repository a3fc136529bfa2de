// A trained run seen by the post-hoc explainers (explain/posthoc): its training rows and one
// split's rows as explainer inputs, the players (raw features), the model's logit as a batched
// predictor and, for networks, as a differentiable function. A network runs in float32, as
// candor predict runs it; use_float64 converts it (integrated gradients, whose completeness delta
// should be the quadrature's error alone).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "datasets/sensitive.h"
#include "explain/posthoc/gradients.h"
#include "explain/posthoc/inputs.h"
#include "explain/posthoc/lime.h"

namespace candor::cli {

struct ExplainSubject {
  std::string kind;           // the model kind: "mlp", "ft_transformer", "logistic" or "ebm"
  explain::Matrix train;      // the training rows (backgrounds, LIME's statistics, PDP grids)
  explain::Matrix rows;       // the split's rows
  std::vector<double> y;      // their labels
  std::vector<datasets::SensitiveFeature> sensitive;  // their groups
  std::vector<explain::Player> players;
  std::vector<explain::PlayerDisplay> displays;  // per player: raw units, category names
  explain::Predictor logit;
  explain::TensorFunction network;  // x -> logits [N, 1]; empty for a model without gradients (EBM)
  // A row's value of a player as a person reads it: "39", "Male" (decoded from the inputs).
  std::function<std::string(const explain::Matrix& rows, size_t row, size_t player)> value_text;
  std::shared_ptr<void> owner;  // keeps the model the functions above refer to alive
  std::function<void()> to_float64;  // converts the network (empty for an EBM)
};

// Converts a network subject's model to float64 and its logit predictor with it.
void use_float64(ExplainSubject& subject);

// `run`: a folder of candor train / finetune (with `adapter` for a LoRA fine-tune) or candor ebm
// fit; `split`: train, validation or test.
ExplainSubject load_explain_subject(const std::string& run, const std::string& split, const std::string& adapter = "");

}  // namespace candor::cli
