// engine/cuda/runtime.h for a build without CUDA (-DCANDOR_CUDA=OFF, or AUTO without the toolkit).
#include "engine/cuda/runtime.h"

#include "engine/error.h"

namespace candor::cuda {

bool built_with_cuda() { return false; }
bool is_available() { return false; }
namespace {
const char* const kBuiltWithout = "cuda: candor was built without CUDA (-DCANDOR_CUDA=OFF)";
}

void require() { throw DeviceError(kBuiltWithout); }
Backend& backend() { throw DeviceError(kBuiltWithout); }

void set_allow_tf32(bool) { require(); }
bool allow_tf32() { return false; }

void* allocate(std::size_t) {
  require();
  return nullptr;
}
// Nothing was allocated, so there is nothing to free.
void free(void*) {}
CachingAllocator::Stats memory_stats() { return {}; }
void reset_peak_memory_stats() {}
void empty_cache() {}
void synchronize() { require(); }
void copy(void*, Device, const void*, Device, std::size_t) { require(); }

}  // namespace candor::cuda
