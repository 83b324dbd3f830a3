#include "datasets/split_dataset.h"

#include <GraphMol/ROMol.h>
#include <GraphMol/RWMol.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_map>

#include "chem/mol_input.h"
#include "chem/scaffold.h"
#include "core/error.h"
#include "core/log.h"
#include "core/text.h"
#include "core/threads.h"
#include "datasets/splits.h"

namespace hitforge::data {
using core::str_cat;

namespace {
// Scaffold key of each record in `valid` (indexed by record, as splits.h expects).
std::vector<std::string> scaffold_keys(const std::vector<std::string>& smiles, const std::vector<std::int64_t>& valid,
                                       bool generic) {
  std::vector<std::string> keys(smiles.size());
  chem::ScaffoldParams sp;
  sp.generic = generic;
  const auto n = static_cast<std::int64_t>(valid.size());
  int failures = 0;
#pragma omp parallel for schedule(dynamic, 64) num_threads(core::configured_threads()) reduction(+ : failures)
  for (std::int64_t k = 0; k < n; ++k) {
    auto i = valid[k];
    chem::ParsedMol pm = chem::parse_smiles(smiles[i]);
    chem::ScaffoldResult r;
    if (pm.ok()) r = chem::murcko_scaffold(*pm.mol, sp);
    if (r.ok) {
      keys[i] = r.smiles;
    } else {
      keys[i] = "\x01unscaffoldable:" + smiles[i];  // its own group
      ++failures;
    }
  }
  if (failures) core::log_warn(str_cat(failures, " molecules had no computable scaffold; each is its own group"));
  return keys;
}

// Dense group number per row: rows with equal keys share a number (numbers in first-seen order).
std::vector<std::int64_t> identity_groups(const std::vector<std::string>& keys) {
  std::unordered_map<std::string, std::int64_t> ids;
  std::vector<std::int64_t> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) out[i] = ids.emplace(keys[i], static_cast<std::int64_t>(ids.size())).first->second;
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

NamedSplit named(const SplitRequest& req, SplitMethod method, const SplitSizes& sizes) {
  NamedSplit ns;
  ns.name = req.name.empty() ? split_method_name(method) : req.name;
  ns.method = split_method_name(method);
  ns.sizes = sizes.to_string();
  ns.seed = static_cast<std::int64_t>(req.seed);
  return ns;
}

std::vector<NamedSplit> kfold_named(const NamedSplit& base, const SplitRequest& req, const std::vector<std::int64_t>& candidates) {
  HITFORGE_REQUIRE(req.folds >= 2, "--folds must be at least 2");
  std::vector<NamedSplit> out;
  auto folds = kfold(candidates, req.folds, req.seed);
  for (size_t f = 0; f < folds.size(); ++f) {
    NamedSplit s = base;
    s.name = str_cat(base.name, "_fold", f);
    s.sizes = str_cat("kfold:", req.folds);
    s.split = std::move(folds[f]);
    out.push_back(std::move(s));
  }
  return out;
}

// Column `target` (default: the first) of a row-major [rows, names.size()] label table, indexed by row.
std::vector<double> label_column(const std::vector<float>& values, const std::vector<std::string>& names,
                                 const std::string& target, const std::string& what) {
  HITFORGE_REQUIRE(!names.empty(), what, " has no labels to stratify on");
  size_t col = 0;
  if (!target.empty()) {
    auto it = std::find(names.begin(), names.end(), target);
    HITFORGE_REQUIRE(it != names.end(), "no label '", target, "' in ", what, " (labels: ", core::join(names), ")");
    col = static_cast<size_t>(it - names.begin());
  }
  std::vector<double> out(values.size() / names.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = values[i * names.size() + col];
  return out;
}
}  // namespace

PairSplitSource PairSplitSource::read(const Dataset& ds) {
  HITFORGE_REQUIRE(ds.has_pairs(), "'", ds.path(), "' has no drug–target pairs (hitforge dataset build --pairs)");
  PairSplitSource s;
  s.pair_status = ds.pair_status();
  s.pair_ligand = ds.pair_ligands();
  s.pair_protein = ds.pair_proteins();
  s.labels = ds.all_pair_labels();
  s.label_names = ds.pair_label_names();
  s.fold = ds.pair_folds();
  s.fold_names = ds.pair_fold_names();
  s.test_fold = ds.pair_test_fold();
  s.ligand_status = ds.status();
  s.ligand_smiles = ds.smiles();
  s.protein_sequences = ds.protein_sequences();
  return s;
}

std::vector<NamedSplit> compute_pair_splits(const PairSplitSource& src, const SplitRequest& req) {
  const SplitMethod method = parse_split_method(req.method);
  const SplitSizes sizes = parse_split_sizes(req.sizes);
  NamedSplit ns = named(req, method, sizes);
  const size_t m = src.pair_ligand.size();
  HITFORGE_CHECK(src.pair_protein.size() == m && src.pair_status.size() == m, "ragged pair table");
  const auto n_lig = static_cast<std::int64_t>(src.ligand_status.size());
  const auto n_prot = static_cast<std::int64_t>(src.protein_sequences.size());
  std::vector<std::int64_t> pairs;
  for (size_t p = 0; p < m; ++p) {
    const auto l = src.pair_ligand[p], t = src.pair_protein[p];
    if (src.pair_status[p] == 0 && l >= 0 && l < n_lig && src.ligand_status[l] == 0 && t >= 0 && t < n_prot)
      pairs.push_back(static_cast<std::int64_t>(p));
  }
  HITFORGE_REQUIRE(!pairs.empty(), "the pair table has no valid pairs to split");
  // Per-pair groups of the drug and of the target by identity (see the header).
  auto ligand_group = identity_groups(src.ligand_smiles);
  std::vector<std::string> seq_keys(src.protein_sequences.size());
  for (size_t i = 0; i < seq_keys.size(); ++i) seq_keys[i] = upper(src.protein_sequences[i]);
  auto protein_group = identity_groups(seq_keys);
  std::vector<std::int64_t> drug_of(m, -1), target_of(m, -1);
  for (auto p : pairs) {
    drug_of[p] = ligand_group[src.pair_ligand[p]];
    target_of[p] = protein_group[src.pair_protein[p]];
  }
  switch (method) {
    case SplitMethod::random: ns.split = random_split(pairs, sizes, req.seed); break;
    case SplitMethod::kfold: return kfold_named(ns, req, pairs);
    case SplitMethod::stratified:
      ns.split = stratified_split(pairs, label_column(src.labels, src.label_names, req.target, "the pair table"), sizes,
                                  req.seed);
      break;
    case SplitMethod::scaffold: {
      std::vector<std::int64_t> valid_ligands;
      for (std::int64_t i = 0; i < n_lig; ++i)
        if (src.ligand_status[i] == 0) valid_ligands.push_back(i);
      auto lig_keys = scaffold_keys(src.ligand_smiles, valid_ligands, req.generic_scaffolds);
      std::vector<std::string> keys(m);
      for (auto p : pairs) {
        const auto l = src.pair_ligand[p];
        // An acyclic drug (empty scaffold) is a group of its own, so its pairs never straddle subsets.
        keys[p] = lig_keys[l].empty() ? "\x02acyclic:" + src.ligand_smiles[l] : lig_keys[l];
      }
      ns.split = scaffold_split(pairs, keys, sizes, req.seed);
      break;
    }
    case SplitMethod::cold_drug: ns.split = cold_split(pairs, drug_of, sizes, req.seed); break;
    case SplitMethod::cold_target: ns.split = cold_split(pairs, target_of, sizes, req.seed); break;
    case SplitMethod::cold_both:
      ns.split = cold_both_split(pairs, drug_of, target_of, sizes, req.seed);
      if (!ns.split.dropped.empty())
        core::log_info(str_cat("cold-both: ", ns.split.dropped.size(),
                               " pairs mix seen and unseen drugs/targets and were left out"));
      break;
    case SplitMethod::folds: {
      HITFORGE_REQUIRE(!src.fold.empty() && src.test_fold >= 0,
                       "the pair table has no predefined folds with a test fold (build it with --folds or a fold "
                       "column)");
      int valid = -1;
      if (req.valid_fold != "none" && !req.valid_fold.empty()) {
        auto it = std::find(src.fold_names.begin(), src.fold_names.end(), req.valid_fold);
        HITFORGE_REQUIRE(it != src.fold_names.end(), "no fold '", req.valid_fold, "' (folds: ",
                         core::join(src.fold_names), ")");
        valid = static_cast<int>(it - src.fold_names.begin());
        HITFORGE_REQUIRE(valid != src.test_fold, "fold '", req.valid_fold,
                         "' is the test fold; choose the validation fold among the training folds so that model "
                         "selection never sees the test set");
      }
      ns.split = fold_split(pairs, src.fold, src.test_fold, valid);
      ns.seed = 0;
      ns.sizes = str_cat("valid_fold=", valid < 0 ? "none" : req.valid_fold, ",test_fold=",
                         src.fold_names[static_cast<size_t>(src.test_fold)]);
      if (!ns.split.dropped.empty())
        core::log_info(str_cat("folds: ", ns.split.dropped.size(), " valid pairs are in no fold and were left out"));
      break;
    }
  }
  return {ns};
}

std::vector<NamedSplit> compute_splits(const Dataset& ds, const SplitRequest& req) {
  if (ds.has_pairs()) return compute_pair_splits(PairSplitSource::read(ds), req);
  SplitMethod method = parse_split_method(req.method);
  SplitSizes sizes = parse_split_sizes(req.sizes);
  NamedSplit ns = named(req, method, sizes);
  HITFORGE_REQUIRE(method != SplitMethod::cold_drug && method != SplitMethod::cold_target &&
                       method != SplitMethod::cold_both && method != SplitMethod::folds,
                   "'", ds.path(), "' has no drug–target pairs; ", ns.method,
                   " splits need a pair dataset (hitforge dataset build --pairs)");
  std::vector<std::int64_t> valid = ds.valid_indices();
  HITFORGE_REQUIRE(!valid.empty(), "'", ds.path(), "' has no valid records to split");
  switch (method) {
    case SplitMethod::random:
      ns.split = random_split(valid, sizes, req.seed);
      break;
    case SplitMethod::scaffold:
      ns.split = scaffold_split(valid, scaffold_keys(ds.smiles(), valid, req.generic_scaffolds), sizes, req.seed);
      break;
    case SplitMethod::stratified: {
      std::vector<double> labels =  // indexed by record, as splits.h expects
          label_column(ds.all_targets(), ds.target_names(), req.target, "'" + ds.path() + "'");
      ns.split = stratified_split(valid, labels, sizes, req.seed);
      break;
    }
    case SplitMethod::kfold:
      return kfold_named(ns, req, valid);
    default:
      break;
  }
  return {ns};
}

}  // namespace hitforge::data
