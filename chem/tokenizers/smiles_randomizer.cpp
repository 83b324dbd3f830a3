#include "chem/tokenizers/smiles_randomizer.h"

#include <algorithm>
#include <memory>
#include <numeric>
#include <random>

#include <GraphMol/MolOps.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include "chem/tokenizers/smiles_tokenizer.h"
#include "core/threads.h"

namespace hitforge::chem {

namespace {

// splitmix64 finaliser: decorrelates the per-record seeds of consecutive indices.
std::uint64_t mix(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

std::string randomized_smiles(std::string_view smiles, std::uint64_t seed) {
  std::unique_ptr<RDKit::RWMol> mol;
  try {
    mol.reset(RDKit::SmilesToMol(std::string(smiles)));
  } catch (...) {
    return {};
  }
  if (!mol || mol->getNumAtoms() == 0) return {};
  std::vector<unsigned int> order(mol->getNumAtoms());
  std::iota(order.begin(), order.end(), 0U);
  std::mt19937_64 rng(seed);
  // Fisher–Yates with our own index draws: std::shuffle's use of the engine is implementation-defined
  for (std::size_t i = order.size() - 1; i > 0; --i) {
    std::swap(order[i], order[std::uniform_int_distribution<std::size_t>(0, i)(rng)]);
  }
  std::unique_ptr<RDKit::ROMol> renumbered(RDKit::MolOps::renumberAtoms(*mol, order));
  return RDKit::MolToSmiles(*renumbered, /*doIsomericSmiles=*/true, /*doKekule=*/false, /*rootedAtAtom=*/-1,
                            /*canonical=*/false);
}

RandomizedTokens randomized_token_ids(const std::vector<std::string>& smiles, const Vocabulary& vocabulary,
                                      std::uint64_t seed, std::int64_t max_tokens) {
  const auto n = static_cast<std::int64_t>(smiles.size());
  RandomizedTokens r;
  r.ids.resize(smiles.size());
  std::vector<char> fallback(smiles.size(), 0);
  const int threads = core::configured_threads();
#pragma omp parallel num_threads(threads) if (threads > 1 && n > 64)
  {
    std::vector<TokenSpan> spans;
#pragma omp for schedule(dynamic, 64)
    for (std::int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const std::string s = randomized_smiles(smiles[k], mix(seed, static_cast<std::uint64_t>(i)));
      bool ok = !s.empty() && tokenize_spans(s, spans).ok &&
                (max_tokens <= 0 || static_cast<std::int64_t>(spans.size()) <= max_tokens);
      if (ok) {
        auto& ids = r.ids[k];
        ids.reserve(spans.size());
        for (const auto& sp : spans) {
          const std::string_view tok(s.data() + sp.offset, sp.length);
          const std::int64_t id = vocabulary.id(tok);
          if (id == Vocabulary::kUnk) {  // not a token the vocabulary knows
            ok = false;
            break;
          }
          ids.push_back(id);
        }
      }
      if (!ok) {
        r.ids[k].clear();
        fallback[k] = 1;
      }
    }
  }
  r.fallback.assign(fallback.begin(), fallback.end());
  r.fallbacks = static_cast<std::size_t>(std::count(fallback.begin(), fallback.end(), 1));
  return r;
}

}  // namespace hitforge::chem
