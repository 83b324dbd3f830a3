#pragma once
// Inference-only kernels for the gathers and scatters of message passing on the CPU. torch's index_add_ runs one
// TensorIterator add per row (~0.3 µs of dispatch for a 300-wide row) and the message step needs two gathered
// [2B, hidden] temporaries; these loops do the same arithmetic in the same order without either, so fp32 results
// are bit-identical to the torch expressions they replace (bfloat16: each sum is rounded after every addition, as
// torch's bfloat16 add does). No autograd: callers use them only for tensors that do not require grad.
// repeated_rows_linear runs a linear layer once per distinct input row: featurised atoms and bonds repeat.
#include <cstdint>

#include <torch/types.h>

namespace hitforge::models {

/// True when the kernels below apply: CPU, contiguous 2-D float32 or bfloat16, not requiring grad.
bool graph_ops_apply(const torch::Tensor& rows);

/// zeros([n_out, d]).index_add_(0, index, rows): out[index[i]] += rows[i] for i = 0, 1, ... in order.
/// rows [n, d] (graph_ops_apply), index [n] int64 in [0, n_out). Throws c10::Error for an index out of range.
torch::Tensor sum_rows_into(const torch::Tensor& rows, const torch::Tensor& index, std::int64_t n_out);

/// Directed-bond messages atom_sum.index_select(0, src) - h.index_select(0, rev): m[b] = atom_sum[src[b]] - h[rev[b]].
/// atom_sum [A, d] and h [2B, d] of one dtype (graph_ops_apply); src, rev [2B] int64 in range.
torch::Tensor directed_messages(const torch::Tensor& atom_sum, const torch::Tensor& h, const torch::Tensor& src,
                                const torch::Tensor& rev);

/// linear(x, weight, bias) computed on the distinct rows of x only, then copied to every row: one-hot atom and bond
/// features repeat (a batch of 256 ChEMBL molecules has ~7,100 atom rows but ~44 distinct ones). Rows are
/// distinct when their bytes differ. The product is torch's linear (so autocast applies as usual) on fewer rows; each
/// output row equals the dense product's up to the GEMM kernel chosen for the smaller row count. x [n, in]
/// contiguous float32; weight [out, in] (a view is fine); bias [out] or undefined. Returns an undefined tensor when
/// it does not apply, so that the caller runs the dense product: not on the CPU, gradients wanted, another layout,
/// or more than half the rows distinct (the scan then stops early).
torch::Tensor repeated_rows_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

}  // namespace hitforge::models
