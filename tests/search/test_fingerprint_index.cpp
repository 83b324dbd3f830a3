// BitBound threshold and k-NN search on the popcount-sorted index return exactly what a brute-force scan returns
// (same hits, same similarities, same order), for every kernel, on random databases with varied popcounts,
// duplicate rows (ties) and empty fingerprints.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "core/error.h"
#include "search/fingerprint_index.h"

using namespace hitforge::search;

namespace {

struct RandomDb {
  std::size_t bits, words;
  std::vector<std::uint64_t> rows;  // unsorted, row i has key 1000 + 3·i (keys need not be dense)
  std::size_t n() const { return rows.size() / words; }
  std::int64_t key(std::size_t i) const { return 1000 + 3 * static_cast<std::int64_t>(i); }
};

std::vector<std::uint64_t> random_fp(std::size_t bits, double density, std::mt19937_64& rng) {
  std::vector<std::uint64_t> w((bits + 63) / 64, 0);
  std::bernoulli_distribution bit(density);
  for (std::size_t b = 0; b < bits; ++b)
    if (bit(rng)) w[b / 64] |= std::uint64_t{1} << (b % 64);
  return w;
}

RandomDb make_db(std::size_t bits, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dens(0.002, 0.25);
  RandomDb db{bits, (bits + 63) / 64, {}};
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::uint64_t> fp;
    if (i % 97 == 5) fp.assign(db.words, 0);                                            // empty fingerprints
    else if (i % 13 == 7 && i > 20) fp.assign(db.rows.begin() + (i - 20) * db.words,   // duplicates → ties
                                                db.rows.begin() + (i - 19) * db.words);
    else fp = random_fp(bits, dens(rng), rng);
    db.rows.insert(db.rows.end(), fp.begin(), fp.end());
  }
  return db;
}

// Independent reference: bit-by-bit counts, the documented formula, a full sort.
std::vector<Hit> brute_force(const RandomDb& db, const std::uint64_t* q) {
  auto bitcount = [&](const std::uint64_t* w, const std::uint64_t* mask) {
    std::uint32_t c = 0;
    for (std::size_t b = 0; b < db.bits; ++b) c += ((w[b / 64] & (mask ? mask[b / 64] : ~0ull)) >> (b % 64)) & 1;
    return c;
  };
  const std::uint32_t a = bitcount(q, nullptr);
  std::vector<Hit> all;
  for (std::size_t i = 0; i < db.n(); ++i) {
    const std::uint64_t* r = db.rows.data() + i * db.words;
    const std::uint32_t b = bitcount(r, nullptr), c = bitcount(r, q);
    const double sim = a + b == 0 ? 1.0 : static_cast<double>(c) / static_cast<double>(a + b - c);
    all.push_back({db.key(i), sim});
  }
  std::sort(all.begin(), all.end(), [](const Hit& x, const Hit& y) {
    return x.similarity != y.similarity ? x.similarity > y.similarity : x.key < y.key;
  });
  return all;
}

void require_same(const std::vector<Hit>& got, const std::vector<Hit>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("rank " << i);
    REQUIRE(got[i].key == want[i].key);
    REQUIRE(got[i].similarity == want[i].similarity);  // bit-identical doubles
  }
}

}  // namespace

TEST_CASE("BitBound threshold and k-NN search equal a brute-force scan", "[search]") {
  for (std::size_t bits : {1024, 167, 2048}) {
    const RandomDb db = make_db(bits, 3000, bits);
    FingerprintIndex index(bits);
    for (std::size_t i = 0; i < db.n(); ++i) index.add_words(db.rows.data() + i * db.words, db.key(i));
    index.finalize();
    REQUIRE(index.size() == db.n());
    for (std::size_t i = 1; i < index.size(); ++i)  // popcount-sorted
      REQUIRE(popcount_words(index.row(i - 1), index.words()) <= popcount_words(index.row(i), index.words()));

    std::mt19937_64 rng(7);
    std::vector<std::vector<std::uint64_t>> queries;
    for (std::size_t i : {0, 5, 27, 1500, 2999})  // database members (5 is empty; 27 has a duplicate)
      queries.emplace_back(db.rows.begin() + i * db.words, db.rows.begin() + (i + 1) * db.words);
    for (double d : {0.01, 0.05, 0.2, 0.6}) queries.push_back(random_fp(bits, d, rng));

    for (std::size_t qi = 0; qi < queries.size(); ++qi) {
      const std::uint64_t* q = queries[qi].data();
      const std::vector<Hit> all = brute_force(db, q);
      for (KernelKind kind : supported_kernels()) {
        for (bool bitbound : {true, false}) {
          SearchOptions opt;
          opt.kernel = kernel_for(kind);
          opt.bitbound = bitbound;
          INFO("bits " << bits << ", query " << qi << ", kernel " << to_string(kind) << ", bitbound " << bitbound);
          for (double t : {0.0, 0.3, 0.5, 0.7, 0.9, 1.0}) {
            INFO("threshold " << t);
            std::vector<Hit> want;
            for (const Hit& h : all)
              if (h.similarity >= t) want.push_back(h);
            require_same(index.search_threshold(q, t, opt), want);
          }
          for (std::size_t k : {1, 2, 10, 100, 5000}) {
            INFO("k " << k);
            std::vector<Hit> want(all.begin(), all.begin() + std::min(k, all.size()));
            require_same(index.search_knn(q, k, opt), want);
          }
        }
      }
    }
  }
}

TEST_CASE("BitBound skips buckets that cannot reach the threshold", "[search]") {
  const RandomDb db = make_db(1024, 3000, 11);
  FingerprintIndex index(1024);
  for (std::size_t i = 0; i < db.n(); ++i) index.add_words(db.rows.data() + i * db.words, db.key(i));
  index.finalize();
  const std::uint64_t* q = db.rows.data() + 100 * db.words;
  SearchStats pruned, full;
  auto a = index.search_threshold(q, 0.7, {}, &pruned);
  SearchOptions off;
  off.bitbound = false;
  auto b = index.search_threshold(q, 0.7, off, &full);
  CHECK(full.rows_scanned == db.n());
  CHECK(pruned.rows_scanned < db.n() / 2);
  CHECK(a.size() == b.size());
  SearchStats knn;
  index.search_knn(q, 5, {}, &knn);
  CHECK(knn.rows_scanned < db.n());
  REQUIRE_FALSE(a.empty());
  CHECK(a.front().key == db.key(100));
  CHECK(a.front().similarity == 1.0);
}

TEST_CASE("search_many runs each query like a single search, on any thread count", "[search]") {
  const RandomDb db = make_db(1024, 2000, 3);
  FingerprintIndex index(1024);
  for (std::size_t i = 0; i < db.n(); ++i) index.add_words(db.rows.data() + i * db.words, db.key(i));
  index.finalize();
  std::vector<std::uint64_t> queries(db.rows.begin(), db.rows.begin() + 40 * db.words);
  for (int threads : {1, 2}) {
    auto knn = search_many(index, queries, 7, -1.0, threads);
    auto thr = search_many(index, queries, 0, 0.4, threads);
    REQUIRE(knn.size() == 40);
    for (std::size_t i = 0; i < 40; ++i) {
      require_same(knn[i], index.search_knn(queries.data() + i * db.words, 7));
      require_same(thr[i], index.search_threshold(queries.data() + i * db.words, 0.4));
    }
  }
}

TEST_CASE("packed rows: LSB-first bytes, bits past the width rejected, bad arguments are usage errors", "[search]") {
  FingerprintIndex index(12);  // 2 bytes, 4 padding bits
  std::uint8_t row[2] = {0x05, 0x08};  // bits 0, 2, 11
  index.add_packed(row, 42);
  std::uint8_t bad[2] = {0x00, 0x10};  // bit 12: past the width
  CHECK_THROWS_AS(index.add_packed(bad, 43), hitforge::core::UsageError);
  index.finalize();
  REQUIRE(index.size() == 1);
  CHECK(index.row(0)[0] == ((1u << 0) | (1u << 2) | (1u << 11)));
  CHECK(index.bucket_begin(3) == 0);
  CHECK(index.bucket_begin(4) == 1);
  auto q = index.pack_query(row);
  auto hits = index.search_knn(q.data(), 3);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].key == 42);
  CHECK(hits[0].similarity == 1.0);
  CHECK_THROWS_AS(index.search_threshold(q.data(), 1.5), hitforge::core::UsageError);
  CHECK_THROWS_AS(index.search_knn(q.data(), 0), hitforge::core::UsageError);
}
