// The `candor` command line: the top-level options and every subcommand, on one CLI11 app. main()
// parses with it, and so does the CLI fuzzer (tests/fuzz/cli.cpp), which stops before the
// subcommands act, so that only parsing and its checks run.
#pragma once

namespace CLI {
class App;
}

namespace candor::cli {

void build_app(CLI::App& app);

}  // namespace candor::cli
