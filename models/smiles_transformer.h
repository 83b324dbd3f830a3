#pragma once
// Decoder-only Transformer language model over token sequences (GPT-style, pre-layer-norm): the `smiles_transformer`
// option next to models/smiles_lm.h's LSTM, trained and sampled through the same LanguageModel interface.
//
//   tokens [B, T] int64 → token embedding + learned position embedding [B, T, D] → dropout
//     → layers × { x += attn(LN(x)) with causal self-attention over `heads` heads; x += MLP(LN(x)) (D → ff → D, GELU) }
//     → LN → Linear → logits [B, T, V]
//
// Positions are learned up to `max_positions` (the longest <bos> … <eos> sequence the model can read or write);
// longer sequences are a clear error, and the trainer checks its data against it before the first step.
// Right padding needs no key mask: attention is causal, so a real position never sees the padding after it, and the
// outputs at padded positions are never used (the loss gathers real positions only, before the vocabulary
// projection).
//
// Sampling (make_decoder()) keeps a key/value cache per layer, [A, heads, capacity, D/heads], grown by doubling: a
// step feeds one token per row and attends over the cached prefix, so a sequence of length L costs L single-token
// steps, never a recomputation of its prefix. Finished rows leave the cache (Decoder::keep).
//
// Parameter names follow torch's modules (token_embedding.weight [V, D], position_embedding.weight [P, D],
// blocks.k.{ln1,qkv,proj,ln2,fc1,fc2}.*, ln_f.*, out.*). Initialisation as GPT-2: N(0, 0.02) weights, zero biases,
// residual projections (proj, fc2) scaled by 1/√(2·layers).
#include <cstdint>
#include <memory>
#include <optional>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "models/sampling.h"

namespace hitforge::models {

struct SmilesTransformerOptions {
  explicit SmilesTransformerOptions(std::int64_t vocab_size) : vocab_size_(vocab_size) {}
  /// Tokens, specials included (ids 0..vocab_size-1).
  TORCH_ARG(std::int64_t, vocab_size);
  /// Model width D (a multiple of heads).
  TORCH_ARG(std::int64_t, d_model) = 256;
  TORCH_ARG(std::int64_t, heads) = 8;
  TORCH_ARG(std::int64_t, layers) = 4;
  /// Hidden width of each block's MLP (0 = 4 · d_model).
  TORCH_ARG(std::int64_t, ff_dim) = 0;
  /// Dropout on embeddings, attention weights and residual branches (training only), in [0, 1).
  TORCH_ARG(double, dropout) = 0.1;
  /// Longest sequence, <bos> and <eos> included.
  TORCH_ARG(std::int64_t, max_positions) = 256;
  TORCH_ARG(std::int64_t, pad_id) = 0;
  TORCH_ARG(std::int64_t, bos_id) = 1;
  TORCH_ARG(std::int64_t, eos_id) = 2;
  /// Never sampled (-1 = none).
  TORCH_ARG(std::int64_t, unk_id) = 3;

 public:  // TORCH_ARG leaves the section private
  std::int64_t resolved_ff_dim() const { return ff_dim_ > 0 ? ff_dim_ : 4 * d_model_; }
};

/// core::UsageError naming the field for options out of range.
void validate(const SmilesTransformerOptions& options);

/// One pre-LN block: x + attn(LN(x)), then + MLP(LN(·)).
class TransformerBlockImpl : public torch::nn::Cloneable<TransformerBlockImpl> {
 public:
  TransformerBlockImpl(std::int64_t d_model, std::int64_t heads, std::int64_t ff_dim, double dropout);
  void reset() override;

  /// x [B, T, D] → [B, T, D] with causal attention (position t sees 0..t).
  torch::Tensor forward(const torch::Tensor& x);

  std::int64_t d_model, heads, ff_dim;
  double dropout_p;
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, fc1{nullptr}, fc2{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(TransformerBlock);

class SmilesTransformerImpl : public torch::nn::Cloneable<SmilesTransformerImpl> {
 public:
  explicit SmilesTransformerImpl(std::int64_t vocab_size)
      : SmilesTransformerImpl(SmilesTransformerOptions(vocab_size)) {}
  explicit SmilesTransformerImpl(SmilesTransformerOptions options);

  /// Validates the options (core::UsageError) and (re)creates every parameter.
  void reset() override;

  /// Next-token logits of a right-padded batch: tokens [B, T] int64 (T <= max_positions), lengths [B] int64 in
  /// [1, T] → [B, T, V] float32, where [b, t] scores token t+1 given tokens 0..t; positions t >= lengths[b] are 0.
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& lengths);
  /// −log p(sequence) [B] of `sequences` [B, T] (<bos> x_1 .. x_n <eos> <pad>..) with lengths [B] (>= 2),
  /// <eos> included; differentiable; the vocabulary projection runs on real positions only.
  torch::Tensor sequence_nll(const torch::Tensor& sequences, const torch::Tensor& lengths);

  /// Incremental decoder (key/value cache) over the current weights, eval arithmetic; must not outlive the module.
  std::unique_ptr<Decoder> make_decoder();

  SpecialTokens specials() const;
  void pretty_print(std::ostream& stream) const override;

  /// Final hidden states [B, T, D] (after ln_f) of tokens [B, T] (T <= max_positions): position t has seen tokens
  /// 0..t. The features under the vocabulary projection, e.g. for mean-pooled sequence embeddings.
  torch::Tensor hidden(const torch::Tensor& tokens);

  SmilesTransformerOptions options;
  torch::nn::Embedding token_embedding{nullptr}, position_embedding{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm ln_f{nullptr};
  torch::nn::Linear out{nullptr};
};

TORCH_MODULE(SmilesTransformer);

}  // namespace hitforge::models
