#include "engine/generator.h"

namespace candor {

std::array<uint32_t, 4> Generator::block(uint64_t counter) const {
  philox::Words w = philox::block(seed_, counter);
  return {w.w[0], w.w[1], w.w[2], w.w[3]};
}

uint64_t Generator::next_u64() {
  auto words = block(reserve(1));
  return (static_cast<uint64_t>(words[0]) << 32) | words[1];
}

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace candor
