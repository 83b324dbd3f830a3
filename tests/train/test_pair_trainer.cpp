// Drug–target affinity training (train/pair_trainer.h), prediction (train/pair_run.h, train/pair_predict.h) and the
// DTA metrics, on the synthetic pair dataset of dta_fixture.h.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/rm2.h"
#include "datasets/dataset.h"
#include "datasets/pair_builder.h"
#include "datasets/pair_data.h"
#include "dta_fixture.h"
#include "test_util.h"
#include "train/metrics.h"
#include "train/pair_predict.h"
#include "train/pair_run.h"
#include "train/trainer.h"

using namespace hitforge;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
namespace fs = std::filesystem;

namespace {

std::string build_fixture(const testing::TempDir& dir, const testing::DTAFixture& f) {
  data::PairBuildOptions o;
  o.ligands = f.ligands_json;
  o.proteins = f.proteins_json;
  o.affinities = f.pairs_csv;
  o.fold_column = "fold";
  o.protein_max_length = 40;
  o.cold_sizes = "0.5,0.25,0.25";  // 6 proteins: 3 / 1-2 / 1-2 in the cold-target split
  o.featurizers = {"graph", "morgan:radius=2,bits=256"};
  o.output = dir.file("pairs.h5");
  o.threads = 1;
  data::build_pair_dataset(o);
  return o.output;
}

train::TrainOptions dta_options(const std::string& data, const std::string& split, const std::string& out, int epochs) {
  train::TrainOptions o;
  o.data = data;
  o.split = split;
  o.model = "dta";
  o.model_config = nlohmann::json::parse(testing::small_dta_config());
  o.epochs = epochs;
  o.batch_size = 8;
  o.patience = 0;
  o.max_lr = 3e-3;
  o.init_lr = 3e-4;
  o.final_lr = 3e-4;
  o.warmup_epochs = 1;
  o.progress = false;
  o.out_dir = out;
  return o;
}

/// MSE of predicting the training pairs' mean label for every test pair.
double mean_predictor_mse(const std::string& path, const std::string& split) {
  data::Dataset ds(path);
  auto s = ds.split(split);
  auto tr = ds.pair_labels(s.split.train), te = ds.pair_labels(s.split.test);
  double mean = 0;
  for (float v : tr) mean += v;
  mean /= static_cast<double>(tr.size());
  double se = 0;
  for (float v : te) se += (v - mean) * (v - mean);
  return se / static_cast<double>(te.size());
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cells.push_back(c);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("dta trains on setting1 pairs and beats the mean predictor on held-out pairs; checkpoint reproduces it",
          "[train][dta]") {
  testing::TempDir dir;
  auto f = testing::write_dta_fixture(dir);
  const std::string data = build_fixture(dir, f);
  const std::string run = dir.file("run");
  auto m = train::train_run(dta_options(data, "setting1", run, 60));

  const double baseline = mean_predictor_mse(data, "setting1");
  const double test_mse = m["test"]["mse"].get<double>();
  const double test_ci = m["test"]["ci"].get<double>();
  INFO("test MSE " << test_mse << " (mean predictor " << baseline << "), CI " << test_ci << ", rm2 "
                   << m["test"]["rm2"]);
  CHECK(m["test"]["n"] == 21);  // pairs 4, 9, ... of 108
  CHECK(test_mse < 0.3 * baseline);
  CHECK(test_ci > 0.8);
  CHECK(m["test"]["rm2"].get<double>() > 0.5);
  for (const char* k : {"mse", "ci", "rm2", "pearson", "spearman"}) CHECK(m["valid"][k].is_number());
  CHECK(m["primary_metric"] == "mse");

  // the best epoch is the one with the lowest valid MSE in the log (selection on valid only)
  std::ifstream log(fs::path(run) / "log.jsonl");
  std::string line;
  int lines = 0, argmin = 0;
  double best = 1e300;
  while (std::getline(log, line)) {
    auto j = nlohmann::json::parse(line);
    ++lines;
    REQUIRE(j["valid_ci"].is_number());
    REQUIRE(j["valid_rm2"].is_number());
    if (j["valid_mse"].get<double>() < best) best = j["valid_mse"].get<double>(), argmin = j["epoch"].get<int>();
  }
  CHECK(lines == 60);
  CHECK(m["best_epoch"] == argmin);
  CHECK_THAT(m["valid"]["mse"].get<double>(), WithinAbs(best, 1e-5));
  for (const char* file : {"run.json", "member_0/model.pt", "member_0/state.pt", "metrics.json", "predictions_test.csv",
                           "learning_curve.svg", "valid_metric.svg", "parity_test.svg"})
    CHECK(fs::exists(fs::path(run) / file));
  CHECK(train::is_pair_run(run));

  // run.json describes itself: crop rule, vocabulary, ligand featuriser, label scaling
  auto man = train::PairRunManifest::load(run);
  CHECK(man.protein_crop == "head");
  CHECK(man.protein_max_length == 40);
  CHECK(man.protein_vocab_size == 25);
  CHECK(man.ligand_block.spec.rfind("graph", 0) == 0);
  CHECK(man.targets == std::vector<std::string>{"affinity"});
  CHECK(man.target_scaler.mean.size() == 1);

  // checkpoint round trip: a fresh predictor gives exactly the trainer's test predictions
  train::PairPredictor predictor(run);
  const std::string pred_csv = dir.file("test_preds.csv");
  train::PairDatasetPredictOptions po;
  po.data = data;
  po.split = "setting1";
  po.subset = "test";
  po.out = pred_csv;
  auto ev = train::predict_pair_dataset(predictor, po);
  CHECK_THAT(ev["mse"].get<double>(), WithinAbs(test_mse, 1e-6));
  CHECK_THAT(ev["ci"].get<double>(), WithinAbs(test_ci, 1e-9));
  CHECK(slurp(pred_csv) == slurp((fs::path(run) / "predictions_test.csv").string()));

  // (SMILES, sequence) rows: featurised and cropped by the stored specs → the same predictions as the dataset pairs
  auto rows = read_csv(pred_csv);
  REQUIRE(rows.size() == 22);
  std::map<std::string, double> by_pair;  // "D3/P1" → prediction
  for (size_t r = 1; r < rows.size(); ++r) by_pair[rows[r][1] + "/" + rows[r][2]] = std::stod(rows[r][4]);
  const std::string in_csv = dir.file("raw.csv");
  {
    std::ofstream o(in_csv);
    o << "name,smiles,target,sequence\n";
    for (const auto& [key, v] : by_pair) {
      const size_t d = std::stoul(key.substr(1, key.find('/') - 1)), p = std::stoul(key.substr(key.find('/') + 2));
      o << key << "," << f.drugs[d].first << ",P" << p << "," << f.proteins[p] << "\n";
    }
    o << "bad_smiles,C1CC,P0," << f.proteins[0] << "\n";
    o << "bad_sequence,CCO,PX,MKV*LL\n";
  }
  train::PairTablePredictOptions to;
  to.input = in_csv;
  to.id_col = "name";
  to.protein_id_col = "target";
  to.out = dir.file("raw_preds.csv");
  auto s = train::predict_pair_table(predictor, to);
  CHECK(s.ok == static_cast<std::int64_t>(by_pair.size()));
  CHECK(s.invalid == 2);
  auto out = read_csv(to.out);
  REQUIRE(out.size() == by_pair.size() + 3);
  CHECK(out[0] == std::vector<std::string>{"index", "id", "protein_id", "smiles", "status", "reason", "affinity"});
  for (size_t r = 1; r <= by_pair.size(); ++r) {
    INFO(out[r][1]);
    REQUIRE(out[r][4] == "ok");
    CHECK_THAT(std::stod(out[r][6]), WithinAbs(by_pair.at(out[r][1]), 1e-4));
  }
  CHECK(out[by_pair.size() + 1][4] == "invalid");
  CHECK(out[by_pair.size() + 2][4] == "invalid");
  CHECK_THAT(slurp(to.out), Contains("position 4"));  // the bad sequence's reason
}

TEST_CASE("dta resumed after an interruption ends with the metrics of an uninterrupted run", "[train][dta]") {
  testing::TempDir dir;
  auto f = testing::write_dta_fixture(dir);
  const std::string data = build_fixture(dir, f);
  auto full = train::train_run(dta_options(data, "setting1", dir.file("full"), 6));
  auto o = dta_options(data, "setting1", dir.file("split"), 6);
  o.session_epochs = 2;  // stops resumably after 2 epochs, as a kill after epoch 2 would leave it
  auto paused = train::train_run(o);
  CHECK(paused["paused"] == true);
  CHECK(paused["epoch"] == 2);
  CHECK_THROWS_WITH(train::train_run(o), Contains("already holds a run"));  // without --resume
  o.resume = true;
  o.batch_size += 1;  // another trajectory: refused before anything is written
  CHECK_THROWS_WITH(train::train_run(o), Contains("--batch-size") && Contains("same training trajectory"));
  o.batch_size -= 1;
  o.session_epochs = 0;
  auto resumed = train::train_run(o);
  for (const char* s : {"train", "valid", "test"})
    for (const char* k : {"mse", "ci", "rm2"}) {
      INFO(s << " " << k);
      CHECK(resumed[s][k].get<double>() == full[s][k].get<double>());
    }
  CHECK(resumed["best_epoch"] == full["best_epoch"]);
  std::ifstream log(fs::path(dir.file("split")) / "log.jsonl");
  int lines = 0;
  for (std::string l; std::getline(log, l);) ++lines;
  CHECK(lines == 6);
}

TEST_CASE("dta on a cold-target split: no test protein is seen in training, and it still runs end to end",
          "[train][dta]") {
  testing::TempDir dir;
  auto f = testing::write_dta_fixture(dir);
  const std::string data = build_fixture(dir, f);
  data::Dataset ds(data);
  auto sp = ds.split("cold-target");
  const auto prot = ds.pair_proteins();
  std::set<std::int64_t> train_prot, test_prot;
  for (auto p : sp.split.train) train_prot.insert(prot[static_cast<size_t>(p)]);
  for (auto p : sp.split.test) test_prot.insert(prot[static_cast<size_t>(p)]);
  REQUIRE(!test_prot.empty());
  for (auto p : test_prot) CHECK(train_prot.count(p) == 0);

  auto m = train::train_run(dta_options(data, "cold-target", dir.file("cold"), 3));
  CHECK(m["test"]["n"].get<std::size_t>() == sp.split.test.size());
  auto rows = read_csv(dir.file("cold/predictions_test.csv"));
  REQUIRE(rows.size() == sp.split.test.size() + 1);
  const auto ids = ds.protein_ids();
  for (size_t r = 1; r < rows.size(); ++r)
    for (auto p : train_prot) CHECK(rows[r][2] != ids[static_cast<size_t>(p)]);
}

TEST_CASE("pair datasets and pair models refuse each other's counterparts with a clear message", "[train][dta]") {
  testing::TempDir dir;
  auto f = testing::write_dta_fixture(dir);
  const std::string data = build_fixture(dir, f);
  auto o = dta_options(data, "setting1", dir.file("r1"), 1);
  o.model = "fp_mlp";
  o.model_config = nullptr;
  CHECK_THROWS_WITH(train::train_run(o), Contains("pair dataset") && Contains("dta"));
  o = dta_options(data, "setting1", dir.file("r2"), 1);
  o.ensemble = 3;
  CHECK_THROWS_WITH(train::train_run(o), Contains("--ensemble 3 is not supported"));
  o = dta_options(data, "no_such_split", dir.file("r3"), 1);
  CHECK_THROWS_AS(train::train_run(o), core::UsageError);
  // a fingerprint ligand block with the default (D-MPNN) encoder is refused, with fp_mlp it trains
  o = dta_options(data, "setting1", dir.file("r4"), 1);
  o.input_block = "morgan";
  o.model_config["ligand_encoder"] = "dmpnn";
  CHECK_THROWS_WITH(train::train_run(o), Contains("ligand"));
  o = dta_options(data, "setting1", dir.file("r5"), 2);
  o.model_config = {{"ligand_encoder", "fp_mlp"}, {"ligand", {{"hidden", {32}}}}, {"ligand_dim", 16},
                    {"protein_filters", {8}},     {"protein_kernel_sizes", {3}},  {"head_hidden", {16}}};
  auto m = train::train_run(o);
  CHECK(m["test"]["mse"].is_number());
  CHECK(train::PairRunManifest::load(dir.file("r5")).ligand_block.name == "morgan");
}

TEST_CASE("concordance index equals the O(n²) definition with tied targets and predictions; rm2 is in compute_metrics",
          "[train][dta]") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> small(0, 4);  // few distinct values: many ties on both sides
  for (int rep = 0; rep < 20; ++rep) {
    const int n = 5 + rep * 7;
    std::vector<double> p(n), y(n);
    for (int i = 0; i < n; ++i) p[i] = small(rng), y[i] = small(rng) + (i % 3 == 0 ? 0.5 : 0.0);
    if (rep % 4 == 1) y[rep % n] = NAN;  // missing label: skipped
    double num = 0, den = 0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        if (std::isnan(y[i]) || std::isnan(y[j]) || !(y[i] > y[j])) continue;
        den += 1;
        num += p[i] > p[j] ? 1.0 : p[i] == p[j] ? 0.5 : 0.0;
      }
    INFO("rep " << rep);
    CHECK_THAT(train::concordance_index(train::Values(p), train::Values(y)), WithinAbs(num / den, 1e-12));
  }
  // perfect, reversed and constant predictions
  std::vector<double> y{1, 2, 3, 4}, up{0.1, 0.2, 0.3, 0.4}, down{4, 3, 2, 1}, flat{2, 2, 2, 2};
  CHECK(train::concordance_index(train::Values(up), train::Values(y)) == 1.0);
  CHECK(train::concordance_index(train::Values(down), train::Values(y)) == 0.0);
  CHECK(train::concordance_index(train::Values(flat), train::Values(y)) == 0.5);

  std::vector<double> py{5.1, 6.3, 7.2, 5.9, 8.4, 6.6}, ty{5.0, 6.0, 7.5, 6.2, 8.0, 6.1};
  auto ms = train::compute_metrics(train::TaskType::regression, train::Values(py), train::Values(ty));
  REQUIRE(ms.count("rm2") == 1);
  CHECK_THAT(ms["rm2"], WithinAbs(core::rm2(py, ty), 1e-12));
  CHECK(ms["rm2"] > 0.5);
  CHECK(train::higher_is_better("rm2"));
  std::vector<double> with_nan = py;
  with_nan[2] = NAN;
  CHECK(std::isnan(train::rm2(train::Values(with_nan), train::Values(ty))));  // a NaN prediction is never skipped
}
