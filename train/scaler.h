#pragma once
// Column standardisation fitted on training rows only and stored in checkpoints: targets of regression tasks
// (the model learns z-scores; predictions are mapped back) and dense input features (descriptors: NaN and ±inf
// become 0 after scaling, i.e. the training mean).
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace hitforge::train {

struct ColumnScaler {
  std::vector<double> mean, std;  ///< per column; std is 1 for constant or all-missing columns
  /// Fits on `rows` × `cols` row-major values, skipping non-finite entries. `active[c] == false` leaves column c
  /// unscaled (mean 0, std 1), e.g. classification targets.
  static ColumnScaler fit(const std::vector<float>& values, std::size_t cols, const std::vector<bool>& active = {});
  /// In place: (x - mean) / std; non-finite inputs become `missing_as` (NaN keeps missing targets missing).
  void transform(std::vector<float>& values, float missing_as) const;
  /// In place: x * std + mean.
  void inverse(std::vector<float>& values) const;
  bool empty() const { return mean.empty(); }
  nlohmann::json to_json() const;
  static ColumnScaler from_json(const nlohmann::json& j);
};

}  // namespace hitforge::train
