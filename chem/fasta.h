#pragma once
// FASTA files (protein targets), read as a stream so that UniProt-sized files never sit in memory at once.
//
// Format accepted:
//   >ID DESCRIPTION        header: id = first whitespace-delimited word after '>', description = the rest (trimmed)
//   SEQUENCE LINES...      joined; all whitespace inside them is removed
// Blank lines and ';' comment lines are skipped; CRLF line ends are accepted; ".gz" files (or any gzip-compressed
// file — detection is by content, plain files read through the same path) are decompressed on the fly by zlib.
// A record may have an empty sequence (the caller decides). Errors (core::UsageError) name the file and the 1-based
// line: sequence data before the first header, a header with no id, a truncated or corrupt gzip stream.
// No residue alphabet check here: see ProteinTokenizer::check.
#include <cstddef>
#include <string>
#include <vector>

namespace hitforge::chem {

struct FastaRecord {
  std::string id;
  std::string description;
  std::string sequence;
};

class FastaReader {
 public:
  /// Opens `path` (plain or gzip). Throws core::UsageError naming the path when it cannot be opened.
  explicit FastaReader(const std::string& path);
  ~FastaReader();
  FastaReader(const FastaReader&) = delete;
  FastaReader& operator=(const FastaReader&) = delete;

  /// Reads the next record into `rec` (its buffers are reused); false at end of file.
  bool next(FastaRecord& rec);
  /// 1-based number of the last line read.
  std::size_t line_number() const { return line_no_; }
  const std::string& path() const { return path_; }

 private:
  bool read_line(std::string& line);  // false at end of file; strips "\n" / "\r\n"
  bool fill();                        // refills buf_; false at end of file
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  void* gz_ = nullptr;  // gzFile (kept out of the header so that users need not include zlib.h)
  std::vector<char> buf_;
  std::size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  std::size_t line_no_ = 0;
  std::string line_;
  std::string pending_header_;  // header line already read for the next record
  bool has_pending_ = false;
};

/// Reads a whole FASTA file (convenience for small files and tests).
std::vector<FastaRecord> read_fasta(const std::string& path);

/// Writes `records` to `path` atomically (temp file, fsync, rename), sequence lines wrapped at `line_width` residues
/// (0 = one line). A path ending in ".gz" is gzip-compressed. Throws core::UsageError for an empty id, whitespace in
/// an id, a line break in a description or sequence, or an I/O failure.
void write_fasta(const std::string& path, const std::vector<FastaRecord>& records, std::size_t line_width = 60);

}  // namespace hitforge::chem
