// The subcommands of `candor`, each registered on the top-level CLI11 app by its own file.
#pragma once

#include "engine/error.h"

namespace CLI {
class App;
}

namespace candor::cli {

// Options that do not fit together (or a needed one left out), found after parsing: one line on
// stderr and exit code 2, as CLI11's own usage errors.
class UsageError : public Error {
 public:
  using Error::Error;
};

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_audit_command(CLI::App& app);
void add_finetune_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_language_model_commands(CLI::App& app);  // generate, perplexity
void add_ebm_command(CLI::App& app);
void add_pretrain_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_mitigate_command(CLI::App& app);
void add_explain_command(CLI::App& app);
void add_report_command(CLI::App& app);

}  // namespace candor::cli
