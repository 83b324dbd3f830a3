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
/// On the CPU, one graph node instead of about a dozen per time step: the forward pass keeps the activated gates and
/// cell states, the backward pass walks time in reverse with one [b, 4H]·[4H, H] product and a fused element-wise
/// pass per step, and the recurrent weight's gradient is one large product over all steps at the end (instead of
/// one thin K = b product per step). In fp32 its values and gradients are those of the step-by-step version below
/// (tested against torch::nn::LSTM). Double backward is refused. On other devices it runs
/// lstm_recurrence_by_steps.
///
/// `pre` may be bfloat16 (CPU autocast): the recurrent products then run in bfloat16 while the gate activations,
/// the cell state and the element-wise backward stay float32; the gradient for `pre` is returned in its dtype.
at::Tensor lstm_recurrence(const at::Tensor& pre, const at::Tensor& w_hh, const std::vector<std::int64_t>& batch_sizes);

/// The same recurrence step by step under autograd (any device; under CPU autocast the gates are bfloat16 too).
at::Tensor lstm_recurrence_by_steps(const at::Tensor& pre, const at::Tensor& w_hh,
                                    const std::vector<std::int64_t>& batch_sizes);

}  // namespace hitforge::models
