// TEMPORARY stubs: replaced by the kernels.
#include "engine/cuda/cuda_backend.h"
#include "engine/error.h"
namespace candor::cuda {
void CudaBackend::reduce(ReduceOp, const Tensor&, int64_t, Tensor&) { throw DeviceError("cuda: reduce not written yet"); }
void CudaBackend::arg_reduce(bool, const Tensor&, int64_t, Tensor&) { throw DeviceError("cuda: arg_reduce not written yet"); }
}
