// Molecule scorers: registry errors, rule sets, FilterCatalog alerts, SMARTS lists and similarity, against values
// computed with RDKit Python 2022.09.3 (Descriptors.MolWt, Crippen.MolLogP, rdMolDescriptors.CalcNumHBD/HBA,
// Descriptors.NumRotatableBonds, Descriptors.TPSA, Crippen.MolMR, FilterCatalog(...).GetMatches,
// DataStructs.BulkTanimotoSimilarity).
#include <GraphMol/RWMol.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "chem/mol_input.h"
#include "chem/scoring/mol_scorer.h"
#include "core/error.h"
#include "test_util.h"

using hitforge::chem::make_scorer;
using hitforge::chem::MolScorer;
using hitforge::core::UsageError;
using nlohmann::json;

namespace {

const char* kAspirin = "CC(=O)Oc1ccccc1C(=O)O";
const char* kParacetamol = "CC(=O)Nc1ccc(O)cc1";
const char* kAlkylBenzene = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCc1ccccc1";  // MW 583.1, CLogP 15.5, 35 rot. bonds
const char* kSucrose = "OC[C@H]1O[C@@](CO)(O[C@H]2O[C@H](CO)[C@@H](O)[C@H](O)[C@H]2O)[C@@H](O)[C@@H]1O";
const char* kGlyOligomer = "NC(=O)CNC(=O)CNC(=O)CNC(=O)CNC(=O)CNC(=O)CNC(=O)CN";  // 13 rot. bonds, TPSA 243.7
const char* kRhodanineEne = "O=C1NC(=S)SC1=Cc1ccccc1";                            // PAINS ene_rhod_A(235)

std::unique_ptr<RDKit::RWMol> mol(const std::string& smiles) {
  auto p = hitforge::chem::parse_smiles(smiles);
  REQUIRE(p.ok());
  return std::move(p.mol);
}

struct Score {
  std::vector<double> values;
  std::string note;
};

Score score(const MolScorer& s, const std::string& smiles) {
  Score r;
  r.values.assign(s.columns().size(), -1.0);
  auto m = mol(smiles);
  s.compute(*m, r.values.data(), &r.note);
  return r;
}

std::string error_of(const json& params) {
  try {
    make_scorer(params);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("scorer registry rejects unknown names and keys with messages that name them", "[chem]") {
  const std::string unknown = error_of({{"name", "lipinksi"}});
  CHECK_THAT(unknown, Catch::Contains("unknown scorer 'lipinksi'"));
  CHECK_THAT(unknown, Catch::Contains("lipinski"));  // lists the known names
  CHECK_THAT(unknown, Catch::Contains("similarity"));
  CHECK_THAT(error_of({{"name", "pains"}, {"famlies", "A"}}), Catch::Contains("scorer 'pains' has no parameter 'famlies'"));
  CHECK_THAT(error_of({{"name", "smarts"}, {"patterns", {"C"}}, {"lable", "x"}}),
             Catch::Contains("scorer 'smarts' has no parameter 'lable'"));
  CHECK_THAT(error_of({{"label", "x"}}), Catch::Contains("no \"name\""));
  CHECK_THAT(error_of(json::array()), Catch::Contains("JSON object"));
  CHECK_THAT(error_of({{"name", "similarity"}, {"references", {"CCO"}}, {"mode", "median"}}),
             Catch::Contains("'mode'"));
  CHECK_THROWS_AS(make_scorer(std::string("nope")), UsageError);

  const auto catalog = hitforge::chem::scorer_catalog();
  for (const char* name : {"lipinski", "veber", "ghose", "pains", "brenk", "nih", "smarts", "similarity"}) {
    bool found = false;
    for (const auto& [n, desc] : catalog) found = found || (n == name && !desc.empty());
    CHECK(found);
  }
}

TEST_CASE("default scorers rebuild from params() and have distinct columns", "[chem]") {
  std::vector<std::string> all_columns;
  for (const char* name : {"lipinski", "veber", "ghose", "pains", "brenk", "nih"}) {
    auto s = make_scorer(std::string(name));
    CHECK(s->name() == name);
    auto again = make_scorer(s->params());
    CHECK(again->columns() == s->columns());
    for (const auto& c : s->columns()) all_columns.push_back(c);
  }
  CHECK(all_columns == std::vector<std::string>{"lipinski_violations", "veber_violations", "ghose_violations",
                                                 "pains_matches", "brenk_matches", "nih_matches"});
}

TEST_CASE("lipinski counts violations and names them", "[chem]") {
  auto s = make_scorer(std::string("lipinski"));
  auto r = score(*s, kAspirin);
  CHECK(r.values[0] == 0);
  CHECK(r.note.empty());
  r = score(*s, kAlkylBenzene);  // MW 583.1, CLogP 15.51
  CHECK(r.values[0] == 2);
  CHECK(r.note == "MW>500;LogP>5");
  r = score(*s, kSucrose);  // HBD 8, HBA 11
  CHECK(r.values[0] == 2);
  CHECK(r.note == "HBD>5;HBA>10");
  r = score(*s, kGlyOligomer);  // HBD 8, HBA 8
  CHECK(r.values[0] == 1);
  CHECK(r.note == "HBD>5");
}

TEST_CASE("veber counts rotatable-bond and TPSA violations", "[chem]") {
  auto s = make_scorer(std::string("veber"));
  CHECK(score(*s, kAspirin).values[0] == 0);
  auto r = score(*s, kAlkylBenzene);  // 35 rotatable bonds, TPSA 0
  CHECK(r.values[0] == 1);
  CHECK(r.note == "RotB>10");
  r = score(*s, kSucrose);  // 5 rotatable bonds, TPSA 189.5
  CHECK(r.values[0] == 1);
  CHECK(r.note == "TPSA>140");
  r = score(*s, kGlyOligomer);
  CHECK(r.values[0] == 2);
  CHECK(r.note == "RotB>10;TPSA>140");
}

TEST_CASE("ghose checks MW, logP, atom count and molar refractivity ranges", "[chem]") {
  auto s = make_scorer(std::string("ghose"));
  CHECK(score(*s, kAspirin).values[0] == 0);  // MW 180.2, logP 1.31, 21 atoms, MR 44.7
  auto r = score(*s, "CCO");                   // MW 46.1, 9 atoms, MR 12.8; logP -0.0014 is inside
  CHECK(r.values[0] == 3);
  CHECK(r.note == "MW<160;atoms<20;MR<40");
  r = score(*s, kAlkylBenzene);  // MW 583.1, logP 15.5, 120 atoms, MR 192.8
  CHECK(r.values[0] == 4);
  CHECK(r.note == "MW>480;LogP>5.6;atoms>70;MR>130");
  r = score(*s, kSucrose);  // logP -5.40
  CHECK(r.values[0] == 1);
  CHECK(r.note == "LogP<-0.4");
}

TEST_CASE("structural alerts match RDKit's FilterCatalog", "[chem]") {
  auto pains = make_scorer(std::string("pains"));
  auto r = score(*pains, kRhodanineEne);
  CHECK(r.values[0] == 1);
  CHECK(r.note == "ene_rhod_A(235)");
  r = score(*pains, kAspirin);
  CHECK(r.values[0] == 0);
  CHECK(r.note.empty());

  auto brenk = make_scorer(std::string("brenk"));
  r = score(*brenk, kRhodanineEne);
  CHECK(r.values[0] == 2);
  CHECK(r.note == "Michael_acceptor_1;Thiocarbonyl_group");
  r = score(*brenk, "O=CCCCC=O");
  CHECK(r.values[0] == 2);
  CHECK(r.note == "aldehyde;Aliphatic_long_chain");

  auto nih = make_scorer(std::string("nih"));
  r = score(*nih, kAlkylBenzene);
  CHECK(r.values[0] == 2);
  CHECK(r.note == "gte_10_carbon_sb_chain;gte_8_CF2_or_CH2");
  CHECK(score(*nih, "c1ccccc1").values[0] == 0);
}

TEST_CASE("one alert scorer gives the same answers from several threads", "[chem]") {
  auto pains = make_scorer(std::string("pains"));
  auto brenk = make_scorer(std::string("brenk"));
  const std::vector<std::string> smiles = {kRhodanineEne, kAspirin, kSucrose, "O=CCCCC=O", kParacetamol};
  std::vector<double> expected;
  for (const auto& s : smiles) expected.push_back(score(*pains, s).values[0] * 100 + score(*brenk, s).values[0]);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 20; ++rep)
        for (std::size_t i = 0; i < smiles.size(); ++i) {
          auto m = hitforge::chem::parse_smiles(smiles[i]);
          double a = 0, b = 0;
          pains->compute(*m.mol, &a, nullptr);
          brenk->compute(*m.mol, &b, nullptr);
          if (a * 100 + b != expected[i]) ++mismatches[t];
        }
    });
  for (auto& th : threads) th.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}

TEST_CASE("smarts counts matched patterns for include and exclude lists", "[chem]") {
  auto s = make_scorer(json{{"name", "smarts"},
                            {"patterns", {"[CX3](=O)[OX2H1] acid", "[NX3][CX3](=O)  amide", "c1ccccc1"}},
                            {"label", "groups"}});
  CHECK(s->columns() == std::vector<std::string>{"smarts_groups"});
  auto r = score(*s, kAspirin);
  CHECK(r.values[0] == 2);
  CHECK(r.note == "acid;c1ccccc1");  // unnamed pattern is named by its SMARTS
  r = score(*s, kParacetamol);
  CHECK(r.values[0] == 2);
  CHECK(r.note == "amide;c1ccccc1");
  r = score(*s, "CCCC");  // passes an exclude list
  CHECK(r.values[0] == 0);
  CHECK(r.note.empty());
  CHECK(make_scorer(s->params())->params() == s->params());

  CHECK_THAT(error_of({{"name", "smarts"}, {"patterns", {"C", "C(("}}}), Catch::Contains("invalid SMARTS 'C(('"));
  CHECK_THAT(error_of({{"name", "smarts"}, {"patterns", json::array()}}), Catch::Contains("no patterns"));
  CHECK_THAT(error_of({{"name", "smarts"}}), Catch::Contains("exactly one of"));
  CHECK_THAT(error_of({{"name", "smarts"}, {"patterns", {"C"}}, {"label", "a b"}}), Catch::Contains("'label'"));
}

TEST_CASE("smarts reads a pattern file with names and comments, and names the bad line", "[chem]") {
  hitforge::testing::TempDir dir;
  const std::string path = dir.file("patterns.txt");
  {
    std::ofstream out(path);
    out << "# alerts\n\n[CX3H1](=O) aldehyde\n[SX2H] thiol group\n";
  }
  auto s = make_scorer(json{{"name", "smarts"}, {"file", path}});
  CHECK(s->columns() == std::vector<std::string>{"smarts_custom"});
  auto r = score(*s, "O=CCCCC=O");
  CHECK(r.values[0] == 1);
  CHECK(r.note == "aldehyde");
  r = score(*s, "SCCC=O");
  CHECK(r.values[0] == 2);
  CHECK(r.note == "aldehyde;thiol group");
  {
    std::ofstream out(path);
    out << "C\nC(C broken\n";
  }
  const std::string err = error_of({{"name", "smarts"}, {"file", path}});
  CHECK_THAT(err, Catch::Contains("'C(C'"));
  CHECK_THAT(err, Catch::Contains("patterns.txt:2"));
  CHECK_THAT(error_of({{"name", "smarts"}, {"file", dir.file("missing.txt")}}), Catch::Contains("cannot open"));
}

TEST_CASE("similarity equals RDKit's Tanimoto", "[chem]") {
  // /usr/bin/python3: m = [Chem.MolFromSmiles(s) for s in (aspirin, paracetamol)]
  //   DataStructs.BulkTanimotoSimilarity(AllChem.GetMorganFingerprintAsBitVect(m[0], 2, nBits=2048),
  //                                      [AllChem.GetMorganFingerprintAsBitVect(m[1], 2, nBits=2048)])
  //   -> 0.2222222222222222;  the same with GetHashedMorganFingerprint(m, 2, nBits=2048) -> 0.27450980392156865
  auto s = make_scorer(json{{"name", "similarity"}, {"references", {kParacetamol}}});
  CHECK(s->columns() == std::vector<std::string>{"sim_max_ref"});
  CHECK(score(*s, kParacetamol).values[0] == 1.0);
  auto r = score(*s, kAspirin);
  CHECK(r.values[0] == Approx(0.2222222222222222).epsilon(1e-12));
  CHECK(r.note == std::string("nearest=") + kParacetamol);

  auto counts = make_scorer(json{{"name", "similarity"},
                                 {"references", {kParacetamol}},
                                 {"fingerprint", "morgan_counts:radius=2,bits=2048"},
                                 {"label", "pcm"}});
  CHECK(counts->columns() == std::vector<std::string>{"sim_max_pcm"});
  CHECK(score(*counts, kAspirin).values[0] == Approx(0.27450980392156865).epsilon(1e-12));
  CHECK(score(*counts, kParacetamol).values[0] == 1.0);

  auto mean = make_scorer(json{{"name", "similarity"}, {"references", {kParacetamol, kAspirin}}, {"mode", "mean"}});
  CHECK(mean->columns() == std::vector<std::string>{"sim_mean_ref"});
  r = score(*mean, kAspirin);
  CHECK(r.values[0] == Approx((1.0 + 0.2222222222222222) / 2).epsilon(1e-12));
  CHECK(r.note.empty());
  CHECK(make_scorer(mean->params())->params() == mean->params());

  CHECK_THAT(error_of({{"name", "similarity"}, {"references", {"CCO", "C1CC"}}}),
             Catch::Contains("reference 1 ('C1CC') is invalid"));
  CHECK_THAT(error_of({{"name", "similarity"}, {"references", {"CCO"}}, {"fingerprint", "rdkit2d"}}),
             Catch::Contains("packed_bits or counts_u8"));
  CHECK_THAT(error_of({{"name", "similarity"}, {"references", json::array()}}), Catch::Contains("no reference"));
}

TEST_CASE("similarity reads references from a file and names an invalid record", "[chem]") {
  hitforge::testing::TempDir dir;
  const std::string path = dir.file("refs.smi");
  {
    std::ofstream out(path);
    out << kAspirin << " aspirin\n" << kParacetamol << " paracetamol\n";
  }
  auto s = make_scorer(json{{"name", "similarity"}, {"reference_file", path}, {"fingerprint", "maccs"}});
  auto r = score(*s, kParacetamol);
  CHECK(r.values[0] == 1.0);
  CHECK(r.note == "nearest=paracetamol");
  {
    std::ofstream out(path, std::ios::app);
    out << "C1CC broken_ring\n";
  }
  const std::string err = error_of({{"name", "similarity"}, {"reference_file", path}});
  CHECK_THAT(err, Catch::Contains("record 2"));
  CHECK_THAT(err, Catch::Contains("broken_ring"));
}
