#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <string>

#include "core/checksum.h"
#include "core/error.h"
#include "datasets/registry.h"
#include "test_util.h"

using namespace hitforge;
using namespace hitforge::data;
using hitforge::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Sets (or unsets, for nullptr) an environment variable for the scope, restoring the old value.
class EnvGuard {
 public:
  EnvGuard(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~EnvGuard() {
    if (had_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

class CwdGuard {
 public:
  explicit CwdGuard(const std::string& dir) : old_(fs::current_path()) { fs::current_path(dir); }
  ~CwdGuard() { fs::current_path(old_); }

 private:
  fs::path old_;
};

std::string canonical(const std::string& p) { return fs::weakly_canonical(p).string(); }

bool message_contains(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
  } catch (const core::UsageError& e) {
    if (std::string(e.what()).find(needle) != std::string::npos) return true;
    FAIL_CHECK("UsageError without '" << needle << "': " << e.what());
    return false;
  }
  FAIL_CHECK("expected a UsageError mentioning '" << needle << "'");
  return false;
}

bool have_curl() { return std::system("curl --version > /dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("every registry entry is complete", "[datasets]") {
  const auto& all = all_datasets();
  REQUIRE(all.size() >= 30);
  std::set<std::string> paths;
  for (const auto& d : all) {
    INFO(d.name);
    CHECK_FALSE(d.name.empty());
    CHECK_FALSE(d.description.empty());
    CHECK_FALSE(d.format.empty());
    CHECK_FALSE(d.metric.empty());
    CHECK_FALSE(d.licence.empty());
    CHECK_FALSE(d.family.empty());
    CHECK_FALSE(d.standard_split.empty());
    // Something to read: molecules, sequences or drug–target pairs.
    CHECK((!d.smiles_column.empty() || !d.sequence_column.empty() || !d.pair_columns.empty() ||
           d.format == "fasta.gz"));
    REQUIRE_FALSE(d.files.empty());
    for (const auto& f : d.files) {
      INFO(f.path);
      CHECK(f.url.rfind("https://", 0) == 0);
      CHECK(core::is_sha256_hex(f.sha256));
      CHECK(f.sha256.find_first_of("ABCDEF") == std::string::npos);  // lowercase, as sha256sum prints
      CHECK(f.size_bytes > 0);
      CHECK_FALSE(f.role.empty());
      CHECK(paths.insert(f.path).second);  // no file registered twice
    }
    if (d.standard_split == "random" || d.standard_split == "scaffold") {
      REQUIRE(d.split_sizes.has_value());
      CHECK(d.split_sizes->train == 0.8);
    }
  }
  for (const char* name : {"esol", "freesolv", "lipophilicity", "bbbp", "bace", "tox21", "hiv", "davis", "kiba", "moses",
                           "chembl31", "flip-gb1-sampled", "flip-secondary-structure", "dude-ada", "dude-sahh"})
    CHECK_NOTHROW(find_dataset(name));
  int dude = 0;
  for (const auto& d : all) dude += d.family == "dude";
  CHECK(dude == 20);
}

TEST_CASE("registry metadata of the MoleculeNet headline sets", "[datasets]") {
  const auto& esol = find_dataset("esol");
  CHECK(esol.smiles_column == "smiles");
  CHECK(esol.target_columns == std::vector<std::string>{"logp"});
  CHECK(esol.task == TaskType::regression);
  CHECK(esol.standard_split == "random");
  CHECK(esol.metric == "rmse");
  CHECK(esol.primary().path == "moleculenet/delaney.csv");
  CHECK(esol.primary().sha256 == "887aa5930b0a7e7fcb76a2d25dc0ebe11c23878ca2d8d1e2204ca2c46b175140");
  const auto& bbbp = find_dataset("BBBP");
  CHECK(bbbp.task == TaskType::classification);
  CHECK(bbbp.standard_split == "scaffold");
  CHECK(bbbp.metric == "roc_auc");
  CHECK(find_dataset("tox21").target_columns.size() == 12);
  const auto& davis = find_dataset("davis");
  CHECK(davis.pair_columns == std::vector<std::string>{"drug_id", "protein_id"});
  CHECK(davis.file("ligands").path == "dta/deepdta/davis/ligands_can.txt");
  CHECK_THROWS_AS(davis.file("nope"), core::UsageError);
}

TEST_CASE("find_dataset accepts aliases and any case, and lists names when it fails", "[datasets]") {
  CHECK(&find_dataset("ESOL") == &find_dataset("delaney"));
  CHECK(&find_dataset("Lipo") == &find_dataset("lipophilicity"));
  CHECK(&find_dataset("flip_gb1_sampled") == &find_dataset("flip-gb1-sampled"));
  CHECK(message_contains([] { find_dataset("esoll"); }, "freesolv"));
}

TEST_CASE("data directory precedence: flag, then environment, then ../shared/data", "[datasets]") {
  TempDir root;
  const std::string flag_dir = root.file("flag"), env_dir = root.file("env");
  fs::create_directories(flag_dir);
  fs::create_directories(env_dir);
  {
    EnvGuard env(kDataDirEnv, env_dir.c_str());
    CHECK(canonical(resolve_data_dir(flag_dir)) == canonical(flag_dir));  // the flag wins
    CHECK(canonical(resolve_data_dir("")) == canonical(env_dir));          // then the variable
    CHECK(message_contains([&] { resolve_data_dir(root.file("missing")); }, "--data-dir"));
  }
  {
    EnvGuard env(kDataDirEnv, root.file("missing-env").c_str());
    // A variable naming a missing directory is an error, not a silent fall-through.
    CHECK(message_contains([] { resolve_data_dir(""); }, kDataDirEnv));
    CHECK(canonical(resolve_data_dir(flag_dir)) == canonical(flag_dir));
  }
  {
    // ./../shared/data relative to the working directory.
    fs::create_directories(root.file("shared/data"));
    fs::create_directories(root.file("work"));
    EnvGuard env(kDataDirEnv, nullptr);
    CwdGuard cwd(root.file("work"));
    CHECK(canonical(resolve_data_dir("")) == canonical(root.file("shared/data")));
  }
}

TEST_CASE("verify_sha256 detects a modified file and names both digests", "[datasets]") {
  TempDir dir;
  const std::string path = dir.file("data.csv");
  write_text(path, "smiles,y\nCCO,1\n");
  const std::string good = core::sha256_file(path);
  CHECK_NOTHROW(verify_sha256(path, good));
  write_text(path, "smiles,y\nCCO,2\n");
  const std::string bad = core::sha256_file(path);
  try {
    verify_sha256(path, good);
    FAIL("expected a checksum mismatch");
  } catch (const core::UsageError& e) {
    std::string msg = e.what();
    CHECK(msg.find(good) != std::string::npos);
    CHECK(msg.find(bad) != std::string::npos);
    CHECK(msg.find("data.csv") != std::string::npos);
  }
}

TEST_CASE("resolve_file verifies present files and explains missing ones", "[datasets]") {
  TempDir data;
  write_text(data.file("sets/x.csv"), "a\n1\n");
  DatasetFile f{"sets/x.csv", "https://example.org/x.csv", core::sha256_hex("a\n1\n"), 4, "data", false};
  CHECK(resolve_file(f, data.path(), true, false) == data.file("sets/x.csv"));
  DatasetInfo info;
  info.name = "x";
  info.files = {f};
  CHECK(resolve_dataset_file(info, data.path(), true, false) == data.file("sets/x.csv"));

  write_text(data.file("sets/x.csv"), "a\n2\n");
  CHECK(message_contains([&] { resolve_file(f, data.path(), true, false); }, "checksum mismatch"));
  CHECK_NOTHROW(resolve_file(f, data.path(), false, false));  // verification off: path only

  DatasetFile missing = f;
  missing.path = "sets/y.csv";
  CHECK(message_contains([&] { resolve_file(missing, data.path(), true, false); }, "https://example.org/x.csv"));
  missing.derived = true;
  CHECK(message_contains([&] { resolve_file(missing, data.path(), true, true); }, "cannot be downloaded"));
}

TEST_CASE("resolve_file downloads with curl, verifies, and publishes atomically", "[datasets]") {
  if (!have_curl()) {
    WARN("SKIPPED: curl is not installed, download path not exercised");
    return;
  }
  TempDir src, data;
  const std::string content = "smiles,y\nc1ccccc1,0.5\n";
  write_text(src.file("origin.csv"), content);
  DatasetFile f{"sub/dir/got.csv", "file://" + src.file("origin.csv"), core::sha256_hex(content),
                static_cast<std::int64_t>(content.size()), "data", false};
  // file:// URLs exercise the same fork/exec + verify + rename path as https without a network.
  CHECK(resolve_file(f, data.path(), true, true) == data.file("sub/dir/got.csv"));
  CHECK(read_text(data.file("sub/dir/got.csv")) == content);

  auto files_in = [](const std::string& dir) {
    int n = 0;
    for (auto& e : fs::directory_iterator(dir)) n += e.is_regular_file();
    return n;
  };
  DatasetFile wrong = f;
  wrong.path = "sub/dir/wrong.csv";
  wrong.sha256 = std::string(64, '0');
  CHECK(message_contains([&] { resolve_file(wrong, data.path(), true, true); }, "does not match the registry"));
  CHECK_FALSE(fs::exists(data.file("sub/dir/wrong.csv")));
  CHECK(files_in(data.file("sub/dir")) == 1);  // no temporary file left behind

  DatasetFile gone = f;
  gone.path = "sub/dir/gone.csv";
  gone.url = "file://" + src.file("does-not-exist.csv");
  CHECK(message_contains([&] { resolve_file(gone, data.path(), true, true); }, "curl exit code"));
  CHECK(files_in(data.file("sub/dir")) == 1);
}

TEST_CASE("ESOL resolves and verifies from the shared data directory", "[datasets][integration]") {
  std::string dir;
  try {
    dir = resolve_data_dir("");
  } catch (const core::UsageError& e) {
    WARN("SKIPPED: no data directory (" << e.what() << ")");
    return;
  }
  const auto& esol = find_dataset("esol");
  if (!fs::exists(fs::path(dir) / esol.primary().path)) {
    WARN("SKIPPED: " << dir << " has no " << esol.primary().path);
    return;
  }
  const std::string path = resolve_dataset_file(esol, dir, true, false);
  CHECK(fs::file_size(path) == static_cast<std::uintmax_t>(esol.primary().size_bytes));
  CHECK(read_text(path).rfind("smiles,logp\n", 0) == 0);
}

TEST_CASE("every registered file present in the shared data directory matches its checksum",
          "[datasets][integration]") {
  std::string dir;
  try {
    dir = resolve_data_dir("");
  } catch (const core::UsageError& e) {
    WARN("SKIPPED: no data directory (" << e.what() << ")");
    return;
  }
  int checked = 0;
  for (const auto& d : all_datasets())
    for (const auto& f : d.files) {
      if (!fs::exists(fs::path(dir) / f.path)) continue;
      INFO(d.name << ": " << f.path);
      CHECK_NOTHROW(resolve_file(f, dir, true, false));
      CHECK(fs::file_size(fs::path(dir) / f.path) == static_cast<std::uintmax_t>(f.size_bytes));
      ++checked;
    }
  if (checked == 0) WARN("SKIPPED: " << dir << " holds none of the registered files");
}
