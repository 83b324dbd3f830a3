#pragma once
// Inference with trained runs: one model or an ensemble (mean and standard deviation over members), outputs in the
// targets' own units (regression) or as probabilities (classification).
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "models/property_model.h"
#include "train/feature_rows.h"
#include "train/precision.h"
#include "train/run_manifest.h"

namespace hitforge::train {

/// Raw model outputs [n, n_tasks] (row-major) for every row of `rows`, in eval mode without gradients. A model in eval
/// mode is only read (safe from several threads at once); one in training mode is switched to eval and back.
std::vector<float> predict_raw(models::PropertyModel& model, const FeatureRows& rows, const torch::Device& device,
                               std::size_t batch_size = 512, Precision precision = Precision::fp32);
/// Raw outputs → user-facing values in place: unscale regression tasks, sigmoid for classification tasks.
void postprocess(std::vector<float>& values, const std::vector<TaskType>& types, const ColumnScaler& target_scaler);

class Predictor {
 public:
  /// Loads RUN_DIR (run.json + every member's model.pt) onto `device`. UsageError naming what is missing.
  Predictor(const std::string& run_dir, const std::string& device = "cpu");
  const RunManifest& manifest() const { return manifest_; }
  void set_precision(Precision p) { precision_ = p; }
  std::size_t members() const { return members_.size(); }
  /// mean and std (over ensemble members; std all 0 for one member), each [n, n_tasks] row-major. `rows` must be
  /// scaled with the manifest's input scalers (prepare_rows does that).
  void predict(const FeatureRows& rows, std::vector<float>& mean, std::vector<float>& std,
               std::size_t batch_size = 512) const;
  /// Applies the manifest's input scalers to rows built from the same blocks.
  void prepare_rows(FeatureRows& rows) const;

 private:
  RunManifest manifest_;
  torch::Device device_{torch::kCPU};
  Precision precision_ = Precision::fp32;
  std::vector<std::shared_ptr<models::PropertyModel>> members_;
};

/// Loads a model saved with save_model(); the architecture comes from `spec` (models::model_spec).
std::shared_ptr<models::PropertyModel> load_model(const nlohmann::json& spec, const std::string& path,
                                                  const torch::Device& device);
/// Saves a model's parameters and buffers to `path` atomically.
void save_model(models::PropertyModel& model, const std::string& path);

}  // namespace hitforge::train
