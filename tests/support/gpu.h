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

// `got` equals `want` in shape, dtype and every element within `rel` relative to max(1, |want|)
// (NaN where `want` has NaN, the same infinities), wherever each is.
inline void check_close_values(const Tensor& got, const Tensor& want, double rel,
                               const std::string& what = "") {
  INFO(what);
  REQUIRE(got.shape() == want.shape());
  REQUIRE(got.dtype() == want.dtype());
  const std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  for (std::size_t i = 0; i < w.size(); ++i) {
    INFO("element " << i << ": got " << g[i] << ", want " << w[i]);
    if (std::isnan(w[i]) || std::isinf(w[i])) {
      CHECK((std::isnan(w[i]) ? std::isnan(g[i]) : g[i] == w[i]));
    } else {
      CHECK(std::abs(g[i] - w[i]) <= rel * std::max(1.0, std::abs(w[i])));
    }
  }
}

// The GPU tensor `gpu` equals the CPU tensor `cpu` as check_close_values says.
inline void check_matches_cpu(const Tensor& gpu, const Tensor& cpu, double rel = 1e-5,
                              const std::string& what = "") {
  INFO(what);
  REQUIRE(gpu.device() == Device::CUDA);
  REQUIRE(cpu.device() == Device::CPU);
  check_close_values(gpu, cpu, rel, what);
}

}  // namespace candor::testing
