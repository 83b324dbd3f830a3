#pragma once
// Helpers for black-box tests of the built executables: run a command, capture output and exit code.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace hitforge::testing {

struct Result {
  int rc;
  std::string out;  ///< stdout and stderr together
};

/// The `hitforge` under test (HITFORGE_BIN from CTest, else the one built with the tests).
inline std::string bin() {
  const char* b = std::getenv("HITFORGE_BIN");
  return b ? b : HITFORGE_BIN_PATH;
}

inline Result shell(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// Runs `hitforge ARGS`.
inline Result run(const std::string& args) { return shell(bin() + " " + args); }

inline bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace hitforge::testing
