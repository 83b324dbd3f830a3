#include "chem/tokenizers/smiles_tokenizer.h"

#include <limits>

#include "core/error.h"

namespace hitforge::chem {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

TokenizeStatus fail(std::size_t offset, const char* message) {
  TokenizeStatus s;
  s.ok = false;
  s.offset = offset;
  s.message = message;
  return s;
}

}  // namespace

std::string TokenizeStatus::describe(std::string_view smiles) const {
  if (ok) {
    return "ok";
  }
  constexpr std::size_t kMaxShown = 80;
  const bool cut = smiles.size() > kMaxShown;
  return core::str_cat(message, " at position ", offset, " (0-based) in '", smiles.substr(0, kMaxShown),
                       cut ? "...'" : "'");
}

TokenizeStatus tokenize_spans(std::string_view s, std::vector<TokenSpan>& out) {
  out.clear();
  if (s.size() > std::numeric_limits<std::uint32_t>::max()) {
    return fail(0, "SMILES longer than 4 GiB");
  }
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = s[i];
    std::size_t len = 1;
    switch (c) {
      case '[': {
        std::size_t j = i + 1;
        while (j < n && s[j] != ']' && s[j] != '[') {
          ++j;
        }
        if (j == n || s[j] == '[') {
          return fail(i, "unbalanced '['");
        }
        if (j == i + 1) {
          return fail(i, "empty bracket atom '[]'");
        }
        len = j - i + 1;
        break;
      }
      case ']':
        return fail(i, "unbalanced ']'");
      case 'C':
        if (i + 1 < n && s[i + 1] == 'l') {
          len = 2;
        }
        break;
      case 'B':
        if (i + 1 < n && s[i + 1] == 'r') {
          len = 2;
        }
        break;
      case '%':
        if (i + 2 < n && is_digit(s[i + 1]) && is_digit(s[i + 2])) {
          len = 3;
        } else if (i + 1 < n && s[i + 1] == '(') {
          std::size_t j = i + 2;
          while (j < n && is_digit(s[j])) {
            ++j;
          }
          if (j == i + 2 || j == n || s[j] != ')') {
            return fail(i, "malformed ring-bond label after '%'");
          }
          len = j - i + 1;
        } else {
          return fail(i, "'%' not followed by two digits");
        }
        break;
      default:
        break;
    }
    out.push_back(TokenSpan{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(len)});
    i += len;
  }
  return TokenizeStatus{};
}

std::vector<std::string> tokenize(std::string_view smiles) {
  std::vector<TokenSpan> spans;
  spans.reserve(smiles.size());
  const TokenizeStatus st = tokenize_spans(smiles, spans);
  if (!st.ok) {
    throw core::UsageError(st.describe(smiles));
  }
  std::vector<std::string> tokens;
  tokens.reserve(spans.size());
  for (const TokenSpan& sp : spans) {
    tokens.emplace_back(smiles.substr(sp.offset, sp.length));
  }
  return tokens;
}

std::string detokenize(const std::vector<std::string>& tokens) {
  std::size_t total = 0;
  for (const auto& t : tokens) {
    total += t.size();
  }
  std::string out;
  out.reserve(total);
  for (const auto& t : tokens) {
    out += t;
  }
  return out;
}

}  // namespace hitforge::chem
