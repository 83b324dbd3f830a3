#pragma once
// Helpers for black-box tests of the built executables: run a command, capture output and exit code.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

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

/// Builds the 600-molecule TPSA fixture into `path` with `featurizer` and adds a random split named "r".
inline void build_tpsa_dataset(const std::string& path, const std::string& featurizer,
                               const std::string& extra_build_args = "") {
  const char* data = std::getenv("HITFORGE_TEST_DATA");
  std::string csv = std::string(data ? data : HITFORGE_TEST_DATA_DIR) + "/nci_tpsa_600.csv";
  auto b = run("dataset build " + csv + " --targets tpsa --featurizer " + featurizer + " " + extra_build_args +
               " --out " + path + " --log-level warn");
  INFO(b.out);
  REQUIRE(b.rc == 0);
  REQUIRE(run("dataset split " + path + " --method random --seed 0 --name r --log-level warn").rc == 0);
}

/// Tokenises the 600-molecule fixture into DIR/tok.h5 and trains a tiny smiles_lstm prior (2 × 48, 2 epochs, one
/// thread) into DIR/prior; returns the `train` command's result.
inline Result train_tiny_prior_cli(const std::string& dir) {
  const char* data = std::getenv("HITFORGE_TEST_DATA");
  const std::string csv = std::string(data ? data : HITFORGE_TEST_DATA_DIR) + "/nci_tpsa_600.csv";
  auto b = run("dataset build " + csv + " --featurizer smiles_tokens --out " + dir + "/tok.h5 --log-level warn --no-progress");
  INFO(b.out);
  REQUIRE(b.rc == 0);
  std::ofstream(dir + "/cfg.json") << R"({"embedding_dim": 16, "hidden": 48, "layers": 2})";
  return run("train --data " + dir + "/tok.h5 --model smiles_lstm --config " + dir +
             "/cfg.json --epochs 2 --batch-size 32 --lr 0.01 --grad-clip 5 --threads 1 --no-progress --log-level warn "
             "--out " + dir + "/prior");
}

/// Fields of one CSV line with RFC 4180 quotes (reasons hold commas).
inline std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += c, ++i;
    else if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

}  // namespace hitforge::testing
