#include "engine/caching_allocator.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor {

namespace {
constexpr std::size_t kSmallRound = 512;               // PyTorch's kMinBlockSize
constexpr std::size_t kSmallLimit = std::size_t{1} << 20;  // PyTorch's kSmallSize: 1 MiB
constexpr std::size_t kLargeRound = std::size_t{2} << 20;  // PyTorch's kRoundLarge: 2 MiB

std::size_t round_up(std::size_t bytes, std::size_t multiple) {
  return (bytes + multiple - 1) / multiple * multiple;
}
}  // namespace

std::size_t CachingAllocator::size_class(std::size_t bytes) {
  if (bytes < kSmallLimit) return round_up(std::max<std::size_t>(bytes, 1), kSmallRound);
  return round_up(bytes, kLargeRound);
}

CachingAllocator::CachingAllocator(std::string device, RawAllocator raw)
    : device_(std::move(device)), raw_(std::move(raw)) {}

CachingAllocator::~CachingAllocator() { release_cached_locked(); }

void* CachingAllocator::allocate(std::size_t bytes) {
  const std::size_t size = size_class(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  void* p = nullptr;
  auto it = free_.find(size);
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    stats_.cached -= size;
  } else {
    p = raw_.allocate(size);
    if (p == nullptr && stats_.cached > 0) {
      release_cached_locked();  // the cache may hold what is missing: give it back, try once more
      p = raw_.allocate(size);
    }
    if (p == nullptr) {
      throw DeviceError(fmt::format("{}: out of memory allocating {} bytes (a block of {}) with {} "
                                    "bytes in use", device_, bytes, size, stats_.in_use));
    }
  }
  in_use_.emplace(p, size);
  stats_.in_use += size;
  stats_.peak_in_use = std::max(stats_.peak_in_use, stats_.in_use);
  return p;
}

void CachingAllocator::free(void* p) {
  if (p == nullptr) return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = in_use_.find(p);
  if (it == in_use_.end()) {
    throw DeviceError(fmt::format("{}: free of {} that is not an allocated block (freed twice, or "
                                  "from another allocator)", device_, p));
  }
  const std::size_t size = it->second;
  in_use_.erase(it);
  stats_.in_use -= size;
  free_[size].push_back(p);
  stats_.cached += size;
}

CachingAllocator::Stats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void CachingAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.peak_in_use = stats_.in_use;
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_cached_locked();
}

void CachingAllocator::release_cached_locked() {
  for (auto& [size, blocks] : free_) {
    for (void* p : blocks) raw_.free(p);
  }
  free_.clear();
  stats_.cached = 0;
}

}  // namespace candor
