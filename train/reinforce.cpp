#include "train/reinforce.h"

#include <ATen/CPUGeneratorImpl.h>
#include <GraphMol/RWMol.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "chem/mol_input.h"
#include "chem/scaffold.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/svg_plot.h"
#include "core/text.h"
#include "train/lr_schedule.h"
#include "train/train_state.h"

namespace hitforge::train {
using core::str_cat;

nlohmann::json ReinforceOptions::to_json() const {
  return {{"steps", steps},
          {"batch_size", batch_size},
          {"sigma", sigma},
          {"learning_rate", learning_rate},
          {"warmup_steps", warmup_steps},
          {"grad_clip", grad_clip},
          {"temperature", temperature},
          {"invalid_score", invalid_score},
          {"max_length", max_length},
          {"replay_size", replay_size},
          {"replay_per_step", replay_per_step},
          {"diversity_filter",
           {{"kind", diversity.kind}, {"bucket_size", diversity.bucket_size}, {"min_score", diversity.min_score}}},
          {"seed", seed},
          {"threads", threads},
          {"checkpoint_every", checkpoint_every}};
}

void validate(const ReinforceOptions& o) {
  HITFORGE_REQUIRE(o.steps >= 1, "--steps must be >= 1");
  HITFORGE_REQUIRE(o.batch_size >= 1, "--batch-size must be >= 1");
  HITFORGE_REQUIRE(std::isfinite(o.sigma) && o.sigma >= 0, "--sigma must be >= 0 (got ", o.sigma, ")");
  HITFORGE_REQUIRE(std::isfinite(o.learning_rate) && o.learning_rate > 0, "--learning-rate must be > 0");
  HITFORGE_REQUIRE(o.warmup_steps >= 0, "--warmup-steps must be >= 0 (got ", o.warmup_steps, ")");
  HITFORGE_REQUIRE(std::isfinite(o.grad_clip) && o.grad_clip >= 0, "--grad-clip must be >= 0");
  HITFORGE_REQUIRE(std::isfinite(o.temperature) && o.temperature > 0, "--temperature must be > 0");
  HITFORGE_REQUIRE(std::isfinite(o.invalid_score) && o.invalid_score >= -1 && o.invalid_score <= 0,
                   "--invalid-score must be in [-1, 0] (got ", o.invalid_score, ")");
  HITFORGE_REQUIRE(o.max_length >= 1, "--max-length must be >= 1");
  HITFORGE_REQUIRE(o.checkpoint_every >= 1 && o.log_every >= 1, "checkpoint and log periods must be >= 1");
  validate(o.diversity);
}

double learning_rate_at(const ReinforceOptions& o, std::int64_t step) {
  // the trainers' schedule, warming up from 0 and then flat (a "decay" from the rate to itself): lr(k) is k/W of the
  // rate for k < W and the whole rate from W on, so the 1-based step k of the warm-up gets k/W
  const std::int64_t w = std::max<std::int64_t>(o.warmup_steps, 0);
  const NoamSchedule schedule{0.0, o.learning_rate, o.learning_rate, w, w + 1, LrDecay::linear};
  return schedule.lr(std::max<std::int64_t>(step, 1));
}

nlohmann::json StepStats::to_json() const {
  nlohmann::json t = nlohmann::json::array();
  for (const auto& [s, v] : top) t.push_back({{"smiles", s}, {"score", v}});
  return {{"step", step},
          {"mean_score", mean_score},
          {"mean_score_valid", mean_score_valid},
          {"mean_filtered_score", mean_filtered_score},
          {"validity", validity},
          {"uniqueness", uniqueness},
          {"fraction_filtered", fraction_filtered},
          {"reward_filtered", reward_filtered},
          {"best_score", best_score},
          {"top", t},
          {"agent_nll", agent_nll},
          {"prior_nll", prior_nll},
          {"loss", loss},
          {"learning_rate", learning_rate},
          {"replayed", replayed},
          {"elapsed_s", elapsed_s}};
}

std::vector<DecodedSample> decode_samples(const chem::Vocabulary& vocab, const models::SampleResult& samples,
                                          int threads) {
  const auto n = static_cast<std::int64_t>(samples.sequences.size());
  std::vector<DecodedSample> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    out[static_cast<std::size_t>(i)].smiles = vocab.decode_string(samples.sequences[static_cast<std::size_t>(i)]);
    // Parsing and scaffolds are RDKit work per molecule; nothing here may throw out of the parallel region.
#pragma omp parallel for schedule(dynamic, 4) num_threads(std::max(1, threads)) if (n > 16 && threads > 1)
  for (std::int64_t i = 0; i < n; ++i) {
    auto& d = out[static_cast<std::size_t>(i)];
    if (!samples.complete[static_cast<std::size_t>(i)] || d.smiles.empty()) continue;
    try {
      auto parsed = chem::parse_smiles(d.smiles);
      if (!parsed.ok()) continue;
      d.canonical = chem::canonical_smiles(*parsed.mol);
      auto sc = chem::murcko_scaffold(*parsed.mol);
      d.scaffold = sc.ok ? sc.smiles : std::string();
      d.valid = !d.canonical.empty();
    } catch (...) {
      d.valid = false;
    }
  }
  return out;
}

namespace {

models::SampleOptions sample_options(const ReinforceOptions& o, std::int64_t n) {
  models::SampleOptions so;
  so.n = n;
  so.max_length = o.max_length;
  so.temperature = o.temperature;
  return so;
}

double clean_score(double s) {
  return std::isfinite(s) ? std::clamp(s, 0.0, 1.0) : 0.0;
}

struct ScoredSamples {
  std::vector<DecodedSample> decoded;
  std::vector<double> raw;                              ///< per sample; invalid = 0
  std::vector<bool> reward_filtered;                    ///< per sample
  std::unordered_map<std::string, std::size_t> row_of;  ///< canonical → row in `reward`
  RewardBatch reward;
};

ScoredSamples score_samples(const chem::Vocabulary& vocab, const models::SampleResult& r, Reward& reward, int threads,
                            std::size_t n_components) {
  ScoredSamples s;
  s.decoded = decode_samples(vocab, r, threads);
  std::vector<std::string> distinct;
  for (const auto& d : s.decoded)
    if (d.valid && s.row_of.emplace(d.canonical, distinct.size()).second) distinct.push_back(d.canonical);
  if (!distinct.empty()) {
    reward.score(distinct, threads, s.reward);
    HITFORGE_CHECK(s.reward.score.size() == distinct.size(), "reward returned ", s.reward.score.size(), " scores for ",
                   distinct.size(), " molecules");
  }
  s.reward.components.resize(distinct.size() * n_components, NAN);
  s.reward.filtered.resize(distinct.size(), false);
  s.raw.assign(s.decoded.size(), 0.0);
  s.reward_filtered.assign(s.decoded.size(), false);
  for (std::size_t i = 0; i < s.decoded.size(); ++i) {
    if (!s.decoded[i].valid) continue;
    const std::size_t row = s.row_of.at(s.decoded[i].canonical);
    s.raw[i] = clean_score(s.reward.score[row]);
    s.reward_filtered[i] = s.reward.filtered[row];
  }
  return s;
}

}  // namespace

Reinforcer::Reinforcer(std::shared_ptr<models::LanguageModel> prior, chem::Vocabulary vocabulary, Reward& reward,
                       ReinforceOptions options)
    : prior_(std::move(prior)),
      vocab_(std::move(vocabulary)),
      reward_(reward),
      opt_(std::move(options)),
      gen_(at::make_generator<at::CPUGeneratorImpl>(opt_.seed)),
      replay_rng_(opt_.seed + 1),
      filter_(opt_.diversity),
      replay_(opt_.replay_size) {
  validate(opt_);
  HITFORGE_REQUIRE(prior_ != nullptr, "no prior");
  HITFORGE_REQUIRE(static_cast<std::int64_t>(vocab_.size()) == prior_->vocab_size(), "the prior's vocabulary (",
                   vocab_.size(), " tokens) does not match its model (", prior_->vocab_size(), ")");
  agent_ = prior_->clone();
  prior_->eval();
  for (auto& p : prior_->parameters()) p.set_requires_grad(false);
  // The agent's likelihood is computed in eval mode: no dropout, so the loss compares the same function that
  // sampled (REINVENT's agents have no dropout either); gradients flow regardless of the mode.
  agent_->eval();
  for (auto& p : agent_->parameters()) p.set_requires_grad(true);
  optimizer_ =
      std::make_unique<torch::optim::Adam>(agent_->parameters(), torch::optim::AdamOptions(opt_.learning_rate));
}

Reinforcer::~Reinforcer() = default;

StepStats Reinforcer::step() {
  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t b = opt_.batch_size;
  const std::size_t n_comp = reward_.component_names().size();
  StepStats st;
  st.step = ++step_;

  auto samples = agent_->sample(sample_options(opt_, b), gen_);
  auto scored = score_samples(vocab_, samples, reward_, opt_.threads, n_comp);

  // diversity filter in sample order; statistics
  std::vector<double> filtered(static_cast<std::size_t>(b), 0.0);
  std::int64_t valid = 0, zeroed = 0, reward_filtered = 0;
  double sum_raw = 0, sum_filtered = 0;
  std::unordered_set<std::string> distinct;
  for (std::size_t i = 0; i < scored.decoded.size(); ++i) {
    const auto& d = scored.decoded[i];
    if (!d.valid) {
      filtered[i] = opt_.invalid_score;
      sum_filtered += opt_.invalid_score;
      continue;
    }
    ++valid;
    distinct.insert(d.canonical);
    if (scored.reward_filtered[i]) ++reward_filtered;
    filtered[i] = filter_.apply(d.canonical, d.scaffold, scored.raw[i]);
    if (scored.raw[i] > 0 && filtered[i] == 0) ++zeroed;
    sum_raw += scored.raw[i];
    sum_filtered += filtered[i];
    // population
    const std::size_t row = scored.row_of.at(d.canonical);
    auto [it, fresh] = population_.try_emplace(d.canonical);
    auto& e = it->second;
    if (fresh) {
      e.smiles = d.canonical;
      e.scaffold = d.scaffold;
      e.first_step = step_;
      e.score = -1;
    }
    ++e.times_sampled;
    if (scored.raw[i] > e.score) {
      e.score = scored.raw[i];
      e.components.assign(scored.reward.components.begin() + static_cast<std::ptrdiff_t>(row * n_comp),
                          scored.reward.components.begin() + static_cast<std::ptrdiff_t>((row + 1) * n_comp));
    }
    best_ = std::max(best_, scored.raw[i]);
  }

  // loss over the batch plus replayed sequences
  auto replayed = replay_.sample(std::min(opt_.replay_per_step, replay_.size()), replay_rng_);
  std::vector<std::vector<std::int64_t>> bodies = samples.sequences;
  std::vector<double> scores = filtered;
  for (const auto& e : replayed) {
    bodies.push_back(e.body);
    scores.push_back(e.score);
  }
  const auto dev = agent_->device();
  auto batch = models::make_token_batch(bodies, agent_->specials());
  auto tokens = batch.tokens.to(dev), lengths = batch.lengths.to(dev);
  torch::Tensor prior_ll;
  {
    torch::NoGradGuard ng;
    prior_ll = (-prior_->sequence_nll(tokens, lengths)).to(torch::kFloat64).cpu();
  }
  auto agent_ll = -agent_->sequence_nll(tokens, lengths);
  auto score_t = torch::tensor(scores, torch::kFloat64);
  auto target = (prior_ll + opt_.sigma * score_t).to(agent_ll.scalar_type()).to(dev);
  auto loss = (target - agent_ll).pow(2).mean();
  optimizer_->zero_grad();
  loss.backward();
  if (opt_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(agent_->parameters(), opt_.grad_clip);
  st.learning_rate = learning_rate_at(opt_, step_);
  set_lr(*optimizer_, st.learning_rate);
  optimizer_->step();

  // replay buffer: this step's valid molecules with their filtered score
  {
    const double* pl = prior_ll.data_ptr<double>();
    std::vector<ReplayEntry> cand;
    for (std::size_t i = 0; i < scored.decoded.size(); ++i)
      if (scored.decoded[i].valid && filtered[i] > 0)
        cand.push_back({scored.decoded[i].canonical, samples.sequences[i], filtered[i], pl[i]});
    replay_.add(cand);
  }

  const double bd = static_cast<double>(b);
  st.mean_score = sum_raw / bd;
  st.mean_filtered_score = sum_filtered / bd;
  st.mean_score_valid = valid ? sum_raw / static_cast<double>(valid) : 0.0;
  st.validity = static_cast<double>(valid) / bd;
  st.uniqueness = valid ? static_cast<double>(distinct.size()) / static_cast<double>(valid) : 0.0;
  st.fraction_filtered = valid ? static_cast<double>(zeroed) / static_cast<double>(valid) : 0.0;
  st.reward_filtered = valid ? static_cast<double>(reward_filtered) / static_cast<double>(valid) : 0.0;
  st.best_score = best_;
  st.prior_nll = -prior_ll.slice(0, 0, b).mean().item<double>();
  st.agent_nll = -agent_ll.detach().slice(0, 0, b).mean().item<double>();
  st.loss = loss.item<double>();
  st.replayed = static_cast<std::int64_t>(replayed.size());
  std::vector<std::pair<std::string, double>> top;
  for (const auto& [smi, row] : scored.row_of) top.emplace_back(smi, clean_score(scored.reward.score[row]));
  std::sort(top.begin(), top.end(), [](const auto& x, const auto& y) {
    return x.second != y.second ? x.second > y.second : x.first < y.first;
  });
  if (top.size() > 3) top.resize(3);
  st.top = std::move(top);
  elapsed_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  st.elapsed_s = elapsed_;
  return st;
}

std::vector<PopulationEntry> Reinforcer::population() const {
  std::vector<PopulationEntry> out;
  out.reserve(population_.size());
  for (const auto& [k, e] : population_) out.push_back(e);
  std::sort(out.begin(), out.end(), [](const PopulationEntry& a, const PopulationEntry& b) {
    return a.score != b.score ? a.score > b.score : a.smiles < b.smiles;
  });
  return out;
}

ModelScore score_model(models::LanguageModel& model, const chem::Vocabulary& vocab, Reward& reward, std::int64_t n,
                       const ReinforceOptions& options, std::uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  ModelScore ms;
  std::int64_t valid = 0;
  double sum = 0;
  const std::size_t n_comp = reward.component_names().size();
  while (ms.n < n) {
    const std::int64_t k = std::min<std::int64_t>(options.batch_size, n - ms.n);
    auto r = model.sample(sample_options(options, k), gen);
    auto s = score_samples(vocab, r, reward, options.threads, n_comp);
    for (std::size_t i = 0; i < s.decoded.size(); ++i) {
      valid += s.decoded[i].valid ? 1 : 0;
      sum += s.raw[i];
    }
    ms.n += k;
  }
  ms.mean_score = sum / static_cast<double>(ms.n);
  ms.validity = static_cast<double>(valid) / static_cast<double>(ms.n);
  ms.mean_score_valid = valid ? sum / static_cast<double>(valid) : 0.0;
  return ms;
}

namespace {

namespace fs = std::filesystem;

std::string fmt(double v, int digits = 4) {
  std::ostringstream os;
  os.precision(digits);
  os << v;
  return os.str();
}

void write_population(const std::string& path, const std::vector<PopulationEntry>& pop,
                      const std::vector<std::string>& components) {
  core::AtomicFile f(path);
  {
    std::ofstream out(f.temp_path());
    HITFORGE_REQUIRE(out.good(), "cannot write '", path, "'");
    out.precision(8);
    out << "smiles,score,scaffold,first_step,times_sampled";
    for (const auto& c : components) out << "," << core::csv_field(c);
    out << "\n";
    for (const auto& e : pop) {
      out << core::csv_field(e.smiles) << "," << e.score << "," << core::csv_field(e.scaffold) << "," << e.first_step
          << "," << e.times_sampled;
      for (std::size_t c = 0; c < components.size(); ++c) {
        out << ",";
        if (c < e.components.size() && std::isfinite(e.components[c])) out << e.components[c];
      }
      out << "\n";
    }
    out.close();
    HITFORGE_REQUIRE(!out.fail(), "writing '", path, "' failed");
  }
  f.commit();
}

void write_curve(const std::string& path, const std::vector<StepStats>& hist) {
  std::vector<double> x, mean, valid_mean, validity, uniq, best;
  for (const auto& s : hist) {
    x.push_back(static_cast<double>(s.step));
    mean.push_back(s.mean_score);
    valid_mean.push_back(s.mean_score_valid);
    validity.push_back(s.validity);
    uniq.push_back(s.uniqueness);
    best.push_back(s.best_score);
  }
  std::vector<core::PlotSeries> series{{"mean score", x, mean},
                                       {"mean score (valid)", x, valid_mean},
                                       {"validity", x, validity},
                                       {"uniqueness", x, uniq},
                                       {"best so far", x, best}};
  series[3].dashed = true;
  series[4].dashed = true;
  core::ChartOptions co;
  co.title = "hitforge optimize";
  co.x_label = "step";
  co.y_label = "score / fraction";
  co.y_min = 0;
  co.y_max = 1;
  core::write_svg(path, core::line_chart(series, co));
}

double top_mean(const std::vector<PopulationEntry>& pop, std::size_t k) {
  if (pop.empty()) return 0;
  double s = 0;
  const std::size_t n = std::min(k, pop.size());
  for (std::size_t i = 0; i < n; ++i) s += pop[i].score;
  return s / static_cast<double>(n);
}

}  // namespace

nlohmann::json run_reinforce(const LoadedLanguageModel& prior, Reward& reward, const ReinforceOptions& o) {
  validate(o);
  const bool files = !o.out_dir.empty();
  const fs::path dir(o.out_dir);
  const std::string steps_path = (dir / "steps.jsonl").string();
  nlohmann::json run = {{"format", "hitforge-optimize"},
                        {"hitforge_version", HITFORGE_VERSION},
                        {"command_line", o.command_line},
                        {"prior", {{"path", o.prior_path}, {"model", prior.manifest.model}}},
                        {"options", o.to_json()},
                        {"reward", {{"components", reward.component_names()}, {"description", reward.describe()}}}};
  if (files) {
    HITFORGE_REQUIRE(!fs::exists(steps_path), "'", o.out_dir,
                     "' already holds an optimisation run (steps.jsonl); choose another --out (resuming is not "
                     "supported)");
    fs::create_directories(dir / "agent");
    core::write_file_atomic((dir / "run.json").string(), run.dump(2) + "\n");
  }

  Reinforcer rl(prior.model, prior.vocabulary, reward, o);
  const auto components = reward.component_names();
  std::vector<StepStats> hist;
  LMManifest agent_manifest = prior.manifest;
  agent_manifest.train_options = {{"optimize", o.to_json()}, {"prior", o.prior_path}};
  auto publish = [&] {
    if (!files) return;
    write_population((dir / "population.csv").string(), rl.population(), components);
    write_curve((dir / "learning_curve.svg").string(), hist);
    agent_manifest.save((dir / "agent").string());
    save_language_model(rl.agent(), agent_manifest, (dir / "agent" / "model.pt").string());
  };

  core::ProgressOptions po;
  po.label = "optimize";
  po.unit = "steps";
  po.enabled = o.progress;
  core::ProgressBar bar(static_cast<std::uint64_t>(o.steps), po);
  for (std::int64_t s = 0; s < o.steps; ++s) {
    auto st = rl.step();
    if (files) append_log_line(steps_path, st.to_json().dump());
    if (st.step % o.log_every == 0 || st.step == 1 || st.step == o.steps) {
      core::log_info(str_cat("step ", st.step, "/", o.steps, ": score ", fmt(st.mean_score, 3), " (valid ",
                             fmt(st.mean_score_valid, 3), "), validity ", fmt(st.validity, 3), ", unique ",
                             fmt(st.uniqueness, 3), ", filtered ", fmt(st.fraction_filtered, 3), ", best ",
                             fmt(st.best_score, 3), st.top.empty() ? "" : str_cat(" ", st.top[0].first), ", agent NLL ",
                             fmt(st.agent_nll, 4), ", prior NLL ", fmt(st.prior_nll, 4)));
    }
    hist.push_back(std::move(st));
    if (hist.back().step % o.checkpoint_every == 0 && hist.back().step != o.steps) publish();
    bar.add(1);
  }
  bar.finish();
  publish();

  auto pop = rl.population();
  const auto& last = hist.back();
  // the last tenth of the run (at least one step): a steadier figure than the last step alone
  const std::size_t tail = std::max<std::size_t>(1, hist.size() / 10);
  double tail_score = 0, tail_validity = 0;
  for (std::size_t i = hist.size() - tail; i < hist.size(); ++i)
    tail_score += hist[i].mean_score, tail_validity += hist[i].validity;
  nlohmann::json summary = {{"steps", last.step},
                            {"last_step", last.to_json()},
                            {"tail_steps", tail},
                            {"tail_mean_score", tail_score / static_cast<double>(tail)},
                            {"tail_validity", tail_validity / static_cast<double>(tail)},
                            {"first_step_mean_score", hist.front().mean_score},
                            {"population", pop.size()},
                            {"top100_mean_score", top_mean(pop, 100)},
                            {"top10_mean_score", top_mean(pop, 10)},
                            {"best", pop.empty() ? nlohmann::json(nullptr)
                                                 : nlohmann::json{{"smiles", pop[0].smiles}, {"score", pop[0].score}}},
                            {"scaffolds_in_filter", rl.diversity_filter().scaffold_count()},
                            {"replay_size", rl.replay().size()},
                            {"elapsed_s", last.elapsed_s}};
  if (files) {
    run["summary"] = summary;
    core::write_file_atomic((dir / "run.json").string(), run.dump(2) + "\n");
  }
  return summary;
}

}  // namespace hitforge::train
