// TEMPORARY stubs: replaced by the kernels.
#include "engine/cuda/cuda_backend.h"
#include "engine/error.h"
namespace candor::cuda {
void CudaBackend::softmax(const Tensor&, int64_t, bool, Tensor&) { throw DeviceError("cuda: softmax not written yet"); }
void CudaBackend::layer_norm(const Tensor&, const Tensor&, const Tensor&, double, Tensor&, Tensor&, Tensor&) { throw DeviceError("cuda: layer_norm not written yet"); }
void CudaBackend::layer_norm_backward(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, Tensor&, Tensor&, Tensor&) { throw DeviceError("cuda: layer_norm_backward not written yet"); }
void CudaBackend::gelu_tanh(const Tensor&, Tensor&) { throw DeviceError("cuda: gelu_tanh not written yet"); }
void CudaBackend::gelu_tanh_backward(const Tensor&, const Tensor&, Tensor&) { throw DeviceError("cuda: gelu_tanh_backward not written yet"); }
}
