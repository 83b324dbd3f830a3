#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/rm2.h"

using Catch::Matchers::WithinAbs;
using hitforge::core::rm2;
using hitforge::core::rm2_terms;

TEST_CASE("r_m² and its terms match an independent numpy computation", "[core]") {
  // Golden values from numpy (/usr/bin/python3):
  //   y = [5.0,6.2,7.1,8.4,5.5,9.0]; p = [5.3,6.0,7.6,7.9,6.1,8.2]
  //   r2 = corrcoef(y,p)[0,1]**2; k = (y*p).sum()/(p*p).sum()
  //   r02 = 1 - ((y-k*p)**2).sum()/((y-y.mean())**2).sum()
  //   rm2 = r2*(1-sqrt(abs(r2-r02))); deepdta = r2*(1-sqrt(abs(r2*r2-r02*r02)))
  std::vector<double> y{5.0, 6.2, 7.1, 8.4, 5.5, 9.0}, p{5.3, 6.0, 7.6, 7.9, 6.1, 8.2};
  auto t = rm2_terms(p, y);
  CHECK(t.n == 6);
  CHECK_THAT(t.r2, WithinAbs(0.9149483362505945, 1e-12));
  CHECK_THAT(t.k, WithinAbs(1.0092133975269302, 1e-12));
  CHECK_THAT(t.r02, WithinAbs(0.8741119422965211, 1e-12));
  CHECK_THAT(t.rm2, WithinAbs(0.7300554235303998, 1e-12));
  CHECK_THAT(t.rm2_deepdta, WithinAbs(0.667643419441082, 1e-12));
  CHECK(rm2(p, y) == t.rm2);
  // float inputs give the same to float precision
  std::vector<float> yf(y.begin(), y.end()), pf(p.begin(), p.end());
  CHECK_THAT(rm2(pf, yf), WithinAbs(t.rm2, 1e-5));
}

TEST_CASE("r_m² is 1 for perfect predictions, skips missing targets and is NaN when undefined", "[core]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THAT(rm2(std::vector<double>{1, 2, 3}, std::vector<double>{1, 2, 3}), WithinAbs(1.0, 1e-12));
  // A NaN target drops its pair (here the outlier prediction 100).
  CHECK_THAT(rm2(std::vector<double>{1, 100, 2, 3}, std::vector<double>{1, nan, 2, 3}), WithinAbs(1.0, 1e-12));
  CHECK(std::isnan(rm2(std::vector<double>{1, nan, 3}, std::vector<double>{1, 2, 3})));
  CHECK(std::isnan(rm2(std::vector<double>{1}, std::vector<double>{1})));
  CHECK(std::isnan(rm2(std::vector<double>{1, 2, 3}, std::vector<double>{4, 4, 4})));
  CHECK(std::isnan(rm2(std::vector<double>{0, 0, 0}, std::vector<double>{1, 2, 3})));
  CHECK_THROWS_AS(rm2(std::vector<double>{1, 2}, std::vector<double>{1}), hitforge::core::UsageError);
}
