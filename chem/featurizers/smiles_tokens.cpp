#include "chem/featurizers/smiles_tokens.h"

#include "chem/tokenizers/smiles_tokenizer.h"
#include "core/error.h"

namespace hitforge::chem {

void SmilesTokensFeaturizer::compute_tokens(const RDKit::ROMol&, std::string_view smiles,
                                            std::vector<std::string>& out) const {
  thread_local std::vector<TokenSpan> spans;
  TokenizeStatus st = tokenize_spans(smiles, spans);
  if (!st.ok) throw core::UsageError(st.describe(smiles));
  out.clear();
  out.reserve(spans.size());
  for (const auto& sp : spans) out.emplace_back(smiles.substr(sp.offset, sp.length));
}

}  // namespace hitforge::chem
