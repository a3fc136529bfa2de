// candor: train, evaluate and predict (the fairness and EBM subcommands join as they are built).
// Exit codes: 0 success, 1 a runtime error (one line on stderr), 2 a usage error.
#include <omp.h>

#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "engine/threads.h"

int main(int argc, char** argv) {
  candor::passive_threads_by_default(argv);  // engine/threads.h: behave on a busy machine
  CLI::App app{"candor: responsible fine-tuning from a small, exact engine"};
  app.option_defaults()->always_capture_default();  // every --help shows each option's default
  app.set_version_flag("--version", "candor " CANDOR_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // --threads may also follow the subcommand
  int threads = 0;
  app.add_option("--threads", threads, "OpenMP threads")
      ->default_str("OMP_NUM_THREADS or all cores")
      ->check(CLI::NonNegativeNumber);
  app.parse_complete_callback([&] {
    if (threads > 0) omp_set_num_threads(threads);
  });
  candor::cli::add_train_command(app);
  candor::cli::add_eval_command(app);
  candor::cli::add_predict_command(app);
  candor::cli::add_audit_command(app);
  candor::cli::add_finetune_command(app);
  candor::cli::add_sweep_command(app);
  candor::cli::add_language_model_commands(app);
  candor::cli::add_ebm_command(app);
  candor::cli::add_pretrain_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "candor: {} (see candor --help)\n", e.what());
    return 2;
  } catch (const candor::cli::UsageError& e) {
    fmt::print(stderr, "candor: {} (see candor --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "candor: {}\n", e.what());
    return 1;
  }
  return 0;
}
