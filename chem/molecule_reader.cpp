#include "chem/molecule_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "chem/line_reader.h"
#include "core/error.h"

namespace hitforge::chem {
using core::str_cat;
using core::UsageError;

std::string detect_format(const std::string& path) {
  std::string p = path;
  if (ends_with_ci(p, ".gz")) p.resize(p.size() - 3);
  for (auto [ext, fmt] : {std::pair{".smi", "smi"}, {".smiles", "smi"}, {".ism", "smi"}, {".csv", "csv"},
                          {".tsv", "tsv"}, {".tab", "tsv"}, {".sdf", "sdf"}, {".sd", "sdf"}, {".mol", "sdf"}}) {
    if (ends_with_ci(p, ext)) return fmt;
  }
  throw UsageError(str_cat("cannot tell the format of '", path,
                           "' from its extension (expected .smi/.ism/.csv/.tsv/.sdf, optionally .gz); "
                           "pass --format"));
}

bool split_delimited(std::string_view line, char delim, std::vector<std::string>& fields) {
  fields.clear();
  std::string cur;
  size_t i = 0;
  while (true) {
    cur.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cur.push_back('"');
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        cur.push_back(line[i++]);
      }
      if (!closed) return false;
      while (i < line.size() && line[i] != delim) cur.push_back(line[i++]);  // text after the closing quote
    } else {
      size_t end = line.find(delim, i);
      if (end == std::string_view::npos) end = line.size();
      cur.assign(line.substr(i, end - i));
      i = end;
    }
    fields.push_back(cur);
    if (i >= line.size()) break;
    ++i;  // skip delimiter
    if (i == line.size()) {
      fields.emplace_back();  // trailing empty field
      break;
    }
  }
  return true;
}

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
class SmiReader final : public MoleculeReader {
 public:
  explicit SmiReader(const std::string& path) : lines_(path) {}
  std::string format() const override { return "smi"; }
  bool next(InputRecord& r) override {
    std::string_view line;
    while (lines_.next(line)) {
      if (line.empty() || line[0] == '#') continue;
      size_t ws = line.find_first_of(" \t");
      std::string_view smi = line.substr(0, ws);
      std::string_view rest = ws == std::string_view::npos ? std::string_view() : line.substr(ws + 1);
      // CXSMILES: "CCO |$a;b;c$| name" keeps the |...| extension with the SMILES.
      if (!rest.empty() && rest[0] == '|') {
        size_t close = rest.find('|', 1);
        size_t ext_end = close == std::string_view::npos ? rest.size() : close + 1;
        smi = line.substr(0, ws + 1 + ext_end);
        rest = rest.substr(ext_end);
      }
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
      size_t name_end = rest.find_first_of(" \t");
      std::string_view name = rest.substr(0, name_end);
      if (first_ && lower(std::string(smi)) == "smiles") {  // header line
        first_ = false;
        continue;
      }
      first_ = false;
      r.index = index_++;
      r.line = lines_.line_number();
      r.text.assign(smi);
      r.id.assign(name);
      r.is_molblock = false;
      r.values.clear();
      r.error.clear();
      return true;
    }
    return false;
  }

 private:
  LineReader lines_;
  std::int64_t index_ = 0;
  bool first_ = true;
};

// ---------------------------------------------------------------------------------------------------------------
class DelimitedReader final : public MoleculeReader {
 public:
  DelimitedReader(const std::string& path, char delim, const ReaderOptions& opt)
      : lines_(path), delim_(delim), fmt_(delim == ',' ? "csv" : "tsv") {
    std::string_view line;
    if (!lines_.next(line)) throw UsageError(str_cat("'", path, "' is empty (expected a header line)"));
    if (!split_delimited(line, delim_, header_))
      throw UsageError(str_cat("'", path, "' line 1: unterminated quote in the header"));
    auto find_col = [&](const std::string& name) -> int {
      for (size_t i = 0; i < header_.size(); ++i)
        if (header_[i] == name) return static_cast<int>(i);
      return -1;
    };
    auto missing = [&](const std::string& what, const std::string& name) {
      std::string cols;
      for (auto& h : header_) cols += (cols.empty() ? "" : ", ") + h;
      return UsageError(str_cat("'", path, "' has no ", what, " column '", name, "' (columns: ", cols, ")"));
    };
    if (!opt.smiles_col.empty()) {
      smiles_ = find_col(opt.smiles_col);
      if (smiles_ < 0) throw missing("SMILES", opt.smiles_col);
    } else {
      for (size_t i = 0; i < header_.size() && smiles_ < 0; ++i) {
        std::string h = lower(header_[i]);
        if (h == "smiles" || h == "canonical_smiles" || h == "smi" || h == "mol" || h == "isosmiles")
          smiles_ = static_cast<int>(i);
      }
      if (smiles_ < 0) throw missing("SMILES", "smiles (auto-detected; pass --smiles-col)");
    }
    if (!opt.id_col.empty()) {
      id_ = find_col(opt.id_col);
      if (id_ < 0) throw missing("id", opt.id_col);
    }
    for (const auto& v : opt.value_cols) {
      int c = find_col(v);
      if (c < 0) throw missing("value", v);
      values_.push_back(c);
    }
  }
  std::string format() const override { return fmt_; }
  std::vector<std::string> columns() const override { return header_; }
  bool next(InputRecord& r) override {
    std::string_view line;
    while (lines_.next(line)) {
      if (line.empty()) continue;
      r.index = index_++;
      r.line = lines_.line_number();
      r.is_molblock = false;
      r.error.clear();
      r.values.assign(values_.size(), std::string());
      r.text.clear();
      r.id.clear();
      if (!split_delimited(line, delim_, fields_)) {
        r.error = str_cat("line ", r.line, ": unterminated quote");
        return true;
      }
      if (fields_.size() != header_.size()) {
        r.error = str_cat("line ", r.line, ": ", fields_.size(), " fields but the header has ", header_.size());
        if (static_cast<int>(fields_.size()) <= smiles_) return true;
      }
      auto get = [&](int c) { return c >= 0 && c < static_cast<int>(fields_.size()) ? fields_[c] : std::string(); };
      r.text = get(smiles_);
      r.id = get(id_);
      for (size_t k = 0; k < values_.size(); ++k) r.values[k] = get(values_[k]);
      return true;
    }
    return false;
  }

 private:
  LineReader lines_;
  char delim_;
  std::string fmt_;
  std::vector<std::string> header_, fields_;
  int smiles_ = -1, id_ = -1;
  std::vector<int> values_;
  std::int64_t index_ = 0;
};

// ---------------------------------------------------------------------------------------------------------------
class SdfReader final : public MoleculeReader {
 public:
  SdfReader(const std::string& path, const ReaderOptions& opt) : lines_(path), opt_(opt) {}
  std::string format() const override { return "sdf"; }
  bool next(InputRecord& r) override {
    std::string_view line;
    r.text.clear();
    r.error.clear();
    r.id.clear();
    r.values.assign(opt_.value_cols.size(), std::string());
    r.is_molblock = true;
    bool any = false, in_block = true, ended = false;
    std::string prop;  // current data item name
    std::string title;
    while (lines_.next(line)) {
      if (!any) {
        any = true;
        r.line = lines_.line_number();
        title.assign(line);
      }
      if (line.substr(0, 4) == "$$$$") {
        ended = true;
        break;
      }
      if (in_block) {
        r.text.append(line).push_back('\n');
        if (line.substr(0, 6) == "M  END") in_block = false;
        if (r.text.size() > kMaxRecordBytes) {
          r.error = str_cat("line ", r.line, ": SDF record larger than ", kMaxRecordBytes, " bytes");
          skip_to_end();
          ended = true;
          break;
        }
        continue;
      }
      if (!line.empty() && line[0] == '>') {
        size_t a = line.find('<'), b = line.rfind('>');
        prop = (a != std::string_view::npos && b != std::string_view::npos && b > a) ? std::string(line.substr(a + 1, b - a - 1)) : "";
        continue;
      }
      if (line.empty()) {
        prop.clear();
        continue;
      }
      if (!prop.empty()) assign_prop(r, prop, line);
    }
    if (!any) return false;
    r.index = index_++;
    if (in_block && r.error.empty()) r.error = str_cat("line ", r.line, ": SDF record has no 'M  END' line");
    if (!ended && r.error.empty() && in_block) r.error = str_cat("line ", r.line, ": truncated SDF record");
    if (opt_.id_col.empty()) r.id = title;  // otherwise the id property (possibly absent → "")
    while (!r.id.empty() && (r.id.back() == ' ' || r.id.back() == '\t')) r.id.pop_back();
    return true;
  }

 private:
  static constexpr size_t kMaxRecordBytes = 16u << 20;
  void assign_prop(InputRecord& r, const std::string& prop, std::string_view value) {
    if (!opt_.id_col.empty() && prop == opt_.id_col && r.id.empty()) r.id.assign(value);
    for (size_t k = 0; k < opt_.value_cols.size(); ++k)
      if (opt_.value_cols[k] == prop && r.values[k].empty()) r.values[k].assign(value);
  }
  void skip_to_end() {
    std::string_view line;
    while (lines_.next(line))
      if (line.substr(0, 4) == "$$$$") return;
  }
  LineReader lines_;
  ReaderOptions opt_;
  std::int64_t index_ = 0;
};

}  // namespace

std::size_t MoleculeReader::next_chunk(std::vector<InputRecord>& records) {
  std::size_t n = 0;
  while (n < records.size() && next(records[n])) ++n;
  return n;
}

std::unique_ptr<MoleculeReader> MoleculeReader::open(const std::string& path, const ReaderOptions& options) {
  std::string fmt = options.format.empty() ? detect_format(path) : options.format;
  if (fmt == "smi") return std::make_unique<SmiReader>(path);
  if (fmt == "csv") return std::make_unique<DelimitedReader>(path, ',', options);
  if (fmt == "tsv") return std::make_unique<DelimitedReader>(path, '\t', options);
  if (fmt == "sdf") return std::make_unique<SdfReader>(path, options);
  throw UsageError(str_cat("unknown input format '", fmt, "' (use smi, csv, tsv or sdf)"));
}

std::unique_ptr<core::ProgressBar> record_progress(const std::string& path, const std::string& format,
                                                   const std::string& label, bool enabled) {
  core::ProgressOptions po;
  po.label = label;
  po.unit = "mol";
  po.enabled = enabled;
  std::int64_t total = count_records_fast(path, format);
  return std::make_unique<core::ProgressBar>(total > 0 ? static_cast<std::uint64_t>(total) : 0, po);
}

std::int64_t count_records_fast(const std::string& path, const std::string& format) {
  if (ends_with_ci(path, ".gz")) return -1;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) {
    ::close(fd);
    return st.st_size == 0 ? 0 : -1;
  }
  void* p = ::mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return -1;
  const char* s = static_cast<const char*>(p);
  const char* end = s + st.st_size;
  std::int64_t n = 0;
  if (format == "sdf") {
    for (const char* q = s; (q = static_cast<const char*>(std::memchr(q, '$', end - q))); ++q)
      if (end - q >= 4 && std::memcmp(q, "$$$$", 4) == 0 && (q == s || q[-1] == '\n')) ++n, q += 3;
  } else {
    for (const char* q = s; (q = static_cast<const char*>(std::memchr(q, '\n', end - q))); ++q) ++n;
    if (end[-1] != '\n') ++n;
    if (format == "csv" || format == "tsv") --n;  // header
  }
  ::munmap(p, st.st_size);
  return std::max<std::int64_t>(n, 0);
}

}  // namespace hitforge::chem
