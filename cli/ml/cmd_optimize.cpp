// hitforge optimize — REINVENT-style goal-directed generation: an agent initialised from a prior is trained by
// reinforcement learning towards a screening recipe's score (train/reinforce.h).
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "chem/mol_input.h"
#include "cli/common.h"
#include "core/error.h"
#include "core/log.h"
#include "core/text.h"
#include "core/threads.h"
#include "core/torch_runtime.h"
#include "screen/scoring_function.h"
#include "train/lm_checkpoint.h"
#include "train/reinforce.h"

namespace hitforge::cli {
using core::str_cat;

namespace {

/// The screening recipe as the reward: the aggregate score of `ok` records, 0 for filtered ones; components are the
/// recipe's raw columns (scorer values such as qed, model predictions).
class RecipeReward final : public train::Reward {
 public:
  explicit RecipeReward(screen::ScoringFunction sf) : sf_(std::move(sf)) {}
  std::vector<std::string> component_names() const override { return sf_.raw_columns(); }
  nlohmann::json describe() const override { return sf_.resolved_recipe(); }
  void score(const std::vector<std::string>& smiles, int threads, train::RewardBatch& out) override {
    sf_.score_smiles(smiles, threads, batch_);
    const std::size_t n = smiles.size();
    out.score.assign(n, 0.0);
    out.filtered.assign(n, false);
    out.components = batch_.raw;
    for (std::size_t i = 0; i < n; ++i) {
      const auto status = static_cast<chem::RecordStatus>(batch_.chunk.status[i]);
      out.filtered[i] = status == chem::RecordStatus::filtered;
      out.score[i] = status == chem::RecordStatus::ok ? batch_.score[i] : 0.0;
    }
  }

 private:
  screen::ScoringFunction sf_;
  screen::ScoredBatch batch_;
};

struct OptimizeArgs {
  std::string prior, recipe;
  train::ReinforceOptions o;
};

void run_optimize(OptimizeArgs a, const GlobalOptions& g) {
  core::set_log_level(core::parse_log_level(g.log_level));
  core::RuntimeOptions rt;
  rt.threads = g.threads;
  rt.device = g.device;
  core::init_runtime(rt);
  HITFORGE_REQUIRE(std::filesystem::is_regular_file(a.recipe), "recipe '", a.recipe, "' does not exist");
  a.o.seed = g.seed;
  a.o.threads = core::configured_threads();
  a.o.progress = g.progress;
  a.o.prior_path = a.prior;
  a.o.command_line = g.command_line;
  train::validate(a.o);
  chem::quiet_rdkit_logs();
  RecipeReward reward(screen::ScoringFunction::from_file(a.recipe, g.device));
  auto prior = train::load_language_model(a.prior, core::parse_device(g.device));
  train::require_smiles_prior(prior, a.prior);
  core::log_info(str_cat("prior ", a.prior, " (", prior.model->name(), ", ", prior.model->parameter_count(),
                         " parameters); reward: ", a.recipe, " (", reward.component_names().size(), " raw columns)"));
  auto s = train::run_reinforce(prior, reward, a.o);
  std::cout << "optimized " << s["steps"].get<std::int64_t>() << " steps in "
            << core::format_duration(s["elapsed_s"].get<double>()) << ": mean score "
            << s["first_step_mean_score"].get<double>() << " (step 1) -> " << s["tail_mean_score"].get<double>()
            << " (last " << s["tail_steps"].get<std::size_t>() << " steps), validity "
            << s["tail_validity"].get<double>() << "; top-100 mean score " << s["top100_mean_score"].get<double>()
            << " over " << s["population"].get<std::size_t>() << " distinct valid molecules\n";
  if (!s["best"].is_null())
    std::cout << "best: " << s["best"]["smiles"].get<std::string>() << " " << s["best"]["score"].get<double>() << "\n";
  std::cout << "run: " << a.o.out_dir << " (steps.jsonl, population.csv, learning_curve.svg, agent/)\n";
}

}  // namespace

void register_optimize_command(CLI::App& app, GlobalOptions& g) {
  static OptimizeArgs a;
  CLI::App* cmd =
      app.add_subcommand("optimize", "Goal-directed generation: REINVENT-style RL of a prior towards a recipe");
  cmd->add_option("--prior", a.prior,
                  "Prior: run directory of hitforge train --model smiles_lstm or smiles_transformer, or its model.pt")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--recipe", a.recipe, "Scoring recipe (JSON, as hitforge screen): the reward in [0, 1]")->required();
  cmd->add_option("--out", a.o.out_dir, "Run directory (steps.jsonl, population.csv, learning_curve.svg, agent/)")
      ->required();
  cmd->add_option("--steps", a.o.steps, "Optimisation steps")->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", a.o.batch_size, "SMILES sampled per step")->check(CLI::PositiveNumber);
  cmd->add_option("--sigma", a.o.sigma, "Reward weight in the augmented log-likelihood");
  cmd->add_option("--learning-rate", a.o.learning_rate, "Adam learning rate");
  cmd->add_option("--warmup-steps", a.o.warmup_steps,
                  "Steps over which the learning rate rises linearly to --learning-rate (default 10; 0 = "
                  "REINVENT's constant rate)");
  cmd->add_option("--grad-clip", a.o.grad_clip, "Max gradient norm (0 = off)");
  cmd->add_option("--temperature", a.o.temperature, "Sampling temperature");
  cmd->add_option("--invalid-score", a.o.invalid_score,
                  "Reward of invalid or incomplete SMILES in the loss, in [-1, 0] (0 = REINVENT's)");
  cmd->add_option("--max-length", a.o.max_length, "Most tokens per SMILES");
  cmd->add_option("--replay-size", a.o.replay_size, "Experience replay: best unique molecules kept (0 = off)");
  cmd->add_option("--replay-per-step", a.o.replay_per_step, "Replayed sequences added to each step's loss");
  cmd->add_option("--diversity-filter", a.o.diversity.kind, "none or scaffold (identical Murcko scaffold buckets)");
  cmd->add_option("--bucket-size", a.o.diversity.bucket_size, "Molecules per scaffold that keep their score");
  cmd->add_option("--min-score", a.o.diversity.min_score, "Score from which a molecule enters the diversity filter");
  cmd->add_option("--checkpoint-every", a.o.checkpoint_every, "Steps between agent/population/curve publications");
  cmd->add_option("--log-every", a.o.log_every, "Steps between log lines");
  cmd->footer(
      "Loss: (log p_prior + sigma * score - log p_agent)^2 over the batch plus replayed sequences; invalid SMILES\n"
      "score --invalid-score (0). The agent in RUN_DIR/agent is a prior-format checkpoint\n"
      "(hitforge generate --model RUN_DIR/agent).\n"
      "--seed, --threads and --device fix the run. Example:\n"
      "  hitforge optimize --prior priors/chembl --recipe docs/recipes/qed.json --steps 300 --out runs/qed");
  cmd->callback([&g] { run_optimize(a, g); });
}

}  // namespace hitforge::cli
