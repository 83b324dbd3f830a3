#pragma once
// `smiles_tokens`: the record's SMILES split into tokens (chem/tokenizers/smiles_tokenizer.h). The dataset writer
// turns tokens into ids with one vocabulary per block (specials <pad>=0 <bos>=1 <eos>=2 <unk>=3, then tokens in
// order of first appearance) stored with the block, so language models read ids and the vocabulary together.
#include "chem/featurizers/featurizer.h"

namespace hitforge::chem {

class SmilesTokensFeaturizer final : public Featurizer {
 public:
  std::string name() const override { return "smiles_tokens"; }
  std::string spec() const override { return "smiles_tokens"; }
  FeatureKind kind() const override { return FeatureKind::tokens; }
  std::size_t width() const override { return 0; }
  void compute_tokens(const RDKit::ROMol& mol, std::string_view smiles, std::vector<std::string>& out) const override;
};

}  // namespace hitforge::chem
