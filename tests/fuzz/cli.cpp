// A `candor` command line (arguments separated by NUL or newline bytes) through the real parser,
// stopped before any subcommand's action: parsing and its checks run, nothing is read, trained or
// written. CLI11's errors and candor's are the expected failures.
#include <CLI/CLI.hpp>

#include "cli/app.h"
#include "tests/fuzz/fuzz.h"

namespace {

// CLI11 calls the top-level app's pre_callback once every option is read and checked, just
// before the actions run.
class ParseOnly : public CLI::App {
 public:
  struct Parsed {};

 protected:
  void pre_callback() override { throw Parsed{}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args = {"candor", ""};
  for (char c : candor::fuzz::as_text(data, size)) {
    if (c == '\0' || c == '\n') {
      args.emplace_back();
    } else {
      args.back() += c;
    }
  }
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  ParseOnly app;
  candor::cli::build_app(app);
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const ParseOnly::Parsed&) {
  } catch (const CLI::Error&) {
  } catch (const candor::Error&) {
  }
  return 0;
}
