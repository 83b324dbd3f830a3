// Protein sequences as language-model training data: the crop rule of TokenSequences::load_proteins (a protein
// longer than the model reads keeps <bos> and its first max_length − 1 residues and no <eos>), and the unigram
// baseline of metrics.json.
#include <catch2/catch.hpp>

#include <torch/torch.h>

#include <cmath>
#include <fstream>

#include "chem/tokenizers/protein_tokenizer.h"
#include "datasets/dataset.h"
#include "datasets/protein_builder.h"
#include "train/lm_trainer.h"
#include "train/token_sequences.h"
#include "test_util.h"

using namespace hitforge;

TEST_CASE("load_proteins wraps short proteins in <bos>/<eos> and crops long ones without <eos>", "[train][protein]") {
  testing::TempDir dir;
  std::ofstream(dir.file("p.fasta")) << ">short\nMKT\n>exact\nACDEFG\n>long\nACDEFGHIKL\n>bad\nMK#\n";
  data::ProteinBuildOptions o;
  o.inputs = {dir.file("p.fasta")};
  o.output = dir.file("p.h5");
  build_protein_dataset(o);
  data::Dataset ds(o.output);
  const models::SpecialTokens sp;
  std::int64_t cropped = -1;
  // max_length 8: up to 6 residues fit with <bos> and <eos>
  auto s = train::TokenSequences::load_proteins(ds, {0, 1, 2, 3}, sp, 8, &cropped);
  CHECK(cropped == 1);
  REQUIRE(s.size() == 3);  // the invalid protein has no tokens
  CHECK(s.records() == std::vector<std::int64_t>{0, 1, 2});
  chem::ProteinTokenizer tok;
  CHECK(s.sequence(0) == tok.encode("MKT"));
  CHECK(s.sequence(1) == tok.encode("ACDEFG"));
  auto cut = tok.encode("ACDEFGH", /*add_bos_eos=*/false);
  cut.insert(cut.begin(), sp.bos);
  CHECK(s.sequence(2) == cut);  // <bos> + 7 residues = 8 tokens, no <eos>
  CHECK(s.length(2) == 8);
  CHECK(s.predicted_tokens() == 4 + 7 + 7);
  // no limit: everything whole
  auto whole = train::TokenSequences::load_proteins(ds, {2}, sp, 0);
  CHECK(whole.sequence(0) == tok.encode("ACDEFGHIKL"));
  CHECK_THROWS(train::TokenSequences::load_proteins(ds, {9}, sp, 8));
}

TEST_CASE("unigram baseline: add-one token frequencies of the training sequences", "[train][protein]") {
  const models::SpecialTokens sp;
  // bodies over ids 4 and 5; predicted tokens: 4,4,5,<eos> and 4,<eos>
  auto train_seqs = train::TokenSequences::from_bodies({{4, 4, 5}, {4}}, sp);
  auto f = train::unigram_frequencies(train_seqs, 6);
  // counts + 1 each over 6 ids: pad 1, bos 1, eos 3, unk 1, 4 → 4, 5 → 2; total 12
  CHECK(f[4] == Approx(4.0 / 12));
  CHECK(f[2] == Approx(3.0 / 12));
  CHECK(f[0] == Approx(1.0 / 12));
  auto eval = train::TokenSequences::from_bodies({{5}}, sp);
  auto c = train::unigram_nll(f, eval);
  CHECK(c.tokens == 2);
  CHECK(c.per_token() == Approx(-(std::log(2.0 / 12) + std::log(3.0 / 12)) / 2));
}
