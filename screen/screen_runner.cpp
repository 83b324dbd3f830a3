#include "screen/screen_runner.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "chem/mol_input.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/svg_plot.h"
#include "core/text.h"
#include "screen/screen_output.h"

namespace hitforge::screen {
using core::str_cat;
using core::UsageError;
namespace fs = std::filesystem;

namespace {

constexpr int kHistBins = 20;
constexpr int kStateVersion = 1;

struct Hit {
  double score = 0;
  std::int64_t index = 0;
  std::string line;  // the row without rank, no newline
};
// Strict weak order "a ranks before b".
bool better(const Hit& a, const Hit& b) {
  return a.score != b.score ? a.score > b.score : a.index < b.index;
}

// Bounded top-k as a heap whose front is the worst kept hit.
class TopK {
 public:
  explicit TopK(std::int64_t k) : k_(static_cast<std::size_t>(std::max<std::int64_t>(k, 0))) {}
  void offer(Hit h) {
    if (k_ == 0) return;
    if (heap_.size() < k_) {
      heap_.push_back(std::move(h));
      std::push_heap(heap_.begin(), heap_.end(), better);
    } else if (better(h, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), better);
      heap_.back() = std::move(h);
      std::push_heap(heap_.begin(), heap_.end(), better);
    }
  }
  std::vector<Hit> sorted() const {
    std::vector<Hit> v = heap_;
    std::sort(v.begin(), v.end(), better);
    return v;
  }

 private:
  std::size_t k_;
  std::vector<Hit> heap_;
};

std::vector<std::string> columns(const ScoringFunction& sf, bool ranked) {
  return table_columns(sf.components(), sf.raw_columns(), ranked);
}

// Numbers are written with 7 significant digits (format_number); ranking uses the value as written, so that a merge
// of shard files (which only sees the text, or in .h5 the float64 parsed from it) orders records exactly as the run
// that wrote them did.
std::string format_row(const ScoredBatch& b, std::size_t i, std::size_t R, std::size_t C) {
  const auto& ch = b.chunk;
  const auto status = static_cast<chem::RecordStatus>(ch.status[i]);
  const bool has_smiles = !ch.smiles[i].empty();
  std::string row = str_cat(ch.source_index[i], ",", core::csv_field(ch.ids[i]), ",",
                            core::csv_field(has_smiles ? ch.smiles[i] : ch.inputs[i]), ",", chem::to_string(status),
                            ",", core::csv_field(ch.reasons[i]), ",", format_number(b.score[i]));
  for (std::size_t c = 0; c < C; ++c) row += "," + format_number(b.desirability[i * C + c]);
  for (std::size_t r = 0; r < R; ++r) row += "," + format_number(b.raw[i * R + r]);
  row += "," + core::csv_field(b.notes[i]);
  return row;
}

// Appends and fsyncs: the stream file grows by whole committed chunks.
class StreamFile {
 public:
  StreamFile(const std::string& path, std::int64_t keep_bytes) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    HITFORGE_REQUIRE(fd_ >= 0, "cannot write '", path, "'");
    HITFORGE_REQUIRE(::ftruncate(fd_, keep_bytes) == 0, "cannot truncate '", path, "' to its committed length");
    HITFORGE_REQUIRE(::lseek(fd_, keep_bytes, SEEK_SET) == keep_bytes, "cannot seek in '", path, "'");
    bytes_ = keep_bytes;
  }
  ~StreamFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  void append_and_sync(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      HITFORGE_REQUIRE(n > 0 || errno == EINTR, "writing '", path_, "' failed");
      if (n > 0) done += static_cast<std::size_t>(n);
    }
    HITFORGE_REQUIRE(::fsync(fd_) == 0, "fsync of '", path_, "' failed");
    bytes_ += static_cast<std::int64_t>(data.size());
  }
  std::int64_t bytes() const { return bytes_; }
  void close() {
    HITFORGE_REQUIRE(::close(fd_) == 0, "closing '", path_, "' failed");
    fd_ = -1;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::int64_t bytes_ = 0;
};

struct Histograms {
  std::vector<std::string> names;  // "score", "d_<component>"...
  std::vector<std::vector<double>> counts;
  void init(const ScoringFunction& sf) {
    names = {"score"};
    for (const auto& c : sf.components()) names.push_back("d_" + c);
    counts.assign(names.size(), std::vector<double>(kHistBins, 0.0));
  }
  void add(std::size_t h, double v) {
    if (std::isnan(v)) return;
    int bin = std::clamp(static_cast<int>(v * kHistBins), 0, kHistBins - 1);
    counts[h][static_cast<std::size_t>(bin)] += 1;
  }
};

std::string absolute(const std::string& p) {
  return fs::absolute(p).lexically_normal().string();
}

}  // namespace

std::pair<int, int> parse_shard(const std::string& text) {
  int i = -1, n = -1;
  char tail = 0;
  const bool ok = std::sscanf(text.c_str(), "%d/%d%c", &i, &n, &tail) == 2 && n >= 1 && i >= 0 && i < n;
  HITFORGE_REQUIRE(ok, "--shard must be i/N with 0 <= i < N (e.g. 0/4), got '", text, "'");
  return {i, n};
}

nlohmann::json ScreenSummary::to_json() const {
  nlohmann::json f = nlohmann::json::object();
  for (const auto& [label, n] : by_filter) f[label] = n;
  return {{"records", records},
          {"ok", ok},
          {"invalid", invalid},
          {"filtered", filtered},
          {"by_filter", f},
          {"seconds", seconds},
          {"molecules_per_second", seconds > 0 ? records / seconds : 0.0}};
}

ScreenSummary run_screen(const ScoringFunction& sf, const ScreenOptions& o) {
  HITFORGE_REQUIRE(!o.out.empty(), "screen needs an output file");
  HITFORGE_REQUIRE(o.top_k >= 0, "--top-k must be >= 0");
  HITFORGE_REQUIRE(o.all_scores.empty() || o.top_k > 0,
                   "--all-scores only makes sense with --top-k (without it, "
                   "--out already holds every record)");
  HITFORGE_REQUIRE(o.chunk > 0, "chunk size must be positive");
  const std::string stream_path = o.top_k > 0 ? o.all_scores : o.out;
  // The stream is staged as CSV in any case (see the header); an .h5 stream is built from it when publishing.
  const std::string partial_path = stream_path.empty() ? std::string() : stream_path + ".partial";
  const std::string state_path = o.out + ".state.json";
  const bool top_h5 = o.top_k > 0 && is_hdf5_path(o.out);
  const bool stream_h5 = !stream_path.empty() && is_hdf5_path(stream_path);
  const std::size_t R = sf.raw_columns().size(), C = sf.components().size();
  // Refuse column names HDF5 cannot hold now, not after hours of scoring.
  if (top_h5 || stream_h5) check_hdf5_column_names(columns(sf, top_h5));
  const auto t0 = std::chrono::steady_clock::now();

  nlohmann::json identity = {
      {"version", kStateVersion},
      {"recipe", sf.resolved_recipe()},
      {"library", absolute(o.library)},
      {"shard", o.shard},
      {"n_shards", o.n_shards},
      {"top_k", o.top_k},
      {"all_scores", stream_path.empty() ? "" : absolute(stream_path)},
      {"chunk", o.chunk},  // model outputs depend (in the last digit) on batch composition
      {"library_bytes", fs::exists(o.library) ? static_cast<std::int64_t>(fs::file_size(o.library)) : -1}};
  ScreenSummary sum;
  for (const auto& label : sf.filters()) sum.by_filter.emplace_back(label, 0);
  Histograms hist;
  hist.init(sf);
  TopK top(o.top_k);
  std::int64_t next_index = 0, committed_bytes = 0;
  double seconds_before = 0;

  if (o.resume) {
    std::ifstream in(state_path);
    HITFORGE_REQUIRE(in.good(), "nothing to resume: '", state_path, "' does not exist (run without --resume)");
    nlohmann::json st;
    try {
      st = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw UsageError(str_cat("'", state_path, "' is not valid JSON: ", e.what()));
    }
    for (const auto& [key, value] : identity.items())
      HITFORGE_REQUIRE(st.value(key, nlohmann::json()) == value, "cannot resume: '", key,
                       "' differs from the "
                       "interrupted run's (",
                       st.value(key, nlohmann::json()).dump(), " vs ", value.dump(), ")");
    next_index = st.at("next_index").get<std::int64_t>();
    committed_bytes = st.at("stream_bytes").get<std::int64_t>();
    seconds_before = st.value("seconds", 0.0);
    sum.records = st.at("records").get<std::int64_t>();
    sum.ok = st.at("ok").get<std::int64_t>();
    sum.invalid = st.at("invalid").get<std::int64_t>();
    sum.filtered = st.at("filtered").get<std::int64_t>();
    for (auto& [label, n] : sum.by_filter) n = st.at("by_filter").at(label).get<std::int64_t>();
    hist.counts = st.at("histograms").get<std::vector<std::vector<double>>>();
    for (const auto& h : st.at("top")) top.offer(Hit{h.at(0).get<double>(), h.at(1).get<std::int64_t>(), h.at(2)});
    if (!partial_path.empty()) {
      // Killed while publishing a CSV stream: it was already renamed to its final name, the state not yet removed.
      // (An .h5 stream is a copy: its staging file stays until the state is gone.)
      if (!stream_h5 && !fs::exists(partial_path) && fs::exists(stream_path)) fs::rename(stream_path, partial_path);
      HITFORGE_REQUIRE(
          fs::exists(partial_path) && static_cast<std::int64_t>(fs::file_size(partial_path)) >= committed_bytes,
          "cannot resume: '", partial_path, "' is missing or shorter than its committed length");
    }
    core::log_info(str_cat("resuming after record ", next_index, " (", sum.records, " records committed)"));
  } else {
    HITFORGE_REQUIRE(!fs::exists(state_path), "'", state_path,
                     "' holds the state of an unfinished run: add "
                     "--resume to continue it, or delete it to start again");
  }

  std::unique_ptr<StreamFile> stream;
  if (!partial_path.empty()) {
    stream = std::make_unique<StreamFile>(partial_path, committed_bytes);
    if (committed_bytes == 0) stream->append_and_sync(table_header(columns(sf, false)) + "\n");
  }

  auto reader = chem::MoleculeReader::open(o.library, o.reader);
  auto bar = chem::record_progress(o.library, reader->format(), "screen", o.progress);
  std::vector<chem::InputRecord> records(o.chunk);
  chem::InputRecord rec;
  ScoredBatch batch;
  std::string buf;
  bool eof = false;
  std::int64_t read_total = 0;
  while (!eof) {
    std::size_t n = 0;
    std::int64_t last_index = next_index - 1;
    while (n < records.size()) {
      if (!reader->next(rec)) {
        eof = true;
        break;
      }
      ++read_total;
      if (rec.index < next_index || rec.index % o.n_shards != o.shard) continue;
      last_index = rec.index;
      std::swap(records[n++], rec);
    }
    if (n > 0) {
      sf.score(records, n, o.threads, batch);
      buf.clear();
      for (std::size_t i = 0; i < n; ++i) {
        std::string row = format_row(batch, i, R, C);
        const auto status = static_cast<chem::RecordStatus>(batch.chunk.status[i]);
        ++sum.records;
        if (status == chem::RecordStatus::ok) {
          ++sum.ok;
          hist.add(0, batch.score[i]);
          for (std::size_t c = 0; c < C; ++c) hist.add(1 + c, batch.desirability[i * C + c]);
          if (o.top_k > 0)
            top.offer(
                Hit{std::strtod(format_number(batch.score[i]).c_str(), nullptr), batch.chunk.source_index[i], row});
        } else if (status == chem::RecordStatus::invalid) {
          ++sum.invalid;
        } else {
          ++sum.filtered;
          for (auto& [label, count] : sum.by_filter)
            if (batch.chunk.reasons[i].compare(0, label.size() + 2, label + " (") == 0) {
              ++count;
              break;
            }
        }
        if (stream) (buf += row) += '\n';
      }
      if (stream) stream->append_and_sync(buf);
      next_index = last_index + 1;
      // Checkpoint: the stream's rows are durable; now publish the state that points past them.
      nlohmann::json st = identity;
      st["next_index"] = next_index;
      st["stream_bytes"] = stream ? stream->bytes() : 0;
      st["records"] = sum.records;
      st["ok"] = sum.ok;
      st["invalid"] = sum.invalid;
      st["filtered"] = sum.filtered;
      st["by_filter"] = nlohmann::json::object();
      for (const auto& [label, count] : sum.by_filter) st["by_filter"][label] = count;
      st["histograms"] = hist.counts;
      st["seconds"] = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      st["top"] = nlohmann::json::array();
      for (const auto& h : top.sorted()) st["top"].push_back({h.score, h.index, h.line});
      core::write_file_atomic(state_path, st.dump());
    }
    bar->add(static_cast<std::uint64_t>(read_total));
    read_total = 0;
  }
  bar->finish();
  sum.seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Publish: the top-k file, the stream (rename of its fsync'ed partial file, or an .h5 built from it), the summary
  // and plots; the state file goes last, so a crash in between still resumes (to an immediate finish that publishes
  // again; resume renames a CSV stream back). An .h5 stream's staging file is removed after the state: a crash
  // between the two leaves only that stale file, which the next run to the same output overwrites.
  TableInfo info;
  info.recipe = sf.resolved_recipe();
  info.library = o.library;
  info.shard = str_cat(o.shard, "/", o.n_shards);
  if (o.top_k > 0) {
    info.columns = columns(sf, true);
    std::int64_t rank = 0;
    if (top_h5) {
      H5TableWriter w(o.out, info);
      for (const auto& h : top.sorted()) w.add_row(str_cat(++rank, ",", h.line), str_cat("top-k row ", rank));
      w.commit();
    } else {
      std::string text = table_header(info.columns) + "\n";
      for (const auto& h : top.sorted()) text += str_cat(++rank, ",", h.line, "\n");
      core::write_file_atomic(o.out, text);
    }
  }
  if (stream) {
    stream->close();
    if (stream_h5) {
      info.columns = columns(sf, false);
      convert_csv_to_hdf5(partial_path, stream_path, info);
    } else {
      fs::rename(partial_path, stream_path);
      core::fsync_path(fs::absolute(stream_path).parent_path().string());
    }
  }
  nlohmann::json summary = sum.to_json();
  summary["recipe"] = sf.resolved_recipe();
  summary["library"] = o.library;
  summary["shard"] = str_cat(o.shard, "/", o.n_shards);
  std::vector<double> edges(kHistBins + 1);
  for (int b = 0; b <= kHistBins; ++b) edges[static_cast<std::size_t>(b)] = static_cast<double>(b) / kHistBins;
  summary["histograms"] = {{"edges", edges}};
  for (std::size_t h = 0; h < hist.names.size(); ++h) {
    summary["histograms"][hist.names[h]] = hist.counts[h];
    if (o.plots && sum.ok > 0) {
      core::ChartOptions co;
      co.title = str_cat(hist.names[h], " of ", sum.ok, " scored molecules");
      co.x_label = hist.names[h] == "score" ? "score (aggregate desirability)" : hist.names[h];
      co.y_label = "molecules";
      core::write_svg(str_cat(o.out, ".hist_", hist.names[h], ".svg"), core::histogram(edges, hist.counts[h], co));
    }
  }
  core::write_file_atomic(o.out + ".summary.json", summary.dump(2) + "\n");
  fs::remove(state_path);
  if (stream_h5) fs::remove(partial_path);
  return sum;
}

void merge_top_k(const std::vector<std::string>& inputs, const std::string& out, std::int64_t top_k) {
  HITFORGE_REQUIRE(!inputs.empty(), "merge needs at least one shard output");
  HITFORGE_REQUIRE(top_k > 0, "--top-k must be positive");
  TableInfo info;  // the first input's columns; the recipe of the first .h5 input
  std::string head;
  TopK top(top_k);
  std::unordered_set<std::int64_t> seen;
  std::vector<std::string> fields;
  for (const auto& path : inputs) {
    // CSV and .h5 inputs both read as CSV rows with the same text (screen_output.h), so they mix freely.
    auto in = TableReader::open(path);
    if (head.empty()) {
      head = in->header();
      info.columns = in->columns();
      HITFORGE_REQUIRE(info.columns.front() == "rank", "'", path,
                       "' is not a top-k file of hitforge screen (it has no rank column: an all-records output?)");
    } else {
      HITFORGE_REQUIRE(in->header() == head, "'", path, "' has other columns than '", inputs.front(),
                       "' (shards of one campaign must use the same recipe)");
    }
    // Recipes are not compared: a resolved recipe names model directories, which legitimately differ between
    // the machines that ran the shards. The columns are what CSV shards can be checked on too.
    if (info.recipe.is_null()) info.recipe = in->info().recipe;
    std::string row;
    while (in->next(row)) {
      // rank,index,id,smiles,status,reason,score,...: split off rank and read index and score (quoted fields are
      // possible in id, smiles and reason, so use the CSV splitter).
      HITFORGE_REQUIRE(chem::split_delimited(row, ',', fields) && fields.size() >= 7, in->where(),
                       ": not a row of a top-k file");
      Hit h;
      char* end = nullptr;
      h.index = std::strtoll(fields[1].c_str(), &end, 10);
      HITFORGE_REQUIRE(end && *end == 0 && !fields[1].empty(), in->where(), ": bad index '", fields[1], "'");
      h.score = std::strtod(fields[6].c_str(), &end);
      HITFORGE_REQUIRE(end && *end == 0 && !fields[6].empty(), in->where(), ": bad score '", fields[6], "'");
      HITFORGE_REQUIRE(seen.insert(h.index).second, in->where(), ": record index ", h.index,
                       " appears twice among the inputs (the same shard given twice, or shards of different N?)");
      h.line = row.substr(row.find(',') + 1);
      top.offer(std::move(h));
    }
  }
  std::int64_t rank = 0;
  if (is_hdf5_path(out)) {
    info.merged_from = inputs;
    H5TableWriter w(out, info);
    for (const auto& h : top.sorted()) w.add_row(str_cat(++rank, ",", h.line), str_cat("merged row ", rank));
    w.commit();
  } else {
    std::string text = head + "\n";
    for (const auto& h : top.sorted()) text += str_cat(++rank, ",", h.line, "\n");
    core::write_file_atomic(out, text);
  }
}

}  // namespace hitforge::screen
