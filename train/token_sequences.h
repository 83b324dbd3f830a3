#pragma once
// Token sequences of a dataset's smiles_tokens block in memory, as language-model training sequences
// (<bos> ids <eos>), and length-bucketed minibatches over them.
//
// Length bucketing: a batch of randomly chosen SMILES padded to its longest member wastes a large part of a padded
// computation (~63 % measured on ChEMBL batches of 128). Batches are therefore cut from runs of similar length:
// shuffle, split into pools of `pool_batches` batches, sort each pool by length, cut into batches, shuffle the batch
// order. Every record appears once per epoch; the grouping is random (a function of the seed) but lengths inside a
// batch differ by a few tokens, and models::SmilesLSTM packs the rest away.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "models/sampling.h"

namespace hitforge::train {

class TokenSequences {
 public:
  /// Sequences of `records` from the tokens block `block`, each wrapped in <bos> ... <eos> (ids of `specials`).
  /// Records without tokens (invalid molecules) are skipped; records() says which were kept.
  static TokenSequences load(const data::Dataset& ds, const std::string& block,
                             const std::vector<std::int64_t>& records, const models::SpecialTokens& specials);
  /// Residue sequences of a protein dataset's /proteins/tokens (`dataset build --sequences`) for the given protein
  /// rows, each <bos> residues <eos>. The crop rule for a model that reads at most `max_length` tokens (> 0): a
  /// longer protein keeps <bos> and its first max_length − 1 residues and no <eos> — the model learns its N-terminal
  /// part and is never taught that a protein ends where it was cut. `cropped` (optional) counts them. Invalid
  /// proteins are skipped; records() are protein rows.
  static TokenSequences load_proteins(const data::Dataset& ds, const std::vector<std::int64_t>& proteins,
                                      const models::SpecialTokens& specials, std::int64_t max_length,
                                      std::int64_t* cropped = nullptr);
  /// From token-id bodies (no <bos>/<eos>), e.g. in tests; record numbers are 0..n-1.
  static TokenSequences from_bodies(const std::vector<std::vector<std::int64_t>>& bodies,
                                    const models::SpecialTokens& specials);

  std::size_t size() const { return lengths_.size(); }
  /// Length of sequence i including <bos> and <eos>.
  std::int64_t length(std::size_t i) const { return lengths_[i]; }
  const std::vector<std::int64_t>& lengths() const { return lengths_; }
  const std::vector<std::int64_t>& records() const { return records_; }
  /// Tokens the model predicts over all sequences: Σ (length − 1).
  std::int64_t predicted_tokens() const;
  /// Sequence i (with <bos> and <eos>).
  std::vector<std::int64_t> sequence(std::size_t i) const;
  /// Right-padded batch of rows `rows` (indices into this object).
  models::TokenBatch batch(const std::vector<std::int64_t>& rows) const;
  /// Rewrites every id through `table` (index: id here, value: id in another vocabulary, e.g. a prior's for
  /// --init-from). An id outside the table or mapped to a negative value is a UsageError naming the record and
  /// `describe(id)`.
  void remap(const std::vector<std::int64_t>& table, const std::function<std::string(std::int64_t)>& describe);

 private:
  /// Appends <bos> [first, last) (<eos> when with_eos) as the sequence of `record`.
  template <typename It>
  void add(It first, It last, bool with_eos, std::int64_t record);

  models::SpecialTokens specials_;
  std::vector<std::int64_t> ids_, offsets_{0}, lengths_, records_;
};

/// Length-bucketed batches over rows 0..lengths.size()-1 (see above); deterministic for a seed.
std::vector<std::vector<std::int64_t>> length_bucketed_batches(const std::vector<std::int64_t>& lengths,
                                                               std::size_t batch_size, std::uint64_t seed,
                                                               std::size_t pool_batches = 50);
/// Fraction of the positions of padded [B, max length] batches that would be padding: Σ(max − len) / Σ max.
double padding_fraction(const std::vector<std::vector<std::int64_t>>& batches, const std::vector<std::int64_t>& lengths);

}  // namespace hitforge::train
