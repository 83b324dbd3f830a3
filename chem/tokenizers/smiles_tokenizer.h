#pragma once
// SMILES tokenizer for language models: the token classes of the usual regex (Schwaller et al., ACS Cent. Sci. 2019)
// with a hand-written scanner (std::regex is ~100× slower):
//   "[...]"        a bracket atom with everything inside it ("[C@@H]", "[nH]", "[13CH3+]") — one token;
//   "Cl", "Br"     the two-letter organic-subset elements — one token ("Sc" outside brackets is S then aromatic c);
//   "%nn"          a two-digit ring-bond label ("%12"), also RDKit's "%(nnn)" — one token;
//   anything else  one byte, one token (atoms C N O ..., bonds - = # $ : / \, branches ( ), digits, '.', '*', ...).
// Concatenating the tokens gives back the input exactly (detokenize). The scanner checks token syntax only, not
// chemistry: "[Xx]" is one token. Errors: '[' without ']' (also '[' inside a bracket), ']' without '[', "[]", '%'
// not followed by two digits or "(digits)".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hitforge::chem {

/// One token as a byte range of the input: input.substr(offset, length).
struct TokenSpan {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
};

/// Outcome of tokenize_spans. `message` points to a static string (no allocation); `offset` is the 0-based byte
/// position of the offending character.
struct TokenizeStatus {
  bool ok = true;
  std::size_t offset = 0;
  const char* message = "";
  /// "unbalanced '[' at position 3 (0-based) in 'CC[C@@H'": for logs and UsageError.
  std::string describe(std::string_view smiles) const;
};

/// Zero-allocation tokenizer: clears `out` and appends one span per token, reusing out's capacity (so repeated calls
/// with one vector allocate nothing once it is large enough). On error `out` holds the tokens before the error.
/// Inputs longer than 4 GiB are rejected.
TokenizeStatus tokenize_spans(std::string_view smiles, std::vector<TokenSpan>& out);

/// Tokens as strings. Throws core::UsageError (from TokenizeStatus::describe) on malformed input.
std::vector<std::string> tokenize(std::string_view smiles);

/// Concatenation of the tokens: detokenize(tokenize(s)) == s.
std::string detokenize(const std::vector<std::string>& tokens);

}  // namespace hitforge::chem
