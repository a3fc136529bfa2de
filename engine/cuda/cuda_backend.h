// The CUDA backend: the same kernel table as the CPU's (engine/backend.h) on the GPU. cuBLAS for
// GEMM, one CUDA kernel (or a few) per table entry elsewhere, every launch on the default stream,
// so kernels run in the order they are queued and a copy to the host waits for them.
//
// Deterministic as the CPU backend is: every reduction has a fixed order (one thread block per
// output, a fixed tree inside it, float32 accumulated in double as on the CPU), index_add and
// scatter_add add repeats in increasing index order without atomics, and random numbers come from
// the same Philox blocks as the CPU's. Results match the CPU's to rounding, not bit for bit
// (fused multiply-adds and cuBLAS's own blocking differ); TF32 is off unless allowed.
#pragma once

#include "engine/backend.h"

namespace candor::cuda {

class CudaBackend final : public Backend {
 public:
  // elementwise.cu
  void fill(Tensor& out, double value) override;
  void cast(const Tensor& x, Tensor& out) override;
  void unary(UnaryOp op, const Tensor& x, Tensor& out) override;
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) override;
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) override;
  void clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi,
             Tensor& out) override;
  void expand(const Tensor& x, Tensor& out) override;
  // reduce.cu
  void reduce(ReduceOp op, const Tensor& x, int64_t axis, Tensor& out) override;
  void arg_reduce(bool max, const Tensor& x, int64_t axis, Tensor& out) override;
  // gemm.cu
  void gemm(const Gemm& shape, const Tensor& a, const Tensor& b, Tensor& c) override;
  // layout.cu
  void permute(const Tensor& x, const std::vector<int64_t>& axes, Tensor& out) override;
  void read_slice(const Tensor& x, int64_t axis, int64_t start, int64_t step,
                  Tensor& out) override;
  void write_slice(const Tensor& x, int64_t axis, int64_t start, int64_t step,
                   Tensor& out) override;
  void index_select(const Tensor& x, int64_t axis, const Tensor& index, Tensor& out) override;
  void index_add(Tensor& out, int64_t axis, const Tensor& index, const Tensor& source) override;
  void gather(const Tensor& x, int64_t axis, const Tensor& index, Tensor& out) override;
  void scatter_add(Tensor& out, int64_t axis, const Tensor& index,
                   const Tensor& source) override;
  // nn.cu
  void softmax(const Tensor& x, int64_t axis, bool log, Tensor& out) override;
  void softmax_backward(const Tensor& grad, const Tensor& y, int64_t axis, bool log,
                        Tensor& dx) override;
  void layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps,
                  Tensor& out, Tensor& mean, Tensor& rstd) override;
  void layer_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& weight,
                           const Tensor& mean, const Tensor& rstd, Tensor& dx, Tensor& dweight,
                           Tensor& dbias) override;
  void gelu_tanh(const Tensor& x, Tensor& out) override;
  void gelu_tanh_backward(const Tensor& grad, const Tensor& x, Tensor& dx) override;
  // attention.cu
  void attention_weights(const Tensor& q, const Tensor& k, double scale, bool causal,
                         const Tensor& key_padding_mask, Tensor& out) override;
  void attention_weights_backward(const Tensor& grad, const Tensor& weights, const Tensor& q,
                                  const Tensor& k, double scale, bool causal,
                                  const Tensor& key_padding_mask, Tensor& dq, Tensor& dk) override;
  // optim.cu
  void adam_update(const std::vector<AdamSlot>& slots, const AdamCoefficients& c) override;
  void sgd_update(const std::vector<SgdSlot>& slots, const SgdCoefficients& c) override;
  // random.cu
  void random(RandomKind kind, const Generator& gen, uint64_t counter, double a, double b,
              Tensor& out) override;
  void random_integers(const Generator& gen, uint64_t counter, int64_t low, uint64_t range,
                       Tensor& out) override;
};

}  // namespace candor::cuda
