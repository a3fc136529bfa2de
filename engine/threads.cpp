#include "engine/threads.h"

#include <unistd.h>

#include <cstdlib>

namespace candor {

void passive_threads_by_default(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Only reached when execv failed: go on with the runtime's default (the variable set above
  // applies to child processes only).
}

}  // namespace candor
