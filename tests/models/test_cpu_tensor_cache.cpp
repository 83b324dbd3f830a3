// core/cpu_tensor_cache.h lives in hitforge_core_torch; its tests run here, in the first test program that links
// LibTorch. Installing it changes the allocator of this whole test process, which the other models tests then use.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cstdint>

#include "core/cpu_tensor_cache.h"

using hitforge::core::cpu_tensor_cache_stats;
using hitforge::core::install_cpu_tensor_cache;

TEST_CASE("CPU tensor cache hands a freed block of the same size class to the next tensor", "[models]") {
  install_cpu_tensor_cache();
  REQUIRE(hitforge::core::cpu_tensor_cache_installed());
  void* first = nullptr;
  {
    auto a = torch::full({1'050'000 / 4}, 3.0f);  // 1.05 MB: the 1.25 MiB class
    first = a.data_ptr();
    CHECK(reinterpret_cast<std::uintptr_t>(first) % 64 == 0);
    CHECK(a.sum().item<float>() == 3.0f * (1'050'000 / 4));
  }
  const auto before = cpu_tensor_cache_stats();
  CHECK(before.cached_bytes >= 1'250'000);
  {
    auto b = torch::zeros({1'200'000 / 4});  // 1.2 MB: the same class, so the same block
    const auto during = cpu_tensor_cache_stats();
    CHECK(b.data_ptr() == first);
    CHECK(during.hits == before.hits + 1);
    CHECK(during.cached_bytes == before.cached_bytes - 1'310'720);  // 1.25 MiB
    CHECK(b.abs().sum().item<float>() == 0.0f);  // zeros() writes its memory: no stale values show
  }
  // Small tensors are not cached; a zero-size tensor has no block.
  const auto small_before = cpu_tensor_cache_stats();
  { auto s = torch::ones({100}); CHECK(s.sum().item<float>() == 100.0f); }
  { auto e = torch::empty({0}); CHECK(e.numel() == 0); }
  CHECK(cpu_tensor_cache_stats().cached_bytes == small_before.cached_bytes);
  CHECK(cpu_tensor_cache_stats().hits == small_before.hits);
}

TEST_CASE("CPU tensor cache returns blocks beyond its limit to the system", "[models]") {
  install_cpu_tensor_cache(0);  // nothing more may be held
  const auto before = cpu_tensor_cache_stats();
  { auto a = torch::ones({4 << 20}); CHECK(a.sum().item<float>() == float(4 << 20)); }  // 16 MiB, a fresh class
  CHECK(cpu_tensor_cache_stats().cached_bytes == before.cached_bytes);
  install_cpu_tensor_cache();  // the default limit again
  { auto a = torch::ones({4 << 20}); }
  CHECK(cpu_tensor_cache_stats().cached_bytes == before.cached_bytes + (std::size_t{16} << 20));
}
