#pragma once
// SMILES language model in the REINVENT-prior style (Olivecrona et al. 2017; Segler et al. 2018): token embedding →
// multi-layer LSTM → linear to the vocabulary, trained by teacher forcing on <bos> SMILES-tokens <eos>.
//
//   tokens [B, T] int64 → embedding [B, T, E] → LSTM × layers (hidden H) → dropout → Linear → logits [B, T, V]
//
// Parameters live in torch::nn modules with PyTorch's names and layouts (embedding.weight [V, E], lstm.weight_ih_l0
// [4H, E], lstm.weight_hh_lk [4H, H], biases [4H], gates in PyTorch's order i, f, g, o; out.weight [V, H]), so
// weights move between this model and torch.nn.LSTM one to one. The recurrence itself runs in this file, over
// *packed* sequences: the rows of a batch are ordered by length and each time step runs only on the sequences still
// going, so padding costs nothing however ragged the batch. The input projection of layer 0 is a [V, 4H] table
// (embedding · W_ih0ᵀ + biases) looked up per token, and the input projections of the layers above are one matrix
// product over all real tokens of a batch; only the hidden-to-hidden products are per step.
//
// Sampling (sample(), make_decoder()) carries (h, c) of every layer across steps and feeds one token per step; see
// models/sampling.h. Tokens reach this module as tensors; the vocabulary itself (chem::Vocabulary) stays outside.
#include <cstdint>
#include <memory>
#include <optional>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>
#include <torch/nn/pimpl.h>

#include "models/sampling.h"

namespace hitforge::models {

struct SmilesLSTMOptions {
  explicit SmilesLSTMOptions(std::int64_t vocab_size) : vocab_size_(vocab_size) {}
  /// Tokens, specials included (ids 0..vocab_size-1).
  TORCH_ARG(std::int64_t, vocab_size);
  TORCH_ARG(std::int64_t, embedding_dim) = 256;
  TORCH_ARG(std::int64_t, hidden) = 512;
  TORCH_ARG(std::int64_t, layers) = 3;
  /// Dropout on the output of every LSTM layer (training only), in [0, 1).
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(std::int64_t, pad_id) = 0;
  TORCH_ARG(std::int64_t, bos_id) = 1;
  TORCH_ARG(std::int64_t, eos_id) = 2;
  /// Never sampled (-1 = none).
  TORCH_ARG(std::int64_t, unk_id) = 3;
};

/// core::UsageError naming the field for options out of range.
void validate(const SmilesLSTMOptions& options);

class SmilesLSTMImpl : public torch::nn::Cloneable<SmilesLSTMImpl> {
 public:
  explicit SmilesLSTMImpl(std::int64_t vocab_size) : SmilesLSTMImpl(SmilesLSTMOptions(vocab_size)) {}
  explicit SmilesLSTMImpl(SmilesLSTMOptions options);

  /// Validates the options (core::UsageError) and (re)creates every parameter.
  void reset() override;

  /// Next-token logits of a right-padded batch: tokens [B, T] int64, lengths [B] int64 in [1, T] (the real tokens
  /// of each row) → [B, T, V] float32, where [b, t] scores token t+1 given tokens 0..t. Positions t >= lengths[b]
  /// are 0 and cost nothing.
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& lengths);

  /// Negative log-likelihood of whole sequences: `sequences` [B, T] int64 hold <bos> x_1 .. x_n <eos> then <pad>,
  /// lengths [B] count those n + 2 tokens (>= 2). Returns [B] float32: −Σ_{t=1..n+1} log p(x_t | x_<t), <eos>
  /// included. Computed over the real tokens only (packed); differentiable. The training loss is its sum over the
  /// batch divided by Σ (lengths − 1).
  torch::Tensor sequence_nll(const torch::Tensor& sequences, const torch::Tensor& lengths);
  /// log p(sequence) [B] float32 for right-padded sequences [B, T] (<bos> … <eos> <pad>…); a row's length is its
  /// count of non-<pad> tokens. This is what reinforcement learning and likelihood scoring use.
  torch::Tensor log_likelihood(const torch::Tensor& sequences);

  /// Incremental decoder over this module's current weights (eval arithmetic: no dropout). It copies nothing but
  /// the layer-0 table; it must not outlive the module, and the weights must not change while it is in use.
  std::unique_ptr<Decoder> make_decoder();
  /// Draws options.n sequences (see models/sampling.h). Puts the module in eval mode for the call and restores the
  /// previous mode.
  SampleResult sample(const SampleOptions& options, std::optional<at::Generator> generator = std::nullopt);
  /// Same with the arguments spelled out.
  SampleResult sample(std::int64_t n, std::int64_t max_length, double temperature = 1.0, std::int64_t top_k = 0,
                      double top_p = 1.0, std::optional<at::Generator> generator = std::nullopt);

  SpecialTokens specials() const;
  void pretty_print(std::ostream& stream) const override;

  SmilesLSTMOptions options;
  torch::nn::Embedding embedding{nullptr};
  torch::nn::LSTM lstm{nullptr};  ///< parameter container (and a reference implementation for tests)
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear out{nullptr};

 private:
  friend class LSTMDecoder;
  struct LayerWeights {
    torch::Tensor w_ih, w_hh, bias;  // bias = b_ih + b_hh
  };
  LayerWeights layer(std::int64_t k);
  /// [V, 4H]: embedding · W_ih0ᵀ + b_ih0 + b_hh0 (layer 0's input projection for every token).
  torch::Tensor input_table();
  /// Output logits [N, V] of the packed real tokens of `tokens` [B, T] / lengths [B], with the packing:
  /// flat[i] = b * T + t of packed row i (time-major, longest rows first), row_of[i] = b.
  torch::Tensor packed_logits(const torch::Tensor& tokens, const torch::Tensor& lengths, torch::Tensor& flat,
                              torch::Tensor& row_of);
};

TORCH_MODULE(SmilesLSTM);

}  // namespace hitforge::models
