#pragma once
// Tanimoto aggregates over packed binary fingerprints for the generation metrics (chem/gen_metrics.h): MOSES'
// internal diversity (IntDiv1/IntDiv2) and nearest-neighbour similarity (SNN), and GuacaMol's per-molecule maximum
// similarity to the rest of a set (the "internal_similarity" part of its KL divergence benchmark).
//
// A FingerprintBlock holds n fingerprints of `words` uint64 each, row-major and contiguous; bit b of a fingerprint is
// bit b % 64 of word b / 64 (RDKit's ExplicitBitVect bit order; chem/featurizers' packed_bits rows read as
// little-endian uint64). Tanimoto(a, b) = |a ∧ b| / (|a| + |b| − |a ∧ b|), and 1 when both are empty (0/0), as MOSES
// sets NaN similarities to 1.
//
// Every function is O(n·m·words) popcounts, parallel over rows with OpenMP (`threads`; the caller chooses the count
// through core/threads.h) and uses the POPCNT instruction when the CPU has it (one binary runs on any x86-64). These
// functions live here rather than reusing search/tanimoto_kernels.h because search/ links chem/, not the other way.
// Thread-safe (pure functions); nothing throws inside the parallel regions.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hitforge::chem {

struct FingerprintBlock {
  std::size_t words = 0;            ///< uint64 words per fingerprint (16 for 1024 bits)
  std::vector<std::uint64_t> data;  ///< size() × words

  std::size_t size() const { return words == 0 ? 0 : data.size() / words; }
  const std::uint64_t* row(std::size_t i) const { return data.data() + i * words; }
  /// Appends one fingerprint given as packed bytes (LSB-first, `words`·8 bytes).
  void append_bytes(const std::uint8_t* bytes);
};

/// Per-row sums of Tanimoto^p over all pairs of a set, the diagonal included (MOSES' internal_diversity compares
/// each molecule with every molecule of the set, itself too).
struct InternalSimilaritySums {
  std::vector<double> sum_t;   ///< sum_t[i]  = Σ_j T(i, j),   j over the whole set (T(i, i) = 1)
  std::vector<double> sum_t2;  ///< sum_t2[i] = Σ_j T(i, j)²
};
/// O(n²/2) pairs (T is symmetric). Empty input gives empty sums.
InternalSimilaritySums internal_similarity_sums(const FingerprintBlock& fps, int threads);

/// IntDiv as MOSES' code computes it (moses/metrics/metrics.py internal_diversity with average_agg_tanimoto,
/// agg='mean'): IntDiv_p = 1 − mean_i ( (1/n) Σ_j T(i, j)^p )^(1/p). NaN for an empty set.
double internal_diversity(const InternalSimilaritySums& sums, int p);
/// The MOSES paper's formula (Polykovskiy et al. 2020, eq. for IntDiv_p): 1 − ( (1/n²) Σ_{i,j} T(i, j)^p )^(1/p).
/// Equal to internal_diversity() for p = 1; for p = 2 it pools before the square root. NaN for an empty set.
double internal_diversity_pooled(const InternalSimilaritySums& sums, int p);

/// max_j T(gen_i, ref_j) for every row of `gen` (0 when `ref` is empty).
std::vector<double> max_similarity_to(const FingerprintBlock& gen, const FingerprintBlock& ref, int threads);
/// SNN (MOSES SNNMetric): mean over `gen` of max_similarity_to(gen, ref). NaN when either set is empty.
double nearest_neighbour_similarity(const FingerprintBlock& gen, const FingerprintBlock& ref, int threads);

/// For every row i: max over j ≠ i of T(i, j) (0 for a set of one), as GuacaMol's
/// calculate_internal_pairwise_similarities(...).max(axis=1) (its matrix has zeros on the diagonal).
std::vector<double> max_similarity_to_others(const FingerprintBlock& fps, int threads);

/// Tanimoto of two fingerprints of `words` words (scalar; for tests and small sets).
double tanimoto(const std::uint64_t* a, const std::uint64_t* b, std::size_t words);

}  // namespace hitforge::chem
