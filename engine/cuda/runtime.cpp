// engine/cuda/runtime.h on the CUDA runtime API (cudart), which plain C++ can call.
#include "engine/cuda/runtime.h"

#include <string>

#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include "engine/error.h"

namespace candor::cuda {

namespace {

std::string describe(cudaError_t e) {
  return fmt::format("{} ({})", cudaGetErrorString(e), cudaGetErrorName(e));
}

// Why CUDA cannot be used, empty when it can: asked once per process.
const std::string& unavailable_reason() {
  static const std::string reason = [] {
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
      cudaGetLastError();  // clear it, so it is not reported again by an unrelated call
      return describe(e);
    }
    return count > 0 ? std::string() : std::string("the runtime found none");
  }();
  return reason;
}

void* raw_allocate(std::size_t bytes) {
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, bytes);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    return nullptr;  // the caching allocator frees its cache and retries, then reports
  }
  if (e != cudaSuccess) throw DeviceError("cuda: cudaMalloc failed: " + describe(e));
  return p;
}

// cudaFree fails only on a context already broken by an earlier error (which that call
// reported) or torn down at exit; there is nothing left to do with the block then.
void raw_free(void* p) { cudaFree(p); }

// Never destroyed: tensors that outlive static destruction still return their blocks.
CachingAllocator& allocator() {
  static auto* instance = new CachingAllocator("cuda", {raw_allocate, raw_free});
  return *instance;
}

}  // namespace

bool built_with_cuda() { return true; }
bool is_available() { return unavailable_reason().empty(); }

void require() {
  if (!is_available()) throw DeviceError("cuda: no CUDA device: " + unavailable_reason());
}

void* allocate(std::size_t bytes) {
  require();
  return allocator().allocate(bytes);
}
void free(void* p) { allocator().free(p); }
CachingAllocator::Stats memory_stats() { return allocator().stats(); }
void reset_peak_memory_stats() { allocator().reset_peak(); }
void empty_cache() { allocator().empty_cache(); }

void synchronize() {
  require();
  cudaError_t e = cudaDeviceSynchronize();
  if (e != cudaSuccess) throw DeviceError("cuda: synchronize failed: " + describe(e));
}

void copy(void* dst, Device dst_device, const void* src, Device src_device, std::size_t bytes) {
  require();
  cudaMemcpyKind kind = src_device == Device::CPU
                            ? (dst_device == Device::CPU ? cudaMemcpyHostToHost : cudaMemcpyHostToDevice)
                            : (dst_device == Device::CPU ? cudaMemcpyDeviceToHost : cudaMemcpyDeviceToDevice);
  // cudaMemcpy on the default stream waits for the work queued before it, and returns when the
  // copy is done (or, from pageable host memory, once the source has been read).
  cudaError_t e = cudaMemcpy(dst, src, bytes, kind);
  if (e != cudaSuccess) {
    throw DeviceError(fmt::format("cuda: copy of {} bytes from {} to {} failed: {}", bytes,
                                  device_name(src_device), device_name(dst_device), describe(e)));
  }
}

}  // namespace candor::cuda
