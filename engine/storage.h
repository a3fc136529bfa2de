// A reference-counted buffer: 64-byte-aligned host memory for the CPU, a block of the caching
// allocator (engine/cuda/runtime.h) for CUDA. Tensors that are views of one another share it.
#pragma once

#include <cstddef>
#include <memory>

#include "engine/dtype.h"

namespace candor {

class Storage {
 public:
  Storage(std::size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() { return data_; }
  const void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  Device device_;
};

// Returns the host buffers kept for reuse (see storage.cpp) to the system; cuda::empty_cache()
// does the same for the GPU.
void release_cached_memory();

}  // namespace candor
