#include "datasets/data_dir.h"

#include <cstdlib>

namespace candor::datasets {

std::string default_data_dir() {
  const char* env = std::getenv("CANDOR_DATA_DIR");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(CANDOR_DATA_DIR);
}

}  // namespace candor::datasets
