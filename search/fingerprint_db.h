#pragma once
// A searchable fingerprint database built from a hitforge dataset's packed_bits block (docs/dataset-format.md):
// the valid records' fingerprints in a popcount-sorted FingerprintIndex keyed by dataset record index, plus the
// featuriser that made them, so queries are fingerprinted exactly like the database.
//
// The sorted index lives in memory and is rebuilt at load time rather than stored in the file: reading the block
// (HDF5 inflate) costs far more than the O(n) popcount sort, and a stored copy would double the file or tie the
// dataset format to one consumer (docs/similarity-search.md).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chem/featurizers/featurizer.h"
#include "chem/standardize.h"
#include "search/fingerprint_index.h"

namespace hitforge::search {

struct FingerprintDbInfo {
  std::string path;
  std::string block;          ///< /features/<block>
  std::string spec;           ///< featuriser spec of the block
  std::int64_t n_records = 0; ///< every record in the dataset
  std::int64_t n_indexed = 0; ///< records with status ok (the rest are skipped)
};

class FingerprintDb {
 public:
  /// Loads `block` (a packed_bits block) of the dataset at `path`; an empty `block` means the only packed_bits
  /// block. Throws core::UsageError for a missing file, a dataset without a packed_bits block (naming the blocks it
  /// has), several candidate blocks without `block`, or a block that is not packed_bits.
  static FingerprintDb load(const std::string& path, const std::string& block = "");

  const FingerprintDbInfo& info() const { return info_; }
  const FingerprintIndex& index() const { return index_; }

  /// Fingerprints a query (SMILES, or an MDL molblock when `molblock`) with the block's featuriser, parsed with the
  /// default molecule limits and standardised like the dataset (per its provenance). Returns index().words()
  /// uint64, or an empty vector with `reason` set when the molecule is invalid; never throws for bad input.
  /// `canonical`, if given, receives the canonical SMILES of the query. Thread-safe.
  std::vector<std::uint64_t> fingerprint(const std::string& text, std::string& reason, bool molblock = false,
                                         std::string* canonical = nullptr) const;

  /// ids and canonical SMILES of the given record indices (any order, duplicates allowed), read from the file
  /// on demand: only the rows asked for (in coalesced runs), never the whole columns.
  void lookup(const std::vector<std::int64_t>& records, std::vector<std::string>& ids,
              std::vector<std::string>& smiles) const;

 private:
  FingerprintDbInfo info_;
  FingerprintIndex index_;
  std::shared_ptr<const chem::Featurizer> featurizer_;
  bool standardize_ = false;
  chem::StandardizeParams standardize_params_;
};

}  // namespace hitforge::search
