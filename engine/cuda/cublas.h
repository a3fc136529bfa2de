// cuBLAS for the CUDA backend's kernel files (gemm.cu, attention.cu): the one handle and a status
// check. Included by .cu files only.
#pragma once

#include <cublas_v2.h>

#include "engine/backend.h"

namespace candor::cuda {

// Throws a DeviceError naming `what` when `status` is not CUBLAS_STATUS_SUCCESS.
void check_cublas(cublasStatus_t status, const char* what);

// The process's cuBLAS handle, on the default stream, created on first use (gemm.cu).
cublasHandle_t cublas_handle();

// Row-major C[b] = op(A[b]) op(B[b]) in float32 or float64 through cuBLAS (a, b, c device
// pointers of T; g as in Backend::gemm, k > 0).
template <typename T>
void cublas_gemm(const Backend::Gemm& g, const T* a, const T* b, T* c);

}  // namespace candor::cuda
