// TEMPORARY stubs: replaced by the kernels.
#include "engine/cuda/cuda_backend.h"
#include "engine/error.h"
namespace candor::cuda {
void CudaBackend::gemm(const Gemm&, const Tensor&, const Tensor&, Tensor&) { throw DeviceError("cuda: gemm not written yet"); }
}
