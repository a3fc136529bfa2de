// A caching allocator for device memory, after PyTorch's CUDACachingAllocator
// (c10/cuda/CUDACachingAllocator.cpp): cudaMalloc and cudaFree synchronise the device and cost
// far more than a kernel launch, so freed blocks are kept on free lists and handed out again.
// It knows nothing of CUDA: it draws on a raw allocate/free pair (cudaMalloc/cudaFree in
// engine/cuda/runtime.cpp, a host fake in the tests).
//
// Size classes: a request is rounded up to a multiple of 512 bytes below 1 MiB (PyTorch's
// kMinBlockSize and kSmallSize) and to a multiple of 2 MiB from 1 MiB up (PyTorch's kRoundLarge).
// Blocks are never split, so a block serves exactly its own class: small tensors waste under
// 512 bytes, and large activations whose sizes vary a little (sequence lengths, a last short
// batch) still land in a few classes and reuse one another's blocks.
//
// Stream ordering: candor issues all work for a device on one stream, in program order. A block
// freed on the host while kernels that use it are still queued can therefore be handed out at
// once: whatever the next owner queues runs after them. With several streams a block would have
// to remember the streams that used it (PyTorch's recordStream); candor has one.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace candor {

class CachingAllocator {
 public:
  // The device's own allocator: allocate returns nullptr when the device is out of memory (and
  // throws for any other failure); free returns a pointer allocate gave.
  struct RawAllocator {
    std::function<void*(std::size_t)> allocate;
    std::function<void(void*)> free;
  };
  // Bytes counted in whole blocks (requests rounded to their size class), as PyTorch's
  // memory_allocated / max_memory_allocated / memory_reserved.
  struct Stats {
    std::size_t in_use = 0;       // blocks handed out and not yet freed
    std::size_t peak_in_use = 0;  // the most in_use has been since construction or reset_peak
    std::size_t cached = 0;       // freed blocks kept for reuse
    std::size_t reserved() const { return in_use + cached; }  // all memory taken from the device
  };

  // `device` names the device in error messages ("cuda").
  CachingAllocator(std::string device, RawAllocator raw);
  ~CachingAllocator();  // returns the cached blocks; blocks still in use are the owners' to free
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // A block of at least `bytes` (one of 512 bytes for 0). When the device is out of memory, the
  // cache is returned to it and the allocation tried once more before a DeviceError naming the
  // request and the bytes in use.
  void* allocate(std::size_t bytes);
  // Puts a block back on its free list; a pointer this allocator did not hand out (or handed out
  // and already took back) is a DeviceError. free(nullptr) does nothing.
  void free(void* p);

  Stats stats() const;
  void reset_peak();   // peak_in_use = in_use
  void empty_cache();  // returns every cached block to the device

  static std::size_t size_class(std::size_t bytes);

 private:
  void release_cached_locked();

  std::string device_;
  RawAllocator raw_;
  mutable std::mutex mutex_;
  std::map<std::size_t, std::vector<void*>> free_;  // size class -> cached blocks
  std::unordered_map<void*, std::size_t> in_use_;   // block -> its size class
  Stats stats_;
};

}  // namespace candor
