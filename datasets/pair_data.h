#pragma once
// In-memory view of a drug–target pair dataset for training and evaluation (layout: docs/dta.md). Loaded once:
// the ligand rows of one feature block (graphs, or fixed-width fingerprint/descriptor rows), every protein's
// cropped residue token ids, and the pair table. Batches are then cut without touching the file.
//
// A batch names each distinct drug and protein once (`ligands`, `proteins`) and maps its pairs onto them
// (`ligand_index`, `protein_index`), so that a model encodes every molecule and sequence of the batch once however
// many pairs share it — Davis has 68 drugs for 30,056 pairs. Plain C++ (no LibTorch): the trainer turns a PairBatch
// into tensors (models/dta.h: DTAInput; docs/dta.md says how).
#include <cstdint>
#include <string>
#include <vector>

#include "chem/featurizers/featurizer.h"
#include "core/mol_graph.h"
#include "datasets/dataset.h"

namespace hitforge::data {

struct PairBatch {
  std::vector<std::int64_t> pairs;          ///< [B] pair indices, in the order asked for
  std::vector<std::int64_t> ligands;        ///< distinct ligand record indices of the batch, first-seen order
  std::vector<std::int64_t> ligand_index;   ///< [B] position of each pair's ligand in `ligands`
  std::vector<std::int64_t> proteins;       ///< distinct protein indices of the batch, first-seen order
  std::vector<std::int64_t> protein_index;  ///< [B] position of each pair's protein in `proteins`
  std::vector<float> targets;               ///< [B, n_labels] row-major, NaN = missing
  std::size_t size() const { return pairs.size(); }
};

class PairData {
 public:
  /// Reads `ligand_block` (a graph, packed_bits, counts_u8 or dense_f32 block) for every ligand record, the
  /// protein tokens and the pair table. UsageError when the file has no pairs or no protein tokens, or the block is
  /// absent or of the tokens kind.
  static PairData load(const Dataset& dataset, const std::string& ligand_block);
  /// Pairs held in memory, e.g. (SMILES, sequence) rows featurised for prediction: `block` describes the ligand
  /// features — one graph per ligand in `graphs` (graph blocks) or `fixed_rows` (ligands × block.row_bytes bytes,
  /// as stored in a dataset) — `protein_tokens` the already cropped residue ids of each protein, and each pair names
  /// its ligand and protein. No labels (targets are empty); every pair is valid. UsageError for indices out of range
  /// or rows of the wrong size.
  static PairData from_parts(FeatureBlockInfo block, std::int64_t bond_width, std::vector<core::MolGraph> graphs,
                             std::vector<std::uint8_t> fixed_rows,
                             std::vector<std::vector<std::int32_t>> protein_tokens, std::int64_t vocab_size,
                             std::int64_t max_length, std::vector<std::int64_t> pair_ligand,
                             std::vector<std::int64_t> pair_protein);

  std::int64_t n_pairs() const { return static_cast<std::int64_t>(pair_ligand_.size()); }
  const std::vector<std::string>& label_names() const { return label_names_; }
  /// Pairs with status ok (the only ones batch() accepts).
  const std::vector<std::int64_t>& valid_pairs() const { return valid_pairs_; }

  /// The batch of `pairs` (any order; repeats allowed). UsageError naming the pair and its reason for an invalid
  /// or out-of-range pair.
  PairBatch batch(const std::vector<std::int64_t>& pairs) const;

  // Ligand features (record indices, as in PairBatch::ligands).
  const FeatureBlockInfo& ligand_block() const { return block_; }
  std::int64_t bond_width() const { return bond_width_; }  ///< graph blocks: bond feature size
  /// Graph of a ligand record (graph blocks).
  const core::MolGraph& graph(std::int64_t ligand) const;
  /// Fixed-width row of a ligand record as stored (row_bytes bytes: packed bits, counts, or float32 values).
  const std::uint8_t* fixed_row(std::int64_t ligand) const;
  /// Dense float rows [ligands.size(), width] of fixed-width blocks (bits unpacked to 0/1, counts as floats).
  std::vector<float> dense_rows(const std::vector<std::int64_t>& ligands) const;

  // Proteins (indices as in PairBatch::proteins).
  /// Cropped residue token ids of a protein (chem::ProteinTokenizer ids; pad = 0 never occurs inside).
  const std::vector<std::int32_t>& protein_tokens(std::int64_t protein) const;
  std::int64_t protein_vocab_size() const { return vocab_size_; }
  std::int64_t protein_max_length() const { return max_length_; }

 private:
  FeatureBlockInfo block_;
  std::int64_t bond_width_ = 0;
  std::vector<core::MolGraph> graphs_;
  std::vector<std::uint8_t> fixed_;
  std::vector<std::vector<std::int32_t>> tokens_;
  std::int64_t vocab_size_ = 0, max_length_ = 0;
  std::vector<std::int64_t> pair_ligand_, pair_protein_, valid_pairs_;
  std::vector<std::uint8_t> pair_status_;
  std::vector<std::string> pair_reasons_;
  std::vector<float> labels_;
  std::vector<std::string> label_names_;
};

}  // namespace hitforge::data
