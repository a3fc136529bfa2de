// The caching device allocator (engine/caching_allocator.h), driven by a fake raw allocator on the
// host that counts its calls and can be made to run out of memory.
#include <cstdlib>
#include <map>
#include <set>

#include <doctest/doctest.h>

#include "engine/caching_allocator.h"
#include "engine/error.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::testing;

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// A device of `capacity` bytes backed by malloc: allocate returns nullptr past the capacity.
struct FakeDevice {
  std::size_t capacity = 64 * kMiB;
  std::size_t used = 0;
  int allocations = 0, frees = 0;
  std::set<void*> live;
  std::map<void*, std::size_t> sizes;

  CachingAllocator::RawAllocator raw() {
    return {[this](std::size_t bytes) -> void* {
              if (used + bytes > capacity) return nullptr;
              void* p = std::malloc(bytes);
              used += bytes;
              ++allocations;
              live.insert(p);
              sizes[p] = bytes;
              return p;
            },
            [this](void* p) {
              REQUIRE(live.erase(p) == 1);
              used -= sizes[p];
              ++frees;
              std::free(p);
            }};
  }
};

}  // namespace

TEST_CASE("caching allocator: size classes are 512-byte multiples below 1 MiB, 2 MiB above") {
  CHECK(CachingAllocator::size_class(0) == 512);
  CHECK(CachingAllocator::size_class(1) == 512);
  CHECK(CachingAllocator::size_class(512) == 512);
  CHECK(CachingAllocator::size_class(513) == 1024);
  CHECK(CachingAllocator::size_class(kMiB - 1) == kMiB);
  CHECK(CachingAllocator::size_class(kMiB) == 2 * kMiB);
  CHECK(CachingAllocator::size_class(2 * kMiB) == 2 * kMiB);
  CHECK(CachingAllocator::size_class(2 * kMiB + 1) == 4 * kMiB);
  CHECK(CachingAllocator::size_class(5 * kMiB) == 6 * kMiB);
}

TEST_CASE("caching allocator: a freed block is reused for its size class, not others") {
  FakeDevice device;
  {
    CachingAllocator alloc("fake", device.raw());
    void* a = alloc.allocate(1000);  // class 1024
    alloc.free(a);
    CHECK(alloc.stats().cached == 1024);
    void* b = alloc.allocate(600);  // also class 1024: the same block, no new device allocation
    CHECK(b == a);
    CHECK(device.allocations == 1);
    CHECK(alloc.stats().cached == 0);
    void* c = alloc.allocate(2000);  // another class: a new block
    CHECK(c != a);
    CHECK(device.allocations == 2);
    alloc.free(b);
    alloc.free(c);
    CHECK(device.frees == 0);  // kept in the cache
  }
  CHECK(device.frees == 2);  // the destructor returned the cache
  CHECK(device.live.empty());
}

TEST_CASE("caching allocator: bytes in use, peak and reset_peak count whole blocks") {
  FakeDevice device;
  CachingAllocator alloc("fake", device.raw());
  void* a = alloc.allocate(100);      // 512
  void* b = alloc.allocate(3 * kMiB);  // 4 MiB
  CHECK(alloc.stats().in_use == 512 + 4 * kMiB);
  CHECK(alloc.stats().peak_in_use == 512 + 4 * kMiB);
  alloc.free(b);
  CHECK(alloc.stats().in_use == 512);
  CHECK(alloc.stats().peak_in_use == 512 + 4 * kMiB);
  CHECK(alloc.stats().cached == 4 * kMiB);
  CHECK(alloc.stats().reserved() == 512 + 4 * kMiB);
  alloc.reset_peak();
  CHECK(alloc.stats().peak_in_use == 512);
  alloc.free(a);
  CHECK(alloc.stats().in_use == 0);
  CHECK(alloc.stats().peak_in_use == 512);
}

TEST_CASE("caching allocator: empty_cache returns the cached blocks to the device") {
  FakeDevice device;
  CachingAllocator alloc("fake", device.raw());
  void* a = alloc.allocate(kMiB);
  void* b = alloc.allocate(10);
  alloc.free(a);
  alloc.empty_cache();
  CHECK(device.frees == 1);
  CHECK(alloc.stats().cached == 0);
  CHECK(alloc.stats().in_use == 512);  // b is still in use, and still valid
  CHECK(device.live.count(b) == 1);
  alloc.free(b);
}

TEST_CASE("caching allocator: out of memory frees the cache and retries once, then reports") {
  FakeDevice device;
  device.capacity = 8 * kMiB;
  CachingAllocator alloc("fake", device.raw());
  void* a = alloc.allocate(5 * kMiB);  // 6 MiB block
  alloc.free(a);                       // cached: the device has 2 MiB left
  void* b = alloc.allocate(3 * kMiB);  // 4 MiB: fails, the cache goes back, the retry succeeds
  CHECK(b != nullptr);
  CHECK(device.frees == 1);
  CHECK(alloc.stats().cached == 0);
  CHECK(alloc.stats().in_use == 4 * kMiB);
  check_throws<DeviceError>([&] { alloc.allocate(6 * kMiB); },
                            {"fake: out of memory allocating 6291456 bytes",
                             "a block of 6291456", "with 4194304 bytes in use"});
  CHECK(alloc.stats().in_use == 4 * kMiB);
  alloc.free(b);
}

TEST_CASE("caching allocator: double free and unknown pointers are errors") {
  FakeDevice device;
  CachingAllocator alloc("fake", device.raw());
  void* a = alloc.allocate(64);
  alloc.free(a);
  check_throws<DeviceError>([&] { alloc.free(a); }, {"fake: free of", "not an allocated block"});
  int local = 0;
  check_throws<DeviceError>([&] { alloc.free(&local); }, {"not an allocated block"});
  alloc.free(nullptr);  // allowed, as std::free
  CHECK(alloc.stats().cached == 512);
}

TEST_CASE("caching allocator: a failure other than out of memory reaches the caller unchanged") {
  CachingAllocator alloc("fake", {[](std::size_t) -> void* { throw DeviceError("fake: broken"); },
                                  [](void*) {}});
  check_throws<DeviceError>([&] { alloc.allocate(1); }, {"fake: broken"});
  CHECK(alloc.stats().in_use == 0);
}
