#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "core/checksum.h"
#include "core/error.h"
#include "test_util.h"

using namespace hitforge;
using hitforge::testing::TempDir;

namespace {
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}
}  // namespace

TEST_CASE("sha256 of strings equals the FIPS 180-4 test vectors", "[core][datasets]") {
  CHECK(core::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(core::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(core::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("streaming sha256 equals one-shot sha256 however the input is cut", "[core][datasets]") {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>(i * 131 % 256);
  const std::string one_shot = core::sha256_hex(data);
  for (std::size_t chunk : {1u, 63u, 64u, 65u, 4096u}) {
    core::Sha256 h;
    for (std::size_t pos = 0; pos < data.size(); pos += chunk) h.update(std::string_view(data).substr(pos, chunk));
    CHECK(h.hex_digest() == one_shot);
  }
}

TEST_CASE("sha256_file of an empty file and of a file larger than the read buffer", "[core][datasets]") {
  TempDir dir;
  write_bytes(dir.file("empty"), "");
  CHECK(core::sha256_file(dir.file("empty")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  write_bytes(dir.file("abc"), "abc");
  CHECK(core::sha256_file(dir.file("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // One million 'a' (the FIPS 180-4 long-message vector).
  write_bytes(dir.file("million"), std::string(1000000, 'a'));
  CHECK(core::sha256_file(dir.file("million")) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Crosses the 1 MiB read-chunk boundary several times.
  std::string big(3 * (1 << 20) + 17, 'x');
  write_bytes(dir.file("big"), big);
  CHECK(core::sha256_file(dir.file("big")) == core::sha256_hex(big));
}

TEST_CASE("sha256_file on a missing path is a UsageError naming it", "[core][datasets]") {
  TempDir dir;
  try {
    core::sha256_file(dir.file("nope.csv"));
    FAIL("expected UsageError");
  } catch (const core::UsageError& e) {
    CHECK(std::string(e.what()).find("nope.csv") != std::string::npos);
  }
  CHECK_THROWS_AS(core::sha256_file(dir.path()), core::UsageError);  // a directory cannot be read
}

TEST_CASE("is_sha256_hex accepts exactly 64 hex digits", "[core][datasets]") {
  CHECK(core::is_sha256_hex(core::sha256_hex("x")));
  CHECK(core::is_sha256_hex(std::string(64, 'A')));
  CHECK_FALSE(core::is_sha256_hex(std::string(63, 'a')));
  CHECK_FALSE(core::is_sha256_hex(std::string(64, 'g')));
  CHECK_FALSE(core::is_sha256_hex(""));
}
