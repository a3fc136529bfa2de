#include "engine/storage.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "engine/cuda/runtime.h"

namespace candor {

namespace {

// g++ defines __SANITIZE_ADDRESS__ under -fsanitize=address; clang (16) answers __has_feature.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kUnderAddressSanitizer = true;
#else
constexpr bool kUnderAddressSanitizer = false;
#endif
#else
constexpr bool kUnderAddressSanitizer = false;
#endif

// Freed buffers are kept by size and handed out again. A training step allocates the same sizes
// every iteration; fresh memory from the OS costs a page fault per 4 KiB page, which was a third
// of an MLP training step at batch 4096 before this cache. At most kMaxCachedBytes are kept: a
// GPT-2 124M step on 4 x 128 tokens frees between 1 and 2 GiB (logits over 50257 words and their
// gradient, the tied embedding's gradients); with a 1 GiB limit the rest went back to the OS and
// was faulted in again every step (5% of the step), with 2 GiB it is reused, at the same peak.
// The cost: a loop whose sizes keep changing (generation without the KV cache) keeps up to 2 GiB
// of buffers it never reuses.
class BufferCache {
 public:
  void* take(std::size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= bytes;
        return p;
      }
    }
    void* p = std::aligned_alloc(64, bytes);
    if (p == nullptr) {
      release_all();  // memory may be held here: give it back and try once more
      p = std::aligned_alloc(64, bytes);
      if (p == nullptr) throw std::bad_alloc();
    }
    return p;
  }

  void give(void* p, std::size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_bytes_ + bytes <= kMaxCachedBytes) {
        free_[bytes].push_back(p);
        cached_bytes_ += bytes;
        return;
      }
    }
    std::free(p);
  }

  void release_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [bytes, buffers] : free_) {
      for (void* p : buffers) std::free(p);
    }
    free_.clear();
    cached_bytes_ = 0;
  }

 private:
  // Under AddressSanitizer every buffer is really freed, so use-after-free is caught.
  static constexpr std::size_t kMaxCachedBytes = kUnderAddressSanitizer ? 0 : std::size_t{2} << 30;
  std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<void*>> free_;
  std::size_t cached_bytes_ = 0;
};

// Never destroyed, so tensors that outlive static destruction can still return their buffers.
BufferCache& cache() {
  static auto* instance = new BufferCache();
  return *instance;
}

// aligned_alloc wants a multiple of the alignment; keep at least one line so data() is never null.
std::size_t rounded(std::size_t bytes) { return bytes == 0 ? 64 : ((bytes + 63) / 64) * 64; }

}  // namespace

Storage::Storage(std::size_t bytes, Device device) : bytes_(bytes), device_(device) {
  data_ = device == Device::CUDA ? cuda::allocate(bytes) : cache().take(rounded(bytes));
}

Storage::~Storage() {
  if (device_ == Device::CUDA) {
    cuda::free(data_);
  } else {
    cache().give(data_, rounded(bytes_));
  }
}

void release_cached_memory() { cache().release_all(); }

}  // namespace candor
