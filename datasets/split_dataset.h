#pragma once
// Computes named splits of a dataset file: the glue between datasets/splits.h (pure index functions) and the data
// they need (validity, canonical SMILES → Bemis–Murcko scaffolds, labels, drug–target pairs).
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace hitforge::data {

struct SplitRequest {
  std::string method = "random";   ///< random|scaffold|stratified|kfold|cold-drug|cold-target|cold-both|folds
  std::string sizes = "0.8,0.1,0.1";
  std::uint64_t seed = 0;
  std::string name;                ///< default: the method name ("kfold": NAME_fold0..k-1)
  int folds = 5;                   ///< kfold only
  std::string target;              ///< stratified: target column (default: the first)
  bool generic_scaffolds = false;  ///< scaffold: generic (all-carbon, single-bond) frameworks
  std::string valid_fold = "0";    ///< folds: name of the training fold held out for validation ("none" = none)
};

/// Splits over the valid records; for a pair dataset (Dataset::has_pairs) over the valid PAIRS, whatever the
/// method (see compute_pair_splits). Invalid records and pairs are never assigned.
std::vector<NamedSplit> compute_splits(const Dataset& dataset, const SplitRequest& request);

/// What pair splits need, from a dataset file or from a builder's tables before they are written.
struct PairSplitSource {
  std::vector<std::uint8_t> pair_status;       ///< [m] 0 ok
  std::vector<std::int64_t> pair_ligand;       ///< [m] ligand record index
  std::vector<std::int64_t> pair_protein;      ///< [m] protein index
  std::vector<float> labels;                   ///< [m, t]
  std::vector<std::string> label_names;        ///< [t]
  std::vector<std::int32_t> fold;              ///< [m] (-1 = none), empty without folds
  std::vector<std::string> fold_names;
  std::int32_t test_fold = -1;
  std::vector<std::uint8_t> ligand_status;     ///< [n] per ligand record
  std::vector<std::string> ligand_smiles;      ///< [n] canonical SMILES ("" when invalid)
  std::vector<std::string> protein_sequences;  ///< [p]
  static PairSplitSource read(const Dataset& dataset);
};

/// Pair splits. Candidates are the pairs with status ok whose ligand record is valid.
///   cold-drug / cold-target / cold-both group pairs by the drug's canonical SMILES and by the target's sequence
///     (upper-cased), not by id: Davis lists 442 kinase ids for 379 distinct sequences, so grouping by id would put
///     the same sequence on both sides of a "cold" split.
///   scaffold groups pairs by the Bemis–Murcko scaffold of their drug (an acyclic drug is a group of its own).
///   random, kfold: over pairs. stratified: on a pair label (request.target, default the first).
///   folds: the predefined folds (e.g. DeepDTA setting 1): test = the test fold, valid = request.valid_fold,
///     train = the other folds; UsageError naming the folds when the validation fold is the test fold or unknown.
std::vector<NamedSplit> compute_pair_splits(const PairSplitSource& source, const SplitRequest& request);

}  // namespace hitforge::data
