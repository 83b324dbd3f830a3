#pragma once
// Trained drug–target affinity runs (train/pair_trainer.h): the self-describing RUN_DIR/run.json of a pair model
// and inference with it.
//
// run.json ("format": "hitforge-pair-run") holds everything predict needs without the training data: the pair
// model's spec (models::model_spec: name + fully resolved options), the ligand block's name, kind, width and
// featuriser spec (so new SMILES are featurised the same way), the protein crop rule (the first
// `protein_max_length` residues; 0 = none), the protein vocabulary (chem::ProteinTokenizer ids), the label names
// and their standardisation (the model learns z-scores), the dataset path + sha256, split and training options.
//
// RUN_DIR layout:
//   run.json               this manifest (written first, atomically)
//   member_0/model.pt      best-epoch weights (chosen on the validation split only)
//   member_0/state.pt      resumable state after the last finished epoch (train/train_state.h)
//   log.jsonl              one line per epoch: train loss, valid mse / ci / rm2 / pearson / spearman, lr, seconds
//   metrics.json           train / valid / test metrics of the best epoch
//   predictions_test.csv   pair, ligand, protein, label, prediction
//   learning_curve.svg, valid_metric.svg, parity_test.svg
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include "datasets/dataset.h"
#include "datasets/pair_data.h"
#include "models/dta.h"
#include "train/scaler.h"

namespace hitforge::train {

struct PairRunManifest {
  std::string hitforge_version;
  nlohmann::json model;                 ///< models::model_spec(DTAModel): {"name", "config"}
  data::FeatureBlockInfo ligand_block;  ///< name, featuriser spec, kind, width, row_bytes
  std::int64_t ligand_bond_width = 0;   ///< graph blocks
  std::string protein_crop = "head";    ///< crop rule: keep the first protein_max_length residues
  std::int64_t protein_max_length = 0;  ///< 0 = no crop
  nlohmann::json protein_vocabulary;    ///< the dataset's /proteins/tokens vocabulary
  std::int64_t protein_vocab_size = 0;
  std::vector<std::string> targets;  ///< label names (regression)
  ColumnScaler target_scaler;
  std::string dataset_path, dataset_sha256, split;
  std::string standardize = "none";  ///< ligand standardisation of the dataset (predict applies it)
  nlohmann::json train_options;

  nlohmann::json to_json() const;
  static PairRunManifest from_json(const nlohmann::json& j);
  void save(const std::string& run_dir) const;
  static PairRunManifest load(const std::string& run_dir);  ///< UsageError naming the file if missing or malformed
};

/// Whether RUN_DIR/run.json describes a pair-model run (false for property/other runs or no run.json).
bool is_pair_run(const std::string& run_dir);

/// Raw model outputs [n, n_tasks] (row-major, standardised units) for `pairs` of `data`, in eval mode without
/// gradients, `batch_size` pairs per forward pass. Restores the model's train/eval mode afterwards.
std::vector<float> predict_pairs_raw(models::DTAModel& model, const data::PairData& data,
                                     const std::vector<std::int64_t>& pairs, const torch::Device& device,
                                     std::size_t batch_size = 256);

void save_pair_model(models::DTAModel& model, const std::string& path);  ///< parameters + buffers, atomically
std::shared_ptr<models::DTAModel> load_pair_model(const nlohmann::json& spec, const std::string& path,
                                                  const torch::Device& device);

class PairPredictor {
 public:
  /// Loads RUN_DIR (run.json + member_0/model.pt) onto `device`. UsageError naming what is missing.
  explicit PairPredictor(const std::string& run_dir, const std::string& device = "cpu");
  const PairRunManifest& manifest() const { return manifest_; }
  /// Affinities [pairs.size(), targets] row-major, in the labels' own units.
  std::vector<float> predict(const data::PairData& data, const std::vector<std::int64_t>& pairs,
                             std::size_t batch_size = 256) const;
  /// Residue ids of `sequence` under the run's crop rule (first protein_max_length residues). UsageError naming the
  /// first character that is not a residue letter.
  std::vector<std::int32_t> tokenize_protein(const std::string& sequence) const;
  /// UsageError unless `data`'s ligand block and protein tokens were made the way the model was trained.
  void check_compatible(const data::Dataset& dataset) const;

 private:
  PairRunManifest manifest_;
  torch::Device device_{torch::kCPU};
  std::shared_ptr<models::DTAModel> model_;
};

}  // namespace hitforge::train
