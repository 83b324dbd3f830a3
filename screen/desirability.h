#pragma once
// Desirability transforms and their aggregation: how raw scores (QED, SA, a predicted pIC50, a similarity...) become
// one number in [0, 1] that ranks a library or rewards a generator. The shapes follow the convention of REINVENT's
// score transformations; the exact formulas are below (and in docs/screening.md), so a recipe reads unambiguously.
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hitforge::screen {

/// One per-component transform, described in a recipe as {"type": ..., parameters}.
///   none            d = clamp(x, 0, 1)
///   sigmoid         d = 1 / (1 + 10^(-k · (x − m) · 10 / (high − low))),  m = (low + high) / 2      (rises)
///   reverse_sigmoid d = 1 − sigmoid(x)                                                            (falls)
///   double_sigmoid  d = sigmoid(x; low − w/2 … low + w/2) · reverse_sigmoid(x; high − w/2 … high + w/2) with
///                   w = width (default (high − low) / 2): a plateau near 1 between low and high
///   step            d = 1 if low ≤ x ≤ high else 0 (either bound may be omitted: open interval)
/// k defaults to 0.25 (d ≈ 0.053 at x = low, 0.5 at the midpoint, 0.947 at x = high). A NaN input gives d = 0.
struct Transform {
  enum class Type { none, sigmoid, reverse_sigmoid, double_sigmoid, step };
  Type type = Type::none;
  double low = 0.0, high = 1.0, k = 0.25, width = 0.0;
  bool has_low = false, has_high = false;  ///< step only: which bounds were given

  /// Throws UsageError naming the offending key (unknown type, missing low/high, low >= high...).
  static Transform from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  double operator()(double x) const;
};

enum class Aggregate { geometric, arithmetic };
Aggregate parse_aggregate(const std::string& text);
const char* to_string(Aggregate a);

/// Weighted mean of desirabilities d (each in [0, 1]) with positive weights w:
///   arithmetic: Σ w·d / Σ w;   geometric: Π d^(w / Σ w)  (0 as soon as one d is 0: a hard "no").
double aggregate(Aggregate how, const double* d, const double* w, std::size_t n);

}  // namespace hitforge::screen
