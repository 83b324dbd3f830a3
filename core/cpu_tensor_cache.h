#pragma once
// A caching allocator for LibTorch's CPU tensors: freed blocks of 256 KiB and more are kept in size classes and
// handed out again, so that the activations of one batch reuse the pages of the previous one instead of paying
// first-touch page faults on fresh memory every batch (glibc returns large blocks of worker-thread arenas to the
// kernel; measured for D-MPNN inference: ~18% of the time in the kernel clearing pages).
#include <cstddef>

namespace hitforge::core {

struct CpuTensorCacheStats {
  std::size_t hits = 0;          ///< allocations served from the cache
  std::size_t misses = 0;        ///< cacheable allocations that went to the system
  std::size_t cached_bytes = 0;  ///< bytes in free blocks held now
};

/// Makes the cache torch's CPU allocator (once per process; later calls change only the limit). Tensors that
/// already exist keep their own deleter. `max_cached_bytes` bounds the free blocks held; a block freed beyond it
/// goes back to the system. Allocation and free are thread-safe.
void install_cpu_tensor_cache(std::size_t max_cached_bytes = std::size_t{1} << 30);
/// True once install_cpu_tensor_cache has run in this process.
bool cpu_tensor_cache_installed();
CpuTensorCacheStats cpu_tensor_cache_stats();

}  // namespace hitforge::core
