#pragma once
// Autoregressive sampling from token language models with incremental decoder state: each step feeds only the
// newest token (the model carries its state — LSTM (h, c), or a transformer's key/value cache), so a sequence of
// length L costs L steps, never a recomputation of its prefix. Finished sequences leave the batch at once
// (Decoder::keep), so the steps that remain run on the active rows only.
//
// Token conventions (the same as chem::Vocabulary, which models/ does not include): a sequence is
//   <bos> x_1 ... x_n <eos>, padded with <pad> on the right; the ids come from SpecialTokens.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <ATen/core/Generator.h>
#include <torch/types.h>

namespace hitforge::models {

/// Ids of the special tokens. Defaults match chem::Vocabulary (<pad>=0, <bos>=1, <eos>=2, <unk>=3).
struct SpecialTokens {
  std::int64_t pad = 0;
  std::int64_t bos = 1;
  std::int64_t eos = 2;
  std::int64_t unk = 3;  ///< never sampled; -1 = the vocabulary has none
};

struct SampleOptions {
  std::int64_t n = 128;            ///< sequences to draw (one batch; callers loop for more)
  std::int64_t max_length = 100;   ///< most tokens per sequence, not counting <bos> and <eos>
  double temperature = 1.0;        ///< > 0; logits are divided by it before top-k / top-p
  std::int64_t top_k = 0;          ///< keep the k most likely tokens per step (0 = all)
  double top_p = 1.0;              ///< nucleus: smallest set of tokens with probability mass >= top_p (1 = all)
  /// <eos> is not drawn before this many tokens (1 = no empty sequences). The reported log-likelihood stays the
  /// model's own (see SampleResult).
  std::int64_t min_length = 1;
};

/// Throws core::UsageError for options out of range (naming the option).
void validate(const SampleOptions& options);

struct SampleResult {
  /// Token ids of each sequence without <bos> and <eos>; sequences[i] belongs to row i of the request.
  std::vector<std::vector<std::int64_t>> sequences;
  /// log p(sequence) under the model itself (temperature 1, no top-k/top-p, no min_length), summed over the drawn
  /// tokens including <eos> — what log_likelihood() gives for the same sequence. For an incomplete sequence, the sum
  /// over its tokens (no <eos> term). float64 on the CPU, [n].
  torch::Tensor log_likelihood;
  /// false when max_length tokens were drawn without an <eos> (the sequence is cut there).
  std::vector<bool> complete;
  /// Decoder steps summed over rows (tokens actually computed), for throughput figures.
  std::int64_t computed_tokens = 0;
};

/// Incremental decoding state of one batch. Implementations keep whatever they need per row (LSTM: h and c per
/// layer) on the model's device.
class Decoder {
 public:
  virtual ~Decoder() = default;
  /// Starts `batch` empty sequences (state before the first token).
  virtual void start(std::int64_t batch) = 0;
  /// Feeds one token per active row ([A] int64, on any device) and returns the next-token logits [A, V] float32.
  virtual torch::Tensor step(const torch::Tensor& tokens) = 0;
  /// Keeps only the given rows ([A'] int64 CPU indices into the current rows, ascending), dropping the others.
  virtual void keep(const torch::Tensor& rows) = 0;
};

/// Logits [A, V] → probabilities [A, V] after temperature, top-k and top-p, with the ids in `banned` set to 0.
/// Every row keeps at least its most likely allowed token.
torch::Tensor sampling_probabilities(const torch::Tensor& logits, const SampleOptions& options,
                                     const std::vector<std::int64_t>& banned);

/// Draws options.n sequences with `decoder` (gradients off). Random numbers come from `generator` (a CPU generator;
/// the default CPU generator when absent), and the draws are made on the CPU whatever the model's device, so a seed
/// gives the same sequences on every device up to the model's arithmetic.
SampleResult sample_sequences(Decoder& decoder, const SampleOptions& options, const SpecialTokens& specials,
                              std::optional<at::Generator> generator = std::nullopt);

/// Right-padded batch [B, T] int64 from sequences that already hold <bos> ... <eos>; T = longest. Lengths [B] int64.
struct TokenBatch {
  torch::Tensor tokens;
  torch::Tensor lengths;
};
TokenBatch pad_sequences(const std::vector<std::vector<std::int64_t>>& sequences, std::int64_t pad_id);
/// Wraps each body in <bos> ... <eos> and pads (for log_likelihood of sampled or given sequences).
TokenBatch make_token_batch(const std::vector<std::vector<std::int64_t>>& bodies, const SpecialTokens& specials);

}  // namespace hitforge::models
