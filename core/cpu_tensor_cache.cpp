#include "core/cpu_tensor_cache.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include <c10/core/CPUAllocator.h>

namespace hitforge::core {
namespace {

// Torch expects 64-byte aligned CPU data; the block header sits in the 64 bytes before it, so a data pointer alone
// (all a deleter receives) finds its size class.
constexpr std::size_t kAlign = 64;
constexpr std::size_t kMinCached = std::size_t{256} << 10;

struct Header {
  std::size_t class_bytes;  // 0: not cached, freed to the system
};
static_assert(sizeof(Header) <= kAlign);

// Four classes per power of two (at most 25% rounding): n rounded up to a multiple of 2^(floor(log2 n) - 2).
std::size_t size_class(std::size_t n) {
  int e = 63 - __builtin_clzll(n);
  std::size_t q = std::size_t{1} << (e - 2);
  return (n + q - 1) / q * q;
}

struct State {
  std::mutex mutex;
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;  // class bytes -> data pointers
  std::size_t max_cached = 0;
  CpuTensorCacheStats stats;
};

// Never destroyed: tensors may be freed by static destructors after main returns.
State& state() {
  static State* s = new State;
  return *s;
}

void* allocate_block(std::size_t payload, std::size_t class_bytes) {
  void* base = nullptr;
  if (posix_memalign(&base, kAlign, kAlign + payload) != 0) throw std::bad_alloc();
  static_cast<Header*>(base)->class_bytes = class_bytes;
  return static_cast<char*>(base) + kAlign;
}

void release(void* data) {
  if (data == nullptr) return;
  void* base = static_cast<char*>(data) - kAlign;
  std::size_t cls = static_cast<Header*>(base)->class_bytes;
  if (cls != 0) {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.stats.cached_bytes + cls <= s.max_cached) {
      s.free_blocks[cls].push_back(data);
      s.stats.cached_bytes += cls;
      return;
    }
  }
  std::free(base);
}

class CpuTensorCache final : public c10::Allocator {
 public:
  c10::DataPtr allocate(std::size_t n) const override {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (n == 0) return {nullptr, nullptr, &release, cpu};
    void* data = nullptr;
    if (n < kMinCached) {
      data = allocate_block(n, 0);
    } else {
      const std::size_t cls = size_class(n);
      {
        State& s = state();
        std::lock_guard<std::mutex> lock(s.mutex);
        auto it = s.free_blocks.find(cls);
        if (it != s.free_blocks.end() && !it->second.empty()) {
          data = it->second.back();
          it->second.pop_back();
          s.stats.cached_bytes -= cls;
          ++s.stats.hits;
        } else {
          ++s.stats.misses;
        }
      }
      if (data == nullptr) data = allocate_block(cls, cls);
    }
    return {data, data, &release, cpu};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
};

bool g_installed = false;

}  // namespace

void install_cpu_tensor_cache(std::size_t max_cached_bytes) {
  State& s = state();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.max_cached = max_cached_bytes;
  }
  if (g_installed) return;
  static CpuTensorCache* cache = new CpuTensorCache;  // torch keeps the pointer for the rest of the process
  // Priority above the default allocator's, so a later registration at the default priority does not replace it.
  c10::SetCPUAllocator(cache, /*priority=*/1);
  g_installed = true;
}

bool cpu_tensor_cache_installed() { return g_installed; }

CpuTensorCacheStats cpu_tensor_cache_stats() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.stats;
}

}  // namespace hitforge::core
