// Devices on a machine without a GPU: the device-mismatch errors of every op that takes several
// tensors (checked with a tensor whose device field is forged to say CUDA, which no op may read),
// and what asking for CUDA says here, built with CUDA or without.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::testing;

namespace {

// A tensor sharing t's host storage whose device field says CUDA: enough for the checks, which
// must throw before anything reads the data.
Tensor forged_cuda(const Tensor& t) {
  auto impl = std::make_shared<TensorImpl>(*t.impl());
  impl->device = Device::CUDA;
  return Tensor(impl);
}

}  // namespace

TEST_CASE("devices: names") {
  CHECK(device_name(Device::CPU) == "cpu");
  CHECK(device_name(Device::CUDA) == "cuda");
}

TEST_CASE("devices: every op taking several tensors refuses to mix devices, naming both") {
  Tensor x = ones({2, 3});
  Tensor g = forged_cuda(ones({2, 3}));
  Tensor idx = from_vector(std::vector<int64_t>{0, 1}, {2});
  Tensor idx2 = from_vector(std::vector<int64_t>{0, 1, 0, 1, 0, 1}, {2, 3});
  Tensor target = from_vector(std::vector<int64_t>{0, 2}, {2});
  Tensor q = ones({1, 1, 2, 3});
  std::vector<std::pair<std::string, std::function<void()>>> cases = {
      {"add", [&] { add(x, g); }},
      {"sub", [&] { sub(x, g); }},
      {"mul", [&] { x * g; }},
      {"div", [&] { div(x, g); }},
      {"pow", [&] { pow(x, g); }},
      {"maximum", [&] { maximum(x, g); }},
      {"minimum", [&] { minimum(x, g); }},
      {"eq", [&] { eq(x, g); }},
      {"lt", [&] { lt(x, g); }},
      {"logical_and", [&] { logical_and(x, g); }},
      {"where", [&] { where(x, x, g); }},
      {"masked_fill", [&] { masked_fill(x, g, 0.0); }},
      {"matmul", [&] { matmul(x, forged_cuda(ones({3, 2}))); }},
      {"linear", [&] { linear(x, ones({4, 3}), forged_cuda(ones({4}))); }},
      {"concat", [&] { concat({x, g}); }},
      {"stack", [&] { stack({x, g}); }},
      {"index_select", [&] { index_select(x, 0, forged_cuda(idx)); }},
      {"index_add", [&] { index_add(x, 0, idx, g); }},
      {"gather", [&] { gather(x, 1, forged_cuda(idx2)); }},
      {"scatter_add", [&] { scatter_add(x, 1, idx2, g); }},
      {"embedding", [&] { embedding(x, forged_cuda(idx)); }},
      {"cross_entropy", [&] { cross_entropy(x, forged_cuda(target)); }},
      {"binary_cross_entropy_with_logits", [&] { binary_cross_entropy_with_logits(x, g); }},
      {"mse_loss", [&] { mse_loss(x, g); }},
      {"layer_norm", [&] { layer_norm(x, {3}, forged_cuda(ones({3}))); }},
      {"attention_weights", [&] { attention_weights(q, forged_cuda(q), 1.0); }},
  };
  for (const auto& entry : cases) {
    const auto& op = entry.first;
    const auto& call = entry.second;
    INFO("op: " << op);
    check_throws<DeviceError>(call, {op + ": tensors on different devices (cpu and cuda)"});
  }
  // The order follows the operands.
  check_throws<DeviceError>([&] { g + x; }, {"add: tensors on different devices (cuda and cpu)"});
}

TEST_CASE("devices: host access to a CUDA tensor is refused") {
  Tensor g = forged_cuda(ones({2}));
  check_throws<DeviceError>([&] { g.data<float>(); }, {"data: the tensor is on cuda", ".cpu()"});
}

TEST_CASE("devices: to() the tensor's own device is the tensor itself") {
  Tensor x = ones({2, 2});
  CHECK(x.to(Device::CPU).is_same(x));
  CHECK(x.cpu().is_same(x));
}

TEST_CASE("devices: without a GPU, asking for CUDA says why it is not there") {
  if (cuda::is_available()) {
    MESSAGE("skipped: a CUDA device is present (test_cuda.cpp covers it)");
    return;
  }
  std::string why = cuda::built_with_cuda() ? "cuda: no CUDA device: "
                                            : "cuda: candor was built without CUDA (-DCANDOR_CUDA=OFF)";
  MESSAGE("CUDA here: " << message_of<DeviceError>([] { cuda::require(); }));
  check_throws<DeviceError>([] { cuda::require(); }, {why});
  check_throws<DeviceError>([] { ones({2}).to(Device::CUDA); }, {why});
  check_throws<DeviceError>([] { Tensor::empty({2}, kFloat32, Device::CUDA); }, {why});
  check_throws<DeviceError>([] { zeros({2}, kFloat32, Device::CUDA); }, {why});
  check_throws<DeviceError>([] { backend_for(Device::CUDA); }, {why});
  // Copying back a (forged) CUDA tensor, as cpu() and printing do, says the same.
  check_throws<DeviceError>([] { forged_cuda(ones({2})).cpu(); }, {why});
  check_throws<DeviceError>([] { forged_cuda(ones({2})).to_string(); }, {why});
  // item() and to_vector() read a GPU tensor through such a copy too.
  check_throws<DeviceError>([] { forged_cuda(ones({1})).item<double>(); }, {why});
  check_throws<DeviceError>([] { forged_cuda(ones({2})).to_vector<float>(); }, {why});
  // Factories given the device: made on the host and copied, or drawn there.
  check_throws<DeviceError>([] { arange(3, kInt64, Device::CUDA); }, {why});
  check_throws<DeviceError>([] { from_vector(std::vector<float>{1, 2}, {2}, Device::CUDA); }, {why});
  check_throws<DeviceError>([] { randn({2}, kFloat32, nullptr, Device::CUDA); }, {why});
  check_throws<DeviceError>([] { permutation(4, nullptr, Device::CUDA); }, {why});
  CHECK(cuda::memory_stats().in_use == 0);
}

TEST_CASE("devices: a device named on a command line is parsed, an unknown one refused") {
  CHECK(parse_device("cpu") == Device::CPU);
  CHECK(parse_device("cuda") == Device::CUDA);
  CHECK(parse_device(device_name(Device::CUDA)) == Device::CUDA);
  check_throws<ValueError>([] { parse_device("gpu"); }, {"unknown device \"gpu\": expected cpu or cuda"});
}
