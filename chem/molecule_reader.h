#pragma once
// Streaming readers for compound files: `.smi`, `.csv`, `.tsv`, `.sdf`, each optionally `.gz`.
// Records are produced one at a time (constant memory for any file size). A malformed record (wrong CSV field
// count, unterminated quote, SDF record without "M  END") is returned with `error` set, never thrown, so that the
// builder can account for it as an `invalid` record and carry on. Only I/O failures and unusable headers throw.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/progress.h"

namespace hitforge::chem {

struct InputRecord {
  std::int64_t index = 0;           ///< 0-based record number within the file
  std::int64_t line = 0;            ///< 1-based line where the record starts
  std::string id;                   ///< id column / .smi name / SDF title (or property); "" if none
  std::string text;                 ///< SMILES, or a molblock when is_molblock
  bool is_molblock = false;
  std::vector<std::string> values;  ///< ReaderOptions::value_cols in order ("" when missing)
  std::string error;                ///< non-empty: the record is malformed; `text` may be empty
};

struct ReaderOptions {
  std::string format;                   ///< "smi", "csv", "tsv", "sdf"; "" = from the file extension
  std::string smiles_col;               ///< CSV/TSV: SMILES column name ("" = auto: smiles, SMILES, canonical_smiles, ...)
  std::string id_col;                   ///< CSV/TSV column or SDF property holding the id ("" = none / SDF title)
  std::vector<std::string> value_cols;  ///< columns (or SDF properties) to carry, e.g. targets
};

class MoleculeReader {
 public:
  virtual ~MoleculeReader() = default;
  /// Opens `path` in the format given or implied by its extension. Throws UsageError for unknown formats,
  /// unreadable files, and CSV headers that lack a requested column (the message lists the columns present).
  static std::unique_ptr<MoleculeReader> open(const std::string& path, const ReaderOptions& options = {});
  /// Next record; false at end of file.
  virtual bool next(InputRecord& record) = 0;
  /// Fills `records` from the front with the next records, at most records.size() of them; returns how many
  /// (fewer only at end of file; 0 when none is left). The chunked reading of every streaming command.
  std::size_t next_chunk(std::vector<InputRecord>& records);
  /// Header columns (CSV/TSV), empty otherwise.
  virtual std::vector<std::string> columns() const { return {}; }
  virtual std::string format() const = 0;
};

/// "smi", "csv", "tsv" or "sdf" from the extension (".gz" stripped); throws UsageError if unknown.
std::string detect_format(const std::string& path);
/// Fast count of records for progress totals (uncompressed files only: newline or "$$$$" count); -1 if unknown.
std::int64_t count_records_fast(const std::string& path, const std::string& format);
/// A molecules/s progress bar over the records of an input file, with a total (percentage, ETA) when
/// count_records_fast can give one. Shared by everything that streams a compound file.
std::unique_ptr<core::ProgressBar> record_progress(const std::string& path, const std::string& format,
                                                   const std::string& label, bool enabled);
/// Splits one CSV/TSV line (RFC 4180 quoting on one line). Returns false on an unterminated quote.
bool split_delimited(std::string_view line, char delim, std::vector<std::string>& fields);

}  // namespace hitforge::chem
