#pragma once
// Registry of public benchmark datasets: where each file comes from (public URL), what it must hash to (sha256 of
// the file as mirrored under the data directory), how to read it (format, columns) and how it is usually evaluated
// (task, standard split, metric). The table itself is data, kept in one place (registry.cpp).
//
// Entry shapes:
//   * MoleculeNet sets (esol, freesolv, lipophilicity, bbbp, bace, tox21, hiv): one CSV each, from the chemprop
//     repository's data/ folder.
//   * davis, kiba: the long-format pairs table (primary file) plus the DeepDTA originals it was built from
//     (ligands_can.txt, proteins.txt, setting-1 folds, affinity matrix).
//   * moses, chembl31: predefined train/valid/test files (roles "train", "valid", "test", "test_scaffolds").
//   * flip-gb1-<split>, flip-secondary-structure, flip-conservation: FLIP protein tasks.
//   * dude-<target> (20 entries, family "dude"): one entry per DUD-E target, files with roles "actives" and
//     "decoys", because each target is evaluated on its own (per-target ROC-AUC / EF1%). all_datasets() filtered on
//     family == "dude" gives the whole benchmark.
//
// Files marked `derived` were re-packaged for the mirror (a subset, a long-format table, or gzip instead of the
// upstream zip): their sha256 still guards the local copy, but their URL names the upstream origin and downloading
// it would not reproduce the file, so resolve_dataset_file() never downloads them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/splits.h"

namespace hitforge::data {

/// Environment variable naming the data directory (see resolve_data_dir).
inline constexpr const char* kDataDirEnv = "HITFORGE_DATA_DIR";

enum class TaskType { regression, classification, generation };
/// "regression" | "classification" | "generation" (unlabeled molecules for generative models).
std::string task_type_name(TaskType task);

struct DatasetFile {
  std::string path;             ///< relative to the data directory, '/'-separated
  std::string url;              ///< public origin (a direct download unless `derived`)
  std::string sha256;           ///< of the file as mirrored: 64 lowercase hex digits
  std::int64_t size_bytes = 0;  ///< of the file as mirrored
  std::string role;             ///< "data", "pairs", "train", "valid", "test", "actives", "decoys", "ligands", ...
  bool derived = false;         ///< re-packaged from `url`; verifiable but not downloadable as is
};

struct DatasetInfo {
  std::string name;                  ///< lowercase, e.g. "esol", "dude-ada"
  std::vector<std::string> aliases;  ///< other accepted names, e.g. "delaney"
  std::string family;                ///< "moleculenet", "deepdta", "moses", "chembl", "flip", "dude"
  std::string description;
  std::vector<DatasetFile> files;    ///< files[0] is the primary file
  /// "csv", "csv.gz", "smi.gz", "ism" (whitespace-separated "SMILES id..."), "fasta.gz".
  std::string format;
  /// Column names for files with a header. For headerless formats (smi, ism) "#N" names the N-th
  /// whitespace-separated field (1-based). Empty when the file has no such column.
  std::string smiles_column, id_column, sequence_column;
  std::vector<std::string> target_columns;
  std::vector<std::string> pair_columns;  ///< {drug id column, target id column} for drug–target pair tables
  std::string split_column;               ///< column (or FASTA header key) carrying a predefined split, if any
  TaskType task = TaskType::regression;
  /// A parse_split_method() name ("random", "scaffold"), "predefined" (the files or split_column carry the split)
  /// or "none" (evaluated without training, e.g. DUD-E).
  std::string standard_split;
  std::optional<SplitSizes> split_sizes;  ///< for random/scaffold standard splits (0.8/0.1/0.1)
  std::string metric;                     ///< primary metric: "rmse", "roc_auc", "mse", "spearman", ...
  std::vector<std::string> extra_metrics;
  std::string licence;                    ///< licence of the source and what to cite

  const DatasetFile& primary() const { return files.front(); }
  /// The file with `role`; UsageError listing the roles if none has it.
  const DatasetFile& file(std::string_view role) const;
};

/// Every registered dataset, in table order. Parsed once (thread-safe); the table is validated on first use.
const std::vector<DatasetInfo>& all_datasets();
/// Names in table order.
std::vector<std::string> dataset_names();
/// Looks a dataset up by name or alias, case-insensitively ('_' and '-' equivalent). UsageError listing the names.
const DatasetInfo& find_dataset(std::string_view name);

/// The directory holding the public-dataset mirror, absolute. Precedence:
///   1. `flag_value` when non-empty (e.g. --data-dir);
///   2. the HITFORGE_DATA_DIR environment variable when set and non-empty;
///   3. ./../shared/data relative to the current directory, when it exists;
///   4. <hitforge source dir>/../shared/data (the build's PROJECT_SOURCE_DIR), when it exists.
/// An explicit flag or variable naming a missing directory is an error (it never falls through to the next
/// choice). UsageError saying how to set the directory when none is found.
std::string resolve_data_dir(const std::string& flag_value);

/// Throws UsageError naming the path and the expected and actual digests when `path` does not hash to
/// `expected_sha256` (hex, either case).
void verify_sha256(const std::string& path, const std::string& expected_sha256);

/// Local path of `file` under `data_dir`.
///   present: returned, after verify_sha256 when `verify_checksum`;
///   missing and `allow_download` (and not derived): fetched with `curl -fL` (run directly, no shell) into a
///     temporary file in the destination directory, verified (always), then renamed into place atomically, so an
///     interrupted or corrupt download never leaves a file under the final name;
///   otherwise: UsageError saying where the file was expected and how to get it.
/// Download failures (offline, HTTP error, curl missing, read-only data directory) are UsageErrors naming the URL.
std::string resolve_file(const DatasetFile& file, const std::string& data_dir, bool verify_checksum,
                         bool allow_download);
/// resolve_file() of the dataset's primary file.
std::string resolve_dataset_file(const DatasetInfo& info, const std::string& data_dir, bool verify_checksum,
                                 bool allow_download);

}  // namespace hitforge::data
