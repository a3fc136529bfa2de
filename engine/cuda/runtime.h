// candor's use of the CUDA runtime: is there a device, device memory through the caching
// allocator, and copies between host and device. Declared whether or not candor is built with
// CUDA: runtime.cpp implements it on the CUDA runtime API (-DCANDOR_CUDA=AUTO finding the
// toolkit, or ON), absent.cpp without CUDA (-DCANDOR_CUDA=OFF), where every call but
// built_with_cuda and is_available throws. One device (device 0) and one stream (the default
// stream) for now; see caching_allocator.h for why one stream keeps the allocator simple.
#pragma once

#include <cstddef>

#include "engine/caching_allocator.h"
#include "engine/dtype.h"

namespace candor {
class Backend;
}

namespace candor::cuda {

bool built_with_cuda();
// Built with CUDA and a device present, as torch.cuda.is_available().
bool is_available();
// Throws a DeviceError saying why CUDA cannot be used: "candor was built without CUDA
// (-DCANDOR_CUDA=OFF)" or "no CUDA device: <the runtime's own words>".
void require();

// The kernel table on the GPU (engine/cuda/cuda_backend.h); throws as require() does.
Backend& backend();

// Whether float32 GEMMs (matmul, attention scores) may use TF32 tensor cores: 10-bit mantissa
// products, several times faster, about 1e-3 relative error. Off by default, as
// torch.backends.cuda.matmul.allow_tf32. set_allow_tf32 throws as require() does in a build
// without CUDA.
void set_allow_tf32(bool allow);
bool allow_tf32();

// Device memory from the caching allocator (require() first).
void* allocate(std::size_t bytes);
void free(void* p);
CachingAllocator::Stats memory_stats();
void reset_peak_memory_stats();
void empty_cache();

// Waits until every kernel and copy queued on the GPU has finished (cudaDeviceSynchronize): for
// timing, since kernels run asynchronously to the host.
void synchronize();

// Copies `bytes` between two buffers on the given devices (at least one of them the GPU), after
// the work queued before it. It returns once the source may be reused, and when the destination
// is the host, once the data is there (CUDA's "API synchronization behavior" for cudaMemcpy).
void copy(void* dst, Device dst_device, const void* src, Device src_device, std::size_t bytes);

}  // namespace candor::cuda
