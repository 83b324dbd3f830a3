#pragma once
// Experience replay of goal-directed generation (REINVENT 2): the best molecules seen so far, unique by canonical
// SMILES, with the token sequence they were sampled as, so that a few of them join each step's loss and the agent
// keeps being reminded of what scored well.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace hitforge::train {

struct ReplayEntry {
  std::string smiles;               ///< canonical SMILES (the uniqueness key)
  std::vector<std::int64_t> body;   ///< token ids without <bos>/<eos>
  double score = 0;                 ///< the score the loss uses (after the diversity filter)
  double prior_log_likelihood = 0;  ///< log p_prior(sequence), nats
};

class ReplayBuffer {
 public:
  /// capacity 0 disables the buffer (add keeps nothing).
  explicit ReplayBuffer(std::size_t capacity) : capacity_(capacity) {}

  /// Merges `candidates`: entries with score <= 0 are ignored; a SMILES already held keeps the higher score (and
  /// that entry's sequence); then the best `capacity` are kept, ordered by score descending (ties: SMILES
  /// ascending, so the content never depends on hash order).
  void add(const std::vector<ReplayEntry>& candidates);
  /// Up to k distinct entries drawn uniformly without replacement (all of them when k >= size()).
  std::vector<ReplayEntry> sample(std::size_t k, std::mt19937_64& rng) const;

  const std::vector<ReplayEntry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::vector<ReplayEntry> entries_;
};

}  // namespace hitforge::train
