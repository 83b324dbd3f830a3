// Column scalers stored in checkpoints: z-scores, and the quantile (empirical CDF) map for heavy-tailed descriptors.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "train/scaler.h"

using hitforge::train::ColumnScaler;

TEST_CASE("standard scaler: z-scores on the fitted rows, missing values become the given value", "[train]") {
  // two columns: 1, 2, 3 and 10, 10, 10 (constant: std 1)
  std::vector<float> v = {1, 10, 2, 10, 3, 10};
  auto s = ColumnScaler::fit(v, 2);
  CHECK(s.mean[0] == Approx(2.0));
  CHECK(s.std[0] == Approx(std::sqrt(2.0 / 3.0)));
  CHECK(s.std[1] == 1.0);
  std::vector<float> x = {2, 11, std::numeric_limits<float>::quiet_NaN(), 10};
  s.transform(x, 0.0f);
  CHECK(x[0] == Approx(0.0).margin(1e-6));
  CHECK(x[1] == Approx(1.0));
  CHECK(x[2] == 0.0f);
  std::vector<float> back = {0.0f, 1.0f};
  s.inverse(back);
  CHECK(back[0] == Approx(2.0));
  CHECK(back[1] == Approx(11.0));
}

TEST_CASE("quantile scaler: bounded, monotone, unit variance on the training rows, ties share one value",
          "[train]") {
  // column 0: a heavy tail (0..998 and one 1e12); column 1: half zeros, half ones
  const size_t n = 1000;
  std::vector<float> v;
  for (size_t i = 0; i < n; ++i) {
    v.push_back(i + 1 == n ? 1e12f : static_cast<float>(i));
    v.push_back(i < n / 2 ? 0.0f : 1.0f);
  }
  auto s = ColumnScaler::fit_quantile(v, 2);
  REQUIRE(s.is_quantile());
  REQUIRE(s.knots.size() == 2);
  CHECK(s.knots[0].size() == ColumnScaler::kQuantileKnots);

  auto t = v;
  s.transform(t, 0.0f);
  const double bound = std::sqrt(3.0) + 1e-6;
  double sum = 0, sq = 0;
  for (size_t i = 0; i < n; ++i) {
    const double z = t[2 * i];
    CHECK(std::abs(z) <= bound);
    if (i > 0) CHECK(z >= t[2 * (i - 1)]);  // monotone in x
    sum += z;
    sq += z * z;
  }
  CHECK(sum / n == Approx(0.0).margin(0.01));
  CHECK(sq / n == Approx(1.0).epsilon(0.02));  // the outlier does not squash the other 999 values
  CHECK(t[2 * (n - 1)] == Approx(std::sqrt(3.0)));
  CHECK(t[0] == Approx(-std::sqrt(3.0)));
  // ties: every zero maps to one value, every one to another, symmetric about 0
  CHECK(t[1] == t[3]);
  CHECK(t[2 * (n - 1) + 1] == Approx(-t[1]));
  CHECK(t[1] < 0.0f);

  // values outside the training range clamp to the ends; missing becomes the given value
  std::vector<float> x = {-5.0f, 0.5f, 1e30f, 2.0f, std::numeric_limits<float>::infinity(), 0.5f};
  s.transform(x, 0.0f);
  CHECK(x[0] == Approx(-std::sqrt(3.0)));
  CHECK(x[1] == Approx(0.0).margin(1e-6));  // between the tied runs of 0s and 1s: the middle
  CHECK(x[2] == Approx(std::sqrt(3.0)));
  CHECK(x[3] == Approx(std::sqrt(3.0)));
  CHECK(x[4] == 0.0f);

  // round trip through the checkpoint JSON gives the same map; there is no inverse
  auto r = ColumnScaler::from_json(s.to_json());
  auto y = v;
  r.transform(y, 0.0f);
  CHECK(y == t);
  std::vector<float> back = {0.0f, 0.0f};
  CHECK_THROWS_AS(s.inverse(back), hitforge::core::InternalError);
}

TEST_CASE("quantile scaler from a checkpoint with unsorted knots is refused", "[train]") {
  nlohmann::json j = {{"quantiles", {{0.0, 2.0, 1.0}}}};
  CHECK_THROWS_WITH(ColumnScaler::from_json(j), Catch::Contains("unsorted"));
}
