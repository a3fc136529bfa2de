// The backend boundary: a flat table of kernels over contiguous row-major buffers. Ops in ops/
// check their inputs, allocate outputs and call these; they never branch on the device. A CUDA
// backend implements the same table.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/generator.h"
#include "engine/tensor.h"

namespace candor {

enum class UnaryOp { Neg, Exp, Log, Sqrt, Abs, Sign, Tanh, Sigmoid, Relu, Erf, Softplus, Not };
enum class BinaryOp { Add, Sub, Mul, Div, Pow, Max, Min, Eq, Ne, Lt, Le, Gt, Ge, And };
enum class ReduceOp { Sum, Max, Min };
enum class RandomKind { Uniform, Normal, Bernoulli };

// A tensor viewed as [outer, n, inner] around one axis: the layout every axis kernel works on.
struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
};
AxisView axis_view(const Shape& shape, int64_t axis);

class Backend {
 public:
  virtual ~Backend() = default;

  virtual void fill(Tensor& out, double value) = 0;
  virtual void cast(const Tensor& x, Tensor& out) = 0;  // out.dtype() may differ from x's
  virtual void unary(UnaryOp op, const Tensor& x, Tensor& out) = 0;
  // out has the broadcast shape of a and b; all three share one dtype. out may be a itself when
  // all three have one shape (autograd adds a gradient into .grad in place).
  virtual void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) = 0;
  virtual void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) = 0;
  virtual void clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi,
                     Tensor& out) = 0;
  virtual void expand(const Tensor& x, Tensor& out) = 0;  // broadcast copy to out's shape

  // out[o, i] = op over k of x[o, k, i]  (out has x's shape with the axis removed or kept as 1).
  virtual void reduce(ReduceOp op, const Tensor& x, int64_t axis, Tensor& out) = 0;
  virtual void arg_reduce(bool max, const Tensor& x, int64_t axis, Tensor& out) = 0;

  // C[b] = op(A[b]) * op(B[b]) for b < batch, op = transpose when the flag is set; A[b] is M x K
  // after op, B[b] is K x N, C[b] is M x N. Batch strides of 0 broadcast an operand. With
  // `accumulate`, C[b] += op(A[b]) * op(B[b]) instead (BLAS's beta = 1): C's values are read.
  struct Gemm {
    int64_t batch = 1, m = 0, n = 0, k = 0;
    bool trans_a = false, trans_b = false;
    bool accumulate = false;
    int64_t stride_a = 0, stride_b = 0, stride_c = 0;  // elements between batch entries
  };
  virtual void gemm(const Gemm& shape, const Tensor& a, const Tensor& b, Tensor& c) = 0;

  virtual void permute(const Tensor& x, const std::vector<int64_t>& axes, Tensor& out) = 0;
  // out[o, i, r] = x[o, start + i * step, r] along `axis` (out's length along it decides i's range).
  virtual void read_slice(const Tensor& x, int64_t axis, int64_t start, int64_t step,
                          Tensor& out) = 0;
  // out[o, start + i * step, r] = x[o, i, r]: the inverse, writing into an existing tensor.
  virtual void write_slice(const Tensor& x, int64_t axis, int64_t start, int64_t step,
                           Tensor& out) = 0;
  virtual void index_select(const Tensor& x, int64_t axis, const Tensor& index, Tensor& out) = 0;
  // out[o, index[i], r] += source[o, i, r], in increasing i (deterministic with repeats).
  virtual void index_add(Tensor& out, int64_t axis, const Tensor& index, const Tensor& source) = 0;
  virtual void gather(const Tensor& x, int64_t axis, const Tensor& index, Tensor& out) = 0;
  virtual void scatter_add(Tensor& out, int64_t axis, const Tensor& index,
                           const Tensor& source) = 0;

  virtual void softmax(const Tensor& x, int64_t axis, bool log, Tensor& out) = 0;
  // Its backward from the output y and the gradient g along the same axis, in one pass over each
  // line: softmax dx = y (g - sum(g y)), log-softmax dx = g - e^y sum(g), the sums in double.
  virtual void softmax_backward(const Tensor& grad, const Tensor& y, int64_t axis, bool log,
                                Tensor& dx) = 0;
  // x viewed as [rows, cols]; mean and rstd are [rows]; weight/bias [cols] or undefined.
  virtual void layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps,
                          Tensor& out, Tensor& mean, Tensor& rstd) = 0;
  // The fused backward: dx, and (when defined) dweight, dbias.
  virtual void layer_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& weight,
                                   const Tensor& mean, const Tensor& rstd, Tensor& dx,
                                   Tensor& dweight, Tensor& dbias) = 0;

  // GELU with the tanh approximation, y = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), and its
  // derivative times grad: one pass each instead of a chain of elementwise ops.
  virtual void gelu_tanh(const Tensor& x, Tensor& out) = 0;
  virtual void gelu_tanh_backward(const Tensor& grad, const Tensor& x, Tensor& dx) = 0;

  // Attention weights for q [B, H, T, D] and k [B, H, S, D]: out [B, H, T, S] = softmax over S of
  // scale * q k^T, with masked scores (key j > query i when causal; key j of batch b when
  // key_padding_mask [B, S], of out's dtype, is nonzero there; the mask may be undefined) set to
  // the dtype's lowest finite value first.
  virtual void attention_weights(const Tensor& q, const Tensor& k, double scale, bool causal,
                                 const Tensor& key_padding_mask, Tensor& out) = 0;
  // Its backward from the weights P and their gradient G: dS = P * (G - rowsum(G * P)) * scale
  // (0 where masked), dq = dS k, dk = dS^T q.
  virtual void attention_weights_backward(const Tensor& grad, const Tensor& weights,
                                          const Tensor& q, const Tensor& k, double scale,
                                          bool causal, const Tensor& key_padding_mask, Tensor& dq,
                                          Tensor& dk) = 0;

  // Optimizer updates over a list of parameters (each with its gradient and state), computed per
  // element in double and stored in the parameter's dtype; the formulas are in nn/optim.h.
  // Adam/AdamW: g = grad + l2 p;  p *= shrink;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
  // p -= step_size m / (sqrt(v) / bc2_sqrt + eps).
  struct AdamSlot {
    Tensor param, grad, m, v;
    double step_size = 0, bc2_sqrt = 1;  // lr / (1 - b1^t) and sqrt(1 - b2^t) at this step
  };
  struct AdamCoefficients {
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, l2 = 0, shrink = 1;
  };
  virtual void adam_update(const std::vector<AdamSlot>& slots, const AdamCoefficients& c) = 0;
  // SGD: g = grad + wd p;  buf = g (first step) or momentum buf + (1 - dampening) g;
  // g = g + momentum buf (Nesterov) or buf;  p -= lr g. buf is undefined without momentum.
  struct SgdSlot {
    Tensor param, grad, buf;
    bool first = false;  // buf was just created
  };
  struct SgdCoefficients {
    double lr = 0, momentum = 0, dampening = 0, weight_decay = 0;
    bool nesterov = false;
  };
  virtual void sgd_update(const std::vector<SgdSlot>& slots, const SgdCoefficients& c) = 0;

  // Fills out from Philox blocks starting at `counter` under gen's seed. Uniform: [a, b);
  // Normal: mean a, std b; Bernoulli: 1 with probability a.
  virtual void random(RandomKind kind, const Generator& gen, uint64_t counter, double a, double b,
                      Tensor& out) = 0;
  // Fills int64 `out` the same way with integers uniform in [low, low + range), range >= 1. The
  // bounds stay integers: a range may span all of int64, beyond double's 53 bits.
  virtual void random_integers(const Generator& gen, uint64_t counter, int64_t low, uint64_t range,
                               Tensor& out) = 0;
};

Backend& backend_for(Device device);
inline Backend& backend(const Tensor& t) { return backend_for(t.device()); }
// Philox blocks a random draw of `count` elements uses (the generator reserves that many).
uint64_t random_blocks(RandomKind kind, int64_t count);

}  // namespace candor
