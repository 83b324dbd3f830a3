#pragma once
// Computes named splits of a dataset file: the glue between datasets/splits.h (pure index functions) and the data
// they need (validity, canonical SMILES → Bemis–Murcko scaffolds, labels, drug–target pairs).
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace hitforge::data {

struct SplitRequest {
  std::string method = "random";   ///< random|scaffold|stratified|kfold|cold-drug|cold-target|cold-both
  std::string sizes = "0.8,0.1,0.1";
  std::uint64_t seed = 0;
  std::string name;                ///< default: the method name ("kfold": NAME_fold0..k-1)
  int folds = 5;                   ///< kfold only
  std::string target;              ///< stratified: target column (default: the first)
  bool generic_scaffolds = false;  ///< scaffold: generic (all-carbon, single-bond) frameworks
};

/// Splits over the valid records (or over the pairs, for cold-* methods). Invalid records are never assigned.
std::vector<NamedSplit> compute_splits(const Dataset& dataset, const SplitRequest& request);

}  // namespace hitforge::data
