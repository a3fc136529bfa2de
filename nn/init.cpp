#include "nn/init.h"

#include <cstring>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops/ops.h"

namespace candor::nn {

namespace {
// Writes `values` (same shape and dtype) into t's storage.
void assign(Tensor& t, const Tensor& values) {
  std::memcpy(t.raw_data(), values.raw_data(), t.numel() * dtype_size(t.dtype()));
}
void check_target(const Tensor& t, const char* op) {
  if (!t.defined() || !t.is_floating_point()) {
    throw DTypeError(fmt::format("{}: needs a defined floating-point tensor", op));
  }
}
void check_fan(int64_t fan, const char* what, const char* op) {
  if (fan <= 0) throw ValueError(fmt::format("{}: {} must be positive, got {}", op, what, fan));
}
}  // namespace

void uniform_(Tensor& t, double low, double high, Generator& gen) {
  check_target(t, "uniform_");
  if (!(low <= high)) throw ValueError(fmt::format("uniform_: needs low <= high, got {} and {}", low, high));
  NoGradGuard no_grad;
  assign(t, uniform(t.shape(), low, high, t.dtype(), &gen));
}

void normal_(Tensor& t, double mean, double std, Generator& gen) {
  check_target(t, "normal_");
  if (!(std >= 0)) throw ValueError(fmt::format("normal_: std must be >= 0, got {}", std));
  NoGradGuard no_grad;
  assign(t, normal(t.shape(), mean, std, t.dtype(), &gen));
}

void zeros_(Tensor& t) {
  check_target(t, "zeros_");
  assign(t, zeros(t.shape(), t.dtype()));
}

void ones_(Tensor& t) {
  check_target(t, "ones_");
  assign(t, ones(t.shape(), t.dtype()));
}

void kaiming_uniform_(Tensor& t, int64_t fan_in, Generator& gen, double a) {
  check_fan(fan_in, "fan_in", "kaiming_uniform_");
  double gain = std::sqrt(2.0 / (1.0 + a * a));
  double bound = gain * std::sqrt(3.0 / static_cast<double>(fan_in));
  uniform_(t, -bound, bound, gen);
}

void xavier_uniform_(Tensor& t, int64_t fan_in, int64_t fan_out, Generator& gen, double gain) {
  check_fan(fan_in, "fan_in", "xavier_uniform_");
  check_fan(fan_out, "fan_out", "xavier_uniform_");
  double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  uniform_(t, -bound, bound, gen);
}

void linear_bias_uniform_(Tensor& t, int64_t fan_in, Generator& gen) {
  check_fan(fan_in, "fan_in", "linear_bias_uniform_");
  double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  uniform_(t, -bound, bound, gen);
}

}  // namespace candor::nn
