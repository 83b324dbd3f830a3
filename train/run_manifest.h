#pragma once
// RUN_DIR/run.json — what a trained run is, so that `predict`, `evaluate` and the server need no extra flags:
// model class and fully resolved options, featuriser specs of every input block, targets, task types, scalers,
// the training data's sha256 and split, the training options, ensemble size, hitforge version.
//
// RUN_DIR layout:
//   run.json                 this manifest (written first, atomically)
//   member_<k>/model.pt      best-epoch weights of ensemble member k (torch archive, atomic)
//   member_<k>/state.pt      resumable state after the last finished epoch: weights, optimizer, RNG, counters
//   log.jsonl                one line per epoch and member
//   metrics.json             final train/valid/test metrics of the ensemble (best epochs chosen on valid only)
//   learning_curve.svg, parity_<subset>.svg or roc_<subset>.svg, predictions_test.csv
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/feature_rows.h"
#include "train/metrics.h"
#include "train/scaler.h"

namespace hitforge::train {

struct RunManifest {
  std::string hitforge_version;
  nlohmann::json model;                   ///< models::model_spec(): {"name", "config"}
  InputSpec input;
  std::vector<std::string> featurizer_specs;  ///< one per input block, same order as blocks_for_input()
  std::vector<std::string> targets;
  std::vector<TaskType> task_types;
  ColumnScaler target_scaler, input_scaler, extra_scaler;
  std::string dataset_path, dataset_sha256, split;
  std::string standardize = "none";       ///< standardisation the dataset was built with (predict applies it)
  int ensemble = 1;
  nlohmann::json train_options;

  nlohmann::json to_json() const;
  static RunManifest from_json(const nlohmann::json& j);
  void save(const std::string& run_dir) const;
  static RunManifest load(const std::string& run_dir);  ///< UsageError naming the file if missing or malformed
};

}  // namespace hitforge::train
