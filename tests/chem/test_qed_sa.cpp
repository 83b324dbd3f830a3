// QED and SA score against RDKit Python 2022.09.3 (values from /usr/bin/python3):
//   from rdkit import Chem; from rdkit.Chem import QED; import sascorer  # /usr/share/RDKit/Contrib/SA_Score
//   m = Chem.MolFromSmiles(s); QED.qed(m), QED.weights_max(m), QED.weights_none(m), QED.properties(m),
//   sascorer.calculateScore(Chem.MolFromSmiles(s))
// The 1,000-molecule comparison is tests/python/test_qed_sa_vs_rdkit.py.
#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chem/scoring/mol_scorer.h"
#include "chem/scoring/qed.h"
#include "chem/scoring/sa_score.h"
#include "core/error.h"
#include "test_util.h"

using hitforge::chem::QedProperties;
using hitforge::chem::QedWeights;
using hitforge::chem::SaScoreModel;
using hitforge::core::UsageError;
using nlohmann::json;

namespace {

std::unique_ptr<RDKit::ROMol> smiles_mol(const std::string& smiles) {
  std::unique_ptr<RDKit::ROMol> m(RDKit::SmilesToMol(smiles));
  REQUIRE(m);
  return m;
}

struct Golden {
  const char* smiles;
  double qed_mean, qed_max, qed_none, sa;
  QedProperties props;
};

// Chosen to reach every code path: explicit and isotopic hydrogens (RemoveHs), a salt, stereocentres, spiro and
// bridgehead atoms, a macrocycle, fused aromatics, a dative ring through a metal, and a chain whose hydrogen-added
// form has more than 1,000 atoms (the Crippen fallback; SA clamps at 10, cyclododecane's at 1).
const Golden kGolden[] = {
    {"CC(=O)Oc1ccccc1C(=O)O",
     0.5501217967,
     0.4914628987,
     0.6734029196,
     1.5800397500,
     {180.159, 1.3101, 4, 1, 63.6, 2, 1, 2}},
    {"N=C(CCSCc1csc(N=C(N)N)n1)NS(N)(=O)=O",
     0.2531425773,
     0.2129262674,
     0.2798710873,
     3.4827952826,
     {337.456, -0.55833, 6, 5, 173.33, 7, 1, 3}},
    {"[H]OC([H])([H])c1ccccc1",
     0.5723436119,
     0.5884550129,
     0.5258891921,
     1.1406996347,
     {108.14, 1.1789, 1, 1, 20.23, 1, 1, 0}},
    {"C[N+](C)(C)CCO.[Cl-]",
     0.3975925305,
     0.4521258116,
     0.3559947540,
     3.3973621765,
     {139.626, -3.3111, 1, 1, 20.23, 2, 0, 1}},
    {"CC1(C)C2CCC1(C)C(=O)C2",
     0.5206310185,
     0.5407562486,
     0.4748446034,
     4.1203424846,
     {152.237, 2.4017, 1, 0, 17.07, 0, 0, 0}},
    {"C1CCC2(CC1)CCNCC2",
     0.5629075138,
     0.5901566863,
     0.4923637569,
     2.8894670436,
     {153.269, 2.3203, 1, 1, 12.03, 0, 0, 0}},
    {"C1CCCCCCCCCCC1", 0.4923598572, 0.5413020177, 0.3159307288, 1.0, {168.324, 4.6812, 0, 0, 0.0, 0, 0, 0}},
    {"[2H]C([2H])([2H])Oc1ccccc1",
     0.5640032576,
     0.5789155281,
     0.4913820603,
     3.5729341825,
     {111.158305, 1.6952, 1, 0, 9.23, 2, 1, 0}},
    {"C[C@H](N)C(=O)O",
     0.4513521877,
     0.4772483296,
     0.5173403730,
     2.3196028500,
     {89.094, -0.5818, 3, 2, 63.32, 1, 0, 0}},
    {"O=C1c2ccccc2C(=O)c2c1cccc2",
     0.5683365593,
     0.5887539534,
     0.6151351645,
     1.3320401509,
     {208.216, 2.462, 2, 0, 34.14, 0, 3, 0}},
    {"N1CC[NH2]->[Cu]<-[NH2]CC1",
     0.3769300337,
     0.4026817752,
     0.3746816601,
     6.7070333303,
     {166.715, -1.5091, 1, 3, 46.23, 0, 0, 1}},
    {"C1C2CC3CC1CC(C2)C3",
     0.4801009024,
     0.5195133739,
     0.3158952474,
     3.0585639408,
     {136.238, 2.8326, 0, 0, 0.0, 0, 0, 0}},
};

void check_props(const QedProperties& got, const QedProperties& want) {
  // Python printed the properties rounded to 6 decimals.
  CHECK(got.mw == Approx(want.mw).margin(1e-5));
  CHECK(got.alogp == Approx(want.alogp).margin(1e-5));
  CHECK(got.hba == want.hba);
  CHECK(got.hbd == want.hbd);
  CHECK(got.psa == Approx(want.psa).margin(1e-5));
  CHECK(got.rotb == want.rotb);
  CHECK(got.arom == want.arom);
  CHECK(got.alerts == want.alerts);
}

std::vector<std::unique_ptr<RDKit::ROMol>> nci_molecules(std::size_t n) {
  std::ifstream in(hitforge::testing::rdkit_data("Data/NCI/first_5K.smi"));
  REQUIRE(in);
  std::vector<std::unique_ptr<RDKit::ROMol>> out;
  std::string smiles, line;
  while (out.size() < n && std::getline(in, line)) {
    smiles = line.substr(0, line.find_first_of(" \t"));
    std::unique_ptr<RDKit::ROMol> m;
    try {
      m.reset(RDKit::SmilesToMol(smiles));
    } catch (const std::exception&) {
    }
    if (m) out.push_back(std::move(m));
  }
  REQUIRE(out.size() == n);
  return out;
}

}  // namespace

TEST_CASE("QED and SA score equal RDKit Python on hand-checked molecules", "[chem]") {
  const SaScoreModel& sa = SaScoreModel::default_model();
  for (const Golden& g : kGolden) {
    INFO(g.smiles);
    const auto m = smiles_mol(g.smiles);
    const QedProperties p = hitforge::chem::qed_properties(*m);
    check_props(p, g.props);
    CHECK(hitforge::chem::qed(*m) == Approx(g.qed_mean).margin(1e-4));
    CHECK(hitforge::chem::qed(p, QedWeights::max) == Approx(g.qed_max).margin(1e-4));
    CHECK(hitforge::chem::qed(p, QedWeights::none) == Approx(g.qed_none).margin(1e-4));
    CHECK(sa.score(*m) == Approx(g.sa).margin(1e-4));
  }
}

TEST_CASE("QED shortcuts for logP and aromatic rings equal RDKit's functions on 1,000 NCI molecules", "[chem]") {
  // qed_properties() computes Crippen logP and QED's ring count without RDKit's full-molecule SubstructMatch loops;
  // these must give RDKit's numbers exactly, on a set with metals, charges and odd valences.
  const auto mols = nci_molecules(1000);
  const std::unique_ptr<RDKit::ROMol> aliphatic_ring(RDKit::SmartsToMol("[$([A;R][!a])]"));
  for (const auto& m : mols) {
    const QedProperties p = hitforge::chem::qed_properties(*m);
    double logp = 0.0, mr = 0.0;
    RDKit::Descriptors::calcCrippenDescriptors(*m, logp, mr, /*includeHs=*/true, /*force=*/true);
    const std::unique_ptr<RDKit::ROMol> rest(RDKit::deleteSubstructs(*m, *aliphatic_ring));
    if (p.alogp != logp || p.arom != RDKit::MolOps::findSSSR(*rest)) {
      FAIL_CHECK(RDKit::MolToSmiles(*m) << ": logP " << p.alogp << " vs " << logp << ", AROM " << p.arom);
    }
  }
}

TEST_CASE("QED and SA refuse molecules without ring information", "[chem]") {
  std::unique_ptr<RDKit::ROMol> raw(RDKit::SmilesToMol("c1ccccc1O", 0, /*sanitize=*/false));
  REQUIRE(raw);
  CHECK_THROWS_WITH(hitforge::chem::qed(*raw), Catch::Contains("sanitised"));
  CHECK_THROWS_WITH(SaScoreModel::default_model().score(*raw), Catch::Contains("sanitised"));
}

TEST_CASE("qed and sa scorers: registry, params round trip, parameter errors", "[chem]") {
  const auto aspirin = smiles_mol("CC(=O)Oc1ccccc1C(=O)O");
  double v = -1.0;
  std::string note = "stale";

  const auto q = hitforge::chem::make_scorer(std::string("qed"));
  CHECK(q->name() == "qed");
  CHECK(q->columns() == std::vector<std::string>{"qed"});
  CHECK(q->params() == json{{"name", "qed"}, {"weights", "mean"}});
  q->compute(*aspirin, &v, &note);
  CHECK(v == Approx(0.5501217967).margin(1e-4));
  CHECK(note.empty());
  hitforge::chem::make_scorer(json{{"name", "qed"}, {"weights", "max"}})->compute(*aspirin, &v, nullptr);
  CHECK(v == Approx(0.4914628987).margin(1e-4));
  CHECK(hitforge::chem::make_scorer(q->params())->params() == q->params());
  CHECK_THROWS_AS(hitforge::chem::make_scorer(json{{"name", "qed"}, {"weights", "median"}}), UsageError);
  CHECK_THROWS_WITH(hitforge::chem::make_scorer(json{{"name", "qed"}, {"wieghts", "max"}}), Catch::Contains("wieghts"));

  const auto s = hitforge::chem::make_scorer(std::string("sa"));
  CHECK(s->name() == "sa");
  CHECK(s->columns() == std::vector<std::string>{"sa_score"});
  CHECK(s->params() == json{{"name", "sa"}, {"fpscores", SaScoreModel::default_path()}});
  s->compute(*aspirin, &v, &note);
  CHECK(v == Approx(1.5800397500).margin(1e-4));
  CHECK(hitforge::chem::make_scorer(s->params())->params() == s->params());
  CHECK_THROWS_WITH(hitforge::chem::make_scorer(json{{"name", "sa"}, {"fpscores", "/nonexistent/fp.pkl.gz"}}),
                    Catch::Contains("/nonexistent/fp.pkl.gz") && Catch::Contains("cannot open"));
}

TEST_CASE("SA fragment file: a minimal pickle loads, anything else fails naming the file", "[chem]") {
  hitforge::testing::TempDir dir;
  const auto write = [&dir](const std::string& name, const std::string& bytes) {
    const std::string path = dir.file(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  };

  // Protocol 0 as fpscores.pkl.gz is written; bit 7 appears twice and, as in a Python dict, the later score wins.
  const SaScoreModel ok(write("ok.pkl", "(lp0\n(lp1\nF-1.5\naI123\naI7\naa(lp2\nF0.25\naI7\naa."));
  CHECK(ok.size() == 2);
  CHECK(ok.fragment_score(123, -4.0) == -1.5);
  CHECK(ok.fragment_score(7, -4.0) == 0.25);
  CHECK(ok.fragment_score(8, -4.0) == -4.0);

  const struct {
    const char* name;
    std::string bytes;
    const char* reason;
  } bad[] = {
      {"protocol2.pkl", std::string("\x80\x02]q\x00.", 6), "unsupported pickle opcode 0x80"},
      {"truncated.pkl", "(lp0\n(lp1\nF-1.5\naI123\na", "without the pickle STOP"},
      {"text.pkl", "score,bit\n-1.5,123\n", "unsupported pickle opcode"},
      {"badfloat.pkl", "(lp0\n(lp1\nF-1.5x\naa.", "malformed FLOAT"},
      {"bigid.pkl", "(lp0\n(lp1\nF1.0\naI4294967296\naa.", "32-bit unsigned bit id"},
      {"notlist.pkl", "(lp0\nF1.0\na.", "is not a list"},
      {"empty.pkl", "(lp0\n.", "no fragment scores"},
      {"trailing.pkl", "(lp0\n(lp1\nF1.0\naI5\naa.junk", "after the pickle STOP"},
  };
  for (const auto& b : bad) {
    INFO(b.name);
    const std::string path = write(b.name, b.bytes);
    CHECK_THROWS_WITH(SaScoreModel(path), Catch::Contains(path) && Catch::Contains(b.reason));
  }
  CHECK_THROWS_WITH(SaScoreModel(dir.file("missing.pkl.gz")), Catch::Contains("cannot open"));
}

TEST_CASE("SA fragment file path can be overridden with HITFORGE_SA_FPSCORES", "[chem]") {
  const std::string debian = SaScoreModel::default_path();
  ::setenv("HITFORGE_SA_FPSCORES", "/tmp/elsewhere.pkl.gz", 1);
  CHECK(SaScoreModel::default_path() == "/tmp/elsewhere.pkl.gz");
  ::unsetenv("HITFORGE_SA_FPSCORES");
  CHECK(SaScoreModel::default_path() == debian);
}

TEST_CASE("QED and SA give the same values from OpenMP threads as serially", "[chem]") {
  const auto mols = nci_molecules(400);
  const SaScoreModel& sa = SaScoreModel::default_model();
  const int n = static_cast<int>(mols.size());
  std::vector<double> qed_serial(mols.size()), sa_serial(mols.size());
  for (int i = 0; i < n; ++i) {
    qed_serial[i] = hitforge::chem::qed(*mols[i]);
    sa_serial[i] = sa.score(*mols[i]);
  }
  // Fresh copies: the serial pass cached descriptors on the originals, and the threads must not depend on that.
  std::vector<std::unique_ptr<RDKit::ROMol>> copies;
  for (const auto& m : mols) copies.push_back(std::make_unique<RDKit::ROMol>(*m));
  std::vector<double> qed_par(mols.size(), -1.0), sa_par(mols.size(), -1.0);
  int errors = 0;
#pragma omp parallel for num_threads(2) schedule(dynamic, 4) reduction(+ : errors)
  for (int i = 0; i < n; ++i) {
    try {
      qed_par[i] = hitforge::chem::qed(*copies[i]);
      sa_par[i] = sa.score(*copies[i]);
    } catch (...) {
      ++errors;
    }
  }
  CHECK(errors == 0);
  CHECK(qed_par == qed_serial);
  CHECK(sa_par == sa_serial);
}
