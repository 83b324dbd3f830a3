#include <catch2/catch.hpp>

#include <cmath>

#include <nlohmann/json.hpp>

#include "chem/mol_input.h"
#include "core/error.h"
#include "screen/desirability.h"
#include "screen/scoring_function.h"

using namespace hitforge;
using screen::Transform;

namespace {
Transform tf(const nlohmann::json& j) { return Transform::from_json(j); }
std::size_t col(const std::vector<std::string>& names, const std::string& name) {
  auto it = std::find(names.begin(), names.end(), name);
  REQUIRE(it != names.end());
  return static_cast<std::size_t>(it - names.begin());
}
}  // namespace

TEST_CASE("desirability transforms follow their formulas", "[screen]") {
  auto s = tf({{"type", "sigmoid"}, {"low", 2.0}, {"high", 4.0}});
  CHECK(s(3.0) == Approx(0.5));
  CHECK(s(2.0) == Approx(1.0 / (1.0 + std::pow(10.0, 1.25))));  // k = 0.25 by default
  CHECK(s(4.0) == Approx(1.0 - 1.0 / (1.0 + std::pow(10.0, 1.25))));
  CHECK(s(100.0) == Approx(1.0));
  auto r = tf({{"type", "reverse_sigmoid"}, {"low", 2.0}, {"high", 4.0}, {"k", 0.5}});
  CHECK(r(3.0) == Approx(0.5));
  CHECK(r(2.0) == Approx(1.0 - 1.0 / (1.0 + std::pow(10.0, 2.5))));
  auto d = tf({{"type", "double_sigmoid"}, {"low", 2.0}, {"high", 6.0}});
  CHECK(d(4.0) > 0.95);  // plateau between low and high
  CHECK(d(0.0) < 0.05);
  CHECK(d(8.0) < 0.05);
  CHECK(d(2.0) == Approx(0.5).margin(0.01));
  auto st = tf({{"type", "step"}, {"high", 500.0}});
  CHECK(st(499.0) == 1.0);
  CHECK(st(501.0) == 0.0);
  auto none = tf({{"type", "none"}});
  CHECK(none(0.7) == 0.7);
  CHECK(none(1.7) == 1.0);
  CHECK(none(NAN) == 0.0);
  CHECK(s(NAN) == 0.0);
  CHECK(tf(d.to_json())(3.1) == Approx(d(3.1)));  // to_json round-trips
}

TEST_CASE("transform errors name the problem", "[screen]") {
  CHECK_THROWS_WITH(tf({{"type", "sigmod"}}), Catch::Contains("unknown transform type 'sigmod'"));
  CHECK_THROWS_WITH(tf({{"type", "sigmoid"}, {"low", 4}, {"high", 2}}), Catch::Contains("must be below high"));
  CHECK_THROWS_WITH(tf({{"type", "sigmoid"}, {"low", 1}}), Catch::Contains("needs both 'low' and 'high'"));
  CHECK_THROWS_WITH(tf({{"type", "step"}, {"lo", 1}}), Catch::Contains("unknown key 'lo'"));
  CHECK_THROWS_WITH(tf({{"type", "sigmoid"}, {"low", "1"}, {"high", 2}}), Catch::Contains("must be a number"));
}

TEST_CASE("aggregates: weighted geometric and arithmetic means", "[screen]") {
  double d[] = {1.0, 0.25}, w[] = {1.0, 1.0};
  CHECK(screen::aggregate(screen::Aggregate::geometric, d, w, 2) == Approx(0.5));
  CHECK(screen::aggregate(screen::Aggregate::arithmetic, d, w, 2) == Approx(0.625));
  double w2[] = {3.0, 1.0};
  CHECK(screen::aggregate(screen::Aggregate::geometric, d, w2, 2) == Approx(std::pow(0.25, 0.25)));
  double z[] = {0.0, 0.9};
  CHECK(screen::aggregate(screen::Aggregate::geometric, z, w, 2) == 0.0);
  CHECK(screen::aggregate(screen::Aggregate::arithmetic, z, w, 2) == Approx(0.45));
}

TEST_CASE("a recipe of chemistry scorers filters, scores and ranks records", "[screen]") {
  nlohmann::json recipe = {
      {"name", "triage"},
      {"filters", {{{"scorer", "pains"}, {"max", 0}}, {{"scorer", "lipinski"}, {"max", 1}, {"label", "ro5"}}}},
      {"components",
       {{{"scorer", "qed"}, {"weight", 2}},
        {{"scorer", "sa"}, {"transform", {{"type", "reverse_sigmoid"}, {"low", 2}, {"high", 6}}}}}}};
  screen::ScoringFunction sf(recipe, {});
  CHECK(sf.components() == std::vector<std::string>{"qed", "sa_score"});
  CHECK(sf.filters().size() == 2);
  CHECK(sf.filters()[1] == "ro5");
  CHECK(sf.resolved_recipe()["aggregate"] == "geometric");
  const std::vector<std::string> smiles = {
      "CC(=O)Oc1ccccc1C(=O)O",                                    // aspirin: ok
      "C1CC",                                                     // unclosed ring: invalid
      "O=C1NC(=S)SC1=Cc1ccccc1",                                  // rhodanine ene: PAINS
      "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC(=O)O",  // MW > 500 and logP > 5: two Lipinski violations
      "c1ccccc1O"};
  screen::ScoredBatch b1, b2;
  sf.score_smiles(smiles, 1, b1);
  sf.score_smiles(smiles, 2, b2);
  REQUIRE(b1.size() == 5);
  using S = chem::RecordStatus;
  auto status = [&](std::size_t i) { return static_cast<S>(b1.chunk.status[i]); };
  CHECK(status(0) == S::ok);
  CHECK(status(1) == S::invalid);
  CHECK(status(2) == S::filtered);
  CHECK_THAT(b1.chunk.reasons[2], Catch::StartsWith(sf.filters()[0] + " (1 > max 0)"));
  CHECK(status(3) == S::filtered);
  CHECK_THAT(b1.chunk.reasons[3], Catch::StartsWith("ro5 (2 > max 1)"));
  CHECK(status(4) == S::ok);
  CHECK(std::isnan(b1.score[1]));
  CHECK(std::isnan(b1.score[2]));
  // ok records: score = (qed² · d_sa)^(1/3) with d_qed = qed
  const auto& cols = sf.raw_columns();
  const std::size_t R = cols.size();
  for (std::size_t i : {std::size_t{0}, std::size_t{4}}) {
    double qed = b1.raw[i * R + col(cols, "qed")];
    double sa = b1.raw[i * R + col(cols, "sa_score")];
    double d_sa = 1.0 - 1.0 / (1.0 + std::pow(10.0, -0.25 * (sa - 4.0) * 10.0 / 4.0));
    CHECK(qed > 0.3);
    CHECK(qed < 1.0);
    CHECK(b1.desirability[i * 2 + 0] == Approx(qed));
    CHECK(b1.score[i] == Approx(std::cbrt(qed * qed * d_sa)));
  }
  // the filtered record keeps its chemistry values and a note naming the alert
  CHECK(b1.raw[2 * R + 0] == 1.0);
  CHECK_THAT(b1.notes[2], Catch::Contains("pains"));
  CHECK(b1.chunk.smiles[2] == "O=C1NC(=S)SC1=Cc1ccccc1");
  for (std::size_t i = 0; i < 5; ++i) {  // the thread count changes nothing
    CHECK(b1.chunk.status[i] == b2.chunk.status[i]);
    CHECK((b1.score[i] == b2.score[i] || (std::isnan(b1.score[i]) && std::isnan(b2.score[i]))));
  }
}

TEST_CASE("recipe errors name the entry and key", "[screen]") {
  auto make = [](const nlohmann::json& r) { return screen::ScoringFunction(r, {}); };
  CHECK_THROWS_WITH(make({{"components", nlohmann::json::array()}}), Catch::Contains("non-empty array"));
  CHECK_THROWS_WITH(make({{"components", {{{"scorer", "qed"}, {"weight", -1}}}}}),
                    Catch::Contains("component 1: weight must be positive"));
  CHECK_THROWS_WITH(make({{"components", {{{"scorer", "qed"}, {"model", "x"}}}}}), Catch::Contains("exactly one of"));
  CHECK_THROWS_WITH(make({{"components", {{{"scorer", "qed"}}}}, {"filters", {{{"scorer", "pains"}}}}}),
                    Catch::Contains("filter 1: needs \"min\" and/or \"max\""));
  CHECK_THROWS_WITH(make({{"components", {{{"scorer", "qed"}, {"colour", 1}}}}}),
                    Catch::Contains("component 1: unknown key 'colour'"));
  CHECK_THROWS_WITH(make({{"components", {{{"model", "/nonexistent/run"}}}}}), Catch::Contains("/nonexistent/run"));
  CHECK_THROWS_WITH(make({{"components", {{{"scorer", "qed"}}}}, {"aggregate", "median"}}),
                    Catch::Contains("unknown aggregate 'median'"));
}
