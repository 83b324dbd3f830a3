#pragma once
// Token ↔ id mapping for sequence models (SMILES and protein language models share it).
//
// Ids are dense, 0..size()-1. The four specials come first and never move:
//   <pad> = 0 (padding; embedding row ignored), <bos> = 1, <eos> = 2, <unk> = 3 (any token not in the vocabulary).
// Ids are std::int64_t so that encoded sequences feed torch::from_blob(..., torch::kLong) without a conversion.
//
// Saved as JSON (to_json / save):
//   {"format": "hitforge.vocabulary", "version": 1, "tokens": ["<pad>", "<bos>", "<eos>", "<unk>", "C", ...]}
// where tokens[i] is the token with id i. Files are published atomically (core::write_file_atomic).
//
// The header only forward-declares nlohmann::json; include <nlohmann/json.hpp> to call to_json/from_json.
//
// Not synchronised: build and add from one thread; the const methods may then be called from any number of threads.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hitforge::chem {

class Vocabulary {
 public:
  static constexpr std::int64_t kPad = 0;
  static constexpr std::int64_t kBos = 1;
  static constexpr std::int64_t kEos = 2;
  static constexpr std::int64_t kUnk = 3;
  static constexpr std::size_t kNumSpecials = 4;
  static constexpr std::string_view kPadToken = "<pad>";
  static constexpr std::string_view kBosToken = "<bos>";
  static constexpr std::string_view kEosToken = "<eos>";
  static constexpr std::string_view kUnkToken = "<unk>";

  /// Only the four specials.
  Vocabulary();

  /// Counts tokens over all streams and adds those seen at least `min_count` times, most frequent first, ties in
  /// byte-wise lexicographic order — the same streams always give the same ids. Special tokens in the streams are
  /// not counted (they already have ids). `max_size` > 0 caps size() including the specials.
  static Vocabulary build(const std::vector<std::vector<std::string>>& token_streams, std::size_t min_count = 1,
                          std::size_t max_size = 0);
  /// Same ordering rule from precomputed counts, for callers that stream a large corpus without keeping it.
  static Vocabulary from_counts(const std::unordered_map<std::string, std::size_t>& counts, std::size_t min_count = 1,
                                std::size_t max_size = 0);

  /// Adds `token` at the end if absent; returns its id either way. Throws UsageError for an empty token.
  std::int64_t add(std::string_view token);
  /// Id of `token`, or kUnk when absent.
  std::int64_t id(std::string_view token) const;
  bool contains(std::string_view token) const;
  /// Token with id `id`; throws UsageError when out of range.
  const std::string& token(std::int64_t id) const;
  std::size_t size() const { return tokens_.size(); }
  /// All tokens in id order (specials first).
  const std::vector<std::string>& tokens() const { return tokens_; }

  /// Ids of `tokens` (unknown → kUnk), wrapped in kBos ... kEos when `add_bos_eos`.
  std::vector<std::int64_t> encode(const std::vector<std::string>& tokens, bool add_bos_eos = true) const;
  /// Tokens of `ids` up to (not including) the first kEos; kPad and kBos are skipped, kUnk gives "<unk>".
  /// Throws UsageError for an id outside [0, size()).
  std::vector<std::string> decode(const std::vector<std::int64_t>& ids) const;
  /// decode() joined into one string (for SMILES, the SMILES).
  std::string decode_string(const std::vector<std::int64_t>& ids) const;

  nlohmann::json to_json() const;
  /// Throws UsageError when the document is not a vocabulary of this format (wrong specials, duplicates, ...).
  static Vocabulary from_json(const nlohmann::json& j);
  /// Atomic write of to_json() (pretty-printed). Throws UsageError naming the path on failure.
  void save(const std::string& path) const;
  /// Throws UsageError naming the path when it cannot be read or is not a vocabulary.
  static Vocabulary load(const std::string& path);

  bool operator==(const Vocabulary& o) const { return tokens_ == o.tokens_; }
  bool operator!=(const Vocabulary& o) const { return !(*this == o); }

 private:
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, std::int64_t> ids_;
};

}  // namespace hitforge::chem
