#pragma once
// Streaming screen of a compound library of any size with a ScoringFunction: chunks of records are scored in
// parallel and committed in input order; memory stays bounded (one chunk + the top-k) whatever the library size.
//
// Outputs (each CSV, or HDF5 when its name ends in .h5/.hdf5; the two can be mixed, e.g. --out top.h5 --all-scores
// all.csv):
//   top-k file   (--top-k K): the K best `ok` records, sorted by score (descending; ties by input index), with rank
//   stream file  every record of this shard in input order, with status ok | invalid | filtered and the reason;
//                it is --out itself when no top-k is asked for, else the optional --all-scores file
//   <out>.summary.json  counts by status and by filter, rate, score histograms; <out>.hist_<column>.svg plots
// Columns: [rank,]index,id,smiles,status,reason,score,d_<component>...,<raw columns>...,notes
//   (score and d_* are desirabilities in [0, 1]; raw columns are the scorers' values and model predictions).
// The HDF5 layout (one 1-D dataset per column, attributes with the recipe and column order) is described in
// screen/screen_output.h; an .h5 table holds exactly the values of the CSV one (parsed from the same 7-digit text).
//
// Scale-out: shard i of N keeps the records whose 0-based input index ≡ i (mod N) — deterministic, balanced, and
// needing no record count; `merge_top_k` combines shard top-k files into the top-k of the whole library (model
// predictions may differ in the last digit from a single run: float32 BLAS results depend on batch composition).
//
// Resume: after every chunk the stream file's new rows are fsync'ed and a state file (<out>.state.json: next input
// index, committed byte length of the stream, counts, current top-k) is published atomically. `resume` truncates
// the stream to its committed length and continues after the last committed record, so a run killed at any moment
// (kill -9, also while publishing) and resumed writes what an uninterrupted run writes: no lost, no duplicated
// records. The recipe, library (path and size), shard, top-k and chunk size must match the interrupted run's.
//
// HDF5 outputs and crashes: an HDF5 file being written is not crash-safe (a kill mid-write can leave its B-trees and
// free-space metadata inconsistent, and there is no "truncate to the committed length"), so an .h5 stream is staged
// exactly as a CSV one (<stream>.partial: fsync'ed CSV rows plus the committed byte length in the state) and only
// converted when publishing: streamed into a temporary .h5 next to the target, fsync'ed and renamed over it
// (core::AtomicFile), then the state and then the staging file are removed. A kill during the conversion leaves
// state + staging file, so --resume converts again; the .h5 appears only complete. The cost is one sequential
// re-read of the staged CSV at the end and disk space for both until it finishes. The top-k .h5 is written from the
// rows kept in memory (and in the state) in the same atomic way.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chem/molecule_reader.h"
#include "screen/scoring_function.h"

namespace hitforge::screen {

struct ScreenOptions {
  std::string library;          ///< .smi/.csv/.tsv/.sdf, optionally .gz
  chem::ReaderOptions reader;   ///< SMILES/id columns, format
  std::string out;              ///< top-k file when top_k > 0, else the stream of every record
  std::string all_scores;       ///< with top_k > 0: also stream every record here ("" = no)
  std::int64_t top_k = 0;       ///< 0 = no ranking, --out gets every record in input order
  int shard = 0, n_shards = 1;  ///< this process's slice: records with index % n_shards == shard
  bool resume = false;          ///< continue from <out>.state.json
  std::size_t chunk = 4096;     ///< records scored per batch (and committed per checkpoint)
  int threads = 1;
  bool progress = true;
  bool plots = true;  ///< histograms next to the summary
};

struct ScreenSummary {
  std::int64_t records = 0, ok = 0, invalid = 0, filtered = 0;
  std::vector<std::pair<std::string, std::int64_t>> by_filter;  ///< filter label → records it removed
  double seconds = 0;
  nlohmann::json to_json() const;
};

/// Runs the screen. Throws UsageError for unusable input/output paths, a resume whose state does not match (other
/// recipe, library, shard, top-k or chunk size) or no state to resume from, or (before screening) an .h5 output for
/// a recipe whose column names HDF5 cannot hold ('/' or a repeated name); never for bad molecules.
ScreenSummary run_screen(const ScoringFunction& scoring, const ScreenOptions& options);

/// Merges top-k files of shards (same recipe and columns) into the overall top-k: sorted by score descending, ties
/// by input index; re-ranked. Inputs may be CSV or .h5 (by content), mixed; `out` is written as HDF5 when it ends
/// in .h5/.hdf5, else CSV (an .h5 gets the recipe of the first .h5 input and the inputs as merged_from). Throws
/// UsageError naming a file that is not a top-k table or whose columns differ from the first one's, or a record
/// index that appears twice.
void merge_top_k(const std::vector<std::string>& inputs, const std::string& out, std::int64_t top_k);

/// Parses "i/N" (0 ≤ i < N). UsageError otherwise.
std::pair<int, int> parse_shard(const std::string& text);

}  // namespace hitforge::screen
