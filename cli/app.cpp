#include "cli/app.h"

#include <omp.h>

#include <memory>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace candor::cli {

void build_app(CLI::App& app) {
  app.description("candor: responsible fine-tuning from a small, exact engine");
  app.option_defaults()->always_capture_default();  // every --help shows each option's default
  app.set_version_flag("--version", "candor " CANDOR_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // --threads may also follow the subcommand
  auto threads = std::make_shared<int>(0);
  app.add_option("--threads", *threads, "OpenMP threads")
      ->default_str("OMP_NUM_THREADS or all cores")
      ->check(CLI::NonNegativeNumber);
  app.parse_complete_callback([threads] {
    if (*threads > 0) omp_set_num_threads(*threads);
  });
  add_train_command(app);
  add_eval_command(app);
  add_predict_command(app);
  add_audit_command(app);
  add_finetune_command(app);
  add_sweep_command(app);
  add_language_model_commands(app);
  add_ebm_command(app);
  add_pretrain_command(app);
  add_compare_command(app);
  add_mitigate_command(app);
  add_explain_command(app);
  add_report_command(app);
}

}  // namespace candor::cli
