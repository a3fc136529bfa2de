// The subcommands of `candor`, each registered on the top-level CLI11 app by its own file.
#pragma once

namespace CLI {
class App;
}

namespace candor::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_audit_command(CLI::App& app);
void add_finetune_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_language_model_commands(CLI::App& app);  // generate, perplexity
void add_ebm_command(CLI::App& app);
void add_pretrain_command(CLI::App& app);

}  // namespace candor::cli
