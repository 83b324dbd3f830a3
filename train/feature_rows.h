#pragma once
// In-memory model inputs for a set of molecules, gathered once from a dataset (training) or from freshly
// featurised records (predict), then cut into batches. Fingerprint bits stay packed (256 bytes per 2048-bit
// molecule) and are expanded per batch, densely or as sparse indices, whichever the model prefers.
#include <cstdint>
#include <string>
#include <vector>

#include "chem/featurizers/featurizer.h"
#include "core/mol_graph.h"
#include "datasets/dataset.h"
#include "datasets/dataset_writer.h"
#include "models/property_model.h"
#include "train/scaler.h"

namespace hitforge::train {

/// Which dataset blocks feed the model.
struct InputSpec {
  std::string block;                 ///< main input: packed_bits / counts_u8 / dense_f32 (fp_mlp) or graph (dmpnn)
  chem::FeatureKind kind = chem::FeatureKind::packed_bits;
  std::int64_t width = 0;            ///< bits / columns / atom feature size
  std::int64_t bond_width = 0;       ///< graph blocks
  std::string extra_block;           ///< optional dense_f32 block of molecule-level features (graph models)
  std::int64_t extra_width = 0;
  nlohmann::json to_json() const;
  static InputSpec from_json(const nlohmann::json& j);
  /// Resolves block names against a dataset (kinds and widths from the file); UsageError when absent.
  static InputSpec resolve(const data::Dataset& ds, const std::string& block, const std::string& extra_block);
};

class FeatureRows {
 public:
  /// Reads rows `records` of the dataset's input blocks.
  static FeatureRows load(const data::Dataset& ds, const std::vector<std::int64_t>& records, const InputSpec& spec);
  /// Rows from a featurised chunk (predict path); `graphs[b]` as kept by data::featurize_chunk. Takes the rows
  /// listed in `rows` (e.g. the valid ones).
  static FeatureRows from_chunk(const data::RecordChunk& chunk, std::vector<std::vector<core::MolGraph>>& graphs,
                                const std::vector<std::size_t>& rows, const InputSpec& spec,
                                std::size_t input_block_index, int extra_block_index);

  std::size_t size() const { return n_; }
  /// Fits input scalers on these rows (dense inputs and extra features) — call on training rows only.
  /// `scaling`: "standard" (z-scores) or "quantile" (ColumnScaler::fit_quantile) for dense features.
  void fit_scalers(ColumnScaler& input_scaler, ColumnScaler& extra_scaler,
                   const std::string& scaling = "standard") const;
  /// Applies the scalers in place (NaN/inf → 0 after scaling).
  void apply_scalers(const ColumnScaler& input_scaler, const ColumnScaler& extra_scaler);
  /// A batch of rows (indices into this object) in the model's preferred form.
  models::ModelInput batch(const std::vector<std::int64_t>& rows, models::ModelInput::Kind kind) const;

 private:
  InputSpec spec_;
  std::size_t n_ = 0;
  std::vector<std::uint8_t> packed_;  ///< packed_bits rows
  std::vector<float> dense_;          ///< counts / dense rows as float
  std::vector<core::MolGraph> graphs_;
  std::vector<float> extra_;
};

}  // namespace hitforge::train
