#include "chem/fasta.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/atomic_file.h"
#include "core/error.h"

namespace hitforge::chem {
namespace {

constexpr std::size_t kChunk = 1 << 16;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool ends_with(const std::string& s, const char* suffix) {
  const std::size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

bool is_blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), is_space);
}

}  // namespace

FastaReader::FastaReader(const std::string& path) : path_(path), buf_(kChunk) {
  errno = 0;
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) {
    throw core::UsageError(core::str_cat("cannot open FASTA file '", path, "'",
                                         errno ? core::str_cat(": ", std::strerror(errno)) : std::string()));
  }
  gzbuffer(gz, kChunk);
  gz_ = gz;
}

FastaReader::~FastaReader() {
  if (gz_) {
    gzclose(static_cast<gzFile>(gz_));
  }
}

void FastaReader::fail(const std::string& what) const {
  throw core::UsageError(core::str_cat(path_, ":", line_no_, ": ", what));
}

bool FastaReader::fill() {
  if (eof_) {
    return false;
  }
  const int n = gzread(static_cast<gzFile>(gz_), buf_.data(), static_cast<unsigned>(buf_.size()));
  if (n < 0) {
    int code = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &code);
    fail(core::str_cat("read error: ", code == Z_ERRNO ? std::strerror(errno) : msg));
  }
  if (n == 0) {
    // gzread returns 0 both at a clean end and (in some zlib versions) at a truncated stream; gzerror tells them apart.
    int code = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &code);
    if (code != Z_OK && code != Z_STREAM_END) {
      fail(core::str_cat("read error: ", msg));
    }
    eof_ = true;
    return false;
  }
  pos_ = 0;
  end_ = static_cast<std::size_t>(n);
  return true;
}

bool FastaReader::read_line(std::string& line) {
  line.clear();
  bool got_any = false;
  for (;;) {
    if (pos_ == end_ && !fill()) {
      break;
    }
    got_any = true;
    const char* begin = buf_.data() + pos_;
    const char* nl = static_cast<const char*>(std::memchr(begin, '\n', end_ - pos_));
    if (nl) {
      line.append(begin, static_cast<std::size_t>(nl - begin));
      pos_ += static_cast<std::size_t>(nl - begin) + 1;
      break;
    }
    line.append(begin, end_ - pos_);
    pos_ = end_;
  }
  if (!got_any) {
    return false;
  }
  ++line_no_;
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return true;
}

bool FastaReader::next(FastaRecord& rec) {
  rec.id.clear();
  rec.description.clear();
  rec.sequence.clear();

  // Find the header: the one read ahead by the previous call, or the first non-blank line.
  if (has_pending_) {
    line_.swap(pending_header_);
    has_pending_ = false;
  } else {
    for (;;) {
      if (!read_line(line_)) {
        return false;
      }
      if (is_blank(line_) || line_[0] == ';') {
        continue;
      }
      if (line_[0] != '>') {
        fail("sequence data before the first '>' header");
      }
      break;
    }
  }

  // Parse ">id description".
  std::size_t i = 1;
  while (i < line_.size() && is_space(line_[i])) {
    ++i;
  }
  std::size_t j = i;
  while (j < line_.size() && !is_space(line_[j])) {
    ++j;
  }
  if (i == j) {
    fail("FASTA header without an id");
  }
  rec.id.assign(line_, i, j - i);
  while (j < line_.size() && is_space(line_[j])) {
    ++j;
  }
  std::size_t k = line_.size();
  while (k > j && is_space(line_[k - 1])) {
    --k;
  }
  rec.description.assign(line_, j, k - j);

  // Sequence lines up to the next header or end of file.
  while (read_line(line_)) {
    if (!line_.empty() && line_[0] == '>') {
      pending_header_.swap(line_);
      has_pending_ = true;
      break;
    }
    if (!line_.empty() && line_[0] == ';') {
      continue;
    }
    for (const char c : line_) {
      if (!is_space(c)) {
        rec.sequence += c;
      }
    }
  }
  return true;
}

std::vector<FastaRecord> read_fasta(const std::string& path) {
  FastaReader reader(path);
  std::vector<FastaRecord> out;
  FastaRecord rec;
  while (reader.next(rec)) {
    out.push_back(rec);
  }
  return out;
}

void write_fasta(const std::string& path, const std::vector<FastaRecord>& records, std::size_t line_width) {
  std::string text;
  for (std::size_t r = 0; r < records.size(); ++r) {
    const FastaRecord& rec = records[r];
    HITFORGE_REQUIRE(!rec.id.empty(), "FASTA record ", r, " has an empty id");
    HITFORGE_REQUIRE(std::none_of(rec.id.begin(), rec.id.end(), is_space), "FASTA id '", rec.id,
                     "' contains whitespace");
    HITFORGE_REQUIRE(rec.description.find_first_of("\r\n") == std::string::npos, "FASTA record '", rec.id,
                     "': description contains a line break");
    HITFORGE_REQUIRE(rec.sequence.find_first_of("\r\n>") == std::string::npos, "FASTA record '", rec.id,
                     "': sequence contains a line break or '>'");
    text += '>';
    text += rec.id;
    if (!rec.description.empty()) {
      text += ' ';
      text += rec.description;
    }
    text += '\n';
    const std::size_t width = line_width == 0 ? std::max<std::size_t>(rec.sequence.size(), 1) : line_width;
    for (std::size_t p = 0; p < rec.sequence.size(); p += width) {
      text.append(rec.sequence, p, width);
      text += '\n';
    }
  }

  if (!ends_with(path, ".gz")) {
    core::write_file_atomic(path, text);
    return;
  }
  core::AtomicFile file(path);
  gzFile gz = gzopen(file.temp_path().c_str(), "wb");
  HITFORGE_REQUIRE(gz, "cannot create '", file.temp_path(), "' for '", path, "'");
  std::size_t off = 0;
  bool ok = true;
  while (ok && off < text.size()) {
    const unsigned n = static_cast<unsigned>(std::min<std::size_t>(text.size() - off, kChunk));
    ok = gzwrite(gz, text.data() + off, n) == static_cast<int>(n);
    off += n;
  }
  ok = (gzclose(gz) == Z_OK) && ok;
  HITFORGE_REQUIRE(ok, "cannot write gzip FASTA '", path, "'");
  file.commit();
}

}  // namespace hitforge::chem
