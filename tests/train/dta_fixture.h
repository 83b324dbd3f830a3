#pragma once
// A tiny synthetic drug–target pair dataset written by the tests themselves (no data is committed): 18 drugs × 6
// proteins, every pair measured, with an affinity that is a learnable function of both sides,
//   affinity = 5 + 0.25 · heavy_atoms(drug) + 3 · W_fraction(protein) + 0.3 · heavy_atoms · W_fraction,
// so neither the drug nor the protein alone explains it. Pair k (drug-major) is in fold k mod 5 (0..3, "test"):
// every drug and protein occurs in every fold, as in DeepDTA's setting 1. Proteins are cropped to 40 residues;
// one is longer (the crop rule matters for prediction from raw sequences).
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace hitforge::testing {

struct DTAFixture {
  std::vector<std::pair<std::string, int>> drugs;  ///< SMILES, heavy atoms
  std::vector<std::string> proteins;
  std::string ligands_json, proteins_json, pairs_csv;  ///< written files
  double affinity(size_t drug, size_t protein) const {
    const std::string& s = proteins[protein];
    const std::string cropped = s.substr(0, 40);
    double w = 0;
    for (char c : cropped) w += c == 'W';
    w /= static_cast<double>(cropped.size());
    const double d = drugs[drug].second;
    return 5.0 + 0.25 * d + 3.0 * w + 0.3 * d * w;
  }
};

/// Writes ligands.json, proteins.json and pairs.csv (drug_id, protein_id, affinity, fold) into `dir`.
inline DTAFixture write_dta_fixture(const TempDir& dir) {
  DTAFixture f;
  f.drugs = {{"C", 1},
             {"CC", 2},
             {"CCC", 3},
             {"CCCC", 4},
             {"CCCCC", 5},
             {"CCCCCC", 6},
             {"CCO", 3},
             {"CCCO", 4},
             {"CCCCO", 5},
             {"c1ccccc1", 6},
             {"Cc1ccccc1", 7},
             {"CCc1ccccc1", 8},
             {"c1ccc2ccccc2c1", 10},
             {"CC(=O)O", 4},
             {"CC(=O)Oc1ccccc1C(=O)O", 13},
             {"CN1CCCC1c1cccnc1", 12},
             {"NCCN", 4},
             {"OCC(O)CO", 6}};
  const std::string base = "ACDEFGHIKLMNPQRSTVY";
  for (int every : {2, 3, 4, 6, 10, 0}) {
    std::string s;
    const size_t len = every == 3 ? 70 : 36 + static_cast<size_t>(every);  // one longer than the 40-residue crop
    for (size_t i = 0; s.size() < len; ++i)
      s += every > 0 && i % static_cast<size_t>(every) == 0 ? 'W' : base[i % base.size()];
    f.proteins.push_back(s);
  }
  f.ligands_json = dir.file("ligands.json");
  f.proteins_json = dir.file("proteins.json");
  f.pairs_csv = dir.file("pairs.csv");
  {
    std::ofstream l(f.ligands_json);
    l << "{";
    for (size_t i = 0; i < f.drugs.size(); ++i)
      l << (i ? ", " : "") << "\"D" << i << "\": \"" << f.drugs[i].first << "\"";
    l << "}\n";
    std::ofstream p(f.proteins_json);
    p << "{";
    for (size_t i = 0; i < f.proteins.size(); ++i)
      p << (i ? ", " : "") << "\"P" << i << "\": \"" << f.proteins[i] << "\"";
    p << "}\n";
    std::ofstream c(f.pairs_csv);
    c << "drug_id,protein_id,affinity,fold\n";
    size_t k = 0;
    for (size_t d = 0; d < f.drugs.size(); ++d)
      for (size_t p2 = 0; p2 < f.proteins.size(); ++p2, ++k) {
        const char* fold[] = {"0", "1", "2", "3", "test"};
        c << "D" << d << ",P" << p2 << "," << f.affinity(d, p2) << "," << fold[k % 5] << "\n";
      }
  }
  return f;
}

/// A small, fast DTA configuration for the fixture (D-MPNN ligands, 2 conv layers of kernel 3 on the proteins).
inline const char* small_dta_config() {
  return R"({"ligand": {"hidden": 32, "ffn_hidden": 32, "depth": 2, "aggregation": "sum"}, "ligand_dim": 16,
             "protein_embedding_dim": 8, "protein_filters": [16, 16], "protein_kernel_sizes": [3, 3],
             "head_hidden": [32], "dropout": 0.0})";
}

}  // namespace hitforge::testing
