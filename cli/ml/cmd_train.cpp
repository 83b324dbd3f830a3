// hitforge train — train (or resume) a property model, language model or drug–target pair model on a dataset.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "core/error.h"
#include "core/log.h"
#include "core/torch_runtime.h"
#include "models/model_config.h"
#include "train/distributed.h"
#include "train/trainer.h"

namespace hitforge::cli {

namespace {
struct TrainArgs {
  train::TrainOptions opt;
  std::string config_path, targets;
};

void run_train(TrainArgs a, const GlobalOptions& g) {
  core::RuntimeOptions rt;
  rt.threads = g.threads;
  rt.device = g.device;
  core::set_log_level(core::parse_log_level(g.log_level));
  // data-parallel (docs/distributed.md): rank 0 reports, as it alone writes; the other ranks compute the same figures
  // and print only warnings and errors
  const bool reports = train::DistributedOptions::from_env().rank == 0;
  if (!reports) core::set_log_level(std::max(core::log_level(), core::LogLevel::warn));
  core::init_runtime(rt);
  a.opt.seed = g.seed;
  a.opt.device = g.device;
  a.opt.progress = g.progress;
  if (!a.targets.empty()) {
    std::stringstream ss(a.targets);
    std::string t;
    while (std::getline(ss, t, ','))
      if (!t.empty()) a.opt.targets.push_back(t);
  }
  if (!a.config_path.empty()) {
    std::ifstream in(a.config_path);
    HITFORGE_REQUIRE(in.good(), "cannot read model config '", a.config_path, "'");
    a.opt.model_config = nlohmann::json::parse(in, nullptr, false);
    HITFORGE_REQUIRE(!a.opt.model_config.is_discarded() && a.opt.model_config.is_object(), "model config '",
                     a.config_path, "' is not a JSON object");
  }
  nlohmann::json m = train::train_run(a.opt);
  if (!reports) return;
  if (models::is_language_model(a.opt.model)) {
    if (m.value("paused", false)) {
      std::cout << "run: " << a.opt.out_dir << " paused after epoch " << m["epoch"] << " of " << m["epochs"]
                << " (continue with --resume)\n";
      return;
    }
    std::cout << "prior: " << a.opt.out_dir << " (best epoch " << m["best_epoch"] << " of " << m["epochs"] << ")\n";
    for (const char* s : {"train", "valid", "test"}) {
      if (!m.contains(s) || !m[s]["nll"].is_number()) continue;
      char line[160];
      std::snprintf(line, sizeof line, "  %s: NLL %.3f nats/molecule, %.4f nats/token  (n=%lld)\n", s,
                    m[s]["nll"].get<double>(), m[s]["nll_per_token"].get<double>(), m[s]["n"].get<long long>());
      std::cout << line;
    }
    if (m.contains("unigram_baseline") && m["unigram_baseline"].contains("valid")) {
      char line[160];
      std::snprintf(line, sizeof line, "  unigram baseline (valid): %.4f nats/token\n",
                    m["unigram_baseline"]["valid"]["nll_per_token"].get<double>());
      std::cout << line;
    }
    std::cout << "  log: " << a.opt.out_dir << "/log.jsonl; plot: learning_curve.svg; sample with: "
              << (a.opt.model == "protein_lm" ? "hitforge protein sample --model " + a.opt.out_dir + " --n 100 --out s.fasta"
                                              : "hitforge generate --model " + a.opt.out_dir + " --n 1000 --out gen.smi")
              << "\n";
    return;
  }
  std::cout << "run: " << a.opt.out_dir << "\n";
  for (const char* s : {"train", "valid", "test"}) {
    std::cout << "  " << s << ":";
    for (auto& [k, v] : m[s].items())
      if (v.is_number() && k != "n") std::cout << " " << k << "=" << v.get<double>();
    std::cout << "  (n=" << m[s]["n"] << ")\n";
  }
  std::cout << "  metrics: " << a.opt.out_dir << "/metrics.json; plots: learning_curve.svg, valid_metric.svg, "
            << (m["primary_metric"] == "roc_auc" ? "roc_test.svg" : "parity_test.svg") << "\n";
}
}  // namespace

void register_train_command(CLI::App& app, GlobalOptions& g) {
  static TrainArgs a;
  auto& o = a.opt;
  CLI::App* cmd = app.add_subcommand("train", "Train a property model (fp_mlp, dmpnn) or a SMILES language model "
                                              "(smiles_lstm, smiles_transformer) on a dataset, a protein language model (protein_lm) on a "
                                              "protein sequence dataset, or a drug–target affinity model (dta) on a pair dataset");
  cmd->add_option("--data", o.data, "Dataset .h5 (hitforge dataset build)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--split", o.split, "Named split in the dataset (hitforge dataset split); required for property "
                  "models, optional for language models (default: a random --valid-fraction hold-out)");
  static std::vector<std::string> model_names = [] {
    auto names = models::known_models();
    for (const auto& n : models::known_language_models()) names.push_back(n);
    for (const auto& n : models::known_pair_models()) names.push_back(n);
    return names;
  }();
  cmd->add_option("--model", o.model, "fp_mlp | dmpnn | smiles_lstm or smiles_transformer (generative priors on a smiles_tokens block) | "
                  "protein_lm (dataset build --sequences; docs/protein.md) | dta (drug–target affinity on a pair dataset; docs/dta.md)")
      ->check(CLI::IsMember(model_names));
  cmd->add_option("--valid-fraction", o.valid_fraction, "Language models without --split: validation hold-out");
  cmd->add_option("--config", a.config_path, "Model options as a JSON object (see docs/models.md)");
  cmd->add_option("--input-block", o.input_block, "Feature block to train on (default: graph / first fingerprint)");
  cmd->add_option("--extra-features", o.extra_block, "Dense block of molecule features for dmpnn (e.g. rdkit2d)");
  cmd->add_option("--feature-scaling", o.feature_scaling,
                  "Dense features (descriptor inputs, --extra-features): standard (z-scores) or quantile (each "
                  "value's empirical CDF on the training rows, bounded; robust to heavy-tailed descriptors)")
      ->capture_default_str()
      ->check(CLI::IsMember({"standard", "quantile"}));
  cmd->add_option("--targets", a.targets, "Comma-separated targets (default: all)");
  cmd->add_option("--task", o.task, "Override the dataset's task types")->check(CLI::IsMember({"regression", "classification"}));
  cmd->add_option("--epochs", o.epochs, "Maximum epochs")->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", o.batch_size, "Molecules per step")->check(CLI::PositiveNumber);
  cmd->add_option("--patience", o.patience, "Stop after this many epochs without validation improvement (0 = never)");
  cmd->add_option("--lr", o.max_lr, "Peak learning rate (Noam schedule)");
  cmd->add_option("--init-lr", o.init_lr, "Learning rate at the start of warm-up");
  cmd->add_option("--final-lr", o.final_lr, "Learning rate at the end of decay");
  cmd->add_option("--warmup-epochs", o.warmup_epochs, "Warm-up length in epochs");
  cmd->add_option("--lr-decay", o.lr_decay, "Shape of the decay from --lr to --final-lr after warm-up: exponential "
                  "(chemprop's), linear, or cosine (near the peak for longer)")
      ->capture_default_str()
      ->check(CLI::IsMember({"exponential", "linear", "cosine"}));
  cmd->add_option("--optimizer", o.optimizer, "adam | adamw")->check(CLI::IsMember({"adam", "adamw"}));
  cmd->add_option("--weight-decay", o.weight_decay, "Weight decay");
  cmd->add_option("--grad-clip", o.grad_clip, "Max gradient norm (0 = off)");
  cmd->add_flag("--randomize-smiles", o.randomize_smiles,
                "Language models: every epoch shows each training molecule as a new random SMILES (augmentation)");
  cmd->add_option("--precision", o.precision,
                  "Language models: fp32, or bf16 matrix products in the training steps (CPU autocast; fp32 weights "
                  "and optimizer; 1.16-1.3x the tokens/s of fp32 measured on AVX512_BF16 and AMX CPUs, "
                  "docs/benchmarks.md)")
      ->capture_default_str()
      ->check(CLI::IsMember({"fp32", "bf16"}));
  cmd->add_option("--init-from", o.init_from,
                  "Language models: start from the weights of this run (or model.pt) — same --config (dropout "
                  "may differ), the data's tokens mapped onto its vocabulary; new optimizer and LR schedule "
                  "(fine-tuning, longer training)");
  cmd->add_flag("--class-weights", o.class_weights, "Weight positives by n_neg/n_pos (classification)");
  cmd->add_option("--ensemble", o.ensemble, "Members trained with seeds seed..seed+K-1")->check(CLI::PositiveNumber);
  cmd->add_option("--out", o.out_dir, "Run directory (checkpoints, metrics.json, log.jsonl, plots)")->required();
  cmd->add_flag("--resume", o.resume, "Continue an interrupted run in --out exactly where it stopped");
  cmd->add_flag("!--no-plots", o.plots, "Skip the SVG plots");
  cmd->footer(
      "Examples:\n"
      "  hitforge train --data esol.h5 --split standard --model dmpnn --epochs 50 --out runs/esol_dmpnn\n"
      "  hitforge train --data bbbp.h5 --split standard --model fp_mlp --ensemble 5 --out runs/bbbp_mlp\n"
      "  hitforge train ... --out runs/esol_dmpnn --resume      # after an interruption\n"
      "  hitforge train --data chembl_tokens.h5 --model smiles_lstm --epochs 10 --batch-size 128 --grad-clip 5 "
      "--out priors/chembl\n"
      "  hitforge train --data davis.h5 --split setting1 --model dta --epochs 100 --batch-size 256 --out runs/davis_dta\n"
      "  hitforge train --data proteins.h5 --model protein_lm --epochs 2 --batch-size 32 --out plm");
  cmd->callback([&g] { run_train(a, g); });
}

}  // namespace hitforge::cli
