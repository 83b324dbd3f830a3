#pragma once
// The tables `hitforge screen` writes (top-k and all-records files) in CSV or HDF5: the column layout, the HDF5
// format, a writer that builds an .h5 table from CSV rows, and a reader that gives the rows of either format back as
// CSV text.
//
// CSV row text is the common currency on purpose: the runner formats every record once (numbers with 7 significant
// digits, core::csv_field quoting), stages the all-records stream as fsync'ed CSV, keeps the top-k rows in its state
// file, and ranks by the written score. Building the .h5 from that same text means an .h5 table holds exactly the
// values of the .csv one (a float64 parsed from the 7-digit text), so rankings agree whichever format a shard wrote
// and `merge` can mix formats.
//
// Columns: [rank,]index,id,smiles,status,reason,score,d_<component>...,<raw columns>...,notes
//
// HDF5 layout (root attribute format = "hitforge-screen", format_version = 1), one file per table:
//   /<column>    one 1-D dataset per column, named exactly as the CSV header names it, all n_rows long, rows in the
//                CSV's order (input order for all-records tables, rank order for top-k tables):
//                  rank, index                             int64
//                  id, smiles, status, reason, notes       variable-length UTF-8 strings ("" where the CSV is empty)
//                  score, d_<component>..., raw columns    float64, NaN where the CSV field is empty (no value)
//                chunked by 4096 rows, shuffle + deflate level 1 (as datasets/dataset_writer.cpp).
//   attributes of /:
//     format, format_version, hitforge_version   strings / int64
//     kind          "top_k" (first column is rank) or "records"
//     columns       the column names in CSV order (string array; the datasets have no order of their own)
//     n_rows        int64
//     recipe        the resolved recipe as JSON text (absent when unknown: a merge of CSV shard files only)
//     library, shard  the screened library path and "i/N" (screen outputs only)
//     merged_from   the input files (merge outputs only)
// Column names become dataset names, so an .h5 output refuses a recipe whose columns contain '/' or repeat a name.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace hitforge::screen {

/// True when `path` ends in .h5 or .hdf5 (any case): outputs with such names are written as HDF5, all others as CSV.
bool is_hdf5_path(const std::string& path);

/// A number as the tables write it: 7 significant digits, "" for NaN.
std::string format_number(double v);

/// The table's columns for a recipe's component labels and raw columns; `ranked` prepends "rank".
std::vector<std::string> table_columns(const std::vector<std::string>& components,
                                       const std::vector<std::string>& raw_columns, bool ranked);

/// The CSV header line (no newline) for `columns`.
std::string table_header(const std::vector<std::string>& columns);

/// Throws UsageError (naming `path`) unless `columns` have the layout above.
void check_table_columns(const std::vector<std::string>& columns, const std::string& path);

/// Throws UsageError when a column cannot name an HDF5 dataset: empty, ".", containing '/', or repeated.
void check_hdf5_column_names(const std::vector<std::string>& columns);

/// What a table file says about itself besides its rows (HDF5 attributes; CSV files carry only the columns).
struct TableInfo {
  std::vector<std::string> columns;
  nlohmann::json recipe;  ///< null when unknown
  std::string library, shard;
  std::vector<std::string> merged_from;
};

/// Writes an HDF5 table (layout above) from CSV rows, buffering 4096 rows per column. The file is built under a
/// temporary name and appears under `path` only complete (commit(): fsync, rename, fsync of the directory); a writer
/// destroyed without commit() removes it.
class H5TableWriter {
 public:
  /// Validates the columns (check_table_columns, check_hdf5_column_names) and creates the temporary file.
  H5TableWriter(const std::string& path, TableInfo info);
  ~H5TableWriter();
  H5TableWriter(const H5TableWriter&) = delete;
  H5TableWriter& operator=(const H5TableWriter&) = delete;

  /// Appends one row given as CSV text (one field per column). `where` names the row's source in errors
  /// (e.g. "'all.h5.partial' line 12"); a field that is not a number where one is expected is a UsageError.
  void add_row(std::string_view csv_row, const std::string& where);
  std::int64_t rows() const;
  /// Flushes, writes the attributes and publishes the file atomically.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads a table written by `hitforge screen` (or merge) row by row, as CSV text in the columns' order.
class TableReader {
 public:
  /// HDF5 when the file has HDF5's signature, else CSV (by content, so a misnamed file still reads). UsageError
  /// naming `path` if it is unreadable or not a screen table.
  static std::unique_ptr<TableReader> open(const std::string& path);
  virtual ~TableReader() = default;

  const TableInfo& info() const { return info_; }
  const std::vector<std::string>& columns() const { return info_.columns; }
  /// The CSV header line (no newline) for these columns.
  std::string header() const;
  /// The next row as CSV text without a newline; false at the end.
  virtual bool next(std::string& row) = 0;
  /// Where the last row came from, for messages: "'<path>' line 12" (CSV) or "'<path>' row 11" (HDF5, 0-based).
  virtual std::string where() const = 0;

 protected:
  TableInfo info_;
};

/// Builds the HDF5 table `h5_path` from the CSV table `csv_path` (streaming, bounded memory); `info.columns` must
/// equal the CSV's header, else UsageError naming both files.
void convert_csv_to_hdf5(const std::string& csv_path, const std::string& h5_path, const TableInfo& info);

}  // namespace hitforge::screen
