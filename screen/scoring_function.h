#pragma once
// ScoringFunction: one object, described by a JSON recipe, that turns molecules into ranked scores. Shared by
// `hitforge screen`, the generator's reinforcement learning (reward) and the server.
//
// Recipe (docs/screening.md has the full reference and docs/recipes/ has examples):
//   {
//     "name": "drug-likeness triage",                      optional, copied to outputs
//     "standardize": "none" | "default" | "stage,stage",   optional, default "none" (chem/standardize.h)
//     "filters": [                                          hard filters, applied before any model runs
//       {"scorer": "pains", "max": 0},                      scorer by name, or a full object {"name": ..., ...}
//       {"scorer": "lipinski", "max": 1, "label": "ro5"},   "column" picks one of a scorer's columns (default first)
//       {"scorer": {"name": "smarts", "patterns": ["c1ccccc1"]}, "min": 1}    include list: at least one match
//     ],
//     "components": [                                       desirability components, each mapped to [0, 1]
//       {"scorer": "qed", "weight": 1},
//       {"scorer": "sa", "weight": 1, "transform": {"type": "reverse_sigmoid", "low": 2, "high": 6}},
//       {"model": "runs/esol_dmpnn", "target": "logS", "weight": 2,
//        "transform": {"type": "sigmoid", "low": -5, "high": -2}, "label": "solubility"}
//     ],
//     "aggregate": "geometric" | "arithmetic"               default geometric
//   }
// Relative paths (model run directories, reference files) are resolved against the recipe file's directory.
//
// Per record: parse (chem/mol_input.h limits) → standardise → hard filters in recipe order (scorers computed on
// demand; the first failure ends the record) → remaining chemistry scorers → model features → model predictions
// (batched) → transforms → weighted aggregate. Every record ends `ok` (score in [0, 1]),
// `invalid` (reason) or `filtered` (which filter and why). Results do not depend on the thread count.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chem/molecule_reader.h"
#include "datasets/dataset_writer.h"
#include "screen/desirability.h"

namespace hitforge::screen {

/// Scores of one batch of records, row-aligned with the input.
struct ScoredBatch {
  data::RecordChunk chunk;           ///< ids, input text, canonical SMILES, status, reasons, source indices
  std::vector<double> raw;           ///< rows × raw_columns(): scorer values and model predictions (NaN if absent)
  std::vector<double> desirability;  ///< rows × components(): transformed values (NaN unless ok)
  std::vector<double> score;         ///< rows: aggregate in [0, 1] (NaN unless ok)
  std::vector<std::string> notes;    ///< rows: scorer notes ("pains: ene_rhod_A(235)"), "" when none
  std::size_t size() const { return score.size(); }
};

class ScoringFunction {
 public:
  struct Options {
    std::string base_dir = ".";  ///< directory that relative paths in the recipe are resolved against
    std::string device = "cpu";  ///< torch device for model components
  };

  /// Builds from a recipe; UsageError naming the offending entry (unknown scorer or key, missing model, bad
  /// transform, a model target that does not exist...). Loads every model once.
  ScoringFunction(const nlohmann::json& recipe, const Options& options);
  /// Reads a recipe file (base_dir = its directory).
  static ScoringFunction from_file(const std::string& path, const std::string& device = "cpu");
  ~ScoringFunction();
  ScoringFunction(ScoringFunction&&) noexcept;
  ScoringFunction& operator=(ScoringFunction&&) noexcept;

  /// The recipe with every default spelled out (scorer parameters, transforms, weights); recorded in outputs.
  const nlohmann::json& resolved_recipe() const { return resolved_; }
  /// Names of ScoredBatch::raw columns: every scorer column, then per model target "<label>" and, for ensembles,
  /// "<label>_std".
  const std::vector<std::string>& raw_columns() const { return raw_columns_; }
  /// Component labels, in recipe order (ScoredBatch::desirability columns).
  const std::vector<std::string>& components() const { return component_labels_; }
  /// Filter labels, in recipe order.
  const std::vector<std::string>& filters() const { return filter_labels_; }

  /// Scores records[0..n) (as read by chem::MoleculeReader). Never throws for bad molecules. `threads` OpenMP
  /// threads for chemistry; model inference uses torch's intra-op threads (core/threads.h sets both).
  void score(const std::vector<chem::InputRecord>& records, std::size_t n, int threads, ScoredBatch& out) const;
  /// Convenience for callers holding SMILES (generator, server): record i has index i and id "".
  void score_smiles(const std::vector<std::string>& smiles, int threads, ScoredBatch& out) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  nlohmann::json resolved_;
  std::vector<std::string> raw_columns_, component_labels_, filter_labels_;
};

}  // namespace hitforge::screen
