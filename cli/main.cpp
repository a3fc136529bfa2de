// candor: train, evaluate and predict (the fairness and EBM subcommands join as they are built).
// Exit codes: 0 success, 1 a runtime error (one line on stderr), 2 a usage error.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <regex>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "engine/error.h"
#include "engine/threads.h"

namespace {
// CLI11's range checks print their bounds with std::to_string: PositiveNumber's upper bound, the
// largest double, comes out as 309 digits. Numbers that long are shown in %g form; one beyond
// the double range (a user's 400-digit value) by its first digits and its length.
std::string compact_numbers(const std::string& message) {
  static const std::regex long_number(R"(\d{16,}(\.\d+)?)");
  std::string out;
  auto last = message.cbegin();
  for (std::sregex_iterator it(message.begin(), message.end(), long_number), end; it != end; ++it) {
    out.append(last, message.cbegin() + it->position());
    const std::string digits = it->str();
    const double value = std::strtod(digits.c_str(), nullptr);  // never throws: inf when out of range
    out += std::isfinite(value) ? fmt::format("{:g}", value) : fmt::format("{}... ({} digits)", digits.substr(0, 6), digits.size());
    last = message.cbegin() + it->position() + it->length();
  }
  out.append(last, message.cend());
  return out;
}
}  // namespace

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
    fmt::print(stderr, "candor: {} (see candor --help)\n", candor::one_line(compact_numbers(e.what())));
    return 2;
  } catch (const candor::cli::UsageError& e) {
    fmt::print(stderr, "candor: {} (see candor --help)\n", candor::one_line(e.what()));
    return 2;
  } catch (const std::exception& e) {
    // Every error is one line, whatever a message quotes (engine/error.h).
    fmt::print(stderr, "candor: {}\n", candor::one_line(e.what()));
    return 1;
  }
  return 0;
}
