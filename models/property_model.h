#pragma once
// One interface over every property-prediction model, so the trainer, predictor and server need not know which
// model a config names: PropertyModel::forward(ModelInput) -> [B, n_tasks] raw outputs (no sigmoid; losses and
// prediction apply link functions). Models are built by name from a JSON config (models/model_config.h).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/module.h>

#include "models/dmpnn.h"
#include "models/fingerprint_mlp.h"
#include "models/graph_batch.h"

namespace hitforge::models {

/// A batch in one of the forms a model consumes. Build with the from_* helpers.
struct ModelInput {
  enum class Kind { dense, sparse, graph };
  Kind kind = Kind::dense;
  torch::Tensor dense;           ///< dense: [B, input_dim] float32 (fingerprint bits as 0/1, or descriptors)
  torch::Tensor indices;         ///< sparse: [nnz] int64 set-bit numbers
  torch::Tensor offsets;         ///< sparse: [B] int64 row starts in `indices`
  GraphBatch graph;              ///< graph: the molecules
  torch::Tensor extra_features;  ///< graph: [n_mols, extra_features_dim] float32, or undefined for none

  static ModelInput from_dense(torch::Tensor x);
  static ModelInput from_sparse(torch::Tensor indices, torch::Tensor offsets);
  static ModelInput from_sparse(const SparseBits& bits) { return from_sparse(bits.indices, bits.offsets); }
  static ModelInput from_graph(GraphBatch graph, torch::Tensor extra_features = {});

  /// Number of molecules in the batch.
  std::int64_t batch_size() const;
  /// A copy with every tensor on `device`.
  ModelInput to(const torch::Device& device, bool non_blocking = false) const;
};

const char* to_string(ModelInput::Kind kind);

class PropertyModel {
 public:
  virtual ~PropertyModel() = default;

  /// Registry name ("fp_mlp", "dmpnn").
  virtual std::string name() const = 0;
  /// [B, n_tasks] float32 raw outputs. A kind of input the model cannot take is a core::UsageError; shape errors are
  /// c10::Error (TORCH_CHECK).
  virtual torch::Tensor forward(const ModelInput& input) = 0;
  /// The fully resolved options (every field), such that make_model(name(), to_json()) rebuilds the same
  /// architecture.
  virtual nlohmann::json to_json() const = 0;
  /// The input form the data pipeline should produce for this model.
  virtual ModelInput::Kind preferred_input() const = 0;
  virtual std::int64_t n_tasks() const = 0;
  /// The underlying torch module: parameters, buffers, train/eval, to(device), save/load through archives.
  virtual std::shared_ptr<torch::nn::Module> module() const = 0;
  /// A deep copy (parameters and buffers copied), optionally on another device; for ensembles and snapshots.
  virtual std::shared_ptr<PropertyModel> clone(const std::optional<torch::Device>& device = std::nullopt) const = 0;

  torch::Tensor operator()(const ModelInput& input) { return forward(input); }
  std::vector<torch::Tensor> parameters() const { return module()->parameters(); }
  /// Number of trainable scalars.
  std::int64_t parameter_count() const;
  void train(bool on = true) { module()->train(on); }
  void eval() { module()->eval(); }
  bool is_training() const { return module()->is_training(); }
  void to(const torch::Device& device) { module()->to(device); }
};

/// "fp_mlp": FingerprintMLP on dense or sparse fingerprints.
class FingerprintMLPModel final : public PropertyModel {
 public:
  explicit FingerprintMLPModel(FingerprintMLP net) : net_(std::move(net)) {}
  std::string name() const override { return "fp_mlp"; }
  torch::Tensor forward(const ModelInput& input) override;
  nlohmann::json to_json() const override;
  ModelInput::Kind preferred_input() const override;
  std::int64_t n_tasks() const override { return net_->options.n_tasks(); }
  std::shared_ptr<torch::nn::Module> module() const override { return net_.ptr(); }
  std::shared_ptr<PropertyModel> clone(const std::optional<torch::Device>& device = std::nullopt) const override;
  FingerprintMLP& net() { return net_; }

 private:
  FingerprintMLP net_;
};

/// "dmpnn": DMPNN on graph batches (+ extra molecule features).
class DMPNNModel final : public PropertyModel {
 public:
  explicit DMPNNModel(DMPNN net) : net_(std::move(net)) {}
  std::string name() const override { return "dmpnn"; }
  torch::Tensor forward(const ModelInput& input) override;
  nlohmann::json to_json() const override;
  ModelInput::Kind preferred_input() const override { return ModelInput::Kind::graph; }
  std::int64_t n_tasks() const override { return net_->options.n_tasks(); }
  std::shared_ptr<torch::nn::Module> module() const override { return net_.ptr(); }
  std::shared_ptr<PropertyModel> clone(const std::optional<torch::Device>& device = std::nullopt) const override;
  DMPNN& net() { return net_; }

 private:
  DMPNN net_;
};

}  // namespace hitforge::models
