#pragma once
// One interface over token language models (the generative priors of docs/generation.md), so the trainer, the
// `generate` command and reinforcement learning need not know which model a config names. Built by name from a JSON
// config (models/model_config.h: make_language_model). Sequences are <bos> x_1 .. x_n <eos> right-padded with <pad>
// (models/sampling.h); ids are int64, outputs float32.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/module.h>

#include "models/sampling.h"
#include "models/smiles_lm.h"
#include "models/smiles_transformer.h"

namespace hitforge::models {

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;

  /// Registry name ("smiles_lstm", "smiles_transformer", "protein_lm").
  virtual std::string name() const = 0;
  /// Fully resolved options; make_language_model(name(), to_json()) rebuilds the architecture.
  virtual nlohmann::json to_json() const = 0;
  virtual std::int64_t vocab_size() const = 0;
  virtual SpecialTokens specials() const = 0;
  /// Longest <bos> … <eos> sequence the model can read or write; -1 = no limit.
  virtual std::int64_t max_sequence_length() const { return -1; }

  /// tokens [B, T], lengths [B] → next-token logits [B, T, V] (0 past each row's length).
  virtual torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& lengths) = 0;
  /// Sequences [B, T] (<bos> .. <eos> <pad>..), lengths [B] (>= 2) → −log p(sequence) [B], differentiable; padding
  /// is not computed.
  virtual torch::Tensor sequence_nll(const torch::Tensor& sequences, const torch::Tensor& lengths) = 0;
  /// log p(sequence) [B] of right-padded sequences (lengths = non-<pad> tokens per row).
  torch::Tensor log_likelihood(const torch::Tensor& sequences);
  /// Incremental decoder over the current weights (no dropout); must not outlive the model.
  virtual std::unique_ptr<Decoder> make_decoder() = 0;
  /// Draws options.n sequences in eval mode (restores the previous mode) without gradients.
  SampleResult sample(const SampleOptions& options, std::optional<at::Generator> generator = std::nullopt);

  /// The underlying torch module: parameters, train/eval, to(device), save/load through archives.
  virtual std::shared_ptr<torch::nn::Module> module() const = 0;
  /// A deep copy, optionally on another device (agent initialised from a prior, best-epoch snapshots).
  virtual std::shared_ptr<LanguageModel> clone(const std::optional<torch::Device>& device = std::nullopt) const = 0;

  std::vector<torch::Tensor> parameters() const { return module()->parameters(); }
  std::int64_t parameter_count() const;
  void train(bool on = true) { module()->train(on); }
  void eval() { module()->eval(); }
  bool is_training() const { return module()->is_training(); }
  void to(const torch::Device& device) { module()->to(device); }
  torch::Device device() const;
};

/// The LanguageModel face of a torch module holder `Net` (SmilesLSTM, SmilesTransformer) whose Impl has `options`
/// (with vocab_size()), specials(), forward(), sequence_nll() and make_decoder(). Subclasses give the registry name,
/// the JSON options and the clone.
template <typename Net>
class ModuleLanguageModel : public LanguageModel {
 public:
  explicit ModuleLanguageModel(Net net) : net_(std::move(net)) {}
  std::int64_t vocab_size() const override { return net_->options.vocab_size(); }
  SpecialTokens specials() const override { return net_->specials(); }
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& lengths) override {
    return net_->forward(tokens, lengths);
  }
  torch::Tensor sequence_nll(const torch::Tensor& sequences, const torch::Tensor& lengths) override {
    return net_->sequence_nll(sequences, lengths);
  }
  std::unique_ptr<Decoder> make_decoder() override { return net_->make_decoder(); }
  std::shared_ptr<torch::nn::Module> module() const override { return net_.ptr(); }
  Net& net() { return net_; }

 protected:
  /// A deep copy of the module (torch's Cloneable), optionally on another device.
  Net clone_net(const std::optional<torch::Device>& device) const;

  Net net_;
};

/// "smiles_lstm": SmilesLSTM.
class SmilesLSTMModel final : public ModuleLanguageModel<SmilesLSTM> {
 public:
  using ModuleLanguageModel::ModuleLanguageModel;
  std::string name() const override { return "smiles_lstm"; }
  nlohmann::json to_json() const override;
  std::shared_ptr<LanguageModel> clone(const std::optional<torch::Device>& device = std::nullopt) const override {
    return std::make_shared<SmilesLSTMModel>(clone_net(device));
  }
};

/// "smiles_transformer": SmilesTransformer.
class SmilesTransformerModel final : public ModuleLanguageModel<SmilesTransformer> {
 public:
  using ModuleLanguageModel::ModuleLanguageModel;
  std::string name() const override { return "smiles_transformer"; }
  nlohmann::json to_json() const override;
  std::int64_t max_sequence_length() const override { return net_->options.max_positions(); }
  std::shared_ptr<LanguageModel> clone(const std::optional<torch::Device>& device = std::nullopt) const override {
    return std::make_shared<SmilesTransformerModel>(clone_net(device));
  }
};

/// "protein_lm": the same decoder-only Transformer over amino-acid tokens (chem::ProteinTokenizer's 25 ids), with
/// defaults sized for protein lengths (docs/protein.md): d_model 128, 4 heads, 4 layers, max_positions 512.
class ProteinLMModel final : public ModuleLanguageModel<SmilesTransformer> {
 public:
  using ModuleLanguageModel::ModuleLanguageModel;
  std::string name() const override { return "protein_lm"; }
  nlohmann::json to_json() const override;
  std::int64_t max_sequence_length() const override { return net_->options.max_positions(); }
  std::shared_ptr<LanguageModel> clone(const std::optional<torch::Device>& device = std::nullopt) const override {
    return std::make_shared<ProteinLMModel>(clone_net(device));
  }
};

}  // namespace hitforge::models
