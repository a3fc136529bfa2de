// TEMPORARY stubs: replaced by the kernels.
#include "engine/cuda/cuda_backend.h"
#include "engine/error.h"
namespace candor::cuda {
void CudaBackend::attention_weights(const Tensor&, const Tensor&, double, bool, const Tensor&, Tensor&) { throw DeviceError("cuda: attention_weights not written yet"); }
void CudaBackend::attention_weights_backward(const Tensor&, const Tensor&, const Tensor&, const Tensor&, double, bool, const Tensor&, Tensor&, Tensor&) { throw DeviceError("cuda: attention_weights_backward not written yet"); }
}
