// candor report RUN... --out report.html: the page of cli/report.h written atomically, then its
// path and size.
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/report.h"
#include "engine/files.h"

namespace candor::cli {

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportOptions>();
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "report", "one self-contained HTML page over run folders (train, finetune, sweep, compare, mitigate, ebm, explain)");
  cmd->add_option("runs", args->runs, "run folders")->required();
  cmd->add_option("--out", *out, "HTML file to write")->required();
  cmd->add_option("--title", args->title, "the page's title");
  cmd->callback([args, out] {
    const Report report = build_report(*args);
    write_file_atomically(*out, report.html);
    fmt::print("wrote {} ({:.1f} KB)\n", *out, static_cast<double>(report.html.size()) / 1024);
  });
}

}  // namespace candor::cli
