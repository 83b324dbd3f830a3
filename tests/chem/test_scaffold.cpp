// Murcko scaffolds: golden values from RDKit Python (MurckoScaffold.MurckoScaffoldSmiles / MakeScaffoldGeneric).
#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include "chem/scaffold.h"
#include "test_util.h"

using hitforge::chem::murcko_scaffold;
using hitforge::chem::ScaffoldParams;

namespace {

std::unique_ptr<RDKit::RWMol> mol_from(const std::string& smiles) {
  std::unique_ptr<RDKit::RWMol> m(RDKit::SmilesToMol(smiles));
  REQUIRE(m);
  return m;
}

std::string scaffold_of(const std::string& smiles, ScaffoldParams p = {}) {
  const auto m = mol_from(smiles);
  const auto r = murcko_scaffold(*m, p);
  INFO(smiles << " -> " << r.reason);
  REQUIRE(r.ok);
  return r.smiles;
}

}  // namespace

TEST_CASE("Murcko scaffolds equal RDKit Python on golden examples", "[chem]") {
  // (input, MurckoScaffoldSmiles(includeChirality=False), generic framework) from RDKit 2022.09.3 Python.
  const char* cases[][3] = {
      {"Cc1cc(Oc2nccc(CCC)c2)ccc1", "c1ccc(Oc2ccccn2)cc1", "C1CCC(CC2CCCCC2)CC1"},
      {"CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)O", "c1ccccc1", "C1CCCCC1"},
      {"O=C1CCCN1Cc1ccccc1", "O=C1CCCN1Cc1ccccc1", "CC1CCCC1CC1CCCCC1"},
      {"c1ccc2ccccc2c1", "c1ccc2ccccc2c1", "C1CCC2CCCCC2C1"},
      {"C1CC1C1CC1", "C1CC1C1CC1", "C1CC1C1CC1"},
      {"CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "O=c1[nH]c(=O)c2[nH]cnc2[nH]1", "CC1CC(C)C2CCCC2C1"},
  };
  for (const auto& c : cases) {
    CHECK(scaffold_of(c[0]) == c[1]);
    ScaffoldParams generic;
    generic.generic = true;
    CHECK(scaffold_of(c[0], generic) == c[2]);
  }
}

TEST_CASE("acyclic molecules have an empty scaffold and are ok", "[chem]") {
  CHECK(scaffold_of("CCCCCC(=O)O").empty());
  ScaffoldParams generic;
  generic.generic = true;
  CHECK(scaffold_of("CCN(CC)CC", generic).empty());
}

TEST_CASE("scaffold chirality is dropped by default and kept on request", "[chem]") {
  // MurckoScaffoldSmiles(..., includeChirality=True) gives 'C1C[C@H]2CC[C@@H]1C2'.
  CHECK(scaffold_of("F[C@H]1C[C@@H]2CC[C@H]1C2") == "C1CC2CCC1C2");
  ScaffoldParams chiral;
  chiral.include_chirality = true;
  CHECK(scaffold_of("F[C@H]1C[C@@H]2CC[C@H]1C2", chiral) == "C1C[C@H]2CC[C@@H]1C2");
}

TEST_CASE("generic framework of a hypervalent ring atom does not fail", "[chem]") {
  // RDKit Python's MakeScaffoldGeneric raises a valence error here (Cu with four ring bonds becomes C).
  ScaffoldParams generic;
  generic.generic = true;
  const auto m = mol_from("CCC1=[O+][Cu]2([O+]=C(CC)C1)[O+]=C(CC)CC(=[O+]2)CC");
  const auto r = murcko_scaffold(*m, generic);
  INFO(r.reason);
  CHECK(r.ok);
  CHECK_FALSE(r.smiles.empty());
}

TEST_CASE("Murcko scaffolds equal RDKit Python on 200 NCI molecules", "[chem]") {
  std::ifstream in(hitforge::testing::data_path("nci_murcko_golden.tsv"));
  REQUIRE(in);
  std::string line;
  int n = 0, acyclic = 0;
  ScaffoldParams generic;
  generic.generic = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string smiles, scaffold, framework;
    std::getline(fields, smiles, '\t');
    std::getline(fields, scaffold, '\t');
    std::getline(fields, framework, '\t');
    INFO("line " << n << ": " << smiles);
    CHECK(scaffold_of(smiles) == scaffold);
    CHECK(scaffold_of(smiles, generic) == framework);
    acyclic += scaffold.empty();
    ++n;
  }
  CHECK(n == 200);
  CHECK(acyclic > 0);
}
