#pragma once
// Drug–target affinity model: ligand encoder + protein encoder + interaction head (DeepDTA, Öztürk et al.,
// Bioinformatics 2018, 34, i821, with the ligand side swappable for a D-MPNN as in GraphDTA-style models).
//
//   ligand   ModelInput of the batch's distinct ligands
//              graph → DMPNN (dmpnn.h)           dense/sparse bits → FingerprintMLP (fingerprint_mlp.h)
//            with the encoder's n_tasks = ligand_dim, then ReLU                 → [n_lig, ligand_dim]
//   protein  token ids [n_prot, L] (right-padded with pad_id) → Embedding (pad row fixed at zero)
//            → (Conv1d kernel k_l, no padding, ReLU) for each layer → max over the valid positions
//                                                                               → [n_prot, protein_filters.back()]
//   head     concat(ligand[ligand_index], protein[protein_index]) → (Linear, ReLU, dropout) per head_hidden width
//            → Linear                                                           → [B, n_tasks] raw affinities
//
// Masking: an output position t of the last conv layer reads residues t .. t+R−1, R = 1 + Σ_l (k_l − 1) (the
// receptive field). Only positions t < max(len − R + 1, 1) enter the max-pool, so a protein's encoding never sees
// the padding a batch adds for longer proteins: it is the same alone or in any batch. A protein shorter than R (or
// a batch narrower than R) is padded to R inside the model; its single position reads zero pad embeddings, again
// the same in any batch. Each distinct ligand and protein is encoded once per batch however many pairs share it.
//
// Runs on any torch::Device: inputs are moved with DTAInput::to(); nothing here assumes the CPU. Index checks
// (ligand_index/protein_index in range) read one scalar back per forward.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/pimpl.h>

#include "models/dmpnn.h"
#include "models/fingerprint_mlp.h"
#include "models/property_model.h"

namespace hitforge::models {

struct DTAOptions {
  /// Graph ligands: a D-MPNN encoder (its n_tasks is replaced by ligand_dim).
  explicit DTAOptions(DMPNNOptions graph_encoder) : graph_encoder_(std::move(graph_encoder)) {}
  /// Fingerprint/descriptor ligands: an MLP encoder (its n_tasks is replaced by ligand_dim).
  explicit DTAOptions(FingerprintMLPOptions fingerprint_encoder)
      : fingerprint_encoder_(std::move(fingerprint_encoder)) {}
  TORCH_ARG(std::optional<DMPNNOptions>, graph_encoder);
  TORCH_ARG(std::optional<FingerprintMLPOptions>, fingerprint_encoder);
  /// Width of the ligand embedding (the encoder's output layer).
  TORCH_ARG(std::int64_t, ligand_dim) = 128;
  /// Residue vocabulary, specials included (chem::ProteinTokenizer: 25).
  TORCH_ARG(std::int64_t, protein_vocab_size) = 25;
  TORCH_ARG(std::int64_t, protein_embedding_dim) = 128;
  /// Output channels of the conv layers (DeepDTA: 32, 64, 96) and their kernel sizes (same count).
  TORCH_ARG(std::vector<std::int64_t>, protein_filters) = std::vector<std::int64_t>{32, 64, 96};
  TORCH_ARG(std::vector<std::int64_t>, protein_kernel_sizes) = std::vector<std::int64_t>{8, 8, 8};
  /// Token id of padding (chem::Vocabulary::kPad).
  TORCH_ARG(std::int64_t, pad_id) = 0;
  /// Hidden widths of the interaction head (DeepDTA: 1024, 1024, 512); empty = one linear layer.
  TORCH_ARG(std::vector<std::int64_t>, head_hidden) = std::vector<std::int64_t>{1024, 1024, 512};
  /// Dropout after each hidden head layer, in [0, 1) (the encoders have their own dropout options).
  TORCH_ARG(double, dropout) = 0.1;
  TORCH_ARG(std::int64_t, n_tasks) = 1;

 public:  // TORCH_ARG leaves the section private
  /// "dmpnn" or "fp_mlp": which encoder is set.
  std::string ligand_encoder() const;
  /// R = 1 + Σ (kernel − 1): residues one output position of the protein CNN reads.
  std::int64_t protein_receptive_field() const;
};

/// One batch of drug–target pairs as tensors (build it from data::PairBatch; docs/dta.md).
struct DTAInput {
  ModelInput ligands;            ///< the batch's distinct ligands (graph, dense or sparse), n_lig of them
  torch::Tensor protein_tokens;  ///< [n_prot, L] int64 residue ids, right-padded with pad_id
  torch::Tensor ligand_index;    ///< [B] int64 in [0, n_lig): each pair's ligand
  torch::Tensor protein_index;   ///< [B] int64 in [0, n_prot): each pair's protein

  std::int64_t batch_size() const { return ligand_index.defined() ? ligand_index.size(0) : 0; }
  /// A copy with every tensor on `device`.
  DTAInput to(const torch::Device& device, bool non_blocking = false) const;
  /// [n, max length] int64 on the CPU, row i = sequences[i] then pad_id (at least one column). Null = empty.
  static torch::Tensor pad_tokens(const std::vector<const std::vector<std::int32_t>*>& sequences,
                                  std::int64_t pad_id = 0);
  /// [n] int64 on the CPU.
  static torch::Tensor index_tensor(const std::vector<std::int64_t>& indices);
};

class DTAImpl : public torch::nn::Cloneable<DTAImpl> {
 public:
  explicit DTAImpl(DTAOptions options);

  /// Validates the options (core::UsageError) and (re)creates every submodule.
  void reset() override;

  /// [n_lig, ligand_dim] float32, after ReLU. core::UsageError for an input kind the encoder cannot take.
  torch::Tensor encode_ligands(const ModelInput& ligands);
  /// tokens [n_prot, L] int64 right-padded → [n_prot, protein_filters.back()] float32.
  torch::Tensor encode_proteins(const torch::Tensor& tokens);
  /// [B, n_tasks] float32 raw outputs.
  torch::Tensor forward(const DTAInput& input);

  void pretty_print(std::ostream& stream) const override;

  DTAOptions options;
  DMPNN graph_encoder{nullptr};                ///< set for graph ligands
  FingerprintMLP fingerprint_encoder{nullptr}; ///< set for fingerprint ligands
  torch::nn::Embedding protein_embedding{nullptr};
  torch::nn::ModuleList protein_convs{nullptr};  ///< Conv1d layers
  torch::nn::ModuleList head{nullptr};           ///< Linear layers
  torch::nn::Dropout dropout{nullptr};
};

TORCH_MODULE(DTA);

/// The registry's face of a DTA network ("dta" in models/model_config.h): name, JSON options, cloning, and the
/// ligand input form the data pipeline should produce.
class DTAModel {
 public:
  explicit DTAModel(DTA net) : net_(std::move(net)) {}
  std::string name() const { return "dta"; }
  torch::Tensor forward(const DTAInput& input) { return net_->forward(input); }
  torch::Tensor operator()(const DTAInput& input) { return forward(input); }
  /// Fully resolved options: make_pair_model("dta", to_json()) rebuilds the same architecture.
  nlohmann::json to_json() const;
  /// graph for a D-MPNN encoder; sparse or dense (FingerprintMLPOptions::sparse_input) for a fingerprint one.
  ModelInput::Kind ligand_input() const;
  std::int64_t n_tasks() const { return net_->options.n_tasks(); }
  std::shared_ptr<torch::nn::Module> module() const { return net_.ptr(); }
  std::shared_ptr<DTAModel> clone(const std::optional<torch::Device>& device = std::nullopt) const;
  std::int64_t parameter_count() const;
  void train(bool on = true) { net_->train(on); }
  void eval() { net_->eval(); }
  void to(const torch::Device& device) { net_->to(device); }
  DTA& net() { return net_; }

 private:
  DTA net_;
};

}  // namespace hitforge::models
