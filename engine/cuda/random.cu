// TEMPORARY stubs: replaced by the kernels.
#include "engine/cuda/cuda_backend.h"
#include "engine/error.h"
namespace candor::cuda {
void CudaBackend::random(RandomKind, const Generator&, uint64_t, double, double, Tensor&) { throw DeviceError("cuda: random not written yet"); }
}
