// The smallest program of a project that adds candor with add_subdirectory.
#include <cstdio>

#include "engine/engine.h"

int main() {
  candor::Tensor product = candor::scalar(2.0) * candor::scalar(3.0);
  std::printf("2 x 3 = %g\n", product.item());
  return 0;
}
