#include "datasets/data_dir.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace candor::datasets {

namespace {
bool directory_exists(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_directory(p, ec);
}
}  // namespace

std::string default_data_dir() {
  const char* env = std::getenv("CANDOR_DATA_DIR");
  if (env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const std::filesystem::path program = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path beside = program.parent_path().parent_path() / "share" / "candor" / "data";
    if (directory_exists(beside)) return beside.string();
  }
  for (const char* dir : {CANDOR_INSTALL_DATA_DIR, CANDOR_SOURCE_DATA_DIR}) {
    if (directory_exists(dir)) return dir;
  }
  return CANDOR_INSTALL_DATA_DIR;
}

}  // namespace candor::datasets
