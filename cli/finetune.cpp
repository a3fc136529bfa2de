// candor finetune: load a trained run's checkpoint (or a pretrained GPT-2 as a text classifier)
// and fine-tune it, fully, head-only or with LoRA adapters, with a fairness penalty in the loss,
// or under a fairness constraint, reporting task and fairness metrics before and after.
//
// Penalty mode:     loss = bce(logits, y) + lambda * penalty(sigmoid(logits), group)
// Constrained mode: the same loss with lambda a Lagrange multiplier for "gap <= epsilon", raised
// by projected dual ascent, lambda <- max(0, lambda + dual_lr * (gap - epsilon)), where gap is
// the hard (thresholded) gap measured on the held-out validation rows every few steps. The
// weights descend on the soft, differentiable gap while the multiplier follows the real one:
// the proxy-Lagrangian scheme of Cotter, Jiang and Sridharan, "Two-Player Games for Efficient
// Non-Convex Constrained Optimization" (ALT 2019) and Cotter et al., "Optimization with
// Non-Differentiable Constraints with Applications to Fairness, Recall, Churn, and Other Goals"
// (JMLR 2019).
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/finetune_run.h"
#include "cli/run_folder.h"

namespace candor::cli {

void add_mode_options(CLI::App& cmd, FinetuneConfig& config) {
  cmd.add_option("--mode", config.mode, "what trains: full (everything), head (the head only) or lora (low-rank adapters)")
      ->check(CLI::IsMember({"full", "head", "lora"}));
  cmd.add_flag("--cache-features", config.cache_features, "head mode: run the frozen backbone once, in eval mode");
  cmd.add_option("--lora-rank", config.lora_rank, "LoRA rank r")->check(CLI::PositiveNumber);
  cmd.add_option("--lora-alpha", config.lora_alpha, "LoRA alpha (the update is scaled by alpha / r)")->check(CLI::PositiveNumber);
  cmd.add_option("--lora-dropout", config.lora_dropout, "dropout on the adapters' input")->check(CLI::Range(0.0, 0.99));
  cmd.add_option("--lora-targets", config.lora_targets,
                 "layers to adapt, as name patterns (default: every Linear of an MLP, *c_attn of a transformer)")
      ->delimiter(',');
}

void add_finetune_command(CLI::App& app) {
  auto args = std::make_shared<FinetuneConfig>();
  CLI::App* cmd = app.add_subcommand("finetune", "fine-tune a trained model with a fairness penalty or constraint");
  cmd->add_option("--init", args->init, "checkpoint to start from (runs/NAME/model.safetensors)");
  cmd->add_option("--pretrained", args->pretrained,
                  "or a GPT-2 directory to fine-tune as a text classifier (with --csv, --text-column, --label, --sensitive)");
  cmd->add_option("--text-column", args->text_column, "the CSV's text column (--pretrained)");
  cmd->add_option("--max-length", args->max_length, "tokens kept per text, at most the model's context (--pretrained)")->check(CLI::PositiveNumber);
  add_data_options(*cmd, args->data);
  add_mode_options(*cmd, *args);
  cmd->add_option("--penalty", args->penalty, "gap to penalise: dp (demographic parity), eo (equalized odds), eopp (equal opportunity)")
      ->check(CLI::IsMember({"dp", "eo", "eopp"}));
  cmd->add_option("--lambda", args->lambda, "penalty weight (the initial multiplier with --constraint)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--form", args->form, "abs, squared or hinge")->check(CLI::IsMember({"abs", "squared", "hinge"}));
  cmd->add_option("--epsilon", args->epsilon, "slack of the hinge form")->check(CLI::NonNegativeNumber);
  cmd->add_option("--reduction", args->reduction, "across groups: max_min or mean_abs")
      ->check(CLI::IsMember({"max_min", "mean_abs"}));
  cmd->add_option("--constraint", args->constraint, "constrained mode, e.g. \"dp<=0.02\"");
  cmd->add_option("--dual-lr", args->dual_lr, "step of the multiplier's ascent (constrained mode)")->check(CLI::PositiveNumber);
  cmd->add_option("--epochs", args->epochs, "fine-tuning epochs")->check(CLI::PositiveNumber);
  cmd->add_option("--lr", args->lr, "learning rate (Adam)")->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", args->batch_size, "rows per step")->check(CLI::PositiveNumber);
  cmd->add_option("--bootstrap", args->bootstrap, "bootstrap resamples for the fairness intervals")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", args->seed, "seed for shuffling and the bootstrap");
  cmd->add_option("--out", args->out, "run folder to write")->required();
  cmd->add_flag("--quiet", args->quiet, "no progress bar or summary");
  cmd->callback([args] { print_finetune_summary(run_finetune(*args), *args); });
}

}  // namespace candor::cli
