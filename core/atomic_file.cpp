#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace hitforge::core {
namespace fs = std::filesystem;
namespace {
std::atomic<unsigned> g_counter{0};
}

void fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UsageError(str_cat("cannot open '", path, "' to sync it: ", std::strerror(errno)));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  // Some file systems refuse fsync on directories (EINVAL); the rename is still atomic there.
  if (rc != 0 && err != EINVAL) throw UsageError(str_cat("fsync of '", path, "' failed: ", std::strerror(err)));
}

AtomicFile::AtomicFile(std::string final_path) : final_(std::move(final_path)) {
  fs::path p(final_);
  HITFORGE_REQUIRE(!p.filename().empty(), "output path '", final_, "' names no file");
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  temp_ = (dir / str_cat(".", p.filename().string(), ".tmp-", ::getpid(), "-", g_counter++)).string();
}

AtomicFile::~AtomicFile() {
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::commit() {
  HITFORGE_CHECK(!committed_, "commit() called twice for ", final_);
  fsync_path(temp_);
  if (::rename(temp_.c_str(), final_.c_str()) != 0)
    throw UsageError(str_cat("cannot publish '", final_, "': ", std::strerror(errno)));
  committed_ = true;
  fs::path dir = fs::path(final_).parent_path();
  fsync_path(dir.empty() ? "." : dir.string());
}

void write_file_atomic(const std::string& path, std::string_view content) {
  AtomicFile out(path);
  std::FILE* f = std::fopen(out.temp_path().c_str(), "wb");
  if (!f) throw UsageError(str_cat("cannot write '", path, "': ", std::strerror(errno)));
  size_t n = std::fwrite(content.data(), 1, content.size(), f);
  bool ok = n == content.size() && std::fflush(f) == 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) throw UsageError(str_cat("writing '", path, "' failed: ", std::strerror(errno)));
  out.commit();
}

}  // namespace hitforge::core
