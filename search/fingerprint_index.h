#pragma once
// A popcount-sorted, in-memory set of fixed-width binary fingerprints with Tanimoto threshold and k-nearest-neighbour
// search pruned by BitBound (Swamidass & Baldi, J. Chem. Inf. Model. 2007). RDKit-free; the HDF5 loader is
// search/fingerprint_db.h.
//
// Layout: rows sorted by popcount, `words()` uint64 per row (see search/tanimoto_kernels.h for the bit order) in one
// 64-byte-aligned contiguous buffer; keys()[i] is the caller's key of sorted row i (a dataset record index);
// bucket b = rows with popcount b = sorted rows [bucket_begin(b), bucket_begin(b + 1)).
//
// Similarity: Tanimoto(q, d) = c / (|q| + |d| − c) with c = |q ∧ d|, computed in double precision exactly as
// written; two empty fingerprints have similarity 1.0 (as RDKit's TanimotoSimilarity). Results are sorted by
// similarity descending, ties by key ascending; a search with or without BitBound returns identical hits.
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "search/tanimoto_kernels.h"

namespace hitforge::search {

/// std::allocator with a fixed over-alignment (64 bytes: a cache line, one AVX-512 vector).
template <class T, std::size_t kAlign = 64>
struct AlignedAllocator {
  using value_type = T;
  template <class U> struct rebind { using other = AlignedAllocator<U, kAlign>; };
  AlignedAllocator() = default;
  template <class U> AlignedAllocator(const AlignedAllocator<U, kAlign>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kAlign))); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(kAlign)); }
  template <class U> bool operator==(const AlignedAllocator<U, kAlign>&) const { return true; }
  template <class U> bool operator!=(const AlignedAllocator<U, kAlign>&) const { return false; }
};

struct Hit {
  std::int64_t key = 0;     ///< the key given to FingerprintIndex::add (a dataset record index)
  double similarity = 0.0;  ///< Tanimoto in [0, 1]
};

/// Tanimoto from counts: c = |q ∧ d|, a = |q|, b = |d|; 1.0 when a = b = 0.
inline double tanimoto(std::uint32_t c, std::uint32_t a, std::uint32_t b) {
  const std::uint32_t denom = a + b - c;
  return denom == 0 ? 1.0 : static_cast<double>(c) / static_cast<double>(denom);
}

struct SearchOptions {
  /// Prune popcount buckets that cannot reach the threshold / the current k-th best. Off = scan every row (for
  /// benchmarking the kernels and checking the pruning); results are identical either way.
  bool bitbound = true;
  /// Kernel to use; nullptr = default_kernel() (fastest supported, or $HITFORGE_POPCOUNT_KERNEL).
  IntersectKernel kernel = nullptr;
};

struct SearchStats {
  std::uint64_t rows_scanned = 0;  ///< fingerprints compared (the rest were pruned by BitBound)
};

class FingerprintIndex {
 public:
  /// An empty index of `bits`-bit fingerprints (bits >= 1).
  explicit FingerprintIndex(std::size_t bits = 1024);

  std::size_t bits() const { return bits_; }
  std::size_t words() const { return words_; }
  std::size_t size() const { return keys_.size(); }
  bool finalized() const { return finalized_; }

  void reserve(std::size_t n);
  /// Appends one fingerprint given as ceil(bits/8) bytes packed LSB-first (the dataset's packed_bits row); bits
  /// past `bits` must be zero (UsageError otherwise). Invalidates the sort: call finalize() before searching.
  void add_packed(const std::uint8_t* packed, std::int64_t key);
  /// Appends one fingerprint given as words() uint64 (same bit order and padding rule).
  void add_words(const std::uint64_t* words, std::int64_t key);
  /// Sorts rows by popcount in place (O(n) swaps, no second copy) and builds the bucket offsets.
  void finalize();

  /// Query helper: ceil(bits/8) LSB-first bytes → words() uint64 (zero padded).
  std::vector<std::uint64_t> pack_query(const std::uint8_t* packed) const;

  /// All rows with Tanimoto(query, row) >= threshold, threshold in [0, 1]. `query`: words() uint64.
  std::vector<Hit> search_threshold(const std::uint64_t* query, double threshold, const SearchOptions& opt = {},
                                    SearchStats* stats = nullptr) const;
  /// The k most similar rows (fewer if the index is smaller), k >= 1.
  std::vector<Hit> search_knn(const std::uint64_t* query, std::size_t k, const SearchOptions& opt = {},
                              SearchStats* stats = nullptr) const;

  // Read access (after finalize()).
  const std::uint64_t* row(std::size_t sorted_index) const { return data_.data() + sorted_index * words_; }
  const std::vector<std::int64_t>& keys() const { return keys_; }
  /// First sorted row with popcount >= b, b in [0, bits + 1].
  std::size_t bucket_begin(std::size_t b) const { return bucket_offsets_[b]; }
  /// Bytes of fingerprint data held (rows × words × 8).
  std::size_t data_bytes() const { return data_.size() * sizeof(std::uint64_t); }

 private:
  void require_finalized() const;
  std::size_t bits_, words_;
  std::vector<std::uint64_t, AlignedAllocator<std::uint64_t>> data_;
  std::vector<std::int64_t> keys_;
  std::vector<std::uint32_t> popcounts_;         ///< per row while building; cleared by finalize()
  std::vector<std::size_t> bucket_offsets_;      ///< [bits + 2]
  bool finalized_ = true;
};

/// Runs one search per query, in parallel over queries (OpenMP, `threads` >= 1). `queries`: n × index.words()
/// uint64, row-major. Exactly one of k (> 0) / threshold (>= 0 when k == 0) applies. Result i belongs to query i.
std::vector<std::vector<Hit>> search_many(const FingerprintIndex& index, const std::vector<std::uint64_t>& queries,
                                          std::size_t k, double threshold, int threads, const SearchOptions& opt = {},
                                          SearchStats* stats = nullptr);

}  // namespace hitforge::search
