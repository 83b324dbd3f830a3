#include "train/scaler.h"

#include <algorithm>
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

ColumnScaler ColumnScaler::fit_quantile(const std::vector<float>& values, std::size_t cols) {
  HITFORGE_CHECK(cols > 0 && values.size() % cols == 0, "scaler: ", values.size(), " values for ", cols, " columns");
  ColumnScaler s;
  s.knots.resize(cols);
  const size_t rows = values.size() / cols;
  std::vector<double> col;
  for (size_t c = 0; c < cols; ++c) {
    col.clear();
    for (size_t r = 0; r < rows; ++r)
      if (double v = values[r * cols + c]; std::isfinite(v)) col.push_back(v);
    if (col.empty()) continue;
    std::sort(col.begin(), col.end());
    auto& k = s.knots[c];
    k.resize(kQuantileKnots);
    for (size_t i = 0; i < kQuantileKnots; ++i) {
      // linear interpolation between order statistics at quantile i / (K - 1)
      const double pos = static_cast<double>(i) * static_cast<double>(col.size() - 1) / (kQuantileKnots - 1);
      const auto lo = static_cast<size_t>(pos);
      const size_t hi = std::min(lo + 1, col.size() - 1);
      k[i] = col[lo] + (pos - static_cast<double>(lo)) * (col[hi] - col[lo]);
    }
  }
  return s;
}

namespace {

/// Empirical CDF in [0, 1] of x over ascending knots at evenly spaced quantiles.
double quantile_of(const std::vector<double>& k, double x) {
  const auto lo = std::lower_bound(k.begin(), k.end(), x);
  const auto hi = std::upper_bound(lo, k.end(), x);
  const double last = static_cast<double>(k.size() - 1);
  if (lo != hi)  // x equals a run of knots: the run's middle
    return (static_cast<double>(lo - k.begin()) + static_cast<double>(hi - k.begin()) - 1.0) / (2.0 * last);
  if (hi == k.begin()) return 0.0;
  if (hi == k.end()) return 1.0;
  const auto i = static_cast<double>(hi - k.begin()) - 1.0;
  return (i + (x - *(hi - 1)) / (*hi - *(hi - 1))) / last;
}

}  // namespace

void ColumnScaler::transform(std::vector<float>& values, float missing_as) const {
  if (is_quantile()) {
    const size_t cols = knots.size();
    static const double kScale = std::sqrt(12.0);
    for (size_t i = 0; i < values.size(); ++i) {
      const auto& k = knots[i % cols];
      const float v = values[i];
      if (!std::isfinite(v) || k.empty())
        values[i] = std::isfinite(v) ? 0.0f : missing_as;
      else
        values[i] = static_cast<float>((quantile_of(k, v) - 0.5) * kScale);
    }
    return;
  }
  const size_t cols = mean.size();
  if (cols == 0) return;
  for (size_t i = 0; i < values.size(); ++i) {
    size_t c = i % cols;
    float v = values[i];
    values[i] = std::isfinite(v) ? static_cast<float>((v - mean[c]) / std[c]) : missing_as;
  }
}

void ColumnScaler::inverse(std::vector<float>& values) const {
  HITFORGE_CHECK(!is_quantile(), "the quantile map is only for input features; it has no inverse here");
  const size_t cols = mean.size();
  if (cols == 0) return;
  for (size_t i = 0; i < values.size(); ++i) {
    size_t c = i % cols;
    values[i] = static_cast<float>(values[i] * std[c] + mean[c]);
  }
}

nlohmann::json ColumnScaler::to_json() const {
  if (is_quantile()) return {{"quantiles", knots}};
  return {{"mean", mean}, {"std", std}};
}

ColumnScaler ColumnScaler::from_json(const nlohmann::json& j) {
  ColumnScaler s;
  if (j.is_null()) return s;
  if (j.contains("quantiles")) {
    s.knots = j.at("quantiles").get<std::vector<std::vector<double>>>();
    for (const auto& k : s.knots)
      HITFORGE_REQUIRE(k.empty() || (k.size() >= 2 && std::is_sorted(k.begin(), k.end())),
                       "quantile scaler in checkpoint has unsorted or too few knots");
    return s;
  }
  s.mean = j.at("mean").get<std::vector<double>>();
  s.std = j.at("std").get<std::vector<double>>();
  HITFORGE_REQUIRE(s.mean.size() == s.std.size(), "scaler in checkpoint has mismatched mean/std lengths");
  return s;
}

}  // namespace hitforge::train
