#pragma once
// "similarity": Tanimoto similarity of a molecule to a reference set.
//
//   {"name": "similarity", "references": ["SMILES", ...], "fingerprint": "morgan:radius=2,bits=2048",
//    "mode": "max", "label": "ref"}
//   {"name": "similarity", "reference_file": "actives.sdf", "smiles_col": "", "id_col": "", ...}
//
// Exactly one of "references" (array of SMILES) or "reference_file" (.smi/.csv/.tsv/.sdf[.gz], read with
// chem::MoleculeReader; "smiles_col"/"id_col" as in ReaderOptions). "fingerprint" is any registered featuriser spec
// of kind packed_bits (morgan, atompair, maccs) or counts_u8 (morgan_counts). "mode": "max" (nearest reference) or
// "mean" (average over references). "label" (default "ref"; letters, digits, '_', '-') names the column
// "sim_<mode>_<label>".
//
// Similarity, in [0, 1]:
//   packed_bits: |a ∧ b| / |a ∨ b| (= DataStructs.TanimotoSimilarity of ExplicitBitVects; two empty vectors give 1,
//                as in RDKit);
//   counts_u8:   Σ min(a_i, b_i) / Σ max(a_i, b_i) (= RDKit's Tanimoto for count vectors such as
//                GetHashedMorganFingerprint, except that counts saturate at 255; two empty vectors give 0, as in
//                RDKit).
// Note (mode "max" only): "nearest=<name>" with the reference's id (file), its SMILES (inline), or "record N".
//
// Reference fingerprints are computed once at construction; a reference that does not parse throws UsageError
// naming the record. compute() allocates nothing after a thread's first call and is safe to call concurrently.
#include <cstdint>

#include <nlohmann/json.hpp>

#include "chem/featurizers/featurizer.h"
#include "chem/scoring/mol_scorer.h"

namespace hitforge::chem {

struct SimilarityParams {
  std::vector<std::string> references;  ///< SMILES
  std::string reference_file;           ///< alternative to references
  std::string smiles_col, id_col;       ///< reference_file columns ("" = auto / none)
  std::string fingerprint = "morgan:radius=2,bits=2048";
  std::string mode = "max";             ///< "max" | "mean"
  std::string label = "ref";

  /// UsageError on an unknown key, both or neither reference source, an unknown mode, or a bad label.
  static SimilarityParams from_json(const nlohmann::json& params);
};

class SimilarityScorer final : public MolScorer {
 public:
  explicit SimilarityScorer(SimilarityParams params);

  std::string name() const override { return "similarity"; }
  nlohmann::json params() const override;
  std::vector<std::string> columns() const override { return {"sim_" + params_.mode + "_" + params_.label}; }
  void compute(const RDKit::ROMol& mol, double* out, std::string* note) const override;

  std::size_t num_references() const { return ref_names_.size(); }

 private:
  void add_reference(const RDKit::ROMol& mol, std::string name);
  /// Similarities of the fingerprint in `row` (words_ words, zero-padded) to reference `r`.
  double similarity(const std::uint64_t* row, int row_total, std::size_t r) const;

  SimilarityParams params_;
  FeaturizerPtr featurizer_;
  bool counts_ = false;        // counts_u8 rather than packed_bits
  bool max_mode_ = true;
  std::size_t words_ = 0;      // 64-bit words per padded fingerprint row
  std::vector<std::uint64_t> ref_rows_;  // [n_refs * words_], bits or uint8 counts, zero-padded
  std::vector<int> ref_totals_;          // popcount (bits) or sum of counts per reference
  std::vector<std::string> ref_names_;
};

}  // namespace hitforge::chem
