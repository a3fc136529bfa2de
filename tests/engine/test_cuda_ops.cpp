// Every op through the public API on the GPU against the CPU: the forward value, the gradient of
// sum(y * w) for a random w, and the second-order gradient (the gradient of sum(g * v) over the
// first gradients g, for a random v), float32 with TF32 off, within 1e-5 relative (1e-4 for the
// second order, which chains several float32 kernels).
//
// Without a GPU the same cases run with the CPU as the "device": that checks every case is well
// formed (inputs of the right shapes, differentiable twice) and that the device-generic path of
// each op (outputs made on the input's device, host-side checks through .cpu()) runs; the values
// then agree trivially. The GPU run is what this file is for.
#include <functional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "tests/support/checks.h"
#include "tests/support/gpu.h"

using namespace candor;
using namespace candor::testing;

namespace {

using Inputs = std::vector<Tensor>;

struct OpCase {
  std::string name;
  Inputs inputs;  // on the CPU; floating ones are differentiated
  std::function<Tensor(const Inputs&)> f;
};

Device target_device() {
  if (cuda::is_available()) return Device::CUDA;
  MESSAGE("no GPU (" << message_of<DeviceError>([] { cuda::require(); })
                     << "): the cases run on the CPU against themselves");
  return Device::CPU;
}

// Both undefined (an unused input), or close as check_close_values says.
void check_close(const Tensor& got, const Tensor& want, double rel, const std::string& what) {
  INFO(what);
  REQUIRE(got.defined() == want.defined());
  if (got.defined()) check_close_values(got, want, rel, what);
}

// y, the first gradients and the second-order gradients of one case on one device.
struct Derivatives {
  Tensor y;
  std::vector<Tensor> first, second;
};

Derivatives derivatives(const OpCase& c, Device device) {
  Inputs inputs;
  std::vector<Tensor> wrt;
  for (const Tensor& x : c.inputs) {
    Tensor moved = x.to(device).detach();
    if (moved.is_floating_point()) {
      moved.requires_grad_();
      wrt.push_back(moved);
    }
    inputs.push_back(moved);
  }
  Derivatives d;
  d.y = c.f(inputs);
  if (wrt.empty() || !d.y.is_floating_point()) return d;
  Generator gen(7);
  Tensor w = randn(d.y.shape(), d.y.dtype(), &gen).to(device);
  d.first = grad({sum(d.y * w)}, wrt, {}, true, true, true);
  Tensor s = scalar(0.0, d.y.dtype(), device);
  for (const Tensor& g : d.first) {
    if (g.defined() && g.requires_grad()) s = s + sum(g * randn(g.shape(), g.dtype(), &gen).to(device));
  }
  if (s.requires_grad()) d.second = grad({s}, wrt, {}, true, false, true);
  return d;
}

void check_case(const OpCase& c, Device device) {
  INFO("op: " << c.name);
  const Derivatives cpu = derivatives(c, Device::CPU);
  const Derivatives dev = derivatives(c, device);
  CHECK(dev.y.device() == device);
  check_close(dev.y.cpu(), cpu.y, 1e-5, "value");
  REQUIRE(dev.first.size() == cpu.first.size());
  for (size_t i = 0; i < cpu.first.size(); ++i) {
    if (dev.first[i].defined()) CHECK(dev.first[i].device() == device);
    check_close(dev.first[i].defined() ? dev.first[i].cpu() : Tensor(), cpu.first[i], 1e-5,
                "gradient " + std::to_string(i));
  }
  REQUIRE(dev.second.size() == cpu.second.size());
  for (size_t i = 0; i < cpu.second.size(); ++i) {
    check_close(dev.second[i].defined() ? dev.second[i].cpu() : Tensor(), cpu.second[i], 1e-4,
                "second-order gradient " + std::to_string(i));
  }
}

Tensor input(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return randn(shape, kFloat32, &gen);
}
Tensor positive(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return uniform(shape, 0.5, 2.0, kFloat32, &gen);
}
Tensor ids(const std::vector<int64_t>& values) {
  return from_vector(values, {static_cast<int64_t>(values.size())});
}

std::vector<OpCase> elementwise_cases() {
  const Tensor a = input({3, 4}, 1), b = input({4}, 2), p = positive({3, 4}, 3);
  return {
      {"add broadcast", {a, b}, [](const Inputs& x) { return x[0] + x[1]; }},
      {"sub column", {a, input({3, 1}, 4)}, [](const Inputs& x) { return x[0] - x[1]; }},
      {"mul", {a, input({3, 4}, 5)}, [](const Inputs& x) { return x[0] * x[1]; }},
      {"div", {a, p}, [](const Inputs& x) { return x[0] / x[1]; }},
      {"pow scalar", {p}, [](const Inputs& x) { return pow(x[0], 2.5); }},
      {"pow tensor", {p, input({4}, 6)}, [](const Inputs& x) { return pow(x[0], x[1]); }},
      {"maximum", {a, input({3, 4}, 7)}, [](const Inputs& x) { return maximum(x[0], x[1]); }},
      {"minimum", {a, input({3, 4}, 8)}, [](const Inputs& x) { return minimum(x[0], x[1]); }},
      {"neg", {a}, [](const Inputs& x) { return neg(x[0]); }},
      {"exp", {a}, [](const Inputs& x) { return exp(x[0]); }},
      {"log", {p}, [](const Inputs& x) { return log(x[0]); }},
      {"sqrt", {p}, [](const Inputs& x) { return sqrt(x[0]); }},
      {"abs", {a}, [](const Inputs& x) { return abs(x[0]); }},
      {"tanh", {a}, [](const Inputs& x) { return tanh(x[0]); }},
      {"sigmoid", {a}, [](const Inputs& x) { return sigmoid(x[0]); }},
      {"relu", {a}, [](const Inputs& x) { return relu(x[0]); }},
      {"erf", {a}, [](const Inputs& x) { return erf(x[0]); }},
      {"gelu", {a}, [](const Inputs& x) { return gelu(x[0]); }},
      {"gelu tanh", {a}, [](const Inputs& x) { return gelu(x[0], "tanh"); }},
      {"softplus", {a}, [](const Inputs& x) { return softplus(x[0]); }},
      {"clamp", {a}, [](const Inputs& x) { return clamp(x[0], -0.5, 0.5); }},
      {"where", {a, input({3, 4}, 9)},
       [](const Inputs& x) { return where(gt(x[0], x[1]), x[0] * 2.0, x[1]); }},
      {"masked_fill", {a}, [](const Inputs& x) { return masked_fill(x[0], lt(x[0], scalar(0.0, kFloat32, x[0].device())), -1.0); }},
      {"cast to float64 and back", {a}, [](const Inputs& x) { return cast(cast(x[0], kFloat64) * 3.0, kFloat32); }},
      {"comparisons", {a, b},
       [](const Inputs& x) { return (eq(x[0], x[0]) + ne(x[0], x[1]) + le(x[0], x[1]) + ge(x[0], x[1])) * x[0]; }},
  };
}

std::vector<OpCase> reduction_and_layout_cases() {
  const Tensor a = input({2, 3, 4}, 11);
  return {
      {"sum all", {a}, [](const Inputs& x) { return sum(x[0]); }},
      {"sum axes keepdim", {a}, [](const Inputs& x) { return sum(x[0], {0, 2}, true); }},
      {"mean", {a}, [](const Inputs& x) { return mean(x[0], {1}); }},
      {"max axis", {a}, [](const Inputs& x) { return max(x[0], {2}); }},
      {"min axis", {a}, [](const Inputs& x) { return min(x[0], {0}); }},
      {"var", {a}, [](const Inputs& x) { return var(x[0], {2}); }},
      {"logsumexp", {a}, [](const Inputs& x) { return logsumexp(x[0], {1}); }},
      {"argmax", {a}, [](const Inputs& x) { return argmax(x[0], 2); }},
      {"argmin", {a}, [](const Inputs& x) { return argmin(x[0], 0); }},
      {"matmul batched", {a, input({4, 5}, 12)}, [](const Inputs& x) { return matmul(x[0], x[1]); }},
      {"matmul broadcast batch", {input({2, 1, 3, 4}, 13), input({3, 4, 2}, 14)},
       [](const Inputs& x) { return matmul(x[0], x[1]); }},
      {"linear", {input({5, 4}, 15), input({3, 4}, 16), input({3}, 17)},
       [](const Inputs& x) { return linear(x[0], x[1], x[2]); }},
      {"reshape, flatten, squeeze, unsqueeze", {a},
       [](const Inputs& x) { return unsqueeze(squeeze(reshape(flatten(x[0], 1), {2, 1, 12}), 1), 0) * x[0].sum(); }},
      {"transpose", {a}, [](const Inputs& x) { return transpose(x[0], 0, 2) * 2.0; }},
      {"permute", {a}, [](const Inputs& x) { return permute(x[0], {1, 2, 0}) * 2.0; }},
      {"narrow", {a}, [](const Inputs& x) { return narrow(x[0], 2, 1, 2) * 2.0; }},
      {"slice with step", {a}, [](const Inputs& x) { return slice(x[0], 2, 0, 4, 2) * 2.0; }},
      {"expand", {input({3, 1}, 18)}, [](const Inputs& x) { return expand(x[0], {2, 3, 4}) * 2.0; }},
      {"concat", {a, input({2, 1, 4}, 19)}, [](const Inputs& x) { return concat({x[0], x[1]}, 1); }},
      {"stack", {input({3, 4}, 20), input({3, 4}, 21)}, [](const Inputs& x) { return stack({x[0], x[1]}, 1); }},
      {"index_select repeated", {a, ids({2, 0, 2, 1})},
       [](const Inputs& x) { return index_select(x[0], 2, x[1]); }},
      {"index_add repeated", {input({4, 3}, 22), ids({1, 1, 3}), input({3, 3}, 23)},
       [](const Inputs& x) { return index_add(x[0], 0, x[1], x[2]); }},
      {"gather", {input({3, 4}, 24), from_vector(std::vector<int64_t>{0, 3, 3, 1, 2, 2}, {3, 2})},
       [](const Inputs& x) { return gather(x[0], 1, x[1]); }},
      {"scatter_add repeated", {input({3, 4}, 25), from_vector(std::vector<int64_t>{0, 0, 3, 1, 2, 2}, {3, 2}), input({3, 2}, 26)},
       [](const Inputs& x) { return scatter_add(x[0], 1, x[1], x[2]); }},
      {"embedding", {input({6, 3}, 27), from_vector(std::vector<int64_t>{5, 0, 5, 2}, {2, 2})},
       [](const Inputs& x) { return embedding(x[0], x[1]); }},
  };
}

std::vector<OpCase> nn_cases() {
  const Tensor logits = input({4, 5}, 31);
  return {
      {"softmax last axis", {logits}, [](const Inputs& x) { return softmax(x[0], -1); }},
      {"softmax first axis", {input({3, 4, 2}, 32)}, [](const Inputs& x) { return softmax(x[0], 0); }},
      {"log_softmax middle axis", {input({3, 4, 2}, 33)}, [](const Inputs& x) { return log_softmax(x[0], 1); }},
      {"cross_entropy with ignore_index", {logits, ids({1, -100, 4, 0})},
       [](const Inputs& x) { return cross_entropy(x[0], x[1], Tensor(), -100); }},
      {"binary_cross_entropy_with_logits", {input({6}, 34), from_vector(std::vector<float>{0, 1, 1, 0, 1, 0}, {6})},
       [](const Inputs& x) { return binary_cross_entropy_with_logits(x[0], x[1]); }},
      {"mse_loss", {input({6}, 35), input({6}, 36)}, [](const Inputs& x) { return mse_loss(x[0], x[1]); }},
      {"layer_norm", {input({3, 2, 8}, 37), positive({8}, 38), input({8}, 39)},
       [](const Inputs& x) { return layer_norm(x[0], {8}, x[1], x[2]); }},
      {"layer_norm without affine", {input({5, 8}, 40)}, [](const Inputs& x) { return layer_norm(x[0], {8}); }},
      {"attention_weights causal", {input({2, 2, 5, 4}, 41), input({2, 2, 5, 4}, 42)},
       [](const Inputs& x) { return attention_weights(x[0], x[1], 0.5, true); }},
      {"attention_weights padded", {input({2, 1, 3, 4}, 43), input({2, 1, 6, 4}, 44),
                                    from_vector(std::vector<float>{0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1}, {2, 6})},
       [](const Inputs& x) { return attention_weights(x[0], x[1], 0.5, false, x[2].detach()); }},
  };
}

}  // namespace

TEST_CASE("cuda ops: elementwise ops, their gradients and second-order gradients match the CPU") {
  const Device device = target_device();
  for (const OpCase& c : elementwise_cases()) check_case(c, device);
}

TEST_CASE("cuda ops: reductions, matmul, layout and indexing match the CPU, gradients included") {
  const Device device = target_device();
  for (const OpCase& c : reduction_and_layout_cases()) check_case(c, device);
}

TEST_CASE("cuda ops: softmax, losses, layer norm and attention match the CPU, gradients included") {
  const Device device = target_device();
  for (const OpCase& c : nn_cases()) check_case(c, device);
}

TEST_CASE("cuda ops: random draws on the device are the CPU's numbers") {
  if (!have_gpu()) return;
  Generator on_cpu(5), on_gpu(5);
  check_matches_cpu(randn({1000}, kFloat32, &on_gpu, Device::CUDA), randn({1000}, kFloat32, &on_cpu), 1e-6);
  check_matches_cpu(rand({1000}, kFloat64, &on_gpu, Device::CUDA), rand({1000}, kFloat64, &on_cpu), 0);
  check_matches_cpu(randint(0, 7, {500}, &on_gpu, Device::CUDA), randint(0, 7, {500}, &on_cpu), 0);
  check_matches_cpu(permutation(50, &on_gpu, Device::CUDA), permutation(50, &on_cpu), 0);
}

TEST_CASE("cuda ops: an out-of-range index on the GPU is refused at the call") {
  if (!have_gpu()) return;
  Tensor x = ones({3, 2}, kFloat32, Device::CUDA);
  check_throws<IndexError>([&] { index_select(x, 0, from_vector(std::vector<int64_t>{0, 3}, {2}, Device::CUDA)); },
                           {"index_select: index 3 (at position 1) is out of range for axis 0 of size 3"});
  check_throws<IndexError>([&] { cross_entropy(x, from_vector(std::vector<int64_t>{0, 1, 2}, {3}, Device::CUDA)); },
                           {"cross_entropy: target 2 at position 2 is not a class in [0, 2)"});
}
