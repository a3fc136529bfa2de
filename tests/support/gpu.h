// For tests that need a GPU: whether there is one (saying why not, as a doctest message, when
// there is none), and a comparison of a GPU result with the CPU backend's.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "tests/support/checks.h"

namespace candor::testing {

// True when there is a GPU; otherwise reports the skip as a doctest message.
inline bool have_gpu() {
  if (cuda::is_available()) return true;
  MESSAGE("skipped, no GPU: " << message_of<DeviceError>([] { cuda::require(); }));
  return false;
}

// The GPU tensor `gpu` equals the CPU tensor `cpu` in shape, dtype and every element within
// `rel` relative to max(1, |cpu|) (NaN where the CPU has NaN, the same infinities).
inline void check_matches_cpu(const Tensor& gpu, const Tensor& cpu, double rel = 1e-5,
                              const std::string& what = "") {
  INFO(what);
  REQUIRE(gpu.device() == Device::CUDA);
  REQUIRE(cpu.device() == Device::CPU);
  REQUIRE(gpu.shape() == cpu.shape());
  REQUIRE(gpu.dtype() == cpu.dtype());
  const std::vector<double> g = gpu.cpu().to_vector<double>(), c = cpu.to_vector<double>();
  for (std::size_t i = 0; i < c.size(); ++i) {
    INFO("element " << i << ": gpu " << g[i] << ", cpu " << c[i]);
    if (std::isnan(c[i]) || std::isinf(c[i])) {
      CHECK((std::isnan(c[i]) ? std::isnan(g[i]) : g[i] == c[i]));
    } else {
      CHECK(std::abs(g[i] - c[i]) <= rel * std::max(1.0, std::abs(c[i])));
    }
  }
}

}  // namespace candor::testing
