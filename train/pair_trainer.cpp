#include "train/pair_trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numeric>

#include "core/atomic_file.h"
#include "core/checksum.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/svg_plot.h"
#include "core/text.h"
#include "core/torch_runtime.h"
#include "datasets/dataset.h"
#include "datasets/pair_data.h"
#include "models/model_config.h"
#include "train/lr_schedule.h"
#include "train/metrics.h"
#include "train/pair_batch.h"
#include "train/pair_run.h"
#include "train/train_state.h"

namespace hitforge::train {
namespace fs = std::filesystem;
using core::str_cat;
using core::UsageError;

namespace {

/// Pairs of one subset that are valid and carry at least one of the chosen labels, with those labels [n, T].
struct PairSubset {
  std::vector<std::int64_t> pairs;
  std::vector<float> targets;
};

PairSubset load_pair_subset(const data::PairData& data, const std::vector<std::int64_t>& split_pairs,
                            const std::vector<bool>& valid, const std::vector<size_t>& cols) {
  PairSubset s;
  std::vector<std::int64_t> ok;
  for (auto p : split_pairs)
    if (p >= 0 && p < data.n_pairs() && valid[static_cast<size_t>(p)]) ok.push_back(p);
  const size_t nl = data.label_names().size();
  const auto b = data.batch(ok);
  for (size_t r = 0; r < ok.size(); ++r) {
    bool any = false;
    for (size_t c : cols) any |= std::isfinite(b.targets[r * nl + c]);
    if (!any) continue;
    s.pairs.push_back(ok[r]);
    for (size_t c : cols) s.targets.push_back(b.targets[r * nl + c]);
  }
  return s;
}

void unscale(std::vector<float>& v, const ColumnScaler& scaler) {
  const size_t t = scaler.mean.size();
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(v[i] * scaler.std[i % t] + scaler.mean[i % t]);
}

/// The DTA metrics of a subset (means over labels), NaN → null for JSON.
nlohmann::json subset_metrics(const std::vector<float>& preds, const PairSubset& s, std::size_t n_tasks,
                              const std::vector<std::string>& names) {
  std::vector<TaskType> types(n_tasks, TaskType::regression);
  auto mt = compute_multitask_metrics(types, Values(preds), Values(s.targets));
  nlohmann::json m = mt.mean;
  if (n_tasks > 1) {
    nlohmann::json per = nlohmann::json::object();
    for (size_t c = 0; c < n_tasks; ++c) per[names[c]] = mt.per_task[c];
    m["per_task"] = per;
  }
  m["n"] = s.pairs.size();
  return m;
}

void null_non_finite(nlohmann::json& j) {
  for (auto& [k, v] : j.items()) {
    if (v.is_object())
      null_non_finite(v);
    else if (v.is_number_float() && !std::isfinite(v.get<double>()))
      v = nullptr;
  }
}

}  // namespace

nlohmann::json train_pair_model(const TrainOptions& o) {
  HITFORGE_REQUIRE(!o.out_dir.empty(), "no run directory given (--out)");
  HITFORGE_REQUIRE(!o.split.empty(), "pair model '", o.model,
                   "' needs a named split of the pair dataset (--split, "
                   "e.g. setting1, cold-drug, cold-target)");
  HITFORGE_REQUIRE(o.epochs >= 1 && o.batch_size >= 1, "epochs and batch size must be >= 1");
  HITFORGE_REQUIRE(o.ensemble == 1, "--ensemble ", o.ensemble, " is not supported for pair model '", o.model,
                   "' yet (train members with different --seed values instead)");
  HITFORGE_REQUIRE(o.task.empty() || o.task == "regression", "pair model '", o.model,
                   "' predicts affinities (regression); --task ", o.task, " is not supported");
  HITFORGE_REQUIRE(!o.class_weights, "--class-weights applies to classification, not to pair model '", o.model, "'");
  HITFORGE_REQUIRE(o.extra_block.empty(), "--extra-features is not supported for pair model '", o.model, "'");
  if (const char* w = std::getenv("WORLD_SIZE"))
    HITFORGE_REQUIRE(std::atoi(w) <= 1, "distributed training (WORLD_SIZE=", w, ") is not supported for pair model '",
                     o.model, "' yet");
  const torch::Device device = core::parse_device(o.device);
  data::Dataset ds(o.data);
  HITFORGE_REQUIRE(ds.has_pairs(), "model '", o.model, "' is a drug–target pair model but '", o.data,
                   "' is not a pair dataset (build one with hitforge dataset build --pairs or --registry davis)");
  const auto split = ds.split(o.split);

  // ligand block: the graph block for a D-MPNN ligand encoder, the first fingerprint/descriptor block for fp_mlp
  const nlohmann::json config = o.model_config.is_null() ? nlohmann::json::object() : o.model_config;
  std::string block = o.input_block;
  if (block.empty()) {
    const bool graph = config.value("ligand_encoder", std::string("dmpnn")) != "fp_mlp";
    for (const auto& b : ds.blocks())
      if (block.empty() && b.kind != chem::FeatureKind::tokens && (b.kind == chem::FeatureKind::graph) == graph)
        block = b.name;
    HITFORGE_REQUIRE(!block.empty(), "'", o.data, "' has no ", graph ? "graph" : "fingerprint",
                     " block for the ligand encoder; rebuild it with --featurizer ", graph ? "graph" : "morgan");
  }
  {
    const auto& b = ds.block(block);
    HITFORGE_REQUIRE(b.kind != chem::FeatureKind::tokens, "feature block '", block,
                     "' holds tokens; the ligand "
                     "encoder takes a graph or a fingerprint/descriptor block");
    if (config.contains("ligand_encoder")) {
      const std::string enc = config.value("ligand_encoder", std::string());
      HITFORGE_REQUIRE((enc == "dmpnn") == (b.kind == chem::FeatureKind::graph), "ligand block '", block, "' is ",
                       chem::to_string(b.kind), " but ligand_encoder '", enc, "' takes ",
                       enc == "dmpnn" ? "a graph block" : "a fingerprint/descriptor block",
                       " (change --input-block or ligand_encoder)");
    }
  }
  auto t_load = std::chrono::steady_clock::now();
  const data::PairData data = data::PairData::load(ds, block);
  const auto& lb = data.ligand_block();

  // labels
  const auto& names = data.label_names();
  HITFORGE_REQUIRE(!names.empty(), "'", o.data, "' has no pair labels to train on");
  std::vector<std::string> targets = o.targets.empty() ? names : o.targets;
  std::vector<size_t> cols;
  for (const auto& t : targets) {
    auto it = std::find(names.begin(), names.end(), t);
    HITFORGE_REQUIRE(it != names.end(), "no pair label '", t, "' in '", o.data, "' (labels: ", core::join(names), ")");
    cols.push_back(static_cast<size_t>(it - names.begin()));
  }
  const auto T = static_cast<std::int64_t>(cols.size());

  std::vector<bool> valid(static_cast<size_t>(data.n_pairs()), false);
  for (auto p : data.valid_pairs()) valid[static_cast<size_t>(p)] = true;
  PairSubset train = load_pair_subset(data, split.split.train, valid, cols);
  PairSubset val = load_pair_subset(data, split.split.valid, valid, cols);
  PairSubset test = load_pair_subset(data, split.split.test, valid, cols);
  HITFORGE_REQUIRE(train.pairs.size() >= 2 && !val.pairs.empty(), "split '", o.split,
                   "' leaves too few labelled valid pairs (train ", train.pairs.size(), ", valid ", val.pairs.size(),
                   ")");
  core::log_info(str_cat("pairs: train ", train.pairs.size(), ", valid ", val.pairs.size(), ", test ",
                         test.pairs.size(), "; ligand block '", block, "' (", chem::to_string(lb.kind),
                         "), proteins cropped to ", data.protein_max_length(), " residues; loaded in ",
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count(), " s"));

  PairRunManifest man;
  man.hitforge_version = HITFORGE_VERSION;
  man.ligand_block = lb;
  man.ligand_bond_width = data.bond_width();
  man.protein_crop = ds.protein_crop();
  man.protein_max_length = data.protein_max_length();
  man.protein_vocabulary = nlohmann::json::parse(ds.protein_vocabulary_json());
  man.protein_vocab_size = data.protein_vocab_size();
  man.targets = targets;
  man.target_scaler = ColumnScaler::fit(train.targets, cols.size());
  man.dataset_path = o.data;
  man.dataset_sha256 = core::sha256_file(o.data);
  man.split = o.split;
  man.standardize = ds.provenance("standardize");
  man.train_options = o.to_json();

  models::ModelDims dims;
  dims.n_tasks = T;
  dims.vocab_size = data.protein_vocab_size();
  if (lb.kind == chem::FeatureKind::graph) {
    dims.atom_dim = lb.width;
    dims.bond_dim = data.bond_width();
  } else {
    dims.input_dim = lb.width;
  }
  fs::create_directories(o.out_dir);
  {
    torch::manual_seed(o.seed);
    auto probe = models::make_pair_model(o.model, config, dims);
    man.model = models::model_spec(*probe);
  }
  if (o.resume && fs::exists(fs::path(o.out_dir) / "run.json")) {
    HITFORGE_REQUIRE(is_pair_run(o.out_dir), "cannot resume '", o.out_dir, "': it holds a run of another kind");
    PairRunManifest old = PairRunManifest::load(o.out_dir);
    HITFORGE_REQUIRE(old.dataset_sha256 == man.dataset_sha256 && old.model == man.model && old.split == man.split &&
                         old.ligand_block.name == man.ligand_block.name,
                     "cannot resume '", o.out_dir, "': it was started with different data, split or model options");
    require_same_trajectory(old.train_options, o, o.out_dir);
  } else if (!o.resume && fs::exists(fs::path(o.out_dir) / "run.json")) {
    throw UsageError(
        str_cat("'", o.out_dir, "' already holds a run; pass --resume to continue it or choose another --out"));
  }
  man.save(o.out_dir);

  std::vector<float> train_y = train.targets;
  man.target_scaler.transform(train_y, NAN);
  const std::string metric = "mse";  // selection metric on the validation pairs (lower is better)
  const std::string log_path = (fs::path(o.out_dir) / "log.jsonl").string();
  const auto n_train = static_cast<std::int64_t>(train.pairs.size());
  std::vector<std::int64_t> order(static_cast<size_t>(n_train));
  std::iota(order.begin(), order.end(), 0);
  const std::int64_t steps_per_epoch = (n_train + o.batch_size - 1) / o.batch_size;
  const NoamSchedule sched = make_schedule(o, steps_per_epoch);

  torch::manual_seed(o.seed);
  auto model = models::make_pair_model(man.model);
  model->to(device);
  std::unique_ptr<torch::optim::Optimizer> opt = make_optimizer(o, model->module()->parameters());
  const fs::path mdir = fs::path(o.out_dir) / "member_0";
  fs::create_directories(mdir);
  const std::string state_path = (mdir / "state.pt").string();
  std::vector<torch::Tensor> best = snapshot(*model->module());
  TrainState st;
  if (o.resume && fs::exists(state_path)) {
    st = load_train_state(state_path, *model->module(), *opt, best);
    drop_log_lines_after(log_path, 0, st.epoch);  // an epoch logged but not checkpointed is re-run
    core::log_info(str_cat("resuming after epoch ", st.epoch, " (best valid ", metric, " ", st.best_metric,
                           " at epoch ", st.best_epoch, ")"));
  }
  const auto kind = model->ligand_input();
  model->train();
  auto t_run = std::chrono::steady_clock::now();
  int session_epochs = 0;
  while (!st.finished && st.epoch < o.epochs) {
    if (o.session_epochs > 0 && session_epochs >= o.session_epochs)  // as lm_trainer: stop resumably
      return {{"paused", true}, {"epoch", st.epoch}, {"epochs", o.epochs}};
    ++session_epochs;
    auto t0 = std::chrono::steady_clock::now();
    auto batches = data::make_batches(order, static_cast<size_t>(o.batch_size), true,
                                      o.seed * 1000003ULL + static_cast<std::uint64_t>(st.epoch));
    core::ProgressOptions po;
    po.label = str_cat("epoch ", st.epoch + 1, "/", o.epochs);
    po.unit = "batch";
    po.enabled = o.progress;
    core::ProgressBar bar(batches.size(), po);
    double loss_sum = 0;
    std::int64_t loss_n = 0;
    for (const auto& b : batches) {
      if (b.size() < 2 && batches.size() > 1) continue;  // as the property trainer: a 1-pair tail adds only noise
      set_lr(*opt, sched.lr(st.step));
      std::vector<std::int64_t> pairs(b.size());
      auto y = torch::empty({static_cast<std::int64_t>(b.size()), T}, torch::kFloat32);
      float* yp = y.data_ptr<float>();
      for (size_t r = 0; r < b.size(); ++r) {
        pairs[r] = train.pairs[static_cast<size_t>(b[r])];
        for (std::int64_t c = 0; c < T; ++c) yp[r * T + c] = train_y[static_cast<size_t>(b[r] * T + c)];
      }
      auto input = make_dta_input(data, data.batch(pairs), kind).to(device);
      y = y.to(device);
      opt->zero_grad();
      auto out = model->forward(input);
      auto mask = torch::isfinite(y);
      auto loss = (torch::where(mask, out - y, torch::zeros_like(out)).pow(2)).sum() / mask.sum().clamp_min(1);
      loss.backward();
      if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(model->module()->parameters(), o.grad_clip);
      opt->step();
      loss_sum += loss.item<double>() * static_cast<double>(b.size());
      loss_n += static_cast<std::int64_t>(b.size());
      ++st.step;
      bar.add(1);
    }
    bar.finish();
    auto vp = predict_pairs_raw(*model, data, val.pairs, device);
    unscale(vp, man.target_scaler);
    nlohmann::json vm = subset_metrics(vp, val, static_cast<size_t>(T), targets);
    const double v = vm[metric].get<double>();
    ++st.epoch;
    const bool improved = std::isfinite(v) && (!std::isfinite(st.best_metric) || v < st.best_metric);
    if (improved) {
      st.best_metric = v;
      st.best_epoch = st.epoch;
      st.bad_epochs = 0;
      best = snapshot(*model->module());
    } else {
      ++st.bad_epochs;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double train_loss = loss_n ? loss_sum / static_cast<double>(loss_n) : NAN;
    nlohmann::json line = {{"member", 0},
                           {"epoch", st.epoch},
                           {"train_loss", train_loss},
                           {"lr", sched.lr(st.step)},
                           {"seconds", secs},
                           {"train_pairs_per_s", secs > 0 ? static_cast<double>(loss_n) / secs : 0.0}};
    for (const char* k : {"mse", "rmse", "ci", "rm2", "pearson", "spearman"})
      line[str_cat("valid_", k)] = vm.contains(k) && vm[k].is_number() ? vm[k] : nlohmann::json(nullptr);
    null_non_finite(line);
    append_log_line(log_path, line.dump());
    core::log_info(str_cat("epoch ", st.epoch, ": train loss ", train_loss, ", valid mse ", v, " ci ",
                           vm.value("ci", NAN), improved ? " (best)" : "", ", ",
                           static_cast<long>(static_cast<double>(loss_n) / std::max(secs, 1e-9)), " pairs/s"));
    if (o.patience > 0 && st.bad_epochs >= o.patience) st.finished = true;
    if (st.epoch >= o.epochs) st.finished = true;
    save_train_state(state_path, *model->module(), *opt, best, st);
  }
  restore(*model->module(), best);
  save_pair_model(*model, (mdir / "model.pt").string());
  const double run_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_run).count();

  // final metrics with the best weights; test evaluated only here
  nlohmann::json metrics;
  const char* subset_names[3] = {"train", "valid", "test"};
  const PairSubset* subsets[3] = {&train, &val, &test};
  std::vector<float> test_pred;
  for (int s = 0; s < 3; ++s) {
    auto p = predict_pairs_raw(*model, data, subsets[s]->pairs, device);
    unscale(p, man.target_scaler);
    metrics[subset_names[s]] = subsets[s]->pairs.empty()
                                   ? nlohmann::json{{"n", 0}}
                                   : subset_metrics(p, *subsets[s], static_cast<size_t>(T), targets);
    if (s == 2) test_pred = std::move(p);
  }
  metrics["primary_metric"] = metric;
  metrics["best_epoch"] = st.best_epoch;
  metrics["epochs_run"] = st.epoch;
  metrics["split"] = o.split;
  metrics["model"] = o.model;
  metrics["members"] = nlohmann::json::array({{{"member", 0},
                                               {"seed", o.seed},
                                               {"best_epoch", st.best_epoch},
                                               {"best_valid_" + metric, st.best_metric},
                                               {"seconds_this_session", run_secs}}});
  null_non_finite(metrics);
  core::write_file_atomic((fs::path(o.out_dir) / "metrics.json").string(), metrics.dump(2) + "\n");

  // predictions on the test pairs
  {
    const auto lig_ids = ds.ids();
    const auto prot_ids = ds.protein_ids();
    const auto pair_lig = ds.pair_ligands();
    const auto pair_prot = ds.pair_proteins();
    std::string csv = "pair,ligand,protein";
    for (const auto& t : targets) csv += "," + core::csv_field(t) + "," + core::csv_field("pred_" + t);
    csv += "\n";
    for (size_t r = 0; r < test.pairs.size(); ++r) {
      const auto p = static_cast<size_t>(test.pairs[r]);
      csv += str_cat(test.pairs[r], ",", core::csv_field(lig_ids[static_cast<size_t>(pair_lig[p])]), ",",
                     core::csv_field(prot_ids[static_cast<size_t>(pair_prot[p])]));
      for (std::int64_t c = 0; c < T; ++c)
        csv += str_cat(",", test.targets[r * static_cast<size_t>(T) + static_cast<size_t>(c)], ",",
                       test_pred[r * static_cast<size_t>(T) + static_cast<size_t>(c)]);
      csv += "\n";
    }
    core::write_file_atomic((fs::path(o.out_dir) / "predictions_test.csv").string(), csv);
  }
  if (o.plots) {
    auto loss = read_log_column(log_path, 0, "train_loss");
    auto vmse = read_log_column(log_path, 0, "valid_mse");
    auto vci = read_log_column(log_path, 0, "valid_ci");
    std::vector<double> x(loss.size());
    std::iota(x.begin(), x.end(), 1.0);
    core::ChartOptions lo;
    lo.title = "Training loss";
    lo.x_label = "epoch";
    lo.y_label = "MSE (standardised labels)";
    lo.log_y = true;
    core::write_svg((fs::path(o.out_dir) / "learning_curve.svg").string(),
                    core::line_chart({{"train loss", x, loss}}, lo));
    core::ChartOptions mo;
    mo.title = "Validation MSE and CI (best epoch chosen on MSE)";
    mo.x_label = "epoch";
    mo.y_label = "value";
    core::write_svg((fs::path(o.out_dir) / "valid_metric.svg").string(),
                    core::line_chart({{"valid mse", x, vmse}, {"valid ci", x, vci}}, mo));
    std::vector<double> px, py;
    for (size_t r = 0; r < test.pairs.size(); ++r) {
      const float yv = test.targets[r * static_cast<size_t>(T)];
      if (std::isfinite(yv)) px.push_back(yv), py.push_back(test_pred[r * static_cast<size_t>(T)]);
    }
    if (!px.empty()) {
      core::ChartOptions po;
      po.title = "Test parity: " + targets[0];
      po.x_label = "measured";
      po.y_label = "predicted";
      po.diagonal = true;
      const auto& tm = metrics["test"];
      auto num = [&](const char* k) { return tm.contains(k) && tm[k].is_number() ? tm[k].get<double>() : NAN; };
      char ann[128];
      std::snprintf(ann, sizeof ann, "MSE %.3f\nCI %.3f\nr_m² %.3f\nn = %zu", num("mse"), num("ci"), num("rm2"),
                    px.size());
      po.annotation = ann;
      core::write_svg((fs::path(o.out_dir) / "parity_test.svg").string(), core::scatter_chart({{"test", px, py}}, po));
    }
  }
  return metrics;
}

}  // namespace hitforge::train
