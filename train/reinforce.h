#pragma once
// Goal-directed generation by reinforcement learning, REINVENT-style (Olivecrona et al. 2017, J. Cheminform. 9:48;
// Blaschke et al. 2020, REINVENT 2.0, J. Chem. Inf. Model. 60:5918): an agent language model, initialised as a
// copy of a prior, is trained so that its log-likelihood of each sampled sequence approaches the augmented
// log-likelihood
//     log p_aug(x) = log p_prior(x) + sigma * S(x),         loss = mean_x (log p_aug(x) − log p_agent(x))²
// where S(x) in [0, 1] is the reward (invalid_score, 0 by default, for invalid or incomplete SMILES), after a
// diversity filter (train/diversity_filter.h). A few sequences from an experience-replay buffer of the best
// molecules so far (train/replay_buffer.h) join each step's loss. The prior stays frozen, which keeps the agent near
// chemistry the prior knows.
//
// One step: sample B sequences from the agent without gradients → decode, parse, canonicalise, Murcko scaffold
// (OpenMP over molecules) → reward of each distinct valid molecule once → diversity filter in sample order →
// agent log-likelihood with gradients (sequence_nll on the sampled tokens) and frozen prior log-likelihood of the
// batch plus the replayed sequences → loss → Adam step with gradient-norm clipping → replay buffer update.
// Incomplete samples (max_length reached without <eos>) stay in the loss with <eos> appended and score invalid_score.
//
// RUN_DIR (run_reinforce):
//   run.json         options, prior, reward description (the resolved recipe) — written first, atomically; the
//                    final summary is added at the end
//   steps.jsonl      one line per step (appended as the trainer's log.jsonl): step, mean_score, mean_score_valid,
//                    mean_filtered_score, validity, uniqueness, fraction_filtered, reward_filtered, best_score,
//                    top (3 best of the step), agent_nll, prior_nll, loss, learning_rate, replayed, elapsed_s
//   learning_curve.svg   mean score, validity, uniqueness and best score against the step
//   population.csv   every distinct valid molecule sampled: smiles, score (best raw reward), scaffold, first_step,
//                    times_sampled, one column per reward component; sorted by score descending
//   agent/           run.json + model.pt in the prior's format (hitforge generate --model RUN_DIR/agent)
// Every file but steps.jsonl is published atomically (population, curve and agent every checkpoint_every steps and
// at the end). No resume: a RUN_DIR that already holds steps.jsonl is refused.
//
// Determinism: for a fixed seed, thread count and device the run is repeatable (sampling draws come from one CPU
// generator seeded with `seed`, replay picks from a std::mt19937_64 seeded with seed + 1; the reward must be
// deterministic, as screen::ScoringFunction is).
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <torch/optim/optimizer.h>
#include <nlohmann/json.hpp>

#include "chem/tokenizers/vocabulary.h"
#include "models/language_model.h"
#include "train/diversity_filter.h"
#include "train/lm_checkpoint.h"
#include "train/replay_buffer.h"

namespace hitforge::train {

/// Scores of one batch of valid molecules.
struct RewardBatch {
  std::vector<double> score;       ///< per molecule, in [0, 1]; NaN (e.g. a recipe's hard filter) counts as 0
  std::vector<double> components;  ///< rows × component_names().size(), NaN where absent
  std::vector<bool> filtered;      ///< per molecule: rejected by the reward's own hard filters
};

/// The objective. Implementations must be deterministic and may use up to `threads` threads.
class Reward {
 public:
  virtual ~Reward() = default;
  virtual std::vector<std::string> component_names() const = 0;
  /// Recorded in run.json (e.g. the resolved screening recipe).
  virtual nlohmann::json describe() const = 0;
  /// `smiles` are canonical SMILES of valid molecules; fills out.score (and components, filtered) row-aligned.
  virtual void score(const std::vector<std::string>& smiles, int threads, RewardBatch& out) = 0;
};

struct ReinforceOptions {
  std::int64_t steps = 300;
  std::int64_t batch_size = 64;
  double sigma = 120;                ///< reward weight in the augmented log-likelihood (REINVENT 2's default)
  double learning_rate = 1e-4;       ///< Adam
  /// Steps over which the agent's learning rate rises linearly to learning_rate (step k of W uses k/W of it;
  /// 0 = full rate from the first step, as REINVENT). Adam's first update moves every weight by about the rate
  /// whatever the gradient's size, which disturbs the freshly copied prior: one ChEMBL prior's validity fell from
  /// 0.92 to 0.77 for the step after it (docs/benchmarks.md, QED optimisation over 5 seeds).
  std::int64_t warmup_steps = 10;
  double grad_clip = 1.0;            ///< max gradient L2 norm (0 = no clipping)
  double temperature = 1.0;          ///< sampling temperature (the loss uses the model's own likelihoods)
  /// Reward of invalid and incomplete samples in the loss (valid ones score in [0, 1]); a negative value pushes
  /// their likelihood below the prior's instead of leaving it there (REINVENT: 0).
  double invalid_score = 0.0;
  std::int64_t max_length = 100;     ///< tokens per sample, <bos>/<eos> not counted
  std::size_t replay_size = 100;     ///< experience replay capacity (0 = off)
  std::size_t replay_per_step = 10;  ///< replayed sequences added to each step's loss
  DiversityFilterOptions diversity;
  std::uint64_t seed = 0;
  int threads = 1;                     ///< chemistry (parsing, scaffolds, reward); torch threads are set by the caller
  std::int64_t checkpoint_every = 50;  ///< steps between agent/population/curve publications (the end always)
  std::int64_t log_every = 10;         ///< steps between info log lines
  bool progress = true;
  std::string out_dir;       ///< RUN_DIR; empty = no files (library use, tests)
  std::string prior_path;    ///< recorded in run.json
  std::string command_line;  ///< recorded in run.json

  nlohmann::json to_json() const;
};

/// UsageError naming the command-line option that is out of range.
void validate(const ReinforceOptions& options);

/// Agent learning rate of 1-based step `step`: learning_rate * min(1, step / warmup_steps).
double learning_rate_at(const ReinforceOptions& options, std::int64_t step);

/// Statistics of one step (one steps.jsonl line).
struct StepStats {
  std::int64_t step = 0;                ///< 1-based
  double mean_score = 0;                ///< raw reward over all B samples (invalid = 0)
  double mean_score_valid = 0;          ///< raw reward over the valid samples (0 when none)
  double mean_filtered_score = 0;       ///< reward after the diversity filter, over all B (what the loss saw)
  double validity = 0;                  ///< complete samples that parse / B
  double uniqueness = 0;                ///< distinct canonical SMILES / valid samples (0 when none)
  double fraction_filtered = 0;         ///< valid samples whose positive score the diversity filter zeroed / valid
  double reward_filtered = 0;           ///< valid samples rejected by the reward's own hard filters / valid
  double best_score = 0;                ///< best raw reward seen so far (all steps)
  double agent_nll = 0, prior_nll = 0;  ///< mean −log p of the B samples, nats
  double loss = 0;
  double learning_rate = 0;  ///< of this step's update
  std::int64_t replayed = 0;
  std::vector<std::pair<std::string, double>> top;  ///< the step's 3 best distinct molecules, raw reward
  double elapsed_s = 0;
  nlohmann::json to_json() const;
};

/// A molecule of the population (every distinct valid molecule sampled).
struct PopulationEntry {
  std::string smiles, scaffold;
  double score = 0;  ///< best raw reward
  std::int64_t first_step = 0;
  std::int64_t times_sampled = 0;
  std::vector<double> components;  ///< of the sample that gave `score`
};

/// Decoded, parsed sample: validity, canonical SMILES and Murcko scaffold. Parsing runs on `threads` threads.
struct DecodedSample {
  std::string smiles;     ///< as decoded
  bool valid = false;     ///< complete and parses/sanitises (chem/mol_input.h)
  std::string canonical;  ///< canonical SMILES when valid
  std::string scaffold;   ///< Murcko scaffold SMILES when valid ("" for acyclic)
};
std::vector<DecodedSample> decode_samples(const chem::Vocabulary& vocab, const models::SampleResult& samples,
                                          int threads);

/// The REINVENT loop over a prior (not modified) and its agent copy.
class Reinforcer {
 public:
  Reinforcer(std::shared_ptr<models::LanguageModel> prior, chem::Vocabulary vocabulary, Reward& reward,
             ReinforceOptions options);
  ~Reinforcer();

  /// One optimisation step.
  StepStats step();
  std::int64_t steps_done() const { return step_; }

  models::LanguageModel& agent() { return *agent_; }
  const ReplayBuffer& replay() const { return replay_; }
  const DiversityFilter& diversity_filter() const { return filter_; }
  /// Population sorted by score descending (ties: SMILES ascending).
  std::vector<PopulationEntry> population() const;

 private:
  std::shared_ptr<models::LanguageModel> prior_, agent_;
  chem::Vocabulary vocab_;
  Reward& reward_;
  ReinforceOptions opt_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  at::Generator gen_;
  std::mt19937_64 replay_rng_;
  DiversityFilter filter_;
  ReplayBuffer replay_;
  std::unordered_map<std::string, PopulationEntry> population_;
  std::int64_t step_ = 0;
  double best_ = 0;
  double elapsed_ = 0;
};

/// Mean raw reward (invalid = 0) and validity of n samples of `model` (temperature as in `options`), for
/// comparing a prior with its agent on equal terms. Uses a generator seeded with `seed`.
struct ModelScore {
  double mean_score = 0, validity = 0, mean_score_valid = 0;
  std::int64_t n = 0;
};
ModelScore score_model(models::LanguageModel& model, const chem::Vocabulary& vocab, Reward& reward, std::int64_t n,
                       const ReinforceOptions& options, std::uint64_t seed);

/// Runs options.steps steps and writes RUN_DIR (see above). Returns the summary that run.json records under
/// "summary": steps, final statistics, top-100 mean score, population size, elapsed seconds.
nlohmann::json run_reinforce(const LoadedLanguageModel& prior, Reward& reward, const ReinforceOptions& options);

}  // namespace hitforge::train
