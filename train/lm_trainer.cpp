#include "train/lm_trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <optional>

#include "chem/tokenizers/smiles_randomizer.h"
#include "chem/tokenizers/vocabulary.h"
#include "core/atomic_file.h"
#include "core/checksum.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/svg_plot.h"
#include "core/torch_runtime.h"
#include "datasets/dataset.h"
#include "datasets/protein_builder.h"
#include "datasets/splits.h"
#include "models/model_config.h"
#include "train/distributed.h"
#include "train/lm_checkpoint.h"
#include "train/lr_schedule.h"
#include "train/precision.h"
#include "train/train_state.h"

namespace hitforge::train {
namespace fs = std::filesystem;
using core::str_cat;
using core::UsageError;

namespace {

/// --init-from with a dataset whose vocabulary differs from the source model's (a SMILES block's vocabulary is its
/// own data's tokens in order of first appearance): dataset id -> source id, -1 for a token the source never saw.
std::vector<std::int64_t> vocabulary_map(const chem::Vocabulary& data_vocab, const chem::Vocabulary& model_vocab) {
  std::vector<std::int64_t> table(data_vocab.size(), -1);
  for (std::size_t i = 0; i < data_vocab.size(); ++i)
    if (model_vocab.contains(data_vocab.tokens()[i])) table[i] = model_vocab.id(data_vocab.tokens()[i]);
  return table;
}

/// --init-from: copies every parameter and buffer of `src` (loaded from `path`) into `target`, which must be the
/// same model with the same options but dropout — then the two have the same tensors (load_language_model already
/// loaded src's weights into a model built from its options). UsageError naming the path and the first mismatch.
void warm_start(models::LanguageModel& target, const std::string& model_name, const LoadedLanguageModel& src,
                const std::string& path) {
  HITFORGE_REQUIRE(src.manifest.model.value("name", "") == model_name, "--init-from '", path, "' is a ",
                   src.manifest.model.value("name", "?"), " model, not ", model_name);
  // every option but dropout must match: some change no tensor shape but the computation (a transformer's heads)
  nlohmann::json want = models::model_spec(target)["config"], have = src.manifest.model["config"];
  want.erase("dropout");
  have.erase("dropout");
  for (const auto& [key, value] : have.items())
    HITFORGE_REQUIRE(want.contains(key) && want[key] == value, "--init-from '", path, "' was trained with ", key, " ",
                     value.dump(), ", this model has ", want.contains(key) ? want[key].dump() : "none",
                     ": use the same --config as that run (only dropout may differ)");
  HITFORGE_REQUIRE(want.size() == have.size(), "--init-from '", path, "' has other model options than this model: ",
                   "use the same --config as that run (only dropout may differ)");
  restore(*target.module(), snapshot(*src.model->module()));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

nlohmann::json nll_json(const CorpusNLL& c) {
  auto finite = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"nll", finite(c.per_sequence())},
          {"nll_per_token", finite(c.per_token())},
          {"perplexity", finite(std::exp(c.per_token()))},
          {"n", c.sequences},
          {"tokens", c.tokens}};
}

// The smiles_tokens block to train on: the one named, else the only (first) tokens block.
std::string tokens_block(const data::Dataset& ds, const std::string& named, const std::string& model) {
  if (!named.empty()) return named;
  for (const auto& b : ds.blocks())
    if (b.kind == chem::FeatureKind::tokens) return b.name;
  throw UsageError(str_cat("'", ds.path(), "' has no token block for the language model ", model,
                           "; rebuild it with --featurizer smiles_tokens"));
}

// This epoch's training sequences with every molecule respelled as a random SMILES (chem/tokenizers/
// smiles_randomizer.h); a molecule that cannot be respelled within the vocabulary and the model's length keeps its
// stored spelling.
TokenSequences randomized_sequences(const TokenSequences& stored, const std::vector<std::string>& smiles,
                                    const chem::Vocabulary& vocab, const models::SpecialTokens& specials,
                                    std::uint64_t seed, std::int64_t max_length, std::size_t& fallbacks) {
  auto r = chem::randomized_token_ids(smiles, vocab, seed, max_length > 0 ? max_length - 2 : 0);
  std::vector<std::vector<std::int64_t>> bodies(stored.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (r.fallback[i]) {
      auto seq = stored.sequence(i);
      bodies[i].assign(seq.begin() + 1, seq.end() - 1);
    } else {
      bodies[i] = std::move(r.ids[i]);
    }
  }
  fallbacks = r.fallbacks;
  return TokenSequences::from_bodies(bodies, specials);
}

}  // namespace

CorpusNLL corpus_nll(models::LanguageModel& model, const TokenSequences& seqs, std::size_t batch_size,
                     std::size_t part, std::size_t parts) {
  HITFORGE_REQUIRE(batch_size > 0, "batch size must be positive");
  HITFORGE_REQUIRE(parts > 0 && part < parts, "corpus_nll: part ", part, " of ", parts);
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  std::vector<std::int64_t> order(seqs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return seqs.length(static_cast<std::size_t>(a)) < seqs.length(static_cast<std::size_t>(b));
  });
  CorpusNLL c;
  for (std::size_t i = part * batch_size; i < order.size(); i += parts * batch_size) {
    std::vector<std::int64_t> rows(order.begin() + static_cast<std::ptrdiff_t>(i),
                                   order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), i + batch_size)));
    auto b = seqs.batch(rows);
    c.total += model.sequence_nll(b.tokens, b.lengths).to(torch::kFloat64).sum().item<double>();
    c.tokens += (b.lengths - 1).sum().item<std::int64_t>();
    c.sequences += static_cast<std::int64_t>(rows.size());
  }
  model.train(was_training);
  return c;
}

std::vector<double> unigram_frequencies(const TokenSequences& train, std::size_t vocab_size) {
  std::vector<double> count(vocab_size, 1.0);  // add-one: a token never seen in training keeps a finite cost
  for (std::size_t i = 0; i < train.size(); ++i) {
    const auto seq = train.sequence(i);
    for (std::size_t k = 1; k < seq.size(); ++k) {
      HITFORGE_REQUIRE(seq[k] >= 0 && static_cast<std::size_t>(seq[k]) < vocab_size, "token id ", seq[k],
                       " outside the vocabulary (", vocab_size, ")");
      count[static_cast<std::size_t>(seq[k])] += 1;
    }
  }
  double total = 0;
  for (double c : count) total += c;
  for (double& c : count) c /= total;
  return count;
}

CorpusNLL unigram_nll(const std::vector<double>& frequencies, const TokenSequences& sequences) {
  CorpusNLL c;
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    const auto seq = sequences.sequence(i);
    for (std::size_t k = 1; k < seq.size(); ++k) {
      const auto id = static_cast<std::size_t>(seq[k]);
      HITFORGE_REQUIRE(id < frequencies.size(), "token id ", seq[k], " outside the vocabulary");
      c.total -= std::log(frequencies[id]);
      ++c.tokens;
    }
    ++c.sequences;
  }
  return c;
}

nlohmann::json train_language_model(const TrainOptions& o) {
  HITFORGE_REQUIRE(!o.out_dir.empty(), "no run directory given (--out)");
  HITFORGE_REQUIRE(o.epochs >= 1 && o.batch_size >= 1, "epochs and batch size must be >= 1");
  HITFORGE_REQUIRE(o.ensemble == 1, "language models are trained one at a time (--ensemble 1)");
  HITFORGE_REQUIRE(o.targets.empty() && o.task.empty() && o.extra_block.empty() && !o.class_weights,
                   o.model, " is a language model: --targets, --task, --extra-features and --class-weights do not ",
                   "apply");
  HITFORGE_REQUIRE(o.valid_fraction > 0 && o.valid_fraction < 1, "validation fraction must be in (0, 1), got ",
                   o.valid_fraction);
  const torch::Device device = core::parse_device(o.device);
  // Data-parallel across processes when the environment says so (RANK, WORLD_SIZE, ...; train/distributed.h): every
  // rank loads the same data and batches, back-propagates its slice of each global batch, and gradients are averaged
  // before the step, so the ranks stay identical. Only rank 0 writes files.
  DistributedContext dist = DistributedContext::from_env();
  const bool bf16 = parse_precision(o.precision) == Precision::bf16;
  HITFORGE_REQUIRE(!bf16 || device.is_cpu(), "--precision bf16 trains through torch's CPU autocast; on ", device.str(),
                   " train in fp32");

  data::Dataset ds(o.data);
  const bool protein = o.model == "protein_lm";
  LMManifest man;
  std::string vocab_json;
  if (protein) {
    HITFORGE_REQUIRE(ds.has_protein_tokens() && !ds.has_pairs(), "protein_lm trains on a protein sequence dataset; '",
                     o.data, "' is not one (build it with hitforge dataset build --sequences FILE.fasta)");
    HITFORGE_REQUIRE(o.input_block.empty() && !o.randomize_smiles,
                     "protein_lm reads /proteins/tokens: --input-block and --randomize-smiles do not apply");
    vocab_json = ds.protein_vocabulary_json();
    man.tokens_block = "proteins/tokens";
    man.tokenizer = "protein";
  } else {
    const std::string block = tokens_block(ds, o.input_block, o.model);
    vocab_json = ds.vocabulary_json(block);
    man.tokens_block = block;
    man.tokenizer = ds.block(block).spec;
  }
  chem::Vocabulary vocab = chem::Vocabulary::from_json(nlohmann::json::parse(vocab_json));
  // --init-from: the model keeps the source's vocabulary; the dataset's ids are mapped onto it when they differ
  std::optional<LoadedLanguageModel> source;
  std::vector<std::int64_t> id_map;
  const chem::Vocabulary data_vocab = vocab;
  if (!o.init_from.empty()) {
    source = load_language_model(o.init_from, torch::Device(torch::kCPU));
    if (source->vocabulary != vocab) {
      id_map = vocabulary_map(vocab, source->vocabulary);
      vocab = source->vocabulary;
    }
  }
  const models::SpecialTokens specials{chem::Vocabulary::kPad, chem::Vocabulary::kBos, chem::Vocabulary::kEos,
                                       chem::Vocabulary::kUnk};

  models::ModelDims dims;
  dims.vocab_size = static_cast<std::int64_t>(vocab.size());
  torch::manual_seed(o.seed);
  auto model = models::make_language_model(o.model, o.model_config, dims);
  const std::int64_t max_length = model->max_sequence_length();
  if (source) {
    warm_start(*model, o.model, *source, o.init_from);
    core::log_info(str_cat("initial weights from '", o.init_from, "'",
                           id_map.empty() ? "" : " (the dataset's token ids mapped onto its vocabulary)"));
  }

  // subsets: a named split (protein datasets: their "by_sequence" split by default), or a random hold-out of the
  // valid records for validation (no test subset)
  data::Split split;
  std::string split_name = o.split;
  if (split_name.empty() && protein) {
    const auto names = ds.split_names();
    if (std::find(names.begin(), names.end(), data::kSequenceSplit) != names.end()) split_name = data::kSequenceSplit;
  }
  if (!split_name.empty()) {
    split = ds.split(split_name).split;
  } else {
    data::SplitSizes sizes;
    sizes.train = 1.0 - o.valid_fraction;
    sizes.valid = o.valid_fraction;
    sizes.test = 0.0;
    std::vector<std::int64_t> candidates;
    if (protein) {
      const auto st = ds.protein_status();
      for (std::size_t i = 0; i < st.size(); ++i)
        if (st[i] == 0) candidates.push_back(static_cast<std::int64_t>(i));
    } else {
      candidates = ds.valid_indices();
    }
    split = data::random_split(candidates, sizes, o.seed);
    split_name = str_cat("(random ", o.valid_fraction, " validation hold-out, seed ", o.seed, ")");
  }
  std::int64_t cropped = 0;
  auto load = [&](const std::vector<std::int64_t>& rows) {
    std::int64_t c = 0;
    auto s = protein ? TokenSequences::load_proteins(ds, rows, specials, max_length, &c)
                     : TokenSequences::load(ds, man.tokens_block, rows, specials);
    cropped += c;
    if (!id_map.empty())
      s.remap(id_map, [&](std::int64_t id) {
        return str_cat("token '",
                       id >= 0 && id < static_cast<std::int64_t>(data_vocab.size()) ? data_vocab.token(id) : "?",
                       "' is not in the vocabulary of --init-from '", o.init_from,
                       "'; a fine-tuned model cannot learn new tokens (leave such records out or train from scratch)");
      });
    return s;
  };
  const TokenSequences train = load(split.train);
  const TokenSequences valid = load(split.valid);
  const TokenSequences test = load(split.test);
  HITFORGE_REQUIRE(train.size() >= 1 && valid.size() >= 1, "split '", split_name, "' of '", o.data,
                   "' leaves too few sequences (train ", train.size(), ", valid ", valid.size(), ")");
  if (cropped > 0)
    core::log_info(str_cat(cropped, " proteins are longer than protein_lm's max_positions (", max_length,
                           " tokens): each is cut to <bos> and its first ", max_length - 1,
                           " residues, without <eos> (docs/protein.md)"));

  man.hitforge_version = HITFORGE_VERSION;
  man.vocabulary = vocab.to_json();
  man.standardize = ds.provenance("standardize");
  if (man.standardize.empty()) man.standardize = "none";
  man.dataset_path = o.data;
  man.dataset_sha256 = core::sha256_file(o.data);
  man.split = split_name;
  if (source && source->manifest.dataset_sha256 == man.dataset_sha256 && source->manifest.split != man.split)
    core::log_warn(str_cat("the validation subset ", man.split, " is not the one '", o.init_from, "' trained with, ",
                           source->manifest.split, ": it holds molecules that run learned from, so validation NLL "
                           "reads optimistic; to train a run further, give the same --seed and --valid-fraction (or "
                           "--split)"));
  man.train_options = o.to_json();
  man.train_options["valid_fraction"] = o.valid_fraction;
  man.model = models::model_spec(*model);
  if (max_length > 0) {
    // fail before the first step, naming the record, rather than at whichever batch holds it
    for (const TokenSequences* s : {&train, &valid, &test})
      for (std::size_t i = 0; i < s->size(); ++i)
        HITFORGE_REQUIRE(s->length(i) <= max_length, "record ", s->records()[i], " of '", o.data, "' is ",
                         s->length(i), " tokens long with <bos> and <eos>, more than ", o.model, "'s max_positions (",
                         max_length, "): raise max_positions in --config or leave such molecules out");
  }
  std::vector<std::string> train_smiles;  // stored spellings, the input of --randomize-smiles
  if (o.randomize_smiles) {
    train_smiles.reserve(train.size());
    for (std::size_t i = 0; i < train.size(); ++i) train_smiles.push_back(vocab.decode_string(train.sequence(i)));
  }

  const fs::path dir(o.out_dir);
  // The run-directory checks are agreed on across ranks (a refusal on one stops all, rather than leaving the others
  // waiting in a collective), and rank 0 writes only after every rank has checked.
  dist.agree_on(
      [&] {
        if (fs::exists(dir / "run.json")) {
          HITFORGE_REQUIRE(o.resume, "'", o.out_dir, "' already holds a run; pass --resume to continue it or choose ",
                           "another --out");
          LMManifest old = LMManifest::load(o.out_dir);
          const std::string old_init = old.train_options.value("init_from", "");
          HITFORGE_REQUIRE(old_init == o.init_from, "cannot resume '", o.out_dir, "': it was started ",
                           old_init.empty() ? std::string("without --init-from")
                                            : str_cat("with --init-from '", old_init, "'"),
                           "; resume it with the same --init-from");
          HITFORGE_REQUIRE(old.dataset_sha256 == man.dataset_sha256 && old.model == man.model &&
                               old.split == man.split && old.vocabulary == man.vocabulary &&
                               old.tokens_block == man.tokens_block,
                           "cannot resume '", o.out_dir,
                           "': it was started with different data, split or model options");
          require_same_trajectory(old.train_options, o, o.out_dir);
        }
      },
      str_cat("'", o.out_dir, "'"));
  if (dist.is_main()) {
    fs::create_directories(dir);
    man.save(o.out_dir);
  }

  model->to(device);
  auto opt = make_optimizer(o, model->parameters());
  const std::string state_path = (dir / "state.pt").string(), log_path = (dir / "log.jsonl").string(),
                    model_path = (dir / "model.pt").string();
  std::vector<torch::Tensor> best = snapshot(*model->module());
  TrainState st;
  const bool has_state = o.resume && fs::exists(state_path);
  HITFORGE_REQUIRE(dist.same_everywhere(has_state), "--resume with ", dist.world_size(),
                   " processes needs '", state_path, "' on every rank: put --out on a file system all ranks share");
  if (has_state) {
    st = load_train_state(state_path, *model->module(), *opt, best);
    if (dist.is_main()) drop_log_lines_after(log_path, 0, st.epoch);  // an epoch logged but not checkpointed is re-run
    core::log_info(str_cat("resuming after epoch ", st.epoch, " (best valid NLL ", st.best_metric, " at epoch ",
                           st.best_epoch, ")"));
  }
  dist.broadcast_parameters(*model->module());  // every rank starts from rank 0's weights
  // Corpus NLL with the batches shared among the ranks and the sums added up, so that every rank has the total.
  const auto shared_nll = [&](const TokenSequences& s) {
    CorpusNLL c =
        corpus_nll(*model, s, 256, static_cast<std::size_t>(dist.rank()), static_cast<std::size_t>(dist.world_size()));
    if (!dist.distributed()) return c;
    const auto sums = dist.allreduce_sum(torch::tensor(
        {c.total, static_cast<double>(c.sequences), static_cast<double>(c.tokens)}, torch::kFloat64));
    c.total = sums[0].item<double>();
    c.sequences = std::llround(sums[1].item<double>());
    c.tokens = std::llround(sums[2].item<double>());
    return c;
  };

  // the number of batches per epoch does not depend on the shuffle (pools have fixed sizes)
  const auto batch_size = static_cast<std::size_t>(o.batch_size);
  const auto steps_per_epoch =
      static_cast<std::int64_t>(length_bucketed_batches(train.lengths(), batch_size, 0).size());
  const NoamSchedule sched = make_schedule(o, steps_per_epoch);
  {
    // what a padded computation of random batches of this size would waste (the model computes none of it)
    std::vector<std::int64_t> rows(train.size());
    std::iota(rows.begin(), rows.end(), 0);
    auto random_batches = data::make_batches(rows, batch_size, true, o.seed);
    core::log_info(str_cat(o.model, ": ", model->parameter_count(), " parameters, vocabulary ", vocab.size(),
                           ", train ", train.size(), " sequences / ", train.predicted_tokens(), " tokens, valid ",
                           valid.size(), "; padding in random batches ",
                           static_cast<int>(100 * padding_fraction(random_batches, train.lengths()) + 0.5),
                           "%, in length buckets ",
                           static_cast<int>(100 * padding_fraction(length_bucketed_batches(train.lengths(), batch_size,
                                                                                          o.seed),
                                                                   train.lengths()) + 0.5),
                           "%", model->name() == "smiles_lstm" ? " (packed: none computed)" : ""));
  }

  int session_epochs = 0;
  while (!st.finished && st.epoch < o.epochs) {
    if (o.session_epochs > 0 && session_epochs >= o.session_epochs) {
      return {{"paused", true}, {"epoch", st.epoch}, {"epochs", o.epochs}};
    }
    const auto t0 = std::chrono::steady_clock::now();
    TokenSequences respelled;
    std::size_t fallbacks = 0;
    if (o.randomize_smiles)
      respelled = randomized_sequences(train, train_smiles, vocab, specials,
                                       (o.seed + 0x5EED) * 1000003ULL + static_cast<std::uint64_t>(st.epoch),
                                       max_length, fallbacks);
    const TokenSequences& epoch_train = o.randomize_smiles ? respelled : train;
    auto batches = length_bucketed_batches(epoch_train.lengths(), batch_size,
                                           o.seed * 1000003ULL + static_cast<std::uint64_t>(st.epoch));
    core::ProgressOptions po;
    po.label = str_cat("epoch ", st.epoch + 1, "/", o.epochs);
    po.unit = "tok";
    po.enabled = o.progress && dist.is_main();
    core::ProgressBar bar(static_cast<std::uint64_t>(epoch_train.predicted_tokens()), po);
    model->train();
    double loss_sum = 0;
    std::int64_t tokens = 0, molecules = 0;
    for (const auto& b : batches) {
      set_lr(*opt, sched.lr(st.step));
      // Predicted tokens of the global batch (every rank holds all lengths, so no communication): each rank divides
      // its slice's NLL sum by n_tok / world, and the mean of the ranks' gradients is the global batch's gradient.
      std::int64_t n_tok = -static_cast<std::int64_t>(b.size());
      for (auto r : b) n_tok += epoch_train.length(static_cast<std::size_t>(r));
      const auto w = static_cast<double>(dist.world_size());
      const std::vector<std::int64_t> mine = dist.slice_of(b);
      opt->zero_grad();
      double local_nll = 0;
      if (!mine.empty()) {  // an empty slice (a batch smaller than the world) contributes zero gradients
        auto tb = epoch_train.batch(mine);
        torch::Tensor loss;
        {
          AutocastScope autocast(bf16);  // the forward's products in bf16; backward follows the recorded casts
          loss = model->sequence_nll(tb.tokens, tb.lengths).sum() / (static_cast<double>(n_tok) / w);
        }
        loss.backward();
        local_nll = loss.item<double>() * static_cast<double>(n_tok) / w;
      }
      dist.allreduce_gradients(*model->module());  // mean over the ranks, before clipping
      if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), o.grad_clip);
      opt->step();
      loss_sum += local_nll;
      tokens += n_tok;
      molecules += static_cast<std::int64_t>(b.size());
      ++st.step;
      bar.add(static_cast<std::uint64_t>(n_tok));
    }
    bar.finish();
    if (dist.distributed()) loss_sum = dist.allreduce_sum(torch::tensor({loss_sum}, torch::kFloat64)).item<double>();
    const double train_secs = seconds_since(t0);
    const CorpusNLL v = shared_nll(valid);  // the same total on every rank, so early stopping agrees
    ++st.epoch;
    const double metric = v.per_sequence();
    const bool improved = std::isfinite(metric) && (!std::isfinite(st.best_metric) || metric < st.best_metric);
    if (improved) {
      st.best_metric = metric;
      st.best_epoch = st.epoch;
      st.bad_epochs = 0;
      best = snapshot(*model->module());
      if (dist.is_main()) save_language_model(*model, man, model_path);  // a usable prior as soon as there is one
    } else {
      ++st.bad_epochs;
    }
    const double train_loss = tokens ? loss_sum / static_cast<double>(tokens) : NAN;
    nlohmann::json line = {{"member", 0},
                           {"epoch", st.epoch},
                           {"train_loss", train_loss},
                           {"valid_nll", metric},
                           {"valid_nll_per_token", v.per_token()},
                           {"lr", sched.lr(st.step)},
                           {"seconds", seconds_since(t0)},
                           {"train_seconds", train_secs},
                           {"train_tokens_per_s", train_secs > 0 ? static_cast<double>(tokens) / train_secs : 0.0},
                           {"train_mol_per_s", train_secs > 0 ? static_cast<double>(molecules) / train_secs : 0.0}};
    if (o.randomize_smiles) line["randomized_fallbacks"] = fallbacks;
    if (dist.distributed()) line["world_size"] = dist.world_size();
    if (dist.is_main()) append_log_line(log_path, line.dump());
    core::log_info(str_cat("epoch ", st.epoch, ": train loss ", train_loss, " nats/token, valid NLL ", metric,
                           " nats/molecule (", v.per_token(), "/token)", improved ? " (best)" : "", ", ",
                           static_cast<long>(static_cast<double>(tokens) / std::max(train_secs, 1e-9)), " tokens/s"));
    if (o.patience > 0 && st.bad_epochs >= o.patience) st.finished = true;
    if (st.epoch >= o.epochs) st.finished = true;
    if (dist.is_main()) save_train_state(state_path, *model->module(), *opt, best, st);
    ++session_epochs;
  }

  restore(*model->module(), best);
  if (dist.is_main()) save_language_model(*model, man, model_path);
  nlohmann::json metrics;
  metrics["train"] = nll_json(shared_nll(train));
  metrics["valid"] = nll_json(shared_nll(valid));
  if (test.size() > 0) metrics["test"] = nll_json(shared_nll(test));
  // the trivial baseline a language model must beat: every token drawn from the training token frequencies
  const auto freq = unigram_frequencies(train, vocab.size());
  metrics["unigram_baseline"] = {{"valid", nll_json(unigram_nll(freq, valid))}};
  if (test.size() > 0) metrics["unigram_baseline"]["test"] = nll_json(unigram_nll(freq, test));
  metrics["primary_metric"] = "nll";
  metrics["best_epoch"] = st.best_epoch;
  metrics["epochs"] = st.epoch;
  metrics["model"] = man.model;
  metrics["parameters"] = model->parameter_count();
  if (dist.is_main()) core::write_file_atomic((dir / "metrics.json").string(), metrics.dump(2) + "\n");

  if (o.plots && dist.is_main()) {
    auto loss = read_log_column(log_path, 0, "train_loss");
    auto vnll = read_log_column(log_path, 0, "valid_nll_per_token");
    std::vector<double> x(loss.size());
    std::iota(x.begin(), x.end(), 1.0);
    core::ChartOptions co;
    co.title = str_cat("Learning curve: ", o.model, " (best epoch ", st.best_epoch, ")");
    co.x_label = "epoch";
    co.y_label = "NLL per token (nats)";
    std::vector<core::PlotSeries> series;
    series.emplace_back("train loss", x, loss);
    series.emplace_back("validation NLL", x, vnll);
    for (auto& s : series) s.markers = true;
    core::write_svg((dir / "learning_curve.svg").string(), core::line_chart(series, co));
  }
  return metrics;
}

}  // namespace hitforge::train
