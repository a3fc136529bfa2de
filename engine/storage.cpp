#include "engine/storage.h"

#include <cstdlib>
#include <new>

namespace candor {

Storage::Storage(std::size_t bytes, Device device) : bytes_(bytes), device_(device) {
  // aligned_alloc wants a multiple of the alignment; keep at least one line so data() is never null.
  std::size_t rounded = ((bytes + 63) / 64) * 64;
  if (rounded == 0) rounded = 64;
  data_ = std::aligned_alloc(64, rounded);
  if (data_ == nullptr) throw std::bad_alloc();
}

Storage::~Storage() { std::free(data_); }

}  // namespace candor
