#include "chem/tokenizers/protein_tokenizer.h"

#include <array>

#include "core/error.h"

namespace hitforge::chem {
namespace {

using Table = std::array<std::int8_t, 256>;

Table make_table() {
  Table t{};
  t.fill(-1);
  for (char c = 'A'; c <= 'Z'; ++c) {
    const auto pos = ProteinTokenizer::kStandard.find(c);
    const auto id = pos == std::string_view::npos ? ProteinTokenizer::kX
                                                  : static_cast<std::int64_t>(Vocabulary::kNumSpecials + pos);
    t[static_cast<unsigned char>(c)] = static_cast<std::int8_t>(id);
    t[static_cast<unsigned char>(c - 'A' + 'a')] = static_cast<std::int8_t>(id);
  }
  return t;
}

const Table& table() {
  static const Table t = make_table();
  return t;
}

std::string bad_char_reason(std::string_view seq, std::size_t i) {
  const auto byte = static_cast<unsigned char>(seq[i]);
  const bool printable = byte >= 0x21 && byte < 0x7f;
  return core::str_cat("invalid protein residue ",
                       printable ? core::str_cat("'", seq[i], "'") : core::str_cat("byte 0x", std::hex, int(byte)),
                       " at position ", i + 1, " of ", seq.size(), " (expected one-letter amino-acid codes)");
}

}  // namespace

std::int64_t ProteinTokenizer::id(char c) {
  return table()[static_cast<unsigned char>(c)];
}

std::string ProteinTokenizer::check(std::string_view sequence) {
  const Table& t = table();
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    if (t[static_cast<unsigned char>(sequence[i])] < 0) {
      return bad_char_reason(sequence, i);
    }
  }
  return {};
}

std::vector<std::int64_t> ProteinTokenizer::encode(std::string_view sequence, bool add_bos_eos) const {
  const Table& t = table();
  std::vector<std::int64_t> ids;
  ids.reserve(sequence.size() + (add_bos_eos ? 2 : 0));
  if (add_bos_eos) {
    ids.push_back(Vocabulary::kBos);
  }
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const std::int8_t v = t[static_cast<unsigned char>(sequence[i])];
    if (v < 0) {
      throw core::UsageError(bad_char_reason(sequence, i));
    }
    ids.push_back(v);
  }
  if (add_bos_eos) {
    ids.push_back(Vocabulary::kEos);
  }
  return ids;
}

std::string ProteinTokenizer::decode(const std::vector<std::int64_t>& ids) const {
  std::string out;
  out.reserve(ids.size());
  for (const std::int64_t i : ids) {
    HITFORGE_REQUIRE(i >= 0 && static_cast<std::size_t>(i) < kSize, "protein token id ", i,
                     " outside the vocabulary of size ", kSize);
    if (i == Vocabulary::kEos) {
      break;
    }
    if (i == Vocabulary::kPad || i == Vocabulary::kBos) {
      continue;
    }
    if (i == Vocabulary::kUnk || i == kX) {
      out += 'X';
    } else {
      out += kStandard[static_cast<std::size_t>(i) - Vocabulary::kNumSpecials];
    }
  }
  return out;
}

Vocabulary ProteinTokenizer::vocabulary() {
  Vocabulary v;
  for (const char c : kStandard) {
    v.add(std::string_view(&c, 1));
  }
  v.add("X");
  return v;
}

}  // namespace hitforge::chem
