#pragma once
// Randomised SMILES for language-model training (augmentation; Bjerrum 2017, Arús-Pous et al. 2019): the same
// molecule written from a random atom order, so a prior sees many spellings of each training molecule and learns the
// grammar rather than one canonical string per molecule.
//
// A spelling is drawn by renumbering the atoms with a random permutation and writing the SMILES without canonical
// ordering (RDKit: MolOps::renumberAtoms + MolToSmiles(canonical = false)) — the "restricted" randomised SMILES of
// Arús-Pous et al. Randomness comes from the seed only (one std::mt19937_64 per record, seeded from (seed, index)),
// so a seed gives the same spellings whatever the thread count.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chem/tokenizers/vocabulary.h"

namespace hitforge::chem {

/// A randomised SMILES of `smiles` (stereo and aromaticity as parsed) for `seed`; empty when RDKit cannot parse it.
std::string randomized_smiles(std::string_view smiles, std::uint64_t seed);

struct RandomizedTokens {
  /// Token ids of each input's randomised spelling (no <bos>/<eos>); empty where `fallback[i]`.
  std::vector<std::vector<std::int64_t>> ids;
  /// The input could not be respelled within the limits: it did not parse, the new spelling has a token outside
  /// `vocabulary` (e.g. a ring label "%10" that no training SMILES used), or it is longer than `max_tokens`. The
  /// caller keeps the original spelling for these.
  std::vector<bool> fallback;
  std::size_t fallbacks = 0;
};

/// Randomised spellings of `smiles` as token ids of `vocabulary`: record i uses the seed mix(seed, i). OpenMP-parallel
/// over records (thread count from core/threads). `max_tokens` <= 0: no limit.
RandomizedTokens randomized_token_ids(const std::vector<std::string>& smiles, const Vocabulary& vocabulary,
                                      std::uint64_t seed, std::int64_t max_tokens = 0);

}  // namespace hitforge::chem
