#pragma once
// Reader of the HDF5 dataset format v1 (datasets/format.h, docs/dataset-format.md): metadata, per-record columns,
// random access to feature rows, graphs, splits, and shuffled minibatches. Opening reads only metadata; rows are
// read on demand, so a dataset larger than memory can be iterated in batches.
#include <H5Cpp.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "chem/featurizers/featurizer.h"
#include "datasets/splits.h"

namespace hitforge::data {

struct FeatureBlockInfo {
  std::string name;   ///< group name under /features
  std::string spec;   ///< featuriser spec (make_featurizer(spec) rebuilds it)
  chem::FeatureKind kind = chem::FeatureKind::packed_bits;
  std::int64_t width = 0;
  std::int64_t row_bytes = 0;         ///< fixed-width kinds
  std::vector<std::string> columns;   ///< dense_f32
};

struct SplitInfo {
  std::string name, method;
  std::int64_t seed = 0;
  std::string sizes;
  Split split;
};

class Dataset {
 public:
  /// Opens read-only; throws UsageError for missing files, non-hitforge HDF5 files or unsupported versions.
  explicit Dataset(const std::string& path);

  const std::string& path() const { return path_; }
  std::int64_t size() const { return n_; }
  std::string attribute(const std::string& name) const;   ///< root string attribute, "" if absent
  std::string provenance(const std::string& key) const;   ///< /provenance attribute (e.g. "standardize"), "" if absent

  // Per-record columns (whole column; use the *_range variants for large files).
  std::vector<std::string> ids() const;
  std::vector<std::string> smiles() const;
  std::vector<std::string> inputs() const;
  std::vector<std::string> reasons() const;
  std::vector<std::uint8_t> status() const;
  std::vector<std::string> smiles_range(std::int64_t start, std::int64_t count) const;
  /// Indices of records with status ok.
  std::vector<std::int64_t> valid_indices() const;

  // Targets.
  const std::vector<std::string>& target_names() const { return target_names_; }
  const std::vector<std::string>& task_types() const { return task_types_; }
  /// Rows × n_targets, NaN = missing, for the given record indices (any order; duplicates allowed).
  std::vector<float> targets(const std::vector<std::int64_t>& indices) const;
  std::vector<float> all_targets() const;

  // Features.
  const std::vector<FeatureBlockInfo>& blocks() const { return blocks_; }
  const FeatureBlockInfo& block(const std::string& name) const;  ///< UsageError listing the blocks if absent
  /// Fixed-width rows for `indices` as raw bytes (rows × row_bytes; float32 for dense blocks).
  std::vector<std::uint8_t> read_fixed(const std::string& block, const std::vector<std::int64_t>& indices) const;
  /// Dense float32 rows (dense_f32 as stored; packed_bits unpacked to 0/1; counts as floats): rows × width.
  std::vector<float> read_dense(const std::string& block, const std::vector<std::int64_t>& indices) const;
  chem::MolGraph read_graph(const std::string& block, std::int64_t index) const;
  /// Token ids of one record (tokens blocks), and the block's vocabulary as JSON (chem::Vocabulary::from_json).
  std::vector<std::int32_t> read_tokens(const std::string& block, std::int64_t index) const;
  std::string vocabulary_json(const std::string& block) const;

  // Splits.
  std::vector<std::string> split_names() const;
  SplitInfo split(const std::string& name) const;  ///< UsageError listing the splits if absent

  // Pair data (drug–target; layout in datasets/format.h and docs/dta.md). The records are then the ligand table.
  bool has_pairs() const;
  std::int64_t n_pairs() const;
  std::vector<std::int64_t> pair_ligands() const;   ///< record index of each pair's ligand
  std::vector<std::int64_t> pair_proteins() const;  ///< protein index of each pair
  std::vector<std::string> pair_label_names() const;
  /// Pair labels, rows × n_labels (NaN = missing), for the given pair indices (any order; duplicates allowed).
  std::vector<float> pair_labels(const std::vector<std::int64_t>& pairs) const;
  std::vector<float> all_pair_labels() const;
  std::vector<std::uint8_t> pair_status() const;    ///< 0 ok, 1 invalid (all 0 in files without the column)
  std::vector<std::string> pair_reasons() const;
  std::vector<std::int64_t> pair_source_index() const;
  /// Indices of pairs with status ok.
  std::vector<std::int64_t> valid_pairs() const;
  /// Fold of each pair (-1 = none), the fold names and the test fold number; empty / -1 without folds.
  std::vector<std::int32_t> pair_folds() const;
  std::vector<std::string> pair_fold_names() const;
  std::int32_t pair_test_fold() const;

  // Protein table of pair data.
  std::int64_t n_proteins() const;
  std::vector<std::string> protein_ids() const;
  std::vector<std::string> protein_sequences() const;
  std::vector<std::uint8_t> protein_status() const;  ///< 0 ok, 1 invalid (all 0 in files without the column)
  std::vector<std::string> protein_reasons() const;
  /// Whether the proteins carry residue token ids (written by `dataset build --pairs`).
  bool has_protein_tokens() const;
  /// Cropped residue token ids of every protein, concatenated, and their offsets [p+1].
  void read_protein_tokens(std::vector<std::int32_t>& ids, std::vector<std::int64_t>& offsets) const;
  /// Token attributes: the crop rule, its length (0 = none) and the vocabulary JSON.
  std::string protein_crop() const;
  std::int64_t protein_max_length() const;
  std::string protein_vocabulary_json() const;

 private:
  H5::Group group(const std::string& path) const;
  std::string path_;
  H5::H5File file_;
  std::int64_t n_ = 0;
  std::vector<std::string> target_names_, task_types_;
  std::vector<FeatureBlockInfo> blocks_;
};

/// Writes (or replaces) the given splits in the dataset at `path`. The file is copied, modified and atomically
/// renamed, so a crash leaves the previous file intact.
void write_splits(const std::string& path, const std::vector<NamedSplit>& splits);

namespace detail {
/// Writes (or replaces) /splits/<name> groups under an open file's root (shared by write_splits and DatasetWriter).
void write_split_groups(H5::Group root, const std::vector<NamedSplit>& splits);
}  // namespace detail

/// Minibatches of `indices`: shuffled with `seed` (deterministic) when `shuffle`, last batch may be smaller.
std::vector<std::vector<std::int64_t>> make_batches(const std::vector<std::int64_t>& indices, std::size_t batch_size,
                                                    bool shuffle, std::uint64_t seed);

}  // namespace hitforge::data
