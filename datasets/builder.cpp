#include "datasets/builder.h"

#include "datasets/featurize_chunk.h"

#include <GraphMol/ROMol.h>
#include <GraphMol/RWMol.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "core/checksum.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/threads.h"
#include "datasets/format.h"

namespace hitforge::data {
using core::str_cat;

bool parse_target_value(const std::string& text, float& out) {
  size_t a = 0, b = text.size();
  while (a < b && std::isspace(static_cast<unsigned char>(text[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(text[b - 1]))) --b;
  std::string t = text.substr(a, b - a);
  if (t.empty() || t == "nan" || t == "NaN" || t == "NAN" || t == "NA" || t == "N/A" || t == "null" || t == "None") {
    out = NAN;
    return true;
  }
  char* end = nullptr;
  float v = std::strtof(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !std::isfinite(v)) return false;
  out = v;
  return true;
}

std::string reason_kind(const std::string& reason) {
  size_t cut = reason.find_first_of(":(");
  std::string k = reason.substr(0, cut);
  while (!k.empty() && k.back() == ' ') k.pop_back();
  return k;
}

namespace {

// Bounded hand-off of finished chunks to the writer thread (so HDF5 compression overlaps featurisation).
class ChunkQueue {
 public:
  explicit ChunkQueue(size_t capacity) : cap_(capacity) {}
  void push(RecordChunk&& c) {
    std::unique_lock<std::mutex> lk(m_);
    not_full_.wait(lk, [&] { return q_.size() < cap_ || failed_; });
    if (failed_) return;
    q_.push_back(std::move(c));
    not_empty_.notify_one();
  }
  bool pop(RecordChunk& c) {
    std::unique_lock<std::mutex> lk(m_);
    not_empty_.wait(lk, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    c = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard<std::mutex> lk(m_);
    closed_ = true;
    not_empty_.notify_all();
  }
  void fail() {
    std::lock_guard<std::mutex> lk(m_);
    failed_ = true;
    not_full_.notify_all();
  }
  bool failed() {
    std::lock_guard<std::mutex> lk(m_);
    return failed_;
  }

 private:
  size_t cap_;
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<RecordChunk> q_;
  bool closed_ = false, failed_ = false;
};

}  // namespace

BuildSummary build_dataset(const BuildOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  HITFORGE_REQUIRE(!opt.output.empty(), "no output path given (--out)");
  HITFORGE_REQUIRE(opt.chunk_records > 0, "chunk size must be positive");
  std::vector<chem::FeaturizerPtr> owned;
  std::vector<const chem::Featurizer*> fz;
  for (const auto& spec : opt.featurizers) {
    owned.push_back(chem::make_featurizer(spec));
    fz.push_back(owned.back().get());
  }
  auto reader = chem::MoleculeReader::open(opt.input, opt.reader);
  const size_t n_targets = opt.reader.value_cols.size();

  DatasetSchema schema;
  schema.target_names = opt.reader.value_cols;
  schema.featurizers = fz;
  DatasetWriter writer(opt.output, schema, opt.writer);
  if (!opt.task_types.empty()) {
    std::vector<std::string> types = opt.task_types;
    if (types.size() == 1 && n_targets > 1) types.assign(n_targets, types[0]);
    HITFORGE_REQUIRE(types.size() == n_targets, "--task gives ", types.size(), " task types for ", n_targets,
                     " targets");
    writer.set_task_types(types);
  }

  const int threads = opt.threads > 0 ? opt.threads : core::configured_threads();
  auto bar = chem::record_progress(opt.input, reader->format(), "featurise", opt.progress);

  BuildSummary summary;
  ChunkQueue queue(2);
  std::exception_ptr writer_error;
  std::thread writer_thread([&] {
    RecordChunk c;
    try {
      while (queue.pop(c)) {
        writer.append(c);
        for (size_t i = 0; i < c.size(); ++i) {
          if (c.status[i] == 0) {
            ++summary.ok;
            continue;
          }
          ++summary.invalid;
          ++summary.invalid_by_kind[reason_kind(c.reasons[i])];
          if (summary.first_invalid.size() < 20)
            summary.first_invalid.emplace_back(c.source_index[i],
                                               (c.ids[i].empty() ? "" : c.ids[i] + ": ") + c.reasons[i]);
        }
        bar->add(c.size());
      }
    } catch (...) {
      writer_error = std::current_exception();
      queue.fail();
    }
  });

  FeaturizeOptions fo;
  fo.parse = opt.parse;
  fo.canonical = opt.canonical;
  fo.standardize = opt.standardize;
  fo.standardize_params = opt.standardize_params;
  fo.value_cols = opt.reader.value_cols;
  fo.threads = threads;
  std::vector<chem::InputRecord> records(opt.chunk_records);
  std::exception_ptr main_error;
  try {
    while (!queue.failed()) {
      const size_t n = reader->next_chunk(records);
      if (n == 0) break;
      RecordChunk chunk;
      featurize_chunk(records, n, fz, fo, chunk);
      summary.records += static_cast<std::int64_t>(n);
      queue.push(std::move(chunk));
      if (n < records.size()) break;
    }
  } catch (...) {
    main_error = std::current_exception();
  }
  queue.close();
  writer_thread.join();
  if (main_error) std::rethrow_exception(main_error);
  if (writer_error) std::rethrow_exception(writer_error);
  bar->finish();

  writer.set_provenance("source_path", opt.input);
  writer.set_provenance("source_sha256", core::sha256_file(opt.input));
  writer.set_provenance("source_format", reader->format());
  writer.set_provenance("smiles", opt.canonical ? "canonical" : "input (canonical for SDF or standardised records)");
  writer.set_provenance("standardize", opt.standardize ? chem::to_string(opt.standardize_params) : "none");
  writer.set_provenance("parse_params", str_cat("max_length=", opt.parse.max_length, ",max_heavy_atoms=",
                                                opt.parse.max_heavy_atoms, ",max_fragments=", opt.parse.max_fragments,
                                                ",allow_cxsmiles=", opt.parse.allow_cxsmiles ? 1 : 0));
  for (const auto& [k, v] : opt.provenance) writer.set_provenance(k, v);
  summary.task_types = writer.task_types();
  writer.finish();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace hitforge::data
