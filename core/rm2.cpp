#include "core/rm2.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace hitforge::core {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
Rm2Terms compute(const std::vector<T>& preds, const std::vector<T>& targets) {
  HITFORGE_REQUIRE(preds.size() == targets.size(), "rm2: ", preds.size(), " predictions for ", targets.size(),
                   " targets");
  Rm2Terms t;
  // Two passes in double over the labelled pairs: means first, then centred sums (stable for pKd-sized values).
  double sy = 0, sp = 0;
  bool nan_pred = false;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (std::isnan(static_cast<double>(targets[i]))) continue;
    nan_pred = nan_pred || std::isnan(static_cast<double>(preds[i]));
    sy += targets[i];
    sp += preds[i];
    ++t.n;
  }
  auto undefined = [&] {
    t.r2 = t.k = t.r02 = t.rm2 = t.rm2_deepdta = kNaN;
    return t;
  };
  if (nan_pred || t.n < 2) return undefined();
  const double my = sy / static_cast<double>(t.n), mp = sp / static_cast<double>(t.n);
  double syy = 0, spp = 0, syp = 0, yp = 0, pp = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const double y = targets[i];
    if (std::isnan(y)) continue;
    const double p = preds[i];
    syy += (y - my) * (y - my);
    spp += (p - mp) * (p - mp);
    syp += (y - my) * (p - mp);
    yp += y * p;
    pp += p * p;
  }
  if (syy == 0 || spp == 0 || pp == 0) return undefined();
  t.r2 = syp * syp / (syy * spp);
  t.k = yp / pp;
  double ss_res = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const double y = targets[i];
    if (std::isnan(y)) continue;
    const double e = y - t.k * static_cast<double>(preds[i]);
    ss_res += e * e;
  }
  t.r02 = 1.0 - ss_res / syy;
  t.rm2 = t.r2 * (1.0 - std::sqrt(std::fabs(t.r2 - t.r02)));
  t.rm2_deepdta = t.r2 * (1.0 - std::sqrt(std::fabs(t.r2 * t.r2 - t.r02 * t.r02)));
  return t;
}

}  // namespace

Rm2Terms rm2_terms(const std::vector<double>& p, const std::vector<double>& y) { return compute(p, y); }
Rm2Terms rm2_terms(const std::vector<float>& p, const std::vector<float>& y) { return compute(p, y); }
double rm2(const std::vector<double>& p, const std::vector<double>& y) { return compute(p, y).rm2; }
double rm2(const std::vector<float>& p, const std::vector<float>& y) { return compute(p, y).rm2; }

}  // namespace hitforge::core
