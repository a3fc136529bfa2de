// TEMPORARY stubs: replaced by the kernels.
#include "engine/cuda/cuda_backend.h"
#include "engine/error.h"
namespace candor::cuda {
void CudaBackend::permute(const Tensor&, const std::vector<int64_t>&, Tensor&) { throw DeviceError("cuda: permute not written yet"); }
void CudaBackend::read_slice(const Tensor&, int64_t, int64_t, int64_t, Tensor&) { throw DeviceError("cuda: read_slice not written yet"); }
void CudaBackend::write_slice(const Tensor&, int64_t, int64_t, int64_t, Tensor&) { throw DeviceError("cuda: write_slice not written yet"); }
void CudaBackend::index_select(const Tensor&, int64_t, const Tensor&, Tensor&) { throw DeviceError("cuda: index_select not written yet"); }
void CudaBackend::index_add(Tensor&, int64_t, const Tensor&, const Tensor&) { throw DeviceError("cuda: index_add not written yet"); }
void CudaBackend::gather(const Tensor&, int64_t, const Tensor&, Tensor&) { throw DeviceError("cuda: gather not written yet"); }
void CudaBackend::scatter_add(Tensor&, int64_t, const Tensor&, const Tensor&) { throw DeviceError("cuda: scatter_add not written yet"); }
}
