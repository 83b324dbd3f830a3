#pragma once
// Builds an HDF5 dataset (format v1) from a compound file of any size, streaming:
//   read a chunk of records (one thread) → parse, standardise, canonicalise and featurise them (OpenMP, one
//   molecule per iteration) → append the chunk to the HDF5 file (a writer thread, overlapping the next chunk).
// Memory is bounded by a few chunks whatever the input size. Every record is written: `ok`, or `invalid` with the
// reason (malformed line, parse/sanitisation failure, limits, bad target value, featuriser failure). Output rows
// are in input order and identical for any thread count.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "chem/mol_input.h"
#include "chem/molecule_reader.h"
#include "chem/standardize.h"
#include "datasets/dataset_writer.h"

namespace hitforge::data {

struct BuildOptions {
  std::string input;                            ///< .smi/.csv/.tsv/.sdf[.gz]
  std::string output;                           ///< .h5, published atomically
  chem::ReaderOptions reader;                   ///< value_cols = target columns
  std::vector<std::string> task_types;          ///< per target, or one for all; empty = inferred
  std::vector<std::string> featurizers = {"morgan:radius=2,bits=2048"};
  chem::ParseParams parse;
  bool canonical = true;                        ///< canonical SMILES in records/smiles (false: the input SMILES,
                                                ///< saving ~25% of the work; SDF records are always canonicalised)
  bool standardize = false;                     ///< off by default: records are kept as given
  chem::StandardizeParams standardize_params;
  int threads = 0;                              ///< 0 = configured thread count (core::configured_threads)
  std::size_t chunk_records = 2048;             ///< records per processing chunk
  WriterOptions writer;
  bool progress = true;
  std::map<std::string, std::string> provenance;  ///< extra provenance attributes (e.g. command line)
};

struct BuildSummary {
  std::int64_t records = 0, ok = 0, invalid = 0;
  std::map<std::string, std::int64_t> invalid_by_kind;               ///< reason category → count
  std::vector<std::pair<std::int64_t, std::string>> first_invalid;   ///< (record index, "id: reason"), up to 20
  double seconds = 0;
  std::vector<std::string> task_types;
};

BuildSummary build_dataset(const BuildOptions& options);

/// Parses a target value: "" / nan / NA / N/A / null / None → NaN; otherwise the whole text must be a number.
/// Returns false (and leaves `out` untouched) when it is not.
bool parse_target_value(const std::string& text, float& out);
/// The category of a reason for summaries: text before the first ':' or '(' (trimmed).
std::string reason_kind(const std::string& reason);

}  // namespace hitforge::data
