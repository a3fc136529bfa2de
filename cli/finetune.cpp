// candor finetune: load a trained run's checkpoint (or a pretrained GPT-2 as a text classifier)
// and fine-tune it, fully, head-only or with LoRA adapters, with a fairness penalty in the loss,
// or under a fairness constraint, reporting task and fairness metrics before and after. The
// recipe itself is fairness::finetune (fairness/finetune.h); this file parses the options.
//
// Penalty mode:     loss = bce(logits, y) + lambda * penalty(sigmoid(logits), group)
// Constrained mode: the same loss with lambda a Lagrange multiplier for "gap <= bound", raised by
// dual ascent on the measured gap of the training rows; the returned model is the most accurate
// iterate within the bound on the training rows and, to --validation-tolerance standard errors,
// on the validation rows (fairness/finetune.h).
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/finetune_run.h"

namespace candor::cli {

void add_finetune_command(CLI::App& app) {
  auto args = std::make_shared<FinetuneConfig>();
  CLI::App* cmd = app.add_subcommand("finetune", "fine-tune a trained model with a fairness penalty or constraint");
  cmd->add_option("--init", args->init, "checkpoint to start from (runs/NAME/model.safetensors)");
  cmd->add_option("--pretrained", args->pretrained,
                  "or a GPT-2 directory to fine-tune as a text classifier (with --csv, --text-column, --label, --sensitive)");
  cmd->add_option("--text-column", args->text_column, "the CSV's text column (--pretrained)");
  cmd->add_option("--max-length", args->max_length, "tokens kept per text, at most the model's context (--pretrained)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--penalty", args->penalty, "gap to penalise: dp (demographic parity), eo (equalized odds), eopp "
                                              "(equal opportunity); needs --lambda")
      ->check(CLI::IsMember({"dp", "eo", "eopp"}));
  cmd->add_option("--lambda", args->lambda, "penalty weight (0: no penalty); with --constraint the multiplier's start "
                                            "(default 1)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--constraint", args->constraint, "constrained mode instead of a penalty, e.g. \"dp<=0.02\"");
  cmd->add_option("--dual-lr", args->dual_lr, "step of the multiplier's ascent (constrained mode)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--validation-tolerance", args->validation_tolerance,
                  "constrained mode: standard errors of its validation gap a candidate may lie above the bound "
                  "(0: strictly within)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--dual-every", args->dual_every, "steps between multiplier updates and candidate models (constrained)")
      ->check(CLI::PositiveNumber);
  add_finetune_options(*cmd, *args);
  cmd->add_option("--out", args->out, "run folder to write")->required();
  cmd->callback([args] { print_finetune_summary(run_finetune(*args), *args); });
}

}  // namespace candor::cli
