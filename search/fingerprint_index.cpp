#include "search/fingerprint_index.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <utility>

#include "core/error.h"

namespace hitforge::search {

namespace {

// Rows per kernel call: the counts (4 bytes per row) stay in L1 while the rows stream past.
constexpr std::size_t kBlockRows = 512;

bool better(const Hit& x, const Hit& y) {
  return x.similarity > y.similarity || (x.similarity == y.similarity && x.key < y.key);
}

// Smallest c in [0, cmax] with tanimoto(c, a, b) >= t, or cmax + 1 when none. tanimoto() rises with c (fl(x/y) is
// monotone in the exact quotient), so the estimate from the closed form is corrected by direct evaluation, which
// makes the cut agree bit-for-bit with comparing the double similarity.
std::uint32_t min_count(double t, std::uint32_t a, std::uint32_t b) {
  const std::uint32_t cmax = std::min(a, b);
  double est = t * static_cast<double>(a + b) / (1.0 + t);
  std::uint32_t c = est <= 0 ? 0 : est >= cmax + 1.0 ? cmax + 1 : static_cast<std::uint32_t>(est);
  while (c > 0 && tanimoto(c - 1, a, b) >= t) --c;
  while (c <= cmax && tanimoto(c, a, b) < t) ++c;
  return c;
}

// Largest count of a block. Branch-free, so it vectorises: most blocks of a scan hold no candidate, and skipping
// them with one pass of vector max instructions instead of a compare-and-branch per row keeps the scan
// memory-bound (the per-row loop cost ~6% of the memory time of a 512-row block of 1024-bit prints).
std::uint32_t max_count(const std::uint32_t* counts, std::size_t m) {
  std::uint32_t mx = 0;
  for (std::size_t r = 0; r < m; ++r) mx = counts[r] > mx ? counts[r] : mx;
  return mx;
}

// Upper bound of the similarity of any row in bucket b to a query of popcount a: min(a,b) / max(a,b).
double bucket_bound(std::uint32_t a, std::uint32_t b) { return tanimoto(std::min(a, b), a, b); }

}  // namespace

FingerprintIndex::FingerprintIndex(std::size_t bits) : bits_(bits), words_((bits + 63) / 64) {
  HITFORGE_REQUIRE(bits >= 1, "fingerprint width must be at least 1 bit");
  bucket_offsets_.assign(bits_ + 2, 0);
}

void FingerprintIndex::reserve(std::size_t n) {
  data_.reserve(n * words_);
  keys_.reserve(n);
  popcounts_.reserve(n);
}

void FingerprintIndex::add_words(const std::uint64_t* w, std::int64_t key) {
  if (bits_ % 64) HITFORGE_REQUIRE((w[words_ - 1] >> (bits_ % 64)) == 0, "fingerprint of record ", key,
                                   " has bits set past its width ", bits_);
  data_.insert(data_.end(), w, w + words_);
  keys_.push_back(key);
  popcounts_.push_back(popcount_words(w, words_));
  finalized_ = false;
}

void FingerprintIndex::add_packed(const std::uint8_t* packed, std::int64_t key) {
  const std::size_t old = data_.size();
  data_.resize(old + words_, 0);
  // LSB-first bytes read as little-endian words are exactly the kernel's bit order (x86-64 is little-endian).
  std::memcpy(data_.data() + old, packed, (bits_ + 7) / 8);
  if (bits_ % 64 && (data_.back() >> (bits_ % 64)) != 0) {
    data_.resize(old);
    HITFORGE_REQUIRE(false, "fingerprint of record ", key, " has bits set past its width ", bits_);
  }
  keys_.push_back(key);
  popcounts_.push_back(popcount_words(data_.data() + old, words_));
  finalized_ = false;
}

std::vector<std::uint64_t> FingerprintIndex::pack_query(const std::uint8_t* packed) const {
  std::vector<std::uint64_t> q(words_, 0);
  std::memcpy(q.data(), packed, (bits_ + 7) / 8);
  if (bits_ % 64) q.back() &= (std::uint64_t{1} << (bits_ % 64)) - 1;
  return q;
}

void FingerprintIndex::finalize() {
  const std::size_t n = keys_.size();
  std::vector<std::size_t> count(bits_ + 2, 0);
  for (std::uint32_t p : popcounts_) ++count[p + 1];
  for (std::size_t b = 1; b < count.size(); ++b) count[b] += count[b - 1];
  bucket_offsets_ = count;  // bucket_offsets_[b] = rows with popcount < b
  // In-place counting sort ("American flag" permutation): every swap moves one row to its final bucket, so the
  // index never needs a second copy of the fingerprints. Keeps the relative order only approximately; ties in the
  // results are broken by key, so search output does not depend on it.
  std::vector<std::size_t> next(bucket_offsets_.begin(), bucket_offsets_.end() - 1);
  std::vector<std::uint64_t> tmp(words_);
  for (std::size_t b = 0; b <= bits_; ++b) {
    const std::size_t end = bucket_offsets_[b + 1];
    while (next[b] < end) {
      const std::size_t i = next[b];
      const std::uint32_t p = popcounts_[i];
      if (p == b) {
        ++next[b];
        continue;
      }
      const std::size_t j = next[p]++;
      std::swap_ranges(data_.begin() + i * words_, data_.begin() + (i + 1) * words_, data_.begin() + j * words_);
      std::swap(keys_[i], keys_[j]);
      std::swap(popcounts_[i], popcounts_[j]);
    }
  }
  HITFORGE_CHECK(bucket_offsets_[bits_ + 1] == n, "bucket offsets do not cover every row");
  popcounts_.clear();
  popcounts_.shrink_to_fit();
  finalized_ = true;
}

void FingerprintIndex::require_finalized() const {
  HITFORGE_CHECK(finalized_, "FingerprintIndex::finalize() must be called after adding rows");
}

std::vector<Hit> FingerprintIndex::search_threshold(const std::uint64_t* query, double threshold,
                                                    const SearchOptions& opt, SearchStats* stats) const {
  require_finalized();
  HITFORGE_REQUIRE(threshold >= 0.0 && threshold <= 1.0, "similarity threshold must be in [0, 1], got ", threshold);
  IntersectKernel kernel = opt.kernel ? opt.kernel : default_kernel();
  const std::uint32_t a = popcount_words(query, words_);
  std::vector<Hit> hits;
  std::uint32_t counts[kBlockRows];
  std::uint64_t scanned = 0;
  for (std::uint32_t b = 0; b <= bits_; ++b) {
    const std::size_t begin = bucket_offsets_[b], end = bucket_offsets_[b + 1];
    if (begin == end) continue;
    if (opt.bitbound && bucket_bound(a, b) < threshold) continue;
    const std::uint32_t cmin = min_count(threshold, a, b);
    for (std::size_t i0 = begin; i0 < end; i0 += kBlockRows) {
      const std::size_t m = std::min(kBlockRows, end - i0);
      kernel(query, row(i0), m, words_, counts);
      scanned += m;
      if (max_count(counts, m) < cmin) continue;
      for (std::size_t r = 0; r < m; ++r)
        if (counts[r] >= cmin) hits.push_back({keys_[i0 + r], tanimoto(counts[r], a, b)});
    }
  }
  std::sort(hits.begin(), hits.end(), better);
  if (stats) stats->rows_scanned += scanned;
  return hits;
}

std::vector<Hit> FingerprintIndex::search_knn(const std::uint64_t* query, std::size_t k, const SearchOptions& opt,
                                              SearchStats* stats) const {
  require_finalized();
  HITFORGE_REQUIRE(k >= 1, "k must be at least 1");
  IntersectKernel kernel = opt.kernel ? opt.kernel : default_kernel();
  const std::uint32_t a = std::min<std::uint32_t>(popcount_words(query, words_), static_cast<std::uint32_t>(bits_));
  // Bucket order: decreasing upper bound, i.e. outward from |q| (b < a has bound b/a, b > a has a/b), so the first
  // bucket whose bound cannot reach the current k-th best ends the search.
  std::vector<std::uint32_t> order;
  order.reserve(bits_ + 1);
  if (opt.bitbound) {
    std::int64_t lo = static_cast<std::int64_t>(a) - 1, hi = a + 1;
    order.push_back(a);
    while (lo >= 0 || hi <= static_cast<std::int64_t>(bits_)) {
      bool take_lo = hi > static_cast<std::int64_t>(bits_) ||
                     (lo >= 0 && bucket_bound(a, static_cast<std::uint32_t>(lo)) >=
                                     bucket_bound(a, static_cast<std::uint32_t>(hi)));
      order.push_back(static_cast<std::uint32_t>(take_lo ? lo-- : hi++));
    }
  } else {
    for (std::uint32_t b = 0; b <= bits_; ++b) order.push_back(b);
  }
  // Bounded heap: heap.front() is the worst of the current best k (std::push_heap with `better` as "less").
  std::vector<Hit> heap;
  heap.reserve(std::min(k, size()) + 1);
  std::uint32_t counts[kBlockRows];
  std::uint64_t scanned = 0;
  for (std::uint32_t b : order) {
    const std::size_t begin = bucket_offsets_[b], end = bucket_offsets_[b + 1];
    if (begin == end) continue;
    const bool full = heap.size() == k;
    // A row in this bucket can still enter if its similarity equals the k-th best and its key is smaller, so only
    // a strictly lower bound stops the scan.
    if (opt.bitbound && full && bucket_bound(a, b) < heap.front().similarity) break;
    std::uint32_t cmin = full ? min_count(heap.front().similarity, a, b) : 0;
    for (std::size_t i0 = begin; i0 < end; i0 += kBlockRows) {
      const std::size_t m = std::min(kBlockRows, end - i0);
      kernel(query, row(i0), m, words_, counts);
      scanned += m;
      if (max_count(counts, m) < cmin) continue;
      for (std::size_t r = 0; r < m; ++r) {
        if (counts[r] < cmin) continue;
        Hit h{keys_[i0 + r], tanimoto(counts[r], a, b)};
        if (heap.size() < k) {
          heap.push_back(h);
          std::push_heap(heap.begin(), heap.end(), better);
          if (heap.size() == k) cmin = min_count(heap.front().similarity, a, b);
        } else if (better(h, heap.front())) {
          std::pop_heap(heap.begin(), heap.end(), better);
          heap.back() = h;
          std::push_heap(heap.begin(), heap.end(), better);
          cmin = min_count(heap.front().similarity, a, b);
        }
      }
    }
  }
  std::sort(heap.begin(), heap.end(), better);
  if (stats) stats->rows_scanned += scanned;
  return heap;
}

std::vector<std::vector<Hit>> search_many(const FingerprintIndex& index, const std::vector<std::uint64_t>& queries,
                                          std::size_t k, double threshold, int threads, const SearchOptions& opt,
                                          SearchStats* stats) {
  const std::size_t w = index.words();
  HITFORGE_CHECK(queries.size() % w == 0, "queries are not a whole number of fingerprints");
  const std::int64_t n = static_cast<std::int64_t>(queries.size() / w);
  // Validate once here so that nothing throws for a user error inside the parallel region.
  HITFORGE_REQUIRE(k > 0 || (threshold >= 0.0 && threshold <= 1.0), "similarity threshold must be in [0, 1], got ",
                   threshold);
  SearchOptions o = opt;
  if (!o.kernel) o.kernel = default_kernel();
  std::vector<std::vector<Hit>> out(static_cast<std::size_t>(n));
  std::exception_ptr error;
  std::uint64_t scanned = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (n > 1 && threads > 1) reduction(+ : scanned)
  for (std::int64_t i = 0; i < n; ++i) {
    try {
      SearchStats s;
      const std::uint64_t* q = queries.data() + static_cast<std::size_t>(i) * w;
      out[i] = k > 0 ? index.search_knn(q, k, o, &s) : index.search_threshold(q, threshold, o, &s);
      scanned += s.rows_scanned;
    } catch (...) {
#pragma omp critical(hitforge_search_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  if (stats) stats->rows_scanned += scanned;
  return out;
}

}  // namespace hitforge::search
