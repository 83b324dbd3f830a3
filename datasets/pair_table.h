#pragma once
// In-memory drug–target tables as the pair builder produces them and the dataset writer stores them (layout in
// datasets/format.h and docs/dta.md). Plain C++: no HDF5, no RDKit, no LibTorch.
//
// Index conventions: a protein index is a row of ProteinTable; a ligand index is a record index of the dataset's
// /records (the ligand table). Rows are never removed: an invalid protein or pair keeps its row with status 1 and a
// one-line reason, so indices always match the source files (DeepDTA's drug_index / protein_index / pair number).
#include <cstdint>
#include <string>
#include <vector>

namespace hitforge::data {

/// Crop rule for long protein sequences. kCropHead keeps the first `max_length` residues (DeepDTA's rule: it
/// truncates every sequence to 1000 residues for Davis and KIBA), so results stay comparable with its tables.
inline constexpr const char* kCropHead = "head";
/// DeepDTA's protein length for Davis and KIBA.
inline constexpr std::int64_t kDefaultProteinMaxLength = 1000;

struct ProteinTable {
  std::vector<std::string> ids, sequences;     ///< [p] as given (sequences uncropped)
  std::vector<std::uint8_t> status;            ///< [p] 0 ok, 1 invalid
  std::vector<std::string> reasons;            ///< [p] "" when ok
  std::vector<std::int64_t> lengths;           ///< [p] residues before cropping
  std::vector<std::int32_t> token_ids;         ///< residue ids (chem::ProteinTokenizer), cropped, concatenated
  std::vector<std::int64_t> token_offsets;     ///< [p+1]: protein i owns token_ids[offsets[i], offsets[i+1])
  std::int64_t max_length = 0;                 ///< crop length (0 = no crop)
  std::string crop = kCropHead;                ///< crop rule name
  std::string vocabulary_json;                 ///< chem::Vocabulary JSON of the token ids
  std::int64_t vocab_size = 0;
  std::size_t size() const { return ids.size(); }
};

struct PairTable {
  std::vector<std::int64_t> ligand;            ///< [m] record index of the ligand (-1 when the drug id is unknown)
  std::vector<std::int64_t> protein;           ///< [m] protein index (-1 when the protein id is unknown)
  std::vector<float> labels;                   ///< [m, t] row-major, NaN = missing
  std::vector<std::string> label_names;        ///< [t]
  std::vector<std::uint8_t> status;            ///< [m] 0 ok, 1 invalid (bad ligand, protein or affinity)
  std::vector<std::string> reasons;            ///< [m] "" when ok
  std::vector<std::int64_t> source_index;      ///< [m] pair number in the source (DeepDTA: the fold files' index)
  std::vector<std::int32_t> fold;              ///< [m] fold number, -1 = none (empty: no folds at all)
  std::vector<std::string> fold_names;         ///< fold number → name, e.g. {"0", "1", "2", "3", "4", "test"}
  std::int32_t test_fold = -1;                 ///< the fold number that is the test set (-1 = none)
  std::size_t size() const { return ligand.size(); }
};

}  // namespace hitforge::data
