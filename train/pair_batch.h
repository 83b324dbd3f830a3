#pragma once
// data::PairBatch (plain C++ index lists, datasets/pair_data.h) → models::DTAInput (tensors, models/dta.h): the
// batch's distinct ligands in the form the ligand encoder takes (graphs; fingerprint rows dense, or packed bits as
// sparse on-bit indices), its distinct proteins' cropped residue ids right-padded with 0, and each pair's position
// in both. Targets become a [B, n_labels] float32 tensor (NaN = missing).
#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "datasets/pair_data.h"
#include "models/dta.h"

namespace hitforge::train {

/// Tensors of `batch` on the CPU. `ligand_kind`: graph needs a graph block; sparse needs packed bits (any other
/// fixed-width block is fed dense instead); dense takes any fixed-width block. UsageError for a graph model on a
/// fingerprint block or the reverse.
models::DTAInput make_dta_input(const data::PairData& data, const data::PairBatch& batch,
                                models::ModelInput::Kind ligand_kind);

/// batch.targets as [B, n_labels] float32 on the CPU, columns `cols` of the labels only.
torch::Tensor pair_targets(const data::PairBatch& batch, std::size_t n_labels, const std::vector<std::size_t>& cols);

}  // namespace hitforge::train
