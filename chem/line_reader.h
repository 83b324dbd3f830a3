#pragma once
// Buffered line reader for plain or gzip-compressed text (zlib reads plain files transparently).
// Lines are returned without the trailing "\n" / "\r\n"; embedded NUL bytes are kept (the SMILES checks report them).
#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hitforge::chem {

class LineReader {
 public:
  /// Throws UsageError naming the path when it cannot be opened.
  explicit LineReader(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// Next line; the view is valid until the next call. False at end of input.
  bool next(std::string_view& line);
  /// 1-based number of the line last returned.
  std::int64_t line_number() const { return line_no_; }
  const std::string& path() const { return path_; }

 private:
  bool fill();
  std::string path_;
  gzFile gz_ = nullptr;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  std::string carry_;  // a line longer than the buffer is assembled here
  std::int64_t line_no_ = 0;
};

/// True when `path` ends with `suffix` (case-insensitive).
bool ends_with_ci(const std::string& path, const std::string& suffix);

}  // namespace hitforge::chem
