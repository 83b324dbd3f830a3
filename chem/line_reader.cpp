#include "chem/line_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace hitforge::chem {

bool ends_with_ci(const std::string& s, const std::string& suffix) {
  if (suffix.size() > s.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
}

LineReader::LineReader(const std::string& path) : path_(path), buf_(1 << 20) {
  gz_ = ::gzopen(path.c_str(), "rb");
  if (!gz_) throw core::UsageError(core::str_cat("cannot open '", path, "': ", std::strerror(errno ? errno : ENOENT)));
  ::gzbuffer(gz_, 1 << 18);
}

LineReader::~LineReader() {
  if (gz_) ::gzclose(gz_);
}

bool LineReader::fill() {
  if (eof_) return false;
  int n = ::gzread(gz_, buf_.data(), static_cast<unsigned>(buf_.size()));
  if (n < 0) {
    int err = 0;
    const char* msg = ::gzerror(gz_, &err);
    throw core::UsageError(core::str_cat("error reading '", path_, "' near line ", line_no_ + 1, ": ", msg));
  }
  if (static_cast<size_t>(n) < buf_.size()) {
    // zlib reports a gzip stream that stops before its end (a truncated download or copy) only as Z_BUF_ERROR
    // after the short read; without this check the last record would be silently cut.
    int err = Z_OK;
    ::gzerror(gz_, &err);
    if (err == Z_BUF_ERROR)
      throw core::UsageError(core::str_cat("'", path_, "' is truncated: its gzip stream ends early (near line ",
                                           line_no_ + 1, "); the file is incomplete"));
  }
  begin_ = 0;
  end_ = static_cast<size_t>(n);
  if (n == 0) eof_ = true;
  return n > 0;
}

bool LineReader::next(std::string_view& line) {
  carry_.clear();
  bool have_partial = false;
  while (true) {
    if (begin_ == end_ && !fill()) {
      if (!have_partial) return false;
      line = carry_;
      break;
    }
    const char* start = buf_.data() + begin_;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
    if (nl) {
      size_t len = static_cast<size_t>(nl - start);
      begin_ += len + 1;
      if (have_partial) {
        carry_.append(start, len);
        line = carry_;
      } else {
        line = std::string_view(start, len);
      }
      break;
    }
    carry_.append(start, end_ - begin_);
    have_partial = true;
    begin_ = end_;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++line_no_;
  return true;
}

}  // namespace hitforge::chem
