#pragma once
// Fixed protein vocabulary for sequence models: the Vocabulary specials, then the 20 standard amino acids in
// one-letter code, then X:
//   <pad>=0 <bos>=1 <eos>=2 <unk>=3  A=4 C D E F G H I K L M N P Q R S T V W Y=23  X=24   (size 25)
// Every letter is accepted, case-insensitively: the 20 standard ones map to themselves; B (D/N), Z (E/Q), J (I/L),
// U (selenocysteine), O (pyrrolysine) and X map to X. Anything else (digits, '*', '-', '.', spaces) is an error that
// names its 1-based position. decode() writes X for X and <unk>.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chem/tokenizers/vocabulary.h"

namespace hitforge::chem {

class ProteinTokenizer {
 public:
  static constexpr std::string_view kStandard = "ACDEFGHIKLMNPQRSTVWY";
  static constexpr std::int64_t kX = Vocabulary::kNumSpecials + 20;
  static constexpr std::size_t kSize = Vocabulary::kNumSpecials + 21;

  /// Ids of `sequence`, wrapped in <bos> ... <eos> when `add_bos_eos`. Throws core::UsageError naming the first bad
  /// character and its position.
  std::vector<std::int64_t> encode(std::string_view sequence, bool add_bos_eos = true) const;
  /// Residues up to the first <eos>; <pad>/<bos> skipped. Throws core::UsageError for ids outside [0, kSize).
  std::string decode(const std::vector<std::int64_t>& ids) const;
  /// Id of one residue letter, or -1 when `c` is not a letter.
  static std::int64_t id(char c);
  /// Empty when every character is acceptable, else the reason encode() would throw (for per-record statuses).
  static std::string check(std::string_view sequence);
  /// The same ids as a Vocabulary (tokens "<pad>".."<unk>", "A".."Y", "X"), e.g. to store in a checkpoint.
  static Vocabulary vocabulary();
  static constexpr std::size_t size() { return kSize; }
};

}  // namespace hitforge::chem
