// Matrix products on the GPU: float32 and float64 through cuBLAS, int64 (which cuBLAS lacks)
// through a plain kernel.
//
// cuBLAS is column-major. A row-major M x N matrix read column-major is its N x M transpose, so
// row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the call passes B before A and
// swaps m and n, and each operand keeps its own transpose flag.
//
// Determinism: cuBLAS gives bitwise identical results from run to run for a fixed problem on one
// GPU model and toolkit, on one stream, with atomics not allowed (CUBLAS_ATOMICS_NOT_ALLOWED, the
// default, which rules out split-K reductions through atomics). Everything here runs on the
// default stream. TF32 (10-bit mantissa products) is off unless set_allow_tf32(true), as
// torch.backends.cuda.matmul.allow_tf32: the compute type decides (CUBLAS_COMPUTE_32F never uses
// TF32, whatever the handle's math mode; CUBLAS_COMPUTE_32F_FAST_TF32 may).
#include <fmt/format.h>

#include <limits>
#include <type_traits>

#include "engine/cuda/cublas.h"
#include "engine/cuda/cuda_backend.h"
#include "engine/cuda/launch.h"
#include "engine/cuda/runtime.h"
#include "engine/error.h"

namespace candor::cuda {

namespace {

bool tf32_allowed = false;

// One int64 output element per thread: c[b, i, j] = sum over p in increasing order (added to c's
// value with g.accumulate).
__global__ void gemm_int64(Backend::Gemm g, const int64_t* a, const int64_t* b, int64_t* c) {
  const int64_t total = g.batch * g.m * g.n;
  for (int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; e < total;
       e += int64_t{gridDim.x} * blockDim.x) {
    const int64_t batch = e / (g.m * g.n), i = e / g.n % g.m, j = e % g.n;
    const int64_t* pa = a + batch * g.stride_a;
    const int64_t* pb = b + batch * g.stride_b;
    int64_t* out = c + batch * g.stride_c + i * g.n + j;
    int64_t sum = g.accumulate ? *out : 0;
    for (int64_t p = 0; p < g.k; ++p) {
      const int64_t x = g.trans_a ? pa[p * g.m + i] : pa[i * g.k + p];
      const int64_t y = g.trans_b ? pb[j * g.k + p] : pb[p * g.n + j];
      sum += x * y;
    }
    *out = sum;
  }
}

int as_int(int64_t value, const char* what) {
  if (value > std::numeric_limits<int>::max()) {
    throw DeviceError(fmt::format("cuda: gemm {} = {} exceeds cuBLAS's int range", what, value));
  }
  return static_cast<int>(value);
}

}  // namespace

void set_allow_tf32(bool allow) { tf32_allowed = allow; }
bool allow_tf32() { return tf32_allowed; }

void check_cublas(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw DeviceError(fmt::format("cuda: {} failed: {} ({})", what, cublasGetStatusString(status),
                                static_cast<int>(status)));
}

// Created once and kept for the life of the process: creating a handle costs milliseconds, and
// destroying it from a static destructor could run after the CUDA runtime has shut down.
cublasHandle_t cublas_handle() {
  static cublasHandle_t handle = [] {
    cublasHandle_t h = nullptr;
    check_cublas(cublasCreate(&h), "cublasCreate");
    check_cublas(cublasSetAtomicsMode(h, CUBLAS_ATOMICS_NOT_ALLOWED), "cublasSetAtomicsMode");
    return h;
  }();
  return handle;
}

template <typename T>
void cublas_gemm(const Backend::Gemm& g, const T* a, const T* b, T* c) {
  constexpr bool is_float = std::is_same_v<T, float>;
  const cudaDataType_t type = is_float ? CUDA_R_32F : CUDA_R_64F;
  const cublasComputeType_t compute = !is_float     ? CUBLAS_COMPUTE_64F
                                      : tf32_allowed ? CUBLAS_COMPUTE_32F_FAST_TF32
                                                     : CUBLAS_COMPUTE_32F;
  const T one = 1, beta = g.accumulate ? 1 : 0;
  // Row-major leading dimensions: A is stored M x K (K x M when transposed), B K x N (N x K).
  const int lda = as_int(g.trans_a ? g.m : g.k, "lda"), ldb = as_int(g.trans_b ? g.k : g.n, "ldb");
  check_cublas(cublasGemmStridedBatchedEx(
                   cublas_handle(), g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                   g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, as_int(g.n, "n"), as_int(g.m, "m"),
                   as_int(g.k, "k"), &one, b, type, ldb, g.stride_b, a, type, lda, g.stride_a,
                   &beta, c, type, as_int(g.n, "ldc"), g.stride_c, as_int(g.batch, "batch"),
                   compute, CUBLAS_GEMM_DEFAULT),
               "cublasGemmStridedBatchedEx");
}
template void cublas_gemm<float>(const Backend::Gemm&, const float*, const float*, float*);
template void cublas_gemm<double>(const Backend::Gemm&, const double*, const double*, double*);

void CudaBackend::gemm(const Gemm& shape, const Tensor& a, const Tensor& b, Tensor& c) {
  if (shape.batch == 0 || shape.m == 0 || shape.n == 0) return;
  if (shape.k == 0) {  // empty sums: all-zero bits are 0 in every dtype
    if (shape.accumulate) return;
    check(cudaMemsetAsync(c.raw_data(), 0, c.numel() * dtype_size(c.dtype())), "gemm (k = 0)");
    return;
  }
  if (c.dtype() == DType::Int64) {
    gemm_int64<<<blocks_for(shape.batch * shape.m * shape.n), kThreads>>>(
        shape, device_ptr<int64_t>(a), device_ptr<int64_t>(b), device_ptr<int64_t>(c));
    check_launch("gemm_int64");
    return;
  }
  dispatch_floating(c.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cublas_gemm<T>(shape, device_ptr<T>(a), device_ptr<T>(b), device_ptr<T>(c));
  });
}

}  // namespace candor::cuda
