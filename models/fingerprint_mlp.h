#pragma once
// Feed-forward network on fixed-width fingerprints or descriptors, with an exact sparse path for bit vectors.
//
//   x [B, input_dim] -> Linear -> act -> dropout -> ... -> Linear -> [B, n_tasks] raw outputs (no sigmoid)
//
// The first layer's weight is stored once, in EmbeddingBag layout `input->weight` [input_dim, hidden[0]] (the
// transpose of a Linear weight), with its bias `input_bias` [hidden[0]]. The dense path computes
// x · weight + bias; the sparse path sums the weight rows of the set bits (EmbeddingBag, mode sum) + bias. For 0/1
// inputs both give the same outputs (up to float summation order), and both work whatever `sparse_input` says.
// The first layer is initialised as torch::nn::Linear would be (uniform ±1/sqrt(input_dim)), not as an embedding.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/pimpl.h>

#include "models/activation.h"

namespace hitforge::models {

struct FingerprintMLPOptions {
  FingerprintMLPOptions(std::int64_t input_dim, std::int64_t n_tasks = 1) : input_dim_(input_dim), n_tasks_(n_tasks) {}
  TORCH_ARG(std::int64_t, input_dim);
  TORCH_ARG(std::int64_t, n_tasks);
  /// Widths of the hidden layers; empty = a single (linear) layer input_dim -> n_tasks.
  TORCH_ARG(std::vector<std::int64_t>, hidden) = std::vector<std::int64_t>{512, 256};
  /// Dropout after each hidden activation (never on the input bits), in [0, 1).
  TORCH_ARG(double, dropout) = 0.0;
  /// One of known_activations().
  TORCH_ARG(std::string, activation) = "relu";
  /// Declares which input the data pipeline should feed (packed bits -> forward_sparse). Parameters are the same.
  TORCH_ARG(bool, sparse_input) = false;
};

/// Set bits of a batch of fingerprints in EmbeddingBag form.
struct SparseBits {
  torch::Tensor indices;  ///< [nnz] int64: bit numbers, row after row, ascending within a row
  torch::Tensor offsets;  ///< [B] int64: start of each row in `indices`
};

/// Unpacks LSB-first packed fingerprints (bit b of a row is byte b/8, mask 1 << (b % 8); rows are ceil(n_bits/8)
/// bytes, contiguous; bits at and past n_bits in the last byte are ignored). `rows` may be null when B == 0.
SparseBits packed_bits_to_indices(const std::uint8_t* rows, std::int64_t batch, std::int64_t n_bits);

class FingerprintMLPImpl : public torch::nn::Cloneable<FingerprintMLPImpl> {
 public:
  FingerprintMLPImpl(std::int64_t input_dim, std::int64_t n_tasks = 1)
      : FingerprintMLPImpl(FingerprintMLPOptions(input_dim, n_tasks)) {}
  explicit FingerprintMLPImpl(FingerprintMLPOptions options);

  /// Validates the options (core::UsageError) and (re)creates every parameter.
  void reset() override;

  /// x [B, input_dim] float32 -> [B, n_tasks] float32.
  torch::Tensor forward(const torch::Tensor& x);
  /// indices [nnz] int64 (bit numbers < input_dim), offsets [B] int64 (as EmbeddingBag) -> [B, n_tasks] float32.
  torch::Tensor forward_sparse(const torch::Tensor& indices, const torch::Tensor& offsets);
  torch::Tensor forward_sparse(const SparseBits& bits) { return forward_sparse(bits.indices, bits.offsets); }

  void pretty_print(std::ostream& stream) const override;

  FingerprintMLPOptions options;
  torch::nn::EmbeddingBag input{nullptr};  ///< weight [input_dim, width of the first layer]
  torch::Tensor input_bias;                ///< [width of the first layer]
  torch::nn::ModuleList layers{nullptr};   ///< the Linear layers after the first
  torch::nn::Dropout dropout{nullptr};

 private:
  torch::Tensor rest(torch::Tensor first_layer_out);
  Activation activation_ = Activation::relu;
};

TORCH_MODULE(FingerprintMLP);

}  // namespace hitforge::models
