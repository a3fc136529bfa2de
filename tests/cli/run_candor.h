// Running the real `candor` binary from the CLI tests, as a user would.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace candor::testing {

struct Result {
  int code;         // exit status
  std::string out;  // stdout and stderr together
};

// Runs `candor ARGS` through the shell, with an optional environment prefix ("OMP_NUM_THREADS=1").
inline Result run_candor(const std::string& args, const std::string& env = "") {
  std::string command = env + " " + std::string(CANDOR_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  return nlohmann::json::parse(in);
}

// Whether `text` holds `part`; how many lines it has (its '\n' bytes).
inline bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
inline size_t lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The scratch folders this test process made; they are removed when it exits.
class ScratchFolders {
 public:
  ScratchFolders() = default;
  ScratchFolders(const ScratchFolders&) = delete;
  ScratchFolders& operator=(const ScratchFolders&) = delete;
  ~ScratchFolders() {
    for (const auto& dir : folders_) {
      std::error_code ignored;  // a folder a test already removed, or one it made unremovable
      std::filesystem::remove_all(dir, ignored);
    }
  }
  void add(const std::filesystem::path& dir) { folders_.push_back(dir); }

 private:
  std::vector<std::filesystem::path> folders_;
};

// An empty scratch folder for one test process (ctest runs test cases as parallel processes).
inline std::filesystem::path scratch(const std::string& name) {
  static ScratchFolders made;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("candor_cli_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  made.add(dir);
  return dir;
}

}  // namespace candor::testing
