#include "train/trainer.h"

#include <algorithm>

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <cstdio>
#include <fstream>
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
#include "models/model_config.h"
#include "train/distributed.h"  // distributed (issue #3)
#include "train/feature_rows.h"
#include "train/lm_trainer.h"
#include "train/lr_schedule.h"
#include "train/metrics.h"
#include "train/pair_trainer.h"
#include "train/precision.h"
#include "train/predictor.h"
#include "train/run_manifest.h"
#include "train/train_state.h"

namespace hitforge::train {
namespace fs = std::filesystem;
using core::str_cat;
using core::UsageError;

nlohmann::json TrainOptions::to_json() const {
  return {{"data", data},           {"split", split},         {"model", model},
          {"input_block", input_block}, {"extra_block", extra_block}, {"feature_scaling", feature_scaling},
          {"targets", targets},
          {"task", task},           {"epochs", epochs},       {"batch_size", batch_size},
          {"patience", patience},   {"max_lr", max_lr},       {"init_lr", init_lr},
          {"final_lr", final_lr},   {"warmup_epochs", warmup_epochs}, {"lr_decay", lr_decay},
          {"optimizer", optimizer},
          {"weight_decay", weight_decay}, {"grad_clip", grad_clip}, {"class_weights", class_weights},
          {"ensemble", ensemble},   {"seed", seed},           {"device", device},
          {"randomize_smiles", randomize_smiles}, {"init_from", init_from}, {"precision", precision}};
}

void require_same_trajectory(const nlohmann::json& recorded, const TrainOptions& now, const std::string& out_dir) {
  static const char* const kKeys[] = {"epochs",    "patience",         "batch_size", "max_lr",    "init_lr",
                                      "final_lr",  "warmup_epochs",    "lr_decay",   "optimizer", "weight_decay",
                                      "grad_clip", "class_weights",    "seed",       "ensemble",  "task",
                                      "targets",   "randomize_smiles", "precision", "feature_scaling"};
  const nlohmann::json current = now.to_json();
  for (const char* key : kKeys) {
    if (!recorded.contains(key) || !current.contains(key) || recorded[key] == current[key]) continue;
    std::string flag = std::string(key) == "max_lr" ? "lr" : key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    throw UsageError(str_cat("cannot resume '", out_dir, "': it was started with --", flag, " ", recorded[key].dump(),
                             ", not ", current[key].dump(), " (a resumed run must follow the same training ",
                             "trajectory; to change it, start a new run)"));
  }
}

namespace {

/// Rows of one subset: features in memory plus targets [n, T] (NaN = missing).
struct Subset {
  std::vector<std::int64_t> records;
  FeatureRows rows;
  std::vector<float> targets;
};

Subset load_subset(const data::Dataset& ds, const std::vector<std::int64_t>& records,
                   const std::vector<size_t>& target_cols, const InputSpec& spec) {
  Subset s;
  const size_t all_t = ds.target_names().size(), t = target_cols.size();
  std::vector<float> all = ds.targets(records);
  // keep records with at least one label among the chosen targets
  for (size_t r = 0; r < records.size(); ++r) {
    bool any = false;
    for (size_t c : target_cols) any |= std::isfinite(all[r * all_t + c]);
    if (!any) continue;
    s.records.push_back(records[r]);
    for (size_t c : target_cols) s.targets.push_back(all[r * all_t + c]);
  }
  (void)t;
  s.rows = FeatureRows::load(ds, s.records, spec);
  return s;
}

std::string primary_metric(const std::vector<TaskType>& types) {
  return types.front() == TaskType::classification ? "roc_auc" : "rmse";
}

MetricSet evaluate(const std::vector<float>& preds, const std::vector<float>& targets, const std::vector<TaskType>& types) {
  return compute_multitask_metrics(types, Values(preds), Values(targets)).mean;
}

// Masked loss over a batch: MSE on standardised targets for regression columns, BCE-with-logits (optionally
// positive-weighted) for classification columns; missing labels contribute nothing. `denominator` > 0 replaces the
// batch's own count of labels (distributed: the global batch's count over the world size).
torch::Tensor masked_loss(const torch::Tensor& out, const torch::Tensor& y, const torch::Tensor& is_cls,
                          const torch::Tensor& pos_weight, double denominator = 0) {
  auto mask = torch::isfinite(y);
  auto yz = torch::where(mask, y, torch::zeros_like(y));
  auto mse = (out - yz).pow(2);
  auto bce = torch::binary_cross_entropy_with_logits(out, yz, {}, pos_weight, at::Reduction::None);
  auto per = torch::where(is_cls.expand_as(out), bce, mse) * mask;
  if (denominator > 0) return per.sum() / denominator;
  return per.sum() / mask.sum().clamp_min(1);
}

}  // namespace

NoamSchedule make_schedule(const TrainOptions& o, std::int64_t steps_per_epoch) {
  return NoamSchedule{o.init_lr,
                      o.max_lr,
                      o.final_lr,
                      static_cast<std::int64_t>(o.warmup_epochs * static_cast<double>(steps_per_epoch)),
                      steps_per_epoch * o.epochs,
                      parse_lr_decay(o.lr_decay)};
}

nlohmann::json train_run(const TrainOptions& o) {
  // the schedule's options, before any trainer writes a run directory
  make_schedule(o, 1).validate();
  const Precision precision = parse_precision(o.precision);
  if (models::is_language_model(o.model)) return train_language_model(o);  // generative priors: train/lm_trainer
  HITFORGE_REQUIRE(!o.randomize_smiles, "--randomize-smiles applies to language models (smiles_lstm, ",
                   "smiles_transformer), not to ", o.model);
  HITFORGE_REQUIRE(o.init_from.empty(), "--init-from applies to language models (smiles_lstm, smiles_transformer, ",
                   "protein_lm), not to ", o.model);
  HITFORGE_REQUIRE(precision == Precision::fp32, "--precision ", o.precision, " applies to language-model training ",
                   "(smiles_lstm, smiles_transformer, protein_lm), not to ", o.model, "; train it in fp32");
  if (models::is_pair_model(o.model)) return train_pair_model(o);           // drug–target affinity: train/pair_trainer
  HITFORGE_REQUIRE(!o.out_dir.empty(), "no run directory given (--out)");
  HITFORGE_REQUIRE(!o.split.empty(), "property models need a named split of the dataset (--split)");
  HITFORGE_REQUIRE(o.epochs >= 1 && o.batch_size >= 1 && o.ensemble >= 1, "epochs, batch size and ensemble must be >= 1");
  HITFORGE_REQUIRE(o.optimizer == "adam" || o.optimizer == "adamw", "--optimizer must be adam or adamw");
  const torch::Device device = core::parse_device(o.device);
  // ---- distributed (issue #3): the environment (RANK, WORLD_SIZE, ...) decides; world 1 = no process group.
  // Only rank 0 writes files; every rank trains the same model on its slice of each global batch.
  DistributedContext dist = DistributedContext::from_env();
  // ---- end distributed
  data::Dataset ds(o.data);
  HITFORGE_REQUIRE(!ds.has_pairs(), "'", o.data, "' is a drug–target pair dataset but '", o.model,
                   "' is a property model; train a pair model on it (--model ", core::join(models::known_pair_models()), ")");
  const auto split = ds.split(o.split);

  // targets and task types
  const auto& names = ds.target_names();
  HITFORGE_REQUIRE(!names.empty(), "'", o.data, "' has no targets to train on");
  std::vector<size_t> cols;
  std::vector<std::string> targets = o.targets.empty() ? names : o.targets;
  for (const auto& t : targets) {
    auto it = std::find(names.begin(), names.end(), t);
    HITFORGE_REQUIRE(it != names.end(), "no target '", t, "' in '", o.data, "'");
    cols.push_back(static_cast<size_t>(it - names.begin()));
  }
  std::vector<TaskType> types;
  for (size_t c : cols) types.push_back(o.task.empty() ? parse_task_type(ds.task_types().at(c)) : parse_task_type(o.task));
  const auto T = static_cast<std::int64_t>(cols.size());

  // inputs
  std::string block = o.input_block;
  if (block.empty()) {
    for (const auto& b : ds.blocks()) {
      bool graph = b.kind == chem::FeatureKind::graph;
      if (block.empty() && ((o.model == "dmpnn") == graph) && b.kind != chem::FeatureKind::tokens) block = b.name;
    }
    HITFORGE_REQUIRE(!block.empty(), "'", o.data, "' has no ", o.model == "dmpnn" ? "graph" : "fingerprint",
                     " feature block for model ", o.model, "; rebuild it with --featurizer ",
                     o.model == "dmpnn" ? "graph" : "morgan");
  }
  InputSpec spec = InputSpec::resolve(ds, block, o.extra_block);
  Subset train = load_subset(ds, split.split.train, cols, spec);
  Subset valid = load_subset(ds, split.split.valid, cols, spec);
  Subset test = load_subset(ds, split.split.test, cols, spec);
  HITFORGE_REQUIRE(train.records.size() >= 2 && !valid.records.empty(), "split '", o.split,
                   "' leaves too few labelled records (train ", train.records.size(), ", valid ", valid.records.size(), ")");

  RunManifest man;
  man.hitforge_version = HITFORGE_VERSION;
  man.input = spec;
  man.featurizer_specs.push_back(ds.block(spec.block).spec);
  if (!spec.extra_block.empty()) man.featurizer_specs.push_back(ds.block(spec.extra_block).spec);
  man.targets = targets;
  man.task_types = types;
  std::vector<bool> regress;
  for (auto t : types) regress.push_back(t == TaskType::regression);
  man.target_scaler = ColumnScaler::fit(train.targets, cols.size(), regress);
  train.rows.fit_scalers(man.input_scaler, man.extra_scaler, o.feature_scaling);
  for (Subset* s : {&train, &valid, &test}) s->rows.apply_scalers(man.input_scaler, man.extra_scaler);
  man.dataset_path = o.data;
  man.dataset_sha256 = core::sha256_file(o.data);
  man.split = o.split;
  man.standardize = ds.provenance("standardize");
  man.ensemble = o.ensemble;
  man.train_options = o.to_json();

  models::ModelDims dims;
  dims.n_tasks = T;
  if (spec.kind == chem::FeatureKind::graph) {
    dims.atom_dim = spec.width;
    dims.bond_dim = spec.bond_width;
    dims.extra_features_dim = spec.extra_width;
  } else {
    dims.input_dim = spec.width;
  }
  if (dist.is_main()) fs::create_directories(o.out_dir);  // distributed (issue #3): rank 0 writes
  {
    torch::manual_seed(static_cast<std::uint64_t>(o.seed));
    auto probe = models::make_model(o.model, o.model_config, dims);
    man.model = models::model_spec(*probe);
  }
  // ---- distributed (issue #3): the run-directory checks are agreed on, so a refusal on one rank stops them all
  // (instead of leaving the others waiting in a collective); rank 0 writes only after every rank has checked.
  dist.agree_on(
      [&] {
        if (o.resume && fs::exists(fs::path(o.out_dir) / "run.json")) {
          RunManifest old = RunManifest::load(o.out_dir);
          HITFORGE_REQUIRE(old.dataset_sha256 == man.dataset_sha256 && old.model == man.model && old.split == man.split,
                           "cannot resume '", o.out_dir,
                           "': it was started with different data, split or model options");
          require_same_trajectory(old.train_options, o, o.out_dir);
        } else if (!o.resume && fs::exists(fs::path(o.out_dir) / "run.json")) {
          throw UsageError(str_cat("'", o.out_dir,
                                   "' already holds a run; pass --resume to continue it or choose another --out"));
        }
      },
      str_cat("'", o.out_dir, "'"));
  if (dist.is_main()) man.save(o.out_dir);
  // ---- end distributed

  // scaled training targets and per-task tensors for the loss
  std::vector<float> train_y = train.targets;
  man.target_scaler.transform(train_y, NAN);
  auto is_cls = torch::zeros({1, T}, torch::kBool);
  auto pos_weight = torch::ones({T});
  for (std::int64_t c = 0; c < T; ++c) {
    if (types[c] != TaskType::classification) continue;
    is_cls[0][c] = true;
    if (o.class_weights) {
      double pos = 0, neg = 0;
      for (size_t r = 0; r < train.records.size(); ++r) {
        float v = train.targets[r * T + c];
        if (std::isfinite(v)) (v > 0.5f ? pos : neg) += 1;
      }
      if (pos > 0) pos_weight[c] = static_cast<float>(neg / pos);
    }
  }
  is_cls = is_cls.to(device);
  pos_weight = pos_weight.to(device);

  const std::string metric = primary_metric(types);
  const bool higher = higher_is_better(metric);
  const std::string log_path = (fs::path(o.out_dir) / "log.jsonl").string();
  const auto n_train = static_cast<std::int64_t>(train.records.size());
  std::vector<std::int64_t> order(n_train);
  std::iota(order.begin(), order.end(), 0);
  const std::int64_t steps_per_epoch = (n_train + o.batch_size - 1) / o.batch_size;
  const NoamSchedule sched = make_schedule(o, steps_per_epoch);
  std::vector<std::vector<double>> curve_loss(o.ensemble), curve_metric(o.ensemble);
  std::vector<std::vector<float>> member_preds[3];  // train, valid, test
  nlohmann::json member_summaries = nlohmann::json::array();

  for (int k = 0; k < o.ensemble; ++k) {
    const std::uint64_t seed = o.seed + static_cast<std::uint64_t>(k);
    torch::manual_seed(seed);
    auto model = models::make_model(man.model);
    model->to(device);
    std::unique_ptr<torch::optim::Optimizer> opt = make_optimizer(o, model->parameters());
    const fs::path mdir = fs::path(o.out_dir) / str_cat("member_", k);
    if (dist.is_main()) fs::create_directories(mdir);  // distributed (issue #3): rank 0 writes
    const std::string state_path = (mdir / "state.pt").string();
    std::vector<torch::Tensor> best = snapshot(*model->module());
    TrainState st;
    // ---- distributed (issue #3): resuming needs every rank to read the same state.pt (a shared run directory)
    const bool has_state = o.resume && fs::exists(state_path);
    HITFORGE_REQUIRE(dist.same_everywhere(has_state), "--resume with ", dist.world_size(),
                     " processes needs '", state_path, "' on every rank: put --out on a file system all ranks share");
    // ---- end distributed
    if (has_state) {
      st = load_train_state(state_path, *model->module(), *opt, best);
      if (dist.is_main()) drop_log_lines_after(log_path, k, st.epoch);  // an epoch logged but not checkpointed is re-run
      core::log_info(str_cat("member ", k, ": resuming after epoch ", st.epoch, " (best ", metric, " ", st.best_metric,
                             " at epoch ", st.best_epoch, ")"));
    }
    dist.broadcast_parameters(*model->module());  // distributed (issue #3): all ranks start from rank 0's weights
    model->train();
    auto t_member = std::chrono::steady_clock::now();
    while (!st.finished && st.epoch < o.epochs) {
      auto t0 = std::chrono::steady_clock::now();
      auto batches = data::make_batches(order, static_cast<size_t>(o.batch_size), true,
                                        seed * 1000003ULL + static_cast<std::uint64_t>(st.epoch));
      core::ProgressOptions po;
      po.label = str_cat("member ", k, " epoch ", st.epoch + 1, "/", o.epochs);
      po.unit = "batch";
      po.enabled = o.progress && dist.is_main();
      core::ProgressBar bar(batches.size(), po);
      double loss_sum = 0;
      std::int64_t loss_n = 0;
      for (const auto& b : batches) {
        if (b.size() < 2 && batches.size() > 1) continue;  // batch norm needs 2+; a 1-row tail adds only noise
        set_lr(*opt, sched.lr(st.step));
        // ---- distributed (issue #3): this rank takes a contiguous slice `mine` of the global batch `b` and divides
        // its loss sum by (labels in b) / world, so the mean of the ranks' gradients is the gradient of b's loss.
        // Every rank holds all labels, so the global count needs no communication.
        const std::vector<std::int64_t> mine = dist.slice_of(b);
        double denominator = 0;  // 0 = single process: masked_loss's own count
        if (dist.distributed()) {
          std::int64_t labelled = 0;
          for (auto i : b)
            for (std::int64_t c = 0; c < T; ++c) labelled += std::isfinite(train_y[i * T + c]) ? 1 : 0;
          denominator = static_cast<double>(std::max<std::int64_t>(labelled, 1)) / dist.world_size();
        }
        opt->zero_grad();
        double loss_value = 0;
        if (!mine.empty()) {
          auto input = train.rows.batch(mine, model->preferred_input()).to(device);
          auto y = torch::empty({static_cast<std::int64_t>(mine.size()), T}, torch::kFloat32);
          float* yp = y.data_ptr<float>();
          for (size_t r = 0; r < mine.size(); ++r)
            for (std::int64_t c = 0; c < T; ++c) yp[r * T + c] = train_y[mine[r] * T + c];
          y = y.to(device);
          auto loss = masked_loss(model->forward(input), y, is_cls, pos_weight, denominator);
          loss.backward();
          loss_value = loss.item<double>();
        }
        dist.allreduce_gradients(*model->module());  // mean over ranks, before clipping
        // ---- end distributed
        if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), o.grad_clip);
        opt->step();
        loss_sum += loss_value / dist.world_size() * b.size();  // summed over the ranks after the epoch
        loss_n += static_cast<std::int64_t>(b.size());
        ++st.step;
        bar.add(1);
      }
      bar.finish();
      // ---- distributed (issue #3): rank 0 validates and every rank takes its value, so early stopping agrees
      loss_sum = dist.allreduce_sum(torch::tensor({loss_sum}, torch::kFloat64)).item<double>();
      double v = NAN;
      if (dist.is_main()) {
        auto vp = predict_raw(*model, valid.rows, device);
        postprocess(vp, types, man.target_scaler);
        MetricSet vm = evaluate(vp, valid.targets, types);
        v = vm.count(metric) ? vm.at(metric) : NAN;
      }
      v = dist.broadcast(v);
      // ---- end distributed
      ++st.epoch;
      bool improved = std::isfinite(v) && (!std::isfinite(st.best_metric) || (higher ? v > st.best_metric : v < st.best_metric));
      if (improved) {
        st.best_metric = v;
        st.best_epoch = st.epoch;
        st.bad_epochs = 0;
        best = snapshot(*model->module());
      } else {
        ++st.bad_epochs;
      }
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      double train_loss = loss_n ? loss_sum / loss_n : NAN;
      nlohmann::json line = {{"member", k}, {"epoch", st.epoch}, {"train_loss", train_loss},
                             {"valid_" + metric, v}, {"lr", sched.lr(st.step)}, {"seconds", secs},
                             {"train_mol_per_s", secs > 0 ? loss_n / secs : 0.0}};
      if (dist.is_main()) {  // distributed (issue #3): rank 0 writes
        append_log_line(log_path, line.dump());
        core::log_info(str_cat("member ", k, " epoch ", st.epoch, ": train loss ", train_loss, ", valid ", metric, " ", v,
                               improved ? " (best)" : "", ", ", static_cast<long>(loss_n / std::max(secs, 1e-9)), " mol/s"));
      }
      if (o.patience > 0 && st.bad_epochs >= o.patience) st.finished = true;
      if (st.epoch >= o.epochs) st.finished = true;
      if (dist.is_main()) save_train_state(state_path, *model->module(), *opt, best, st);  // distributed (issue #3): rank 0 writes
    }
    restore(*model->module(), best);
    if (!dist.is_main()) continue;  // distributed (issue #3): the other ranks get rank 0's metrics below
    save_model(*model, (mdir / "model.pt").string());
    double member_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_member).count();
    // learning curve from the log (complete across resumes)
    std::ifstream log_in(log_path);
    std::string l;
    while (std::getline(log_in, l)) {
      auto j = nlohmann::json::parse(l, nullptr, false);
      if (j.is_discarded() || j.value("member", -1) != k) continue;
      curve_loss[k].push_back(j.value("train_loss", NAN));
      curve_metric[k].push_back(j["valid_" + metric].is_number() ? j["valid_" + metric].get<double>() : NAN);
    }
    Subset* subsets[3] = {&train, &valid, &test};
    for (int s = 0; s < 3; ++s) {
      auto p = predict_raw(*model, subsets[s]->rows, device);
      postprocess(p, types, man.target_scaler);
      member_preds[s].push_back(std::move(p));
    }
    member_summaries.push_back({{"member", k}, {"seed", seed}, {"best_epoch", st.best_epoch},
                                {"best_valid_" + metric, st.best_metric}, {"seconds_this_session", member_secs}});
  }

  // ---- distributed (issue #3): only rank 0 evaluates and writes; the others return its metrics
  if (!dist.is_main()) return nlohmann::json::parse(dist.broadcast(std::string()));
  // ---- end distributed

  // ensemble mean, final metrics, outputs
  nlohmann::json metrics;
  const char* subset_names[3] = {"train", "valid", "test"};
  Subset* subsets[3] = {&train, &valid, &test};
  std::vector<float> test_mean;
  for (int s = 0; s < 3; ++s) {
    std::vector<float> mean(member_preds[s][0].size(), 0.0f);
    for (const auto& p : member_preds[s])
      for (size_t i = 0; i < mean.size(); ++i) mean[i] += p[i] / static_cast<float>(member_preds[s].size());
    auto mt = compute_multitask_metrics(types, Values(mean), Values(subsets[s]->targets));
    nlohmann::json m = mt.mean;
    if (T > 1) {
      nlohmann::json per = nlohmann::json::object();
      for (std::int64_t c = 0; c < T; ++c) per[targets[c]] = mt.per_task[c];
      m["per_task"] = per;
    }
    m["n"] = subsets[s]->records.size();
    metrics[subset_names[s]] = m;
    if (s == 2) test_mean = mean;
  }
  metrics["primary_metric"] = metric;
  metrics["members"] = member_summaries;
  for (auto& [k, v] : metrics.items())
    if (v.is_object())
      for (auto& [mk, mv] : v.items())
        if (mv.is_number_float() && !std::isfinite(mv.get<double>())) mv = nullptr;
  core::write_file_atomic((fs::path(o.out_dir) / "metrics.json").string(), metrics.dump(2) + "\n");
  dist.broadcast(metrics.dump());  // distributed (issue #3): to the other ranks

  // predictions on the test subset
  {
    std::string csv = "record,smiles";
    for (const auto& t : targets) csv += "," + t + ",pred_" + t;
    csv += "\n";
    auto smiles = ds.smiles();
    for (size_t r = 0; r < test.records.size(); ++r) {
      csv += std::to_string(test.records[r]) + ",\"" + smiles[test.records[r]] + "\"";
      for (std::int64_t c = 0; c < T; ++c) csv += str_cat(",", test.targets[r * T + c], ",", test_mean[r * T + c]);
      csv += "\n";
    }
    core::write_file_atomic((fs::path(o.out_dir) / "predictions_test.csv").string(), csv);
  }
  if (o.plots) {
    std::vector<core::PlotSeries> loss_s, metric_s;
    for (int k = 0; k < o.ensemble; ++k) {
      std::vector<double> x(curve_loss[k].size());
      std::iota(x.begin(), x.end(), 1.0);
      loss_s.emplace_back(str_cat("member ", k, " train loss"), x, curve_loss[k]);
      metric_s.emplace_back(str_cat("member ", k, " valid ", metric), x, curve_metric[k]);
    }
    core::ChartOptions lo;
    lo.title = "Training loss";
    lo.x_label = "epoch";
    lo.y_label = "loss (standardised targets)";
    lo.log_y = true;
    core::write_svg((fs::path(o.out_dir) / "learning_curve.svg").string(), core::line_chart(loss_s, lo));
    core::ChartOptions mo;
    mo.title = "Validation " + metric + " (best epoch chosen on this)";
    mo.x_label = "epoch";
    mo.y_label = metric;
    core::write_svg((fs::path(o.out_dir) / "valid_metric.svg").string(), core::line_chart(metric_s, mo));
    // task 0 on the test subset: parity plot (regression) or ROC curve (classification)
    std::vector<double> px, py;
    for (size_t r = 0; r < test.records.size(); ++r) {
      float y = test.targets[r * T];
      if (std::isfinite(y)) px.push_back(y), py.push_back(test_mean[r * T]);
    }
    if (types[0] == TaskType::regression) {
      core::ChartOptions po;
      po.title = "Test parity: " + targets[0];
      po.x_label = "measured";
      po.y_label = "predicted";
      po.diagonal = true;
      char ann[96];
      std::snprintf(ann, sizeof ann, "RMSE %.3f\nR² %.3f\nn = %zu", metrics["test"].value("rmse", NAN),
                    metrics["test"].value("r2", NAN), px.size());
      po.annotation = ann;
      core::write_svg((fs::path(o.out_dir) / "parity_test.svg").string(), core::scatter_chart({{"test", px, py}}, po));
    } else {
      std::vector<size_t> idx(px.size());
      std::iota(idx.begin(), idx.end(), 0);
      std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return py[a] > py[b]; });
      double pos = 0, neg = 0;
      for (double y : px) (y > 0.5 ? pos : neg) += 1;
      std::vector<double> fpr{0}, tpr{0};
      double tp = 0, fp = 0;
      for (size_t i : idx) {
        (px[i] > 0.5 ? tp : fp) += 1;
        fpr.push_back(neg ? fp / neg : 0);
        tpr.push_back(pos ? tp / pos : 0);
      }
      core::ChartOptions ro;
      ro.title = "Test ROC: " + targets[0];
      ro.x_label = "false positive rate";
      ro.y_label = "true positive rate";
      ro.diagonal = true;
      ro.x_min = ro.y_min = 0;
      ro.x_max = ro.y_max = 1;
      core::write_svg((fs::path(o.out_dir) / "roc_test.svg").string(), core::line_chart({{"model", fpr, tpr}}, ro));
    }
  }
  return metrics;
}

}  // namespace hitforge::train
