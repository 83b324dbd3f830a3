#pragma once
// Builds a drug–target pair dataset (layout: datasets/format.h, docs/dta.md) from
//   ligands   : JSON object id → SMILES, in file order (DeepDTA's ligands_can.txt); ligand i is record i;
//   proteins  : JSON object id → sequence, in file order (DeepDTA's proteins.txt), or FASTA (.fasta/.fa/.faa[.gz]);
//   affinities: either
//     * a matrix (DeepDTA's Y as text): one line per ligand, one whitespace-separated value per protein, "nan" (or
//       NaN/NA/empty) = not measured. Pairs are the measured cells in row-major order — exactly the order of
//       numpy.where(~isnan(Y)) that DeepDTA's fold files index — so pair k is fold-file index k. With folds:
//       DIR/train_fold_<setting>.txt (a JSON list of lists of pair indices, one list per training fold) and
//       DIR/test_fold_<setting>.txt (one JSON list);
//     * a long table (.csv/.tsv, optionally .gz) with a header: drug id column, protein id column, one or more
//       affinity columns, and optionally a fold column (values such as "0".."4" and "test").
// Each ligand is parsed and featurised once (graph + Morgan by default, through the featuriser registry) and each
// protein tokenised once (chem::ProteinTokenizer) and cropped by the documented rule (the first max_length
// residues, DeepDTA's 1000 by default). Nothing aborts for one bad entry: an unparsable SMILES, a sequence with a
// non-residue character, a missing or non-numeric affinity, a non-positive Kd under the pKd transform, or an id the
// ligand/protein files do not know becomes an invalid ligand, protein or pair with a reason, and every index keeps
// matching the source files. Structural problems (a matrix row of the wrong width, a fold index out of range or
// listed twice, a duplicated id) are UsageErrors naming the file and line/index.
//
// Splits written with the file: `<fold_setting>` (method "folds": train = the training folds minus `valid_fold`,
// valid = `valid_fold`, test = the test fold) when folds are given, and "cold-drug" and "cold-target"
// (cold_sizes, seed) over all valid pairs.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "chem/mol_input.h"
#include "datasets/dataset_writer.h"

namespace hitforge::data {

struct PairBuildOptions {
  std::string ligands, proteins, affinities;   ///< input files (see the header)
  std::string output;                          ///< .h5, published atomically
  // matrix inputs
  std::string folds_dir;                       ///< directory with train_fold_<setting>.txt / test_fold_<setting>.txt
  std::string affinity_transform = "none";     ///< "none" | "pkd": Kd in nM → pKd = −log10(Kd / 1e9) (Davis)
  std::string label_name = "affinity";         ///< label name for matrix inputs (e.g. "pKd", "kiba_score")
  // table inputs
  std::string drug_column = "drug_id", protein_column = "protein_id";
  std::vector<std::string> label_columns;      ///< affinity columns (empty = the single column named label_name)
  std::string fold_column;                     ///< "" = no folds
  std::string test_fold_name = "test";         ///< the fold value that marks the test set
  // both
  std::string fold_setting = "setting1";       ///< fold file suffix, and the name of the fold split
  std::string valid_fold = "0";                ///< training fold held out for validation in the fold split
  std::string cold_sizes = "0.8,0.1,0.1";      ///< cold-drug / cold-target split fractions (pairs)
  std::uint64_t seed = 0;                      ///< cold splits
  std::int64_t protein_max_length = kDefaultProteinMaxLength;  ///< crop: the first N residues (0 = no crop)
  std::vector<std::string> featurizers = {"graph", "morgan:radius=2,bits=2048"};
  chem::ParseParams parse;
  bool canonical = true;
  int threads = 0;                             ///< 0 = core::configured_threads()
  WriterOptions writer;
  std::map<std::string, std::string> provenance;  ///< extra /provenance attributes (e.g. command, registry)
};

struct PairBuildSummary {
  std::int64_t ligands = 0, ligands_ok = 0, proteins = 0, proteins_ok = 0, pairs = 0, pairs_ok = 0;
  std::int64_t proteins_cropped = 0;                       ///< proteins longer than max_length
  std::map<std::string, std::int64_t> pairs_by_fold;       ///< fold name → valid pairs ("(none)" for no fold)
  std::vector<std::string> first_invalid;                  ///< "ligand 3 (id): reason", up to 20
  std::vector<NamedSplit> splits;                          ///< as written
  double seconds = 0;
};

PairBuildSummary build_pair_dataset(const PairBuildOptions& options);

/// Reads a JSON object of id → string in file order (ids must be unique). A value that is not a string gives
/// that entry an `error` instead of failing the file. UsageError for unreadable files, JSON syntax errors (with
/// the byte offset), a top-level value that is not an object, or a duplicated id.
struct IdString {
  std::string id, value, error;
};
std::vector<IdString> read_id_string_json(const std::string& path);

/// Proteins of a FASTA file (.fasta/.fa/.faa, optionally .gz; ids from the header's first word) or of a JSON object
/// id → sequence, in file order. UsageError for a file that lists an id twice.
std::vector<IdString> read_protein_file(const std::string& path);

/// Validates and tokenises proteins (chem::ProteinTokenizer, no <bos>/<eos>), cropping each to its first
/// `max_length` residues (kCropHead; 0 = no crop). An empty sequence, a non-residue character or an entry with an
/// `error` becomes an invalid row with its reason (and no tokens).
ProteinTable tokenize_proteins(const std::vector<IdString>& proteins, std::int64_t max_length);

}  // namespace hitforge::data
