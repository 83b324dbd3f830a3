#pragma once
// The r_m² metric of QSAR validation (Roy et al., J. Comput. Chem. 2013, 34, 1071), reported for drug–target affinity
// next to MSE and the concordance index (DeepDTA, GraphDTA). Plain C++ so that any layer can use it; the concordance
// index lives in train/metrics.h.
//
// With observed y (targets) and predicted ŷ:
//   r²   = squared Pearson correlation of y and ŷ
//   k    = Σ y·ŷ / Σ ŷ²                       slope of y on ŷ through the origin
//   r0²  = 1 − Σ (y − k·ŷ)² / Σ (y − ȳ)²      coefficient of determination of that fit
//   r_m² = r² · (1 − √|r² − r0²|)
// DeepDTA's and GraphDTA's evaluation code computes r² · (1 − √|r⁴ − r0⁴|) instead (it squares the two terms once
// more); `rm2_deepdta` reproduces that, only for comparing with their published tables. The two agree when r² = r0².
//
// Conventions as in train/metrics.h: a NaN target skips the pair; a NaN prediction with a present target makes
// every value NaN; undefined values (fewer than 2 pairs, constant targets or predictions, all-zero predictions) are
// NaN. Mismatched lengths are UsageErrors.
#include <cstddef>
#include <vector>

namespace hitforge::core {

struct Rm2Terms {
  double r2 = 0, k = 0, r02 = 0;
  double rm2 = 0;          ///< Roy et al.
  double rm2_deepdta = 0;  ///< the variant in DeepDTA's / GraphDTA's code
  std::size_t n = 0;       ///< labelled pairs used
};

Rm2Terms rm2_terms(const std::vector<double>& preds, const std::vector<double>& targets);
Rm2Terms rm2_terms(const std::vector<float>& preds, const std::vector<float>& targets);
/// r_m² of Roy et al. (rm2_terms(...).rm2).
double rm2(const std::vector<double>& preds, const std::vector<double>& targets);
double rm2(const std::vector<float>& preds, const std::vector<float>& targets);

}  // namespace hitforge::core
