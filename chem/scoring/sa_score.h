#pragma once
// Synthetic accessibility score (Ertl & Schuffenhauer 2009, J. Cheminformatics 1:8) as RDKit Contrib's
// SA_Score/sascorer.py computes it (with its version-1.1 fingerprint-density correction), so that hitforge's values
// equal sascorer.calculateScore(mol) to within 1e-4 (measured: see docs/scoring.md). Range [1, 10]; 1 = easy to
// make, 10 = very hard.
//
// score = fragment score (mean contribution of the molecule's unhashed Morgan radius-2 count environments, -4 for
// environments absent from the table) − complexity penalties (size, stereocentres incl. unassigned ones, spiro and
// bridgehead atoms, rings larger than 8) + density correction, then rescaled to [1, 10] as sascorer.py does.
//
// The fragment contributions are the ~705k (Morgan environment id → score) pairs RDKit distributes as a gzipped
// Python pickle, fpscores.pkl.gz (Debian: package rdkit-data). hitforge reads that file itself with a strict reader
// of exactly the pickle subset it uses (protocol 0: lists of [float, int, int, ...]); any other content is a
// UsageError naming the file and the byte offset.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "chem/scoring/mol_scorer.h"

namespace RDKit {
class ROMol;
}

namespace hitforge::chem {

class SaScoreModel {
 public:
  /// Where default_model() reads from: $HITFORGE_SA_FPSCORES when set and non-empty, else Debian's
  /// /usr/share/RDKit/Contrib/SA_Score/fpscores.pkl.gz.
  static std::string default_path();
  /// The model from default_path(), loaded once on first use (thread-safe; ~0.2 s, ~8 MB). Throws UsageError when
  /// the file is missing or malformed (a later call tries again).
  static const SaScoreModel& default_model();

  /// Loads fragment contributions from a gzipped (or plain) protocol-0 pickle such as fpscores.pkl.gz.
  /// UsageError naming `path` when it cannot be read or holds anything but a list of [float, int, ...] lists.
  explicit SaScoreModel(const std::string& path);

  /// SA score of a sanitised molecule (ring information present, else UsageError), in [1, 10]. Thread-safe;
  /// allocates only a fingerprint and a scratch copy of the molecule for stereo perception.
  double score(const RDKit::ROMol& mol) const;

  /// Contribution of one Morgan environment id; `fallback` when the table has none.
  double fragment_score(std::uint32_t bit_id, double fallback) const;
  /// Number of environment ids in the table.
  std::size_t size() const { return keys_.size(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::uint32_t> keys_;  // sorted, unique
  std::vector<double> values_;       // values_[i] belongs to keys_[i]
};

/// Scorer "sa": one column "sa_score". Parameters: {"name": "sa", "fpscores": path} (default
/// SaScoreModel::default_path(); the default model is shared, another path is loaded by this scorer).
MolScorerPtr make_sa_scorer(const nlohmann::json& params);

}  // namespace hitforge::chem
