#include "train/scaler.h"

#include <cmath>

#include "core/error.h"

namespace hitforge::train {

ColumnScaler ColumnScaler::fit(const std::vector<float>& values, std::size_t cols, const std::vector<bool>& active) {
  HITFORGE_CHECK(cols > 0 && values.size() % cols == 0, "scaler: ", values.size(), " values for ", cols, " columns");
  ColumnScaler s;
  s.mean.assign(cols, 0.0);
  s.std.assign(cols, 1.0);
  const size_t rows = values.size() / cols;
  for (size_t c = 0; c < cols; ++c) {
    if (!active.empty() && !active[c]) continue;
    double sum = 0, sq = 0;
    size_t n = 0;
    for (size_t r = 0; r < rows; ++r) {
      double v = values[r * cols + c];
      if (!std::isfinite(v)) continue;
      sum += v;
      ++n;
    }
    if (n == 0) continue;
    double m = sum / n;
    for (size_t r = 0; r < rows; ++r) {
      double v = values[r * cols + c];
      if (std::isfinite(v)) sq += (v - m) * (v - m);
    }
    double sd = n > 1 ? std::sqrt(sq / n) : 0.0;
    s.mean[c] = m;
    s.std[c] = sd > 1e-12 ? sd : 1.0;
  }
  return s;
}

void ColumnScaler::transform(std::vector<float>& values, float missing_as) const {
  const size_t cols = mean.size();
  if (cols == 0) return;
  for (size_t i = 0; i < values.size(); ++i) {
    size_t c = i % cols;
    float v = values[i];
    values[i] = std::isfinite(v) ? static_cast<float>((v - mean[c]) / std[c]) : missing_as;
  }
}

void ColumnScaler::inverse(std::vector<float>& values) const {
  const size_t cols = mean.size();
  if (cols == 0) return;
  for (size_t i = 0; i < values.size(); ++i) {
    size_t c = i % cols;
    values[i] = static_cast<float>(values[i] * std[c] + mean[c]);
  }
}

nlohmann::json ColumnScaler::to_json() const { return {{"mean", mean}, {"std", std}}; }

ColumnScaler ColumnScaler::from_json(const nlohmann::json& j) {
  ColumnScaler s;
  if (j.is_null()) return s;
  s.mean = j.at("mean").get<std::vector<double>>();
  s.std = j.at("std").get<std::vector<double>>();
  HITFORGE_REQUIRE(s.mean.size() == s.std.size(), "scaler in checkpoint has mismatched mean/std lengths");
  return s;
}

}  // namespace hitforge::train
