#pragma once
// Diversity filter of goal-directed generation (REINVENT 2's IdenticalMurckoScaffold; Blaschke et al. 2020,
// J. Cheminform. 12:68): a memory of the molecules that scored at least `min_score`, grouped by Bemis–Murcko
// scaffold. Once a scaffold's bucket holds more than `bucket_size` molecules, every further molecule with that
// scaffold scores 0, and a molecule already in the memory scores 0 when it is sampled again. The agent is thereby
// pushed off scaffolds it has exploited and towards new ones instead of collapsing onto one good molecule.
#include <cstddef>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json_fwd.hpp>

namespace hitforge::train {

struct DiversityFilterOptions {
  std::string kind = "scaffold";  ///< "scaffold" (identical Murcko scaffold) or "none" (scores pass unchanged)
  std::size_t bucket_size = 25;   ///< molecules per scaffold that keep their score (>= 1)
  double min_score = 0.4;         ///< only molecules scoring at least this enter the memory (and can be zeroed)
};

/// UsageError for an unknown kind or out-of-range values (naming the command-line option).
void validate(const DiversityFilterOptions& options);

class DiversityFilter {
 public:
  explicit DiversityFilter(DiversityFilterOptions options);

  /// The score to use for the molecule `smiles` (canonical) with Murcko scaffold `scaffold` ("" for acyclic
  /// molecules, which share one bucket) and raw score `score`; records it in the memory when it qualifies.
  /// Molecules are processed in call order, so the result of a batch depends on its order (deterministic).
  double apply(const std::string& smiles, const std::string& scaffold, double score);

  /// Molecules recorded under `scaffold`.
  std::size_t bucket_count(const std::string& scaffold) const;
  std::size_t memory_size() const { return memory_.size(); }
  std::size_t scaffold_count() const { return buckets_.size(); }
  const DiversityFilterOptions& options() const { return options_; }
  nlohmann::json to_json() const;

 private:
  DiversityFilterOptions options_;
  std::unordered_map<std::string, std::size_t> buckets_;
  std::unordered_set<std::string> memory_;
};

}  // namespace hitforge::train
