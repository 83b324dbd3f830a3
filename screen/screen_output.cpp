#include "screen/screen_output.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "chem/molecule_reader.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hdf5_util.h"
#include "core/text.h"

namespace hitforge::screen {
using core::str_cat;
using core::UsageError;
namespace h5 = core::h5;
namespace fs = std::filesystem;

namespace {

constexpr const char* kFormatName = "hitforge-screen";
constexpr std::int64_t kFormatVersion = 1;
constexpr hsize_t kBlockRows = 4096;      // rows buffered per column before an HDF5 write, and the chunk size
constexpr int kDeflateLevel = 1;          // the dataset writer's default: most of the gain at a fraction of the time
constexpr std::size_t kFixedLeading = 6;  // index,id,smiles,status,reason,score

enum class ColType { int64, real, text };

// Types follow from a column's position in the fixed layout (names of raw columns are the user's and may be
// anything, so never infer a type from a name).
std::vector<ColType> column_types(const std::vector<std::string>& columns) {
  const std::size_t lead = !columns.empty() && columns[0] == "rank" ? 1 : 0;
  std::vector<ColType> t(columns.size(), ColType::real);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i <= lead)
      t[i] = ColType::int64;  // [rank,] index
    else if (i < lead + 5 || i + 1 == columns.size())
      t[i] = ColType::text;  // id, smiles, status, reason; notes
  }
  return t;
}

std::string abbreviated(const std::string& s) {
  return s.size() <= 80 ? s : s.substr(0, 77) + "...";
}

// One CSV record, which may span lines when a quoted field holds a newline (an SDF property used as id can):
// a record is complete once its double quotes balance (csv_field doubles the quotes inside a field).
bool read_csv_record(std::istream& in, std::string& record, std::int64_t& line_no) {
  if (!std::getline(in, record)) return false;
  ++line_no;
  auto quotes = std::count(record.begin(), record.end(), '"');
  std::string more;
  while (quotes % 2 == 1 && std::getline(in, more)) {
    ++line_no;
    record += '\n';
    record += more;
    quotes += std::count(more.begin(), more.end(), '"');
  }
  return true;
}

class CsvTableReader final : public TableReader {
 public:
  explicit CsvTableReader(const std::string& path) : path_(path), in_(path) {
    HITFORGE_REQUIRE(in_.good(), "cannot read '", path, "'");
    std::string head;
    HITFORGE_REQUIRE(read_csv_record(in_, head, line_no_), "'", path, "' is empty");
    HITFORGE_REQUIRE(chem::split_delimited(head, ',', info_.columns), "'", path, "' line 1: unbalanced quotes");
    check_table_columns(info_.columns, path);
  }
  bool next(std::string& row) override {
    do {
      start_line_ = line_no_ + 1;
      if (!read_csv_record(in_, row, line_no_)) return false;
    } while (row.empty());
    return true;
  }
  std::string where() const override { return str_cat("'", path_, "' line ", start_line_); }

 private:
  std::string path_;
  std::ifstream in_;
  std::int64_t line_no_ = 0, start_line_ = 0;
};

class H5TableReader final : public TableReader {
 public:
  explicit H5TableReader(const std::string& path) : path_(path) {
    file_ = h5::open_file(path);
    try {
      H5::Group root = file_.openGroup("/");
      HITFORGE_REQUIRE(h5::has_attr(root, "format") && h5::read_attr_string(root, "format") == kFormatName, "'", path,
                       "' is an HDF5 file but not a table of hitforge screen (no format = \"", kFormatName,
                       "\" attribute)");
      const auto version = h5::read_attr_int(root, "format_version");
      HITFORGE_REQUIRE(version <= kFormatVersion, "'", path, "' has screen table format version ", version,
                       "; this hitforge reads up to ", kFormatVersion, " (upgrade hitforge)");
      info_.columns = h5::read_attr_strings(root, "columns");
      check_table_columns(info_.columns, path);
      rows_ = static_cast<hsize_t>(h5::read_attr_int(root, "n_rows"));
      if (h5::has_attr(root, "recipe")) {
        const std::string text = h5::read_attr_string(root, "recipe");
        try {
          info_.recipe = nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception& e) {
          throw UsageError(str_cat("'", path, "': attribute 'recipe' is not valid JSON: ", e.what()));
        }
      }
      if (h5::has_attr(root, "library")) info_.library = h5::read_attr_string(root, "library");
      if (h5::has_attr(root, "shard")) info_.shard = h5::read_attr_string(root, "shard");
      if (h5::has_attr(root, "merged_from")) info_.merged_from = h5::read_attr_strings(root, "merged_from");
      types_ = column_types(info_.columns);
      for (const auto& c : info_.columns) {
        HITFORGE_REQUIRE(h5::exists(root, c), "'", path, "' has no dataset '", c, "' (its columns attribute lists it)");
        datasets_.push_back(root.openDataSet(c));
        const auto dims = h5::shape(datasets_.back());
        HITFORGE_REQUIRE(dims.size() == 1 && dims[0] == rows_, "'", path, "': dataset '", c,
                         "' is not 1-D with n_rows = ", rows_, " rows");
      }
    } catch (const H5::Exception& e) {
      throw UsageError(str_cat("cannot read '", path, "' as a screen table: ", e.getDetailMsg()));
    }
    ints_.resize(types_.size());
    reals_.resize(types_.size());
    texts_.resize(types_.size());
  }

  bool next(std::string& row) override {
    if (next_ == rows_) return false;
    if (next_ == block_start_ + block_rows_) load_block();
    const std::size_t r = next_ - block_start_;
    row.clear();
    for (std::size_t c = 0; c < types_.size(); ++c) {
      if (c) row += ',';
      switch (types_[c]) {
        case ColType::int64:
          row += std::to_string(ints_[c][r]);
          break;
        case ColType::real:
          row += format_number(reals_[c][r]);
          break;
        case ColType::text:
          core::append_csv_field(row, texts_[c][r]);
          break;
      }
    }
    ++next_;
    return true;
  }
  std::string where() const override { return str_cat("'", path_, "' row ", next_ - 1); }

 private:
  void load_block() {
    block_start_ = next_;
    block_rows_ = std::min(kBlockRows, rows_ - next_);
    try {
      for (std::size_t c = 0; c < types_.size(); ++c) {
        switch (types_[c]) {
          case ColType::int64:
            h5::read_rows(datasets_[c], block_start_, block_rows_, ints_[c]);
            break;
          case ColType::real:
            h5::read_rows(datasets_[c], block_start_, block_rows_, reals_[c]);
            break;
          case ColType::text:
            texts_[c] = h5::read_strings(datasets_[c], block_start_, block_rows_);
            break;
        }
      }
    } catch (const H5::Exception& e) {
      throw UsageError(str_cat("cannot read rows ", block_start_, "..", block_start_ + block_rows_ - 1, " of '", path_,
                               "': ", e.getDetailMsg()));
    }
  }

  std::string path_;
  H5::H5File file_;
  std::vector<H5::DataSet> datasets_;
  std::vector<ColType> types_;
  hsize_t rows_ = 0, next_ = 0, block_start_ = 0, block_rows_ = 0;
  std::vector<std::vector<std::int64_t>> ints_;
  std::vector<std::vector<double>> reals_;
  std::vector<std::vector<std::string>> texts_;
};

bool has_hdf5_signature(const std::string& path) {
  static const char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  std::ifstream in(path, std::ios::binary);
  char buf[8] = {};
  return in.read(buf, 8) && std::equal(buf, buf + 8, kSignature);
}

}  // namespace

bool is_hdf5_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".h5" || ext == ".hdf5";
}

std::string format_number(double v) {
  if (std::isnan(v)) return std::string();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", v);
  return buf;
}

std::string table_header(const std::vector<std::string>& columns) {
  std::string h;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) h += ',';
    core::append_csv_field(h, columns[i]);
  }
  return h;
}

std::vector<std::string> table_columns(const std::vector<std::string>& components,
                                       const std::vector<std::string>& raw_columns, bool ranked) {
  std::vector<std::string> c;
  if (ranked) c.push_back("rank");
  for (const char* f : {"index", "id", "smiles", "status", "reason", "score"}) c.emplace_back(f);
  for (const auto& d : components) c.push_back("d_" + d);
  c.insert(c.end(), raw_columns.begin(), raw_columns.end());
  c.emplace_back("notes");
  return c;
}

void check_table_columns(const std::vector<std::string>& columns, const std::string& path) {
  static const std::vector<std::string> kLeading = {"index", "id", "smiles", "status", "reason", "score"};
  const std::size_t lead = !columns.empty() && columns[0] == "rank" ? 1 : 0;
  const bool ok = columns.size() >= lead + kFixedLeading + 1 &&
                  std::equal(kLeading.begin(), kLeading.end(), columns.begin() + static_cast<std::ptrdiff_t>(lead)) &&
                  columns.back() == "notes";
  HITFORGE_REQUIRE(ok, "'", path, "' is not a table of hitforge screen (its columns are '",
                   abbreviated(table_header(columns)),
                   "'; expected [rank,]index,id,smiles,status,reason,score,...,notes)");
}

void check_hdf5_column_names(const std::vector<std::string>& columns) {
  std::set<std::string> seen;
  for (const auto& c : columns) {
    HITFORGE_REQUIRE(!c.empty() && c != "." && c.find('/') == std::string::npos, "the column '", c,
                     "' cannot name an HDF5 dataset ('/' separates HDF5 groups); give its recipe entry a \"label\" "
                     "without '/' or write CSV");
    HITFORGE_REQUIRE(seen.insert(c).second, "two columns are named '", c,
                     "', and an HDF5 table needs one dataset per column; give a recipe entry a distinct \"label\" or "
                     "write CSV");
  }
}

std::string TableReader::header() const {
  return table_header(info_.columns);
}

std::unique_ptr<TableReader> TableReader::open(const std::string& path) {
  HITFORGE_REQUIRE(std::ifstream(path).good(), "cannot read '", path, "'");
  if (has_hdf5_signature(path)) return std::make_unique<H5TableReader>(path);
  return std::make_unique<CsvTableReader>(path);
}

struct H5TableWriter::Impl {
  std::string path;
  TableInfo info;
  core::AtomicFile file;  // declared before h5: the HDF5 file closes before the temp file is removed
  H5::H5File h5;
  std::vector<ColType> types;
  std::vector<h5::Appender> numeric;     // per column; used where the type is int64 or real
  std::vector<h5::StringAppender> text;  // per column; used where the type is text
  std::vector<std::vector<std::int64_t>> ints;
  std::vector<std::vector<double>> reals;
  std::vector<std::vector<std::string>> strings;
  std::vector<std::string> fields;
  std::vector<std::int64_t> parsed_ints;
  std::vector<double> parsed_reals;
  std::int64_t rows = 0;
  std::size_t buffered = 0;
  bool committed = false;

  Impl(const std::string& p, TableInfo i) : path(p), info(std::move(i)), file(p) {
    check_table_columns(info.columns, path);
    check_hdf5_column_names(info.columns);
    types = column_types(info.columns);
    h5 = h5::create_file(file.temp_path());
    const std::size_t n = types.size();
    numeric.resize(n);
    text.resize(n);
    ints.resize(n);
    reals.resize(n);
    strings.resize(n);
    try {
      H5::Group root = h5.openGroup("/");
      for (std::size_t c = 0; c < n; ++c) {
        const auto& name = info.columns[c];
        switch (types[c]) {
          case ColType::int64:
            numeric[c] = h5::Appender(root, name, H5::PredType::NATIVE_INT64, 0, kBlockRows, kDeflateLevel);
            break;
          case ColType::real:
            numeric[c] = h5::Appender(root, name, H5::PredType::NATIVE_DOUBLE, 0, kBlockRows, kDeflateLevel);
            break;
          case ColType::text:
            text[c] = h5::StringAppender(root, name, kBlockRows, kDeflateLevel);
            break;
        }
      }
    } catch (const H5::Exception& e) {
      throw UsageError(str_cat("cannot create the datasets of '", path, "': ", e.getDetailMsg()));
    }
  }

  void flush() {
    if (buffered == 0) return;
    try {
      for (std::size_t c = 0; c < types.size(); ++c) {
        switch (types[c]) {
          case ColType::int64:
            numeric[c].append(ints[c].data(), buffered);
            ints[c].clear();
            break;
          case ColType::real:
            numeric[c].append(reals[c].data(), buffered);
            reals[c].clear();
            break;
          case ColType::text:
            text[c].append(strings[c]);
            strings[c].clear();
            break;
        }
      }
    } catch (const H5::Exception& e) {
      throw UsageError(str_cat("writing '", path, "' failed (disk full?): ", e.getDetailMsg()));
    }
    buffered = 0;
  }

  void add_row(std::string_view row, const std::string& where) {
    HITFORGE_REQUIRE(chem::split_delimited(row, ',', fields), where, ": unbalanced quotes");
    HITFORGE_REQUIRE(fields.size() == types.size(), where, ": ", fields.size(), " fields, but the table has ",
                     types.size(), " columns");
    // Parse the whole row before buffering any of it, so that a bad row leaves the columns equally long.
    parsed_ints.assign(types.size(), 0);
    parsed_reals.assign(types.size(), 0.0);
    for (std::size_t c = 0; c < types.size(); ++c) {
      const std::string& f = fields[c];
      char* end = nullptr;
      if (types[c] == ColType::int64) {
        parsed_ints[c] = std::strtoll(f.c_str(), &end, 10);
        HITFORGE_REQUIRE(!f.empty() && *end == 0, where, ": column '", info.columns[c], "' must be an integer, got '",
                         f, "'");
      } else if (types[c] == ColType::real) {
        // An empty field is "no value" (a filtered or invalid record): NaN, as the in-memory scores have it.
        parsed_reals[c] = f.empty() ? std::nan("") : std::strtod(f.c_str(), &end);
        HITFORGE_REQUIRE(f.empty() || *end == 0, where, ": column '", info.columns[c], "' must be a number, got '", f,
                         "'");
      }
    }
    for (std::size_t c = 0; c < types.size(); ++c) {
      switch (types[c]) {
        case ColType::int64:
          ints[c].push_back(parsed_ints[c]);
          break;
        case ColType::real:
          reals[c].push_back(parsed_reals[c]);
          break;
        case ColType::text:
          strings[c].push_back(std::move(fields[c]));
          break;
      }
    }
    ++rows;
    if (++buffered == kBlockRows) flush();
  }

  void commit() {
    HITFORGE_CHECK(!committed, "commit() called twice for ", path);
    flush();
    try {
      H5::Group root = h5.openGroup("/");
      h5::write_attr(root, "format", std::string(kFormatName));
      h5::write_attr(root, "format_version", kFormatVersion);
      h5::write_attr(root, "hitforge_version", std::string(HITFORGE_VERSION));
      h5::write_attr(root, "kind", std::string(info.columns[0] == "rank" ? "top_k" : "records"));
      h5::write_attr(root, "columns", info.columns);
      h5::write_attr(root, "n_rows", rows);
      if (!info.recipe.is_null()) h5::write_attr(root, "recipe", info.recipe.dump());
      if (!info.library.empty()) h5::write_attr(root, "library", info.library);
      if (!info.shard.empty()) h5::write_attr(root, "shard", info.shard);
      if (!info.merged_from.empty()) h5::write_attr(root, "merged_from", info.merged_from);
      h5.close();
    } catch (const H5::Exception& e) {
      throw UsageError(str_cat("writing '", path, "' failed: ", e.getDetailMsg()));
    }
    file.commit();
    committed = true;
  }
};

H5TableWriter::H5TableWriter(const std::string& path, TableInfo info)
    : impl_(std::make_unique<Impl>(path, std::move(info))) {}

H5TableWriter::~H5TableWriter() {
  if (impl_ && !impl_->committed) {
    try {
      impl_->h5.close();  // before AtomicFile removes the temporary file
    } catch (...) {
    }
  }
}

void H5TableWriter::add_row(std::string_view csv_row, const std::string& where) {
  impl_->add_row(csv_row, where);
}
std::int64_t H5TableWriter::rows() const {
  return impl_->rows;
}
void H5TableWriter::commit() {
  impl_->commit();
}

void convert_csv_to_hdf5(const std::string& csv_path, const std::string& h5_path, const TableInfo& info) {
  CsvTableReader in(csv_path);
  HITFORGE_REQUIRE(in.columns() == info.columns, "'", csv_path, "' has the columns '", abbreviated(in.header()),
                   "', not the ones '", h5_path, "' is to get ('", abbreviated(table_header(info.columns)), "')");
  H5TableWriter out(h5_path, info);
  std::string row;
  while (in.next(row)) out.add_row(row, in.where());
  out.commit();
}

}  // namespace hitforge::screen
