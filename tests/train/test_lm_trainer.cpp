// Language-model training: length bucketing covers every sequence once with little padding and gives the same loss
// as an unbucketed, padded and masked computation; the trainer learns (validation NLL beats a unigram baseline),
// resumes to exactly the uninterrupted result, and its checkpoint rebuilds the model and vocabulary on its own;
// bf16 training (CPU autocast) learns as fp32 does and saves fp32 weights.
#include <catch2/catch.hpp>

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "chem/tokenizers/vocabulary.h"
#include "core/error.h"
#include "core/threads.h"
#include "core/torch_runtime.h"
#include "datasets/builder.h"
#include "datasets/dataset.h"
#include "datasets/split_dataset.h"
#include "models/model_config.h"
#include "models/smiles_lm.h"
#include "train/lm_checkpoint.h"
#include "train/lm_trainer.h"
#include "train/token_sequences.h"
#include "train/trainer.h"
#include "models/lm_test_util.h"
#include "test_util.h"

using namespace hitforge;
namespace fs = std::filesystem;

namespace {

std::vector<std::vector<std::int64_t>> random_bodies(int n, unsigned seed, std::int64_t vocab = 20) {
  std::mt19937 rng(seed);
  // lengths like SMILES: mostly 20-60 tokens, a long tail
  std::vector<std::vector<std::int64_t>> out;
  for (int i = 0; i < n; ++i) {
    int len = std::max(1, static_cast<int>(std::lround(std::exp(std::normal_distribution<double>(3.6, 0.4)(rng)))));
    std::vector<std::int64_t> b(static_cast<std::size_t>(std::min(len, 150)));
    for (auto& t : b) t = std::uniform_int_distribution<std::int64_t>(4, vocab - 1)(rng);
    out.push_back(b);
  }
  return out;
}

// 600 NCI molecules, smiles_tokens block, random 80/10/10 split "r".
std::string build_tokens_dataset(const testing::TempDir& dir, const std::string& input = "",
                                 const std::string& name = "tokens.h5") {
  std::string path = dir.file(name);
  data::BuildOptions b;
  b.input = input.empty() ? testing::data_path("nci_tpsa_600.csv") : input;
  b.output = path;
  b.featurizers = {"smiles_tokens"};
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

train::TrainOptions lm_options(const std::string& data, const std::string& out, int epochs) {
  train::TrainOptions o;
  o.data = data;
  o.split = "r";
  o.model = "smiles_lstm";
  o.model_config = {{"embedding_dim", 16}, {"hidden", 64}, {"layers", 2}};
  o.epochs = epochs;
  o.batch_size = 32;
  o.patience = 0;
  o.max_lr = 1e-2;
  o.init_lr = 1e-3;
  o.final_lr = 1e-3;
  o.warmup_epochs = 0.5;
  o.grad_clip = 5.0;
  o.progress = false;
  o.out_dir = out;
  return o;
}

std::vector<nlohmann::json> read_log(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string l;
  while (std::getline(in, l)) out.push_back(nlohmann::json::parse(l));
  return out;
}

// Trivial baseline: validation tokens of split "r" scored by the training tokens' unigram frequencies (add-one
// smoothed), nats per token.
double unigram_valid_nll_per_token(const std::string& data) {
  data::Dataset ds(data);
  auto sp = ds.split("r").split;
  auto tr = train::TokenSequences::load(ds, "smiles_tokens", sp.train, {});
  auto va = train::TokenSequences::load(ds, "smiles_tokens", sp.valid, {});
  std::map<std::int64_t, double> counts;
  double total = 0;
  for (std::size_t i = 0; i < tr.size(); ++i) {
    auto s = tr.sequence(i);
    for (std::size_t k = 1; k < s.size(); ++k) counts[s[k]] += 1, total += 1;
  }
  const double vocab = static_cast<double>(
      chem::Vocabulary::from_json(nlohmann::json::parse(ds.vocabulary_json("smiles_tokens"))).size());
  double unigram = 0, n = 0;
  for (std::size_t i = 0; i < va.size(); ++i) {
    auto s = va.sequence(i);
    for (std::size_t k = 1; k < s.size(); ++k) unigram -= std::log((counts[s[k]] + 1) / (total + vocab)), n += 1;
  }
  return unigram / n;
}

}  // namespace

TEST_CASE("length bucketing: every sequence once, deterministic per seed, little padding", "[train]") {
  auto bodies = random_bodies(3000, 1);
  auto seqs = train::TokenSequences::from_bodies(bodies, {});
  auto a = train::length_bucketed_batches(seqs.lengths(), 128, 5);
  auto b = train::length_bucketed_batches(seqs.lengths(), 128, 5);
  auto c = train::length_bucketed_batches(seqs.lengths(), 128, 6);
  CHECK(a == b);
  CHECK(a != c);
  std::vector<int> seen(seqs.size(), 0);
  for (const auto& batch : a) {
    CHECK(batch.size() <= 128);
    for (auto r : batch) ++seen[static_cast<std::size_t>(r)];
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int k) { return k == 1; }));
  // batch count is the same for every seed (the LR schedule relies on it)
  CHECK(a.size() == c.size());
  std::vector<std::int64_t> rows(seqs.size());
  std::iota(rows.begin(), rows.end(), 0);
  const double random_pad = train::padding_fraction(data::make_batches(rows, 128, true, 5), seqs.lengths());
  const double bucket_pad = train::padding_fraction(a, seqs.lengths());
  INFO("padding: random batches " << random_pad << ", buckets " << bucket_pad);
  CHECK(random_pad > 0.4);
  CHECK(bucket_pad < 0.1);
}

TEST_CASE("bucketed, packed batches give the same loss as an unbucketed padded masked computation", "[train]") {
  testing::lm_one_thread();
  torch::manual_seed(3);
  models::SmilesLSTM m(models::SmilesLSTMOptions(20).embedding_dim(16).hidden(32).layers(2));
  m->eval();
  auto seqs = train::TokenSequences::from_bodies(random_bodies(300, 2), m->specials());
  torch::NoGradGuard ng;
  // training path: length buckets, packed (padding never computed)
  double bucketed = 0;
  for (const auto& b : train::length_bucketed_batches(seqs.lengths(), 32, 9)) {
    auto tb = seqs.batch(b);
    bucketed += m->sequence_nll(tb.tokens, tb.lengths).to(torch::kFloat64).sum().item<double>();
  }
  // reference: batches in random order, padded to their longest member, torch::nn::LSTM over every position,
  // cross-entropy masked to the real tokens
  double masked = 0;
  std::vector<std::int64_t> rows(seqs.size());
  std::iota(rows.begin(), rows.end(), 0);
  for (const auto& b : data::make_batches(rows, 32, true, 1)) {
    auto tb = seqs.batch(b);
    const auto t = tb.tokens.size(1);
    auto inputs = tb.tokens.narrow(1, 0, t - 1), targets = tb.tokens.narrow(1, 1, t - 1);
    auto logits = m->out->forward(std::get<0>(m->lstm->forward(m->embedding->forward(inputs))));
    auto ce = torch::cross_entropy_loss(logits.reshape({-1, 20}), targets.reshape({-1}), {}, at::Reduction::None)
                  .view(targets.sizes());
    auto mask = torch::arange(t - 1).unsqueeze(0) < (tb.lengths - 1).unsqueeze(1);
    masked += (ce * mask).to(torch::kFloat64).sum().item<double>();
  }
  CHECK(bucketed == Approx(masked).epsilon(1e-5));
  auto c = train::corpus_nll(*std::make_shared<models::SmilesLSTMModel>(m), seqs, 64);
  CHECK(c.total == Approx(masked).epsilon(1e-5));
  CHECK(c.tokens == seqs.predicted_tokens());
  // Three parts (as three data-parallel ranks take them) add up to the whole, each part non-empty.
  train::CorpusNLL sum;
  for (std::size_t part = 0; part < 3; ++part) {
    auto p = train::corpus_nll(*std::make_shared<models::SmilesLSTMModel>(m), seqs, 16, part, 3);
    CHECK(p.sequences > 0);
    sum.total += p.total;
    sum.tokens += p.tokens;
    sum.sequences += p.sequences;
  }
  CHECK(sum.total == Approx(c.total).epsilon(1e-9));
  CHECK(sum.tokens == c.tokens);
  CHECK(sum.sequences == c.sequences);
  CHECK_THROWS(train::corpus_nll(*std::make_shared<models::SmilesLSTMModel>(m), seqs, 16, 3, 3));
}

TEST_CASE("LM trainer learns, resumes exactly, and its checkpoint describes itself", "[train]") {
  testing::lm_one_thread();
  testing::TempDir dir;
  const std::string data = build_tokens_dataset(dir);

  auto full = train::train_run(lm_options(data, dir.file("full"), 8));  // train_run dispatches on the model name
  REQUIRE(full.contains("valid"));
  const double valid_nll_per_token = full["valid"]["nll_per_token"].get<double>();

  data::Dataset ds(data);
  auto va = train::TokenSequences::load(ds, "smiles_tokens", ds.split("r").split.valid, {});
  const double vocab = static_cast<double>(
      chem::Vocabulary::from_json(nlohmann::json::parse(ds.vocabulary_json("smiles_tokens"))).size());
  const double unigram = unigram_valid_nll_per_token(data);
  INFO("valid NLL/token " << valid_nll_per_token << ", unigram baseline " << unigram);
  CHECK(valid_nll_per_token < 0.8 * unigram);
  // metrics.json reports the same baseline, computed by the trainer
  CHECK(full["unigram_baseline"]["valid"]["nll_per_token"].get<double>() == Approx(unigram).epsilon(1e-9));
  auto log = read_log(dir.file("full") + "/log.jsonl");
  REQUIRE(log.size() == 8);
  CHECK(log.back()["valid_nll"].get<double>() < log.front()["valid_nll"].get<double>());
  CHECK(log.front()["train_tokens_per_s"].get<double>() > 0);
  CHECK(fs::exists(dir.file("full") + "/learning_curve.svg"));

  // interrupted after 1 and after 3 epochs, resumed: the same result as the uninterrupted run
  auto o = lm_options(data, dir.file("resumed"), 8);
  o.session_epochs = 1;
  auto paused = train::train_run(o);
  CHECK(paused.value("paused", false));
  CHECK_FALSE(fs::exists(dir.file("resumed") + "/metrics.json"));
  CHECK_THROWS_WITH(train::train_run(o), Catch::Contains("--resume"));  // no silent overwrite
  o.resume = true;
  for (const char* flag : {"--lr-decay", "--seed", "--epochs"}) {  // another trajectory is refused, naming the option
    auto other = o;
    if (std::string(flag) == "--lr-decay") other.lr_decay = other.lr_decay == "linear" ? "cosine" : "linear";
    if (std::string(flag) == "--seed") other.seed += 1;
    if (std::string(flag) == "--epochs") other.epochs += 2;
    CHECK_THROWS_WITH(train::train_run(other), Catch::Contains(flag) && Catch::Contains("same training trajectory"));
  }
  o.session_epochs = 4;
  CHECK(train::train_run(o).value("paused", false));
  o.session_epochs = 0;
  auto resumed = train::train_run(o);
  CHECK(resumed["valid"] == full["valid"]);
  CHECK(resumed["test"] == full["test"]);
  CHECK(resumed["best_epoch"] == full["best_epoch"]);
  auto rlog = read_log(dir.file("resumed") + "/log.jsonl");
  REQUIRE(rlog.size() == 8);
  for (std::size_t e = 0; e < 8; ++e) CHECK(rlog[e]["valid_nll"] == log[e]["valid_nll"]);

  // the checkpoint alone rebuilds model and vocabulary and reproduces the validation NLL
  auto prior = train::load_language_model(dir.file("full"), torch::kCPU);
  CHECK(prior.vocabulary.size() == static_cast<std::size_t>(vocab));
  CHECK(prior.manifest.tokens_block == "smiles_tokens");
  CHECK(prior.manifest.split == "r");
  auto again = train::corpus_nll(*prior.model, va);
  CHECK(again.per_token() == Approx(valid_nll_per_token).epsilon(1e-6));
  auto file_only = train::load_language_model(dir.file("full") + "/model.pt", torch::kCPU);
  CHECK(file_only.model->to_json() == prior.model->to_json());

  // a changed model config refuses to resume the run
  auto bad = lm_options(data, dir.file("resumed"), 8);
  bad.resume = true;
  bad.model_config["hidden"] = 32;
  CHECK_THROWS_WITH(train::train_run(bad), Catch::Contains("different data, split or model options"));
}

TEST_CASE("LM trainer: clear errors for data without tokens and for property-model options", "[train]") {
  testing::lm_one_thread();
  testing::TempDir dir;
  std::string path = dir.file("fp.h5");
  data::BuildOptions b;
  b.input = testing::data_path("nci_tpsa_600.csv");
  b.output = path;
  b.featurizers = {"morgan:radius=2,bits=256"};
  b.progress = false;
  data::build_dataset(b);
  auto o = lm_options(path, dir.file("run"), 1);
  o.split = "";
  CHECK_THROWS_WITH(train::train_run(o), Catch::Contains("--featurizer smiles_tokens"));
  o.targets = {"tpsa"};
  CHECK_THROWS_WITH(train::train_run(o), Catch::Contains("--targets"));
  auto prop = lm_options(path, dir.file("prop"), 1);
  prop.model = "fp_mlp";
  prop.init_from = dir.file("run");
  CHECK_THROWS_WITH(train::train_run(prop), Catch::Contains("--init-from applies to language models"));
  CHECK_THROWS_WITH(train::load_language_model(dir.path(), torch::kCPU), Catch::Contains("no language model"));
  // a bad schedule is refused before any run directory is written (a rerun needs no --resume)
  auto sched = lm_options(path, dir.file("sched"), 1);
  sched.lr_decay = "step";
  CHECK_THROWS_WITH(train::train_run(sched), Catch::Contains("'step'"));
  sched.lr_decay = "exponential";
  sched.final_lr = 0;
  CHECK_THROWS_WITH(train::train_run(sched), Catch::Contains("--final-lr 0"));
  CHECK_FALSE(std::filesystem::exists(dir.file("sched")));
}

TEST_CASE("LM trainer: the transformer learns through the same path; long records are named up front", "[train]") {
  testing::lm_one_thread();
  testing::TempDir dir;
  const std::string data = build_tokens_dataset(dir);
  auto o = lm_options(data, dir.file("gpt"), 6);
  o.model = "smiles_transformer";
  o.model_config = {{"d_model", 32}, {"heads", 4}, {"layers", 2}, {"dropout", 0.0}};
  o.max_lr = 3e-3;
  auto m = train::train_run(o);
  const double unigram = unigram_valid_nll_per_token(data);
  INFO("transformer valid NLL/token " << m["valid"]["nll_per_token"] << ", unigram " << unigram);
  CHECK(m["valid"]["nll_per_token"].get<double>() < 0.8 * unigram);
  auto prior = train::load_language_model(dir.file("gpt"), torch::kCPU);
  CHECK(prior.model->name() == "smiles_transformer");
  models::SampleOptions so;
  so.n = 16;
  so.max_length = 60;
  CHECK(prior.model->sample(so).sequences.size() == 16);

  // --init-from: a run that starts from those weights (dropout may differ, the shapes may not) begins where the
  // source ended; with a negligible learning rate its validation NLL is the source's, while a fresh start is not
  auto frozen = [&](const std::string& out) {
    auto w = lm_options(data, dir.file(out), 1);
    w.model = "smiles_transformer";
    w.model_config = {{"d_model", 32}, {"heads", 4}, {"layers", 2}, {"dropout", 0.1}};
    w.max_lr = w.init_lr = w.final_lr = 1e-12;
    return w;
  };
  auto warm = frozen("warm");
  warm.init_from = dir.file("gpt");
  auto wm = train::train_run(warm);
  CHECK(wm["valid"]["nll_per_token"].get<double>() ==
        Approx(m["valid"]["nll_per_token"].get<double>()).epsilon(1e-6));
  auto cold = train::train_run(frozen("cold"));
  CHECK(cold["valid"]["nll_per_token"].get<double>() > 0.9 * unigram);
  CHECK(train::LMManifest::load(dir.file("warm")).train_options["init_from"] == dir.file("gpt"));
  auto wider = frozen("wider");
  wider.init_from = dir.file("gpt");
  wider.model_config["d_model"] = 48;
  CHECK_THROWS_WITH(train::train_run(wider), Catch::Contains("same --config") && Catch::Contains("gpt"));
  auto heads = frozen("heads");  // same tensor shapes, another computation
  heads.init_from = dir.file("gpt");
  heads.model_config["heads"] = 2;
  CHECK_THROWS_WITH(train::train_run(heads), Catch::Contains("heads 4") && Catch::Contains("only dropout may differ"));
  auto resumed_bare = frozen("warm");  // a warm-started run resumes only from the same source
  resumed_bare.resume = true;
  CHECK_THROWS_WITH(train::train_run(resumed_bare), Catch::Contains("started with --init-from"));
  auto lstm = lm_options(data, dir.file("lstm_from_gpt"), 1);
  lstm.init_from = dir.file("gpt");
  CHECK_THROWS_WITH(train::train_run(lstm), Catch::Contains("not smiles_lstm"));

  // fine-tuning on a separately built set: its vocabulary lists the same tokens in another order (first appearance
  // in its own data); the ids are mapped onto the prior's vocabulary, which the fine-tuned model keeps
  std::vector<std::string> lines;
  {
    std::ifstream in(testing::data_path("nci_tpsa_600.csv"));
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  const std::string focused_csv = dir.file("focused.csv");
  {
    std::ofstream out(focused_csv);
    out << lines[0] << "\n";
    for (std::size_t i = lines.size() - 1; i > lines.size() - 121; --i) out << lines[i] << "\n";
  }
  const std::string focused = build_tokens_dataset(dir, focused_csv, "focused.h5");
  data::Dataset fds(focused);
  REQUIRE(nlohmann::json::parse(fds.vocabulary_json("smiles_tokens")) != prior.vocabulary.to_json());
  auto tuned = frozen("tuned");
  tuned.data = focused;
  tuned.init_from = dir.file("gpt");
  auto tm = train::train_run(tuned);
  auto tuned_model = train::load_language_model(dir.file("tuned"), torch::kCPU);
  CHECK(tuned_model.vocabulary == prior.vocabulary);
  // frozen weights over correctly mapped ids score these molecules like the source run scored its own
  CHECK(tm["valid"]["nll_per_token"].get<double>() < 1.25 * m["valid"]["nll_per_token"].get<double>());
  auto untuned = frozen("untuned");
  untuned.data = focused;
  CHECK(train::train_run(untuned)["valid"]["nll_per_token"].get<double>() >
        2 * tm["valid"]["nll_per_token"].get<double>());
  // a token the prior never saw is named with its record
  {
    std::ofstream out(focused_csv, std::ios::app);
    out << "C[Te]C,0\n";
  }
  const std::string with_te = build_tokens_dataset(dir, focused_csv, "focused_te.h5");
  auto te = frozen("te");
  te.data = with_te;
  te.init_from = dir.file("gpt");
  CHECK_THROWS_WITH(train::train_run(te), Catch::Contains("record 120") && Catch::Contains("'[Te]'") &&
                                               Catch::Contains("not in the vocabulary of --init-from"));

  auto tight = lm_options(data, dir.file("tight"), 1);
  tight.model = "smiles_transformer";
  tight.model_config = {{"d_model", 16}, {"heads", 2}, {"layers", 1}, {"max_positions", 20}};
  CHECK_THROWS_WITH(train::train_run(tight), Catch::Contains("max_positions (20)") && Catch::Contains("record "));
}

TEST_CASE("LM trainer: --randomize-smiles shows new spellings each epoch, reproducibly per seed", "[train]") {
  testing::lm_one_thread();
  testing::TempDir dir;
  const std::string data = build_tokens_dataset(dir);
  auto plain = train::train_run(lm_options(data, dir.file("plain"), 2));
  auto o = lm_options(data, dir.file("rand1"), 2);
  o.randomize_smiles = true;
  auto r1 = train::train_run(o);
  o.out_dir = dir.file("rand2");
  auto r2 = train::train_run(o);
  auto log1 = read_log(dir.file("rand1") + "/log.jsonl"), log2 = read_log(dir.file("rand2") + "/log.jsonl"),
       logp = read_log(dir.file("plain") + "/log.jsonl");
  REQUIRE(log1.size() == 2);
  CHECK(log1[0]["train_loss"] == log2[0]["train_loss"]);  // same seed, same spellings
  CHECK(log1[1]["valid_nll"] == log2[1]["valid_nll"]);
  CHECK(log1[0]["train_loss"] != logp[0]["train_loss"]);  // other spellings than the stored ones
  // random spellings are harder to predict than canonical ones: a higher training loss in the first epoch
  CHECK(log1[0]["train_loss"].get<double>() > logp[0]["train_loss"].get<double>());
  // nearly every molecule is respelled (fallbacks: ring labels or tokens the canonical vocabulary lacks)
  CHECK(log1[0]["randomized_fallbacks"].get<double>() < 0.1 * 480);
  CHECK(std::isfinite(r1["valid"]["nll"].get<double>()));
  auto bad = lm_options(data, dir.file("nope"), 1);
  bad.model = "fp_mlp";
  bad.randomize_smiles = true;
  CHECK_THROWS_WITH(train::train_run(bad), Catch::Contains("--randomize-smiles applies to language models"));
}

TEST_CASE("LM trainer: --precision bf16 learns as fp32 does; other models and names are refused", "[train]") {
  testing::lm_one_thread();
  testing::TempDir dir;
  const std::string data = build_tokens_dataset(dir);
  auto fp32 = train::train_run(lm_options(data, dir.file("fp32"), 8));
  auto o = lm_options(data, dir.file("bf16"), 8);
  o.precision = "bf16";
  auto bf16 = train::train_run(o);
  CHECK_FALSE(at::autocast::is_cpu_enabled());  // the scope ends with the step
  const double a = fp32["valid"]["nll_per_token"].get<double>(), b = bf16["valid"]["nll_per_token"].get<double>();
  INFO("valid NLL/token fp32 " << a << ", bf16 " << b);
  CHECK(b != a);                      // the products really ran in bf16
  CHECK(std::abs(b - a) < 0.05 * a);  // ... and learned as much
  CHECK(b < 0.8 * unigram_valid_nll_per_token(data));
  auto manifest = nlohmann::json::parse(std::ifstream(dir.file("bf16") + "/run.json"));
  CHECK(manifest["train_options"]["precision"] == "bf16");
  // the saved weights are fp32 and score the validation set in fp32 as the trainer reported
  auto prior = train::load_language_model(dir.file("bf16"), torch::kCPU);
  for (const auto& p : prior.model->parameters()) CHECK(p.scalar_type() == torch::kFloat);
  data::Dataset ds(data);
  auto va = train::TokenSequences::load(ds, "smiles_tokens", ds.split("r").split.valid, {});
  CHECK(train::corpus_nll(*prior.model, va).per_token() == Approx(b).epsilon(1e-6));

  auto prop = lm_options(data, dir.file("prop"), 1);
  prop.model = "fp_mlp";
  prop.precision = "bf16";
  CHECK_THROWS_WITH(train::train_run(prop), Catch::Contains("--precision bf16 applies to language-model training"));
  auto bad = lm_options(data, dir.file("bad"), 1);
  bad.precision = "fp16";
  CHECK_THROWS_WITH(train::train_run(bad), Catch::Contains("unknown precision 'fp16'"));
  CHECK_FALSE(fs::exists(dir.file("bad")));
}
