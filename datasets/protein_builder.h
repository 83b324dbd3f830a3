#pragma once
// Builds a protein sequence dataset for protein language models (`hitforge dataset build --sequences A.fasta ...`;
// docs/protein.md): the /proteins table of datasets/format.h — ids, sequences, status, reason, length and residue
// tokens (chem::ProteinTokenizer, uncropped: the model's own length decides the crop at training time) — with no
// ligand records and no pairs, and a split "by_sequence" whose indices are protein rows.
//
// Split by sequence: identical sequences (after upper-casing) are one group, so no sequence is in two subsets even
// when the inputs repeat it (the FLIP secondary-structure and conservation sets share chains); groups are shuffled
// with the seed and assigned to test, then valid, until each holds its fraction of the valid proteins, the rest to
// train. Invalid proteins keep their rows with a reason and are in no subset.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "datasets/dataset_writer.h"
#include "datasets/pair_builder.h"

namespace hitforge::data {

inline constexpr const char* kSequenceSplit = "by_sequence";

/// Number of distinct sequences among the valid rows (status 0), compared after upper-casing — the identity the
/// by_sequence split groups by. Used by the builder's summary and by `dataset info`.
std::int64_t count_distinct_sequences(const std::vector<std::string>& sequences, const std::vector<std::uint8_t>& status);

struct ProteinBuildOptions {
  std::vector<std::string> inputs;    ///< FASTA (.fasta/.fa/.faa[.gz]) or JSON id → sequence, read in order
  std::string output;                 ///< .h5, published atomically
  double valid_fraction = 0.05, test_fraction = 0.05;
  std::uint64_t seed = 0;
  WriterOptions writer;
  std::map<std::string, std::string> provenance;  ///< extra /provenance attributes (e.g. command)
};

struct ProteinBuildSummary {
  std::int64_t proteins = 0, proteins_ok = 0, unique_sequences = 0;
  std::int64_t residues = 0;                  ///< over valid proteins
  std::vector<std::string> first_invalid;     ///< "protein 3 (id): reason", up to 20
  NamedSplit split;                           ///< as written
  double seconds = 0;
};

ProteinBuildSummary build_protein_dataset(const ProteinBuildOptions& options);

/// The "by_sequence" split (see above) of proteins with the given sequences and status (0 = ok).
Split sequence_split(const std::vector<std::string>& sequences, const std::vector<std::uint8_t>& status,
                     double valid_fraction, double test_fraction, std::uint64_t seed);

}  // namespace hitforge::data
