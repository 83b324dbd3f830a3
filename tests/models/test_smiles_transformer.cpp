// Decoder-only Transformer language model: attention is causal (a later token never changes an earlier logit),
// padding changes nothing, sequence_nll is the log-softmax gathered from forward(), the key/value-cache decoder
// reproduces the full forward step by step (also after rows leave), sampled log-likelihoods are the model's own,
// every parameter learns, and the model overfits 20 SMILES until sampling gives them back.
#include <catch2/catch.hpp>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "lm_test_util.h"
#include "models/language_model.h"
#include "models/model_config.h"
#include "models/smiles_transformer.h"

using namespace hitforge;
using models::SmilesTransformer;
using models::SmilesTransformerOptions;
using testing::random_bodies;

namespace {

SmilesTransformer tiny_transformer(std::int64_t vocab = 12, std::int64_t layers = 2, double dropout = 0.0) {
  testing::lm_one_thread();
  torch::manual_seed(7);
  SmilesTransformer m(
      SmilesTransformerOptions(vocab).d_model(16).heads(4).layers(layers).dropout(dropout).max_positions(40));
  m->eval();
  return m;
}

}  // namespace

TEST_CASE("smiles_transformer: attention is causal and right padding changes nothing", "[models]") {
  auto m = tiny_transformer();
  torch::NoGradGuard ng;
  auto x = torch::tensor({{1, 5, 6, 7, 8, 9}}, torch::kLong);
  auto y = x.clone();
  y[0][4] = 11;  // change a later token
  auto lx = m->forward(x, torch::tensor({6}, torch::kLong)), ly = m->forward(y, torch::tensor({6}, torch::kLong));
  CHECK(torch::allclose(lx.narrow(1, 0, 4), ly.narrow(1, 0, 4), 1e-6, 1e-6));
  CHECK_FALSE(torch::allclose(lx.narrow(1, 4, 2), ly.narrow(1, 4, 2), 1e-4, 1e-4));
  // the same rows alone or in a padded batch: equal NLL
  auto bodies = random_bodies(7, 12, 12, 2);
  auto batch = models::make_token_batch(bodies, m->specials());
  auto nll = m->sequence_nll(batch.tokens, batch.lengths);
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    auto one = models::make_token_batch({bodies[i]}, m->specials());
    CHECK(m->sequence_nll(one.tokens, one.lengths)[0].item<double>() ==
          Approx(nll[static_cast<std::int64_t>(i)].item<double>()).margin(1e-5));
  }
  // forward(): zero past each row's length
  auto logits = m->forward(batch.tokens, batch.lengths);
  auto pad = torch::arange(batch.tokens.size(1)).unsqueeze(0) >= batch.lengths.unsqueeze(1);
  CHECK(logits.masked_select(pad.unsqueeze(2).expand_as(logits)).abs().sum().item<float>() == 0.0f);
}

TEST_CASE("smiles_transformer: log_likelihood is the sum of per-step log-softmax gathered from forward()",
          "[models]") {
  auto m = tiny_transformer(15, 3);
  auto bodies = random_bodies(6, 9, 15, 3);
  auto b = models::make_token_batch(bodies, m->specials());
  torch::NoGradGuard ng;
  auto lp = torch::log_softmax(m->forward(b.tokens.narrow(1, 0, b.tokens.size(1) - 1), b.lengths - 1), 2);
  models::SmilesTransformerModel wrapped(m);
  auto ll = wrapped.log_likelihood(b.tokens);
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const auto r = static_cast<std::int64_t>(i);
    double sum = 0;
    for (std::int64_t t = 0; t + 1 < b.lengths[r].item<std::int64_t>(); ++t)
      sum += lp[r][t][b.tokens[r][t + 1].item<std::int64_t>()].item<double>();
    CHECK(ll[r].item<double>() == Approx(sum).margin(1e-4));
  }
}

TEST_CASE("smiles_transformer: the key/value-cache decoder reproduces the full forward step by step", "[models]") {
  auto m = tiny_transformer(13, 3);
  auto b = models::make_token_batch(random_bodies(5, 36, 13, 4), m->specials());
  torch::NoGradGuard ng;
  const auto t_in = b.tokens.size(1) - 1;
  REQUIRE(t_in > 32);  // the cache starts at 32 positions: it must grow once
  auto full = m->forward(b.tokens.narrow(1, 0, t_in), torch::full({5}, t_in, torch::kLong));
  auto dec = m->make_decoder();
  dec->start(5);
  for (std::int64_t t = 0; t < t_in; ++t)
    CHECK(torch::allclose(dec->step(b.tokens.select(1, t)), full.select(1, t), 1e-4, 1e-5));
  // dropping rows keeps the others' caches
  dec->start(5);
  dec->step(b.tokens.select(1, 0));
  dec->step(b.tokens.select(1, 1));
  auto rows = torch::tensor({1, 3}, torch::kLong);
  dec->keep(rows);
  auto kept = dec->step(b.tokens.select(1, 2).index_select(0, rows));
  CHECK(torch::allclose(kept[0], full[1][2], 1e-4, 1e-5));
  CHECK(torch::allclose(kept[1], full[3][2], 1e-4, 1e-5));
  // past max_positions: a clear error, not a crash
  dec->start(1);
  CHECK_THROWS_WITH(
      [&] {
        for (int t = 0; t <= 40; ++t) dec->step(torch::tensor({5}, torch::kLong));
      }(),
      Catch::Contains("max_positions (40)"));
  CHECK_THROWS_WITH(m->forward(torch::ones({1, 41}, torch::kLong), torch::tensor({41}, torch::kLong)),
                    Catch::Contains("exceeds max_positions (40)"));
}

TEST_CASE("smiles_transformer: sampled log-likelihoods are the model's own; seeds reproduce", "[models]") {
  auto m = tiny_transformer(10, 2);
  models::SmilesTransformerModel lm(m);
  models::SampleOptions o;
  o.n = 48;
  o.max_length = 30;
  auto r = lm.sample(o, at::make_generator<at::CPUGeneratorImpl>(11));
  auto again = lm.sample(o, at::make_generator<at::CPUGeneratorImpl>(11));
  CHECK(r.sequences == again.sequences);
  std::vector<std::vector<std::int64_t>> complete;
  std::vector<double> ll;
  std::int64_t drawn = 0;
  for (std::size_t i = 0; i < r.sequences.size(); ++i) {
    for (auto t : r.sequences[i]) CHECK((t >= 4 && t < 10));
    drawn += static_cast<std::int64_t>(r.sequences[i].size()) + 1;  // + the <eos> step (or the cut one)
    if (r.complete[i]) {
      complete.push_back(r.sequences[i]);
      ll.push_back(r.log_likelihood[static_cast<std::int64_t>(i)].item<double>());
    }
  }
  REQUIRE(complete.size() > 10);
  CHECK(r.computed_tokens == drawn);  // one step per drawn token: the prefix is never recomputed
  o.max_length = 39;  // + <bos> + <eos> > max_positions 40: refused before any step
  CHECK_THROWS_WITH(lm.sample(o), Catch::Contains("use at most 38"));
  torch::NoGradGuard ng;
  auto check = lm.log_likelihood(models::make_token_batch(complete, m->specials()).tokens);
  for (std::size_t i = 0; i < complete.size(); ++i)
    CHECK(check[static_cast<std::int64_t>(i)].item<double>() == Approx(ll[i]).margin(1e-4));
}

TEST_CASE("smiles_transformer: gradients reach every parameter; dropout only in training", "[models]") {
  auto m = tiny_transformer(12, 2, 0.3);
  auto b = models::make_token_batch(random_bodies(6, 10, 12, 5), m->specials());
  m->train();
  m->sequence_nll(b.tokens, b.lengths).sum().backward();
  for (const auto& p : m->named_parameters()) {
    INFO(p.key());
    REQUIRE(p.value().grad().defined());
    // position rows past the longest sequence are never used; everything else learns
    auto g = p.key() == "position_embedding.weight" ? p.value().grad().narrow(0, 0, 2) : p.value().grad();
    CHECK(g.abs().sum().item<float>() > 0);
  }
  torch::NoGradGuard ng;
  CHECK_FALSE(torch::allclose(m->sequence_nll(b.tokens, b.lengths), m->sequence_nll(b.tokens, b.lengths)));
  m->eval();
  CHECK(torch::equal(m->sequence_nll(b.tokens, b.lengths), m->sequence_nll(b.tokens, b.lengths)));
}

TEST_CASE("smiles_transformer: overfitting 20 SMILES drives the NLL to its floor and sampling gives them back",
          "[models]") {
  const testing::CharCorpus corpus;
  testing::lm_one_thread();
  torch::manual_seed(0);
  SmilesTransformer m(SmilesTransformerOptions(corpus.vocab_size()).d_model(64).heads(4).layers(2).dropout(0.0));
  const double floor = std::log(20.0), unigram = corpus.unigram_nll_per_molecule();
  const double nll = testing::overfit_corpus(m, corpus, 3e-3, 600);
  INFO("NLL per molecule " << nll << " (floor " << floor << "), unigram " << unigram);
  CHECK(nll - floor < 0.1);
  CHECK(nll < 0.2 * unigram);
  models::SmilesTransformerModel lm(m);
  models::SampleOptions o;
  o.n = 200;
  o.max_length = 36;
  const auto h = testing::corpus_hits(corpus, lm.sample(o, at::make_generator<at::CPUGeneratorImpl>(1)).sequences);
  CHECK(h.hits >= 180);
  CHECK(h.distinct >= 18);
}

TEST_CASE("smiles_transformer: config round trip, registry, clone and clear errors", "[models]") {
  testing::lm_one_thread();
  models::ModelDims dims;
  dims.vocab_size = 30;
  auto a = models::make_language_model("smiles_transformer", {{"d_model", 32}, {"heads", 4}, {"layers", 2}}, dims);
  CHECK(a->name() == "smiles_transformer");
  CHECK(a->to_json()["ff_dim"] == 128);  // resolved default 4 · d_model
  CHECK(a->max_sequence_length() == 256);
  auto b = models::make_language_model(models::model_spec(*a));
  CHECK(b->to_json() == a->to_json());
  CHECK(b->parameter_count() == a->parameter_count());
  CHECK(models::is_language_model("smiles_transformer"));
  CHECK_THROWS_WITH(models::make_language_model("smiles_transformer", {{"d_model", 30}, {"heads", 4}}, dims),
                    Catch::Contains("multiple of heads"));
  CHECK_THROWS_WITH(models::make_language_model("smiles_transformer", {{"max_positions", 1}}, dims),
                    Catch::Contains("max_positions"));
  CHECK_THROWS_WITH(models::make_language_model("smiles_transformer", {{"hidden", 3}}, dims),
                    Catch::Contains("unknown key 'hidden'"));
  auto c = a->clone();
  auto seqs = models::make_token_batch({{5, 6, 7}, {8}}, a->specials());
  torch::NoGradGuard ng;
  a->eval();
  c->eval();
  CHECK(torch::equal(a->log_likelihood(seqs.tokens), c->log_likelihood(seqs.tokens)));
  c->parameters().front().add_(1.0);
  CHECK_FALSE(torch::equal(a->log_likelihood(seqs.tokens), c->log_likelihood(seqs.tokens)));
}
