// TEMPORARY stubs: replaced by the kernels.
#include "engine/cuda/cuda_backend.h"
#include "engine/error.h"
namespace candor::cuda {
void CudaBackend::fill(Tensor&, double) { throw DeviceError("cuda: fill not written yet"); }
void CudaBackend::cast(const Tensor&, Tensor&) { throw DeviceError("cuda: cast not written yet"); }
void CudaBackend::unary(UnaryOp, const Tensor&, Tensor&) { throw DeviceError("cuda: unary not written yet"); }
void CudaBackend::binary(BinaryOp, const Tensor&, const Tensor&, Tensor&) { throw DeviceError("cuda: binary not written yet"); }
void CudaBackend::where(const Tensor&, const Tensor&, const Tensor&, Tensor&) { throw DeviceError("cuda: where not written yet"); }
void CudaBackend::clamp(const Tensor&, std::optional<double>, std::optional<double>, Tensor&) { throw DeviceError("cuda: clamp not written yet"); }
void CudaBackend::expand(const Tensor&, Tensor&) { throw DeviceError("cuda: expand not written yet"); }
}
