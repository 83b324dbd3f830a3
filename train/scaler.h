#pragma once
// Column standardisation fitted on training rows only and stored in checkpoints: targets of regression tasks
// (the model learns z-scores; predictions are mapped back) and dense input features (descriptors: NaN and ±inf
// become 0 after scaling, i.e. the training mean). Dense input features may instead be mapped through their
// empirical CDF on the training rows (fit_quantile: robust to the heavy tails of descriptors such as Ipc or BertzCT,
// in the spirit of Chemprop's CDF-normalised RDKit descriptors, but fitted on the user's own training data).
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace hitforge::train {

struct ColumnScaler {
  std::vector<double> mean, std;  ///< per column; std is 1 for constant or all-missing columns
  /// Quantile scaling instead (non-empty after fit_quantile): per column, the training values at `kQuantileKnots`
  /// evenly spaced quantiles (ascending; empty for an all-missing column).
  std::vector<std::vector<double>> knots;
  static constexpr std::size_t kQuantileKnots = 101;
  /// Fits on `rows` × `cols` row-major values, skipping non-finite entries. `active[c] == false` leaves column c
  /// unscaled (mean 0, std 1), e.g. classification targets.
  static ColumnScaler fit(const std::vector<float>& values, std::size_t cols, const std::vector<bool>& active = {});
  /// Fits the quantile map: a value becomes its empirical CDF u in [0, 1] (linear between knots; a value equal to a
  /// run of tied knots takes the run's middle), output as (u - 0.5) * sqrt(12) — bounded, unit variance on the
  /// training rows, monotone in x. Non-finite entries are skipped.
  static ColumnScaler fit_quantile(const std::vector<float>& values, std::size_t cols);
  /// In place: (x - mean) / std, or the quantile map; non-finite inputs become `missing_as` (NaN keeps missing
  /// targets missing).
  void transform(std::vector<float>& values, float missing_as) const;
  /// In place: x * std + mean (standardisation only).
  void inverse(std::vector<float>& values) const;
  bool empty() const { return mean.empty() && knots.empty(); }
  bool is_quantile() const { return !knots.empty(); }
  nlohmann::json to_json() const;
  static ColumnScaler from_json(const nlohmann::json& j);
};

}  // namespace hitforge::train
