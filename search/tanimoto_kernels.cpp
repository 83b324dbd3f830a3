#include "search/tanimoto_kernels.h"

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() (self-initialised on purpose), which it then reports
// as -Wmaybe-uninitialized wherever they are inlined; the state must be set before the header is read.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdlib>

#include "core/error.h"

namespace hitforge::search {

namespace {

// Every variant specialises the two common widths (1024 and 2048 bits: 16 and 32 words) so that the inner loop is
// fully unrolled with the query held in registers; kWords == 0 is the run-time-width path (any width, e.g. MACCS'
// 167 bits = 3 words).
constexpr std::size_t kRuntime = 0;

// ---- scalar: one body, two targets (GCC inlines a default-target body into a wider-target caller) ----
template <std::size_t kWords>
__attribute__((always_inline)) inline void scalar_rows(const std::uint64_t* q, const std::uint64_t* rows,
                                                       std::size_t n, std::size_t words, std::uint32_t* counts) {
  const std::size_t w = kWords ? kWords : words;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t* r = rows + i * w;
    std::uint32_t c = 0;
    for (std::size_t j = 0; j < w; ++j) c += static_cast<std::uint32_t>(__builtin_popcountll(q[j] & r[j]));
    counts[i] = c;
  }
}

void generic_kernel(const std::uint64_t* q, const std::uint64_t* rows, std::size_t n, std::size_t words,
                    std::uint32_t* counts) {
  switch (words) {
    case 16: return scalar_rows<16>(q, rows, n, words, counts);
    case 32: return scalar_rows<32>(q, rows, n, words, counts);
    default: return scalar_rows<kRuntime>(q, rows, n, words, counts);
  }
}

__attribute__((target("popcnt"))) void popcnt_kernel(const std::uint64_t* q, const std::uint64_t* rows,
                                                     std::size_t n, std::size_t words, std::uint32_t* counts) {
  switch (words) {
    case 16: return scalar_rows<16>(q, rows, n, words, counts);
    case 32: return scalar_rows<32>(q, rows, n, words, counts);
    default: return scalar_rows<kRuntime>(q, rows, n, words, counts);
  }
}

// ---- AVX2: nibble lookup (vpshufb), byte counts accumulated, then vpsadbw into 64-bit lanes ----
#define HITFORGE_AVX2 __attribute__((target("avx2,popcnt")))

HITFORGE_AVX2 inline __m256i popcount_bytes(__m256i v) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,  //
                                       0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i lo = _mm256_and_si256(v, low);
  __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
  return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
}

HITFORGE_AVX2 inline std::uint64_t hsum_epi64(__m256i v) {
  __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi64(s, _mm_unpackhi_epi64(s, s));
  return static_cast<std::uint64_t>(_mm_cvtsi128_si64(s));
}

template <std::size_t kWords>
HITFORGE_AVX2 inline void avx2_rows(const std::uint64_t* q, const std::uint64_t* rows, std::size_t n,
                                    std::size_t words, std::uint32_t* counts) {
  const std::size_t w = kWords ? kWords : words;
  const std::size_t vecs = w / 4, tail = w % 4;
  const __m256i zero = _mm256_setzero_si256();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t* r = rows + i * w;
    __m256i acc64 = zero;
    // A byte lane gains at most 8 per vector: flush to 64-bit lanes every 31 vectors (31 · 8 = 248 < 256).
    for (std::size_t j0 = 0; j0 < vecs; j0 += 31) {
      const std::size_t j1 = j0 + 31 < vecs ? j0 + 31 : vecs;
      __m256i acc8 = zero;
      for (std::size_t j = j0; j < j1; ++j) {
        __m256i x = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 4 * j)),
                                     _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + 4 * j)));
        acc8 = _mm256_add_epi8(acc8, popcount_bytes(x));
      }
      acc64 = _mm256_add_epi64(acc64, _mm256_sad_epu8(acc8, zero));
    }
    std::uint64_t c = hsum_epi64(acc64);
    for (std::size_t j = 4 * vecs; j < 4 * vecs + tail; ++j) c += static_cast<std::uint64_t>(__builtin_popcountll(q[j] & r[j]));
    counts[i] = static_cast<std::uint32_t>(c);
  }
}

HITFORGE_AVX2 void avx2_kernel(const std::uint64_t* q, const std::uint64_t* rows, std::size_t n, std::size_t words,
                               std::uint32_t* counts) {
  switch (words) {
    case 16: return avx2_rows<16>(q, rows, n, words, counts);
    case 32: return avx2_rows<32>(q, rows, n, words, counts);
    default: return avx2_rows<kRuntime>(q, rows, n, words, counts);
  }
}

// ---- AVX-512 VPOPCNTDQ: vpopcntq on 8 words, 64-bit lane accumulators, masked loads for the last vector ----
#define HITFORGE_AVX512 __attribute__((target("avx512f,avx512vpopcntdq,popcnt")))

// Horizontal sum of 8 uint64 lanes: fold 512 → 256 bits, then the AVX2 sum.
HITFORGE_AVX512 inline std::uint32_t hsum512(__m512i v) {
  __m512i t = _mm512_add_epi64(v, _mm512_shuffle_i64x2(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  return static_cast<std::uint32_t>(hsum_epi64(_mm512_castsi512_si256(t)));
}

HITFORGE_AVX512 inline __m512i and_popcount(const std::uint64_t* a, const std::uint64_t* b) {
  return _mm512_popcnt_epi64(_mm512_and_si512(_mm512_loadu_si512(a), _mm512_loadu_si512(b)));
}

// Per-row vector of 8 partial counts (one per 64-bit lane).
template <std::size_t kVecs>
HITFORGE_AVX512 inline __m512i avx512_row_lanes(const __m512i (&qv)[kVecs], const std::uint64_t* r) {
  __m512i acc = _mm512_popcnt_epi64(_mm512_and_si512(qv[0], _mm512_loadu_si512(r)));
  for (std::size_t j = 1; j < kVecs; ++j)
    acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_and_si512(qv[j], _mm512_loadu_si512(r + 8 * j))));
  return acc;
}

// [a.l0 + a.l1, a.l2 + a.l3, b.l0 + b.l1, b.l2 + b.l3] over 128-bit lanes l0..l3.
HITFORGE_AVX512 inline __m512i fold(__m512i a, __m512i b) {
  return _mm512_add_epi64(_mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(2, 0, 2, 0)),
                          _mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
}

// Sums each of 8 row vectors into one lane of the result (a transpose-and-add tree: 7 shuffles and 7 adds for 8
// rows instead of a full horizontal reduction per row). Lane i of the result is the total of v[i].
HITFORGE_AVX512 inline __m512i transpose_sum8(const __m512i (&v)[8]) {
  // Pairs: 128-bit lane k of t[p] = (row 2p, row 2p+1) partial sums over qwords 2k, 2k+1.
  __m512i t[4];
  for (int p = 0; p < 4; ++p)
    t[p] = _mm512_add_epi64(_mm512_unpacklo_epi64(v[2 * p], v[2 * p + 1]),
                            _mm512_unpackhi_epi64(v[2 * p], v[2 * p + 1]));
  // Quads: lanes [(r0,r1) half A, (r0,r1) half B, (r2,r3) half A, (r2,r3) half B].
  __m512i u0 = fold(t[0], t[1]), u1 = fold(t[2], t[3]);
  return fold(u0, u1);  // lanes: (r0,r1), (r2,r3), (r4,r5), (r6,r7)
}

template <std::size_t kVecs>
HITFORGE_AVX512 inline std::uint32_t avx512_row(const __m512i (&qv)[kVecs], const std::uint64_t* r) {
  return hsum512(avx512_row_lanes(qv, r));
}

// Fixed width, a multiple of 8 words: the query lives in registers; eight rows per iteration, reduced together.
template <std::size_t kWords>
HITFORGE_AVX512 inline void avx512_rows_fixed(const std::uint64_t* q, const std::uint64_t* rows, std::size_t n,
                                              std::uint32_t* counts) {
  static_assert(kWords % 8 == 0 && kWords > 0, "fixed AVX-512 path needs whole vectors");
  constexpr std::size_t kVecs = kWords / 8;
  __m512i qv[kVecs];
  for (std::size_t j = 0; j < kVecs; ++j) qv[j] = _mm512_loadu_si512(q + 8 * j);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t* r = rows + i * kWords;
    __m512i v[8];
    for (int k = 0; k < 8; ++k) v[k] = avx512_row_lanes(qv, r + k * kWords);
    // Counts are at most 64 · kWords, so narrowing the 64-bit sums to 32 bits is exact.
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(counts + i), _mm512_cvtepi64_epi32(transpose_sum8(v)));
  }
  for (; i < n; ++i) counts[i] = avx512_row(qv, rows + i * kWords);
}

HITFORGE_AVX512 void avx512_rows_any(const std::uint64_t* q, const std::uint64_t* rows, std::size_t n,
                                     std::size_t words, std::uint32_t* counts) {
  const std::size_t vecs = words / 8, rem = words % 8;
  const __mmask8 mask = static_cast<__mmask8>((1u << rem) - 1u);
  const __m512i qtail = _mm512_maskz_loadu_epi64(mask, q + 8 * vecs);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t* r = rows + i * words;
    __m512i acc = _mm512_setzero_si512();
    for (std::size_t j = 0; j < vecs; ++j) acc = _mm512_add_epi64(acc, and_popcount(q + 8 * j, r + 8 * j));
    if (rem)  // masked-off lanes are not read, so the last row may end exactly at the end of its buffer
      acc = _mm512_add_epi64(
          acc, _mm512_popcnt_epi64(_mm512_and_si512(qtail, _mm512_maskz_loadu_epi64(mask, r + 8 * vecs))));
    counts[i] = hsum512(acc);
  }
}

HITFORGE_AVX512 void avx512_kernel(const std::uint64_t* q, const std::uint64_t* rows, std::size_t n,
                                   std::size_t words, std::uint32_t* counts) {
  switch (words) {
    case 16: return avx512_rows_fixed<16>(q, rows, n, counts);
    case 32: return avx512_rows_fixed<32>(q, rows, n, counts);
    default: return avx512_rows_any(q, rows, n, words, counts);
  }
}

}  // namespace

const char* to_string(KernelKind kind) {
  switch (kind) {
    case KernelKind::generic: return "generic";
    case KernelKind::popcnt: return "popcnt";
    case KernelKind::avx2: return "avx2";
    case KernelKind::avx512: return "avx512";
  }
  return "?";
}

KernelKind parse_kernel_kind(const std::string& name) {
  for (KernelKind k : {KernelKind::generic, KernelKind::popcnt, KernelKind::avx2, KernelKind::avx512})
    if (name == to_string(k)) return k;
  throw core::UsageError(core::str_cat("unknown popcount kernel '", name, "' (use generic, popcnt, avx2 or avx512)"));
}

bool kernel_supported(KernelKind kind) {
  __builtin_cpu_init();
  switch (kind) {
    case KernelKind::generic: return true;
    case KernelKind::popcnt: return __builtin_cpu_supports("popcnt");
    case KernelKind::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    case KernelKind::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq") &&
             __builtin_cpu_supports("popcnt");
  }
  return false;
}

std::vector<KernelKind> supported_kernels() {
  std::vector<KernelKind> out;
  for (KernelKind k : {KernelKind::generic, KernelKind::popcnt, KernelKind::avx2, KernelKind::avx512})
    if (kernel_supported(k)) out.push_back(k);
  return out;
}

IntersectKernel kernel_for(KernelKind kind) {
  HITFORGE_REQUIRE(kernel_supported(kind), "popcount kernel '", to_string(kind), "' is not supported by this CPU");
  switch (kind) {
    case KernelKind::generic: return generic_kernel;
    case KernelKind::popcnt: return popcnt_kernel;
    case KernelKind::avx2: return avx2_kernel;
    case KernelKind::avx512: return avx512_kernel;
  }
  HITFORGE_CHECK(false, "unhandled kernel kind");
  return nullptr;
}

KernelKind default_kernel_kind() {
  // Chosen once; a function-local static is initialised thread-safely (and a throw leaves it uninitialised, so an
  // invalid environment value is reported on every call).
  static const KernelKind kind = [] {
    if (const char* forced = std::getenv(kKernelEnv); forced && *forced) {
      KernelKind k = parse_kernel_kind(forced);
      HITFORGE_REQUIRE(kernel_supported(k), kKernelEnv, "=", forced, ": this CPU does not support that kernel");
      return k;
    }
    return supported_kernels().back();
  }();
  return kind;
}

IntersectKernel default_kernel() { return kernel_for(default_kernel_kind()); }

std::uint32_t popcount_words(const std::uint64_t* w, std::size_t words) {
  std::uint32_t c = 0;
  for (std::size_t j = 0; j < words; ++j) c += static_cast<std::uint32_t>(__builtin_popcountll(w[j]));
  return c;
}

}  // namespace hitforge::search
