// Parameter initialisation, in place (every handle to the tensor sees the values), drawn only
// from a candor::Generator so a seed fixes every weight. The formulas are PyTorch's
// (torch.nn.init, He et al. 2015, Glorot & Bengio 2010); the draws are candor's own Philox
// stream, so the values equal PyTorch's in distribution, not bit for bit.
#pragma once

#include <cmath>
#include <cstdint>

#include "engine/generator.h"
#include "engine/tensor.h"

namespace candor::nn {

// U(low, high)
void uniform_(Tensor& t, double low, double high, Generator& gen);
// N(mean, std^2)
void normal_(Tensor& t, double mean, double std, Generator& gen);
void zeros_(Tensor& t);
void ones_(Tensor& t);

// Kaiming (He) uniform for a leaky-ReLU slope `a`: U(-bound, bound) with
//   bound = gain * sqrt(3 / fan_in),  gain = sqrt(2 / (1 + a^2)).
// The default a = sqrt(5) is PyTorch's nn.Linear default, where bound = 1 / sqrt(fan_in);
// a = 0 is He initialisation for ReLU, bound = sqrt(6 / fan_in).
void kaiming_uniform_(Tensor& t, int64_t fan_in, Generator& gen, double a = std::sqrt(5.0));
// Xavier (Glorot) uniform: U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out)).
void xavier_uniform_(Tensor& t, int64_t fan_in, int64_t fan_out, Generator& gen, double gain = 1.0);
// PyTorch's nn.Linear bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
void linear_bias_uniform_(Tensor& t, int64_t fan_in, Generator& gen);

}  // namespace candor::nn
