// SMILES LSTM language model: the packed recurrence agrees with torch::nn::LSTM run over the padded batch, the
// log-likelihood is the sum of per-step log-softmax of the full forward, incremental decoding reproduces the full
// forward step by step, gradients reach every parameter, sampling options do what they say, and the model learns
// (overfits 20 SMILES until sampling gives back training strings).
#include <catch2/catch.hpp>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/torch_runtime.h"
#include "models/language_model.h"
#include "models/lstm_recurrence.h"
#include "models/model_config.h"
#include "models/smiles_lm.h"
#include "lm_test_util.h"

using namespace hitforge;
using models::SmilesLSTM;
using models::SmilesLSTMOptions;

namespace {

using testing::random_bodies;

SmilesLSTM tiny_lstm(std::int64_t vocab = 12, std::int64_t layers = 2, double dropout = 0.0) {
  testing::lm_one_thread();
  torch::manual_seed(7);
  return SmilesLSTM(SmilesLSTMOptions(vocab).embedding_dim(8).hidden(16).layers(layers).dropout(dropout));
}

// Reference: the whole padded batch through torch::nn::LSTM (padding computed), log-softmax, masked gather.
torch::Tensor reference_log_likelihood(SmilesLSTM& m, const models::TokenBatch& b) {
  auto inputs = b.tokens.narrow(1, 0, b.tokens.size(1) - 1);
  auto targets = b.tokens.narrow(1, 1, b.tokens.size(1) - 1);
  auto hidden = std::get<0>(m->lstm->forward(m->embedding->forward(inputs)));
  auto lp = torch::log_softmax(m->out->forward(hidden), 2).gather(2, targets.unsqueeze(2)).squeeze(2);
  auto mask = torch::arange(targets.size(1)).unsqueeze(0) < (b.lengths - 1).unsqueeze(1);
  return (lp * mask).sum(1);
}

// bf16 CPU autocast when `on`, switched off with its cast cache cleared at the end of the scope, also when a check
// throws, so a failure cannot leave autocast on for the test cases after it (train::AutocastScope does this for
// the trainers; this executable links only the models library).
class Bf16Autocast {
 public:
  explicit Bf16Autocast(bool on) {
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(on);
  }
  ~Bf16Autocast() {
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
  }
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;
};

}  // namespace

TEST_CASE("smiles_lstm: packed recurrence equals torch::nn::LSTM over the padded batch", "[models]") {
  auto m = tiny_lstm();
  m->eval();
  auto b = models::make_token_batch(random_bodies(9, 11, 12, 1), m->specials());
  torch::NoGradGuard ng;
  auto ours = m->log_likelihood(b.tokens);
  auto ref = reference_log_likelihood(m, b);
  CHECK(torch::allclose(ours, ref, 1e-5, 1e-5));
  // forward(): logits at the real positions equal the reference; padding positions are zero
  auto lengths = b.lengths - 1;
  auto inputs = b.tokens.narrow(1, 0, b.tokens.size(1) - 1);
  auto logits = m->forward(inputs, lengths);
  auto ref_logits = m->out->forward(std::get<0>(m->lstm->forward(m->embedding->forward(inputs))));
  auto mask = (torch::arange(inputs.size(1)).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(2);
  CHECK(torch::allclose(logits * mask, ref_logits * mask, 1e-5, 1e-5));
  CHECK(logits.masked_select(~mask.expand_as(logits)).abs().sum().item<float>() == 0.0f);
}


TEST_CASE("smiles_lstm: hand-written backward through time gives torch::nn::LSTM's gradients", "[models]") {
  // Sequences of different lengths (so steps carry state for some rows only), three layers, every parameter.
  auto m = tiny_lstm(12, 3);
  auto b = models::make_token_batch(random_bodies(13, 14, 12, 5), m->specials());
  REQUIRE(b.lengths.min().item<std::int64_t>() < b.lengths.max().item<std::int64_t>());
  auto grads = [&](bool reference) {
    m->zero_grad();
    auto ll = reference ? reference_log_likelihood(m, b) : m->log_likelihood(b.tokens);
    // weight each sequence differently so a gradient routed to the wrong row would show
    (ll * torch::linspace(0.5, 1.5, ll.size(0))).sum().backward();
    std::map<std::string, torch::Tensor> g;
    for (const auto& p : m->named_parameters()) g[p.key()] = p.value().grad().clone();
    return g;
  };
  const auto ours = grads(false), ref = grads(true);
  REQUIRE(ours.size() == ref.size());
  for (const auto& [name, g] : ref) {
    INFO(name);
    CHECK(g.abs().sum().item<float>() > 0.0f);
    CHECK(torch::allclose(ours.at(name), g, 1e-4, 1e-5));
  }
  // a one-step batch (every sequence is <bos><eos>): no recurrent product at all, w_hh's gradient is zero
  auto single = models::make_token_batch(std::vector<std::vector<std::int64_t>>(3), m->specials());
  m->zero_grad();
  m->log_likelihood(single.tokens).sum().backward();
  for (const auto& p : m->named_parameters())
    if (p.key().find("weight_hh") != std::string::npos) CHECK(p.value().grad().abs().sum().item<float>() == 0.0f);
}
TEST_CASE("lstm_recurrence: fused CPU node against the step-by-step version, fp32 and bf16; no double backward",
          "[models]") {
  testing::lm_one_thread();
  torch::manual_seed(3);
  const std::vector<std::int64_t> sizes{6, 6, 5, 3, 3, 1};  // rows leave the batch at different steps
  const std::int64_t h = 8, n = 24;
  auto pre0 = torch::randn({n, 4 * h}), w0 = 0.5 * torch::randn({4 * h, h});
  auto weights = torch::rand({n, h});  // a loss that weighs every output differently
  auto run = [&](bool fused, bool bf16) {
    auto pre = pre0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true);
    torch::Tensor y;
    {
      Bf16Autocast autocast(bf16);
      // under autocast the input projection arrives in bf16, as from the model's addmm
      auto x = bf16 ? pre.to(at::kBFloat16) : pre;
      y = fused ? models::lstm_recurrence(x, w, sizes) : models::lstm_recurrence_by_steps(x, w, sizes);
    }
    (y.to(torch::kFloat) * weights).sum().backward();
    return std::vector<torch::Tensor>{y.detach().to(torch::kFloat), pre.grad(), w.grad()};
  };
  const auto fused = run(true, false), steps = run(false, false), fused_bf16 = run(true, true);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("tensor " << i);
    CHECK(torch::allclose(fused[i], steps[i], 1e-5, 1e-6));
    // bf16 products keep ~3 significant digits: within a few per cent of fp32, but not equal to it
    const double rel = ((fused_bf16[i] - fused[i]).norm() / fused[i].norm()).item<double>();
    CHECK(rel < 0.03);
    CHECK(rel > 0.0);
  }
  auto pre = pre0.clone().requires_grad_(true);
  auto y = models::lstm_recurrence(pre, w0, sizes);
  // a graph of the gradient (create_graph) is refused instead of silently missing the hand-written part
  CHECK_THROWS_WITH(torch::autograd::grad({y.sum()}, {pre}, {}, /*retain_graph=*/true, /*create_graph=*/true),
                    Catch::Contains("double backward"));
}

TEST_CASE("gemm_rows: bounded padding and few distinct sizes", "[models]") {
  std::set<std::int64_t> sizes;
  for (std::int64_t n = 1; n <= 8192; ++n) {
    const std::int64_t r = models::gemm_rows(n);
    INFO("n = " << n);
    REQUIRE(r >= n);
    CHECK(r - n < 64 + n / 16);
    if (n >= 1024) CHECK((r - n) * 16 <= n);
    sizes.insert(r);
  }
  CHECK(models::gemm_rows(0) == 0);
  CHECK(models::gemm_rows(64) == 64);
  CHECK(sizes.size() <= 16 + 3 * 16);  // up to 1,024 rows, then three doublings
}

TEST_CASE("smiles_lstm: bf16 autocast with padded products stays within bf16 precision of fp32", "[models]") {
  auto m = tiny_lstm(12, 2);
  auto b = models::make_token_batch(random_bodies(10, 9, 12, 4), m->specials());
  const std::int64_t n_tokens = (b.lengths - 1).sum().item<std::int64_t>();
  REQUIRE(models::gemm_rows(n_tokens) > n_tokens);  // padding rows exist
  REQUIRE(models::gemm_rows(n_tokens - b.lengths.size(0)) > n_tokens - b.lengths.size(0));
  auto run = [&](bool bf16) {
    m->zero_grad();
    torch::Tensor ll;
    {
      Bf16Autocast autocast(bf16);
      ll = m->log_likelihood(b.tokens);
    }
    (ll * torch::linspace(0.5, 1.5, ll.size(0))).sum().backward();
    std::map<std::string, torch::Tensor> g;
    for (const auto& p : m->named_parameters()) g[p.key()] = p.value().grad().clone();
    g["ll"] = ll.detach().to(torch::kFloat);
    return g;
  };
  const auto fp32 = run(false), bf16 = run(true);
  for (const auto& [name, g] : fp32) {
    INFO(name);
    const double rel = ((bf16.at(name) - g).norm() / g.norm()).item<double>();
    CHECK(rel < 0.05);
  }
}

TEST_CASE("smiles_lstm: log_likelihood is the sum of per-step log-softmax gathered from forward()", "[models]") {
  auto m = tiny_lstm(15, 3);
  m->eval();
  auto bodies = random_bodies(7, 9, 15, 2);
  auto b = models::make_token_batch(bodies, m->specials());
  torch::NoGradGuard ng;
  auto logits = m->forward(b.tokens.narrow(1, 0, b.tokens.size(1) - 1), b.lengths - 1);
  auto lp = torch::log_softmax(logits, 2);
  auto ll = m->log_likelihood(b.tokens);
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    double sum = 0;
    const auto len = b.lengths[static_cast<std::int64_t>(i)].item<std::int64_t>();
    for (std::int64_t t = 0; t + 1 < len; ++t)
      sum += lp[static_cast<std::int64_t>(i)][t][b.tokens[static_cast<std::int64_t>(i)][t + 1].item<std::int64_t>()]
                 .item<double>();
    CHECK(ll[static_cast<std::int64_t>(i)].item<double>() == Approx(sum).margin(1e-4));
  }
  // a row's result does not depend on the rest of the batch (packing reorders rows by length)
  auto one = models::make_token_batch({bodies[3]}, m->specials());
  CHECK(m->log_likelihood(one.tokens)[0].item<double>() == Approx(ll[3].item<double>()).margin(1e-5));
}

TEST_CASE("smiles_lstm: incremental decoding reproduces the full forward step by step", "[models]") {
  auto m = tiny_lstm(13, 3);
  m->eval();
  auto bodies = random_bodies(5, 8, 13, 3);
  auto b = models::make_token_batch(bodies, m->specials());
  torch::NoGradGuard ng;
  const auto t_in = b.tokens.size(1) - 1;
  auto full = m->forward(b.tokens.narrow(1, 0, t_in), torch::full({5}, t_in, torch::kLong));  // padding fed too
  auto dec = m->make_decoder();
  dec->start(5);
  for (std::int64_t t = 0; t < t_in; ++t) {
    auto step = dec->step(b.tokens.select(1, t));
    CHECK(torch::allclose(step, full.select(1, t), 1e-5, 1e-5));
  }
  // dropping rows keeps the others' state
  dec->start(5);
  dec->step(b.tokens.select(1, 0));
  dec->keep(torch::tensor({1, 3}, torch::kLong));
  auto kept = dec->step(b.tokens.select(1, 1).index_select(0, torch::tensor({1, 3}, torch::kLong)));
  CHECK(torch::allclose(kept[0], full[1][1], 1e-5, 1e-5));
  CHECK(torch::allclose(kept[1], full[3][1], 1e-5, 1e-5));
}

TEST_CASE("smiles_lstm: sampled log-likelihoods equal log_likelihood() of the sampled sequences", "[models]") {
  auto m = tiny_lstm(10, 2);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  auto r = m->sample(64, 30, 1.0, 0, 1.0, gen);
  REQUIRE(r.sequences.size() == 64);
  std::vector<std::vector<std::int64_t>> complete;
  std::vector<double> ll;
  for (std::size_t i = 0; i < 64; ++i) {
    CHECK(!r.sequences[i].empty());  // min_length 1: never an empty SMILES
    for (auto t : r.sequences[i]) CHECK((t >= 4 && t < 10));  // no pad, bos, eos or unk inside
    if (r.complete[i]) {
      complete.push_back(r.sequences[i]);
      ll.push_back(r.log_likelihood[static_cast<std::int64_t>(i)].item<double>());
    } else {
      CHECK(r.sequences[i].size() == 30);
    }
  }
  REQUIRE(complete.size() > 10);
  torch::NoGradGuard ng;
  auto again = m->log_likelihood(models::make_token_batch(complete, m->specials()).tokens);
  for (std::size_t i = 0; i < complete.size(); ++i)
    CHECK(again[static_cast<std::int64_t>(i)].item<double>() == Approx(ll[i]).margin(1e-4));
  // tokens computed: one step per drawn token (eos included), never the prefix again
  std::int64_t drawn = 0;
  for (std::size_t i = 0; i < 64; ++i) drawn += static_cast<std::int64_t>(r.sequences[i].size()) + 1;
  CHECK(r.computed_tokens == drawn);
}

TEST_CASE("smiles_lstm: sampling is reproducible per generator seed; top-k 1 and tiny top-p are greedy", "[models]") {
  auto m = tiny_lstm(10, 2);
  auto g1 = at::make_generator<at::CPUGeneratorImpl>(5), g2 = at::make_generator<at::CPUGeneratorImpl>(5),
       g3 = at::make_generator<at::CPUGeneratorImpl>(6);
  auto a = m->sample(32, 20, 1.0, 0, 1.0, g1), b = m->sample(32, 20, 1.0, 0, 1.0, g2),
       c = m->sample(32, 20, 1.0, 0, 1.0, g3);
  CHECK(a.sequences == b.sequences);
  CHECK(a.sequences != c.sequences);
  auto k1 = m->sample(8, 20, 1.0, 1, 1.0, g1), k2 = m->sample(8, 20, 1.3, 1, 1.0, g3),
       p = m->sample(8, 20, 1.0, 0, 1e-6, g2);
  for (std::size_t i = 1; i < 8; ++i) CHECK(k1.sequences[i] == k1.sequences[0]);  // one greedy path
  CHECK(k1.sequences == k2.sequences);
  CHECK(k1.sequences == p.sequences);
  // greedy path = argmax of forward() at every step
  torch::NoGradGuard ng;
  auto seq = k1.sequences[0];
  std::vector<std::int64_t> inputs{m->options.bos_id()};
  inputs.insert(inputs.end(), seq.begin(), seq.end());
  auto x = torch::tensor(inputs, torch::kLong).unsqueeze(0);
  auto logits = m->forward(x, torch::tensor({x.size(1)}, torch::kLong))[0];
  for (std::size_t t = 0; t < seq.size(); ++t) {
    auto l = logits[static_cast<std::int64_t>(t)].clone();
    for (std::int64_t banned : {0, 1, 3}) l[banned] = -1e9;
    if (t == 0) l[2] = -1e9;  // no <eos> before the first token
    CHECK(l.argmax().item<std::int64_t>() == seq[t]);
  }
}

TEST_CASE("sampling_probabilities: temperature, top-k, top-p and banned tokens", "[models]") {
  auto logits = torch::tensor({{2.0f, 1.0f, 0.0f, -1.0f, 0.5f}});
  models::SampleOptions o;
  auto p = models::sampling_probabilities(logits, o, {});
  CHECK(torch::allclose(p, torch::softmax(logits, 1)));
  o.top_k = 2;
  p = models::sampling_probabilities(logits, o, {});
  CHECK((p[0][2].item<float>() == 0 && p[0][3].item<float>() == 0 && p[0][4].item<float>() == 0));
  CHECK(p[0][0].item<float>() == Approx(std::exp(1.0) / (std::exp(1.0) + 1.0)));
  o.top_k = 0;
  o.top_p = 0.5;
  // the top token banned, the others have 0.474, 0.287, 0.174, 0.064: the nucleus of 0.5 is the first two
  p = models::sampling_probabilities(logits, o, {0});
  CHECK(p[0][0].item<float>() == 0);
  CHECK(p[0][1].item<float>() == Approx(0.474 / (0.474 + 0.287)).margin(2e-3));
  CHECK(p[0][4].item<float>() > 0.0f);
  CHECK((p[0][2].item<float>() == 0 && p[0][3].item<float>() == 0));
  CHECK(p.sum().item<float>() == Approx(1.0));
  o.top_p = 1.0;
  o.temperature = 1e-3;  // near-greedy
  p = models::sampling_probabilities(logits, o, {});
  CHECK(p[0][0].item<float>() == Approx(1.0).margin(1e-6));
  o.temperature = 0;
  CHECK_THROWS_AS(models::validate(o), core::UsageError);
}

TEST_CASE("smiles_lstm: gradients reach every parameter; dropout only in training", "[models]") {
  auto m = tiny_lstm(12, 3, 0.3);
  auto b = models::make_token_batch(random_bodies(6, 10, 12, 4), m->specials());
  m->train();
  m->sequence_nll(b.tokens, b.lengths).sum().backward();
  for (const auto& p : m->named_parameters()) {
    INFO(p.key());
    REQUIRE(p.value().grad().defined());
    CHECK(p.value().grad().abs().sum().item<float>() > 0);
  }
  torch::NoGradGuard ng;
  auto t1 = m->sequence_nll(b.tokens, b.lengths), t2 = m->sequence_nll(b.tokens, b.lengths);
  CHECK_FALSE(torch::allclose(t1, t2));  // dropout active
  m->eval();
  CHECK(torch::equal(m->sequence_nll(b.tokens, b.lengths), m->sequence_nll(b.tokens, b.lengths)));
}

// An unconditional model of a set of 20 distinct strings cannot do better than the uniform distribution over them:
// its NLL per molecule has the floor ln 20 = 3.00 nats (≈ 0.3 nats per token here). Overfitting drives the NLL to
// that floor — the excess over it to near zero — and sampling then returns the training strings, all of them.
TEST_CASE("smiles_lstm: overfitting 20 SMILES drives the NLL to its floor and sampling gives them back", "[models]") {
  const testing::CharCorpus corpus;
  testing::lm_one_thread();
  torch::manual_seed(0);
  SmilesLSTM m(SmilesLSTMOptions(corpus.vocab_size()).embedding_dim(32).hidden(96).layers(2));
  const double floor = std::log(20.0), unigram = corpus.unigram_nll_per_molecule();
  const double nll = testing::overfit_corpus(m, corpus, 1e-2, 400);
  INFO("NLL per molecule " << nll << " (floor " << floor << "), unigram baseline " << unigram);
  CHECK(nll - floor < 0.1);
  CHECK(nll < 0.2 * unigram);
  auto r = m->sample(200, 40, 1.0, 0, 1.0, at::make_generator<at::CPUGeneratorImpl>(1));
  const auto h = testing::corpus_hits(corpus, r.sequences);
  CHECK(h.hits >= 180);       // sampled strings are training strings
  CHECK(h.distinct >= 18);    // ... and most of them come back, not one memorised string
}

TEST_CASE("smiles_lstm: config round trip, registry and clear errors", "[models]") {
  models::ModelDims dims;
  dims.vocab_size = 40;
  auto a = models::make_language_model("smiles_lstm", {{"hidden", 32}, {"layers", 2}, {"embedding_dim", 16}}, dims);
  CHECK(a->vocab_size() == 40);
  CHECK(a->to_json()["hidden"] == 32);
  auto spec = models::model_spec(*a);
  auto b = models::make_language_model(spec);
  CHECK(b->to_json() == a->to_json());
  CHECK(b->parameter_count() == a->parameter_count());
  CHECK(models::is_language_model("smiles_lstm"));
  CHECK_FALSE(models::is_language_model("dmpnn"));
  CHECK(models::known_language_models() ==
        std::vector<std::string>{"protein_lm", "smiles_lstm", "smiles_transformer"});
  {
    // protein_lm: the Transformer with protein-sized defaults, and errors that name it
    models::ModelDims pd;
    pd.vocab_size = 25;
    auto p = models::make_language_model("protein_lm", nullptr, pd);
    CHECK(p->name() == "protein_lm");
    CHECK(p->to_json()["d_model"] == 128);
    CHECK(p->to_json()["layers"] == 4);
    CHECK(p->max_sequence_length() == 512);
    CHECK(models::make_language_model(models::model_spec(*p))->name() == "protein_lm");
    CHECK_THROWS_WITH(models::make_language_model("protein_lm", {{"hiden", 3}}, pd),
                      Catch::Contains("protein_lm") && Catch::Contains("unknown key 'hiden'"));
  }
  CHECK_THROWS_WITH(models::make_language_model("smiles_lstm", {{"hiden", 3}}, dims),
                    Catch::Contains("unknown key 'hiden'"));
  CHECK_THROWS_WITH(models::make_language_model("smiles_lstm", nlohmann::json::object()),
                    Catch::Contains("vocab_size is unknown"));
  CHECK_THROWS_WITH(models::make_language_model("smiles_lstm", {{"vocab_size", 41}}, dims),
                    Catch::Contains("vocab_size is 41 but the data has 40"));
  CHECK_THROWS_WITH(models::make_language_model("smiles_lstm", {{"dropout", 1.5}}, dims), Catch::Contains("dropout"));
  CHECK_THROWS_WITH(models::make_model("smiles_lstm", nullptr), Catch::Contains("is a language model"));
  CHECK_THROWS_WITH(models::make_language_model("gpt", nullptr, dims), Catch::Contains("known: protein_lm, smiles_lstm"));
  // clone: same weights, independent storage
  auto c = a->clone();
  auto seqs = models::make_token_batch({{5, 6, 7}, {8}}, a->specials());
  torch::NoGradGuard ng;
  a->eval();
  c->eval();
  CHECK(torch::equal(a->log_likelihood(seqs.tokens), c->log_likelihood(seqs.tokens)));
  c->parameters().front().add_(1.0);
  CHECK_FALSE(torch::equal(a->log_likelihood(seqs.tokens), c->log_likelihood(seqs.tokens)));
}
