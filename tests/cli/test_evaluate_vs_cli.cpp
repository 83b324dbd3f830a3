// Black-box tests of `hitforge evaluate-vs` (virtual-screening metrics of a scored actives/decoys table).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/cli_test_util.h"
#include "test_util.h"

namespace fs = std::filesystem;
using hitforge::testing::TempDir;
using namespace hitforge::testing;

namespace {
// The "tied" case of tests/python/vs_metrics_reference.py (golden values there), with mixed label spellings and two
// rows without a score (lines 14 and 15) appended.
const char* kTiedCsv =
    "id,active,score\n"
    "a,1,9\nb,decoy,8\nc,Active,8\nd,0,8\ne,TRUE,7\nf,false,6\ng,1,6\nh,0,5\ni,0,4\nj,1,3\nk,0,3\nl,0,1\n"
    "m,0,\nn,1,NaN\n";

nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(slurp(path));
}
}  // namespace

TEST_CASE("evaluate-vs: metrics, counts and missing scores of a tied table", "[cli][vs]") {
  TempDir dir;
  std::ofstream(dir.file("s.csv")) << kTiedCsv;
  auto r = run("evaluate-vs --scores " + dir.file("s.csv") + " --label-col active --score-col score --ef 10,25,50" +
               " --roc-svg " + dir.file("roc.svg") + " --out " + dir.file("m.json"));
  INFO(r.out);
  REQUIRE(r.rc == 0);
  CHECK(has(r.out, "5 actives, 7 decoys (2 rows without a score excluded): ROC-AUC 0.686, EF10% 1.60"));
  CHECK(has(r.out, "BEDROC(α=20) 0.875"));
  auto j = read_json(dir.file("m.json"));
  CHECK(j["metrics"]["roc_auc"].get<double>() == Approx(0.685714285714));
  CHECK(j["metrics"]["pr_auc"].get<double>() == Approx(0.625194805195));
  CHECK(j["metrics"]["bedroc"].get<double>() == Approx(0.875016284999));
  CHECK(j["metrics"]["ef10"].get<double>() == Approx(1.6));
  CHECK(j["metrics"]["ef25"].get<double>() == Approx(1.333333333333));
  CHECK(j["metrics"]["ef50"].get<double>() == Approx(1.4));
  CHECK(j["enrichment"][0]["n_top"] == 2);
  CHECK(j["enrichment"][0]["ef_max"].get<double>() == Approx(12.0 / 5));
  CHECK(j["bedroc_alpha"].get<double>() == 20.0);
  CHECK(j["counts"]["rows"] == 14);
  CHECK(j["counts"]["ranked"] == 12);
  CHECK(j["counts"]["actives"] == 5);
  CHECK(j["counts"]["decoys"] == 7);
  CHECK(j["counts"]["missing_score"] == 2);
  CHECK(j["counts"]["missing_score_actives"] == 1);
  CHECK(j["missing_score_lines"] == nlohmann::json::array({14, 15}));
  std::string svg = slurp(dir.file("roc.svg"));
  CHECK(has(svg, "<svg"));
  CHECK(has(svg, "ROC-AUC 0.686"));

  // Default EFs are 1 % and 5 %; ranking the two unscored rows last adds them to the counts and the ranking.
  r = run("evaluate-vs --scores " + dir.file("s.csv") + " --missing-scores last --out " + dir.file("last.json"));
  INFO(r.out);
  REQUIRE(r.rc == 0);
  CHECK(has(r.out, "(2 rows without a score ranked last)"));
  j = read_json(dir.file("last.json"));
  CHECK(j["counts"]["ranked"] == 14);
  CHECK(j["counts"]["actives"] == 6);
  CHECK(j["metrics"].contains("ef1"));
  CHECK(j["metrics"].contains("ef5"));
  CHECK(j["missing_scores"] == "last");
  // 6 actives × 8 decoys; the unscored active ties the unscored decoy (½) and loses to the 7 others.
  CHECK(j["metrics"]["roc_auc"].get<double>() == Approx((0.685714285714 * 35 + 5 * 1 + 0.5) / 48));
}

TEST_CASE("evaluate-vs: --ascending on a TSV of docking energies", "[cli][vs]") {
  TempDir dir;
  // Lower energy = better: the two actives have the lowest energies, so the ranking is perfect.
  std::ofstream(dir.file("dock.tsv")) << "name\tlabel\tvina\nx\tactive\t-11.2\ny\tdecoy\t-6.0\nz\tActive\t-9.5\n"
                                         "w\tdecoy\t-7.5\nv\tdecoy\t-3\n";
  auto r = run("evaluate-vs --scores " + dir.file("dock.tsv") +
               " --label-col label --score-col vina --ascending --out " + dir.file("d.json"));
  INFO(r.out);
  REQUIRE(r.rc == 0);
  auto j = read_json(dir.file("d.json"));
  CHECK(j["metrics"]["roc_auc"].get<double>() == 1.0);
  CHECK(j["metrics"]["bedroc"].get<double>() == Approx(1.0));
  CHECK(j["metrics"]["ef1"].get<double>() == Approx(5.0 / 2));  // top ⌈0.05⌉ = 1 row, an active: 1 / (2/5)
  CHECK(j["ascending"] == true);
  r = run("evaluate-vs --scores " + dir.file("dock.tsv") + " --label-col label --score-col vina --out " +
          dir.file("d2.json"));
  REQUIRE(r.rc == 0);
  CHECK(read_json(dir.file("d2.json"))["metrics"]["roc_auc"].get<double>() == 0.0);
}

TEST_CASE("evaluate-vs: bad input is one clear line naming the row, exit 2, no output", "[cli][vs]") {
  TempDir dir;
  const std::string out = dir.file("never.json");
  std::ofstream(dir.file("label.csv")) << "active,score\n1,0.9\n0,0.1\nmaybe,0.5\n";
  auto r = run("evaluate-vs --scores " + dir.file("label.csv") + " --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "line 4: label 'maybe' in column 'active' is not one of 1/0, true/false, active/decoy"));

  std::ofstream(dir.file("score.csv")) << "active,score\n1,0.9\n0,high\n";
  r = run("evaluate-vs --scores " + dir.file("score.csv") + " --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "line 3: score 'high' in column 'score' is not a number"));

  r = run("evaluate-vs --scores " + dir.file("score.csv") + " --score-col sim --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "no column 'sim' (--score-col); columns: active, score"));

  std::ofstream(dir.file("ragged.csv")) << "active,score\n1,0.9\n0,0.1,extra\n";
  r = run("evaluate-vs --scores " + dir.file("ragged.csv") + " --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "line 3: 3 fields, but the header has 2"));

  std::ofstream(dir.file("actives.csv")) << "active,score\n1,0.9\n1,0.1\n0,\n";
  r = run("evaluate-vs --scores " + dir.file("actives.csv") + " --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "2 actives and 0 decoys among 2 ranked rows"));

  r = run("evaluate-vs --scores " + dir.file("actives.csv") + " --ef 0 --out " + out);
  CHECK(r.rc == 2);
  CHECK(has(r.out, "--ef"));
  CHECK_FALSE(fs::exists(out));
}
