#pragma once
// Helpers shared by the Catch2 tests: fixture paths, scratch directories, running the built CLI.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace hitforge::testing {

/// tests/data (HITFORGE_TEST_DATA is set by CTest).
inline std::string data_path(const std::string& name) {
  const char* dir = std::getenv("HITFORGE_TEST_DATA");
  return (std::filesystem::path(dir ? dir : HITFORGE_TEST_DATA_DIR) / name).string();
}

/// Debian rdkit-data files (e.g. "Data/NCI/first_5K.smi").
inline std::string rdkit_data(const std::string& rel) { return "/usr/share/RDKit/" + rel; }

/// A fresh scratch directory, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hitforge-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : throw std::runtime_error("mkdtemp failed");
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace hitforge::testing
