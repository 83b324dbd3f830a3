#pragma once
// Featurisation of one chunk of input records, shared by `dataset build`, `predict` and screening: parse (safe
// limits) → optional standardisation → SMILES → every featuriser, one molecule per OpenMP iteration. Never throws
// for bad records: each row ends ok or invalid with a reason. Rows keep input order; results do not depend on the
// thread count.
#include <functional>
#include <string>
#include <vector>

#include "chem/featurizers/featurizer.h"
#include "chem/mol_input.h"
#include "chem/molecule_reader.h"
#include "chem/standardize.h"
#include "datasets/dataset_writer.h"

namespace hitforge::data {

struct FeaturizeOptions {
  chem::ParseParams parse;
  bool canonical = true;                  ///< canonical SMILES in RecordChunk::smiles (else the input SMILES)
  bool standardize = false;
  chem::StandardizeParams standardize_params;
  std::vector<std::string> value_cols;    ///< names of InputRecord::values, parsed as targets (for messages)
  int threads = 1;
  /// Optional per-molecule step between standardisation and the featurisers (screening computes its chemistry
  /// scores and hard filters here, on the molecule it already has). Called from OpenMP threads, each with its own
  /// row i; must be thread-safe. Returns "" to go on, or a reason, which ends the record as `filtered` (featurisers
  /// are then skipped and the row zero-filled); an exception ends it as `invalid` with the exception's text.
  std::function<std::string(std::size_t row, const RDKit::ROMol& mol)> visit;
};

/// Featurises records[0..n) into `out` (resized for the featurisers). Graph blocks are flattened into
/// BlockChunk's ragged arrays unless `graphs` is given, in which case graphs[b][i] keeps record i's graph for
/// block b (callers that batch graphs for a model, e.g. predict, avoid the copy).
void featurize_chunk(const std::vector<chem::InputRecord>& records, std::size_t n,
                     const std::vector<const chem::Featurizer*>& featurizers, const FeaturizeOptions& options,
                     RecordChunk& out, std::vector<std::vector<core::MolGraph>>* graphs = nullptr);

}  // namespace hitforge::data
