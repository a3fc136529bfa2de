// candor: train, evaluate and predict (the fairness and EBM subcommands join as they are built).
// Exit codes: 0 success, 1 a runtime error (one line on stderr), 2 a usage error.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "engine/threads.h"

int main(int argc, char** argv) {
  candor::passive_threads_by_default(argv);  // engine/threads.h: behave on a busy machine
  CLI::App app;
  candor::cli::build_app(app);
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
