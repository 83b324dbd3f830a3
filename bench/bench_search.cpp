// Similarity-search throughput (issue #4) with its baselines and the machine's roofline measured in the same run:
//   (a) streaming-read bandwidth: an AVX-512/AVX2 summing loop over the large database's own memory (1 thread and
//       `--threads` threads), plus a buffer-size sweep that shows where the caches end;
//   (b) comparisons/s per thread on a database that fits in cache (`--cache-rows` × 1024 and × 2048 bits), every
//       kernel variant, against RDKit C++ (`TanimotoSimilarity(ExplicitBitVect, ExplicitBitVect)` in a loop — the
//       function Python's BulkTanimotoSimilarity calls per element) and RDKit Python's `BulkTanimotoSimilarity`
//       (/usr/bin/python3, same fingerprints, same invocation);
//   (c) a full scan (BitBound off) of a database far larger than the last-level cache (`--large-rows` random
//       fingerprints whose popcounts follow ChEMBL's Morgan distribution, or a normal(45, 12) one without --db):
//       bytes/s as a fraction of (a);
//   (d) BitBound speed-up for threshold 0.7 and k = 10 queries on real fingerprints (--db, a `hitforge dataset
//       build` output), queries drawn from the database.
//
// Usage: bench_search [--db chembl.h5] [--block morgan] [--block-1024 morgan_2] [--cache-rows 20000]
//                     [--large-rows 8000000] [--large-bits 1024] [--queries 50] [--threads 2] [--reps 3]
//                     [--python /usr/bin/python3] [--skip-python] [--skip-cache]
#include <DataStructs/BitOps.h>
#include <DataStructs/ExplicitBitVect.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#ifdef HITFORGE_HAVE_OPENMP
#include <omp.h>
#endif

#include "core/threads.h"
#include "search/fingerprint_db.h"
#include "search/fingerprint_index.h"

using namespace hitforge;
using search::FingerprintIndex;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Best (minimum) time of `reps` runs of `f`, in CPU seconds per thread: the calling thread's CPU time when
/// `threads` == 1, the process's CPU time / `threads` otherwise. CPU time, not wall time, because the 2-core
/// development machine is shared and oversubscribed (load ~10 while these figures were taken): wall time mostly
/// measures the scheduler. A memory-bound loop is on the CPU while it stalls, so bytes / CPU time is still the
/// bandwidth it achieved while running; the roofline is measured the same way, interleaved with the scans.
double best_time(int reps, const std::function<void()>& f, int threads = 1) {
  const clockid_t clock = threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID;
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    double t = cpu_seconds(clock);
    f();
    best = std::min(best, (cpu_seconds(clock) - t) / threads);
  }
  return best;
}

// ---- (a) streaming read: sum 64-bit words with four independent vector accumulators ----
__attribute__((target("avx512f"))) std::uint64_t sum_avx512(const std::uint64_t* p, std::size_t n) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm512_add_epi64(a0, _mm512_loadu_si512(p + i));
    a1 = _mm512_add_epi64(a1, _mm512_loadu_si512(p + i + 8));
    a2 = _mm512_add_epi64(a2, _mm512_loadu_si512(p + i + 16));
    a3 = _mm512_add_epi64(a3, _mm512_loadu_si512(p + i + 24));
  }
  alignas(64) std::uint64_t lanes[8];
  _mm512_store_si512(lanes, _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
  std::uint64_t s = 0;
  for (std::uint64_t v : lanes) s += v;
  for (; i < n; ++i) s += p[i];
  return s;
}

std::uint64_t sum_plain(const std::uint64_t* p, std::size_t n) {
  std::uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) s0 += p[i], s1 += p[i + 1], s2 += p[i + 2], s3 += p[i + 3];
  for (; i < n; ++i) s0 += p[i];
  return s0 + s1 + s2 + s3;
}

std::uint64_t read_sum(const std::uint64_t* p, std::size_t n) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return avx512 ? sum_avx512(p, n) : sum_plain(p, n);
}

volatile std::uint64_t g_sink;

/// Bytes/s of `threads` threads each reading all of [p, p + n) (the access pattern of `threads` queries each
/// scanning the whole database); per-thread figure = total / threads.
double read_bandwidth(const std::uint64_t* p, std::size_t n, int threads, int reps) {
  double t = best_time(reps, [&] {
    std::uint64_t s = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : s) if (threads > 1)
    for (int th = 0; th < threads; ++th) s += read_sum(p, n);
    g_sink = s;
  }, threads);
  return static_cast<double>(n) * 8.0 * threads / t;
}

// ---- helpers ----
std::vector<std::uint32_t> popcount_distribution(const FingerprintIndex& idx) {
  std::vector<std::uint32_t> pcs;
  for (std::size_t b = 0; b <= idx.bits(); ++b)
    for (std::size_t i = idx.bucket_begin(b); i < idx.bucket_begin(b + 1); ++i) pcs.push_back(static_cast<std::uint32_t>(b));
  return pcs;
}

/// Random fingerprints of `bits` bits whose popcounts are drawn from `popcounts` (or normal(45, 12)).
void add_random_rows(FingerprintIndex& idx, std::size_t rows, const std::vector<std::uint32_t>& popcounts,
                     std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(45.0, 12.0);
  std::uniform_int_distribution<std::size_t> pick(0, popcounts.empty() ? 0 : popcounts.size() - 1);
  std::uniform_int_distribution<std::uint32_t> bit(0, static_cast<std::uint32_t>(idx.bits() - 1));
  std::vector<std::uint64_t> w(idx.words());
  idx.reserve(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    std::uint32_t p = popcounts.empty() ? static_cast<std::uint32_t>(std::clamp(normal(rng), 1.0, 200.0))
                                        : popcounts[pick(rng)];
    p = std::min<std::uint32_t>(p, static_cast<std::uint32_t>(idx.bits()));
    std::fill(w.begin(), w.end(), 0);
    std::uint32_t set = 0;
    while (set < p) {
      std::uint32_t b = bit(rng);
      std::uint64_t m = std::uint64_t{1} << (b % 64);
      if (!(w[b / 64] & m)) w[b / 64] |= m, ++set;
    }
    idx.add_words(w.data(), static_cast<std::int64_t>(r));
  }
  idx.finalize();
}

/// The first `rows` fingerprints of `src` (sorted order, i.e. a popcount-stratified sample if src is larger).
FingerprintIndex subset(const FingerprintIndex& src, std::size_t rows) {
  FingerprintIndex out(src.bits());
  rows = std::min(rows, src.size());
  out.reserve(rows);
  // Take every (size/rows)-th row so that the subset keeps the popcount distribution.
  const double step = static_cast<double>(src.size()) / static_cast<double>(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    std::size_t j = static_cast<std::size_t>(i * step);
    out.add_words(src.row(j), src.keys()[j]);
  }
  out.finalize();
  return out;
}

std::vector<std::uint64_t> pick_queries(const FingerprintIndex& idx, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, idx.size() - 1);
  std::vector<std::uint64_t> q;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t* r = idx.row(pick(rng));
    q.insert(q.end(), r, r + idx.words());
  }
  return q;
}

std::string run_capture(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  return out;
}

/// RDKit Python BulkTanimotoSimilarity comparisons/s on the index's rows (queries: the first `nq` rows).
double python_bulk_tanimoto(const std::string& py, const FingerprintIndex& idx, std::size_t nq, int reps) {
  char tmpl[] = "/tmp/bench_search_XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return -1;
  close(fd);
  {
    std::ofstream f(tmpl, std::ios::binary);
    f.write(reinterpret_cast<const char*>(idx.row(0)), static_cast<std::streamsize>(idx.data_bytes()));
  }
  std::string script =
      "import time, numpy as np\n"
      "from rdkit import DataStructs\n"
      "n, w, bits, nq, reps = " + std::to_string(idx.size()) + ", " + std::to_string(idx.words()) + ", " +
      std::to_string(idx.bits()) + ", " + std::to_string(nq) + ", " + std::to_string(reps) + "\n"
      "raw = np.fromfile('" + std::string(tmpl) + "', dtype='<u8').reshape(n, w)\n"
      "bits_ = np.unpackbits(raw.view(np.uint8), axis=1, bitorder='little')[:, :bits]\n"
      "fps = []\n"
      "for row in bits_:\n"
      "    v = DataStructs.ExplicitBitVect(bits); v.SetBitsFromList(np.nonzero(row)[0].tolist()); fps.append(v)\n"
      "best = 1e300\n"
      "for r in range(reps):\n"
      "    for q in fps[:nq]:\n"
      "        t = time.thread_time(); DataStructs.BulkTanimotoSimilarity(q, fps)\n"
      "        best = min(best, time.thread_time() - t)\n"
      "print(n / best)\n";
  std::string out = run_capture(py + " -c \"" + script + "\" 2>&1");
  std::remove(tmpl);
  try {
    return std::stod(out);
  } catch (...) {
    std::cerr << "python baseline failed: " << out << "\n";
    return -1;
  }
}

/// Comparisons/s of a C++ loop over RDKit's TanimotoSimilarity (one thread).
double rdkit_cpp_tanimoto(const FingerprintIndex& idx, std::size_t nq, int reps) {
  std::vector<std::unique_ptr<ExplicitBitVect>> bvs;
  for (std::size_t i = 0; i < idx.size(); ++i) {
    auto v = std::make_unique<ExplicitBitVect>(static_cast<unsigned>(idx.bits()));
    for (std::size_t b = 0; b < idx.bits(); ++b)
      if ((idx.row(i)[b / 64] >> (b % 64)) & 1) v->setBit(static_cast<unsigned>(b));
    bvs.push_back(std::move(v));
  }
  double sink = 0, best = 1e300;
  for (std::size_t q = 0; q < nq; ++q)
    best = std::min(best, best_time(reps, [&] {
      for (const auto& v : bvs) sink += TanimotoSimilarity(*bvs[q], *v);
    }));
  g_sink = static_cast<std::uint64_t>(sink);
  return static_cast<double>(bvs.size()) / best;
}

/// Comparisons/s of full scans (BitBound off, threshold 1.0 so almost nothing is output), one thread: the best of
/// reps × queries single-query scans (each a fraction of a millisecond, so the best one ran undisturbed by the
/// other processes on this shared machine).
double scan_rate(const FingerprintIndex& idx, const std::vector<std::uint64_t>& queries, search::IntersectKernel k,
                 int reps) {
  search::SearchOptions opt;
  opt.bitbound = false;
  opt.kernel = k;
  const std::size_t nq = queries.size() / idx.words();
  std::size_t hits = 0;
  double best = 1e300;
  for (std::size_t q = 0; q < nq; ++q)
    best = std::min(best, best_time(reps, [&] {
      hits += idx.search_threshold(queries.data() + q * idx.words(), 1.0, opt).size();
    }));
  g_sink = hits;
  return static_cast<double>(idx.size()) / best;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_path, block, block_1024, py = "/usr/bin/python3";
  std::size_t cache_rows = 20000, large_rows = 8000000, large_bits = 1024, nq = 50;
  int threads = 2, reps = 3;
  bool skip_python = false, skip_cache = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--db") db_path = next();
    else if (a == "--block") block = next();
    else if (a == "--block-1024") block_1024 = next();
    else if (a == "--cache-rows") cache_rows = std::stoul(next());
    else if (a == "--large-rows") large_rows = std::stoul(next());
    else if (a == "--large-bits") large_bits = std::stoul(next());
    else if (a == "--queries") nq = std::stoul(next());
    else if (a == "--threads") threads = std::stoi(next());
    else if (a == "--reps") reps = std::stoi(next());
    else if (a == "--python") py = next();
    else if (a == "--skip-python") skip_python = true;
    else if (a == "--skip-cache") skip_cache = true;
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  core::configure_threads(1);
  std::printf("kernels supported: ");
  for (auto k : search::supported_kernels()) std::printf("%s ", search::to_string(k));
  std::printf("(default %s)\n", search::to_string(search::default_kernel_kind()));

  // Real fingerprints, if given: the in-cache sets, the popcount distribution and the BitBound test use them.
  std::unique_ptr<search::FingerprintDb> db, db1024;
  if (!db_path.empty()) {
    double t = now();
    db = std::make_unique<search::FingerprintDb>(search::FingerprintDb::load(db_path, block));
    std::printf("db %s block %s (%s): %lld fingerprints loaded + sorted in %.2f s\n", db_path.c_str(),
                db->info().block.c_str(), db->info().spec.c_str(), static_cast<long long>(db->info().n_indexed),
                now() - t);
    if (!block_1024.empty())
      db1024 = std::make_unique<search::FingerprintDb>(search::FingerprintDb::load(db_path, block_1024));
  }

  // ---- (b) in cache ----
  std::printf("\n(b) in-cache database, 1 thread, %zu queries, comparisons/s (full scans, BitBound off)\n", nq);
  for (std::size_t bits : {std::size_t{1024}, std::size_t{2048}}) {
    if (skip_cache) break;
    FingerprintIndex idx(bits);
    const search::FingerprintDb* src = nullptr;
    if (db && db->index().bits() == bits) src = db.get();
    if (db1024 && db1024->index().bits() == bits) src = db1024.get();
    if (src) idx = subset(src->index(), cache_rows);
    else add_random_rows(idx, cache_rows, {}, bits);
    auto queries = pick_queries(idx, nq, 1);
    std::printf("  %zu x %zu bits (%s, %.1f MB):\n", idx.size(), bits, src ? "ChEMBL Morgan" : "random",
                idx.data_bytes() / 1e6);
    double best = 0;
    for (auto k : search::supported_kernels()) {
      double r = scan_rate(idx, queries, search::kernel_for(k), reps);
      best = std::max(best, r);
      std::printf("    hitforge %-8s %8.1f M/s\n", search::to_string(k), r / 1e6);
    }
    double cpp = rdkit_cpp_tanimoto(idx, std::min<std::size_t>(nq, 10), reps);
    std::printf("    RDKit C++ TanimotoSimilarity loop %8.2f M/s  → hitforge/RDKit-C++ = %.1fx\n", cpp / 1e6, best / cpp);
    if (!skip_python) {
      double pyr = python_bulk_tanimoto(py, idx, std::min<std::size_t>(nq, 10), reps);
      if (pyr > 0)
        std::printf("    RDKit Python BulkTanimotoSimilarity %8.2f M/s  → hitforge/RDKit-Python = %.1fx (target >= 20x)\n",
                    pyr / 1e6, best / pyr);
    }
  }

  // ---- (c) far larger than the LLC, and (a) measured on the same memory ----
  FingerprintIndex large(large_bits);
  {
    std::vector<std::uint32_t> pcs;
    if (db && db->index().bits() == large_bits) pcs = popcount_distribution(db->index());
    if (db1024 && db1024->index().bits() == large_bits) pcs = popcount_distribution(db1024->index());
    double t = now();
    add_random_rows(large, large_rows, pcs, 99);
    std::printf("\n(c) large database: %zu x %zu-bit random fingerprints (popcounts %s), %.2f GB, generated in %.1f s\n",
                large.size(), large_bits, pcs.empty() ? "normal(45, 12)" : "sampled from the --db block",
                large.data_bytes() / 1e9, now() - t);
  }
  const std::size_t large_words = large.data_bytes() / 8;
  std::printf("\n(a) streaming-read bandwidth (vector summing loop, best of %d)\n", reps);
  for (std::size_t mb : {1, 4, 16, 64, 256}) {
    std::size_t n = std::min(large_words, mb * (std::size_t{1} << 20) / 8);
    int inner = static_cast<int>(std::max<std::size_t>(1, (std::size_t{1} << 30) / (n * 8)));  // ~1 GB per rep
    double t = best_time(reps, [&] {
      std::uint64_t s = 0;
      for (int r = 0; r < inner; ++r) s += read_sum(large.row(0), n);
      g_sink = s;
    });
    std::printf("  %4zu MB buffer, 1 thread: %6.1f GB/s\n", mb, n * 8.0 * inner / t / 1e9);
  }
  // Bandwidth and scans are measured interleaved, rep by rep, so that both see the same background load on this
  // shared machine; each figure is the best rep.
  std::vector<search::KernelKind> kinds;
  for (auto k : search::supported_kernels())
    if (k != search::KernelKind::generic) kinds.push_back(k);  // generic: minutes per scan, not a contender
  auto lq = pick_queries(large, std::max(threads, 2), 5);
  std::vector<std::uint64_t> qn(lq.begin(), lq.begin() + threads * large.words());
  const double bytes = static_cast<double>(large.data_bytes());
  // Besides the best rep of each, every scan is paired with a bandwidth measurement taken right before it (a 1 GB
  // read costs ~35 ms): the median of those paired ratios is much less sensitive to the host's background load,
  // which moves both figures by ±10% from one second to the next on this VM.
  double bw1 = 0, bwn = 0, knn1 = 0;
  std::vector<double> scan1(kinds.size(), 0), scann(kinds.size(), 0);
  std::vector<std::vector<double>> ratio1(kinds.size()), ration(kinds.size());
  std::vector<double> knn_ratio;
  std::size_t hits = 0;
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  };
  for (int r = 0; r < reps; ++r) {
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      search::SearchOptions opt;
      opt.bitbound = false;
      opt.kernel = search::kernel_for(kinds[i]);
      const double bw = read_bandwidth(large.row(0), large_words, 1, 1);
      const double scan = bytes / best_time(1, [&] { hits += large.search_threshold(lq.data(), 0.99, opt).size(); });
      bw1 = std::max(bw1, bw);
      scan1[i] = std::max(scan1[i], scan);
      ratio1[i].push_back(scan / bw);
    }
    search::SearchOptions knn_opt;
    knn_opt.bitbound = false;
    const double bw = read_bandwidth(large.row(0), large_words, 1, 1);
    const double knn = bytes / best_time(1, [&] { hits += large.search_knn(lq.data(), 10, knn_opt).size(); });
    bw1 = std::max(bw1, bw);
    knn1 = std::max(knn1, knn);
    knn_ratio.push_back(knn / bw);
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      search::SearchOptions opt;
      opt.bitbound = false;
      opt.kernel = search::kernel_for(kinds[i]);
      const double bwt = read_bandwidth(large.row(0), large_words, threads, 1);
      const double scan = bytes * threads / best_time(1, [&] {
        hits += search::search_many(large, qn, 0, 0.99, threads, opt).size();
      }, threads);
      bwn = std::max(bwn, bwt);
      scann[i] = std::max(scann[i], scan);
      ration[i].push_back(scan / bwt);
    }
  }
  g_sink = hits;
  std::printf("  %.2f GB (the large database), 1 thread: %.1f GB/s; %d threads: %.1f GB/s total (%.1f per thread)\n",
              bytes / 1e9, bw1 / 1e9, threads, bwn / 1e9, bwn / threads / 1e9);
  std::printf("\n(c) full scan of the large database (BitBound off, threshold 0.99), best of %d\n", reps);
  for (std::size_t i = 0; i < kinds.size(); ++i)
    std::printf("  %-7s 1 thread: %6.1f GB/s = %5.1f%% of 1-thread bandwidth (%.0f M comparisons/s); %d threads "
                "(one query each): %6.1f GB/s = %5.1f%% of %d-thread bandwidth\n",
                search::to_string(kinds[i]), scan1[i] / 1e9, 100 * scan1[i] / bw1,
                scan1[i] / large.data_bytes() * large.size() / 1e6, threads, scann[i] / 1e9, 100 * scann[i] / bwn,
                threads);
  std::printf("  k-NN k=10, default kernel, 1 thread: %6.1f GB/s = %5.1f%% of 1-thread bandwidth\n", knn1 / 1e9,
              100 * knn1 / bw1);
  std::printf("  median of %d paired ratios (scan / bandwidth measured just before it):\n", reps);
  for (std::size_t i = 0; i < kinds.size(); ++i)
    std::printf("  %-7s 1 thread: %5.1f%%; %d threads: %5.1f%%\n", search::to_string(kinds[i]),
                100 * median(ratio1[i]), threads, 100 * median(ration[i]));
  std::printf("  k-NN k=10, default kernel, 1 thread: %5.1f%%\n", 100 * median(knn_ratio));

  // ---- (d) BitBound on real fingerprints ----
  if (db) {
    const FingerprintIndex& idx = db->index();
    auto queries = pick_queries(idx, nq * 4, 3);
    std::printf("\n(d) BitBound on %s (%zu x %zu bits), %zu queries drawn from the database, 1 thread\n",
                db_path.c_str(), idx.size(), idx.bits(), queries.size() / idx.words());
    for (int mode = 0; mode < 2; ++mode) {
      search::SearchOptions on, off;
      off.bitbound = false;
      search::SearchStats s_on, s_off;
      std::size_t hits_on = 0, hits_off = 0;
      auto run = [&](const search::SearchOptions& o, search::SearchStats& st, std::size_t& hits) {
        return best_time(reps, [&] {
          st = {};
          hits = 0;
          auto r = search::search_many(idx, queries, mode ? 10 : 0, 0.7, 1, o, &st);
          for (auto& h : r) hits += h.size();
        });
      };
      double t_on = run(on, s_on, hits_on), t_off = run(off, s_off, hits_off);
      std::printf("  %-16s BitBound on %7.3f ms/query (scans %5.1f%% of rows), off %7.3f ms/query → %.1fx faster; "
                  "%zu hits both (%s)\n",
                  mode ? "k-NN k=10:" : "threshold 0.7:", 1e3 * t_on / (queries.size() / idx.words()),
                  100.0 * s_on.rows_scanned / s_off.rows_scanned, 1e3 * t_off / (queries.size() / idx.words()),
                  t_off / t_on, hits_on, hits_on == hits_off ? "equal" : "MISMATCH");
    }
  }
  return 0;
}
