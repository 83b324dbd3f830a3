// Standardisation: golden values from RDKit Python's rdMolStandardize, statuses instead of exceptions, thread safety.
#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include "chem/standardize.h"
#include "core/error.h"
#include "test_util.h"

using hitforge::chem::parse_standardize_params;
using hitforge::chem::standardize;
using hitforge::chem::StandardizeParams;

namespace {

std::unique_ptr<RDKit::RWMol> mol_from(const std::string& smiles, bool sanitize = true) {
  std::unique_ptr<RDKit::RWMol> m(RDKit::SmilesToMol(smiles, 0, sanitize));
  REQUIRE(m);
  return m;
}

std::string standardized(const std::string& smiles, const StandardizeParams& p = {}) {
  const auto m = mol_from(smiles);
  const auto r = standardize(*m, p);
  INFO(smiles << " -> " << r.reason);
  REQUIRE(r.ok());
  REQUIRE(r.mol);
  return RDKit::MolToSmiles(*r.mol);
}

StandardizeParams with_tautomer() {
  StandardizeParams p;
  p.canonical_tautomer = true;
  return p;
}

struct GoldenRow {
  std::string smiles, plain, tautomer;
};

std::vector<GoldenRow> golden_rows() {
  std::ifstream in(hitforge::testing::data_path("nci_standardize_golden.tsv"));
  REQUIRE(in);
  std::vector<GoldenRow> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    GoldenRow r;
    std::getline(fields, r.smiles, '\t');
    std::getline(fields, r.plain, '\t');
    std::getline(fields, r.tautomer, '\t');
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

TEST_CASE("standardize strips salts and uncharges", "[chem]") {
  CHECK(standardized("CC(=O)[O-].[Na+]") == "CC(=O)O");
  CHECK(standardized("O=C([O-])c1ccccc1.[NH4+]") == "O=C(O)c1ccccc1");
  CHECK(standardized("[NH3+]CC(=O)[O-]") == "NCC(=O)O");  // zwitterion
  // A quaternary ammonium cannot be neutralised: the charge stays.
  CHECK(standardized("C[N+](C)(C)C.[Cl-]") == "C[N+](C)(C)C");
  // Stereo survives the default pipeline.
  CHECK(standardized("C[C@H](N)C(=O)[O-]") == "C[C@H](N)C(=O)O");
}

TEST_CASE("standardize cleanup normalises groups, disconnects metals and removes explicit H", "[chem]") {
  CHECK(standardized("CN(=O)=O") == "C[N+](=O)[O-]");
  CHECK(standardized("CCC(=O)O[Na]") == "CCC(=O)O");
  CHECK(standardized("[H]OC([H])([H])C") == "CCO");
  StandardizeParams only_cleanup{false, false, false, true};
  CHECK(standardized("CCC(=O)O[Na]", only_cleanup) == "CCC(=O)[O-].[Na+]");
}

TEST_CASE("standardize canonical tautomer on request", "[chem]") {
  CHECK(standardized("Oc1ccccn1") == "Oc1ccccn1");
  CHECK(standardized("Oc1ccccn1", with_tautomer()) == "O=c1cccc[nH]1");
  CHECK(standardized("O=c1cccc[nH]1", with_tautomer()) == "O=c1cccc[nH]1");
  CHECK(standardized("CC(O)=CC", with_tautomer()) == "CCC(C)=O");
  // RDKit drops stereo at centres involved in tautomerism (documented in standardize.h).
  CHECK(standardized("C[C@H](N)C(=O)[O-]", with_tautomer()) == "CC(N)C(=O)O");
}

TEST_CASE("standardize with every stage off returns an unchanged copy", "[chem]") {
  const StandardizeParams none{false, false, false, false};
  CHECK(standardized("CC(=O)[O-].[Na+]", none) == "CC(=O)[O-].[Na+]");
  const StandardizeParams fragment_only{true, false, false, false};
  CHECK(standardized("CC(=O)[O-].[Na+]", fragment_only) == "CC(=O)[O-]");
}

TEST_CASE("standardize reports bad molecules as invalid with a reason instead of throwing", "[chem]") {
  SECTION("unkekulizable aromatic ring (unsanitised input)") {
    const auto m = mol_from("c1cccc1", /*sanitize=*/false);
    hitforge::chem::StandardizeResult r;
    REQUIRE_NOTHROW(r = standardize(*m, {}));
    CHECK_FALSE(r.ok());
    CHECK(r.mol == nullptr);
    CHECK(r.reason.rfind("cleanup: ", 0) == 0);
  }
  SECTION("hypervalent carbon (unsanitised input)") {
    const auto m = mol_from("CC(C)(C)(C)(C)C", /*sanitize=*/false);
    const auto r = standardize(*m, {});
    CHECK_FALSE(r.ok());
    CHECK(r.reason.find("cleanup") != std::string::npos);
  }
  SECTION("empty molecule") {
    RDKit::RWMol empty;
    const auto r = standardize(empty, {});
    CHECK_FALSE(r.ok());
    CHECK(r.reason == "empty molecule");
  }
}

TEST_CASE("standardize equals RDKit Python on NCI molecules", "[chem]") {
  const auto rows = golden_rows();
  REQUIRE(rows.size() == 160);
  for (const auto& row : rows) {
    INFO(row.smiles);
    CHECK(standardized(row.smiles) == row.plain);
    CHECK(standardized(row.smiles, with_tautomer()) == row.tautomer);
  }
}

TEST_CASE("standardize is thread-safe", "[chem]") {
  const auto rows = golden_rows();
  std::vector<std::unique_ptr<RDKit::RWMol>> mols;
  for (const auto& row : rows) mols.push_back(mol_from(row.smiles));
  constexpr int kThreads = 4;
  std::vector<std::vector<std::string>> out(kThreads, std::vector<std::string>(rows.size()));
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      const StandardizeParams p = with_tautomer();
      for (std::size_t k = 0; k < mols.size(); ++k) {
        const std::size_t i = (k + static_cast<std::size_t>(t) * 37) % mols.size();  // different orders per thread
        const auto r = standardize(*mols[i], p);
        out[t][i] = r.ok() ? RDKit::MolToSmiles(*r.mol) : "error: " + r.reason;
      }
    });
  }
  for (auto& th : pool) th.join();
  for (int t = 0; t < kThreads; ++t)
    for (std::size_t i = 0; i < rows.size(); ++i) {
      INFO("thread " << t << ": " << rows[i].smiles);
      CHECK(out[t][i] == rows[i].tautomer);
    }
}

TEST_CASE("standardize params round-trip through their string form", "[chem]") {
  CHECK(hitforge::chem::to_string(StandardizeParams{}) == "cleanup,largest_fragment,uncharge");
  CHECK(hitforge::chem::to_string(StandardizeParams{false, false, false, false}) == "none");
  const auto p = parse_standardize_params("largest_fragment, uncharge,tautomer");
  CHECK(p.largest_fragment);
  CHECK(p.uncharge);
  CHECK(p.canonical_tautomer);
  CHECK_FALSE(p.cleanup);
  CHECK(parse_standardize_params("none") == StandardizeParams{false, false, false, false});
  CHECK(parse_standardize_params("default") == StandardizeParams{});
  CHECK(parse_standardize_params("canonical_tautomer").canonical_tautomer);
  for (int bits = 0; bits < 16; ++bits) {
    const StandardizeParams q{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0};
    CHECK(parse_standardize_params(hitforge::chem::to_string(q)) == q);
  }
  CHECK_THROWS_AS(parse_standardize_params("uncharge,salts"), hitforge::core::UsageError);
  CHECK_THROWS_WITH(parse_standardize_params("uncharge,salts"), Catch::Contains("'salts'"));
  CHECK_THROWS_AS(parse_standardize_params(""), hitforge::core::UsageError);
  CHECK_THROWS_AS(parse_standardize_params("uncharge,,cleanup"), hitforge::core::UsageError);
  CHECK_THROWS_AS(parse_standardize_params("none,uncharge"), hitforge::core::UsageError);
}
