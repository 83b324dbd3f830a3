#pragma once
// Affinity prediction with a trained pair-model run (train/pair_run.h), written as CSV (atomically):
//   * for the pairs of a pair dataset (all valid pairs, or one subset of a named split), with the measured labels
//     next to the predictions and the DTA metrics when labels are present;
//   * for a table of (SMILES, protein sequence) rows (.csv/.tsv, optionally .gz): each distinct SMILES is parsed,
//     standardised as the training dataset was, and featurised once with the run's stored featuriser spec; each
//     distinct sequence is cropped by the run's rule and tokenised once. A row whose SMILES or sequence is unusable
//     gets status `invalid` and a reason instead of a prediction; nothing aborts for one bad row.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "train/pair_run.h"

namespace hitforge::train {

struct PairDatasetPredictOptions {
  std::string data;             ///< pair dataset .h5
  std::string split;            ///< "" = every valid pair
  std::string subset = "test";  ///< train | valid | test (with split)
  std::string out;              ///< CSV: pair,ligand,protein,<label>,pred_<label> ...
  std::size_t batch_size = 256;
};
/// Returns {"n", "data", "split", "subset"} plus the DTA metrics (mse, ci, rm2, pearson, spearman, ...) when the
/// pairs have labels the model predicts. UsageError when the dataset's ligand block or protein tokens differ from
/// the run's.
nlohmann::json predict_pair_dataset(const PairPredictor& predictor, const PairDatasetPredictOptions& options);

struct PairTablePredictOptions {
  std::string input;                      ///< .csv/.tsv[.gz] with a header
  std::string smiles_col;                 ///< "" = auto-detect (smiles, SMILES, ...)
  std::string sequence_col = "sequence";  ///< protein sequence column
  std::string id_col, protein_id_col;     ///< optional id columns copied to the output
  std::string out;                        ///< CSV: index,id,protein_id,smiles,status,reason,<target> ...
  std::size_t chunk = 4096, batch_size = 256;
  int threads = 1;  ///< featurisation threads
  bool progress = false;
};
struct PairTablePredictSummary {
  std::int64_t ok = 0, invalid = 0;
};
PairTablePredictSummary predict_pair_table(const PairPredictor& predictor, const PairTablePredictOptions& options);

}  // namespace hitforge::train
