// Black-box tests of `hitforge search` on tiny datasets built with `hitforge dataset build`.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "cli/cli_test_util.h"
#include "test_util.h"

namespace fs = std::filesystem;
using hitforge::testing::TempDir;
using namespace hitforge::testing;

namespace {

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, ',')) f.push_back(x);
    if (!line.empty() && line.back() == ',') f.push_back("");
    rows.push_back(f);
  }
  return rows;
}

// adversarial.csv built without --targets: 18 records, 7 valid (0 CCO, 1 c1ccccc1O, 12 CCN, 13 aspirin,
// 14 sodium acetate, 15 alanine, 17 CCCC), 11 invalid.
std::string build_adversarial(const TempDir& dir, const std::string& featurizer = "morgan:radius=2,bits=2048") {
  std::string db = dir.file("adv.h5");
  auto r = run("dataset build " + data_path("adversarial.csv") + " --id-col id --featurizer " + featurizer +
               " --out " + db + " --log-level warn");
  INFO(r.out);
  REQUIRE(r.rc == 0);
  return db;
}

}  // namespace

TEST_CASE("search finds the query itself at rank 1 with similarity 1 and RDKit's Tanimoto for the rest", "[cli]") {
  TempDir dir;
  std::string db = build_adversarial(dir), out = dir.file("hits.csv");
  auto r = run("search --db " + db + " --query 'c1ccccc1O' --k 3 --out " + out);
  INFO(r.out);
  REQUIRE(r.rc == 0);
  auto rows = read_csv(out);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == std::vector<std::string>{"query_index", "query_id", "query_smiles", "rank", "index", "id",
                                            "smiles", "similarity"});
  CHECK(rows[1] == std::vector<std::string>{"0", "", "c1ccccc1O", "1", "1", "ok_phenol", "Oc1ccccc1", "1"});
  // Golden values from RDKit Python (Morgan r2, 2048 bits):
  //   /usr/bin/python3 -c "from rdkit import Chem, DataStructs; from rdkit.Chem import AllChem;
  //     fp = lambda s: AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(s), 2, nBits=2048);
  //     print(repr(DataStructs.TanimotoSimilarity(fp('c1ccccc1O'), fp('CC(=O)Oc1ccccc1C(=O)O'))),
  //           repr(DataStructs.TanimotoSimilarity(fp('c1ccccc1O'), fp('C[C@H](N)C(=O)O'))))"
  //   → 0.25 0.09523809523809523
  CHECK(rows[2][4] == "13");
  CHECK(rows[2][5] == "ok_missing_target");
  CHECK(rows[2][7] == "0.25");
  CHECK(rows[3][4] == "15");
  CHECK(rows[3][7] == "0.09523809523809523");
}

TEST_CASE("search skips invalid records: threshold 0 returns exactly the valid ones, ties by index", "[cli]") {
  TempDir dir;
  std::string db = build_adversarial(dir), out = dir.file("all.csv");
  auto r = run("search --db " + db + " --query CCCC --threshold 0 --out " + out + " --log-level warn");
  INFO(r.out);
  REQUIRE(r.rc == 0);
  auto rows = read_csv(out);
  REQUIRE(rows.size() == 8);
  CHECK(rows[1][4] == "17");  // CCCC itself
  CHECK(rows[1][7] == "1");
  CHECK(rows[2][4] == "0");  // CCO and CCN tie at 0.375 (RDKit Python gives 0.375 for both): lower index first
  CHECK(rows[3][4] == "12");
  CHECK(rows[2][7] == "0.375");
  CHECK(rows[3][7] == "0.375");
  std::vector<std::string> indices;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    indices.push_back(rows[i][4]);
    CHECK(rows[i][3] == std::to_string(i));
    if (i > 1) CHECK(std::stod(rows[i][7]) <= std::stod(rows[i - 1][7]));
  }
  std::sort(indices.begin(), indices.end());
  CHECK(indices == std::vector<std::string>{"0", "1", "12", "13", "14", "15", "17"});
}

TEST_CASE("search --queries: an invalid query is named and skipped, the others continue; threads agree",
          "[cli][integration]") {
  TempDir dir;
  std::string db = dir.file("tpsa.h5");
  build_tpsa_dataset(db, "morgan:bits=1024");
  std::string smi = dir.file("q.smi");
  std::ofstream(smi) << "CC1=CC(=O)C=CC1=O first\nC1CC broken\nc1ccccc1O third\n";
  std::string out1 = dir.file("h1.csv"), out2 = dir.file("h2.csv");
  auto r = run("search --db " + db + " --queries " + smi + " --k 5 --threads 1 --out " + out1);
  INFO(r.out);
  REQUIRE(r.rc == 0);
  CHECK(has(r.out, "query 1 (broken) 'C1CC' skipped"));
  CHECK(has(r.out, "3 queries (1 invalid, skipped), 10 hits"));
  r = run("search --db " + db + " --queries " + smi + " --k 5 --threads 2 --out " + out2 + " --log-level warn");
  REQUIRE(r.rc == 0);
  CHECK(slurp(out1) == slurp(out2));
  auto rows = read_csv(out1);
  REQUIRE(rows.size() == 11);
  CHECK(rows[1][0] == "0");
  CHECK(rows[1][1] == "first");
  CHECK(rows[1][4] == "0");  // the fixture's first record is the query
  CHECK(rows[1][7] == "1");
  // RDKit Python, Morgan r2 1024 bits: TanimotoSimilarity(fp('CC1=CC(=O)C=CC1=O'), fp('O=C1C=CC(=NCl)C=C1'))
  // → 0.2916666666666667 (record 446 of nci_tpsa_600.csv).
  CHECK(rows[2][4] == "446");
  CHECK(rows[2][7] == "0.2916666666666667");
  CHECK(rows[6][0] == "2");
  CHECK(rows[6][1] == "third");
  // Forcing each kernel and disabling BitBound changes nothing.
  for (std::string extra : {"--kernel generic", "--kernel popcnt --no-bitbound"}) {
    std::string o = dir.file("h3.csv");
    r = run("search --db " + db + " --queries " + smi + " --k 5 --out " + o + " --log-level error " + extra);
    INFO(extra << ": " << r.out);
    REQUIRE(r.rc == 0);
    CHECK(slurp(o) == slurp(out1));
  }
}

TEST_CASE("search usage errors: no fingerprint block, bad k / threshold, missing query", "[cli]") {
  TempDir dir;
  std::string counts_db = build_adversarial(dir, "morgan_counts"), out = dir.file("x.csv");
  auto r = run("search --db " + counts_db + " --query CCO --k 1 --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "has no packed_bits feature block"));
  CHECK(has(r.out, "morgan_counts (counts_u8)"));
  r = run("search --db " + counts_db + " --block morgan_counts --query CCO --k 1 --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "not packed_bits"));
  std::string db = dir.file("fp.h5");
  REQUIRE(run("dataset build " + data_path("adversarial.csv") + " --featurizer morgan --out " + db +
              " --log-level warn").rc == 0);
  CHECK(run("search --db " + db + " --query CCO --k 0 --out " + out).rc != 0);
  CHECK(has(run("search --db " + db + " --query CCO --threshold 1.5 --out " + out).out, "--threshold"));
  CHECK(run("search --db " + db + " --query CCO --threshold -0.1 --out " + out).rc != 0);
  CHECK(run("search --db " + db + " --query CCO --k 3 --threshold 0.5 --out " + out).rc != 0);
  r = run("search --db " + db + " --query CCO --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "give exactly one of --k K or --threshold T"));
  r = run("search --db " + db + " --k 3 --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "--query SMILES or --queries FILE"));
  r = run("search --db " + db + " --query 'C(' --k 3 --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "'C(' skipped"));
  r = run("search --db " + db + " --query CCO --k 3 --kernel sse9 --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "unknown popcount kernel 'sse9'"));
  CHECK_FALSE(fs::exists(out));
}
