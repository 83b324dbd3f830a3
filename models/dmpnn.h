#pragma once
// Directed message passing neural network (D-MPNN, Yang et al. 2019, J. Chem. Inf. Model. 59:3370) for molecular
// property prediction, on a GraphBatch.
//
// With x_ij = bond_features row of directed bond i->j ([atom_dim + bond_dim]) and h, m of width `hidden`:
//   h_ij      = ReLU(W_i x_ij)                              initial state
//   m_ij      = sum_{k->i} h_ki  - h_ji                     (messages into the source atom, minus the reverse bond)
//   h_ij      = dropout(ReLU(W_i x_ij + W_h m_ij))          depth-1 times (skip connection to the pre-activation input)
//   atom_v    = dropout(ReLU(W_o [atom_features_v, sum_{k->v} h_kv]))
//   mol       = mean | sum | sum / aggregation_norm of atom_v over the molecule's atoms (0 for an empty molecule)
//   mol       = BatchNorm(mol) if batch_norm;  [mol, extra_features] if extra_features_dim > 0
//   output    = FFN: (dropout, Linear, ReLU) x (ffn_layers-1), dropout, Linear -> [n_mols, n_tasks] raw outputs
// The skip connection adds the pre-activation W_i x, as chemprop's reference implementation does (the paper's
// equations write the activated h0); weights are Xavier-normal, biases zero. Both matched the published ESOL
// numbers better in our runs (docs/benchmarks.md).
// Sums use index_add (deterministic on CPU for a fixed thread count; atomics on CUDA are not). Inference on the CPU
// takes models/graph_ops.h's shortcuts for the same function (row loops; W_i and W_o's atom half on distinct rows).
#include <cstdint>
#include <string>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/graph_batch.h"

namespace hitforge::models {

enum class Aggregation { mean, sum, norm };
/// "mean", "sum", "norm"; core::UsageError listing them for anything else.
Aggregation parse_aggregation(const std::string& name);

struct DMPNNOptions {
  DMPNNOptions(std::int64_t atom_dim, std::int64_t bond_dim, std::int64_t n_tasks = 1)
      : atom_dim_(atom_dim), bond_dim_(bond_dim), n_tasks_(n_tasks) {}
  TORCH_ARG(std::int64_t, atom_dim);
  TORCH_ARG(std::int64_t, bond_dim);
  TORCH_ARG(std::int64_t, n_tasks);
  /// Width of bond messages, atom hidden states and the molecule embedding.
  TORCH_ARG(std::int64_t, hidden) = 300;
  /// Message-passing steps including the initial one (>= 1): W_h is applied depth-1 times.
  TORCH_ARG(std::int64_t, depth) = 3;
  /// In [0, 1): after each message update, the atom hidden states and before each FFN layer.
  TORCH_ARG(double, dropout) = 0.0;
  /// "mean", "sum" or "norm" (sum / aggregation_norm).
  TORCH_ARG(std::string, aggregation) = "mean";
  TORCH_ARG(double, aggregation_norm) = 100.0;
  /// Bias in W_i and W_h (W_o always has one), as chemprop's `bias` option.
  TORCH_ARG(bool, bias) = false;
  /// Width of molecule-level features concatenated after aggregation (0 = none).
  TORCH_ARG(std::int64_t, extra_features_dim) = 0;
  /// BatchNorm1d on the molecule embedding (before the extra features); training batches then need > 1 molecule.
  TORCH_ARG(bool, batch_norm) = false;
  TORCH_ARG(std::int64_t, ffn_hidden) = 300;
  /// Linear layers in the feed-forward head (>= 1; 1 = a linear read-out).
  TORCH_ARG(std::int64_t, ffn_layers) = 2;
};

class DMPNNImpl : public torch::nn::Cloneable<DMPNNImpl> {
 public:
  DMPNNImpl(std::int64_t atom_dim, std::int64_t bond_dim, std::int64_t n_tasks = 1)
      : DMPNNImpl(DMPNNOptions(atom_dim, bond_dim, n_tasks)) {}
  explicit DMPNNImpl(DMPNNOptions options);

  /// Validates the options (core::UsageError) and (re)creates every submodule.
  void reset() override;

  /// Molecule embeddings [n_mols, hidden] float32 (after aggregation, before batch norm and extra features).
  torch::Tensor encode(const GraphBatch& batch);
  /// [n_mols, n_tasks] float32 raw outputs. extra_features [n_mols, extra_features_dim] float32, required exactly
  /// when extra_features_dim > 0 (pass an undefined tensor otherwise).
  torch::Tensor forward(const GraphBatch& batch, const torch::Tensor& extra_features = {});

  void pretty_print(std::ostream& stream) const override;

  DMPNNOptions options;
  torch::nn::Linear W_i{nullptr};  ///< [atom_dim + bond_dim] -> hidden
  torch::nn::Linear W_h{nullptr};  ///< hidden -> hidden
  torch::nn::Linear W_o{nullptr};  ///< [atom_dim + hidden] -> hidden
  torch::nn::BatchNorm1d norm{nullptr};  ///< only when batch_norm
  torch::nn::ModuleList ffn{nullptr};    ///< Linear layers of the head
  torch::nn::Dropout dropout{nullptr};

 private:
  Aggregation aggregation_ = Aggregation::mean;
};

TORCH_MODULE(DMPNN);

}  // namespace hitforge::models
