// The int64 power of the backend table's Pow, shared by the CPU and CUDA backends so both give
// the same exact integers. Going through a double pow is neither exact nor portable: a double has
// 53 bits, and CUDA's pow(3.0, 1.0) may return just under 3, which truncates to 2.
#pragma once

#include <cstdint>

#include "engine/host_device.h"

namespace candor {

// base^exponent by repeated squaring, wrapping modulo 2^64 on overflow (as int64 products do in
// PyTorch). A negative exponent gives the integer part of 1 / base^|exponent|, PyTorch's rule:
// 1 for base 1, +-1 for base -1, and 0 otherwise (base 0 included, where the real power is
// infinite).
CANDOR_HOST_DEVICE inline int64_t integer_pow(int64_t base, int64_t exponent) {
  if (exponent < 0) {
    if (base == 1) return 1;
    if (base == -1) return exponent % 2 == 0 ? 1 : -1;
    return 0;
  }
  // Unsigned arithmetic: signed overflow is undefined, unsigned wraps.
  uint64_t result = 1, factor = static_cast<uint64_t>(base);
  for (auto e = static_cast<uint64_t>(exponent); e != 0; e >>= 1) {
    if (e & 1) result *= factor;
    factor *= factor;
  }
  return static_cast<int64_t>(result);
}

}  // namespace candor
