#include "datasets/featurize_chunk.h"

#include <GraphMol/ROMol.h>
#include <GraphMol/RWMol.h>

#include <cmath>

#include "core/error.h"
#include "datasets/builder.h"

namespace hitforge::data {
using core::str_cat;

namespace {

struct Worker {
  const FeaturizeOptions& opt;
  const std::vector<const chem::Featurizer*>& fz;
  size_t n_targets;

  // Processes record i of `in` into row i of `out`. Never throws.
  void process(const chem::InputRecord& rec, RecordChunk& out, size_t i, std::vector<core::MolGraph>* graphs,
               std::vector<std::vector<std::string>>* tokens) const {
    out.ids[i] = rec.id;
    out.source_index[i] = rec.index;
    out.source_line[i] = rec.line;
    if (!rec.is_molblock) out.inputs[i] = rec.text;
    auto invalid = [&](std::string why, chem::RecordStatus status = chem::RecordStatus::invalid) {
      out.status[i] = static_cast<std::uint8_t>(status);
      out.reasons[i] = std::move(why);
      out.smiles[i].clear();
      for (size_t b = 0; b < fz.size(); ++b) {
        if (fz[b]->kind() == chem::FeatureKind::graph) {
          graphs[b][i].clear();
        } else if (fz[b]->kind() == chem::FeatureKind::tokens) {
          tokens[b][i].clear();
        } else {
          size_t rb = fz[b]->row_bytes();
          std::fill_n(out.blocks[b].fixed.data() + i * rb, rb, 0);
        }
      }
    };
    if (!rec.error.empty()) return invalid("malformed record: " + rec.error);
    for (size_t k = 0; k < n_targets; ++k) {
      float v = NAN;
      if (!parse_target_value(rec.values[k], v))
        return invalid(str_cat("target '", opt.value_cols[k], "' is not a number: '", rec.values[k], "'"));
      out.targets[i * n_targets + k] = v;
    }
    try {
      chem::ParsedMol pm = rec.is_molblock ? chem::parse_molblock(rec.text, opt.parse)
                                           : chem::parse_smiles(rec.text, opt.parse);
      if (!pm.ok()) return invalid(std::move(pm.reason));
      std::unique_ptr<RDKit::RWMol> mol = std::move(pm.mol);
      if (opt.standardize) {
        chem::StandardizeResult sr = chem::standardize(*mol, opt.standardize_params);
        if (!sr.ok()) return invalid("standardisation failed: " + sr.reason);
        mol = std::move(sr.mol);
      }
      out.smiles[i] = opt.canonical || rec.is_molblock || opt.standardize ? chem::canonical_smiles(*mol) : rec.text;
      if (opt.visit) {
        std::string why = opt.visit(i, *mol);
        if (!why.empty()) {
          std::string smiles = std::move(out.smiles[i]);
          invalid(std::move(why), chem::RecordStatus::filtered);
          out.smiles[i] = std::move(smiles);  // a filtered record keeps its structure
          return;
        }
      }
      for (size_t b = 0; b < fz.size(); ++b) {
        try {
          switch (fz[b]->kind()) {
            case chem::FeatureKind::graph: fz[b]->compute_graph(*mol, graphs[b][i]); break;
            case chem::FeatureKind::tokens: fz[b]->compute_tokens(*mol, out.smiles[i], tokens[b][i]); break;
            default: fz[b]->compute(*mol, out.blocks[b].fixed.data() + i * fz[b]->row_bytes());
          }
        } catch (const std::exception& e) {
          return invalid(str_cat("featuriser ", fz[b]->name(), " failed: ", e.what()));
        }
      }
      out.status[i] = static_cast<std::uint8_t>(chem::RecordStatus::ok);
      out.reasons[i].clear();
    } catch (const std::exception& e) {
      invalid(str_cat("molecule rejected: ", e.what()));
    } catch (...) {
      invalid("molecule rejected: unknown error");
    }
  }
};

void flatten_graphs(std::vector<core::MolGraph>& graphs, BlockChunk& blk) {
  blk.atom_features.clear();
  blk.bond_features.clear();
  blk.bond_atoms.clear();
  for (size_t i = 0; i < graphs.size(); ++i) {
    const auto& g = graphs[i];
    blk.n_atoms[i] = g.n_atoms;
    blk.n_bonds[i] = g.n_bonds;
    blk.atom_features.insert(blk.atom_features.end(), g.atom_features.begin(), g.atom_features.end());
    blk.bond_features.insert(blk.bond_features.end(), g.bond_features.begin(), g.bond_features.end());
    blk.bond_atoms.insert(blk.bond_atoms.end(), g.bond_atoms.begin(), g.bond_atoms.end());
  }
}

void flatten_tokens(std::vector<std::vector<std::string>>& rows, BlockChunk& blk) {
  blk.tokens.clear();
  for (size_t i = 0; i < rows.size(); ++i) {
    blk.n_tokens[i] = static_cast<std::int32_t>(rows[i].size());
    for (auto& t : rows[i]) blk.tokens.push_back(std::move(t));
  }
}

}  // namespace

void featurize_chunk(const std::vector<chem::InputRecord>& records, std::size_t n,
                     const std::vector<const chem::Featurizer*>& fz, const FeaturizeOptions& opt, RecordChunk& out,
                     std::vector<std::vector<core::MolGraph>>* keep_graphs) {
  HITFORGE_CHECK(n <= records.size(), "chunk of ", n, " records from a buffer of ", records.size());
  const size_t n_targets = opt.value_cols.size();
  out.resize(n, n_targets, fz);
  std::vector<std::vector<core::MolGraph>> local_graphs;
  auto& graphs = keep_graphs ? *keep_graphs : local_graphs;
  graphs.resize(fz.size());
  std::vector<std::vector<std::vector<std::string>>> tokens(fz.size());
  for (size_t b = 0; b < fz.size(); ++b) {
    if (fz[b]->kind() == chem::FeatureKind::graph) graphs[b].assign(n, core::MolGraph{});
    if (fz[b]->kind() == chem::FeatureKind::tokens) tokens[b].assign(n, {});
  }
  Worker worker{opt, fz, n_targets};
  std::vector<core::MolGraph>* gptr = graphs.data();
  std::vector<std::vector<std::string>>* tptr = tokens.data();
  const auto sn = static_cast<std::int64_t>(n);
  const int threads = opt.threads;
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads) if (threads > 1 && n > 64)
  for (std::int64_t i = 0; i < sn; ++i) worker.process(records[i], out, static_cast<size_t>(i), gptr, tptr);
  for (size_t b = 0; b < fz.size(); ++b) {
    if (fz[b]->kind() == chem::FeatureKind::graph && !keep_graphs) flatten_graphs(graphs[b], out.blocks[b]);
    if (fz[b]->kind() == chem::FeatureKind::tokens) flatten_tokens(tokens[b], out.blocks[b]);
  }
}

}  // namespace hitforge::data
