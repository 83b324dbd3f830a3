#pragma once
// Shared fixtures of the language-model tests (test_smiles_lm.cpp, test_smiles_transformer.cpp): one-thread runtime,
// random token bodies, and a 20-SMILES character-level corpus for overfitting tests.
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/torch_runtime.h"
#include "models/sampling.h"

namespace hitforge::testing {

// Tiny models run on one thread: their ops are too small to share, and OpenMP barriers on a busy machine cost more
// than the ops themselves (measured: the LSTM overfit test took 3 s on 1 thread, 99 s on 2 threads on a loaded
// 2-core VM).
inline void lm_one_thread() {
  core::RuntimeOptions rt;
  rt.threads = 1;
  rt.check_blas = false;
  core::init_runtime(rt);
}

// Random bodies of 1..max_body ordinary tokens (ids 4..vocab-1), no <bos>/<eos>.
inline std::vector<std::vector<std::int64_t>> random_bodies(int n, int max_body, std::int64_t vocab, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<std::int64_t>> out;
  for (int i = 0; i < n; ++i) {
    std::vector<std::int64_t> b(std::uniform_int_distribution<int>(1, max_body)(rng));
    for (auto& t : b) t = std::uniform_int_distribution<std::int64_t>(4, vocab - 1)(rng);
    out.push_back(b);
  }
  return out;
}

// 20 distinct SMILES as character-level token ids (ids from 4; the model tests stay out of chem/ tokenizers).
// An unconditional model of 20 distinct strings cannot beat the uniform distribution over them: NLL per molecule
// has the floor ln 20 = 3.00 nats.
struct CharCorpus {
  std::vector<std::string> smiles{
      "CCO",       "c1ccccc1",  "CC(=O)O",   "CCN(CC)CC",       "O=C(O)c1ccccc1", "CC(C)Cc1ccccc1", "C1CCCCC1",
      "CCOC(=O)C", "Nc1ccccc1", "CC(=O)Nc1ccccc1", "ClCCl",     "CC#N",           "OCC(O)CO",       "c1ccncc1",
      "CCCCCCCC",  "CS(C)=O",   "FC(F)(F)c1ccccc1", "C=CC=C",   "CC(C)(C)O",      "O=C1CCCCC1"};
  std::vector<char> chars = std::vector<char>(4, '?');
  std::vector<std::vector<std::int64_t>> bodies;

  CharCorpus() {
    std::map<char, std::int64_t> ids;
    for (const auto& s : smiles) {
      std::vector<std::int64_t> b;
      for (char ch : s) {
        if (!ids.count(ch)) {
          ids[ch] = static_cast<std::int64_t>(chars.size());
          chars.push_back(ch);
        }
        b.push_back(ids[ch]);
      }
      bodies.push_back(b);
    }
  }
  std::int64_t vocab_size() const { return static_cast<std::int64_t>(chars.size()); }
  std::string text(const std::vector<std::int64_t>& body) const {
    std::string s;
    for (auto t : body) s += chars[static_cast<std::size_t>(t)];
    return s;
  }
  // NLL per molecule of the training set's unigram token distribution (<eos> included): the trivial baseline.
  double unigram_nll_per_molecule() const {
    std::vector<double> counts(chars.size(), 0.0);
    double tokens = 0;
    for (const auto& b : bodies) {
      for (auto t : b) counts[static_cast<std::size_t>(t)] += 1;
      counts[2] += 1;
      tokens += static_cast<double>(b.size()) + 1;
    }
    double nll = 0;
    for (double c : counts)
      if (c > 0) nll -= c * std::log(c / tokens);
    return nll / static_cast<double>(bodies.size());
  }
};

// Adam on the whole corpus as one batch until the NLL per molecule is within 0.05 nats of its floor ln 20 (or
// max_steps); returns the last NLL per molecule. `Net` is a module holder with sequence_nll (SmilesLSTM,
// SmilesTransformer).
template <typename Net>
double overfit_corpus(Net& m, const CharCorpus& corpus, double lr, int max_steps) {
  auto batch = models::make_token_batch(corpus.bodies, m->specials());
  const double tokens = (batch.lengths - 1).sum().template item<double>();
  const double n = static_cast<double>(corpus.bodies.size());
  torch::optim::Adam opt(m->parameters(), torch::optim::AdamOptions(lr));
  double nll = 0;
  for (int step = 0; step < max_steps; ++step) {
    opt.zero_grad();
    auto loss = m->sequence_nll(batch.tokens, batch.lengths).sum() / tokens;
    loss.backward();
    opt.step();
    nll = loss.template item<double>() * tokens / n;
    if (nll - std::log(n) < 0.05) break;
  }
  return nll;
}

// How many sampled sequences are training strings, and how many distinct training strings came back.
struct CorpusHits {
  int hits = 0;
  std::size_t distinct = 0;
};
inline CorpusHits corpus_hits(const CharCorpus& corpus, const std::vector<std::vector<std::int64_t>>& sequences) {
  std::set<std::string> training(corpus.smiles.begin(), corpus.smiles.end()), seen;
  CorpusHits h;
  for (const auto& seq : sequences) {
    const std::string s = corpus.text(seq);
    if (training.count(s)) ++h.hits, seen.insert(s);
  }
  h.distinct = seen.size();
  return h;
}

}  // namespace hitforge::testing
