// Matrix products. candor owns the parallel split (DESIGN.md section 3): the output of each batch
// entry is cut into fixed row or column tiles, each computed by a single-threaded BLAS call, and the tiles
// run in an OpenMP loop. Every output element is accumulated by the same call whatever the thread
// count, so results are bitwise identical for 1 and N threads. Small products run on one thread.
#include <omp.h>

#include <algorithm>
#include <vector>

#include <Eigen/Core>

#include "engine/cpu/cpu_backend.h"

#ifdef CANDOR_USE_OPENBLAS
#include <cblas.h>
#endif

namespace candor::cpu {

namespace {

// Products under this many multiply-adds run on one thread: threading costs more than it saves.
constexpr int64_t kParallelMacs = 4 << 20;
// ... except thin ones (at most kThinRows rows or columns) from this many up.
constexpr int64_t kThinRows = 16;
constexpr int64_t kThinParallelMacs = 1 << 18;
// Rows (or columns) per tile. The tile count is a multiple of 4 (so 2 or 4 threads get equal
// shares: GPT-2's 2304 qkv columns used to make 5 tiles of 512, 3 against 2 on two threads), at
// least 4 and enough that tiles stay at most about 512 long; lengths are multiples of 16, at
// least 64 (each tile repacks the whole other operand, so tiles should not be too small).
// Measured on 2 cores with OpenBLAS's own kernel: 1024^3 at 435 GFLOP/s with 256-row tiles,
// 2048^3 at 430 with 512-row tiles (256-row tiles: 404).
int64_t tile_rows(int64_t m) {
  int64_t tiles = (std::max<int64_t>(4, (m + 511) / 512) + 3) / 4 * 4;
  int64_t per_tile = ((m + tiles - 1) / tiles + 15) / 16 * 16;
  return std::max<int64_t>(per_tile, 64);
}

// A product with fewer than 4 output tiles (both sides of C at most 192: a weight gradient
// X^T dY over a large batch, [104, 4096] x [4096, 64]) and an inner dimension of at least
// kSplits x kMinSplitLength is cut along k instead: kSplits partial products, summed in order.
constexpr int64_t kSplits = 4;
constexpr int64_t kMinSplitLength = 256;

#ifdef CANDOR_USE_OPENBLAS
// beta is 0 or 1. With 0, OpenBLAS first zeroes C in a pass of its own; with 1 it adds to C.
void gemm_call(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}
void gemm_call(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
               const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, 1.0, a, lda, b, ldb, beta, c, ldc);
}
// y (stride incy) += M x (stride incx), M rows x cols with leading dimension ld, transposed when
// trans.
void gemv_call(bool trans, int64_t rows, int64_t cols, const float* m, int64_t ld, const float* x,
               int64_t incx, float* y, int64_t incy) {
  cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, rows, cols, 1.0f, m, ld, x, incx,
              1.0f, y, incy);
}
void gemv_call(bool trans, int64_t rows, int64_t cols, const double* m, int64_t ld, const double* x,
               int64_t incx, double* y, int64_t incy) {
  cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, rows, cols, 1.0, m, ld, x, incx,
              1.0, y, incy);
}

// A product with one output row or column is a matrix-vector product: BLAS's gemv streams the
// matrix once, where gemm would first copy it into packed panels (a generated token's step
// through every weight of GPT-2, or an MLP's one-logit layer). y is added to (beta 1), after
// zeroing unless `accumulate`: with beta 0, some OpenBLAS versions scale y by 0, which keeps a NaN
// left in freshly allocated memory.
template <typename T>
void gemv_tile(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
               const T* b, int64_t ldb, bool accumulate, T* c, int64_t ldc) {
  if (m == 1) {  // c = a^T op(B): a is op(A)'s one row, stride lda when A is stored as a column
    if (!accumulate) std::fill(c, c + n, T(0));
    gemv_call(!tb, tb ? n : k, tb ? k : n, b, ldb, a, ta ? lda : 1, c, 1);
  } else {  // n == 1: c = op(A) b, b being op(B)'s one column, stride ldb when stored as a column
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i) c[i * ldc] = T(0);
    gemv_call(ta, ta ? k : m, ta ? m : k, a, lda, b, tb ? 1 : ldb, c, ldc);
  }
}
#endif

// C (m x n, leading dimension ldc) = op(A) * op(B), or += with `accumulate`, single-threaded.
// Also the int64 path.
template <typename T>
void gemm_tile(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
               const T* b, int64_t ldb, bool accumulate, T* c, int64_t ldc) {
#ifdef CANDOR_USE_OPENBLAS
  if constexpr (!std::is_same_v<T, int64_t>) {
    if (m == 1 || n == 1) {
      gemv_tile(ta, tb, m, n, k, a, lda, b, ldb, accumulate, c, ldc);
    } else {
      gemm_call(ta, tb, m, n, k, a, lda, b, ldb, accumulate ? T(1) : T(0), c, ldc);
    }
    return;
  }
#endif
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Stride = Eigen::OuterStride<>;
  using ConstMap = Eigen::Map<const Matrix, 0, Stride>;
  Eigen::Map<Matrix, 0, Stride> cm(c, m, n, Stride(ldc));
  ConstMap am(a, ta ? k : m, ta ? m : k, Stride(lda));
  ConstMap bm(b, tb ? n : k, tb ? k : n, Stride(ldb));
  auto store = [&](const auto& product) {
    if (accumulate) cm.noalias() += product;
    else cm.noalias() = product;
  };
  if (ta && tb) {
    store(am.transpose() * bm.transpose());
  } else if (ta) {
    store(am.transpose() * bm);
  } else if (tb) {
    store(am * bm.transpose());
  } else {
    store(am * bm);
  }
}

// C = op(A) op(B) as the sum of kSplits products over consecutive chunks of k, each chunk on one
// thread into its own buffer, the buffers summed in chunk order. The chunks depend only on the
// shape, so every element is the same sum for any thread count.
template <typename T>
void gemm_split_k(const Backend::Gemm& g, const T* a, int64_t lda, const T* b, int64_t ldb, T* c) {
  const int64_t size = g.m * g.n;
  const int64_t chunk = ((g.k + kSplits - 1) / kSplits + 15) / 16 * 16;
  const int64_t tasks = g.batch * kSplits;
  std::vector<T> partial(tasks * size);
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    omp_set_num_threads(1);
    const int64_t batch = t / kSplits, start = (t % kSplits) * chunk;
    const int64_t length = std::min(chunk, g.k - start);
    // Columns start.. of op(A) and rows start.. of op(B).
    const T* a_chunk = a + batch * g.stride_a + (g.trans_a ? start * lda : start);
    const T* b_chunk = b + batch * g.stride_b + (g.trans_b ? start : start * ldb);
    gemm_tile(g.trans_a, g.trans_b, g.m, g.n, length, a_chunk, lda, b_chunk, ldb, false,
              partial.data() + t * size, g.n);
  }
  for (int64_t batch = 0; batch < g.batch; ++batch) {
    const T* sums = partial.data() + batch * kSplits * size;
    T* c_batch = c + batch * g.stride_c;
    for (int64_t i = 0; i < size; ++i) {
      T sum = sums[i];
      for (int64_t s = 1; s < kSplits; ++s) sum += sums[s * size + i];
      c_batch[i] = g.accumulate ? c_batch[i] + sum : sum;
    }
  }
}

template <typename T>
void gemm_typed(const Backend::Gemm& g, const T* a, const T* b, T* c) {
  int64_t lda = g.trans_a ? g.m : g.k;
  int64_t ldb = g.trans_b ? g.k : g.n;
  // Tiles cut the longer side of C: row tiles repack all of B each, column tiles all of A, so
  // a wide product (GPT-2's [128, 768] x [768, 2304], a language-model head) cuts columns.
  bool by_columns = g.n > g.m;
  int64_t extent = by_columns ? g.n : g.m;
  int64_t per_tile = tile_rows(extent);
  int64_t tiles_per_batch = (extent + per_tile - 1) / per_tile;
  int64_t tiles = g.batch * tiles_per_batch;
  const int64_t macs = g.batch * g.m * g.n * g.k;
  if (macs >= kParallelMacs && tiles < 4 && g.k >= kSplits * kMinSplitLength) {
    gemm_split_k(g, a, lda, b, ldb, c);
    return;
  }
  // A thin product (a token's matrix-vector step) is bound by reading the other operand, which
  // two cores read faster than one from about 1 MB of floats (256K elements) up.
  const bool thin = std::min(g.m, g.n) <= kThinRows && macs >= kThinParallelMacs;
  bool parallel = (macs >= kParallelMacs || thin) && tiles > 1;
  // Inside the region each call sees one thread (OpenBLAS does not thread inside an active
  // parallel region, and the per-task thread count below covers a team of one).
#pragma omp parallel for schedule(static) num_threads(parallel ? omp_get_max_threads() : 1)
  for (int64_t t = 0; t < tiles; ++t) {
    omp_set_num_threads(1);
    int64_t batch = t / tiles_per_batch;
    int64_t start = (t % tiles_per_batch) * per_tile;
    int64_t length = std::min(per_tile, extent - start);
    const T* a_batch = a + batch * g.stride_a;
    const T* b_batch = b + batch * g.stride_b;
    T* c_batch = c + batch * g.stride_c;
    if (by_columns) {
      // Columns start.. of op(B): column offset normally, row offset when B is transposed.
      const T* b_tile = b_batch + (g.trans_b ? start * ldb : start);
      gemm_tile(g.trans_a, g.trans_b, g.m, length, g.k, a_batch, lda, b_tile, ldb, g.accumulate,
                c_batch + start, g.n);
    } else {
      // Rows start.. of op(A): row offset normally, column offset when A is transposed.
      const T* a_tile = a_batch + (g.trans_a ? start : start * lda);
      gemm_tile(g.trans_a, g.trans_b, length, g.n, g.k, a_tile, lda, b_batch, ldb, g.accumulate,
                c_batch + start * g.n, g.n);
    }
  }
}

}  // namespace

void gemm_serial(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                 const float* b, int64_t ldb, float* c, int64_t ldc) {
  gemm_tile(ta, tb, m, n, k, a, lda, b, ldb, false, c, ldc);
}
void gemm_serial(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
                 const double* b, int64_t ldb, double* c, int64_t ldc) {
  gemm_tile(ta, tb, m, n, k, a, lda, b, ldb, false, c, ldc);
}

void CpuBackend::gemm(const Gemm& shape, const Tensor& a, const Tensor& b, Tensor& c) {
  if (shape.k == 0) {  // empty sums
    if (!shape.accumulate) fill(c, 0.0);
    return;
  }
  if (shape.m == 0 || shape.n == 0) return;
  dispatch(c.dtype(), [&]<typename T>(T) {
    gemm_typed<T>(shape, a.data<T>(), b.data<T>(), c.data<T>());
  });
}

}  // namespace candor::cpu
