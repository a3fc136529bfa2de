// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy
// as 1, 2, 3", SC 2011). Element i of a draw is a pure function of (seed, draw offset, i), so a
// seed gives the same numbers on every machine and for every thread count.
#pragma once

#include <array>
#include <cstdint>

#include "engine/philox.h"

namespace candor {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  void manual_seed(uint64_t seed) {
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  // Reserves `blocks` Philox blocks (4 words each) for one draw and returns the first counter.
  uint64_t reserve(uint64_t blocks) {
    uint64_t base = offset_;
    offset_ += blocks;
    return base;
  }
  // The four 32-bit words of block `counter` under this generator's seed.
  std::array<uint32_t, 4> block(uint64_t counter) const;
  // One draw of a single uniform 64-bit integer (for host-side sampling such as shuffles).
  uint64_t next_u64();

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The raw bijection: 10 rounds of Philox4x32 on a 128-bit counter under a 64-bit key
// (engine/philox.h, shared with the GPU).
inline std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> counter,
                                             std::array<uint32_t, 2> key) {
  const philox::Words c =
      philox::rounds10({{counter[0], counter[1], counter[2], counter[3]}}, key[0], key[1]);
  return {c.w[0], c.w[1], c.w[2], c.w[3]};
}

// Word -> uniform in [0, 1): 24 bits for float, 53 bits (two words) for double.
inline float uniform_float(uint32_t word) { return static_cast<float>(word >> 8) * 0x1.0p-24f; }
inline double uniform_double(uint32_t hi, uint32_t lo) { return philox::uniform_double(hi, lo); }

// A block's first 64 bits mapped onto [0, range) (philox::random_below).
inline int64_t random_below(const std::array<uint32_t, 4>& w, int64_t range) {
  return static_cast<int64_t>(philox::random_below(w[0], w[1], static_cast<uint64_t>(range)));
}

// The process-wide generator used when an op is given none.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace candor
