// The CPU backend: Eigen for vectorised math, OpenBLAS (or Eigen) for GEMM, OpenMP over fixed
// partitions (cpu/parallel.h) for threads. Each group of kernels lives in its own file.
#pragma once

#include "engine/backend.h"

namespace candor::cpu {

class CpuBackend final : public Backend {
 public:
  // elementwise.cpp
  void fill(Tensor& out, double value) override;
  void cast(const Tensor& x, Tensor& out) override;
  void unary(UnaryOp op, const Tensor& x, Tensor& out) override;
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) override;
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) override;
  void clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi,
             Tensor& out) override;
  void expand(const Tensor& x, Tensor& out) override;
  // reduce.cpp
  void reduce(ReduceOp op, const Tensor& x, int64_t axis, Tensor& out) override;
  void arg_reduce(bool max, const Tensor& x, int64_t axis, Tensor& out) override;
  // gemm.cpp
  void gemm(const Gemm& shape, const Tensor& a, const Tensor& b, Tensor& c) override;
  // layout.cpp
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
  // nn.cpp
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
  void attention_weights(const Tensor& q, const Tensor& k, double scale, bool causal,
                         const Tensor& key_padding_mask, Tensor& out) override;
  void attention_weights_backward(const Tensor& grad, const Tensor& weights, const Tensor& q,
                                  const Tensor& k, double scale, bool causal,
                                  const Tensor& key_padding_mask, Tensor& dq, Tensor& dk) override;
  // optim.cpp
  void adam_update(const std::vector<AdamSlot>& slots, const AdamCoefficients& c) override;
  void sgd_update(const std::vector<SgdSlot>& slots, const SgdCoefficients& c) override;
  // random.cpp
  void random(RandomKind kind, const Generator& gen, uint64_t counter, double a, double b,
              Tensor& out) override;
  void random_integers(const Generator& gen, uint64_t counter, int64_t low, uint64_t range,
                       Tensor& out) override;
};

// One single-threaded product C (m x n, leading dimension ldc) = op(A) op(B) over row-major
// operands (gemm.cpp): the tile the threaded GEMM is built of, for fused kernels that run their
// own fixed partition. Call it inside an OpenMP region whose tasks have set one thread
// (omp_set_num_threads(1)), else the BLAS may thread it (and, under OPENBLAS_CORETYPE=Haswell,
// give thread-count-dependent bits).
void gemm_serial(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                 const float* b, int64_t ldb, float* c, int64_t ldc);
void gemm_serial(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
                 const double* b, int64_t ldb, double* c, int64_t ldc);

}  // namespace candor::cpu
