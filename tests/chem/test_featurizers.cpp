// Featurisers: spec parsing, registry, and outputs checked against golden values from RDKit Python 2022.09.3.
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chem/featurizers/descriptors.h"
#include "chem/featurizers/featurizer.h"
#include "chem/featurizers/graph.h"
#include "core/error.h"

using hitforge::chem::FeatureKind;
using hitforge::chem::FeatureSpec;
using hitforge::chem::Featurizer;
using hitforge::chem::make_featurizer;
using hitforge::chem::MolGraph;
using hitforge::core::InternalError;
using hitforge::core::UsageError;

namespace {

std::unique_ptr<RDKit::ROMol> mol_from(const std::string& smiles) {
  std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(smiles));
  REQUIRE(mol);
  return mol;
}

std::vector<std::uint8_t> row_of(const Featurizer& f, const std::string& smiles) {
  std::vector<std::uint8_t> row(f.row_bytes(), 0xAB);  // junk: compute() must overwrite every byte
  f.compute(*mol_from(smiles), row.data());
  return row;
}

// Indices of the set bits of a packed_bits row (LSB-first), including any set padding bit past width().
std::vector<int> on_bits(const Featurizer& f, const std::string& smiles) {
  REQUIRE(f.kind() == FeatureKind::packed_bits);
  const auto row = row_of(f, smiles);
  std::vector<int> out;
  for (std::size_t b = 0; b < 8 * row.size(); ++b)
    if (row[b / 8] & (1u << (b % 8))) out.push_back(static_cast<int>(b));
  return out;
}

std::vector<float> floats_of(const Featurizer& f, const std::string& smiles) {
  const auto row = row_of(f, smiles);
  std::vector<float> out(f.width());
  std::memcpy(out.data(), row.data(), row.size());
  return out;
}

float column(const Featurizer& f, const std::vector<float>& values, const std::string& name) {
  const auto names = f.column_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return values[i];
  FAIL("no column " << name);
  return 0;
}

// Message of the UsageError thrown by make_featurizer(spec), or "" when none is thrown.
std::string usage_error(const std::string& spec) {
  try {
    make_featurizer(spec);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

const char* const kAspirin = "CC(=O)Oc1ccccc1C(=O)O";
const char* const kCaffeine = "CN1C=NC2=C1C(=O)N(C(=O)N2C)C";
const char* const kLAla = "C[C@@H](C(=O)O)N";
const char* const kDAla = "C[C@H](C(=O)O)N";

}  // namespace

// ---- spec parsing and the registry ----

TEST_CASE("FeatureSpec parses names and key=value parameters", "[chem]") {
  auto s = FeatureSpec::parse("morgan");
  CHECK(s.name == "morgan");
  CHECK(s.params.empty());
  CHECK(s.str() == "morgan");

  s = FeatureSpec::parse("morgan:radius=3,bits=1024");
  CHECK(s.name == "morgan");
  CHECK(s.params == std::map<std::string, std::string>{{"bits", "1024"}, {"radius", "3"}});
  CHECK(s.get_int("radius", 2) == 3);
  CHECK(s.get_int("missing", 7) == 7);
  CHECK(s.get_string("bits", "") == "1024");
  CHECK(s.str() == "morgan:bits=1024,radius=3");  // canonical: keys sorted
  const auto again = FeatureSpec::parse(s.str());
  CHECK(again.name == s.name);
  CHECK(again.params == s.params);

  s = FeatureSpec::parse("x:flag=1,other=false,neg=-4,pos=+5");
  CHECK(s.get_bool("flag", false));
  CHECK_FALSE(s.get_bool("other", true));
  CHECK(s.get_int("neg", 0) == -4);
  CHECK(s.get_int("pos", 0) == 5);
}

TEST_CASE("FeatureSpec rejects malformed text with a UsageError", "[chem]") {
  for (const char* bad : {"", ":radius=2", "morgan:", "morgan:radius", "morgan:radius=", "morgan:=2",
                          "morgan:radius=2,", "morgan:,radius=2", "morgan:radius=2,,bits=3", "morgan:radius=2,radius=3",
                          "mor gan", " morgan", "morgan:radius=2 ", "morgan:radius=2;bits=3", "morgan:radius==2",
                          "morgan:radius=2:bits=3", "morgan:rad-ius=2"}) {
    INFO("spec: '" << bad << "'");
    CHECK_THROWS_AS(FeatureSpec::parse(bad), UsageError);
  }
  CHECK_THROWS_WITH(FeatureSpec::parse("morgan:radius=2,radius=3"), Catch::Contains("twice"));
}

TEST_CASE("FeatureSpec typed getters reject bad values, naming the featuriser and key", "[chem]") {
  const auto s = FeatureSpec::parse("morgan:radius=two,bits=2.5,big=99999999999,chiral=yes,empty_sign=+");
  CHECK_THROWS_WITH(s.get_int("radius", 2),
                    Catch::Contains("morgan") && Catch::Contains("radius") && Catch::Contains("two"));
  CHECK_THROWS_AS(s.get_int("bits", 2048), UsageError);
  CHECK_THROWS_AS(s.get_int("big", 0), UsageError);
  CHECK_THROWS_AS(s.get_int("empty_sign", 0), UsageError);
  CHECK_THROWS_WITH(s.get_bool("chiral", false), Catch::Contains("chiral"));
}

TEST_CASE("make_featurizer catches typos, bad values and unknown names", "[chem]") {
  CHECK_THROWS_WITH(make_featurizer("morgan:radus=2"), Catch::Contains("radus") && Catch::Contains("radius"));
  CHECK_THROWS_AS(make_featurizer("morgan:radius=x"), UsageError);
  CHECK_THROWS_AS(make_featurizer("morgan:radius=-1"), UsageError);
  CHECK_THROWS_AS(make_featurizer("morgan:radius=99"), UsageError);
  CHECK_THROWS_AS(make_featurizer("morgan:bits=0"), UsageError);
  CHECK_THROWS_AS(make_featurizer("morgan_counts:bits=99999999"), UsageError);
  CHECK_THROWS_AS(make_featurizer("atompair:bits=2"), UsageError);
  CHECK_THROWS_AS(make_featurizer("atompair:radius=2"), UsageError);
  CHECK_THROWS_WITH(make_featurizer("maccs:bits=166"), Catch::Contains("takes none"));
  CHECK_THROWS_AS(make_featurizer("rdkit2d:x=1"), UsageError);
  CHECK_THROWS_AS(make_featurizer("graph:x=1"), UsageError);
  CHECK_THROWS_AS(make_featurizer("morgan:radius"), UsageError);

  const std::string msg = usage_error("mogran:radius=2");
  CHECK_THAT(msg, Catch::Contains("mogran"));
  for (const auto& [name, description] : hitforge::chem::featurizer_catalog()) CHECK_THAT(msg, Catch::Contains(name));
  CHECK(usage_error("Morgan") != "");  // names are case-sensitive
}

TEST_CASE("the catalog lists every featuriser and each spec round-trips", "[chem]") {
  std::set<std::string> names;
  for (const auto& [name, description] : hitforge::chem::featurizer_catalog()) {
    CHECK_FALSE(description.empty());
    names.insert(name);
  }
  CHECK(names == std::set<std::string>{"morgan", "morgan_counts", "rdkit2d", "maccs", "atompair", "graph", "smiles_tokens"});

  for (const std::string spec :
       {"morgan", "morgan:radius=3,bits=1024", "morgan:chiral=1,features=true", "morgan_counts:bits=512", "rdkit2d",
        "maccs", "atompair", "atompair:bits=1024", "graph", "smiles_tokens"}) {
    INFO(spec);
    const auto f = make_featurizer(spec);
    const auto g = make_featurizer(f->spec());
    CHECK(g->spec() == f->spec());
    CHECK(g->name() == f->name());
    CHECK(g->kind() == f->kind());
    CHECK(g->width() == f->width());
    CHECK(f->spec().rfind(f->name(), 0) == 0);
  }
  CHECK(make_featurizer("morgan")->spec() == "morgan:bits=2048,chiral=0,features=0,radius=2");
  CHECK(make_featurizer("morgan:features=true,radius=3")->spec() == "morgan:bits=2048,chiral=0,features=1,radius=3");
  CHECK(make_featurizer("morgan_counts:bits=512")->spec() == "morgan_counts:bits=512,chiral=0,features=0,radius=2");
  CHECK(make_featurizer("atompair")->spec() == "atompair:bits=2048");
}

TEST_CASE("kinds, widths and row sizes follow the featuriser contract", "[chem]") {
  CHECK(std::string(to_string(FeatureKind::packed_bits)) == "packed_bits");
  CHECK(std::string(to_string(FeatureKind::counts_u8)) == "counts_u8");
  CHECK(std::string(to_string(FeatureKind::dense_f32)) == "dense_f32");
  CHECK(std::string(to_string(FeatureKind::graph)) == "graph");

  const auto morgan = make_featurizer("morgan");
  CHECK(morgan->kind() == FeatureKind::packed_bits);
  CHECK(morgan->width() == 2048);
  CHECK(morgan->row_bytes() == 256);
  CHECK(morgan->column_names().empty());
  CHECK(make_featurizer("morgan:bits=1001")->row_bytes() == 126);
  const auto counts = make_featurizer("morgan_counts:bits=1024");
  CHECK(counts->kind() == FeatureKind::counts_u8);
  CHECK(counts->row_bytes() == 1024);
  const auto maccs = make_featurizer("maccs");
  CHECK(maccs->width() == 167);
  CHECK(maccs->row_bytes() == 21);
  const auto rdkit2d = make_featurizer("rdkit2d");
  CHECK(rdkit2d->kind() == FeatureKind::dense_f32);
  CHECK(rdkit2d->row_bytes() == 4 * rdkit2d->width());
  const auto graph = make_featurizer("graph");
  CHECK(graph->kind() == FeatureKind::graph);
  CHECK(graph->width() == hitforge::chem::atom_feature_size());
  CHECK(graph->bond_width() == hitforge::chem::bond_feature_size());
  CHECK(graph->row_bytes() == 0);
}

TEST_CASE("calling the wrong compute for a kind is an internal error", "[chem]") {
  const auto mol = mol_from("CCO");
  std::vector<std::uint8_t> row(4096);
  MolGraph g;
  CHECK_THROWS_AS(make_featurizer("graph")->compute(*mol, row.data()), InternalError);
  CHECK_THROWS_WITH(make_featurizer("morgan")->compute_graph(*mol, g), Catch::Contains("morgan"));
  CHECK_THROWS_AS(make_featurizer("rdkit2d")->compute_graph(*mol, g), InternalError);
}

// ---- fingerprints against RDKit Python ----
// Golden values printed by /usr/bin/python3 (RDKit 2022.09.3), e.g.
//   from rdkit import Chem; from rdkit.Chem import AllChem
//   list(AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(smi), 2, nBits=2048).GetOnBits())
// with useChirality=True / useFeatures=True where the spec says chiral=1 / features=1.

TEST_CASE("morgan bits equal RDKit GetMorganFingerprintAsBitVect", "[chem]") {
  const auto f = make_featurizer("morgan");
  CHECK(on_bits(*f, "CCO") == std::vector<int>{80, 222, 294, 807, 1057, 1410});
  CHECK(on_bits(*f, "c1ccccc1") == std::vector<int>{389, 1088, 1873});
  CHECK(on_bits(*f, kAspirin) == std::vector<int>{389,  456,  650,  695,  807,  909,  1017, 1035,
                                                  1047, 1057, 1088, 1199, 1380, 1410, 1447, 1468,
                                                  1616, 1729, 1750, 1775, 1873, 1917, 1970, 1991});
  CHECK(on_bits(*f, kCaffeine) == std::vector<int>{33,   314,  378,  400,  463,  504,  564,  650,  771,
                                                   932,  935,  1024, 1057, 1145, 1203, 1258, 1307, 1354,
                                                   1380, 1409, 1440, 1452, 1517, 1696, 1873});
  // radius 3, nBits=1024
  CHECK(on_bits(*make_featurizer("morgan:radius=3,bits=1024"), kCaffeine) ==
        std::vector<int>{0,   33,  48,  121, 179, 234, 237, 283, 314, 330, 356, 361, 378, 385, 400, 416, 428,
                         463, 488, 493, 504, 506, 564, 650, 672, 723, 771, 849, 862, 883, 905, 932, 935});
  // useFeatures=True (FCFP-like invariants)
  CHECK(on_bits(*make_featurizer("morgan:features=1"), kAspirin) ==
        std::vector<int>{0,    1,    2,    4,    32,   33,   321,  535,  598,  626,  809,
                         1001, 1048, 1083, 1085, 1405, 1502, 1950, 1979, 1990, 2017, 2040});
  // A width that is not a multiple of 8 leaves the padding bits of the last byte clear.
  for (int b : on_bits(*make_featurizer("morgan:bits=1001"), kCaffeine)) CHECK(b < 1001);
}

TEST_CASE("morgan chiral=1 tells enantiomers apart, chiral=0 does not", "[chem]") {
  const auto chiral = make_featurizer("morgan:chiral=1");
  const auto plain = make_featurizer("morgan");
  // L-/D-alanine, useChirality=True
  CHECK(on_bits(*chiral, kLAla) == std::vector<int>{1, 283, 389, 650, 786, 807, 1057, 1112, 1171, 1187, 1844, 1917});
  CHECK(on_bits(*chiral, kDAla) == std::vector<int>{1, 46, 283, 389, 650, 786, 807, 1057, 1113, 1171, 1844, 1917});
  const std::vector<int> achiral{1, 132, 283, 389, 473, 650, 786, 807, 1057, 1171, 1844, 1917};
  CHECK(on_bits(*plain, kLAla) == achiral);
  CHECK(on_bits(*plain, kDAla) == achiral);
}

TEST_CASE("morgan_counts equal RDKit GetHashedMorganFingerprint and saturate at 255", "[chem]") {
  const auto f = make_featurizer("morgan_counts");
  // sorted(AllChem.GetHashedMorganFingerprint(mol, 2, nBits=2048).GetNonzeroElements().items())
  const std::vector<std::pair<int, int>> aspirin{{389, 1},  {456, 1},  {650, 2},  {695, 1},  {807, 3},  {909, 1},
                                                 {1017, 1}, {1035, 1}, {1047, 1}, {1057, 1}, {1088, 2}, {1199, 2},
                                                 {1380, 2}, {1410, 1}, {1447, 1}, {1468, 1}, {1616, 1}, {1729, 1},
                                                 {1750, 2}, {1775, 1}, {1873, 4}, {1917, 2}, {1970, 1}, {1991, 1}};
  const auto row = row_of(*f, kAspirin);
  std::vector<std::pair<int, int>> got;
  for (std::size_t i = 0; i < row.size(); ++i)
    if (row[i]) got.emplace_back(static_cast<int>(i), row[i]);
  CHECK(got == aspirin);

  // A 300-carbon chain: RDKit counts 298, 294 and 296 at bits 80, 1143 and 1911.
  const auto chain = row_of(*f, std::string(300, 'C'));
  CHECK(chain[80] == 255);
  CHECK(chain[1143] == 255);
  CHECK(chain[1911] == 255);
  CHECK(chain[294] == 2);
  CHECK(chain[0] == 0);
}

TEST_CASE("maccs bits equal RDKit MACCSkeys.GenMACCSKeys", "[chem]") {
  const auto f = make_featurizer("maccs");
  // list(MACCSkeys.GenMACCSKeys(mol).GetOnBits())
  CHECK(on_bits(*f, "CCO") == std::vector<int>{82, 109, 114, 139, 153, 155, 157, 160, 164});
  CHECK(on_bits(*f, kAspirin) == std::vector<int>{89,  113, 123, 126, 127, 136, 139, 140, 143, 144, 146,
                                                  150, 152, 154, 157, 159, 160, 162, 163, 164, 165});
  CHECK(on_bits(*f, kCaffeine) == std::vector<int>{37,  38,  65,  75,  77,  79,  80,  83,  85,  89,  92,  93,
                                                   95,  96,  97,  98,  101, 105, 106, 110, 113, 117, 120, 121,
                                                   122, 125, 127, 136, 137, 141, 142, 143, 144, 148, 149, 150,
                                                   154, 156, 158, 159, 160, 161, 162, 163, 164, 165});
}

TEST_CASE("atompair bits equal RDKit GetHashedAtomPairFingerprintAsBitVect", "[chem]") {
  // list(rdMolDescriptors.GetHashedAtomPairFingerprintAsBitVect(mol, nBits=...).GetOnBits())
  CHECK(on_bits(*make_featurizer("atompair"), kAspirin) ==
        std::vector<int>{16,   68,   284,  285,  296,  320,  321,  324,  376,  380,  448,  460,  496,  536,
                         548,  552,  592,  604,  632,  636,  712,  713,  764,  765,  768,  769,  780,  796,
                         797,  800,  801,  804,  805,  840,  856,  864,  872,  964,  965,  968,  984,  1016,
                         1017, 1018, 1020, 1056, 1080, 1081, 1216, 1244, 1245, 1246, 1248, 1249, 1250, 1312,
                         1340, 1360, 1496, 1497, 1508, 1509, 1812, 1813, 1816, 1884, 1908, 1912});
  CHECK(on_bits(*make_featurizer("atompair:bits=1024"), kCaffeine) ==
        std::vector<int>{16,  36,  56,  57,  76,  84,  85,  86,  88,  120, 172, 173, 184, 185, 186, 188,
                         192, 208, 209, 224, 225, 232, 233, 284, 285, 286, 296, 320, 324, 340, 364, 365,
                         424, 476, 477, 478, 496, 536, 548, 556, 592, 593, 594, 600, 604, 605, 612, 628,
                         636, 637, 664, 665, 676, 677, 712, 724, 725, 728, 729, 756, 764, 768, 769, 800,
                         801, 802, 840, 856, 857, 858, 892, 924, 928, 929, 930, 936, 964, 1016});
}

// ---- descriptors ----

TEST_CASE("rdkit2d has unique names and sensible values for ethanol and benzene", "[chem]") {
  const auto f = make_featurizer("rdkit2d");
  const auto names = f->column_names();
  CHECK(names.size() == f->width());
  CHECK(names.size() >= 300);
  CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());
  for (const char* expected : {"amw", "exactmw", "tpsa", "CrippenClogP", "NumAromaticCarbocycles", "MQN1", "MQN42",
                               "PEOE_VSA14", "SMR_VSA10", "SlogP_VSA12", "AUTOCORR2D_192"}) {
    CHECK(std::find(names.begin(), names.end(), expected) != names.end());
  }

  // Descriptors.MolWt / ExactMolWt, rdMolDescriptors.CalcTPSA / CalcCrippenDescriptors / MQNs_
  const auto ethanol = floats_of(*f, "CCO");
  CHECK(column(*f, ethanol, "amw") == Approx(46.069).epsilon(1e-5));
  CHECK(column(*f, ethanol, "exactmw") == Approx(46.041864812).epsilon(1e-5));
  CHECK(column(*f, ethanol, "tpsa") == Approx(20.23).epsilon(1e-5));
  CHECK(column(*f, ethanol, "CrippenClogP") == Approx(-0.0014).margin(1e-6));
  CHECK(column(*f, ethanol, "CrippenMR") == Approx(12.7598).epsilon(1e-5));
  CHECK(column(*f, ethanol, "NumHeavyAtoms") == 3);
  CHECK(column(*f, ethanol, "NumAromaticRings") == 0);
  CHECK(column(*f, ethanol, "MQN1") == 2);   // carbons
  CHECK(column(*f, ethanol, "MQN10") == 1);  // oxygens
  const auto benzene = floats_of(*f, "c1ccccc1");
  CHECK(column(*f, benzene, "amw") == Approx(78.114).epsilon(1e-5));
  CHECK(column(*f, benzene, "tpsa") == 0);
  CHECK(column(*f, benzene, "NumAromaticRings") == 1);
  CHECK(column(*f, benzene, "NumAromaticCarbocycles") == 1);
  CHECK(column(*f, benzene, "MQN1") == 6);
  for (float v : benzene) CHECK(std::isfinite(v));

  // compute() writes the double values as float32.
  const auto* typed = dynamic_cast<const hitforge::chem::RDKit2DFeaturizer*>(f.get());
  REQUIRE(typed);
  const auto values = typed->compute_values(*mol_from("CCO"));
  REQUIRE(values.size() == ethanol.size());
  for (std::size_t i = 0; i < values.size(); ++i) CHECK(ethanol[i] == static_cast<float>(values[i]));
}

TEST_CASE("rdkit2d reports NaN for what RDKit cannot compute and leaves the molecule alone", "[chem]") {
  const auto f = make_featurizer("rdkit2d");
  // RDKit has no Gasteiger parameters for Na: BCUT2D fails, the rest does not.
  const auto salt = floats_of(*f, "[Na+].[Cl-]");
  CHECK(std::isnan(column(*f, salt, "BCUT2D_CHGHI")));
  CHECK(std::isnan(column(*f, salt, "BCUT2D_MWHI")));
  CHECK(column(*f, salt, "amw") == Approx(58.443).epsilon(1e-5));

  const auto mol = mol_from(kAspirin);
  std::vector<std::uint8_t> row(f->row_bytes());
  f->compute(*mol, row.data());
  CHECK_FALSE(mol->hasProp("_TPSA"));
  CHECK_FALSE(mol->getAtomWithIdx(0)->hasProp("_GasteigerCharge"));
}

// ---- graph ----

namespace {

// Sums of the one-hot blocks of one atom / bond row, in the order documented in graph.h.
std::vector<float> block_sums(const float* row, const std::vector<int>& sizes) {
  std::vector<float> out;
  for (int n : sizes) {
    float s = 0;
    for (int i = 0; i < n; ++i) s += row[i];
    out.push_back(s);
    row += n;
  }
  return out;
}
const std::vector<int> kAtomBlocks{101, 7, 6, 5, 6, 6};
const std::vector<int> kBondBlocks{5};  // then conjugated, ring, and the 7-slot stereo block at offset 7

}  // namespace

TEST_CASE("graph featuriser gives chemprop-style shapes and one-hot blocks", "[chem]") {
  const auto f = make_featurizer("graph");
  const std::size_t da = hitforge::chem::atom_feature_size(), db = hitforge::chem::bond_feature_size();
  CHECK(da == 133);
  CHECK(db == 14);

  MolGraph g;
  g.n_atoms = 99;
  g.atom_features.assign(7, 1.0f);  // compute_graph clears first
  f->compute_graph(*mol_from(kAspirin), g);
  CHECK(g.n_atoms == 13);
  CHECK(g.n_bonds == 13);
  CHECK(g.atom_features.size() == 13 * da);
  CHECK(g.bond_features.size() == 13 * db);
  CHECK(g.bond_atoms.size() == 26);
  for (int a = 0; a < g.n_atoms; ++a)
    CHECK(block_sums(g.atom_features.data() + a * da, kAtomBlocks) == std::vector<float>(kAtomBlocks.size(), 1.0f));
  for (int b = 0; b < g.n_bonds; ++b) {
    const float* row = g.bond_features.data() + b * db;
    CHECK(block_sums(row, kBondBlocks)[0] == 1.0f);
    CHECK(block_sums(row + 7, {7})[0] == 1.0f);
    CHECK(g.bond_atoms[2 * b] != g.bond_atoms[2 * b + 1]);
    CHECK(g.bond_atoms[2 * b] < g.n_atoms);
    CHECK(g.bond_atoms[2 * b + 1] < g.n_atoms);
  }

  // Ethanol's oxygen (atom 2): Z=8 -> slot 7, total degree 2 (C and H), charge 0, no chirality, 1 H, SP3.
  f->compute_graph(*mol_from("CCO"), g);
  REQUIRE(g.n_atoms == 3);
  CHECK(g.bond_atoms == std::vector<std::int32_t>{0, 1, 1, 2});
  const float* o = g.atom_features.data() + 2 * da;
  CHECK(o[7] == 1.0f);
  CHECK(o[101 + 2] == 1.0f);
  CHECK(o[108 + 2] == 1.0f);
  CHECK(o[114 + 0] == 1.0f);
  CHECK(o[119 + 1] == 1.0f);
  CHECK(o[125 + 2] == 1.0f);
  CHECK(o[131] == 0.0f);
  CHECK(o[132] == Approx(0.15999).epsilon(1e-4));
  const float* co = g.bond_features.data() + 1 * db;  // C-O: single, not conjugated, not in a ring, no stereo
  CHECK(std::vector<float>(co, co + db) == std::vector<float>{1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});

  // Benzene: aromatic SP2 carbons; bonds aromatic, conjugated, in a ring.
  f->compute_graph(*mol_from("c1ccccc1"), g);
  CHECK(g.n_bonds == 6);
  CHECK(g.atom_features[131] == 1.0f);
  CHECK(g.atom_features[125 + 1] == 1.0f);
  CHECK(std::vector<float>(g.bond_features.begin(), g.bond_features.begin() + db) ==
        std::vector<float>{0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0});

  // Out-of-range values land in the "other" slots: a dummy atom, a +3 charge. A trans double bond's stereo is E.
  f->compute_graph(*mol_from("*C.[Fe+3]"), g);
  CHECK(g.atom_features[100] == 1.0f);               // atomic number 0
  CHECK(g.atom_features[2 * da + 108 + 5] == 1.0f);  // charge +3
  f->compute_graph(*mol_from("C/C=C/C"), g);
  CHECK(g.bond_features[1 * db + 1] == 1.0f);      // double
  CHECK(g.bond_features[1 * db + 7 + 3] == 1.0f);  // STEREOE

  // Chiral tags: L- and D-alanine differ only there.
  MolGraph l, d;
  f->compute_graph(*mol_from(kLAla), l);
  f->compute_graph(*mol_from(kDAla), d);
  CHECK(l.atom_features[da + 114 + 1] + l.atom_features[da + 114 + 2] == 1.0f);
  CHECK(l.atom_features[da + 114 + 1] == d.atom_features[da + 114 + 2]);
  CHECK(l.bond_features == d.bond_features);

  // A single atom has no bonds.
  f->compute_graph(*mol_from("[Na+]"), g);
  CHECK(g.n_atoms == 1);
  CHECK(g.n_bonds == 0);
  CHECK(g.bond_features.empty());
}

// ---- thread safety ----

TEST_CASE("featurisers give identical results when called from several threads", "[chem]") {
  const std::vector<std::string> smiles{"CCO",       "c1ccccc1",   kAspirin,          kCaffeine,
                                        kLAla,       kDAla,        "[Na+].[Cl-]",     "C1CC2CCC1C2",
                                        "O=C(O)CCN", "c1ccncc1Cl", "CC(C)(C)OC(=O)N", "FC(F)(F)c1ccc(O)cc1",
                                        "C#N",       "S=C=S",      "C/C=C\\C(=O)O",   "c1ccc2[nH]ccc2c1"};
  std::vector<hitforge::chem::FeaturizerPtr> featurizers;
  for (const char* spec :
       {"morgan", "morgan:chiral=1,features=1", "morgan_counts", "maccs", "atompair", "rdkit2d", "graph"})
    featurizers.push_back(make_featurizer(spec));

  // One result string per featuriser and molecule (fixed rows as bytes, graphs as their float bytes).
  const auto run_all = [&](std::vector<std::string>& out) {
    out.clear();
    for (const auto& s : smiles) {
      // Each thread parses its own molecules, as the dataset builder does. No Catch2 macros here: they are not
      // thread-safe.
      const std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(s));
      if (!mol) {
        out.emplace_back("parse failed");
        continue;
      }
      for (const auto& f : featurizers) {
        if (f->kind() == FeatureKind::graph) {
          MolGraph g;
          f->compute_graph(*mol, g);
          out.emplace_back(reinterpret_cast<const char*>(g.atom_features.data()), 4 * g.atom_features.size());
          out.back().append(reinterpret_cast<const char*>(g.bond_features.data()), 4 * g.bond_features.size());
        } else {
          std::string row(f->row_bytes(), '\0');
          f->compute(*mol, reinterpret_cast<std::uint8_t*>(row.data()));
          out.push_back(std::move(row));
        }
      }
    }
  };
  std::vector<std::string> reference;
  run_all(reference);

  constexpr int kThreads = 4, kRounds = 5;
  std::vector<std::vector<std::string>> results(kThreads);
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        run_all(results[t]);
        if (results[t] != reference) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) CHECK(mismatches[t] == 0);
}
