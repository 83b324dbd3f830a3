// Every popcount kernel variant gives the same intersection counts as a bit-by-bit reference, for the common widths
// and for edge widths (1 word, partial AVX2/AVX-512 vectors, long rows past the AVX2 byte-accumulator flush).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>
#include <vector>

#include "core/error.h"
#include "search/tanimoto_kernels.h"

using namespace hitforge::search;

namespace {
std::vector<std::uint64_t> random_words(std::size_t n, std::mt19937_64& rng, double density) {
  std::bernoulli_distribution bit(density);
  std::vector<std::uint64_t> w(n, 0);
  for (auto& x : w)
    for (int b = 0; b < 64; ++b)
      if (bit(rng)) x |= std::uint64_t{1} << b;
  return w;
}

std::uint32_t reference_count(const std::uint64_t* q, const std::uint64_t* r, std::size_t words) {
  std::uint32_t c = 0;
  for (std::size_t j = 0; j < words; ++j)
    for (int b = 0; b < 64; ++b) c += ((q[j] & r[j]) >> b) & 1;
  return c;
}
}  // namespace

TEST_CASE("all popcount kernels give identical counts on random data and edge widths", "[search]") {
  std::mt19937_64 rng(42);
  const auto kinds = supported_kernels();
  REQUIRE(kinds.front() == KernelKind::generic);
  INFO("kernels supported here: " << kinds.size());
  // 1..9 words cover every partial-vector tail; 16/32 the unrolled paths; 125 crosses the AVX2 flush (31 vectors).
  for (std::size_t words : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 32, 33, 125}) {
    for (double density : {0.0, 0.05, 0.5, 1.0}) {
      // Odd row counts exercise the 4-row unrolled loop's remainder; rows sit exactly at the end of the buffer
      // so that an over-read of a masked tail would be caught by ASan.
      const std::size_t n = 37;
      auto q = random_words(words, rng, density == 0.0 ? 0.5 : density);
      auto rows = random_words(n * words, rng, density);
      std::vector<std::uint32_t> want(n);
      for (std::size_t i = 0; i < n; ++i) want[i] = reference_count(q.data(), rows.data() + i * words, words);
      for (KernelKind k : kinds) {
        std::vector<std::uint32_t> got(n, 12345);
        kernel_for(k)(q.data(), rows.data(), n, words, got.data());
        INFO("kernel " << to_string(k) << ", words " << words << ", density " << density);
        CHECK(got == want);
      }
    }
  }
}

TEST_CASE("a fully set 2048-bit row intersected with itself counts 2048 in every kernel", "[search]") {
  std::vector<std::uint64_t> ones(32, ~std::uint64_t{0});
  for (KernelKind k : supported_kernels()) {
    std::uint32_t c = 0;
    kernel_for(k)(ones.data(), ones.data(), 1, 32, &c);
    CHECK(c == 2048);
  }
  CHECK(popcount_words(ones.data(), 32) == 2048);
}

TEST_CASE("kernel names parse, unknown names and unsupported kernels are usage errors", "[search]") {
  for (KernelKind k : {KernelKind::generic, KernelKind::popcnt, KernelKind::avx2, KernelKind::avx512})
    CHECK(parse_kernel_kind(to_string(k)) == k);
  CHECK_THROWS_AS(parse_kernel_kind("sse9"), hitforge::core::UsageError);
  CHECK(kernel_supported(KernelKind::generic));
  for (KernelKind k : {KernelKind::popcnt, KernelKind::avx2, KernelKind::avx512})
    if (!kernel_supported(k)) CHECK_THROWS_AS(kernel_for(k), hitforge::core::UsageError);
  // The default is the fastest supported variant unless the environment forces one.
  if (!std::getenv(kKernelEnv)) CHECK(default_kernel_kind() == supported_kernels().back());
}
