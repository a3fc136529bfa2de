// Tests that need a GPU. On a machine without one (or a build without CUDA) each case says why
// and passes without checking anything; test_devices.cpp checks what happens there.
#include <bit>
#include <type_traits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "tests/support/checks.h"
#include "tests/support/gpu.h"

using namespace candor;
using namespace candor::testing;

namespace {

// Values whose bits a lossy copy would change: signed zero, subnormals, infinities, NaN payloads.
template <typename T>
std::vector<T> awkward_values() {
  using L = std::numeric_limits<T>;
  return {T(0), -T(0), T(1) / 3, -T(2.5), L::denorm_min(), L::min(), L::max(), L::lowest(),
          L::infinity(), -L::infinity(), L::quiet_NaN(), L::epsilon()};
}

template <typename T>
void check_round_trip_bits() {
  std::vector<T> values = awkward_values<T>();
  Tensor host = from_vector(values, {3, 4});
  Tensor device = host.to(Device::CUDA);
  CHECK(device.device() == Device::CUDA);
  CHECK(device.shape() == host.shape());
  CHECK(device.dtype() == host.dtype());
  Tensor back = device.cpu();
  CHECK(back.device() == Device::CPU);
  const T* p = back.data<T>();
  for (size_t i = 0; i < values.size(); ++i) {
    INFO("element " << i);
    CHECK(std::bit_cast<std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>(p[i]) ==
          std::bit_cast<std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>(values[i]));
  }
}

}  // namespace

TEST_CASE("cuda: to(CUDA) and cpu() keep every bit of float32, float64 and int64") {
  if (!have_gpu()) return;
  check_round_trip_bits<float>();
  check_round_trip_bits<double>();
  Tensor ids = from_vector(std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -1, 0, 7}, {4});
  CHECK(ids.to(Device::CUDA).cpu().to_vector<int64_t>() == ids.to_vector<int64_t>());
  // A view with an offset copies its own elements, not the storage's start.
  Tensor rows = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2}).narrow(0, 1, 2);
  CHECK(rows.to(Device::CUDA).cpu().to_vector<double>() == std::vector<double>{3, 4, 5, 6});
  // Printing copies to the host and names the device.
  std::string host = rows.to_string();  // "tensor(..., dtype=float64)"
  CHECK(rows.to(Device::CUDA).to_string() == host.substr(0, host.size() - 1) + ", device=cuda)");
}

TEST_CASE("cuda: the device's allocator reports bytes in use and the peak") {
  if (!have_gpu()) return;
  cuda::empty_cache();
  cuda::reset_peak_memory_stats();
  const std::size_t before = cuda::memory_stats().in_use;
  {
    Tensor a = Tensor::empty({1000}, kFloat32, Device::CUDA);      // 4000 bytes -> 4096
    Tensor b = Tensor::empty({1 << 20}, kFloat32, Device::CUDA);   // 4 MiB
    CHECK(cuda::memory_stats().in_use == before + 4096 + (std::size_t{4} << 20));
  }
  CHECK(cuda::memory_stats().in_use == before);
  CHECK(cuda::memory_stats().peak_in_use == before + 4096 + (std::size_t{4} << 20));
  CHECK(cuda::memory_stats().cached >= 4096 + (std::size_t{4} << 20));
  // The freed blocks are reused: a second allocation of the same sizes takes none from the device.
  const std::size_t reserved = cuda::memory_stats().reserved();
  Tensor c = Tensor::empty({1 << 20}, kFloat32, Device::CUDA);
  CHECK(cuda::memory_stats().reserved() == reserved);
  c = Tensor();
  cuda::empty_cache();
  CHECK(cuda::memory_stats().cached == 0);
}

TEST_CASE("cuda: the gradient of to(CUDA) goes back to the host") {
  if (!have_gpu()) return;
  // With no CUDA kernels yet, the graph can only copy: x -> cuda -> cpu, then a host op.
  Tensor x = from_vector(std::vector<double>{1, 2, 3}, {3}).requires_grad_();
  Tensor y = (x.to(Device::CUDA).cpu() * 2.0).sum();
  y.backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().device() == Device::CPU);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 2, 2});
}
