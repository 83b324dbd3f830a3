// Training learns (beats a trivial baseline on held-out data), is deterministic per seed, and checkpoints
// describe themselves well enough for Predictor to reproduce the trainer's test metrics.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/threads.h"
#include "datasets/builder.h"
#include "datasets/dataset.h"
#include "datasets/split_dataset.h"
#include "train/metrics.h"
#include "train/predictor.h"
#include "train/trainer.h"
#include "test_util.h"

using namespace hitforge;
namespace fs = std::filesystem;

namespace {
// 600 NCI molecules with TPSA; Morgan bits + graphs; a random 80/10/10 split named "r".
std::string build_tpsa(const testing::TempDir& dir, const std::string& task = "regression",
                       const std::vector<std::string>& extra_featurizers = {}) {
  std::string path = dir.file("tpsa.h5");
  data::BuildOptions b;
  b.input = testing::data_path("nci_tpsa_600.csv");
  b.output = path;
  b.reader.value_cols = {"tpsa"};
  b.featurizers = {"morgan:radius=2,bits=1024", "graph"};
  for (const auto& f : extra_featurizers) b.featurizers.push_back(f);
  b.progress = false;
  b.threads = 2;
  data::build_dataset(b);
  data::Dataset ds(path);
  data::SplitRequest req;
  req.method = "random";
  req.seed = 0;
  req.name = "r";
  data::write_splits(path, data::compute_splits(ds, req));
  return path;
}

double baseline_rmse(const std::string& path) {
  // Predicting the training mean for every test molecule.
  data::Dataset ds(path);
  auto s = ds.split("r");
  auto tr = ds.targets(s.split.train), te = ds.targets(s.split.test);
  double mean = 0;
  for (float v : tr) mean += v;
  mean /= tr.size();
  std::vector<double> pred(te.size(), mean);
  std::vector<double> y(te.begin(), te.end());
  return train::rmse(train::Values(pred), train::Values(y));
}

// A run's checkpoint alone (run.json + weights) predicting split 'r''s test subset, beside that subset's targets.
struct TestPredictions {
  std::vector<float> mean, sd, y;
};
TestPredictions predict_test(const train::Predictor& p, const std::string& data) {
  data::Dataset ds(data);
  const auto test = ds.split("r").split.test;
  auto rows = train::FeatureRows::load(ds, test, p.manifest().input);
  p.prepare_rows(rows);
  TestPredictions t;
  p.predict(rows, t.mean, t.sd);
  t.y = ds.targets(test);
  return t;
}

// Options shared by the tests: no early stopping, quiet, batch 32.
train::TrainOptions tpsa_options(const std::string& data, const std::string& split, const std::string& model,
                                 int epochs, const std::string& out) {
  train::TrainOptions o;
  o.data = data;
  o.split = split;
  o.model = model;
  o.epochs = epochs;
  o.batch_size = 32;
  o.patience = 0;
  o.progress = false;
  o.out_dir = out;
  return o;
}
}  // namespace

TEST_CASE("fingerprint MLP learns TPSA, deterministically, and its checkpoint reproduces the metrics", "[train]") {
  core::configure_threads(2);
  testing::TempDir dir;
  std::string data = build_tpsa(dir);
  double base = baseline_rmse(data);
  train::TrainOptions o = tpsa_options(data, "r", "fp_mlp", 25, dir.file("run_a"));
  auto m = train::train_run(o);
  double test_rmse = m["test"]["rmse"].get<double>();
  INFO("baseline " << base << ", model " << test_rmse);
  CHECK(test_rmse < 0.7 * base);
  CHECK(m["test"]["r2"].get<double>() > 0.5);
  for (auto f : {"run.json", "metrics.json", "log.jsonl", "member_0/model.pt", "member_0/state.pt",
                 "learning_curve.svg", "parity_test.svg", "predictions_test.csv"})
    CHECK(fs::exists(fs::path(o.out_dir) / f));

  // same seed → identical result; different seed → different weights
  o.out_dir = dir.file("run_b");
  auto m2 = train::train_run(o);
  CHECK(m2["test"]["rmse"].get<double>() == test_rmse);
  o.out_dir = dir.file("run_c");
  o.seed = 1;
  auto m3 = train::train_run(o);
  CHECK(m3["test"]["rmse"].get<double>() != test_rmse);

  // the checkpoint alone (run.json + weights) reproduces the test metrics
  const auto t = predict_test(train::Predictor(dir.file("run_a")), data);
  CHECK(train::rmse(train::Values(t.mean), train::Values(t.y)) == Approx(test_rmse).epsilon(1e-5));

  // refusing to overwrite a finished run without --resume
  o.out_dir = dir.file("run_a");
  CHECK_THROWS(train::train_run(o));
  // and to resume it on another trajectory: the option and both values are named
  o.resume = true;
  o.max_lr *= 2;
  CHECK_THROWS_WITH(train::train_run(o), Catch::Contains("--lr") && Catch::Contains("same training trajectory"));
}

TEST_CASE("D-MPNN learns TPSA from graphs; ensembles report spread", "[train]") {
  core::configure_threads(2);
  testing::TempDir dir;
  std::string data = build_tpsa(dir);
  double base = baseline_rmse(data);
  train::TrainOptions o = tpsa_options(data, "r", "dmpnn", 12, dir.file("run"));
  o.model_config = {{"hidden", 64}, {"ffn_hidden", 64}, {"aggregation", "sum"}};  // TPSA is additive over atoms
  o.ensemble = 2;
  o.plots = false;
  auto m = train::train_run(o);
  double test_rmse = m["test"]["rmse"].get<double>();
  INFO("baseline " << base << ", model " << test_rmse);
  CHECK(test_rmse < 0.5 * base);
  CHECK(m["members"].size() == 2);
  train::Predictor p(o.out_dir);
  CHECK(p.members() == 2);
  double spread = 0;
  for (float s : predict_test(p, data).sd) spread += s;
  CHECK(spread > 0);  // two members with different seeds disagree somewhat
}

TEST_CASE("D-MPNN with quantile-scaled RDKit descriptors: learns, and the checkpoint carries the map", "[train]") {
  core::configure_threads(2);
  testing::TempDir dir;
  std::string data = build_tpsa(dir, "regression", {"rdkit2d"});
  double base = baseline_rmse(data);
  train::TrainOptions o = tpsa_options(data, "r", "dmpnn", 10, dir.file("run"));
  o.model_config = {{"hidden", 64}, {"ffn_hidden", 64}};
  o.extra_block = "rdkit2d";
  o.feature_scaling = "quantile";
  o.plots = false;
  auto m = train::train_run(o);
  double test_rmse = m["test"]["rmse"].get<double>();
  INFO("baseline " << base << ", model " << test_rmse);
  CHECK(test_rmse < 0.5 * base);  // TPSA is itself among the descriptors: the bounded map keeps it usable

  train::Predictor p(o.out_dir);
  REQUIRE(p.manifest().extra_scaler.is_quantile());
  CHECK(p.manifest().extra_scaler.knots.size() == static_cast<size_t>(p.manifest().input.extra_width));
  const auto t = predict_test(p, data);
  CHECK(train::rmse(train::Values(t.mean), train::Values(t.y)) == Approx(test_rmse).epsilon(1e-5));

  // resuming with the other scaling would change the trajectory: refused, naming the option
  o.resume = true;
  o.feature_scaling = "standard";
  CHECK_THROWS_WITH(train::train_run(o), Catch::Contains("--feature-scaling"));
}

TEST_CASE("classification with missing labels: masked loss, ROC-AUC well above chance", "[train]") {
  core::configure_threads(2);
  testing::TempDir dir;
  // label = TPSA > 50, with every 7th label missing
  std::ifstream in(testing::data_path("nci_tpsa_600.csv"));
  std::ofstream out(dir.file("cls.csv"));
  std::string line;
  std::getline(in, line);
  out << "smiles,polar\n";
  int i = 0;
  while (std::getline(in, line)) {
    auto comma = line.rfind(',');
    double tpsa = std::stod(line.substr(comma + 1));
    out << line.substr(0, comma) << "," << (i++ % 7 == 3 ? "" : (tpsa > 50 ? "1" : "0")) << "\n";
  }
  out.close();
  data::BuildOptions b;
  b.input = dir.file("cls.csv");
  b.output = dir.file("cls.h5");
  b.reader.value_cols = {"polar"};
  b.featurizers = {"morgan:radius=2,bits=1024"};
  b.progress = false;
  auto summary = data::build_dataset(b);
  CHECK(summary.task_types == std::vector<std::string>{"classification"});
  data::Dataset ds(b.output);
  data::SplitRequest req;
  req.method = "stratified";
  req.name = "s";
  data::write_splits(b.output, data::compute_splits(ds, req));
  train::TrainOptions o = tpsa_options(b.output, "s", "fp_mlp", 20, dir.file("run"));
  o.class_weights = true;
  auto m = train::train_run(o);
  CHECK(m["primary_metric"] == "roc_auc");
  CHECK(m["test"]["roc_auc"].get<double>() > 0.85);
  CHECK(fs::exists(fs::path(o.out_dir) / "roc_test.svg"));
}
