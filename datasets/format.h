#pragma once
// HDF5 dataset format v1 — names used by the writer and the reader. The full description (with shapes, dtypes and
// an h5py example) is docs/dataset-format.md; keep the two in step.
#include <cstdint>

namespace hitforge::data::fmt {

inline constexpr const char* kFormatName = "hitforge-dataset";
inline constexpr std::int64_t kFormatVersion = 1;

// Root attributes: format, format_version, hitforge_version, created_utc, n_records.
inline constexpr const char* kRecords = "records";        // group, one row per input record (valid or not)
inline constexpr const char* kId = "id";                  //   str[n]
inline constexpr const char* kInput = "input";            //   str[n]   SMILES as given ("" for SDF input)
inline constexpr const char* kSmiles = "smiles";          //   str[n]   canonical SMILES ("" when invalid)
inline constexpr const char* kStatus = "status";          //   uint8[n] 0 ok, 1 invalid (chem::RecordStatus)
inline constexpr const char* kReason = "reason";          //   str[n]   "" when ok
inline constexpr const char* kSourceIndex = "source_index"; // int64[n] record number in the source file
inline constexpr const char* kSourceLine = "source_line"; //   int64[n] 1-based line in the source file

inline constexpr const char* kTargets = "targets";        // group: values float32[n, t] (NaN = missing);
inline constexpr const char* kValues = "values";          //        attrs names str[t], task_types str[t]

inline constexpr const char* kFeatures = "features";      // group of blocks, one per featuriser
// Fixed-width block: dataset "data" — uint8[n, ceil(bits/8)] (packed_bits, LSB-first), uint8[n, width]
// (counts_u8) or float32[n, width] (dense_f32); attrs spec, kind, width (+ columns for dense_f32).
inline constexpr const char* kData = "data";
// Graph block: atom_features float32[A, d_atom], bond_features float32[B, d_bond], bond_atoms int32[B, 2],
// atom_offsets int64[n+1], bond_offsets int64[n+1] (record i owns rows offsets[i]..offsets[i+1]).
inline constexpr const char* kAtomFeatures = "atom_features";
inline constexpr const char* kBondFeatures = "bond_features";
inline constexpr const char* kBondAtoms = "bond_atoms";
inline constexpr const char* kAtomOffsets = "atom_offsets";
inline constexpr const char* kBondOffsets = "bond_offsets";

// Tokens block: ids int32[T], offsets int64[n+1]; attrs vocabulary (JSON of chem::Vocabulary), vocab_size.
inline constexpr const char* kTokenIds = "ids";
inline constexpr const char* kTokenOffsets = "offsets";

inline constexpr const char* kSplits = "splits";          // group: <name>/{train,valid,test} int64[], attrs method, seed, sizes
inline constexpr const char* kProvenance = "provenance";  // group: attrs source_path, source_sha256, ...

// Drug–target pair data (optional; docs/dta.md). The ligands are the /records (one per drug, featurised once).
//   proteins/{id, sequence, reason} str[p], status uint8[p], length int64[p] (residues before cropping);
//   proteins/tokens/{ids int32[T], offsets int64[p+1]}: residue ids of chem::ProteinTokenizer (no <bos>/<eos>),
//     cropped by the rule in attrs crop ("head" = the first max_length residues) and max_length (0 = none);
//     attrs vocabulary (JSON), vocab_size. Invalid proteins own no tokens.
//   pairs/{ligand, protein} int64[m] (record index of the ligand, index into /proteins), label float32[m, t] with
//     attr names, status uint8[m], reason str[m], source_index int64[m] (pair number in the source),
//     fold int32[m] (-1 = none) with attrs names str[k] (fold number → name) and test_fold (int64, -1 = none).
// Files written before these were added hold only proteins/{id,sequence} and pairs/{ligand,protein,label}; readers
// treat the missing columns as "ok" / "no fold".
inline constexpr const char* kProteins = "proteins";
inline constexpr const char* kSequence = "sequence";
inline constexpr const char* kLength = "length";
inline constexpr const char* kTokens = "tokens";
inline constexpr const char* kPairs = "pairs";
inline constexpr const char* kLigand = "ligand";
inline constexpr const char* kProtein = "protein";
inline constexpr const char* kLabel = "label";
inline constexpr const char* kFold = "fold";

}  // namespace hitforge::data::fmt
