#pragma once
// One interface for every molecule-level score computed from an RDKit molecule (no LibTorch): drug-likeness (QED,
// SA score), rule sets (Lipinski, Veber, Ghose), structural alerts (PAINS, Brenk, NIH via RDKit's FilterCatalog),
// SMARTS include/exclude lists, similarity to a reference set. Model predictions are scored elsewhere (screen/),
// because they need LibTorch; screen::ScoringFunction combines both kinds under one JSON recipe.
//
// Scorers are immutable after construction and thread-safe: screening calls compute() concurrently from OpenMP
// threads on different molecules.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace RDKit {
class ROMol;
}

namespace hitforge::chem {

class MolScorer {
 public:
  virtual ~MolScorer() = default;
  /// Registry name, e.g. "qed", "lipinski", "pains", "similarity".
  virtual std::string name() const = 0;
  /// Every parameter spelled out (defaults included) as a JSON object with "name"; make_scorer(params()) rebuilds an
  /// identical scorer. Stored in screen outputs so that a result file says how it was scored.
  virtual nlohmann::json params() const = 0;
  /// Names of the values compute() writes, in order, e.g. {"qed"}, {"lipinski_violations"}, {"pains_matches"}.
  /// Unique across the registry's default configurations so that several scorers can share one output table.
  virtual std::vector<std::string> columns() const = 0;
  /// Writes columns().size() values to `out` for a sanitised molecule. `note` (may be null) receives a short
  /// human-readable explanation when there is one (e.g. names of matched alerts, "MW>500;LogP>5"), else "".
  /// Throws (std::exception) when the molecule cannot be scored; the caller turns that into an `invalid` record.
  virtual void compute(const RDKit::ROMol& mol, double* out, std::string* note) const = 0;
};

using MolScorerPtr = std::unique_ptr<MolScorer>;

/// Builds a scorer from a JSON object {"name": "...", ...parameters}. Unknown names and unknown or malformed
/// parameters throw UsageError naming the scorer and key.
MolScorerPtr make_scorer(const nlohmann::json& params);
/// Shortcut for a scorer with default parameters: make_scorer("qed").
MolScorerPtr make_scorer(const std::string& name);
/// Registered scorer names with a one-line description each.
std::vector<std::pair<std::string, std::string>> scorer_catalog();

}  // namespace hitforge::chem
