#pragma once
// MOSES' "Filters" metric for one molecule (moses/metrics/utils.py mol_passes_filters, Polykovskiy et al. 2020,
// "Molecular Sets (MOSES)", Front. Pharmacol. 11:565644). A molecule passes when, in this order:
//   1. no ring of its RDKit ring information (the sanitised molecule's symmetrised SSSR) has 8 or more atoms
//      (3- to 7-membered rings are allowed; the often-quoted "5- and 6-membered only" is not what MOSES checks);
//   2. no atom carries a formal charge;
//   3. every atom is C, N, S, O, F, Cl, Br or H (explicit atoms of the hydrogen-suppressed graph);
//   4. none of the 22 medicinal-chemistry filters (MCF) and none of the 480 PAINS patterns matches the molecule
//      with explicit hydrogens added (the MCF and the Wehi PAINS SMARTS name hydrogens as atoms);
//   5. its non-isomeric SMILES is non-empty and parses again.
// PAINS comes from RDKit's FilterCatalog (families A+B+C, the same 480 Wehi patterns MOSES reads from
// wehi_pains.csv; FilterCatalog's entries match the hydrogen-suppressed molecule exactly where the Wehi SMARTS
// match the hydrogen-added one — checked on 5,555 NCI/ChEMBL molecules, 813 hits, no disagreement). The MCF list is
// hitforge's own spelling of MOSES' moses/metrics/mcf.csv (see gen_metrics_filters.cpp).
//
// Thread-safe: patterns are compiled once per process (first use) and only read afterwards.
#include <string>
#include <vector>

namespace RDKit {
class ROMol;
}

namespace hitforge::chem {

struct FilterVerdict {
  bool passes = false;
  std::string failed;  ///< first failing rule: "ring_size", "charge", "element", "mcf:<name>", "pains", "smiles"
};

class MosesFilters {
 public:
  /// The shared instance (patterns compiled and the PAINS catalog built on first use).
  static const MosesFilters& instance();

  /// Applies the five rules above to a sanitised molecule. `noniso_smiles`, when given, must be
  /// MolToSmiles(mol, isomeric=false) (callers that have it already save its computation). Never throws: an RDKit
  /// error becomes failed = "error: <message>" (and passes = false).
  FilterVerdict check(const RDKit::ROMol& mol, const std::string* noniso_smiles = nullptr) const;

  /// Names of the MCF patterns, in order ("MCF1" ... "MCF22", as MOSES numbers them).
  std::vector<std::string> mcf_names() const;
  /// hitforge's SMARTS for each MCF pattern, same order.
  std::vector<std::string> mcf_smarts() const;

  struct Impl;

 private:
  MosesFilters();
  const Impl* impl_;  // process lifetime
};

}  // namespace hitforge::chem
