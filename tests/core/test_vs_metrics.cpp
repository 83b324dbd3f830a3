// Virtual-screening metrics (core/vs_metrics.h): hand-computed values, and golden values from an independent
// implementation (tests/python/vs_metrics_reference.py: brute force over tie orderings + RDKit's CalcBEDROC).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/vs_metrics.h"

using hitforge::core::compute_vs_metrics;
using hitforge::core::parse_activity_label;
using hitforge::core::UsageError;
using hitforge::core::VsMetricsOptions;
using hitforge::core::VsRanking;
using Labels = std::vector<std::uint8_t>;

namespace {
// 10 rows, 2 actives; scores 10..1.
const std::vector<double> kTen{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
const Labels kTopTwo{1, 1, 0, 0, 0, 0, 0, 0, 0, 0};
const Labels kBottomTwo{0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
}  // namespace

TEST_CASE("a perfect ranking scores ROC-AUC 1, BEDROC 1 and the maximal EF", "[core][vs]") {
  VsRanking r(kTen, kTopTwo);
  CHECK(r.roc_auc() == 1.0);
  CHECK(r.average_precision() == 1.0);
  CHECK(r.bedroc(20) == Approx(1.0).margin(1e-12));
  CHECK(r.bedroc(5) == Approx(1.0).margin(1e-12));
  // Top 10 % = 1 row: 1 active / 1 row over a base rate of 2/10 → EF 5 = N/n_a.
  auto e10 = r.enrichment(0.10);
  CHECK(e10.n_top == 1);
  CHECK(e10.actives_in_top == 1.0);
  CHECK(e10.ef == Approx(5.0));
  CHECK(e10.ef_max == Approx(5.0));
  // Top 50 % = 5 rows hold both actives: (2/5)/(2/10) = 2 = N/n_top, capped below N/n_a because n_top > n_a.
  auto e50 = r.enrichment(0.50);
  CHECK(e50.n_top == 5);
  CHECK(e50.ef == Approx(2.0));
  CHECK(e50.ef_max == Approx(2.0));
  // 100 % of the list: EF is 1 by definition.
  CHECK(r.enrichment(1.0).ef == Approx(1.0));
}

TEST_CASE("a reversed ranking scores ROC-AUC 0, BEDROC 0 and EF 0", "[core][vs]") {
  VsRanking r(kTen, kBottomTwo);
  CHECK(r.roc_auc() == 0.0);
  CHECK(r.bedroc(20) == Approx(0.0).margin(1e-12));
  CHECK(r.enrichment(0.25).ef == 0.0);
  CHECK(r.enrichment(0.25).ef_max == Approx(10.0 / 3));  // n_top ⌈2.5⌉ = 3 > n_a 2: (2/3)/(2/10)
  // Actives at ranks 9 and 10: AP = ½·(1/9) + ½·(2/10).
  CHECK(r.average_precision() == Approx(0.5 / 9 + 0.5 * 0.2));
}

TEST_CASE("--ascending ranks low scores first (docking energies)", "[core][vs]") {
  VsRanking low_first(kTen, kBottomTwo, /*ascending=*/true);
  CHECK(low_first.roc_auc() == 1.0);
  CHECK(low_first.bedroc(20) == Approx(1.0).margin(1e-12));
  VsMetricsOptions o;
  o.ascending = true;
  CHECK(compute_vs_metrics(kTen, kTopTwo, o).roc_auc == 0.0);
}

TEST_CASE("all-tied scores are exactly random: AUC ½, EF 1, RIE 1, AP = active fraction", "[core][vs]") {
  std::vector<double> s(20, 0.3);
  Labels y(20, 0);
  y[3] = y[7] = y[19] = 1;
  VsRanking r(s, y);
  CHECK(r.n_tie_groups() == 1);
  CHECK(r.roc_auc() == Approx(0.5));
  CHECK(r.average_precision() == Approx(3.0 / 20));
  CHECK(r.enrichment(0.01).ef == Approx(1.0));
  CHECK(r.enrichment(0.05).ef == Approx(1.0));
  CHECK(r.rie(20) == Approx(1.0));
  // Input order must not matter with ties: move the actives to the front.
  Labels front(20, 0);
  front[0] = front[1] = front[2] = 1;
  CHECK(VsRanking(s, front).bedroc(20) == Approx(r.bedroc(20)));
}

TEST_CASE("ties across classes match the brute-force average over tie orderings", "[core][vs]") {
  // Golden values: /usr/bin/python3 tests/python/vs_metrics_reference.py ("tied"): 24 orderings of the tie groups
  // {8,8,8}, {6,6}, {3,3}; AUC by pair counting, EF with ⌈x·N⌉, BEDROC by RDKit's CalcBEDROC, averaged.
  const std::vector<double> s{9, 8, 8, 8, 7, 6, 6, 5, 4, 3, 3, 1};
  const Labels y{1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0};
  VsRanking r(s, y);
  CHECK(r.n_tie_groups() == 8);
  CHECK(r.roc_auc() == Approx(0.685714285714).epsilon(1e-10));
  CHECK(r.average_precision() == Approx(0.625194805195).epsilon(1e-10));
  CHECK(r.enrichment(0.10).ef == Approx(1.6).epsilon(1e-10));  // n_top 2: the {8,8,8} group straddles the cutoff
  CHECK(r.enrichment(0.10).actives_in_top == Approx(1.0 + 1.0 / 3));
  CHECK(r.enrichment(0.25).ef == Approx(1.333333333333).epsilon(1e-10));
  CHECK(r.enrichment(0.50).ef == Approx(1.4).epsilon(1e-10));
  CHECK(r.bedroc(20) == Approx(0.875016284999).epsilon(1e-10));
  CHECK(r.bedroc(5) == Approx(0.671869751778).epsilon(1e-10));
}

TEST_CASE("distinct scores match RDKit's CalcBEDROC and pair-counted AUC", "[core][vs]") {
  // Golden values: /usr/bin/python3 tests/python/vs_metrics_reference.py ("distinct").
  const std::vector<double> s{0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.55, 0.5, 0.4, 0.3, 0.2, 0.1};
  const Labels y{1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0};
  auto m = compute_vs_metrics(s, y, VsMetricsOptions{false, 20.0, {0.1, 0.25, 0.5}});
  CHECK(m.n == 12);
  CHECK(m.n_actives == 4);
  CHECK(m.n_decoys == 8);
  CHECK(m.roc_auc == Approx(0.625));
  CHECK(m.average_precision == Approx(0.590909090909).epsilon(1e-10));
  REQUIRE(m.enrichment.size() == 3);
  CHECK(m.enrichment[0].ef == Approx(1.5));
  CHECK(m.enrichment[1].ef == Approx(1.0));
  CHECK(m.enrichment[2].ef == Approx(1.5));
  CHECK(m.bedroc == Approx(0.817825224121).epsilon(1e-10));
  CHECK(m.bedroc_alpha == 20.0);
}

TEST_CASE("EF rounds the top fraction up, without floating-point overshoot", "[core][vs]") {
  std::vector<double> s(100);
  Labels y(100, 0);
  for (int i = 0; i < 100; ++i) s[i] = 100 - i;
  for (int i = 0; i < 10; ++i) y[i * 10] = 1;  // actives at ranks 1, 11, 21, ...
  VsRanking r(s, y);
  CHECK(r.enrichment(0.07).n_top == 7);  // 0.07·100 = 7.000000000000001 in doubles
  CHECK(r.enrichment(0.01).n_top == 1);
  CHECK(r.enrichment(0.005).n_top == 1);   // ⌈0.5⌉, never 0
  CHECK(r.enrichment(0.111).n_top == 12);  // ⌈11.1⌉
  CHECK(r.enrichment(0.111).actives_in_top == 2.0);
  CHECK(r.enrichment(0.111).ef == Approx((2.0 / 12) / 0.1));
}

TEST_CASE("infinite scores rank first or last like any other score", "[core][vs]") {
  const double inf = INFINITY;
  VsRanking r({-inf, 1.0, -inf, 2.0}, {0, 1, 0, 1});
  CHECK(r.roc_auc() == 1.0);
  VsRanking tied_last({-inf, 1.0, -inf, 2.0}, {1, 0, 0, 1});
  // Active 2.0 beats both decoys (2); active −inf loses to 1.0 (0) and ties the −inf decoy (½): 2.5 / 4.
  CHECK(tied_last.roc_auc() == Approx(0.625));
}

TEST_CASE("undefined metrics are NaN; bad input is a UsageError naming the row", "[core][vs]") {
  VsRanking only_decoys({1, 2, 3}, {0, 0, 0});
  CHECK(std::isnan(only_decoys.roc_auc()));
  CHECK(std::isnan(only_decoys.bedroc(20)));
  CHECK(std::isnan(only_decoys.enrichment(0.01).ef));
  CHECK(std::isnan(only_decoys.average_precision()));
  CHECK(only_decoys.roc_curve().fpr.size() == 1);
  VsRanking empty({}, {});
  CHECK(std::isnan(empty.roc_auc()));
  CHECK(std::isnan(empty.enrichment(0.5).ef));
  CHECK_THROWS_WITH(VsRanking({1, NAN, 3}, {0, 1, 0}), Catch::Contains("row 1") && Catch::Contains("NaN"));
  CHECK_THROWS_WITH(VsRanking({1, 2}, {0, 2}), Catch::Contains("row 1") && Catch::Contains("is 2"));
  CHECK_THROWS_AS(VsRanking({1, 2}, {0}), UsageError);
  VsRanking ok(kTen, kTopTwo);
  CHECK_THROWS_AS(ok.enrichment(0.0), UsageError);
  CHECK_THROWS_AS(ok.enrichment(1.5), UsageError);
  CHECK_THROWS_AS(ok.bedroc(0.0), UsageError);
}

TEST_CASE("the ROC curve has one point per tie group and its area is the ROC-AUC", "[core][vs]") {
  const std::vector<double> s{9, 8, 8, 8, 7, 6, 6, 5, 4, 3, 3, 1};
  const Labels y{1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0};
  VsRanking r(s, y);
  auto c = r.roc_curve();
  REQUIRE(c.fpr.size() == r.n_tie_groups() + 1);
  CHECK(c.fpr.front() == 0.0);
  CHECK(c.tpr.front() == 0.0);
  CHECK(c.fpr.back() == 1.0);
  CHECK(c.tpr.back() == 1.0);
  double area = 0;
  for (std::size_t k = 1; k < c.fpr.size(); ++k) area += (c.fpr[k] - c.fpr[k - 1]) * (c.tpr[k] + c.tpr[k - 1]) / 2;
  CHECK(area == Approx(r.roc_auc()));
}

TEST_CASE("activity labels: 1/0, true/false, active/decoy in any case", "[core][vs]") {
  CHECK(parse_activity_label("1") == true);
  CHECK(parse_activity_label(" Active ") == true);
  CHECK(parse_activity_label("TRUE") == true);
  CHECK(parse_activity_label("1.0") == true);
  CHECK(parse_activity_label("0") == false);
  CHECK(parse_activity_label("Decoy") == false);
  CHECK(parse_activity_label("false") == false);
  CHECK(parse_activity_label("inactive") == false);
  CHECK_FALSE(parse_activity_label("").has_value());
  CHECK_FALSE(parse_activity_label("2").has_value());
  CHECK_FALSE(parse_activity_label("yes").has_value());
  CHECK_FALSE(parse_activity_label("actives").has_value());
}
