// Black-box tests of the built `hitforge` executable (path in HITFORGE_BIN, set by CTest).
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/cli_test_util.h"
#include "core/blas_check.h"
#include "test_util.h"

namespace fs = std::filesystem;
using hitforge::testing::TempDir;
using namespace hitforge::testing;

TEST_CASE("help lists commands with examples; unknown options fail", "[cli]") {
  auto r = run("--help");
  CHECK(r.rc == 0);
  CHECK(has(r.out, "dataset"));
  CHECK(has(r.out, "Examples:"));
  r = run("dataset build --help");
  CHECK(r.rc == 0);
  CHECK(has(r.out, "--featurizer"));
  CHECK(has(r.out, "--threads"));
  CHECK(has(r.out, "Examples:"));
  CHECK(run("dataset build --bogus").rc != 0);
  CHECK(run("--version").out.find("hitforge 0.") != std::string::npos);
}

TEST_CASE("dataset build → split → info on the adversarial fixture", "[cli][integration]") {
  TempDir dir;
  std::string out = dir.file("adv.h5");
  auto r = run("dataset build " + hitforge::testing::data_path("adversarial.csv") +
               " --id-col id --targets y --featurizer morgan:bits=1024 --featurizer maccs --threads 2 --out " + out +
               " --log-level warn");
  INFO(r.out);
  REQUIRE(r.rc == 0);
  CHECK(has(r.out, "18 records, 6 ok, 12 invalid"));
  CHECK(has(r.out, "whitespace inside SMILES"));
  r = run("dataset split " + out + " --method scaffold --sizes 0.5,0.25,0.25 --seed 1 --name scaf");
  INFO(r.out);
  REQUIRE(r.rc == 0);
  CHECK(has(r.out, "split 'scaf' (scaffold, seed 1)"));
  r = run("dataset info " + out);
  INFO(r.out);
  REQUIRE(r.rc == 0);
  CHECK(has(r.out, "records: 18  ok: 6  invalid: 12"));
  CHECK(has(r.out, "morgan: packed_bits width 1024"));
  CHECK(has(r.out, "maccs: packed_bits width 167"));
  CHECK(has(r.out, "scaf: scaffold seed 1"));
  CHECK(has(r.out, "(chain_4000): too many heavy atoms"));
  r = run("dataset info " + out + " --json --invalid");
  REQUIRE(r.rc == 0);
  CHECK(has(r.out, "\"invalid\": 12"));
}

TEST_CASE("usage errors print one clear line and exit 2", "[cli]") {
  TempDir dir;
  auto r = run("dataset build " + dir.file("missing.csv") + " --out " + dir.file("x.h5"));
  CHECK(r.rc == 2);
  CHECK(has(r.out, "hitforge: error: cannot open"));
  r = run("dataset build " + hitforge::testing::data_path("adversarial.csv") + " --featurizer morgn --out " +
          dir.file("x.h5"));
  CHECK(r.rc == 2);
  CHECK(has(r.out, "morgn"));
  r = run("dataset build " + hitforge::testing::data_path("adversarial.csv") + " --targets nope --out " +
          dir.file("x.h5"));
  CHECK(r.rc == 2);
  CHECK(has(r.out, "no value column 'nope'"));
  CHECK_FALSE(fs::exists(dir.file("x.h5")));
}

TEST_CASE("a build killed with SIGKILL leaves no partial file under the final name", "[cli][integration]") {
  TempDir dir;
  // 5,000 NCI molecules with a slow featuriser take well over the 300 ms we wait before killing.
  std::string out = dir.file("killed.h5");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execl(bin().c_str(), bin().c_str(), "dataset", "build", "/usr/share/RDKit/Data/NCI/first_5K.smi",
            "--featurizer", "rdkit2d", "--threads", "1", "--log-level", "off", "--out", out.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("OpenBLAS runs its AVX2/AVX-512 kernels, also on a CPU newer than the library", "[cli]") {
  // Debian 12's OpenBLAS 0.3.21 falls back to SSE3 "Prescott" kernels on CPUs it does not know (2.2x slower LSTM
  // training, measured); `hitforge` sets OPENBLAS_CORETYPE before it execs hitforge-ml, and hitforge-ml run directly
  // re-executes itself with it. Either way the process must not be left on generic kernels of an AVX2 CPU.
  const std::string ml = (fs::path(bin()).parent_path() / "hitforge-ml").string();
  for (const std::string& cmd : {"env -u OPENBLAS_CORETYPE " + bin() + " --threads 1 doctor --json",
                                 "env -u OPENBLAS_CORETYPE " + ml + " --threads 1 doctor --json"}) {
    auto r = shell(cmd);
    INFO(cmd << "\n" << r.out);
    REQUIRE(r.rc == 0);
    const auto blas = nlohmann::json::parse(r.out.substr(r.out.find('{')))["blas"];
    REQUIRE(blas["kind"] == "openblas");
    const std::string core = blas["openblas_core"];
    CHECK_FALSE(core.empty());
    CHECK(hitforge::core::openblas_coretype_fix(core).empty());  // this CPU's features
    CHECK_FALSE(has(r.out, "generic"));  // no start-up warning either
  }
}

TEST_CASE("doctor runs through hitforge-ml and reports the BLAS libtorch uses", "[cli]") {
  auto r = run("--threads 1 doctor --json");
  INFO(r.out);
  REQUIRE(r.rc == 0);
  CHECK(has(r.out, "\"libtorch\""));
  CHECK(has(r.out, "\"torch_intra_op\": 1"));
  // scripts/install-deps installs OpenBLAS; the reference BLAS would be a 35x slowdown for every model.
  CHECK(has(r.out, "\"kind\": \"openblas\""));
  r = run("doctor --device cuda:7");
  CHECK(r.rc == 2);
  CHECK(has(r.out, "cuda:7"));
  r = run("doctor --help");
  CHECK(r.rc == 0);
  CHECK(has(r.out, "--json"));
}

namespace {
size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  std::string l;
  while (std::getline(in, l)) ++n;
  return n;
}
}  // namespace

TEST_CASE("train killed with SIGKILL resumes to the same result as an uninterrupted run", "[cli][integration][slow]") {
  TempDir dir;
  std::string data = dir.file("tpsa.h5");
  build_tpsa_dataset(data, "graph");
  std::ofstream(dir.file("cfg.json")) << R"({"hidden": 64, "ffn_hidden": 64})";
  std::string common = "train --data " + data + " --split r --model dmpnn --config " + dir.file("cfg.json") +
                       " --epochs 8 --patience 0 --threads 1 --no-plots --no-progress --log-level warn";
  auto full = run(common + " --out " + dir.file("full"));
  INFO(full.out);
  REQUIRE(full.rc == 0);

  std::string out = dir.file("killed");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::string cmd = bin() + " " + common + " --out " + out + " > /dev/null 2>&1";
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (count_lines(out + "/log.jsonl") < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));  // really interrupted mid-run
  CHECK_FALSE(fs::exists(out + "/metrics.json"));

  auto resumed = run(common + " --out " + out + " --resume");
  INFO(resumed.out);
  REQUIRE(resumed.rc == 0);
  CHECK(count_lines(out + "/log.jsonl") == 8);  // every epoch once
  auto a = nlohmann::json::parse(slurp(dir.file("full") + "/metrics.json"));
  auto b = nlohmann::json::parse(slurp(out + "/metrics.json"));
  CHECK(a["test"] == b["test"]);
  CHECK(a["valid"] == b["valid"]);
  CHECK(a["members"][0]["best_epoch"] == b["members"][0]["best_epoch"]);

  // predict streams a file through the run, accounting for invalid records
  auto pr = run("predict --model " + dir.file("full") + " --input " + hitforge::testing::data_path("adversarial.csv") +
                " --out " + dir.file("preds.csv") + " --log-level warn");
  INFO(pr.out);
  REQUIRE(pr.rc == 0);
  CHECK(has(pr.out, "7 predicted, 11 invalid"));  // no targets are read, so the bad-target row is a valid molecule here
  std::string preds = slurp(dir.file("preds.csv"));
  CHECK(has(preds, "index,id,smiles,status,reason,tpsa"));
  CHECK(has(preds, ",invalid,whitespace inside SMILES at position 2,"));
  // two single-threaded workers on chunks of 4 records write what one thread writes, in input order
  for (const char* t : {"1", "2"}) {
    auto w = run("predict --model " + dir.file("full") + " --input " + hitforge::testing::data_path("adversarial.csv") +
                 " --out " + dir.file(std::string("preds_t") + t + ".csv") + " --chunk 4 --threads " + t +
                 " --log-level warn");
    INFO(w.out);
    REQUIRE(w.rc == 0);
    CHECK(has(w.out, "7 predicted, 11 invalid"));
  }
  CHECK(slurp(dir.file("preds_t2.csv")) == slurp(dir.file("preds_t1.csv")));
  CHECK(slurp(dir.file("preds_t1.csv")) == preds);
  auto ev = run("evaluate --model " + dir.file("full") + " --data " + data + " --split r --subset test");
  REQUIRE(ev.rc == 0);
  // evaluate runs on 2 threads here, training on 1: equal up to float summation order
  CHECK(nlohmann::json::parse(ev.out)["rmse"].get<double>() == Approx(a["test"]["rmse"].get<double>()).epsilon(1e-6));
}

TEST_CASE("predict applies the standardisation the training data was built with", "[cli][integration]") {
  TempDir dir;
  std::string data = dir.file("std.h5");
  build_tpsa_dataset(data, "morgan:bits=512", "--standardize default");
  REQUIRE(run("train --data " + data + " --split r --model fp_mlp --epochs 2 --no-plots --no-progress --log-level warn --out " +
              dir.file("run")).rc == 0);
  std::ofstream(dir.file("q.smi")) << "CC(=O)[O-].[Na+] salt\nCC(=O)O parent\nc1ccccc1 other\n";
  auto r = run("predict --model " + dir.file("run") + " --input " + dir.file("q.smi") + " --out " + dir.file("p.csv") +
               " --log-level warn");
  INFO(r.out);
  REQUIRE(r.rc == 0);
  std::ifstream in(dir.file("p.csv"));
  std::string header, salt, parent, other;
  std::getline(in, header);
  std::getline(in, salt);
  std::getline(in, parent);
  std::getline(in, other);
  auto pred = [](const std::string& line) { return line.substr(line.rfind(',') + 1); };
  CHECK(pred(salt) == pred(parent));  // the salt was stripped and the acid neutralised before featurising
  CHECK(pred(salt) != pred(other));
}
