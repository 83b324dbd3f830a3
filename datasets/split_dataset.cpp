#include "datasets/split_dataset.h"

#include <GraphMol/ROMol.h>
#include <GraphMol/RWMol.h>

#include <cmath>

#include "chem/mol_input.h"
#include "chem/scaffold.h"
#include "core/error.h"
#include "core/log.h"
#include "core/threads.h"
#include "datasets/splits.h"

namespace hitforge::data {
using core::str_cat;

namespace {
std::vector<std::string> scaffold_keys(const Dataset& ds, const std::vector<std::int64_t>& valid, bool generic) {
  std::vector<std::string> smiles = ds.smiles();
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
  return keys;  // indexed by record, as splits.h expects
}
}  // namespace

std::vector<NamedSplit> compute_splits(const Dataset& ds, const SplitRequest& req) {
  SplitMethod method = parse_split_method(req.method);
  SplitSizes sizes = parse_split_sizes(req.sizes);
  std::string name = req.name.empty() ? split_method_name(method) : req.name;
  NamedSplit ns;
  ns.name = name;
  ns.method = split_method_name(method);
  ns.sizes = sizes.to_string();
  ns.seed = static_cast<std::int64_t>(req.seed);

  if (method == SplitMethod::cold_drug || method == SplitMethod::cold_target || method == SplitMethod::cold_both) {
    HITFORGE_REQUIRE(ds.has_pairs(), "'", ds.path(), "' has no drug–target pairs; ", ns.method,
                     " splits need a pair dataset (hitforge dataset build --pairs)");
    auto lig = ds.pair_ligands(), prot = ds.pair_proteins();
    auto status = ds.status();
    std::vector<std::int64_t> pairs;
    for (size_t p = 0; p < lig.size(); ++p)
      if (lig[p] >= 0 && static_cast<size_t>(lig[p]) < status.size() && status[lig[p]] == 0)
        pairs.push_back(static_cast<std::int64_t>(p));
    if (method == SplitMethod::cold_both) {
      ns.split = cold_both_split(pairs, lig, prot, sizes, req.seed);
      if (!ns.split.dropped.empty())
        core::log_info(str_cat("cold-both: ", ns.split.dropped.size(),
                               " pairs mix seen and unseen drugs/targets and were left out"));
    } else {
      ns.split = cold_split(pairs, method == SplitMethod::cold_drug ? lig : prot, sizes, req.seed);
    }
    return {ns};
  }

  std::vector<std::int64_t> valid = ds.valid_indices();
  HITFORGE_REQUIRE(!valid.empty(), "'", ds.path(), "' has no valid records to split");
  switch (method) {
    case SplitMethod::random:
      ns.split = random_split(valid, sizes, req.seed);
      break;
    case SplitMethod::scaffold:
      ns.split = scaffold_split(valid, scaffold_keys(ds, valid, req.generic_scaffolds), sizes, req.seed);
      break;
    case SplitMethod::stratified: {
      const auto& names = ds.target_names();
      HITFORGE_REQUIRE(!names.empty(), "'", ds.path(), "' has no targets to stratify on");
      size_t col = 0;
      if (!req.target.empty()) {
        auto it = std::find(names.begin(), names.end(), req.target);
        HITFORGE_REQUIRE(it != names.end(), "no target '", req.target, "' in '", ds.path(), "'");
        col = static_cast<size_t>(it - names.begin());
      }
      std::vector<float> t = ds.all_targets();
      std::vector<double> labels(static_cast<size_t>(ds.size()));  // indexed by record, as splits.h expects
      for (size_t i = 0; i < labels.size(); ++i) labels[i] = t[i * names.size() + col];
      ns.split = stratified_split(valid, labels, sizes, req.seed);
      break;
    }
    case SplitMethod::kfold: {
      HITFORGE_REQUIRE(req.folds >= 2, "--folds must be at least 2");
      std::vector<NamedSplit> out;
      auto folds = kfold(valid, req.folds, req.seed);
      for (size_t f = 0; f < folds.size(); ++f) {
        NamedSplit s = ns;
        s.name = str_cat(name, "_fold", f);
        s.sizes = str_cat("kfold:", req.folds);
        s.split = std::move(folds[f]);
        out.push_back(std::move(s));
      }
      return out;
    }
    default:
      break;
  }
  return {ns};
}

}  // namespace hitforge::data
