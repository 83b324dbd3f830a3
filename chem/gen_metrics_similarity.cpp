#include "chem/gen_metrics_similarity.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#ifdef HITFORGE_HAVE_OPENMP
#include <omp.h>
#endif

#include "core/error.h"

namespace hitforge::chem {
namespace {

constexpr std::size_t kNoSkip = std::numeric_limits<std::size_t>::max();
// Below this many rows a parallel region costs more than it saves.
constexpr std::size_t kParallelRows = 256;

int thread_index() {
#ifdef HITFORGE_HAVE_OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

inline double tanimoto_from_counts(std::uint32_t a, std::uint32_t b, std::uint32_t common) {
  const std::uint32_t uni = a + b - common;
  return uni == 0 ? 1.0 : static_cast<double>(common) / static_cast<double>(uni);
}

// W > 0: the width is a compile-time constant (the loop unrolls; 16 and 64 words are the two widths used: Morgan
// 1024 for MOSES, 4096 for GuacaMol); W == 0: any width.
template <std::size_t W>
__attribute__((always_inline)) inline std::uint32_t and_count(const std::uint64_t* a, const std::uint64_t* b,
                                                              std::size_t words) {
  const std::size_t n = W ? W : words;
  std::uint32_t c = 0;
  for (std::size_t k = 0; k < n; ++k) c += static_cast<std::uint32_t>(__builtin_popcountll(a[k] & b[k]));
  return c;
}

// Row i of the upper triangle: T(i, j) for j > i, added to both rows' accumulators (acc_t, acc_t2 are this thread's
// private arrays over all rows, so no two threads write one element).
template <std::size_t W>
__attribute__((always_inline)) inline void sym_row_body(const std::uint64_t* fps, const std::uint32_t* counts,
                                                        std::size_t n, std::size_t words, std::size_t i, double* acc_t,
                                                        double* acc_t2) {
  const std::uint64_t* q = fps + i * words;
  const std::uint32_t qc = counts[i];
  double si = 0, si2 = 0;
  for (std::size_t j = i + 1; j < n; ++j) {
    const double t = tanimoto_from_counts(qc, counts[j], and_count<W>(q, fps + j * words, words));
    si += t;
    si2 += t * t;
    acc_t[j] += t;
    acc_t2[j] += t * t;
  }
  acc_t[i] += si;
  acc_t2[i] += si2;
}

template <std::size_t W>
__attribute__((always_inline)) inline double max_row_body(const std::uint64_t* q, std::uint32_t qc,
                                                          const std::uint64_t* rows, const std::uint32_t* counts,
                                                          std::size_t n, std::size_t words, std::size_t skip) {
  double best = 0;
  for (std::size_t j = 0; j < n; ++j) {
    if (j == skip) continue;
    best = std::max(best, tanimoto_from_counts(qc, counts[j], and_count<W>(q, rows + j * words, words)));
  }
  return best;
}

using SymRowFn = void (*)(const std::uint64_t*, const std::uint32_t*, std::size_t, std::size_t, std::size_t, double*,
                          double*);
using MaxRowFn = double (*)(const std::uint64_t*, std::uint32_t, const std::uint64_t*, const std::uint32_t*,
                            std::size_t, std::size_t, std::size_t);

// Two builds of each row kernel: baseline x86-64 compiles __builtin_popcountll to a libgcc bit-twiddling call
// (several times slower), the "popcnt" target to the instruction. The builtin is expanded after inlining, inside the
// caller's target, so the shared always_inline bodies above get the instruction in the popcnt variants.
template <std::size_t W>
void sym_row_generic(const std::uint64_t* f, const std::uint32_t* c, std::size_t n, std::size_t w, std::size_t i,
                     double* a, double* a2) {
  sym_row_body<W>(f, c, n, w, i, a, a2);
}
template <std::size_t W>
__attribute__((target("popcnt"))) void sym_row_popcnt(const std::uint64_t* f, const std::uint32_t* c, std::size_t n,
                                                      std::size_t w, std::size_t i, double* a, double* a2) {
  sym_row_body<W>(f, c, n, w, i, a, a2);
}
template <std::size_t W>
double max_row_generic(const std::uint64_t* q, std::uint32_t qc, const std::uint64_t* r, const std::uint32_t* c,
                       std::size_t n, std::size_t w, std::size_t skip) {
  return max_row_body<W>(q, qc, r, c, n, w, skip);
}
template <std::size_t W>
__attribute__((target("popcnt"))) double max_row_popcnt(const std::uint64_t* q, std::uint32_t qc,
                                                        const std::uint64_t* r, const std::uint32_t* c, std::size_t n,
                                                        std::size_t w, std::size_t skip) {
  return max_row_body<W>(q, qc, r, c, n, w, skip);
}

bool cpu_has_popcnt() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt") != 0;
  }();
  return has;
}

SymRowFn sym_row_for(std::size_t words) {
  const bool pc = cpu_has_popcnt();
  if (words == 16) return pc ? sym_row_popcnt<16> : sym_row_generic<16>;
  if (words == 64) return pc ? sym_row_popcnt<64> : sym_row_generic<64>;
  return pc ? sym_row_popcnt<0> : sym_row_generic<0>;
}

MaxRowFn max_row_for(std::size_t words) {
  const bool pc = cpu_has_popcnt();
  if (words == 16) return pc ? max_row_popcnt<16> : max_row_generic<16>;
  if (words == 64) return pc ? max_row_popcnt<64> : max_row_generic<64>;
  return pc ? max_row_popcnt<0> : max_row_generic<0>;
}

std::vector<std::uint32_t> popcounts(const FingerprintBlock& fps) {
  std::vector<std::uint32_t> counts(fps.size());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const std::uint64_t* r = fps.row(i);
    std::uint32_t c = 0;
    for (std::size_t k = 0; k < fps.words; ++k) c += static_cast<std::uint32_t>(__builtin_popcountll(r[k]));
    counts[i] = c;
  }
  return counts;
}

// max_j T(gen_i, ref_j) (j ≠ i when `self`), parallel over gen rows.
std::vector<double> max_rows(const FingerprintBlock& gen, const FingerprintBlock& ref, bool self, int threads) {
  const std::size_t n = gen.size(), m = ref.size();
  std::vector<double> best(n, 0.0);
  if (n == 0 || m == 0) return best;
  HITFORGE_CHECK(gen.words == ref.words, "fingerprint widths differ: ", gen.words, " vs ", ref.words, " words");
  const std::vector<std::uint32_t> gc = popcounts(gen), rc = popcounts(ref);
  const MaxRowFn kernel = max_row_for(gen.words);
  const auto nn = static_cast<long long>(n);
  // Pure arithmetic on preallocated arrays: nothing in the loop can throw.
#pragma omp parallel for schedule(dynamic, 16) \
    num_threads(threads) if (threads > 1 && n * m > kParallelRows * kParallelRows)
  for (long long ii = 0; ii < nn; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    best[i] = kernel(gen.row(i), gc[i], ref.data.data(), rc.data(), m, gen.words, self ? i : kNoSkip);
  }
  return best;
}

}  // namespace

void FingerprintBlock::append_bytes(const std::uint8_t* bytes) {
  const std::size_t at = data.size();
  data.resize(at + words);
  // The in-memory order of little-endian uint64 is the packed rows' LSB-first byte order.
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "packed fingerprints assume a little-endian host");
  std::memcpy(data.data() + at, bytes, words * sizeof(std::uint64_t));
}

double tanimoto(const std::uint64_t* a, const std::uint64_t* b, std::size_t words) {
  std::uint32_t ca = 0, cb = 0, cc = 0;
  for (std::size_t k = 0; k < words; ++k) {
    ca += static_cast<std::uint32_t>(__builtin_popcountll(a[k]));
    cb += static_cast<std::uint32_t>(__builtin_popcountll(b[k]));
    cc += static_cast<std::uint32_t>(__builtin_popcountll(a[k] & b[k]));
  }
  return tanimoto_from_counts(ca, cb, cc);
}

InternalSimilaritySums internal_similarity_sums(const FingerprintBlock& fps, int threads) {
  const std::size_t n = fps.size();
  InternalSimilaritySums out;
  out.sum_t.assign(n, 0.0);
  out.sum_t2.assign(n, 0.0);
  if (n == 0) return out;
  const std::vector<std::uint32_t> counts = popcounts(fps);
  const SymRowFn kernel = sym_row_for(fps.words);
  const int team = std::max(1, threads);
  // One private accumulator pair per thread (allocated here, outside the parallel region, so nothing inside it can
  // throw), summed afterwards: symmetric pairs are then computed once and still credited to both rows.
  std::vector<double> acc(static_cast<std::size_t>(team) * 2 * n, 0.0);
  const auto nn = static_cast<long long>(n);
  // Row i has n − i − 1 pairs: dynamic scheduling with small chunks evens out the triangle.
#pragma omp parallel num_threads(team) if (team > 1 && n > kParallelRows)
  {
    double* a = acc.data() + static_cast<std::size_t>(thread_index()) * 2 * n;
#pragma omp for schedule(dynamic, 8)
    for (long long ii = 0; ii < nn; ++ii)
      kernel(fps.data.data(), counts.data(), n, fps.words, static_cast<std::size_t>(ii), a, a + n);
  }
  for (int t = 0; t < team; ++t) {
    const double* a = acc.data() + static_cast<std::size_t>(t) * 2 * n;
    for (std::size_t i = 0; i < n; ++i) {
      out.sum_t[i] += a[i];
      out.sum_t2[i] += a[n + i];
    }
  }
  // The diagonal: T(i, i) = 1 for every fingerprint (an empty one is 0/0, which MOSES also counts as 1).
  for (std::size_t i = 0; i < n; ++i) {
    out.sum_t[i] += 1.0;
    out.sum_t2[i] += 1.0;
  }
  return out;
}

double internal_diversity(const InternalSimilaritySums& sums, int p) {
  HITFORGE_CHECK(p == 1 || p == 2, "IntDiv power must be 1 or 2, got ", p);
  const std::size_t n = sums.sum_t.size();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const std::vector<double>& s = p == 1 ? sums.sum_t : sums.sum_t2;
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double mean = s[i] / static_cast<double>(n);
    total += p == 1 ? mean : std::sqrt(mean);
  }
  return 1.0 - total / static_cast<double>(n);
}

double internal_diversity_pooled(const InternalSimilaritySums& sums, int p) {
  HITFORGE_CHECK(p == 1 || p == 2, "IntDiv power must be 1 or 2, got ", p);
  const std::size_t n = sums.sum_t.size();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const std::vector<double>& s = p == 1 ? sums.sum_t : sums.sum_t2;
  double total = 0;
  for (double v : s) total += v;
  const double mean = total / (static_cast<double>(n) * static_cast<double>(n));
  return 1.0 - (p == 1 ? mean : std::sqrt(mean));
}

std::vector<double> max_similarity_to(const FingerprintBlock& gen, const FingerprintBlock& ref, int threads) {
  return max_rows(gen, ref, /*self=*/false, threads);
}

double nearest_neighbour_similarity(const FingerprintBlock& gen, const FingerprintBlock& ref, int threads) {
  if (gen.size() == 0 || ref.size() == 0) return std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> best = max_similarity_to(gen, ref, threads);
  double total = 0;
  for (double v : best) total += v;
  return total / static_cast<double>(best.size());
}

std::vector<double> max_similarity_to_others(const FingerprintBlock& fps, int threads) {
  return max_rows(fps, fps, /*self=*/true, threads);
}

}  // namespace hitforge::chem
