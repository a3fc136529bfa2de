// The few random draws the EBM needs, all from one candor::Generator (Philox, counter-based), so a
// bag's work is a pure function of its seed.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/generator.h"

namespace candor::explain::ebm {

// Uniform integer in [0, n); n >= 1.
inline uint64_t draw_below(Generator& gen, uint64_t n) {
  return static_cast<uint64_t>(random_below(gen.block(gen.reserve(1)), static_cast<int64_t>(n)));
}

// Fisher-Yates shuffle of `items`.
template <class T>
void shuffle(std::vector<T>& items, Generator& gen) {
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[draw_below(gen, i)]);
}

}  // namespace candor::explain::ebm
