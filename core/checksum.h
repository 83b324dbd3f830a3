#pragma once
// SHA-256 (FIPS 180-4) through OpenSSL's EVP interface: streaming over files of any size, or over bytes in memory.
// Digests are returned as 64 lowercase hex characters, the format `sha256sum` prints.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace hitforge::core {

/// Incremental SHA-256. Not copyable; one object per stream; not thread-safe (use one per thread).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  /// Finishes the stream and returns its digest as lowercase hex. update() after this is an InternalError.
  std::string hex_digest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// SHA-256 of `bytes`, lowercase hex.
std::string sha256_hex(std::string_view bytes);

/// SHA-256 of the file's contents, read in 1 MiB chunks (constant memory), lowercase hex.
/// Throws UsageError naming the path when it cannot be opened or read.
std::string sha256_file(const std::string& path);

/// True when `s` is exactly 64 hex digits (either case).
bool is_sha256_hex(std::string_view s);

}  // namespace hitforge::core
