#pragma once
// Structural alerts from RDKit's FilterCatalog (the same SMARTS sets as rdkit.Chem.FilterCatalog):
//
//   "pains"  column pains_matches: PAINS families A, B and C (Baell & Holloway 2010; 480 entries in RDKit 2022.09)
//   "brenk"  column brenk_matches: Brenk et al. 2008 unwanted groups
//   "nih"    column nih_matches:   NIH/NCGC reactive and assay-interfering groups (Jadhav et al. 2010)
//
// Value = number of catalog entries that match the molecule (each entry counted once, however many times its
// pattern matches), equal to len(FilterCatalog(params).GetMatches(mol)) in RDKit Python. Note = the descriptions of
// the matching entries joined with ';' (e.g. "ene_rhod_A(235)"), in catalog order. No parameters.
//
// Each catalog is built once per process on first use (a thread-safe function-local static, ~tens of ms) and
// shared by every scorer of that kind. FilterCatalog::getMatches is const and RDKit itself calls it concurrently
// from several threads on one catalog (RunFilterCatalog); this RDKit build defines RDK_BUILD_THREADSAFE_SSS, which
// guards the recursive-SMARTS caches inside the patterns.
//
// Speed: the result is exactly FilterCatalog::getMatches, but most entries are decided without SubstructMatch.
// Every entry whose matcher is a plain SmartsMatcher (all of PAINS, Brenk and NIH in RDKit 2022.09) gets a
// necessary-condition screen (chem/scoring/query_screen.h) built once from its query; when the screen rules out
// any embedding, the entry's answer is what SmartsMatcher returns for zero matches (true only for min_count 0).
// Otherwise, and for every other kind of matcher, the entry's own hasFilterMatch decides.
#include <nlohmann/json.hpp>

#include <vector>

#include "chem/scoring/mol_scorer.h"

namespace RDKit {
class FilterCatalog;
class ROMol;
}

namespace hitforge::chem {

enum class AlertSet { pains, brenk, nih };

class StructuralAlertScorer final : public MolScorer {
 public:
  /// Builds (or reuses) the catalog; the first call for a set costs its construction.
  explicit StructuralAlertScorer(AlertSet set);
  /// Builds from {"name": "pains"|"brenk"|"nih"}; UsageError for any other key.
  static MolScorerPtr from_json(AlertSet set, const nlohmann::json& params);

  std::string name() const override;
  nlohmann::json params() const override { return {{"name", name()}}; }
  std::vector<std::string> columns() const override { return {name() + "_matches"}; }
  void compute(const RDKit::ROMol& mol, double* out, std::string* note) const override;
  /// Number of entries in the catalog (e.g. 480 for PAINS A+B+C).
  unsigned int num_entries() const;
  /// Number of entries that have the fast screen (the others always run their own matcher).
  unsigned int num_screened_entries() const;
  /// Indices (catalog order) of the entries that match `mol`: the entries FilterCatalog::getMatches returns.
  std::vector<unsigned int> matching_entries(const RDKit::ROMol& mol) const;
  /// The shared RDKit catalog (for comparisons against FilterCatalog::getMatches).
  const RDKit::FilterCatalog& catalog() const { return *catalog_; }

  struct Index;  // per-set screens, built once per process

 private:
  AlertSet set_;
  const RDKit::FilterCatalog* catalog_;  // process-lifetime static, not owned
  const Index* index_;                   // process-lifetime static, not owned
};

}  // namespace hitforge::chem
