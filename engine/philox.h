// The Philox4x32-10 bijection and the maps from its words to numbers, written once for the CPU
// (g++) and the GPU (nvcc): the CPU generator (engine/generator.h) and the CUDA random kernel
// (engine/cuda/random.cu) both call these, so a seed gives the same words on either device.
// Plain structs and integer arithmetic only: no std::array, nothing a device cannot call.
#pragma once

#include <cmath>
#include <cstdint>

#include "engine/host_device.h"

namespace candor::philox {

struct Words {
  uint32_t w[4];
};

// 10 rounds of Philox4x32 on a 128-bit counter under a 64-bit key (Salmon et al., "Parallel
// random numbers: as easy as 1, 2, 3", SC 2011); constants from the Random123 reference.
CANDOR_HOST_DEVICE inline Words rounds10(Words c, uint32_t k0, uint32_t k1) {
  constexpr uint32_t kMul0 = 0xD2511F53, kMul1 = 0xCD9E8D57;
  constexpr uint32_t kWeyl0 = 0x9E3779B9, kWeyl1 = 0xBB67AE85;
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = static_cast<uint64_t>(kMul0) * c.w[0];
    uint64_t p1 = static_cast<uint64_t>(kMul1) * c.w[2];
    uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c = Words{{hi1 ^ c.w[1] ^ k0, lo1, hi0 ^ c.w[3] ^ k1, lo0}};
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  return c;
}

// Block `counter` under `seed`: Philox on (counter low, counter high, 0, 0) under (seed low,
// seed high).
CANDOR_HOST_DEVICE inline Words block(uint64_t seed, uint64_t counter) {
  const Words c{{static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0, 0}};
  return rounds10(c, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// Two words -> uniform in [0, 1) with 53 random bits (exact in double).
CANDOR_HOST_DEVICE inline double uniform_double(uint32_t hi, uint32_t lo) {
  uint64_t bits = (static_cast<uint64_t>(hi) << 21) ^ (lo >> 11);
  return static_cast<double>(bits & ((uint64_t{1} << 53) - 1)) * 0x1.0p-53;
}

// Multiply-shift maps the 64 bits hi:lo onto [0, range): the high half of the 128-bit product
// (Lemire, "Fast random integer generation in an interval", 2019).
CANDOR_HOST_DEVICE inline uint64_t random_below(uint32_t hi, uint32_t lo, uint64_t range) {
  uint64_t bits = (static_cast<uint64_t>(hi) << 32) | lo;
#ifdef __CUDA_ARCH__
  return __umul64hi(bits, range);
#else
  auto product = static_cast<unsigned __int128>(bits) * range;
  return static_cast<uint64_t>(product >> 64);
#endif
}

// low + a draw below range, for a range that ends at most at INT64_MAX + 1: the sum is taken in
// uint64 (where it cannot overflow into undefined behaviour) and lies in int64's range.
CANDOR_HOST_DEVICE inline int64_t random_integer(int64_t low, uint64_t range, const Words& w) {
  return static_cast<int64_t>(static_cast<uint64_t>(low) + random_below(w.w[0], w.w[1], range));
}

// The samples of a random fill (engine/cpu/random.cpp, engine/cuda/random.cu), one block each.
// The fused multiply-adds are explicit: left to itself a compiler may fuse a + x * y or not (g++
// does with -march=native, nvcc does by default), and the result must not depend on that. log
// and cos are each platform's own: the GPU's may differ from glibc's in the last bit of a double.

// Uniform in [a, b).
CANDOR_HOST_DEVICE inline double uniform_in(double a, double b, const Words& w) {
  return ::fma(b - a, uniform_double(w.w[0], w.w[1]), a);
}

// Normal with mean a and standard deviation b, by Box-Muller: u1 in (0, 1] keeps the logarithm
// finite.
CANDOR_HOST_DEVICE inline double normal(double a, double b, const Words& w) {
  constexpr double kTwoPi = 2 * 3.141592653589793;
  const double u1 = 1.0 - uniform_double(w.w[0], w.w[1]);
  const double u2 = uniform_double(w.w[2], w.w[3]);
  return ::fma(b * ::sqrt(-2.0 * ::log(u1)), ::cos(kTwoPi * u2), a);
}

}  // namespace candor::philox
