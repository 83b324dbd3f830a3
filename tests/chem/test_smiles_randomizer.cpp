// Randomised SMILES (training augmentation): every spelling is the same molecule, spellings vary with the seed and
// repeat for a seed, token ids use the given vocabulary with fallbacks where it lacks a token or a spelling is too
// long, and the result does not depend on the thread count.
#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include "chem/tokenizers/smiles_randomizer.h"
#include "chem/tokenizers/smiles_tokenizer.h"
#include "chem/tokenizers/vocabulary.h"
#include "core/threads.h"

using namespace hitforge;

namespace {

std::string canonical(const std::string& smiles) {
  std::unique_ptr<RDKit::ROMol> m(RDKit::SmilesToMol(smiles));
  return m ? RDKit::MolToSmiles(*m) : std::string();
}

const std::vector<std::string> kMolecules{
    "CC(=O)Oc1ccccc1C(=O)O",                  // aspirin
    "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",           // caffeine
    "C[C@H](N)C(=O)O",                        // L-alanine: stereo must survive
    "O=C(O)c1ccc(/C=C/c2ccccc2)cc1",          // E double bond
    "c1ccc2c(c1)[nH]c1ccccc12",               // carbazole
    "CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)O",        // (S)-ibuprofen
    "[Na+].[O-]C(=O)c1ccccc1"};               // two fragments

}  // namespace

TEST_CASE("randomized_smiles: the same molecule, other spellings per seed, repeatable", "[chem]") {
  for (const auto& s : kMolecules) {
    INFO(s);
    const std::string canon = canonical(s);
    std::set<std::string> spellings;
    for (std::uint64_t seed = 0; seed < 12; ++seed) {
      const std::string r = chem::randomized_smiles(canon, seed);
      REQUIRE_FALSE(r.empty());
      CHECK(canonical(r) == canon);
      CHECK(chem::randomized_smiles(canon, seed) == r);
      spellings.insert(r);
    }
    CHECK(spellings.size() >= 3);
  }
  CHECK(chem::randomized_smiles("C1CC", 0).empty());  // unclosed ring: no spelling, no throw
  CHECK(chem::randomized_smiles("", 0).empty());
}

TEST_CASE("randomized_token_ids: vocabulary ids, fallbacks, thread-count independence", "[chem]") {
  std::vector<std::string> canon;
  std::vector<std::vector<std::string>> streams;
  for (const auto& s : kMolecules) canon.push_back(canonical(s));
  // vocabulary from many spellings, so that the randomised ones are covered
  for (const auto& s : canon)
    for (std::uint64_t seed = 0; seed < 50; ++seed) streams.push_back(chem::tokenize(chem::randomized_smiles(s, seed)));
  auto vocab = chem::Vocabulary::build(streams);

  std::vector<std::string> many;
  for (int k = 0; k < 40; ++k) many.insert(many.end(), canon.begin(), canon.end());
  core::configure_threads(1);
  auto one = chem::randomized_token_ids(many, vocab, 7);
  core::configure_threads(2);
  auto two = chem::randomized_token_ids(many, vocab, 7);
  CHECK(one.ids == two.ids);
  CHECK(one.fallbacks == 0);
  std::set<std::vector<std::int64_t>> distinct_aspirin;
  for (std::size_t i = 0; i < many.size(); ++i) {
    CHECK(canonical(vocab.decode_string(one.ids[i])) == many[i]);
    if (i % canon.size() == 0) distinct_aspirin.insert(one.ids[i]);
  }
  CHECK(distinct_aspirin.size() > 5);  // the copies of one molecule get different spellings
  CHECK(chem::randomized_token_ids(many, vocab, 8).ids != one.ids);

  // a vocabulary without '=' cannot spell aspirin: fallback, the others unaffected
  auto small = chem::Vocabulary::build({chem::tokenize("C(C)O")});  // every spelling of ethanol, nothing more
  auto r = chem::randomized_token_ids({canon[0], "CCO", "not a smiles"}, small, 1);
  CHECK(r.fallback == std::vector<bool>{true, false, true});
  CHECK(r.fallbacks == 2);
  CHECK(r.ids[0].empty());
  CHECK(canonical(small.decode_string(r.ids[1])) == "CCO");
  // too long for max_tokens: fallback
  auto capped = chem::randomized_token_ids({canon[0]}, vocab, 1, 5);
  CHECK(capped.fallback[0]);
  core::configure_threads(1);
}
