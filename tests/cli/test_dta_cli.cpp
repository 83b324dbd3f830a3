// `hitforge train / predict / evaluate` with a drug–target pair model, black-box on the built binary, on the
// synthetic pair dataset of tests/train/dta_fixture.h (built here through `hitforge dataset build --pairs`).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "test_util.h"
#include "train/dta_fixture.h"

using namespace hitforge::testing;
namespace fs = std::filesystem;

TEST_CASE("hitforge train --model dta on a pair dataset, then predict (pairs and raw SMILES/sequences) and evaluate",
          "[cli][dta]") {
  TempDir dir;
  auto f = write_dta_fixture(dir);
  const std::string h5 = dir.file("pairs.h5"), run_dir = dir.file("run"), cfg = dir.file("dta.json");
  auto b = run("dataset build --pairs --ligands " + f.ligands_json + " --proteins " + f.proteins_json +
               " --affinities " + f.pairs_csv +
               " --targets affinity --fold-col fold --protein-max-length 40 "
               "--featurizer graph --out " +
               h5 + " --log-level warn --no-progress");
  INFO(b.out);
  REQUIRE(b.rc == 0);
  std::ofstream(cfg) << small_dta_config();

  auto t = run("train --data " + h5 + " --split setting1 --model dta --config " + cfg +
               " --epochs 40 --batch-size 8 "
               "--lr 3e-3 --init-lr 3e-4 --final-lr 3e-4 --warmup-epochs 1 --patience 0 --out " +
               run_dir + " --threads 1 --log-level warn --no-progress");
  INFO(t.out);
  REQUIRE(t.rc == 0);
  CHECK(has(t.out, "test:"));
  CHECK(has(t.out, "ci="));
  CHECK(has(t.out, "rm2="));
  auto m = nlohmann::json::parse(slurp(run_dir + "/metrics.json"));
  CHECK(m["test"]["ci"].get<double>() > 0.75);
  for (const char* file : {"log.jsonl", "learning_curve.svg", "parity_test.svg", "predictions_test.csv"})
    CHECK(fs::exists(fs::path(run_dir) / file));

  // a finished run resumes as a no-op with the same metrics; without --resume the directory is refused
  auto again = run("train --data " + h5 + " --split setting1 --model dta --config " + cfg +
                   " --epochs 40 "
                   "--batch-size 8 --lr 3e-3 --init-lr 3e-4 --final-lr 3e-4 --warmup-epochs 1 --patience 0 --out " +
                   run_dir + " --threads 1 --log-level warn --no-progress");
  CHECK(again.rc != 0);
  CHECK(has(again.out, "--resume"));

  // evaluate = the trainer's test metrics
  auto e = run("evaluate --model " + run_dir + " --data " + h5 + " --split setting1 --subset test --out " +
               dir.file("eval.json") + " --log-level warn");
  INFO(e.out);
  REQUIRE(e.rc == 0);
  auto ej = nlohmann::json::parse(slurp(dir.file("eval.json")));
  CHECK(std::abs(ej["mse"].get<double>() - m["test"]["mse"].get<double>()) < 1e-6);
  CHECK(ej["n"] == m["test"]["n"]);

  // predict the dataset's test pairs → the trainer's predictions file
  auto p = run("predict --model " + run_dir + " --data " + h5 + " --split setting1 --subset test --out " +
               dir.file("p.csv") + " --log-level warn --no-progress");
  INFO(p.out);
  REQUIRE(p.rc == 0);
  CHECK(slurp(dir.file("p.csv")) == slurp(run_dir + "/predictions_test.csv"));

  // raw (SMILES, sequence) rows, one of them invalid
  {
    std::ofstream in(dir.file("raw.csv"));
    in << "smiles,sequence\n" << f.drugs[3].first << "," << f.proteins[1] << "\nCCO,MK*V\n";
  }
  auto r = run("predict --model " + run_dir + " --input " + dir.file("raw.csv") + " --out " + dir.file("raw_p.csv") +
               " --log-level warn --no-progress");
  INFO(r.out);
  REQUIRE(r.rc == 0);
  CHECK(has(r.out, "1 predicted, 1 invalid"));
  auto csv = slurp(dir.file("raw_p.csv"));
  CHECK(has(csv, "index,id,protein_id,smiles,status,reason,affinity"));
  CHECK(has(csv, ",invalid,"));

  // the trained model as a recipe component ("predicted affinity to this protein"): `hitforge screen` gives each
  // molecule the value `hitforge predict` gives its (SMILES, sequence) pair; a recipe without the protein is refused
  {
    nlohmann::json recipe = {
        {"components",
         {{{"model", run_dir}, {"protein", f.proteins[1]}, {"label", "aff_p1"},
           {"transform", {{"type", "sigmoid"}, {"low", 4}, {"high", 10}}}}}}};
    std::ofstream(dir.file("recipe.json")) << recipe.dump();
    recipe["components"][0].erase("protein");
    std::ofstream(dir.file("no_protein.json")) << recipe.dump();
    std::ofstream(dir.file("lib.smi")) << f.drugs[3].first << " d3\nC1CC broken\n";
  }
  auto scr = run("screen --library " + dir.file("lib.smi") + " --recipe " + dir.file("recipe.json") + " --out " +
                 dir.file("scr.csv") + " --log-level warn --no-progress --threads 1");
  INFO(scr.out);
  REQUIRE(scr.rc == 0);
  auto scr_lines = read_lines(dir.file("scr.csv"));
  REQUIRE(scr_lines.size() == 3);
  const auto header = csv_fields(scr_lines[0]);
  const auto col = std::find(header.begin(), header.end(), "aff_p1") - header.begin();
  REQUIRE(col < static_cast<std::ptrdiff_t>(header.size()));
  const auto id_col = static_cast<std::size_t>(std::find(header.begin(), header.end(), "id") - header.begin());
  const auto ok_row = csv_fields(scr_lines[1]).at(id_col) == "d3" ? csv_fields(scr_lines[1])
                                                                    : csv_fields(scr_lines[2]);
  const auto pred_row = csv_fields(read_lines(dir.file("raw_p.csv")).at(1));
  CHECK(std::abs(std::stod(ok_row.at(static_cast<std::size_t>(col))) - std::stod(pred_row.back())) < 1e-4);
  auto nop = run("screen --library " + dir.file("lib.smi") + " --recipe " + dir.file("no_protein.json") + " --out " +
                 dir.file("scr2.csv") + " --log-level warn --no-progress");
  CHECK(nop.rc != 0);
  CHECK(has(nop.out, "scores against one protein"));

  // a property model on the pair dataset is refused with a message naming the pair model
  auto bad = run("train --data " + h5 + " --split setting1 --model fp_mlp --epochs 1 --out " + dir.file("bad") +
                 " --log-level warn --no-progress");
  CHECK(bad.rc != 0);
  CHECK(has(bad.out, "pair dataset"));
}
