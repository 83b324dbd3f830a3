// One LSTM layer's recurrence over a packed batch as a single autograd node, with a hand-written backward pass
// through time. Used by SmilesLSTM for training and likelihoods; sampling keeps its own incremental decoder.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/Tensor.h>

namespace hitforge::models {

/// Hidden states [N, H] of one LSTM layer (PyTorch gate order i, f, g, o; zero initial state) over a packed batch:
/// `pre` [N, 4H] holds each token's input projection including both biases (rows time-major, longest sequences
/// first, `batch_sizes[t]` rows at step t, non-increasing), `w_hh` [4H, H] the recurrent weight.
///
/// Same values as running an LSTM cell step by step under autograd, but one graph node instead of ~30 per time
/// step: the forward pass keeps the activated gates and cell states, the backward pass walks time in reverse with
/// one [b, 4H]·[4H, H] product per step and fused element-wise code, and the recurrent weight's gradient is one
/// large product over all steps at the end (instead of one thin K = b product per step).
///
/// `pre` may be bfloat16 (CPU autocast): the recurrent products then run in bfloat16, gates, cell state and
/// gradients stay float32.
at::Tensor lstm_recurrence(const at::Tensor& pre, const at::Tensor& w_hh, const std::vector<std::int64_t>& batch_sizes);

}  // namespace hitforge::models
