#include "core/checksum.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/error.h"

namespace hitforge::core {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
  bool finished = false;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  HITFORGE_CHECK(impl_->ctx != nullptr, "EVP_MD_CTX_new failed");
  HITFORGE_CHECK(EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) == 1, "EVP_DigestInit_ex(sha256) failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::update(const void* data, std::size_t size) {
  HITFORGE_CHECK(!impl_->finished, "Sha256::update after hex_digest");
  if (size == 0) return;
  HITFORGE_CHECK(EVP_DigestUpdate(impl_->ctx, data, size) == 1, "EVP_DigestUpdate failed");
}

std::string Sha256::hex_digest() {
  HITFORGE_CHECK(!impl_->finished, "Sha256::hex_digest called twice");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HITFORGE_CHECK(EVP_DigestFinal_ex(impl_->ctx, md, &len) == 1 && len == 32, "EVP_DigestFinal_ex failed");
  impl_->finished = true;
  static const char* kHex = "0123456789abcdef";
  std::string out(2 * len, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 0xf];
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.hex_digest();
}

std::string sha256_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw UsageError(str_cat("cannot open '", path, "' to checksum it: ", std::strerror(errno)));
  Sha256 h;
  std::vector<char> buf(1 << 20);
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) h.update(buf.data(), n);
  bool failed = std::ferror(f) != 0;
  int err = errno;
  std::fclose(f);
  if (failed) throw UsageError(str_cat("reading '", path, "' failed: ", std::strerror(err)));
  return h.hex_digest();
}

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

}  // namespace hitforge::core
