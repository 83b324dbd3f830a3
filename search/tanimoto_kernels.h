#pragma once
// Intersection-popcount kernels for Tanimoto search over packed binary fingerprints (RDKit-free).
//
// A fingerprint of `bits` bits is stored as `words = ceil(bits / 64)` little-endian 64-bit words: bit b is bit
// b % 64 of word b / 64 (this is exactly the dataset format's LSB-first byte packing read as uint64 on x86-64);
// bits past `bits` are zero. Tanimoto(q, d) = |q ∧ d| / (|q| + |d| − |q ∧ d|); the kernels compute |q ∧ d| for one
// query against a contiguous block of rows, and the caller turns counts into similarities.
//
// Variants (one binary runs on any x86-64; each variant is compiled with a GCC target attribute and chosen at run
// time with __builtin_cpu_supports):
//   generic  __builtin_popcountll compiled for baseline x86-64 (a libgcc bit-twiddling routine),
//   popcnt   the same loop with the POPCNT instruction,
//   avx2     Muła's nibble-lookup popcount (vpshufb) with byte accumulators reduced by vpsadbw,
//   avx512   AVX-512F + VPOPCNTDQ (vpopcntq on 8 words at a time; masked loads for a partial last vector).
// All variants return identical counts for every width (tests/search/test_tanimoto_kernels.cpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hitforge::search {

/// counts[i] = popcount(query ∧ rows[i]) for i in [0, n_rows). `query`: `words` uint64; `rows`: n_rows × words
/// uint64, row-major and contiguous (row i starts at rows + i·words); `counts`: room for n_rows. `words` >= 1.
/// No alignment is required; 64-byte-aligned rows avoid split loads. Thread-safe (pure function).
using IntersectKernel = void (*)(const std::uint64_t* query, const std::uint64_t* rows, std::size_t n_rows,
                                 std::size_t words, std::uint32_t* counts);

enum class KernelKind { generic, popcnt, avx2, avx512 };

const char* to_string(KernelKind kind);
/// "generic", "popcnt", "avx2", "avx512"; throws core::UsageError listing the names otherwise.
KernelKind parse_kernel_kind(const std::string& name);
/// Whether this CPU (and OS) can run the variant.
bool kernel_supported(KernelKind kind);
/// Supported variants, slowest first.
std::vector<KernelKind> supported_kernels();
/// The kernel of a variant; throws core::UsageError when the CPU does not support it.
IntersectKernel kernel_for(KernelKind kind);

/// Name of the environment variable that forces a variant (for benchmarking): HITFORGE_POPCOUNT_KERNEL.
inline constexpr const char* kKernelEnv = "HITFORGE_POPCOUNT_KERNEL";
/// The variant used by default, chosen once per process: $HITFORGE_POPCOUNT_KERNEL if set (UsageError if unknown
/// or unsupported), else the fastest supported one.
KernelKind default_kernel_kind();
IntersectKernel default_kernel();

/// popcount of `words` uint64 words (scalar; for queries and index building, not the hot loop).
std::uint32_t popcount_words(const std::uint64_t* w, std::size_t words);

}  // namespace hitforge::search
