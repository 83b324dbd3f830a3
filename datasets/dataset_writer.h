#pragma once
// Streaming writer of the HDF5 dataset format v1 (datasets/format.h, docs/dataset-format.md). Rows arrive in
// chunks (RecordChunk) and are appended to extendible, chunked, compressed datasets, so memory stays bounded by the
// chunk size whatever the number of records. The file is written under a temporary name and published atomically
// by finish(); a writer destroyed without finish() (error, interruption) leaves nothing under the final name.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chem/featurizers/featurizer.h"
#include "datasets/pair_table.h"
#include "datasets/splits.h"

namespace hitforge::data {

/// Output of one featuriser for the rows of a chunk.
struct BlockChunk {
  std::vector<std::uint8_t> fixed;                          ///< fixed-width kinds: rows × row_bytes
  std::vector<float> atom_features, bond_features;          ///< graph kind, concatenated over rows
  std::vector<std::int32_t> bond_atoms;
  std::vector<std::int32_t> n_atoms, n_bonds;               ///< graph kind: per row
  std::vector<std::string> tokens;                          ///< tokens kind, concatenated over rows
  std::vector<std::int32_t> n_tokens;                       ///< tokens kind: per row
};

/// A block of consecutive records, in input order.
struct RecordChunk {
  std::vector<std::string> ids, inputs, smiles, reasons;
  std::vector<std::uint8_t> status;
  std::vector<std::int64_t> source_index, source_line;
  std::vector<float> targets;                               ///< rows × n_targets
  std::vector<BlockChunk> blocks;                           ///< one per featuriser, in schema order
  std::size_t size() const { return status.size(); }
  /// Sizes every per-row array for `n` rows (fixed blocks zero-filled) for a given schema.
  void resize(std::size_t n, std::size_t n_targets, const std::vector<const chem::Featurizer*>& featurizers);
};

struct DatasetSchema {
  std::vector<std::string> target_names;
  std::vector<const chem::Featurizer*> featurizers;  ///< not owned; must outlive the writer
  std::vector<std::string> block_names;              ///< one per featuriser; defaults to unique featuriser names
};

struct WriterOptions {
  int compression = 1;            ///< deflate level 0–9 (0 = none), with the shuffle filter; level 1 gives
                                  ///< nearly the size of level 4 on fingerprints at less CPU
  std::size_t chunk_rows = 4096;  ///< HDF5 chunk size in rows for per-record datasets
};

class DatasetWriter {
 public:
  DatasetWriter(const std::string& path, DatasetSchema schema, WriterOptions options = {});
  ~DatasetWriter();
  DatasetWriter(const DatasetWriter&) = delete;
  DatasetWriter& operator=(const DatasetWriter&) = delete;

  void append(const RecordChunk& chunk);
  std::int64_t rows() const;
  /// Task type per target ("regression"/"classification"), written at finish(). Default: inferred from the
  /// values seen (all non-missing values 0 or 1 → classification).
  void set_task_types(std::vector<std::string> task_types);
  /// Root-level provenance attribute (string); written at finish().
  void set_provenance(const std::string& key, const std::string& value);
  /// Optional drug–target pair tables (datasets/pair_table.h, docs/dta.md); each at most once, before finish().
  /// The records appended are then the ligand table. UsageError when the columns disagree in length or a pair
  /// names a protein or ligand row that does not exist.
  void write_proteins(const ProteinTable& proteins);
  void write_pairs(const PairTable& pairs);
  /// Short forms for callers with only ids and sequences / indices and labels: every row ok, no tokens, no folds.
  void write_proteins(const std::vector<std::string>& ids, const std::vector<std::string>& sequences);
  void write_pairs(const std::vector<std::int64_t>& ligand, const std::vector<std::int64_t>& protein,
                   const std::vector<float>& labels, const std::vector<std::string>& label_names);
  /// Named splits stored with the file (the layout of data::write_splits), so a builder needs no second copy.
  void write_splits(const std::vector<NamedSplit>& splits);
  /// Writes the remaining metadata, closes the file, fsyncs and renames it to its final name.
  void finish();
  /// Task types as they will be written: those set, else inferred from the values appended so far.
  std::vector<std::string> task_types() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Unique block names for a list of featurisers: "morgan", "morgan_2", ...
std::vector<std::string> default_block_names(const std::vector<const chem::Featurizer*>& featurizers);

}  // namespace hitforge::data
