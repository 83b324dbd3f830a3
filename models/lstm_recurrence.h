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

/// Row count at which products over all tokens of a batch run under CPU autocast: `n` rounded up to a multiple of
/// 64 below 2,048 rows, above that of the largest power of two ≤ n/16 (from 1,024 rows on at most 1/16 more rows,
/// 16 sizes per doubling).
/// oneDNN compiles and caches one kernel per product shape (1,024 by default); a packed batch's token count is
/// different almost every batch, and exact shapes made a bf16 ChEMBL epoch grow the process by hundreds of MB and
/// recompile kernels once the cache was full.
std::int64_t gemm_rows(std::int64_t n);

/// The same recurrence step by step under autograd (any device; under CPU autocast the gates are bfloat16 too).
at::Tensor lstm_recurrence_by_steps(const at::Tensor& pre, const at::Tensor& w_hh,
                                    const std::vector<std::int64_t>& batch_sizes);

}  // namespace hitforge::models
