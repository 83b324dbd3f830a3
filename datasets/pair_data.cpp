#include "datasets/pair_data.h"

#include <cstring>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hitforge::data {
using core::str_cat;

PairData PairData::load(const Dataset& ds, const std::string& ligand_block) {
  HITFORGE_REQUIRE(ds.has_pairs(), "'", ds.path(), "' is not a drug–target pair dataset (hitforge dataset build --pairs)");
  PairData d;
  d.block_ = ds.block(ligand_block);
  HITFORGE_REQUIRE(d.block_.kind != chem::FeatureKind::tokens, "feature block '", ligand_block,
                   "' holds token sequences; the ligand encoder takes a graph or a fingerprint/descriptor block");
  const std::vector<std::int64_t> all = iota_indices(ds.size());
  if (d.block_.kind == chem::FeatureKind::graph) {
    d.bond_width_ = static_cast<std::int64_t>(chem::make_featurizer(d.block_.spec)->bond_width());
    d.graphs_.reserve(all.size());
    for (auto i : all) d.graphs_.push_back(ds.read_graph(ligand_block, i));
  } else {
    d.fixed_ = ds.read_fixed(ligand_block, all);
  }

  std::vector<std::int32_t> ids;
  std::vector<std::int64_t> offsets;
  ds.read_protein_tokens(ids, offsets);
  d.tokens_.resize(offsets.size() - 1);
  for (size_t p = 0; p + 1 < offsets.size(); ++p)
    d.tokens_[p].assign(ids.begin() + offsets[p], ids.begin() + offsets[p + 1]);
  d.max_length_ = ds.protein_max_length();
  d.vocab_size_ = static_cast<std::int64_t>(nlohmann::json::parse(ds.protein_vocabulary_json()).at("tokens").size());

  d.pair_ligand_ = ds.pair_ligands();
  d.pair_protein_ = ds.pair_proteins();
  d.pair_status_ = ds.pair_status();
  d.pair_reasons_ = ds.pair_reasons();
  d.labels_ = ds.all_pair_labels();
  d.label_names_ = ds.pair_label_names();
  d.valid_pairs_ = ds.valid_pairs();
  return d;
}

PairData PairData::from_parts(FeatureBlockInfo block, std::int64_t bond_width, std::vector<core::MolGraph> graphs,
                              std::vector<std::uint8_t> fixed_rows,
                              std::vector<std::vector<std::int32_t>> protein_tokens, std::int64_t vocab_size,
                              std::int64_t max_length, std::vector<std::int64_t> pair_ligand,
                              std::vector<std::int64_t> pair_protein) {
  HITFORGE_REQUIRE(pair_ligand.size() == pair_protein.size(), "pairs: ", pair_ligand.size(), " ligand indices for ",
                   pair_protein.size(), " protein indices");
  PairData d;
  const bool graph = block.kind == chem::FeatureKind::graph;
  std::int64_t n_lig = 0;
  if (graph) {
    n_lig = static_cast<std::int64_t>(graphs.size());
  } else {
    HITFORGE_REQUIRE(block.row_bytes > 0 && fixed_rows.size() % static_cast<size_t>(block.row_bytes) == 0,
                     "ligand rows of block '", block.name, "': ", fixed_rows.size(), " bytes is not a multiple of ",
                     block.row_bytes);
    n_lig = static_cast<std::int64_t>(fixed_rows.size()) / block.row_bytes;
  }
  const auto n_prot = static_cast<std::int64_t>(protein_tokens.size());
  for (size_t i = 0; i < pair_ligand.size(); ++i)
    HITFORGE_REQUIRE(pair_ligand[i] >= 0 && pair_ligand[i] < n_lig && pair_protein[i] >= 0 && pair_protein[i] < n_prot,
                     "pair ", i, " names ligand ", pair_ligand[i], " / protein ", pair_protein[i], " (", n_lig,
                     " ligands, ", n_prot, " proteins)");
  d.block_ = std::move(block);
  d.bond_width_ = bond_width;
  d.graphs_ = std::move(graphs);
  d.fixed_ = std::move(fixed_rows);
  d.tokens_ = std::move(protein_tokens);
  d.vocab_size_ = vocab_size;
  d.max_length_ = max_length;
  d.pair_ligand_ = std::move(pair_ligand);
  d.pair_protein_ = std::move(pair_protein);
  d.pair_status_.assign(d.pair_ligand_.size(), 0);
  d.pair_reasons_.assign(d.pair_ligand_.size(), "");
  d.valid_pairs_ = iota_indices(static_cast<std::int64_t>(d.pair_ligand_.size()));
  return d;
}

PairBatch PairData::batch(const std::vector<std::int64_t>& pairs) const {
  PairBatch b;
  b.pairs = pairs;
  const size_t nt = label_names_.size();
  b.ligand_index.reserve(pairs.size());
  b.protein_index.reserve(pairs.size());
  b.targets.reserve(pairs.size() * nt);
  std::unordered_map<std::int64_t, std::int64_t> lig_pos, prot_pos;
  for (auto p : pairs) {
    HITFORGE_REQUIRE(p >= 0 && p < n_pairs(), "pair ", p, " is out of range (", n_pairs(), " pairs)");
    const auto i = static_cast<size_t>(p);
    HITFORGE_REQUIRE(pair_status_[i] == 0, "pair ", p, " is invalid (", pair_reasons_[i],
                     "); batches take only valid pairs (PairData::valid_pairs, or a split)");
    auto l = lig_pos.emplace(pair_ligand_[i], static_cast<std::int64_t>(b.ligands.size()));
    if (l.second) b.ligands.push_back(pair_ligand_[i]);
    b.ligand_index.push_back(l.first->second);
    auto t = prot_pos.emplace(pair_protein_[i], static_cast<std::int64_t>(b.proteins.size()));
    if (t.second) b.proteins.push_back(pair_protein_[i]);
    b.protein_index.push_back(t.first->second);
    b.targets.insert(b.targets.end(), labels_.begin() + static_cast<std::ptrdiff_t>(i * nt),
                     labels_.begin() + static_cast<std::ptrdiff_t>((i + 1) * nt));
  }
  return b;
}

const core::MolGraph& PairData::graph(std::int64_t ligand) const {
  HITFORGE_REQUIRE(block_.kind == chem::FeatureKind::graph, "ligand block '", block_.name, "' is not a graph block");
  HITFORGE_REQUIRE(ligand >= 0 && ligand < static_cast<std::int64_t>(graphs_.size()), "ligand ", ligand,
                   " is out of range");
  return graphs_[static_cast<size_t>(ligand)];
}

const std::uint8_t* PairData::fixed_row(std::int64_t ligand) const {
  HITFORGE_REQUIRE(block_.row_bytes > 0, "ligand block '", block_.name, "' is not a fixed-width block");
  const auto n = static_cast<std::int64_t>(fixed_.size()) / block_.row_bytes;
  HITFORGE_REQUIRE(ligand >= 0 && ligand < n, "ligand ", ligand, " is out of range");
  return fixed_.data() + ligand * block_.row_bytes;
}

std::vector<float> PairData::dense_rows(const std::vector<std::int64_t>& ligands) const {
  const std::int64_t w = block_.width;
  std::vector<float> out(ligands.size() * static_cast<size_t>(w));
  for (size_t r = 0; r < ligands.size(); ++r) {
    const std::uint8_t* row = fixed_row(ligands[r]);
    float* dst = out.data() + r * static_cast<size_t>(w);
    switch (block_.kind) {
      case chem::FeatureKind::dense_f32: std::memcpy(dst, row, static_cast<size_t>(w) * sizeof(float)); break;
      case chem::FeatureKind::counts_u8:
        for (std::int64_t j = 0; j < w; ++j) dst[j] = row[j];
        break;
      default:  // packed_bits, LSB first
        for (std::int64_t j = 0; j < w; ++j) dst[j] = static_cast<float>((row[j >> 3] >> (j & 7)) & 1);
    }
  }
  return out;
}

const std::vector<std::int32_t>& PairData::protein_tokens(std::int64_t protein) const {
  HITFORGE_REQUIRE(protein >= 0 && protein < static_cast<std::int64_t>(tokens_.size()), "protein ", protein,
                   " is out of range (", tokens_.size(), " proteins)");
  return tokens_[static_cast<size_t>(protein)];
}

}  // namespace hitforge::data
