// A trained run seen by the post-hoc explainers (explain/posthoc): its training rows and one
// split's rows as explainer inputs, the players (raw features), the model's logit as a batched
// predictor and, for networks, as a differentiable function. Networks are explained in float64
// (the model is converted on load), so attributions add up to the model's output to rounding.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "datasets/sensitive.h"
#include "explain/posthoc/gradients.h"
#include "explain/posthoc/inputs.h"

namespace candor::cli {

struct ExplainSubject {
  std::string kind;           // the model kind: "mlp", "ft_transformer", "logistic" or "ebm"
  explain::Matrix train;      // the training rows (backgrounds, LIME's statistics, PDP grids)
  explain::Matrix rows;       // the split's rows
  std::vector<double> y;      // their labels
  std::vector<datasets::SensitiveFeature> sensitive;  // their groups
  std::vector<explain::Player> players;
  explain::Predictor logit;
  explain::TensorFunction network;  // x -> logits [N, 1]; empty for a model without gradients (EBM)
  // A row's value of a player as a person reads it: "39", "Male" (decoded from the inputs).
  std::function<std::string(const explain::Matrix& rows, size_t row, size_t player)> value_text;
  std::shared_ptr<void> owner;  // keeps the model the functions above refer to alive
};

// `run`: a folder of candor train / finetune (with `adapter` for a LoRA fine-tune) or candor ebm
// fit; `split`: train, validation or test.
ExplainSubject load_explain_subject(const std::string& run, const std::string& split, const std::string& adapter = "");

}  // namespace candor::cli
