#pragma once
// Atomic publishing of artifacts: write to a temporary file in the destination directory, fsync it, rename it over
// the final name, fsync the directory. A crash at any point leaves either the old file or the complete new one,
// never a partial file under the final name.
#include <string>
#include <string_view>

namespace hitforge::core {

class AtomicFile {
 public:
  /// Reserves a temporary path next to `final_path` ("<dir>/.<name>.tmp-<pid>-<n>"). Nothing is created yet.
  explicit AtomicFile(std::string final_path);
  /// Removes the temporary file unless commit() succeeded.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Where the writer should write (any API: ofstream, HDF5, ...). Close it before commit().
  const std::string& temp_path() const { return temp_; }
  const std::string& final_path() const { return final_; }
  /// fsync(temp) → rename(temp, final) → fsync(dir). Throws UsageError naming the path on failure.
  void commit();
  bool committed() const { return committed_; }

 private:
  std::string final_, temp_;
  bool committed_ = false;
};

/// Writes `content` to `path` atomically.
void write_file_atomic(const std::string& path, std::string_view content);
/// fsyncs a file or directory by path; throws UsageError on failure.
void fsync_path(const std::string& path);

}  // namespace hitforge::core
