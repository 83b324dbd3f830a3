#include "train/pair_batch.h"

#include <cstring>

#include "core/error.h"
#include "models/graph_batch.h"

namespace hitforge::train {

models::DTAInput make_dta_input(const data::PairData& data, const data::PairBatch& batch,
                                models::ModelInput::Kind ligand_kind) {
  using Kind = models::ModelInput::Kind;
  const auto& block = data.ligand_block();
  const bool graph_block = block.kind == chem::FeatureKind::graph;
  HITFORGE_REQUIRE(graph_block == (ligand_kind == Kind::graph), "the model's ligand encoder takes ",
                   models::to_string(ligand_kind), " input but ligand block '", block.name, "' is ",
                   chem::to_string(block.kind), " (choose another --input-block or ligand_encoder)");
  models::DTAInput in;
  if (graph_block) {
    std::vector<const core::MolGraph*> graphs;
    graphs.reserve(batch.ligands.size());
    for (auto l : batch.ligands) graphs.push_back(&data.graph(l));
    in.ligands = models::ModelInput::from_graph(models::GraphBatch::build(graphs, block.width, data.bond_width()));
  } else if (ligand_kind == Kind::sparse && block.kind == chem::FeatureKind::packed_bits) {
    std::vector<std::uint8_t> rows(batch.ligands.size() * static_cast<size_t>(block.row_bytes));
    for (size_t r = 0; r < batch.ligands.size(); ++r)
      std::memcpy(rows.data() + r * static_cast<size_t>(block.row_bytes), data.fixed_row(batch.ligands[r]),
                  static_cast<size_t>(block.row_bytes));
    in.ligands = models::ModelInput::from_sparse(
        models::packed_bits_to_indices(rows.data(), static_cast<std::int64_t>(batch.ligands.size()), block.width));
  } else {
    auto rows = data.dense_rows(batch.ligands);
    auto x =
        torch::from_blob(rows.data(), {static_cast<std::int64_t>(batch.ligands.size()), block.width}, torch::kFloat32)
            .clone();
    in.ligands = models::ModelInput::from_dense(x);
  }
  std::vector<const std::vector<std::int32_t>*> seqs;
  seqs.reserve(batch.proteins.size());
  for (auto p : batch.proteins) seqs.push_back(&data.protein_tokens(p));
  in.protein_tokens = models::DTAInput::pad_tokens(seqs);
  in.ligand_index = models::DTAInput::index_tensor(batch.ligand_index);
  in.protein_index = models::DTAInput::index_tensor(batch.protein_index);
  return in;
}

torch::Tensor pair_targets(const data::PairBatch& batch, std::size_t n_labels, const std::vector<std::size_t>& cols) {
  const auto b = static_cast<std::int64_t>(batch.size()), t = static_cast<std::int64_t>(cols.size());
  auto y = torch::empty({b, t}, torch::kFloat32);
  float* yp = y.data_ptr<float>();
  for (std::int64_t r = 0; r < b; ++r)
    for (std::int64_t c = 0; c < t; ++c) yp[r * t + c] = batch.targets[static_cast<size_t>(r) * n_labels + cols[c]];
  return y;
}

}  // namespace hitforge::train
