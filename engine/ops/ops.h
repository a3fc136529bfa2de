// Every tensor op candor has, as free functions. Each is defined in ops/<family>.cpp with its
// backward rule right below its forward. Axes may be negative (counted from the end).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "engine/tensor.h"

namespace candor {

// ---- creation (creation.cpp) ----
// The constant factories take a device; the *_like ones use t's.
Tensor zeros(const Shape& shape, DType dtype = kFloat32, Device device = Device::CPU);
Tensor ones(const Shape& shape, DType dtype = kFloat32, Device device = Device::CPU);
Tensor full(const Shape& shape, double value, DType dtype = kFloat32, Device device = Device::CPU);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
// A 0-dimensional tensor.
Tensor scalar(double value, DType dtype = kFloat32, Device device = Device::CPU);
// The ones below take a device too: ranges, identities, data and permutations are made on the host
// and copied there; random draws are computed on the device, with the same numbers.
Tensor arange(double start, double end, double step = 1, DType dtype = kInt64,
              Device device = Device::CPU);
Tensor arange(int64_t end, DType dtype = kInt64, Device device = Device::CPU);
Tensor eye(int64_t n, DType dtype = kFloat32, Device device = Device::CPU);
Tensor from_vector(const std::vector<float>& values, const Shape& shape, Device device = Device::CPU);
Tensor from_vector(const std::vector<double>& values, const Shape& shape, Device device = Device::CPU);
Tensor from_vector(const std::vector<int64_t>& values, const Shape& shape, Device device = Device::CPU);
Tensor tensor(std::initializer_list<double> values, DType dtype = kFloat32);  // 1-D
// Random tensors: uniform [low, high), standard normal (times std plus mean), integers in
// [low, high), Bernoulli(p), and a permutation of 0..n-1. `gen` defaults to the global generator.
Tensor rand(const Shape& shape, DType dtype = kFloat32, Generator* gen = nullptr,
            Device device = Device::CPU);
Tensor uniform(const Shape& shape, double low, double high, DType dtype = kFloat32,
               Generator* gen = nullptr, Device device = Device::CPU);
Tensor randn(const Shape& shape, DType dtype = kFloat32, Generator* gen = nullptr,
             Device device = Device::CPU);
Tensor normal(const Shape& shape, double mean, double std, DType dtype = kFloat32,
              Generator* gen = nullptr, Device device = Device::CPU);
Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator* gen = nullptr,
               Device device = Device::CPU);
Tensor bernoulli(const Shape& shape, double p, DType dtype = kFloat32, Generator* gen = nullptr,
                 Device device = Device::CPU);
Tensor permutation(int64_t n, Generator* gen = nullptr, Device device = Device::CPU);

// ---- elementwise arithmetic, broadcasting by NumPy rules (arithmetic.cpp) ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor neg(const Tensor& a);
Tensor pow(const Tensor& a, double exponent);
Tensor pow(const Tensor& a, const Tensor& exponent);
Tensor maximum(const Tensor& a, const Tensor& b);  // gradient to a where a >= b
Tensor minimum(const Tensor& a, const Tensor& b);  // gradient to a where a <= b
Tensor cast(const Tensor& a, DType dtype);
// A copy on `device` (x itself when already there); the gradient is copied back to x's device.
Tensor to_device(const Tensor& x, Device device);

// ---- comparisons and selection; results are 0/1 in the operands' common dtype, no grad ----
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& a);
// where(cond, a, b): a where cond != 0, else b; gradients flow to a and b, never to cond.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// ---- elementwise math (unary.cpp) ----
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);  // no grad
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor erf(const Tensor& x);
// gelu: x * Phi(x) exactly ("none") or with the tanh approximation ("tanh"), as PyTorch.
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
// softplus: log(1 + exp(beta * x)) / beta, computed without overflow.
Tensor softplus(const Tensor& x, double beta = 1.0);
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);

// ---- reductions; empty axes means all axes (reductions.cpp) ----
Tensor sum(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
// max/min values; the gradient is shared equally among tied maxima, as PyTorch's amax.
Tensor max(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Tensor min(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
// var with Bessel's correction by default (correction = 1), as torch.var.
Tensor var(const Tensor& x, const std::vector<int64_t>& axes = {}, int64_t correction = 1,
           bool keepdim = false);
Tensor argmax(const Tensor& x, int64_t axis, bool keepdim = false);  // int64, first maximum
Tensor argmin(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim = false);
// Sums `x` down to `shape` (the reverse of broadcasting): how broadcast gradients are reduced.
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---- matrix product (linalg.cpp) ----
// 1-D x 1-D dot, 2-D x 2-D, and batched with broadcasting over leading dimensions, as torch.matmul.
Tensor matmul(const Tensor& a, const Tensor& b);
// y = x @ weight^T + bias, with weight [out, in] as in PyTorch's nn.Linear; x is [..., in]. The
// transpose is a GEMM flag, never a copy. bias ([out]) may be undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());
// input + a @ b for matrices a [M, K] and b [K, N], input broadcasting to [M, N] (torch.addmm
// with beta = alpha = 1). When input has the product's dtype, the GEMM starts from its values: no
// pass zeroes the product and no other pass adds them, as there are after matmul. Otherwise the
// sum promotes, as matmul(a, b) + input does.
Tensor addmm(const Tensor& input, const Tensor& a, const Tensor& b);

// ---- views and layout (views.cpp, layout.cpp) ----
Tensor reshape(const Tensor& x, const Shape& shape);  // one -1 allowed; shares storage
Tensor flatten(const Tensor& x, int64_t start_axis = 0, int64_t end_axis = -1);
Tensor squeeze(const Tensor& x, int64_t axis);
Tensor unsqueeze(const Tensor& x, int64_t axis);
Tensor narrow(const Tensor& x, int64_t axis, int64_t start, int64_t length);  // view on axis 0
Tensor expand(const Tensor& x, const Shape& shape);  // broadcast copy
Tensor transpose(const Tensor& x, int64_t a, int64_t b);
Tensor permute(const Tensor& x, const std::vector<int64_t>& axes);
// Elements start, start+step, ... < end along `axis` (end clipped to the size, as Python slices).
Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t end, int64_t step = 1);
Tensor concat(const std::vector<Tensor>& xs, int64_t axis = 0);
Tensor stack(const std::vector<Tensor>& xs, int64_t axis = 0);

// ---- indexing (indexing.cpp); indices are int64 ----
// out[..., i, ...] = x[..., index[i], ...] along `axis`; the backward adds repeated indices up.
Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index);
// A copy of x with source added at positions index along axis (repeated indices accumulate).
Tensor index_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& source);
// out[i][j] = x[index[i][j]][j] for axis 0 (and likewise for other axes), as torch.gather.
Tensor gather(const Tensor& x, int64_t axis, const Tensor& index);
// A copy of x with source added at x[index[i][j]][j] (axis 0), as torch.scatter_add.
Tensor scatter_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& source);
// Rows of `weight` picked by integer `ids` of any shape: result shape ids.shape + [C].
Tensor embedding(const Tensor& weight, const Tensor& ids);

// ---- neural-network functions (softmax.cpp, losses.cpp, layer_norm.cpp, attention.cpp,
//      dropout.cpp) ----
Tensor softmax(const Tensor& x, int64_t axis = -1);
Tensor log_softmax(const Tensor& x, int64_t axis = -1);
enum class Reduction { None, Mean, Sum };
// Cross-entropy of logits [N, C] against class indices [N] (int64). Targets equal to
// ignore_index contribute nothing; `weight` [C] rescales classes; Mean divides by the summed
// weights of the counted targets, as PyTorch.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight = Tensor(),
                     int64_t ignore_index = -100, Reduction reduction = Reduction::Mean);
// -[pos_weight * y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x))] * weight, computed from the
// logits with softplus so large |x| neither overflows nor loses the gradient.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const Tensor& weight = Tensor(),
                                        const Tensor& pos_weight = Tensor(),
                                        Reduction reduction = Reduction::Mean);
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// Normalises over the trailing dimensions `normalized_shape`, then applies weight and bias
// (either may be undefined). The backward is one fused kernel.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
// Attention weights softmax(scale * q k^T) over the keys, for q [B, H, T, D] and k [B, H, S, D]
// -> [B, H, T, S]. Masked scores are set to the dtype's lowest finite value before the softmax
// (a query whose every key is masked gets uniform weights): key j > query i when `causal` (needs
// S == T), and keys where key_padding_mask [B, S] (any dtype; may be undefined) is nonzero. One
// fused kernel forward and backward (attention.cpp); the transpose of k is a GEMM flag.
Tensor attention_weights(const Tensor& q, const Tensor& k, double scale, bool causal = false,
                         const Tensor& key_padding_mask = Tensor());
// Zeroes each element with probability p and scales the rest by 1/(1-p); identity unless training.
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);

}  // namespace candor
