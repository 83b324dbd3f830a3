// `hitforge train` started twice with RANK/WORLD_SIZE/MASTER_* (no flag) trains data-parallel on loopback and gives
// the metrics of a single-process run on the same global batches.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/cli_test_util.h"
#include "test_util.h"

namespace fs = std::filesystem;
using hitforge::testing::TempDir;
using namespace hitforge::testing;

namespace {
// Two ranks of `args` in the background, each bounded by `timeout`; the shell's status is non-zero if either failed.
Result run_two_ranks(const std::string& args, int port) {
  std::string cmd;
  for (int r = 0; r < 2; ++r)
    cmd += "RANK=" + std::to_string(r) + " WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) +
           " HITFORGE_DIST_CONNECT_TIMEOUT=30 timeout -s KILL 120 " + bin() + " " + args + " & p" + std::to_string(r) +
           "=$!; ";
  cmd += "wait $p0; s0=$?; wait $p1; s1=$?; echo \"rank statuses $s0 $s1\"; [ $s0 -eq 0 ] && [ $s1 -eq 0 ]";
  return shell("sh -c '" + cmd + "'");
}

// `common` once in a single process (--out DIR/single) and once as two ranks (--out DIR/two); both must succeed.
// Returns what the two ranks printed.
std::string train_single_and_two(const std::string& common, const TempDir& dir) {
  auto single = shell("env -u WORLD_SIZE -u RANK " + bin() + " " + common + " --out " + dir.file("single"));
  INFO(single.out);
  REQUIRE(single.rc == 0);
  // a world of two is reported by the ranks' shell; its outputs come from rank 0 only
  auto two = run_two_ranks(common + " --out " + dir.file("two"), hitforge::testing::free_port());
  INFO(two.out);
  REQUIRE(two.rc == 0);
  return two.out;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// One log line per epoch in both runs (rank 0 writes), with the same training losses.
void check_same_train_losses(const TempDir& dir, int epochs, bool logs_world_size) {
  std::ifstream la(dir.file("single") + "/log.jsonl"), lb(dir.file("two") + "/log.jsonl");
  std::string l1, l2;
  int lines = 0;
  while (std::getline(la, l1) && std::getline(lb, l2)) {
    ++lines;
    auto ja = nlohmann::json::parse(l1), jb = nlohmann::json::parse(l2);
    CHECK(std::abs(ja["train_loss"].get<double>() - jb["train_loss"].get<double>()) < 1e-4);
    if (logs_world_size) CHECK(jb["world_size"] == 2);
  }
  CHECK(lines == epochs);
  CHECK_FALSE(std::getline(lb, l2));
}

// A refusal on any rank (run directory taken) stops every rank promptly, with the one-line message.
void check_taken_out_refused(const std::string& common, const std::string& out) {
  auto again = run_two_ranks(common + " --out " + out, hitforge::testing::free_port());
  INFO(again.out);
  CHECK(again.rc != 0);
  CHECK(has(again.out, "already holds a run"));
  CHECK_FALSE(has(again.out, "rank statuses 0"));
}
}  // namespace

TEST_CASE("train with WORLD_SIZE=2 on loopback matches a single-process run", "[cli][integration][distributed]") {
  TempDir dir;
  std::string data = dir.file("tpsa.h5");
  build_tpsa_dataset(data, "morgan:bits=512");
  std::ofstream(dir.file("cfg.json")) << R"({"hidden": [64, 32]})";
  const std::string common = "train --data " + data + " --split r --model fp_mlp --config " + dir.file("cfg.json") +
                             " --epochs 4 --batch-size 32 --patience 0 --threads 1 --no-plots --no-progress"
                             " --log-level warn";
  const std::string printed = train_single_and_two(common, dir);
  CHECK(occurrences(printed, "run: " + dir.file("two")) == 1);  // rank 0 alone reports

  auto a = nlohmann::json::parse(slurp(dir.file("single") + "/metrics.json"));
  auto b = nlohmann::json::parse(slurp(dir.file("two") + "/metrics.json"));
  for (const char* s : {"train", "valid", "test"}) {
    INFO(s << ": single " << a[s].dump() << "\n two " << b[s].dump());
    CHECK(a[s]["n"] == b[s]["n"]);
    for (const char* m : {"rmse", "mae", "r2"})
      CHECK(std::abs(a[s][m].get<double>() - b[s][m].get<double>()) < 1e-4);
  }
  CHECK(a["members"][0]["best_epoch"] == b["members"][0]["best_epoch"]);
  check_same_train_losses(dir, 4, /*logs_world_size=*/false);
  CHECK(fs::exists(dir.file("two") + "/member_0/model.pt"));
  check_taken_out_refused(common, dir.file("two"));
}

TEST_CASE("a language model trained with WORLD_SIZE=2 on loopback matches a single-process run",
          "[cli][integration][distributed]") {
  TempDir dir;
  const char* data_dir = std::getenv("HITFORGE_TEST_DATA");
  const std::string csv = std::string(data_dir ? data_dir : HITFORGE_TEST_DATA_DIR) + "/nci_tpsa_600.csv";
  const std::string tokens = dir.file("tok.h5");
  auto b = run("dataset build " + csv + " --featurizer smiles_tokens --out " + tokens + " --log-level warn --no-progress");
  INFO(b.out);
  REQUIRE(b.rc == 0);
  std::ofstream(dir.file("cfg.json")) << R"({"embedding_dim": 16, "hidden": 48, "layers": 2})";
  // 3 epochs of 570 molecules in batches of 25: uneven slices, and a last batch of each bucket smaller than others
  const std::string common = "train --data " + tokens + " --model smiles_lstm --config " + dir.file("cfg.json") +
                             " --epochs 3 --batch-size 25 --lr 0.01 --grad-clip 5 --threads 1 --no-plots"
                             " --no-progress --log-level info";
  const std::string printed = train_single_and_two(common, dir);
  // one voice: rank 0 alone reports the run and its epochs
  CHECK(occurrences(printed, "smiles_lstm: ") == 1);
  CHECK(occurrences(printed, "epoch 3: train loss") == 1);
  CHECK(occurrences(printed, "prior: " + dir.file("two")) == 1);

  auto a = nlohmann::json::parse(slurp(dir.file("single") + "/metrics.json"));
  auto m = nlohmann::json::parse(slurp(dir.file("two") + "/metrics.json"));
  for (const char* s : {"train", "valid"}) {
    INFO(s << ": single " << a[s].dump() << "\n two " << m[s].dump());
    CHECK(a[s]["n"] == m[s]["n"]);
    CHECK(std::abs(a[s]["nll_per_token"].get<double>() - m[s]["nll_per_token"].get<double>()) < 1e-4);
  }
  // Learning happened (the run beats the unigram baseline), and on both the same way.
  CHECK(m["valid"]["nll_per_token"].get<double>() < m["unigram_baseline"]["valid"]["nll_per_token"].get<double>());
  CHECK(a["best_epoch"] == m["best_epoch"]);
  check_same_train_losses(dir, 3, /*logs_world_size=*/true);
  CHECK(fs::exists(dir.file("two") + "/model.pt"));

  check_taken_out_refused(common, dir.file("two"));
}
